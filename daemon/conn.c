/* conn: one client connection — the TLS pump, frames, backpressure, close.
 *
 * libuv owns the socket; bytes read go into the TLS engine, plaintext into the
 * frame assembler, whole frames to dispatch. Replies are encrypted into the
 * engine and flushed with one uv_write per batch of input. A connection whose
 * unsent output passes output_limit stops reading until it drains, and its
 * streams pause. Protocol errors get an error frame; transport errors close.
 *
 * A fair loop: one connection's turn dispatches at most FRAMES_PER_TURN
 * requests and produces at most PAGES_PER_TURN stream pages; work left over
 * waits on the server's ready list, served from an idle handle after every
 * other callback of the loop's turn (other connections' reads, the writer's
 * replies, finished scans) has run.
 *
 * Before a login a connection may send only small frames (a Hello, a Login),
 * must log in within handshake_timeout_ms, and counts toward
 * max_unauthenticated; every connection counts toward its address's
 * max_connections_per_address (addrs.h), and partly received frames of all
 * connections together toward input_memory_limit. */
#include <stdlib.h>
#include <string.h>

#include "addrs.h"
#include "certs.h"
#include "conn.h"
#include "log.h"
#include "pbwire.h"
#include "util.h"

#define READ_CHUNK 65536
/* Per connection: beyond these, its requests wait unread (backpressure). */
#define CONN_MAX_WRITES 1024
#define CONN_MAX_STREAMS 16
#define CONN_MAX_JOBS 2         /* scans in the pool at once: they hold memory and pool threads */
/* One connection's turn of the loop. */
#define FRAMES_PER_TURN 64
#define PAGES_PER_TURN 4
/* A frame before login: a Hello or a Login is a few hundred bytes. */
#define PRE_LOGIN_MAX_FRAME 16384
#define PRE_LOGIN_OUTPUT 65536

static struct log_limit input_log;

struct wbuf {
	uv_write_t req;
	struct conn *conn;
	size_t len;
	char data[];
};

static char read_buf[READ_CHUNK];      /* loop thread only: consumed inside on_read */

static void conn_free(struct conn *c)
{
	while (c->streams) {
		struct stream *s = c->streams;
		c->streams = s->next;
		if (!s->end[0])
			snprintf(s->end, sizeof(s->end), "the connection closed before the whole file was sent");
		stream_free(s);
		c->srv->nstreams--;
	}
	tls_engine_free(&c->tls);
	free(c->plain);
	free(c->backlog);
	frame_asm_free(&c->in);
	arena_free(&c->arena);
	free(c);
}

void conn_ref(struct conn *c) { c->refs++; }

void conn_unref(struct conn *c)
{
	if (--c->refs == 0)
		conn_free(c);
}

bool conn_is_open(const struct conn *c) { return !c->closing && !c->shutting; }

static void on_close(uv_handle_t *h)
{
	conn_unref((struct conn *)h);
}

void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	struct server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nconns--;
	if (c->unauth) {
		c->unauth = false;
		srv->nunauth--;
		if (c->addr)
			c->addr->unauth--;
	}
	if (c->addr) {
		addrs_unref(srv, c->addr);
		c->addr = NULL;
	}
	srv->input_bytes -= c->in.cap;
	frame_asm_free(&c->in); /* nothing is read after this */
	uv_close((uv_handle_t *)&c->tcp, on_close);
	srv->hooks.settled(srv);
}

/* Sends what is pending (an alert, close_notify, a last error frame), then closes. */
static void conn_close_after_flush(struct conn *c)
{
	if (c->closing || c->shutting)
		return;
	c->shutting = true;
	c->shut_ms = util_mono_ms();
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	conn_flush(c);
	if (c->out_queued == 0)
		conn_close(c);
}

void conn_end(struct conn *c)
{
	if (!conn_is_open(c))
		return;
	conn_flush(c); /* replies before close_notify */
	tls_engine_shutdown(&c->tls);
	conn_close_after_flush(c);
}

