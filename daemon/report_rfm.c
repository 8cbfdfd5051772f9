/* report_rfm: `kart report rfm [--at DATE] [--window SPAN] [--save-segment
 * PREFIX] [--to-field NAME]` — each client's recency, frequency and money
 * of purchases, scored 1-5 and placed in a segment of the R x F grid.
 *
 * What counts: timeline entries of kind purchase whose day (their `at` in
 * the client's zone) is DATE or before. The window is the days
 * (DATE - SPAN, DATE]. Scored are the clients (live cards, in the caller's
 * scope, matching --where) with at least one purchase up to DATE, in the
 * window or before it:
 *   R = days from the last purchase ever (up to DATE) to DATE;
 *   F = purchases in the window (0 for a client whose purchases are all
 *       before it); M = their amounts summed, exact kopecks.
 * Scores: NTILE(5) over the n scored clients — sorted ascending by the
 * measure (for R by the day of the last purchase, so the most recent get
 * 5; for F and M by the count and the sum), ties by card id ascending; the
 * buckets are n/5 clients each, the first n mod 5 one more (fewer than 5
 * clients: buckets 1..n).
 *
 * --save-segment PREFIX saves the eleven segments as PREFIX-SLUG (replacing
 * the caller's own, refusing another user's); with --to-field as
 * `FIELD = "value"`, else as `id in (...)` (`id = 0` when empty), refused
 * when one would pass the filter language's 64 KiB. --to-field writes each
 * client's segment (its slug, in the field's spelling) into an enum custom
 * field offering the eleven slugs, for the cards the caller may edit still
 * in scope, each changed card a new version with its audit event. Both in
 * the report's one writer transaction; refused before anything is written. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "handlers.h"
#include "report.h"
#include "text.h"
#include "writer.h"

#define NSEG 11
#define EXPR_MAX (64 * 1024)
#define PREFIX_MAX 44           /* + "-" + the longest slug (19) within a segment name's 64 */
#define TIMELINE_KEY 24

static const char *const slugs[NSEG] = {
	"champions",      "loyal",   "potential_loyalists", "new",       "promising", "need_attention",
	"about_to_sleep", "at_risk", "cant_lose",           "hibernating", "lost",
};

/* The segment of a cell of the R x F grid (an index into slugs). */
static int seg_of(int r, int f)
{
	if (r == 5)
		return f >= 4 ? 0 : f >= 2 ? 2 : 3;
	if (r == 4)
		return f >= 4 ? 1 : f >= 2 ? 2 : 4;
	if (r == 3)
		return f >= 4 ? 1 : f == 3 ? 5 : 6;
	if (f == 5)
		return 8;
	if (f >= 3)
		return 7;
	return r == 1 && f == 1 ? 10 : 9;
}

struct ropt {
	int64_t at;                 /* DATE, days since 1970-01-01 */
	int64_t from;               /* the window's first day */
	size_t note_len;            /* the note as the run left it: the write adds to it (and may run twice) */
};

struct citem {
	uint64_t card_id;           /* first (report.h) */
	int64_t last_day;
	int64_t m;
	uint32_t f;
	uint8_t rs, fs, ms, seg;
};

