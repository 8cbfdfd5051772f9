#include "cardq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "card.h"
#include "cardq_plan.h"
#include "date.h"
#include "pbjson.h"
#include "text.h"
#include "util.h"

/* ---- the fields a query can name ---- */

static const char *const genders[] = { "f", "m" };
static const char *const sectors[] = { "cold", "warm", "hot" };
static const char *const lifecycles[] = { "potential", "working", "active", "regular", "dead" };

#define T(n, id) { n, Q_TEXT, 0, false, false, Q_TEXT, NULL, 0, id }
#define E(n, vals, id) { n, Q_ENUM, 0, false, false, Q_TEXT, vals, sizeof(vals) / sizeof(vals[0]), id }
#define B(n, id) { n, Q_BOOL, 0, false, false, Q_TEXT, NULL, 0, id }
#define S(n, id) { n, Q_SET, 0, false, false, Q_TEXT, NULL, 0, id }
#define D(n, annual, id) { n, Q_DATE, 0, annual, false, Q_TEXT, NULL, 0, id }
#define I(n, id) { n, Q_DATE, 0, false, true, Q_TEXT, NULL, 0, id } /* an instant: unix seconds */
#define N(n, scale, id) { n, Q_NUMBER, scale, false, false, Q_TEXT, NULL, 0, id }

static const struct qfield core[] = {
	T("first_name", F_FIRST_NAME), T("middle_name", F_MIDDLE_NAME), T("last_name", F_LAST_NAME),
	T("name", F_NAME), T("company", F_COMPANY), T("position", F_POSITION), T("city", F_CITY),
	T("address", F_ADDRESS), T("source", F_SOURCE), T("owner", F_OWNER), T("notes", F_NOTES),
	T("created_by", F_CREATED_BY), T("updated_by", F_UPDATED_BY),
	E("gender", genders, F_GENDER), E("sector", sectors, F_SECTOR), E("lifecycle", lifecycles, F_LIFECYCLE),
	B("vip", F_VIP), B("key_account", F_KEY_ACCOUNT),
	S("phones", F_PHONES), S("phone", F_PHONES), S("emails", F_EMAILS), S("email", F_EMAILS),
	S("tags", F_TAGS), S("tag", F_TAGS),
	D("birthday", true, F_BIRTHDAY), I("created_at", F_CREATED_AT), I("updated_at", F_UPDATED_AT),
	I("last_touch", F_LAST_TOUCH), I("last_touch_at", F_LAST_TOUCH),
	N("touches", 1, F_TOUCHES), N("total_purchases", 100, F_TOTAL_PURCHASES), N("id", 1, F_ID),
	N("version", 1, F_VERSION),
};

static const struct qfield *lookup(void *ud, const char *name)
{
	struct cardq *c = ud;
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (strcmp(core[i].name, name) == 0)
			return &core[i];
	const Kart__FieldDef *d = c->sc ? schema_find(c->sc, name) : NULL;
	if (!d)
		return NULL;
	struct qfield *f = arena_alloc(c->a, sizeof(*f));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->name = d->name;
	f->id = F_CUSTOM;
	f->values = (const char *const *)d->values;
	f->nvalues = d->n_values;
	switch (d->type) {
	case KART__FIELD_TYPE__FIELD_TYPE_NUMBER:
		f->type = Q_NUMBER;
		f->scale = CUSTOM_NUMBER_SCALE;
		break;
	case KART__FIELD_TYPE__FIELD_TYPE_DATE:
		f->type = Q_DATE;
		break;
	case KART__FIELD_TYPE__FIELD_TYPE_ENUM:
		f->type = Q_ENUM;
		break;
	case KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM:
		f->type = Q_SET;
		f->elem = Q_ENUM;
		break;
	case KART__FIELD_TYPE__FIELD_TYPE_BOOL:
		f->type = Q_BOOL;
		break;
	default:
		f->type = Q_TEXT;
		break;
	}
	return f;
}

