/* h_timeline: a card's history of contacts — calls, meetings, emails, notes,
 * purchases. Adding an entry also keeps the card's derived fields (touches,
 * last_touch_at, total_purchases) in the same transaction, without a new card
 * version: they are kept by the server, not edited by a person.
 *
 * timeline: card(u64) || at(i64 key) || entry id(u64) -> TimelineEntry, so
 * one card's entries are contiguous and in time order. */
#include <inttypes.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "handlers.h"
#include "money.h"
#include "pbjson.h"
#include "reads.h"
#include "req.h"
#include "text.h"

#define TEXT_MAX 10000          /* characters */
#define SUMMARY_TEXT 60         /* characters of the text quoted in the audit summary */
#define FUTURE_SLACK (24 * 3600) /* an entry may be dated at most a day ahead */
#define KEY_LEN 24

static void entry_key(uint64_t card, int64_t at, uint64_t id, uint8_t out[KEY_LEN])
{
	store_u64_key(card, out);
	store_i64_key(at, out + 8);
	store_u64_key(id, out + 16);
}

int h_log_add(struct req *r)
{
	Kart__LogAdd *m = r->in->log_add;
	struct store *st = &r->srv->store;
	int64_t now = r->now / 1000000;

	if (m->kind == KART__ENTRY_KIND__ENTRY_KIND_UNSPECIFIED ||
	    !protobuf_c_enum_descriptor_get_value(&kart__entry_kind__descriptor, (int)m->kind))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "kind: must be one of call, meeting, email, note, purchase");
	bool purchase = m->kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE;

	const char *text = m->text ? m->text : "";
	if (req_check_note(r, "text", text, TEXT_MAX) != H_OK)
		return H_ABORT;

	int64_t amount = 0;
	if (m->amount && *m->amount) {
		if (!purchase)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount", "amount: only a purchase has an amount");
		const char *why = "";
		if (money_parse(m->amount, &amount, &why) < 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
					 "amount: '%.40s' is not an amount (%s); write it like 1234.50", m->amount, why);
	}
	/* a purchase of nothing is a slip of the keyboard, not a purchase */
	if (purchase && amount < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount", "amount: a purchase cannot be negative");
	if (purchase && amount == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
				 "amount: a purchase needs an amount above 0 (--amount 1234.50)");

	int64_t at = m->at ? m->at : now;
	if (at < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at", "at: the time is before 1970");
	if (at > now + FUTURE_SLACK)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at",
				 "at: the time is more than a day in the future");

	Kart__Card *card;
	int rc = card_load_visible(r, st->cards, m->card_id, &card, "timeline");
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "card_id", "no card %" PRIu64, m->card_id);
	if (rc)
		return rc;

	/* the card's derived fields; a total that would overflow is refused */
	int64_t total;
	if (__builtin_add_overflow(card->total_purchases, amount, &total))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
				 "amount: the card's total of purchases would overflow");
	card->total_purchases = total;
	card->touches++;
	if (at > card->last_touch_at)
		card->last_touch_at = at;

	Kart__TimelineEntry *e = arena_alloc(r->arena, sizeof(*e));
	if (!e)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__timeline_entry__init(e);
	if ((rc = store_next_id(r->txn, st, "next_entry_id", &e->id)))
		return rc;
	e->card_id = m->card_id;
	e->kind = m->kind;
	e->text = (char *)text;
	e->amount = amount;
	e->at = at;
	e->author = r->who.user;
	e->created_at = now;

	uint8_t key[KEY_LEN];
	entry_key(e->card_id, e->at, e->id, key);
	MDB_val k = { KEY_LEN, key }, v = { kart__timeline_entry__get_packed_size(e), NULL };
	if ((rc = mdb_put(r->txn, st->timeline, &k, &v, MDB_RESERVE)))
		return rc;
	kart__timeline_entry__pack(e, v.mv_data);
	if ((rc = card_save(r->txn, st->cards, card)))
		return rc;

	char kind[32], money[32];
	pbjson_enum_name(&kart__entry_kind__descriptor, (int)e->kind, kind, sizeof(kind));
	const char *summary;
	if (purchase)
		summary = arena_printf(r->arena, "%s %s%s%s", kind, money_format(amount, money, sizeof(money)),
				       *text ? ": " : "", text_clip(r->arena, text, SUMMARY_TEXT));
	else
		summary = arena_printf(r->arena, "%s%s%s", kind, *text ? ": " : "", text_clip(r->arena, text, SUMMARY_TEXT));
	if ((rc = audit_append(r, "timeline.add", "card", card->id, card_title(r->arena, card), summary ? summary : kind,
			       true)))
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_TIMELINE_ENTRY;
	r->out.timeline_entry = e;
	return H_OK;
}

