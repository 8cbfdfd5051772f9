/* chart: pictures in the terminal for `kart report` — bars, sparklines,
 * shaded grids — drawn with Unicode block characters, aligned by display
 * width (utf8proc: Cyrillic takes one column, CJK two), every text made
 * visible first (text from the server never reaches the terminal raw).
 *
 * A report's table (struct rtab, buffered whole by out_report.c) is drawn
 * by the picture registered for its kind and name (report_pictures.c) when
 * the output is a terminal and neither --no-color nor NO_COLOR is set;
 * otherwise it is printed as a plain table, and --json/--csv never hold
 * drawing. */
#ifndef KART_CLI_CHART_H
#define KART_CLI_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* A table of a report, held whole: its columns and rows as the server sent
 * them (struct rtab, declared with struct out_report in cli.h: cols are
 * the names, cells nrows * ncols). */

/* The column named name, or -1. */
int rtab_col(const struct rtab *t, const char *name);
/* The cell of row i in the column named col ("" when there is none). */
const char *rtab_cell(const struct rtab *t, size_t i, const char *col);
/* The cell as an integer (0 when empty or not a number). */
int64_t rtab_int(const struct rtab *t, size_t i, const char *col);
/* The cell as a number: integers, decimals and money ("1234.50") alike. */
double rtab_num(const struct rtab *t, size_t i, const char *col);

/* The display width of s once made visible. */
size_t chart_width(const char *s);
/* s made visible, cut with "…" or padded to exactly width columns (right:
 * padded on the left). */
void chart_text(const char *s, size_t width, bool right);
/* A horizontal bar of value/max of width columns, in eighths of a column. */
void chart_bar(double value, double max, size_t width);
/* A sparkline: one of ▁▂▃▄▅▆▇█ per value, scaled to the largest (all
 * blank-low when every value is 0). */
void chart_spark(const int64_t *v, size_t n);
/* A shade for a share 0..1 of the largest: " ", "░", "▒", "▓", "█". */
const char *chart_shade(double frac);
/* Spaces. */
void chart_pad(size_t n);

/* A picture of a table. */
typedef void (*chart_draw_fn)(const struct rtab *t);
/* The picture for a report kind's table, or NULL: printed as a table. */
chart_draw_fn chart_picture(Kart__ReportKind kind, const char *table);

#endif
