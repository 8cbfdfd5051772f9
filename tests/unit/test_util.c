/* Unit tests for common/util.[ch]. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "date.h"
#include "util.h"

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int setup_utc(void **state)
{
	(void)state;
	set_tz("UTC0");
	return 0;
}

static const int64_t NOW = 1750000000; /* 2025-06-15 15:06:40 UTC */

static int64_t parse_ok(const char *s)
{
	int64_t out = INT64_MIN;
	if (util_parse_time(s, NOW, &out) != 0)
		fail_msg("'%s' refused", s);
	return out;
}

static void parse_bad(const char *s)
{
	int64_t out = 42;
	if (util_parse_time(s, NOW, &out) != -1)
		fail_msg("'%s' accepted as %lld", s, (long long)out);
}

static void test_parse_time_dates(void **state)
{
	(void)state;
	assert_true(parse_ok("2025-03-04") == 1741046400);
	assert_true(parse_ok("2024-02-29") == 1709164800); /* leap day */
	assert_true(parse_ok("1970-01-01") == 0);
	assert_true(parse_ok("2000-12-31") == 978220800);
	assert_true(parse_ok("2025-03-04T10:20:30") == 1741083630);
	assert_true(parse_ok("2025-03-04 10:20:30") == 1741083630);
	assert_true(parse_ok("2025-03-04T10:20") == 1741083600);
	assert_true(parse_ok("2025-03-04 00:00") == 1741046400);
	assert_true(parse_ok("2025-03-04T23:59:59") == 1741046400 + 86399);

	/* dates are local time */
	set_tz("MSK-3");
	assert_true(parse_ok("2025-03-04") == 1741046400 - 3 * 3600);
	assert_true(parse_ok("2025-03-04T10:20:30") == 1741083630 - 3 * 3600);
	set_tz("UTC0");
}

static void test_parse_time_relative(void **state)
{
	(void)state;
	assert_true(parse_ok("7d") == NOW - 7 * 86400);
	assert_true(parse_ok("-7d") == NOW - 7 * 86400);
	assert_true(parse_ok("-30m") == NOW - 30 * 60);
	assert_true(parse_ok("30m") == NOW - 30 * 60);
	assert_true(parse_ok("2h") == NOW - 2 * 3600);
	assert_true(parse_ok("45s") == NOW - 45);
	assert_true(parse_ok("2w") == NOW - 14 * 86400);
	assert_true(parse_ok("0d") == NOW);
	assert_true(parse_ok("365d") == NOW - 365 * 86400);
	/* relative to the now given, not the clock */
	int64_t out;
	assert_int_equal(util_parse_time("1h", 10000, &out), 0);
	assert_true(out == 10000 - 3600);

	/* unix seconds */
	assert_true(parse_ok("1700000000") == 1700000000);
	assert_true(parse_ok("0") == 0);
}

static void test_parse_time_future(void **state)
{
	(void)state;
	/* a leading '+' counts from now on; without it, back */
	assert_true(parse_ok("+2h") == NOW + 2 * 3600);
	assert_true(parse_ok("+1d") == NOW + 86400);
	assert_true(parse_ok("+30m") == NOW + 30 * 60);
	assert_true(parse_ok("+45s") == NOW + 45);
	assert_true(parse_ok("+2w") == NOW + 14 * 86400);
	assert_true(parse_ok("+0d") == NOW);
	assert_true(parse_ok("7d") == NOW - 7 * 86400);
	assert_true(parse_ok("-7d") == NOW - 7 * 86400);
	int64_t out;
	assert_int_equal(util_parse_time("+1h", 10000, &out), 0);
	assert_true(out == 10000 + 3600);

	parse_bad("+");
	parse_bad("+d");
	parse_bad("++2h");
	parse_bad("+-2h");
	parse_bad("-+2h");
	parse_bad("+ 2h");
	parse_bad("+2");           /* not unix seconds either */
	parse_bad("+2x");
	parse_bad("+99999999999d");
}

