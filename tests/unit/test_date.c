/* Unit tests for common/date.[ch]: calendar arithmetic on days since 1970-01-01. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "date.h"

static void assert_civil(int64_t days, int64_t y, int m, int d)
{
	int64_t gy;
	int gm, gd;
	date_civil_from_days(days, &gy, &gm, &gd);
	if (gy != y || gm != m || gd != d)
		fail_msg("day %lld is %lld-%02d-%02d, expected %lld-%02d-%02d", (long long)days, (long long)gy, gm, gd,
			 (long long)y, m, d);
}

static void test_known_days(void **state)
{
	(void)state;
	assert_int_equal(date_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(date_days_from_civil(1970, 1, 2), 1);
	assert_int_equal(date_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(date_days_from_civil(2000, 1, 1), 10957);
	assert_int_equal(date_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(date_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(date_days_from_civil(2026, 12, 5), 20792);
	assert_int_equal(date_days_from_civil(1900, 1, 1), -25567);
	assert_int_equal(date_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(date_days_from_civil(0, 3, 1), -719468);
	assert_civil(0, 1970, 1, 1);
	assert_civil(-1, 1969, 12, 31);
	assert_civil(-365, 1969, 1, 1);
	assert_civil(-366, 1968, 12, 31);
	assert_civil(-25567, 1900, 1, 1);
	assert_civil(-719162, 1, 1, 1);
	assert_civil(-719163, 0, 12, 31);
	assert_civil(-719469, 0, 2, 29); /* year 0 (1 BC) is a leap year */
	assert_civil(19782, 2024, 2, 29);
	assert_civil(2932896, 9999, 12, 31);
	/* a day past the month's end rolls into the next month */
	assert_int_equal(date_days_from_civil(2025, 2, 29), date_days_from_civil(2025, 3, 1));
	assert_int_equal(date_days_from_civil(2025, 4, 31), date_days_from_civil(2025, 5, 1));
}

/* Walks day by day from 1600-01-01 to 2400-12-31 against a plain calendar
 * counter, and checks the way back. */
static void test_walk_against_counter(void **state)
{
	(void)state;
	int64_t day = date_days_from_civil(1600, 1, 1);
	for (int64_t y = 1600; y <= 2400; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= date_days_in_month(y, m); d++, day++) {
				if (date_days_from_civil(y, m, d) != day)
					fail_msg("%lld-%02d-%02d is not day %lld", (long long)y, m, d, (long long)day);
				assert_civil(day, y, m, d);
			}
	assert_int_equal(day, date_days_from_civil(2401, 1, 1));
}

/* Round trips far from 1970 both ways, negative days included. */
static void test_round_trips(void **state)
{
	(void)state;
	for (int64_t z = -200000000; z <= 200000000; z += 99991) {
		int64_t y;
		int m, d;
		date_civil_from_days(z, &y, &m, &d);
		assert_true(m >= 1 && m <= 12);
		assert_true(d >= 1 && d <= date_days_in_month(y, m));
		if (date_days_from_civil(y, m, d) != z)
			fail_msg("day %lld does not come back", (long long)z);
	}
	for (int64_t z = -1000; z <= 1000; z++) {
		int64_t y;
		int m, d;
		date_civil_from_days(z, &y, &m, &d);
		assert_int_equal(date_days_from_civil(y, m, d), z);
	}
}

static void test_leap_years_and_months(void **state)
{
	(void)state;
	assert_true(date_is_leap(2024));
	assert_true(date_is_leap(2000));
	assert_true(date_is_leap(1600));
	assert_true(date_is_leap(0));
	assert_true(date_is_leap(-4));
	assert_false(date_is_leap(2025));
	assert_false(date_is_leap(1900));
	assert_false(date_is_leap(2100));
	assert_false(date_is_leap(-1));
	assert_int_equal(date_days_in_month(2024, 2), 29);
	assert_int_equal(date_days_in_month(2025, 2), 28);
	assert_int_equal(date_days_in_month(1900, 2), 28);
	assert_int_equal(date_days_in_month(2000, 2), 29);
	assert_int_equal(date_days_in_month(2025, 1), 31);
	assert_int_equal(date_days_in_month(2025, 4), 30);
	assert_int_equal(date_days_in_month(2025, 12), 31);
	/* Feb 28 and Mar 1 are one day apart in a common year, two in a leap one */
	assert_int_equal(date_days_from_civil(2025, 3, 1) - date_days_from_civil(2025, 2, 28), 1);
	assert_int_equal(date_days_from_civil(2024, 3, 1) - date_days_from_civil(2024, 2, 28), 2);
	assert_int_equal(date_days_from_civil(1900, 3, 1) - date_days_from_civil(1900, 2, 28), 1);
	/* year boundaries */
	assert_int_equal(date_days_from_civil(2027, 1, 1) - date_days_from_civil(2026, 12, 31), 1);
	assert_int_equal(date_days_from_civil(2025, 1, 1) - date_days_from_civil(2024, 1, 1), 366);
	assert_int_equal(date_days_from_civil(2026, 1, 1) - date_days_from_civil(2025, 1, 1), 365);
	assert_civil(date_days_from_civil(2026, 12, 31) + 1, 2027, 1, 1);
	assert_civil(date_days_from_civil(2027, 1, 1) - 1, 2026, 12, 31);
}

