/* Unit tests for common/text.[ch], what people type and what is shown back:
 * phone normalization, digits, search classification, clipping, control
 * characters and their visible forms, suggestions, counts, and numbers,
 * yes/no and phone extensions as people type them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "text.h"

/* ---- phones ------------------------------------------------------------ */

static void check_phone(const char *typed, const char *country, const char *want)
{
	char out[17];
	memset(out, 'x', sizeof(out));
	int rc = text_phone_e164(typed, country, out, sizeof(out));
	if (!want) {
		if (rc != -1)
			fail_msg("phone(\"%s\", %s): expected -1, got %d \"%s\"", typed, country, rc, out);
		return;
	}
	if (rc != 0)
		fail_msg("phone(\"%s\", %s): expected \"%s\", got %d", typed, country, want, rc);
	if (strcmp(out, want) != 0)
		fail_msg("phone(\"%s\", %s): expected \"%s\", got \"%s\"", typed, country, want, out);
}

static void test_phone_ru(void **state)
{
	(void)state;
	static const char *const same[] = {
		"8 (846) 123-45-67", "+7 846 123 45 67", "88461234567", "78461234567", "8461234567",
		"+7(846)1234567", "8-846-123-45-67", "00 7 846 123 45 67", "007 846 1234567",
		"  +7 (846) 123.45.67  ", "+78461234567",
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		check_phone(same[i], "RU", "+78461234567");
		check_phone(same[i], "KZ", "+78461234567");
		check_phone(same[i], "ru", "+78461234567");
	}
	check_phone("8 800 555-35-35", "RU", "+78005553535");
	check_phone("800 555 35 35", "RU", "+78005553535");
	check_phone("8 (777) 123-45-67", "KZ", "+77771234567");
	/* with a '+' the digits are taken as they are */
	check_phone("+375 29 123-45-67", "RU", "+375291234567");
	check_phone("+1 212 555 1234", "RU", "+12125551234");
	check_phone("+49 30 1234567", "RU", "+49301234567");
	/* 12..15 digits without a '+': already international */
	check_phone("375 29 123 45 67", "RU", "+375291234567");
	check_phone("123456789012345", "RU", "+123456789012345");
	check_phone("+123456789012345", "RU", "+123456789012345");
}

static void test_phone_other_countries(void **state)
{
	(void)state;
	check_phone("8 029 123-45-67", "BY", "+375291234567");
	check_phone("029 123-45-67", "BY", "+375291234567");
	check_phone("29 123-45-67", "BY", "+375291234567");
	check_phone("375 29 123-45-67", "BY", "+375291234567");
	check_phone("044 123 45 67", "UA", "+380441234567");
	check_phone("(212) 555-1234", "US", "+12125551234");
	check_phone("1 212 555 1234", "US", "+12125551234");
	check_phone("212.555.1234", "CA", "+12125551234");
	check_phone("030 1234567", "DE", "+49301234567");
	check_phone("0049 30 1234567", "DE", "+49301234567");
	check_phone("020 7946 0958", "GB", "+442079460958");
	check_phone("01 23 45 67 89", "FR", "+33123456789");
	check_phone("8 (846) 123-45-67", "US", "+88461234567"); /* 11 digits: taken as international */
	/* unknown or no country: 11..15 digits are taken as international */
	check_phone("78461234567", "XX", "+78461234567");
	check_phone("78461234567", NULL, "+78461234567");
	check_phone("78461234567", "", "+78461234567");
	check_phone("8461234567", "XX", NULL);
	check_phone("8461234567", NULL, NULL);
	check_phone("+8461234567", NULL, "+8461234567");
}

static void check_prefix(const char *typed, const char *country, const char *want)
{
	char out[17];
	memset(out, 'x', sizeof(out));
	int rc = text_phone_prefix(typed, country, out, sizeof(out));
	if (!want) {
		if (rc != -1)
			fail_msg("prefix(\"%s\", %s): expected -1, got %d \"%s\"", typed, country, rc, out);
		return;
	}
	if (rc != (int)strlen(want) || strcmp(out, want) != 0)
		fail_msg("prefix(\"%s\", %s): expected \"%s\", got %d \"%.16s\"", typed, country, want, rc, out);
}