/* ---- the stream: one card's entries, newest first ---- */

struct timeline_state {
	uint64_t card;
	uint8_t last[KEY_LEN];    /* the next entry to send is before this key */
	uint32_t remaining;       /* 0: no limit */
};

static bool timeline_page(struct stream *s, struct req *r)
{
	struct timeline_state *st = s->state;
	uint32_t want = r->cfg->page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__TimelinePage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__TimelineEntry **entries = arena_alloc(r->arena, want * sizeof(*entries));
	MDB_cursor *cur = NULL;
	if (!page || !entries || mdb_cursor_open(r->txn, r->srv->store.timeline, &cur)) {
		req_no_memory(r);
		return true;
	}
	kart__timeline_page__init(page);
	page->entries = entries;
	uint8_t prefix[8];
	store_u64_key(st->card, prefix);
	/* step back from the last key sent (or from past the card's newest) */
	MDB_val k = { KEY_LEN, st->last }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	bool last = false;
	for (; rc == 0 && page->n_entries < want; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (k.mv_size != KEY_LEN || memcmp(k.mv_data, prefix, 8) != 0) {
			last = true; /* past the card's oldest entry */
			break;
		}
		memcpy(st->last, k.mv_data, KEY_LEN);
		Kart__TimelineEntry *e = kart__timeline_entry__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (e)
			entries[page->n_entries++] = e;
	}
	/* a full page leaves the cursor on the next older key: is it still this card's? */
	if (rc != 0 || k.mv_size != KEY_LEN || memcmp(k.mv_data, prefix, 8) != 0)
		last = true;
	mdb_cursor_close(cur);
	if (stream_limit_reached(&st->remaining, page->n_entries))
		last = true;
	r->out.body_case = KART__ENVELOPE__BODY_TIMELINE_PAGE;
	r->out.timeline_page = page;
	return last;
}

int h_timeline_query(struct req *r)
{
	Kart__TimelineQuery *m = r->in->timeline_query;
	uint8_t key[8];
	store_u64_key(m->card_id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(r->txn, r->srv->store.cards, &k, &v);
	if (rc == 0 && !acl_visible_bytes(r, v.mv_data, v.mv_size)) {
		acl_note_denied(r, m->card_id, "timeline");
		rc = MDB_NOTFOUND;
	}
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "card_id", "no card %" PRIu64, m->card_id);
	if (rc)
		return rc;
	reads_record(r, &m->card_id, 1, "timeline", READ_OPENED);
	struct stream *s = stream_new(r, timeline_page);
	struct timeline_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		return req_no_memory(r);
	}
	memset(st, 0, sizeof(*st));
	st->card = m->card_id;
	st->remaining = m->limit;
	/* just past the card's newest possible entry */
	store_u64_key(m->card_id, st->last);
	memset(st->last + 8, 0xFF, KEY_LEN - 8);
	s->state = st;
	return req_stream(r, s);
}

/* ---- corrections: edit and remove an entry ---- */

#define REVISIONS_MAX 20        /* corrections kept in an entry */

/* Finds entry `id` (a walk of the table: entries are keyed by card and time).
 * key gets its key. 0, MDB_NOTFOUND or an MDB code. */
