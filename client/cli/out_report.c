/* out_report: printing `kart report` as its pages arrive — as tables of
 * text (with pictures on a terminal), as one JSON document, or as CSV.
 *
 * Text: each table under its title. A table with a picture (chart.h) on a
 * terminal is held whole and drawn; any other is printed with its column
 * widths taken from its first rows (a long report is not held in memory:
 * what comes later is cut to them). JSON: {"kind", "note", "export_id",
 * "tables": {NAME: [{column: value, ...}, ...], ...}}, numbers as numbers,
 * money as decimal text, a series as an array. CSV: one table (the first, or
 * --table), RFC 4180, a header of column names; a text cell a spreadsheet
 * would run as a formula is prefixed with '; to a terminal its controls are
 * made visible. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chart.h"
#include "cli.h"
#include "i18n.h"
#include "out.h"
#include "pbjson.h"

#define WIDTH_ROWS 200          /* rows a table's widths are taken from */
#define HELD_MAX 100000         /* rows of a table held for a picture */
#define TEXT_WIDTH_MAX 40       /* a text column is cut past this */
#define OUT_REPORT_COLS 64      /* columns of a table shown; a server's more are left out */

/* Each report's tables, as it names them, and their titles. */
static const struct {
	Kart__ReportKind kind;
	const char *name, *title;
} titles[] = {
	{ KART__REPORT_KIND__REPORT_KIND_BIRTHDAYS, "birthdays", N_("Birthdays") },
	{ KART__REPORT_KIND__REPORT_KIND_FUNNEL, "stages", N_("Deals by stage") },
	{ KART__REPORT_KIND__REPORT_KIND_FUNNEL, "outcomes", N_("Outcomes") },
	{ KART__REPORT_KIND__REPORT_KIND_ABC, "clients", N_("Clients by revenue (ABC) and its steadiness (XYZ)") },
	{ KART__REPORT_KIND__REPORT_KIND_ABC, "matrix", N_("ABC × XYZ: clients and revenue") },
	/* xgettext:no-c-format */
	{ KART__REPORT_KIND__REPORT_KIND_ABC, "pareto", N_("Pareto: revenue by each 5% of the clients, the biggest first") },
	{ KART__REPORT_KIND__REPORT_KIND_MANAGERS, "managers", N_("Managers") },
	{ KART__REPORT_KIND__REPORT_KIND_REACTIVATION, "clients", N_("Clients to win back") },
	{ KART__REPORT_KIND__REPORT_KIND_RFM, "clients", N_("RFM: clients") },
	{ KART__REPORT_KIND__REPORT_KIND_RFM, "segments", N_("RFM: segments") },
	{ KART__REPORT_KIND__REPORT_KIND_RFM, "grid", N_("RFM: recency by frequency") },
};

int out_report_check_table(Kart__ReportKind kind, const char *name)
{
	char known[256] = "";
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		if (titles[i].kind != kind)
			continue;
		if (strcmp(titles[i].name, name) == 0)
			return 0;
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s", *known ? ", " : "", titles[i].name);
	}
	return out_error(KC_ERR_USAGE, _("--table: this report has no table '%s' (it has: %s)"), name, known);
}

/* Column titles; a column without one is shown by its name in capitals. */
static const struct { const char *name, *title; } col_titles[] = {
	{ "date", N_("DATE") }, { "in_days", N_("IN DAYS") }, { "name", N_("NAME") }, { "relation", N_("RELATION") },
	{ "age", N_("AGE") }, { "card_id", N_("ID") }, { "client", N_("CLIENT") }, { "owner", N_("OWNER") },
	{ "phone", N_("PHONE") }, { "email", N_("EMAIL") },
	{ "revenue", N_("REVENUE") }, { "share", N_("SHARE %") }, { "cumulative_share", N_("CUMULATIVE %") },
	{ "cv", N_("CV %") }, { "buckets", N_("BY BUCKET") }, { "clients", N_("CLIENTS") },
	{ "clients_share", N_("CLIENTS %") }, { "revenue_share", N_("REVENUE %") },
	{ "manager", N_("MANAGER") }, { "calls", N_("CALLS") }, { "meetings", N_("MEETINGS") }, { "emails", N_("EMAILS") },
	{ "notes", N_("NOTES") }, { "purchases", N_("PURCHASES") }, { "new_cards", N_("NEW CARDS") },
	{ "deals_opened", N_("OPENED") }, { "deals_won", N_("WON") }, { "deals_lost", N_("LOST") },
	{ "won_amount", N_("WON AMOUNT") }, { "conversion", N_("CONV. %") }, { "reminders_done", N_("DONE") },
	{ "reminders_overdue", N_("OVERDUE") }, { "last_activity", N_("LAST ACTIVITY") }, { "daily", N_("DAILY") },
	{ "last_touch", N_("LAST TOUCH") }, { "days_since", N_("DAYS") }, { "total_purchases", N_("TOTAL") },
	{ "touches", N_("TOUCHES") },
	{ "last_purchase", N_("LAST PURCHASE") }, { "r_days", N_("DAYS") }, { "frequency", N_("PURCHASES") },
	{ "monetary", N_("AMOUNT") }, { "segment", N_("SEGMENT") },
};

