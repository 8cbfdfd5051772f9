/* report_abc: `kart report abc [--period P] [--by month|quarter]` — the
 * clients by revenue in the period (ABC) and by how steady it was from
 * month to month or quarter to quarter (XYZ), the 3x3 matrix of the two and
 * a Pareto table.
 *
 * Revenue: the sum of a client's purchase entries (timeline) whose `at`
 * falls on a day of the period, days in the client's calendar (the job's
 * zone). A client with no purchase in the period is not classified nor
 * listed. Ranking: revenue descending, then card id ascending.
 *
 * ABC, literally "A while the cumulative share is <= 80%": the cumulative
 * revenue counts the client itself; a client is A when it is <= 80% of the
 * total, B when <= 95%, C otherwise (so the client that crosses 80% is B, or
 * C if it crosses 95% as well; a first client over 80% alone is B). Compared
 * exactly: cum * 100 <= total * 80 in 128 bits.
 *
 * XYZ: the buckets are the calendar months (quarters with --by quarter) that
 * meet the period, a partial first or last one counting as a whole bucket;
 * a month without purchases is 0. CV = population sigma / mean over the k
 * buckets; X when CV <= 10%, Y when <= 25%, Z above. With S = sum x and
 * Q = sum x^2: CV^2 = (kQ - S^2) / S^2, so X <=> 100kQ <= 101S^2 and
 * Y <=> 16kQ <= 17S^2, in exact 192-bit integers. One bucket: CV 0, X.
 *
 * Percentages are tenths rounded half up, from exact integers: share and
 * cumulative share of the total revenue, and the CV (the class is decided on
 * the exact CV, so a CV shown as 10.0 may be Y). The buckets column is the
 * revenue of each bucket in whole roubles (half up), oldest first.
 *
 * The walk: `timeline` in key order (card, at, entry), the time read from
 * the key, the kind and amount peeked from the value (pbwire) for entries
 * near the period only; a card with revenue is checked against the scope and
 * the filter once (cardq_match_id; an admin without --where only for being
 * live). Per client 32 bytes, and its non-empty buckets 10 bytes each. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "date.h"
#include "pbwire.h"
#include "report.h"

#define RENEW_EVERY 16384
#define PARETO_STEPS 20

struct aopt {
	int64_t from, to;           /* [from, to) days */
	bool quarter;
	int64_t first;              /* the first bucket, as months since year 0 (y * 12 + m - 1), or quarters */
	uint32_t nb;                /* buckets */
};

struct aitem {
	uint64_t card_id;           /* first (report.h) */
	int64_t revenue;
	uint32_t boff;              /* its non-empty buckets: bidx/bamt[boff .. boff + bn) */
	uint32_t cv;                /* tenths of a percent */
	uint16_t bn;
	uint16_t share, cum;        /* tenths of a percent of the total */
	uint8_t abc, xyz;           /* 'A'..'C', 'X'..'Z' */
};

struct astate {
	uint32_t nb;
	uint16_t *bidx;
	int64_t *bamt;
	size_t n, cap;
};

static const struct rcol client_cols[] = {
	{ "card_id", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "client", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "owner", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "revenue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "cumulative_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "abc", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "cv", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "xyz", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "buckets", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_SERIES },
};

