#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

bool text_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	while (p < end) {
		uint8_t c = *p;
		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n')
				return false;
			if (c == 0x7f)
				return false;
			p++;
			continue;
		}
		size_t n;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

size_t text_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((uint8_t)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* ---- folding ----------------------------------------------------------- */

/* NFKC with Unicode case folding. STABLE limits composition to what Unicode
 * promises not to change between versions; folds of characters that a newer
 * utf8proc assigns or re-cases can still differ, so index keys built from
 * folds belong to one utf8proc version. */
#define FOLD_FLAGS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD)

/* ё (U+0451, D1 91) -> е (U+0435, D0 B5) in place; same length in UTF-8, and
 * D1 is always a lead byte in valid UTF-8, so a byte scan cannot misfire. */
static void fold_yo(char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if ((uint8_t)s[i] == 0xd1 && (uint8_t)s[i + 1] == 0x91)
			s[i] = (char)0xd0, s[i + 1] = (char)0xb5, i++;
}

/* The general path: any valid text through utf8proc. buf (len + 1 bytes in
 * the arena, left over from an abandoned fast pass) is reused when the result
 * fits, since an arena cannot give memory back. */
static char *fold_slow(struct arena *a, const char *s, size_t len, char *buf)
{
	if (!text_utf8_valid(s, len))
		return NULL;
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst, FOLD_FLAGS);
	if (n < 0)
		return NULL;
	char *out = (size_t)n <= len ? buf : arena_alloc(a, (size_t)n + 1);
	if (out) {
		memcpy(out, dst, (size_t)n);
		out[n] = '\0';
		fold_yo(out, (size_t)n);
	}
	free(dst);
	return out;
}

/* Is the 3-byte sequence E2 80 xx one of the dashes and quotes of Russian
 * typography (– — ‘ ’ “ ” „)? They have no decomposition, no case and never
 * compose with a neighbour, so NFKC_Casefold leaves them as they are. */
static bool fast_punct3(uint8_t b2)
{
	return b2 == 0x93 || b2 == 0x94 || b2 == 0x98 || b2 == 0x99 ||
	       b2 == 0x9c || b2 == 0x9d || b2 == 0x9e;
}

char *text_fold(struct arena *a, const char *s)
{
	size_t len = strlen(s);
	char *buf = arena_alloc(a, len + 1);
	if (!buf)
		return NULL;
	/* Fast path for what names and addresses here are made of: ASCII, the
	 * basic Cyrillic alphabet and a few punctuation marks. For those the
	 * NFKC_Casefold result is a per-character table lookup, the same length
	 * in bytes, and nothing composes with a neighbour. The first anything
	 * else (including a combining mark, which could compose with the
	 * previous letter) sends the whole string to utf8proc. The unit test
	 * checks this against utf8proc on many generated strings. */
	const uint8_t *p = (const uint8_t *)s;
	uint8_t *o = (uint8_t *)buf;
	size_t i = 0;
	while (i < len) {
		uint8_t c = p[i];
		if (c < 0x80) {
			/* the same controls text_utf8_valid rejects */
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return NULL;
			o[i] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		uint8_t c2 = p[i + 1];
		if (c == 0xd0) {
			if (c2 >= 0x90 && c2 <= 0x9f) {            /* А..П -> а..п */
				o[i] = 0xd0, o[i + 1] = (uint8_t)(c2 + 0x20);
			} else if (c2 >= 0xa0 && c2 <= 0xaf) {     /* Р..Я -> р..я */
				o[i] = 0xd1, o[i + 1] = (uint8_t)(c2 - 0x20);
			} else if (c2 >= 0xb0 && c2 <= 0xbf) {     /* а..п */
				o[i] = c, o[i + 1] = c2;
			} else if (c2 == 0x81) {                   /* Ё -> е */
				o[i] = 0xd0, o[i + 1] = 0xb5;
			} else {
				break;
			}
			i += 2;
		} else if (c == 0xd1) {
			if (c2 >= 0x80 && c2 <= 0x8f) {            /* р..я */
				o[i] = c, o[i + 1] = c2;
			} else if (c2 == 0x91) {                   /* ё -> е */
				o[i] = 0xd0, o[i + 1] = 0xb5;
			} else {
				break;
			}
			i += 2;
		} else if (c == 0xc2 && (c2 == 0xab || c2 == 0xbb)) { /* « » */
			o[i] = c, o[i + 1] = c2;
			i += 2;
		} else if (c == 0xe2 && c2 == 0x80 && i + 2 < len && fast_punct3(p[i + 2])) {
			o[i] = c, o[i + 1] = c2, o[i + 2] = p[i + 2];
			i += 3;
		} else {
			break;
		}
	}
	if (i == len) {
		buf[len] = '\0';
		return buf;
	}
	return fold_slow(a, s, len, buf);
}

/* ---- words ------------------------------------------------------------- */

/* Letters and digits make words. Combining marks continue a word (never
 * start one): NFKC composes Latin and Cyrillic accents away, but scripts
 * such as Devanagari keep vowel signs as marks, and cutting a word at each
 * of them would make those names unsearchable. */
enum wclass { W_SEP, W_WORD, W_MARK };

static enum wclass word_class(const uint8_t *p, size_t left, size_t *clen)
{
	if (p[0] < 0x80) {
		*clen = 1;
		uint8_t c = p[0];
		return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) ? W_WORD : W_SEP;
	}
	/* U+0400..U+047F, all Cyrillic letters: most of the text here, so
	 * spared the decoding and the category lookup */
	if ((p[0] == 0xd0 || p[0] == 0xd1) && left >= 2 && (p[1] & 0xc0) == 0x80) {
		*clen = 2;
		return W_WORD;
	}
	utf8proc_int32_t cp;
	utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)left, &cp);
	if (n <= 0) {
		/* not expected in folded text; one byte of junk separates */
		*clen = 1;
		return W_SEP;
	}
	*clen = (size_t)n;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return W_WORD;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return W_MARK;
	default:
		return W_SEP;
	}
}