static bool is_number(Kart__ReportCellType t)
{
	return t == KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT || t == KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL ||
	       t == KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY;
}

static void rtab_clear(struct rtab *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (size_t c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->cells);
	free(t->cols);
	free(t->types);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void out_report_begin(struct out_report *o, Kart__ReportKind kind, enum out_report_mode mode, const char *csv_table,
		      bool pictures)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->mode = mode;
	o->csv_table = csv_table;
	o->pictures = pictures;
	o->tty = isatty(STDOUT_FILENO);
}

/* ---- text ---- */

static const char *table_title(Kart__ReportKind kind, const char *name)
{
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (titles[i].kind == kind && strcmp(titles[i].name, name) == 0)
			return _(titles[i].title);
	return name;
}

static void column_title(const char *name, char *buf, size_t n)
{
	for (size_t i = 0; i < sizeof(col_titles) / sizeof(col_titles[0]); i++)
		if (strcmp(col_titles[i].name, name) == 0) {
			snprintf(buf, n, "%s", _(col_titles[i].title));
			return;
		}
	size_t i = 0;
	for (; name[i] && i + 1 < n; i++)
		buf[i] = name[i] == '_' ? ' ' : (name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 32) : name[i]);
	buf[i] = '\0';
}

/* The widths from the rows held, then the header and those rows. */
static void text_flush_held(struct out_report *o)
{
	struct rtab *t = &o->t;
	free(o->widths);
	o->widths = calloc(t->ncols, sizeof(*o->widths));
	if (!o->widths)
		return;
	char title[64];
	for (size_t c = 0; c < t->ncols; c++) {
		column_title(t->cols[c], title, sizeof(title));
		o->widths[c] = chart_width(title);
		for (size_t i = 0; i < t->nrows; i++) {
			size_t w = chart_width(t->cells[i * t->ncols + c]);
			if (w > o->widths[c])
				o->widths[c] = w;
		}
		if (!is_number(t->types[c]) && o->widths[c] > TEXT_WIDTH_MAX)
			o->widths[c] = TEXT_WIDTH_MAX;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		column_title(t->cols[c], title, sizeof(title));
		if (c)
			fputs("  ", stdout);
		chart_text(title, c + 1 == t->ncols && !is_number(t->types[c]) ? chart_width(title) : o->widths[c],
			   is_number(t->types[c]));
	}
	fputc('\n', stdout);
	o->header_done = true;
}

static void text_row(struct out_report *o, char *const *cells)
{
	const struct rtab *t = &o->t;
	size_t end = t->ncols;
	while (end > 1 && !*cells[end - 1])
		end--;
	for (size_t c = 0; c < end; c++) {
		if (c)
			fputs("  ", stdout);
		bool last = c + 1 == end;
		size_t w = chart_width(cells[c]);
		if (last && !is_number(t->types[c]))
			chart_text(cells[c], w < o->widths[c] ? w : o->widths[c], false);
		else if (is_number(t->types[c]) && w > o->widths[c])
			chart_text(cells[c], w, true); /* a number is never cut: wider than those the widths came from */
		else
			chart_text(cells[c], o->widths[c], is_number(t->types[c]));
	}
	fputc('\n', stdout);
}

