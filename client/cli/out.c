/* out: everything `kart` prints. One-line errors on stderr; on stdout, JSON
 * built by pbjson (so field names are the proto's), single cards as aligned
 * "field: value" records (custom fields in a section per tab), and lists as
 * tables or JSON arrays written page by page as the server streams them.
 * Table cells are measured in code points (names are mostly Cyrillic) and cut
 * with "…" when too long. Money is kept in minor units and shown as
 * "1 234.50"; JSON keeps the integer. */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
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

int out_error(int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
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
	put_one_line(stderr, msg);
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

/* Every message printed for --json goes through here: every field, instants
 * as RFC 3339 in the client's time zone, money as decimal text, custom
 * numbers and yes/no as JSON numbers and booleans (pbjson.h). */
json_t *out_json_of(const ProtobufCMessage *m)
{
	static const struct pbjson_style style = { .all_fields = true, .instants = true, .money = true,
						   .typed_values = true };
	return pbjson_from_message_style(m, &style);
}

int out_json_message(const ProtobufCMessage *m, const char *drop_key)
{
	json_t *j = out_json_of(m);
	int rc = 0;

	if (!j)
		return out_error(KC_ERR_OTHER, "out of memory");
	if (drop_key)
		json_object_del(j, drop_key);
	if (put_json(j, JSON_FLAGS_OBJECT) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot print the reply as JSON");
	else
		fputc('\n', stdout);
	json_decref(j);
	return rc;
}

int out_json_all(const ProtobufCMessage *m)
{
	json_t *j = out_json_of(m);
	int rc = 0;

	if (!j)
		return out_error(KC_ERR_OTHER, "out of memory");
	if (put_json(j, JSON_FLAGS_OBJECT) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot print the reply as JSON");
	else
		fputc('\n', stdout);
	json_decref(j);
	return rc;
}

int out_json_page(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *from = out_json_of(m), *j = json_object();
	int rc = 0;

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
		return out_error(KC_ERR_OTHER, "out of memory");
	}
	if (put_json(j, JSON_FLAGS_OBJECT) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot print the reply as JSON");
	else
		fputc('\n', stdout);
	json_decref(j);
	return rc;
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
	fputs(l->count ? ",\n" : "[\n", stdout);
	if (j)
		put_json(j, JSON_FLAGS_ELEMENT);
	json_decref(j);
	l->started = true;
	l->count++;
}

/* ---- tables ---- */

static const struct out_column field_columns[] = {
	{ "NAME", 24, false }, { "TYPE", 9, false }, { "TAB", 16, false }, { "VALUES", 40, false },
	{ "SENSITIVE", 0, false },
};
const struct out_table out_field_table = { field_columns, N_COLUMNS(field_columns) };

static const struct out_column relative_columns[] = {
	{ "N", 3, true }, { "NAME", 32, false }, { "RELATION", 12, false }, { "BIRTHDAY", 10, false },
	{ "NOTE", 0, false },
};
const struct out_table out_relative_table = { relative_columns, N_COLUMNS(relative_columns) };


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

void out_header(const struct out_column *cols, size_t ncols)
{
	const char *titles[12];

	for (size_t i = 0; i < ncols && i < 12; i++)
		titles[i] = cols[i].title;
	out_row(cols, ncols, titles);
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
	}
	return NULL;
}

void out_table_start(struct out_list *l)
{
	const struct out_table *t;

	if (l->started)
		return;
	l->started = true;
	t = list_table(l->kind);
	if (t)
		out_header(t->columns, t->ncolumns);
}

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
	if (secs == 0)
		buf[0] = '\0';
	else
		util_format_time(secs, buf, n);
}

void out_list_begin(struct out_list *l, enum out_list_kind kind, bool json)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->json = json;
}

const char *out_count(uint64_t n, const char *singular, const char *plural, char *buf, size_t size)
{
	return text_count(buf, size, n, singular, plural);
}

const char *out_money(int64_t minor, char *buf, size_t n)
{
	uint64_t v = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	char digits[24], grouped[48];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, v / 100);
	size_t used = 0;

	if (minor < 0)
		grouped[used++] = '-';
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[used++] = ' ';
		grouped[used++] = digits[i];
	}
	snprintf(buf, n, "%.*s.%02u", (int)used, grouped, (unsigned)(v % 100));
	return buf;
}

const char *out_money_or_empty(int64_t minor, char *buf, size_t n)
{
	if (minor == 0) {
		buf[0] = '\0';
		return buf;
	}
	return out_money(minor, buf, n);
}

