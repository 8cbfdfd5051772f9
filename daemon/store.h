/* store: the one LMDB environment and its named databases.
 *
 * Threads: the loop thread reads through store_read_begin/end (one cached read
 * transaction, reset between requests and renewed for the next); the writer
 * thread (writer.h) owns every write transaction. Growing the map needs every
 * reader out of the map, so readers hold map_lock shared while their
 * transaction is live and the writer takes it exclusively to resize.
 *
 * Databases (keys are big-endian so LMDB's order is numeric order):
 *   cards     id(u64)  -> Card           live cards
 *   trash     id(u64)  -> Card           deleted cards, restorable
 *   users     name     -> UserRecord
 *   sessions  sha256(token) -> SessionRecord
 *   audit     seq(u64) -> hash[32] || AuditEvent   (see audit.h)
 *   meta      name     -> value          counters, the format version ("schema")
 *   fields    name     -> FieldDef       custom field definitions
 *   history   id(u64) version(u64) -> Card   each version a change replaced
 *   timeline  card(u64) at(i64+2^63) entry(u64) -> TimelineEntry
 *   deals     id(u64)  -> Deal
 *   reminders at(i64+2^63) id(u64) -> Reminder   open reminders, by due time
 *   reminders_done id(u64) -> Reminder   done ones (kart remind ls --all)
 *   segments  name     -> Segment
 *   exports   id(u64)  -> ExportRecord   every export, with its canary rows (export.h)
 *   export_cards  id(u64) -> the export's card ids and its contacts' hashes (export.h)
 *   export_canaries  'p' E.164 | 'e' email -> export id(u64) row(u32)   canary contacts
 *   canaries  id(u64)  -> ""             canary cards (reads.h)
 *   read_blocks  time(u64 us) seq(u32) -> the reads of one flush, by card  (reads.h)
 *   reads_by_user  user \0 time(u64 us) id(u64) -> how  who received which card, by user
 *   alerts    seq(u64) -> ""             audit events of severity alert
 *   imports   id(u64)  -> ImportRecord   every import (h_import.c)
 *   import_items  import(u64) card(u64) -> kind(u8) version before(u64) after(u64)
 *             what an import did to each card: created (before 0) or merged
 *   merged    id(u64)  -> MergeRecord    cards merged into another (h_merge.c): redirects
 * Secondary indexes (MDB_DUPSORT|MDB_DUPFIXED, key -> card id(u64)), written
 * in the same transaction as the card (index.h):
 *   ix_phone (E.164 digits reversed: a suffix is a key prefix), ix_phone_fwd
 *   (E.164 digits in order: the start of a number), ix_email, ix_name (words of names and
 *   company), ix_tag, ix_city, ix_owner, ix_sector, ix_birthday (MMDD, of the
 *   client and of their relatives), ix_custom (field \0 encoded value),
 *   ix_name_owner (owner \0 word: ix_name's words of the cards that have an
 *   owner, so a scoped find walks only the cards of the owners it sees) */
#ifndef KART_STORE_H
#define KART_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

struct store {
	MDB_env *env;
	MDB_dbi cards, trash, users, sessions, audit, meta;
	MDB_dbi fields, history, timeline, deals, reminders, reminders_done, segments;
	MDB_dbi ix_phone, ix_email, ix_name, ix_tag, ix_city, ix_owner, ix_sector, ix_birthday, ix_custom;
	MDB_dbi ix_phone_fwd;   /* built at start when a base from before it lacks it (upgrade.h) */
	MDB_dbi ix_name_owner;  /* built by the migration from format 3 (upgrade.h) */
	MDB_dbi exports, export_cards, export_canaries;   /* export.h */
	MDB_dbi canaries, read_blocks, reads_by_user, alerts;   /* reads.h */
	MDB_dbi imports, import_items;   /* h_import.c */
	MDB_dbi merged;         /* h_merge.c */
	pthread_rwlock_t map_lock;
	uint64_t map_size;
	MDB_txn *rtxn;          /* loop thread's read txn; live only between begin/end */
	int rtxn_depth;         /* nested begin/end pairs: one snapshot for a batch of requests */
};

