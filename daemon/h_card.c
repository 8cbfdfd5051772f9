/* h_card: create, get, update, delete (to the trash), restore, list. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "card_merge.h"
#include "handlers.h"
#include "req.h"
#include "schema.h"
#include "log.h"
#include "pbwire.h"
#include "reads.h"
#include "text.h"

static int reply_card(struct req *r, Kart__Card *c)
{
	acl_mask(r, c);
	r->out.body_case = KART__ENVELOPE__BODY_CARD;
	r->out.card = c;
	return H_OK;
}

static bool same_str(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

static bool same_relative(const Kart__Relative *x, const Kart__Relative *y)
{
	return same_str(x->name, y->name) && same_str(x->relation, y->relation) && same_str(x->birthday, y->birthday) &&
	       same_str(x->note, y->note);
}

/* The relatives of `from` that `in` does not have, into *out (the arena). */
static size_t relatives_missing(struct arena *a, const Kart__Card *from, const Kart__Card *in, Kart__Relative ***out)
{
	size_t n = 0;
	*out = from->n_relatives ? arena_alloc(a, from->n_relatives * sizeof(**out)) : NULL;
	if (!*out)
		return 0;
	for (size_t i = 0; i < from->n_relatives; i++) {
		bool found = false;
		for (size_t j = 0; j < in->n_relatives && !found; j++)
			found = same_relative(from->relatives[i], in->relatives[j]);
		if (!found)
			(*out)[n++] = from->relatives[i];
	}
	return n;
}

/* The reply to an edit or a revert: the card, whether it changed, and the
 * relatives it lost or got back (only to a user who sees relatives). */
static int reply_changed(struct req *r, const Kart__Card *before, Kart__Card *c, bool changed)
{
	Kart__CardChanged *ch = arena_alloc(r->arena, sizeof(*ch));
	if (!ch)
		return ENOMEM;
	kart__card_changed__init(ch);
	ch->changed = changed;
	if (changed && !acl_masks(r, c)) {
		ch->n_relatives_removed = relatives_missing(r->arena, before, c, &ch->relatives_removed);
		ch->n_relatives_added = relatives_missing(r->arena, c, before, &ch->relatives_added);
	}
	acl_mask(r, c);
	ch->card = c;
	r->out.body_case = KART__ENVELOPE__BODY_CARD_CHANGED;
	r->out.card_changed = ch;
	return H_OK;
}

static int not_found(struct req *r, uint64_t id, bool trash)
{
	return req_error(r, KART__ERROR_CODE__NOT_FOUND, "id", "no card %" PRIu64 "%s", id, trash ? " in the trash" : "");
}

/* A card's new owner: one r's user may hand work to (acl.h); a user who does
 * not exist answers the same, so names cannot be guessed through it. */
static int check_owner(struct req *r, const Kart__Card *c)
{
	if (!c->owner || !*c->owner)
		return H_OK;
	return acl_check_owner(r, c->owner, "owner", NULL);
}

/* Creates one card from its fields. H_ABORT leaves the reason in r->out. */
static int create_one(struct req *r, const Kart__CardCreate *m, Kart__Card **out)
{
	int rc = card_build(r, m->fields, m->n_fields, out);
	if (rc)
		return rc;
	return card_create_many(r, out, 1);
}

int h_card_create(struct req *r)
{
	Kart__Card *c;
	int rc = create_one(r, r->in->card_create, &c);
	if (rc)
		return rc;
	if ((rc = audit_append(r, "card.create", "card", c->id, card_title(r->arena, c), card_diff(r->arena, NULL, c), true)))
		return rc;
	return reply_card(r, c);
}

#define IMPORT_MAX 5000