/* A phone typed in part, as live search sends it digit by digit: every way
 * of writing the start of a Russian number is the same E.164 start. */
static void test_phone_prefix(void **state)
{
	(void)state;
	check_prefix("8 917 12", "RU", "791712");
	check_prefix("+7 (917) 12", "RU", "791712");
	check_prefix("7917 12", "RU", "791712");
	check_prefix("917 12", "RU", "791712");
	check_prefix("8 (917) 123-45-67", "RU", "79171234567");
	check_prefix("007 917", "RU", "7917");
	check_prefix("8917", "RU", "7917");
	check_prefix("+49 30", "RU", "4930");           /* international as typed */
	check_prefix("+8 917", "RU", "8917");
	check_prefix("0 67 12", "UA", "3806712");       /* UA: trunk 0 */
	check_prefix("80 29 1", "BY", "375291");        /* BY: trunk 80 */
	check_prefix("1 212 5", "US", "12125");
	check_prefix("917 12", NULL, "91712");          /* no country: as typed */
	check_prefix("917 12", "XX", "91712");
	check_prefix("8.917.12", "ru", "791712");
	/* what is not the start of a phone */
	check_prefix("", "RU", NULL);
	check_prefix("+", "RU", NULL);
	check_prefix("8 917 12 +", "RU", NULL);
	check_prefix("++7 917", "RU", NULL);
	check_prefix("917 12 доб. 3", "RU", NULL);
	check_prefix("917/12", "RU", NULL);
	check_prefix("1234567890123456", "RU", NULL);   /* more than 15 digits */
	check_prefix(NULL, "RU", NULL);
	char small[4];
	assert_int_equal(text_phone_prefix("8 917 12", "RU", small, sizeof(small)), -1);
}

static void test_phone_failures(void **state)
{
	(void)state;
	check_phone("call me", "RU", NULL);
	check_phone("", "RU", NULL);
	check_phone("123", "RU", NULL);
	check_phone("123-45-67", "RU", NULL);            /* local, 7 digits */
	check_phone("+1234567", "RU", NULL);
	check_phone("12345678", "RU", NULL);             /* 8 digits, not national for RU */
	check_phone("1234567890123456", "RU", NULL);     /* 16 digits */
	check_phone("+1234567890123456", "RU", NULL);
	check_phone("00 1234567890123456", "RU", NULL);
	check_phone("123456789012345678901234567890", "RU", NULL);
	check_phone("+7 846 abc", "RU", NULL);
	check_phone("+7 846 123 45 67 доб. 12", "RU", "+78461234567"); /* the extension is kept apart */
	check_phone("+7 846 123 45 67 доп. 12", "RU", NULL);            /* not a marker */
	check_phone("8 846 123 45 67, 8 846 765 43 21", "RU", NULL);
	check_phone("8\t846\t1234567", "RU", NULL);
	check_phone("7 846 123 45 67 +", "RU", NULL);    /* '+' after digits */
	check_phone("++7 846 1234567", "RU", NULL);
	check_phone("+ +7 846 1234567", "RU", NULL);
	check_phone("８４６１２３４５６７", "RU", NULL);   /* fullwidth digits */
	check_phone(NULL, "RU", NULL);
	/* a too small out buffer is a failure, not an overrun */
	char small[12];
	assert_int_equal(text_phone_e164("+78461234567", "RU", small, sizeof(small)), -1);
	char exact[13];
	assert_int_equal(text_phone_e164("+78461234567", "RU", exact, sizeof(exact)), 0);
	assert_string_equal(exact, "+78461234567");
}

