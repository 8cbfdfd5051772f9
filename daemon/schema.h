/* schema: the custom fields an admin defined, cached per thread.
 *
 * The definitions live in the `fields` database; meta "schema_gen" counts
 * their changes. Each thread that needs them (the loop for queries, the
 * writer for card writes) keeps its own cache and reloads it when the
 * generation seen in its transaction differs, so a cache is never used
 * against a snapshot it does not belong to, and an aborted field change
 * (which leaves the generation alone) never leaks into it. */
#ifndef KART_SCHEMA_H
#define KART_SCHEMA_H

#include "req.h"

#define SCHEMA_MAX_FIELDS 1000
#define CUSTOM_NUMBER_SCALE 10000   /* custom numbers: up to 4 decimals */
#define CUSTOM_NUMBER_DECIMALS 4

/* Brings the cache up to date with txn. Returns 0 or an MDB code. */
int schema_sync(struct schema *s, MDB_txn *txn, struct store *st);
const Kart__FieldDef *schema_find(const struct schema *s, const char *name);
/* The same for a name of len bytes, not NUL-terminated (read off the wire). */
const Kart__FieldDef *schema_find_n(const struct schema *s, const char *name, size_t len);
void schema_free(struct schema *s);
/* Bumps the generation in a write transaction that changed `fields`. */
int schema_bump(MDB_txn *txn, struct store *st);

/* The caches: one for the loop thread, one for the writer thread. */
struct schema *schema_loop(struct server *srv);
struct schema *schema_writer(struct server *srv);
/* The cache for the thread a request runs on. */
struct schema *schema_for(struct req *r);

/* Marks each of the card's custom values, in place, with its field's type
 * (UNSPECIFIED for a field no longer defined), for the clients. */
void schema_mark_types(const struct schema *s, Kart__Card *c);

/* A custom number as text ("57", "-12.5", also as typed: "1 500", "1500,50")
 * to an integer scaled by CUSTOM_NUMBER_SCALE (text_parse_decimal, the
 * parser --amount uses). Returns 0 or -1. */
int schema_parse_number(const char *text, int64_t *out);

#endif
