/* Unit tests for daemon/query.[ch], value by value: the examples from the brief,
 * then texts, escapes, enums, bools, exact decimals, dates, instants, relative
 * and yearly dates, sets and missing values, each parsed with its type checks
 * against the fake schema and evaluated against the fake record
 * (query_fixture.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"
#include "query_fixture.h"

/* ---- the examples from the brief --------------------------------------------- */

static void test_examples(void **state)
{
	(void)state;
	MATCH("gender = f", &IVANOVA);
	MATCH("city = \"Самара\" and computers > 50", &IVANOVA);
	MATCH("tag in (vip, partner) and sector != cold", &IVANOVA);
	MATCH("birthday within 7d", &IVANOVA); /* Jun 20, today Jun 15 */
	NO_MATCH("last_touch < -180d", &IVANOVA);
	NO_MATCH("lifecycle = dead and total_purchases > 100000", &IVANOVA);
	MATCH("lifecycle = active and total_purchases > 100000", &IVANOVA); /* 150000.50 */
	MATCH("not (city = Москва or city = \"Санкт-Петербург\") and email exists", &IVANOVA);
	MATCH("name contains \"ива\"", &IVANOVA);
	NO_MATCH("gender = m", &IVANOVA);
	NO_MATCH("city = \"Самара\" and computers > 60", &IVANOVA);
}

/* ---- text --------------------------------------------------------------------- */

static void test_text(void **state)
{
	(void)state;
	MATCH("city = САМАРА", &IVANOVA);          /* folded both sides */
	MATCH("city = 'самара'", &IVANOVA);
	MATCH("city != Москва", &IVANOVA);
	NO_MATCH("city != самара", &IVANOVA);
	MATCH("name contains ИВАНОВА", &IVANOVA);
	MATCH("name contains 'анна с'", &IVANOVA);
	NO_MATCH("name contains петр", &IVANOVA);
	MATCH("city in (Москва, Самара)", &IVANOVA);
	NO_MATCH("city not in (Москва, Самара)", &IVANOVA);
	MATCH("city not in (Москва, Тула)", &IVANOVA);
	/* < > compare folded bytes */
	MATCH("city > москва", &IVANOVA);
	MATCH("city >= самара", &IVANOVA);
	MATCH("city <= самара", &IVANOVA);
	NO_MATCH("city < самара", &IVANOVA);
	MATCH("city < тула", &IVANOVA);
	/* ё folds to е */
	struct rec r = {.name = "Пётр Фёдоров", .vip = -1};
	MATCH("name = 'петр федоров'", &r);
	MATCH("name contains ФЁДОР", &r);
	/* bare words: digits, '-', '.', '@', '+', any UTF-8 */
	struct rec e = {.city = "anna.b-c_d@x.org+1", .vip = -1};
	MATCH("city = anna.b-c_d@x.org+1", &e);
	/* a field name is a bare word; a text literal may look like anything */
	struct rec t = {.city = "7d", .vip = -1};
	MATCH("city = 7d", &t);
	struct rec n = {.city = "today", .vip = -1};
	MATCH("city = today", &n);
	MATCH("city=today", &n);
}

static void test_string_escapes(void **state)
{
	(void)state;
	struct rec r = {.name = "ООО \"Ромашка\" it's \\ ok", .vip = -1};
	MATCH("name = \"ооо \\\"ромашка\\\" it's \\\\ ok\"", &r);
	MATCH("name = 'ооо \"ромашка\" it\\'s \\\\ ok'", &r);
	MATCH("name contains \"\\\"\"", &r);
	parse_err("name = \"a\\nb\"", 10, "unknown escape '\\n'");
	parse_err("name = \"ж\\ё\"", 10, "unknown escape '\\ё'");
	parse_err("name = \"abc\\", 8, "unterminated string");
	/* a carriage return inside a literal is named, at its column, not taken
	 * for a memory failure (nor for the space it is outside a literal) */
	parse_err_exact("name = \"Сам\rара\"", 12, "control character U+000D (carriage return) is not allowed in a filter");
	parse_err("city = 'a\rb' and vip = true", 10, "U+000D (carriage return)");
	parse_err("name = \"a\xe2\x80\xae" "b\"", 10, "U+202E (right-to-left override)");
	parse_err("name = \"a\xc2\x9b" "31m\"", 10, "U+009B");
}

/* ---- enums and bools ------------------------------------------------------------- */

