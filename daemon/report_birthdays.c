/* report_birthdays: `kart report birthdays [--days N]` — the clients and
 * their relatives whose birthday comes in the next N days (today included),
 * soonest first, as a list for a mailing. The same people `kart today`
 * shows, found the same way (ix_birthday: "MMDD" -> card ids; a 29 February
 * is celebrated on 1 March in a common year), over the cards a --where
 * matches. A masked birthday is no birthday: the person is left out. */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "report.h"

#define DAYS_DEFAULT 30
#define DAYS_MAX 366
#define RENEW_EVERY 4096     /* cards looked at in one read transaction */

struct bitem {
	uint64_t card_id;           /* first (report.h) */
	uint32_t person;            /* 0: the client, i: relative i-1 */
	uint32_t in_days;
	int64_t day;                /* the day of the coming birthday */
	int32_t born;               /* year of birth, 0: unknown */
};

static const struct rcol cols[] = {
	{ "date", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DATE },
	{ "in_days", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "name", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "relation", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "age", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "card_id", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT },
	{ "client", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "owner", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "phone", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
	{ "email", KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT },
};

/* "YYYY-MM-DD" or "--MM-DD" (year unknown: *y = 0). */
static bool parse_birthday(const char *s, int *y, int *m, int *d)
{
	int yy = 0, mm, dd;
	char tail;
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n == 10 && sscanf(s, "%4d-%2d-%2d%c", &yy, &mm, &dd, &tail) == 3)
		;
	else if (n == 7 && sscanf(s, "--%2d-%2d%c", &mm, &dd, &tail) == 2)
		yy = 0;
	else
		return false;
	if (mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return false;
	*y = yy;
	*m = mm;
	*d = dd;
	return true;
}

static int check(struct req *r, struct rjob *j)
{
	const Kart__ReportQuery *q = j->q;
	if (q->days > DAYS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "days", "days: 1 to %d, not %u", DAYS_MAX, q->days);
	if (*q->at || *q->window || *q->period || *q->by || *q->owner || *q->min_total || *q->save_segment ||
	    *q->to_field)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "a birthdays report takes only --days and --where");
	return H_OK;
}

struct brun {
	struct rrun *x;
	struct rtable *t;
	struct arena scratch;
	uint64_t walked;            /* cards looked at */
};

