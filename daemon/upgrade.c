/* upgrade: what an earlier daemon left in the database, at start. The
 * migration of an older format (store.h, STORE_FORMAT) in the transaction
 * that opens the base: format 1 -> 2 flags the export card lists from
 * before the sorted flag and builds the forward phone index; 2 -> 3 gives
 * each deal its first stage visit (Deal.history); 3 -> 4 builds the name
 * index by owner (ix_name_owner). And at every
 * start: a lost forward phone index is built again, and exports a stopped
 * daemon left "sending" are recorded as failed. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "arena.h"
#include "export.h"
#include "handlers.h"
#include "index.h"
#include "log.h"
#include "pbwire.h"
#include "store.h"
#include "upgrade.h"

/* Format 1 -> 2: export_cards blobs written before their ids were flagged
 * sorted get the flag when their ids ascend (as every export's did), so
 * "who received this card" never walks one. *marked: how many. */
static int export_blobs_mark(MDB_txn *txn, struct store *st, size_t *marked)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->export_cards, &cur);
	if (rc)
		return rc;
	uint64_t *keys = NULL;
	size_t n = 0, cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct export_blob b;
		if (k.mv_size != 8 || export_blob_view(v.mv_data, v.mv_size, &b) < 0 || b.sorted)
			continue;
		uint64_t i = 1;
		while (i < b.ncards && export_blob_id(&b, i - 1) < export_blob_id(&b, i))
			i++;
		if (i < b.ncards)
			continue; /* not in order: searched by a walk, as before */
		if (n == cap) {
			uint64_t *nk = realloc(keys, (cap = cap ? cap * 2 : 16) * sizeof(*nk));
			if (!nk) {
				rc = ENOMEM;
				break;
			}
			keys = nk;
		}
		keys[n++] = store_key_u64(k.mv_data);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		uint8_t key[8];
		store_u64_key(keys[i], key);
		k.mv_size = 8;
		k.mv_data = key;
		if ((rc = mdb_get(txn, st->export_cards, &k, &v)))
			break;
		/* the map is read-only: the blob is written again, flagged */
		size_t len = v.mv_size;
		uint8_t *copy = malloc(len);
		if (!copy) {
			rc = ENOMEM;
			break;
		}
		memcpy(copy, v.mv_data, len);
		struct export_blob_head h;
		memcpy(&h, copy, sizeof(h));
		h.flags |= EXPORT_BLOB_SORTED;
		memcpy(copy, &h, sizeof(h));
		v.mv_size = len;
		v.mv_data = copy;
		rc = mdb_put(txn, st->export_cards, &k, &v, 0);
		free(copy);
	}
	free(keys);
	*marked = n;
	return rc;
}

/* Format 2 -> 3: a deal from before the history (Deal.history) gets one
 * visit, its current stage at its creation (created_at, created_by): where
 * it was before is not known (the deal.move events in the audit trail say,
 * but a move's deal may be gone or its stages renamed since). *given: how many. */
static int deal_history_start(MDB_txn *txn, struct store *st, size_t *given)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->deals, &cur);
	if (rc)
		return rc;
	struct arena a;
	arena_init(&a, 0);
	uint8_t *buf = NULL;
	size_t cap = 0;
	MDB_val k, v;
	*given = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&a);
		Kart__Deal *d = kart__deal__unpack(&a.pb, v.mv_size, v.mv_data);
		if (!d || d->n_history)
			continue; /* what does not decode is left as it is */
		Kart__StageVisit visit = KART__STAGE_VISIT__INIT, *one = &visit;
		visit.stage = d->stage;
		visit.at = d->created_at;
		visit.by = d->created_by;
		d->history = &one;
		d->n_history = 1;
		size_t len = kart__deal__get_packed_size(d);
		if (len > cap) {
			uint8_t *nb = realloc(buf, len);
			if (!nb) {
				rc = ENOMEM;
				break;
			}
			buf = nb;
			cap = len;
		}
		kart__deal__pack(d, buf);
		d->history = NULL;
		d->n_history = 0;
		/* the key is copied first: a value of another size is put by
		 * deleting the node, where k points */
		uint8_t key[8];
		if (k.mv_size != sizeof(key))
			continue;
		memcpy(key, k.mv_data, sizeof(key));
		MDB_val nk = { sizeof(key), key }, nv = { len, buf };
		if ((rc = mdb_cursor_put(cur, &nk, &nv, MDB_CURRENT)))
			break;
		(*given)++;
	}
	mdb_cursor_close(cur);
	free(buf);
	arena_free(&a);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Format 3 -> 4: ix_name_owner (owner \0 word) from the live cards, in
 * one pass over them in id order. The entries of a chunk of cards come
 * sorted (index_name_owner_entries) and are put through one cursor
 * (index_put_sorted): the first chunk appends to the empty index, a later
 * one appends each id to its key's duplicates (ids only grow). Of each card
 * only what the index needs is decoded (pbwire_keep): its id, names,
 * company and owner. A chunk holds 16,384 cards: at 1,000,000 cards about
 * 3.5 s of CPU, where 4,096 took half as long again (more puts of the same
 * keys) and 65,536 kept more memory. *cards: how many. */