static void test_enum(void **state)
{
	(void)state;
	MATCH("sector = warm", &IVANOVA);
	MATCH("sector = WARM", &IVANOVA);
	MATCH("sector in (hot, Warm)", &IVANOVA);
	MATCH("sector not in (hot, cold)", &IVANOVA);
	NO_MATCH("sector = hot", &IVANOVA);
	MATCH("status = 'в работе'", &IVANOVA);
	MATCH("status != НОВЫЙ", &IVANOVA);
	/* literals become the canonical value, folded */
	struct qnode *q = parse_ok("status = 'В РАБОТЕ'");
	assert_string_equal(q->lits[0].text, "в работе");
	q = parse_ok("sector = HOT");
	assert_string_equal(q->lits[0].text, "hot");
	/* like text: < > compare folded bytes */
	MATCH("sector > hot", &IVANOVA);
	parse_err_exact("sector = lukewarm", 10, "unknown value 'lukewarm' for sector (one of: cold, warm, hot)");
	parse_err("sector in (cold, tepid)", 18, "unknown value 'tepid' for sector");
	parse_err("status = Закрыт", 10, "unknown value 'Закрыт' for status (one of: Новый, В работе)");
	parse_err("sector contains co", 8, "'contains' applies to text fields");
}

static void test_bool(void **state)
{
	(void)state;
	MATCH("vip = true", &IVANOVA);
	MATCH("vip = TRUE", &IVANOVA);
	MATCH("vip = yes", &IVANOVA);
	MATCH("vip != false", &IVANOVA);
	MATCH("vip != No", &IVANOVA);
	NO_MATCH("vip = false", &IVANOVA);
	struct rec r = {.vip = 0};
	MATCH("vip = false", &r);
	MATCH("vip exists", &r);
	/* as on cards: да/нет (either case), on/off, 1/0 */
	MATCH("vip = да", &IVANOVA);
	MATCH("vip = Да", &IVANOVA);
	MATCH("vip = 1", &IVANOVA);
	MATCH("vip = on", &IVANOVA);
	MATCH("vip != нет", &IVANOVA);
	NO_MATCH("vip = нет", &IVANOVA);
	NO_MATCH("vip = 0", &IVANOVA);
	MATCH("vip = НЕТ", &r);
	MATCH("vip = 'нет'", &r);
	parse_err_exact("vip = maybe", 7, "vip is yes/no; 'maybe' is not (use true or false, да or нет)");
	parse_err("vip = даа", 7, "'даа' is not");
	parse_err("vip < true", 5, "cannot compare yes/no with <");
	parse_err("vip in (true)", 5, "'in' does not apply to yes/no");
	parse_err("vip contains t", 5, "'contains' applies to text fields");
}

/* ---- numbers -------------------------------------------------------------------------- */

static int64_t num_of(const char *text)
{
	return parse_ok(text)->lits[0].num;
}

