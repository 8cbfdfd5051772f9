/* h_merge: merging two cards of one client (kart dup merge A B) and taking
 * the merge back (kart dup unmerge A B).
 *
 * A merge, in one transaction: B's fields are merged into A (card_merge.c)
 * and A gets a new version through card_commit, as an edit does; B's
 * timeline entries (rekeyed under A), deals and reminders (their card_id)
 * move to A, and A's derived counters are counted again from its timeline;
 * B leaves `cards` and every index, and its last bytes go into `merged`
 * under its id with what moved (MergeRecord), which is what CardGet follows
 * to A and what an unmerge reads. B's history stays under B's id. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "card_merge.h"
#include "handlers.h"
#include "index.h"
#include "req.h"
#include "schema.h"
#include "text.h"

#define ENTRY_KEY 24 /* timeline: card(u64) at(i64) entry(u64) */

struct ids {
	uint64_t *v;
	size_t n, cap;
};

static int ids_push(struct arena *a, struct ids *s, uint64_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *nv = arena_alloc(a, cap * sizeof(*nv));
		if (!nv)
			return ENOMEM;
		if (s->n)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static bool ids_has(const uint64_t *v, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

static int not_found(struct req *r, const char *field, uint64_t id)
{
	return req_error(r, KART__ERROR_CODE__NOT_FOUND, field, "no card %" PRIu64, id);
}

/* ---- what hangs on a card ---- */

/* Moves the timeline entries of card `from` to card `to` (only those listed
 * in `only`, when it is not NULL), rekeyed under `to`; their ids into moved. */
static int move_timeline(struct req *r, uint64_t from, uint64_t to, const uint64_t *only, size_t nonly,
			 struct ids *moved)
{
	MDB_dbi dbi = r->srv->store.timeline;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, dbi, &cur);
	if (rc)
		return rc;
	uint8_t prefix[8];
	store_u64_key(from, prefix);
	MDB_val k = { 8, prefix }, v;
	/* gathered first: the table is changed after the walk */
	struct { uint8_t key[ENTRY_KEY]; Kart__TimelineEntry *e; } *found = NULL;
	size_t n = 0, cap = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ENTRY_KEY || memcmp(k.mv_data, prefix, 8) != 0)
			break;
		uint64_t id = store_key_u64((const uint8_t *)k.mv_data + 16);
		if (only && !ids_has(only, nonly, id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			void *nf = arena_alloc(r->arena, cap * sizeof(*found));
			if (!nf) {
				rc = ENOMEM;
				break;
			}
			if (n)
				memcpy(nf, found, n * sizeof(*found));
			found = nf;
		}
		memcpy(found[n].key, k.mv_data, ENTRY_KEY);
		found[n].e = kart__timeline_entry__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!found[n].e) {
			rc = MDB_CORRUPTED;
			break;
		}
		n++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	for (size_t i = 0; i < n; i++) {
		Kart__TimelineEntry *e = found[i].e;
		MDB_val ok = { ENTRY_KEY, found[i].key };
		if ((rc = mdb_del(r->txn, dbi, &ok, NULL)))
			return rc;
		e->card_id = to;
		uint8_t key[ENTRY_KEY];
		memcpy(key, found[i].key, ENTRY_KEY);
		store_u64_key(to, key);
		MDB_val nk = { ENTRY_KEY, key }, nv = { kart__timeline_entry__get_packed_size(e), NULL };
		if ((rc = mdb_put(r->txn, dbi, &nk, &nv, MDB_RESERVE)))
			return rc;
		kart__timeline_entry__pack(e, nv.mv_data);
		if ((rc = ids_push(r->arena, moved, e->id)))
			return rc;
	}
	return 0;
}

/* The card's derived fields counted again from its timeline: touches, the
 * newest entry's time, the sum of purchases. */