/* Finds the next word in s[*pos..len): sets [*start, *end) and moves *pos
 * past it. Shared by the counting and the copying pass of text_words so the
 * two cannot disagree. */
static bool next_word(const char *s, size_t len, size_t *pos, size_t *start, size_t *end)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = *pos, cl;
	/* marks before any letter (a stray accent after a space) separate */
	while (i < len && word_class(p + i, len - i, &cl) != W_WORD)
		i += cl;
	if (i == len)
		return false;
	*start = i;
	while (i < len && word_class(p + i, len - i, &cl) != W_SEP)
		i += cl;
	*end = *pos = i;
	return true;
}

size_t text_words(struct arena *a, const char *folded, char ***out)
{
	size_t len = strlen(folded), n = 0, pos = 0, ws, we;
	while (next_word(folded, len, &pos, &ws, &we))
		n++;
	/* One copy of the whole text, cut in place with NULs: a word is always
	 * followed by a separator byte or the terminating NUL, and one
	 * allocation is cheaper than one per word. The array is NULL-terminated
	 * as well. */
	char **v = arena_alloc(a, (n + 1) * sizeof(*v));
	char *copy = v ? arena_alloc(a, len + 1) : NULL;
	if (!copy) {
		/* out of memory: *out = NULL tells it apart from "no words" */
		*out = NULL;
		return 0;
	}
	memcpy(copy, folded, len + 1);
	size_t k = 0;
	pos = 0;
	while (k < n && next_word(folded, len, &pos, &ws, &we)) {
		copy[we] = '\0';
		v[k++] = copy + ws;
	}
	v[k] = NULL;
	*out = v;
	return k;
}

/* ---- phones ------------------------------------------------------------ */

/* Countries whose national numbers can be turned into E.164: the calling
 * code, the trunk prefixes dialled before a national number (stripped), and
 * the length range of the national significant number. Lengths matter: they
 * are how a national number is told apart from one already carrying the
 * code. Only common countries for this clientele; others must be typed in
 * international form (or with 11..15 digits). */
struct phone_country {
	char iso[3];
	const char *code;
	const char *trunk[2];
	unsigned char nsn_min, nsn_max;
};

