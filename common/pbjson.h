/* pbjson: protobuf-c messages as JSON (jansson), driven by the descriptors, so
 * `kart --json` always prints the proto field names and never drifts from the
 * schema. Enum values are spelled as their name without the enum's prefix, in
 * lower case (GENDER_F -> "f"); 64-bit integers are JSON numbers. */
#ifndef KART_PBJSON_H
#define KART_PBJSON_H

#include <stddef.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* Returns a new reference. Fields at their zero value are left out unless
 * with_defaults is set. */
json_t *pbjson_from_message(const ProtobufCMessage *m, int with_defaults);
/* The short name of an enum value ("f" for GENDER_F); the number as text if
 * the value is not in the enum. */
const char *pbjson_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t n);
/* Parses a short or full enum name, case-insensitively. Returns 0 or -1. */
int pbjson_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value);

#endif