static void test_numbers(void **state)
{
	(void)state;
	MATCH("computers = 60", &IVANOVA);
	MATCH("computers != 61", &IVANOVA);
	MATCH("computers < 61", &IVANOVA);
	MATCH("computers <= 60", &IVANOVA);
	MATCH("computers > 59", &IVANOVA);
	MATCH("computers >= 60", &IVANOVA);
	NO_MATCH("computers > 60", &IVANOVA);
	MATCH("computers in (1, 60, 100)", &IVANOVA);
	MATCH("computers not in (1, 100)", &IVANOVA);
	MATCH("computers > -5", &IVANOVA);
	MATCH("computers = +60", &IVANOVA);
	MATCH("computers = '60'", &IVANOVA); /* quoted literals convert by the field's type too */
	/* exact decimals in minor units */
	MATCH("total_purchases = 150000.5", &IVANOVA);
	MATCH("total_purchases = 150000.50", &IVANOVA);
	NO_MATCH("total_purchases = 150000.51", &IVANOVA);
	MATCH("total_purchases > 150000.49", &IVANOVA);
	assert_int_equal(num_of("total_purchases > 1234.5"), 123450);
	assert_int_equal(num_of("total_purchases > 1234.05"), 123405);
	assert_int_equal(num_of("total_purchases > 1234"), 123400);
	assert_int_equal(num_of("total_purchases > 1234.500"), 123450); /* trailing zeros are exact */
	assert_int_equal(num_of("total_purchases > -0.05"), -5);
	assert_int_equal(num_of("total_purchases > 0"), 0);
	assert_int_equal(num_of("touches > 2.0"), 2);
	assert_int_equal(num_of("touches > 007"), 7);
	/* the int64 range, exactly */
	assert_true(num_of("computers > 9223372036854775807") == INT64_MAX);
	assert_true(num_of("computers > -9223372036854775808") == INT64_MIN);
	assert_true(num_of("total_purchases > 92233720368547758.07") == INT64_MAX);
	assert_true(num_of("total_purchases > -92233720368547758.08") == INT64_MIN);
	parse_err_exact("computers > 9223372036854775808", 13, "'9223372036854775808' is out of range for computers");
	parse_err("computers > -9223372036854775809", 13, "out of range");
	parse_err("total_purchases > 92233720368547758.08", 19, "out of range");
	parse_err("computers > 99999999999999999999999", 13, "out of range");
	/* quoted, as people type them: thousands groups (also no-break spaces) and a decimal comma */
	assert_int_equal(num_of("total_purchases > '1 500'"), 150000);
	assert_int_equal(num_of("total_purchases > \"1\u00a0500,50\""), 150050);
	assert_int_equal(num_of("total_purchases > '1\u202f500.5'"), 150050);
	assert_int_equal(num_of("total_purchases > '1500,50'"), 150050);
	assert_int_equal(num_of("computers > '12 345 678'"), 12345678);
	parse_err("computers > '1 50'", 13, "'1 50' is not");
	parse_err("computers > '1,500'", 13, "'1,500' is not"); /* thousands or decimals? */
	/* decimals the scale cannot hold */
	parse_err_exact("total_purchases > 1234.567", 19, "'1234.567' has too many decimals; total_purchases takes at most 2");
	parse_err_exact("touches = 2.5", 11, "touches takes whole numbers; '2.5' has decimals");
	/* not numbers */
	parse_err_exact("computers > abc", 13, "computers is a number; 'abc' is not");
	parse_err("computers > .5", 13, "'.5' is not");
	parse_err("computers > 5.", 13, "'5.' is not");
	parse_err("computers > 1e5", 13, "'1e5' is not");
	parse_err("computers > 7d", 13, "'7d' is not");
	parse_err("computers > today", 13, "'today' is not");
	parse_err("computers > --5", 13, "'--5' is not");
	/* a comma is not a decimal separator */
	parse_err("total_purchases > 1,5", 20, "unexpected ','");
	parse_err("computers contains 5", 11, "'contains' applies to text fields; computers is a number");
	parse_err("computers within 5d", 11, "'within' applies to date fields; computers is a number");
}

/* ---- dates ----------------------------------------------------------------------------------- */

static void test_dates(void **state)
{
	(void)state;
	/* IVANOVA: created 2024-02-29, touched 2025-06-01; today 2025-06-15 */
	MATCH("created_at = 2024-02-29", &IVANOVA);
	MATCH("created_at < 2024-03-01", &IVANOVA);
	MATCH("created_at >= 2024-02-29", &IVANOVA);
	MATCH("created_at != 2024-02-28", &IVANOVA);
	MATCH("created_at in (2020-01-01, 2024-02-29)", &IVANOVA);
	MATCH("last_touch > -30d", &IVANOVA);
	NO_MATCH("last_touch > -14d", &IVANOVA);
	MATCH("last_touch = -14d", &IVANOVA);
	MATCH("last_touch >= -2w", &IVANOVA);
	MATCH("last_touch < today", &IVANOVA);
	MATCH("last_touch > -1m", &IVANOVA);
	MATCH("created_at > -2Y", &IVANOVA);
	NO_MATCH("created_at > -1y", &IVANOVA);
	/* relative literals count from today */
	assert_int_equal(num_of("last_touch < -180d"), TODAY - 180);
	assert_int_equal(num_of("last_touch < +3d"), TODAY + 3);
	assert_int_equal(num_of("last_touch < 3d"), TODAY + 3);
	assert_int_equal(num_of("last_touch < 2w"), TODAY + 14);
	assert_int_equal(num_of("last_touch < -2m"), TODAY - 60);
	assert_int_equal(num_of("last_touch < 1y"), TODAY + 365);
	assert_int_equal(num_of("last_touch < TODAY"), TODAY);
	assert_int_equal(num_of("last_touch < 1970-01-01"), 0);
	assert_int_equal(num_of("last_touch < 2000-03-01"), days_of("2000-03-01"));
	assert_int_equal(num_of("last_touch < 1900-03-01"), days_of("1900-03-01"));
	/* the calendar is checked */
	parse_ok("created_at = 2000-02-29"); /* divisible by 400 */
	parse_err_exact("created_at = 2025-02-30", 14, "2025-02-30 is not a date");
	parse_err("created_at = 2023-02-29", 14, "2023-02-29 is not a date");
	parse_err("created_at = 1900-02-29", 14, "1900-02-29 is not a date");
	parse_err("created_at = 2025-13-01", 14, "2025-13-01 is not a date");
	parse_err("created_at = 2025-04-31", 14, "2025-04-31 is not a date");
	parse_err("created_at = 2025-00-10", 14, "not a date");
	parse_err("created_at = 0000-01-01", 14, "not a date");
	parse_err("created_at = 2025-1-01", 14, "created_at is a date; '2025-1-01' is not");
	parse_err("created_at = 2025-01-011", 14, "is not");
	parse_err("created_at = 12", 14, "created_at is a date; '12' is not");
	parse_err("created_at = 7x", 14, "is not");
	parse_err("created_at = -99999999999d", 14, "out of range");
	parse_err("created_at > 20000y", 14, "out of range");
	parse_err("created_at contains 2025", 12, "'contains' applies to text fields");
	/* missing dates */
	NO_MATCH("last_touch < today", &BARE);
	MATCH("last_touch != today", &BARE);
}