static const struct phone_country phone_countries[] = {
	{ "RU", "7", { "8", NULL }, 10, 10 },
	{ "KZ", "7", { "8", NULL }, 10, 10 },
	{ "BY", "375", { "80", "0" }, 9, 9 },
	{ "UA", "380", { "0", NULL }, 9, 9 },
	{ "US", "1", { "1", NULL }, 10, 10 },
	{ "CA", "1", { "1", NULL }, 10, 10 },
	{ "DE", "49", { "0", NULL }, 6, 11 },
	{ "GB", "44", { "0", NULL }, 9, 10 },
	{ "FR", "33", { "0", NULL }, 9, 9 },
	{ "PL", "48", { NULL, NULL }, 9, 9 },
	{ "TR", "90", { "0", NULL }, 10, 10 },
	{ "AM", "374", { "0", NULL }, 8, 8 },
	{ "GE", "995", { "0", NULL }, 9, 9 },
	{ "AZ", "994", { "0", NULL }, 9, 9 },
	{ "UZ", "998", { "8", NULL }, 9, 9 },
	{ "KG", "996", { "0", NULL }, 9, 9 },
	{ "CN", "86", { "0", NULL }, 10, 11 },
	{ "IL", "972", { "0", NULL }, 8, 9 },
};

enum { PHONE_MIN = 8, PHONE_MAX = 15 };

