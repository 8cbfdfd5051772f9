/* kart-tui's layout: display cells of Cyrillic, CJK and emoji, truncation
 * by cells with "…" that never splits a grapheme, phones for reading, and
 * the key table behind the help (every shown binding once), the parts of a
 * row a query highlights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <curses.h>

#include "keys.h"
#include "layout.h"
#include "mark.h"

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(tui_width(""), 0);
	assert_int_equal(tui_width("abc"), 3);
	assert_int_equal(tui_width("Пётр"), 4);
	assert_int_equal(tui_width("東京"), 4);
	assert_int_equal(tui_width("😀"), 2);
	assert_int_equal(tui_width("e\xcc\x81"), 1);               /* e + combining acute */
	/* as curses counts them (each code point's width), or it writes past the column */
	assert_int_equal(tui_width("👨\u200d👩\u200d👧"), 6);        /* one ZWJ family */
	assert_int_equal(tui_width("👍🏽"), 4);                        /* a skin tone */
}

static void test_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_fit(out, sizeof(out), "Иванова", 10), 7);
	assert_string_equal(out, "Иванова");
	assert_int_equal(tui_fit(out, sizeof(out), "Иванова", 5), 5);
	assert_string_equal(out, "Иван…");
	/* a wide character that does not fit whole is left out */
	assert_int_equal(tui_fit(out, sizeof(out), "東京都庁", 6), 5);
	assert_string_equal(out, "東京…");
	/* a ZWJ family is one grapheme of 6 cells: whole or not at all */
	assert_int_equal(tui_fit(out, sizeof(out), "a👨\u200d👩\u200d👧bc", 8), 8);
	assert_string_equal(out, "a👨\u200d👩\u200d👧…");
	assert_int_equal(tui_fit(out, sizeof(out), "a👨\u200d👩\u200d👧bc", 7), 2);
	assert_string_equal(out, "a…");
	assert_int_equal(tui_fit(out, sizeof(out), "a😀b", 3), 2);
	assert_string_equal(out, "a…");
	/* a combining mark stays with its letter */
	assert_int_equal(tui_fit(out, sizeof(out), "e\xcc\x81" "bc", 2), 2);
	assert_string_equal(out, "e\xcc\x81…");
	assert_int_equal(tui_fit(out, sizeof(out), "ae\xcc\x81z", 3), 3);
	assert_string_equal(out, "ae\xcc\x81z");
	assert_int_equal(tui_fit(out, sizeof(out), "abc", 0), 0);
	assert_string_equal(out, "");
	/* the output buffer is never overrun */
	char small[6];
	tui_fit(small, sizeof(small), "абвгдежз", 8);
	assert_true(strlen(small) < sizeof(small));
}

/* The end of what is being typed, cut at its start between graphemes. */
static void test_tail(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_tail(out, sizeof(out), "звонок", 6), 6);
	assert_string_equal(out, "звонок");
	assert_int_equal(tui_tail(out, sizeof(out), "звонок", 4), 4);
	assert_string_equal(out, "…нок");
	/* a combining mark stays with its letter, a wide character whole */
	assert_int_equal(tui_tail(out, sizeof(out), "abe\xcc\x81", 2), 2);
	assert_string_equal(out, "…e\xcc\x81");
	assert_int_equal(tui_tail(out, sizeof(out), "東京都", 4), 3);
	assert_string_equal(out, "…都");
	assert_int_equal(tui_tail(out, sizeof(out), "a👨\u200d👩\u200d👧", 6), 1);
	assert_string_equal(out, "…");
	assert_int_equal(tui_tail(out, sizeof(out), "abc", 0), 0);
	assert_string_equal(out, "");
}

/* A part of a row cut to bytes: between graphemes, with "…". */
static void test_clip(void **state)
{
	char out[8];

	(void)state;
	assert_string_equal(tui_clip(out, sizeof(out), "abc"), "abc");
	assert_string_equal(tui_clip(out, sizeof(out), "abcdefg"), "abcdefg");
	assert_string_equal(tui_clip(out, sizeof(out), "abcdefgh"), "abcd…");
	/* "a" then two-byte letters: cut at a byte limit, never inside one */
	assert_string_equal(tui_clip(out, sizeof(out), "aжжжж"), "aж…");
	assert_string_equal(tui_clip(out, sizeof(out), "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"), "e\xcc\x81" "…");
}

