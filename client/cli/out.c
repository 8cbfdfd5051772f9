/* out: the primitives everything `kart` prints is made of (the replies
 * themselves are printed by a file per family, see out.h). One-line errors on
 * stderr; on stdout, JSON built by pbjson (so field names are the proto's),
 * and tables written row by row as the server streams pages, or JSON arrays.
 * Every text from the server passes out_visible on its way to the terminal.
 * Table cells are measured in code points (names are mostly Cyrillic) and cut
 * with "…" when too long. Money is kept in minor units and shown as
 * "1 234.50"; JSON keeps the integer. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "fmt.h"
#include "i18n.h"
#include "out.h"
#include "pbjson.h"
#include "text.h"
#include "util.h"

/* ---- the one way text from elsewhere reaches the terminal ---- */

const char *out_visible(const char *s, unsigned flags, char *buf, size_t n, char **heap)
{
	*heap = NULL;
	size_t len = text_visible(buf, n, s ? s : "", flags);
	if (len < n)
		return buf;
	*heap = malloc(len + 1);
	if (!*heap)
		return buf; /* cut short, still safe to print */
	text_visible(*heap, len + 1, s, flags);
	return *heap;
}

void out_text(FILE *f, const char *s, unsigned flags)
{
	char buf[1024], *heap;
	fputs(out_visible(s, flags, buf, sizeof(buf), &heap), f);
	free(heap);
}

/* Prints s on one line, controls visible and newlines as spaces, so an
 * error stays on one line whatever the server put in it. */
static void put_one_line(FILE *f, const char *s)
{
	out_text(f, s, 0);
}

void out_say(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_one_line(stdout, msg);
	fputc('\n', stdout);
}

void out_stream_text(struct out_stream *st, const void *p, size_t n, bool last)
{
	size_t len = st->ncarry + n;
	char *text = malloc(len + 1);
	if (!text)
		return;
	memcpy(text, st->carry, st->ncarry);
	if (n)
		memcpy(text + st->ncarry, p, n);
	size_t cut = last ? len : text_piece_end(text, len);
	st->ncarry = len - cut;
	memcpy(st->carry, text + cut, st->ncarry);
	/* CRLF line ends are one newline on a terminal; a lone CR stays visible */
	size_t k = 0;
	for (size_t i = 0; i < cut; i++)
		if (!(text[i] == '\r' && i + 1 < cut && text[i + 1] == '\n'))
			text[k++] = text[i] ? text[i] : ' ';
	text[k] = '\0';
	out_text(stdout, text, TEXT_SHOW_LINES);
	free(text);
}

/* ---- errors ---- */

static bool json_errors;

void out_set_json(bool on)
{
	json_errors = on;
}

static int put_json_to(FILE *f, const json_t *j, size_t flags);

/* Exit code as an error code for scripts, when the server named none. */
static const char *status_code_name(int status)
{
	switch (status) {
	case KC_ERR_USAGE: return "USAGE";
	case KC_ERR_DENIED: return "PERMISSION_DENIED";
	case KC_ERR_NOT_FOUND: return "NOT_FOUND";
	case KC_ERR_CONFLICT: return "CONFLICT";
	case KC_ERR_CONNECT: return "UNAVAILABLE";
	default: return "ERROR";
	}
}

/* {"error": {"code": ..., "message": ..., "field": ...}} on one line. */
static void put_json_error(const char *code, const char *message, const char *field)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message", message, "field", field);
	if (!j || put_json_to(stderr, j, JSON_PRESERVE_ORDER | JSON_COMPACT) < 0)
		fputs("{\"error\": {\"code\": \"ERROR\", \"message\": \"\", \"field\": \"\"}}", stderr);
	fputc('\n', stderr);
	json_decref(j);
}

/* The message is translated for a person; --json keeps it in English. */
int out_error(int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), json_errors ? fmt : _(fmt), ap);
	va_end(ap);
	fflush(stdout);
	status = status ? status : KC_ERR_OTHER;
	if (json_errors) {
		put_json_error(status_code_name(status), msg, "");
		return status;
	}
	fputs("kart: ", stderr);
	put_one_line(stderr, msg);
	fputc('\n', stderr);
	return status;
}