void out_list_field(struct out_list *l, const Kart__FieldDef *f)
{
	char type[32], values[1024];
	const char *cells[N_COLUMNS(field_columns)];
	size_t used = 0;

	if (l->json) {
		out_list_json(l, &f->base);
		return;
	}
	out_table_start(l);
	values[0] = '\0';
	for (size_t i = 0; i < f->n_values && used < sizeof(values); i++)
		used += (size_t)snprintf(values + used, sizeof(values) - used, "%s%s", i ? "," : "", f->values[i]);
	cells[0] = str_or_empty(f->name);
	cells[1] = out_enum_short(&kart__field_type__descriptor, (int)f->type, type, sizeof(type));
	cells[2] = str_or_empty(f->tab);
	cells[3] = values;
	cells[4] = f->sensitive ? "yes" : "no";
	out_row(field_columns, N_COLUMNS(field_columns), cells);
	l->count++;
}

void out_list_relative(struct out_list *l, const Kart__Relative *r)
{
	char n[24];
	const char *cells[N_COLUMNS(relative_columns)];

	if (l->json) {
		out_list_json(l, &r->base);
		return;
	}
	out_table_start(l);
	snprintf(n, sizeof(n), "%zu", l->count + 1);
	cells[0] = n;
	cells[1] = str_or_empty(r->name);
	cells[2] = str_or_empty(r->relation);
	cells[3] = str_or_empty(r->birthday);
	cells[4] = str_or_empty(r->note);
	out_row(relative_columns, N_COLUMNS(relative_columns), cells);
	l->count++;
}

/* 'value' on one line (control characters as spaces). */
static void put_quoted(const char *s)
{
	fputc('\'', stdout);
	out_chars(str_or_empty(s), SIZE_MAX);
	fputc('\'', stdout);
}

void out_list_version(struct out_list *l, const Kart__Version *v)
{
	char at[32];

	if (l->json) {
		out_list_json(l, &v->base);
		return;
	}
	out_table_start(l);
	out_time_or_empty(v->at, at, sizeof(at));
	printf("v%" PRIu64 "  %s  ", v->version, at);
	out_chars(str_or_empty(v->by), SIZE_MAX);
	fputc('\n', stdout);
	for (size_t i = 0; i < v->n_changes; i++) {
		const Kart__Change *ch = v->changes[i];
		fputs("  ", stdout);
		out_chars(str_or_empty(ch->field), SIZE_MAX);
		fputs(": ", stdout);
		put_quoted(ch->old_value);
		fputs(" -> ", stdout);
		put_quoted(ch->new_value);
		fputc('\n', stdout);
	}
	l->count++;
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

static void put_relative(const Kart__Relative *r, size_t indent);

void out_card_changed(const Kart__CardChanged *ch, const char *done)
{
	const Kart__Card *card = ch->card;
	unsigned long long id = card ? (unsigned long long)card->id : 0, version = card ? (unsigned long long)card->version : 0;

	if (!ch->changed) {
		printf("card %llu unchanged (version %llu): nothing differed from what it holds\n", id, version);
		return;
	}
	printf("card %llu %s (version %llu)\n", id, done, version);
	for (size_t i = 0; i < ch->n_relatives_removed; i++) {
		fputs("  relative removed: ", stdout);
		put_relative(ch->relatives_removed[i], 2);
		fputc('\n', stdout);
	}
	for (size_t i = 0; i < ch->n_relatives_added; i++) {
		fputs("  relative added: ", stdout);
		put_relative(ch->relatives_added[i], 2);
		fputc('\n', stdout);
	}
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
		out_table_start(l);
	fflush(stdout);
}

/* ---- one card ---- */

static bool field_is_empty(const ProtobufCFieldDescriptor *f, const char *base)
{
	const void *p = base + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset) == 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_INT64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
		return *(const uint32_t *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_ENUM:
		return *(const int *)p == 0;
	default:
		return false;
	}
}

/* Card fields shown elsewhere: custom values in their sections, the
 * normalized phones and their extensions next to the phones. */
static bool card_field_hidden(const ProtobufCFieldDescriptor *f)
{
	return f->offset == offsetof(Kart__Card, custom) || f->offset == offsetof(Kart__Card, phones_e164) ||
	       f->offset == offsetof(Kart__Card, phones_ext);
}

/* Prints a value, controls visible; lines after the first are indented to
 * the value column. */
static void put_value(const char *raw, size_t indent)
{
	char buf[1024], *heap;
	for (const char *s = out_visible(raw, TEXT_SHOW_LINES, buf, sizeof(buf), &heap); *s; s++) {
		fputc(*s, stdout);
		if (*s == '\n')
			out_spaces(indent);
	}
	free(heap);
}