int h_card_import(struct req *r)
{
	Kart__CardImport *m = r->in->card_import;
	if (m->n_cards == 0 || m->n_cards > IMPORT_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "cards", "an import carries 1 to %d cards", IMPORT_MAX);
	Kart__ImportResult *res = arena_alloc(r->arena, sizeof(*res));
	uint64_t *ids = arena_alloc(r->arena, m->n_cards * sizeof(*ids));
	Kart__ImportError **errs = arena_alloc(r->arena, m->n_cards * sizeof(*errs));
	if (!res || !ids || !errs)
		return ENOMEM;
	kart__import_result__init(res);
	res->ids = ids;
	res->n_ids = m->n_cards;
	res->errors = errs;
	Kart__Card **cards = arena_alloc(r->arena, m->n_cards * sizeof(*cards));
	if (!cards)
		return ENOMEM;
	size_t created = 0;
	int rc = 0;
	for (size_t i = 0; i < m->n_cards; i++) {
		struct req sub = *r;
		kart__envelope__init(&sub.out);
		Kart__Card *c = NULL;
		ids[i] = 0;
		rc = card_build(&sub, m->cards[i]->fields, m->cards[i]->n_fields, &c);
		if (rc == H_OK) {
			cards[created++] = c;
			continue;
		}
		if (rc != H_ABORT)
			return rc;
		Kart__ImportError *ie = arena_alloc(r->arena, sizeof(*ie));
		Kart__Error *e = arena_alloc(r->arena, sizeof(*e));
		if (!ie || !e)
			return ENOMEM;
		kart__import_error__init(ie);
		kart__error__init(e);
		ie->index = (uint32_t)i;
		ie->error = e;
		if (sub.out.error) {
			e->code = sub.out.error->code;
			e->message = sub.out.error->message;
			e->field = sub.out.error->field;
		}
		errs[res->n_errors++] = ie;
	}
	if (created && (rc = card_create_many(r, cards, created)))
		return rc;
	/* the refused rows are listed in order: the others got the cards in turn */
	for (size_t i = 0, k = 0, e = 0; i < m->n_cards; i++)
		if (e < res->n_errors && res->errors[e]->index == i)
			e++;
		else
			ids[i] = cards[k++]->id;
	uint64_t first = created ? cards[0]->id : 0, last = created ? cards[created - 1]->id : 0;
	char nc[32];
	if (created && (rc = audit_append(r, "card.import", "card", first, "",
					  arena_printf(r->arena, "%s created (ids %" PRIu64 "-%" PRIu64 "), %zu refused",
						       TEXT_COUNT(nc, created, "card"), first, last, res->n_errors),
					  true)))
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_IMPORT_RESULT;
	r->out.import_result = res;
	return H_OK;
}

/* The live card a merged card went into (card_merge.h), if the user saw the
 * merged card itself: one they did not see answers as a missing card. */
static int follow_merge(struct req *r, uint64_t id, uint64_t *into)
{
	Kart__MergeRecord *rec;
	int rc = card_merged_into(r->txn, &r->srv->store, id, r->arena, into, &rec);
	if (rc)
		return rc;
	if (!rec->from_card || !acl_visible(r, rec->from_card)) {
		acl_note_denied(r, id, "show");
		return MDB_NOTFOUND;
	}
	return 0;
}

static uint64_t custom_type(void *ud, const uint8_t *cv, size_t len)
{
	const uint8_t *name = (const uint8_t *)""; /* a value without a field name: none is defined so */
	size_t n = 0;
	pbwire_find_bytes(cv, len, 1, &name, &n); /* CustomValue.field */
	const Kart__FieldDef *d = schema_find_n(ud, (const char *)name, n);
	return d ? (uint64_t)d->type : KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED;
}

/* The reply to a get of a card the user sees whole: its stored bytes with
 * each custom value's type set (CustomValue.type), and merged_from if it is
 * not 0 — the card acl_mask would make, without decoding and encoding it
 * again. H_OK, or -1 (a card that is not well-formed, the schema not
 * readable): the caller decodes it instead. */
static int reply_card_stored(struct req *r, const MDB_val *v, uint64_t merged_from)
{
	enum { CARD_CUSTOM = 30, CUSTOM_TYPE = 3, CARD_MERGED_FROM = 36 };
	struct schema *sc = schema_for(r);
	if (schema_sync(sc, r->txn, &r->srv->store))
		return -1;
	size_t n = pbwire_set_sub_varint(v->mv_data, v->mv_size, CARD_CUSTOM, CUSTOM_TYPE, custom_type, sc, NULL);
	uint8_t *out = n == SIZE_MAX ? NULL : arena_alloc(r->arena, n + 2 + 10);
	if (!out)
		return -1;
	pbwire_set_sub_varint(v->mv_data, v->mv_size, CARD_CUSTOM, CUSTOM_TYPE, custom_type, sc, out);
	if (merged_from) { /* a varint field after the others: a decoder keeps the last */
		uint8_t *q = pbwire_varint_put(pbwire_varint_put(out + n, CARD_MERGED_FROM << 3), merged_from);
		n = (size_t)(q - out);
	}
	return req_reply_packed(r, KART__ENVELOPE__BODY_CARD, out, n);
}

