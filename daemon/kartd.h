/* kartd: the daemon's shared types.
 *
 * Glossary
 *   server   the process: config, TLS context, store, writer, listener, connections.
 *   conn     one client connection: socket (owned by libuv), TLS engine, frame
 *            assembler, session, pending streams. Freed when its handle is closed
 *            and no write request still refers to it (refs).
 *   req      one decoded request and its reply. Read requests run on the loop
 *            thread inside a short read transaction; write requests are handed to
 *            the writer thread (writer.h) and run inside a nested write transaction.
 *   stream   a long list answered in pages (CardList, AuditQuery); paused while the
 *            connection's unsent output is over its limit.
 *
 * A request in six hops: conn.c read callback -> tls.c decrypt -> frame.c whole
 * frame -> dispatch.c unpack and look up the handler -> h_*.c in one store
 * transaction, with its audit record -> pack, encrypt, uv_write. */
#ifndef KARTD_H
#define KARTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "arena.h"
#include "config.h"
#include "frame.h"
#include "kart.pb-c.h"
#include "store.h"
#include "tls.h"

/* schema.h: the custom field definitions cached per thread */
struct schema {
	uint64_t gen;
	size_t n;
	Kart__FieldDef **defs;      /* sorted by name; in `arena` */
	struct arena arena;
	bool loaded;
};

#define KART_NAME_MAX 64
#define KART_SERVER_NAME "kartd 0.1.0"

struct server;
struct reads;
struct alert_cmds;
struct conn;
struct stream;
struct wbuf;
struct auth;
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

struct req {
	struct server *srv;
	struct conn *conn;          /* loop thread only; NULL on the writer */
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
};

typedef int (*handler_fn)(struct req *r);