#define NAME_OWNER_CHUNK 16384

static int name_owner_put(MDB_txn *txn, struct store *st, struct arena *a, Kart__Card **c, size_t n)
{
	struct ix_entry *e;
	size_t ne;
	int rc = index_name_owner_entries(a, st, c, n, &e, &ne);
	return rc ? rc : index_put_sorted(txn, e, ne);
}

static int name_owner_build(MDB_txn *txn, struct store *st, uint64_t *cards)
{
	static const uint32_t keep[] = { 1, 2, 3, 4, 5, 17 }; /* id, the names, company, owner */
	MDB_cursor *cur;
	*cards = 0;
	int rc = mdb_drop(txn, st->ix_name_owner, 0);
	if (rc || (rc = mdb_cursor_open(txn, st->cards, &cur)))
		return rc;
	Kart__Card **chunk = malloc(NAME_OWNER_CHUNK * sizeof(*chunk));
	struct arena a;
	arena_init(&a, 0);
	uint8_t *buf = NULL; /* a card's kept fields: unpacking copies them */
	size_t n = 0, cap = 0;
	MDB_val k, v;
	for (rc = chunk ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : ENOMEM; rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size > cap) {
			uint8_t *nb = realloc(buf, v.mv_size);
			if (!nb) {
				rc = ENOMEM;
				break;
			}
			buf = nb;
			cap = v.mv_size;
		}
		size_t len = pbwire_keep(v.mv_data, v.mv_size, keep, sizeof(keep) / sizeof(keep[0]), buf);
		Kart__Card *c = len == SIZE_MAX ? NULL : kart__card__unpack(&a.pb, len, buf);
		if (!c)
			continue; /* reindex reports what does not decode */
		c->id = store_key_u64(k.mv_data); /* what the entries lead to, in the key's order */
		chunk[n++] = c;
		(*cards)++;
		if (n == NAME_OWNER_CHUNK) {
			if ((rc = name_owner_put(txn, st, &a, chunk, n)))
				break;
			arena_reset(&a);
			n = 0;
		}
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = n ? name_owner_put(txn, st, &a, chunk, n) : 0;
	arena_free(&a);
	free(buf);
	free(chunk);
	malloc_trim(0); /* the chunks' memory, not kept for serving */
	return rc;
}

#define PHONE_FWD_DONE "ix_phone_fwd"   /* meta: the index was built */

/* Whether ix_phone_fwd needs building: never built, or emptied. */
static int phone_fwd_missing(MDB_txn *txn, struct store *st, bool *missing)
{
	uint64_t done = 0;
	int rc = store_meta_get_u64(txn, st, PHONE_FWD_DONE, &done);
	if (rc == MDB_NOTFOUND) {
		*missing = true;
		return 0;
	}
	if (rc)
		return rc;
	MDB_stat fwd, rev;
	if ((rc = mdb_stat(txn, st->ix_phone_fwd, &fwd)) || (rc = mdb_stat(txn, st->ix_phone, &rev)))
		return rc;
	*missing = fwd.ms_entries == 0 && rev.ms_entries > 0;
	return 0;
}

