/* index: a card's secondary index entries, kept in step with the card.
 *
 * Every entry is derived from the card's bytes alone (and the custom field
 * types), so an update removes exactly what the old version added: the old
 * and new key sets are computed and only their difference is written. */
#ifndef KART_INDEX_H
#define KART_INDEX_H

#include "req.h"
#include "schema.h"

struct ix_key {
	MDB_dbi dbi;
	uint32_t len;
	const uint8_t *bytes;
};

/* Every index key of card (in the arena), sorted and without duplicates. */
int index_keys(struct arena *a, struct store *st, const struct schema *sc, const Kart__Card *card,
	       struct ix_key **out, size_t *n);
/* What an update does to the indexes: the keys of the old version the new
 * one lacks, and the new version's keys the old one lacks (each sorted, in
 * the arena). */
struct index_change {
	struct ix_key *del, *add;
	size_t ndel, nadd;
};
/* The change from `old` to `now`; either may be NULL (create, delete).
 * Pure: reads no database. Returns 0 or ENOMEM. */
int index_diff(struct arena *a, struct store *st, const struct schema *sc, const Kart__Card *old,
	       const Kart__Card *now, struct index_change *out);
/* Moves the indexes from `old` to `now` for one card id; either may be NULL
 * (create, delete). Returns 0 or an MDB code. */
int index_update(MDB_txn *txn, struct store *st, const struct schema *sc, struct arena *a, const Kart__Card *old,
		 const Kart__Card *now);

/* An index entry of a new card: the key and the card it leads to. */
struct ix_entry {
	struct ix_key k;
	uint64_t id;
	uint64_t pre;        /* the key's first 8 bytes, big-endian: for sorting */
};
/* The index entries of n new cards (numbered, normalised), grouped by
 * index, each index's sorted by (key, id), without duplicates, in the arena. Pure: reads no
 * database. Returns 0 or ENOMEM. */
int index_entries(struct arena *a, struct store *st, const struct schema *sc, Kart__Card *const *cards, size_t n,
		  struct ix_entry **out, size_t *nout);
/* The same for ix_name_owner alone, for the migration that builds it: the
 * cards in ascending id order (EINVAL otherwise), and the few distinct keys
 * sorted instead of every entry. */
int index_name_owner_entries(struct arena *a, struct store *st, Kart__Card *const *cards, size_t n,
			     struct ix_entry **out, size_t *nout);
/* Puts sorted entries (index_entries) into their indexes through one cursor
 * per index: a key past an index's last key is appended, the next ids of the
 * same key appended to its duplicates; anything else is a plain put. The
 * result is what index_update for each card gives. Returns 0 or an MDB code. */
int index_put_sorted(MDB_txn *txn, const struct ix_entry *e, size_t n);

/* Key encodings shared with the query planner. */
/* Phone: the E.164 digits reversed, so a suffix of the number is a key prefix. */
size_t index_phone_key(const char *e164_or_digits, char *out, size_t outlen);
/* Phone in ix_phone_fwd: the same digits in order, so the start of a number
 * is a key prefix (live search types a phone digit by digit). */
size_t index_phone_fwd_key(const char *e164_or_digits, char *out, size_t outlen);
/* Custom field entry: name \0 encoded value; numbers as sortable 8 bytes. */
size_t index_custom_key(const Kart__FieldDef *def, const char *name, const char *value, struct arena *a,
			uint8_t **out);
void index_number_bytes(int64_t scaled, uint8_t out[8]);

/* Checks the secondary indexes against the cards in txn (kart admin reindex,
 * kartd verify-backup): every key a card should have is there, and the
 * entries beyond them are counted as extra. 0 or an MDB code. */
struct index_counts {
	uint64_t cards, missing, extra;
};
int index_check(MDB_txn *txn, struct store *st, const struct schema *sc, struct index_counts *n,
		void (*progress)(void *ud), void *ud);

#endif
