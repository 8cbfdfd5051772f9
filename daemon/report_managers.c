/* report_managers: `kart report managers [--period P]` — what each manager
 * did over the cards of the caller's scope (and a --where) in a period: the
 * contacts and purchases they logged, the cards they created, the deals they
 * own that were opened, won and lost, their reminders done and overdue now,
 * their last activity, and their touches day by day.
 *
 * Who is counted for what:
 *   calls, meetings, emails, notes, purchases: timeline entries dated in the
 *     period, by their author;
 *   new_cards: cards created in the period, by created_by;
 *   deals_opened: deals created in the period, by the deal's owner;
 *   deals_won / deals_lost / won_amount: deals whose stage is now "won" or
 *     "lost" and who reached it (their last visit there, in the stage
 *     history) in the period, by owner;
 *   reminders_done: reminders marked done in the period (done_at; one done
 *     before that was kept counts at its due time), by the reminder's owner;
 *   reminders_overdue: open reminders due before now, by owner;
 *   last_activity: the day of the manager's latest entry, card created, deal
 *     created or changed, or reminder done, before the period's end;
 *   daily: entries (all five kinds) per day, over the period's last
 *     SERIES_MAX days.
 * Always only on live cards in scope that the --where matches. The rows: each
 * user with a non-zero count, and, for a caller who does not see every card,
 * each owner of their scope (themselves, their team) even with zeros; by name.
 *
 * The walks: the cards (without --where none is decoded: an admin's walk
 * reads their creation from the stored bytes; a manager's or supervisor's
 * ids come from ix_owner and each of those cards' bytes is read), giving a
 * sorted array of the ids in scope; then `timeline` in key order,
 * seeking past cards out of scope, reading an entry's kind and author only
 * when its time (from the key) is before the period's end; then `deals`,
 * `reminders` (up to now) and `reminders_done`, each checked against the ids. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "report.h"

#define PERIOD_DEFAULT 30   /* days */
#define SERIES_MAX 60       /* days in the sparkline */
#define RENEW_EVERY 4096

enum { C_CALL, C_MEETING, C_EMAIL, C_NOTE, C_PURCHASE, C_NEW_CARDS, C_OPENED, C_WON, C_LOST, C_DONE, C_OVERDUE, C_N };

static const struct rcol cols[] = {
	{ "manager", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "calls", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "meetings", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "emails", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "notes", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "purchases", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "new_cards", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "deals_opened", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "deals_won", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "deals_lost", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "won_amount", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "conversion", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "reminders_done", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "reminders_overdue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "last_activity", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DATE },
	{ "daily", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_SERIES },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

struct mopt {
	int64_t from, to;           /* the period, days [from, to) */
};

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	if (q->days || *q->at || *q->window || *q->by || *q->owner || *q->min_total || *q->save_segment ||
	    *q->to_field)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "a managers report takes only --period and --where");
	struct mopt *o = calloc(1, sizeof(*o));
	if (!o)
		return req_no_memory(r);
	j->opt = o;
	const char *why;
	if (report_period(q->period, j->today, PERIOD_DEFAULT, &o->from, &o->to, &why) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "period", "period: '%.40s': %s", q->period, why);
	return H_OK;
}

/* ---- reading single fields of a stored message ---- */

struct pbf {
	uint32_t field;
	bool seen;
	uint64_t v;                 /* varint */
	const uint8_t *p;           /* length-delimited */
	size_t n;
};

static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/* The fields f[0..nf) (ascending numbers) of the message in[0..len). The
 * server's messages are packed by protobuf-c, in field number order, so the
 * scan stops past the last one wanted. */
static void peek(const uint8_t *p, size_t len, struct pbf *f, size_t nf)
{
	const uint8_t *end = p + len;
	uint32_t last = f[nf - 1].field;
	for (size_t i = 0; i < nf; i++)
		f[i].seen = false;
	while (p < end) {
		uint64_t key, v;
		if (!varint(&p, end, &key))
			return;
		uint32_t num = (uint32_t)(key >> 3);
		if (num > last)
			return;
		struct pbf *hit = NULL;
		for (size_t i = 0; i < nf; i++)
			if (f[i].field == num)
				hit = &f[i];
		switch (key & 7) {
		case 0:
			if (!varint(&p, end, &v))
				return;
			if (hit) {
				hit->seen = true;
				hit->v = v;
			}
			break;
		case 1:
			if (end - p < 8)
				return;
			p += 8;
			break;
		case 2:
			if (!varint(&p, end, &v) || v > (uint64_t)(end - p))
				return;
			if (hit) {
				hit->seen = true;
				hit->p = p;
				hit->n = (size_t)v;
			}
			p += v;
			break;
		case 5:
			if (end - p < 4)
				return;
			p += 4;
			break;
		default:
			return;
		}
	}
}

