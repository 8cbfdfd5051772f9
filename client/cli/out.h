/* out: what the files that print replies share. Commands call the out_*
 * functions declared in cli.h; this header is for the out*.c files only.
 *
 * out.c holds the primitives: text from the server made visible, errors,
 * JSON, tables (columns, rows, headers) and the small formatters. The other
 * files print one family of replies each, as the commands come in families:
 * out_card.c (one card, its history, relatives and custom fields), out_query.c
 * (card tables, segments), out_work.c (timeline, deals, reminders, today),
 * out_user.c (users, offboarding, certificates), out_audit.c (audit events,
 * reads) and out_export.c (exports, leak tracing, canary cards). */
#ifndef KART_CLI_OUT_H
#define KART_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* s as text_visible shows it (controls visible, see text.h), in buf when it
 * fits, else in *heap (malloc'ed; the caller frees it). Never NULL. */
const char *out_visible(const char *s, unsigned flags, char *buf, size_t n, char **heap);

/* Prints n messages (each a protobuf-c message: its base comes first) as
 * one JSON array. Returns an exit code. */
int out_json_array(void *const *items, size_t n);
/* One JSON value, compact, made safe for a terminal as every JSON document is
 * (no newline after it). Returns 0 or -1. */
int out_json_value(const json_t *j);

/* ---- tables ---- */

struct out_column {
	const char *title;
	size_t width;           /* in code points; 0: no limit (last column only) */
	bool number;            /* right-aligned, never cut */
};

#define N_COLUMNS(c) (sizeof(c) / sizeof((c)[0]))

/* The columns of a table; each list kind's is defined next to its rows. */
struct out_table {
	const struct out_column *columns;
	size_t ncolumns;
	bool translated;        /* the titles are marked N_() and shown translated */
};

extern const struct out_table out_card_table, out_user_table, out_audit_table, out_field_table,
	out_timeline_table, out_deal_table, out_segment_table, out_relative_table, out_read_table,
	out_dup_table;

void out_spaces(size_t n);
/* Prints s on one line, controls visible, at most max_chars code points. */
void out_chars(const char *s, size_t max_chars);
/* One row; empty cells at the end are left out, so no line ends in blanks. */
void out_row(const struct out_column *cols, size_t ncols, const char *const *cells);
void out_header(const struct out_column *cols, size_t ncols);
/* out_header with the titles translated (they are marked N_() where defined). */
void out_header_translated(const struct out_column *cols, size_t ncols);
/* The start of each item of a list: in a JSON list, the item as an element
 * (true: nothing more to print); in a table, the header before the first row. */
bool out_list_as_json(struct out_list *l, const ProtobufCMessage *m);

/* ---- small formatters ---- */

static inline const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* An enum value's short name ("hot"); "" when unset. */
const char *out_enum_short(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n);
/* A time to the minute as fmt_time writes it ("05.12.2026 14:30" in
 * Russian, "2026-12-05 14:30" otherwise); "" for 0. */
void out_time_or_empty(int64_t secs, char *buf, size_t n);
/* out_money, "" for 0. */
const char *out_money_or_empty(int64_t minor, char *buf, size_t n);
/* "2026-12-05 10:00 by masha", or "-" when never. */
void out_when_by(int64_t at, const char *by, char *buf, size_t n);

#endif