static void test_digits(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(text_digits("8 (846) 123-45-67", out, sizeof(out)), 11);
	assert_string_equal(out, "88461234567");
	assert_int_equal(text_digits("no digits", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_digits("", out, sizeof(out)), 0);
	assert_int_equal(text_digits("д. 5, кв. 17", out, sizeof(out)), 3);
	assert_string_equal(out, "517");
	/* truncated to the buffer, still terminated */
	assert_int_equal(text_digits("1234567890", out, 5), 4);
	assert_string_equal(out, "1234");
	assert_int_equal(text_digits("12", out, 1), 0);
	assert_string_equal(out, "");
	out[0] = 'x';
	assert_int_equal(text_digits("12", out, 0), 0);
	assert_int_equal(out[0], 'x');
}

static void test_clip(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	/* characters, not bytes: Cyrillic letters are two bytes each */
	assert_string_equal(text_clip(&a, "Тольятти", 3), "Тол…");
	assert_string_equal(text_clip(&a, "Тольятти", 8), "Тольятти");
	assert_string_equal(text_clip(&a, "Тольятти", 20), "Тольятти");
	assert_string_equal(text_clip(&a, "", 5), "");
	/* one line */
	assert_string_equal(text_clip(&a, "a\nb\tc", 10), "a b c");
	assert_string_equal(text_clip(&a, "ab\ncd", 3), "ab …");
	arena_free(&a);
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(text_classify("ivan@mail.ru"), TEXT_EMAIL);
	assert_int_equal(text_classify("a@b"), TEXT_EMAIL);
	assert_int_equal(text_classify(" ivan@mail "), TEXT_EMAIL);
	assert_int_equal(text_classify("Иван Петров ivan@mail.ru"), TEXT_EMAIL);
	assert_int_equal(text_classify("123@45"), TEXT_EMAIL);
	assert_int_equal(text_classify("@ivan"), TEXT_NAME);
	assert_int_equal(text_classify("ivan@"), TEXT_NAME);
	assert_int_equal(text_classify(" @ivan "), TEXT_NAME);
	assert_int_equal(text_classify("@"), TEXT_NAME);
	assert_int_equal(text_classify("8 (846) 123-45-67"), TEXT_PHONE);
	assert_int_equal(text_classify("+7 846 123 45 67"), TEXT_PHONE);
	assert_int_equal(text_classify("12345"), TEXT_PHONE);
	assert_int_equal(text_classify("12-34.5"), TEXT_PHONE);
	assert_int_equal(text_classify("1234"), TEXT_PHONE);          /* a phone's start */
	assert_int_equal(text_classify("8 917"), TEXT_PHONE);
	assert_int_equal(text_classify("123"), TEXT_NAME);            /* too few digits */
	assert_int_equal(text_classify("8 91"), TEXT_NAME);
	assert_int_equal(text_classify("+7 (8)"), TEXT_NAME);
	assert_int_equal(text_classify("846 123 45 67 доб"), TEXT_NAME);
	assert_int_equal(text_classify("1234567/8"), TEXT_NAME);
	assert_int_equal(text_classify("Иванов"), TEXT_NAME);
	assert_int_equal(text_classify("ООО «Ромашка» 2"), TEXT_NAME);
	assert_int_equal(text_classify(""), TEXT_NAME);
	assert_int_equal(text_classify("   "), TEXT_NAME);
}

/* ---- controls ---------------------------------------------------------------- */

/* The set is what utf8proc says it is: category Cc (C0, DEL, C1), the
 * bidirectional embeddings, overrides and isolates by their bidi class, the
 * three marks by name, and the line and paragraph separators (Zl, Zp). */
static void test_control_set(void **state)
{
	(void)state;
	size_t n = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		const utf8proc_property_t *pr = utf8proc_get_property((utf8proc_int32_t)cp);
		int bc = pr->bidi_class;
		bool want = pr->category == UTF8PROC_CATEGORY_CC || pr->category == UTF8PROC_CATEGORY_ZL ||
			    pr->category == UTF8PROC_CATEGORY_ZP || bc == UTF8PROC_BIDI_CLASS_LRE ||
			    bc == UTF8PROC_BIDI_CLASS_LRO || bc == UTF8PROC_BIDI_CLASS_RLE ||
			    bc == UTF8PROC_BIDI_CLASS_RLO || bc == UTF8PROC_BIDI_CLASS_PDF ||
			    bc == UTF8PROC_BIDI_CLASS_LRI || bc == UTF8PROC_BIDI_CLASS_RLI ||
			    bc == UTF8PROC_BIDI_CLASS_FSI || bc == UTF8PROC_BIDI_CLASS_PDI || cp == 0x200e ||
			    cp == 0x200f || cp == 0x061c ||
			    /* the invisible format characters (Cf) that make one name look like another */
			    (pr->category == UTF8PROC_CATEGORY_CF &&
			     (cp == 0x200b || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
			      (cp >= 0xfff9 && cp <= 0xfffb) || cp >= 0xe0000));
		if (text_is_control(cp) != want)
			fail_msg("U+%04X: text_is_control says %d", (unsigned)cp, !want);
		n += want;
	}
	assert_int_equal(n, 32 + 1 + 32 + 9 + 3 + 2 + 1 + 5 + 1 + 3 + 97);
	assert_string_equal(text_control_name(0x200b), "zero-width space");
	assert_string_equal(text_control_name(0x1b), "escape");
	assert_string_equal(text_control_name(0x0d), "carriage return");
	assert_string_equal(text_control_name(0x202e), "right-to-left override");
	assert_string_equal(text_control_name(0x9b), "C1 control CSI");
	assert_string_equal(text_control_name(0x90), "C1 control");
	assert_string_equal(text_control_name(0x01), "control character");
}

