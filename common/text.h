/* text: UTF-8 checks shared by the daemon's validation and the clients. No I/O. */
#ifndef KART_TEXT_H
#define KART_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Normalizes a phone number as typed to E.164 ("+78461234567"); an
 * extension after it (text_phone_ext) is left out. country is
 * an ISO 3166 code for numbers typed without one; "RU" (and "KZ") treat a
 * leading 8 in an 11-digit number as the trunk prefix and a 10-digit number
 * as national. Returns 0, or -1 if there are fewer than 8 or more than 15
 * digits, or characters a phone number does not have. out: at least 17 bytes. */
int text_phone_e164(const char *typed, const char *country, char *out, size_t outlen);

/* The start of an E.164 number (its digits, without '+') that a phone typed
 * in part stands for, so numbers can be found by how they begin, as a phone
 * is typed digit by digit. With a '+' or "00" the digits are international
 * as typed; else, for country (as text_phone_e164), a trunk prefix stands for
 * the calling code ("8 917 12" in "RU" is "791712"), digits starting with
 * the calling code are taken as international ("7917 12" is "791712"), and
 * any other digits as the start of a national number ("917 12" is
 * "791712"); with an unknown country the digits as typed. Any of
 * "+ ( ) - ." and spaces may come between the digits. Returns the number of
 * digits written to out (NUL-terminated), or -1 if there are none, more than
 * 15, or characters a phone number does not have (an extension among them:
 * a number with one is whole), or out is too small. */
int text_phone_prefix(const char *typed, const char *country, char *out, size_t outlen);

/* A phone's extension, as people write it after the number: "доб. 123",
 * "доб 123", "ext. 123", "ext 123", "x123", "#123" (case aside, with or
 * without spaces and a comma before it). Returns the length of the number
 * before it (trailing spaces and a comma dropped) and sets *ext and *ext_len to
 * its digits (1 to 10 of them); with no extension, strlen(typed) and
 * *ext_len 0. Something that only looks like a marker ("x" without digits)
 * is not taken as one. */
size_t text_phone_ext(const char *typed, const char **ext, size_t *ext_len);

/* ---- numbers and yes/no as people type them ----
 *
 * One parser for every decimal a person types: amounts (--amount, 2
 * decimals), custom number fields (4) and numbers in filters. An optional
 * sign, digits grouped by thousands or not ("1 500", also with the no-break
 * spaces U+00A0 and U+202F a spreadsheet copies: the first group of 1 to 3
 * digits, every later one of exactly 3), then '.' or ',' and decimals.
 * Decimals past what is kept are allowed only as zeros. A comma followed by
 * exactly three digits ("1,500") is refused: thousands or decimals, it
 * cannot tell. Spaces and tabs around are ignored. */
enum text_num {
	TEXT_NUM_OK = 0,
	TEXT_NUM_BAD = -1,           /* not a number */
	TEXT_NUM_DECIMALS = -2,      /* more decimals than kept */
	TEXT_NUM_RANGE = -3,         /* too large for int64 */
};
/* Parses s into *out = value * 10^decimals (decimals 0..18). On failure a
 * short reason ("misplaced thousands separator", ...) goes into *why when why
 * is not NULL. */
enum text_num text_parse_decimal(const char *s, int decimals, int64_t *out, const char **why);

/* yes/no as cards and filters take it: true, yes, on, 1, да and false, no,
 * off, 0, нет (either case). Returns false for anything else, "" included. */
bool text_parse_bool(const char *s, bool *out);

/* The digits of s, in order, NUL-terminated. Returns how many. */
size_t text_digits(const char *s, char *out, size_t outlen);

/* The first n characters of valid UTF-8 text s, on one line (newlines and
 * tabs as spaces), with "…" if it was cut; in the arena ("" if out of memory). */
const char *text_clip(struct arena *a, const char *s, size_t n);

