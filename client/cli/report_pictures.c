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

/* ---- abc ---- */

#define ABC_CELL 22             /* a cell of the matrix: shade, clients, revenue */

/* The 3x3 ABC x XYZ matrix: each cell its clients and revenue, shaded by its
 * revenue against the biggest cell's. */
static void abc_matrix(const struct rtab *t)
{
	double max = 0;
	for (size_t i = 0; i < t->nrows; i++)
		if (rtab_num(t, i, "revenue") > max)
			max = rtab_num(t, i, "revenue");
	chart_pad(4);
	static const char *const xyz[] = { "X", "Y", "Z" };
	for (int z = 0; z < 3; z++)
		chart_text(xyz[z], ABC_CELL + 2, false);
	fputc('\n', stdout);
	for (int a = 0; a < 3; a++) {
		char abc[2] = { (char)('A' + a), 0 };
		chart_text(abc, 4, false);
		for (int z = 0; z < 3; z++) {
			size_t i = 0;
			while (i < t->nrows && !(strcmp(rtab_cell(t, i, "abc"), abc) == 0 &&
						 strcmp(rtab_cell(t, i, "xyz"), xyz[z]) == 0))
				i++;
			const char *shade = chart_shade(max > 0 ? rtab_num(t, i, "revenue") / max : 0);
			printf("%s%s ", shade, shade);
			chart_text(rtab_cell(t, i, "clients"), 5, true);
			chart_pad(1);
			chart_text(rtab_cell(t, i, "revenue"), ABC_CELL - 9, true);
			chart_pad(2);
		}
		fputc('\n', stdout);
	}
	printf("    %s\n", _("each cell: clients, revenue; X: CV <= 10%, Y: <= 25%, Z: above"));
}

/* The Pareto bars: each 5% of the clients (biggest first), its share of the
 * revenue as a bar and the cumulative share as a number; a line where the
 * cumulative share reaches 80% and 95%. */
static void abc_pareto(const struct rtab *t)
{
	double max = 0;
	for (size_t i = 0; i < t->nrows; i++)
		if (rtab_num(t, i, "revenue_share") > max)
			max = rtab_num(t, i, "revenue_share");
	bool m80 = false, m95 = false;
	for (size_t i = 0; i < t->nrows; i++) {
		chart_text(rtab_cell(t, i, "clients_share"), 6, true);
		fputs("%  ", stdout);
		chart_bar(rtab_num(t, i, "revenue_share"), max, 30);
		chart_text(rtab_cell(t, i, "revenue_share"), 7, true);
		fputs("%  ", stdout);
		chart_text(rtab_cell(t, i, "cumulative_share"), 6, true);
		fputs("%\n", stdout);
		double cum = rtab_num(t, i, "cumulative_share");
		if (!m80 && cum >= 80) {
			m80 = true;
			/* xgettext:no-c-format */
			printf("  ------ %s\n", _("80% of the revenue"));
		}
		if (!m95 && cum >= 95) {
			m95 = true;
			/* xgettext:no-c-format */
			printf("  ------ %s\n", _("95% of the revenue"));
		}
	}
	printf("  %s\n", _("clients (biggest first), their share of the revenue, the cumulative share"));
}

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

/* rfm's grid: R from 5 (recent) down to 1 by F from 1 to 5, each cell its
 * clients (shaded by their count against the fullest cell), its revenue
 * and its segment. */
static void draw_rfm_grid(const struct rtab *t)
{
	int64_t n[6][6] = { { 0 } }, max = 0;
	const char *rev[6][6], *seg[6][6];
	for (int r = 0; r < 6; r++)
		for (int f = 0; f < 6; f++)
			rev[r][f] = seg[r][f] = "";
	for (size_t i = 0; i < t->nrows; i++) {
		int64_t r = rtab_int(t, i, "r"), f = rtab_int(t, i, "f");
		if (r < 1 || r > 5 || f < 1 || f > 5)
			continue;
		n[r][f] = rtab_int(t, i, "clients");
		rev[r][f] = rtab_cell(t, i, "revenue");
		seg[r][f] = rtab_cell(t, i, "segment");
		if (n[r][f] > max)
			max = n[r][f];
	}
	size_t label = 5, w = term_columns();
	size_t cw = w > label + 5 * 9 ? (w - label) / 5 - 1 : 8;
	if (cw > 20)
		cw = 20;
	char buf[64];
	chart_text(_("R \\ F"), label, false);
	for (int f = 1; f <= 5; f++) {
		snprintf(buf, sizeof(buf), "F%d", f);
		fputc(' ', stdout);
		chart_text(buf, cw, false);
	}
	fputc('\n', stdout);
	for (int r = 5; r >= 1; r--) {
		for (int line = 0; line < 3; line++) {
			snprintf(buf, sizeof(buf), "R%d", r);
			chart_text(line == 0 ? buf : "", label, false);
			for (int f = 1; f <= 5; f++) {
				fputc(' ', stdout);
				if (line == 0) {
					const char *sh = chart_shade(max ? (double)n[r][f] / (double)max : 0);
					fputs(sh, stdout);
					fputs(sh, stdout);
					fputc(' ', stdout);
					snprintf(buf, sizeof(buf), "%lld", (long long)n[r][f]);
					chart_text(buf, cw - 3, false);
				} else {
					chart_text(line == 1 ? rev[r][f] : seg[r][f], cw, false);
				}
			}
			fputc('\n', stdout);
		}
	}
	printf("%s\n", _("R: recency (5: bought most recently); F: purchases in the window (5: most); "
			  "each cell: clients, revenue, segment"));
}

static const struct {
	Kart__ReportKind kind;
	const char *table;
	chart_draw_fn draw;
} pictures[] = {
	{ KART__REPORT_KIND__REPORT_KIND_UNSPECIFIED, "", NULL },
	{ KART__REPORT_KIND__REPORT_KIND_FUNNEL, "stages", draw_funnel },
	{ KART__REPORT_KIND__REPORT_KIND_ABC, "matrix", abc_matrix },
	{ KART__REPORT_KIND__REPORT_KIND_ABC, "pareto", abc_pareto },
	{ KART__REPORT_KIND__REPORT_KIND_MANAGERS, "managers", draw_managers },
	{ KART__REPORT_KIND__REPORT_KIND_RFM, "grid", draw_rfm_grid },
};

chart_draw_fn chart_picture(Kart__ReportKind kind, const char *table)
{
	for (size_t i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (pictures[i].kind == kind && pictures[i].draw && strcmp(pictures[i].table, table) == 0)
			return pictures[i].draw;
	return NULL;
}
