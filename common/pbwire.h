/* pbwire: the protobuf wire format read directly, for what protobuf-c does
 * not offer: dropping fields from a stored message before it is decoded, so
 * a list that shows a card's contact fields does not decode (nor allocate)
 * its custom values, relatives and notes. */
#ifndef KART_PBWIRE_H
#define KART_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

/* Copies the message in[0..n) to out (room for n bytes) without the fields
 * whose numbers are in drop[0..ndrop), at the top level only. Returns the
 * bytes written, or SIZE_MAX if in is not well-formed wire format. */
size_t pbwire_drop(const uint8_t *in, size_t n, const uint32_t *drop, size_t ndrop, uint8_t *out);

#endif
