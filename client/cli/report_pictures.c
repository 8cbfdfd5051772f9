/* report_pictures: which table of which report is drawn, and how (chart.h).
 * Each report's pictures are its own functions here, registered below. */
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "i18n.h"

static const struct {
	Kart__ReportKind kind;
	const char *table;
	chart_draw_fn draw;
} pictures[] = {
	{ KART__REPORT_KIND__REPORT_KIND_UNSPECIFIED, "", NULL },
};

chart_draw_fn chart_picture(Kart__ReportKind kind, const char *table)
{
	for (size_t i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (pictures[i].kind == kind && pictures[i].draw && strcmp(pictures[i].table, table) == 0)
			return pictures[i].draw;
	return NULL;
}