static const struct rcol client_cols[] = {
	{ "card_id", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "client", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "owner", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "last_purchase", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DATE },
	{ "r_days", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "frequency", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "monetary", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "r", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "f", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "m", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "segment", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
};

static const struct rcol seg_cols[] = {
	{ "segment", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "clients", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "revenue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "clients_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "revenue_share", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
};

static const struct rcol grid_cols[] = {
	{ "r", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "f", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "clients", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "revenue", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "segment", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
};

/* ---- options ---- */

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	if (q->days || *q->period || *q->by || *q->owner || *q->min_total)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "an rfm report takes only --at, --window, --save-segment, --to-field and --where");
	struct ropt *o = calloc(1, sizeof(*o));
	if (!o)
		return req_no_memory(r);
	j->opt = o;
	const char *why;
	int64_t from, to;
	o->at = j->today;
	if (*q->at) {
		if (strlen(q->at) != 10 || report_period(q->at, j->today, 1, &from, &to, &why) < 0 || to != from + 1)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "at", "at: write the day as YYYY-MM-DD, not '%.40s'",
					 q->at);
		o->at = from;
	}
	const char *w = *q->window ? q->window : "365d";
	size_t wl = strlen(w);
	char unit = wl ? w[wl - 1] : 0;
	if (wl < 2 || (unit != 'd' && unit != 'm' && unit != 'y') || report_period(w, o->at, 1, &from, &to, &why) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "window",
				 "window: write it as 365d, 12m or 2y (1 day up to 100 years), not '%.40s'", w);
	o->from = from;
	size_t pl = strlen(q->save_segment);
	if (pl > PREFIX_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "save_segment",
				 "save-segment: a prefix of 1 to %d characters, no control characters", PREFIX_MAX);
	if (pl && segment_check_name(r, "save_segment", q->save_segment) != H_OK)
		return H_ABORT;
	if (strlen(q->to_field) > 64)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "to_field", "to-field: no custom field %.64s",
				 q->to_field);
	return H_OK;
}

/* ---- the walk ---- */

/* A stored TimelineEntry's kind (3) and amount (5), read in one pass that
 * ends past field 5: protobuf-c writes fields in number order, and the text
 * (4) between them is skipped by its length. pbwire_find_varint would read
 * each to the end of the message, twice. */
static void peek_entry(const uint8_t *in, size_t n, uint64_t *kind, uint64_t *amount)
{
	size_t o = 0;
	*kind = *amount = 0;
	while (o < n) {
		uint64_t tag = 0, x = 0;
		for (int sh = 0; o < n && sh < 64; sh += 7) {
			tag |= (uint64_t)(in[o] & 0x7f) << sh;
			if (!(in[o++] & 0x80))
				break;
		}
		if (tag >> 3 > 5)
			return;
		switch (tag & 7) {
		case 0:
		case 2:
			for (int sh = 0; o < n && sh < 64; sh += 7) {
				x |= (uint64_t)(in[o] & 0x7f) << sh;
				if (!(in[o++] & 0x80))
					break;
			}
			if ((tag & 7) == 2) {
				if (x > n - o)
					return;
				o += (size_t)x;
			} else if (tag >> 3 == 3) {
				*kind = x;
			} else if (tag >> 3 == 5) {
				*amount = x;
			}
			break;
		case 1:
			o += 8;
			break;
		case 5:
			o += 4;
			break;
		default:
			return;
		}
	}
}

struct rfm {
	struct rrun *x;
	const struct ropt *o;
	bool sees_all;
	MDB_cursor *cards;
	struct arena scratch;
	struct citem *v;
	size_t n, cap;
};

/* 1: the card is live, in scope and matches --where; 0: not; -rc. */
static int wanted(struct rfm *w, uint64_t id)
{
	struct rrun *x = w->x;
	if (x->q.q) {
		Kart__Card *c;
		arena_reset(&w->scratch);
		return cardq_match_id(&x->q, &w->scratch, id, &c);
	}
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_cursor_get(w->cards, &k, &v, MDB_SET_KEY);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return -rc;
	return w->sees_all || acl_visible_bytes(&x->scope, v.mv_data, v.mv_size) ? 1 : 0;
}

static int flush(struct rfm *w, const struct citem *it)
{
	int m = wanted(w, it->card_id);
	if (m <= 0)
		return -m;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		struct citem *nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv)
			return ENOMEM;
		w->v = nv;
		w->cap = cap;
	}
	w->v[w->n++] = *it;
	return 0;
}

