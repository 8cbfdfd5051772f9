#include "pbjson.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

static json_t *scalar(const ProtobufCFieldDescriptor *f, const void *p)
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
		return m ? pbjson_from_message(m, 0) : json_null();
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

json_t *pbjson_from_message(const ProtobufCMessage *m, int with_defaults)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object();
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;
		const void *p = base + f->offset;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
			if (which != f->id)
				continue;
			json_object_set_new(o, f->name, scalar(f, p));
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(const char *const *)p;
			if (n == 0 && !with_defaults)
				continue;
			json_t *a = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(a, scalar(f, arr + k * elem_size(f->type)));
			json_object_set_new(o, f->name, a);
			continue;
		}
		if (!with_defaults && is_zero(f, p))
			continue;
		json_object_set_new(o, f->name, scalar(f, p));
	}
	return o;
}