#define FINDS(lit, lines, want_pos, want_cp) do { \
	uint32_t cp_ = 0; \
	assert_int_equal(text_find_control(lit, sizeof(lit) - 1, lines, &cp_), want_pos); \
	if (want_pos) \
		assert_int_equal(cp_, want_cp); \
} while (0)

static void test_find_control(void **state)
{
	(void)state;
	FINDS("Иванов", false, 0, 0);
	FINDS("", false, 0, 0);
	FINDS("ООО «Ромашка» — 2", false, 0, 0);
	/* positions in characters, from 1 */
	FINDS("Ив\x1b[31mан", false, 3, 0x1b);
	FINDS("\x07", false, 1, 0x07);
	FINDS("ab\x7f", false, 3, 0x7f);
	FINDS("Пётр\xc2\x9b" "31m", false, 5, 0x9b);
	FINDS("x\xc2\x85", true, 2, 0x85);
	FINDS("Анна \xe2\x80\xae" "авонавИ", false, 6, 0x202e);
	FINDS("\xe2\x81\xa6x", false, 1, 0x2066);
	FINDS("ab\xe2\x80\x8f", false, 3, 0x200f);
	FINDS("ab\xd8\x9c", false, 3, 0x061c);
	FINDS("a\xe2\x80\xa8" "b", true, 2, 0x2028);
	/* lines: newlines and tabs are what notes are made of, the rest is not */
	FINDS("a\nb", false, 2, '\n');
	FINDS("a\tb", false, 2, '\t');
	FINDS("a\nb\tc", true, 0, 0);
	FINDS("a\nb\r\nc", true, 4, '\r');
	FINDS("строка\nстрока\x1b]52;c;Zm9v\x07", true, 14, 0x1b);
	/* a byte that is not UTF-8 is one position passed over (the validity
	 * check speaks for it): a control after it is still found */
	FINDS("a\xff\x1b", false, 3, 0x1b);
	FINDS("\x1b\xff", false, 1, 0x1b);
	/* ZWJ (emoji sequences) and no-break spaces are text */
	FINDS("\xe2\x80\x8d\xc2\xa0\xe2\x80\xaf", false, 0, 0);
}

static const char *visible(const char *s, unsigned flags)
{
	static char buf[512];
	size_t n = text_visible(buf, sizeof(buf), s, flags);
	assert_int_equal(n, strlen(buf));
	return buf;
}