/* ---- the managers ---- */

struct mgr {
	char *name;
	int64_t n[C_N];
	int64_t won_amount;
	int64_t last;               /* unix seconds of the latest activity, 0: none */
	uint32_t *daily;            /* sdays counts */
	bool always;                /* an owner of the caller's scope: a row even with zeros */
};

struct mrun {
	struct rrun *x;
	struct rjob *j;
	int64_t from, to;           /* days */
	int64_t lo, hi;             /* unix seconds surely before from / surely at or after to */
	int64_t sfrom, sdays;       /* the series: days [sfrom, sfrom + sdays) */
	struct mgr *m;
	size_t nm, capm;
	int32_t *slots;             /* hash of names -> index into m, -1 empty */
	size_t nslots;
	uint64_t *ids;              /* the cards in scope, ascending */
	size_t nids, capids;
	struct arena names;
	bool oom;
	bool overflow;              /* a manager's won amount went past INT64_MAX */
};

static uint64_t hash(const uint8_t *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

static bool rehash(struct mrun *b, size_t nslots)
{
	int32_t *s = malloc(nslots * sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < nslots; i++)
		s[i] = -1;
	for (size_t k = 0; k < b->nm; k++) {
		size_t i = hash((const uint8_t *)b->m[k].name, strlen(b->m[k].name)) & (nslots - 1);
		while (s[i] >= 0)
			i = (i + 1) & (nslots - 1);
		s[i] = (int32_t)k;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = nslots;
	return true;
}

/* The manager named s[0..n), added when new; NULL when out of memory or nameless. */
static struct mgr *manager(struct mrun *b, const void *s, size_t n)
{
	if (!n || b->oom)
		return NULL;
	size_t i = hash(s, n) & (b->nslots - 1);
	for (; b->slots[i] >= 0; i = (i + 1) & (b->nslots - 1)) {
		struct mgr *m = &b->m[b->slots[i]];
		if (strncmp(m->name, s, n) == 0 && m->name[n] == '\0')
			return m;
	}
	if (b->nm == b->capm) {
		size_t cap = b->capm ? 2 * b->capm : 16;
		struct mgr *nm = realloc(b->m, cap * sizeof(*nm));
		if (!nm) {
			b->oom = true;
			return NULL;
		}
		b->m = nm;
		b->capm = cap;
	}
	struct mgr *m = &b->m[b->nm];
	*m = (struct mgr){ 0 };
	m->name = arena_alloc(&b->names, n + 1);
	m->daily = b->sdays ? arena_alloc(&b->names, (size_t)b->sdays * sizeof(*m->daily)) : NULL;
	if (!m->name || (b->sdays && !m->daily)) {
		b->oom = true;
		return NULL;
	}
	memcpy(m->name, s, n);
	m->name[n] = '\0';
	if (b->sdays)
		memset(m->daily, 0, (size_t)b->sdays * sizeof(*m->daily));
	b->slots[i] = (int32_t)b->nm++;
	if (2 * b->nm > b->nslots && !rehash(b, 2 * b->nslots)) {
		b->oom = true;
		return NULL;
	}
	return &b->m[b->nm - 1];
}

static struct mgr *manager_s(struct mrun *b, const char *s)
{
	return s ? manager(b, s, strlen(s)) : NULL;
}

/* The day of unix seconds, cheaply for those far outside the period. */
static int64_t day_of(const struct mrun *b, int64_t secs)
{
	if (secs < b->lo)
		return b->from - 1;
	if (secs >= b->hi)
		return b->to;
	return report_day_of(b->j, secs);
}

/* An activity of m at secs (its last_activity if before the period's end). */
static void active(struct mrun *b, struct mgr *m, int64_t secs, int64_t day)
{
	if (m && secs > m->last && day < b->to)
		m->last = secs;
}

static bool in_scope(const struct mrun *b, uint64_t id)
{
	size_t lo = 0, hi = b->nids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nids && b->ids[lo] == id;
}

/* A card in scope: its id kept, its creation counted. */
static void card_seen(struct mrun *b, uint64_t id, int64_t created_at, const void *by, size_t by_len)
{
	if (b->nids == b->capids) {
		size_t cap = b->capids ? 2 * b->capids : 4096;
		uint64_t *n = realloc(b->ids, cap * sizeof(*n));
		if (!n) {
			b->oom = true;
			return;
		}
		b->ids = n;
		b->capids = cap;
	}
	b->ids[b->nids++] = id;
	int64_t day = day_of(b, created_at);
	if (day >= b->to || !by_len)
		return;
	struct mgr *m = manager(b, by, by_len);
	if (!m)
		return;
	if (day >= b->from)
		m->n[C_NEW_CARDS]++;
	active(b, m, created_at, day);
}

static int scan_fn(void *ud, Kart__Card *c)
{
	struct mrun *b = ud;
	const char *by = c->created_by ? c->created_by : "";
	card_seen(b, c->id, c->created_at, by, strlen(by));
	return b->oom ? 1 : 0;
}

/* The key after key[0..n) (the cursor's current one): every RENEW_EVERY
 * keys in a fresh read transaction, the cursor closed before it (a read-only
 * transaction does not free its cursors) and reopened past the key. On an
 * error *cur may be NULL. */
static int next_key(struct rrun *x, MDB_dbi dbi, MDB_cursor **cur, const uint8_t *key, size_t n, MDB_val *k, MDB_val *v)
{
	if (++x->walked < RENEW_EVERY)
		return mdb_cursor_get(*cur, k, v, MDB_NEXT);
	mdb_cursor_close(*cur);
	*cur = NULL;
	int rc;
	if (report_renew(x, 1, &rc) < 0)
		return rc;
	if ((rc = mdb_cursor_open(x->txn, dbi, cur))) {
		*cur = NULL;
		return rc;
	}
	uint8_t copy[32];
	memcpy(copy, key, n);
	*k = (MDB_val){ n, copy };
	rc = mdb_cursor_get(*cur, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == n && memcmp(k->mv_data, copy, n) == 0)
		rc = mdb_cursor_get(*cur, k, v, MDB_NEXT);
	return rc;
}

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return (a > b) - (a < b);
}

/* The cards of a caller who sees only some owners' (and no --where): their
 * ids from ix_owner, each card's creation read from its stored bytes. */
static int owners_cards(struct mrun *b, char **owners, size_t nowners)
{
	struct rrun *x = b->x;
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(x->txn, x->st->ix_owner, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (size_t i = 0; rc == 0 && i < nowners; i++) {
		k = (MDB_val){ strlen(owners[i]), owners[i] };
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
			if (v.mv_size != 8)
				continue;
			if (n == cap) {
				size_t c = cap ? 2 * cap : 4096;
				uint64_t *m = realloc(ids, c * sizeof(*m));
				if (!m) {
					rc = ENOMEM;
					break;
				}
				ids = m;
				cap = c;
			}
			ids[n++] = store_key_u64(v.mv_data);
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_cursor_close(cur);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	struct pbf f[] = { { .field = 20 }, { .field = 21 } };
	for (size_t i = 0; rc == 0 && i < n && !b->oom; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		rc = store_get_id(x->txn, x->st->cards, ids[i], &v);
		if (rc == MDB_NOTFOUND) {
			rc = 0; /* an index entry its card has left */
			continue;
		}
		if (rc)
			break;
		peek(v.mv_data, v.mv_size, f, 2);
		card_seen(b, ids[i], f[0].seen ? (int64_t)f[0].v : 0, f[1].seen ? f[1].p : NULL, f[1].seen ? f[1].n : 0);
		if (report_renew(x, RENEW_EVERY, &rc) < 0)
			break;
	}
	free(ids);
	return rc;
}

/* The cards in scope, without --where: every card for one who sees all,
 * their creation read from the stored bytes. */
static int walk_cards(struct mrun *b)
{
	struct rrun *x = b->x;
	bool all = acl_sees_all(&x->scope);
	char **owners = NULL;
	size_t nowners = 0;
	int rc;
	if (!all && (rc = acl_scope_owners(&x->scope, &x->a, &owners, &nowners)))
		return rc;
	if (!all)
		return owners_cards(b, owners, nowners);
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(x->txn, x->st->cards, &cur)))
		return rc;
	MDB_val k, v;
	struct pbf f[] = { { .field = 20 }, { .field = 21 } };
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !b->oom;) {
		if (k.mv_size != 8) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		uint8_t key[8];
		memcpy(key, k.mv_data, 8);
		peek(v.mv_data, v.mv_size, f, 2);
		card_seen(b, store_key_u64(key), f[0].seen ? (int64_t)f[0].v : 0, f[1].seen ? f[1].p : NULL,
			  f[1].seen ? f[1].n : 0);
		rc = next_key(x, x->st->cards, &cur, key, 8, &k, &v);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* timeline: card(u64) at(i64 key) entry(u64) -> TimelineEntry. */
static int walk_timeline(struct mrun *b)
{
	struct rrun *x = b->x;
	MDB_cursor *cur;
	int rc;
	if (!b->nids)
		return 0;
	if ((rc = mdb_cursor_open(x->txn, x->st->timeline, &cur)))
		return rc;
	size_t p = 0;               /* ids[p]: the first card in scope not yet passed */
	uint8_t seek[8];
	store_u64_key(b->ids[0], seek);
	MDB_val k = { 8, seek }, v;
	struct pbf f[] = { { .field = 3 }, { .field = 7 } };
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && !b->oom) {
		if (k.mv_size != 24) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		uint8_t key[24];
		memcpy(key, k.mv_data, 24);
		uint64_t card = store_key_u64(key);
		while (p < b->nids && b->ids[p] < card)
			p++;
		if (p == b->nids)
			break;
		if (b->ids[p] != card) {
			/* out of scope, gone, or in the trash: on to the next card in scope */
			store_u64_key(b->ids[p], seek);
			k = (MDB_val){ 8, seek };
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			continue;
		}
		int64_t at = (int64_t)(store_key_u64(key + 8) ^ (UINT64_C(1) << 63));
		int64_t day = day_of(b, at);
		if (day < b->to) {
			peek(v.mv_data, v.mv_size, f, 2);
			struct mgr *m = f[1].seen ? manager(b, f[1].p, f[1].n) : NULL;
			if (m && day >= b->from && f[0].seen && f[0].v >= 1 && f[0].v <= 5) {
				m->n[C_CALL + f[0].v - 1]++;
				if (day >= b->sfrom)
					m->daily[day - b->sfrom]++;
			}
			active(b, m, at, day);
		}
		rc = next_key(x, x->st->timeline, &cur, key, 24, &k, &v);
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static bool in_period(const struct mrun *b, int64_t secs, int64_t *day)
{
	*day = day_of(b, secs);
	return *day >= b->from && *day < b->to;
}

/* deals, reminders, reminders_done: few next to the timeline; decoded. */
/* When a deal reached the stage it is at: its last visit there (the stage
 * history), or its last change for a deal without one. */
static int64_t reached_at(const Kart__Deal *d)
{
	for (size_t i = d->n_history; i-- > 0;)
		if (d->history[i]->stage && strcmp(d->history[i]->stage, d->stage) == 0)
			return d->history[i]->at;
	return d->updated_at;
}

static int walk_small(struct mrun *b, MDB_dbi dbi, int what)
{
	struct rrun *x = b->x;
	MDB_cursor *cur;
	int rc;
	if ((rc = mdb_cursor_open(x->txn, dbi, &cur)))
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	int64_t now = b->j->now / 1000000;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !b->oom;) {
		uint8_t key[16];
		size_t kn = k.mv_size <= sizeof(key) ? k.mv_size : sizeof(key);
		memcpy(key, k.mv_data, kn);
		arena_reset(&scratch);
		int64_t day;
		if (what == 0) {
			Kart__Deal *d = kart__deal__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (d && in_scope(b, d->card_id)) {
				struct mgr *o = manager_s(b, d->owner);
				if (o && in_period(b, d->created_at, &day))
					o->n[C_OPENED]++;
				bool won = d->stage && strcmp(d->stage, "won") == 0, lost = d->stage && strcmp(d->stage, "lost") == 0;
				if (o && (won || lost) && in_period(b, reached_at(d), &day)) {
					o->n[won ? C_WON : C_LOST]++;
					if (won && __builtin_add_overflow(o->won_amount, d->amount, &o->won_amount))
						b->overflow = true;
				}
				struct mgr *m = manager_s(b, d->created_by);
				active(b, m, d->created_at, day_of(b, d->created_at));
				m = manager_s(b, d->updated_by);
				active(b, m, d->updated_at, day_of(b, d->updated_at));
			}
		} else {
			Kart__Reminder *rem = kart__reminder__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (what == 1 && rem && rem->at >= now)
				break; /* open ones in due order: the rest are not due yet */
			if (rem && in_scope(b, rem->card_id)) {
				struct mgr *o = manager_s(b, rem->owner);
				if (o && what == 1) {
					o->n[C_OVERDUE]++;
				} else if (o) {
					int64_t when = rem->done_at ? rem->done_at : rem->at;
					if (in_period(b, when, &day))
						o->n[C_DONE]++;
					active(b, o, when, day);
				}
			}
		}
		rc = next_key(x, dbi, &cur, key, kn, &k, &v);
	}
	arena_free(&scratch);
	if (cur)
		mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int cmp_mgr(const void *pa, const void *pb)
{
	return strcmp(((const struct mgr *)pa)->name, ((const struct mgr *)pb)->name);
}

static void rows(struct mrun *b, struct rtable *t)
{
	struct rjob *j = b->j;
	struct arena *a = &b->x->a;
	size_t shown = 0;
	qsort(b->m, b->nm, sizeof(*b->m), cmp_mgr);
	for (size_t i = 0; i < b->nm && !j->oom; i++) {
		const struct mgr *m = &b->m[i];
		bool any = m->always;
		for (int c = 0; c < C_N; c++)
			any = any || m->n[c];
		if (!any)
			continue;
		const char *cells[NCOLS];
		cells[0] = m->name;
		for (int c = 0; c <= C_LOST; c++)
			cells[1 + c] = arena_printf(a, "%" PRId64, m->n[c]);
		cells[10] = report_money(a, m->won_amount);
		int64_t closed = m->n[C_WON] + m->n[C_LOST];
		/* won / (won + lost) in percent, rounded half up to a tenth */
		cells[11] = closed ? report_tenths(a, (m->n[C_WON] * 1000 + closed / 2) / closed) : "";
		cells[12] = arena_printf(a, "%" PRId64, m->n[C_DONE]);
		cells[13] = arena_printf(a, "%" PRId64, m->n[C_OVERDUE]);
		cells[14] = m->last ? report_date(a, report_day_of(j, m->last)) : "";
		char *s = arena_alloc(a, (size_t)b->sdays * 11 + 1);
		if (s) {
			size_t n = 0;
			for (int64_t d = 0; d < b->sdays; d++)
				n += (size_t)sprintf(s + n, "%s%u", d ? "," : "", m->daily[d]);
			s[n] = '\0';
		}
		cells[15] = s;
		for (size_t c = 0; c < NCOLS; c++)
			if (!cells[c])
				j->oom = true;
		report_text_row(j, t, cells);
		shown++;
	}
	char f[16], to[16];
	snprintf(f, sizeof(f), "%s", report_date(a, b->from));
	snprintf(to, sizeof(to), "%s", report_date(a, b->to - 1));
	snprintf(j->note, sizeof(j->note), "%zu managers, %s..%s; the series: the last %" PRId64 " days", shown, f, to,
		 b->sdays);
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	const struct mopt *o = j->opt;
	struct rtable *t = report_table(j, "managers", RCOLS(cols));
	if (!t)
		return 0;
	struct mrun b = { .x = x, .j = j, .from = o->from, .to = o->to };
	/* a day is at most 26 hours from a UTC day either way */
	b.lo = (b.from - 2) * 86400;
	b.hi = (b.to + 2) * 86400;
	b.sdays = b.to - b.from < SERIES_MAX ? b.to - b.from : SERIES_MAX;
	b.sfrom = b.to - b.sdays;
	arena_init(&b.names, 0);
	int rc = rehash(&b, 64) ? 0 : ENOMEM;
	if (rc == 0 && !acl_sees_all(&x->scope)) {
		char **owners;
		size_t n;
		rc = acl_scope_owners(&x->scope, &x->a, &owners, &n);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			struct mgr *m = manager_s(&b, owners[i]);
			if (m)
				m->always = true;
		}
	}
	if (rc == 0)
		rc = j->q->where && *j->q->where ? report_scan(x, scan_fn, &b) : walk_cards(&b);
	if (rc == 0 && !b.oom)
		rc = walk_timeline(&b);
	if (rc == 0 && !b.oom)
		rc = walk_small(&b, x->st->deals, 0);
	if (rc == 0 && !b.oom)
		rc = walk_small(&b, x->st->reminders, 1);
	if (rc == 0 && !b.oom)
		rc = walk_small(&b, x->st->reminders_done, 2);
	if (rc == ENOMEM) {
		b.oom = true;
		rc = 0;
	}
	if (rc == 0 && !b.oom && b.overflow)
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "period",
			    "a manager's won amount in the period is too large to add up; choose a shorter period or a narrower --where");
	else if (rc == 0 && !b.oom)
		rows(&b, t);
	if (b.oom)
		j->oom = true;
	free(b.m);
	free(b.slots);
	free(b.ids);
	arena_free(&b.names);
	return rc;
}

const struct report_kind report_managers = {
	.kind = KART__REPORT_KIND__REPORT_KIND_MANAGERS,
	.name = "managers",
	.check = check,
	.run = run,
};
