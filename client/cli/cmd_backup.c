/* cmd_backup: kart admin backup — the server's whole database, streamed as a
 * backup file while the server goes on serving (admins only).
 *
 * The file is written beside its name (FILE.part-XXXXXX, mode 0600: it holds
 * the whole base) and renamed into place only once it has arrived whole: its
 * SHA-256 and length are checked as it streams (backup_fmt.h), so a file
 * under FILE is always a complete backup. "-" writes to standard output (not
 * a terminal). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_fmt.h"
#include "cli.h"
#include "cmd.h"
#include "i18n.h"
#include "util.h"

struct bk_out {
	const char *path;           /* NULL: standard output */
	char tmp[PATH_MAX + 16];
	int fd;
	uint64_t bytes;
	struct backup_reader rd;
};

static int bk_open(struct bk_out *o, bool force)
{
	if (o->path && strcmp(o->path, "-") == 0)
		o->path = NULL;
	if (!o->path) {
		if (cli_stdout_closed)
			return out_error(KC_ERR_USAGE, "standard output is closed: give the file with -o FILE");
		if (isatty(STDOUT_FILENO))
			return out_error(KC_ERR_USAGE, "standard output is a terminal: give the file with -o FILE");
		o->fd = STDOUT_FILENO;
		return 0;
	}
	struct stat st;
	if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
		return out_error(KC_ERR_USAGE, "%s is a directory", o->path);
	if (stat(o->path, &st) == 0 && !force)
		return out_error(KC_ERR_USAGE, "%s exists; use --force to replace it", o->path);
	if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.part-XXXXXX", o->path) >= sizeof(o->tmp))
		return out_error(KC_ERR_USAGE, "output path too long");
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		o->tmp[0] = '\0';
		return out_error(KC_ERR_OTHER, "cannot create %s: %s", o->path, strerror(e));
	}
	return 0;
}

static int bk_write(struct bk_out *o, const uint8_t *p, size_t n)
{
	if (backup_reader_feed(&o->rd, p, n) < 0)
		return out_error(KC_ERR_OTHER, "the backup arrived damaged: %s", o->rd.err);
	o->bytes += n;
	while (n) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return out_error(KC_ERR_OTHER, "cannot write %s: %s", o->path ? o->path : "output", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole file arrived: checked, flushed and renamed into place. */
static int bk_finish(struct bk_out *o)
{
	if (backup_reader_end(&o->rd) < 0)
		return out_error(KC_ERR_OTHER, "the backup arrived damaged: %s", o->rd.err);
	if (!o->path)
		return 0;
	int rc = 0;
	if (fsync(o->fd) != 0 || close(o->fd) != 0)
		rc = out_error(KC_ERR_OTHER, "cannot write %s: %s", o->path, strerror(errno));
	o->fd = -1;
	if (!rc && rename(o->tmp, o->path) != 0)
		rc = out_error(KC_ERR_OTHER, "cannot rename the file into %s: %s", o->path, strerror(errno));
	if (!rc)
		o->tmp[0] = '\0';
	return rc;
}

static void bk_abandon(struct bk_out *o)
{
	if (o->path && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

/* One reply: a chunk written, the end (then *done), or the failure. */
static int bk_reply(const struct cli *cli, struct bk_out *o, const Kart__Envelope *e, bool *done)
{
	struct kc_error err;
	switch (e->body_case) {
	case KART__ENVELOPE__BODY_ERROR:
		kc_error_from(&err, e->error);
		return out_kc_error(&err);
	case KART__ENVELOPE__BODY_BACKUP_CHUNK: {
		int rc = bk_write(o, e->backup_chunk->data.data, e->backup_chunk->data.len);
		if (!rc && !e->more)
			rc = out_error(KC_ERR_OTHER, "the backup ended early; nothing was written");
		return rc;
	}
	case KART__ENVELOPE__BODY_BACKUP_DONE: {
		const Kart__BackupDone *d = e->backup_done;
		int rc = bk_finish(o);
		if (rc)
			return rc;
		if (d->bytes != o->bytes)
			return out_error(KC_ERR_OTHER, "the backup arrived damaged: %llu bytes of %llu",
					 (unsigned long long)o->bytes, (unsigned long long)d->bytes);
		*done = true;
		if (cli->json && o->path)
			return out_json_message(&d->base, NULL);
		char hex[65] = "";
		if (d->audit_hash.len == 32)
			util_hex(d->audit_hash.data, 32, hex);
		fprintf(stderr, _("backup: %llu bytes, audit head %llu:%s -> %s\n"), (unsigned long long)d->bytes,
			(unsigned long long)d->audit_seq, hex, o->path ? o->path : _("standard output"));
		return 0;
	}
	default:
		return out_error(KC_ERR_OTHER, "unexpected reply from the server");
	}
}

int cmd_admin_backup(struct cli *cli, const struct cmd_args *a)
{
	struct bk_out o = { .path = args_value(a, "output"), .fd = -1 };
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *e = NULL;
	Kart__Backup bk = KART__BACKUP__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	bool done = false;
	int rc;

	if (!o.path || !*o.path)
		return out_error(KC_ERR_USAGE, "where to? give the file with -o FILE (- for standard output)");
	if (backup_reader_init(&o.rd, NULL, NULL) < 0)
		return out_no_memory();
	rc = bk_open(&o, args_flag(a, "force"));
	if (!rc)
		rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_BACKUP;
	req.backup = &bk;
	uint64_t id = kc_send(c, &req, &err);
	if (!id) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	while (!done) {
		if (!(e = kc_recv(c, &err))) {
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->request_id == id || (e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR))
			if ((rc = bk_reply(cli, &o, e, &done)))
				goto cleanup;
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	if (!done)
		bk_abandon(&o);
	backup_reader_free(&o.rd);
	kc_env_free(e);
	kc_close(c);
	return rc;
}
