/* money: exact decimal text <-> int64 minor units. */
#include "money.h"

#include "text.h"

#include <stdio.h>
#include <string.h>

int money_parse(const char *s, int64_t *out, const char **why)
{
	return text_parse_decimal(s, 2, out, why) == TEXT_NUM_OK ? 0 : -1;
}

char *money_format(int64_t v, char *buf, size_t n)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	snprintf(buf, n, "%s%llu.%02u", v < 0 ? "-" : "", (unsigned long long)(m / 100), (unsigned)(m % 100));
	return buf;
}