int64_t cardq_today(int64_t now_us)
{
	return util_local_day(now_us / 1000000);
}

int64_t cardq_client_today(int64_t client_day, int64_t now_us)
{
	return client_day ? client_day : cardq_today(now_us);
}

int cardq_client_zone(int64_t client_day, int64_t client_utc_offset, struct util_zone *z)
{
	if (client_utc_offset < -CARDQ_OFFSET_MAX || client_utc_offset > CARDQ_OFFSET_MAX)
		return -1;
	/* neither sent: an older client; the server's zone then */
	*z = (struct util_zone){ .fixed = client_day != 0 || client_utc_offset != 0, .offset = (int)client_utc_offset };
	return 0;
}

/* Days from today to the next anniversary of month-day (0: today); Feb 29 is
 * celebrated on Mar 1 in common years, as `today` and `within` have it. */
static int64_t days_to_anniversary(int m, int d, int64_t today)
{
	int64_t y;
	int tm, td;
	date_civil_from_days(today, &y, &tm, &td);
	for (int64_t yy = y;; yy++) {
		int64_t day = date_anniversary(yy, m, d);
		if (day >= today)
			return day - today;
	}
}

/* ---- reading a card's values ---- */

struct rec {
	const Kart__Card *c;
	struct arena *a;            /* scratch, reset per card */
	const struct util_zone *zone; /* where an instant's day is counted */
};

static void set_text(struct rec *r, struct qvalue *out, const char *s)
{
	if (s && *s) {
		out->text = text_fold(r->a, s);
		out->present = out->text != NULL;
	}
}

static void set_date(struct qvalue *out, const char *s)
{
	int y, m, d;
	size_t n = s ? strlen(s) : 0;
	/* YYYY-MM-DD, or --MM-DD when the year is unknown (a yearly date still) */
	if ((n != 10 && n != 7) || sscanf(s + n - 5, "%2d-%2d", &m, &d) != 2)
		return;
	out->month = m;
	out->day = d;
	if (n == 10 && sscanf(s, "%4d", &y) == 1)
		out->num = date_days_from_civil(y, m, d);
	out->present = true;
}

static void set_list(struct rec *r, struct qvalue *out, char **items, size_t n)
{
	if (n == 0)
		return;
	const char **f = arena_alloc(r->a, n * sizeof(*f));
	if (!f)
		return;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i] && items[i][0] && (f[k] = text_fold(r->a, items[i])))
			k++;
	out->items = f;
	out->nitems = k;
	out->present = k > 0;
}

static void set_enum(struct rec *r, struct qvalue *out, const ProtobufCEnumDescriptor *d, int v)
{
	char buf[32];
	if (v)
		set_text(r, out, pbjson_enum_name(d, v, buf, sizeof(buf)));
}

/* An instant: the seconds, and its day in the query's zone (the client's). */
static void set_secs_date(struct rec *r, struct qvalue *out, int64_t secs)
{
	if (secs <= 0)
		return;
	out->secs = secs;
	out->num = util_zone_day(r->zone, secs);
	out->present = true;
}

static bool get_custom(struct rec *r, const struct qfield *f, struct qvalue *out)
{
	const char *v = card_custom_value(r->c, f->name);
	if (!*v)
		return true;
	switch (f->type) {
	case Q_NUMBER: {
		int64_t x;
		if (schema_parse_number(v, &x) == 0) {
			out->num = x;
			out->present = true;
		}
		return true;
	}
	case Q_DATE:
		set_date(out, v);
		return true;
	case Q_BOOL:
		out->num = strcmp(v, "true") == 0;
		out->present = true;
		return true;
	case Q_SET: {
		char *copy = arena_strdup(r->a, v);
		char *items[256];
		size_t n = 0;
		for (char *save = NULL, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && n < 256;
		     tok = strtok_r(NULL, ",", &save))
			items[n++] = tok;
		set_list(r, out, items, n);
		return true;
	}
	default:
		set_text(r, out, v);
		return true;
	}
}

