/* cmd: the `kart` commands, one function each. A command checks its arguments
 * first (usage errors never touch the network), then opens the session kept in
 * $KART_HOME/session (connect, Resume), sends its request and hands the reply
 * to out.c. Also here: reading passwords. The session file, connecting and
 * resuming are the client library's (session.h, call.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "prompt.h"
#include "pbjson.h"
#include "util.h"

/* ---- session ---- */

/* Asks on the terminal whether to trust a server seen for the first time. */
static int confirm_server(const char *server, const char *fingerprint, void *ud)
{
	(void)ud;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0; /* never prompt a script */
	fprintf(stderr, "The server %s presents a certificate with the fingerprint\n  %s\n"
			"Check it with your admin (kartd prints it at start). Trust it from now on? [y/N] ",
		server, fingerprint);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* What the command line, the environment and the config file say about the
 * connection, for the session code of the client library. */
void session_profile(const struct cli *cli, struct kc_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->home = cli->home;
	p->server = cli->server;
	p->ca = cli->ca;
	p->cert = cli->cert;
	p->key = cli->key;
	p->cfg_server = cli_config(cli, "server");
	p->cfg_ca = cli_config(cli, "ca");
	p->cfg_cert = cli_config(cli, "cert");
	p->cfg_key = cli_config(cli, "key");
	p->default_server = KART_DEFAULT_SERVER;
	p->client_name = KART_CLIENT_NAME;
	p->trust_new = cli->trust;
	p->confirm = confirm_server;
}

/* Loads the session, connects and resumes it. Returns an exit code; on
 * success *out is an authenticated connection. */
int open_session(const struct cli *cli, struct kc **out)
{
	struct kc_profile p;
	struct kc_error err;

	session_profile(cli, &p);
	return kc_session_open(&p, out, &err) ? out_kc_error(&err) : 0;
}

/* ---- requests ---- */

/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET). Returns an exit code; on success *out is the reply. */
int call(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out)
{
	struct kc_error err;

	return kc_call_body(c, req, want, out, &err) ? out_kc_error(&err) : 0;
}

/* Prints the items of one page of a list. */
static int print_page(const Kart__Envelope *e, void *ud, struct kc_error *err)
{
	struct out_list *list = ud;

	(void)err;
	switch (e->body_case) {
	case KART__ENVELOPE__BODY_CARD_PAGE:
		for (size_t i = 0; i < e->card_page->n_cards; i++)
			out_list_card(list, e->card_page->cards[i]);
		break;
	case KART__ENVELOPE__BODY_USER_PAGE:
		for (size_t i = 0; i < e->user_page->n_users; i++)
			out_list_user(list, e->user_page->users[i]);
		break;
	case KART__ENVELOPE__BODY_AUDIT_PAGE:
		for (size_t i = 0; i < e->audit_page->n_events; i++)
			out_list_event(list, e->audit_page->events[i]);
		break;
	case KART__ENVELOPE__BODY_FIELD_PAGE:
		for (size_t i = 0; i < e->field_page->n_fields; i++)
			out_list_field(list, e->field_page->fields[i]);
		break;
	case KART__ENVELOPE__BODY_TIMELINE_PAGE:
		for (size_t i = 0; i < e->timeline_page->n_entries; i++)
			out_list_entry(list, e->timeline_page->entries[i]);
		break;
	case KART__ENVELOPE__BODY_SEGMENT_PAGE:
		for (size_t i = 0; i < e->segment_page->n_segments; i++)
			out_list_segment(list, e->segment_page->segments[i]);
		break;
	case KART__ENVELOPE__BODY_HISTORY_PAGE:
		for (size_t i = 0; i < e->history_page->n_versions; i++)
			out_list_version(list, e->history_page->versions[i]);
		break;
	case KART__ENVELOPE__BODY_READ_PAGE:
		for (size_t i = 0; i < e->read_page->n_reads; i++)
			out_list_read(list, e->read_page->reads[i]);
		break;
	default:
		break;
	}
	out_list_flush(list);
	return 0;
}

