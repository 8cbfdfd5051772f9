/* text: UTF-8 checks shared by the daemon's validation and the clients. No I/O. */
#ifndef KART_TEXT_H
#define KART_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, no NUL,
 * no C0 controls other than tab and newline). */
bool text_utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t text_utf8_chars(const char *s, size_t len);

/* Folds text for search and comparison: NFKC, Unicode case folding
 * (utf8proc), and ё/Ё -> е. "Пётр" and "ПЕТР" fold to the same "петр".
 * Returns a NUL-terminated string in the arena, or NULL if s is not valid
 * UTF-8 (or memory is out). */
char *text_fold(struct arena *a, const char *s);

/* Splits folded text into words: runs of letters and digits; everything else
 * (spaces, hyphens, quotes, «», punctuation) separates. Returns the number
 * of words; *out (in the arena) holds pointers to NUL-terminated copies. */
size_t text_words(struct arena *a, const char *folded, char ***out);

/* Normalizes a phone number as typed to E.164 ("+78461234567"). country is
 * an ISO 3166 code for numbers typed without one; "RU" (and "KZ") treat a
 * leading 8 in an 11-digit number as the trunk prefix and a 10-digit number
 * as national. Returns 0, or -1 if there are fewer than 8 or more than 15
 * digits, or characters a phone number does not have. out: at least 17 bytes. */
int text_phone_e164(const char *typed, const char *country, char *out, size_t outlen);

/* The digits of s, in order, NUL-terminated. Returns how many. */
size_t text_digits(const char *s, char *out, size_t outlen);

/* The first n characters of valid UTF-8 text s, on one line (newlines and
 * tabs as spaces), with "…" if it was cut; in the arena ("" if out of memory). */
const char *text_clip(struct arena *a, const char *s, size_t n);

enum text_kind { TEXT_NAME, TEXT_PHONE, TEXT_EMAIL };
/* What a search string is: an email if it has an '@' with text on both sides;
 * a phone if it is only digits and phone punctuation ("+ ( ) - . space")
 * with at least 5 digits; a name otherwise. */
enum text_kind text_classify(const char *s);

#endif