static int tally(struct req *r, Kart__Card *c)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.timeline, &cur);
	if (rc)
		return rc;
	uint8_t prefix[8];
	store_u64_key(c->id, prefix);
	MDB_val k = { 8, prefix }, v;
	uint32_t touches = 0;
	int64_t last = 0, total = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ENTRY_KEY || memcmp(k.mv_data, prefix, 8) != 0)
			break;
		Kart__TimelineEntry *e = kart__timeline_entry__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!e) {
			rc = MDB_CORRUPTED;
			break;
		}
		touches++;
		if (e->at > last)
			last = e->at;
		if (__builtin_add_overflow(total, e->amount, &total))
			total = INT64_MAX;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	c->touches = touches;
	c->last_touch_at = last;
	c->total_purchases = total;
	return 0;
}

/* A value to rewrite under its key once a walk of its table is over. */
struct pending {
	uint8_t key[16];
	size_t klen;
	ProtobufCMessage *msg;
};

/* Rewrites each pending message under its key. */
static int put_pending(struct req *r, MDB_dbi dbi, const struct pending *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		MDB_val k = { p[i].klen, (void *)p[i].key }, v = { protobuf_c_message_get_packed_size(p[i].msg), NULL };
		int rc = mdb_put(r->txn, dbi, &k, &v, MDB_RESERVE);
		if (rc)
			return rc;
		protobuf_c_message_pack(p[i].msg, v.mv_data);
	}
	return 0;
}

/* The deals (deal: true) or reminders of card `from` in dbi (only the listed
 * ones, when `only` is not NULL) go to card `to`; their ids into moved. The
 * tables are small: h_deal.c and h_remind.c walk them whole too. */
static int move_owned(struct req *r, MDB_dbi dbi, bool deal, uint64_t from, uint64_t to, const uint64_t *only,
		      size_t nonly, struct ids *moved)
{
	MDB_cursor *cur;
	MDB_stat ms;
	int rc = mdb_stat(r->txn, dbi, &ms);
	if (rc || (rc = mdb_cursor_open(r->txn, dbi, &cur)))
		return rc;
	struct pending *p = arena_alloc(r->arena, (ms.ms_entries + 1) * sizeof(*p));
	size_t n = 0;
	MDB_val k, v;
	for (rc = p ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : ENOMEM; rc == 0 && n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__Deal *d = deal ? kart__deal__unpack(&r->arena->pb, v.mv_size, v.mv_data) : NULL;
		Kart__Reminder *rem = deal ? NULL : kart__reminder__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if ((!d && !rem) || k.mv_size > sizeof(p->key))
			continue;
		uint64_t *card = d ? &d->card_id : &rem->card_id, id = d ? d->id : rem->id;
		if (*card != from || (only && !ids_has(only, nonly, id)))
			continue;
		*card = to;
		memcpy(p[n].key, k.mv_data, k.mv_size);
		p[n].klen = k.mv_size;
		p[n++].msg = d ? &d->base : &rem->base;
		if ((rc = ids_push(r->arena, moved, id)))
			break;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	return put_pending(r, dbi, p, n);
}

static int move_deals(struct req *r, uint64_t from, uint64_t to, const uint64_t *only, size_t nonly, struct ids *moved)
{
	return move_owned(r, r->srv->store.deals, true, from, to, only, nonly, moved);
}

/* Open reminders and done ones alike. */
static int move_reminders(struct req *r, uint64_t from, uint64_t to, const uint64_t *only, size_t nonly,
			  struct ids *moved)
{
	int rc = move_owned(r, r->srv->store.reminders, false, from, to, only, nonly, moved);
	return rc ? rc : move_owned(r, r->srv->store.reminders_done, false, from, to, only, nonly, moved);
}

/* ---- the merge ---- */

/* One card of a merge: live, the user's to edit, not masked for them. */
static int load_mergeable(struct req *r, uint64_t id, const char *field, uint64_t expected, const char *what,
			  Kart__Card **out)
{
	struct store *st = &r->srv->store;
	int rc = card_load_visible(r, st->cards, id, out, what);
	if (rc == MDB_NOTFOUND) {
		Kart__MergeRecord *rec;
		int mrc = card_merge_record(r->txn, st, id, r->arena, &rec);
		if (mrc && mrc != MDB_NOTFOUND)
			return mrc;
		if (mrc == 0 && rec->from_card && acl_visible(r, rec->from_card))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field,
					 "card %" PRIu64 " was merged into card %" PRIu64 " already", id, rec->into);
		return not_found(r, field, id);
	}
	if (rc)
		return rc;
	if (expected && expected != (*out)->version)
		return req_error(r, KART__ERROR_CODE__CONFLICT, field,
				 "card %" PRIu64 " was changed: it is at version %" PRIu64 ", not %" PRIu64
				 "; look at it again and retry",
				 id, (*out)->version, expected);
	/* what a user sees masked they may not change, nor move by a merge */
	if (acl_masks(r, *out))
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, field,
				 "permission denied: some fields of card %" PRIu64
				 " are masked for you; its owner, their supervisor or an admin may merge it",
				 id);
	return H_OK;
}

