/* h_report: the request that runs a report (report.h): its checks on the
 * loop, its scan in the pool, its record on the writer and its tables
 * streamed from the loop. What each report computes is its report_*.c's. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "card.h"
#include "date.h"
#include "export.h"
#include "handlers.h"
#include "log.h"
#include "money.h"
#include "reads.h"
#include "report.h"
#include "text.h"
#include "writer.h"

/* Each kind's report_*.c adds its line. */
static const struct report_kind *const kinds[] = {
	&report_birthdays,
	&report_funnel,
	&report_abc,
	&report_managers,
	&report_reactivation,
	&report_rfm,
};

/* ---- the job ---- */

static void free_job(struct rjob *j)
{
	for (size_t i = 0; i < j->ntables; i++) {
		struct rtable *t = &j->tables[i];
		for (size_t c = 0; c < t->nrows * t->ncols; c++)
			free(t->cells[c]);
		free(t->cells);
		free(t->items);
	}
	if (j->free_state)
		j->free_state(j->state);
	kart__report_query__free_unpacked(j->q, NULL);
	free(j->opt);
	free(j->ids);
	free(j->canaries);
	free(j);
}

void report_fail(struct rjob *j, Kart__ErrorCode code, const char *field, const char *fmt, ...)
{
	if (j->code)
		return; /* the first failure is the one told */
	j->code = code;
	snprintf(j->field, sizeof(j->field), "%s", field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->message, sizeof(j->message), fmt, ap);
	va_end(ap);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

struct rtable *report_table(struct rjob *j, const char *name, const struct rcol *cols, size_t ncols)
{
	if (j->ntables == RTABLES_MAX) {
		j->oom = true;
		return NULL;
	}
	struct rtable *t = &j->tables[j->ntables++];
	*t = (struct rtable){ .name = name, .cols = cols, .ncols = ncols };
	return t;
}

void report_text_row(struct rjob *j, struct rtable *t, const char *const *cells)
{
	if (!t || j->oom)
		return;
	if (!grow((void **)&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells))) {
		j->oom = true;
		return;
	}
	char **row = t->cells + t->nrows * t->ncols;
	for (size_t c = 0; c < t->ncols; c++)
		if (!(row[c] = strdup(cells[c] ? cells[c] : "")))
			j->oom = true;
	t->nrows++;
}

void report_card_item(struct rjob *j, struct rtable *t, const void *item)
{
	if (!t || j->oom)
		return;
	if (!grow(&t->items, &t->cap, t->nitems + 1, t->item_size) ||
	    !grow((void **)&j->ids, &j->capids, j->nids + 1, sizeof(*j->ids))) {
		j->oom = true;
		return;
	}
	memcpy((char *)t->items + t->nitems * t->item_size, item, t->item_size);
	t->nitems++;
	uint64_t id;
	memcpy(&id, item, sizeof(id));
	j->ids[j->nids++] = id;
}

const char *report_money(struct arena *a, int64_t minor)
{
	char buf[40];
	return arena_strdup(a, money_format(minor, buf, sizeof(buf)));
}

const char *report_tenths(struct arena *a, int64_t tenths)
{
	int64_t whole = tenths / 10, frac = tenths % 10;
	if (frac < 0)
		frac = -frac;
	return arena_printf(a, "%s%" PRId64 ".%" PRId64, tenths < 0 && whole == 0 ? "-" : "", whole, frac);
}

const char *report_date(struct arena *a, int64_t day)
{
	if (day == INT64_MIN)
		return "";
	int64_t y;
	int m, d;
	date_civil_from_days(day, &y, &m, &d);
	return arena_printf(a, "%04" PRId64 "-%02d-%02d", y, m, d);
}

const char *report_client(struct req *r, const Kart__Card *c)
{
	return card_title(r->arena, c);
}

int64_t report_day_of(const struct rjob *j, int64_t unix_secs)
{
	return util_zone_day(&j->zone, unix_secs);
}

/* ---- periods ---- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* YYYY-MM-DD into days; false when it is not a real date. */
static bool parse_day(const char *s, size_t n, int64_t *out)
{
	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2))
		return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return false;
	*out = date_days_from_civil(y, m, d);
	return true;
}

/* The day n months before day (the same day of the month, or the month's last). */
static int64_t months_back(int64_t day, int64_t n)
{
	int64_t y;
	int m, d;
	date_civil_from_days(day, &y, &m, &d);
	int64_t months = y * 12 + (m - 1) - n;
	y = months / 12;
	m = (int)(months % 12) + 1;
	if (d > date_days_in_month(y, m))
		d = date_days_in_month(y, m);
	return date_days_from_civil(y, m, d);
}

