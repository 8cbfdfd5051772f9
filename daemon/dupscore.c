/* dupscore: match keys of names and companies, Jaro-Winkler, the pair score
 * (dupscore.h says how they are made and why). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "dupscore.h"

/* Lower-case Russian (and the Ukrainian and Belarusian letters beside it),
 * U+0430..U+045F, in a GOST/BGN-like Latin. The reductions after it bring the
 * variants of that and of people's own spellings together. */
static const char *const cyr[0x30] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
	/* U+0450..U+045F: ѐ ё ђ ѓ є ѕ і ї ј љ њ ћ ќ ѝ ў џ */
	"e", "e", "dj", "g", "ye", "dz", "i", "yi", "j", "l", "n", "c", "k", "i", "u", "dz",
};

/* Appends the Latin of code point cp to out: ASCII letters and digits as
 * they are, Cyrillic by the table, an accented Latin letter without its
 * accent; anything else is a word break (a space). */
static void latin_of(int32_t cp, char *out, size_t outlen, size_t *n)
{
	const char *s = " ";
	char one[2] = { 0, 0 };
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
		one[0] = (char)cp;
		s = one;
	} else if (cp >= 'A' && cp <= 'Z') {
		one[0] = (char)(cp - 'A' + 'a');
		s = one;
	} else if (cp >= 0x430 && cp <= 0x45f) {
		s = cyr[cp - 0x430];
	} else if (cp >= 0x80) {
		utf8proc_int32_t d[4];
		utf8proc_ssize_t k = utf8proc_decompose_char(cp, d, 4, UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, NULL);
		if (k > 0 && d[0] < 0x80 && d[0] != cp) {
			latin_of(d[0], out, outlen, n);
			return;
		}
		if (utf8proc_category(cp) == UTF8PROC_CATEGORY_MN)
			return; /* a combining accent: nothing */
	}
	for (; *s && *n + 1 < outlen; s++)
		out[(*n)++] = *s;
}

/* The spellings brought together, in place on one word (no spaces; an x
 * was already made ks): never longer than it was. */
static size_t reduce(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i], next = i + 1 < n ? s[i + 1] : 0;
		if (c == 'p' && next == 'h') {
			c = 'f';
			i++;
		} else if (c == 'k' && next == 'h') {
			c = 'h';
			i++;
		} else if (c == 'c' && next == 'h') {
			s[o++] = 'c';
			c = 'h';
			i++;
		} else if (c == 'c' || c == 'q') {
			c = 'k';
		} else if (c == 'w') {
			c = 'v';
		} else if (c == 'j' || c == 'y') {
			c = 'i';
		}
		/* doubled letters once (digits stay as they are) */
		if (o && s[o - 1] == c && !(c >= '0' && c <= '9'))
			continue;
		s[o++] = c;
	}
	return o;
}

/* One word's own endings and beginnings, in place (w[0..n), no spaces). */
static size_t word_ends(char *w, size_t n)
{
	if (n >= 3 && w[0] == 'i' && w[1] == 'e') {
		memmove(w, w + 1, n - 1);
		n--;
	}
	if (n >= 3 && w[n - 1] == 'f' && (w[n - 2] == 'o' || w[n - 2] == 'e'))
		w[n - 1] = 'v';
	return n;
}

size_t dup_latin(const char *folded, char *out, size_t outlen)
{
	if (!outlen)
		return 0;
	/* the raw Latin first: at most 4 letters (щ) a character */
	size_t cap = 4 * strlen(folded) + 8, n = 0;
	char *raw = malloc(cap);
	if (!raw) {
		out[0] = 0;
		return 0;
	}
	const uint8_t *p = (const uint8_t *)folded;
	while (*p) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		if (k <= 0) {
			p++;
			continue;
		}
		p += k;
		latin_of(cp, raw, cap, &n);
	}
	/* word by word: x -> ks, then the reductions */
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && raw[i] == ' ')
			i++;
		size_t j = i;
		while (j < n && raw[j] != ' ')
			j++;
		if (j == i)
			break;
		char word[256];
		size_t wn = 0;
		for (size_t k = i; k < j && wn + 2 < sizeof(word); k++) {
			if (raw[k] == 'x') {
				word[wn++] = 'k';
				word[wn++] = 's';
			} else {
				word[wn++] = raw[k];
			}
		}
		wn = word_ends(word, reduce(word, wn));
		if (wn && o && o + 1 < outlen)
			out[o++] = ' ';
		for (size_t k = 0; k < wn && o + 1 < outlen; k++)
			out[o++] = word[k];
		i = j;
	}
	out[o] = 0;
	free(raw);
	return o;
}

