/* report_funnel: `kart report funnel [--period P] [--owner U] [--where EXPR]`
 * — the deals created in the period (in the client's calendar; no period: every
 * deal), on cards of the caller's scope (live or in the trash, as `deal
 * ls` sees them; with --where, the live cards it matches), of one owner with
 * --owner, through the configured funnel: how many reached each stage, and
 * their amount, the conversions, the time spent in each stage, and the
 * outcomes (funnel.h says how each is counted). Its stages are the funnel's
 * when the report runs (cfg funnel); visits to a stage no longer in it count
 * for nothing. The deals table is walked whole, in read transactions renewed
 * every RENEW deals. The report lists no card, so it has no read record; the
 * framework still audits it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "funnel.h"
#include "report.h"

#define RENEW 4096

struct fopt {
	int64_t from, to;               /* days, [from, to) */
	char funnel[512];               /* the configured stages, as the request came */
};

static const struct rcol stage_cols[] = {
	{ "stage", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "reached", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "reached_amount", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "conversion_from_first", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "conversion_from_previous", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "avg_days_in_stage", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "now_in_stage", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "amount_conversion_from_first", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
	{ "amount_conversion_from_previous", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
};

static const struct rcol outcome_cols[] = {
	{ "deals", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "won", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "won_amount", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "lost", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "lost_amount", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY },
	{ "avg_won_cycle_days", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL },
};

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	if (*q->at || *q->window || *q->by || q->days || *q->min_total || *q->save_segment || *q->to_field)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "a funnel report takes only --period, --owner and --where");
	if (strlen(q->owner) > 64)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "owner", "owner: a user name is at most 64 bytes");
	struct fopt *o = calloc(1, sizeof(*o));
	if (!o)
		return req_no_memory(r);
	j->opt = o;
	const char *why;
	o->from = INT64_MIN; /* no period: every deal */
	o->to = INT64_MAX;
	if (*q->period && report_period(q->period, j->today, 1, &o->from, &o->to, &why) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "period", "period: '%.40s' is not a period: %s",
				 q->period, why);
	snprintf(o->funnel, sizeof(o->funnel), "%s", r->cfg->funnel);
	return H_OK;
}