static void test_parse_time_day_words(void **state)
{
	(void)state;
	/* NOW is 2025-06-15 15:06:40 UTC */
	const int64_t midnight = 1749945600; /* 2025-06-15 00:00 UTC */
	assert_true(parse_ok("today") == midnight);
	assert_true(parse_ok("tomorrow") == midnight + 86400);
	assert_true(parse_ok("today 10:00") == midnight + 10 * 3600);
	assert_true(parse_ok("today 18:30") == midnight + 18 * 3600 + 30 * 60);
	assert_true(parse_ok("tomorrow 09:15") == midnight + 86400 + 9 * 3600 + 15 * 60);
	assert_true(parse_ok("tomorrow 9:15") == midnight + 86400 + 9 * 3600 + 15 * 60);
	assert_true(parse_ok("tomorrow 23:59") == midnight + 2 * 86400 - 60);
	assert_true(parse_ok("today 10:00:30") == midnight + 10 * 3600 + 30);
	assert_true(parse_ok("today 00:00") == midnight);

	/* across the end of a month and of a year */
	int64_t out;
	assert_int_equal(util_parse_time("tomorrow", 1751320800 /* 2025-06-30 22:00 UTC */, &out), 0);
	assert_true(out == 1751328000); /* 2025-07-01 */
	assert_int_equal(util_parse_time("tomorrow 08:00", 1767218400 /* 2025-12-31 22:00 UTC */, &out), 0);
	assert_true(out == 1767225600 + 8 * 3600); /* 2026-01-01 08:00 */

	/* local time: in Moscow, 2025-06-15 15:06:40 UTC is 18:06:40 of the same day */
	set_tz("MSK-3");
	assert_true(parse_ok("today") == midnight - 3 * 3600);
	assert_true(parse_ok("today 10:00") == midnight + 7 * 3600);
	assert_true(parse_ok("tomorrow 10:00") == midnight + 86400 + 7 * 3600);
	/* 22:30 UTC is already the next day in Moscow */
	assert_int_equal(util_parse_time("today", 1750026600 /* 2025-06-15 22:30 UTC */, &out), 0);
	assert_true(out == midnight + 86400 - 3 * 3600);
	set_tz("UTC0");

	/* a day with a DST change: 2025-03-30 in Berlin has no 02:30 and 23 hours */
	set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
	assert_int_equal(util_parse_time("tomorrow", 1743253200 /* 2025-03-29 13:00 UTC */, &out), 0);
	assert_true(out == 1743289200); /* 2025-03-30 00:00 CET = 2025-03-29 23:00 UTC */
	assert_int_equal(util_parse_time("tomorrow 12:00", 1743253200, &out), 0);
	assert_true(out == 1743328800); /* 2025-03-30 12:00 CEST = 10:00 UTC */
	set_tz("UTC0");

	parse_bad("today ");
	parse_bad("today 24:00");
	parse_bad("today 10:60");
	parse_bad("today 10");
	parse_bad("today 10:00 ");
	parse_bad("today 10:00x");
	parse_bad("today  10:00");
	parse_bad("today T10:00");
	parse_bad("todayT10:00");
	parse_bad("today10:00");
	parse_bad("todays");
	parse_bad("tomorrow 25:00");
	parse_bad("tomorrow -1:00");
	parse_bad("to");
	parse_bad("tod");
}