static void test_visible(void **state)
{
	(void)state;
	assert_string_equal(visible("Иванов Иван", 0), "Иванов Иван");
	assert_string_equal(visible("", 0), "");
	assert_string_equal(visible("a\x1b[31mred\x1b[0m", 0), "a^[[31mred^[[0m");
	assert_string_equal(visible("\x1b]52;c;Zm9v\x07", 0), "^[]52;c;Zm9v^G");
	assert_string_equal(visible("x\x7f\x01", 0), "x^?^A");
	assert_string_equal(visible("seg\rment", 0), "seg^Mment");
	assert_string_equal(visible("a\xc2\x9b" "31mb", 0), "a<U+009B>31mb");
	assert_string_equal(visible("Анна \xe2\x80\xae" "авонавИ", 0), "Анна <U+202E>авонавИ");
	assert_string_equal(visible("\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\x8e\xd8\x9c", 0), "<U+2066><U+2069><U+200E><U+061C>");
	assert_string_equal(visible("a\xe2\x80\xa8" "b", TEXT_SHOW_LINES), "a<U+2028>b");
	/* newlines: spaces on one line, kept with TEXT_SHOW_LINES; tabs are spaces */
	assert_string_equal(visible("a\nb\tc", 0), "a b c");
	assert_string_equal(visible("a\nb\tc\r", TEXT_SHOW_LINES), "a\nb c^M");
	/* bytes that are not UTF-8, one by one */
	assert_string_equal(visible("a\xff\xc2" "b", 0), "a\\xFF\\xC2b");
	assert_string_equal(visible("\xed\xa0\x80", 0), "\\xED\\xA0\\x80");
	/* like snprintf: the whole length, a cut result still terminated */
	char small[6];
	assert_int_equal(text_visible(small, sizeof(small), "ab\x1b\x1b\x1b", 0), 8);
	assert_string_equal(small, "ab^[^");
	assert_int_equal(text_visible(NULL, 0, "\xe2\x80\xae", 0), 8);
	/* whatever goes in, what comes out is valid UTF-8 without a control */
	unsigned seed = 8;
	for (int round = 0; round < 20000; round++) {
		char in[24], out[256];
		size_t n = 1 + (size_t)(rand_r(&seed) % 23);
		for (size_t i = 0; i < n; i++) {
			static const char pool[] = "a\x1b\x7f\n\t\r\xc2\x9b\x85\xe2\x80\xae\xa8\xd0\xb9\xff\xd8\x9c";
			in[i] = pool[(size_t)rand_r(&seed) % (sizeof(pool) - 1)];
		}
		in[n] = '\0';
		size_t len = text_visible(out, sizeof(out), in, round & 1 ? TEXT_SHOW_LINES : 0);
		assert_true(len < sizeof(out));
		uint32_t cp;
		assert_true(text_utf8_valid(out, len));
		assert_int_equal(text_find_control(out, len, round & 1, &cp), 0);
	}
}

static void test_json_visible(void **state)
{
	(void)state;
	char out[256];
	/* what an encoder leaves raw (DEL, C1, bidi, separators) becomes \uXXXX;
	 * its own escapes, the indentation's newlines and Cyrillic stay */
	const char *in = "{\n  \"name\": \"Анна\xe2\x80\xae\\u001b[31m\x7f\xc2\x9b\xe2\x80\xa9\",\n  \"n\": 1\n}";
	size_t n = text_json_visible(out, sizeof(out), in);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "{\n  \"name\": \"Анна\\u202E\\u001b[31m\\u007F\\u009B\\u2029\",\n  \"n\": 1\n}");
	assert_string_equal((text_json_visible(out, sizeof(out), "[\"Иван\"]"), out), "[\"Иван\"]");
	/* above U+FFFF, JSON's escape is a UTF-16 surrogate pair */
	assert_string_equal((text_json_visible(out, sizeof(out), "\"a\xf3\xa0\x81\x81z\""), out), "\"a\\uDB40\\uDC41z\"");
	/* a control after a byte that is not UTF-8 is still found */
	uint32_t cp = 0;
	assert_int_equal(text_find_control("a\xff\x1b[2J", 6, false, &cp), 3);
	assert_int_equal(cp, 0x1b);
}

