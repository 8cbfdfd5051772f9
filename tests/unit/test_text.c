/* Unit tests for common/text.[ch]: UTF-8 validation and counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

#define VALID(lit) assert_true(text_utf8_valid(lit, sizeof(lit) - 1))
#define INVALID(lit) assert_false(text_utf8_valid(lit, sizeof(lit) - 1))

static void test_valid_text(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	VALID("hello, world ~!@#$%^&*()");
	VALID("Привет, мир");
	VALID("Ёлкина Анна Сергеевна");
	VALID("ООО «Ромашка» — №1");
	VALID("tab\there\nand newline");
	VALID("€ ₽ ∞");                    /* 3-byte */
	VALID("\xf0\x9f\x98\x80");          /* U+1F600 emoji, 4-byte */
	VALID("smile \xf0\x9f\x98\x80 улыбка");
	VALID("\xc2\x80");                  /* U+0080, smallest 2-byte */
	VALID("\xdf\xbf");                  /* U+07FF */
	VALID("\xe0\xa0\x80");              /* U+0800, smallest 3-byte */
	VALID("\xed\x9f\xbf");              /* U+D7FF, just below surrogates */
	VALID("\xee\x80\x80");              /* U+E000, just above */
	VALID("\xef\xbf\xbf");              /* U+FFFF */
	VALID("\xf0\x90\x80\x80");          /* U+10000, smallest 4-byte */
	VALID("\xf4\x8f\xbf\xbf");          /* U+10FFFF, the last code point */
	VALID(" ");
	VALID("~");                         /* 0x7e */
}

static void test_overlong(void **state)
{
	(void)state;
	INVALID("\xc0\xaf");             /* '/' in two bytes */
	INVALID("\xc0\x80");             /* NUL in two bytes (modified UTF-8) */
	INVALID("\xc1\xbf");
	INVALID("\xe0\x80\xaf");         /* '/' in three bytes */
	INVALID("\xe0\x9f\xbf");         /* U+07FF in three bytes */
	INVALID("\xf0\x80\x80\xaf");     /* '/' in four bytes */
	INVALID("\xf0\x8f\xbf\xbf");     /* U+FFFF in four bytes */
	INVALID("ok \xc0\xaf ok");
}

static void test_surrogates_and_range(void **state)
{
	(void)state;
	INVALID("\xed\xa0\x80");         /* U+D800 */
	INVALID("\xed\xad\xbf");         /* U+DB7F */
	INVALID("\xed\xb0\x80");         /* U+DC00 */
	INVALID("\xed\xbf\xbf");         /* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* CESU-8 emoji: a surrogate pair */
	INVALID("\xf4\x90\x80\x80");     /* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80"); /* 5-byte form */
	INVALID("\xfc\x84\x80\x80\x80\x80");
	INVALID("\xfe");
	INVALID("\xff");
}

static void test_truncated_and_stray(void **state)
{
	(void)state;
	INVALID("\xd0");                 /* first byte of 'П' alone */
	INVALID("Пр\xd0");
	INVALID("\xd0" "A");             /* lead byte followed by ASCII */
	INVALID("\xe2\x82");             /* 2 of 3 bytes of '€' */
	INVALID("\xe2\x82 ");
	INVALID("\xf0\x9f\x98");         /* 3 of 4 bytes of an emoji */
	INVALID("\xf0\x9f");
	INVALID("\xf0");
	INVALID("\x80");                 /* stray continuation bytes */
	INVALID("\xbf");
	INVALID("a\x80z");
	INVALID("\xd0\x9f\x80");         /* 'П' then an extra continuation byte */
	INVALID("\xe2\x28\xa1");         /* bad second byte */
	INVALID("\xf0\x9f\x28\x80");     /* bad third byte */

	/* the length is respected: a sequence cut by len is invalid, and bytes
	 * beyond len are not looked at */
	const char *p = "П";
	assert_true(text_utf8_valid(p, 2));
	assert_false(text_utf8_valid(p, 1));
	const char *e = "\xf0\x9f\x98\x80";
	for (size_t n = 1; n < 4; n++)
		assert_false(text_utf8_valid(e, n));
	assert_true(text_utf8_valid("ab\xff", 2));
	assert_true(text_utf8_valid("ab\0cd", 2));
}