static void test_parse_time_rejects(void **state)
{
	(void)state;
	parse_bad("2025-02-30");
	parse_bad("2025-02-29");  /* not a leap year */
	parse_bad("2025-04-31");
	parse_bad("2025-13-01");
	parse_bad("2025-00-10");
	parse_bad("2025-01-00");
	parse_bad("2025-01-32");
	parse_bad("2025-03-04T24:00");
	parse_bad("2025-03-04T10:60");
	parse_bad("2025-03-04T");
	parse_bad("2025-03-04x");
	parse_bad("2025-03-04T10:20:30 garbage");
	parse_bad("");
	parse_bad("garbage");
	parse_bad("yesterdays");
	parse_bad("31.02.2026");
	parse_bad("32.01");
	parse_bad("05.12.26");
	parse_bad("25:00");
	parse_bad("monday 10");
	parse_bad("2026-12-05T23:59:00+3");
	parse_bad("05.12.2026T10:00Z");
	parse_bad("funday");
	parse_bad("d");
	parse_bad("-d");
	parse_bad("-");
	parse_bad("7x");
	parse_bad("7dd");
	parse_bad("7 d");
	parse_bad("--7d");
	parse_bad("7.5h");
	parse_bad("h7");
	parse_bad("-5");           /* negative unix seconds */
	parse_bad(" 5");
	parse_bad("- 5d");
	parse_bad("12abc");
	parse_bad("1e9");
	parse_bad("99999999999999999999999");
	parse_bad("99999999999d"); /* absurdly far back */
}

/* Forms as people type them, in zones without DST (Vladivostok +10,
 * Kaliningrad +2) and across the year boundary. */
static int64_t ahead_ok(const char *s, int64_t now)
{
	int64_t out = INT64_MIN;
	if (util_parse_time_ahead(s, now, 9 * 60, &out) != 0)
		fail_msg("'%s' refused (ahead)", s);
	return out;
}

static int64_t back_ok(const char *s, int64_t now)
{
	int64_t out = INT64_MIN;
	if (util_parse_time(s, now, &out) != 0)
		fail_msg("'%s' refused", s);
	return out;
}

/* y-m-d h:mi in a zone off hours east of UTC, as unix seconds */
static int64_t at(int y, int m, int d, int h, int mi, int off)
{
	return date_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 - off * 3600;
}

