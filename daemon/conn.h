/* conn: one client connection — socket (owned by libuv), TLS engine, frame
 * assembler, session, pending streams. Freed when its handle is closed and
 * no write request still refers to it (refs). Not for handlers (req.h). */
#ifndef KART_CONN_H
#define KART_CONN_H

#include "frame.h"
#include "req.h"
#include "tls.h"

struct wbuf;

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
	uint64_t flush_gen;         /* jobs.c: flushed in this pass of the writer's replies */
	bool authed;
	bool unauth;                /* not logged in since it was accepted: counted in nunauth (addrs.h) */
	bool peer_done;             /* the peer sent close_notify or FIN: answer what it sent, then close */
	bool spoke;                 /* it has sent a byte (its TLS handshake began) */
	bool ready;                 /* on the server's ready list: it has work left for another turn */
	struct conn *ready_next;
	struct addr_entry *addr;    /* its source address's counts (addrs.h) */
	int64_t session_expires;    /* unix microseconds */
	size_t session_snap;        /* the session was found in the loop's read snapshot of this id (0: none) */
	/* plaintext replies not yet encrypted: one TLS record per flush, not per reply */
	uint8_t *plain;
	size_t plain_len, plain_cap;
	struct peer_cert cert;
};

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
/* Another turn for c on the ready list (a waiting stream's data came). */
void conn_wake(struct conn *c);
/* Applies what a handler asked of c (req.h, struct req_effects): Hello
 * answered, the session begun or ended, a stream cancelled or added; a
 * closed connection's stream is freed. Dispatch and the writer's completion. */
void conn_apply(struct conn *c, struct req_effects *fx);
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
/* A connection accepted and admitted (admit.c): its TLS engine, frame
 * assembler and arena set up, counted as not logged in, listed and reading.
 * False if it could not be set up: the caller closes its handle. */
bool conn_open(struct conn *c);
void conn_stop_reading_all(struct server *srv);
void conn_shutdown_all(struct server *srv);
/* The connection's session record is still there (not logged out or revoked). */
bool conn_session_live(struct conn *c, MDB_txn *txn);

#endif