static const struct phone_country *phone_country_find(const char *iso)
{
	if (!iso)
		return NULL;
	for (size_t i = 0; i < sizeof(phone_countries) / sizeof(phone_countries[0]); i++) {
		const char *c = phone_countries[i].iso;
		/* ISO codes as typed in a config may be lower case */
		if (iso[0] && iso[1] && !iso[2] && (iso[0] & ~0x20) == c[0] && (iso[1] & ~0x20) == c[1])
			return &phone_countries[i];
	}
	return NULL;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Writes "+" code nsn into out; -1 if it does not fit or is not E.164 size. */
static int phone_put(char *out, size_t outlen, const char *code, const char *nsn)
{
	size_t cl = strlen(code), nl = strlen(nsn);
	if (cl + nl < PHONE_MIN || cl + nl > PHONE_MAX || cl + nl + 2 > outlen)
		return -1;
	out[0] = '+';
	memcpy(out + 1, code, cl);
	memcpy(out + 1 + cl, nsn, nl + 1);
	return 0;
}

/* The digits of typed's first len bytes into d (dn bytes), with *plus set
 * when a '+' or "00" led them (the "00" dropped): their count, or -1 when a
 * character is not a phone's (digits, a leading '+', spaces, ( ) - .) or
 * there are more digits than d holds. */
static int phone_digits(const char *typed, size_t len, char *d, size_t dn, bool *plus)
{
	size_t n = 0;

	*plus = false;
	for (const char *p = typed; p < typed + len; p++) {
		char c = *p;
		if (c >= '0' && c <= '9') {
			if (n == dn - 1)
				return -1;
			d[n++] = c;
		} else if (c == '+') {
			/* only as the international prefix, before any digit */
			if (*plus || n > 0)
				return -1;
			*plus = true;
		} else if (c != ' ' && c != '(' && c != ')' && c != '-' && c != '.') {
			return -1;
		}
	}
	d[n] = '\0';
	if (!*plus && n > 2 && d[0] == '0' && d[1] == '0') {
		/* "00" is the international prefix almost everywhere */
		*plus = true;
		memmove(d, d + 2, n - 1);
		n -= 2;
	}
	return (int)n;
}

int text_phone_e164(const char *typed, const char *country, char *out, size_t outlen)
{
	/* room for "00" and 15 digits, plus one to see that there are more */
	char d[PHONE_MAX + 4];
	bool plus;
	if (!typed)
		return -1;
	/* the number without its extension ("… доб. 123") */
	const char *ext;
	size_t ext_len, main_len = text_phone_ext(typed, &ext, &ext_len);
	int got = phone_digits(typed, main_len, d, sizeof(d), &plus);
	if (got < 0)
		return -1;
	size_t n = (size_t)got;
	const char *digits = d;
	/* 7 digits or fewer is a local number without an area code: there is
	 * nothing to normalize it against, the caller keeps it as typed */
	if (n < PHONE_MIN || n > PHONE_MAX)
		return -1;
	if (plus)
		return phone_put(out, outlen, "", digits);

	const struct phone_country *pc = phone_country_find(country);
	if (pc) {
		/* a national number after a trunk prefix: "8 846 …" in Russia */
		for (size_t t = 0; t < 2 && pc->trunk[t]; t++) {
			size_t tl = strlen(pc->trunk[t]);
			if (has_prefix(digits, pc->trunk[t]) && n - tl >= pc->nsn_min && n - tl <= pc->nsn_max)
				return phone_put(out, outlen, pc->code, digits + tl);
		}
		/* a national number as it is: "846 123 45 67" */
		if (n >= pc->nsn_min && n <= pc->nsn_max)
			return phone_put(out, outlen, pc->code, digits);
		/* the own calling code without the '+': "7 846 …" */
		size_t cl = strlen(pc->code);
		if (has_prefix(digits, pc->code) && n - cl >= pc->nsn_min && n - cl <= pc->nsn_max)
			return phone_put(out, outlen, "", digits);
	}
	/* long enough to hold a calling code: an international number typed
	 * without the '+' */
	if (n >= 11)
		return phone_put(out, outlen, "", digits);
	return -1;
}

int text_phone_prefix(const char *typed, const char *country, char *out, size_t outlen)
{
	char d[PHONE_MAX + 4];
	bool plus;
	if (!typed || outlen == 0)
		return -1;
	int got = phone_digits(typed, strlen(typed), d, sizeof(d), &plus);
	if (got < 0)
		return -1;
	size_t n = (size_t)got;
	const char *digits = d;
	if (n == 0)
		return -1;
	const char *code = "";
	const struct phone_country *pc = plus ? NULL : phone_country_find(country);
	if (pc) {
		/* the trunk prefix stands for the calling code ("8 917" is
		 * "+7 917"); a start with the code itself is taken as the code
		 * ("7917"); anything else is the start of a national number */
		size_t t;
		for (t = 0; t < 2 && pc->trunk[t]; t++)
			if (has_prefix(digits, pc->trunk[t]))
				break;
		if (t < 2 && pc->trunk[t]) {
			digits += strlen(pc->trunk[t]);
			code = pc->code;
		} else if (!has_prefix(digits, pc->code)) {
			code = pc->code;
		}
	}
	size_t cl = strlen(code), dl = strlen(digits);
	if (cl + dl > PHONE_MAX || cl + dl + 1 > outlen)
		return -1;
	memcpy(out, code, cl);
	memcpy(out + cl, digits, dl + 1);
	return (int)(cl + dl);
}

/* ---- phone extensions --------------------------------------------------- */

static bool ascii_prefix_ci(const char *s, const char *p)
{
	for (; *p; s++, p++)
		if (!*s || (*s | 0x20) != *p)
			return false;
	return true;
}

/* Length of an extension marker at s ("доб.", "ext", "x", "#", ...), 0 if none. */
static size_t ext_marker(const char *s)
{
	static const char *const ru[] = { "доб", "Доб", "ДОБ" };
	for (size_t i = 0; i < sizeof(ru) / sizeof(ru[0]); i++)
		if (strncmp(s, ru[i], strlen(ru[i])) == 0)
			return strlen(ru[i]) + (s[strlen(ru[i])] == '.');
	if (ascii_prefix_ci(s, "ext"))
		return 3 + (s[3] == '.');
	if (*s == 'x' || *s == 'X' || *s == '#')
		return 1;
	return 0;
}

size_t text_phone_ext(const char *typed, const char **ext, size_t *ext_len)
{
	size_t n = strlen(typed);
	*ext = typed + n;
	*ext_len = 0;
	/* the extension is the last run of digits, after a marker */
	size_t end = n;
	while (end && (typed[end - 1] == ' ' || typed[end - 1] == '\t'))
		end--;
	size_t d = end;
	while (d && typed[d - 1] >= '0' && typed[d - 1] <= '9')
		d--;
	if (d == end || end - d > 10)
		return n;
	size_t m = d;
	while (m && typed[m - 1] == ' ')
		m--;
	/* find a marker that ends at m */
	for (size_t start = m > 8 ? m - 8 : 0; start < m; start++) {
		size_t ml = ext_marker(typed + start);
		if (!ml || start + ml != m)
			continue;
		size_t main = start;
		while (main && (typed[main - 1] == ' ' || typed[main - 1] == ','))
			main--;
		if (!main)
			return n;
		*ext = typed + d;
		*ext_len = end - d;
		return main;
	}
	return n;
}

/* ---- numbers and yes/no ---------------------------------------------------- */

/* Length of a thousands separator at p: ' ', U+00A0 or U+202F; 0 if none. */
static size_t group_sep(const char *p)
{
	if (p[0] == ' ')
		return 1;
	if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
		return 2;
	if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xAF)
		return 3;
	return 0;
}