bool conn_session_live(struct conn *c, MDB_txn *txn)
{
	/* found in the loop's read snapshot of this id: still there in it (a
	 * logout, a revocation or an expiry sweep commits a new snapshot) */
	size_t snap = txn == c->srv->store.rtxn ? mdb_txn_id(txn) : 0;
	if (snap && c->session_snap == snap)
		return true;
	MDB_val k = { 32, c->who.session_key }, v;
	bool live = mdb_get(txn, c->srv->store.sessions, &k, &v) == 0;
	c->session_snap = live ? snap : 0;
	return live;
}

static void submit_backlog(struct conn *c);

static void on_write(uv_write_t *req, int status)
{
	struct wbuf *b = req->data;
	struct conn *c = b->conn;
	c->out_queued -= b->len;
	c->inflight = NULL;
	c->active_ms = util_mono_ms(); /* the peer reads: it is not idle */
	free(b);
	if (status == 0)
		submit_backlog(c);
	if (status < 0 && !c->closing) {
		log_debug("%s: write failed: %s", c->who.peer, uv_strerror(status));
		conn_close(c);
	}
	if (!c->closing && c->shutting && c->out_queued == 0)
		conn_close(c);
	conn_resume(c);
	conn_unref(c);
}

/* Over a limit: unsent output (the peer does not read its replies), writes
 * waiting for the writer (by count and by the memory they hold), or open
 * streams. */
static bool conn_busy(const struct conn *c)
{
	/* before login, replies are a few small errors: a client that sends
	 * without reading may not make us hold more than that */
	size_t out_limit = c->authed ? c->srv->cfg->output_limit : PRE_LOGIN_OUTPUT;
	return c->out_queued + c->plain_len > out_limit || c->pending_writes >= CONN_MAX_WRITES ||
	       c->pending_bytes > c->srv->cfg->output_limit || c->nstreams >= CONN_MAX_STREAMS ||
	       c->pending_jobs >= CONN_MAX_JOBS;
}

/* Backpressure: a busy connection is not read until it drains. */
static bool conn_check_busy(struct conn *c)
{
	if (!conn_busy(c))
		return false;
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	return true;
}

/* Submits the backlog as the connection's one write in flight. */
static void submit_backlog(struct conn *c)
{
	if (c->inflight || c->backlog_len == 0 || c->closing)
		return;
	struct wbuf *b = malloc(sizeof(*b) + c->backlog_len);
	if (!b) {
		conn_close(c);
		return;
	}
	b->conn = c;
	b->len = c->backlog_len;
	memcpy(b->data, c->backlog, b->len);
	b->req.data = b;
	c->backlog_len = 0;
	if (c->backlog_cap > (1u << 20)) {
		free(c->backlog);
		c->backlog = NULL;
		c->backlog_cap = 0;
	}
	uv_buf_t buf = uv_buf_init(b->data, (unsigned)b->len);
	if (uv_write(&b->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) < 0) {
		free(b);
		conn_close(c);
		return;
	}
	c->inflight = b;
	conn_ref(c);
}