static void test_piece_end(void **state)
{
	(void)state;
	assert_int_equal(text_piece_end("", 0), 0);
	assert_int_equal(text_piece_end("abc", 3), 3);
	assert_int_equal(text_piece_end("Ж", 2), 2);
	assert_int_equal(text_piece_end("Ж", 1), 0);           /* D0 of D0 96 */
	assert_int_equal(text_piece_end("aЖ", 2), 1);
	assert_int_equal(text_piece_end("a\xe2\x80\xae", 3), 1); /* two of three bytes */
	assert_int_equal(text_piece_end("a\xe2\x80\xae", 4), 4);
	assert_int_equal(text_piece_end("\xf0\x9f\x98\x80", 3), 0);
	assert_int_equal(text_piece_end("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(text_piece_end("row\r", 4), 3);       /* its LF may follow */
	assert_int_equal(text_piece_end("row\r\n", 5), 5);
	assert_int_equal(text_piece_end("a\x80\x80\x80\x80", 5), 5); /* junk is shown as it is */
	/* any text cut anywhere: the first piece ends on a boundary, and
	 * together the pieces are the text */
	const char *t = "Иван\r\n\xe2\x80\xae😀;\r\n";
	size_t n = strlen(t);
	for (size_t cut = 0; cut <= n; cut++) {
		size_t e = text_piece_end(t, cut);
		assert_true(e <= cut && cut - e <= 3);
		assert_true(e == n || ((unsigned char)t[e] & 0xc0) != 0x80);
		assert_false(e > 0 && t[e - 1] == '\r');
	}
}

/* Suggestions: swaps count once, Cyrillic in code points, nonsense gets none. */
static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(text_distance("crad", "card"), 1);
	assert_int_equal(text_distance("fisrt", "first"), 1);
	assert_int_equal(text_distance("кот", "кит"), 1);
	assert_int_equal(text_distance("", "abc"), 3);
	assert_int_equal(text_distance("kitten", "sitting"), 3);
	const char *cmds[] = { "card ls", "card show", "login" };
	assert_string_equal(text_nearest("crad ls", cmds, 3), "card ls");
	assert_string_equal(text_nearest("logni", cmds, 3), "login");
	assert_null(text_nearest("xyzzyq", cmds, 3));
	const char *opts[] = { "first", "last", "json" };
	assert_null(text_nearest("qq", opts, 3));
	assert_string_equal(text_nearest("jsno", opts, 3), "json");
}

static void test_count(void **state)
{
	char buf[32];
	(void)state;
	assert_string_equal(TEXT_COUNT(buf, 1, "card"), "1 card");
	assert_string_equal(TEXT_COUNT(buf, 0, "card"), "0 cards");
	assert_string_equal(TEXT_COUNT(buf, 2, "canary row"), "2 canary rows");
	assert_string_equal(text_count(buf, sizeof(buf), 3, "entry", "entries"), "3 entries");
}

/* ---- numbers, yes/no and phone extensions as people type them ---- */

static int64_t dec(const char *s, int decimals)
{
	int64_t v = 0;
	const char *why = NULL;
	if (text_parse_decimal(s, decimals, &v, &why) != TEXT_NUM_OK)
		fail_msg("'%s' refused: %s", s, why ? why : "?");
	return v;
}

static void dec_bad(const char *s, int decimals, enum text_num want, const char *why_part)
{
	int64_t v = 12345;
	const char *why = NULL;
	assert_int_equal(text_parse_decimal(s, decimals, &v, &why), want);
	assert_int_equal(v, 12345); /* nothing written */
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("'%s': reason '%s' lacks '%s'", s, why, why_part);
}

static void test_parse_decimal(void **state)
{
	(void)state;
	assert_int_equal(dec("1500", 2), 150000);
	assert_int_equal(dec("1 500", 2), 150000);
	assert_int_equal(dec("1\u00a0500", 2), 150000);
	assert_int_equal(dec("1\u202f500", 2), 150000);
	assert_int_equal(dec("1500,50", 2), 150050);
	assert_int_equal(dec("1500.50", 2), 150050);
	assert_int_equal(dec("1 234 567,5", 2), 123456750);
	assert_int_equal(dec(" -7 ", 2), -700);
	assert_int_equal(dec("+7", 0), 7);
	assert_int_equal(dec("0.05", 2), 5);
	assert_int_equal(dec("12.5", 4), 125000);
	assert_int_equal(dec("2.000", 0), 2);       /* decimals past those kept, as zeros */
	assert_int_equal(dec("1 500,500", 2), 150050); /* grouped: the comma is a decimal one */
	assert_true(dec("9223372036854775807", 0) == INT64_MAX);
	assert_true(dec("-9223372036854775808", 0) == INT64_MIN);
	assert_true(dec("-92 233 720 368 547 758,08", 2) == INT64_MIN);
	dec_bad("1,500", 2, TEXT_NUM_BAD, "thousands or decimals");
	dec_bad("1,500", 4, TEXT_NUM_BAD, "thousands or decimals");
	dec_bad("1.234", 2, TEXT_NUM_DECIMALS, "more than 2 decimals");
	dec_bad("2.5", 0, TEXT_NUM_DECIMALS, "not a whole number");
	dec_bad("12 34", 2, TEXT_NUM_BAD, "misplaced thousands separator");
	dec_bad("1234 567", 2, TEXT_NUM_BAD, "misplaced thousands separator");
	dec_bad("1 5000", 2, TEXT_NUM_BAD, "misplaced thousands separator");
	dec_bad("5.", 2, TEXT_NUM_BAD, "no digits after");
	dec_bad(".5", 2, TEXT_NUM_BAD, "not a number");
	dec_bad("1e3", 2, TEXT_NUM_BAD, "not a number");
	dec_bad("", 2, TEXT_NUM_BAD, "empty");
	dec_bad("--5", 2, TEXT_NUM_BAD, "not a number");
	dec_bad("1 500 ,5", 2, TEXT_NUM_BAD, "not a number");
	dec_bad("9223372036854775808", 0, TEXT_NUM_RANGE, "too large");
	dec_bad("92233720368547758.08", 2, TEXT_NUM_RANGE, "too large");
}

static void test_parse_bool(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "TRUE", "yes", "Yes", "on", "1", "да", "Да", "ДА" };
	static const char *const no[] = { "false", "no", "NO", "off", "0", "нет", "Нет", "НЕТ" };
	bool b;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_true(text_parse_bool(yes[i], &b));
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_true(text_parse_bool(no[i], &b));
		assert_false(b);
	}
	assert_false(text_parse_bool("", &b));
	assert_false(text_parse_bool("maybe", &b));
	assert_false(text_parse_bool("даа", &b));
	assert_false(text_parse_bool(NULL, &b));
}

