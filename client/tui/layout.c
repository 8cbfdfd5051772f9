/* layout: display cells, truncation by grapheme, phones for reading. */
#include "layout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <utf8proc.h>

/* The next grapheme of s (starting at s[0]): its length in bytes and cells.
 * Its cells are the sum of its code points' widths, as curses counts them
 * (wcwidth of each): an emoji with a skin tone is 4, a ZWJ family 6. Were
 * it the widest one alone, curses would write such a name past its column,
 * over the next one or onto the next row. */
static size_t next_grapheme(const char *s, size_t *cells)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp, prev = -1;
	utf8proc_int32_t state = 0;
	size_t off = 0;
	int w = 0;

	while (p[off]) {
		utf8proc_ssize_t n = utf8proc_iterate(p + off, -1, &cp);
		if (n <= 0) {
			if (off == 0) { /* a byte that is not UTF-8: one cell of its own */
				*cells = 1;
				return 1;
			}
			break;
		}
		if (prev >= 0 && utf8proc_grapheme_break_stateful(prev, cp, &state))
			break;
		w += utf8proc_charwidth(cp);
		prev = cp;
		off += (size_t)n;
	}
	*cells = (size_t)w;
	return off;
}

size_t tui_width(const char *s)
{
	size_t total = 0, cells;

	while (*s) {
		s += next_grapheme(s, &cells);
		total += cells;
	}
	return total;
}

size_t tui_fit(char *out, size_t outlen, const char *s, size_t cells)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	size_t used = 0, len = 0, cw;
	bool cut = false;

	if (outlen == 0)
		return 0;
	if (tui_width(s) > cells) {
		cut = true;
		if (cells == 0) {
			out[0] = '\0';
			return 0;
		}
		cells--; /* room for the "…" */
	}
	while (s[len]) {
		size_t n = next_grapheme(s + len, &cw);
		if (used + cw > cells || len + n + sizeof(ellipsis) > outlen)
			break;
		len += n;
		used += cw;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	if (cut && len + sizeof(ellipsis) <= outlen) {
		memcpy(out + len, ellipsis, sizeof(ellipsis));
		used++;
	}
	return used;
}

const char *tui_clip(char *buf, size_t n, const char *s)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	size_t len = 0, all = strlen(s), cw;

	if (all < n) {
		memcpy(buf, s, all + 1);
		return buf;
	}
	while (s[len]) {
		size_t k = next_grapheme(s + len, &cw);
		if (len + k + sizeof(ellipsis) > n)
			break;
		len += k;
	}
	memcpy(buf, s, len);
	if (len + sizeof(ellipsis) <= n)
		memcpy(buf + len, ellipsis, sizeof(ellipsis));
	else
		buf[len] = '\0';
	return buf;
}

size_t tui_pad(char *out, size_t outlen, const char *s, size_t cells)
{
	size_t used = tui_fit(out, outlen, s, cells);
	size_t len = strlen(out);

	while (used < cells && len + 1 < outlen) {
		out[len++] = ' ';
		used++;
	}
	if (outlen)
		out[len < outlen ? len : outlen - 1] = '\0';
	return used;
}

size_t tui_tail(char *out, size_t outlen, const char *s, size_t cells)
{
	size_t width = tui_width(s), cw;

	if (width <= cells)
		return tui_fit(out, outlen, s, cells);
	if (cells == 0 || outlen < 4) {
		if (outlen)
			out[0] = '\0';
		return 0;
	}
	while (*s && width > cells - 1) { /* graphemes off the start until the rest and "…" fit */
		s += next_grapheme(s, &cw);
		width -= cw;
	}
	memcpy(out, "\xe2\x80\xa6", 3);
	return 1 + tui_fit(out + 3, outlen - 3, s, cells - 1);
}

void tui_phone_read(const char *phone, char *out, size_t outlen)
{
	const char *d = phone + 2;
	size_t i = 0;

	if (outlen == 0)
		return;
	if (strncmp(phone, "+7", 2) == 0)
		while (i < 10 && d[i] >= '0' && d[i] <= '9')
			i++;
	if (i != 10 || (d[10] >= '0' && d[10] <= '9')) {
		snprintf(out, outlen, "%s", phone);
		return;
	}
	const char *rest = d + 10;
	while (*rest == ' ')
		rest++;
	snprintf(out, outlen, "+7 %.3s %.3s-%.2s-%.2s%s%s", d, d + 3, d + 6, d + 8, *rest ? " " : "", rest);
}