/* Sends a request answered by a stream of pages and prints every item as its
 * page arrives, until the frame without `more`. */
int call_streamed(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case,
			 struct out_list *list)
{
	struct kc_error err;
	int rc = kc_call_pages(c, req, page_case, print_page, list, &err);

	if (rc)
		rc = out_kc_error(&err);
	/* Close the array or table even after a failure mid-stream, so what
	 * was printed still parses; the exit code tells it is incomplete. */
	if (rc == 0 || list->started)
		out_list_end(list);
	return rc;
}

/* Opens the session and makes one call: open_session, then call. */
int request(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase want,
		   struct kc **c, Kart__Envelope **out)
{
	int rc = open_session(cli, c);

	*out = NULL;
	return rc ? rc : call(*c, req, want, out);
}

/* ---- cards ---- */

#define TIME_FORMS "RFC 3339 (2026-12-05T23:59:00Z, ...+03:00), YYYY-MM-DD [HH:MM], DD.MM.YYYY [HH:MM], " \
	"DD.MM [HH:MM], HH:MM, today/tomorrow/yesterday/сегодня/завтра/вчера [HH:MM], a weekday " \
	"(monday, пн) [HH:MM], unix seconds, or a duration such as 30m, 2h, 7d, +1w"

/* --since/--until/--at of things past: any form util_parse_time knows (a
 * bare duration is that long ago); 0 when not given. */
int time_option(const struct cmd_args *a, const char *name, int64_t now, int64_t *out)
{
	const char *text = args_value(a, name);

	*out = 0;
	if (text && util_parse_time(text, now, out) < 0)
		return out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s (ago; +2h is ahead)", name, text, TIME_FORMS);
	return 0;
}

/* The local time a day named without a time means, ahead: KART_REMIND_TIME,
 * else `remind_time = HH:MM` in $KART_HOME/config, else 09:00. */
static int remind_minute(const struct cli *cli, int *minute)
{
	const char *env = getenv("KART_REMIND_TIME");
	const char *value = env && *env ? env : cli_config(cli, "remind_time");

	*minute = 9 * 60;
	if (value && util_parse_clock(value, minute) < 0)
		return out_error(KC_ERR_USAGE, "bad remind_time '%s' (%s): expected HH:MM", value,
				 env && *env ? "KART_REMIND_TIME" : "config");
	return 0;
}

/* --at of a reminder, --close of a deal: a time ahead (util_parse_time_ahead:
 * a bare duration is from now, a day without a time is at remind_time). */
int time_ahead_option(const struct cli *cli, const struct cmd_args *a, const char *name, int64_t now, int64_t *out)
{
	const char *text = args_value(a, name);
	int minute;
	int rc = remind_minute(cli, &minute);

	*out = 0;
	if (!rc && text && util_parse_time_ahead(text, now, minute, out) < 0)
		rc = out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s (ahead)", name, text, TIME_FORMS);
	return rc;
}

/* --close: a date ahead, sent as the local YYYY-MM-DD; "" when not given
 * or given empty (deal edit --close '' clears it). */