/* Legal forms as keys spell them: ООО is "o", LLC "lk", Inc. "ink". */
static const char *const legal_forms[] = {
	"o", "zao", "oao", "pao", "ao", "ip", "nko", "fgup", "mup", "lk", "ltd", "ink", "gmbh", "korp", "ko", "plk",
	"sa", "ag",
};

size_t dup_company_strip(char *key)
{
	size_t o = 0;
	char *p = key;
	while (*p) {
		char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool legal = false;
		for (size_t i = 0; i < sizeof(legal_forms) / sizeof(*legal_forms); i++)
			if (strlen(legal_forms[i]) == n && memcmp(legal_forms[i], p, n) == 0)
				legal = true;
		if (!legal) {
			if (o)
				key[o++] = ' ';
			memmove(key + o, p, n);
			o += n;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	key[o] = 0;
	return o;
}

static int cmp_word(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t dup_name_key(const char *last, const char *first, char *out, size_t outlen)
{
	char buf[512];
	char *words[32];
	size_t nw = 0;
	snprintf(buf, sizeof(buf), "%s %s", last, first);
	for (char *t = strtok(buf, " "); t && nw < 32; t = strtok(NULL, " "))
		words[nw++] = t;
	qsort(words, nw, sizeof(*words), cmp_word);
	size_t o = 0;
	if (outlen)
		out[0] = 0;
	for (size_t i = 0; i < nw; i++) {
		int k = snprintf(out + o, outlen > o ? outlen - o : 0, "%s%s", i ? " " : "", words[i]);
		if (k < 0 || o + (size_t)k >= outlen)
			break;
		o += (size_t)k;
	}
	return o;
}

double dup_jaro_winkler(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (!la && !lb)
		return 1.0;
	if (!la || !lb)
		return 0.0;
	if (la > 255)
		la = 255;
	if (lb > 255)
		lb = 255;
	size_t win = (la > lb ? la : lb) / 2;
	win = win ? win - 1 : 0;
	bool ma[256] = { false }, mb[256] = { false };
	size_t m = 0;
	for (size_t i = 0; i < la; i++) {
		size_t lo = i > win ? i - win : 0, hi = i + win + 1 < lb ? i + win + 1 : lb;
		for (size_t j = lo; j < hi; j++)
			if (!mb[j] && a[i] == b[j]) {
				ma[i] = mb[j] = true;
				m++;
				break;
			}
	}
	if (!m)
		return 0.0;
	size_t t = 0, k = 0;
	for (size_t i = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (a[i] != b[k])
			t++;
		k++;
	}
	double md = (double)m;
	double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
	size_t l = 0;
	while (l < 4 && l < la && l < lb && a[l] == b[l])
		l++;
	return jaro + (double)l * 0.1 * (1.0 - jaro);
}

uint64_t dup_key_hash(enum dup_key_kind kind, const char *s, size_t n)
{
	/* FNV-1a, then a final mix (splitmix64's) so the low bits are worth
	 * sorting on */
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (h & ~3ull) | (uint64_t)kind;
}

unsigned dup_score(const struct dup_evidence *e, unsigned *why)
{
	int s = 0;
	unsigned w = 0;
	if (e->phone) {
		s += 50;
		w |= DUP_WHY_PHONE;
	}
	if (e->email) {
		s += 50;
		w |= DUP_WHY_EMAIL;
	}
	if (e->names_both) {
		if (e->name >= DUP_NAME_MIN) {
			s += (int)(40.0 * e->name + 0.5);
			w |= DUP_WHY_NAME;
		} else if (e->name < DUP_NAME_DIFFERS) {
			s -= 25;
			w |= DUP_WHY_NAME_DIFFERS;
		}
		if (e->companies_both && e->company >= 0.999) {
			s += 10;
			w |= DUP_WHY_COMPANY;
		}
	} else if (e->companies_both && e->company >= DUP_NAME_MIN) {
		s += (int)(40.0 * e->company + 0.5);
		w |= DUP_WHY_COMPANY;
	}
	if (s > 100)
		s = 100;
	if (s < 0)
		s = 0;
	if (why)
		*why = w;
	return (unsigned)s;
}