/* Reply helpers. req_error returns H_ABORT so a handler can `return req_error(...)`. */
int req_error(struct req *r, Kart__ErrorCode code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void req_ok(struct req *r);
/* Stored text must not hold what a terminal would act on (text.h): H_OK, or
 * a BAD_REQUEST naming the field, the character (U+XXXX) and its position.
 * With lines, newlines and tabs are allowed (notes); without, neither. */
int req_check_text(struct req *r, const char *field, const char *v, bool lines);
/* Replies with a message already serialized as the envelope's `body` field. */
int req_reply_packed(struct req *r, Kart__Envelope__BodyCase body, const void *bytes, size_t len);
/* Maps a storage error to an INTERNAL reply (details go to the log only). */
int req_store_error(struct req *r, int rc, const char *what);
/* Was storage error rc a full disk (ENOSPC, EDQUOT, or EIO or a map that
 * cannot grow while the database's filesystem has no room left)? */
bool store_disk_full(struct server *srv, int rc);
/* The reply for a write a full disk refused: UNAVAILABLE, saying so. */
int req_disk_full(struct req *r);

/* ---- writer.c: the one writer thread, group commit ---- */

struct wreq;
typedef void (*wreq_done_fn)(struct wreq *w);

struct wreq {
	struct wreq *next;
	handler_fn fn;
	struct req r;
	struct arena in_arena;      /* the decoded request */
	struct arena work;          /* reply and scratch; reset if the batch is retried */
	uint8_t *frame;             /* packed reply (header + payload), malloc'ed */
	size_t frame_len;
	wreq_done_fn done;          /* optional, loop thread, before the reply is sent */
	size_t in_bytes;            /* counted in the connection's pending_bytes */
	size_t weight;              /* its share of a batch (writer.c); 0: computed from the request */
	uint64_t denied_id;         /* acl.c: the card a refused look was at; h_export.c: the export */
	bool verified;              /* login: the password matched */
	char aux[256];              /* login: the new token; user add/passwd: the new hash */
	char note[160];             /* login, passwd: what the address throttle did after this failure ("": nothing) */
	void *ud;                   /* the handler's own state (h_export.c: the export job) */
};

#define wreq_of(req) ((struct wreq *)((char *)(req) - offsetof(struct wreq, r)))

int writer_start(struct server *srv);
void writer_stop(struct server *srv);
/* Takes ownership of w; the reply is sent to w->r.conn when committed. */
void writer_submit(struct server *srv, struct wreq *w);
/* Moves a loop-thread request (and its connection's request arena) into a new
 * write request that will run fn on the writer thread. */
struct wreq *req_to_wreq(struct req *r, handler_fn fn);
/* The same, for a request that will wait (for a password hash): it keeps a
 * copy of the request without unknown fields instead of the whole frame. */
struct wreq *req_to_wreq_copy(struct req *r, handler_fn fn);
/* A write request of the daemon's own (an audit record), answering no one. */
struct wreq *wreq_detached(struct req *r, handler_fn fn);
/* Answers a write request that will not run with an error, and frees it. */
void wreq_fail(struct wreq *w, Kart__ErrorCode code, const char *message);
void wreq_free(struct wreq *w);

/* ---- conn.c ---- */

/* certs.c: the client certificate a connection presented, read once its TLS
 * handshake is done. */
struct peer_cert {
	bool required;              /* client_certs = required, or the peer is in cert_required_from */
	bool valid;                 /* signed by the instance CA, issued here, in date at the handshake */
	char user[KART_NAME_MAX];   /* its CN */
	char serial[48];            /* hex, lower case */
	int64_t not_after;          /* unix seconds */
	char error[200];            /* a certificate was sent but not accepted: why; "" otherwise */
};

struct conn {
	uv_tcp_t tcp;               /* must stay first: handle->data is not used */
	struct server *srv;
	struct conn *next, *prev;   /* server's list of open connections */
	struct tls_engine tls;
	struct frame_asm in;
	struct arena arena;         /* current request's memory */
	struct principal who;       /* peer address always; user, role, session once logged in */
	int refs;                   /* the handle + one per write request in flight */
	bool closing;               /* uv_close called */
	bool shutting;              /* flushing its last output, then closes */
	bool tls_done, hello, reading;
	size_t out_queued;          /* encrypted bytes not yet taken by the socket */
	struct wbuf *inflight;      /* the one uv_write in flight, if any */
	uint8_t *backlog;           /* encrypted bytes waiting for it to finish */
	size_t backlog_len, backlog_cap;
	int64_t created_ms, active_ms, shut_ms;
	struct stream *streams, *streams_tail;
	unsigned nstreams;          /* streams not yet finished */
	unsigned pending_writes;    /* requests handed to the writer or the pool, not yet answered */
	size_t pending_bytes;       /* the memory those requests hold */
	unsigned pending_hashes;    /* of which waiting for a password hash */
	unsigned pending_jobs;      /* of which scanning in the pool (lists, exports, verify, traces) */
	bool pumping, resuming;
	uint64_t flush_gen;         /* writer.c: flushed in this pass of replies */
	bool authed;
	bool unauth;                /* not logged in since it was accepted: counted in nunauth (addrs.h) */
	bool peer_done;             /* the peer sent close_notify or FIN: answer what it sent, then close */
	bool spoke;                 /* it has sent a byte (its TLS handshake began) */
	bool ready;                 /* on the server's ready list: it has work left for another turn */
	struct conn *ready_next;
	struct addr_entry *addr;    /* its source address's counts (addrs.h) */
	int64_t session_expires;    /* unix microseconds */
	/* plaintext replies not yet encrypted: one TLS record per flush, not per reply */
	uint8_t *plain;
	size_t plain_len, plain_cap;
	struct peer_cert cert;
};

void conn_accept(struct server *srv);
/* Hands the connection's request arena (holding the current request) to
 * `into` and gives the connection a fresh one. */
void conn_take_arena(struct conn *c, struct arena *into);
/* Queues one packed frame (header + payload) for sending. */
void conn_send_frame(struct conn *c, const uint8_t *frame, size_t len);
/* Packs an envelope and queues it. */
void conn_send(struct conn *c, const Kart__Envelope *e);
/* Queues an envelope {request_id, body = bytes} whose body message is already serialized. */
void conn_send_packed(struct conn *c, uint64_t id, Kart__Envelope__BodyCase body, const void *bytes, size_t len);
void conn_flush(struct conn *c);
void conn_close(struct conn *c);
/* Sends what is queued (a last error reply) and close_notify, then closes. */
void conn_end(struct conn *c);
void conn_ref(struct conn *c);
void conn_unref(struct conn *c);
bool conn_is_open(const struct conn *c);
void conn_set_session(struct conn *c, const char *user, Kart__Role role, const char *team, int64_t expires_us,
		      const uint8_t key[32]);
void conn_clear_session(struct conn *c);
void conn_add_stream(struct conn *c, struct stream *s);
bool conn_cancel_stream(struct conn *c, uint64_t id);
void conn_pump(struct conn *c);
/* The fair loop: the ready_idle callback (one more turn for each connection
 * with work left), and the list emptied when the server stops. */
void conn_ready_run(uv_idle_t *h);
void conn_ready_drain(struct server *srv);
/* After output drained or a write was answered: continue with buffered
 * requests and reading, unless the connection is still over a limit. */
void conn_resume(struct conn *c);
void conn_start_reading(struct conn *c);
void conn_stop_reading_all(struct server *srv);
void conn_sweep(struct server *srv, int64_t now_ms);
void conn_shutdown_all(struct server *srv);

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
};

