/* Unit tests for client/lib/fmt.[ch]: times, dates and money in C.UTF-8 and
 * ru_RU.UTF-8 (the Russian cases skip when that locale is not generated;
 * scripts/deps.sh generates it). TZ is UTC throughout. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fmt.h"

#define AT_1430 1796481000 /* 2026-12-05 14:30:00 UTC */
#define NNBSP "\u202f"     /* ru_RU's thousands separator for money */

/* The locale as i18n_init sets it: everything from name, numbers in C. */
static int use_locale(const char *name)
{
	if (!setlocale(LC_ALL, name))
		return -1;
	setlocale(LC_NUMERIC, "C");
	return 0;
}

static int set_c(void **state)
{
	(void)state;
	return use_locale("C.UTF-8") < 0 ? use_locale("C") : 0;
}

static int set_ru(void **state)
{
	(void)state;
	if (use_locale("ru_RU.UTF-8") < 0)
		*state = "no ru_RU.UTF-8";
	return 0;
}

static void skip_without_ru(void **state)
{
	if (*state) {
		print_message("ru_RU.UTF-8 is not generated (scripts/deps.sh generates it)\n");
		skip();
	}
}

#define assert_fmt(expr, want)                                                                  \
	do {                                                                                   \
		const char *got_ = (expr);                                                     \
		if (strcmp(got_, want) != 0)                                                   \
			fail_msg("%s gave '%s', expected '%s'", #expr, got_, want);            \
	} while (0)

static void test_c_times(void **state)
{
	char b[64];

	(void)state;
	assert_fmt(fmt_time(AT_1430, 0, b, sizeof(b)), "2026-12-05 14:30");
	assert_fmt(fmt_time(AT_1430 + 5, FMT_SECONDS, b, sizeof(b)), "2026-12-05 14:30:05");
	assert_fmt(fmt_time(AT_1430, FMT_ZONE, b, sizeof(b)), "2026-12-05 14:30 UTC");
	assert_fmt(fmt_time(0, 0, b, sizeof(b)), "");
	assert_fmt(fmt_date("2026-12-05", b, sizeof(b)), "2026-12-05");
	assert_fmt(fmt_date("--12-05", b, sizeof(b)), "--12-05");
	assert_fmt(fmt_date("someday", b, sizeof(b)), "someday");
	assert_fmt(fmt_date(NULL, b, sizeof(b)), "");
}

static void test_c_money(void **state)
{
	char b[64];

	(void)state;
	assert_fmt(fmt_money(12500050, NULL, b, sizeof(b)), "125,000.50 RUB");
	assert_fmt(fmt_money(12500050, "", b, sizeof(b)), "125,000.50 RUB");
	assert_fmt(fmt_money(12500050, "USD", b, sizeof(b)), "125,000.50 USD");
	assert_fmt(fmt_money(0, NULL, b, sizeof(b)), "0.00 RUB");
	assert_fmt(fmt_money(99, NULL, b, sizeof(b)), "0.99 RUB");
	assert_fmt(fmt_money(-150, NULL, b, sizeof(b)), "-1.50 RUB");
	assert_fmt(fmt_money(99999, NULL, b, sizeof(b)), "999.99 RUB");
	assert_fmt(fmt_money(100000, NULL, b, sizeof(b)), "1,000.00 RUB");
	assert_fmt(fmt_money(INT64_MAX, NULL, b, sizeof(b)), "92,233,720,368,547,758.07 RUB");
	assert_fmt(fmt_money(INT64_MIN, NULL, b, sizeof(b)), "-92,233,720,368,547,758.08 RUB");
}

#ifdef ENABLE_NLS
static void test_ru_times(void **state)
{
	char b[64];

	skip_without_ru(state);
	assert_fmt(fmt_time(AT_1430, 0, b, sizeof(b)), "05.12.2026 14:30");
	assert_fmt(fmt_time(AT_1430 + 5, FMT_SECONDS, b, sizeof(b)), "05.12.2026 14:30:05");
	assert_fmt(fmt_time(AT_1430, FMT_ZONE, b, sizeof(b)), "05.12.2026 14:30 UTC");
	assert_fmt(fmt_date("2026-12-05", b, sizeof(b)), "05.12.2026");
	assert_fmt(fmt_date("1980-01-31", b, sizeof(b)), "31.01.1980");
	assert_fmt(fmt_date("--12-05", b, sizeof(b)), "05.12");
	assert_fmt(fmt_date("--02-29", b, sizeof(b)), "29.02");
	/* not dates: as they came */
	assert_fmt(fmt_date("2026-02-30", b, sizeof(b)), "2026-02-30");
	assert_fmt(fmt_date("2026-12-5", b, sizeof(b)), "2026-12-5");
	assert_fmt(fmt_date("+026-12-05", b, sizeof(b)), "+026-12-05");
	assert_fmt(fmt_date("", b, sizeof(b)), "");
}

static void test_ru_money(void **state)
{
	char b[64];

	skip_without_ru(state);
	assert_fmt(fmt_money(12500050, NULL, b, sizeof(b)), "125" NNBSP "000,50 ₽");
	assert_fmt(fmt_money(12500050, "RUB", b, sizeof(b)), "125" NNBSP "000,50 ₽");
	/* another currency keeps its code: ₽ is only for roubles */
	assert_fmt(fmt_money(12500050, "USD", b, sizeof(b)), "125" NNBSP "000,50 USD");
	assert_fmt(fmt_money(0, NULL, b, sizeof(b)), "0,00 ₽");
	assert_fmt(fmt_money(-150, NULL, b, sizeof(b)), "-1,50 ₽");
	assert_fmt(fmt_money(99999, NULL, b, sizeof(b)), "999,99 ₽");
	assert_fmt(fmt_money(1000000000, NULL, b, sizeof(b)), "10" NNBSP "000" NNBSP "000,00 ₽");
}
#else
/* a build without NLS speaks English only, whatever the locale */
static void test_ru_times(void **state)
{
	char b[64];

	skip_without_ru(state);
	assert_fmt(fmt_time(AT_1430, 0, b, sizeof(b)), "2026-12-05 14:30");
	assert_fmt(fmt_date("2026-12-05", b, sizeof(b)), "2026-12-05");
}

static void test_ru_money(void **state)
{
	char b[64];

	skip_without_ru(state);
	assert_fmt(fmt_money(12500050, NULL, b, sizeof(b)), "125,000.50 RUB");
}
#endif

/* A short buffer is filled and ended, never overrun. */
static void test_short_buffers(void **state)
{
	char b[8];

	(void)state;
	memset(b, 'x', sizeof(b));
	fmt_money(12500050, NULL, b, 6);
	assert_int_equal(strlen(b), 5);
	assert_int_equal(b[6], 'x');
	fmt_time(AT_1430, FMT_ZONE, b, 6);
	assert_true(strlen(b) < 6);
	assert_int_equal(b[6], 'x');
	/* a date that does not fit comes back whole, as sent */
	assert_string_equal(fmt_date("2026-12-05", b, 6), "2026-12-05");
	assert_int_equal(b[6], 'x');
	assert_ptr_equal(fmt_money(1, NULL, b, 0), b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_c_times, set_c),
		cmocka_unit_test_setup(test_c_money, set_c),
		cmocka_unit_test_setup(test_short_buffers, set_c),
		cmocka_unit_test_setup(test_ru_times, set_ru),
		cmocka_unit_test_setup(test_ru_money, set_ru),
		cmocka_unit_test_setup(test_short_buffers, set_ru),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