static bool get(void *recp, const struct qfield *f, struct qvalue *out)
{
	struct rec *r = recp;
	const Kart__Card *c = r->c;
	memset(out, 0, sizeof(*out));
	switch (f->id) {
	case F_FIRST_NAME: set_text(r, out, c->first_name); break;
	case F_MIDDLE_NAME: set_text(r, out, c->middle_name); break;
	case F_LAST_NAME: set_text(r, out, c->last_name); break;
	case F_NAME: {
		const char *n = arena_printf(r->a, "%s %s %s", c->last_name ? c->last_name : "",
					     c->first_name ? c->first_name : "", c->middle_name ? c->middle_name : "");
		/* collapse the gaps of missing parts */
		char *t = n ? arena_strdup(r->a, n) : NULL;
		if (t) {
			char *w = t;
			for (const char *p = n; *p; p++)
				if (*p != ' ' || (w > t && w[-1] != ' '))
					*w++ = *p;
			while (w > t && w[-1] == ' ')
				w--;
			*w = '\0';
		}
		set_text(r, out, t);
		break;
	}
	case F_COMPANY: set_text(r, out, c->company); break;
	case F_POSITION: set_text(r, out, c->position); break;
	case F_CITY: set_text(r, out, c->city); break;
	case F_ADDRESS: set_text(r, out, c->address); break;
	case F_SOURCE: set_text(r, out, c->source); break;
	case F_OWNER: set_text(r, out, c->owner); break;
	case F_NOTES: set_text(r, out, c->notes); break;
	case F_CREATED_BY: set_text(r, out, c->created_by); break;
	case F_UPDATED_BY: set_text(r, out, c->updated_by); break;
	case F_GENDER: set_enum(r, out, &kart__gender__descriptor, c->gender); break;
	case F_SECTOR: set_enum(r, out, &kart__sector__descriptor, c->sector); break;
	case F_LIFECYCLE: set_enum(r, out, &kart__lifecycle__descriptor, c->lifecycle); break;
	case F_VIP: out->num = c->vip; out->present = true; break;
	case F_KEY_ACCOUNT: out->num = c->key_account; out->present = true; break;
	case F_PHONES: {
		/* the normalized form where there is one, else as typed */
		char **items = c->n_phones ? arena_alloc(r->a, c->n_phones * sizeof(char *)) : NULL;
		for (size_t i = 0; items && i < c->n_phones; i++)
			items[i] = i < c->n_phones_e164 && c->phones_e164[i][0] ? c->phones_e164[i] : c->phones[i];
		set_list(r, out, items, items ? c->n_phones : 0);
		break;
	}
	case F_EMAILS: set_list(r, out, c->emails, c->n_emails); break;
	case F_TAGS: set_list(r, out, c->tags, c->n_tags); break;
	case F_BIRTHDAY: set_date(out, c->birthday); break;
	case F_CREATED_AT: set_secs_date(r, out, c->created_at); break;
	case F_UPDATED_AT: set_secs_date(r, out, c->updated_at); break;
	case F_LAST_TOUCH: set_secs_date(r, out, c->last_touch_at); break;
	case F_TOUCHES: out->num = c->touches; out->present = true; break;
	case F_TOTAL_PURCHASES: out->num = c->total_purchases; out->present = true; break;
	case F_ID: out->num = (int64_t)c->id; out->present = true; break;
	case F_VERSION: out->num = (int64_t)c->version; out->present = true; break;
	case F_CUSTOM: return get_custom(r, f, out);
	default: return false;
	}
	return true;
}

int cardq_parse(struct cardq *c, const char *where)
{
	memset(&c->err, 0, sizeof(c->err));
	c->q = NULL;
	if (!where || !*where)
		return 0;
	c->q = query_parse(c->a, where, lookup, c, c->today, &c->zone, &c->err);
	return c->q || !c->err.message[0] ? 0 : -1;
}

