/* money: amounts as exact decimals in minor units (kopecks). Never a float.
 *
 * Text as a person types it, read by text_parse_decimal (common/text.h, the
 * parser custom number fields and filters share): an optional sign, digits,
 * optionally grouped by thousands with spaces ("1 234 567", also the no-break
 * spaces U+00A0 and U+202F that spreadsheets copy), then optionally '.' or ','
 * and one or two decimals (more only as zeros). "1234.50", "1 234,5", "-7",
 * "0.05" are amounts; "1,234" (thousands or decimals?), "12 34", "1e3", ".5",
 * "5." and "" are not. */
#ifndef KART_MONEY_H
#define KART_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Parses s into *out (minor units). Returns 0, or -1 with a short reason
 * ("more than 2 decimals", "too large", ...) in *why when why is not NULL. */
int money_parse(const char *s, int64_t *out, const char **why);

/* Formats minor units as "1234.50" / "-0.05" into buf (at least 22 bytes
 * fit any int64). Returns buf. */
char *money_format(int64_t v, char *buf, size_t n);

#endif