static int entry_find(struct req *r, uint64_t id, uint8_t key[KEY_LEN], Kart__TimelineEntry **out)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.timeline, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_LEN || store_key_u64((const uint8_t *)k.mv_data + 16) != id)
			continue;
		memcpy(key, k.mv_data, KEY_LEN);
		*out = kart__timeline_entry__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		rc = *out ? 0 : MDB_CORRUPTED;
		break;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* The entry and its (live) card, for a correction: its author may correct it,
 * and so may whoever may edit the card; anyone else is answered as for an
 * entry that does not exist, and the attempt is recorded. */
static int entry_load_editable(struct req *r, uint64_t id, uint8_t key[KEY_LEN], Kart__TimelineEntry **e,
			       Kart__Card **card, const char *what)
{
	int rc = entry_find(r, id, key, e);
	if (rc == 0)
		rc = card_load(r->txn, r->srv->store.cards, (*e)->card_id, r->arena, card);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "entry_id", "no timeline entry %" PRIu64, id);
	if (rc)
		return rc;
	bool author = (*e)->author && strcmp((*e)->author, r->who.user) == 0;
	if (!author && !acl_visible(r, *card)) {
		acl_note_denied(r, (*card)->id, arena_printf(r->arena, "%s timeline entry %" PRIu64, what, id));
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "entry_id", "no timeline entry %" PRIu64, id);
	}
	return H_OK;
}

static const char *entry_summary(struct req *r, const Kart__TimelineEntry *e, size_t clip)
{
	char kind[32], money[32];
	const char *text = e->text ? e->text : "";
	pbjson_enum_name(&kart__entry_kind__descriptor, (int)e->kind, kind, sizeof(kind));
	const char *s = e->kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE
				? arena_printf(r->arena, "%s %s", kind, money_format(e->amount, money, sizeof(money)))
				: arena_printf(r->arena, "%s", kind);
	if (s && *text)
		s = arena_printf(r->arena, "%s: '%s'", s, clip ? text_clip(r->arena, text, clip) : text);
	return s ? s : "";
}

int h_timeline_edit(struct req *r)
{
	Kart__TimelineEdit *m = r->in->timeline_edit;
	if (!m->set_text && !m->set_amount)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "", "nothing to change: give a text or an amount");
	uint8_t key[KEY_LEN];
	Kart__TimelineEntry *e;
	Kart__Card *card;
	int rc = entry_load_editable(r, m->entry_id, key, &e, &card, "edit");
	if (rc)
		return rc;
	bool purchase = e->kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE;

	const char *text = e->text ? e->text : "";
	if (m->set_text) {
		text = m->text ? m->text : "";
		if (!*text && !purchase)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "text", "text: an entry needs a text");
		if (req_check_note(r, "text", text, TEXT_MAX) != H_OK)
			return H_ABORT;
	}
	int64_t amount = e->amount;
	if (m->set_amount) {
		if (!purchase)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount", "amount: only a purchase has an amount");
		const char *why = "";
		if (money_parse(m->amount ? m->amount : "", &amount, &why) < 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
					 "amount: '%.40s' is not an amount (%s); write it like 1234.50", m->amount ? m->amount : "",
					 why);
		if (amount <= 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount", "amount: a purchase must be more than 0");
	}
	if (strcmp(text, e->text ? e->text : "") == 0 && amount == e->amount) {
		/* nothing changed: nothing written */
		r->out.body_case = KART__ENVELOPE__BODY_TIMELINE_ENTRY;
		r->out.timeline_entry = e;
		return H_OK;
	}
	if (e->n_revisions >= REVISIONS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "entry_id",
				 "entry %" PRIu64 " has been corrected %d times already; remove it and log a new one", e->id,
				 REVISIONS_MAX);

	int64_t total;
	if (__builtin_add_overflow(card->total_purchases, amount - e->amount, &total))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "amount",
				 "amount: the card's total of purchases would overflow");

	/* the old text and amount stay in the entry, oldest first */
	int64_t now = r->now / 1000000;
	Kart__EntryRevision **revs = arena_alloc(r->arena, (e->n_revisions + 1) * sizeof(*revs));
	Kart__EntryRevision *rev = arena_alloc(r->arena, sizeof(*rev));
	if (!revs || !rev)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__entry_revision__init(rev);
	rev->text = e->text ? e->text : (char *)"";
	rev->amount = e->amount;
	rev->replaced_at = now;
	rev->replaced_by = r->who.user;
	if (e->n_revisions)
		memcpy(revs, e->revisions, e->n_revisions * sizeof(*revs));
	revs[e->n_revisions] = rev;
	const char *before = entry_summary(r, e, SUMMARY_TEXT);

	e->revisions = revs;
	e->n_revisions++;
	e->text = (char *)text;
	e->amount = amount;
	e->edited_at = now;
	e->edited_by = r->who.user;
	e->changed = false; /* in replies only */
	MDB_val k = { KEY_LEN, key }, v = { kart__timeline_entry__get_packed_size(e), NULL };
	if ((rc = mdb_put(r->txn, r->srv->store.timeline, &k, &v, MDB_RESERVE)))
		return rc;
	kart__timeline_entry__pack(e, v.mv_data);
	if (card->total_purchases != total) {
		card->total_purchases = total;
		if ((rc = card_save(r->txn, r->srv->store.cards, card)))
			return rc;
	}
	const char *summary = arena_printf(r->arena, "entry %" PRIu64 ": %s -> %s", e->id, before,
					   entry_summary(r, e, SUMMARY_TEXT));
	if ((rc = audit_append(r, "timeline.edit", "card", card->id, card_title(r->arena, card), summary ? summary : "",
			       true)))
		return rc;
	e->changed = true;
	r->out.body_case = KART__ENVELOPE__BODY_TIMELINE_ENTRY;
	r->out.timeline_entry = e;
	return H_OK;
}