static void test_parse_time_people(void **state)
{
	(void)state;
	/* 2026-12-31 20:00 UTC, a Thursday; in Vladivostok already Friday 2027-01-01 06:00 */
	const int64_t eve = at(2026, 12, 31, 20, 0, 0);
	set_tz("<+10>-10");
	assert_int_equal(back_ok("2026-12-05T23:59:00Z", eve), at(2026, 12, 5, 23, 59, 0));
	assert_int_equal(back_ok("2026-12-05T23:59:00+03:00", eve), at(2026, 12, 5, 23, 59, 3));
	assert_int_equal(back_ok("2026-12-05T23:59-0130", eve), at(2026, 12, 5, 23, 59, 0) + 5400);
	assert_int_equal(back_ok("05.12.2026", eve), at(2026, 12, 5, 0, 0, 10));
	assert_int_equal(back_ok("05.12.2026 10:00", eve), at(2026, 12, 5, 10, 0, 10));
	assert_int_equal(back_ok("10:00", eve), at(2027, 1, 1, 10, 0, 10));
	assert_int_equal(back_ok("сегодня 10:00", eve), at(2027, 1, 1, 10, 0, 10));
	assert_int_equal(back_ok("Вчера", eve), at(2026, 12, 31, 0, 0, 10));
	assert_int_equal(back_ok("yesterday 23:30", eve), at(2026, 12, 31, 23, 30, 10));
	assert_int_equal(back_ok("2h", eve), eve - 7200);
	assert_int_equal(back_ok("+1w", eve), eve + 7 * 86400);
	/* a weekday looking back: the last one; today's if its moment has come */
	assert_int_equal(back_ok("пт", eve), at(2027, 1, 1, 0, 0, 10));
	assert_int_equal(back_ok("friday 10:00", eve), at(2026, 12, 25, 10, 0, 10));
	assert_int_equal(back_ok("thursday", eve), at(2026, 12, 31, 0, 0, 10));
	assert_int_equal(back_ok("01.01", eve), at(2027, 1, 1, 0, 0, 10)); /* this year */

	/* ahead: a bare duration is from now; a day without a time is 09:00 */
	assert_int_equal(ahead_ok("2h", eve), eve + 7200);
	assert_int_equal(ahead_ok("3d", eve), eve + 3 * 86400);
	assert_int_equal(ahead_ok("+1w", eve), eve + 7 * 86400);
	assert_int_equal(ahead_ok("-1h", eve), eve - 3600);
	assert_int_equal(ahead_ok("tomorrow", eve), at(2027, 1, 2, 9, 0, 10));
	assert_int_equal(ahead_ok("завтра 18:30", eve), at(2027, 1, 2, 18, 30, 10));
	assert_int_equal(ahead_ok("пн 10:00", eve), at(2027, 1, 4, 10, 0, 10));
	assert_int_equal(ahead_ok("Monday", eve), at(2027, 1, 4, 9, 0, 10));
	assert_int_equal(ahead_ok("friday 10:00", eve), at(2027, 1, 1, 10, 0, 10)); /* today, still to come */
	assert_int_equal(ahead_ok("friday 05:00", eve), at(2027, 1, 8, 5, 0, 10));
	assert_int_equal(ahead_ok("01.01", eve), at(2027, 1, 1, 9, 0, 10));
	assert_int_equal(ahead_ok("01.01 05:00", eve), at(2028, 1, 1, 5, 0, 10)); /* passed: next year's */
	assert_int_equal(ahead_ok("2027-01-05", eve), at(2027, 1, 5, 9, 0, 10));

	/* Kaliningrad (+2) sees the same instant on Thursday 2026-12-31, 22:00 */
	set_tz("<+02>-2");
	assert_int_equal(ahead_ok("tomorrow", eve), at(2027, 1, 1, 9, 0, 2));
	assert_int_equal(ahead_ok("31.12 23:00", eve), at(2026, 12, 31, 23, 0, 2)); /* still to come tonight */
	assert_int_equal(ahead_ok("31.12", eve), at(2027, 12, 31, 9, 0, 2));
	assert_int_equal(back_ok("today", eve), at(2026, 12, 31, 0, 0, 2));
	assert_int_equal(ahead_ok("пт", eve), at(2027, 1, 1, 9, 0, 2)); /* Friday is tomorrow here */
	assert_int_equal(util_local_day(eve), date_days_from_civil(2026, 12, 31));
	set_tz("<+10>-10");
	assert_int_equal(util_local_day(eve), date_days_from_civil(2027, 1, 1));
	set_tz("UTC0");

	/* Feb 29 as DD.MM: the next leap year's */
	assert_int_equal(ahead_ok("29.02", eve), at(2028, 2, 29, 9, 0, 0));
}

static void test_parse_date_and_clock(void **state)
{
	(void)state;
	int64_t today = date_days_from_civil(2026, 12, 31), day;
	assert_int_equal(util_parse_date("2027-01-01", today, &day), 0);
	assert_int_equal(day, today + 1);
	assert_int_equal(util_parse_date("01.01.2027", today, &day), 0);
	assert_int_equal(day, today + 1);
	assert_int_equal(util_parse_date("01.01", today, &day), 0);
	assert_int_equal(day, today - 364);                         /* this year's */
	assert_int_equal(util_parse_date("завтра", today, &day), 0);
	assert_int_equal(day, today + 1);
	assert_int_equal(util_parse_date("чт", today, &day), 0);     /* today is a Thursday */
	assert_int_equal(day, today);
	assert_int_equal(util_parse_date("fri", today, &day), 0);
	assert_int_equal(day, today + 1);
	assert_int_equal(util_parse_date("today 10:00", today, &day), -1);
	assert_int_equal(util_parse_date("7d", today, &day), -1);
	assert_int_equal(util_parse_date("31.04", today, &day), -1);
	int minute;
	assert_int_equal(util_parse_clock("09:00", &minute), 0);
	assert_int_equal(minute, 540);
	assert_int_equal(util_parse_clock("7:45", &minute), 0);
	assert_int_equal(minute, 465);
	assert_int_equal(util_parse_clock("24:00", &minute), -1);
	assert_int_equal(util_parse_clock("09:00:00", &minute), -1);
	int64_t y;
	int m, d;
	date_civil_from_days(date_days_from_civil(2028, 2, 29), &y, &m, &d);
	assert_true(y == 2028 && m == 2 && d == 29);
}

