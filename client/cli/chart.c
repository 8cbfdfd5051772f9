/* chart: the drawing primitives (chart.h). */
#include "chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "out.h"

int rtab_col(const struct rtab *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c], name) == 0)
			return (int)c;
	return -1;
}

const char *rtab_cell(const struct rtab *t, size_t i, const char *col)
{
	int c = rtab_col(t, col);
	return c < 0 || i >= t->nrows ? "" : t->cells[i * t->ncols + (size_t)c];
}

int64_t rtab_int(const struct rtab *t, size_t i, const char *col)
{
	return strtoll(rtab_cell(t, i, col), NULL, 10);
}

double rtab_num(const struct rtab *t, size_t i, const char *col)
{
	return strtod(rtab_cell(t, i, col), NULL);
}

/* The width of text already made visible: a column for each code point but
 * the wide (two) and the combining (none). With cut_at: the width of the
 * longest start that fits in max columns, and its length in bytes. */
static size_t visible_width(const char *s, size_t *cut_at, size_t max)
{
	size_t w = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
	if (cut_at)
		*cut_at = (size_t)left;
	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
		if (n <= 0) {
			n = 1;
			cp = '?';
		}
		int cw = utf8proc_charwidth(cp);
		if (cw < 0)
			cw = 1;
		if (cut_at && w + (size_t)cw > max) {
			*cut_at = (size_t)(p - (const utf8proc_uint8_t *)s);
			break;
		}
		w += (size_t)cw;
		p += n;
		left -= n;
	}
	return w;
}

size_t chart_width(const char *s)
{
	char buf[1024], *heap;
	size_t w = visible_width(out_visible(s, 0, buf, sizeof(buf), &heap), NULL, 0);
	free(heap);
	return w;
}

void chart_pad(size_t n)
{
	out_spaces(n);
}

void chart_text(const char *s, size_t width, bool right)
{
	char buf[1024], *heap;
	const char *v = out_visible(s, 0, buf, sizeof(buf), &heap);
	size_t w = visible_width(v, NULL, 0);
	if (w > width) {
		if (width) {
			size_t cut, shown = visible_width(v, &cut, width - 1);
			fwrite(v, 1, cut, stdout);
			fputs("…", stdout);
			chart_pad(width - 1 - shown);
		}
	} else {
		if (right)
			chart_pad(width - w);
		fputs(v, stdout);
		if (!right)
			chart_pad(width - w);
	}
	free(heap);
}

void chart_bar(double value, double max, size_t width)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	double frac = max > 0 && value > 0 ? value / max : 0;
	if (frac > 1)
		frac = 1;
	size_t units = (size_t)(frac * (double)width * 8 + 0.5);
	size_t full = units / 8, part = units % 8, used = full;
	for (size_t i = 0; i < full; i++)
		fputs("█", stdout);
	if (part) {
		fputs(eighths[part], stdout);
		used++;
	}
	if (value > 0 && units == 0) {
		fputs("▏", stdout); /* something, however little, shows */
		used++;
	}
	if (used < width)
		chart_pad(width - used);
}

void chart_spark(const int64_t *v, size_t n)
{
	static const char *const levels[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (size_t i = 0; i < n; i++) {
		int l = max > 0 && v[i] > 0 ? 1 + (int)((double)(v[i] - 1) * 7 / (double)(max > 1 ? max - 1 : 1)) : 0;
		if (l > 7)
			l = 7;
		fputs(v[i] > 0 ? levels[l] : " ", stdout);
	}
}

const char *chart_shade(double frac)
{
	if (frac <= 0)
		return " ";
	if (frac < 0.25)
		return "░";
	if (frac < 0.5)
		return "▒";
	if (frac < 0.75)
		return "▓";
	return "█";
}