static int record_save(struct req *r, const Kart__MergeRecord *rec)
{
	uint8_t key[8];
	store_u64_key(rec->from, key);
	MDB_val k = { 8, key }, v = { kart__merge_record__get_packed_size(rec), NULL };
	int rc = mdb_put(r->txn, r->srv->store.merged, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	kart__merge_record__pack(rec, v.mv_data);
	return 0;
}

/* "phones: '…' -> '…'; city: 'Самара' kept over 'Тольятти'": what the
 * audit event says of the conflicts. */
static const char *conflicts_text(struct req *r, Kart__MergeConflict *const *c, size_t n)
{
	char *out = arena_strdup(r->arena, "");
	for (size_t i = 0; out && i < n; i++)
		out = arena_printf(r->arena, "%s%s%s: '%s' %s '%s'", out, i ? ", " : "", c[i]->field,
				   text_clip(r->arena, c[i]->took_from ? c[i]->from_value : c[i]->into_value, 40),
				   c[i]->took_from ? "taken over" : "kept over",
				   text_clip(r->arena, c[i]->took_from ? c[i]->into_value : c[i]->from_value, 40));
	return out ? out : "";
}

static const char *moved_text(struct req *r, size_t entries, size_t deals, size_t reminders)
{
	char e[48], d[32], m[40];
	return arena_printf(r->arena, "%s, %s, %s", text_count(e, sizeof(e), entries, "timeline entry", "timeline entries"),
			    TEXT_COUNT(d, deals, "deal"), TEXT_COUNT(m, reminders, "reminder"));
}

static Kart__MergeResult *result_new(struct req *r, Kart__Card *card, uint64_t from)
{
	Kart__MergeResult *res = arena_alloc(r->arena, sizeof(*res));
	if (!res)
		return NULL;
	kart__merge_result__init(res);
	res->card = card;
	res->from = from;
	return res;
}

int h_card_merge(struct req *r)
{
	Kart__CardMerge *m = r->in->card_merge;
	struct store *st = &r->srv->store;
	int rc;
	if (!m->into || !m->from)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, !m->into ? "into" : "from",
				 "name both cards: the one to keep and the one merged into it");
	if (m->into == m->from)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "from", "card %" PRIu64 " cannot be merged into itself",
				 m->from);
	if (m->prefer && m->prefer != m->into && m->prefer != m->from)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "prefer",
				 "prefer: %" PRIu64 " is neither of the merged cards (%" PRIu64 ", %" PRIu64 ")", m->prefer,
				 m->into, m->from);
	Kart__Card *a, *b;
	if ((rc = load_mergeable(r, m->into, "into", m->expected_into_version, "merge", &a)) ||
	    (rc = load_mergeable(r, m->from, "from", m->expected_from_version, "merge", &b)))
		return rc;
	Kart__Card *before = card_copy(r->arena, a), *b_kept = card_copy(r->arena, b);
	if (!before || !b_kept)
		return ENOMEM;

	struct merge_fields mf;
	rc = card_merge_fields(r->arena, r->cfg->phone_country, a, b, m->prefer == m->from, &mf);
	if (rc == E2BIG)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, mf.too_many,
				 "%s: the merged card would hold %zu (at most %zu); remove some from either card first",
				 mf.too_many, mf.count, mf.max);
	if (rc)
		return rc;
	if (strcmp(a->owner ? a->owner : "", before->owner ? before->owner : "") != 0 &&
	    (rc = acl_check_owner(r, a->owner, "owner", NULL)))
		return rc;

	struct ids entries = { 0 }, deals = { 0 }, reminders = { 0 };
	if ((rc = move_timeline(r, b->id, a->id, NULL, 0, &entries)) || (rc = move_deals(r, b->id, a->id, NULL, 0, &deals)) ||
	    (rc = move_reminders(r, b->id, a->id, NULL, 0, &reminders)) || (rc = tally(r, a)))
		return rc;

	a->version++;
	a->updated_at = r->now / 1000000;
	a->updated_by = r->who.user;
	if ((rc = card_commit(r, before, a, CARD_LIVE)))
		return rc;

	/* B leaves the live cards and every index; its bytes go into the record */
	uint8_t key[8];
	store_u64_key(b->id, key);
	MDB_val k = { 8, key };
	if ((rc = index_update(r->txn, st, schema_for(r), r->arena, b, NULL)) || (rc = mdb_del(r->txn, st->cards, &k, NULL)))
		return rc;

	Kart__Card *after = card_copy(r->arena, a);
	if (!after)
		return ENOMEM;
	Kart__MergeRecord rec = KART__MERGE_RECORD__INIT;
	rec.into = a->id;
	rec.from = b->id;
	rec.at = r->now / 1000000;
	rec.by = r->who.user;
	rec.from_card = b_kept;
	rec.into_before = before;
	rec.into_after = after;
	rec.entries = entries.v;
	rec.n_entries = entries.n;
	rec.deals = deals.v;
	rec.n_deals = deals.n;
	rec.reminders = reminders.v;
	rec.n_reminders = reminders.n;
	rec.conflicts = mf.conflicts;
	rec.n_conflicts = mf.nconflicts;
	if ((rc = record_save(r, &rec)))
		return rc;

	const char *diff = card_diff(r->arena, before, a);
	const char *summary =
		arena_printf(r->arena, "card %" PRIu64 " (%s) merged in, version %" PRIu64 " -> %" PRIu64 "; moved %s%s%s%s%s",
			     b->id, card_title(r->arena, b_kept), before->version, a->version,
			     moved_text(r, entries.n, deals.n, reminders.n), mf.nconflicts ? "; conflicts: " : "",
			     conflicts_text(r, mf.conflicts, mf.nconflicts), *diff ? "; " : "", diff);
	if ((rc = audit_append(r, "card.merge", "card", a->id, card_title(r->arena, a), summary ? summary : "", true)))
		return rc;

	Kart__MergeResult *res = result_new(r, a, b->id);
	if (!res)
		return ENOMEM;
	res->conflicts = mf.conflicts;
	res->n_conflicts = mf.nconflicts;
	res->n_changes = card_changes(r->arena, before, a, &res->changes);
	res->entries = (uint32_t)entries.n;
	res->deals = (uint32_t)deals.n;
	res->reminders = (uint32_t)reminders.n;
	acl_mask(r, a);
	r->out.body_case = KART__ENVELOPE__BODY_MERGE_RESULT;
	r->out.merge_result = res;
	return H_OK;
}