static const struct rcol matrix_cols[] = {
	{ "abc", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "xyz", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "clients", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "revenue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
};

static const struct rcol pareto_cols[] = {
	{ "clients_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "clients", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "revenue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "revenue_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "cumulative_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
};

/* ---- exact arithmetic: 192-bit unsigned ---- */

typedef unsigned __int128 u128;
struct u192 {
	uint64_t w[3];              /* least significant first */
};

static struct u192 u192_of(u128 a)
{
	return (struct u192){ { (uint64_t)a, (uint64_t)(a >> 64), 0 } };
}

/* a * m; the caller knows it fits in 192 bits */
static struct u192 u192_mul(struct u192 a, uint64_t m)
{
	struct u192 r;
	u128 carry = 0;
	for (int i = 0; i < 3; i++) {
		u128 t = (u128)a.w[i] * m + carry;
		r.w[i] = (uint64_t)t;
		carry = t >> 64;
	}
	return r;
}

static int u192_cmp(struct u192 a, struct u192 b)
{
	for (int i = 2; i >= 0; i--)
		if (a.w[i] != b.w[i])
			return a.w[i] < b.w[i] ? -1 : 1;
	return 0;
}

/* a - b, a >= b */
static struct u192 u192_sub(struct u192 a, struct u192 b)
{
	struct u192 r;
	uint64_t borrow = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t t = a.w[i] - b.w[i] - borrow;
		borrow = a.w[i] < b.w[i] || (a.w[i] == b.w[i] && borrow) ? 1 : 0;
		r.w[i] = t;
	}
	return r;
}

static long double u192_ld(struct u192 a)
{
	return ((long double)a.w[2] * 18446744073709551616.0L + (long double)a.w[1]) * 18446744073709551616.0L +
	       (long double)a.w[0];
}

/* A square root near enough for a first guess (refined exactly by the caller). */
static long double sqrt_guess(long double x)
{
	if (x <= 0)
		return 0;
	long double g = 1;
	while (g * g < x)
		g *= 2;
	for (int i = 0; i < 40; i++)
		g = (g + x / g) / 2;
	return g;
}

/* The class and the CV in tenths of a percent (half up) of k buckets of sum
 * s > 0 and sum of squares q. */
static void classify_xyz(uint32_t k, int64_t s, u128 q, uint8_t *xyz, uint32_t *cv)
{
	u128 s2 = (u128)s * (u128)s;
	struct u192 kq = u192_mul(u192_of(q), k), S2 = u192_of(s2);
	if (u192_cmp(u192_mul(kq, 100), u192_mul(S2, 101)) <= 0)
		*xyz = 'X';
	else if (u192_cmp(u192_mul(kq, 16), u192_mul(S2, 17)) <= 0)
		*xyz = 'Y';
	else
		*xyz = 'Z';
	/* kq >= s2 (Cauchy-Schwarz); D = k^2 sigma^2 */
	struct u192 d = u192_cmp(kq, S2) > 0 ? u192_sub(kq, S2) : u192_of(0);
	struct u192 d4 = u192_mul(d, 4000000);
	/* t is the CV in tenths rounded half up: the largest t with ((2t-1) s)^2 <= 4e6 D */
	long double est = 1000.0L * sqrt_guess(u192_ld(d)) / (long double)s + 0.5L;
	uint64_t t = est > 0 ? (uint64_t)est : 0;
#define FITS(t) ((t) == 0 || u192_cmp(u192_mul(S2, (2 * (t) - 1) * (2 * (t) - 1)), d4) <= 0)
	while (FITS(t + 1))
		t++;
	while (t > 0 && !FITS(t))
		t--;
#undef FITS
	*cv = (uint32_t)t;
}

/* part / total in tenths of a percent, half up (0 <= part <= total, total > 0) */
static uint16_t tenths(int64_t part, int64_t total)
{
	return (uint16_t)(((__int128)part * 2000 + total) / ((__int128)total * 2));
}

/* ---- options ---- */

static int64_t bucket_of_day(const struct aopt *o, int64_t day)
{
	int64_t y;
	int m, d;
	date_civil_from_days(day, &y, &m, &d);
	int64_t months = y * 12 + (m - 1);
	return o->quarter ? months / 3 : months;
}

/* The first day of bucket b (months or quarters since year 0). */
static int64_t bucket_day(const struct aopt *o, int64_t b)
{
	int64_t months = o->quarter ? b * 3 : b;
	return date_days_from_civil(months / 12, (int)(months % 12) + 1, 1);
}

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	const char *other = q->days ? "days" : *q->at ? "at" : *q->window ? "window" : *q->owner ? "owner"
			  : *q->min_total ? "min_total" : *q->save_segment ? "save_segment" : *q->to_field ? "to_field" : NULL;
	if (other)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, other,
				 "%s: an abc report takes only --period, --by and --where", other);
	struct aopt *o = calloc(1, sizeof(*o));
	if (!o)
		return req_no_memory(r);
	j->opt = o;
	if (!*q->by || strcmp(q->by, "month") == 0)
		o->quarter = false;
	else if (strcmp(q->by, "quarter") == 0)
		o->quarter = true;
	else
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "by", "by: month or quarter, not '%.40s'", q->by);
	const char *why;
	if (report_period(*q->period ? q->period : "12m", j->today, 0, &o->from, &o->to, &why) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "period", "period: '%.40s' is not a period; %s",
				 q->period, why);
	o->first = bucket_of_day(o, o->from);
	int64_t nb = bucket_of_day(o, o->to - 1) - o->first + 1;
	if (nb > 1212)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "period", "period: at most 100 years, not '%.40s'",
				 q->period);
	o->nb = (uint32_t)nb;
	return H_OK;
}

