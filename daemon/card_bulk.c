/* card_bulk: creating many cards at once, the way a database loads a table:
 * the ids taken in one step, the cards appended in id order, then every index
 * key of the batch sorted and put index by index. Everything happens in the
 * request's transaction, so a reader sees the cards and their index entries
 * together or not at all. Declared in card.h. */
#include "card.h"

#include <errno.h>

#include "index.h"
#include "schema.h"

/* Ids first..first+n-1, one read and one write of the counter. */
static int take_ids(MDB_txn *txn, struct store *st, size_t n, uint64_t *first)
{
	int rc = store_meta_get_u64(txn, st, "next_card_id", first);
	if (rc == MDB_NOTFOUND)
		*first = 1;
	else if (rc)
		return rc;
	return store_meta_put_u64(txn, st, "next_card_id", *first + n);
}

/* The cards in id order through one cursor. A new id is past every card's
 * (the counter only grows, and a card restored from the trash keeps its old,
 * smaller id), so each is appended without a search; should that not hold,
 * LMDB says KEYEXIST and a plain put finds the place. */
static int put_cards(MDB_txn *txn, MDB_dbi dbi, Kart__Card **cards, size_t n)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		uint8_t key[8];
		store_u64_key(cards[i]->id, key);
		size_t len = kart__card__get_packed_size(cards[i]);
		MDB_val k = { 8, key }, v = { len, NULL };
		rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND | MDB_RESERVE);
		if (rc == MDB_KEYEXIST) {
			v = (MDB_val){ len, NULL };
			rc = mdb_cursor_put(cur, &k, &v, MDB_RESERVE);
		}
		if (!rc)
			kart__card__pack(cards[i], v.mv_data);
	}
	mdb_cursor_close(cur);
	return rc;
}

int card_create_many(struct req *r, Kart__Card **cards, size_t n)
{
	struct store *st = &r->srv->store;
	uint64_t first;
	int rc = take_ids(r->txn, st, n, &first);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		Kart__Card *c = cards[i];
		c->id = first + i;
		c->version = 1;
		c->created_at = c->updated_at = r->now / 1000000;
		c->created_by = c->updated_by = r->who.user;
		if ((rc = card_normalize(r, c)))
			return rc;
	}
	if ((rc = put_cards(r->txn, st->cards, cards, n)))
		return rc;
	struct ix_entry *e;
	size_t ne;
	if ((rc = index_entries(r->arena, st, schema_for(r), cards, n, &e, &ne)))
		return rc;
	return index_put_sorted(r->txn, e, ne);
}