static void text_table_end(struct out_report *o)
{
	struct rtab *t = &o->t;
	chart_draw_fn draw = o->pictures ? chart_picture(o->kind, t->name) : NULL;
	if (draw && t->nrows) {
		draw(t);
	} else {
		if (!o->header_done)
			text_flush_held(o);
		for (size_t i = 0; i < t->nrows; i++)
			text_row(o, t->cells + i * t->ncols);
		if (!t->nrows && o->streamed == 0)
			printf("  %s\n", _("(none)"));
	}
}

/* ---- JSON ---- */

static json_t *json_cell(Kart__ReportCellType type, const char *v)
{
	switch (type) {
	case KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_INT:
	case KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DECIMAL: {
		json_t *j = *v ? pbjson_raw_number(v) : NULL;
		return j ? j : (*v ? json_string(v) : json_null());
	}
	case KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_SERIES: {
		json_t *a = json_array();
		for (const char *p = v; a && *p;) {
			char *end;
			long long n = strtoll(p, &end, 10);
			if (end == p)
				break;
			json_array_append_new(a, json_integer(n));
			p = *end == ',' ? end + 1 : end;
		}
		return a;
	}
	case KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_DATE:
	case KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_MONEY:
		return *v ? json_string(v) : json_null(); /* none, as an empty number is */
	default:
		return json_string(v);
	}
}

static void json_str(const char *s)
{
	json_t *j = json_string(s ? s : "");
	out_json_value(j);
	json_decref(j);
}

static void json_row(struct out_report *o, char *const *cells)
{
	const struct rtab *t = &o->t;
	json_t *row = json_object();
	for (size_t c = 0; row && c < t->ncols; c++)
		json_object_set_new(row, t->cols[c], json_cell(t->types[c], cells[c]));
	fputs(o->rows_out ? ",\n    " : "\n    ", stdout);
	out_json_value(row);
	json_decref(row);
	o->rows_out++;
}

/* ---- CSV ---- */

static void csv_cell(const struct out_report *o, Kart__ReportCellType type, const char *v)
{
	bool formula = !is_number(type) && text_csv_formula(v);
	bool quote = formula || strpbrk(v, ",\"\r\n") != NULL;
	char buf[1024], *heap = NULL;
	if (o->tty)
		v = out_visible(v, 0, buf, sizeof(buf), &heap);
	if (quote)
		fputc('"', stdout);
	if (formula)
		fputc('\'', stdout);
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			fputc('"', stdout);
		fputc(*p, stdout);
	}
	if (quote)
		fputc('"', stdout);
	free(heap);
}

static void csv_row(const struct out_report *o, char *const *cells)
{
	for (size_t c = 0; c < o->t.ncols; c++) {
		if (c)
			fputc(',', stdout);
		csv_cell(o, o->t.types[c], cells[c]);
	}
	fputs("\r\n", stdout);
}

/* ---- tables as they come ---- */

static bool csv_wanted(struct out_report *o)
{
	if (o->csv_done)
		return false;
	return o->csv_table ? strcmp(o->t.name, o->csv_table) == 0 : true;
}

static void table_end(struct out_report *o)
{
	if (!o->open)
		return;
	if (o->mode == OUT_REPORT_TEXT) {
		text_table_end(o);
	} else if (o->mode == OUT_REPORT_JSON) {
		fputs(o->rows_out ? "\n  ]" : "]", stdout);
	} else if (o->mode == OUT_REPORT_CSV && csv_wanted(o)) {
		o->csv_done = true;
	}
	rtab_clear(&o->t);
	free(o->widths);
	o->widths = NULL;
	o->open = false;
}

static int table_begin(struct out_report *o, const Kart__ReportTable *pt)
{
	struct rtab *t = &o->t;
	t->name = strdup(pt->name ? pt->name : "");
	t->ncols = pt->n_columns < OUT_REPORT_COLS ? pt->n_columns : OUT_REPORT_COLS; /* more: not shown */
	t->cols = calloc(t->ncols ? t->ncols : 1, sizeof(*t->cols));
	t->types = calloc(t->ncols ? t->ncols : 1, sizeof(*t->types));
	if (!t->name || !t->cols || !t->types)
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		if (!(t->cols[c] = strdup(pt->columns[c]->name ? pt->columns[c]->name : "")))
			return -1;
		t->types[c] = pt->columns[c]->type;
	}
	o->open = true;
	o->header_done = false;
	o->rows_out = 0;
	o->streamed = 0;
	if (o->mode == OUT_REPORT_TEXT) {
		if (o->tables_out++)
			fputc('\n', stdout);
		chart_text(table_title(o->kind, t->name), chart_width(table_title(o->kind, t->name)), false);
		fputc('\n', stdout);
	} else if (o->mode == OUT_REPORT_JSON) {
		fputs(o->tables_out++ ? ",\n  " : "\n  ", stdout);
		json_str(t->name);
		fputs(": [", stdout);
	} else if (o->mode == OUT_REPORT_CSV && csv_wanted(o)) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', stdout);
			csv_cell(o, KART__REPORT_CELL_TYPE__REPORT_CELL_TYPE_TEXT, t->cols[c]);
		}
		fputs("\r\n", stdout);
	}
	return 0;
}

