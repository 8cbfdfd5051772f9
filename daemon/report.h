/* report: what the report kinds (report_*.c) share with the request that runs
 * them (h_report.c).
 *
 * A report in four hops, like an export:
 *   1. loop (h_report): the kind's options are checked (kind->check) and the
 *      query copied into a pool job.
 *   2. pool (kind->run): the report is computed over the caller's scope in
 *      read transactions of its own, renewed in slices (report_scan for the
 *      cards a filter matches, report_renew for walks of other databases).
 *      What it produces: tables (struct rtable), some made of text, some of
 *      items naming a card each, and the cards the report lists.
 *   3. writer (w_report): the report's one read record — an export record
 *      of format "report KIND" holding the ids of the cards it lists, so "who
 *      received this card" and `kart exports` show it —, its audit event, the
 *      alerts for canary cards among them, and what the kind writes
 *      (kind->write: a saved segment, a custom field), all in one transaction.
 *   4. loop (a stream): the tables in order, in pages; the rows of cards are
 *      made as they are sent, from the card as it is then: out of scope by
 *      now, it is left out; masked fields stay masked (acl_mask).
 * Reports never change a card unless the kind's write says so, and only the
 * cards of the caller's scope. */
#ifndef KART_REPORT_H
#define KART_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cardq.h"
#include "req.h"
#include "schema.h"

struct rcol {
	const char *name;           /* snake_case: CSV header, JSON key */
	Kart__ReportCellType type;
};

#define RCOLS(c) (c), (sizeof(c) / sizeof((c)[0]))

struct rjob;

/* One row of a table of cards: cells[0..ncols) from the item and the card
 * (loaded, in scope, masked), in r->arena. Returns false to leave the row out. */
typedef bool (*rrow_fn)(struct req *r, const struct rjob *j, const void *item, const Kart__Card *card, char **cells);

struct rtable {
	const char *name;
	const struct rcol *cols;
	size_t ncols;
	/* text rows (made in the pool): nrows * ncols strings (malloc'ed, NULL: "") */
	char **cells;
	size_t nrows, cap;
	/* or rows of cards: nitems items of item_size bytes, each beginning with
	 * its card's id (uint64_t), made into rows by row on the loop */
	void *items;
	size_t nitems, item_size;
	rrow_fn row;
	bool full;                  /* the rows need the whole card (relatives, notes, custom
				     * values); else it is read without them (card_load_brief) */
};

#define RTABLES_MAX 8

/* The pool side's working state, for a kind's run. */
struct rrun {
	struct rjob *j;
	struct store *st;
	MDB_txn *txn;               /* the current read transaction (changes at each slice) */
	struct schema sc;
	struct arena a;             /* scratch for the run: freed at its end */
	struct req scope;           /* whose cards (acl_visible(&x->scope, card)) */
	struct cardq q;             /* the --where filter, parsed */
	uint64_t walked;            /* keys since the last renew (report_renew) */
};

struct report_kind {
	Kart__ReportKind kind;
	const char *name;           /* "rfm": the record's format is "report rfm" */
	/* loop: the options this kind takes, checked; a bad one is a
	 * req_error (BAD_REQUEST naming the option) and H_ABORT. j is the job
	 * (already holding the query and the client's day and zone), for what
	 * the check parses once (a period, a window). */
	int (*check)(struct req *r, struct rjob *j);
	/* pool: the report. Returns 0, or an MDB code; a failure to be told
	 * the user is report_fail (then return 0). */
	int (*run)(struct rrun *x);
	/* writer, optional: what the report writes (a saved segment, a custom
	 * field), in the transaction of its record. H_OK, H_ABORT with an error
	 * reply, or an MDB code. */
	int (*write)(struct req *r, struct rjob *j);
};

