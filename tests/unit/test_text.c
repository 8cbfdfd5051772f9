/* Unit tests for common/text.[ch]: UTF-8 validation and counting, folding,
 * word splitting, phone normalization and search classification. */
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
	assert_int_equal(text_classify("1234"), TEXT_NAME);           /* too few digits */
	assert_int_equal(text_classify("+7 (84)"), TEXT_NAME);
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
		cmocka_unit_test(test_phone_ru),
		cmocka_unit_test(test_phone_other_countries),
		cmocka_unit_test(test_phone_failures),
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
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