/* ---- controls: what a terminal acts on instead of showing ----
 *
 * C0 controls and DEL (an escape sequence starts with ESC), C1 controls
 * (U+0080..U+009F, among them CSI and OSC, which some terminals obey in
 * UTF-8), the bidirectional formatting characters (U+202A..U+202E,
 * U+2066..U+2069, the marks U+200E, U+200F and U+061C: they reorder what
 * follows, so a name can read backwards or a command can hide) and the line
 * and paragraph separators U+2028/U+2029. The daemon refuses them in stored
 * text (text_find_control); clients show them visibly (text_visible), so
 * text stored before the rule cannot act on a terminal either. */
bool text_is_control(uint32_t cp);
/* A short name for messages: "escape", "carriage return",
 * "right-to-left override", "C1 control". */
const char *text_control_name(uint32_t cp);
/* The first control in s[0..len) that text of this kind may not hold (with
 * lines: newlines and tabs are allowed, as in notes): its position counted
 * in characters from 1, its code point in *cp; 0 if there is none. A byte
 * that is not UTF-8 counts as one position and is passed over (a validity
 * check refuses those), so a control after one is still found. */
size_t text_find_control(const char *s, size_t len, bool lines, uint32_t *cp);

/* s as a terminal should show it, into out (outlen bytes, always
 * terminated if outlen > 0): C0 controls and DEL as ^X (ESC as ^[, DEL as
 * ^?), the other controls as <U+XXXX>, bytes that are not UTF-8 as \xNN.
 * Tabs become spaces, and so do newlines unless TEXT_SHOW_LINES keeps them.
 * Returns the length of the whole result, as snprintf does. */
#define TEXT_SHOW_LINES 1u
size_t text_visible(char *out, size_t outlen, const char *s, unsigned flags);
/* JSON text as an encoder wrote it, with the controls that an encoder leaves
 * raw in strings (DEL, C1, bidirectional formatting, U+2028/2029) turned
 * into \uXXXX escapes: the same JSON value, safe on a terminal. Same
 * contract as text_visible. Outside strings JSON holds no such character. */
size_t text_json_visible(char *out, size_t outlen, const char *json);

/* How much of s[0..len), a piece of a longer text arriving in pieces, can
 * be shown now: all but a character cut short at the end, or a final CR whose
 * LF may come next (text_visible shows a CR of its own as ^M). */
size_t text_piece_end(const char *s, size_t len);

/* Damerau-Levenshtein distance (optimal string alignment: insertions,
 * deletions, substitutions and swaps of neighbours, each 1) between a and b,
 * in code points, case-sensitive. Texts over 64 code points count as far. */
size_t text_distance(const char *a, const char *b);
/* The candidate nearest to word, or NULL when none is near enough to be a
 * typo of it: at most 1 edit for a word of up to 4 code points, 2 for up to 8,
 * else 3, and always fewer edits than half the word's length, rounded up.
 * Ties go to the first candidate. */
const char *text_nearest(const char *word, const char *const *candidates, size_t n);

/* A count and its English noun: "1 card", "2 cards", "0 cards" (plural
 * NULL: singular + "s"). Every message that prints a count uses this. Returns
 * buf. */
const char *text_count(char *buf, size_t size, uint64_t n, const char *singular, const char *plural);
#define TEXT_COUNT(buf, n, singular) text_count((buf), sizeof(buf), (n), (singular), NULL)

enum text_kind { TEXT_NAME, TEXT_PHONE, TEXT_EMAIL };
/* What a search string is: an email if it has an '@' with text on both sides;
 * a phone if it is only digits and phone punctuation ("+ ( ) - . space")
 * with at least TEXT_PHONE_PREFIX_MIN digits, and perhaps an extension; a
 * name otherwise. Four digits are where a phone typed digit by digit starts
 * to be searched by its beginning ("8 91" is still a name search). */
#define TEXT_PHONE_PREFIX_MIN 4
enum text_kind text_classify(const char *s);

/* Whether a CSV cell starts like a formula a spreadsheet would run (= + - @
 * tab CR) and is not a phone number or a list of them (only digits, spaces
 * and ()-+.,): such a cell is written prefixed with ' (exports, reports). */
bool text_csv_formula(const char *s);

#endif
