/* writer: the one writer thread, group commit. */
#ifndef KART_WRITER_H
#define KART_WRITER_H

#include "req.h"

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
	/* optional, loop thread, before the reply is sent: what it sets in r.fx
	 * (a session, a stream) is applied to the connection after it */
	wreq_done_fn done;
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