int cardq_sort_field(struct cardq *c, const char *name)
{
	c->sort = NULL;
	c->desc = false;
	if (!name || !*name)
		return 0;
	if (*name == '-') {
		c->desc = true;
		name++;
	}
	c->sort = lookup(c, name);
	if (!c->sort) {
		memset(&c->err, 0, sizeof(c->err));
		const char *names[sizeof(core) / sizeof(core[0])];
		for (size_t k = 0; k < sizeof(core) / sizeof(core[0]); k++)
			names[k] = core[k].name;
		const char *near = text_nearest(name, names, sizeof(core) / sizeof(core[0]));
		if (near)
			snprintf(c->err.message, sizeof(c->err.message),
				 "cannot sort by unknown field '%.64s'; did you mean \"%s\"?", name, near);
		else
			snprintf(c->err.message, sizeof(c->err.message), "cannot sort by unknown field '%.64s'", name);
		return -1;
	}
	return 0;
}

/* ---- running ---- */

struct idvec {
	uint64_t *v;
	size_t n, cap;
	int err;
};

static int collect_id(void *ud, uint64_t id)
{
	struct idvec *iv = ud;
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? iv->cap * 2 : 1024;
		uint64_t *nv = realloc(iv->v, cap * sizeof(*nv));
		if (!nv) {
			iv->err = ENOMEM;
			return 1;
		}
		iv->v = nv;
		iv->cap = cap;
	}
	iv->v[iv->n++] = id;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct sorted {
	uint64_t id;
	bool present;
	int64_t num;
	const char *text;           /* malloc'ed */
};

static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted *x = a, *y = b;
	if (x->present != y->present)
		return x->present ? -1 : 1; /* missing values last */
	int c = 0;
	if (x->present)
		c = x->text || y->text ? strcmp(x->text ? x->text : "", y->text ? y->text : "")
				       : (x->num < y->num ? -1 : x->num > y->num);
	return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

/* Evaluates the query on one stored card. */
static int match(struct cardq *c, struct arena *scratch, const MDB_val *v, Kart__Card **out)
{
	*out = kart__card__unpack(&scratch->pb, v->mv_size, v->mv_data);
	if (!*out)
		return 0;
	if (c->scope && !acl_sees_all(c->scope) && !acl_visible(c->scope, *out))
		return 0;
	/* a filter or a sort must not see what the user may not: masked values
	 * are "***", which matches no date, number or real text */
	if (c->scope)
		acl_mask_with(c->scope, *out, c->sc);
	struct rec rec = { *out, scratch, &c->zone };
	return !c->q || query_eval(c->q, get, &rec, c->today);
}

int cardq_match_id(struct cardq *c, struct arena *scratch, uint64_t id, Kart__Card **out)
{
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(c->txn, c->st->cards, &k, &v);
	*out = NULL;
	if (rc)
		return rc == MDB_NOTFOUND ? 0 : -rc;
	return match(c, scratch, &v, out) && *out ? 1 : 0;
}

/* A fresh pool transaction for the next slice of the scan. */
static int slice(struct cardq *c)
{
	c->slices++;
	store_pool_end(c->st, c->pool_txn);
	int rc = store_pool_begin(c->st, c->pool_txn);
	c->txn = *c->pool_txn;
	if (c->scope)
		c->scope->txn = c->txn;
	return rc;
}

/* One run of a query: what cardq_run's steps share. */
struct run {
	struct cardq *c;
	uint64_t limit;
	cardq_fn fn;
	void *ud;
	bool have;                  /* an index was chosen: scan only ids */
	struct idvec ids;           /* its candidates, sorted, without duplicates */
	struct arena scratch;       /* one card at a time */
	struct sorted *sv;          /* with a sort: the matches' sort keys */
	size_t sn, scap;
	uint64_t passed;            /* cards handed to fn */
};

/* Chooses the cheapest index among the predicates every match must satisfy,
 * collects its candidates and says in c->plan how the cards are found. */