/* In txn, when it is missing: every live card's phones, and the mark. */
static int phone_fwd_build_in(MDB_txn *txn, struct store *st, bool *built, uint64_t *cards)
{
	bool missing = false;
	*cards = 0;
	*built = false;
	int rc = phone_fwd_missing(txn, st, &missing);
	if (rc || !missing)
		return rc;
	MDB_cursor *cur;
	if ((rc = mdb_drop(txn, st->ix_phone_fwd, 0)) || (rc = mdb_cursor_open(txn, st->cards, &cur)))
		return rc;
	struct arena a;
	arena_init(&a, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&a);
		Kart__Card *c = kart__card__unpack(&a.pb, v.mv_size, v.mv_data);
		if (!c)
			continue; /* reindex reports what does not decode */
		uint8_t idb[8];
		store_u64_key(c->id, idb);
		MDB_val id = { 8, idb };
		for (size_t i = 0; rc == 0 && i < c->n_phones; i++) {
			/* the same source as index_keys: E.164 when there is one */
			const char *src = i < c->n_phones_e164 && c->phones_e164[i][0] ? c->phones_e164[i] : c->phones[i];
			char key[32];
			MDB_val ik = { index_phone_fwd_key(src, key, sizeof(key)), key };
			if (ik.mv_size == 0)
				continue;
			rc = mdb_put(txn, st->ix_phone_fwd, &ik, &id, MDB_NODUPDATA);
			if (rc == MDB_KEYEXIST)
				rc = 0;
		}
		if (rc)
			break;
		(*cards)++;
	}
	mdb_cursor_close(cur);
	arena_free(&a);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (!rc)
		rc = store_meta_put_u64(txn, st, PHONE_FWD_DONE, 1);
	*built = rc == 0;
	return rc;
}

/* One attempt in one write transaction of its own. */
static int phone_fwd_build(struct store *st, bool *built, uint64_t *cards)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return rc;
	if ((rc = phone_fwd_build_in(txn, st, built, cards)) || !*built) {
		mdb_txn_abort(txn);
		*built = false;
		return rc;
	}
	return mdb_txn_commit(txn);
}

int index_phone_fwd_upgrade(struct store *st)
{
	bool built = false;
	uint64_t cards = 0;
	int rc;
	/* no other transaction is open yet, so the map may grow */
	while ((rc = phone_fwd_build(st, &built, &cards)) == MDB_MAP_FULL)
		if ((rc = store_grow(st)))
			return rc;
	if (!rc && built && cards)
		log_notice("the phone index by a number's start built from %llu cards", (unsigned long long)cards);
	return rc;
}

int upgrade_migrate(MDB_txn *txn, struct store *st, uint64_t from, char *did, size_t did_len)
{
	size_t marked = 0;
	uint64_t cards = 0;
	bool built = false;
	int rc = 0;
	/* under systemd, a migration of a large base may take longer than the
	 * unit's start timeout: ask for ten minutes more (nothing elsewhere) */
	sd_notify(0, "EXTEND_TIMEOUT_USEC=600000000");
	if (from < 2) {
		if ((rc = export_blobs_mark(txn, st, &marked)) || (rc = phone_fwd_build_in(txn, st, &built, &cards)))
			return rc;
		snprintf(did, did_len, "%zu exports' card lists marked as sorted, the phone index by a number's start %s",
			 marked, built ? "built" : "already there");
		if (built)
			snprintf(did + strlen(did), did_len - strlen(did), " from %llu cards", (unsigned long long)cards);
	}
	if (from < 3) {
		size_t given = 0;
		if ((rc = deal_history_start(txn, st, &given)))
			return rc;
		size_t len = strlen(did);
		snprintf(did + len, did_len - len, "%s%zu deals given their stage since creation as their history",
			 len ? "; " : "", given);
	}
	if (from < 4) {
		uint64_t named = 0;
		if ((rc = name_owner_build(txn, st, &named)))
			return rc;
		size_t len = strlen(did);
		snprintf(did + len, did_len - len, "%sthe name index by owner built from %llu cards", len ? "; " : "",
			 (unsigned long long)named);
	}
	return rc;
}

void export_unfinished_fail(struct server *srv)
{
	MDB_txn *txn = store_read_begin(&srv->store);
	if (!txn)
		return;
	MDB_cursor *cur;
	struct arena a;
	arena_init(&a, 0);
	if (mdb_cursor_open(txn, srv->store.exports, &cur) == 0) {
		MDB_val k, v;
		for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			arena_reset(&a);
			Kart__ExportRecord *e = kart__export_record__unpack(&a.pb, v.mv_size, v.mv_data);
			if (!e || !e->state || strcmp(e->state, "sending") != 0)
				continue;
			struct principal who = { 0 };
			snprintf(who.user, sizeof(who.user), "%s", e->user ? e->user : "");
			snprintf(who.peer, sizeof(who.peer), "%s", e->client ? e->client : "");
			export_end_submit(srv, &who, e->id, true, "the daemon stopped before the whole file was sent");
		}
		mdb_cursor_close(cur);
	}
	arena_free(&a);
	store_read_end(&srv->store);
}
