/* layout: text measured in terminal cells for kart-tui. Widths come from
 * utf8proc (Cyrillic 1, CJK and emoji 2, combining marks 0), summed over a
 * grapheme's code points as curses sums them; text is cut only between
 * graphemes and marked with "…". Phones formatted for reading.
 * No curses here, so it is unit-tested on its own. */
#ifndef KART_TUI_LAYOUT_H
#define KART_TUI_LAYOUT_H

#include <stddef.h>

/* Cells the valid UTF-8 text s takes on a terminal (invalid bytes: 1 each). */
size_t tui_width(const char *s);
/* s cut to at most cells display cells, "…" ending it when it was cut (the
 * "…" counts as one cell), into out (always terminated when outlen > 0).
 * Returns the cells the result takes. */
size_t tui_fit(char *out, size_t outlen, const char *s, size_t cells);
/* s cut between graphemes to fit n bytes, "…" ending it when it was cut,
 * into buf (n > 0); returns buf. For the parts of a row put together with
 * snprintf, where "%.300s" could cut a character in two. */
const char *tui_clip(char *buf, size_t n, const char *s);
/* tui_fit, then spaces up to exactly cells cells. */
size_t tui_pad(char *out, size_t outlen, const char *s, size_t cells);
/* The end of s that fits in cells, after a "…" when s was cut at its start
 * (between graphemes), into out (always terminated when outlen > 0): the
 * text being typed stays in sight. Returns the cells the result takes. */
size_t tui_tail(char *out, size_t outlen, const char *s, size_t cells);
/* A phone for reading: "+79171234567" -> "+7 917 123-45-67"; a Russian or
 * Kazakh number (+7 and ten digits) only, anything after it (an extension)
 * kept after a space; any other text is copied as it is. */
void tui_phone_read(const char *phone, char *out, size_t outlen);

#endif