int close_option(const struct cli *cli, const struct cmd_args *a, char out[16])
{
	const char *text = args_value(a, "close");
	int64_t when;
	int y, m, d;
	int rc;

	out[0] = '\0';
	if (!text || !*text)
		return 0;
	rc = time_ahead_option(cli, a, "close", util_now_us() / 1000000, &when);
	if (rc)
		return rc;
	util_civil_from_days(util_local_day(when), &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* ---- finding, queries, segments ---- */

/* The filter of ls and move: --where EXPR or --segment NAME, not both; ls
 * also takes EXPR as its one argument. */
int filter_options(const struct cmd_args *a, const char *cmd, bool required,
			  const char **where, const char **segment)
{
	*where = args_value(a, "where");
	*segment = args_value(a, "segment");
	if (a->npos > 1)
		return out_error(KC_ERR_USAGE, "'%s' takes the filter as one argument: quote it, "
				 "e.g. kart %s --where 'city = Самара'", cmd, cmd);
	if (a->npos == 1) {
		if (*where)
			return out_error(KC_ERR_USAGE, "give the filter either as an argument or with --where");
		*where = a->pos[0];
	}
	if (*where && *segment)
		return out_error(KC_ERR_USAGE, "--where and --segment cannot be combined");
	if (required && !(*where && **where) && !(*segment && **segment))
		return out_error(KC_ERR_USAGE, "'%s' needs --where EXPR or --segment NAME", cmd);
	return 0;
}

/* ---- exports and leak tracing ---- */

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

int cmd_export(struct cli *cli, const struct cmd_args *a)
{
	const char *format = args_value(a, "format"), *delim = args_value(a, "delimiter");
	const char *where, *segment;
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
	if (rc)
		return rc;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "vcard") != 0)
		return out_error(KC_ERR_USAGE, "bad --format '%s': expected csv or vcard", format);
	if (delim && strcmp(delim, "tab") == 0)
		delim = "\t";
	if (!delim && (!format || strcmp(format, "csv") == 0)) {
		/* the locale's: Russian Excel splits CSV on ';' (the comma is its decimal point) */
		const char *loc = getenv("LC_ALL");
		if (!loc || !*loc)
			loc = getenv("LC_NUMERIC");
		if (!loc || !*loc)
			loc = getenv("LANG");
		delim = loc && strncmp(loc, "ru", 2) == 0 ? ";" : ",";
	}
	if (delim && (strlen(delim) != 1 || !strchr(",;|\t", delim[0])))
		return out_error(KC_ERR_USAGE, "bad --delimiter '%s': expected , ; | or tab", delim);
	if (delim && format && strcmp(format, "vcard") == 0)
		return out_error(KC_ERR_USAGE, "--delimiter is for csv");
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
		if (e->request_id != id && !(e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR)) {
			kc_env_free(e);
			e = NULL;
			continue;
		}
		switch (e->body_case) {
		case KART__ENVELOPE__BODY_ERROR:
			kc_error_from(&err, e->error);
			if (err.code == KART__ERROR_CODE__QUOTA_EXCEEDED)
				err.status = KC_ERR_DENIED;
			rc = out_kc_error(&err);
			goto cleanup;
		case KART__ENVELOPE__BODY_EXPORT_CHUNK:
			if (e->export_chunk->export_id)
				export_id = e->export_chunk->export_id;
			rc = export_out_write(&o, e->export_chunk->data.data, e->export_chunk->data.len);
			if (rc)
				goto cleanup;
			if (!e->more) {
				rc = out_error(KC_ERR_OTHER, "the export ended before its record; the file is incomplete");
				goto cleanup;
			}
			break;
		case KART__ENVELOPE__BODY_EXPORT_RECORD: {
			const Kart__ExportRecord *x = e->export_record;
			rc = export_out_finish(&o);
			if (rc)
				goto cleanup;
			if (cli->json && o.path)
				rc = out_json_message(&x->base, NULL);
			char nc[32], nr[32];
			fprintf(stderr, "export %llu: %s + %s -> %s\n", (unsigned long long)x->id,
				OUT_COUNT(nc, x->cards, "card"), OUT_COUNT(nr, x->canaries, "canary row"),
				o.path ? o.path : "standard output");
			done = true;
			break;
		}
		default:
			rc = out_error(KC_ERR_OTHER, "unexpected reply from the server");
			goto cleanup;
		}
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	if (o.why[0] && export_id) {
		/* the server records the export as failed, not charged to the quota */
		Kart__ExportAbort ab = KART__EXPORT_ABORT__INIT;
		Kart__Envelope ar = KART__ENVELOPE__INIT;
		ab.export_id = export_id;
		ab.reason = o.why;
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
			kc_env_free(e);
			while ((e = kc_recv(c, &err)) && e->request_id != aid) {
				kc_env_free(e);
				e = NULL;
			}
		}
	}
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
		return out_error(KC_ERR_OTHER, "out of memory");
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
