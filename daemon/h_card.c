/* h_card: create, get, update, delete (to the trash), restore, list. */
#include <inttypes.h>
#include <string.h>

#include "audit.h"
#include "card.h"
#include "kartd.h"

static int reply_card(struct req *r, Kart__Card *c)
{
	r->out.body_case = KART__ENVELOPE__BODY_CARD;
	r->out.card = c;
	return H_OK;
}

static int not_found(struct req *r, uint64_t id, bool trash)
{
	return req_error(r, KART__ERROR_CODE__NOT_FOUND, "id", "no card %" PRIu64 "%s", id, trash ? " in the trash" : "");
}

static int check_owner(struct req *r, const Kart__Card *c)
{
	if (!c->owner || !*c->owner)
		return H_OK;
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, c->owner, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "owner", "owner: no user %.64s", c->owner);
	return rc;
}

int h_card_create(struct req *r)
{
	Kart__CardCreate *m = r->in->card_create;
	Kart__Card *c = arena_alloc(r->arena, sizeof(*c));
	if (!c)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__card__init(c);
	uint64_t seen = 0;
	for (size_t i = 0; i < m->n_fields; i++) {
		int rc = card_set(r, c, m->fields[i]->field, m->fields[i]->value, &seen);
		if (rc)
			return rc;
	}
	int rc = card_validate(r, c);
	if (rc)
		return rc;
	if (!c->owner || !*c->owner)
		c->owner = r->who.user;
	if ((rc = check_owner(r, c)))
		return rc;
	uint64_t next = 0;
	rc = store_meta_get_u64(r->txn, &r->srv->store, "next_card_id", &next);
	if (rc == MDB_NOTFOUND)
		next = 1;
	else if (rc)
		return rc;
	if ((rc = store_meta_put_u64(r->txn, &r->srv->store, "next_card_id", next + 1)))
		return rc;
	c->id = next;
	c->version = 1;
	c->created_at = c->updated_at = r->now / 1000000;
	c->created_by = c->updated_by = r->who.user;
	if ((rc = card_save(r->txn, r->srv->store.cards, c, r->arena)))
		return rc;
	if ((rc = audit_append(r, "card.create", "card", c->id, card_title(r->arena, c), card_diff(r->arena, NULL, c), true)))
		return rc;
	return reply_card(r, c);
}

int h_card_get(struct req *r)
{
	Kart__CardGet *m = r->in->card_get;
	uint8_t key[8];
	store_u64_key(m->id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(r->txn, m->trash ? r->srv->store.trash : r->srv->store.cards, &k, &v);
	if (rc == MDB_NOTFOUND)
		return not_found(r, m->id, m->trash);
	if (rc)
		return rc;
	/* the stored bytes are the Card message: no decode, no re-encode */
	return req_reply_packed(r, KART__ENVELOPE__BODY_CARD, v.mv_data, v.mv_size);
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
	int rc = card_load(r->txn, r->srv->store.cards, m->id, r->arena, &c);
	if (rc == MDB_NOTFOUND)
		return not_found(r, m->id, false);
	if (rc)
		return rc;
	if ((rc = check_version(r, c, m->expected_version)))
		return rc;
	if (m->n_set == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "set", "nothing to change");
	Kart__Card *before = card_copy(r->arena, c);
	if (!before)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	uint64_t seen = 0;
	for (size_t i = 0; i < m->n_set; i++)
		if ((rc = card_set(r, c, m->set[i]->field, m->set[i]->value, &seen)))
			return rc;
	if ((rc = card_validate(r, c)))
		return rc;
	if (c->owner && strcmp(c->owner, before->owner ? before->owner : "") != 0 && (rc = check_owner(r, c)))
		return rc;
	const char *diff = card_diff(r->arena, before, c);
	if (!*diff)
		return reply_card(r, c); /* nothing changed: no new version */
	touch(r, c);
	if ((rc = card_save(r->txn, r->srv->store.cards, c, r->arena)))
		return rc;
	if ((rc = audit_append(r, "card.update", "card", c->id, card_title(r->arena, c), diff, true)))
		return rc;
	return reply_card(r, c);
}

/* Moves a card between the live table and the trash. */
static int move_card(struct req *r, uint64_t id, uint64_t expected, bool to_trash)
{
	struct store *st = &r->srv->store;
	MDB_dbi from = to_trash ? st->cards : st->trash, to = to_trash ? st->trash : st->cards;
	Kart__Card *c;
	int rc = card_load(r->txn, from, id, r->arena, &c);
	if (rc == MDB_NOTFOUND)
		return not_found(r, id, !to_trash);
	if (rc)
		return rc;
	if ((rc = check_version(r, c, expected)))
		return rc;
	touch(r, c);
	c->deleted_at = to_trash ? r->now / 1000000 : 0;
	c->deleted_by = to_trash ? r->who.user : (char *)"";
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key };
	if ((rc = mdb_del(r->txn, from, &k, NULL)) || (rc = card_save(r->txn, to, c, r->arena)))
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
};

static bool list_page(struct stream *s, struct req *r)
{
	struct list_state *st = s->state;
	struct store *store = &r->srv->store;
	uint32_t want = r->srv->cfg.page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__CardPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__Card **cards = arena_alloc(r->arena, want * sizeof(*cards));
	MDB_cursor *cur = NULL;
	if (!page || !cards || mdb_cursor_open(r->txn, st->trash ? store->trash : store->cards, &cur)) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		return true;
	}
	kart__card_page__init(page);
	page->cards = cards;
	uint8_t key[8];
	store_u64_key(st->after + 1, key);
	MDB_val k = { 8, key }, v;
	int rc = st->after == UINT64_MAX ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && page->n_cards < want; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__Card *c = kart__card__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		st->after = store_key_u64(k.mv_data);
		if (c)
			cards[page->n_cards++] = c;
	}
	/* is there more after this page? */
	bool last = rc != 0;
	mdb_cursor_close(cur);
	if (st->remaining) {
		st->remaining -= (uint32_t)page->n_cards;
		if (st->remaining == 0)
			last = true;
	}
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
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	}
	st->after = m->after_id;
	st->remaining = m->limit;
	st->trash = m->trash;
	s->state = st;
	conn_add_stream(r->conn, s);
	return H_DEFER;
}