static void test_anniversary(void **state)
{
	(void)state;
	/* Feb 29 is celebrated on Mar 1 in a common year */
	assert_int_equal(date_anniversary(2025, 2, 29), date_days_from_civil(2025, 3, 1));
	assert_int_equal(date_anniversary(2100, 2, 29), date_days_from_civil(2100, 3, 1));
	assert_int_equal(date_anniversary(2028, 2, 29), date_days_from_civil(2028, 2, 29));
	assert_int_equal(date_anniversary(2025, 2, 28), date_days_from_civil(2025, 2, 28));
	assert_int_equal(date_anniversary(2025, 12, 31), date_days_from_civil(2025, 12, 31));
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(date_weekday(0), 4);                                /* 1970-01-01 Thursday */
	assert_int_equal(date_weekday(-1), 3);                               /* 1969-12-31 Wednesday */
	assert_int_equal(date_weekday(-7), 4);
	assert_int_equal(date_weekday(date_days_from_civil(2000, 1, 1)), 6); /* Saturday */
	assert_int_equal(date_weekday(date_days_from_civil(2026, 12, 31)), 4);
	assert_int_equal(date_weekday(date_days_from_civil(2027, 1, 1)), 5);
	assert_int_equal(date_weekday(date_days_from_civil(2024, 2, 29)), 4);
	assert_int_equal(date_weekday(date_days_from_civil(1945, 5, 9)), 3); /* Wednesday */
	assert_int_equal(date_weekday(date_days_from_civil(1900, 1, 1)), 1); /* Monday */
	assert_int_equal(date_weekday(date_days_from_civil(1, 1, 1)), 1);    /* proleptic: Monday */
	for (int64_t z = -3000; z < 3000; z++)
		assert_int_equal(date_weekday(z + 1), (date_weekday(z) + 1) % 7);
}

static void test_day_at_offset(void **state)
{
	(void)state;
	int64_t eve = date_days_from_civil(2026, 12, 31) * 86400 + 20 * 3600; /* 20:00 UTC */
	assert_int_equal(date_day_at_offset(eve, 0), date_days_from_civil(2026, 12, 31));
	assert_int_equal(date_day_at_offset(eve, 3 * 3600), date_days_from_civil(2026, 12, 31));
	assert_int_equal(date_day_at_offset(eve, 4 * 3600), date_days_from_civil(2027, 1, 1));
	assert_int_equal(date_day_at_offset(eve, 10 * 3600), date_days_from_civil(2027, 1, 1));
	assert_int_equal(date_day_at_offset(eve, -12 * 3600), date_days_from_civil(2026, 12, 31));
	/* before 1970 the day is floored, not truncated toward zero */
	assert_int_equal(date_day_at_offset(0, 0), 0);
	assert_int_equal(date_day_at_offset(-1, 0), -1);
	assert_int_equal(date_day_at_offset(-86400, 0), -1);
	assert_int_equal(date_day_at_offset(-86401, 0), -2);
	assert_int_equal(date_day_at_offset(3600, -2 * 3600), -1);
	assert_int_equal(date_day_at_offset(86399, 0), 0);
	assert_int_equal(date_day_at_offset(86400, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_days),
		cmocka_unit_test(test_walk_against_counter),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_leap_years_and_months),
		cmocka_unit_test(test_anniversary),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_day_at_offset),
	};
	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
