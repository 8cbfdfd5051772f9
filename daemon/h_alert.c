/* h_alert: canary cards, the record of reads, alerts, unblocking bulk readers
 * (reads.h has the why). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "audit.h"
#include "card.h"
#include "export.h"
#include "handlers.h"
#include "reads.h"
#include "req.h"
#include "user.h"
#include "writer.h"

#define SCAN_PER_PAGE 5000    /* records examined before a page is sent, even if short */
#define KEY_MAX (KART_NAME_MAX + 1 + 17)

/* ---- canaries ---- */

#define CANARY_LIST_MAX 10000

/* Loop: the cards marked as canaries, live or in the trash. Not recorded as
 * reads (the admin who planted them is looking at the list, not the cards). */
int h_canary_list(struct req *r)
{
	struct store *st = &r->srv->store;
	Kart__CanaryPage *page = arena_alloc(r->arena, sizeof(*page));
	MDB_cursor *cur;
	if (!page)
		return ENOMEM;
	kart__canary_page__init(page);
	int rc = mdb_cursor_open(r->txn, st->canaries, &cur);
	if (rc)
		return rc;
	MDB_stat ms;
	size_t cap = mdb_stat(r->txn, st->canaries, &ms) == 0 ? ms.ms_entries : 0;
	if (cap > CANARY_LIST_MAX)
		cap = CANARY_LIST_MAX;
	page->canaries = arena_alloc(r->arena, (cap ? cap : 1) * sizeof(*page->canaries));
	if (!page->canaries) {
		mdb_cursor_close(cur);
		return ENOMEM;
	}
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && page->n_canaries < cap;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8)
			continue;
		uint64_t id = store_key_u64(k.mv_data);
		Kart__CanaryCard *cc = arena_alloc(r->arena, sizeof(*cc));
		if (!cc) {
			rc = ENOMEM;
			break;
		}
		kart__canary_card__init(cc);
		cc->id = id;
		Kart__Card *c;
		int g = card_load_brief(r->txn, st->cards, id, r->arena, &c);
		if (g == MDB_NOTFOUND && (g = card_load_brief(r->txn, st->trash, id, r->arena, &c)) == 0)
			cc->in_trash = true;
		if (g == 0)
			cc->name = (char *)card_title(r->arena, c);
		else if (g != MDB_NOTFOUND) {
			rc = g;
			break;
		}
		page->canaries[page->n_canaries++] = cc;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_CANARY_PAGE;
	r->out.canary_page = page;
	return H_OK;
}

/* ---- marking canaries (writer) ---- */

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
	uint8_t prefix[KART_NAME_MAX + 1]; /* by user: user \0 */
	size_t plen;
	uint8_t bound[KEY_MAX];   /* by user: the next record to send is before this key */
	size_t blen;
	uint64_t card;            /* by user: only this card (0: any); by card: the card */
	int64_t since_us, until_us;
	uint32_t remaining;       /* 0: no limit */
	/* by card */
	uint8_t bkey[12];         /* the block being read; the next one is before it */
	bool bkey_set;
	uint32_t bpos, blo;       /* the card's entries in it still to send: [blo, bpos) */
	uint64_t xnext;           /* the next export to look in, downwards (0: none left) */
};

/* One record about to be sent: a read, or an export (export_id set). */
struct rq_rec {
	uint64_t card, export_id, cards;
	int64_t t;
	char user[KART_NAME_MAX];
	const char *how;
	size_t how_len;
};

/* What a page works with. */
struct rq_page {
	struct rq_state *st;
	struct req *r;
	MDB_cursor *cur;
	int budget;               /* keys and blocks examined before a page is sent, even if short */
	bool have_blk;            /* blk is st->bkey's */
	struct read_block blk;
	uint8_t rkey[KEY_MAX];    /* by user: the key of the record peeked */
	size_t rklen;
};