struct rjob {
	struct req_job job;         /* first: the pool job (req.h) */
	const struct report_kind *kind;
	Kart__ReportQuery *q;       /* the request's query (a copy of the job's own) */
	int64_t now;                /* unix microseconds */
	int64_t today;              /* the client's date, days since 1970-01-01 */
	struct util_zone zone;      /* the client's zone */
	void *opt;                  /* what the kind's check parsed (malloc'ed, freed with the job) */
	/* results */
	Kart__ErrorCode code;
	char field[32];
	char message[300];
	struct rtable tables[RTABLES_MAX];
	size_t ntables;
	char note[240];             /* what the report covered: the first page says it */
	uint64_t *ids;              /* the cards the report lists, ascending once run */
	size_t nids, capids;
	uint64_t *canaries;         /* canary cards among ids (their alerts go with the record) */
	size_t ncanaries, capcanaries;
	void *state;                /* the kind's results for its write, freed with free_state */
	void (*free_state)(void *state);
	/* after the writer */
	uint64_t export_id;
	bool handed, oom;
};

/* ---- pool: for a kind's run ---- */

/* Calls fn for every card in the caller's scope the query's --where matches,
 * in id order, in read transactions renewed every CARDQ_SLICE cards
 * (x->txn follows). Returns 0 or an MDB code. */
int report_scan(struct rrun *x, cardq_fn fn, void *ud);
/* For a walk of another database: every `every` keys (count them in
 * x->walked), ends the read transaction and begins a fresh one, so a map
 * resize is never held up for long. Cursors of the old transaction are
 * gone: reopen them and seek past the last key read. Returns 1 when it
 * renewed, 0 when not yet, or -1 with the MDB code in *rc. */
int report_renew(struct rrun *x, uint64_t every, int *rc);
/* The report fails with this (the stream then never begins). */
void report_fail(struct rjob *j, Kart__ErrorCode code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A new table (NULL when RTABLES_MAX are taken: j->oom). */
struct rtable *report_table(struct rjob *j, const char *name, const struct rcol *cols, size_t ncols);
/* A text row: ncols cells (printf'ed by the caller; copied). */
void report_text_row(struct rjob *j, struct rtable *t, const char *const *cells);
/* A card row's item: item_size bytes copied, the first 8 the card id. The
 * card is listed by the report (its read record). */
void report_card_item(struct rjob *j, struct rtable *t, const void *item);
/* The table's items in place (to be sorted), and how many. */
static inline void *report_items(struct rtable *t, size_t *n)
{
	*n = t->nitems;
	return t->items;
}

/* Money in minor units as decimal text, in the arena. */
const char *report_money(struct arena *a, int64_t minor);
/* A decimal with one place (tenths: 125 -> "12.5"), in the arena. */
const char *report_tenths(struct arena *a, int64_t tenths);
/* Days since 1970-01-01 as YYYY-MM-DD, in the arena ("" for none: INT64_MIN). */
const char *report_date(struct arena *a, int64_t day);
/* A client's name as a list shows it (card_title), masked as sent. */
const char *report_client(struct req *r, const Kart__Card *c);

/* ---- options ---- */

/* A period: [from, to) in days since 1970-01-01, in the client's calendar.
 * Accepts YYYY, YYYY-QN, YYYY-MM, YYYY-MM-DD, FROM..TO (dates, both
 * included) and Nd/Nm/Ny (the last N days, months, years up to today).
 * "" is def_days back from today. Returns 0, or -1 with why. */
int report_period(const char *s, int64_t today, int64_t def_days, int64_t *from, int64_t *to, const char **why);
/* The day (days since 1970-01-01) of a unix time in the job's zone. */
int64_t report_day_of(const struct rjob *j, int64_t unix_secs);

/* Each in its report_*.c. */
extern const struct report_kind report_birthdays;
extern const struct report_kind report_funnel;
extern const struct report_kind report_abc;
extern const struct report_kind report_managers;
extern const struct report_kind report_reactivation;
extern const struct report_kind report_rfm;

#endif