static void test_format_time(void **state)
{
	(void)state;
	char buf[64];
	util_format_time(1741083630, buf, sizeof(buf));
	assert_string_equal(buf, "2025-03-04 10:20:30");
	util_format_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01 00:00:00");
	set_tz("MSK-3");
	util_format_time(1741083630, buf, sizeof(buf));
	assert_string_equal(buf, "2025-03-04 13:20:30");
	/* what is formatted parses back */
	int64_t t;
	assert_int_equal(util_parse_time(buf, NOW, &t), 0);
	assert_true(t == 1741083630);
	set_tz("UTC0");
}

static void split_ok(const char *s, const char *want_host, int want_port)
{
	char host[256];
	int port = -1;
	memset(host, 'x', sizeof(host));
	if (util_split_hostport(s, host, sizeof(host), &port) != 0)
		fail_msg("'%s' refused", s);
	assert_string_equal(host, want_host);
	assert_int_equal(port, want_port);
}

static void split_bad(const char *s)
{
	char host[256] = "untouched";
	int port = 4242;
	if (util_split_hostport(s, host, sizeof(host), &port) != -1)
		fail_msg("'%s' accepted as host '%s' port %d", s, host, port);
	assert_int_equal(port, 4242);
}

static void test_split_hostport(void **state)
{
	(void)state;
	split_ok("127.0.0.1:7443", "127.0.0.1", 7443);
	split_ok("localhost:1", "localhost", 1);
	split_ok("kart.example.com:65535", "kart.example.com", 65535);
	split_ok("[::1]:7443", "::1", 7443);
	split_ok("[::]:443", "::", 443);
	split_ok("[2001:db8::17]:8443", "2001:db8::17", 8443);
	split_ok("[fe80::1%eth0]:7443", "fe80::1%eth0", 7443);

	split_bad("");
	split_bad("localhost");
	split_bad("localhost:");
	split_bad(":7443");
	split_bad("host:65536");
	split_bad("host:99999999999999999999");
	split_bad("host:-1");
	split_bad("host:abc");
	split_bad("host:80x");
	split_bad("host:8 0");
	split_bad("[::1]");
	split_bad("[::1]:");
	split_bad("[::1]7443");
	split_bad("[::1:7443");
	split_bad("[]:7443");
	split_bad("[::1]:abc");
	split_bad("[::1]:70000");

	/* the host must fit the buffer, NUL included */
	char small[6];
	int port;
	assert_int_equal(util_split_hostport("abcde:1", small, sizeof(small), &port), 0);
	assert_string_equal(small, "abcde");
	assert_int_equal(util_split_hostport("abcdef:1", small, sizeof(small), &port), -1);
	assert_int_equal(util_split_hostport("[abcdef]:1", small, sizeof(small), &port), -1);
}

static void test_hex(void **state)
{
	(void)state;
	char out[32];
	memset(out, '#', sizeof(out));
	util_hex("", 0, out);
	assert_string_equal(out, "");
	assert_int_equal(out[1], '#');

	static const uint8_t in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 0x10 };
	memset(out, '#', sizeof(out));
	util_hex(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abcdefff10");
	assert_int_equal(out[2 * sizeof(in) + 1], '#'); /* nothing past 2n+1 */

	/* every byte value, in lower case, two digits each */
	uint8_t all[256];
	char big[513];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	util_hex(all, sizeof(all), big);
	assert_int_equal(strlen(big), 512);
	for (int i = 0; i < 256; i++) {
		char want[3];
		snprintf(want, sizeof(want), "%02x", i);
		assert_memory_equal(big + 2 * i, want, 2);
	}
}

static void test_trim(void **state)
{
	(void)state;
	char a[] = "  \t hello world \r\n ";
	assert_string_equal(util_trim(a), "hello world");
	char b[] = "";
	assert_string_equal(util_trim(b), "");
	char c[] = " \t\r\n";
	assert_string_equal(util_trim(c), "");
	char d[] = "x";
	assert_string_equal(util_trim(d), "x");
	char e[] = "Привет ";
	assert_string_equal(util_trim(e), "Привет");
}

