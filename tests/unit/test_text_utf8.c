/* Unit tests for common/text.[ch], the text itself: UTF-8 validation and
 * counting, folding (the fast path against the plain definition and
 * utf8proc) and word splitting. */
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

/* ---- folding ----------------------------------------------------------- */

/* The definition text_fold must meet, written the plain way: validate, then
 * utf8proc on the whole string, then ё -> е. text_fold's fast path is checked
 * against this. */
static char *fold_reference(const char *s)
{
	size_t len = strlen(s);
	if (!text_utf8_valid(s, len))
		return NULL;
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
		UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	for (utf8proc_ssize_t i = 0; i + 1 < n; i++)
		if (dst[i] == 0xd1 && dst[i + 1] == 0x91)
			dst[i] = 0xd0, dst[i + 1] = 0xb5;
	return (char *)dst;
}

static void check_fold(struct arena *a, const char *in, const char *want)
{
	char *got = text_fold(a, in);
	if (!want) {
		if (got)
			fail_msg("fold(\"%s\"): expected NULL, got \"%s\"", in, got);
		return;
	}
	if (!got)
		fail_msg("fold(\"%s\"): expected \"%s\", got NULL", in, want);
	if (strcmp(got, want) != 0)
		fail_msg("fold(\"%s\"): expected \"%s\", got \"%s\"", in, want, got);
}

static void test_fold_basic(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	check_fold(&a, "", "");
	check_fold(&a, "ivanov", "ivanov");
	check_fold(&a, "IVANOV Ivan", "ivanov ivan");
	check_fold(&a, "Hello, World! 123 ~@#", "hello, world! 123 ~@#");
	check_fold(&a, "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ", "абвгдежзийклмнопрстуфхцчшщъыьэюя");
	check_fold(&a, "абвгдежзийклмнопрстуфхцчшщъыьэюя", "абвгдежзийклмнопрстуфхцчшщъыьэюя");
	check_fold(&a, "Иванов Иван Иванович", "иванов иван иванович");
	check_fold(&a, "ООО «Ромашка» — филиал №2", "ооо «ромашка» — филиал no2");
	check_fold(&a, "iPhone для Смирнова", "iphone для смирнова");
	check_fold(&a, "tab\tand\nnewline", "tab\tand\nnewline");
	/* ё and Ё both become е, so "Пётр" and "ПЕТР" meet */
	check_fold(&a, "Пётр", "петр");
	check_fold(&a, "ПЁТР", "петр");
	check_fold(&a, "ПЕТР", "петр");
	check_fold(&a, "Ёлкина Алёна", "елкина алена");
	check_fold(&a, "ёЁёЁ", "ееее");
	/* е + combining diaeresis composes to ё under NFKC, then becomes е */
	check_fold(&a, "е\xcc\x88лка", "елка");
	check_fold(&a, "Е\xcc\x88ЛКА", "елка");
	/* й typed decomposed (и + combining breve) composes back to й */
	check_fold(&a, "Сергеи\xcc\x86", "сергей");
	arena_free(&a);
}

static void test_fold_utf8proc(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	/* what utf8proc's full case folding gives, recorded as it is */
	check_fold(&a, "İstanbul", "i\xcc\x87stanbul"); /* Turkish İ: i + combining dot above */
	check_fold(&a, "ıi", "ıi");                     /* dotless ı has no fold */
	check_fold(&a, "Straße", "strasse");
	check_fold(&a, "STRASSE", "strasse");
	check_fold(&a, "ẞ", "ss");                      /* capital sharp s */
	check_fold(&a, "ΣΊΣΥΦΟΣ", "σίσυφοσ");           /* final sigma not special */
	check_fold(&a, "ﬁle ﬃ", "file ffi");            /* ligatures (compatibility) */
	check_fold(&a, "Ｋａｒｔ", "kart");               /* fullwidth */
	check_fold(&a, "\xe2\x84\xaa", "k");            /* KELVIN SIGN */
	check_fold(&a, "№ 5", "no 5");
	check_fold(&a, "Ⅻ век", "xii век");
	check_fold(&a, "a\xc2\xa0" "b", "a b");          /* no-break space */
	check_fold(&a, "cafe\xcc\x81", "caf\xc3\xa9");  /* NFC composition */
	check_fold(&a, "Café", "café");
	for (const char *t[] = { "İstanbul", "Straße", "ẞ", "Ⅻ", "½", "ǅ", "ᾳ", "x\xcd\x85", NULL }, **p = t; *p; p++) {
		char *want = fold_reference(*p);
		check_fold(&a, *p, want);
		free(want);
	}
	arena_free(&a);
}