const char *out_error_time(int64_t secs, char *buf, size_t n)
{
	if (json_errors)
		util_format_time_zone(secs, buf, n);
	else
		fmt_time(secs, FMT_ZONE, buf, n);
	return buf;
}

int out_no_memory(void)
{
	return out_error(KC_ERR_OTHER, "out of memory");
}

/* The client library's own messages (no server code) shown translated: whole
 * ones, and ones that start with a fixed text (the rest is kept). */
static const char *const lib_messages[] = {
	N_("not logged in (run: kart login USER)"),
	N_("out of memory"),
	N_("connection closed by the server"),
	N_("timed out waiting for the server"),
	N_("timed out sending to the server"),
	N_("the server sent no certificate"),
	N_("malformed reply from the server"),
	N_("unexpected reply from the server"),
	N_("reply from the server too large"),
	N_("request failed"),
};
static const char *const lib_prefixes[] = {
	N_("cannot connect to "),
	N_("cannot resolve "),
};

static void put_lib_message(FILE *f, const char *msg)
{
	for (size_t i = 0; i < sizeof(lib_messages) / sizeof(lib_messages[0]); i++)
		if (strcmp(msg, lib_messages[i]) == 0) {
			put_one_line(f, _(msg));
			return;
		}
	for (size_t i = 0; i < sizeof(lib_prefixes) / sizeof(lib_prefixes[0]); i++) {
		size_t len = strlen(lib_prefixes[i]);
		if (strncmp(msg, lib_prefixes[i], len) == 0) {
			put_one_line(f, _(lib_prefixes[i]));
			put_one_line(f, msg + len);
			return;
		}
	}
	put_one_line(f, msg);
}