static int walk(struct rfm *w)
{
	struct rrun *x = w->x;
	MDB_cursor *tl = NULL;
	int rc = mdb_cursor_open(x->txn, x->st->timeline, &tl);
	if (rc == 0)
		rc = mdb_cursor_open(x->txn, x->st->cards, &w->cards);
	MDB_val k, v;
	if (rc == 0)
		rc = mdb_cursor_get(tl, &k, &v, MDB_FIRST);
	struct citem cur = { 0 };
	bool have = false;
	uint8_t last[TIMELINE_KEY];
	while (rc == 0) {
		if (k.mv_size == TIMELINE_KEY) {
			uint64_t id = store_key_u64(k.mv_data);
			if (id != cur.card_id) {
				if (have && (rc = flush(w, &cur)))
					break;
				cur = (struct citem){ .card_id = id };
				have = false;
			}
			int64_t at = (int64_t)(store_key_u64((const uint8_t *)k.mv_data + 8) ^ (UINT64_C(1) << 63));
			int64_t day = report_day_of(x->j, at);
			uint64_t kind = 0, amount = 0;
			if (day <= w->o->at)
				peek_entry(v.mv_data, v.mv_size, &kind, &amount);
			if (kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE) {
				if (!have || day > cur.last_day)
					cur.last_day = day;
				have = true;
				if (day >= w->o->from) {
					cur.f++;
					cur.m += (int64_t)amount;
				}
			}
			memcpy(last, k.mv_data, TIMELINE_KEY);
		}
		int renewed = report_renew(x, 16384, &rc);
		if (renewed < 0)
			break;
		if (renewed) {
			/* a read-only transaction's cursors outlive it: renewed in the
			 * fresh one, the walk goes on past the last key */
			if ((rc = mdb_cursor_renew(x->txn, tl)) || (rc = mdb_cursor_renew(x->txn, w->cards)))
				break;
			k = (MDB_val){ TIMELINE_KEY, last };
			rc = mdb_cursor_get(tl, &k, &v, MDB_SET_RANGE);
			if (rc == 0 && k.mv_size == TIMELINE_KEY && memcmp(k.mv_data, last, TIMELINE_KEY) == 0)
				rc = mdb_cursor_get(tl, &k, &v, MDB_NEXT);
			continue;
		}
		rc = mdb_cursor_get(tl, &k, &v, MDB_NEXT);
	}
	if (rc == MDB_NOTFOUND)
		rc = have ? flush(w, &cur) : 0;
	if (tl)
		mdb_cursor_close(tl);
	if (w->cards)
		mdb_cursor_close(w->cards);
	w->cards = NULL;
	return rc;
}

/* ---- the scores ---- */

struct skey {
	int64_t key;
	uint64_t id;
	uint32_t i;
};