/* Instant fields: times of day, zones and unix seconds compare to the second;
 * a date alone compares with the instant's day in the query's zone. */
static struct qnode *parse_in(const char *text, int offset)
{
	ZONE = (struct util_zone){ .fixed = true, .offset = offset };
	struct qerror err;
	struct qnode *q = query_parse(&A, text, lookup, NULL, TODAY, &ZONE, &err);
	if (!q)
		fail_msg("'%s' did not parse: %s at column %d", text, err.message, err.col);
	return q;
}

static bool match_in(const char *text, int offset, const struct rec *r)
{
	return query_eval(parse_in(text, offset), get, (void *)r, TODAY);
}

#define MSK (3 * 3600)
#define MATCH_IN(text, off, rec) do { if (!match_in(text, off, rec)) fail_msg("'%s' should match at %d", text, off); } while (0)
#define NO_MATCH_IN(text, off, rec) do { if (match_in(text, off, rec)) fail_msg("'%s' should not match at %d", text, off); } while (0)

static void test_instants(void **state)
{
	(void)state;
	/* today is Sunday 2025-06-15; updated at 07:30:00 UTC = 10:30 in Moscow */
	int64_t at = days_of("2025-06-15") * 86400 + 7 * 3600 + 30 * 60;
	struct rec r = {.vip = -1, .updated_secs = at};
	/* one literal, two zones, two answers */
	MATCH_IN("updated_at > 10:00", MSK, &r);
	NO_MATCH_IN("updated_at > 10:00", 0, &r);
	MATCH_IN("updated_at > '10:00'", MSK, &r);
	MATCH_IN("updated_at = '15.06.2025 10:30'", MSK, &r);
	NO_MATCH_IN("updated_at = '15.06.2025 10:30'", 0, &r);
	MATCH_IN("updated_at = '15.06 10:30'", MSK, &r);
	MATCH_IN("updated_at = 'сегодня 10:30'", MSK, &r);
	MATCH_IN("updated_at = 'today 07:30'", 0, &r);
	MATCH_IN("updated_at < 'завтра 10:00'", MSK, &r);
	MATCH_IN("updated_at > 'вчера 23:59'", MSK, &r);
	MATCH_IN("updated_at < 'monday 00:00'", MSK, &r);
	MATCH_IN("updated_at < 'пн 10:00'", MSK, &r);
	/* to the second */
	MATCH_IN("updated_at = 'today 10:30:00'", MSK, &r);
	NO_MATCH_IN("updated_at > 'today 10:30:00'", MSK, &r);
	MATCH_IN("updated_at < 'today 10:30:01'", MSK, &r);
	/* a zone in the literal wins over the query's */
	MATCH_IN("updated_at = 2025-06-15T07:30:00Z", MSK, &r);
	MATCH_IN("updated_at = 2025-06-15T07:30:00Z", 0, &r);
	MATCH_IN("updated_at = '2025-06-15T10:30:00+03:00'", 0, &r);
	MATCH_IN("updated_at = 2025-06-15T12:30:00+05:00 and vip != true", -5 * 3600, &r);
	NO_MATCH_IN("updated_at > 2025-06-15T10:30:00+03:00", 0, &r);
	MATCH_IN("updated_at = '2025-06-15 10:30'", MSK, &r);
	/* unix seconds */
	char text[64];
	snprintf(text, sizeof(text), "updated_at = %lld", (long long)at);
	MATCH_IN(text, MSK, &r);
	snprintf(text, sizeof(text), "updated_at > %lld", (long long)at - 1);
	MATCH_IN(text, 0, &r);
	snprintf(text, sizeof(text), "updated_at > %lld", (long long)at);
	NO_MATCH_IN(text, 0, &r);
	/* a date alone: the instant's day in the query's zone. 01:30 in Moscow
	 * on the 15th is still the 14th in UTC */
	r.updated_secs = days_of("2025-06-14") * 86400 + 22 * 3600 + 30 * 60;
	MATCH_IN("updated_at = today", MSK, &r);
	NO_MATCH_IN("updated_at = today", 0, &r);
	MATCH_IN("updated_at = 2025-06-14", 0, &r);
	MATCH_IN("updated_at = 15.06.2025", MSK, &r);
	MATCH_IN("updated_at within -1d", MSK, &r);
	NO_MATCH_IN("updated_at within -1d", 0, &r);
	/* the literal's value: a weekday is the next one, today included (Sunday) */
	assert_int_equal(parse_in("updated_at < 'пн 10:00'", MSK)->lits[0].num,
			 days_of("2025-06-16") * 86400 + 7 * 3600);
	assert_true(parse_in("updated_at < 'пн 10:00'", MSK)->lits[0].instant);
	assert_int_equal(parse_in("updated_at < 'воскресенье 10:00'", 0)->lits[0].num,
			 days_of("2025-06-15") * 86400 + 10 * 3600);
	assert_false(parse_in("updated_at < пн", MSK)->lits[0].instant);
	assert_int_equal(parse_in("updated_at < +1w", MSK)->lits[0].num, TODAY + 7);
	/* other date fields take no time, naming the field at the value's column */
	parse_err_exact("birthday = '10:00'", 12, "birthday is a date; '10:00' has a time of day (write the date alone)");
	parse_err("created_at > 2025-06-15T10:00:00Z", 14, "created_at is a date; '2025-06-15T10:00:00Z' has a time");
	parse_err("created_at > 'завтра 10:00'", 14, "created_at is a date; 'завтра 10:00' has a time");
	parse_err("created_at = 1733000000", 14, "created_at is a date; '1733000000' is not");
	/* malformed times */
	parse_err("updated_at > 25:00", 14, "updated_at is a time; '25:00' is not");
	parse_err("updated_at > '2025-06-15T10:00+3'", 14, "is not");
	parse_err("updated_at > 'завтра 10'", 14, "is not");
	/* unquoted, a time with spaces is two words: the error says to quote it */
	parse_err("updated_at < завтра 10:00", 21, "quote a value that has spaces");
	/* they read back as written */
	DESCRIBES("updated_at > 10:00", "updated_at > 10:00");
	DESCRIBES("updated_at < 'завтра 10:00'", "updated_at < \"завтра 10:00\"");
	DESCRIBES("updated_at >= 2025-06-15T07:30:00Z", "updated_at >= 2025-06-15T07:30:00Z");
}

