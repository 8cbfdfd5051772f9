/* h_alert: canary cards, the record of reads, alerts, unblocking bulk readers
 * (reads.h has the why). */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "kartd.h"
#include "reads.h"

#define SCAN_PER_PAGE 5000    /* records examined before a page is sent, even if short */
#define KEY_MAX (KART_NAME_MAX + 1 + 16)

/* ---- canaries (writer) ---- */

static void canary_done(struct wreq *w)
{
	reads_canaries_changed(w->r.srv);
}

int h_card_canary(struct req *r)
{
	Kart__CardCanary *m = r->in->card_canary;
	struct store *st = &r->srv->store;
	uint8_t key[8];
	store_u64_key(m->id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(r->txn, st->cards, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = mdb_get(r->txn, st->trash, &k, &v);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "id", "no card %" PRIu64, m->id);
	if (rc)
		return rc;
	bool was;
	if (m->off) {
		rc = mdb_del(r->txn, st->canaries, &k, NULL);
		was = rc == 0;
	} else {
		MDB_val empty = { 0, (void *)"" };
		rc = mdb_put(r->txn, st->canaries, &k, &empty, MDB_NOOVERWRITE);
		was = rc == MDB_KEYEXIST;
	}
	if (rc && rc != MDB_NOTFOUND && rc != MDB_KEYEXIST)
		return rc;
	const char *summary = m->off ? (was ? "no longer a canary" : "was not a canary")
				     : (was ? "was a canary already" : "marked as a canary");
	if ((rc = audit_append(r, m->off ? "card.canary_off" : "card.canary", "card", m->id, "", summary, true)))
		return rc;
	wreq_of(r)->done = canary_done;
	req_ok(r);
	return H_OK;
}

/* ---- unblocking (writer, then the loop) ---- */

static void unblock_done(struct wreq *w)
{
	if (w->r.out.body_case == KART__ENVELOPE__BODY_OK)
		reads_unblocked(w->r.srv, w->r.in->user_unblock->name);
}

int h_user_unblock(struct req *r)
{
	const char *name = r->in->user_unblock->name ? r->in->user_unblock->name : "";
	if (!*name || strlen(name) >= KART_NAME_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "give a user name");
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", name);
	if (rc)
		return rc;
	bool was = u->user->read_blocked;
	if (was) {
		u->user->read_blocked = false;
		if ((rc = user_save(r->txn, &r->srv->store, u)))
			return rc;
	}
	if ((rc = audit_append(r, "user.unblock", "user", 0, name, was ? "" : "was not blocked", true)))
		return rc;
	/* a throttle, and the count of cards read, end too (they live on the loop) */
	wreq_of(r)->done = unblock_done;
	req_ok(r);
	return H_OK;
}

/* ---- the record of reads (loop, streamed) ---- */

struct rq_state {
	bool by_user;
	uint8_t prefix[KART_NAME_MAX + 1];
	size_t plen;
	uint8_t bound[KEY_MAX];   /* the next record to send is before this key */
	size_t blen;
	uint64_t card;            /* by user: only this card (0: any) */
	char user[KART_NAME_MAX]; /* by card: only this user ("": any) */
	int64_t since_us;
	uint32_t remaining;       /* 0: no limit */
};

/* Reads a key of reads_by_card or reads_by_user. */
static bool parse_key(const struct rq_state *st, const MDB_val *k, uint64_t *card, int64_t *t, char *user)
{
	const uint8_t *p = k->mv_data;
	if (k->mv_size < st->plen || memcmp(p, st->prefix, st->plen) != 0)
		return false;
	if (st->by_user) {
		if (k->mv_size != st->plen + 16)
			return false;
		*t = (int64_t)store_key_u64(p + st->plen);
		*card = store_key_u64(p + st->plen + 8);
		memcpy(user, p, st->plen - 1);
		user[st->plen - 1] = '\0';
	} else {
		size_t ulen = k->mv_size - 16;
		if (k->mv_size < 16 || ulen >= KART_NAME_MAX)
			return false;
		*card = store_key_u64(p);
		*t = (int64_t)store_key_u64(p + 8);
		memcpy(user, p + 16, ulen);
		user[ulen] = '\0';
	}
	return true;
}

static bool read_page(struct stream *s, struct req *r)
{
	struct rq_state *st = s->state;
	uint32_t want = r->srv->cfg.page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__ReadPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__ReadRecord **recs = arena_alloc(r->arena, want * sizeof(*recs));
	MDB_cursor *cur = NULL;
	MDB_dbi dbi = st->by_user ? r->srv->store.reads_by_user : r->srv->store.reads_by_card;
	if (!page || !recs || mdb_cursor_open(r->txn, dbi, &cur)) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		return true;
	}
	kart__read_page__init(page);
	page->reads = recs;
	MDB_val k = { st->blen, st->bound }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	bool last = false;
	int scanned = 0;
	for (; rc == 0 && page->n_reads < want && scanned < SCAN_PER_PAGE;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV), scanned++) {
		uint64_t card;
		int64_t t;
		char user[KART_NAME_MAX];
		if (k.mv_size < st->plen || memcmp(k.mv_data, st->prefix, st->plen) != 0) {
			last = true; /* past the oldest record of this card or user */
			break;
		}
		if (k.mv_size > sizeof(st->bound))
			continue;
		memcpy(st->bound, k.mv_data, k.mv_size);
		st->blen = k.mv_size;
		if (!parse_key(st, &k, &card, &t, user))
			continue;
		if (st->since_us && t < st->since_us) {
			last = true; /* older from here on */
			break;
		}
		if ((st->card && card != st->card) || (st->user[0] && strcmp(user, st->user) != 0))
			continue;
		Kart__ReadRecord *rec = arena_alloc(r->arena, sizeof(*rec));
		char *how = arena_alloc(r->arena, v.mv_size + 1);
		if (!rec || !how)
			break;
		kart__read_record__init(rec);
		rec->card_id = card;
		rec->user = arena_strdup(r->arena, user);
		rec->time = t;
		memcpy(how, v.mv_data, v.mv_size);
		how[v.mv_size] = '\0';
		rec->how = how;
		if (!rec->user)
			break;
		recs[page->n_reads++] = rec;
	}
	if (rc != 0)
		last = true;
	mdb_cursor_close(cur);
	if (st->remaining) {
		st->remaining -= (uint32_t)page->n_reads;
		if (st->remaining == 0)
			last = true;
	}
	r->out.body_case = KART__ENVELOPE__BODY_READ_PAGE;
	r->out.read_page = page;
	return last;
}

