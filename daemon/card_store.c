/* card_store: cards in the store — loading one (whole, brief, or only if
 * the user may see it), saving one, copying one, and the key of a version
 * kept in history. Declared in card.h. */
#include "card.h"

#include <errno.h>
#include <stdint.h>

#include "acl.h"
#include "pbwire.h"

int card_load(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out)
{
	MDB_val v;
	int rc = store_get_id(txn, dbi, id, &v);
	if (rc)
		return rc;
	*out = kart__card__unpack(&a->pb, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

size_t card_brief_bytes(const void *stored, size_t n, uint8_t *out)
{
	/* notes, relatives, custom values: skipped in the stored bytes */
	static const uint32_t drop[] = { 18, 29, 30 };
	return pbwire_drop(stored, n, drop, sizeof(drop) / sizeof(drop[0]), out);
}

int card_load_brief(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out)
{
	MDB_val v;
	int rc = store_get_id(txn, dbi, id, &v);
	if (rc)
		return rc;
	uint8_t *buf = arena_alloc(a, v.mv_size ? v.mv_size : 1);
	if (!buf)
		return ENOMEM;
	size_t n = card_brief_bytes(v.mv_data, v.mv_size, buf);
	*out = n == SIZE_MAX ? NULL : kart__card__unpack(&a->pb, n, buf);
	return *out ? 0 : MDB_CORRUPTED;
}

int card_load_visible(struct req *r, MDB_dbi dbi, uint64_t id, Kart__Card **out, const char *what)
{
	int rc = card_load(r->txn, dbi, id, r->arena, out);
	if (rc)
		return rc;
	if (!acl_visible(r, *out)) {
		acl_note_denied(r, id, what);
		return MDB_NOTFOUND;
	}
	return 0;
}

int card_save(MDB_txn *txn, MDB_dbi dbi, const Kart__Card *card)
{
	size_t n = kart__card__get_packed_size(card);
	uint8_t key[8];
	store_u64_key(card->id, key);
	MDB_val k = { 8, key }, v = { n, NULL };
	int rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	kart__card__pack(card, v.mv_data);
	return 0;
}

Kart__Card *card_copy(struct arena *a, const Kart__Card *card)
{
	size_t n = kart__card__get_packed_size(card);
	uint8_t *buf = arena_alloc(a, n ? n : 1);
	if (!buf)
		return NULL;
	kart__card__pack(card, buf);
	return kart__card__unpack(&a->pb, n, buf);
}

int card_history_key(uint64_t id, uint64_t version, uint8_t out[16])
{
	store_u64_key(id, out);
	store_u64_key(version, out + 8);
	return 16;
}