/* "Анна (spouse, 1982-05-01) — likes tulips" */
static void put_relative(const Kart__Relative *r, size_t indent)
{
	const char *relation = str_or_empty(r->relation), *birthday = str_or_empty(r->birthday);

	put_value(str_or_empty(r->name), indent);
	if (*relation || *birthday) {
		fputs(" (", stdout);
		put_value(relation, indent);
		fputs(*relation && *birthday ? ", " : "", stdout);
		put_value(birthday, indent);
		fputc(')', stdout);
	}
	if (r->note && *r->note) {
		fputs(" — ", stdout);
		put_value(r->note, indent);
	}
}

static void put_card_field(const ProtobufCFieldDescriptor *f, const char *base, size_t indent)
{
	const Kart__Card *card = (const Kart__Card *)base;
	const void *p = base + f->offset;
	char buf[64];

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		for (size_t i = 0; i < n; i++) {
			if (f->descriptor == &kart__relative__descriptor) {
				if (i) {
					fputc('\n', stdout);
					out_spaces(indent);
				}
				put_relative((*(Kart__Relative *const *const *)p)[i], indent);
				continue;
			}
			if (i)
				fputs(", ", stdout);
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				const char *v = (*(char *const *const *)p)[i];
				put_value(v, indent);
				/* a phone's normalized form, when it reads differently */
				if (f->offset == offsetof(Kart__Card, phones) && i < card->n_phones_e164 &&
				    *card->phones_e164[i] && strcmp(card->phones_e164[i], v) != 0) {
					fputs(" (", stdout);
					put_value(card->phones_e164[i], indent);
					/* the extension as RFC 3966 writes it */
					if (i < card->n_phones_ext && *card->phones_ext[i]) {
						fputs(";ext=", stdout);
						put_value(card->phones_ext[i], indent);
					}
					fputc(')', stdout);
				}
			} else if (f->descriptor == &kart__messenger__descriptor) {
				const Kart__Messenger *m = (*(Kart__Messenger *const *const *)p)[i];
				put_value(m->kind ? m->kind : "", indent);
				fputc(':', stdout);
				put_value(m->handle ? m->handle : "", indent);
			}
		}
		return;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		put_value(*(const char *const *)p, indent);
		break;
	case PROTOBUF_C_TYPE_UINT64:
		printf("%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
		printf("%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "yes" : "no", stdout);
		break;
	case PROTOBUF_C_TYPE_INT64:
		/* every other int64 in a Card is a time in unix seconds */
		if (f->offset == offsetof(Kart__Card, total_purchases))
			fputs(out_money(*(const int64_t *)p, buf, sizeof(buf)), stdout);
		else {
			util_format_time(*(const int64_t *)p, buf, sizeof(buf));
			fputs(buf, stdout);
		}
		break;
	case PROTOBUF_C_TYPE_ENUM:
		fputs(pbjson_enum_name(f->descriptor, *(const int *)p, buf, sizeof(buf)), stdout);
		break;
	default:
		break;
	}
}

/* ---- custom fields on the card ---- */

static bool tab_is_main(const char *tab)
{
	return !tab || !*tab || strcmp(tab, "main") == 0;
}

static const Kart__FieldDef *find_def(Kart__FieldDef *const *defs, size_t ndefs, const char *name)
{
	for (size_t i = 0; i < ndefs; i++)
		if (defs[i]->name && strcmp(defs[i]->name, name) == 0)
			return defs[i];
	return NULL;
}

static const Kart__CustomValue *find_custom(const Kart__Card *card, const char *name)
{
	for (size_t i = 0; i < card->n_custom; i++) {
		const Kart__CustomValue *v = card->custom[i];
		if (v->field && strcmp(v->field, name) == 0 && v->value && *v->value)
			return v;
	}
	return NULL;
}

/* The custom values of one section, in the order of their definitions; the
 * main section ends with values whose field has no definition (any more). */
static size_t section_values(const Kart__Card *card, Kart__FieldDef *const *defs, size_t ndefs,
			     const char *tab, const Kart__CustomValue **out)
{
	size_t n = 0;

	for (size_t i = 0; i < ndefs; i++) {
		const Kart__CustomValue *v;
		if (tab_is_main(tab) ? !tab_is_main(defs[i]->tab) : strcmp(str_or_empty(defs[i]->tab), tab) != 0)
			continue;
		if (defs[i]->name && (v = find_custom(card, defs[i]->name)))
			out[n++] = v;
	}
	if (!tab_is_main(tab))
		return n;
	for (size_t i = 0; i < card->n_custom; i++) {
		const Kart__CustomValue *v = card->custom[i];
		if (v->field && v->value && *v->value && !find_def(defs, ndefs, v->field))
			out[n++] = v;
	}
	return n;
}