int h_read_query(struct req *r)
{
	Kart__ReadQuery *m = r->in->read_query;
	const char *user = m->user ? m->user : "";
	if (!m->card_id && !*user)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "card_id", "give a card (--card) or a user (--user)");
	if (strlen(user) >= KART_NAME_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "user", "no such user");
	if (m->since < 0 || m->until < 0 || m->since > INT64_MAX / 1000000 || m->until > INT64_MAX / 1000000)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, m->since < 0 || m->since > INT64_MAX / 1000000 ? "since" : "until",
				 "time out of range");
	if (m->until && m->since && m->until <= m->since)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "until", "the time range is empty");
	struct stream *s = stream_new(r, read_page);
	struct rq_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	}
	memset(st, 0, sizeof(*st));
	st->since_us = m->since * 1000000;
	st->remaining = m->limit;
	if (*user) {
		/* what this user saw (of this card only, if given) */
		st->by_user = true;
		size_t n = strlen(user);
		memcpy(st->prefix, user, n);
		st->prefix[n] = 0;
		st->plen = n + 1;
		st->card = m->card_id;
	} else {
		store_u64_key(m->card_id, st->prefix);
		st->plen = 8;
	}
	memcpy(st->bound, st->prefix, st->plen);
	if (m->until)
		store_u64_key((uint64_t)(m->until * 1000000), st->bound + st->plen);
	else
		memset(st->bound + st->plen, 0xFF, 8);
	st->blen = st->plen + 8;
	s->state = st;
	conn_add_stream(r->conn, s);
	return H_DEFER;
}

/* ---- alerts (loop, streamed): audit events of severity alert, newest first ---- */

struct aq_state {
	uint64_t before;          /* next alert to send is before this seq; 0: from the newest */
	int64_t since_us;
	uint32_t remaining;
};

static bool alert_page(struct stream *s, struct req *r)
{
	struct aq_state *st = s->state;
	struct store *store = &r->srv->store;
	uint32_t want = r->srv->cfg.page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__AuditPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__AuditEvent **events = arena_alloc(r->arena, want * sizeof(*events));
	MDB_cursor *cur = NULL;
	if (!page || !events || mdb_cursor_open(r->txn, store->alerts, &cur)) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		return true;
	}
	kart__audit_page__init(page);
	page->events = events;
	MDB_val k, v;
	int rc;
	if (st->before == 0) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	} else {
		uint8_t key[8];
		store_u64_key(st->before, key);
		k.mv_size = 8;
		k.mv_data = key;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	bool last = false;
	for (; rc == 0 && page->n_events < want; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (page->n_events && r->arena->used > PAGE_BYTES)
			break;
		if (k.mv_size != 8)
			continue;
		st->before = store_key_u64(k.mv_data);
		MDB_val ak = { 8, k.mv_data }, av;
		if (mdb_get(r->txn, store->audit, &ak, &av) != 0)
			continue;
		Kart__AuditEvent *e = audit_decode(&av, &r->arena->pb);
		if (!e)
			continue;
		if (st->since_us && e->time < st->since_us) {
			last = true;
			break;
		}
		events[page->n_events++] = e;
	}
	if (rc != 0 || st->before <= 1)
		last = true;
	mdb_cursor_close(cur);
	if (st->remaining) {
		st->remaining -= (uint32_t)page->n_events;
		if (st->remaining == 0)
			last = true;
	}
	r->out.body_case = KART__ENVELOPE__BODY_AUDIT_PAGE;
	r->out.audit_page = page;
	return last;
}

int h_alert_query(struct req *r)
{
	Kart__AlertQuery *m = r->in->alert_query;
	if (m->since < 0 || m->since > INT64_MAX / 1000000)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "since", "time out of range");
	struct stream *s = stream_new(r, alert_page);
	struct aq_state *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	}
	memset(st, 0, sizeof(*st));
	st->since_us = m->since * 1000000;
	st->remaining = m->limit;
	s->state = st;
	conn_add_stream(r->conn, s);
	return H_DEFER;
}