static void test_fold_invalid(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	check_fold(&a, "\xff", NULL);
	check_fold(&a, "Петр\xff", NULL);           /* after a fast-path prefix */
	check_fold(&a, "Пет\xd0", NULL);            /* truncated Cyrillic at the end */
	check_fold(&a, "\xd0", NULL);
	check_fold(&a, "Straße\xd0", NULL);         /* in the utf8proc path */
	check_fold(&a, "\xc0\xaf", NULL);           /* overlong */
	check_fold(&a, "ok \xed\xa0\x80", NULL);    /* surrogate */
	check_fold(&a, "\xf4\x90\x80\x80", NULL);   /* above U+10FFFF */
	check_fold(&a, "\x80 stray", NULL);
	check_fold(&a, "esc\x1b[31m", NULL);        /* controls, as text_utf8_valid */
	check_fold(&a, "Иван\r\n", NULL);
	check_fold(&a, "del\x7f", NULL);
	check_fold(&a, "ß\x01", NULL);
	arena_free(&a);
}

/* Out of arena memory is NULL too, in both paths. */
static void test_fold_oom(void **state)
{
	(void)state;
	struct arena a;
	/* arena_alloc rounds to max_align_t (16 or 32 bytes): budgets and
	 * lengths here stay clear of the rounding */
	arena_init(&a, 32);
	check_fold(&a, "short", "short");
	arena_reset(&a);
	check_fold(&a, "a name well over thirty-two bytes long", NULL);
	arena_free(&a);
	/* "½" x 8 is 16 bytes and folds to 40 ("1⁄2" x 8): the first buffer fits
	 * the budget, the longer result does not */
	arena_init(&a, 40);
	check_fold(&a, "½½½½½½½½", NULL);
	arena_free(&a);
	arena_init(&a, 0);
	check_fold(&a, "½½½½½½½½", "1⁄21⁄21⁄21⁄21⁄21⁄21⁄21⁄2");
	arena_free(&a);
}

/* The pieces generated strings are made of: everything the fast path
 * handles, and neighbours that must send a string to utf8proc (combining
 * marks right after fast letters, other Cyrillic, compatibility forms). */
static const char *fold_pieces[] = {
	/* Cyrillic letters that are not in А..я */
	"Ѐ", "ѐ", "Ђ", "ђ", "Ѝ", "ѝ", "Ў", "ў", "Ї", "ї", "Є", "є", "І", "і", "Ґ", "ґ", "Ѣ", "Ә", "ә", "Қ", "Ң", "Ө", "Ү", "Һ",
	/* combining marks that compose with a preceding fast letter */
	"\xcc\x88", "\xcc\x86", "\xcc\x81", "\xcc\x80", "\xcc\xa7", "\xcd\x85",
	/* Latin and others through utf8proc */
	"ß", "ẞ", "İ", "ı", "é", "É", "ﬁ", "Ａ", "\xe2\x84\xaa", "Σ", "ς", "№", "Ⅻ", "½",
	"\xc2\xa0", "\xc2\xad", "€", "\xf0\x9f\x98\x80", "\xe2\x80\x8d", "\xef\xbc\x8d",
	/* punctuation at the edges of the fast path's set */
	"«", "»", "–", "—", "‘", "’", "“", "”", "„", "‚", "…", "‹", "›", "\xe2\x80\x92",
};

static size_t fast_alphabet(const char **out)
{
	static char buf[256][4];
	size_t n = 0;
	for (int c = 0x20; c < 0x7f; c++) {
		buf[n][0] = (char)c;
		out[n] = buf[n];
		n++;
	}
	out[n++] = "\t";
	out[n++] = "\n";
	for (unsigned cp = 0x410; cp < 0x450; cp++) {
		buf[n][0] = (char)(0xc0 | cp >> 6);
		buf[n][1] = (char)(0x80 | (cp & 0x3f));
		out[n] = buf[n];
		n++;
	}
	out[n++] = "Ё";
	out[n++] = "ё";
	return n;
}

static void fold_compare(struct arena *a, const char *s)
{
	char *want = fold_reference(s);
	char *got = text_fold(a, s);
	if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
		fail_msg("fold(\"%s\"): fast \"%s\", utf8proc \"%s\"", s, got ? got : "(null)", want ? want : "(null)");
	free(want);
}