int out_kc_error(const struct kc_error *err)
{
	const char *msg = err->message[0] ? err->message : "request failed";
	int status = err->status ? err->status : KC_ERR_OTHER;

	fflush(stdout);
	if (json_errors) {
		const ProtobufCEnumValue *v = err->code ?
			protobuf_c_enum_descriptor_get_value(&kart__error_code__descriptor, (int)err->code) : NULL;
		put_json_error(v ? v->name : status_code_name(status), msg, err->field);
		return status;
	}
	fputs("kart: ", stderr);
	if (err->code)
		put_one_line(stderr, msg); /* the server's words, as it sent them */
	else
		put_lib_message(stderr, msg);
	if (err->field[0]) {
		fputs(" (field: ", stderr);
		put_one_line(stderr, err->field);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	return status;
}

/* ---- JSON ---- */

#define JSON_FLAGS_OBJECT (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define JSON_FLAGS_ELEMENT (JSON_PRESERVE_ORDER)

/* Every JSON document goes out here: the encoder escapes C0 controls, and
 * text_json_visible the rest a terminal would act on (DEL, C1, bidi) as
 * \uXXXX, so the value is the same and the terminal is safe. */
static int put_json_to(FILE *f, const json_t *j, size_t flags)
{
	char *text = json_dumps(j, flags);
	if (!text)
		return -1;
	pbjson_unquote_raw(text); /* custom numbers as bare numbers (pbjson.h) */
	size_t len = text_json_visible(NULL, 0, text);
	char *safe = malloc(len + 1);
	int rc = -1;
	if (safe) {
		text_json_visible(safe, len + 1, text);
		rc = fputs(safe, f) < 0 ? -1 : 0;
	}
	free(safe);
	free(text);
	return rc;
}

static int put_json(const json_t *j, size_t flags)
{
	return put_json_to(stdout, j, flags);
}

int out_json_value(const json_t *j)
{
	return put_json(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* Every message printed for --json goes through here: every field, instants
 * as RFC 3339 in the client's time zone, money as decimal text, custom
 * numbers and yes/no as JSON numbers and booleans (pbjson.h). */
json_t *out_json_of(const ProtobufCMessage *m)
{
	static const struct pbjson_style style = { .all_fields = true, .instants = true, .money = true,
						   .typed_values = true };
	return pbjson_from_message_style(m, &style);
}

/* A whole reply as one indented JSON document and a newline; takes j
 * (NULL: there was no memory to build it). */
static int put_json_document(json_t *j)
{
	int rc = 0;

	if (!j || put_json(j, JSON_FLAGS_OBJECT) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot print the reply as JSON");
	else
		fputc('\n', stdout);
	json_decref(j);
	return rc;
}

int out_json_message(const ProtobufCMessage *m, const char *drop_key)
{
	json_t *j = out_json_of(m);

	if (!j)
		return out_no_memory();
	if (drop_key)
		json_object_del(j, drop_key);
	return put_json_document(j);
}

/* out_json_of keeps every field already. */
int out_json_all(const ProtobufCMessage *m)
{
	return out_json_message(m, NULL);
}

int out_json_page(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *from = out_json_of(m), *j = json_object();

	/* rebuilt in field order, so an added [] sits where the list belongs */
	for (unsigned i = 0; from && j && i < d->n_fields; i++) {
		const char *name = d->fields[i].name;
		json_t *v = json_object_get(from, name);
		if (v)
			json_object_set(j, name, v);
		else if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED)
			json_object_set_new(j, name, json_array());
	}
	json_decref(from);
	if (!from || !j) {
		json_decref(j);
		return out_no_memory();
	}
	return put_json_document(j);
}

int out_json_body(const Kart__Envelope *e)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&kart__envelope__descriptor, (unsigned)e->body_case);
	const ProtobufCMessage *body = NULL;

	if (f && f->type == PROTOBUF_C_TYPE_MESSAGE)
		body = *(const ProtobufCMessage *const *)((const char *)e + f->offset);
	if (!body) {
		fputs("{}\n", stdout);
		return 0;
	}
	/* Only a Session has a token; it belongs in the session file, not on stdout. */
	return out_json_message(body, "token");
}

/* Prints one element of a streamed JSON array on its own line. */
void out_list_json(struct out_list *l, const ProtobufCMessage *m)
{
	json_t *j = out_json_of(m);

	if (j && l->extra_key && l->extra_value)
		json_object_set_new(j, l->extra_key, json_string(l->extra_value));
	if (j && l->flag_key)
		json_object_set_new(j, l->flag_key, json_boolean(l->flag));
	fputs(l->count ? ",\n" : "[\n", stdout);
	if (j)
		put_json(j, JSON_FLAGS_ELEMENT);
	json_decref(j);
	l->started = true;
	l->count++;
}

/* Prints n messages (each a protobuf-c message: its base comes first) as
 * one JSON array. */
int out_json_array(void *const *items, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, out_json_of((const ProtobufCMessage *)items[i]));
	return put_json_document(arr);
}

/* ---- tables ---- */

void out_spaces(size_t n)
{
	while (n-- > 0)
		fputc(' ', stdout);
}

/* Prints the first max_chars code points of text already made visible. */
static void put_visible_chars(const char *s, size_t max_chars)
{
	size_t chars = 0;

	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		if ((b & 0xc0) != 0x80 && chars++ == max_chars)
			break;
		fputc(b, stdout);
	}
}

/* Prints s on one line, controls visible. */
void out_chars(const char *s, size_t max_chars)
{
	char buf[1024], *heap;
	put_visible_chars(out_visible(s, 0, buf, sizeof(buf), &heap), max_chars);
	free(heap);
}

/* One cell, preceded by the column gap; the last cell is not padded. Its
 * width is that of its visible form (an escape shows as ^[). */
static void put_cell(const struct out_column *col, const char *raw, bool first, bool last)
{
	char buf[1024], *heap;
	const char *s = out_visible(raw, 0, buf, sizeof(buf), &heap);
	size_t chars = text_utf8_chars(s, strlen(s));

	if (!first)
		fputs("  ", stdout);
	if (col->number) {
		if (chars < col->width)
			out_spaces(col->width - chars);
		put_visible_chars(s, chars);
	} else if (col->width && chars > col->width) {
		put_visible_chars(s, col->width - 1);
		fputs("…", stdout);
	} else {
		put_visible_chars(s, chars);
		if (!last && col->width > chars)
			out_spaces(col->width - chars);
	}
	free(heap);
}

