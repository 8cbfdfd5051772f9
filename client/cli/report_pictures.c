/* report_pictures: which table of which report is drawn, and how (chart.h).
 * Each report's pictures are its own functions here, registered below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chart.h"
#include "i18n.h"

/* The terminal's width in columns (80 when it does not say). */
static size_t term_columns(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	long n = c ? strtol(c, NULL, 10) : 0;
	return n > 0 && n < 10000 ? (size_t)n : 80;
}

/* funnel, stages: a bar per stage of how many deals reached it, scaled to the
 * most, with the count and the conversion from the first stage:
 *   lead         ████████████████████████  10  100.0%
 *   proposal     ██████████████▍            6   60.0% */
static void draw_funnel(const struct rtab *t)
{
	size_t namew = 0, numw = 1;
	double max = 0;
	for (size_t i = 0; i < t->nrows; i++) {
		size_t w = chart_width(rtab_cell(t, i, "stage"));
		size_t n = strlen(rtab_cell(t, i, "reached"));
		namew = w > namew ? w : namew;
		numw = n > numw ? n : numw;
		double v = rtab_num(t, i, "reached");
		max = v > max ? v : max;
	}
	if (namew > 24)
		namew = 24;
	size_t cols = term_columns(), fixed = 2 + namew + 2 + 2 + numw + 2 + 6;
	size_t bar = cols > fixed + 10 ? cols - fixed - 1 : 10;
	if (bar > 60)
		bar = 60;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *conv = rtab_cell(t, i, "conversion_from_first");
		char pct[32];
		snprintf(pct, sizeof(pct), "%s%s", conv, *conv ? "%" : "");
		chart_pad(2);
		chart_text(rtab_cell(t, i, "stage"), namew, false);
		chart_pad(2);
		chart_bar(rtab_num(t, i, "reached"), max, bar);
		chart_pad(2);
		chart_text(rtab_cell(t, i, "reached"), numw, true);
		chart_pad(2);
		chart_text(pct, 6, true);
		fputc('\n', stdout);
	}
}

static const struct {
	Kart__ReportKind kind;
	const char *table;
	chart_draw_fn draw;
} pictures[] = {
	{ KART__REPORT_KIND__REPORT_KIND_UNSPECIFIED, "", NULL },
	{ KART__REPORT_KIND__REPORT_KIND_FUNNEL, "stages", draw_funnel },
};

chart_draw_fn chart_picture(Kart__ReportKind kind, const char *table)
{
	for (size_t i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (pictures[i].kind == kind && pictures[i].draw && strcmp(pictures[i].table, table) == 0)
			return pictures[i].draw;
	return NULL;
}
