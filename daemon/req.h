/* req: one request and its reply — what a handler (h_*.c) works with.
 *
 * Glossary
 *   server   the process: config, TLS context, store, writer, listener,
 *            connections (instance.h; server.h acts on it).
 *   conn     one client connection (conn.h): never touched by a handler.
 *   req      one decoded request and its reply. Read requests run on the loop
 *            thread inside a short read transaction; write requests are handed to
 *            the writer thread (writer.h) and run inside a nested write transaction.
 *   stream   a long list answered in pages (CardList, AuditQuery); paused while the
 *            connection's unsent output is over its limit.
 *
 * A handler fills r->out (or a packed reply) and returns. What it asks of its
 * connection it records on the request, and the dispatcher (dispatch.c) or,
 * for a write request, the writer's completion (writer.c) applies it after
 * the handler returned: a stream to answer in pages (req_stream), a session
 * begun or ended, a stream cancelled, Hello answered. A scan in the pool is
 * a req_job (req_pool): its completion answers on the loop thread. */
#ifndef KART_REQ_H
#define KART_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "arena.h"
#include "config.h"
#include "instance.h"
#include "kart.pb-c.h"
#include "store.h"

#define KART_NAME_MAX 64
#define KART_SERVER_NAME "kartd 0.1.0"

struct conn;
struct stream;
struct acl_memo;

/* Who is asking: copied into every request so the writer never touches a conn. */
struct principal {
	char user[KART_NAME_MAX];
	Kart__Role role;
	char peer[64];
	uint8_t session_key[32];    /* the session the request came on */
	char team[KART_NAME_MAX];
};

/* Handler return codes (besides MDB codes, which mean a storage failure, and
 * MDB_MAP_FULL, which makes the writer grow the map and retry the batch). */
enum {
	H_OK = 0,     /* commit (the reply may still be an error, e.g. a refused login) */
	H_ABORT = 1,  /* abort the request's own changes; the reply stands */
	H_DEFER = 2,  /* loop handler handed the request on; it replies later */
};

/* What a handler asks of its connection: applied once it has returned
 * (dispatch.c, writer.c), and only if the connection is still open. */
struct req_effects {
	struct stream *stream;      /* req_stream: answer in pages */
	bool hello;                 /* Hello was answered */
	bool session_clear;         /* the connection's session ends */
	bool session_set;           /* the connection's session begins (below) */
	const char *user, *team;    /* session_set: in the request's arena */
	Kart__Role role;
	int64_t expires;            /* unix microseconds */
	uint8_t key[32];
	bool cancel;                /* the stream with request id cancel_id ends */
	uint64_t cancel_id;
};

struct req {
	struct server *srv;
	/* the configuration the request runs under, on any thread: the loop's
	 * when it began (conf.h); a write or a scan handed on holds it */
	const struct kart_config *cfg;
	struct conn *conn;          /* opaque to handlers; loop thread only; NULL on the writer */
	uint64_t id;
	Kart__Envelope *in;         /* decoded request, in `in_arena` */
	struct principal who;
	MDB_txn *txn;               /* the handler's transaction */
	struct arena *arena;        /* reply and scratch memory */
	Kart__Envelope out;         /* the reply */
	/* or a reply whose body is a message already serialized, e.g. a card as
	 * stored: sent without decoding and re-encoding it (loop thread only) */
	struct {
		Kart__Envelope__BodyCase body;
		const void *bytes;
		size_t len;
	} packed;
	int64_t now;                /* unix microseconds, fixed for the request */
	int64_t audit_at;           /* the next audit record's instant, unix seconds, its summary's "{at}"; 0: none */
	bool on_writer;             /* runs on the writer thread */
	struct acl_memo *acl_memo;  /* acl.c: owners' teams looked up, in `arena` */
	/* the connection's session as the request found it (loop thread) */
	bool authed;
	int64_t session_expires;    /* unix microseconds */
	struct req_effects fx;      /* set by the handler, applied after it */
};

typedef int (*handler_fn)(struct req *r);

/* The one wording of a request refused for want of memory. */
#define REQ_NO_MEMORY "out of memory; try again"

