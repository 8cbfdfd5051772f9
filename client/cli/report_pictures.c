/* report_pictures: which table of which report is drawn, and how (chart.h).
 * Each report's pictures are its own functions here, registered below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "i18n.h"

/* ---- managers: a line each, key counts and the touches day by day ---- */

#define SPARK_MAX 60
#define NAME_MAX_COLS 20

static void draw_managers(const struct rtab *t)
{
	size_t nw = chart_width(_("MANAGER"));
	for (size_t i = 0; i < t->nrows; i++) {
		size_t w = chart_width(rtab_cell(t, i, "manager"));
		if (w > nw)
			nw = w;
	}
	if (nw > NAME_MAX_COLS)
		nw = NAME_MAX_COLS;
	static const struct { const char *col, *title; } nums[] = {
		{ "calls", N_("CALLS") }, { "meetings", N_("MEETINGS") }, { "emails", N_("EMAILS") },
		{ "notes", N_("NOTES") }, { "deals_won", N_("WON") }, { "conversion", N_("CONV. %") },
		{ "reminders_overdue", N_("OVERDUE") },
	};
	size_t widths[sizeof(nums) / sizeof(nums[0])];
	chart_text(_("MANAGER"), nw, false);
	for (size_t c = 0; c < sizeof(nums) / sizeof(nums[0]); c++) {
		widths[c] = chart_width(_(nums[c].title));
		for (size_t i = 0; i < t->nrows; i++) {
			size_t w = chart_width(rtab_cell(t, i, nums[c].col));
			if (w > widths[c])
				widths[c] = w;
		}
		fputs("  ", stdout);
		chart_text(_(nums[c].title), widths[c], true);
	}
	fputs("  ", stdout);
	chart_text(_("DAILY"), chart_width(_("DAILY")), false);
	fputc('\n', stdout);
	for (size_t i = 0; i < t->nrows; i++) {
		chart_text(rtab_cell(t, i, "manager"), nw, false);
		for (size_t c = 0; c < sizeof(nums) / sizeof(nums[0]); c++) {
			fputs("  ", stdout);
			chart_text(rtab_cell(t, i, nums[c].col), widths[c], true);
		}
		int64_t v[SPARK_MAX];
		size_t n = 0;
		for (const char *p = rtab_cell(t, i, "daily"); *p && n < SPARK_MAX;) {
			char *end;
			long long x = strtoll(p, &end, 10);
			if (end == p)
				break;
			v[n++] = x;
			p = *end == ',' ? end + 1 : end;
		}
		fputs("  ", stdout);
		chart_spark(v, n);
		fputc('\n', stdout);
	}
}

static const struct {
	Kart__ReportKind kind;
	const char *table;
	chart_draw_fn draw;
} pictures[] = {
	{ KART__REPORT_KIND__REPORT_KIND_UNSPECIFIED, "", NULL },
	{ KART__REPORT_KIND__REPORT_KIND_MANAGERS, "managers", draw_managers },
};

chart_draw_fn chart_picture(Kart__ReportKind kind, const char *table)
{
	for (size_t i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (pictures[i].kind == kind && pictures[i].draw && strcmp(pictures[i].table, table) == 0)
			return pictures[i].draw;
	return NULL;
}
