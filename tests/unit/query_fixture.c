/* query_fixture: what the tests of daemon/query.c share: a fake schema (its
 * lookup), a fake record (its accessor), the arena and day of one test, and
 * helpers that parse, expect an error, match and describe a filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "query.h"
#include "query_fixture.h"
#include "text.h"

/* ---- a fake schema -------------------------------------------------------- */

static const char *const GENDERS[] = {"f", "m"};
static const char *const SECTORS[] = {"cold", "warm", "hot"};
static const char *const LIFECYCLES[] = {"lead", "active", "dead"};
static const char *const STATUSES[] = {"Новый", "В работе"};
static const char *const INTERESTS[] = {"sport", "music", "Кино"};

const struct qfield FIELDS[] = {
	{.name = "first_name", .type = Q_TEXT, .id = F_FIRST_NAME},
	{.name = "name", .type = Q_TEXT, .id = F_NAME},
	{.name = "city", .type = Q_TEXT, .id = F_CITY},
	{.name = "gender", .type = Q_ENUM, .values = GENDERS, .nvalues = 2, .id = F_GENDER},
	{.name = "sector", .type = Q_ENUM, .values = SECTORS, .nvalues = 3, .id = F_SECTOR},
	{.name = "lifecycle", .type = Q_ENUM, .values = LIFECYCLES, .nvalues = 3, .id = F_LIFECYCLE},
	{.name = "status", .type = Q_ENUM, .values = STATUSES, .nvalues = 2, .id = F_STATUS},
	{.name = "vip", .type = Q_BOOL, .id = F_VIP},
	{.name = "tags", .type = Q_SET, .elem = Q_TEXT, .id = F_TAGS},
	{.name = "email", .type = Q_SET, .elem = Q_TEXT, .id = F_EMAIL},
	{.name = "phones", .type = Q_SET, .elem = Q_TEXT, .id = F_PHONES},
	{.name = "interests", .type = Q_SET, .elem = Q_ENUM, .values = INTERESTS, .nvalues = 3, .id = F_INTERESTS},
	{.name = "birthday", .type = Q_DATE, .annual = true, .id = F_BIRTHDAY},
	{.name = "created_at", .type = Q_DATE, .id = F_CREATED_AT},
	{.name = "last_touch", .type = Q_DATE, .id = F_LAST_TOUCH},
	{.name = "touches", .type = Q_NUMBER, .scale = 1, .id = F_TOUCHES},
	{.name = "total_purchases", .type = Q_NUMBER, .scale = 100, .id = F_TOTAL},
	{.name = "computers", .type = Q_NUMBER, .scale = 1, .id = F_COMPUTERS},
	{.name = "updated_at", .type = Q_DATE, .instant = true, .id = F_UPDATED_AT},
};

const struct qfield *lookup(void *ud, const char *name)
{
	(void)ud;
	if (strcmp(name, "tag") == 0) /* the daemon registers both names */
		name = "tags";
	for (size_t i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++)
		if (strcmp(FIELDS[i].name, name) == 0)
			return &FIELDS[i];
	return NULL;
}

/* ---- a fake record ------------------------------------------------------- */

struct arena A; /* everything of one test */
struct util_zone ZONE; /* where instants' days are counted and times of day read */

int64_t days_of(const char *ymd)
{
	struct tm tm = {0};
	int y, m, d;
	assert_int_equal(sscanf(ymd, "%d-%d-%d", &y, &m, &d), 3);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	time_t t = timegm(&tm); /* midnight: a whole number of days, negative before 1970 */
	return (int64_t)(t / 86400);
}

static bool set_text(struct qvalue *out, const char *s)
{
	if (!s)
		return true;
	out->present = true;
	out->text = text_fold(&A, s);
	assert_non_null(out->text);
	return true;
}

static bool set_items(struct qvalue *out, const char *const *items, size_t max)
{
	const char **folded = arena_alloc(&A, max * sizeof(*folded));
	size_t n = 0;
	while (n < max && items[n]) {
		folded[n] = text_fold(&A, items[n]);
		n++;
	}
	out->present = true; /* an empty set is present but empty */
	out->items = (const char *const *)folded;
	out->nitems = n;
	return true;
}

