/* money: exact decimal text <-> int64 minor units. */
#include "money.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of a thousands separator at p: ' ', U+00A0 or U+202F; 0 if none. */
static size_t group_sep(const char *p)
{
	if (p[0] == ' ')
		return 1;
	if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
		return 2;
	if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xAF)
		return 3;
	return 0;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

int money_parse(const char *s, int64_t *out, const char **why)
{
	if (!s)
		return fail(why, "empty");
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!(*s >= '0' && *s <= '9'))
		return fail(why, *s ? "not a number" : "empty");
	/* magnitude limit: INT64_MAX, or one more for a negative amount */
	const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	int group = 0;        /* digits in the current group */
	bool grouped = false; /* a separator was seen */
	for (;;) {
		if (*s >= '0' && *s <= '9') {
			unsigned d = (unsigned)(*s - '0');
			if (v > (limit - d) / 10)
				return fail(why, "too large");
			v = v * 10 + d;
			group++;
			s++;
			continue;
		}
		size_t sl = group_sep(s);
		if (sl && s[sl] >= '0' && s[sl] <= '9') {
			/* the first group has 1-3 digits, every later one exactly 3 */
			if ((grouped && group != 3) || (!grouped && group > 3))
				return fail(why, "misplaced thousands separator");
			grouped = true;
			group = 0;
			s += sl;
			continue;
		}
		break;
	}
	if (grouped && group != 3)
		return fail(why, "misplaced thousands separator");
	/* v is whole units; scale to minor units */
	unsigned frac = 0;
	if (*s == '.' || *s == ',') {
		s++;
		int n = 0;
		while (*s >= '0' && *s <= '9') {
			if (++n > 2)
				return fail(why, "more than 2 decimals");
			frac = frac * 10 + (unsigned)(*s - '0');
			s++;
		}
		if (n == 0)
			return fail(why, "no digits after the decimal separator");
		if (n == 1)
			frac *= 10;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		return fail(why, "not a number");
	if (v > (limit - frac) / 100)
		return fail(why, "too large");
	uint64_t minor = v * 100 + frac;
	if (neg)
		*out = minor == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)minor;
	else
		*out = (int64_t)minor;
	return 0;
}

char *money_format(int64_t v, char *buf, size_t n)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	snprintf(buf, n, "%s%llu.%02u", v < 0 ? "-" : "", (unsigned long long)(m / 100), (unsigned)(m % 100));
	return buf;
}
