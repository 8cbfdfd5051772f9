/* fmt: times, dates and money in the user's conventions (see fmt.h). */
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "fmt.h"

/* True when category is the C or POSIX locale (C.UTF-8 too), whose data are
 * placeholders (D_FMT "%m/%d/%y", no money at all), and always in a build
 * without NLS, which speaks English only. */
static bool locale_plain(int category)
{
#ifdef ENABLE_NLS
	const char *name = setlocale(category, NULL);

	return !name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0 || strncmp(name, "C.", 2) == 0;
#else
	(void)category;
	return true;
#endif
}

static bool is_separator(char c)
{
	return c == '.' || c == '-' || c == '/' || c == ' ';
}

/* The locale's date pattern: D_FMT with %y widened to %Y (a birth year must
 * not be ambiguous); without_year drops the year and one separator next to it
 * ("%d.%m.%Y" -> "%d.%m"). ISO 8601 in the plain locales. */
static void date_pattern(char *out, size_t n, bool without_year)
{
	const char *d = locale_plain(LC_TIME) ? "%Y-%m-%d" : nl_langinfo(D_FMT);
	size_t k = 0;

	if (!d || !*d)
		d = "%Y-%m-%d";
	for (const char *p = d; *p && k + 3 < n; p++) {
		if (p[0] != '%' || !p[1]) {
			out[k++] = *p;
			continue;
		}
		char c = *++p == 'y' ? 'Y' : *p;
		if (without_year && c == 'Y') {
			if (k >= 1 && is_separator(out[k - 1]) && (k < 2 || out[k - 2] != '%'))
				k--;
			else if (is_separator(p[1]))
				p++;
			continue;
		}
		out[k++] = '%';
		out[k++] = c;
	}
	out[k] = '\0';
}

const char *fmt_time(int64_t secs, unsigned flags, char *buf, size_t n)
{
	char pattern[80];
	time_t t = (time_t)secs;
	struct tm tm;
	size_t len;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (secs == 0)
		return buf;
	date_pattern(pattern, sizeof(pattern) - 16, false);
	len = strlen(pattern);
	snprintf(pattern + len, sizeof(pattern) - len, "%s%s", flags & FMT_SECONDS ? " %H:%M:%S" : " %H:%M",
		 flags & FMT_ZONE ? " %Z" : "");
	if (!localtime_r(&t, &tm) || strftime(buf, n, pattern, &tm) == 0)
		snprintf(buf, n, "%lld", (long long)secs);
	return buf;
}

/* len decimal digits at s as a number: 0, else -1. */
static int digits(const char *s, int len, int *out)
{
	int v = 0;

	for (int i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" (year true) or "--MM-DD": 0, else -1. */
static int parse_date(const char *s, int *y, int *m, int *d, bool *year)
{
	size_t len = strlen(s);

	*year = len == 10;
	if (*year ? digits(s, 4, y) < 0 || s[4] != '-' : len != 7 || s[0] != '-' || s[1] != '-')
		return -1;
	if (!*year)
		*y = 2000; /* a leap year: --02-29 is a date */
	s += *year ? 5 : 2;
	if (digits(s, 2, m) < 0 || s[2] != '-' || digits(s + 3, 2, d) < 0)
		return -1;
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= date_days_in_month(*y, *m) ? 0 : -1;
}

const char *fmt_date(const char *iso, char *buf, size_t n)
{
	char pattern[64];
	struct tm tm;
	int y, m, d;
	bool year;

	if (!iso)
		return "";
	/* ISO in, ISO out; and what is not a date stays as it came, uncut */
	if (n == 0 || locale_plain(LC_TIME) || parse_date(iso, &y, &m, &d, &year) < 0)
		return iso;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_wday = date_weekday(date_days_from_civil(y, m, d));
	tm.tm_yday = (int)(date_days_from_civil(y, m, d) - date_days_from_civil(y, 1, 1));
	date_pattern(pattern, sizeof(pattern), !year);
	return strftime(buf, n, pattern, &tm) ? buf : iso;
}

/* The whole units in digits, sep between the groups as localeconv's grouping
 * gives them: each byte the size of the next group leftwards, the last one
 * repeating, CHAR_MAX for no more groups. */
static void put_grouped(char *out, size_t n, const char *units, const char *sep, const char *grouping)
{
	size_t len = strlen(units), at = len, k = 0;
	bool brk[24] = { false };
	int size = 0;

	for (const char *g = grouping; len < sizeof(brk);) {
		if (*g == CHAR_MAX || *g < 0 || (*g == 0 && size == 0))
			break;
		if (*g)
			size = *g++;
		if ((size_t)size >= at)
			break;
		at -= (size_t)size;
		brk[at] = true;
	}
	for (size_t i = 0; i < len && k + 1 < n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%c", brk[i] ? sep : "", units[i]);
	out[k < n ? k : n - 1] = '\0';
}

const char *fmt_money(int64_t minor, const char *currency, char *buf, size_t n)
{
	const struct lconv *lc = localeconv();
	const char *code = currency && *currency ? currency : "RUB";
	bool plain = locale_plain(LC_MONETARY) || !*lc->mon_decimal_point;
	const char *mark = plain ? "." : lc->mon_decimal_point;
	/* the locale's own symbol only for the locale's own currency: a ru_RU
	 * reader sees ₽ for roubles and USD for dollars */
	bool own = !plain && *lc->currency_symbol && strlen(code) == 3 && strncmp(lc->int_curr_symbol, code, 3) == 0;
	bool neg = minor < 0;
	char precedes = neg ? lc->n_cs_precedes : lc->p_cs_precedes;
	char spaced = neg ? lc->n_sep_by_space : lc->p_sep_by_space;
	uint64_t v = neg ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	char units[24], grouped[96];

	if (n == 0)
		return buf;
	snprintf(units, sizeof(units), "%llu", (unsigned long long)(v / 100));
	put_grouped(grouped, sizeof(grouped), units, plain ? "," : lc->mon_thousands_sep,
		    plain ? "\3" : lc->mon_grouping);
	spaced = spaced == 1 || spaced == 2;
	if (own && precedes == 1)
		snprintf(buf, n, "%s%s%s%s%s%02u", neg ? "-" : "", lc->currency_symbol, spaced ? " " : "", grouped,
			 mark, (unsigned)(v % 100));
	else
		snprintf(buf, n, "%s%s%s%02u%s%s", neg ? "-" : "", grouped, mark, (unsigned)(v % 100),
			 own && !spaced ? "" : " ", own ? lc->currency_symbol : code);
	return buf;
}
