/* offline: `kartd unlock` and `kartd passwd`, run by the host's root while no
 * kartd serves the instance. */
#ifndef KART_OFFLINE_H
#define KART_OFFLINE_H

/* Each returns a process exit code: 0, 1 (refused or failed; why is logged),
 * 4 (no such user).
 * config: --config FILE, read over DIR/kartd.conf as by kartd run (conf.h);
 * NULL: /etc/kartoteka/kartd.conf if it exists. */
int kartd_unlock(const char *dir, const char *config, const char *user);
/* password_file: NULL reads stdin (asking twice on a terminal). */
int kartd_passwd(const char *dir, const char *config, const char *user, const char *password_file);

#endif