int h_card_get(struct req *r)
{
	Kart__CardGet *m = r->in->card_get;
	uint64_t id = m->id;
	MDB_val v;
	int rc = store_get_id(r->txn, m->trash ? r->srv->store.trash : r->srv->store.cards, id, &v);
	/* a merged card answers with the card it went into, saying so */
	if (rc == MDB_NOTFOUND && !m->trash && (rc = follow_merge(r, m->id, &id)) == 0)
		rc = store_get_id(r->txn, r->srv->store.cards, id, &v);
	if (rc == MDB_NOTFOUND)
		return not_found(r, m->id, m->trash);
	if (rc)
		return rc;
	/* a card the user sees whole leaves as stored, its custom values marked
	 * with their types on the way (acl_mask's other work is masking) */
	if (acl_whole_bytes(r, v.mv_data, v.mv_size) && reply_card_stored(r, &v, id != m->id ? m->id : 0) == H_OK) {
		reads_record(r, &id, 1, "show", READ_OPENED);
		return H_OK;
	}
	Kart__Card *c = kart__card__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	if (!c)
		return MDB_CORRUPTED;
	if (!acl_visible(r, c)) {
		acl_note_denied(r, m->id, "show");
		return not_found(r, m->id, m->trash);
	}
	if (id != m->id)
		c->merged_from = m->id;
	reads_record(r, &id, 1, "show", READ_OPENED);
	return reply_card(r, c);
}

static int check_version(struct req *r, const Kart__Card *c, uint64_t expected)
{
	if (expected && expected != c->version)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "expected_version",
				 "card %" PRIu64 " was changed: it is at version %" PRIu64 ", not %" PRIu64
				 "; reload it and try again",
				 c->id, c->version, expected);
	return H_OK;
}

/* A user who sees the card's sensitive fields masked (***) may not change
 * them: whatever the value, the same refusal, so an edit that would answer
 * "unchanged" cannot tell what is behind the mask. */
static int check_unmasked(struct req *r, const Kart__Card *c, const Kart__CardUpdate *m)
{
	if (!acl_masks(r, c))
		return H_OK;
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, &r->srv->store);
	if (rc)
		return rc;
	for (size_t i = 0; i < m->n_set; i++) {
		const char *f = m->set[i]->field ? m->set[i]->field : "";
		if (acl_field_sensitive(sc, f))
			return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, f,
					 "permission denied: %.64s is masked for you on card %" PRIu64
					 "; its owner, their supervisor or an admin may change it",
					 f, c->id);
	}
	return H_OK;
}

/* A revert by a user who sees the card's sensitive fields masked brings back
 * the fields they see; the masked ones stay as they are now. */
static int keep_masked(struct req *r, const Kart__Card *cur, Kart__Card *c)
{
	if (!acl_masks(r, cur))
		return H_OK;
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, &r->srv->store);
	if (rc)
		return rc;
	c->birthday = cur->birthday;
	c->address = cur->address;
	c->relatives = cur->relatives;
	c->n_relatives = cur->n_relatives;
	Kart__CustomValue **cv = arena_alloc(r->arena, (c->n_custom + cur->n_custom + 1) * sizeof(*cv));
	if (!cv)
		return ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->n_custom; i++)
		if (!acl_field_sensitive(sc, c->custom[i]->field ? c->custom[i]->field : ""))
			cv[n++] = c->custom[i];
	for (size_t i = 0; i < cur->n_custom; i++)
		if (acl_field_sensitive(sc, cur->custom[i]->field ? cur->custom[i]->field : ""))
			cv[n++] = cur->custom[i];
	c->custom = cv;
	c->n_custom = n;
	return H_OK;
}

static void touch(struct req *r, Kart__Card *c)
{
	c->version++;
	c->updated_at = r->now / 1000000;
	c->updated_by = r->who.user;
}

