/* h_backup: `kart admin backup` — the whole database, consistent and
 * compacted, streamed to an admin while the server goes on serving.
 *
 * The copy is made by a child process, this same kartd run as `kartd backup
 * --data DIR -o -` (backup.c), whose standard output is a pipe read on the
 * loop: its long read transaction then lives in a process of its own, so the
 * daemon's map growth (which needs every reader of this process out of the
 * map) never waits for a backup, however slowly its client reads. The
 * child's bytes are the backup file itself (header, image, trailer), sent in
 * BackupChunk frames of up to 256 KiB through a stream: while the client is
 * behind, the stream is not asked for pages, the buffer (at most BUF_HIGH)
 * fills, the pipe stops being read and the child blocks on its write; a
 * stream with nothing buffered yet waits (req_stream_wake) rather than
 * sending empty frames. One backup runs at a time.
 *
 * Audited: backup.start as it begins (before a byte is sent), and backup at
 * its end, with the audit head it holds and its size, or why it failed (the
 * connection closed, the child failed). Admins only; it is not an export and
 * counts against no export quota. */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "backup_fmt.h"
#include "handlers.h"
#include "log.h"
#include "req.h"
#include "util.h"

#define CHUNK_MAX (256 * 1024)
#define BUF_HIGH (2 * 1024 * 1024)  /* stop reading the child here */
#define BUF_LOW (512 * 1024)        /* and read on below this */

struct bk {
	struct server *srv;
	struct stream *s;           /* NULL once the stream is freed */
	uv_process_t proc;
	uv_pipe_t out;
	int open_handles;
	uint8_t *buf;
	size_t len, cap;
	bool reading, eof, exited, failed, recorded;
	int64_t status;
	int sig;
	uint64_t sent;
	uint8_t head[BACKUP_HEADER_LEN];
	size_t nhead;
	struct principal who;
};

static bool backup_running;

/* The end recorded once: what was sent and where the chain stood, or why not. */
static void record_end(struct bk *b, bool ok, const char *why)
{
	if (b->recorded)
		return;
	b->recorded = true;
	struct req r = { .srv = b->srv, .cfg = b->srv->cfg, .who = b->who, .now = util_now_us() }; /* on the loop */
	char summary[256], hex[65] = "";
	uint64_t seq = b->nhead == BACKUP_HEADER_LEN ? store_key_u64(b->head + 24) : 0;
	if (b->nhead == BACKUP_HEADER_LEN)
		util_hex(b->head + 32, 16, hex);
	if (ok)
		snprintf(summary, sizeof(summary), "%" PRIu64 " bytes; audit head %" PRIu64 ":%s...", b->sent, seq, hex);
	else
		snprintf(summary, sizeof(summary), "failed after %" PRIu64 " bytes: %.200s", b->sent, why);
	/* a server stopping has stopped its writer before it closes the
	 * connection: then backup.start stands alone in the trail */
	if (b->srv->writer)
		audit_note_later(&r, "backup", "backup", 0, ok, summary);
	log_notice("backup by %s %s: %s%s", b->who.user, ok ? "sent" : "failed", summary,
		   b->srv->writer ? "" : " (the server is stopping: not in the audit trail)");
}

static void on_handle_closed(uv_handle_t *h)
{
	struct bk *b = h->data;
	if (--b->open_handles > 0)
		return;
	free(b->buf);
	free(b);
	backup_running = false;
}

static void wake(struct bk *b)
{
	if (b->s)
		req_stream_wake(b->s);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct bk *b = h->data;
	(void)suggested;
	if (b->cap - b->len < 65536) {
		size_t cap = b->cap ? b->cap * 2 : 1 << 20;
		uint8_t *n = realloc(b->buf, cap);
		if (!n) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		b->buf = n;
		b->cap = cap;
	}
	*buf = uv_buf_init((char *)b->buf + b->len, (unsigned)(b->cap - b->len));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct bk *b = st->data;
	(void)buf;
	if (n > 0) {
		if (b->nhead < BACKUP_HEADER_LEN) {
			/* the header is the start of the buffer until it is sent */
			size_t take = BACKUP_HEADER_LEN - b->nhead;
			if (take > (size_t)n)
				take = (size_t)n;
			memcpy(b->head + b->nhead, b->buf + b->len, take);
			b->nhead += take;
		}
		b->len += (size_t)n;
		if (b->len >= BUF_HIGH && b->reading) {
			uv_read_stop(st);
			b->reading = false;
		}
	} else if (n < 0) {
		if (n != UV_EOF) {
			log_err("backup: reading the copy: %s", uv_strerror((int)n));
			b->failed = true;
		}
		b->eof = true;
		uv_read_stop(st);
		b->reading = false;
	}
	wake(b);
}

static void on_child_exit(uv_process_t *p, int64_t status, int sig)
{
	struct bk *b = p->data;
	b->exited = true;
	b->status = status;
	b->sig = sig;
	if (!b->s)
		uv_close((uv_handle_t *)p, on_handle_closed);
	wake(b);
}