static void test_nul_and_controls(void **state)
{
	(void)state;
	assert_false(text_utf8_valid("ab\0cd", 5));
	assert_false(text_utf8_valid("\0", 1));
	INVALID("\x01");
	INVALID("bell\x07");
	INVALID("esc\x1b[31mred");       /* terminal escape injection */
	INVALID("cr\r\n");               /* C0 other than tab and newline */
	INVALID("\x0b");                 /* vertical tab */
	INVALID("\x0c");                 /* form feed */
	INVALID("\x1f");
	INVALID("del\x7f");
	/* tab and newline are the only controls allowed */
	VALID("\t");
	VALID("\n");
	VALID("\x20");
	/* every single byte below 0x80: only tab, newline and 0x20..0x7e pass */
	for (int c = 0; c < 0x80; c++) {
		char b = (char)c;
		bool want = c == '\t' || c == '\n' || (c >= 0x20 && c < 0x7f);
		if (text_utf8_valid(&b, 1) != want)
			fail_msg("byte 0x%02x: expected %s", c, want ? "valid" : "invalid");
	}
	/* and no byte 0x80..0xff is valid on its own */
	for (int c = 0x80; c < 0x100; c++) {
		char b = (char)c;
		if (text_utf8_valid(&b, 1))
			fail_msg("lone byte 0x%02x accepted", c);
	}
}

/* Exhaustive check of every 2- and 3-byte sequence against the definition. */
static void test_exhaustive_short_sequences(void **state)
{
	(void)state;
	for (int a = 0x80; a < 0x100; a++)
		for (int b = 0; b < 0x100; b++) {
			char s[2] = { (char)a, (char)b };
			bool want = a >= 0xc2 && a <= 0xdf && (b & 0xc0) == 0x80;
			if (text_utf8_valid(s, 2) != want)
				fail_msg("%02x %02x: expected %d", a, b, want);
		}
	for (int a = 0xe0; a < 0xf0; a++)
		for (int b = 0x80; b < 0xc0; b++)
			for (int c = 0x00; c < 0x100; c += 0x10) {
				char s[3] = { (char)a, (char)b, (char)(c | 0x05) };
				uint32_t cp = (uint32_t)(a & 0x0f) << 12 | (uint32_t)(b & 0x3f) << 6 | ((c | 0x05) & 0x3f);
				bool want = ((c | 0x05) & 0xc0) == 0x80 && cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff);
				if (text_utf8_valid(s, 3) != want)
					fail_msg("%02x %02x %02x: expected %d", a, b, c | 0x05, want);
			}
}

static void test_utf8_chars(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_chars("", 0), 0);
	assert_int_equal(text_utf8_chars("hello", 5), 5);
	assert_int_equal(text_utf8_chars("Привет", strlen("Привет")), 6);
	assert_int_equal(strlen("Привет"), 12);
	assert_int_equal(text_utf8_chars("Ёж и ёж", strlen("Ёж и ёж")), 7);
	assert_int_equal(text_utf8_chars("€", 3), 1);
	assert_int_equal(text_utf8_chars("a\xf0\x9f\x98\x80" "б", 7), 3);
	assert_int_equal(text_utf8_chars("\xf4\x8f\xbf\xbf", 4), 1);
	/* only len bytes are counted */
	assert_int_equal(text_utf8_chars("Привет", 4), 2);
	assert_int_equal(text_utf8_chars("abc", 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_text),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates_and_range),
		cmocka_unit_test(test_truncated_and_stray),
		cmocka_unit_test(test_nul_and_controls),
		cmocka_unit_test(test_exhaustive_short_sequences),
		cmocka_unit_test(test_utf8_chars),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