/* ---- the walk ---- */

struct arun {
	struct rrun *x;
	const struct aopt *o;
	struct rtable *t;
	struct astate *st;
	bool check_card;            /* scope or filter to check (else: only that the card is live) */
	struct arena scratch;
	/* the current card */
	uint64_t card;
	int64_t *acc;               /* nb */
	uint32_t *touched;
	uint32_t ntouched;
	bool overflow;
};

static int finish_card(struct arun *a)
{
	struct rrun *x = a->x;
	if (!a->ntouched)
		return 0;
	int64_t s = 0;
	u128 q = 0;
	bool over = false;
	for (uint32_t i = 0; i < a->ntouched; i++) {
		int64_t v = a->acc[a->touched[i]];
		over |= __builtin_add_overflow(s, v, &s);
		q += (u128)v * (u128)v;
	}
	int m;
	if (a->check_card) {
		Kart__Card *c;
		arena_reset(&a->scratch);
		m = cardq_match_id(&x->q, &a->scratch, a->card, &c);
	} else {
		uint8_t key[8];
		store_u64_key(a->card, key);
		MDB_val k = { 8, key }, v;
		int rc = mdb_get(x->txn, x->st->cards, &k, &v);
		m = rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : -rc;
	}
	if (m < 0)
		return -m;
	if (m == 1 && over)
		a->overflow = true;
	if (m == 1 && !over && s > 0) {
		struct astate *st = a->st;
		struct aitem it = { .card_id = a->card, .revenue = s, .boff = (uint32_t)st->n, .bn = 0 };
		if (st->n + a->ntouched > UINT32_MAX) {
			x->j->oom = true;
			return 0;
		}
		if (st->n + a->ntouched > st->cap) {
			size_t cap = st->cap ? st->cap : 4096;
			while (cap < st->n + a->ntouched)
				cap *= 2;
			uint16_t *bi = realloc(st->bidx, cap * sizeof(*bi));
			if (bi)
				st->bidx = bi;
			int64_t *ba = bi ? realloc(st->bamt, cap * sizeof(*ba)) : NULL;
			if (!ba) {
				x->j->oom = true;
				return 0;
			}
			st->bamt = ba;
			st->cap = cap;
		}
		/* the touched buckets in order */
		for (uint32_t i = 1; i < a->ntouched; i++)
			for (uint32_t p = i; p > 0 && a->touched[p - 1] > a->touched[p]; p--) {
				uint32_t tmp = a->touched[p];
				a->touched[p] = a->touched[p - 1];
				a->touched[p - 1] = tmp;
			}
		for (uint32_t i = 0; i < a->ntouched; i++) {
			st->bidx[st->n] = (uint16_t)a->touched[i];
			st->bamt[st->n++] = a->acc[a->touched[i]];
		}
		it.bn = (uint16_t)a->ntouched;
		classify_xyz(a->o->nb, s, q, &it.xyz, &it.cv);
		report_card_item(x->j, a->t, &it);
	}
	for (uint32_t i = 0; i < a->ntouched; i++)
		a->acc[a->touched[i]] = 0;
	a->ntouched = 0;
	return 0;
}