static void test_random(void **state)
{
	(void)state;
	uint8_t a[32], b[32], zero[32] = { 0 };
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(util_random(a, sizeof(a)), 0);
	assert_int_equal(util_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t us = util_now_us();
	assert_true(us > INT64_C(1700000000) * 1000000);
	int64_t skew = us / 1000000 - (int64_t)time(NULL);
	assert_true(skew >= -2 && skew <= 2);
	int64_t m1 = util_mono_ms();
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	int64_t m2 = util_mono_ms();
	assert_true(m2 - m1 >= 19);
	assert_true(m2 - m1 < 5000);
}

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/kart-unit-util-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/f", dir);

	size_t len = 99;
	errno = 0;
	assert_null(util_read_file(path, &len));
	assert_int_equal(errno, ENOENT);

	/* sizes around the reader's internal 4096-byte steps */
	static const size_t sizes[] = { 0, 1, 4094, 4095, 4096, 8191, 100000 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char *data = malloc(n + 1);
		assert_non_null(data);
		for (size_t k = 0; k < n; k++)
			data[k] = (char)('a' + k % 23);
		assert_int_equal(util_write_file(path, data, n, 0600), 0);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal((size_t)st.st_size, n);
		char *back = util_read_file(path, &len);
		assert_non_null(back);
		assert_int_equal(len, n);
		assert_int_equal(back[n], '\0');
		if (n)
			assert_memory_equal(back, data, n);
		free(back);
		free(data);
	}
	/* rewriting replaces the content and mode; no temp file is left over */
	assert_int_equal(util_write_file(path, "Привет", strlen("Привет"), 0640), 0);
	char *back = util_read_file(path, NULL);
	assert_string_equal(back, "Привет");
	free(back);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(dir), 1);
	/* the mode holds whatever the umask */
	mode_t old_mask = umask(077);
	assert_int_equal(util_write_file(path, "k", 1, 0644), 0);
	umask(old_mask);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* a symlink planted at the name the temp file once had (path.tmp.PID)
	 * is not written through: the file it points at keeps its content */
	char victim[300], trap[300];
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(trap, sizeof(trap), "%s.tmp.%d", path, (int)getpid());
	assert_int_equal(util_write_file(victim, "untouched", 9, 0600), 0);
	assert_int_equal(symlink(victim, trap), 0);
	assert_int_equal(util_write_file(path, "secret key", 10, 0600), 0);
	back = util_read_file(victim, NULL);
	assert_string_equal(back, "untouched");
	free(back);
	back = util_read_file(path, NULL);
	assert_string_equal(back, "secret key");
	free(back);
	struct stat lst;
	assert_int_equal(lstat(path, &lst), 0);
	assert_true(S_ISREG(lst.st_mode));
	assert_int_equal(lst.st_mode & 0777, 0600);
	assert_int_equal(unlink(trap), 0);
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(count_entries(dir), 1);
	/* a failed rename (the target is a directory) leaves no temp file */
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	errno = 0;
	assert_int_equal(util_write_file(sub, "x", 1, 0600), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(count_entries(dir), 2);
	assert_int_equal(rmdir(sub), 0);
	/* a file in a directory that does not exist */
	char nodir[300];
	snprintf(nodir, sizeof(nodir), "%s/missing/f", dir);
	assert_int_equal(util_write_file(nodir, "x", 1, 0600), -1);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time_dates),
		cmocka_unit_test(test_parse_time_relative),
		cmocka_unit_test(test_parse_time_future),
		cmocka_unit_test(test_parse_time_day_words),
		cmocka_unit_test(test_parse_time_rejects),
		cmocka_unit_test(test_parse_time_people),
		cmocka_unit_test(test_parse_date_and_clock),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_split_hostport),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests_name("util", tests, setup_utc, NULL);
}