static int cmp_skey(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* NTILE(5): the bucket (1..5) of position i of n. */
static uint8_t ntile(size_t i, size_t n)
{
	size_t base = n / 5, extra = n % 5, large = extra * (base + 1);
	return (uint8_t)(1 + (i < large ? i / (base + 1) : extra + (i - large) / base));
}

static int64_t measure(const struct citem *it, int which)
{
	return which == 0 ? it->last_day : which == 1 ? (int64_t)it->f : it->m;
}

static void set_score(struct citem *it, int which, uint8_t b)
{
	if (which == 0)
		it->rs = b;
	else if (which == 1)
		it->fs = b;
	else
		it->ms = b;
}

/* The scores of one measure. v is in card id order (the walk's): a measure
 * of a small range (days, counts) is placed by a stable counting sort, ties
 * keeping that order; any other by sorting keys with the id. */
static int score(struct citem *v, size_t n, struct skey *s, int which)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		int64_t k = measure(&v[i], which);
		lo = k < lo ? k : lo;
		hi = k > hi ? k : hi;
	}
	if (n && (uint64_t)hi - (uint64_t)lo < 4 * (uint64_t)n + 1024) {
		size_t range = (size_t)((uint64_t)hi - (uint64_t)lo) + 1;
		size_t *at = calloc(range, sizeof(*at));
		if (!at)
			return ENOMEM;
		for (size_t i = 0; i < n; i++)
			at[(uint64_t)measure(&v[i], which) - (uint64_t)lo]++;
		for (size_t k = 0, sum = 0; k < range; k++) {
			size_t c = at[k];
			at[k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			set_score(&v[i], which, ntile(at[(uint64_t)measure(&v[i], which) - (uint64_t)lo]++, n));
		free(at);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		s[i].key = which == 0 ? v[i].last_day : which == 1 ? (int64_t)v[i].f : v[i].m;
		s[i].id = v[i].card_id;
		s[i].i = (uint32_t)i;
	}
	qsort(s, n, sizeof(*s), cmp_skey);
	for (size_t p = 0; p < n; p++)
		set_score(&v[s[p].i], which, ntile(p, n));
	return 0;
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct citem *a = pa, *b = pb;
	if (a->seg != b->seg)
		return a->seg < b->seg ? -1 : 1;
	if (a->m != b->m)
		return a->m > b->m ? -1 : 1;
	return (a->card_id > b->card_id) - (a->card_id < b->card_id);
}

static bool row(struct req *r, const struct rjob *j, const void *item, const Kart__Card *c, char **cells)
{
	const struct citem *it = item;
	const struct ropt *o = j->opt;
	cells[0] = arena_printf(r->arena, "%" PRIu64, it->card_id);
	cells[1] = (char *)report_client(r, c);
	cells[2] = c->owner ? c->owner : (char *)"";
	cells[3] = (char *)report_date(r->arena, it->last_day);
	cells[4] = arena_printf(r->arena, "%" PRId64, o->at - it->last_day);
	cells[5] = arena_printf(r->arena, "%" PRIu32, it->f);
	cells[6] = (char *)report_money(r->arena, it->m);
	cells[7] = arena_printf(r->arena, "%u", it->rs);
	cells[8] = arena_printf(r->arena, "%u", it->fs);
	cells[9] = arena_printf(r->arena, "%u", it->ms);
	cells[10] = (char *)slugs[it->seg];
	for (size_t i = 0; i < 11; i++)
		if (!cells[i])
			return false;
	return true;
}

/* A share in tenths of a percent, rounded half up. */
static const char *share(struct arena *a, int64_t part, int64_t whole)
{
	if (whole <= 0 || part <= 0)
		return "0.0";
	__int128 t = ((__int128)part * 1000 + whole / 2) / whole;
	return report_tenths(a, (int64_t)t);
}

static size_t digits_u64(uint64_t v)
{
	size_t d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* The enum field --to-field names, offering every slug; else the report fails. */
static const Kart__FieldDef *target_field(struct rjob *j, const struct schema *sc, const char *name, char *missing,
					  size_t nmissing)
{
	const Kart__FieldDef *d = schema_find(sc, name);
	*missing = '\0';
	if (!d) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "to_field", "to-field: no custom field %.64s", name);
		return NULL;
	}
	if (d->type != KART__FIELD_TYPE__FIELD_TYPE_ENUM) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "to_field",
			    "to-field: %.64s is not an enum field; the segments go into an enum field offering %s, %s, ... %s",
			    name, slugs[0], slugs[1], slugs[NSEG - 1]);
		return NULL;
	}
	for (size_t s = 0; s < NSEG; s++) {
		bool found = false;
		for (size_t i = 0; i < d->n_values && !found; i++)
			found = strcasecmp(d->values[i], slugs[s]) == 0;
		if (!found)
			snprintf(missing + strlen(missing), nmissing - strlen(missing), "%s%s", *missing ? ", " : "", slugs[s]);
	}
	if (*missing) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "to_field", "to-field: %.64s lacks the values %s", name,
			    missing);
		return NULL;
	}
	return d;
}

