/* h_reindex: checking the secondary indexes against the cards and, unless
 * only a check is asked for, rebuilding them (writer). */
#include <errno.h>
#include <inttypes.h>

#include "audit.h"
#include "handlers.h"
#include "index.h"
#include "req.h"
#include "schema.h"

int h_reindex(struct req *r)
{
	struct store *st = &r->srv->store;
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, st);
	if (rc)
		return rc;
	MDB_dbi ix[] = { st->ix_phone, st->ix_email, st->ix_name, st->ix_tag, st->ix_city,
			 st->ix_owner, st->ix_sector, st->ix_birthday, st->ix_custom, st->ix_phone_fwd };
	uint64_t entries = 0, expected = 0, missing = 0, cards = 0;
	for (size_t i = 0; i < sizeof(ix) / sizeof(ix[0]); i++) {
		MDB_stat ms;
		if ((rc = mdb_stat(r->txn, ix[i], &ms)))
			return rc;
		entries += ms.ms_entries;
	}
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, st->cards, &cur)))
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&scratch);
		Kart__Card *c = kart__card__unpack(&scratch.pb, v.mv_size, v.mv_data);
		if (!c)
			continue;
		cards++;
		struct ix_key *keys;
		size_t n;
		if ((rc = index_keys(&scratch, st, sc, c, &keys, &n)))
			break;
		expected += n;
		uint8_t idb[8];
		store_u64_key(c->id, idb);
		for (size_t i = 0; i < n; i++) {
			MDB_val kk = { keys[i].len, (void *)keys[i].bytes }, vv = { 8, idb };
			MDB_cursor *ic;
			if ((rc = mdb_cursor_open(r->txn, keys[i].dbi, &ic)))
				break;
			int g = mdb_cursor_get(ic, &kk, &vv, MDB_GET_BOTH);
			mdb_cursor_close(ic);
			if (g == MDB_NOTFOUND)
				missing++;
			else if (g) {
				rc = g;
				break;
			}
		}
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	uint64_t extra = entries + missing - expected;
	bool repair = !r->in->reindex->check && (missing || extra);
	if (!rc && repair) {
		/* rebuild every index from the cards */
		for (size_t i = 0; rc == 0 && i < sizeof(ix) / sizeof(ix[0]); i++)
			rc = mdb_drop(r->txn, ix[i], 0);
		if (!rc)
			rc = mdb_cursor_open(r->txn, st->cards, &cur);
		for (int g = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && g == 0;
		     g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			arena_reset(&scratch);
			Kart__Card *c = kart__card__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (c)
				rc = index_update(r->txn, st, sc, &scratch, NULL, c);
		}
		if (!rc || cur)
			mdb_cursor_close(cur);
	}
	arena_free(&scratch);
	if (rc)
		return rc;
	if (repair && (rc = audit_append(r, "admin.reindex", "index", 0, "",
					 arena_printf(r->arena, "%" PRIu64 " cards; %" PRIu64 " missing and %" PRIu64
							 " extra entries repaired",
						      cards, missing, extra),
					 true)))
		return rc;
	Kart__ReindexResult *res = arena_alloc(r->arena, sizeof(*res));
	if (!res)
		return ENOMEM;
	kart__reindex_result__init(res);
	res->cards = cards;
	res->missing = missing;
	res->extra = extra;
	res->repaired = repair;
	r->out.body_case = KART__ENVELOPE__BODY_REINDEX_RESULT;
	r->out.reindex_result = res;
	return H_OK;
}