/* The time of the card's newest entry left (entries are in time order under
 * the card's prefix); 0 when none is. */
static int newest_entry_at(struct req *r, uint64_t card_id, int64_t *at)
{
	uint8_t key[KEY_LEN], prefix[8];
	store_u64_key(card_id, prefix);
	store_u64_key(card_id, key);
	memset(key + 8, 0xFF, KEY_LEN - 8);
	*at = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.timeline, &cur);
	if (rc)
		return rc;
	MDB_val k = { KEY_LEN, key }, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == KEY_LEN && memcmp(k.mv_data, prefix, 8) == 0) {
		Kart__TimelineEntry *e = kart__timeline_entry__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!e)
			rc = MDB_CORRUPTED;
		else
			*at = e->at;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int h_timeline_remove(struct req *r)
{
	Kart__TimelineRemove *m = r->in->timeline_remove;
	uint8_t key[KEY_LEN];
	Kart__TimelineEntry *e;
	Kart__Card *card;
	int rc = entry_load_editable(r, m->entry_id, key, &e, &card, "remove");
	if (rc)
		return rc;
	MDB_val k = { KEY_LEN, key };
	if ((rc = mdb_del(r->txn, r->srv->store.timeline, &k, NULL)))
		return rc;
	/* the card's derived fields, as if the entry had never been logged */
	card->total_purchases -= e->amount;
	if (card->touches)
		card->touches--;
	if ((rc = newest_entry_at(r, card->id, &card->last_touch_at)))
		return rc;
	if ((rc = card_save(r->txn, r->srv->store.cards, card)))
		return rc;
	/* the entry is gone: the audit trail keeps its whole text */
	const char *summary = arena_printf(r->arena, "entry %" PRIu64 " by %s: %s", e->id, e->author ? e->author : "",
					   entry_summary(r, e, 0));
	if ((rc = audit_append(r, "timeline.remove", "card", card->id, card_title(r->arena, card), summary ? summary : "",
			       true)))
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_TIMELINE_ENTRY;
	r->out.timeline_entry = e;
	return H_OK;
}
