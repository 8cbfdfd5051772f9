/* out: everything `kart` prints. One-line errors on stderr; on stdout, JSON
 * built by pbjson (so field names are the proto's), single cards as aligned
 * "field: value" records, and lists as tables or JSON arrays written page by
 * page as the server streams them. Table cells are measured in code points
 * (names are mostly Cyrillic) and cut with "…" when too long. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pbjson.h"
#include "text.h"
#include "util.h"

/* ---- errors ---- */

/* Prints s with control characters turned into spaces, so an error stays on
 * one line whatever the server put in it. */
static void put_one_line(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

int out_error(int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fputs("kart: ", stderr);
	put_one_line(stderr, msg);
	fputc('\n', stderr);
	return status ? status : KC_ERR_OTHER;
}

int out_kc_error(const struct kc_error *err)
{
	const char *msg = err->message[0] ? err->message : "request failed";

	fflush(stdout);
	fputs("kart: ", stderr);
	put_one_line(stderr, msg);
	if (err->field[0]) {
		fputs(" (field: ", stderr);
		put_one_line(stderr, err->field);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	return err->status ? err->status : KC_ERR_OTHER;
}

/* ---- JSON ---- */

#define JSON_FLAGS_OBJECT (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define JSON_FLAGS_ELEMENT (JSON_PRESERVE_ORDER)

int out_json_message(const ProtobufCMessage *m, const char *drop_key)
{
	json_t *j = pbjson_from_message(m, 0);
	int rc = 0;

	if (!j)
		return out_error(KC_ERR_OTHER, "out of memory");
	if (drop_key)
		json_object_del(j, drop_key);
	if (json_dumpf(j, stdout, JSON_FLAGS_OBJECT) < 0)
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
static void put_json_element(struct out_list *l, const ProtobufCMessage *m)
{
	json_t *j = pbjson_from_message(m, 0);

	fputs(l->count ? ",\n" : "[\n", stdout);
	if (j)
		json_dumpf(j, stdout, JSON_FLAGS_ELEMENT);
	json_decref(j);
	l->started = true;
	l->count++;
}

/* ---- tables ---- */

struct column {
	const char *title;
	size_t width;           /* in code points; 0: no limit (last column only) */
	bool number;            /* right-aligned, never cut */
};

static const struct column card_columns[] = {
	{ "ID", 6, true }, { "NAME", 32, false }, { "COMPANY", 22, false }, { "PHONE", 18, false },
	{ "CITY", 16, false }, { "SECTOR", 6, false }, { "OWNER", 16, false },
};

static const struct column user_columns[] = {
	{ "NAME", 24, false }, { "ROLE", 10, false }, { "CREATED", 19, false }, { "LOCKED", 6, false },
};

static const struct column audit_columns[] = {
	{ "SEQ", 7, true }, { "TIME", 19, false }, { "USER", 16, false }, { "ACTION", 24, false },
	{ "OBJECT", 24, false }, { "SUMMARY", 0, false },
};

#define N_CARD_COLUMNS (sizeof(card_columns) / sizeof(card_columns[0]))
#define N_USER_COLUMNS (sizeof(user_columns) / sizeof(user_columns[0]))
#define N_AUDIT_COLUMNS (sizeof(audit_columns) / sizeof(audit_columns[0]))

static void put_spaces(size_t n)
{
	while (n-- > 0)
		fputc(' ', stdout);
}

/* Prints the first max_chars code points of s, control characters as spaces. */
static void put_chars(const char *s, size_t max_chars)
{
	size_t chars = 0;

	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		if ((b & 0xc0) != 0x80 && chars++ == max_chars)
			break;
		fputc(b < 0x20 || b == 0x7f ? ' ' : b, stdout);
	}
}

/* One cell, preceded by the column gap; the last cell is not padded. */
static void put_cell(const struct column *col, const char *s, bool first, bool last)
{
	size_t chars = text_utf8_chars(s, strlen(s));

	if (!first)
		fputs("  ", stdout);
	if (col->number) {
		if (chars < col->width)
			put_spaces(col->width - chars);
		put_chars(s, chars);
		return;
	}
	if (col->width && chars > col->width) {
		put_chars(s, col->width - 1);
		fputs("…", stdout);
		return;
	}
	put_chars(s, chars);
	if (!last && col->width > chars)
		put_spaces(col->width - chars);
}

/* Empty cells at the end of a row are left out, so no line ends in blanks. */
static void put_row(const struct column *cols, size_t ncols, const char *const *cells)
{
	size_t end = ncols;

	while (end > 1 && !*cells[end - 1])
		end--;
	for (size_t i = 0; i < end; i++)
		put_cell(&cols[i], cells[i], i == 0, i + 1 == end);
	fputc('\n', stdout);
}

static void put_header(const struct column *cols, size_t ncols)
{
	const char *titles[8];

	for (size_t i = 0; i < ncols && i < 8; i++)
		titles[i] = cols[i].title;
	put_row(cols, ncols, titles);
}

/* Prints the table header before the first row. */
static void start_table(struct out_list *l)
{
	if (l->started)
		return;
	l->started = true;
	switch (l->kind) {
	case OUT_LIST_CARDS:
		put_header(card_columns, N_CARD_COLUMNS);
		break;
	case OUT_LIST_USERS:
		put_header(user_columns, N_USER_COLUMNS);
		break;
	case OUT_LIST_AUDIT:
		put_header(audit_columns, N_AUDIT_COLUMNS);
		break;
	}
}

static const char *enum_short(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n)
{
	if (value == 0) {
		buf[0] = '\0';
		return buf;
	}
	return pbjson_enum_name(d, value, buf, n);
}

const char *out_role_name(Kart__Role role, char *buf, size_t n)
{
	return enum_short(&kart__role__descriptor, (int)role, buf, n);
}

static void format_time_or_empty(int64_t secs, char *buf, size_t n)
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

void out_list_card(struct out_list *l, const Kart__Card *card)
{
	char id[24], name[1024], sector[32];
	const char *cells[N_CARD_COLUMNS];
	const char *parts[3] = { card->last_name, card->first_name, card->middle_name };
	size_t used = 0;

	if (l->json) {
		put_json_element(l, &card->base);
		return;
	}
	start_table(l);
	snprintf(id, sizeof(id), "%" PRIu64, card->id);
	name[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i] || used >= sizeof(name))
			continue;
		used += (size_t)snprintf(name + used, sizeof(name) - used, "%s%s", used ? " " : "", parts[i]);
	}
	cells[0] = id;
	cells[1] = name;
	cells[2] = card->company ? card->company : "";
	cells[3] = card->n_phones ? card->phones[0] : "";
	cells[4] = card->city ? card->city : "";
	cells[5] = enum_short(&kart__sector__descriptor, (int)card->sector, sector, sizeof(sector));
	cells[6] = card->owner ? card->owner : "";
	put_row(card_columns, N_CARD_COLUMNS, cells);
	l->count++;
}

