/* text: UTF-8 checks shared by the daemon's validation and the clients. No I/O. */
#ifndef KART_TEXT_H
#define KART_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, no NUL,
 * no C0 controls other than tab and newline). */
bool text_utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t text_utf8_chars(const char *s, size_t len);

#endif