/* ---- taking it back ---- */

static int not_merged(struct req *r, uint64_t from, uint64_t into)
{
	return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "from", "card %" PRIu64 " was not merged into card %" PRIu64,
			 from, into);
}

int h_card_unmerge(struct req *r)
{
	Kart__CardUnmerge *m = r->in->card_unmerge;
	struct store *st = &r->srv->store;
	if (!m->into || !m->from)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, !m->into ? "into" : "from",
				 "name both cards: the one kept and the one merged into it");
	Kart__MergeRecord *rec;
	int rc = card_merge_record(r->txn, st, m->from, r->arena, &rec);
	if (rc == MDB_NOTFOUND)
		return not_merged(r, m->from, m->into);
	if (rc)
		return rc;
	if (!rec->from_card || !rec->into_before || !rec->into_after)
		return MDB_CORRUPTED;
	if (!acl_visible(r, rec->from_card)) {
		acl_note_denied(r, m->from, "unmerge");
		return not_merged(r, m->from, m->into);
	}
	if (rec->into != m->into)
		return not_merged(r, m->from, m->into);
	Kart__Card *a;
	rc = card_load_visible(r, st->cards, m->into, &a, "unmerge");
	if (rc == MDB_NOTFOUND) {
		Kart__Card *t;
		Kart__MergeRecord *arec;
		if (card_load(r->txn, st->trash, m->into, r->arena, &t) == 0 && acl_visible(r, t))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "into",
					 "card %" PRIu64 " is in the trash; restore it first", m->into);
		if (card_merge_record(r->txn, st, m->into, r->arena, &arec) == 0 && arec->from_card &&
		    acl_visible(r, arec->from_card))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "into",
					 "card %" PRIu64 " was merged into card %" PRIu64 " since; take that merge back first",
					 m->into, arec->into);
		return not_found(r, "into", m->into);
	}
	if (rc)
		return rc;
	if (acl_masks(r, a) || acl_masks(r, rec->from_card))
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "into",
				 "permission denied: some fields of these cards are masked for you; their owner, "
				 "their supervisor or an admin may take the merge back");
	/* the id is free: nothing takes a merged card's id */
	Kart__Card *b = card_copy(r->arena, rec->from_card), *before = card_copy(r->arena, a);
	if (!b || !before)
		return ENOMEM;

	char **kept;
	size_t nkept;
	if ((rc = card_unmerge_fields(r->arena, a, rec->into_before, rec->into_after, &kept, &nkept)))
		return rc;
	struct ids entries = { 0 }, deals = { 0 }, reminders = { 0 };
	if ((rc = move_timeline(r, a->id, b->id, rec->entries, rec->n_entries, &entries)) ||
	    (rc = move_deals(r, a->id, b->id, rec->deals, rec->n_deals, &deals)) ||
	    (rc = move_reminders(r, a->id, b->id, rec->reminders, rec->n_reminders, &reminders)) || (rc = tally(r, a)) ||
	    (rc = tally(r, b)))
		return rc;

	const char *diff = card_diff(r->arena, before, a);
	if (*diff) {
		a->version++;
		a->updated_at = r->now / 1000000;
		a->updated_by = r->who.user;
		rc = card_commit(r, before, a, CARD_LIVE);
	} else {
		rc = card_save(r->txn, st->cards, a); /* only its counters changed */
	}
	if (rc)
		return rc;
	/* B comes back as it was, at its own version: the merge never changed it */
	if ((rc = card_commit(r, NULL, b, CARD_LIVE)))
		return rc;
	uint8_t key[8];
	store_u64_key(b->id, key);
	MDB_val k = { 8, key };
	if ((rc = mdb_del(r->txn, st->merged, &k, NULL)))
		return rc;

	char *kept_text = arena_strdup(r->arena, "");
	for (size_t i = 0; kept_text && i < nkept; i++)
		kept_text = arena_printf(r->arena, "%s%s%s", kept_text, i ? ", " : "", kept[i]);
	const char *summary = arena_printf(
		r->arena, "card %" PRIu64 " (%s) taken back out; moved back %s%s%s%s%s", b->id, card_title(r->arena, b),
		moved_text(r, entries.n, deals.n, reminders.n), nkept ? "; edited since, kept: " : "",
		kept_text ? kept_text : "", *diff ? "; " : "", diff);
	if ((rc = audit_append(r, "card.unmerge", "card", a->id, card_title(r->arena, a), summary ? summary : "", true)))
		return rc;

	Kart__MergeResult *res = result_new(r, a, b->id);
	if (!res)
		return ENOMEM;
	res->unmerged = true;
	res->n_changes = card_changes(r->arena, before, a, &res->changes);
	res->kept = kept;
	res->n_kept = nkept;
	res->entries = (uint32_t)entries.n;
	res->deals = (uint32_t)deals.n;
	res->reminders = (uint32_t)reminders.n;
	acl_mask(r, a);
	r->out.body_case = KART__ENVELOPE__BODY_MERGE_RESULT;
	r->out.merge_result = res;
	return H_OK;
}
