/* Unit tests for daemon/money.[ch]: amounts typed by people, in kopecks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "money.h"

static int64_t ok(const char *s)
{
	int64_t v = 12345;
	const char *why = NULL;
	if (money_parse(s, &v, &why) != 0)
		fail_msg("'%s' refused: %s", s, why ? why : "?");
	return v;
}

/* s is refused, with a reason that contains why_part */
static void bad(const char *s, const char *why_part)
{
	int64_t v = 12345;
	const char *why = NULL;
	if (money_parse(s, &v, &why) == 0)
		fail_msg("'%s' taken as %lld", s, (long long)v);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("'%s' refused for '%s', expected '%s'", s, why, why_part);
	assert_int_equal(v, 12345); /* untouched */
}

static void test_amounts(void **state)
{
	(void)state;
	assert_int_equal(ok("1500"), 150000);
	assert_int_equal(ok("1 500"), 150000);
	assert_int_equal(ok("1500,50"), 150050);
	assert_int_equal(ok("1500.50"), 150050);
	assert_int_equal(ok("1 500,5"), 150050);
	assert_int_equal(ok("1 234 567.89"), 123456789);
	assert_int_equal(ok("1\xc2\xa0" "500"), 150000);     /* U+00A0 no-break space */
	assert_int_equal(ok("1\xe2\x80\xaf" "500,25"), 150025); /* U+202F narrow no-break space */
	assert_int_equal(ok("0.05"), 5);
	assert_int_equal(ok("0"), 0);
	assert_int_equal(ok("-7"), -700);
	assert_int_equal(ok("+7"), 700);
	assert_int_equal(ok("-0.05"), -5);
	assert_int_equal(ok("  42  "), 4200);
	assert_int_equal(ok("10.500"), 1050); /* decimals past two only as zeros */
	assert_int_equal(ok("1 500,500"), 150050); /* grouped: the comma is the decimal one */
	assert_int_equal(ok("007"), 700);
}

static void test_refusals(void **state)
{
	(void)state;
	bad("1,500", "thousands or decimals");
	bad("-1,500", "thousands or decimals");
	bad("12 34", "misplaced thousands separator");
	bad("1 50", "misplaced thousands separator");
	bad("1234 567", "misplaced thousands separator");
	bad("1.505", "more than 2 decimals");
	bad("0.001", "more than 2 decimals");
	bad("1e3", "not a number");
	bad(".5", "not a number");
	bad("5.", "no digits after the decimal separator");
	bad("", "empty");
	bad("   ", "empty");
	bad("-", "empty");
	bad("abc", "not a number");
	bad("12abc", "not a number");
	bad("1.5.0", "not a number");
	bad("--5", "not a number");
}

static void test_overflow(void **state)
{
	(void)state;
	/* INT64_MAX kopecks, and INT64_MIN */
	assert_int_equal(ok("92233720368547758.07"), INT64_MAX);
	assert_int_equal(ok("92 233 720 368 547 758,07"), INT64_MAX);
	assert_int_equal(ok("-92233720368547758.08"), INT64_MIN);
	bad("92233720368547758.08", "too large");
	bad("92233720368547759", "too large");
	bad("-92233720368547758.09", "too large");
	bad("99999999999999999999999999", "too large");
	bad("9223372036854775807", "too large"); /* fits as a number, not as kopecks */
}

static void test_format(void **state)
{
	(void)state;
	char buf[32];
	assert_string_equal(money_format(150050, buf, sizeof(buf)), "1500.50");
	assert_string_equal(money_format(0, buf, sizeof(buf)), "0.00");
	assert_string_equal(money_format(5, buf, sizeof(buf)), "0.05");
	assert_string_equal(money_format(-5, buf, sizeof(buf)), "-0.05");
	assert_string_equal(money_format(-150000, buf, sizeof(buf)), "-1500.00");
	assert_string_equal(money_format(INT64_MAX, buf, sizeof(buf)), "92233720368547758.07");
	assert_string_equal(money_format(INT64_MIN, buf, sizeof(buf)), "-92233720368547758.08");
	/* what is formatted reads back */
	const int64_t samples[] = { 0, 1, -1, 99, 100, 123456789, -987654321, INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		assert_int_equal(ok(money_format(samples[i], buf, sizeof(buf))), samples[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests_name("money", tests, NULL, NULL);
}