/* A custom value as text, by its type: booleans as yes/no, the values of a
 * multienum separated by ", ". */
static void put_custom_value(const Kart__FieldDef *def, const char *value, size_t indent)
{
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_BOOL &&
	    (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)) {
		fputs(value[0] == 't' ? "yes" : "no", stdout);
		return;
	}
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM) {
		char buf[1024], *heap;
		for (const char *p = out_visible(value, 0, buf, sizeof(buf), &heap); *p; p++) {
			if (*p == ',') {
				fputs(", ", stdout);
				while (p[1] == ' ')
					p++;
			} else {
				fputc(*p, stdout);
			}
		}
		free(heap);
		return;
	}
	put_value(value, indent);
}

static void put_label(const char *name, size_t label_width)
{
	out_chars(name, SIZE_MAX);
	fputc(':', stdout);
	out_spaces(label_width - text_utf8_chars(name, strlen(name)) + 1);
}

static void put_custom_lines(const Kart__CustomValue *const *values, size_t n, Kart__FieldDef *const *defs,
			     size_t ndefs, size_t label_width)
{
	for (size_t i = 0; i < n; i++) {
		put_label(values[i]->field, label_width);
		put_custom_value(find_def(defs, ndefs, values[i]->field), values[i]->value, label_width + 2);
		fputc('\n', stdout);
	}
}

static size_t widest_label(const Kart__CustomValue *const *values, size_t n, size_t width)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = text_utf8_chars(values[i]->field, strlen(values[i]->field));
		if (len > width)
			width = len;
	}
	return width;
}

/* The tabs of the definitions, in order of first appearance, main left out. */
static size_t list_tabs(Kart__FieldDef *const *defs, size_t ndefs, const char **tabs)
{
	size_t n = 0;

	for (size_t i = 0; i < ndefs; i++) {
		bool seen = tab_is_main(defs[i]->tab);
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(tabs[k], defs[i]->tab) == 0;
		if (!seen)
			tabs[n++] = defs[i]->tab;
	}
	return n;
}

/* Card fields in words, English and Russian; a field not listed shows its
 * proto name. */
static const struct {
	const char *field, *en, *ru;
} card_labels[] = {
	{ "id", "ID", "ID" },
	{ "last_name", "Last name", "Фамилия" },
	{ "first_name", "First name", "Имя" },
	{ "middle_name", "Middle name", "Отчество" },
	{ "company", "Company", "Компания" },
	{ "position", "Position", "Должность" },
	{ "gender", "Gender", "Пол" },
	{ "phones", "Phones", "Телефоны" },
	{ "emails", "Emails", "Эл. почта" },
	{ "messengers", "Messengers", "Мессенджеры" },
	{ "city", "City", "Город" },
	{ "address", "Address", "Адрес" },
	{ "birthday", "Birthday", "День рождения" },
	{ "source", "Source", "Источник" },
	{ "tags", "Tags", "Метки" },
	{ "sector", "Sector", "Сектор" },
	{ "owner", "Owner", "Ответственный" },
	{ "notes", "Notes", "Заметки" },
	{ "version", "Version", "Версия" },
	{ "created_at", "Created", "Создана" },
	{ "created_by", "Created by", "Создал" },
	{ "updated_at", "Updated", "Изменена" },
	{ "updated_by", "Updated by", "Изменил" },
	{ "deleted_at", "Deleted", "Удалена" },
	{ "deleted_by", "Deleted by", "Удалил" },
	{ "lifecycle", "Lifecycle", "Стадия" },
	{ "vip", "VIP", "VIP" },
	{ "key_account", "Key account", "Ключевой клиент" },
	{ "relatives", "Relatives", "Родственники" },
	{ "last_touch_at", "Last touch", "Последний контакт" },
	{ "touches", "Touches", "Контактов" },
	{ "total_purchases", "Purchases", "Покупки" },
};

/* Russian labels when the messages' locale is Russian (LC_ALL, LC_MESSAGES,
 * LANG, the first one set). */
static bool locale_russian(void)
{
	const char *names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		if (v && *v)
			return strncmp(v, "ru", 2) == 0;
	}
	return false;
}

