/* cmd_export: exports (export, exports) and leak tracing. */
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

#include "cli.h"
#include "cmd.h"
#include "util.h"

/* Where an export goes. A regular file (new, or replaced with --force) is
 * written beside its final name and renamed into place at the end, keeping
 * the mode of the file it replaces, so a refused or broken export leaves
 * nothing under that name. Anything else that exists (a FIFO, a terminal, a
 * device) is written straight into: renaming over it would destroy it.
 * "-" is standard output. The output is opened before the server is asked,
 * so an export that could not be written is never recorded. */
struct export_out {
	const char *path;           /* NULL: standard output */
	char final[PATH_MAX];       /* a regular file: the path it is renamed to (symlinks resolved) */
	char tmp[PATH_MAX + 16];
	bool direct;                /* written straight into path */
	bool keep_mode;             /* replacing a file: its mode */
	mode_t mode;
	FILE *f;
	uint64_t bytes;
	bool tty;                   /* standard output is a terminal: shown, not written raw */
	struct out_stream shown;
	char why[160];              /* a write that failed: why, for the server's record */
};

static int export_out_fail(struct export_out *o, const char *what)
{
	snprintf(o->why, sizeof(o->why), "%s", strerror(errno));
	return out_error(KC_ERR_OTHER, "cannot %s %s: %s", what, o->path ? o->path : "output", o->why);
}

static int export_out_write(struct export_out *o, const void *p, size_t n)
{
	if (!o->path && o->tty) {
		out_stream_text(&o->shown, p, n, false);
		o->bytes += n;
		return 0;
	}
	if (!o->path) {
		if (n && fwrite(p, 1, n, stdout) != n)
			return export_out_fail(o, "write");
		o->bytes += n;
		return 0;
	}
	if (!o->f)
		return out_error(KC_ERR_OTHER, "cannot write %s: not open", o->path);
	if (n && fwrite(p, 1, n, o->f) != n)
		return export_out_fail(o, "write");
	o->bytes += n;
	return 0;
}

/* Opens the output before anything is asked of the server. */
static int export_out_open(struct export_out *o, bool force)
{
	if (o->path && strcmp(o->path, "-") == 0)
		o->path = NULL;
	if (!o->path && cli_stdout_closed)
		return out_error(KC_ERR_USAGE, "standard output is closed: give the file with -o FILE");
	o->tty = !o->path && isatty(STDOUT_FILENO);
	if (!o->path)
		return 0;
	struct stat st;
	if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return out_error(KC_ERR_USAGE, "%s is a directory", o->path);
		/* a FIFO, a terminal, a device: written into, never replaced */
		int fd = open(o->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return out_error(KC_ERR_OTHER, "cannot open %s: %s", o->path, strerror(e));
		}
		o->direct = true;
		return 0;
	}
	bool exists = stat(o->path, &st) == 0;
	if (exists && !force)
		return out_error(KC_ERR_USAGE, "%s exists; use --force to replace it", o->path);
	if (exists) {
		if (!realpath(o->path, o->final))
			return out_error(KC_ERR_OTHER, "cannot resolve %s: %s", o->path, strerror(errno));
		o->keep_mode = true;
		o->mode = st.st_mode & 07777;
	} else if ((size_t)snprintf(o->final, sizeof(o->final), "%s", o->path) >= sizeof(o->final)) {
		return out_error(KC_ERR_USAGE, "output path too long");
	}
	if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.part-XXXXXX", o->final) >= sizeof(o->tmp))
		return out_error(KC_ERR_USAGE, "output path too long");
	int fd = mkstemp(o->tmp); /* 0600: the file holds client data */
	if (fd >= 0 && o->keep_mode && fchmod(fd, o->mode) != 0) {
		close(fd);
		unlink(o->tmp);
		fd = -1;
	}
	if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		o->tmp[0] = '\0';
		return out_error(KC_ERR_OTHER, "cannot create %s: %s", o->path, strerror(e));
	}
	return 0;
}

static int export_out_finish(struct export_out *o)
{
	if (!o->path && o->tty)
		out_stream_text(&o->shown, "", 0, true);
	if (!o->path)
		return fflush(stdout) == 0 ? 0 : export_out_fail(o, "write");
	int rc = 0;
	if (fflush(o->f) != 0 || (!o->direct && fsync(fileno(o->f)) != 0))
		rc = export_out_fail(o, "write");
	if (fclose(o->f) != 0 && !rc)
		rc = export_out_fail(o, "write");
	o->f = NULL;
	if (o->direct)
		return rc;
	if (!rc && rename(o->tmp, o->final) != 0)
		rc = export_out_fail(o, "rename the file into");
	if (!rc)
		o->tmp[0] = '\0';
	return rc;
}