/* A row: printed now, or held (text: for the widths or a picture). */
static int table_row(struct out_report *o, const Kart__ReportRow *pr)
{
	struct rtab *t = &o->t;
	char *empty = (char *)"";
	char *cells[OUT_REPORT_COLS];
	for (size_t c = 0; c < t->ncols; c++)
		cells[c] = c < pr->n_cells && pr->cells[c] ? pr->cells[c] : empty;
	if (o->mode == OUT_REPORT_JSON) {
		json_row(o, cells);
		return 0;
	}
	if (o->mode == OUT_REPORT_CSV) {
		if (csv_wanted(o))
			csv_row(o, cells);
		return 0;
	}
	bool picture = o->pictures && chart_picture(o->kind, t->name);
	if (o->header_done) {
		text_row(o, cells);
		o->streamed++;
		return 0;
	}
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **nc = realloc(t->cells, cap * t->ncols * sizeof(*nc));
		if (!nc)
			return -1;
		t->cells = nc;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++)
		if (!(t->cells[t->nrows * t->ncols + c] = strdup(cells[c])))
			return -1;
	t->nrows++;
	if (t->nrows >= (picture ? HELD_MAX : WIDTH_ROWS)) {
		/* too many to hold: a plain table from here on */
		text_flush_held(o);
		for (size_t i = 0; i < t->nrows; i++)
			text_row(o, t->cells + i * t->ncols);
		o->streamed += t->nrows;
		for (size_t i = 0; i < t->nrows * t->ncols; i++)
			free(t->cells[i]);
		t->nrows = 0;
	}
	return 0;
}

int out_report_page(struct out_report *o, const Kart__ReportPage *p)
{
	if (!o->begun) {
		o->begun = true;
		if (o->mode == OUT_REPORT_JSON) {
			char kind[32];
			fputs("{\n  \"kind\": ", stdout);
			json_str(out_enum_short(&kart__report_kind__descriptor, (int)o->kind, kind, sizeof(kind)));
			fputs(",\n  \"note\": ", stdout);
			json_str(p->note);
			printf(",\n  \"export_id\": %llu,\n  \"tables\": {", (unsigned long long)p->export_id);
		} else if (o->mode == OUT_REPORT_TEXT && p->note && *p->note) {
			out_chars(p->note, 400);
			fputs("\n\n", stdout);
		}
	}
	for (size_t i = 0; i < p->n_tables; i++) {
		const Kart__ReportTable *pt = p->tables[i];
		bool same = o->open && pt->n_columns == 0 && pt->name && strcmp(pt->name, o->t.name) == 0;
		if (!same) {
			table_end(o);
			if (table_begin(o, pt) < 0)
				return -1;
		}
		for (size_t r = 0; r < pt->n_rows; r++)
			if (table_row(o, pt->rows[r]) < 0)
				return -1;
	}
	fflush(stdout);
	return 0;
}

int out_report_page_fn(const Kart__Envelope *e, void *ud, struct kc_error *err)
{
	if (out_report_page(ud, e->report_page) == 0)
		return 0;
	err->status = KC_ERR_OTHER;
	err->code = 0;
	err->field[0] = '\0';
	snprintf(err->message, sizeof(err->message), "%s", _("out of memory printing the report"));
	return err->status;
}

void out_report_end(struct out_report *o)
{
	table_end(o);
	if (o->mode == OUT_REPORT_JSON && o->begun)
		fputs("\n  }\n}\n", stdout);
	fflush(stdout);
}