int h_card_update(struct req *r)
{
	Kart__CardUpdate *m = r->in->card_update;
	Kart__Card *c;
	int rc = card_load_visible(r, r->srv->store.cards, m->id, &c, "edit");
	if (rc == MDB_NOTFOUND)
		return not_found(r, m->id, false);
	if (rc)
		return rc;
	if ((rc = check_version(r, c, m->expected_version)))
		return rc;
	if (m->n_set == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "set", "nothing to change");
	if ((rc = check_unmasked(r, c, m)))
		return rc;
	Kart__Card *before = card_copy(r->arena, c);
	if (!before)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	uint64_t seen = 0;
	for (size_t i = 0; i < m->n_set; i++)
		if ((rc = card_set_op(r, c, m->set[i]->field, m->set[i]->value, m->set[i]->op, &seen)))
			return rc;
	if ((rc = card_validate(r, c)))
		return rc;
	if (c->owner && strcmp(c->owner, before->owner ? before->owner : "") != 0 && (rc = check_owner(r, c)))
		return rc;
	const char *diff = card_diff(r->arena, before, c);
	if (!*diff)
		return reply_changed(r, before, before, false); /* nothing changed: no new version, no audit */
	touch(r, c);
	if ((rc = card_commit(r, before, c, CARD_LIVE)))
		return rc;
	if ((rc = audit_append(r, "card.update", "card", c->id, card_title(r->arena, c), diff, true)))
		return rc;
	return reply_changed(r, before, c, true);
}

/* Moves a card between the live table and the trash. */
static int move_card(struct req *r, uint64_t id, uint64_t expected, bool to_trash)
{
	struct store *st = &r->srv->store;
	MDB_dbi from = to_trash ? st->cards : st->trash;
	Kart__Card *c;
	int rc = card_load_visible(r, from, id, &c, to_trash ? "delete" : "restore");
	Kart__MergeRecord *rec;
	if (rc == MDB_NOTFOUND && !to_trash && card_merge_record(r->txn, st, id, r->arena, &rec) == 0 && rec->from_card &&
	    acl_visible(r, rec->from_card))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "id",
				 "card %" PRIu64 " was merged into card %" PRIu64 ", not deleted; `kart dup unmerge %" PRIu64
				 " %" PRIu64 "` brings it back",
				 id, rec->into, rec->into, id);
	if (rc == MDB_NOTFOUND)
		return not_found(r, id, !to_trash);
	if (rc)
		return rc;
	if ((rc = check_version(r, c, expected)))
		return rc;
	Kart__Card *before = card_copy(r->arena, c);
	if (!before)
		return ENOMEM;
	touch(r, c);
	c->deleted_at = to_trash ? r->now / 1000000 : 0;
	c->deleted_by = to_trash ? r->who.user : (char *)"";
	if ((rc = card_commit(r, before, c, to_trash ? CARD_TRASHED : CARD_RESTORED)))
		return rc;
	if ((rc = audit_append(r, to_trash ? "card.delete" : "card.restore", "card", id, card_title(r->arena, c),
			       to_trash ? "moved to trash" : "restored from trash", true)))
		return rc;
	return reply_card(r, c);
}

int h_card_delete(struct req *r)
{
	return move_card(r, r->in->card_delete->id, r->in->card_delete->expected_version, true);
}

int h_card_restore(struct req *r)
{
	return move_card(r, r->in->card_restore->id, 0, false);
}

struct list_state {
	uint64_t after;
	uint32_t remaining;       /* 0: no limit */
	bool trash;
	/* a user who does not see every card lists the live ones through
	 * ix_owner, merging the ids of the owners they see: no card they will
	 * not be shown is read */
	bool by_owner;
	size_t nowners;
	char **owners;            /* in the stream's arena */
	uint64_t *heads;          /* each owner's next id after the last seek (0: seek again, UINT64_MAX: none) */
};

/* The next card id after `after` owned by one of st's owners (0: none).
 * Only an owner whose remembered next id is not past `after` is looked up
 * again: about one seek a card, however many owners a team has. */
static int next_owned_id(struct list_state *st, MDB_cursor *ix, uint64_t after, uint64_t *id)
{
	*id = 0;
	uint8_t want[8];
	store_u64_key(after + 1, want);
	for (size_t i = 0; i < st->nowners; i++) {
		if (st->heads[i] <= after) {
			MDB_val k = { strlen(st->owners[i]), st->owners[i] }, v = { 8, want };
			int rc = mdb_cursor_get(ix, &k, &v, MDB_GET_BOTH_RANGE);
			if (rc && rc != MDB_NOTFOUND)
				return rc;
			uint64_t c = rc == 0 && v.mv_size == 8 ? store_key_u64(v.mv_data) : 0;
			st->heads[i] = c > after ? c : UINT64_MAX;
		}
		if (st->heads[i] != UINT64_MAX && (!*id || st->heads[i] < *id))
			*id = st->heads[i];
	}
	return 0;
}

