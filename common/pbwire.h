/* pbwire: the protobuf wire format read directly, for what protobuf-c does
 * not offer: dropping fields from a stored message before it is decoded, so
 * a list that shows a card's contact fields does not decode (nor allocate)
 * its custom values, relatives and notes. */
#ifndef KART_PBWIRE_H
#define KART_PBWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the message in[0..n) to out (room for n bytes) without the fields
 * whose numbers are in drop[0..ndrop), at the top level only. Returns the
 * bytes written, or SIZE_MAX if in is not well-formed wire format. */
size_t pbwire_drop(const uint8_t *in, size_t n, const uint32_t *drop, size_t ndrop, uint8_t *out);
/* The same keeping only the top-level fields whose numbers are in keep:
 * a pass over many messages that needs a few of their fields. */
size_t pbwire_keep(const uint8_t *in, size_t n, const uint32_t *keep, size_t nkeep, uint8_t *out);

/* The last value of varint field `field` at the top level of in[0..n), as a
 * decoder would keep it; the scan stops at the first malformed byte. Returns
 * true if the field was seen (*v set). For answering a message that could
 * not be decoded with its own request id. */
bool pbwire_find_varint(const uint8_t *in, size_t n, uint32_t field, uint64_t *v);

/* A varint at p (at most n bytes): its length, 0 if malformed. */
size_t pbwire_varint_get(const uint8_t *p, size_t n, uint64_t *v);

/* Writing: a varint's length, and the varint written at p (returns the byte
 * after it); a length-delimited field (tag, length, bytes) likewise. */
size_t pbwire_varint_len(uint64_t v);
uint8_t *pbwire_varint_put(uint8_t *p, uint64_t v);
size_t pbwire_bytes_len(uint32_t field, size_t n);
uint8_t *pbwire_bytes_put(uint8_t *p, uint32_t field, const void *bytes, size_t n);

/* The last value of length-delimited field `field` at the top level of
 * in[0..n) (*v, *len: inside in), as a decoder would keep it; the scan stops
 * at the first malformed byte. Returns true if the field was seen. */
bool pbwire_find_bytes(const uint8_t *in, size_t n, uint32_t field, const uint8_t **v, size_t *len);

/* Copies the message in[0..n) to out with varint field `sub` of each
 * submessage of field `field` (top level) set to what value() returns for
 * that submessage's bytes: a `sub` already there is dropped, and a 0 is left
 * out, as a proto3 encoder leaves a default out. Returns the bytes written
 * (with out NULL: the bytes it would write, value() called the same way),
 * or SIZE_MAX if in or one of those submessages is not well-formed. For
 * sending a stored message as it is but for a field the server sets on the
 * way out (a card's custom values, marked with their types). */
size_t pbwire_set_sub_varint(const uint8_t *in, size_t n, uint32_t field, uint32_t sub,
			     uint64_t (*value)(void *ud, const uint8_t *msg, size_t len), void *ud, uint8_t *out);

#endif