/* Reply helpers. req_error returns H_ABORT so a handler can `return req_error(...)`. */
int req_error(struct req *r, Kart__ErrorCode code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* UNAVAILABLE, REQ_NO_MEMORY: returns H_ABORT like req_error. */
int req_no_memory(struct req *r);
void req_ok(struct req *r);
/* Stored text must not hold what a terminal would act on (text.h): H_OK, or
 * a BAD_REQUEST naming the field, the character (U+XXXX) and its position.
 * With lines, newlines and tabs are allowed (notes); without, neither. */
int req_check_text(struct req *r, const char *field, const char *v, bool lines);
/* A free text of lines (a timeline entry, a reminder): req_check_text with
 * line breaks and tabs, valid UTF-8, at most max characters. H_OK, or the
 * error reply made and H_ABORT. */
int req_check_note(struct req *r, const char *field, const char *v, size_t max);
/* Replies with a message already serialized as the envelope's `body` field. */
int req_reply_packed(struct req *r, Kart__Envelope__BodyCase body, const void *bytes, size_t len);
/* Maps a storage error to an INTERNAL reply (details go to the log only). */
int req_store_error(struct req *r, int rc, const char *what);
/* Was storage error rc a full disk (ENOSPC, EDQUOT, or EIO or a map that
 * cannot grow while the database's filesystem has no room left)? */
bool store_disk_full(struct server *srv, int rc);
/* The reply for a write a full disk refused: UNAVAILABLE, saying so. */
int req_disk_full(struct req *r);

/* ---- streams: one page at a time ---- */

/* Produces the next page into r->out. Returns true when this was the last. */
typedef bool (*stream_page_fn)(struct stream *s, struct req *r);

struct stream {
	struct stream *next;
	uint64_t id;                /* request id */
	stream_page_fn page;
	struct arena arena;         /* request copy and cursor state */
	struct principal who;
	void *state;
	struct server *srv;
	/* Optional, loop thread: called as the stream is freed; finished tells
	 * whether its last page was sent, and end says why it stopped if not. */
	void (*release)(struct stream *s, bool finished);
	bool finished;
	char end[160];
	/* Set by a page that has nothing to send yet (its data comes from
	 * elsewhere, e.g. a child process): no frame is sent and the stream
	 * waits, first in its connection's line, until req_stream_wake. */
	bool waiting;
	struct conn *conn;          /* set as the stream is added; opaque */
};

/* A page ends early once its records hold this much memory. */
#define PAGE_BYTES (1u << 20)

struct stream *stream_new(struct req *r, stream_page_fn page);
/* A list with a limit: counts the `sent` records of a page off *remaining
 * (0: no limit) and tells whether the limit is reached, so the page is the last. */
bool stream_limit_reached(uint32_t *remaining, size_t sent);
void stream_free(struct stream *s);
/* The request is answered by s, page by page, once the handler has returned
 * (a closed connection's stream is freed unsent). Returns H_DEFER. */
int req_stream(struct req *r, struct stream *s);

/* jobs.c: the data a waiting stream waits for has come: its connection
 * takes another turn and asks for the page again. Loop thread. */
void req_stream_wake(struct stream *s);

/* ---- pool jobs: a scan in libuv's pool, answered on the loop thread ---- */

struct req_job {
	uv_work_t work;
	struct server *srv;         /* set by req_pool, as are conn, id, who and cfg */
	const struct kart_config *cfg; /* the request's, held until the job is freed */
	struct conn *conn;
	uint64_t id;
	struct principal who;
	unsigned kind;              /* the request's body case, and when it came (stats.h) */
	int64_t started;
	/* pool thread: the scan */
	void (*run)(struct req_job *j);
	/* loop thread: fills r (its reply in r->out, or req_stream); status is
	 * not 0 if the scan was cancelled. r->now is 0: a reply that records
	 * with the request's time sets it. */
	void (*reply)(struct req_job *j, struct req *r, int status);
	void (*free)(struct req_job *j);
	/* reply also when the connection has closed (what it records must be
	 * recorded); its reply is then dropped */
	bool reply_closed;
};

/* jobs.c: hands j (embedded first in the handler's own job) to the pool, counted
 * against r's connection (backpressure) and the server (shutdown waits for
 * it). On completion: the counts back down, j->reply if the connection is
 * open (or reply_closed), the reply sent or the stream added, flushed,
 * reading resumed, j->free. Returns 0, or -1 (busy: j was not queued). */
int req_pool(struct req *r, struct req_job *j);

/* jobs.c: work of a request already answered (h_export.c: the next chunk
 * of a file) in the pool, scheduled as `user`'s scans are: within
 * max_scans and max_scans_per_user, after those waiting before it. c (held
 * until req_pool_work_done) is the connection it is for: work still waiting
 * when c closes is not run, done gets UV_ECANCELED. Not refused for the
 * user's many waiting scans (a file under way would end halfway). Returns
 * 0, or -1 (out of memory). */
int req_pool_work(struct server *srv, struct conn *c, const char *user, uv_work_t *w, uv_work_cb run,
		  uv_after_work_cb done);
/* jobs.c: first thing in that work's done, on the loop: its place in the
 * pool to the next waiting, c let go. */
void req_pool_work_done(struct server *srv, struct conn *c, uv_work_t *w);

/* ---- a connection held past its request ---- */

/* jobs.c: a request answered in pieces (h_export.c: a file uploaded in
 * parts) keeps its connection, opaque to the handler, until released. */
struct conn *req_conn_hold(struct req *r);
void req_conn_release(struct conn *c);
bool req_conn_open(const struct conn *c);

#endif
