/* server: running an instance (`kartd run`). */
#ifndef KART_SERVER_H
#define KART_SERVER_H

#include "kartd.h"

/* Runs until SIGTERM/SIGINT. Returns a process exit code. */
int kartd_run(const char *dir, const char *listen);

#endif