static void ext_is(const char *typed, const char *main, const char *ext)
{
	const char *e;
	size_t el, ml = text_phone_ext(typed, &e, &el);
	if (ml != strlen(main) || strncmp(typed, main, ml) != 0 || el != strlen(ext) || strncmp(e, ext, el) != 0)
		fail_msg("'%s': main '%.*s', ext '%.*s'; want '%s', '%s'", typed, (int)ml, typed, (int)el, e, main, ext);
}

static void test_phone_ext(void **state)
{
	(void)state;
	ext_is("+7 (846) 999-00-11 доб. 123", "+7 (846) 999-00-11", "123");
	ext_is("+7 (846) 999-00-11 доб 123", "+7 (846) 999-00-11", "123");
	ext_is("+7 (846) 999-00-11, доб.123", "+7 (846) 999-00-11", "123");
	ext_is("+7 846 999 00 11 ext. 5", "+7 846 999 00 11", "5");
	ext_is("+7 846 999 00 11 EXT 5", "+7 846 999 00 11", "5");
	ext_is("+7 846 999 00 11 x5", "+7 846 999 00 11", "5");
	ext_is("+7 846 999 00 11 #42", "+7 846 999 00 11", "42");
	ext_is("+7 846 999 00 11", "+7 846 999 00 11", "");
	ext_is("8 846 999 00 11 x", "8 846 999 00 11 x", "");   /* a marker without digits is not one */
	ext_is("доб. 123", "доб. 123", "");                     /* nothing before it */
	ext_is("+7 846 999 00 11 x12345678901", "+7 846 999 00 11 x12345678901", ""); /* 11 digits: not an extension */
	char e164[24];
	assert_int_equal(text_phone_e164("+7 (846) 999-00-11 доб. 123", "RU", e164, sizeof(e164)), 0);
	assert_string_equal(e164, "+78469990011");
	assert_int_equal(text_phone_e164("8 846 999 00 11 #7", "RU", e164, sizeof(e164)), 0);
	assert_string_equal(e164, "+78469990011");
	assert_int_equal(text_classify("+7 846 999 00 11 доб. 123"), TEXT_PHONE);
	assert_int_equal(text_classify("Иван доб 123"), TEXT_NAME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_ru),
		cmocka_unit_test(test_phone_other_countries),
		cmocka_unit_test(test_phone_failures),
		cmocka_unit_test(test_phone_prefix),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_control_set),
		cmocka_unit_test(test_find_control),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_json_visible),
		cmocka_unit_test(test_piece_end),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_phone_ext),
	};
	return cmocka_run_group_tests_name("text_input", tests, NULL, NULL);
}