void conn_flush(struct conn *c)
{
	/* loop thread only; a page of a stream (an export's chunk is 256 KiB of
	 * file, in 16 KiB TLS records) goes to the socket in one write rather
	 * than four: on a virtual machine a system call costs more than the copy */
	static char out[(256 + 8) * 1024];
	if (c->closing)
		return;
	if (c->plain_len > 0) {
		int rc = c->tls_done ? tls_engine_write(&c->tls, c->plain, c->plain_len) : TLS_ERROR;
		c->plain_len = 0;
		if (c->plain_cap > (1u << 20)) {
			/* a large page went out: do not keep its buffer */
			free(c->plain);
			c->plain = NULL;
			c->plain_cap = 0;
		}
		if (rc != TLS_OK) {
			log_warn("%s: TLS write failed", c->who.peer);
			conn_close(c);
			return;
		}
	}
	/* At most one write is in flight; what the socket does not take at once
	 * waits in one backlog buffer, so a peer that does not read costs its
	 * bytes and nothing per reply. */
	while (tls_engine_pending(&c->tls) > 0) {
		size_t n = tls_engine_take(&c->tls, out, sizeof(out));
		size_t done = 0;
		if (c->out_queued == 0) {
			/* the common case: the socket takes it all now, no request, no callback */
			uv_buf_t buf = uv_buf_init(out, (unsigned)n);
			int w = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
			if (w > 0)
				done = (size_t)w;
			else if (w != UV_EAGAIN) {
				conn_close(c);
				return;
			}
		}
		if (done == n)
			continue;
		size_t rest = n - done;
		if (c->backlog_cap - c->backlog_len < rest) {
			size_t cap = c->backlog_cap ? c->backlog_cap : 65536;
			while (cap - c->backlog_len < rest)
				cap *= 2;
			uint8_t *nb = realloc(c->backlog, cap);
			if (!nb) {
				conn_close(c);
				return;
			}
			c->backlog = nb;
			c->backlog_cap = cap;
		}
		memcpy(c->backlog + c->backlog_len, out + done, rest);
		c->backlog_len += rest;
		c->out_queued += rest;
	}
	submit_backlog(c);
	conn_check_busy(c);
}

/* Makes room for n more bytes of plaintext output. */
static uint8_t *plain_reserve(struct conn *c, size_t n)
{
	if (c->plain_cap - c->plain_len < n) {
		size_t cap = c->plain_cap ? c->plain_cap : 16384;
		while (cap - c->plain_len < n)
			cap *= 2;
		uint8_t *nb = realloc(c->plain, cap);
		if (!nb)
			return NULL;
		c->plain = nb;
		c->plain_cap = cap;
	}
	return c->plain + c->plain_len;
}

void conn_send_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	if (!conn_is_open(c) || !c->tls_done)
		return;
	uint8_t *p = plain_reserve(c, len);
	if (!p) {
		conn_close(c);
		return;
	}
	memcpy(p, frame, len);
	c->plain_len += len;
}

void conn_send(struct conn *c, const Kart__Envelope *e)
{
	if (!conn_is_open(c) || !c->tls_done)
		return;
	size_t n = kart__envelope__get_packed_size(e);
	uint8_t *p = plain_reserve(c, n + 4);
	if (!p) {
		conn_close(c);
		return;
	}
	frame_put_header(p, (uint32_t)n);
	kart__envelope__pack(e, p + 4);
	c->plain_len += n + 4;
}

void conn_send_packed(struct conn *c, uint64_t id, Kart__Envelope__BodyCase body, const void *bytes, size_t len)
{
	if (!conn_is_open(c) || !c->tls_done)
		return;
	/* the same bytes protobuf-c would write: field 1 (varint), then the body field */
	uint64_t tag = (uint64_t)body << 3 | 2;
	size_t n = (id ? 1 + pbwire_varint_len(id) : 0) + pbwire_varint_len(tag) + pbwire_varint_len(len) + len;
	uint8_t *p = plain_reserve(c, n + 4);
	if (!p) {
		conn_close(c);
		return;
	}
	frame_put_header(p, (uint32_t)n);
	uint8_t *q = p + 4;
	if (id) {
		*q++ = 1 << 3;
		q = pbwire_varint_put(q, id);
	}
	q = pbwire_varint_put(q, tag);
	q = pbwire_varint_put(q, len);
	memcpy(q, bytes, len);
	c->plain_len += n + 4;
}

static void send_error(struct conn *c, uint64_t id, Kart__ErrorCode code, const char *msg)
{
	Kart__Error err = KART__ERROR__INIT;
	err.code = code;
	err.message = (char *)msg;
	Kart__Envelope e = KART__ENVELOPE__INIT;
	e.request_id = id;
	e.body_case = KART__ENVELOPE__BODY_ERROR;
	e.error = &err;
	conn_send(c, &e);
}