/* The funnel's stages, split in place. Returns how many. */
static size_t split(char *s, const char **out)
{
	size_t n = 0;
	for (char *p = s; *p && n < FUNNEL_STAGES_MAX;) {
		out[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

/* Whether the caller may see user `owner` (themselves or a user whose cards
 * they see); --owner of anyone else is no deals, the same as a missing user. */
static int owner_in_scope(struct rrun *x, const char *owner, bool *in)
{
	*in = true;
	if (acl_sees_all(&x->scope))
		return 0;
	char **names;
	size_t n;
	int rc = acl_scope_owners(&x->scope, &x->a, &names, &n);
	if (rc)
		return rc;
	*in = strcmp(owner, x->scope.who.user) == 0;
	for (size_t i = 0; !*in && i < n; i++)
		*in = strcmp(names[i], owner) == 0;
	return 0;
}

struct fwalk {
	struct rrun *x;
	struct funnel f;
	const char *stages[FUNNEL_STAGES_MAX];
	const struct fopt *o;
	const char *owner;
	bool where;
	struct arena cards;             /* --where's card, decoded */
	uint64_t last_card;            /* the last card looked at, and whether it counted */
	bool last_ok;
	struct funnel_visit *v;
	size_t capv;
};

/* Whether the deal's card counts: in scope (live or in the trash) and, with
 * --where, a live card it matches. Deals of one card are often neighbours. */
static int card_counts(struct fwalk *w, uint64_t card_id, bool *ok)
{
	if (card_id == w->last_card && card_id) {
		*ok = w->last_ok;
		return 0;
	}
	int rc = acl_card_id_visible(&w->x->scope, card_id);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	*ok = rc == 0;
	if (*ok && w->where) {
		Kart__Card *c;
		arena_reset(&w->cards);
		int m = cardq_match_id(&w->x->q, &w->cards, card_id, &c);
		if (m < 0)
			return -m;
		*ok = m == 1;
	}
	w->last_card = card_id;
	w->last_ok = *ok;
	return 0;
}

/* One stored deal, read from its bytes (funnel_scan_deal): a walk of every
 * deal decodes none of them. */
static int one_deal(struct fwalk *w, const MDB_val *v)
{
	struct rrun *x = w->x;
	struct funnel_raw d;
	if (funnel_scan_deal(&w->f, v->mv_data, v->mv_size, &d, w->v, w->capv) < 0)
		return 0; /* what does not decode is not counted (kartd verify reports it) */
	if (d.nvisits > w->capv) {
		size_t cap = d.nvisits * 2;
		struct funnel_visit *nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv)
			return ENOMEM;
		w->v = nv;
		w->capv = cap;
		funnel_scan_deal(&w->f, v->mv_data, v->mv_size, &d, w->v, w->capv);
	}
	int64_t day = report_day_of(x->j, d.created_at);
	if (day < w->o->from || day >= w->o->to)
		return 0;
	if (*w->owner && (d.owner_len != strlen(w->owner) || memcmp(w->owner, d.owner, d.owner_len) != 0))
		return 0;
	bool ok;
	int rc = card_counts(w, d.card_id, &ok);
	if (rc || !ok)
		return rc;
	if (!d.nvisits) { /* not written since format 3: its stage since creation */
		w->v[0].stage = funnel_stage_index_n(&w->f, d.stage, d.stage_len);
		w->v[0].at = d.created_at;
		d.nvisits = 1;
	}
	struct funnel_deal fd = { d.amount, d.created_at, w->v, d.nvisits };
	funnel_add(&w->f, &fd, x->j->now / 1000000);
	return 0;
}

static int walk(struct fwalk *w)
{
	struct rrun *x = w->x;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(x->txn, x->st->deals, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	uint8_t last[8];
	uint64_t walked = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;) {
		if ((rc = one_deal(w, &v)))
			break;
		if (++walked % RENEW || k.mv_size != 8) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* a fresh transaction: the cursor (a read transaction's is closed
		 * by hand) reopened past the last deal read */
		memcpy(last, k.mv_data, 8);
		mdb_cursor_close(cur);
		if (report_renew(x, 1, &rc) < 0)
			return rc;
		if ((rc = mdb_cursor_open(x->txn, x->st->deals, &cur)))
			return rc;
		k = (MDB_val){ 8, last };
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == 8 && memcmp(k.mv_data, last, 8) == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static const char *tenths_or_empty(struct arena *a, int64_t t)
{
	return t < 0 ? "" : report_tenths(a, t);
}

static void tables(struct fwalk *w)
{
	struct rrun *x = w->x;
	struct rjob *j = x->j;
	const struct funnel *f = &w->f;
	struct rtable *st = report_table(j, "stages", RCOLS(stage_cols));
	struct rtable *ot = report_table(j, "outcomes", RCOLS(outcome_cols));
	const struct funnel_stage *first = &f->s[f->first];
	for (size_t i = 0; i < f->nstages; i++) {
		const struct funnel_stage *s = &f->s[i];
		int prev = funnel_previous(f, (int)i);
		const struct funnel_stage *base = prev < 0 ? s : &f->s[prev];
		const char *cells[] = {
			w->stages[i],
			arena_printf(&x->a, "%" PRIu64, s->reached),
			report_money(&x->a, s->reached_amount),
			tenths_or_empty(&x->a, funnel_percent_tenths(s->reached, first->reached)),
			tenths_or_empty(&x->a, funnel_percent_tenths(s->reached, base->reached)),
			f->outcome[i] ? "" : tenths_or_empty(&x->a, funnel_days_tenths(s->secs, s->timed)),
			arena_printf(&x->a, "%" PRIu64, s->now_in),
			tenths_or_empty(&x->a, funnel_percent_tenths((uint64_t)s->reached_amount, (uint64_t)first->reached_amount)),
			tenths_or_empty(&x->a, funnel_percent_tenths((uint64_t)s->reached_amount, (uint64_t)base->reached_amount)),
		};
		report_text_row(j, st, cells);
	}
	const char *cells[] = {
		arena_printf(&x->a, "%" PRIu64, f->deals),
		arena_printf(&x->a, "%" PRIu64, f->won_n),
		report_money(&x->a, f->won_amount),
		arena_printf(&x->a, "%" PRIu64, f->lost_n),
		report_money(&x->a, f->lost_amount),
		tenths_or_empty(&x->a, funnel_days_tenths(f->won_cycle_secs, f->won_cycles)),
	};
	report_text_row(j, ot, cells);
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	struct fopt *o = j->opt;
	struct fwalk w = { .x = x, .o = o, .owner = j->q->owner ? j->q->owner : "", .where = j->q->where && *j->q->where };
	funnel_init(&w.f, w.stages, split(o->funnel, w.stages));
	arena_init(&w.cards, 0);
	if (!(w.v = malloc((w.capv = 16) * sizeof(*w.v))))
		return ENOMEM;
	bool owner_ok = true;
	int rc = *w.owner ? owner_in_scope(x, w.owner, &owner_ok) : 0;
	if (rc == 0 && owner_ok)
		rc = walk(&w);
	arena_free(&w.cards);
	free(w.v);
	if (rc)
		return rc;
	if (w.f.overflow) {
		report_fail(j, KART__ERROR_CODE__BAD_REQUEST, "period",
			    "the deals' amounts are too large to add up; choose a shorter period, an --owner or a narrower --where");
		return 0;
	}
	tables(&w);
	char when[48] = "at any time";
	if (o->from != INT64_MIN)
		snprintf(when, sizeof(when), "%s..%s", report_date(&x->a, o->from), report_date(&x->a, o->to - 1));
	snprintf(j->note, sizeof(j->note), "%" PRIu64 " deal%s created %s%s%.64s", w.f.deals, w.f.deals == 1 ? "" : "s",
		 when, *w.owner ? ", owner " : "", w.owner);
	return 0;
}

const struct report_kind report_funnel = {
	.kind = KART__REPORT_KIND__REPORT_KIND_FUNNEL,
	.name = "funnel",
	.check = check,
	.run = run,
};