/* Empty cells at the end of a row are left out, so no line ends in blanks. */
void out_row(const struct out_column *cols, size_t ncols, const char *const *cells)
{
	size_t end = ncols;

	while (end > 1 && !*cells[end - 1])
		end--;
	for (size_t i = 0; i < end; i++)
		put_cell(&cols[i], cells[i], i == 0, i + 1 == end);
	fputc('\n', stdout);
}

static void put_header(const struct out_column *cols, size_t ncols, bool translated)
{
	const char *titles[12];

	for (size_t i = 0; i < ncols && i < 12; i++)
		titles[i] = translated ? _(cols[i].title) : cols[i].title;
	out_row(cols, ncols, titles);
}

void out_header(const struct out_column *cols, size_t ncols)
{
	put_header(cols, ncols, false);
}

void out_header_translated(const struct out_column *cols, size_t ncols)
{
	put_header(cols, ncols, true);
}

/* The table of each list kind; versions are not a table. */
static const struct out_table *list_table(enum out_list_kind kind)
{
	switch (kind) {
	case OUT_LIST_CARDS: return &out_card_table;
	case OUT_LIST_USERS: return &out_user_table;
	case OUT_LIST_AUDIT: return &out_audit_table;
	case OUT_LIST_FIELDS: return &out_field_table;
	case OUT_LIST_TIMELINE: return &out_timeline_table;
	case OUT_LIST_DEALS: return &out_deal_table;
	case OUT_LIST_SEGMENTS: return &out_segment_table;
	case OUT_LIST_RELATIVES: return &out_relative_table;
	case OUT_LIST_VERSIONS: return NULL;
	case OUT_LIST_READS: return &out_read_table;
	case OUT_LIST_DUPS: return &out_dup_table;
	}
	return NULL;
}

/* Prints the header of l's table before its first row. */
static void table_start(struct out_list *l)
{
	const struct out_table *t;

	if (l->started)
		return;
	l->started = true;
	t = list_table(l->kind);
	if (t)
		put_header(t->columns, t->ncolumns, t->translated);
}

bool out_list_as_json(struct out_list *l, const ProtobufCMessage *m)
{
	if (l->json) {
		out_list_json(l, m);
		return true;
	}
	table_start(l);
	return false;
}

void out_list_begin(struct out_list *l, enum out_list_kind kind, bool json)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->json = json;
}

void out_list_flush(struct out_list *l)
{
	fflush(stdout);
}

void out_list_end(struct out_list *l)
{
	if (l->json)
		fputs(l->count ? "\n]\n" : "[]\n", stdout);
	else
		table_start(l);
	fflush(stdout);
}

/* ---- small formatters ---- */

const char *out_enum_short(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n)
{
	if (value == 0) {
		buf[0] = '\0';
		return buf;
	}
	return pbjson_enum_name(d, value, buf, n);
}

const char *out_role_name(Kart__Role role, char *buf, size_t n)
{
	return out_enum_short(&kart__role__descriptor, (int)role, buf, n);
}

void out_time_or_empty(int64_t secs, char *buf, size_t n)
{
	fmt_time(secs, 0, buf, n);
}

const char *out_count(uint64_t n, const char *singular, const char *plural, char *buf, size_t size)
{
	return text_count(buf, size, n, singular, plural);
}

const char *out_money(int64_t minor, char *buf, size_t n)
{
	/* amounts are kept in roubles: the base has one currency */
	return fmt_money(minor, "RUB", buf, n);
}

const char *out_money_or_empty(int64_t minor, char *buf, size_t n)
{
	if (minor == 0) {
		buf[0] = '\0';
		return buf;
	}
	return out_money(minor, buf, n);
}

/* "2026-12-05 10:00 by masha", or "" when never. */
void out_when_by(int64_t at, const char *by, char *buf, size_t n)
{
	char t[32];

	out_time_or_empty(at, t, sizeof(t));
	if (!*t)
		snprintf(buf, n, "-");
	else if (by && *by)
		snprintf(buf, n, "%s by %s", t, by);
	else
		snprintf(buf, n, "%s", t);
}