void conn_set_session(struct conn *c, const char *user, Kart__Role role, const char *team, int64_t expires_us,
		      const uint8_t key[32])
{
	c->authed = true;
	if (c->unauth) {
		c->unauth = false;
		c->srv->nunauth--;
		if (c->addr)
			c->addr->unauth--;
	}
	c->in.max = c->srv->cfg->max_frame;
	snprintf(c->who.user, sizeof(c->who.user), "%s", user);
	snprintf(c->who.team, sizeof(c->who.team), "%s", team ? team : "");
	c->who.role = role;
	c->session_expires = expires_us;
	c->session_snap = 0;
	memcpy(c->who.session_key, key, 32);
}

void conn_clear_session(struct conn *c)
{
	if (c->authed && !c->unauth && conn_is_open(c)) {
		/* not logged in again: the login deadline and budget apply afresh */
		c->unauth = true;
		c->srv->nunauth++;
		if (c->addr)
			c->addr->unauth++;
		c->created_ms = util_mono_ms();
	}
	c->authed = false;
	if (frame_asm_pending(&c->in) == 0) /* frames already received keep the limit they were sent under */
		c->in.max = PRE_LOGIN_MAX_FRAME < c->srv->cfg->max_frame ? PRE_LOGIN_MAX_FRAME : c->srv->cfg->max_frame;
	c->who.user[0] = '\0';
	c->who.team[0] = '\0';
	c->who.role = KART__ROLE__ROLE_UNSPECIFIED;
	c->session_expires = 0;
	c->session_snap = 0;
	memset(c->who.session_key, 0, sizeof(c->who.session_key));
}

void conn_add_stream(struct conn *c, struct stream *s)
{
	s->conn = c;
	c->nstreams++;
	c->srv->nstreams++;
	s->next = NULL;
	if (c->streams_tail)
		c->streams_tail->next = s;
	else
		c->streams = s;
	c->streams_tail = s;
}

/* Removes the stream with request id `id`. Returns true if there was one. */
bool conn_cancel_stream(struct conn *c, uint64_t id)
{
	struct stream **pp = &c->streams, *prev = NULL;
	for (; *pp; prev = *pp, pp = &(*pp)->next) {
		struct stream *s = *pp;
		if (s->id != id)
			continue;
		*pp = s->next;
		if (c->streams_tail == s)
			c->streams_tail = prev;
		snprintf(s->end, sizeof(s->end), "cancelled by the client");
		stream_free(s);
		c->nstreams--;
		c->srv->nstreams--;
		return true;
	}
	return false;
}

void conn_apply(struct conn *c, struct req_effects *fx)
{
	if (!conn_is_open(c)) {
		if (fx->stream)
			stream_free(fx->stream);
		memset(fx, 0, sizeof(*fx));
		return;
	}
	if (fx->hello)
		c->hello = true;
	if (fx->session_clear)
		conn_clear_session(c);
	if (fx->session_set)
		conn_set_session(c, fx->user, fx->role, fx->team, fx->expires, fx->key);
	if (fx->cancel)
		conn_cancel_stream(c, fx->cancel_id);
	if (fx->stream)
		conn_add_stream(c, fx->stream);
	explicit_bzero(fx->key, sizeof(fx->key));
	memset(fx, 0, sizeof(*fx));
}

/* Puts c on the ready list: it has work left that waits for its next turn. */
static void conn_schedule(struct conn *c)
{
	struct server *srv = c->srv;
	if (c->ready || !conn_is_open(c))
		return;
	c->ready = true;
	c->ready_next = NULL;
	conn_ref(c);
	if (srv->ready_tail)
		srv->ready_tail->ready_next = c;
	else
		srv->ready_head = c;
	srv->ready_tail = c;
	if (!uv_is_active((uv_handle_t *)&srv->ready_idle))
		uv_idle_start(&srv->ready_idle, conn_ready_run);
}