/* The next card of the list after st->after: by id from the table, or by
 * the owner index (an entry whose card is gone is passed over). *first: the
 * cursor is not positioned yet. Returns 0, MDB_NOTFOUND at the end, or an
 * LMDB error. */
static int next_card(struct list_state *st, MDB_cursor *cur, MDB_cursor *ix, bool *first, MDB_val *k, MDB_val *v,
		     uint8_t key[8])
{
	if (st->after == UINT64_MAX)
		return MDB_NOTFOUND;
	if (!st->by_owner) {
		if (!*first)
			return mdb_cursor_get(cur, k, v, MDB_NEXT);
		*first = false;
		store_u64_key(st->after + 1, key);
		k->mv_size = 8;
		k->mv_data = key;
		return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	}
	for (uint64_t after = st->after;;) {
		uint64_t id;
		int rc = next_owned_id(st, ix, after, &id);
		if (rc || !id)
			return rc ? rc : MDB_NOTFOUND;
		store_u64_key(id, key);
		k->mv_size = 8;
		k->mv_data = key;
		rc = mdb_cursor_get(cur, k, v, MDB_SET_KEY);
		if (rc != MDB_NOTFOUND)
			return rc;
		after = id;
	}
}

static bool list_page(struct stream *s, struct req *r)
{
	struct list_state *st = s->state;
	struct store *store = &r->srv->store;
	uint32_t want = r->cfg->page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	if (reads_check(r) != H_OK)
		return true; /* blocked or throttled for bulk reading since the last page */
	Kart__CardPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__Card **cards = arena_alloc(r->arena, want * sizeof(*cards));
	MDB_cursor *cur = NULL, *ix = NULL;
	if (!page || !cards || mdb_cursor_open(r->txn, st->trash ? store->trash : store->cards, &cur) ||
	    (st->by_owner && mdb_cursor_open(r->txn, store->ix_owner, &ix))) {
		if (cur)
			mdb_cursor_close(cur);
		req_no_memory(r);
		return true;
	}
	kart__card_page__init(page);
	page->cards = cards;
	uint8_t key[8];
	MDB_val k, v;
	bool first = true, more = false;
	int rc;
	while ((rc = next_card(st, cur, ix, &first, &k, &v, key)) == 0) {
		uint64_t id = store_key_u64(k.mv_data);
		if (page->n_cards == want || (page->n_cards && r->arena->used > PAGE_BYTES)) {
			more = true; /* this card starts the next page */
			break;
		}
		/* a card not to be shown is never decoded: it costs no memory */
		if (acl_visible_bytes(r, v.mv_data, v.mv_size)) {
			Kart__Card *c = kart__card__unpack(&r->arena->pb, v.mv_size, v.mv_data);
			if (!c && arena_exhausted(r->arena)) {
				/* no room left in this page: the card starts the next one */
				if (!page->n_cards)
					req_error(r, KART__ERROR_CODE__UNAVAILABLE, "",
						  "card %llu is too large to list; show it alone", (unsigned long long)id);
				more = true;
				break;
			}
			if (!c)
				log_err("card %llu does not decode; skipped", (unsigned long long)id);
			else if (acl_visible(r, c)) {
				acl_mask(r, c);
				cards[page->n_cards++] = c;
			}
		}
		st->after = id;
	}
	mdb_cursor_close(cur);
	if (ix)
		mdb_cursor_close(ix);
	if (rc && rc != MDB_NOTFOUND)
		req_store_error(r, rc, "list cards"); /* a page is whole or an error */
	if (r->out.body_case == KART__ENVELOPE__BODY_ERROR)
		return true;
	reads_record_cards(r, cards, page->n_cards, "card ls", READ_LISTED);
	bool last = !more;
	if (stream_limit_reached(&st->remaining, page->n_cards))
		last = true;
	r->out.body_case = KART__ENVELOPE__BODY_CARD_PAGE;
	r->out.card_page = page;
	return last;
}