/* The database's format version, kept in meta "schema". A base records the
 * format it is in; a kartd opens a base of its own format, migrates an older
 * one in one transaction at start (upgrade.h), and refuses a newer one
 * without changing it. A base without the key is format 1.
 *   1  every base before the version was raised
 *   2  ix_phone_fwd built, exports' card lists flagged sorted
 *   3  every deal keeps its stage history (Deal.history)
 *   4  ix_name_owner built */
#define STORE_FORMAT 4
#define STORE_FORMAT_KEY "schema"
/* store_open's refusals, besides MDB and errno codes (store_strerror). */
#define STORE_FORMAT_NEWER (-30400)   /* written by a newer kartd */
#define STORE_FORMAT_OLDER (-30401)   /* older, and no migration was given */

/* Migrates a base of format `from` to STORE_FORMAT in txn, the transaction
 * that opens it; what it did is written to did (a few words, for the log).
 * Returns 0 or an MDB code (MDB_MAP_FULL: rerun in a bigger map). */
typedef int (*store_migrate_fn)(MDB_txn *txn, struct store *s, uint64_t from, char *did, size_t did_len);

/* Opens (create: and creates) the environment in dir. A base of another
 * format is refused (STORE_FORMAT_NEWER, STORE_FORMAT_OLDER), logged.
 * Returns 0 or an MDB/errno code. */
int store_open(struct store *s, const char *dir, uint64_t map_size, unsigned max_readers, bool create);
/* Opens an existing base; an older one is migrated by migrate, in the one
 * transaction that opens it, and "database format N -> M" logged. */
int store_open_upgrading(struct store *s, const char *dir, uint64_t map_size, unsigned max_readers,
			 store_migrate_fn migrate);
/* rc as text: store_open's own codes, else mdb_strerror. */
const char *store_strerror(int rc);
void store_close(struct store *s);

/* Loop-thread read transaction. Pairs nest: the outermost begin renews the
 * snapshot, the outermost end resets it, so a batch of pipelined requests
 * shares one. Returns NULL on failure (logged). */
MDB_txn *store_read_begin(struct store *s);
void store_read_end(struct store *s);

/* A read transaction of a pool thread's own (long scans), holding map_lock
 * shared while it lives. On failure *txn is NULL and nothing is held;
 * store_pool_end is then a no-op. */
/* The value under an id key (u64, big-endian) of dbi: 0, MDB_NOTFOUND or an MDB code. */
int store_get_id(MDB_txn *txn, MDB_dbi dbi, uint64_t id, MDB_val *v);
/* Puts cur (on a database keyed by id) on the first id after `last`, as a
 * walk resumed in a new transaction does. 0, MDB_NOTFOUND or an MDB code. */
int store_cursor_after(MDB_cursor *cur, uint64_t last, MDB_val *k, MDB_val *v);
int store_pool_begin(struct store *s, MDB_txn **txn);
void store_pool_end(struct store *s, MDB_txn **txn);

/* Writer thread: grows the map after MDB_MAP_FULL. No transaction of this
 * process may be open; readers are excluded through map_lock. */
int store_grow(struct store *s);

/* Key helpers. */
static inline void store_u64_key(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}
/* Signed times as keys: offset so that byte order is numeric order. */
static inline void store_i64_key(int64_t v, uint8_t out[8])
{
	store_u64_key((uint64_t)v ^ (UINT64_C(1) << 63), out);
}
static inline uint64_t store_key_u64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* meta counters (write txn). */
int store_meta_get_u64(MDB_txn *txn, struct store *s, const char *name, uint64_t *out);
int store_meta_put_u64(MDB_txn *txn, struct store *s, const char *name, uint64_t v);
/* The next id from counter `name` (1, 2, ...), advanced in the write txn. */
int store_next_id(MDB_txn *txn, struct store *s, const char *name, uint64_t *id);

#endif