static void test_pad(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_pad(out, sizeof(out), "東", 5), 5);
	assert_string_equal(out, "東   ");
	assert_int_equal(tui_width(out), 5);
	assert_int_equal(tui_pad(out, sizeof(out), "Самара", 4), 4);
	assert_string_equal(out, "Сам…");
}

static void test_phone(void **state)
{
	char out[64];

	(void)state;
	tui_phone_read("+79171234567", out, sizeof(out));
	assert_string_equal(out, "+7 917 123-45-67");
	tui_phone_read("+79171234567 доб. 12", out, sizeof(out));
	assert_string_equal(out, "+7 917 123-45-67 доб. 12");
	tui_phone_read("+4930123456", out, sizeof(out));
	assert_string_equal(out, "+4930123456");
	tui_phone_read("+791712345678", out, sizeof(out));
	assert_string_equal(out, "+791712345678");
	tui_phone_read("+7", out, sizeof(out));
	assert_string_equal(out, "+7");
	tui_phone_read("+", out, sizeof(out));
	assert_string_equal(out, "+");
	tui_phone_read("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_keys(void **state)
{
	(void)state;
	/* every binding shown in the help once: no two shown entries with one name on one screen */
	for (size_t i = 0; i < tui_nkeys; i++) {
		if (!tui_keys[i].name)
			continue;
		assert_non_null(tui_keys[i].help);
		for (size_t j = i + 1; j < tui_nkeys; j++)
			if (tui_keys[j].name && tui_keys[j].screen == tui_keys[i].screen)
				assert_true(strcmp(tui_keys[i].name, tui_keys[j].name) != 0);
	}
	/* and no key bound twice on one screen */
	for (size_t i = 0; i < tui_nkeys; i++)
		for (size_t j = i + 1; j < tui_nkeys; j++)
			assert_false(tui_keys[i].key == tui_keys[j].key && tui_keys[i].screen == tui_keys[j].screen);
	assert_int_equal(tui_key_action(TUI_CARD, 'c'), TUI_LOG_CALL);
	assert_int_equal(tui_key_action(TUI_CARD, 12), TUI_REDRAW);
	assert_int_equal(tui_key_action(TUI_FIND, 'c'), TUI_NONE);
	/* Today: t on the Card, Ctrl-T on Find (where t is query text) */
	assert_int_equal(tui_key_action(TUI_CARD, 't'), TUI_TODAY_SCREEN);
	assert_int_equal(tui_key_action(TUI_FIND, 't'), TUI_NONE);
	assert_int_equal(tui_key_action(TUI_FIND, 20), TUI_TODAY_SCREEN);
	assert_int_equal(tui_key_action(TUI_TODAY, 'x'), TUI_DONE);
	assert_int_equal(tui_key_action(TUI_TODAY, 27), TUI_BACK);
	assert_int_equal(tui_key_action(TUI_CARD, '3'), TUI_TAB_3);
	assert_int_equal(tui_key_action(TUI_CARD, 'p'), TUI_LOG_PURCHASE);
	/* the Card's forms, deals, field history and stepping through the results */
	assert_int_equal(tui_key_action(TUI_CARD, 'e'), TUI_EDIT);
	assert_int_equal(tui_key_action(TUI_CARD, 'd'), TUI_DEAL);
	assert_int_equal(tui_key_action(TUI_CARD, 'h'), TUI_FIELD_HISTORY);
	assert_int_equal(tui_key_action(TUI_CARD, '['), TUI_CARD_PREV);
	assert_int_equal(tui_key_action(TUI_CARD, ']'), TUI_CARD_NEXT);
	assert_int_equal(tui_key_action(TUI_CARD, '9'), TUI_TAB_9);
	/* a new card from Find, where letters are query text */
	assert_int_equal(tui_key_action(TUI_FIND, 1), TUI_NEW_CARD);
	assert_int_equal(tui_key_action(TUI_FIND, 'a'), TUI_NONE);
	/* every screen's shown bindings have a name in the help */
	for (size_t i = 0; i < tui_nkeys; i++)
		assert_true(tui_keys[i].screen < TUI_NSCREENS);
	/* an alias (no name) follows the shown binding it repeats, so the help
	 * lists every binding exactly once */
	for (size_t i = 0; i < tui_nkeys; i++) {
		if (tui_keys[i].name)
			continue;
		assert_true(i > 0);
		size_t j = i;
		while (j > 0 && !tui_keys[j].name)
			j--;
		assert_non_null(tui_keys[j].name);
		assert_int_equal(tui_keys[j].screen, tui_keys[i].screen);
		/* a name of several keys ("1–9", "↑ ↓", "[ ]") covers the
		 * aliases after it, whatever they do; a name of one key, the
		 * same action by another key */
		if (!strstr(tui_keys[j].name, "–") && !strchr(tui_keys[j].name, ' '))
			assert_int_equal(tui_keys[j].action, tui_keys[i].action);
	}
	/* the Find screen's letters (bound only on an empty query), the
	 * Segments screen, the command line on every screen */
	assert_int_equal(tui_key_action(TUI_FIND, 'q'), TUI_QUIT);
	assert_int_equal(tui_key_action(TUI_FIND, 's'), TUI_SEGMENTS_SCREEN);
	assert_int_equal(tui_key_action(TUI_SEGMENTS, '/'), TUI_FILTER);
	for (int s = TUI_FIND; s <= TUI_SEGMENTS; s++)
		assert_int_equal(tui_key_action((enum tui_screen)s, ':'), TUI_COMMAND);
	assert_int_equal(tui_key_action(TUI_HELPVIEW, KEY_NPAGE), TUI_PAGE_DOWN);
}

/* The marks of s as a string: '^' under each marked byte, ' ' else (ASCII). */
static const char *marks(const bool *m, size_t n)
{
	static char out[128];
	size_t i;

	for (i = 0; i < n && i + 1 < sizeof(out); i++)
		out[i] = m[i] ? '^' : ' ';
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
	return out;
}

static void test_marks(void **state)
{
	bool m[64];

	(void)state;
	memset(m, 0, sizeof(m));
	tui_mark_words("Petrov Ivan", "iv pet", m, sizeof(m));
	assert_string_equal(marks(m, strlen("Petrov Ivan")), "^^^    ^^");
	/* word starts only, case and ё/е aside (the Cyrillic in bytes: 2 each) */
	memset(m, 0, sizeof(m));
	tui_mark_words("Ёжиков Пётр", "ежи", m, sizeof(m));
	for (size_t i = 0; i < 6; i++)
		assert_true(m[i]);
	assert_false(m[6]);
	memset(m, 0, sizeof(m));
	tui_mark_words("Ivanov", "van", m, sizeof(m));
	assert_string_equal(marks(m, 6), "");
	/* the digits a phone query gave, from the end */
	memset(m, 0, sizeof(m));
	tui_mark_digits("+7 917 123-45-67", "79171234567", m, sizeof(m));
	assert_string_equal(marks(m, 16), " ^ ^^^ ^^^ ^^ ^^");
	memset(m, 0, sizeof(m));
	tui_mark_digits("+7 917 123-45-67", "1234567", m, sizeof(m));
	assert_string_equal(marks(m, 16), "       ^^^ ^^ ^^");
	memset(m, 0, sizeof(m));
	tui_mark_digits("+7 917 123-45-68", "1234567", m, sizeof(m));
	assert_string_equal(marks(m, 16), "");
	/* a number's start, from the beginning */
	memset(m, 0, sizeof(m));
	tui_mark_digit_start("+7 917 123-45-67", "791712", m, sizeof(m));
	assert_string_equal(marks(m, 16), " ^ ^^^ ^^");
	memset(m, 0, sizeof(m));
	tui_mark_digit_start("+7 917 123-45-67", "791713", m, sizeof(m));
	assert_string_equal(marks(m, 16), "");
	memset(m, 0, sizeof(m));
	tui_mark_digit_start("+7 917", "791712", m, sizeof(m));
	assert_string_equal(marks(m, 16), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width), cmocka_unit_test(test_fit), cmocka_unit_test(test_tail), cmocka_unit_test(test_clip),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_phone), cmocka_unit_test(test_keys), cmocka_unit_test(test_marks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