static void test_within(void **state)
{
	(void)state;
	/* "within Nd" is N days, today included: [today, today+N-1], or
	 * [today+N+1, today] for N < 0 -- the days `kart today --days N` lists */
	struct rec r = {.vip = -1, .last_touch = "2025-06-20"};
	MATCH("last_touch within 6d", &r);
	NO_MATCH("last_touch within 5d", &r);
	NO_MATCH("last_touch within -30d", &r);
	r.last_touch = "2025-06-15";
	MATCH("last_touch within 1d", &r);
	NO_MATCH("last_touch within 0d", &r);
	MATCH("last_touch within -1d", &r);
	r.last_touch = "2025-05-16";
	MATCH("last_touch within -31d", &r);
	NO_MATCH("last_touch within -30d", &r);
	NO_MATCH("last_touch within 1y", &r);
	assert_int_equal(num_of("last_touch within 2w"), 14);
	assert_int_equal(num_of("last_touch within -1y"), -365);
	parse_err_exact("birthday within 2025-01-01", 17, "'within' needs a duration like 7d, not '2025-01-01'");
	parse_err_exact("birthday within", 16, "'within' needs a duration like 7d");
	parse_err("birthday within 7", 17, "'within' needs a duration like 7d");
	parse_err("birthday within today", 17, "'within' needs a duration like 7d");
	parse_err("birthday within 7q", 17, "'within' needs a duration like 7d");
	parse_err("birthday within 99999999y", 17, "out of range");
	parse_err("city within 7d", 6, "'within' applies to date fields; city is text");
}