void out_list_user(struct out_list *l, const Kart__User *user)
{
	char role[32], created[32];
	const char *cells[N_USER_COLUMNS];

	if (l->json) {
		put_json_element(l, &user->base);
		return;
	}
	start_table(l);
	format_time_or_empty(user->created_at, created, sizeof(created));
	cells[0] = user->name ? user->name : "";
	cells[1] = out_role_name(user->role, role, sizeof(role));
	cells[2] = created;
	cells[3] = user->locked ? "yes" : "no";
	put_row(user_columns, N_USER_COLUMNS, cells);
	l->count++;
}

void out_list_event(struct out_list *l, const Kart__AuditEvent *ev)
{
	char seq[24], when[32], action[256], object[512];
	const char *cells[N_AUDIT_COLUMNS];
	const char *kind = ev->object ? ev->object : "";

	if (l->json) {
		put_json_element(l, &ev->base);
		return;
	}
	start_table(l);
	snprintf(seq, sizeof(seq), "%" PRIu64, ev->seq);
	format_time_or_empty(ev->time / 1000000, when, sizeof(when));
	snprintf(action, sizeof(action), "%s%s", ev->action ? ev->action : "", ev->ok ? "" : " (refused)");
	if (ev->object_id)
		snprintf(object, sizeof(object), "%s#%" PRIu64, kind, ev->object_id);
	else if (ev->object_name && *ev->object_name)
		snprintf(object, sizeof(object), "%s:%s", kind, ev->object_name);
	else
		snprintf(object, sizeof(object), "%s", kind);
	cells[0] = seq;
	cells[1] = when;
	cells[2] = ev->user ? ev->user : "";
	cells[3] = action;
	cells[4] = object;
	cells[5] = ev->summary ? ev->summary : "";
	put_row(audit_columns, N_AUDIT_COLUMNS, cells);
	l->count++;
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
		start_table(l);
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
	case PROTOBUF_C_TYPE_ENUM:
		return *(const int *)p == 0;
	default:
		return false;
	}
}

/* Prints a value; lines after the first are indented to the value column. */
static void put_value(const char *s, size_t indent)
{
	for (; *s; s++) {
		unsigned char b = (unsigned char)*s;
		if (b == '\n') {
			fputc('\n', stdout);
			put_spaces(indent);
		} else {
			fputc(b < 0x20 || b == 0x7f ? ' ' : b, stdout);
		}
	}
}

static void put_card_field(const ProtobufCFieldDescriptor *f, const char *base, size_t indent)
{
	const void *p = base + f->offset;
	char buf[64];

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputs(", ", stdout);
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				put_value((*(char *const *const *)p)[i], indent);
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
	case PROTOBUF_C_TYPE_INT64: /* every int64 in a Card is a time in unix seconds */
		util_format_time(*(const int64_t *)p, buf, sizeof(buf));
		fputs(buf, stdout);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		fputs(pbjson_enum_name(f->descriptor, *(const int *)p, buf, sizeof(buf)), stdout);
		break;
	default:
		break;
	}
}

void out_card_record(const Kart__Card *card)
{
	const ProtobufCMessageDescriptor *d = &kart__card__descriptor;
	const char *base = (const char *)card;
	size_t label_width = 0;

	for (unsigned i = 0; i < d->n_fields; i++) {
		size_t len = strlen(d->fields[i].name);
		if (!field_is_empty(&d->fields[i], base) && len > label_width)
			label_width = len;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (field_is_empty(f, base))
			continue;
		printf("%s:", f->name);
		put_spaces(label_width - strlen(f->name) + 1);
		put_card_field(f, base, label_width + 2);
		fputc('\n', stdout);
	}
}
