#include "pbjson.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

/* Upper-snake prefix of an enum type: "ErrorCode" -> "ERROR_CODE_". */
static void enum_prefix(const ProtobufCEnumDescriptor *d, char *out, size_t n)
{
	size_t j = 0;
	for (const char *p = d->short_name; *p && j + 3 < n; p++) {
		if (isupper((unsigned char)*p) && p != d->short_name)
			out[j++] = '_';
		out[j++] = (char)toupper((unsigned char)*p);
	}
	out[j++] = '_';
	out[j] = '\0';
}

const char *pbjson_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	if (!v) {
		snprintf(buf, n, "%d", value);
		return buf;
	}
	char prefix[64];
	enum_prefix(d, prefix, sizeof(prefix));
	size_t pl = strlen(prefix);
	const char *name = v->name;
	bool strip = strncmp(name, prefix, pl) == 0;
	if (strip)
		name += pl;
	size_t i = 0;
	for (; name[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

int pbjson_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value)
{
	char buf[64];
	for (unsigned i = 0; i < d->n_values; i++) {
		const ProtobufCEnumValue *v = &d->values[i];
		if (strcasecmp(text, v->name) == 0 ||
		    strcasecmp(text, pbjson_enum_name(d, v->value, buf, sizeof(buf))) == 0) {
			*value = v->value;
			return 0;
		}
	}
	return -1;
}

static json_t *message_json(const ProtobufCMessage *m, const struct pbjson_style *st);

/* Fields in unix microseconds; every other instant is in seconds. */
static const struct {
	const char *message, *field;
} micro_fields[] = {
	{ "kart.AuditEvent", "time" },
	{ "kart.ReadRecord", "time" },
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

int pbjson_instant_unit(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	if (f->type != PROTOBUF_C_TYPE_INT64 || f->label == PROTOBUF_C_LABEL_REPEATED)
		return 0;
	const char *n = f->name;
	if (!(strcmp(n, "time") == 0 || strcmp(n, "at") == 0 || strcmp(n, "since") == 0 ||
	      strcmp(n, "until") == 0 || strcmp(n, "not_after") == 0 || ends_with(n, "_at") ||
	      ends_with(n, "_until") || ends_with(n, "_since") || ends_with(n, "_time")))
		return 0;
	for (size_t i = 0; i < sizeof(micro_fields) / sizeof(micro_fields[0]); i++)
		if (strcmp(d->name, micro_fields[i].message) == 0 && strcmp(n, micro_fields[i].field) == 0)
			return 1000000;
	return 1;
}

bool pbjson_is_money(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_INT64 && f->label != PROTOBUF_C_LABEL_REPEATED &&
	       (strcmp(f->name, "amount") == 0 || ends_with(f->name, "_amount") ||
		strncmp(f->name, "total_", 6) == 0);
}

const char *pbjson_format_instant(int64_t v, int unit, char *buf, size_t n)
{
	time_t secs = (time_t)(v / unit);
	long frac = (long)(v % unit);
	struct tm tm;
	char date[40], zone[8];

	if (frac < 0) {
		frac += unit;
		secs--;
	}
	if (!localtime_r(&secs, &tm) || strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		snprintf(buf, n, "%lld", (long long)v);
		return buf;
	}
	if (unit == 1000000 && frac)
		snprintf(buf, n, "%s.%06ld%.3s:%s", date, frac, zone, zone + 3);
	else
		snprintf(buf, n, "%s%.3s:%s", date, zone, zone + 3);
	return buf;
}

const char *pbjson_format_money(int64_t minor, char *buf, size_t n)
{
	uint64_t v = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	snprintf(buf, n, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(v / 100),
		 (unsigned long long)(v % 100));
	return buf;
}

/* A scalar as the style asks: instants and money as text. */
static json_t *styled(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f, const void *p,
		      const struct pbjson_style *st)
{
	char buf[64];
	int unit;

	if (st && st->instants && (unit = pbjson_instant_unit(d, f)) != 0) {
		int64_t v = *(const int64_t *)p;
		return v ? json_string(pbjson_format_instant(v, unit, buf, sizeof(buf))) : json_null();
	}
	if (st && st->money && pbjson_is_money(f))
		return json_string(pbjson_format_money(*(const int64_t *)p, buf, sizeof(buf)));
	return NULL;
}

static json_t *scalar(const ProtobufCFieldDescriptor *f, const void *p, const struct pbjson_style *st)
{
	char buf[64];
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)p);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)p);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)p);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		return json_string(pbjson_enum_name(f->descriptor, *(const int *)p, buf, sizeof(buf)));
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return json_string(s ? s : "");
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		json_t *a = json_array();
		for (size_t i = 0; i < b->len; i++)
			json_array_append_new(a, json_integer(b->data[i]));
		return a;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
		return m ? message_json(m, st) : json_null();
	}
	}
	return json_null();
}

