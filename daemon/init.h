/* init: creating an instance directory, and reading its secrets. */
#ifndef KART_INIT_H
#define KART_INIT_H

#include <stdint.h>

/* Returns a process exit code. */
int kartd_init(const char *dir, const char *listen);
int kartd_load_audit_key(const char *dir, uint8_t key[32]);
/* The same from any file (a backed-up audit.key): 0, or -1 (logged). */
int kartd_load_key_file(const char *path, uint8_t key[32]);

#endif