static enum text_num num_fail(const char **why, enum text_num e, const char *reason)
{
	if (why)
		*why = reason;
	return e;
}

enum text_num text_parse_decimal(const char *s, int decimals, int64_t *out, const char **why)
{
	if (!s)
		return num_fail(why, TEXT_NUM_BAD, "empty");
	if (decimals < 0 || decimals > 18)
		return num_fail(why, TEXT_NUM_BAD, "not a number");
	while (*s == ' ' || *s == '\t')
		s++;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!(*s >= '0' && *s <= '9'))
		return num_fail(why, TEXT_NUM_BAD, *s ? "not a number" : "empty");
	/* the magnitude: at most INT64_MAX, or one more for a negative number */
	const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	bool overflow = false;
	int group = 0;        /* digits in the current group */
	bool grouped = false; /* a thousands separator was seen */
	for (;;) {
		if (*s >= '0' && *s <= '9') {
			unsigned d = (unsigned)(*s - '0');
			if (v > (limit - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
			group++;
			s++;
			continue;
		}
		size_t sl = group_sep(s);
		if (sl && s[sl] >= '0' && s[sl] <= '9') {
			if ((grouped && group != 3) || (!grouped && group > 3))
				return num_fail(why, TEXT_NUM_BAD, "misplaced thousands separator");
			grouped = true;
			group = 0;
			s += sl;
			continue;
		}
		break;
	}
	if (grouped && group != 3)
		return num_fail(why, TEXT_NUM_BAD, "misplaced thousands separator");
	const char *frac = NULL;
	size_t nfrac = 0;
	if (*s == '.' || *s == ',') {
		bool comma = *s == ',';
		frac = ++s;
		while (*s >= '0' && *s <= '9')
			s++;
		nfrac = (size_t)(s - frac);
		if (nfrac == 0)
			return num_fail(why, TEXT_NUM_BAD, "no digits after the decimal separator");
		if (comma && nfrac == 3 && !grouped)
			return num_fail(why, TEXT_NUM_BAD, "a comma and three digits: thousands or decimals? write 1500 or 1.5");
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s)
		return num_fail(why, TEXT_NUM_BAD, "not a number");
	if (overflow)
		return num_fail(why, TEXT_NUM_RANGE, "too large");
	/* decimals past those kept: only zeros */
	size_t kept = nfrac;
	while (kept > (size_t)decimals && frac[kept - 1] == '0')
		kept--;
	if (kept > (size_t)decimals)
		return num_fail(why, TEXT_NUM_DECIMALS,
				decimals == 0 ? "not a whole number" : decimals == 2 ? "more than 2 decimals" : "too many decimals");
	for (int i = 0; i < decimals; i++) {
		unsigned d = (size_t)i < kept ? (unsigned)(frac[i] - '0') : 0;
		if (v > (limit - d) / 10)
			return num_fail(why, TEXT_NUM_RANGE, "too large");
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return TEXT_NUM_OK;
}

bool text_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "да", "Да", "ДА" };
	static const char *const no[] = { "false", "no", "off", "0", "нет", "Нет", "НЕТ" };
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, true;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, true;
	return false;
}

size_t text_digits(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	if (outlen == 0)
		return 0;
	for (; *s && n + 1 < outlen; s++)
		if (*s >= '0' && *s <= '9')
			out[n++] = *s;
	out[n] = '\0';
	return n;
}

/* ---- controls ---------------------------------------------------------- */

bool text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x2029) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       /* invisible: a name or a team that looks like another's but is not */
	       cp == 0x200b || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	       cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