static void test_annual(void **state)
{
	(void)state;
	struct rec r = {.vip = -1, .bmonth = 1, .bday = 2};
	/* across the year end; N days, today included */
	TODAY = days_of("2025-12-28");
	MATCH("birthday within 6d", &r);
	NO_MATCH("birthday within 5d", &r);
	r.bday = 5;
	NO_MATCH("birthday within 8d", &r);
	MATCH("birthday within 9d", &r);
	r.bmonth = 12, r.bday = 28;
	MATCH("birthday within 1d", &r);
	NO_MATCH("birthday within 0d", &r);
	MATCH("birthday = today", &r);
	r.bday = 27; /* yesterday: the next one is a year away */
	NO_MATCH("birthday within 7d", &r);
	MATCH("birthday within 1y", &r);
	MATCH("birthday within -2d", &r);
	NO_MATCH("birthday within -1d", &r);
	NO_MATCH("birthday within -0d", &r);
	/* looking back across the year start */
	TODAY = days_of("2026-01-03");
	r.bmonth = 12, r.bday = 30;
	MATCH("birthday within -5d", &r);
	NO_MATCH("birthday within -4d", &r);
	NO_MATCH("birthday within 30d", &r);

	/* Feb 29 counts as Mar 1 in a common year */
	r.bmonth = 2, r.bday = 29;
	TODAY = days_of("2025-02-25");
	MATCH("birthday within 5d", &r);
	NO_MATCH("birthday within 4d", &r);
	TODAY = days_of("2024-02-25");
	MATCH("birthday within 5d", &r);
	NO_MATCH("birthday within 4d", &r);
	TODAY = days_of("2025-03-01");
	MATCH("birthday within 1d", &r);
	MATCH("birthday = today", &r);
	MATCH("birthday = 2025-03-01", &r);
	NO_MATCH("birthday = 2025-02-28", &r);
	TODAY = days_of("2024-03-01"); /* a leap year: it was yesterday */
	NO_MATCH("birthday = today", &r);
	MATCH("birthday = 2024-02-29", &r);
	MATCH("birthday = 1996-02-29", &r);
	NO_MATCH("birthday within 300d", &r);
	MATCH("birthday within -2d", &r);
	/* Dec 31 of a leap year seen from Mar 1 */
	r.bmonth = 12, r.bday = 31;
	MATCH("birthday within 306d", &r);
	NO_MATCH("birthday within 305d", &r);

	/* dates as people type them, seen from the caller's today */
	TODAY = days_of("2025-06-15");
	MATCH("birthday = 20.06.1990", &IVANOVA);
	MATCH("birthday = 20.06", &IVANOVA);
	NO_MATCH("birthday = 21.06", &IVANOVA);
	r.last_touch = "2025-06-16";
	MATCH("last_touch = завтра", &r);
	MATCH("last_touch = tomorrow", &r);
	MATCH("last_touch = пн", &r);      /* 2025-06-15 is a Sunday */
	NO_MATCH("last_touch = yesterday", &r);
	MATCH("last_touch > 15.06.2025", &r);
	parse_err("last_touch = 31.06.2025", 14, "'31.06.2025' is not");

	/* equality compares the yearly month-day, whatever the year */
	TODAY = days_of("2025-06-15");
	MATCH("birthday = 1990-06-20", &IVANOVA);
	MATCH("birthday != 1990-06-21", &IVANOVA);
	MATCH("birthday in (1980-01-01, 2001-06-20)", &IVANOVA);
	NO_MATCH("birthday not in (2001-06-20)", &IVANOVA);
	MATCH("birthday exists", &IVANOVA);
	/* missing */
	NO_MATCH("birthday within 1y", &BARE);
	NO_MATCH("birthday exists", &BARE);
	MATCH("birthday != today", &BARE);
	struct rec bad = {.vip = -1, .bmonth = 13, .bday = 1}; /* garbage month-day: missing */
	NO_MATCH("birthday exists", &bad);
	NO_MATCH("birthday within 1y", &bad);
	/* a yearly date has no order */
	parse_err_exact("birthday < 2000-01-01", 10, "cannot compare a yearly date with <; use within (birthday)");
	parse_err("birthday >= today", 10, "cannot compare a yearly date with >=");
}

