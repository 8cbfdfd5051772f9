/* mark: which bytes of a row's text the query matched, for kart-tui to
 * highlight them: the query's words at the starts of words of a name (as
 * the server's name search matches them: case and ё/е aside), or the
 * trailing digits of a phone that a phone query gave. No curses here, so it
 * is unit-tested on its own. */
#ifndef KART_TUI_MARK_H
#define KART_TUI_MARK_H

#include <stdbool.h>
#include <stddef.h>

/* Sets mark[i] for every byte i of s (n bytes of mark, n >= strlen(s)) in
 * a word of s that starts with one of query's words, over the length of
 * that query word. Leaves the other marks as they are. */
void tui_mark_words(const char *s, const char *query, bool *mark, size_t n);
/* Sets mark[i] for the digits of s that the phone query's digits (given
 * as digits only: "79171234567" for "8 917 123-45-67", or the last 7+
 * digits typed) end with, when the digits of s end with them. */
void tui_mark_digits(const char *s, const char *digits, bool *mark, size_t n);
/* The same for a number's start ("791712" for "8 917 12"): the first digits
 * of s, when they are those. */
void tui_mark_digit_start(const char *s, const char *start, bool *mark, size_t n);

#endif
