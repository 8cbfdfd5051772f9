/* upgrade: steps at start-up on what an earlier daemon left in the
 * database: export card lists from before the sorted flag get it, and exports
 * a stopped daemon left "sending" are recorded as failed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "handlers.h"
#include "log.h"
#include "store.h"
#include "upgrade.h"

int export_blobs_upgrade(struct store *st)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		return rc;
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(txn, st->export_cards, &cur))) {
		mdb_txn_abort(txn);
		return rc;
	}
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
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)))
		return rc;
	if (n)
		log_notice("%zu exports' card lists marked as sorted", n);
	return 0;
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