static int run_plan(struct run *u, size_t entries)
{
	struct cardq *c = u->c;
	const struct qnode *conj[64];
	size_t nconj = c->q ? query_conjuncts(c->q, conj, 64) : 0;
	struct plan best, cand;
	int rc;
	for (size_t i = 0; i < nconj; i++) {
		if (!cardq_plan_pred(c, conj[i], &cand))
			continue;
		uint64_t cap = u->have ? best.est : entries / 2 + 1;
		if ((rc = cardq_plan_walk(c, &cand, cap, &cand.est, NULL, NULL)))
			return rc;
		if (cand.est < cap) {
			best = cand;
			u->have = true;
		}
	}
	/* counts over every card would tell about others' */
	bool counts = !c->scope || acl_sees_all(c->scope);
	const char *filtered = c->q ? " with the filter" : "";
	if (!u->have) {
		c->plan = counts ? arena_printf(c->a, "scan of all %zu cards%s", entries, filtered)
				 : arena_printf(c->a, "scan of the cards%s", filtered);
		return 0;
	}
	struct idvec *ids = &u->ids;
	uint64_t n;
	if ((rc = cardq_plan_walk(c, &best, 0, &n, collect_id, ids)) || (rc = ids->err))
		return rc;
	if (ids->n)
		qsort(ids->v, ids->n, sizeof(*ids->v), cmp_u64);
	size_t w = 0;
	for (size_t i = 0; i < ids->n; i++)
		if (w == 0 || ids->v[w - 1] != ids->v[i])
			ids->v[w++] = ids->v[i];
	ids->n = w;
	if (counts)
		c->plan = arena_printf(c->a, "index %s for %s: %zu candidates of %zu cards, then the filter",
				       best.index, query_describe(c->a, best.pred), ids->n, entries);
	else
		c->plan = arena_printf(c->a, "index %s for %s, then the filter", best.index,
				       query_describe(c->a, best.pred));
	return 0;
}

/* A card that matched: to fn now, or its sort key kept for later. Returns 0,
 * 1 to stop the scan, or ENOMEM. */
static int run_take(struct run *u, Kart__Card *card)
{
	struct cardq *c = u->c;
	if (!c->sort) {
		u->passed++;
		return u->fn(u->ud, card) || (u->limit && u->passed >= u->limit);
	}
	struct qvalue qv;
	struct rec rec = { card, &u->scratch, &c->zone };
	get(&rec, c->sort, &qv);
	/* a yearly date (birthday) sorts by its next anniversary from today */
	if (qv.present && c->sort->annual)
		qv.num = days_to_anniversary(qv.month, qv.day, c->today);
	if (u->sn == u->scap) {
		u->scap = u->scap ? u->scap * 2 : 1024;
		struct sorted *ns = realloc(u->sv, u->scap * sizeof(*ns));
		if (!ns)
			return ENOMEM;
		u->sv = ns;
	}
	const char *t = qv.present ? (qv.text ? qv.text : (qv.nitems ? qv.items[0] : NULL)) : NULL;
	/* an instant sorts by the second, not by its day */
	int64_t key = c->sort->instant ? qv.secs : qv.num;
	u->sv[u->sn] = (struct sorted){ card->id, qv.present, key, t ? strdup(t) : NULL };
	u->sn++;
	return 0;
}