/* Everyone on the cards under one MMDD key, their birthday on `day`. */
static int lookup(struct brun *b, MDB_cursor **cur, int key_m, int key_d, int64_t day, uint32_t in_days)
{
	struct rrun *x = b->x;
	char key[5];
	snprintf(key, sizeof(key), "%02d%02d", key_m, key_d);
	MDB_val k = { 4, key }, v;
	int rc = mdb_cursor_get(*cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		uint64_t id = v.mv_size == 8 ? store_key_u64(v.mv_data) : 0;
		Kart__Card *c = NULL;
		arena_reset(&b->scratch);
		int m = id ? cardq_match_id(&x->q, &b->scratch, id, &c) : 0;
		if (m < 0)
			return -m;
		for (size_t p = 0; m == 1 && p <= c->n_relatives; p++) {
			int by, bm, bd;
			if (!parse_birthday(p ? c->relatives[p - 1]->birthday : c->birthday, &by, &bm, &bd) ||
			    bm != key_m || bd != key_d)
				continue;
			int64_t y;
			int mm, dd;
			date_civil_from_days(day, &y, &mm, &dd);
			struct bitem it = { id, (uint32_t)p, in_days, day, y > by ? by : 0 };
			report_card_item(x->j, b->t, &it);
		}
		/* a fresh transaction now and then: the cursor (a read transaction's
		 * is closed by hand) is reopened on the same key, past this card */
		if (++b->walked % RENEW_EVERY == 0) {
			mdb_cursor_close(*cur);
			*cur = NULL;
			if (report_renew(x, 1, &rc) < 0)
				return rc;
			if ((rc = mdb_cursor_open(x->txn, x->st->ix_birthday, cur)))
				return rc;
			MDB_val kv = { 8, NULL };
			uint8_t idk[8];
			store_u64_key(id, idk);
			kv.mv_data = idk;
			k = (MDB_val){ 4, key };
			rc = mdb_cursor_get(*cur, &k, &kv, MDB_GET_BOTH_RANGE);
			if (rc == 0 && kv.mv_size == 8 && store_key_u64(kv.mv_data) == id)
				rc = mdb_cursor_get(*cur, &k, &v, MDB_NEXT_DUP);
			else if (rc == 0)
				v = kv;
			continue;
		}
		rc = mdb_cursor_get(*cur, &k, &v, MDB_NEXT_DUP);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct bitem *a = pa, *b = pb;
	if (a->in_days != b->in_days)
		return a->in_days < b->in_days ? -1 : 1;
	if (a->card_id != b->card_id)
		return a->card_id < b->card_id ? -1 : 1;
	return (a->person > b->person) - (a->person < b->person);
}

static bool row(struct req *r, const struct rjob *j, const void *item, const Kart__Card *c, char **cells)
{
	(void)j;
	const struct bitem *it = item;
	if (it->person > c->n_relatives)
		return false; /* a relative removed since the scan */
	const char *bday = it->person ? c->relatives[it->person - 1]->birthday : c->birthday;
	int by, bm, bd;
	if (!parse_birthday(bday, &by, &bm, &bd))
		return false; /* masked for this user, or changed since */
	const char *client = report_client(r, c);
	cells[0] = (char *)report_date(r->arena, it->day);
	cells[1] = arena_printf(r->arena, "%u", it->in_days);
	if (it->person) {
		const Kart__Relative *rel = c->relatives[it->person - 1];
		cells[2] = rel->name ? rel->name : (char *)"";
		cells[3] = rel->relation && *rel->relation ? rel->relation : (char *)"relative";
	} else {
		cells[2] = (char *)client;
	}
	int64_t y;
	int m, d;
	date_civil_from_days(it->day, &y, &m, &d);
	cells[4] = it->born ? arena_printf(r->arena, "%d", (int)(y - it->born)) : (char *)"";
	cells[5] = arena_printf(r->arena, "%llu", (unsigned long long)c->id);
	cells[6] = (char *)client;
	cells[7] = c->owner ? c->owner : (char *)"";
	cells[8] = c->n_phones ? c->phones[0] : (char *)"";
	cells[9] = c->n_emails ? c->emails[0] : (char *)"";
	for (size_t i = 0; i < 10; i++)
		if (!cells[i])
			return false; /* out of memory */
	return true;
}

static int run(struct rrun *x)
{
	struct rjob *j = x->j;
	unsigned days = j->q->days ? j->q->days : DAYS_DEFAULT;
	struct brun b = { .x = x, .t = report_table(j, "birthdays", RCOLS(cols)) };
	if (!b.t)
		return 0;
	b.t->item_size = sizeof(struct bitem);
	b.t->row = row;
	b.t->full = true; /* the relatives */
	arena_init(&b.scratch, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(x->txn, x->st->ix_birthday, &cur);
	/* a month-day is looked up once: with 366 days the window can meet today's again */
	bool seen[13][32] = { { false } };
	for (unsigned i = 0; rc == 0 && i < days; i++) {
		int64_t y;
		int m, d;
		date_civil_from_days(j->today + i, &y, &m, &d);
		if (!seen[m][d]) {
			seen[m][d] = true;
			rc = lookup(&b, &cur, m, d, j->today + i, i);
		}
		if (rc == 0 && m == 3 && d == 1 && !date_is_leap(y) && !seen[2][29]) {
			seen[2][29] = true;
			rc = lookup(&b, &cur, 2, 29, j->today + i, i);
		}
	}
	if (cur)
		mdb_cursor_close(cur);
	arena_free(&b.scratch);
	size_t n;
	struct bitem *v = report_items(b.t, &n);
	if (n)
		qsort(v, n, sizeof(*v), cmp_item);
	char from[16], to[16];
	snprintf(from, sizeof(from), "%s", report_date(&x->a, j->today));
	snprintf(to, sizeof(to), "%s", report_date(&x->a, j->today + days - 1));
	snprintf(j->note, sizeof(j->note), "%zu birthdays, %s..%s", n, from, to);
	return rc;
}

const struct report_kind report_birthdays = {
	.kind = KART__REPORT_KIND__REPORT_KIND_BIRTHDAYS,
	.name = "birthdays",
	.check = check,
	.run = run,
};