static bool is_zero(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
		return *(const uint32_t *)p == 0;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(ProtobufCMessage *const *)p == NULL;
	}
	return true;
}

static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; the
 * length of the number at s, 0 if there is none. */
static size_t json_number_len(const char *s)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'e' || *p == 'E') {
		const char *e = p + 1;
		if (*e == '+' || *e == '-')
			e++;
		if (!(*e >= '0' && *e <= '9'))
			return 0;
		while (*e >= '0' && *e <= '9')
			e++;
		p = e;
	}
	return (size_t)(p - s);
}

/* The mark of a raw number: \x01, 16 random hex digits, '#'; as jansson
 * dumps it, "\u0001" and the rest. Drawn once (the clients are one thread). */
enum { RAW_NONCE = 16 };
static char raw_mark[1 + RAW_NONCE + 2];

static const char *raw_nonce(void)
{
	if (!raw_mark[0]) {
		uint8_t b[RAW_NONCE / 2];
		char hex[RAW_NONCE + 1];
		if (util_random(b, sizeof(b)) < 0)
			return NULL;
		util_hex(b, sizeof(b), hex);
		snprintf(raw_mark, sizeof(raw_mark), "\x01%s#", hex);
	}
	return raw_mark;
}

/* A typed value (pbjson.h, typed_values): NULL when it stays a string. */
static json_t *typed_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *value)
{
	if (strcmp(f->name, "value") != 0 || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED ||
	    !value)
		return NULL;
	const ProtobufCFieldDescriptor *t = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "type");
	if (!t || t->type != PROTOBUF_C_TYPE_ENUM || t->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	char buf[32];
	const char *type = pbjson_enum_name(t->descriptor, *(const int *)((const char *)m + t->offset), buf, sizeof(buf));
	if (strcmp(type, "bool") == 0 && (strcmp(value, "true") == 0 || strcmp(value, "false") == 0))
		return json_boolean(value[0] == 't');
	return strcmp(type, "number") == 0 ? pbjson_raw_number(value) : NULL;
}

json_t *pbjson_raw_number(const char *value)
{
	const char *mark = raw_nonce();
	if (!mark || !*value || json_number_len(value) != strlen(value))
		return NULL;
	char *raw = malloc(strlen(mark) + strlen(value) + 1);
	if (!raw)
		return NULL;
	strcpy(raw, mark);
	strcat(raw, value);
	json_t *j = json_string(raw);
	free(raw);
	return j;
}

size_t pbjson_unquote_raw(char *text)
{
	size_t n = strlen(text), w = 0;
	if (!raw_mark[0]) /* nothing was marked */
		return n;
	char mark[sizeof(raw_mark) + 8];
	size_t ml = (size_t)snprintf(mark, sizeof(mark), "\"\\u0001%s", raw_mark + 1);
	for (size_t i = 0; i < n;) {
		/* a string opening where a value goes: after ':', ',' or '[' (and blanks) */
		if (strncmp(text + i, mark, ml) == 0) {
			size_t k = w;
			while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\n' || text[k - 1] == '\t'))
				k--;
			size_t num = json_number_len(text + i + ml);
			if (k > 0 && (text[k - 1] == ':' || text[k - 1] == ',' || text[k - 1] == '[') && num &&
			    text[i + ml + num] == '"') {
				memmove(text + w, text + i + ml, num);
				w += num;
				i += ml + num + 1;
				continue;
			}
		}
		text[w++] = text[i++];
	}
	text[w] = '\0';
	return w;
}

static json_t *message_json(const ProtobufCMessage *m, const struct pbjson_style *st)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool all = st && st->all_fields;
	json_t *o = json_object();
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		const void *p = base + f->offset;
		json_t *v;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
			if (which != f->id)
				continue;
			json_object_set_new(o, f->name, scalar(f, p, st));
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(const char *const *)p;
			if (n == 0 && !all)
				continue;
			json_t *a = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(a, scalar(f, arr + k * elem_size(f->type), st));
			json_object_set_new(o, f->name, a);
			continue;
		}
		if (!all && is_zero(f, p))
			continue;
		v = styled(d, f, p, st);
		if (!v && st && st->typed_values && f->type == PROTOBUF_C_TYPE_STRING)
			v = typed_value(m, f, *(char *const *)p);
		json_object_set_new(o, f->name, v ? v : scalar(f, p, st));
	}
	return o;
}

json_t *pbjson_from_message_style(const ProtobufCMessage *m, const struct pbjson_style *st)
{
	return message_json(m, st);
}

json_t *pbjson_from_message(const ProtobufCMessage *m, int with_defaults)
{
	struct pbjson_style st = { .all_fields = with_defaults != 0 };
	return message_json(m, &st);
}