static void test_fold_fast_equals_slow(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	const char *alpha[256];
	size_t nfast = fast_alphabet(alpha);
	size_t npieces = sizeof(fold_pieces) / sizeof(fold_pieces[0]);
	for (size_t i = 0; i < npieces; i++)
		alpha[nfast + i] = fold_pieces[i];
	size_t nall = nfast + npieces;

	/* every pair, in both orders, of fast characters and the other pieces */
	char s[64];
	for (size_t i = 0; i < nall; i++)
		for (size_t j = 0; j < nall; j++) {
			snprintf(s, sizeof(s), "%s%s", alpha[i], alpha[j]);
			fold_compare(&a, s);
		}
	arena_reset(&a);

	/* random strings, mostly fast characters with an occasional other piece
	 * anywhere in them; a fixed seed keeps failures reproducible */
	uint32_t x = 2463534242u;
	char big[256];
	for (int t = 0; t < 200000; t++) {
		size_t len = 0, words;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		words = x % 24;
		big[0] = '\0';
		for (size_t k = 0; k < words; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			const char *piece = (x >> 8) % 16 == 0 ? fold_pieces[(x >> 12) % npieces] : alpha[(x >> 12) % nfast];
			size_t pl = strlen(piece);
			memcpy(big + len, piece, pl);
			len += pl;
		}
		big[len] = '\0';
		fold_compare(&a, big);
		if (t % 1000 == 0)
			arena_reset(&a);
	}

	/* every code point on its own and after a fast Cyrillic letter */
	for (uint32_t cp = 1; cp <= 0x10ffff; cp += (cp < 0x3000 ? 1 : 7)) {
		utf8proc_uint8_t enc[8] = "Ж";
		utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, enc + 2);
		enc[2 + n] = '\0';
		fold_compare(&a, (const char *)enc + 2);
		fold_compare(&a, (const char *)enc);
		if (cp % 4096 == 0)
			arena_reset(&a);
	}
	arena_free(&a);
}

/* ---- words ------------------------------------------------------------- */

static void check_words(const char *in, const char *const *want)
{
	struct arena a;
	arena_init(&a, 0);
	char *f = text_fold(&a, in);
	assert_non_null(f);
	char **w = NULL;
	size_t n = text_words(&a, f, &w), k = 0;
	assert_non_null(w);
	for (; want[k]; k++) {
		if (k >= n)
			fail_msg("words(\"%s\"): %zu words, expected \"%s\" next", in, n, want[k]);
		if (strcmp(w[k], want[k]) != 0)
			fail_msg("words(\"%s\") #%zu: \"%s\", expected \"%s\"", in, k, w[k], want[k]);
	}
	if (n != k)
		fail_msg("words(\"%s\"): %zu words, expected %zu", in, n, k);
	assert_null(w[n]);
	arena_free(&a);
}

#define WORDS(in, ...) check_words(in, (const char *const[]){ __VA_ARGS__, NULL })
#define NO_WORDS(in) check_words(in, (const char *const[]){ NULL })

static void test_words(void **state)
{
	(void)state;
	WORDS("Иванов Иван Иванович", "иванов", "иван", "иванович");
	WORDS("Ежиков-Смирнов", "ежиков", "смирнов");
	WORDS("«ООО Ёлка»", "ооо", "елка");
	WORDS("ООО «Рога и копыта», г. Самара", "ооо", "рога", "и", "копыта", "г", "самара");
	WORDS("  leading and trailing  ", "leading", "and", "trailing");
	WORDS("ул. Ленина, д. 5/2, кв. 17", "ул", "ленина", "д", "5", "2", "кв", "17");
	WORDS("Room 101b", "room", "101b");
	WORDS("O'Brien — д'Артаньян", "o", "brien", "д", "артаньян");
	WORDS("e-mail: ivan@mail.ru", "e", "mail", "ivan", "mail", "ru");
	WORDS("x", "x");
	WORDS("Straße", "strasse");
	WORDS("Ⅻ½", "xii1", "2");                  /* ½ folds to 1⁄2: ⁄ separates */
	WORDS("İstanbul", "i\xcc\x87stanbul");      /* the mark stays in the word */
	WORDS("नमस्ते दुनिया", "नमस्ते", "दुनिया");   /* vowel signs do not cut words */
	WORDS("\xcc\x88" "abc", "abc");             /* a mark alone starts no word */
	WORDS("smile😀улыбка", "smile", "улыбка");
	WORDS("tab\there\nnext", "tab", "here", "next");
	NO_WORDS("");
	NO_WORDS("   ");
	NO_WORDS("— «» , . !");
	/* text_words takes all of U+0400..U+047F as letters without asking
	 * utf8proc; hold it to that */
	for (utf8proc_int32_t cp = 0x400; cp < 0x480; cp++) {
		utf8proc_category_t c = utf8proc_category(cp);
		if (c < UTF8PROC_CATEGORY_LU || c > UTF8PROC_CATEGORY_LO)
			fail_msg("U+%04X is not a letter", (unsigned)cp);
	}
}

static void test_words_oom(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 32);
	char **w = (char **)&w;
	size_t n = text_words(&a, "one two three four five six seven eight", &w);
	assert_int_equal(n, 0);
	assert_null(w);
	arena_free(&a);
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
		cmocka_unit_test(test_fold_basic),
		cmocka_unit_test(test_fold_utf8proc),
		cmocka_unit_test(test_fold_invalid),
		cmocka_unit_test(test_fold_oom),
		cmocka_unit_test(test_fold_fast_equals_slow),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_words_oom),
	};
	return cmocka_run_group_tests_name("text_utf8", tests, NULL, NULL);
}