/* ---- sets ------------------------------------------------------------------------------------- */

static void test_sets(void **state)
{
	(void)state;
	MATCH("tags = vip", &IVANOVA);
	MATCH("tag = VIP", &IVANOVA);
	NO_MATCH("tags = partn", &IVANOVA);
	NO_MATCH("tags != vip", &IVANOVA);         /* none does */
	MATCH("tags != gold", &IVANOVA);
	MATCH("tags in (gold, partner)", &IVANOVA);
	NO_MATCH("tags in (gold, silver)", &IVANOVA);
	MATCH("tags not in (gold, silver)", &IVANOVA);
	NO_MATCH("tags not in (gold, vip)", &IVANOVA);
	MATCH("tags contains ART", &IVANOVA);      /* some element contains */
	NO_MATCH("tags contains gold", &IVANOVA);
	MATCH("tags exists", &IVANOVA);
	MATCH("phones = +78461234567", &IVANOVA);
	MATCH("phones contains 846", &IVANOVA);
	MATCH("email contains '@example.org'", &IVANOVA);
	/* multienum: literals among the field's values, canonical */
	MATCH("interests = SPORT", &IVANOVA);
	MATCH("interests = кино", &IVANOVA);
	MATCH("interests in (music, КИНО)", &IVANOVA);
	NO_MATCH("interests = music", &IVANOVA);
	MATCH("interests != music", &IVANOVA);
	MATCH("interests not in (music)", &IVANOVA);
	parse_err_exact("interests = chess", 13, "unknown value 'chess' for interests (one of: sport, music, Кино)");
	parse_err("interests contains sp", 11, "'contains' applies to text fields; interests is a set of choices");
	parse_err("tags < b", 6, "cannot compare a set of texts with <");
	parse_err("interests >= b", 11, "cannot compare a set of choices with >=");
	/* empty sets are missing */
	NO_MATCH("tags exists", &BARE);
	NO_MATCH("tags = vip", &BARE);
	MATCH("tags != vip", &BARE);
	NO_MATCH("tags in (vip)", &BARE);
	MATCH("tags not in (vip)", &BARE);
	NO_MATCH("tags contains v", &BARE);
	NO_MATCH("email exists", &BARE);
	MATCH("not email exists", &BARE);
}

/* ---- missing values --------------------------------------------------------------------------- */

static void test_missing(void **state)
{
	(void)state;
	/* BARE has only a name */
	NO_MATCH("city = x", &BARE);
	MATCH("city != x", &BARE);
	NO_MATCH("city < x", &BARE);
	NO_MATCH("city > x", &BARE);
	NO_MATCH("city contains x", &BARE);
	NO_MATCH("city in (x, y)", &BARE);
	MATCH("city not in (x, y)", &BARE);
	NO_MATCH("city exists", &BARE);
	MATCH("not city = x", &BARE);
	MATCH("not city exists", &BARE);
	MATCH("name exists", &BARE);
	NO_MATCH("computers > 0", &BARE);
	NO_MATCH("computers < 0", &BARE);
	NO_MATCH("computers = 0", &BARE);
	MATCH("computers != 0", &BARE);
	NO_MATCH("vip = true", &BARE);
	NO_MATCH("vip = false", &BARE);
	MATCH("vip != true", &BARE);
	NO_MATCH("sector = cold", &BARE);
	MATCH("sector != cold", &BARE);
	NO_MATCH("vip exists", &BARE);
	/* empty text is missing */
	struct rec e = {.city = "", .vip = -1};
	NO_MATCH("city exists", &e);
	NO_MATCH("city <= x", &e);
	MATCH("city != x", &e);
	/* an accessor that cannot read: missing everywhere */
	struct rec u = IVANOVA;
	u.unreadable = true;
	NO_MATCH("city = самара", &u);
	MATCH("city != самара", &u);
	NO_MATCH("tags exists", &u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_within, setup, teardown),
		cmocka_unit_test_setup_teardown(test_annual, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	};
	return cmocka_run_group_tests_name("query_values", tests, NULL, NULL);
}