/* A saved segment of this name that the caller may not replace: the report fails. */
static int segment_taken(struct rrun *x, const char *name, bool *taken)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	*taken = false;
	int rc = mdb_get(x->txn, x->st->segments, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	Kart__Segment *s = kart__segment__unpack(NULL, v.mv_size, v.mv_data);
	if (!s)
		return MDB_CORRUPTED;
	*taken = x->j->job.who.role != KART__ROLE__ROLE_ADMIN &&
		 !(s->owner && *s->owner && strcmp(s->owner, x->j->job.who.user) == 0);
	kart__segment__free_unpacked(s, NULL);
	return 0;
}

static int check_writes(struct rrun *x, const struct citem *v, size_t n)
{
	struct rjob *j = x->j;
	const Kart__ReportQuery *q = j->q;
	char missing[256];
	if (*q->to_field && !target_field(j, &x->sc, q->to_field, missing, sizeof(missing)))
		return 0;
	if (!*q->save_segment)
		return 0;
	size_t len[NSEG] = { 0 };
	for (size_t i = 0; i < n; i++)
		len[v[i].seg] += digits_u64(v[i].card_id) + 1;
	for (size_t s = 0; s < NSEG; s++) {
		char name[80];
		snprintf(name, sizeof(name), "%s-%s", q->save_segment, slugs[s]);
		if (!*q->to_field && len[s] + 8 > EXPR_MAX) {
			report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "save_segment",
				    "save-segment: %.64s would list %zu bytes of card ids, more than a filter's 64 KiB; "
				    "write the segments into an enum field with --to-field, and the segments are saved as "
				    "FIELD = value",
				    name, len[s] + 8);
			return 0;
		}
		bool taken;
		int rc = segment_taken(x, name, &taken);
		if (rc)
			return rc;
		if (taken) {
			report_fail(j, KART__ERROR_CODE__PERMISSION_DENIED, "save_segment",
				    "permission denied: segment %.64s belongs to another user; choose another prefix", name);
			return 0;
		}
	}
	return 0;
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	struct ropt *o = j->opt;
	struct rfm w = { .x = x, .o = o, .sees_all = acl_sees_all(&x->scope) };
	arena_init(&w.scratch, 0);
	int rc = walk(&w);
	arena_free(&w.scratch);
	struct skey *s = w.n ? malloc(w.n * sizeof(*s)) : NULL;
	if (rc == 0 && w.n && !s)
		rc = ENOMEM;
	if (rc) {
		free(w.v);
		free(s);
		return rc == ENOMEM ? (j->oom = true, 0) : rc;
	}
	for (int which = 0; rc == 0 && which < 3 && w.n; which++)
		rc = score(w.v, w.n, s, which);
	free(s);
	if (rc) {
		free(w.v);
		j->oom = true;
		return 0;
	}
	int64_t seg_n[NSEG] = { 0 }, seg_m[NSEG] = { 0 }, cell_n[6][6] = { { 0 } }, cell_m[6][6] = { { 0 } }, total_m = 0;
	bool over = false;
	for (size_t i = 0; i < w.n; i++) {
		struct citem *it = &w.v[i];
		it->seg = (uint8_t)seg_of(it->rs, it->fs);
		seg_n[it->seg]++;
		cell_n[it->rs][it->fs]++;
		/* each card's own sum fits (a card's total of purchases is kept
		 * within int64); the cards' together may not */
		over |= __builtin_add_overflow(seg_m[it->seg], it->m, &seg_m[it->seg]);
		over |= __builtin_add_overflow(cell_m[it->rs][it->fs], it->m, &cell_m[it->rs][it->fs]);
		over |= __builtin_add_overflow(total_m, it->m, &total_m);
	}
	if (over) {
		free(w.v);
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "window",
			    "the clients' purchases in the window are too large to add up; choose a shorter --window or a "
			    "narrower --where");
		return 0;
	}
	if ((rc = check_writes(x, w.v, w.n)) || j->code) {
		free(w.v);
		return rc;
	}
	if (w.n)
		qsort(w.v, w.n, sizeof(*w.v), cmp_row);
	struct rtable *t = report_table(j, "clients", RCOLS(client_cols));
	if (t) {
		t->item_size = sizeof(struct citem);
		t->row = row;
		for (size_t i = 0; i < w.n; i++)
			report_card_item(j, t, &w.v[i]);
	}
	free(w.v);
	t = report_table(j, "segments", RCOLS(seg_cols));
	for (size_t g = 0; g < NSEG; g++) {
		const char *cells[5] = { slugs[g], arena_printf(&x->a, "%" PRId64, seg_n[g]), report_money(&x->a, seg_m[g]),
					 share(&x->a, seg_n[g], (int64_t)w.n), share(&x->a, seg_m[g], total_m) };
		report_text_row(j, t, cells);
	}
	t = report_table(j, "grid", RCOLS(grid_cols));
	for (int r = 5; r >= 1; r--)
		for (int f = 1; f <= 5; f++) {
			const char *cells[5] = { arena_printf(&x->a, "%d", r), arena_printf(&x->a, "%d", f),
						 arena_printf(&x->a, "%" PRId64, cell_n[r][f]),
						 report_money(&x->a, cell_m[r][f]), slugs[seg_of(r, f)] };
			report_text_row(j, t, cells);
		}
	char at[16], from[16];
	snprintf(at, sizeof(at), "%s", report_date(&x->a, o->at));
	snprintf(from, sizeof(from), "%s", report_date(&x->a, o->from));
	snprintf(j->note, sizeof(j->note), "%zu clients with purchases up to %s; frequency and money over %s..%s", w.n,
		 at, from, at);
	o->note_len = strlen(j->note);
	return 0;
}