/* A page ends early once its records hold this much memory. */
#define PAGE_BYTES (1u << 20)

struct stream *stream_new(struct req *r, stream_page_fn page);
/* A list with a limit: counts the `sent` records of a page off *remaining
 * (0: no limit) and tells whether the limit is reached, so the page is the last. */
bool stream_limit_reached(uint32_t *remaining, size_t sent);
void stream_free(struct stream *s);

/* ---- dispatch.c ---- */

void dispatch_frame(struct conn *c, const uint8_t *payload, uint32_t len);
/* Hands a scan for r's connection to the libuv pool, counting it against the
 * connection (backpressure) and the server (shutdown waits for it). */
int pool_job_queue(struct req *r, uv_work_t *w, uv_work_cb run, uv_after_work_cb done);
/* The after-callback's first step: the counts back down, and the next
 * waiting scans start (at most max_scans at once, max_scans_per_user each). */
void pool_job_finished(struct conn *c, uv_work_t *w);
/* After the loop has ended. */
void pool_jobs_free(struct server *srv);
/* The connection's session record is still there (not logged out or revoked). */
bool conn_session_live(struct conn *c, MDB_txn *txn);

/* ---- auth.c: passwords, sessions, and the login throttle ---- */

int auth_hash_password(const struct kart_config *cfg, const char *password, char *out, size_t outlen);
bool auth_verify_password(const char *encoded, const char *password);
/* An argon2 verify (or hash) on the hashing threads of auth.c (not the libuv
 * pool, which scans share), at most max_concurrent_hashes at a time, taken
 * from per-address queues in turn; cb runs on the loop thread. */
struct hash_job;
typedef void (*hash_cb)(struct hash_job *j);
enum hash_kind {
	HASH_NEW,                   /* hash a new password (user add, an admin's passwd) */
	HASH_LOGIN,                 /* verify a login's password */
	HASH_CHANGE,                /* verify one's current password, then hash the new one */
};
struct hash_job {
	struct hash_job *next;
	struct server *srv;
	enum hash_kind kind;
	bool verify;                /* verify `encoded` against password, or hash password into `encoded` */
	char password[1024];
	char new_password[1024];    /* verify `password`, then (if it matched) hash this into encoded */
	char encoded[256];
	bool ok;
	bool verified;              /* with a new password: the old one matched (ok: and the new one hashed) */
	const char *refused;        /* not run: why (the daemon is stopping, too many from its address) */
	bool new_password_given;
	bool running;               /* handed to a hashing thread */
	uint8_t addr[16];           /* the source address (addrs.h: an IPv4 address, an IPv6 /64) */
	char name[KART_NAME_MAX];   /* login, change: the user name the password is for */
	hash_cb cb;
	void *ud;
};
/* Hashes `password` (or verifies it against verify_against) off the loop,
 * then runs fn on the writer with the outcome in the wreq (verified, or the
 * new hash in aux, "" if hashing failed). Returns H_DEFER, or an error reply. */