bool get(void *record, const struct qfield *f, struct qvalue *out)
{
	const struct rec *r = record;
	if (r->unreadable)
		return false;
	switch ((enum field_id)f->id) {
	case F_FIRST_NAME: return set_text(out, r->first_name);
	case F_NAME: return set_text(out, r->name);
	case F_CITY: return set_text(out, r->city);
	case F_GENDER: return set_text(out, r->gender);
	case F_SECTOR: return set_text(out, r->sector);
	case F_LIFECYCLE: return set_text(out, r->lifecycle);
	case F_STATUS: return set_text(out, r->status);
	case F_VIP:
		out->present = r->vip >= 0;
		out->num = r->vip;
		return true;
	case F_TAGS: return set_items(out, r->tags, 6);
	case F_EMAIL: return set_items(out, r->email, 3);
	case F_PHONES: return set_items(out, r->phones, 3);
	case F_INTERESTS: return set_items(out, r->interests, 3);
	case F_BIRTHDAY:
		out->present = r->bmonth != 0;
		out->month = r->bmonth;
		out->day = r->bday;
		out->num = -999999; /* the year is unknown: num must not matter */
		return true;
	case F_CREATED_AT:
	case F_LAST_TOUCH: {
		const char *d = f->id == F_CREATED_AT ? r->created_at : r->last_touch;
		out->present = d != NULL;
		out->num = d ? days_of(d) : 0;
		return true;
	}
	case F_TOUCHES:
		out->present = r->has_touches;
		out->num = r->touches;
		return true;
	case F_TOTAL:
		out->present = r->has_total;
		out->num = r->total;
		return true;
	case F_COMPUTERS:
		out->present = r->has_computers;
		out->num = r->computers;
		return true;
	case F_UPDATED_AT:
		out->present = r->updated_secs != 0;
		out->secs = r->updated_secs;
		out->num = util_zone_day(&ZONE, r->updated_secs);
		return true;
	case F_COUNT:
		break;
	}
	return false;
}

/* A schema where every name is the one field passed as ud. */
const struct qfield *long_enum_lookup(void *ud, const char *name)
{
	(void)name;
	return ud;
}

/* ---- helpers ------------------------------------------------------------------ */

int64_t TODAY; /* set per test; 2025-06-15 unless a test says otherwise */

int setup(void **state)
{
	(void)state;
	arena_init(&A, 0);
	TODAY = days_of("2025-06-15");
	return 0;
}

int teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

struct qnode *parse_ok(const char *text)
{
	struct qerror err;
	struct qnode *q = query_parse(&A, text, lookup, NULL, TODAY, NULL, &err);
	if (!q)
		fail_msg("'%s' did not parse: %s at column %d", text, err.message, err.col);
	assert_string_equal(err.message, "");
	assert_int_equal(err.col, 0);
	return q;
}

/* The parse fails at col with a message containing want. */
void parse_err(const char *text, int col, const char *want)
{
	struct qerror err;
	struct qnode *q = query_parse(&A, text, lookup, NULL, TODAY, NULL, &err);
	if (q)
		fail_msg("'%s' parsed, but should fail with \"%s\"", text, want);
	if (!strstr(err.message, want))
		fail_msg("'%s': message \"%s\" lacks \"%s\"", text, err.message, want);
	if (err.col != col)
		fail_msg("'%s': \"%s\" at column %d, want %d", text, err.message, err.col, col);
}

/* The whole message, exactly. */
void parse_err_exact(const char *text, int col, const char *want)
{
	struct qerror err;
	assert_null(query_parse(&A, text, lookup, NULL, TODAY, NULL, &err));
	assert_string_equal(err.message, want);
	assert_int_equal(err.col, col);
}

bool match(const char *text, const struct rec *r)
{
	return query_eval(parse_ok(text), get, (void *)r, TODAY);
}

const char *describe(const char *text)
{
	const char *d = query_describe(&A, parse_ok(text));
	assert_non_null(d);
	return d;
}

const struct rec IVANOVA = {
	.first_name = "Анна", .name = "Иванова Анна Сергеевна", .city = "Самара", .gender = "f", .sector = "warm",
	.lifecycle = "active", .status = "В работе", .vip = 1,
	.tags = {"VIP", "partner"}, .email = {"anna@example.org"}, .phones = {"+78461234567"},
	.interests = {"sport", "кино"},
	.bmonth = 6, .bday = 20, .created_at = "2024-02-29", .last_touch = "2025-06-01",
	.has_touches = true, .touches = 12, .has_total = true, .total = 15000050, .has_computers = true, .computers = 60,
};

/* Only a name: everything else is missing. */
const struct rec BARE = {.name = "Пётр", .vip = -1};