const char *text_control_name(uint32_t cp)
{
	static const struct { uint32_t cp; const char *name; } names[] = {
		{ 0x00, "NUL" }, { 0x07, "bell" }, { 0x08, "backspace" }, { 0x09, "tab" }, { 0x0a, "line break" },
		{ 0x0b, "vertical tab" }, { 0x0c, "form feed" }, { 0x0d, "carriage return" }, { 0x1b, "escape" },
		{ 0x7f, "delete" }, { 0x85, "next line" }, { 0x9b, "C1 control CSI" }, { 0x9d, "C1 control OSC" },
		{ 0x061c, "Arabic letter mark" }, { 0x200e, "left-to-right mark" }, { 0x200f, "right-to-left mark" },
		{ 0x2028, "line separator" }, { 0x2029, "paragraph separator" },
		{ 0x202a, "left-to-right embedding" }, { 0x202b, "right-to-left embedding" },
		{ 0x202c, "pop directional formatting" }, { 0x202d, "left-to-right override" },
		{ 0x202e, "right-to-left override" }, { 0x2066, "left-to-right isolate" },
		{ 0x2067, "right-to-left isolate" }, { 0x2068, "first strong isolate" },
		{ 0x2069, "pop directional isolate" }, { 0x200b, "zero-width space" }, { 0x2060, "word joiner" },
		{ 0xfeff, "zero-width no-break space" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cp == cp)
			return names[i].name;
	if (cp < 0x20)
		return "control character";
	if (cp >= 0x80 && cp <= 0x9f)
		return "C1 control";
	if (cp >= 0xe0000)
		return "tag character";
	if (cp >= 0xfff9 && cp <= 0xfffb)
		return "interlinear annotation";
	if (cp >= 0x2061 && cp <= 0x2064)
		return "invisible operator";
	return text_is_control(cp) ? "control character" : "character";
}

/* One code point of valid UTF-8 at s (left > 0 bytes): its length, or 0 if
 * the bytes there are not UTF-8. */
static size_t next_cp(const char *s, size_t left, uint32_t *cp)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)left, &c);
	if (n <= 0)
		return 0;
	*cp = (uint32_t)c;
	return (size_t)n;
}

size_t text_find_control(const char *s, size_t len, bool lines, uint32_t *cp)
{
	size_t pos = 0;
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n;
		if ((unsigned char)s[i] < 0x80) /* most text: no decoding */
			c = (unsigned char)s[i], n = 1;
		else if (!(n = next_cp(s + i, len - i, &c)))
			c = 0xfffd, n = 1; /* not UTF-8: one position, and the scan goes on */
		pos++;
		if (text_is_control(c) && !(lines && (c == '\n' || c == '\t'))) {
			*cp = c;
			return pos;
		}
		i += n;
	}
	return 0;
}

/* Appends to an output that may be too small: counts what does not fit. */
struct vis_out {
	char *out;
	size_t cap, len;
};

static void vis_put(struct vis_out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - o->len;
		memcpy(o->out + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static size_t vis_end(struct vis_out *o)
{
	if (o->cap)
		o->out[o->len < o->cap ? o->len : o->cap - 1] = '\0';
	return o->len;
}

size_t text_visible(char *out, size_t outlen, const char *s, unsigned flags)
{
	struct vis_out o = { out, outlen, 0 };
	size_t len = strlen(s);
	char buf[16];
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n;
		unsigned char b = (unsigned char)s[i];
		if (b < 0x80) {
			c = b, n = 1;
		} else if (!(n = next_cp(s + i, len - i, &c))) {
			snprintf(buf, sizeof(buf), "\\x%02X", b);
			vis_put(&o, buf, 4);
			i++;
			continue;
		}
		if (c == '\t' || (c == '\n' && !(flags & TEXT_SHOW_LINES))) {
			vis_put(&o, " ", 1);
		} else if (c == '\n' || !text_is_control(c)) {
			vis_put(&o, s + i, n);
		} else if (c < 0x20 || c == 0x7f) {
			buf[0] = '^', buf[1] = c == 0x7f ? '?' : (char)(c + 0x40);
			vis_put(&o, buf, 2);
		} else {
			vis_put(&o, buf, (size_t)snprintf(buf, sizeof(buf), "<U+%04X>", (unsigned)c));
		}
		i += n;
	}
	return vis_end(&o);
}

size_t text_json_visible(char *out, size_t outlen, const char *json)
{
	struct vis_out o = { out, outlen, 0 };
	size_t len = strlen(json);
	char buf[16];
	for (size_t i = 0; i < len;) {
		uint32_t c = 0;
		size_t n = (unsigned char)json[i] < 0x80 ? 1 : next_cp(json + i, len - i, &c);
		if (n == 1)
			c = (unsigned char)json[i];
		if (n == 0) {
			/* not UTF-8 (an encoder would not write it): as it is */
			vis_put(&o, json + i, 1);
			i++;
			continue;
		}
		if (text_is_control(c) && c >= 0x20 && c > 0xffff) /* JSON escapes UTF-16: a surrogate pair */
			vis_put(&o, buf, (size_t)snprintf(buf, sizeof(buf), "\\u%04X\\u%04X",
							  0xd800u + ((unsigned)(c - 0x10000) >> 10),
							  0xdc00u + ((unsigned)(c - 0x10000) & 0x3ff)));
		else if (text_is_control(c) && c >= 0x20)
			vis_put(&o, buf, (size_t)snprintf(buf, sizeof(buf), "\\u%04X", (unsigned)c));
		else
			vis_put(&o, json + i, n);
		i += n;
	}
	return vis_end(&o);
}

size_t text_piece_end(const char *s, size_t len)
{
	size_t lead = len;
	while (lead > 0 && len - lead < 3 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0xc0) {
		unsigned char c = (unsigned char)s[lead - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (len - (lead - 1) < need)
			return lead - 1;
	}
	return len > 0 && s[len - 1] == '\r' ? len - 1 : len;
}

/* ---- classification ---------------------------------------------------- */

enum text_kind text_classify(const char *s)
{
	/* text on both sides of an '@' means something other than spaces;
	 * "@ivan" (a messenger handle) and "ivan@" are names */
	size_t b = 0, e = strlen(s);
	while (b < e && s[b] == ' ')
		b++;
	while (e > b && s[e - 1] == ' ')
		e--;
	for (size_t i = b + 1; i + 1 < e; i++)
		if (s[i] == '@')
			return TEXT_EMAIL;
	size_t digits = 0;
	const char *ext;
	size_t ext_len, main_len = text_phone_ext(s, &ext, &ext_len); /* a number with its extension */
	for (const char *p = s; p < s + main_len; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr("+()-. ", *p))
			return TEXT_NAME;
	}
	return digits >= TEXT_PHONE_PREFIX_MIN ? TEXT_PHONE : TEXT_NAME;
}

const char *text_clip(struct arena *a, const char *s, size_t n)
{
	size_t i = 0, chars = 0;
	while (s[i] && chars < n) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		chars++;
	}
	char *out = arena_printf(a, "%.*s%s", (int)i, s, s[i] ? "…" : "");
	if (!out)
		return "";
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return out;
}