/* The scan: the candidates by id, or every card; each through the filter. */
static int run_scan(struct run *u)
{
	struct cardq *c = u->c;
	struct store *st = c->st;
	MDB_cursor *cur = NULL;
	int rc;
	if ((rc = mdb_cursor_open(c->txn, st->cards, &cur)))
		return rc;
	MDB_val k, v;
	size_t pos = 0;
	uint64_t last = 0;          /* the scan's last card */
	bool resume = false;        /* a fresh transaction: the scan goes on after `last` */
	for (;;) {
		if (c->pool_txn && pos && pos % CARDQ_SLICE == 0 && !resume) {
			mdb_cursor_close(cur);
			cur = NULL;
			if ((rc = slice(c)) || (rc = mdb_cursor_open(c->txn, st->cards, &cur)))
				break;
			resume = true;
		}
		if (u->have) {
			if (pos == u->ids.n)
				break;
			uint8_t key[8];
			store_u64_key(u->ids.v[pos++], key);
			k.mv_size = 8;
			k.mv_data = key;
			resume = false;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
			if (rc == MDB_NOTFOUND)
				continue; /* an index entry of a card since moved: reindex repairs it */
		} else {
			rc = resume ? store_cursor_after(cur, last, &k, &v) : mdb_cursor_get(cur, &k, &v, pos ? MDB_NEXT : MDB_FIRST);
			pos++;
			resume = false;
			if (rc == MDB_NOTFOUND) {
				rc = 0;
				break;
			}
			if (rc == 0 && k.mv_size == 8)
				last = store_key_u64(k.mv_data);
		}
		if (rc)
			break;
		c->read++;
		arena_reset(&u->scratch);
		Kart__Card *card;
		if (!match(c, &u->scratch, &v, &card))
			continue;
		int t = run_take(u, card);
		if (t == ENOMEM)
			rc = ENOMEM;
		if (t)
			break;
	}
	if (cur)
		mdb_cursor_close(cur);
	return rc;
}

/* The stored card `id` in the scratch arena, or NULL. */
static Kart__Card *run_card(struct run *u, uint64_t id)
{
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	if (mdb_get(u->c->txn, u->c->st->cards, &k, &v))
		return NULL;
	arena_reset(&u->scratch);
	return kart__card__unpack(&u->scratch.pb, v.mv_size, v.mv_data);
}

/* With a sort: the matches to fn in order, missing values last either way. */
static int run_sorted(struct run *u)
{
	struct cardq *c = u->c;
	struct sorted *sv = u->sv;
	size_t sn = u->sn;
	int rc = 0;
	if (sn)
		qsort(sv, sn, sizeof(*sv), cmp_sorted);
	for (size_t i = 0; i < sn && rc == 0; i++) {
		if (c->pool_txn && i && i % CARDQ_SLICE == 0 && (rc = slice(c)))
			break;
		size_t at = c->desc ? sn - 1 - i : i;
		if (c->desc && !sv[at].present)
			continue; /* missing values last either way */
		Kart__Card *card = run_card(u, sv[at].id);
		if (!card)
			continue;
		u->passed++;
		if (u->fn(u->ud, card) || (u->limit && u->passed >= u->limit))
			break;
	}
	if (c->desc)
		for (size_t i = 0; i < sn && rc == 0 && !(u->limit && u->passed >= u->limit); i++) {
			if (c->pool_txn && i && i % CARDQ_SLICE == 0 && (rc = slice(c)))
				break;
			if (sv[i].present)
				continue;
			Kart__Card *card = run_card(u, sv[i].id);
			if (card) {
				u->passed++;
				if (u->fn(u->ud, card))
					break;
			}
		}
	return rc;
}

int cardq_run(struct cardq *c, uint64_t limit, cardq_fn fn, void *ud)
{
	MDB_stat ms;
	int rc = mdb_stat(c->txn, c->st->cards, &ms);
	if (rc)
		return rc;
	struct run u = { .c = c, .limit = limit, .fn = fn, .ud = ud };
	if ((rc = run_plan(&u, (size_t)ms.ms_entries))) {
		free(u.ids.v);
		return rc;
	}
	arena_init(&u.scratch, 0);
	rc = run_scan(&u);
	if (rc == 0 && c->sort)
		rc = run_sorted(&u);
	for (size_t i = 0; i < u.sn; i++)
		free((void *)u.sv[i].text);
	free(u.sv);
	arena_free(&u.scratch);
	free(u.ids.v);
	return rc;
}

void cardq_err_text(const struct cardq *c, char *out, size_t n)
{
	if (c->err.col)
		snprintf(out, n, "%s (column %d)", c->err.message, c->err.col);
	else
		snprintf(out, n, "%s", c->err.message);
}