/* ---- writer: the field, the segments ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int write_field(struct req *r, struct rjob *j, const Kart__FieldDef *d, const char *const *spelled,
		       uint64_t *changed, uint64_t *same, uint64_t *skipped)
{
	const struct rtable *t = &j->tables[0];
	const struct citem *v = t->items;
	bool sensitive = d->sensitive;
	struct arena scratch;
	arena_init(&scratch, 0);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->nitems; i++) {
		if (i % 256 == 255)
			writer_progress(r->srv); /* a long transaction, not a stuck writer */
		arena_reset(&scratch);
		struct req sub = *r;
		sub.arena = &scratch;
		Kart__Card *c;
		rc = card_load(r->txn, r->srv->store.cards, v[i].card_id, &scratch, &c);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			++*skipped; /* gone since the scan */
			continue;
		}
		if (rc)
			break;
		if (!acl_visible(&sub, c) || (sensitive && acl_masks(&sub, c))) {
			++*skipped; /* out of scope since the scan, or a field the caller does not see */
			continue;
		}
		const char *now = card_custom_value(c, d->name);
		const char *want = spelled[v[i].seg];
		if (now && strcmp(now, want) == 0) {
			++*same;
			continue;
		}
		Kart__Card *before = card_copy(&scratch, c);
		uint64_t seen = 0;
		if (!before) {
			rc = ENOMEM;
			break;
		}
		if (card_set(&sub, c, d->name, want, &seen) != H_OK) {
			rc = EINVAL;
			break;
		}
		c->version++;
		c->updated_at = r->now / 1000000;
		c->updated_by = r->who.user;
		if ((rc = card_commit(&sub, before, c, CARD_LIVE)) ||
		    (rc = audit_append(&sub, "card.update", "card", c->id, card_title(&scratch, c),
				       card_diff(&scratch, before, c), true)))
			break;
		++*changed;
	}
	arena_free(&scratch);
	return rc;
}

/* The expression of segment g: its ids, ascending ("id = 0": none). */
static char *id_list(const struct rtable *t, int g)
{
	const struct citem *v = t->items;
	size_t n = 0;
	for (size_t i = 0; i < t->nitems; i++)
		n += v[i].seg == g;
	if (!n)
		return strdup("id = 0");
	uint64_t *ids = malloc(n * sizeof(*ids));
	char *out = malloc(8 + n * 21 + 2);
	if (!ids || !out) {
		free(ids);
		free(out);
		return NULL;
	}
	n = 0;
	for (size_t i = 0; i < t->nitems; i++)
		if (v[i].seg == g)
			ids[n++] = v[i].card_id;
	qsort(ids, n, sizeof(*ids), cmp_u64);
	size_t len = (size_t)sprintf(out, "id in (");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(out + len, "%s%" PRIu64, i ? "," : "", ids[i]);
	sprintf(out + len, ")");
	free(ids);
	return out;
}