#define DISTANCE_MAX_CHARS 64

/* s as code points into cp (at most DISTANCE_MAX_CHARS); -1 when longer or
 * not UTF-8. */
static long code_points(const char *s, int32_t *cp)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	long n = 0;

	while (*p) {
		utf8proc_int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate(p, -1, &c);
		if (len <= 0 || n == DISTANCE_MAX_CHARS)
			return -1;
		cp[n++] = c;
		p += len;
	}
	return n;
}

size_t text_distance(const char *a, const char *b)
{
	int32_t x[DISTANCE_MAX_CHARS], y[DISTANCE_MAX_CHARS];
	size_t d[DISTANCE_MAX_CHARS + 1][DISTANCE_MAX_CHARS + 1];
	long n = code_points(a, x), m = code_points(b, y);

	if (n < 0 || m < 0)
		return SIZE_MAX;
	for (long i = 0; i <= n; i++)
		d[i][0] = (size_t)i;
	for (long j = 0; j <= m; j++)
		d[0][j] = (size_t)j;
	for (long i = 1; i <= n; i++) {
		for (long j = 1; j <= m; j++) {
			size_t best = d[i - 1][j - 1] + (x[i - 1] != y[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m];
}

const char *text_nearest(const char *word, const char *const *candidates, size_t n)
{
	size_t len = text_utf8_chars(word, strlen(word));
	size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	if (limit > (len + 1) / 2)
		limit = (len + 1) / 2;
	for (size_t i = 0; i < n; i++) {
		size_t d = text_distance(word, candidates[i]);
		if (d <= limit && d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

const char *text_count(char *buf, size_t size, uint64_t n, const char *singular, const char *plural)
{
	if (n == 1)
		snprintf(buf, size, "1 %s", singular);
	else if (plural)
		snprintf(buf, size, "%llu %s", (unsigned long long)n, plural);
	else
		snprintf(buf, size, "%llu %ss", (unsigned long long)n, singular);
	return buf;
}

bool text_csv_formula(const char *s)
{
	if (!s || !strchr("=+-@\t\r", s[0]) || s[0] == '\0')
		return false;
	bool digit = false;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (!strchr(" ()-+.,", *p))
			return true;
	}
	return !digit;
}