void conn_wake(struct conn *c)
{
	conn_schedule(c);
}

/* The idle handle: one more turn for each connection that was ready when it
 * started (a connection that is ready again goes to the back). */
void conn_ready_run(uv_idle_t *h)
{
	struct server *srv = h->data;
	struct conn *c = srv->ready_head, *next;
	srv->ready_head = srv->ready_tail = NULL;
	for (; c; c = next) {
		next = c->ready_next;
		c->ready = false;
		conn_resume(c);
		conn_unref(c);
	}
	if (!srv->ready_head)
		uv_idle_stop(&srv->ready_idle);
}

void conn_ready_drain(struct server *srv)
{
	while (srv->ready_head) {
		struct conn *c = srv->ready_head;
		srv->ready_head = c->ready_next;
		c->ready = false;
		conn_unref(c);
	}
	srv->ready_tail = NULL;
}

/* Produces stream pages while the connection's output is under its limit,
 * PAGES_PER_TURN at most; pages left wait for another turn. */
void conn_pump(struct conn *c)
{
	if (c->pumping)
		return;
	c->pumping = true;
	struct server *srv = c->srv;
	unsigned pages = 0;
	while (c->streams && conn_is_open(c) && c->out_queued + c->plain_len < srv->cfg->output_limit) {
		if (pages++ == PAGES_PER_TURN) {
			conn_schedule(c);
			break;
		}
		struct stream *s = c->streams;
		struct req r = { .srv = srv, .cfg = srv->cfg, .conn = c, .id = s->id, .who = s->who, .arena = &c->arena,
				 .now = util_now_us() };
		kart__envelope__init(&r.out);
		enum page_turn turn = srv->hooks.page(c, s, &r);
		if (s->waiting && turn == PAGE_MORE) {
			/* nothing to send yet: req_stream_wake brings the next turn (a
			 * refusal at the gate is a last page: it is sent, the stream ends) */
			arena_reset(&c->arena);
			break;
		}
		if (turn == PAGE_END) {
			/* refused at the gate (a certificate revoked or expired while
			 * streaming): the stream ends and so does the connection */
			r.out.request_id = s->id;
			conn_send(c, &r.out);
			arena_reset(&c->arena);
			conn_end(c);
			break;
		}
		bool last = turn == PAGE_LAST;
		if (r.out.body_case == KART__ENVELOPE__BODY_ERROR) {
			last = true;
			snprintf(s->end, sizeof(s->end), "%s",
				 r.out.error && r.out.error->message ? r.out.error->message : "error");
		} else if (last) {
			s->finished = true;
		}
		r.out.request_id = s->id;
		r.out.more = !last;
		conn_send(c, &r.out);
		arena_reset(&c->arena);
		if (last) {
			c->streams = s->next;
			if (!c->streams)
				c->streams_tail = NULL;
			stream_free(s);
			c->nstreams--;
			c->srv->nstreams--;
		}
		conn_flush(c);
	}
	c->pumping = false;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(read_buf, sizeof(read_buf));
}

enum frames_left { FRAMES_DONE, FRAMES_BUSY, FRAMES_LEFT };

/* Dispatches the whole frames received, FRAMES_PER_TURN at most. Tells
 * whether all were (FRAMES_DONE), or frames wait because the connection is
 * over a limit (FRAMES_BUSY) or its turn's budget is spent (FRAMES_LEFT). */