int auth_then_write(struct req *r, const char *password, const char *verify_against, handler_fn fn,
		    wreq_done_fn done);
/* A login's check: as auth_then_write, after the throttle lets the address
 * try `name` (an error reply otherwise); the outcome counts for or against
 * the address (w->note says what a failure led to). */
int auth_login_then_write(struct req *r, const char *name, const char *password, const char *verify_against,
			  handler_fn fn, wreq_done_fn done);
/* Loop: a login of name from peer succeeded: its address's failures for that
 * name and their doubling are forgotten, and the attempt costs no rate. */
void auth_login_succeeded(struct server *srv, const char *peer, const char *name);
/* Verifies old_password against encoded and, if it matches, hashes
 * new_password: fn then finds whether it matched in verified, and the new
 * hash in aux ("" on a mismatch, or if hashing failed). A wrong one counts
 * against the address for the session's user, as a failed login does. */
int auth_change_then_write(struct req *r, const char *old_password, const char *encoded, const char *new_password,
			   handler_fn fn);
/* Stopping: jobs not yet started are answered as refused; the hashing
 * threads end once the running ones are done. */
void auth_cancel_queued(struct server *srv);
/* How a login name goes into the log and the audit trail: a known user's
 * name as it is, anything else as "unknown user #<8 hex of a keyed hash>",
 * so a password typed as a name is never written down. */
void auth_record_name(const struct server *srv, const char *name, bool known, char *out, size_t n);
void auth_session_key(const char *token, uint8_t out[32]);

/* ---- server ---- */

/* The head of the audit chain (audit.h). */
struct audit_chain {
	uint64_t seq;               /* last sequence number written */
	uint8_t hash[32];           /* its chain hash */
};

struct server {
	uv_loop_t *loop;
	struct kart_config cfg;
	char dir[1024];
	SSL_CTX *tls;
	struct store store;
	uint8_t audit_key[32];
	struct audit_chain chain;   /* writer thread only, once it runs */

	uv_tcp_t listener;
	uv_timer_t sweep;
	uv_timer_t hourly;          /* logs the audit head every hour */
	uv_signal_t sigterm, sigint;
	char listen_addr[128];

	struct conn *conns;         /* list of open connections */
	unsigned nconns;
	unsigned nunauth;           /* of which not logged in yet (max_unauthenticated) */
	struct addr_entry **addrs;  /* connections per source address (addrs.h) */
	struct pool_sched *pool;    /* scans running in the pool and waiting for it (dispatch.c) */
	size_t input_bytes;         /* held by the connections' frame assemblers (input_memory_limit) */
	/* the fair loop (conn.c): connections with work left after their turn's
	 * budget, served again from an idle handle once every other has had its turn */
	struct conn *ready_head, *ready_tail;
	uv_idle_t ready_idle;
	uv_prepare_t turn;          /* server.c: each turn's accept budget */
	unsigned accepts_this_turn;
	bool accept_waiting;        /* a connection left for the next turn's budget */
	unsigned inflight;          /* write requests and hash jobs not yet answered */
	bool stopping, drained, timer_closed;

	/* writer (writer.c) */
	struct writer *writer;

	/* password hashing threads, their per-address queues, the login throttle (auth.c) */
	struct auth *auth;          /* made at the first password check, freed once stopped */
	char dummy_hash[256];       /* verified for unknown users, so timing does not tell */