int h_card_list(struct req *r)
{
	Kart__CardList *m = r->in->card_list;
	struct stream *s = stream_new(r, list_page);
	struct list_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		return req_no_memory(r);
	}
	memset(st, 0, sizeof(*st));
	st->after = m->after_id;
	st->remaining = m->limit;
	st->trash = m->trash;
	if (!m->trash && !acl_sees_all(r)) {
		st->by_owner = true;
		int rc = acl_scope_owners(r, &s->arena, &st->owners, &st->nowners);
		if (!rc && !(st->heads = arena_alloc(&s->arena, st->nowners * sizeof(*st->heads))))
			rc = ENOMEM;
		if (!rc)
			memset(st->heads, 0, st->nowners * sizeof(*st->heads));
		if (rc) {
			stream_free(s);
			return rc == ENOMEM ? req_no_memory(r) : rc;
		}
	}
	s->state = st;
	return req_stream(r, s);
}

/* Loads a live card for a change, checking the expected version. */
static int load_for_change(struct req *r, uint64_t id, uint64_t expected, Kart__Card **c, Kart__Card **before)
{
	int rc = card_load_visible(r, r->srv->store.cards, id, c, "edit");
	if (rc == MDB_NOTFOUND)
		return not_found(r, id, false);
	if (rc)
		return rc;
	if ((rc = check_version(r, *c, expected)))
		return rc;
	*before = card_copy(r->arena, *c);
	return *before ? H_OK : ENOMEM;
}

static int check_relative_text(struct req *r, const char *field, const char *v, size_t max, bool required)
{
	size_t len = v ? strlen(v) : 0;
	if (required && len == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s is required", field);
	if (req_check_text(r, field, v, strcmp(field, "note") == 0) != H_OK)
		return H_ABORT;
	if (len && !text_utf8_valid(v, len))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s: not valid UTF-8 text", field);
	if (len && text_utf8_chars(v, len) > max)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s is too long (at most %zu characters)", field, max);
	return H_OK;
}

int h_relative_add(struct req *r)
{
	Kart__RelativeAdd *m = r->in->relative_add;
	Kart__Relative *p = m->relative;
	if (!p)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "relative", "relative missing");
	int rc;
	if ((rc = check_relative_text(r, "name", p->name, 200, true)) ||
	    (rc = check_relative_text(r, "relation", p->relation, 64, true)) ||
	    (rc = check_relative_text(r, "note", p->note, 1000, false)))
		return rc;
	if (p->birthday && *p->birthday) {
		/* a year may be unknown: --MM-DD */
		const char *b = p->birthday;
		char full[11];
		snprintf(full, sizeof(full), "%s", b);
		if (strncmp(b, "--", 2) == 0 && strlen(b) == 7)
			snprintf(full, sizeof(full), "2000%s", b + 1);
		uint64_t seen = 0;
		Kart__Card probe = KART__CARD__INIT;
		if ((rc = card_set(r, &probe, "birthday", full, &seen))) {
			r->out.error->field = (char *)"birthday";
			return rc;
		}
	}
	Kart__Card *c = NULL, *before = NULL;
	if ((rc = load_for_change(r, m->card_id, m->expected_version, &c, &before)))
		return rc;
	if (c->n_relatives >= 50)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "relative", "at most 50 relatives per card");
	Kart__Relative **arr = arena_alloc(r->arena, (c->n_relatives + 1) * sizeof(*arr));
	if (!arr)
		return ENOMEM;
	if (c->n_relatives)
		memcpy(arr, c->relatives, c->n_relatives * sizeof(*arr));
	arr[c->n_relatives++] = p;
	c->relatives = arr;
	touch(r, c);
	if ((rc = card_commit(r, before, c, CARD_LIVE)))
		return rc;
	if ((rc = audit_append(r, "card.update", "card", c->id, card_title(r->arena, c),
			       arena_printf(r->arena, "relative added: %s (%s)", p->name, p->relation), true)))
		return rc;
	return reply_card(r, c);
}

int h_relative_remove(struct req *r)
{
	Kart__RelativeRemove *m = r->in->relative_remove;
	Kart__Card *c = NULL, *before = NULL;
	int rc;
	if ((rc = load_for_change(r, m->card_id, m->expected_version, &c, &before)))
		return rc;
	if (m->index < 1 || m->index > c->n_relatives)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "index", "card %" PRIu64 " has no relative %u (it has %zu)",
				 c->id, m->index, c->n_relatives);
	Kart__Relative *gone = c->relatives[m->index - 1];
	memmove(c->relatives + m->index - 1, c->relatives + m->index, (c->n_relatives - m->index) * sizeof(*c->relatives));
	c->n_relatives--;
	touch(r, c);
	if ((rc = card_commit(r, before, c, CARD_LIVE)))
		return rc;
	if ((rc = audit_append(r, "card.update", "card", c->id, card_title(r->arena, c),
			       arena_printf(r->arena, "relative removed: %s (%s)", gone->name, gone->relation), true)))
		return rc;
	return reply_card(r, c);
}