static enum frames_left process_frames(struct conn *c)
{
	enum frames_left left = FRAMES_DONE;
	struct store *st = &c->srv->store;
	/* one read snapshot for the whole batch of pipelined requests */
	bool txn = store_read_begin(st) != NULL;
	const uint8_t *payload;
	uint32_t len;
	for (unsigned n = 0;; n++) {
		if (!conn_is_open(c))
			break;
		if (conn_check_busy(c)) {
			left = FRAMES_BUSY;
			break;
		}
		if (n == FRAMES_PER_TURN) {
			left = frame_asm_pending(&c->in) >= 4 ? FRAMES_LEFT : FRAMES_DONE;
			break;
		}
		int fs = frame_asm_next(&c->in, &payload, &len);
		if (fs == FRAME_NEED_MORE)
			break;
		if (fs == FRAME_TOO_LARGE) {
			char msg[200];
			uint32_t want = frame_get_u32(c->in.buf + c->in.start);
			if (c->authed || c->in.max == c->srv->cfg->max_frame)
				snprintf(msg, sizeof(msg), "frame of %u bytes exceeds the limit of %u bytes", want,
					 c->in.max);
			else
				snprintf(msg, sizeof(msg),
					 "frame of %u bytes exceeds the limit of %u bytes before login", want,
					 c->in.max);
			log_limited(&input_log, LOG_NOTICE, "%s: %s; closing", c->who.peer, msg);
			send_error(c, 0, KART__ERROR_CODE__BAD_REQUEST, msg);
			conn_close_after_flush(c);
			break;
		}
		c->srv->hooks.frame(c, payload, len);
	}
	if (txn)
		store_read_end(st);
	return left;
}

/* A peer that ended its side (close_notify or FIN): once everything it sent
 * is answered (requests with the writer or in the pool, streams, frames not
 * yet dispatched), close_notify and close. */
static void conn_finish_if_done(struct conn *c)
{
	if (!c->peer_done || !conn_is_open(c))
		return;
	/* a partial frame left will never be completed: it is dropped */
	if (c->pending_writes || c->nstreams || frame_asm_whole(&c->in))
		return;
	conn_flush(c); /* replies before close_notify */
	if (c->tls_done)
		tls_engine_shutdown(&c->tls);
	conn_close_after_flush(c);
}

/* The peer will send nothing more: nothing more is read, what was received
 * is still answered. */
static void conn_peer_done(struct conn *c)
{
	c->peer_done = true;
	if (c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	conn_resume(c);
}

/* Counts the frame assembler's memory toward input_memory_limit after a push. */
static bool input_account(struct conn *c, size_t cap_before)
{
	struct server *srv = c->srv;
	srv->input_bytes += c->in.cap;
	srv->input_bytes -= cap_before;
	if (c->in.cap <= cap_before || srv->input_bytes <= srv->cfg->input_memory_limit)
		return true;
	log_limited(&input_log, LOG_WARN,
		    "%s: partly received requests hold %zu bytes (input_memory_limit %llu); closing this connection",
		    c->who.peer, srv->input_bytes, (unsigned long long)srv->cfg->input_memory_limit);
	conn_close(c);
	return false;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = (struct conn *)stream;
	if (nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF) {
			log_debug("%s: read: %s", c->who.peer, uv_strerror((int)nread));
			conn_close(c);
		} else if (!c->tls_done) {
			conn_close(c);
		} else {
			conn_peer_done(c); /* a half-close: the replies still go out */
		}
		return;
	}
	c->active_ms = util_mono_ms();
	c->spoke = true;
	if (tls_engine_feed(&c->tls, buf->base, (size_t)nread) != TLS_OK) {
		conn_close(c);
		return;
	}
	if (tls_engine_unread(&c->tls) > (size_t)c->in.max + 65536) {
		/* the engine stopped taking input (a broken record): do not hoard the rest */
		log_notice("%s: TLS input not consumed; closing", c->who.peer);
		conn_close(c);
		return;
	}
	if (!c->tls_done) {
		int hs = tls_engine_handshake(&c->tls);
		if (hs == TLS_ERROR) {
			char e[256];
			log_limited(&input_log, LOG_NOTICE, "%s: TLS handshake failed: %s", c->who.peer,
				    tls_last_error(e, sizeof(e)));
			conn_close_after_flush(c); /* send the alert, if any */
			return;
		}
		conn_flush(c);
		if (hs == TLS_WANT)
			return;
		c->tls_done = true;
		certs_on_handshake(c);
	}
	uint8_t plain[16384];
	for (;;) {
		int n = tls_engine_read(&c->tls, plain, sizeof(plain));
		if (n > 0) {
			size_t cap = c->in.cap;
			if (frame_asm_push(&c->in, plain, (size_t)n) != FRAME_OK) {
				c->srv->input_bytes -= cap - c->in.cap; /* it may have let its buffer go */
				conn_close(c);
				return;
			}
			if (!input_account(c, cap))
				return;
			/* all taken: one more read would only say so (a call, an
			 * error queue cleared and read, per request) */
			if (tls_engine_drained(&c->tls))
				break;
			continue;
		}
		if (n == -TLS_WANT)
			break;
		if (n == -TLS_CLOSED) {
			conn_peer_done(c); /* close_notify: answer what was received, then close */
			return;
		}
		char e[256];
		log_notice("%s: TLS error: %s", c->who.peer, tls_last_error(e, sizeof(e)));
		conn_close(c);
		return;
	}
	conn_resume(c);
}