static bool backup_page(struct stream *s, struct req *r)
{
	struct bk *b = s->state;
	s->waiting = false;
	if (b->len) {
		size_t n = b->len < CHUNK_MAX ? b->len : CHUNK_MAX;
		Kart__BackupChunk *ch = arena_alloc(r->arena, sizeof(*ch));
		uint8_t *data = ch ? arena_alloc(r->arena, n) : NULL;
		if (!data) {
			req_no_memory(r);
			return true;
		}
		kart__backup_chunk__init(ch);
		memcpy(data, b->buf, n);
		ch->data.data = data;
		ch->data.len = n;
		memmove(b->buf, b->buf + n, b->len - n);
		b->len -= n;
		b->sent += n;
		if (!b->reading && !b->eof && b->len < BUF_LOW &&
		    uv_read_start((uv_stream_t *)&b->out, on_alloc, on_read) == 0)
			b->reading = true;
		r->out.body_case = KART__ENVELOPE__BODY_BACKUP_CHUNK;
		r->out.backup_chunk = ch;
		return false;
	}
	if (!b->eof || !b->exited) {
		s->waiting = true;
		return false;
	}
	if (b->failed || b->status != 0 || b->sig != 0 || b->sent < BACKUP_HEADER_LEN + BACKUP_TRAILER_LEN) {
		log_err("backup: the copy ended with status %lld, signal %d", (long long)b->status, b->sig);
		record_end(b, false, "the copy failed (the server log has details)");
		req_error(r, KART__ERROR_CODE__INTERNAL, "", "the backup failed; the server log has details");
		return true;
	}
	Kart__BackupDone *d = arena_alloc(r->arena, sizeof(*d));
	uint8_t *hash = d ? arena_alloc(r->arena, 32) : NULL;
	if (!hash) {
		req_no_memory(r);
		return true;
	}
	kart__backup_done__init(d);
	d->bytes = b->sent;
	d->audit_seq = store_key_u64(b->head + 24);
	memcpy(hash, b->head + 32, 32);
	d->audit_hash.data = hash;
	d->audit_hash.len = 32;
	record_end(b, true, "");
	r->out.body_case = KART__ENVELOPE__BODY_BACKUP_DONE;
	r->out.backup_done = d;
	return true;
}

static void backup_release(struct stream *s, bool finished)
{
	struct bk *b = s->state;
	(void)finished;
	b->s = NULL;
	record_end(b, false, s->end[0] ? s->end : "the connection closed before the end");
	if (b->reading)
		uv_read_stop((uv_stream_t *)&b->out);
	uv_close((uv_handle_t *)&b->out, on_handle_closed);
	if (b->exited)
		uv_close((uv_handle_t *)&b->proc, on_handle_closed);
	else
		uv_process_kill(&b->proc, SIGTERM); /* closed once it has exited: no zombie */
}

/* The child: this kartd, `backup --data DIR -o -`, run as /proc/self/exe:
 * the very binary that serves, even when a package upgrade has replaced the
 * file since it started. 0 or a libuv code (the handle is initialised
 * either way). */
static int spawn_copy(struct bk *b)
{
	/* the configuration the daemon was started with: --config's file, else the site's */
	const char *file = b->srv->conf_file;
	char *args[] = { "kartd", "backup", "--data", b->srv->dir, "-o", "-",
			 file ? "--config" : NULL, (char *)file, NULL };
	uv_stdio_container_t io[3] = {
		{ .flags = UV_IGNORE },
		{ .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&b->out },
		{ .flags = UV_INHERIT_FD, .data.fd = 2 },
	};
	uv_process_options_t o = {
		.exit_cb = on_child_exit, .file = "/proc/self/exe", .args = args, .stdio = io, .stdio_count = 3
	};
	b->proc.data = b;
	return uv_spawn(b->srv->loop, &b->proc, &o);
}

int h_backup(struct req *r)
{
	if (backup_running)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "",
				 "a backup is already running; try again when it has finished");
	struct bk *b = calloc(1, sizeof(*b));
	struct stream *s = b ? stream_new(r, backup_page) : NULL;
	if (!s) {
		free(b);
		return req_no_memory(r);
	}
	b->srv = r->srv;
	b->who = r->who;
	uv_pipe_init(r->srv->loop, &b->out, 0);
	b->out.data = b;
	b->open_handles = 1;
	int rc = spawn_copy(b);
	if (rc) {
		log_err("backup: cannot start the copy: %s", uv_strerror(rc));
		stream_free(s);
		/* both handles were initialised: both close, then b is freed */
		b->open_handles = 2;
		uv_close((uv_handle_t *)&b->out, on_handle_closed);
		uv_close((uv_handle_t *)&b->proc, on_handle_closed);
		backup_running = true; /* reset as they close */
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "the backup could not start; the server log has details");
	}
	b->open_handles = 2;
	backup_running = true;
	if (uv_read_start((uv_stream_t *)&b->out, on_alloc, on_read) == 0)
		b->reading = true;
	s->state = b;
	s->release = backup_release;
	b->s = s;
	audit_note_later(r, "backup.start", "backup", 0, true, "a copy of the whole database, for a backup");
	log_notice("backup by %s (%s) started", r->who.user, r->who.peer);
	return req_stream(r, s);
}