static int walk(struct arun *a)
{
	struct rrun *x = a->x;
	const struct aopt *o = a->o;
	/* entries this far from the period's days cannot fall on them in any zone */
	int64_t lo = o->from * 86400 - 2 * 86400, hi = o->to * 86400 + 2 * 86400;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(x->txn, x->st->timeline, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	uint8_t last[24];
	bool have = false;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;) {
		if (k.mv_size == 24) {
			const uint8_t *kb = k.mv_data;
			uint64_t card = store_key_u64(kb);
			int64_t at = (int64_t)(store_key_u64(kb + 8) ^ (UINT64_C(1) << 63));
			if (have && card != a->card && (rc = finish_card(a)))
				break;
			a->card = card;
			have = true;
			uint64_t kind, amount;
			if (at >= lo && at < hi && pbwire_find_varint(v.mv_data, v.mv_size, 3, &kind) &&
			    kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE &&
			    pbwire_find_varint(v.mv_data, v.mv_size, 5, &amount) && (int64_t)amount > 0) {
				int64_t day = report_day_of(x->j, at);
				if (day >= o->from && day < o->to) {
					uint32_t b = (uint32_t)(bucket_of_day(o, day) - o->first);
					if (!a->acc[b])
						a->touched[a->ntouched++] = b;
					if (__builtin_add_overflow(a->acc[b], (int64_t)amount, &a->acc[b])) {
						a->acc[b] = INT64_MAX;
						a->overflow = true;
					}
				}
			}
			memcpy(last, kb, 24);
		}
		int renewed = report_renew(x, RENEW_EVERY, &rc);
		if (renewed < 0)
			break;
		if (renewed) {
			mdb_cursor_close(cur);
			if ((rc = mdb_cursor_open(x->txn, x->st->timeline, &cur))) {
				cur = NULL;
				break;
			}
			k = (MDB_val){ 24, last };
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (rc == 0 && k.mv_size == 24 && memcmp(k.mv_data, last, 24) == 0)
				rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (cur)
		mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = have ? finish_card(a) : 0;
	return rc;
}

/* ---- ranking and tables ---- */

static int cmp_item(const void *pa, const void *pb)
{
	const struct aitem *a = pa, *b = pb;
	if (a->revenue != b->revenue)
		return a->revenue > b->revenue ? -1 : 1;
	return (a->card_id > b->card_id) - (a->card_id < b->card_id);
}

static bool row(struct req *r, const struct rjob *j, const void *item, const Kart__Card *c, char **cells)
{
	const struct aitem *it = item;
	const struct astate *st = j->state;
	const char *client = report_client(r, c);
	cells[0] = arena_printf(r->arena, "%llu", (unsigned long long)c->id);
	cells[1] = (char *)client;
	cells[2] = c->owner ? c->owner : (char *)"";
	cells[3] = (char *)report_money(r->arena, it->revenue);
	cells[4] = (char *)report_tenths(r->arena, it->share);
	cells[5] = (char *)report_tenths(r->arena, it->cum);
	cells[6] = arena_printf(r->arena, "%c", it->abc);
	cells[7] = (char *)report_tenths(r->arena, it->cv);
	cells[8] = arena_printf(r->arena, "%c", it->xyz);
	char *s = arena_alloc(r->arena, (size_t)st->nb * 21 + 1);
	if (s) {
		size_t len = 0;
		uint32_t p = 0;
		for (uint32_t b = 0; b < st->nb; b++) {
			int64_t v = 0;
			if (p < it->bn && st->bidx[it->boff + p] == b)
				v = st->bamt[it->boff + p++];
			len += (size_t)sprintf(s + len, "%s%" PRId64, b ? "," : "", v / 100 + (v % 100 >= 50));
		}
		s[len] = '\0';
	}
	cells[9] = s;
	for (size_t i = 0; i < 10; i++)
		if (!cells[i])
			return false; /* out of memory */
	return true;
}

static void free_state(void *p)
{
	struct astate *st = p;
	if (!st)
		return;
	free(st->bidx);
	free(st->bamt);
	free(st);
}

static void tables(struct rrun *x, const struct aopt *o, struct rtable *t)
{
	struct rjob *j = x->j;
	size_t n;
	struct aitem *v = report_items(t, &n);
	if (n)
		qsort(v, n, sizeof(*v), cmp_item);
	int64_t total = 0;
	bool over = false;
	for (size_t i = 0; i < n; i++)
		over |= __builtin_add_overflow(total, v[i].revenue, &total);
	if (over) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "period",
			    "the revenue in the period is too large to add up; choose a shorter period or a narrower --where");
		return;
	}
	size_t count[3][3] = { { 0 } }, nabc[3] = { 0 };
	int64_t sum[3][3] = { { 0 } };
	int64_t cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum += v[i].revenue;
		v[i].share = tenths(v[i].revenue, total);
		v[i].cum = tenths(cum, total);
		__int128 c100 = (__int128)cum * 100;
		v[i].abc = c100 <= (__int128)total * 80 ? 'A' : c100 <= (__int128)total * 95 ? 'B' : 'C';
		int a = v[i].abc - 'A', z = v[i].xyz - 'X';
		count[a][z]++;
		sum[a][z] += v[i].revenue;
		nabc[a]++;
	}
	struct rtable *mt = report_table(j, "matrix", RCOLS(matrix_cols));
	for (int a = 0; n && a < 3; a++)
		for (int z = 0; z < 3; z++) {
			char ab[2] = { (char)('A' + a), 0 }, xy[2] = { (char)('X' + z), 0 };
			const char *cells[] = { ab, xy, arena_printf(&x->a, "%zu", count[a][z]), report_money(&x->a, sum[a][z]) };
			report_text_row(j, mt, cells);
		}
	struct rtable *pt = report_table(j, "pareto", RCOLS(pareto_cols));
	size_t prev = 0;
	cum = 0;
	for (size_t s = 1; n && s <= PARETO_STEPS; s++) {
		size_t upto = (n * s + PARETO_STEPS - 1) / PARETO_STEPS;
		int64_t rev = 0;
		for (size_t i = prev; i < upto; i++)
			rev += v[i].revenue;
		cum += rev;
		const char *cells[] = { report_tenths(&x->a, (int64_t)s * 1000 / PARETO_STEPS),
					arena_printf(&x->a, "%zu", upto - prev), report_money(&x->a, rev),
					report_tenths(&x->a, tenths(rev, total)), report_tenths(&x->a, tenths(cum, total)) };
		report_text_row(j, pt, cells);
		prev = upto;
	}
	char from[16], to[16], first[48], lastb[48];
	snprintf(from, sizeof(from), "%s", report_date(&x->a, o->from));
	snprintf(to, sizeof(to), "%s", report_date(&x->a, o->to - 1));
	int64_t y;
	int m, d;
	date_civil_from_days(bucket_day(o, o->first), &y, &m, &d);
	if (o->quarter)
		snprintf(first, sizeof(first), "%04" PRId64 "-Q%d", y, (m - 1) / 3 + 1);
	else
		snprintf(first, sizeof(first), "%04" PRId64 "-%02d", y, m);
	date_civil_from_days(bucket_day(o, o->first + o->nb - 1), &y, &m, &d);
	if (o->quarter)
		snprintf(lastb, sizeof(lastb), "%04" PRId64 "-Q%d", y, (m - 1) / 3 + 1);
	else
		snprintf(lastb, sizeof(lastb), "%04" PRId64 "-%02d", y, m);
	char buckets[128];
	snprintf(buckets, sizeof(buckets), "%u %s %s..%s", o->nb,
		 o->quarter ? (o->nb == 1 ? "quarter" : "quarters") : (o->nb == 1 ? "month" : "months"), first, lastb);
	if (!n)
		snprintf(j->note, sizeof(j->note), "no client with purchases in %s..%s (%.60s): nobody to classify", from, to, buckets);
	else
		snprintf(j->note, sizeof(j->note),
			 "%zu clients with purchases in %s..%s, revenue %s; A %zu, B %zu, C %zu; XYZ over %.60s%s", n, from,
			 to, report_money(&x->a, total), nabc[0], nabc[1], nabc[2], buckets,
			 bucket_day(o, o->first) < o->from || bucket_day(o, o->first + o->nb) > o->to ? " (partial ones whole)"
												     : "");
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	const struct aopt *o = j->opt;
	struct astate *st = calloc(1, sizeof(*st));
	struct arun a = { .x = x, .o = o, .st = st, .t = report_table(j, "clients", RCOLS(client_cols)) };
	if (!st || !a.t) {
		free(st);
		j->oom = true;
		return 0;
	}
	st->nb = o->nb;
	j->state = st;
	j->free_state = free_state;
	a.t->item_size = sizeof(struct aitem);
	a.t->row = row;
	a.check_card = x->q.q || !acl_sees_all(&x->scope);
	a.acc = calloc(o->nb, sizeof(*a.acc));
	a.touched = calloc(o->nb, sizeof(*a.touched));
	if (!a.acc || !a.touched) {
		free(a.acc);
		free(a.touched);
		j->oom = true;
		return 0;
	}
	arena_init(&a.scratch, 0);
	int rc = walk(&a);
	arena_free(&a.scratch);
	free(a.acc);
	free(a.touched);
	if (rc || j->oom)
		return rc;
	if (a.overflow) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "period",
			    "a client's revenue in the period is too large to add up");
		return 0;
	}
	tables(x, o, a.t);
	return 0;
}

const struct report_kind report_abc = {
	.kind = KART__REPORT_KIND__REPORT_KIND_ABC,
	.name = "abc",
	.check = check,
	.run = run,
};
