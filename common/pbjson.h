/* pbjson: protobuf-c messages as JSON (jansson), driven by the descriptors, so
 * `kart --json` always prints the proto field names and never drifts from the
 * schema. Enum values are spelled as their name without the enum's prefix, in
 * lower case (GENDER_F -> "f"); 64-bit integers are JSON numbers. */
#ifndef KART_PBJSON_H
#define KART_PBJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Returns a new reference. Fields at their zero value are left out unless
 * with_defaults is set. */
json_t *pbjson_from_message(const ProtobufCMessage *m, int with_defaults);
/* How a client prints messages for scripts (kart --json):
 * - all_fields: every scalar and list, zero values included (false, 0, "",
 *   [], null for an absent sub-message);
 * - instants: int64 fields that are instants, by their name (time, at, since,
 *   until, not_after, or ending in _at, _until, _since, _time), as RFC 3339
 *   text in the local time zone with its offset ("2026-12-05T23:59:00+03:00"),
 *   null when 0. They are unix seconds on the wire, except those listed in
 *   pbjson.c as microseconds (AuditEvent.time, ReadRecord.time), which keep
 *   their fraction;
 * - money: int64 fields named amount, ending in _amount or starting with
 *   total_ (minor units on the wire) as decimal text "1234.50", which a filter
 *   and --amount read as the same amount.
 * - typed_values: a message with a string `value` and a FieldType `type`
 *   (CustomValue) prints its value by the type: a number as a JSON number,
 *   its exact text (no float in between), a yes/no as true/false, anything
 *   else (text, dates, a masked "***", an unknown type) as a string. jansson
 *   has no raw numbers: such a number is held as a string that starts with
 *   a mark (a control character and a random nonce drawn once per process,
 *   so no text from a server can forge it), which pbjson_unquote_raw turns
 *   into the bare number in the dumped text; a printer using this style must
 *   call it.
 * A new field named by these rules is printed by them without more code. */
struct pbjson_style {
	bool all_fields;
	bool instants;
	bool money;
	bool typed_values;
};

/* Turns every marked string value of dumped JSON text (typed_values), in
 * place, into its bare number (JSON number grammar only; anything else is
 * left). Returns the new length. */
size_t pbjson_unquote_raw(char *text);
/* value (JSON number grammar) as a marked string that pbjson_unquote_raw
 * prints as the bare number; NULL when it is not a number (or no memory). */
json_t *pbjson_raw_number(const char *value);

json_t *pbjson_from_message_style(const ProtobufCMessage *m, const struct pbjson_style *st);
/* 0: not an instant; 1: unix seconds; 1000000: unix microseconds. */
int pbjson_instant_unit(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);
bool pbjson_is_money(const ProtobufCFieldDescriptor *f);
/* An instant (v in 1/unit seconds) as RFC 3339 in the local time zone. */
const char *pbjson_format_instant(int64_t v, int unit, char *buf, size_t n);
/* Minor units as "1234.50", "-0.05". */
const char *pbjson_format_money(int64_t minor, char *buf, size_t n);
/* The short name of an enum value ("f" for GENDER_F); the number as text if
 * the value is not in the enum. */
const char *pbjson_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n);
/* Parses a short or full enum name, case-insensitively. Returns 0 or -1. */
int pbjson_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value);

#endif
