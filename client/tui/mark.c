/* mark: the parts of a row a query matched. */
#include "mark.h"

#include <string.h>

#include <utf8proc.h>

/* Lower case, and ё as е: how a name is compared. */
static utf8proc_int32_t fold(utf8proc_int32_t cp)
{
	cp = utf8proc_tolower(cp);
	return cp == 0x451 ? 0x435 : cp;
}

static bool is_word_cp(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_MN) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO) || c == UTF8PROC_CATEGORY_MC;
}

/* The next code point of s at *off (advanced); -1 at the end or on a byte
 * that is not UTF-8 (skipped). */
static utf8proc_int32_t next_cp(const char *s, size_t *off)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	if (!s[*off])
		return -1;
	k = utf8proc_iterate((const utf8proc_uint8_t *)s + *off, -1, &cp);
	if (k <= 0) {
		(*off)++;
		return -1;
	}
	*off += (size_t)k;
	return cp;
}

/* The bytes of s from at that word (wlen bytes) is a prefix of, folded; 0
 * when it is not. */
static size_t prefix_len(const char *s, size_t at, const char *word, size_t wlen)
{
	size_t si = at, wi = 0;

	while (wi < wlen) {
		utf8proc_int32_t a = next_cp(s, &si), b = next_cp(word, &wi);
		if (a < 0 || b < 0 || fold(a) != fold(b))
			return 0;
	}
	return si - at;
}

/* Marks the words of s that start with word (wlen bytes). */
static void mark_word(const char *s, const char *word, size_t wlen, bool *mark, size_t n)
{
	size_t off = 0;
	bool in_word = false;

	while (s[off]) {
		size_t at = off;
		utf8proc_int32_t cp = next_cp(s, &off);
		bool w = cp >= 0 && is_word_cp(cp);
		if (w && !in_word) {
			size_t k = prefix_len(s, at, word, wlen);
			for (size_t i = at; i < at + k && i < n; i++)
				mark[i] = true;
		}
		in_word = w;
	}
}

void tui_mark_words(const char *s, const char *query, bool *mark, size_t n)
{
	size_t off = 0;

	while (query[off]) {
		size_t start = off, end;
		utf8proc_int32_t cp = next_cp(query, &off);
		if (cp < 0 || !is_word_cp(cp))
			continue;
		end = off;
		for (;;) { /* to the end of this word of the query */
			size_t here = end;
			cp = next_cp(query, &end);
			if (cp < 0 || !is_word_cp(cp)) {
				end = here;
				break;
			}
		}
		mark_word(s, query + start, end - start, mark, n);
		off = end;
	}
}

void tui_mark_digits(const char *s, const char *digits, bool *mark, size_t n)
{
	size_t nd = strlen(digits), have = 0, len = strlen(s);

	if (nd == 0)
		return;
	for (size_t i = 0; i < len; i++)
		have += s[i] >= '0' && s[i] <= '9';
	if (have < nd)
		return;
	/* from the end: the digits of s must be the query's, last to first */
	size_t k = nd;
	for (size_t i = len; i-- > 0 && k > 0;) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (s[i] != digits[--k])
			return;
	}
	k = nd;
	for (size_t i = len; i-- > 0 && k > 0;)
		if (s[i] >= '0' && s[i] <= '9') {
			if (i < n)
				mark[i] = true;
			k--;
		}
}

void tui_mark_digit_start(const char *s, const char *start, bool *mark, size_t n)
{
	size_t k = 0, len = strlen(s);

	if (!*start)
		return;
	for (size_t i = 0; i < len && start[k]; i++) /* s's digits must begin with start */
		if (s[i] >= '0' && s[i] <= '9' && s[i] != start[k++])
			return;
	if (start[k])
		return; /* s has fewer digits */
	k = strlen(start);
	for (size_t i = 0; i < len && k > 0; i++)
		if (s[i] >= '0' && s[i] <= '9') {
			if (i < n)
				mark[i] = true;
			k--;
		}
}
