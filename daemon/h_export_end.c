/* h_export_end: the end of an export (done, failed, or aborted by its client,
 * recorded on the writer, h_export_abort) and the list of exports
 * (h_export_list). A failed export is given back to its user's quota. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "export.h"
#include "handlers.h"
#include "log.h"
#include "req.h"
#include "text.h"
#include "util.h"
#include "writer.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000

/* ---- the end of the file: done or failed ---- */

/* Sets export `id`'s state (writer): "done" only from "sending" (a client's
 * abort may have come first); "failed" from "sending", or from "done" when
 * the daemon says so (a client's abort of a done one is only recorded), with
 * why. A failed export is no
 * longer charged to its user's quota; its card ids, hashes and canaries stay,
 * so a leak of the rows that did get out still traces back to it. Returns
 * MDB_NOTFOUND for no such export (or, when `user` is given, not theirs). */
static int export_set_state(struct req *r, uint64_t id, const char *user, bool failed, const char *why)
{
	struct store *st = &r->srv->store;
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(r->txn, st->exports, &k, &v);
	if (rc)
		return rc;
	Kart__ExportRecord *e = kart__export_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	if (!e)
		return MDB_CORRUPTED;
	if ((user && strcmp(e->user ? e->user : "", user) != 0) || export_is_report(e))
		return MDB_NOTFOUND;
	const char *state = e->state && *e->state ? e->state : "done";
	if (strcmp(state, "failed") == 0 || (!failed && strcmp(state, "sending") != 0))
		return 0;
	char nc[32];
	TEXT_COUNT(nc, e->cards, "card");
	if (user && strcmp(state, "done") == 0)
		/* the whole file left the server: a client's word that it was not
		 * written is on record, but gives nothing back to the quota */
		return audit_append(r, "export.abort", "export", id, "",
				    arena_printf(r->arena, "after the whole file was sent (%s stay charged): %.180s", nc, why),
				    true);
	e->state = (char *)(failed ? "failed" : "done");
	e->failure = (char *)(failed ? why : "");
	size_t len = kart__export_record__get_packed_size(e);
	MDB_val nv = { len, NULL };
	if ((rc = mdb_put(r->txn, st->exports, &k, &nv, MDB_RESERVE)))
		return rc;
	kart__export_record__pack(e, nv.mv_data);
	if (failed)
		log_notice("export %" PRIu64 " of %s failed: %s", id, e->user ? e->user : "", why);
	return audit_append(r, failed ? "export.failed" : "export.done", "export", id, "",
			    failed ? arena_printf(r->arena, "%s not charged to the quota: %.180s", nc, why)
				   : arena_printf(r->arena, "the whole file was sent: %s", nc),
			    !failed);
}

/* The end of an export to record, for w_export_end (the daemon's own write). */
struct export_end {
	uint64_t id;
	bool failed;
	char why[255];
};

static int w_export_end(struct req *r)
{
	const struct export_end *e = wreq_of(r)->ud;
	int rc = export_set_state(r, e->id, NULL, e->failed, e->why);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

void export_end_submit(struct server *srv, const struct principal *who, uint64_t id, bool failed,
			      const char *why)
{
	if (!srv->writer)
		return; /* stopping: the next start records it as failed */
	struct req base = { .srv = srv, .cfg = srv->cfg, .who = *who, .now = util_now_us() };
	struct wreq *w = wreq_detached(&base, w_export_end);
	struct export_end *e = w ? arena_alloc(&w->in_arena, sizeof(*e)) : NULL;
	if (!e) {
		wreq_free(w);
		return;
	}
	e->id = id;
	e->failed = failed;
	snprintf(e->why, sizeof(e->why), "%s", why ? why : "");
	w->ud = e;
	writer_submit(srv, w);
}

int h_export_abort(struct req *r)
{
	Kart__ExportAbort *m = r->in->export_abort;
	const char *reason = m->reason && *m->reason ? m->reason : "no reason given";
	if (!m->export_id)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "export_id", "export id missing");
	uint32_t cp;
	if (strlen(reason) > 200 || !text_utf8_valid(reason, strlen(reason)) ||
	    text_find_control(reason, strlen(reason), false, &cp))
		reason = "(an unreadable reason)"; /* the log and the record keep it as sent */
	int rc = export_set_state(r, m->export_id, r->who.user, true,
				  arena_printf(r->arena, "the client could not write the file: %s", reason));
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "export_id", "no export %" PRIu64, m->export_id);
	if (rc)
		return rc;
	req_ok(r);
	return H_OK;
}

/* ---- the list of exports ---- */

int h_export_list(struct req *r)
{
	Kart__ExportList *m = r->in->export_list;
	const char *user = m->user ? m->user : "";
	size_t limit = m->limit ? m->limit : LIST_DEFAULT;
	if (limit > LIST_MAX)
		limit = LIST_MAX;
	Kart__ExportPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__ExportRecord **recs = arena_alloc(r->arena, limit * sizeof(*recs));
	if (!page || !recs)
		return ENOMEM;
	kart__export_page__init(page);
	page->exports = recs;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.exports, &cur);
	if (rc)
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0 && page->n_exports < limit;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		arena_reset(&scratch);
		Kart__ExportRecord *e = kart__export_record__unpack(&scratch.pb, v.mv_size, v.mv_data);
		if (!e || (*user && strcmp(e->user ? e->user : "", user) != 0))
			continue;
		if (!(recs[page->n_exports] = export_record_copy(r->arena, e))) {
			rc = ENOMEM;
			break;
		}
		page->n_exports++;
	}
	mdb_cursor_close(cur);
	arena_free(&scratch);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_EXPORT_PAGE;
	r->out.export_page = page;
	return H_OK;
}