/* A merged card's last version, kept in its merge record: its history is
 * read under its own id, as it was when merged. */
static int load_merged(struct req *r, uint64_t id, Kart__Card **out)
{
	Kart__MergeRecord *rec;
	int rc = card_merge_record(r->txn, &r->srv->store, id, r->arena, &rec);
	if (rc)
		return rc;
	if (!rec->from_card)
		return MDB_CORRUPTED;
	if (!acl_visible(r, rec->from_card)) {
		acl_note_denied(r, id, "history");
		return MDB_NOTFOUND;
	}
	*out = rec->from_card;
	return 0;
}

/* Every stored version of card id, oldest first, ending with the current one
 * (a merged card's: the one it had when merged; *merged then says so). */
static int load_versions(struct req *r, uint64_t id, Kart__Card ***out, size_t *n, uint64_t *merged_into)
{
	struct store *st = &r->srv->store;
	Kart__Card *cur;
	*merged_into = 0;
	int rc = card_load_visible(r, st->cards, id, &cur, "history");
	if (rc == MDB_NOTFOUND)
		rc = card_load_visible(r, st->trash, id, &cur, "history");
	if (rc == MDB_NOTFOUND && (rc = load_merged(r, id, &cur)) == 0) {
		Kart__MergeRecord *rec;
		if ((rc = card_merge_record(r->txn, st, id, r->arena, &rec)))
			return rc;
		*merged_into = rec->into;
	}
	if (rc == MDB_NOTFOUND)
		return not_found(r, id, false);
	if (rc)
		return rc;
	size_t cap = 16, cnt = 0;
	Kart__Card **v = arena_alloc(r->arena, cap * sizeof(*v));
	MDB_cursor *cursor;
	if (!v || (rc = mdb_cursor_open(r->txn, st->history, &cursor)))
		return v ? rc : ENOMEM;
	uint8_t hk[16];
	card_history_key(id, 0, hk);
	MDB_val k = { 16, hk }, val;
	for (rc = mdb_cursor_get(cursor, &k, &val, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cursor, &k, &val, MDB_NEXT)) {
		if (k.mv_size != 16 || store_key_u64(k.mv_data) != id)
			break;
		Kart__Card *c = kart__card__unpack(&r->arena->pb, val.mv_size, val.mv_data);
		if (!c)
			continue;
		if (cnt + 1 >= cap) {
			Kart__Card **nv = arena_alloc(r->arena, cap * 2 * sizeof(*nv));
			if (!nv) {
				rc = ENOMEM;
				break;
			}
			memcpy(nv, v, cnt * sizeof(*nv));
			v = nv;
			cap *= 2;
		}
		v[cnt++] = c;
	}
	mdb_cursor_close(cursor);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	v[cnt++] = cur;
	*out = v;
	*n = cnt;
	return H_OK;
}