/* Whether export xid holds card (0: any card), and how many cards it has. */
static bool export_holds(MDB_txn *txn, struct store *store, uint64_t xid, uint64_t card, uint64_t *ncards)
{
	MDB_val v;
	struct export_blob b;
	if (store_get_id(txn, store->export_cards, xid, &v) != 0 || export_blob_view(v.mv_data, v.mv_size, &b) < 0)
		return false;
	*ncards = b.ncards;
	return !card || export_blob_has(&b, card);
}

/* By user: the next record (newest first) into *x without taking it. Returns
 * 1 found, 0 none left, -1 when the page's budget ran out first. */
static int peek_user(struct rq_page *pg, struct rq_rec *x)
{
	struct rq_state *st = pg->st;
	MDB_val k = { st->blen, st->bound }, v;
	int rc = mdb_cursor_get(pg->cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(pg->cur, &k, &v, MDB_PREV) : mdb_cursor_get(pg->cur, &k, &v, MDB_LAST);
	for (; rc == 0; rc = mdb_cursor_get(pg->cur, &k, &v, MDB_PREV)) {
		const uint8_t *p = k.mv_data;
		if (k.mv_size < st->plen || memcmp(p, st->prefix, st->plen) != 0)
			return 0; /* past the oldest record of this user */
		if (--pg->budget < 0)
			return -1;
		if (k.mv_size > sizeof(st->bound))
			continue; /* not a record of ours */
		bool exp = k.mv_size == st->plen + 17 && p[st->plen + 16] == READS_EXPORT_MARK;
		bool ok = k.mv_size == st->plen + 16 || exp;
		memset(x, 0, sizeof(*x));
		if (ok) {
			x->t = (int64_t)store_key_u64(p + st->plen);
			x->card = store_key_u64(p + st->plen + 8);
			if (st->since_us && x->t < st->since_us)
				return 0; /* older from here on */
			if (exp) {
				x->export_id = x->card;
				x->card = st->card;
				ok = export_holds(pg->r->txn, &pg->r->srv->store, x->export_id, st->card, &x->cards);
			} else {
				ok = !st->card || x->card == st->card;
			}
		}
		if (!ok) {
			/* not one to send: the next page need not look at it again */
			memcpy(st->bound, p, k.mv_size);
			st->blen = k.mv_size;
			continue;
		}
		memcpy(x->user, p, st->plen - 1);
		x->user[st->plen - 1] = '\0';
		x->how = v.mv_data;
		x->how_len = v.mv_size;
		memcpy(pg->rkey, p, k.mv_size);
		pg->rklen = k.mv_size;
		return 1;
	}
	return 0;
}

/* By card: the same from the blocks of read_blocks, newest first. */
static int peek_card(struct rq_page *pg, struct rq_rec *x)
{
	struct rq_state *st = pg->st;
	struct store *store = &pg->r->srv->store;
	MDB_val k, v;
	for (;;) {
		if (st->bpos > st->blo) {
			if (!pg->have_blk) {
				k.mv_size = 12;
				k.mv_data = st->bkey;
				if (mdb_get(pg->r->txn, store->read_blocks, &k, &v) != 0 ||
				    read_block_view(v.mv_data, v.mv_size, &pg->blk) < 0 || st->bpos > pg->blk.n) {
					st->bpos = st->blo = 0; /* pruned meanwhile */
					continue;
				}
				pg->have_blk = true;
			}
			struct read_entry e;
			read_block_entry(&pg->blk, st->bpos - 1, &e);
			if (st->since_us && e.t < st->since_us) {
				st->bpos = st->blo; /* older still in this block; the next may hold newer (a clock step) */
				continue;
			}
			if ((st->until_us && e.t >= st->until_us) || e.user_len >= KART_NAME_MAX) {
				st->bpos--;
				continue;
			}
			memset(x, 0, sizeof(*x));
			x->card = e.card;
			x->t = e.t;
			memcpy(x->user, e.user, e.user_len);
			x->user[e.user_len] = '\0';
			x->how = e.how;
			x->how_len = e.how_len;
			return 1;
		}
		/* the block before */
		if (--pg->budget < 0)
			return -1;
		int rc;
		if (!st->bkey_set) {
			rc = mdb_cursor_get(pg->cur, &k, &v, MDB_LAST);
		} else {
			k.mv_size = 12;
			k.mv_data = st->bkey;
			rc = mdb_cursor_get(pg->cur, &k, &v, MDB_SET_RANGE);
			rc = rc == 0 ? mdb_cursor_get(pg->cur, &k, &v, MDB_PREV) : mdb_cursor_get(pg->cur, &k, &v, MDB_LAST);
		}
		if (rc != 0)
			return 0;
		if (k.mv_size != 12)
			return 0;
		memcpy(st->bkey, k.mv_data, 12);
		st->bkey_set = true;
		st->bpos = st->blo = 0;
		pg->have_blk = false;
		if (st->since_us && (int64_t)store_key_u64(st->bkey) < st->since_us)
			return 0; /* its newest read is older: so is every block before it */
		if (read_block_view(v.mv_data, v.mv_size, &pg->blk) < 0)
			continue;
		pg->have_blk = true;
		st->blo = read_block_lower(&pg->blk, st->card);
		st->bpos = st->card == UINT64_MAX ? pg->blk.n : read_block_lower(&pg->blk, st->card + 1);
	}
}

/* By card: the newest export from st->xnext down that holds the card (within
 * the time range) into *x. Returns 1 found, 0 none left, -1 when the page's
 * budget ran out first. */
static int peek_export(struct rq_page *pg, struct arena *scratch, struct rq_rec *x)
{
	struct rq_state *st = pg->st;
	struct req *r = pg->r;
	struct store *store = &r->srv->store;
	for (; st->xnext; st->xnext--) {
		if (--pg->budget < 0)
			return -1;
		uint64_t n;
		if (!export_holds(r->txn, store, st->xnext, st->card, &n))
			continue;
		uint8_t key[8];
		store_u64_key(st->xnext, key);
		MDB_val k = { 8, key }, v;
		if (mdb_get(r->txn, store->exports, &k, &v) != 0)
			continue;
		arena_reset(scratch);
		Kart__ExportRecord *e = kart__export_record__unpack(&scratch->pb, v.mv_size, v.mv_data);
		if (!e)
			continue;
		int64_t t = e->time * 1000000;
		if (st->since_us && t < st->since_us) {
			st->xnext = 0; /* older from here on */
			return 0;
		}
		if (st->until_us && t >= st->until_us)
			continue;
		memset(x, 0, sizeof(*x));
		x->card = st->card;
		x->export_id = st->xnext;
		x->cards = n;
		x->t = t;
		snprintf(x->user, sizeof(x->user), "%s", e->user ? e->user : "");
		/* a report's record is one too (h_report.c) */
		x->how = export_is_report(e) ? "report" : "export";
		x->how_len = 6;
		return 1;
	}
	return 0;
}

static bool put_record(struct req *r, Kart__ReadPage *page, const struct rq_rec *x)
{
	Kart__ReadRecord *rec = arena_alloc(r->arena, sizeof(*rec));
	char *how = arena_alloc(r->arena, x->how_len + 1);
	char *user = arena_strdup(r->arena, x->user);
	if (!rec || !how || !user)
		return false;
	kart__read_record__init(rec);
	rec->card_id = x->card;
	rec->user = user;
	rec->time = x->t;
	memcpy(how, x->how, x->how_len);
	how[x->how_len] = '\0';
	rec->how = how;
	rec->export_id = x->export_id;
	rec->cards = x->cards;
	page->reads[page->n_reads++] = rec;
	return true;
}

/* A page of reads, newest first. By card, the exports that hold the card are
 * merged in by time (an export is one record of its own: reads.h). */
static bool read_page(struct stream *s, struct req *r)
{
	struct rq_state *st = s->state;
	uint32_t want = r->cfg->page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__ReadPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__ReadRecord **recs = arena_alloc(r->arena, want * sizeof(*recs));
	struct rq_page pg = { .st = st, .r = r, .budget = SCAN_PER_PAGE };
	MDB_dbi dbi = st->by_user ? r->srv->store.reads_by_user : r->srv->store.read_blocks;
	if (!page || !recs || mdb_cursor_open(r->txn, dbi, &pg.cur)) {
		req_no_memory(r);
		return true;
	}
	kart__read_page__init(page);
	page->reads = recs;
	struct arena scratch;
	arena_init(&scratch, 0);
	struct rq_rec rr, x;
	int rs = 2, xs = st->xnext ? 2 : 0; /* 2: not looked for yet, 1: peeked, 0: none left, -1: out of budget */
	while (page->n_reads < want) {
		if (rs == 2)
			rs = st->by_user ? peek_user(&pg, &rr) : peek_card(&pg, &rr);
		if (xs == 2)
			xs = peek_export(&pg, &scratch, &x);
		if (rs < 0 || xs < 0)
			break; /* the next page goes on from here */
		if (rs == 1 && (xs != 1 || rr.t >= x.t)) {
			if (!put_record(r, page, &rr))
				break;
			if (st->by_user) {
				memcpy(st->bound, pg.rkey, pg.rklen);
				st->blen = pg.rklen;
			} else {
				st->bpos--;
			}
			rs = 2;
		} else if (xs == 1) {
			if (!put_record(r, page, &x))
				break;
			st->xnext--;
			xs = st->xnext ? 2 : 0;
		} else {
			break; /* nothing left */
		}
	}
	bool last = rs == 0 && xs == 0;
	mdb_cursor_close(pg.cur);
	arena_free(&scratch);
	if (stream_limit_reached(&st->remaining, page->n_reads))
		last = true;
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
		return req_no_memory(r);
	}
	memset(st, 0, sizeof(*st));
	st->since_us = m->since * 1000000;
	st->until_us = m->until * 1000000;
	st->remaining = m->limit;
	if (*user) {
		/* what this user saw (of this card only, if given) */
		st->by_user = true;
		size_t n = strlen(user);
		memcpy(st->prefix, user, n);
		st->prefix[n] = 0;
		st->plen = n + 1;
		st->card = m->card_id;
		memcpy(st->bound, st->prefix, st->plen);
		if (m->until)
			store_u64_key((uint64_t)st->until_us, st->bound + st->plen);
		else
			memset(st->bound + st->plen, 0xFF, 8);
		st->blen = st->plen + 8;
	} else {
		st->card = m->card_id;
		MDB_cursor *cur;
		MDB_val k, v;
		if (m->until && mdb_cursor_open(r->txn, r->srv->store.read_blocks, &cur) == 0) {
			/* from the first block with reads at or after until (it may
			 * hold earlier ones too): the blocks before the one after it */
			uint8_t key[12] = { 0 };
			store_u64_key((uint64_t)st->until_us, key);
			k.mv_size = 12;
			k.mv_data = key;
			if (mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0 &&
			    k.mv_size == 12) {
				memcpy(st->bkey, k.mv_data, 12);
				st->bkey_set = true;
			}
			mdb_cursor_close(cur);
		}
		/* the exports that hold the card are looked for from the newest down */
		if (mdb_cursor_open(r->txn, r->srv->store.exports, &cur) == 0) {
			if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
				st->xnext = store_key_u64(k.mv_data);
			mdb_cursor_close(cur);
		}
	}
	s->state = st;
	return req_stream(r, s);
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
	uint32_t want = r->cfg->page_size;
	if (st->remaining && st->remaining < want)
		want = st->remaining;
	Kart__AuditPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__AuditEvent **events = arena_alloc(r->arena, want * sizeof(*events));
	MDB_cursor *cur = NULL;
	if (!page || !events || mdb_cursor_open(r->txn, store->alerts, &cur)) {
		req_no_memory(r);
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
	if (stream_limit_reached(&st->remaining, page->n_events))
		last = true;
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
		return req_no_memory(r);
	}
	memset(st, 0, sizeof(*st));
	st->since_us = m->since * 1000000;
	st->remaining = m->limit;
	s->state = st;
	return req_stream(r, s);
}
