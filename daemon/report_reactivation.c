/* report_reactivation: `kart report reactivation --days N [--min-total X]
 * [--save-segment NAME]` — the clients nobody touched in the last N days,
 * the biggest buyers first, for a round of calls.
 *
 * "No touch in N days": no timeline entry on the N days today-N+1 .. today
 * (the client's calendar, today included, as `within`), that is the day of
 * the card's last_touch_at is today-N or earlier; a card never touched
 * (last_touch_at 0) is untouched. Ordered by total_purchases, largest first,
 * ties by card id. --min-total X keeps those whose purchases add up to at
 * least X. A filtered scan of the cards (their derived fields, h_timeline.c):
 * the condition is the filter
 *     (not last_touch exists or last_touch <= -Nd) [and total_purchases >= X]
 * and --save-segment saves exactly that (and the --where) as a segment, so it
 * stays live: tomorrow it names tomorrow's untouched clients. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "money.h"
#include "report.h"

#define DAYS_MAX 36600

struct ritem {
	uint64_t card_id;           /* first (report.h) */
	int64_t total;
};

struct ropt {
	int64_t min_total;
	bool has_min;
	char expr[];                /* the segment's filter (with --save-segment), or "" */
};

static const struct rcol cols[] = {
	{ "card_id", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "client", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "owner", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "last_touch", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DATE },
	{ "days_since", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "total_purchases", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "touches", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "phone", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
};

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	if (*q->at || *q->window || *q->period || *q->by || *q->owner || *q->to_field)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "a reactivation report takes only --days, --min-total, --save-segment and --where");
	if (!q->days || q->days > DAYS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "days",
				 q->days ? "days: 1 to %d, not %u" : "days: give --days N (1 to %d), the days without a touch",
				 DAYS_MAX, q->days);
	int64_t min = 0;
	bool has_min = false;
	if (*q->min_total) {
		const char *why = "";
		if (money_parse(q->min_total, &min, &why) < 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "min_total", "min-total: '%.40s' is not an amount (%s)",
					 q->min_total, why);
		has_min = true;
	}
	const char *where = q->where ? q->where : "";
	char cond[160], buf[40];
	size_t len = 1;
	if (*q->save_segment) {
		if (segment_check_name(r, "save_segment", q->save_segment) != H_OK)
			return H_ABORT;
		int n = snprintf(cond, sizeof(cond), "(not last_touch exists or last_touch <= -%ud)", q->days);
		if (has_min)
			snprintf(cond + n, sizeof(cond) - (size_t)n, " and total_purchases >= %s",
				 money_format(min, buf, sizeof(buf)));
		len = strlen(where) + strlen(cond) + 16;
		if (len > 64 * 1024)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "save_segment",
					 "save-segment: the filter with the report's condition is longer than 64 KiB");
	}
	struct ropt *o = calloc(1, sizeof(*o) + len);
	if (!o)
		return req_no_memory(r);
	j->opt = o;
	o->min_total = min;
	o->has_min = has_min;
	if (*q->save_segment && *where)
		snprintf(o->expr, len, "(%s) and %s", where, cond);
	else if (*q->save_segment)
		snprintf(o->expr, len, "%s", cond);
	return H_OK;
}

struct xrun {
	struct rrun *x;
	struct rtable *t;
	const struct ropt *o;
	int64_t last_day;           /* the latest day of a last touch that counts as none in N days */
};

static int scan_fn(void *ud, Kart__Card *c)
{
	struct xrun *b = ud;
	if (c->last_touch_at > 0 && report_day_of(b->x->j, c->last_touch_at) > b->last_day)
		return 0;
	if (b->o->has_min && c->total_purchases < b->o->min_total)
		return 0;
	struct ritem it = { c->id, c->total_purchases };
	report_card_item(b->x->j, b->t, &it);
	return b->x->j->oom ? 1 : 0;
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct ritem *a = pa, *b = pb;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return (a->card_id > b->card_id) - (a->card_id < b->card_id);
}

static bool row(struct req *r, const struct rjob *j, const void *item, const Kart__Card *c, char **cells)
{
	(void)item;
	cells[0] = arena_printf(r->arena, "%" PRIu64, c->id);
	cells[1] = (char *)report_client(r, c);
	cells[2] = c->owner ? c->owner : (char *)"";
	if (c->last_touch_at > 0) {
		int64_t day = report_day_of(j, c->last_touch_at);
		cells[3] = (char *)report_date(r->arena, day);
		cells[4] = arena_printf(r->arena, "%" PRId64, j->today - day);
	}
	cells[5] = (char *)report_money(r->arena, c->total_purchases);
	cells[6] = arena_printf(r->arena, "%u", c->touches);
	cells[7] = c->n_phones ? c->phones[0] : (char *)"";
	for (size_t i = 0; i < 8; i++)
		if (!cells[i])
			return false; /* out of memory */
	return true;
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	struct xrun b = { .x = x, .t = report_table(j, "clients", RCOLS(cols)), .o = j->opt };
	if (!b.t)
		return 0;
	b.t->item_size = sizeof(struct ritem);
	b.t->row = row;
	b.last_day = j->today - (int64_t)j->q->days;
	int rc = report_scan(x, scan_fn, &b);
	size_t n;
	struct ritem *v = report_items(b.t, &n);
	if (n)
		qsort(v, n, sizeof(*v), cmp_item);
	snprintf(j->note, sizeof(j->note), "%zu clients with no touch after %s", n, report_date(&x->a, b.last_day));
	return rc;
}

/* The segment, in the record's transaction: as `kart segment save` saves it. */
static int write_segment(struct req *r, struct rjob *j)
{
	const struct ropt *o = j->opt;
	if (!*o->expr)
		return H_OK;
	/* never replaces one: a report run again would take a segment saved by hand */
	const char *name = j->q->save_segment;
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(r->txn, r->srv->store.segments, &k, &v);
	if (rc == 0)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "save_segment",
				 "save-segment: the name %.64s is taken by a segment; choose another name", name);
	if (rc != MDB_NOTFOUND)
		return rc;
	return segment_put(r, name, o->expr, "", false);
}

const struct report_kind report_reactivation = {
	.kind = KART__REPORT_KIND__REPORT_KIND_REACTIVATION,
	.name = "reactivation",
	.check = check,
	.run = run,
	.write = write_segment,
};
