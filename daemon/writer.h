/* writer: the one writer thread, group commit. */
#ifndef KART_WRITER_H
#define KART_WRITER_H

#include "req.h"

struct wreq;
typedef void (*wreq_done_fn)(struct wreq *w);

/* An audit record of the daemon's own that the writer writes later
 * (audit_note_later, audit.h), for the loop, a pool job or a start-up step. */
#define WNOTE_SUMMARY 256
struct wnote {
	char action[32];
	char object[16];
	uint64_t object_id;
	bool ok;
	char summary[WNOTE_SUMMARY];
};

/* What a password hashed or checked off the loop (auth.c) hands the writer,
 * and what a login's write leaves for its completion. */
struct wauth {
	bool verified;              /* login: the password matched; a change: the old one did */
	char hash[256];             /* user add, passwd: the new hash ("" if hashing failed) */
	char token[65];             /* login: the new session's token, in hex */
	char refused[160];          /* login, resume refused for the connection's certificate: why */
};

struct wreq {
	struct wreq *next;
	handler_fn fn;
	struct req r;
	struct arena in_arena;      /* the decoded request */
	struct arena work;          /* reply and scratch; reset if the batch is retried */
	uint8_t *frame;             /* packed reply (header + payload), malloc'ed */
	size_t frame_len;
	/* optional, loop thread, before the reply is sent: what it sets in r.fx
	 * (a session, a stream) is applied to the connection after it */
	wreq_done_fn done;
	size_t in_bytes;            /* counted in the connection's pending_bytes */
	size_t weight;              /* its share of a batch (writer.c); 0: computed from the request */
	struct wnote wnote;         /* audit_note_later's record */
	struct wauth auth;          /* login, resume, user add, passwd */
	char note[160];             /* login, passwd: what the address throttle did after this failure ("": nothing) */
	void *ud;                   /* the handler's own state: an export job, an export's end, reads, an alert */
	int64_t received;           /* when the loop got the request, unix us (stats.h) */
};

#define wreq_of(req) ((struct wreq *)((char *)(req) - offsetof(struct wreq, r)))

/* Starts the writer thread; the audit chain's head (srv->chain, audit_load)
 * is read before. */
int writer_start(struct server *srv);
void writer_stop(struct server *srv);
/* Any thread: how long the writer has been in one batch without a beat
 * (since it took the batch or ended a step of it), in ms; 0 while it waits
 * idle or is not running. */
int64_t writer_stuck_ms(struct server *srv);
/* The writer thread, every few hundred cards of a long request (a full
 * reindex): it is working, not stuck (the watchdog keeps pinging). */
void writer_progress(struct server *srv);
/* Loop thread, in a request's done: its packed reply, not yet sent, is
 * replaced by UNAVAILABLE with message (the work is committed; what was to
 * follow it cannot be sent). */
void wreq_repack_error(struct wreq *w, const char *message);
/* Takes ownership of w; the reply is sent to w->r.conn when committed. */
void writer_submit(struct server *srv, struct wreq *w);
/* Moves a loop-thread request and its arena (r->arena, which is given a
 * fresh one) into a new write request that will run fn on the writer thread. */
struct wreq *req_to_wreq(struct req *r, handler_fn fn);
/* The same, for a request that will wait (for a password hash): it keeps a
 * copy of the request without unknown fields instead of the whole frame. */
struct wreq *req_to_wreq_copy(struct req *r, handler_fn fn);
/* A write request of the daemon's own (an audit record), answering no one. */
struct wreq *wreq_detached(struct req *r, handler_fn fn);
void wreq_free(struct wreq *w);

#endif
