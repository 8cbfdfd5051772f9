/* server: running an instance (`kartd run`). Not for handlers (req.h). */
#ifndef KART_SERVER_H
#define KART_SERVER_H

#include "instance.h"

/* Runs until SIGTERM/SIGINT; SIGHUP reloads. config: --config FILE (NULL:
 * the site's file if it exists; conf.h). Returns a process exit code. */
int kartd_run(const char *dir, const char *config, const char *listen);
/* Once stopping and nothing is left in flight: ends the loop's handles. */
void server_maybe_finish(struct server *srv);

#endif