	/* custom field definitions, one cache per thread (schema.h) */
	struct schema schema_loop, schema_writer;

	/* reads.h: the loop's buffer of reads, per-user bulk-read tracking, alert commands */
	struct reads *reads;
	uv_timer_t reads_timer;     /* flushes the buffer every second */
	struct alert_cmds *alert_cmds;
	uv_timer_t alert_timer;     /* runs alert_command for new alerts, once a second */

	/* client certificates: the CA, the databases, the revoked serials (certs.h) */
	struct certs *certs;
};

void server_maybe_finish(struct server *srv);

/* h_*.c handlers, looked up by dispatch.c */
int h_hello(struct req *r);
int h_login(struct req *r);
int h_resume(struct req *r);
int h_logout(struct req *r);
int h_whoami(struct req *r);
int h_cancel(struct req *r);
int h_user_add(struct req *r);
int h_user_list(struct req *r);
int h_user_passwd(struct req *r);
int h_user_lock(struct req *r);
int h_user_show(struct req *r);
int h_user_offboard(struct req *r);
int h_card_create(struct req *r);
int h_card_get(struct req *r);
int h_card_update(struct req *r);
int h_card_delete(struct req *r);
int h_card_restore(struct req *r);
int h_card_list(struct req *r);
int h_audit_query(struct req *r);
/* h_verify.c: the audit chain checked in the pool, and its head */
int h_audit_verify(struct req *r);
int h_audit_head(struct req *r);
/* h_timeline.c, h_deal.c, h_remind.c */
int h_log_add(struct req *r);
int h_timeline_query(struct req *r);
int h_deal_add(struct req *r);
int h_deal_move(struct req *r);
int h_deal_list(struct req *r);
int h_deal_get(struct req *r);
int h_deal_edit(struct req *r);
int h_deal_remove(struct req *r);
int h_timeline_edit(struct req *r);
int h_timeline_remove(struct req *r);
int h_reminder_add(struct req *r);
int h_reminder_done(struct req *r);
int h_reminder_list(struct req *r);
int h_reminder_edit(struct req *r);
int h_reminder_snooze(struct req *r);
int h_today(struct req *r);
int h_field_add(struct req *r);
int h_field_list(struct req *r);
int h_field_remove(struct req *r);
int h_relative_add(struct req *r);
int h_relative_remove(struct req *r);
int h_card_history(struct req *r);
int h_card_revert(struct req *r);
int h_find(struct req *r);
int h_card_query(struct req *r);
int h_bulk_move(struct req *r);
int h_segment_save(struct req *r);
int h_segment_list(struct req *r);
int h_segment_show(struct req *r);
int h_segment_remove(struct req *r);
int h_reindex(struct req *r);
/* h_query.c: the expression of a saved segment, or NULL after an error reply. */
const char *segment_expr(struct req *r, const char *name);
int h_card_import(struct req *r);
/* h_export.c: exports, their permission and quota, leak tracing */
int h_export(struct req *r);
int h_export_list(struct req *r);
int h_leak_trace(struct req *r);
int h_user_grant(struct req *r);
int h_user_quota(struct req *r);
/* At start, before the writer: export_cards blobs written before their ids
 * were flagged sorted get the flag when their ids ascend (as every export's
 * did), so "who received this card" never walks one. Returns 0 or an MDB code. */
int export_blobs_upgrade(struct store *st);
/* At start: exports left "sending" by a daemon that stopped mid-file are recorded as failed. */
void export_unfinished_fail(struct server *srv);
int h_export_abort(struct req *r);
/* reads.c, h_alert.c: canaries, read records, alerts, unblocking bulk readers */
int h_card_canary(struct req *r);
int h_canary_list(struct req *r);
int h_read_query(struct req *r);
int h_alert_query(struct req *r);
int h_user_unblock(struct req *r);
/* certs.c: client certificates */
int h_cert_issue(struct req *r);
int h_cert_revoke(struct req *r);
int h_cert_list(struct req *r);

#endif