static void export_out_abandon(struct export_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

/* --format and --delimiter: *delim is the one character CSV is split on
 * (the locale's when not given), NULL for vCard. */
static int export_format(const struct cmd_args *a, const char **format, const char **delim)
{
	*format = args_value(a, "format");
	*delim = args_value(a, "delimiter");
	if (*format && strcmp(*format, "csv") != 0 && strcmp(*format, "vcard") != 0)
		return out_error(KC_ERR_USAGE, "bad --format '%s': expected csv or vcard", *format);
	if (*delim && strcmp(*delim, "tab") == 0)
		*delim = "\t";
	if (!*delim && (!*format || strcmp(*format, "csv") == 0)) {
		/* the locale's: Russian Excel splits CSV on ';' (the comma is its decimal point) */
		const char *loc = getenv("LC_ALL");
		if (!loc || !*loc)
			loc = getenv("LC_NUMERIC");
		if (!loc || !*loc)
			loc = getenv("LANG");
		*delim = loc && strncmp(loc, "ru", 2) == 0 ? ";" : ",";
	}
	if (*delim && (strlen(*delim) != 1 || !strchr(",;|\t", (*delim)[0])))
		return out_error(KC_ERR_USAGE, "bad --delimiter '%s': expected , ; | or tab", *delim);
	if (*delim && *format && strcmp(*format, "vcard") == 0)
		return out_error(KC_ERR_USAGE, "--delimiter is for csv");
	return 0;
}

/* One reply of the export's stream: a chunk written out, the closing record
 * (then *done), or the failure. Returns an exit code. */
static int export_reply(const struct cli *cli, struct export_out *o, const Kart__Envelope *e,
			uint64_t *export_id, bool *done)
{
	struct kc_error err;

	switch (e->body_case) {
	case KART__ENVELOPE__BODY_ERROR:
		kc_error_from(&err, e->error);
		if (err.code == KART__ERROR_CODE__QUOTA_EXCEEDED)
			err.status = KC_ERR_DENIED;
		return out_kc_error(&err);
	case KART__ENVELOPE__BODY_EXPORT_CHUNK: {
		int rc;
		if (e->export_chunk->export_id)
			*export_id = e->export_chunk->export_id;
		rc = export_out_write(o, e->export_chunk->data.data, e->export_chunk->data.len);
		if (!rc && !e->more)
			rc = out_error(KC_ERR_OTHER, "the export ended before its record; the file is incomplete");
		return rc;
	}
	case KART__ENVELOPE__BODY_EXPORT_RECORD: {
		const Kart__ExportRecord *x = e->export_record;
		int rc = export_out_finish(o);
		if (rc)
			return rc;
		if (cli->json && o->path)
			rc = out_json_message(&x->base, NULL);
		char nc[32], nr[32];
		fprintf(stderr, "export %llu: %s + %s -> %s\n", (unsigned long long)x->id,
			OUT_COUNT(nc, x->cards, "card"), OUT_COUNT(nr, x->canaries, "canary row"),
			o->path ? o->path : "standard output");
		*done = true;
		return rc;
	}
	default:
		return out_error(KC_ERR_OTHER, "unexpected reply from the server");
	}
}

/* After a write that failed: the server records the export as failed, not
 * charged to the quota. *e is the reply in hand, freed here. */
static void export_abort(struct kc *c, const struct export_out *o, uint64_t id, uint64_t export_id,
			 Kart__Envelope **e)
{
	Kart__ExportAbort ab = KART__EXPORT_ABORT__INIT;
	Kart__Envelope ar = KART__ENVELOPE__INIT;
	struct kc_error err;

	ab.export_id = export_id;
	ab.reason = (char *)o->why;
	ar.body_case = KART__ENVELOPE__BODY_EXPORT_ABORT;
	ar.export_abort = &ab;
	uint64_t aid = kc_send(c, &ar, &err);
	/* then the rest of the file is not wanted; the chunks already on
	 * their way are read and dropped until the abort is answered (a
	 * close with unread data would reset the connection, abort and all) */
	Kart__Cancel cn = KART__CANCEL__INIT;
	Kart__Envelope cr = KART__ENVELOPE__INIT;
	cn.request_id = id;
	cr.body_case = KART__ENVELOPE__BODY_CANCEL;
	cr.cancel = &cn;
	if (aid && kc_send(c, &cr, &err)) {
		kc_env_free(*e);
		while ((*e = kc_recv(c, &err)) && (*e)->request_id != aid) {
			kc_env_free(*e);
			*e = NULL;
		}
	}
}

int cmd_export(struct cli *cli, const struct cmd_args *a)
{
	const char *format, *delim, *where, *segment;
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *e = NULL;
	Kart__Export ex = KART__EXPORT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	struct export_out o = { .path = args_value(a, "output") };
	bool done = false;
	uint64_t id = 0, export_id = 0;
	int rc;

	rc = filter_options(a, "export", false, &where, &segment);
	if (!rc)
		rc = export_format(a, &format, &delim);
	if (rc)
		return rc;
	if (o.path && !*o.path)
		return out_error(KC_ERR_USAGE, "-o needs a file name");
	rc = export_out_open(&o, args_flag(a, "force"));
	if (rc)
		return rc;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	ex.where = (char *)(where ? where : "");
	ex.segment = (char *)(segment ? segment : "");
	ex.client_day = util_local_day(util_now_us() / 1000000);
	ex.client_utc_offset = util_utc_offset(util_now_us() / 1000000);
	ex.format = (char *)(format ? format : "csv");
	ex.delimiter = (char *)(delim ? delim : "");
	req.body_case = KART__ENVELOPE__BODY_EXPORT;
	req.export = &ex;
	id = kc_send(c, &req, &err);
	if (!id) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	while (!done) {
		e = kc_recv(c, &err);
		if (!e) {
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->request_id == id || (e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR)) {
			rc = export_reply(cli, &o, e, &export_id, &done);
			if (rc)
				goto cleanup;
		}
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	if (o.why[0] && export_id)
		export_abort(c, &o, id, export_id, &e);
	if (!done)
		export_out_abandon(&o);
	kc_env_free(e);
	kc_close(c);
	return rc;
}

int cmd_exports(struct cli *cli, const struct cmd_args *a)
{
	const char *user = args_value(a, "user"), *limit_text = args_value(a, "limit");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ExportList list = KART__EXPORT_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc = 0;

	if (limit_text)
		rc = parse_count(limit_text, "--limit", 1000, &limit);
	if (rc)
		return rc;
	list.user = (char *)(user ? user : "");
	list.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_EXPORT_LIST;
	req.export_list = &list;
	rc = request(cli, &req, KART__ENVELOPE__BODY_EXPORT_PAGE, &c, &resp);
	if (!rc)
		rc = out_export_list(resp->export_page, cli->json);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

#define LEAK_PIECE (1u << 20)
#define LEAK_FILE_MAX (64u << 20)

int cmd_leak_trace(struct cli *cli, const struct cmd_args *a)
{
	const char *path = a->pos[0];
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *e = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat sb;
	int rc;

	FILE *f = fopen(path, "rb");
	if (!f)
		return out_error(KC_ERR_NOT_FOUND, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &sb) == 0 && sb.st_size > (off_t)LEAK_FILE_MAX) {
		fclose(f);
		return out_error(KC_ERR_USAGE, "%s is larger than %u MiB: trace a part of it", path, LEAK_FILE_MAX >> 20);
	}
	data = malloc(LEAK_FILE_MAX + 1);
	if (!data) {
		fclose(f);
		return out_no_memory();
	}
	len = fread(data, 1, LEAK_FILE_MAX + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(data);
		return out_error(KC_ERR_OTHER, "cannot read %s", path);
	}
	if (len > LEAK_FILE_MAX) {
		free(data);
		return out_error(KC_ERR_USAGE, "%s is larger than %u MiB: trace a part of it", path, LEAK_FILE_MAX >> 20);
	}
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	/* the file goes in pieces under one request id; only the last is answered */
	const char *base = strrchr(path, '/');
	uint64_t id = 0;
	for (size_t off = 0;;) {
		size_t n = len - off < LEAK_PIECE ? len - off : LEAK_PIECE;
		Kart__LeakTrace lt = KART__LEAK_TRACE__INIT;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		lt.data.data = data + off;
		lt.data.len = n;
		lt.name = (char *)(base ? base + 1 : path);
		lt.more = off + n < len;
		req.request_id = id;
		req.body_case = KART__ENVELOPE__BODY_LEAK_TRACE;
		req.leak_trace = &lt;
		id = kc_send(c, &req, &err);
		if (!id) {
			rc = out_kc_error(&err);
			goto cleanup;
		}
		off += n;
		if (!lt.more)
			break;
	}
	for (;;) {
		e = kc_recv(c, &err);
		if (!e) {
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->request_id == id || (e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR))
			break;
		kc_env_free(e);
	}
	if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
		kc_error_from(&err, e->error);
		rc = out_kc_error(&err);
	} else if (e->body_case != KART__ENVELOPE__BODY_LEAK_REPORT) {
		rc = out_error(KC_ERR_OTHER, "unexpected reply from the server");
	} else if (cli->json) {
		rc = out_json_page(&e->leak_report->base);
	} else {
		out_leak_report(e->leak_report);
	}
cleanup:
	free(data);
	kc_env_free(e);
	kc_close(c);
	return rc;
}
