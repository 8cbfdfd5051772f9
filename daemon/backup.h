/* backup: a consistent, compacted copy of an instance's database while kartd
 * serves it (kartd backup, and the child kart admin backup runs), and
 * restoring or checking one (restore.c). The file's layout is backup_fmt.h's. */
#ifndef KART_BACKUP_H
#define KART_BACKUP_H

#include <stdbool.h>

#include "backup_fmt.h"
#include "conf.h"

/* Writes the backup of instance src->dir's database (its configuration read
 * as kartd run reads it) to out_fd (a file or a pipe), filling *head.
 * Returns 0, or -1 (why is logged). */
int backup_write(const struct conf_src *src, int out_fd, struct backup_head *head);

/* kartd backup --data DIR [--config FILE] -o FILE|- [--force]: returns a
 * process exit code. */
int kartd_backup(const struct conf_src *src, const char *out, bool force);
/* kartd restore FILE --data DIR [--key KEY] [--force] */
int kartd_restore(const char *file, const char *dir, const char *key, bool force);
/* kartd verify-backup FILE --key KEY */
int kartd_verify_backup(const char *file, const char *key);

#endif