static int write_out(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	const struct ropt *o = j->opt;
	if (!*q->to_field && !*q->save_segment)
		return H_OK;
	/* a batch run again (the map grown) writes again: the note's additions too */
	if (o->note_len < sizeof(j->note))
		j->note[o->note_len] = '\0';
	if (j->ntables < 1)
		return ENOMEM;
	const Kart__FieldDef *d = NULL;
	const char *spelled[NSEG] = { NULL };
	int rc;
	if (*q->to_field) {
		struct schema *sc = schema_for(r);
		if ((rc = schema_sync(sc, r->txn, &r->srv->store)))
			return rc;
		d = schema_find(sc, q->to_field);
		for (size_t s = 0; d && s < NSEG; s++)
			for (size_t i = 0; i < d->n_values && !spelled[s]; i++)
				if (strcasecmp(d->values[i], slugs[s]) == 0)
					spelled[s] = d->values[i];
		bool ok = d && d->type == KART__FIELD_TYPE__FIELD_TYPE_ENUM;
		for (size_t s = 0; ok && s < NSEG; s++)
			ok = spelled[s] != NULL;
		if (!ok)
			return req_error(r, KART__ERROR_CODE__CONFLICT, "to_field",
					 "to-field: %.64s changed while the report ran; run it again", q->to_field);
		uint64_t changed = 0, same = 0, skipped = 0;
		if ((rc = write_field(r, j, d, spelled, &changed, &same, &skipped)))
			return rc == EINVAL ? req_error(r, KART__ERROR_CODE__INTERNAL, "to_field", "to-field: a value was refused")
					    : rc;
		size_t nl = strlen(j->note);
		snprintf(j->note + nl, sizeof(j->note) - nl, "; %.64s written on %" PRIu64 " cards (%" PRIu64
			 " already so, %" PRIu64 " not yours to change)", q->to_field, changed, same, skipped);
	}
	if (*q->save_segment) {
		for (int g = 0; g < NSEG; g++) {
			const char *name = arena_printf(r->arena, "%s-%s", q->save_segment, slugs[g]);
			char *expr;
			if (d) {
				/* the value quoted, its quotes and backslashes escaped */
				char buf[2100];
				size_t n = 0;
				for (const char *p = spelled[g]; *p && n + 2 < sizeof(buf) - 2; p++) {
					if (*p == '"' || *p == '\\')
						buf[n++] = '\\';
					buf[n++] = *p;
				}
				buf[n] = '\0';
				const char *e = arena_printf(r->arena, "%s = \"%s\"", d->name, buf);
				expr = e ? strdup(e) : NULL;
			} else {
				expr = id_list(&j->tables[0], g);
			}
			if (!name || !expr) {
				free(expr);
				return ENOMEM;
			}
			if (strlen(expr) > EXPR_MAX) {
				free(expr);
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "save_segment",
						 "save-segment: %.64s is longer than a filter's 64 KiB; use --to-field", name);
			}
			/* the caller's own replaced, another user's refused (checked
			 * before, in the run; again here, in the write) */
			rc = segment_put(r, name, expr, "", true);
			free(expr);
			if (rc)
				return rc;
		}
		size_t nl = strlen(j->note);
		snprintf(j->note + nl, sizeof(j->note) - nl, "; segments saved as %.44s-SEGMENT", q->save_segment);
	}
	return H_OK;
}

const struct report_kind report_rfm = {
	.kind = KART__REPORT_KIND__REPORT_KIND_RFM,
	.name = "rfm",
	.check = check,
	.run = run,
	.write = write_out,
};