/* One turn for the connection: requests received, then stream pages, each
 * within its budget. What is left waits on the ready list; a connection
 * with whole frames still waiting is not read, so a client that pipelines
 * faster than it is answered waits in its socket, not in our memory. */
void conn_resume(struct conn *c)
{
	if (!conn_is_open(c) || c->srv->stopping || c->resuming)
		return;
	c->resuming = true;
	enum frames_left left = FRAMES_BUSY;
	if (!conn_busy(c))
		left = process_frames(c);
	conn_flush(c);
	conn_pump(c); /* the streams those requests started, too */
	/* frames left for lack of budget, or held while the connection was
	 * busy with what the pump has since finished: another turn */
	if (left != FRAMES_DONE && conn_is_open(c) && !conn_busy(c))
		conn_schedule(c);
	if (left == FRAMES_DONE && !conn_busy(c))
		conn_start_reading(c);
	else if (c->reading && conn_is_open(c)) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
	conn_finish_if_done(c);
	c->resuming = false;
}

void conn_start_reading(struct conn *c)
{
	if (c->reading || !conn_is_open(c) || c->peer_done)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
		c->reading = true;
	else
		conn_close(c);
}

bool conn_open(struct conn *c)
{
	struct server *srv = c->srv;
	uv_tcp_nodelay(&c->tcp, 1);
	frame_asm_init(&c->in, PRE_LOGIN_MAX_FRAME < srv->cfg->max_frame ? PRE_LOGIN_MAX_FRAME : srv->cfg->max_frame);
	/* decoding may allocate more than the frame holds, but within bounds */
	arena_init(&c->arena, (size_t)srv->cfg->max_frame * 4 + 65536);
	c->created_ms = c->active_ms = util_mono_ms();
	if (tls_engine_init(&c->tls, srv->tls) != TLS_OK) {
		arena_free(&c->arena);
		return false;
	}
	c->unauth = true;
	srv->nunauth++;
	c->addr->unauth++;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	conn_start_reading(c);
	return true;
}

void conn_shutdown_all(struct server *srv)
{
	struct conn *next;
	for (struct conn *c = srv->conns; c; c = next) {
		next = c->next;
		conn_flush(c); /* replies before close_notify */
		if (c->tls_done)
			tls_engine_shutdown(&c->tls);
		conn_close_after_flush(c);
	}
}

/* Stops reading on every connection (shutdown: no new requests). */
void conn_stop_reading_all(struct server *srv)
{
	for (struct conn *c = srv->conns; c; c = c->next) {
		if (c->reading) {
			uv_read_stop((uv_stream_t *)&c->tcp);
			c->reading = false;
		}
	}
}
