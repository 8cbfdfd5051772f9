/* h_reindex: checking the secondary indexes against the cards and, unless
 * only a check is asked for, rebuilding them (writer). */
#include <errno.h>
#include <inttypes.h>

#include "audit.h"
#include "handlers.h"
#include "index.h"
#include "req.h"
#include "schema.h"
#include "writer.h"

static void still_working(void *srv) { writer_progress(srv); }

int h_reindex(struct req *r)
{
	struct store *st = &r->srv->store;
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, st);
	if (rc)
		return rc;
	MDB_dbi ix[] = { st->ix_phone, st->ix_email, st->ix_name, st->ix_tag, st->ix_city,
			 st->ix_owner, st->ix_sector, st->ix_birthday, st->ix_custom, st->ix_phone_fwd,
			 st->ix_name_owner };
	struct index_counts n;
	if ((rc = index_check(r->txn, st, sc, &n, still_working, r->srv)))
		return rc;
	uint64_t cards = n.cards, missing = n.missing, extra = n.extra;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	struct arena scratch;
	arena_init(&scratch, 0);
	bool repair = !r->in->reindex->check && (missing || extra);
	if (!rc && repair) {
		/* rebuild every index from the cards */
		for (size_t i = 0; rc == 0 && i < sizeof(ix) / sizeof(ix[0]); i++)
			rc = mdb_drop(r->txn, ix[i], 0);
		if (!rc)
			rc = mdb_cursor_open(r->txn, st->cards, &cur);
		uint64_t done = 0;
		for (int g = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc && g == 0;
		     g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (++done % 256 == 0)
				still_working(r->srv);
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