int h_card_history(struct req *r)
{
	Kart__Card **v;
	size_t n;
	uint64_t merged_into;
	int rc = load_versions(r, r->in->card_history->id, &v, &n, &merged_into);
	if (rc)
		return rc;
	bool mask = acl_masks(r, v[n - 1]);
	struct schema *sc = schema_for(r);
	if (mask && (rc = schema_sync(sc, r->txn, &r->srv->store)))
		return rc;
	Kart__HistoryPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__Version **vers = arena_alloc(r->arena, n * sizeof(*vers));
	if (!page || !vers)
		return ENOMEM;
	kart__history_page__init(page);
	for (size_t i = 0; i < n; i++) {
		Kart__Version *ver = arena_alloc(r->arena, sizeof(*ver));
		if (!ver)
			return ENOMEM;
		kart__version__init(ver);
		ver->version = v[i]->version;
		ver->at = i == 0 && v[i]->version == 1 ? v[i]->created_at : v[i]->updated_at;
		ver->by = i == 0 && v[i]->version == 1 ? v[i]->created_by : v[i]->updated_by;
		ver->n_changes = card_changes(r->arena, i ? v[i - 1] : NULL, v[i], &ver->changes);
		if (mask) {
			/* what the user may not see of the card, they may not see change either */
			for (size_t k = 0; k < ver->n_changes; k++)
				if (acl_field_sensitive(sc, ver->changes[k]->field)) {
					ver->changes[k]->old_value = *ver->changes[k]->old_value ? (char *)"***" : (char *)"";
					ver->changes[k]->new_value = *ver->changes[k]->new_value ? (char *)"***" : (char *)"";
				}
		}
		if (v[i]->deleted_at && (i == 0 || !v[i - 1]->deleted_at)) {
			Kart__Change *ch = arena_alloc(r->arena, sizeof(*ch));
			Kart__Change **na = arena_alloc(r->arena, (ver->n_changes + 1) * sizeof(*na));
			if (!ch || !na)
				return ENOMEM;
			kart__change__init(ch);
			ch->field = (char *)"trash";
			ch->old_value = (char *)"";
			ch->new_value = (char *)"moved to trash";
			if (ver->n_changes)
				memcpy(na, ver->changes, ver->n_changes * sizeof(*na));
			na[ver->n_changes++] = ch;
			ver->changes = na;
		}
		vers[page->n_versions++] = ver;
	}
	if (merged_into && page->n_versions) {
		/* the last version is the one the card had when it was merged */
		Kart__Version *ver = vers[page->n_versions - 1];
		Kart__Change *ch = arena_alloc(r->arena, sizeof(*ch));
		Kart__Change **na = arena_alloc(r->arena, (ver->n_changes + 1) * sizeof(*na));
		if (!ch || !na)
			return ENOMEM;
		kart__change__init(ch);
		ch->field = (char *)"merged";
		ch->old_value = (char *)"";
		ch->new_value = arena_printf(r->arena, "into card %" PRIu64, merged_into);
		if (ver->n_changes)
			memcpy(na, ver->changes, ver->n_changes * sizeof(*na));
		na[ver->n_changes++] = ch;
		ver->changes = na;
	}
	page->versions = vers;
	reads_record(r, &r->in->card_history->id, 1, "history", READ_OPENED);
	r->out.body_case = KART__ENVELOPE__BODY_HISTORY_PAGE;
	r->out.history_page = page;
	return H_OK;
}

int h_card_revert(struct req *r)
{
	Kart__CardRevert *m = r->in->card_revert;
	Kart__Card **v;
	size_t n;
	uint64_t merged_into;
	int rc = load_versions(r, m->id, &v, &n, &merged_into);
	if (rc)
		return rc;
	Kart__Card *cur = v[n - 1];
	if (merged_into)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "id",
				 "card %" PRIu64 " was merged into card %" PRIu64 "; `kart dup unmerge %" PRIu64 " %" PRIu64
				 "` brings it back",
				 cur->id, merged_into, merged_into, cur->id);
	if (cur->deleted_at)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "id", "card %" PRIu64 " is in the trash; restore it first",
				 cur->id);
	if ((rc = check_version(r, cur, m->expected_version)))
		return rc;
	Kart__Card *target = NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i]->version == m->to_version)
			target = v[i];
	if (!target)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "to_version", "card %" PRIu64 " has no version %" PRIu64,
				 cur->id, m->to_version);
	Kart__Card *before = card_copy(r->arena, cur);
	Kart__Card *c = card_copy(r->arena, target);
	if (!before || !c)
		return ENOMEM;
	/* what the server keeps stays as it is now */
	c->version = cur->version;
	c->created_at = cur->created_at;
	c->created_by = cur->created_by;
	c->last_touch_at = cur->last_touch_at;
	c->touches = cur->touches;
	c->total_purchases = cur->total_purchases;
	c->deleted_at = 0;
	c->deleted_by = (char *)"";
	if ((rc = keep_masked(r, cur, c)))
		return rc;
	if (strcmp(c->owner ? c->owner : "", cur->owner ? cur->owner : "") != 0 && (rc = check_owner(r, c)))
		return rc;
	const char *diff = card_diff(r->arena, before, c);
	if (!*diff)
		return reply_changed(r, before, cur, false);
	touch(r, c);
	if ((rc = card_commit(r, before, c, CARD_LIVE)))
		return rc;
	if ((rc = audit_append(r, "card.revert", "card", c->id, card_title(r->arena, c),
			       arena_printf(r->arena, "to version %" PRIu64 ": %s", m->to_version, diff), true)))
		return rc;
	return reply_changed(r, before, c, true);
}
