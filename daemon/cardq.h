/* cardq: the filter language applied to cards — which fields a query may
 * name, how a card's values are read for it, how an index is chosen, and how
 * the matching ids are collected. Used by the query jobs (pool threads), by
 * bulk moves (the writer) and by segment checks; it needs only a transaction,
 * the store and a schema, never a connection. */
#ifndef KART_CARDQ_H
#define KART_CARDQ_H

#include "req.h"
#include "query.h"
#include "schema.h"

struct cardq {
	MDB_txn *txn;
	struct store *st;
	const struct schema *sc;
	struct arena *a;            /* the tree, the plan, the ids */
	int64_t today;              /* days since 1970-01-01, local date */
	struct util_zone zone;      /* where literals' times and instants' days are read; {0}: the server's */
	struct qnode *q;            /* NULL: every card */
	const char *plan;           /* how it was run, for --explain */
	const struct qfield *sort;  /* optional */
	bool desc;
	struct qerror err;
	struct req *scope;          /* whose cards: others are left out (acl.h); NULL: all */
	/* A pool thread's transaction (store_pool_begin), or NULL. Given, cardq_run
	 * ends it and begins a fresh one every CARDQ_SLICE cards read, so a long
	 * scan never holds the map lock for long (a map resize waits for it, and
	 * the loop behind the resize), and updates txn and scope->txn: the scan
	 * then sees the base as it is at each slice, each card once. */
	MDB_txn **pool_txn;
	unsigned slices;            /* fresh transactions taken (cardq_run adds to it) */
	uint64_t read;              /* cards read (cardq_run adds to it) */
};

#define CARDQ_SLICE 16384

/* Parses `where` against the card fields and the schema. Returns 0, or -1 with c->err filled. */
int cardq_parse(struct cardq *c, const char *where);
/* The parse error as a pool job reports it: "message (column N)". */
void cardq_err_text(const struct cardq *c, char *out, size_t n);
/* Resolves a sort field name ("-name" for descending). Returns 0 or -1 with c->err. */
int cardq_sort_field(struct cardq *c, const char *name);

/* Calls fn for every live card that matches, in id order (or, with a sort
 * field, in that order), until fn returns non-zero or limit cards (0: all)
 * were passed. The card is valid only during the call. Returns 0 or an MDB code. */
typedef int (*cardq_fn)(void *ud, Kart__Card *card);
int cardq_run(struct cardq *c, uint64_t limit, cardq_fn fn, void *ud);

/* One card by id, in c->txn: 1 when it is live, in scope and matches (then
 * *out is it, decoded in scratch and masked for the scope's user), 0 when
 * not, or a negated MDB code. For a few cards found otherwise (an index). */
int cardq_match_id(struct cardq *c, struct arena *scratch, uint64_t id, Kart__Card **out);

/* Today's date as days since 1970-01-01 in local time. */
int64_t cardq_today(int64_t now_us);
/* "today" for a request: the client's date when it sent one (days since
 * 1970-01-01; 0: not sent), else the server's (cardq_today). */
int64_t cardq_client_today(int64_t client_day, int64_t now_us);
/* The zone for a request: the client's UTC offset at the moment of the
 * request (seconds east), or the server's own zone when the client sent
 * neither a day nor an offset (an older client). Returns 0, or -1 for an
 * offset beyond CARDQ_OFFSET_MAX. */
#define CARDQ_OFFSET_MAX (18 * 3600)
int cardq_client_zone(int64_t client_day, int64_t client_utc_offset, struct util_zone *z);

#endif