int report_period(const char *s, int64_t today, int64_t def_days, int64_t *from, int64_t *to, const char **why)
{
	size_t n = s ? strlen(s) : 0;
	const char *dots = n ? strstr(s, "..") : NULL;
	*why = "write it as 2026, 2026-Q3, 2026-11, 2026-11-05, 2026-01-01..2026-06-30 or 90d, 6m, 1y";
	if (n == 0) {
		*from = today - def_days + 1;
		*to = today + 1;
		return 0;
	}
	if (dots) {
		int64_t a, b;
		if (!parse_day(s, (size_t)(dots - s), &a) || !parse_day(dots + 2, strlen(dots + 2), &b))
			return -1;
		if (b < a) {
			*why = "the period ends before it begins";
			return -1;
		}
		*from = a;
		*to = b + 1;
		return 0;
	}
	char unit = s[n - 1];
	if ((unit == 'd' || unit == 'm' || unit == 'y') && n >= 2 && n <= 6 && digits(s, n - 1)) {
		int64_t k = atoll(s);
		if (k < 1 || (unit == 'd' && k > 36600) || (unit == 'm' && k > 1200) || (unit == 'y' && k > 100)) {
			*why = "from 1d, 1m or 1y up to 100 years";
			return -1;
		}
		*to = today + 1;
		*from = unit == 'd' ? today - k + 1 : months_back(today, unit == 'm' ? k : 12 * k) + 1;
		return 0;
	}
	if (!digits(s, 4) || atoi(s) < 1900)
		return -1;
	int y = atoi(s);
	if (n == 4) {
		*from = date_days_from_civil(y, 1, 1);
		*to = date_days_from_civil(y + 1, 1, 1);
		return 0;
	}
	if (n == 7 && s[4] == '-' && (s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4') {
		int q = s[6] - '1';
		*from = date_days_from_civil(y, 3 * q + 1, 1);
		*to = q == 3 ? date_days_from_civil(y + 1, 1, 1) : date_days_from_civil(y, 3 * q + 4, 1);
		return 0;
	}
	if (n == 7 && s[4] == '-' && digits(s + 5, 2) && atoi(s + 5) >= 1 && atoi(s + 5) <= 12) {
		int m = atoi(s + 5);
		*from = date_days_from_civil(y, m, 1);
		*to = m == 12 ? date_days_from_civil(y + 1, 1, 1) : date_days_from_civil(y, m + 1, 1);
		return 0;
	}
	if (parse_day(s, n, from)) {
		*to = *from + 1;
		return 0;
	}
	return -1;
}

/* ---- pool ---- */

int report_scan(struct rrun *x, cardq_fn fn, void *ud)
{
	x->q.txn = x->txn;
	int rc = cardq_run(&x->q, 0, fn, ud);
	x->txn = x->q.txn;
	return rc;
}

int report_renew(struct rrun *x, uint64_t every, int *rc)
{
	if (++x->walked < every)
		return 0;
	x->walked = 0;
	store_pool_end(x->st, &x->txn);
	if ((*rc = store_pool_begin(x->st, &x->txn)))
		return -1;
	x->scope.txn = x->txn;
	x->q.txn = x->txn;
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The listed ids sorted and unique, and the canaries among them. */
static int settle_ids(struct rrun *x)
{
	struct rjob *j = x->j;
	if (j->nids)
		qsort(j->ids, j->nids, sizeof(*j->ids), cmp_u64);
	size_t n = 0;
	for (size_t i = 0; i < j->nids; i++)
		if (!n || j->ids[n - 1] != j->ids[i])
			j->ids[n++] = j->ids[i];
	j->nids = n;
	/* canaries are few: each looked up among the ids */
	MDB_cursor *cur;
	int rc = mdb_cursor_open(x->txn, x->st->canaries, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8)
			continue;
		uint64_t id = store_key_u64(k.mv_data);
		if (!bsearch(&id, j->ids, j->nids, sizeof(*j->ids), cmp_u64))
			continue;
		if (!grow((void **)&j->canaries, &j->capcanaries, j->ncanaries + 1, sizeof(*j->canaries))) {
			j->oom = true;
			break;
		}
		j->canaries[j->ncanaries++] = id;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void job_run(struct req_job *job)
{
	struct rjob *j = (struct rjob *)job;
	struct rrun *x = calloc(1, sizeof(*x));
	if (!x) {
		report_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
		return;
	}
	x->j = j;
	x->st = &j->job.srv->store;
	arena_init(&x->a, 0);
	int rc = store_pool_begin(x->st, &x->txn);
	if (rc == 0)
		rc = schema_sync(&x->sc, x->txn, x->st);
	if (rc) {
		report_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "the database is busy; try again");
		log_err("report %s: %s", j->kind->name, mdb_strerror(rc));
		goto done;
	}
	x->scope = (struct req){ .srv = j->job.srv, .cfg = j->job.cfg, .who = j->job.who, .txn = x->txn, .arena = &x->a,
				 .now = j->now };
	x->q = (struct cardq){ .txn = x->txn, .st = x->st, .sc = &x->sc, .a = &x->a, .today = j->today, .zone = j->zone,
			       .scope = &x->scope, .pool_txn = &x->txn };
	if (cardq_parse(&x->q, j->q->where) < 0) {
		j->code = KART__ERROR_CODE__BAD_REQUEST;
		snprintf(j->field, sizeof(j->field), "where");
		cardq_err_text(&x->q, j->message, sizeof(j->message));
		goto done;
	}
	rc = j->kind->run(x);
	if (rc == 0 && !j->code && !j->oom)
		rc = settle_ids(x);
	if (rc) {
		report_fail(j, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
		log_err("report %s: %s", j->kind->name, mdb_strerror(rc));
	} else if (j->oom) {
		report_fail(j, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	}
done:
	store_pool_end(x->st, &x->txn);
	schema_free(&x->sc);
	arena_free(&x->a);
	free(x);
}

static void job_free(struct req_job *job)
{
	struct rjob *j = (struct rjob *)job;
	if (!j->handed)
		free_job(j);
	/* a big report's arrays came from a pool thread's malloc arena */
	malloc_trim(0);
}

/* ---- the record, on the writer ---- */

static int put_ids(struct req *r, uint64_t export_id, const struct rjob *j)
{
	struct export_blob_head h = { EXPORT_BLOB_MAGIC, EXPORT_BLOB_SORTED, j->nids, 0 };
	uint8_t key[8];
	store_u64_key(export_id, key);
	MDB_val k = { 8, key }, v = { sizeof(h) + j->nids * 8, NULL };
	int rc = mdb_put(r->txn, r->srv->store.export_cards, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	memcpy(v.mv_data, &h, sizeof(h));
	if (j->nids)
		memcpy((uint8_t *)v.mv_data + sizeof(h), j->ids, j->nids * 8);
	return 0;
}

static int w_report(struct req *r)
{
	struct rjob *j = wreq_of(r)->ud;
	struct store *st = &r->srv->store;
	const char *format = arena_printf(r->arena, "report %s", j->kind->name);
	const char *where = j->q->where ? j->q->where : "";
	int rc;
	if (!format)
		return ENOMEM;
	j->export_id = 0;
	if (j->kind->write && (rc = j->kind->write(r, j)) != H_OK)
		return rc;
	uint64_t id = 0;
	if (j->nids) {
		/* the one read record of the cards it lists */
		if ((rc = store_next_id(r->txn, st, "next_export_id", &id)))
			return rc;
		Kart__ExportRecord rec = KART__EXPORT_RECORD__INIT;
		rec.id = id;
		rec.user = r->who.user;
		rec.time = r->now / 1000000;
		rec.client = r->who.peer;
		rec.filter = (char *)where;
		rec.format = (char *)format;
		rec.cards = j->nids;
		rec.fingerprint = (char *)"";
		rec.delimiter = (char *)"";
		rec.state = (char *)"done";
		uint8_t key[8];
		store_u64_key(id, key);
		MDB_val k = { 8, key }, v = { kart__export_record__get_packed_size(&rec), NULL };
		if ((rc = mdb_put(r->txn, st->exports, &k, &v, MDB_RESERVE)))
			return rc;
		kart__export_record__pack(&rec, v.mv_data);
		if ((rc = put_ids(r, id, j)) || (rc = reads_put_export_how(r, id, "report")))
			return rc;
		for (size_t i = 0; i < j->ncanaries; i++)
			if ((rc = reads_canary_alert_w(r, j->canaries[i], "report")))
				return rc;
	}
	char n1[32];
	if ((rc = audit_append(r, "report", "report", id, j->kind->name,
			       arena_printf(r->arena, "%s: %s listed: %.150s", j->kind->name,
					    TEXT_COUNT(n1, j->nids, "card"), *where ? where : "(every card in scope)"),
			       true)))
		return rc;
	j->export_id = id;
	Kart__ReportPage *p = arena_alloc(r->arena, sizeof(*p));
	if (!p)
		return ENOMEM;
	kart__report_page__init(p);
	p->kind = j->kind->kind;
	p->note = j->note;
	p->export_id = id;
	r->out.body_case = KART__ENVELOPE__BODY_REPORT_PAGE;
	r->out.report_page = p;
	r->out.more = true;
	return H_OK;
}

/* ---- the tables, streamed from the loop ---- */

struct rstate {
	struct rjob *j;
	size_t table, row;          /* where the next page begins */
	bool begun;                 /* the current table's columns were sent */
};

static Kart__ReportColumn **columns(struct req *r, const struct rtable *t)
{
	Kart__ReportColumn **cols = arena_alloc(r->arena, t->ncols * sizeof(*cols));
	Kart__ReportColumn *c = arena_alloc(r->arena, t->ncols * sizeof(*c));
	if (!cols || !c)
		return NULL;
	for (size_t i = 0; i < t->ncols; i++) {
		kart__report_column__init(&c[i]);
		c[i].name = (char *)t->cols[i].name;
		c[i].type = t->cols[i].type;
		cols[i] = &c[i];
	}
	return cols;
}

static Kart__ReportRow *make_row(struct req *r, const struct rjob *j, const struct rtable *t, size_t i)
{
	Kart__ReportRow *row = arena_alloc(r->arena, sizeof(*row));
	char **cells = arena_alloc(r->arena, t->ncols * sizeof(*cells));
	if (!row || !cells)
		return NULL;
	kart__report_row__init(row);
	row->cells = cells;
	row->n_cells = t->ncols;
	if (!t->row) {
		for (size_t c = 0; c < t->ncols; c++)
			cells[c] = t->cells[i * t->ncols + c];
		return row;
	}
	const void *item = (const char *)t->items + i * t->item_size;
	uint64_t id;
	memcpy(&id, item, sizeof(id));
	Kart__Card *card;
	int rc = t->full ? card_load(r->txn, r->srv->store.cards, id, r->arena, &card)
			 : card_load_brief(r->txn, r->srv->store.cards, id, r->arena, &card);
	if (rc || !acl_visible(r, card))
		return NULL; /* gone, or out of scope since the scan */
	acl_mask(r, card);
	for (size_t c = 0; c < t->ncols; c++)
		cells[c] = (char *)"";
	return t->row(r, j, item, card, cells) ? row : NULL;
}

static bool report_page(struct stream *s, struct req *r)
{
	struct rstate *st = s->state;
	struct rjob *j = st->j;
	/* a page as any list's: a longer one holds the loop (each row is a card
	 * read) long enough to show in other clients' latency */
	uint32_t want = r->cfg->page_size;
	if (reads_check(r) != H_OK)
		return true; /* blocked or throttled for bulk reading since the last page */
	Kart__ReportPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__ReportTable **tables = arena_alloc(r->arena, RTABLES_MAX * sizeof(*tables));
	if (!page || !tables) {
		req_no_memory(r);
		return true;
	}
	kart__report_page__init(page);
	page->kind = j->kind->kind;
	page->tables = tables;
	size_t sent = 0, tried = 0, ncards = 0;
	uint64_t *cards = arena_alloc(r->arena, want * sizeof(*cards));
	if (!cards) {
		req_no_memory(r);
		return true;
	}
	while (st->table < j->ntables && tried < 4 * (size_t)want && sent < want &&
	       !(sent && r->arena->used > PAGE_BYTES)) {
		const struct rtable *t = &j->tables[st->table];
		Kart__ReportTable *pt = arena_alloc(r->arena, sizeof(*pt));
		size_t total = t->row ? t->nitems : t->nrows;
		Kart__ReportRow **rows = arena_alloc(r->arena, (want < total - st->row ? want : total - st->row + 1) * sizeof(*rows));
		if (!pt || !rows) {
			req_no_memory(r);
			return true;
		}
		kart__report_table__init(pt);
		pt->name = (char *)t->name;
		pt->rows = rows;
		if (!st->begun) {
			if (!(pt->columns = columns(r, t))) {
				req_no_memory(r);
				return true;
			}
			pt->n_columns = t->ncols;
			st->begun = true;
		}
		/* rows left out (out of scope by now) count toward the page too, so a
		 * page never walks a whole table of them on the loop */
		while (st->row < total && sent < want && tried < 4 * (size_t)want &&
		       !(sent && r->arena->used > PAGE_BYTES)) {
			const void *item = t->row ? (const char *)t->items + st->row * t->item_size : NULL;
			Kart__ReportRow *row = make_row(r, j, t, st->row++);
			tried++;
			if (row) {
				rows[pt->n_rows++] = row;
				sent++;
				if (item)
					memcpy(&cards[ncards++], item, sizeof(*cards));
			}
		}
		tables[page->n_tables++] = pt;
		if (st->row < total)
			break;
		st->table++;
		st->row = 0;
		st->begun = false;
		sent++; /* a table of no rows still counts toward the page */
	}
	/* the cards of the rows count toward the user's limit of cards seen in
	 * lists, as ls pages do (their one record is the report's) */
	reads_count(r, cards, ncards, READ_LISTED);
	r->out.body_case = KART__ENVELOPE__BODY_REPORT_PAGE;
	r->out.report_page = page;
	return st->table >= j->ntables;
}

static void report_release(struct stream *s, bool finished)
{
	(void)finished;
	struct rstate *st = s->state;
	if (st && st->j)
		free_job(st->j);
}

static void report_done(struct wreq *w)
{
	struct rjob *j = w->ud;
	w->ud = NULL;
	if (!j)
		return;
	if (w->r.out.body_case != KART__ENVELOPE__BODY_REPORT_PAGE || !req_conn_open(w->r.conn)) {
		free_job(j);
		return;
	}
	struct req r = { .srv = w->r.srv, .cfg = w->r.cfg, .conn = w->r.conn, .id = w->r.id, .who = w->r.who };
	struct stream *s = stream_new(&r, report_page);
	struct rstate *st = s ? arena_alloc(&s->arena, sizeof(*st)) : NULL;
	if (!st) {
		if (s)
			stream_free(s);
		free_job(j);
		log_err("report %s: out of memory starting the stream", w->r.who.user);
		wreq_repack_error(w, "out of memory; the report is recorded but its tables could not be sent");
		return;
	}
	*st = (struct rstate){ .j = j };
	s->state = st;
	s->release = report_release;
	req_stream(&w->r, s);
}

static void job_reply(struct req_job *job, struct req *r, int status)
{
	struct rjob *j = (struct rjob *)job;
	r->now = j->now;
	if (status != 0) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the report was cancelled");
		return;
	}
	if (j->code) {
		req_error(r, j->code, j->field, "%s", j->message);
		return;
	}
	Kart__Envelope env = KART__ENVELOPE__INIT;
	env.request_id = r->id;
	env.body_case = KART__ENVELOPE__BODY_REPORT_QUERY;
	env.report_query = j->q;
	r->in = &env;
	struct wreq *wq = req_to_wreq_copy(r, w_report);
	r->in = NULL;
	if (!wq) {
		req_no_memory(r);
		return;
	}
	wq->ud = j;
	wq->done = report_done;
	j->handed = true;
	writer_submit(r->srv, wq);
}

/* ---- the request ---- */

int h_report(struct req *r)
{
	Kart__ReportQuery *m = r->in->report_query;
	const struct report_kind *kind = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i]->kind == m->kind)
			kind = kinds[i];
	if (!kind)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "kind",
				 "kind: must be one of rfm, abc, funnel, managers, reactivation, birthdays");
	struct util_zone zone;
	if (cardq_client_zone(m->client_day, m->client_utc_offset, &zone) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_utc_offset",
				 "client_utc_offset: at most 18 hours either way");
	/* the client's day is its calendar's today: a day or so from the
	 * server's, never a date the calendar arithmetic would run off with */
	int64_t server_day = cardq_today(r->now);
	if (m->client_day && (m->client_day < server_day - 2 || m->client_day > server_day + 2))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "client_day",
				 "client_day: the client's date is more than two days from the server's; check its clock");
	if (m->where && strlen(m->where) > 64 * 1024)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "where", "the filter is longer than 64 KiB");
	struct rjob *j = calloc(1, sizeof(*j));
	size_t len = kart__report_query__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	if (!j || !buf) {
		free(j);
		free(buf);
		return req_no_memory(r);
	}
	kart__report_query__pack(m, buf);
	j->q = kart__report_query__unpack(NULL, len, buf);
	free(buf);
	if (!j->q) {
		free(j);
		return req_no_memory(r);
	}
	j->kind = kind;
	j->now = r->now;
	j->today = cardq_client_today(m->client_day, r->now);
	j->zone = zone;
	int rc = kind->check(r, j);
	if (rc != H_OK) {
		free_job(j);
		return rc;
	}
	j->job.run = job_run;
	j->job.reply = job_reply;
	j->job.free = job_free;
	if (req_pool(r, &j->job) != 0) {
		free_job(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}