static const char *card_label(const ProtobufCFieldDescriptor *f)
{
	for (size_t i = 0; i < sizeof(card_labels) / sizeof(card_labels[0]); i++)
		if (strcmp(card_labels[i].field, f->name) == 0)
			return locale_russian() ? card_labels[i].ru : card_labels[i].en;
	return f->name;
}

/* The card's fields in the order shown: as in the schema, but the name as
 * people say it, last-first-middle. */
static unsigned card_order(const ProtobufCMessageDescriptor *d, unsigned *order)
{
	static const char *const names[] = { "last_name", "first_name", "middle_name" };
	unsigned n = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *name = d->fields[i].name;
		if (strcmp(name, "first_name") == 0) {
			for (unsigned k = 0; k < 3; k++) {
				const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, names[k]);
				if (f)
					order[n++] = (unsigned)(f - d->fields);
			}
		} else if (strcmp(name, "middle_name") != 0 && strcmp(name, "last_name") != 0) {
			order[n++] = i;
		}
	}
	return n;
}

/* The main section: the core fields, then the custom ones without a tab,
 * their labels lined up together. */
static void put_main_section(const Kart__Card *card, const Kart__CustomValue *const *custom, size_t ncustom,
			     Kart__FieldDef *const *defs, size_t ndefs)
{
	const ProtobufCMessageDescriptor *d = &kart__card__descriptor;
	const char *base = (const char *)card;
	size_t label_width = 0;
	unsigned order[64], n;

	if (d->n_fields > 64)
		return;
	n = card_order(d, order);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *label = card_label(&d->fields[i]);
		size_t len = text_utf8_chars(label, strlen(label));
		if (!card_field_hidden(&d->fields[i]) && !field_is_empty(&d->fields[i], base) && len > label_width)
			label_width = len;
	}
	label_width = widest_label(custom, ncustom, label_width);
	for (unsigned k = 0; k < n; k++) {
		const ProtobufCFieldDescriptor *f = &d->fields[order[k]];
		if (card_field_hidden(f) || field_is_empty(f, base))
			continue;
		put_label(card_label(f), label_width);
		put_card_field(f, base, label_width + 2);
		fputc('\n', stdout);
	}
	put_custom_lines(custom, ncustom, defs, ndefs, label_width);
}

int out_card_record(const Kart__Card *card, Kart__FieldDef *const *defs, size_t ndefs, const char *tab)
{
	const Kart__CustomValue **values = calloc(card->n_custom + 1, sizeof(*values));
	const char **tabs = calloc(ndefs + 1, sizeof(*tabs));
	size_t ntabs, n;
	bool printed;
	int rc = 0;

	if (!values || !tabs) {
		rc = out_error(KC_ERR_OTHER, "out of memory");
		goto cleanup;
	}
	ntabs = list_tabs(defs, ndefs, tabs);
	if (tab && !tab_is_main(tab)) {
		bool known = false;
		for (size_t k = 0; k < ntabs && !known; k++)
			known = strcmp(tabs[k], tab) == 0;
		if (!known) {
			char names[512] = "main";
			size_t used = strlen(names);
			for (size_t k = 0; k < ntabs && used < sizeof(names); k++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, ", %s", tabs[k]);
			rc = out_error(KC_ERR_NOT_FOUND, "no tab '%s' (tabs: %s)", tab, names);
			goto cleanup;
		}
	}
	printed = !tab || tab_is_main(tab);
	if (printed) {
		n = section_values(card, defs, ndefs, "", values);
		put_main_section(card, values, n, defs, ndefs);
	}
	for (size_t k = 0; k < ntabs; k++) {
		if (tab && strcmp(tab, tabs[k]) != 0)
			continue;
		n = section_values(card, defs, ndefs, tabs[k], values);
		if (n == 0)
			continue;
		if (!tab) {
			fputs(printed ? "\n[" : "[", stdout);
			out_chars(tabs[k], SIZE_MAX);
			fputs("]\n", stdout);
		}
		put_custom_lines(values, n, defs, ndefs, widest_label(values, n, 0));
		printed = true;
	}
cleanup:
	free(values);
	free(tabs);
	return rc;
}

/* Prints n messages (each a protobuf-c message: its base comes first) as
 * one JSON array. */
int out_json_array(void *const *items, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, out_json_of((const ProtobufCMessage *)items[i]));
	int rc = 0;
	if (!arr || put_json(arr, JSON_FLAGS_OBJECT) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot print the reply as JSON");
	else
		fputc('\n', stdout);
	json_decref(arr);
	return rc;
}
