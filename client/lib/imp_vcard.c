/* imp_vcard: vCard 2.1, 3.0 and 4.0 into card fields, one card at a time.
 *
 * The file is read a physical line at a time into one bounded buffer, and a
 * property's value (unfolded) into another; PHOTO, LOGO, SOUND, KEY and the
 * like are recognised by name before their value is read, and their bytes
 * are passed over without being kept, so a 50 MB photo streams past in the
 * same memory as a phone number. What a row holds lives in an arena that is
 * reset for the next card.
 *
 * Decoding, per property: unfold (a line starting with a space or tab goes
 * on the one before, minus that space; in quoted-printable a line ending in
 * '=' goes on with the next line whatever it starts with), undo
 * quoted-printable, convert from CHARSET= to UTF-8 through iconv, then split
 * the structured value on ';' and undo the backslash escapes. A value with
 * no CHARSET that is not UTF-8 is read as windows-1251 when two bytes of
 * 0xC0..0xFF stand together (Cyrillic writes whole words in that range) and
 * as windows-1252 otherwise (a Western accented letter stands among ASCII
 * ones); bytes no charset can read become U+FFFD, so nothing handed out is
 * ever invalid UTF-8. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "i18n.h"
#include "imp.h"
#include "text.h"

#define VC_VALUE_MAX (1u << 20)            /* a value longer than this makes its card bad */
#define VC_HEADER_MAX 8192u                /* name and parameters before the ':' */
#define VC_LINE_MAX (VC_VALUE_MAX + VC_HEADER_MAX)
#define VC_CARD_MAX (4u << 20)             /* the card's raw text without what is skipped */
#define VC_UNKNOWN_MAX 256
#define VC_MAP_MAX 64

struct buf {
	char *p;
	size_t len, cap;
};

/* One physical line as read; what of it was kept is in b. */
struct line {
	struct buf b;
	unsigned long no;
	bool eof;     /* there was no line: the file ended */
	bool colon;   /* an unquoted ':' was met: b holds the header and the ':' */
	bool cont;    /* starts with a space or tab */
	bool dropped; /* some of the line was not kept */
	bool b64;     /* every byte is one of base64's */
	bool nul;     /* a NUL byte: not text */
	int last;     /* the last byte but CRs, or -1 */
};

enum lmode { L_AUTO, L_KEEP, L_DROP };

/* One property: "group.NAME;params:value", its value unfolded in vc.val. */
struct prop {
	char name[64];
	char group[32];
	char charset[40];
	char service[24]; /* IMPP's X-SERVICE-TYPE */
	bool qp, b64, text, skip, over;
	unsigned long no;
};

struct map_entry {
	char prop[64];
	char field[64];
};

/* What one card gives, gathered until its END. */
struct card {
	char *fn;
	const char *last, *first, *middle, *company, *position, *city, *address, *birthday, *gender;
	unsigned long name_no, fn_no, company_no, position_no, address_no, birthday_no, gender_no;
	struct buf notes;
	unsigned long notes_no;
	const char *bad;
	unsigned long bad_no;
	bool agent;    /* the last property was AGENT: a BEGIN:VCARD now is its card */
	bool raw_over; /* the raw text passed VC_CARD_MAX */
};

struct vc {
	FILE *in;
	const char *file;
	unsigned long lineno;
	struct line ln; /* the next line, read ahead */
	struct buf val, raw, hdr;
	struct arena a;
	struct imp_field *f;
	size_t nf, capf;
	struct card c;
	struct map_entry map[VC_MAP_MAX];
	size_t nmap;
	char *unknown[VC_UNKNOWN_MAX];
	size_t nunknown;
	bool failed;
	bool started;
};

/* ---- small buffers ---- */

#define BUF_ADD_MAX ((size_t)1 << 30)

static bool buf_add(struct buf *b, const char *s, size_t n)
{
	if (n > BUF_ADD_MAX || b->len > BUF_ADD_MAX)
		return false; /* past every limit of a card; also tells the compiler n is sane */
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool is_b64(int c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=';
}

/* Properties whose value is never kept: pictures, sounds, keys, layouts, and
 * the agent's card. They stream past unread. */
static bool skipped_prop(const char *name)
{
	static const char *const names[] = { "PHOTO", "LOGO", "SOUND", "KEY", "AGENT", "X-MS-CARDPICTURE",
					     "X-MS-OL-DESIGN", NULL };
	for (size_t i = 0; names[i]; i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* The name of a header "group.NAME;params" into name (and group), uppercase. */
static void header_name(const char *h, size_t n, char *name, size_t namelen, char *group, size_t grouplen)
{
	size_t end = 0;
	while (end < n && h[end] != ';' && h[end] != ':')
		end++;
	size_t dot = end;
	while (dot > 0 && h[dot - 1] != '.')
		dot--;
	size_t gl = dot ? dot - 1 : 0, nl = end - dot;
	if (gl >= grouplen)
		gl = grouplen - 1;
	if (nl >= namelen)
		nl = namelen - 1;
	for (size_t i = 0; i < gl; i++)
		group[i] = (char)toupper((unsigned char)h[i]);
	group[gl] = '\0';
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)toupper((unsigned char)h[dot + i]);
	name[nl] = '\0';
	/* trailing blanks before the ':' ("N :Doe") */
	while (nl > 0 && name[nl - 1] == ' ')
		name[--nl] = '\0';
}

/* Reads the next physical line: up to LF, CRs before it dropped (CRLF, LF
 * and CR CR LF alike; a CR inside a line stays). L_AUTO keeps a line that
 * starts with a blank only if keep_cont, and otherwise keeps its header, and
 * its value unless the header names a skipped property; a line with no ':'
 * in its first VC_HEADER_MAX bytes is kept no further (a base64 line of a
 * photo written without folding, or garbage). */
static void line_read(struct vc *v, enum lmode mode, bool keep_cont)
{
	struct line *l = &v->ln;
	l->b.len = 0;
	if (l->b.p)
		l->b.p[0] = '\0';
	l->eof = l->colon = l->cont = l->dropped = l->nul = false;
	l->b64 = true;
	l->last = -1;
	int c = getc(v->in);
	if (c == EOF) {
		l->eof = true;
		return;
	}
	l->no = ++v->lineno;
	if (!v->started) {
		v->started = true;
		/* a UTF-8 byte order mark */
		if (c == 0xEF) {
			int c2 = getc(v->in), c3 = c2 == 0xBB ? getc(v->in) : EOF;
			if (c2 == 0xBB && c3 == 0xBF)
				c = getc(v->in);
			else {
				if (c3 != EOF)
					ungetc(c3, v->in);
				else if (c2 != EOF && c2 != 0xBB)
					ungetc(c2, v->in);
			}
		}
	}
	l->cont = c == ' ' || c == '\t';
	bool keep = mode == L_KEEP || (mode == L_AUTO && (!l->cont || keep_cont));
	bool header = mode == L_AUTO && !l->cont, quoted = false;
	size_t limit = header ? VC_HEADER_MAX : VC_LINE_MAX;
	size_t crs = 0; /* CRs held back: dropped if the line ends here */
	for (; c != EOF && c != '\n'; c = getc(v->in)) {
		if (c == '\r') {
			crs++;
			continue;
		}
		if (c == '\0')
			l->nul = true;
		if (!is_b64(c))
			l->b64 = false;
		l->last = c;
		for (; crs; crs--)
			if (keep && l->b.len < limit && !buf_addc(&l->b, '\r'))
				keep = false, l->dropped = true;
		if (!keep) {
			l->dropped = true;
			continue;
		}
		if (l->b.len >= limit) {
			l->dropped = true;
			keep = false;
			continue;
		}
		if (!buf_addc(&l->b, (char)c)) {
			l->dropped = true;
			keep = false;
			continue;
		}
		if (header && c == '"')
			quoted = !quoted;
		else if (header && c == ':' && !quoted) {
			header = false;
			l->colon = true;
			limit = VC_LINE_MAX;
			char name[64], group[32];
			header_name(l->b.p, l->b.len, name, sizeof(name), group, sizeof(group));
			if (skipped_prop(name))
				keep = false;
		}
	}
	if (l->last < 0)
		l->b64 = false;
}

static bool line_blank(const struct line *l)
{
	if (l->dropped)
		return false;
	for (size_t i = 0; i < l->b.len; i++)
		if (l->b.p[i] != ' ' && l->b.p[i] != '\t' && l->b.p[i] != '\r')
			return false;
	return true;
}

/* Whether the line is exactly NAME:VALUE (case aside, blanks around). */
static bool line_is(const struct line *l, const char *what)
{
	const char *s = l->b.p ? l->b.p : "";
	size_t n = l->b.len;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	return !l->dropped && n == strlen(what) && strncasecmp(s, what, n) == 0;
}

/* ---- text ---- */

static bool utf8_valid(const char *s, size_t n)
{
	return text_utf8_valid(s, n);
}

static bool is_utf8(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0;
}

/* Converts s[0..n) from charset cs by iconv into out, bytes it cannot read as
 * U+FFFD. False when iconv does not know cs, or (strict) on a byte it cannot
 * read. */
static bool conv(struct buf *out, const char *cs, const char *s, size_t n, bool strict)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return false;
	out->len = 0;
	char *in = (char *)s;
	size_t inleft = n;
	bool ok = true;
	while (inleft) {
		char tmp[1024], *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		if (!buf_add(out, tmp, (size_t)(o - tmp))) {
			ok = false;
			break;
		}
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (strict) {
			ok = false;
			break;
		}
		/* EILSEQ, or EINVAL: a sequence cut short at the end */
		if (!buf_add(out, "\xEF\xBF\xBD", 3)) {
			ok = false;
			break;
		}
		in++, inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	if (ok && !out->p)
		ok = buf_add(out, "", 0);
	return ok;
}

/* UTF-8 with each byte that is not part of a character as U+FFFD. */
static bool utf8_mend(struct buf *out, const char *s, size_t n)
{
	out->len = 0;
	if (!buf_add(out, "", 0))
		return false;
	size_t i = 0;
	while (i < n) {
		size_t k = 1;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xC2 && c <= 0xF4)
			for (k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; k > 1 && (i + k > n || !utf8_valid(s + i, k)); k = 1)
				;
		if (c >= 0x80 && k == 1) {
			if (!buf_add(out, "\xEF\xBF\xBD", 3))
				return false;
		} else if (!buf_add(out, s + i, k))
			return false;
		i += k;
	}
	return true;
}

/* The 8-bit rule for bytes that name no charset (see the top). */
static const char *guess_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] >= 0xC0 && (unsigned char)s[i + 1] >= 0xC0)
			return "WINDOWS-1251";
	return "WINDOWS-1252";
}

/* s[0..n) in charset cs ("" when the property names none) as UTF-8 in the
 * arena. */
static char *to_utf8(struct vc *v, const char *s, size_t n, const char *cs)
{
	struct buf out = { 0 };
	char *r = NULL;
	bool ascii = true;
	for (size_t i = 0; i < n && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80 && s[i] != '\0';
	bool wide = strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "utf-32", 6) == 0 ||
		    strncasecmp(cs, "ucs", 3) == 0 || strcasecmp(cs, "utf-7") == 0;
	if ((ascii && !wide) || ((!*cs || is_utf8(cs)) && utf8_valid(s, n))) {
		r = arena_alloc(&v->a, n + 1);
		if (r) {
			memcpy(r, s, n);
			r[n] = '\0';
		}
		return r;
	}
	bool ok;
	if (is_utf8(cs))
		ok = utf8_mend(&out, s, n); /* said UTF-8 and is not, here and there */
	else if (*cs && conv(&out, cs, s, n, true))
		ok = true;
	else if (utf8_valid(s, n))
		ok = utf8_mend(&out, s, n);
	else
		ok = conv(&out, guess_8bit(s, n), s, n, false);
	if (ok && out.p) {
		r = arena_alloc(&v->a, out.len + 1);
		if (r)
			memcpy(r, out.p, out.len + 1);
	}
	buf_free(&out);
	return r;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = toupper(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Quoted-printable in place: =XY is a byte; any other '=' stays. */
static size_t qp_decode(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '=' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			s[o++] = (char)(h * 16 + l);
			i += 2;
		} else
			s[o++] = s[i];
	}
	return o;
}

/* Splits s on unescaped sep (0: none) into at most max parts, undoing the
 * escapes \n \N and a backslash before any other punctuation in place. Returns the number of parts. */
static size_t split_unescape(char *s, char sep, char **parts, size_t max)
{
	size_t np = 0;
	char *o = s;
	parts[np++] = o;
	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'n' || *p == 'N')
				*o++ = '\n';
			else if (!isalnum((unsigned char)*p))
				*o++ = *p; /* \, \; \: \\ and the \" some write */
			else {
				*o++ = '\\'; /* not an escape: kept as written */
				*o++ = *p;
			}
		} else if (sep && *p == sep && np < max) {
			*o++ = '\0';
			parts[np++] = o;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return np;
}

/* A value as one line of plain text, in place: controls (a newline among
 * them) become spaces, runs of spaces one, none at either end. With lines,
 * newlines and tabs stay and CRs go (notes). */
static char *tidy(char *s, bool lines)
{
	char *o = s;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		uint32_t cp = *p;
		size_t k = 1;
		if (*p >= 0xC0) {
			k = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
			cp = *p & (0x3F >> (k - 1));
			for (size_t i = 1; i < k; i++)
				cp = cp << 6 | (p[i] & 0x3F);
		}
		if (lines && cp == '\r') {
			p++;
			continue;
		}
		if ((lines && (cp == '\n' || cp == '\t')) || !text_is_control(cp)) {
			memmove(o, p, k);
			o += k;
		} else if (o > s && o[-1] != ' ')
			*o++ = ' ';
		p += k;
	}
	*o = '\0';
	/* spaces: collapsed on one-line text, trimmed at the ends */
	char *w = s;
	for (char *r = s; *r; r++)
		if (!(*r == ' ' && (w == s || (!lines && w[-1] == ' '))))
			*w++ = *r;
	while (w > s && (w[-1] == ' ' || (lines && (w[-1] == '\n' || w[-1] == '\t'))))
		w--;
	*w = '\0';
	return s;
}

/* ---- the row ---- */

static bool field_add(struct vc *v, const char *name, const char *value, unsigned long no)
{
	if (!value || !*value)
		return true;
	if (v->nf == v->capf) {
		size_t cap = v->capf ? v->capf * 2 : 32;
		struct imp_field *f = realloc(v->f, cap * sizeof(*f));
		if (!f)
			return false;
		v->f = f;
		v->capf = cap;
	}
	const char *n = arena_strdup(&v->a, name), *val = arena_strdup(&v->a, value);
	if (!n || !val)
		return false;
	v->f[v->nf++] = (struct imp_field){ n, val, { v->file, no, 0 } };
	return true;
}

static void card_bad(struct vc *v, unsigned long no, const char *why)
{
	if (v->c.bad)
		return;
	v->c.bad = arena_strdup(&v->a, why);
	v->c.bad_no = no;
}

/* A line of the notes: "Label: text" (label NULL: the text alone). */
static void note_add(struct vc *v, const char *label, const char *text, unsigned long no)
{
	if (!text || !*text)
		return;
	struct buf *b = &v->c.notes;
	if (!b->len)
		v->c.notes_no = no;
	else
		buf_addc(b, '\n');
	if (label) {
		buf_add(b, label, strlen(label));
		buf_add(b, ": ", 2);
	}
	buf_add(b, text, strlen(text));
}

static void unknown_add(struct vc *v, const char *name)
{
	for (size_t i = 0; i < v->nunknown; i++)
		if (strcmp(v->unknown[i], name) == 0)
			return;
	if (v->nunknown < VC_UNKNOWN_MAX) {
		char *s = strdup(name);
		if (s)
			v->unknown[v->nunknown++] = s;
	}
}

/* ---- values ---- */

static bool words_end(const char *w, const char *const *ends)
{
	size_t n = strlen(w);
	for (size_t i = 0; ends[i]; i++) {
		size_t k = strlen(ends[i]);
		if (n > k && strcmp(w + n - k, ends[i]) == 0)
			return true;
	}
	return false;
}

/* A Russian patronymic: Иванович, Ильич, Ивановна, Ильинична. */
static bool patronymic(const char *w)
{
	static const char *const ends[] = { "ич", "вна", "чна", "ИЧ", "ВНА", "ЧНА", NULL };
	return words_end(w, ends);
}

/* FN into names when N gave none: "Last, First Middle"; "Фамилия Имя
 * Отчество" when the third word is a patronymic, "Имя Отчество Фамилия" when
 * the second is; otherwise first word first, last word last, middle between. */
static void names_from_fn(struct vc *v, char *fn)
{
	struct card *c = &v->c;
	char *comma = strchr(fn, ',');
	if (comma) {
		*comma = '\0';
		c->last = tidy(fn, false);
		fn = comma + 1;
	}
	char *w[16];
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(fn, " ", &save); t && n < 16; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	if (!n)
		return;
	if (comma) {
		c->first = w[0];
		if (n > 1)
			c->middle = w[1];
		return;
	}
	if (n == 1) {
		c->first = w[0];
		return;
	}
	if (n == 3 && patronymic(w[2])) {
		c->last = w[0], c->first = w[1], c->middle = w[2];
		return;
	}
	c->first = w[0];
	c->last = w[n - 1];
	if (n == 3)
		c->middle = w[1];
	else if (n > 3) {
		/* the words between, one space apart */
		char *m = w[1];
		for (size_t i = 2; i + 1 < n; i++)
			w[i][-1] = ' ';
		c->middle = m;
	}
}

/* A list component of N ("Richter,James") as one name. */
static char *one_name(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == ',')
			*p = ' ';
	return tidy(s, false);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool day_ok(int m, int d)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

/* BDAY as a card takes it: YYYY-MM-DD, YYYYMMDD, --MM-DD, --MMDD, each
 * perhaps with a time after it ("T..."): into out as YYYY-MM-DD or --MM-DD. */
static bool bday_parse(const char *s, char *out, size_t outlen)
{
	char d[16];
	size_t n = strcspn(s, "Tt ");
	if (n >= sizeof(d))
		return false;
	memcpy(d, s, n);
	d[n] = '\0';
	int y = 0, m, dd;
	if (n == 10 && d[4] == '-' && d[7] == '-' && all_digits(d, 4) && all_digits(d + 5, 2) && all_digits(d + 8, 2))
		y = atoi(d), m = atoi(d + 5), dd = atoi(d + 8);
	else if (n == 8 && all_digits(d, 8))
		y = atoi(d) / 10000, m = atoi(d) / 100 % 100, dd = atoi(d) % 100;
	else if (n == 7 && d[0] == '-' && d[1] == '-' && d[4] == '-' && all_digits(d + 2, 2) && all_digits(d + 5, 2))
		m = atoi(d + 2), dd = atoi(d + 5);
	else if (n == 6 && d[0] == '-' && d[1] == '-' && all_digits(d + 2, 4))
		m = atoi(d + 2) / 100, dd = atoi(d + 2) % 100;
	else
		return false;
	if (!day_ok(m, dd))
		return false;
	if (y)
		snprintf(out, outlen, "%04d-%02d-%02d", y, m, dd);
	else
		snprintf(out, outlen, "--%02d-%02d", m, dd);
	return true;
}

/* A phone as the server takes one: digits and + ( ) - . spaces, 5 to 15
 * digits, perhaps an extension after. */
static bool phone_ok(const char *s)
{
	const char *ext;
	size_t ext_len, main_len = text_phone_ext(s, &ext, &ext_len);
	int digits = 0;
	for (size_t i = 0; i < main_len; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (!strchr(" +-().", s[i]))
			return false;
	}
	return digits >= 5 && digits <= 15;
}

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	return at && at != s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t,;<>");
}

/* An instant-messaging handle as the server's KIND:HANDLE, when it is one
 * of the kinds kart knows (telegram, whatsapp, viber, skype, xmpp, vk, sip);
 * NULL otherwise. */
static const char *messenger(struct vc *v, const char *kind, const char *h)
{
	static const struct {
		const char *prefix, *kind, *at;
	} uris[] = {
		{ "tg://resolve?domain=", "telegram", "@" }, { "https://t.me/", "telegram", "@" },
		{ "http://t.me/", "telegram", "@" },          { "skype:", "skype", "" },
		{ "xmpp:", "xmpp", "" },                      { "sip:", "sip", "" },
		{ "https://vk.com/", "vk", "" },              { "https://wa.me/", "whatsapp", "+" },
		{ "viber://chat?number=", "viber", "" },      { "tg://resolve?phone=", "telegram", "+" },
	};
	if (!*h || strchr(h, ','))
		return NULL;
	if (!kind) {
		for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
			size_t k = strlen(uris[i].prefix);
			if (strncasecmp(h, uris[i].prefix, k) == 0) {
				const char *rest = h + k;
				size_t rl = strcspn(rest, "?");
				if (!rl)
					return NULL;
				if (strncmp(rest, "%2B", 3) == 0)
					rest += 3, rl -= 3;
				return arena_printf(&v->a, "%s:%s%.*s", uris[i].kind, *rest == '@' ? "" : uris[i].at,
						    (int)rl, rest);
			}
		}
		return NULL;
	}
	return arena_printf(&v->a, "%s:%s", kind, h);
}

/* ---- one property into the card ---- */

static const char *map_find(const struct vc *v, const char *name)
{
	for (size_t i = 0; i < v->nmap; i++)
		if (strcasecmp(v->map[i].prop, name) == 0)
			return v->map[i].field;
	return NULL;
}

/* Properties that say nothing about the person, or repeat what another
 * property said: not reported as unknown. */
static bool quiet_prop(const char *n)
{
	static const char *const names[] = {
		"VERSION", "PRODID", "REV", "UID", "LABEL", "X-ABLABEL", "X-ABUID", "X-ABADR", "SORT-STRING",
		"CLASS", "PROFILE", "NAME", "SOURCE", "MAILER", "X-GENERATOR", "X-MS-OL-DEFAULT-POSTAL-ADDRESS",
		"X-IRMC-LUID", "X-EVOLUTION-FILE-AS", "X-MOZILLA-HTML", "KIND", "XML", "CLIENTPIDMAP", NULL,
	};
	for (size_t i = 0; names[i]; i++)
		if (strcmp(n, names[i]) == 0)
			return true;
	return false;
}

/* An address component on one line: its line breaks as ", ", no comma or
 * blank at the end (a street "Silicon Alley 5," is joined to what follows). */
static void adr_part(struct buf *a, char *p)
{
	for (char *save = NULL, *t = strtok_r(p, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		tidy(t, false);
		size_t n = strlen(t);
		while (n && (t[n - 1] == ',' || t[n - 1] == ' '))
			t[--n] = '\0';
		if (!n)
			continue;
		if (a->len)
			buf_add(a, ", ", 2);
		buf_add(a, t, n);
	}
}

/* ADR (pobox;extended;street;locality;region;code;country): the first one
 * into address (street, extended, pobox, region, code, country) and city;
 * each further one, city included, into the notes. */
static void prop_adr(struct vc *v, char *val, unsigned long no)
{
	char *p[8] = { 0 };
	size_t n = split_unescape(val, ';', p, 8);
	bool first = !v->c.address && !v->c.city;
	static const int order[] = { 2, 1, 0, 3, 4, 5, 6 };
	struct buf a = { 0 };
	char *city = NULL;
	if (n > 3) {
		tidy(p[3], false);
		city = *p[3] ? p[3] : NULL;
	}
	for (size_t i = 0; i < 7; i++)
		if ((size_t)order[i] < n && (order[i] != 3 || !first))
			adr_part(&a, p[order[i]]);
	if (first) {
		if (a.len)
			v->c.address = arena_strdup(&v->a, a.p);
		v->c.city = city;
		v->c.address_no = no;
	} else if (a.len)
		note_add(v, _("Address"), a.p, no);
	buf_free(&a);
}

static void prop_im(struct vc *v, const struct prop *pr, const char *kind, const char *label, char *val)
{
	tidy(val, false);
	if (!*val)
		return;
	const char *m = NULL;
	if (!kind && pr->service[0]) {
		/* IMPP;X-SERVICE-TYPE=Telegram:... */
		static const char *const kinds[] = { "telegram", "whatsapp", "viber", "skype", "jabber", "vk", NULL };
		for (size_t i = 0; kinds[i] && !m; i++)
			if (strcasecmp(pr->service, kinds[i]) == 0)
				m = messenger(v, NULL, val);
	}
	if (!m)
		m = messenger(v, kind, val);
	if (m)
		field_add(v, "messengers", m, pr->no);
	else
		note_add(v, label, val, pr->no);
}

/* Decodes the property's value (in v->val) and gives it to the card. */
static void prop_apply(struct vc *v, struct prop *pr)
{
	struct card *c = &v->c;
	const char *n = pr->name;
	if (pr->skip) {
		c->agent = strcmp(n, "AGENT") == 0;
		return;
	}
	c->agent = false;
	if (pr->over) {
		char why[160];
		snprintf(why, sizeof(why), _("%s is longer than 1 MiB"), n);
		card_bad(v, pr->no, why);
		return;
	}
	size_t len = v->val.len;
	if (pr->qp)
		len = qp_decode(v->val.p, len);
	char *val = to_utf8(v, v->val.p ? v->val.p : "", len, pr->charset);
	if (!val)
		return;
	const char *to = map_find(v, n);
	char *parts[8];
	if (to) {
		split_unescape(val, 0, parts, 1);
		field_add(v, to, tidy(val, strcmp(to, "notes") == 0), pr->no);
		return;
	}
	if (strcmp(n, "N") == 0) {
		size_t k = split_unescape(val, ';', parts, 5);
		if (!c->last && !c->first && !c->middle) {
			c->last = k > 0 && *one_name(parts[0]) ? parts[0] : NULL;
			c->first = k > 1 && *one_name(parts[1]) ? parts[1] : NULL;
			c->middle = k > 2 && *one_name(parts[2]) ? parts[2] : NULL;
			c->name_no = pr->no;
		}
	} else if (strcmp(n, "FN") == 0) {
		split_unescape(val, 0, parts, 1);
		if (!c->fn && *tidy(val, false)) {
			c->fn = val;
			c->fn_no = pr->no;
		}
	} else if (strcmp(n, "ORG") == 0) {
		size_t k = split_unescape(val, ';', parts, 8);
		for (size_t i = 0; i < k; i++)
			tidy(parts[i], false);
		if (!c->company && *parts[0]) {
			c->company = parts[0];
			c->company_no = pr->no;
		} else if (*parts[0] && strcmp(parts[0], c->company ? c->company : "") != 0)
			note_add(v, _("Organization"), parts[0], pr->no);
		for (size_t i = 1; i < k; i++)
			note_add(v, _("Department"), parts[i], pr->no);
	} else if (strcmp(n, "TITLE") == 0) {
		split_unescape(val, 0, parts, 1);
		if (!c->position && *tidy(val, false)) {
			c->position = val;
			c->position_no = pr->no;
		} else
			note_add(v, _("Job title"), tidy(val, false), pr->no);
	} else if (strcmp(n, "ROLE") == 0) {
		split_unescape(val, 0, parts, 1);
		note_add(v, _("Role"), tidy(val, false), pr->no);
	} else if (strcmp(n, "NICKNAME") == 0) {
		split_unescape(val, 0, parts, 1);
		note_add(v, _("Nickname"), tidy(val, false), pr->no);
	} else if (strcmp(n, "TEL") == 0 || strcmp(n, "X-MS-TEL") == 0) {
		split_unescape(val, 0, parts, 1);
		tidy(val, false);
		if (strncasecmp(val, "tel:", 4) == 0)
			val += 4;
		if (phone_ok(val))
			field_add(v, "phones", val, pr->no);
		else
			note_add(v, _("Phone"), val, pr->no);
	} else if (strcmp(n, "EMAIL") == 0) {
		split_unescape(val, 0, parts, 1);
		tidy(val, false);
		if (strncasecmp(val, "mailto:", 7) == 0)
			val += 7;
		if (email_ok(val))
			field_add(v, "emails", val, pr->no);
		else
			note_add(v, _("Email"), val, pr->no);
	} else if (strcmp(n, "ADR") == 0) {
		prop_adr(v, val, pr->no);
	} else if (strcmp(n, "NOTE") == 0) {
		split_unescape(val, 0, parts, 1);
		note_add(v, NULL, tidy(val, true), pr->no);
	} else if (strcmp(n, "CATEGORIES") == 0) {
		/* escaped or not, a comma parts categories (Thunderbird escapes them) */
		for (char *p = val; *p; p++)
			if (p[0] == '\\' && p[1] == ',')
				p[0] = ' ', p[1] = '\x01';
		split_unescape(val, 0, parts, 1);
		for (char *save = NULL, *t = strtok_r(val, ",\x01", &save); t; t = strtok_r(NULL, ",\x01", &save))
			field_add(v, "tags", tidy(t, false), pr->no);
	} else if (strcmp(n, "BDAY") == 0) {
		split_unescape(val, 0, parts, 1);
		tidy(val, false);
		char d[32];
		if (!*val || c->birthday)
			return;
		if (pr->text)
			note_add(v, _("Birthday"), val, pr->no);
		else if (bday_parse(val, d, sizeof(d))) {
			c->birthday = arena_strdup(&v->a, d);
			c->birthday_no = pr->no;
		} else {
			char why[160];
			snprintf(why, sizeof(why), _("BDAY '%.40s' is not a date"), val);
			card_bad(v, pr->no, why);
		}
	} else if (strcmp(n, "X-GENDER") == 0 || strcmp(n, "GENDER") == 0 || strcmp(n, "X-WAB-GENDER") == 0) {
		split_unescape(val, ';', parts, 2); /* 4.0: "M;he" */
		tidy(val, false);
		const char *g = NULL;
		if (strcasecmp(val, "m") == 0 || strcasecmp(val, "male") == 0 || strcmp(val, "2") == 0 ||
		    strcmp(val, "м") == 0 || strcmp(val, "М") == 0 || strncmp(val, "Муж", 6) == 0 || strncmp(val, "муж", 6) == 0)
			g = "m";
		else if (strcasecmp(val, "f") == 0 || strcasecmp(val, "female") == 0 || strcmp(val, "1") == 0 ||
			 strcmp(val, "ж") == 0 || strcmp(val, "Ж") == 0 || strncmp(val, "Жен", 6) == 0 ||
			 strncmp(val, "жен", 6) == 0)
			g = "f";
		if (g && !c->gender) {
			c->gender = g;
			c->gender_no = pr->no;
		}
	} else if (strcmp(n, "URL") == 0) {
		split_unescape(val, 0, parts, 1);
		note_add(v, _("Web"), tidy(val, false), pr->no);
	} else if (strcmp(n, "IMPP") == 0) {
		split_unescape(val, 0, parts, 1);
		prop_im(v, pr, NULL, "IM", val);
	} else if (strncmp(n, "X-", 2) == 0 && strcmp(n, "X-MS-IMADDRESS") != 0 &&
		   (strcmp(n + 2, "SKYPE") == 0 || strcmp(n + 2, "SKYPE-USERNAME") == 0 || strcmp(n + 2, "TELEGRAM") == 0 ||
		    strcmp(n + 2, "JABBER") == 0 || strcmp(n + 2, "VIBER") == 0 || strcmp(n + 2, "WHATSAPP") == 0 ||
		    strcmp(n + 2, "VK") == 0 || strcmp(n + 2, "AIM") == 0 || strcmp(n + 2, "ICQ") == 0 ||
		    strcmp(n + 2, "MSN") == 0 || strcmp(n + 2, "YAHOO") == 0 || strcmp(n + 2, "QQ") == 0 ||
		    strcmp(n + 2, "GTALK") == 0 || strcmp(n + 2, "GADUGADU") == 0 || strcmp(n + 2, "GOOGLE-TALK") == 0)) {
		static const char *const kinds[][2] = { { "SKYPE", "skype" }, { "SKYPE-USERNAME", "skype" },
							 { "TELEGRAM", "telegram" }, { "JABBER", "xmpp" },
							 { "VIBER", "viber" }, { "WHATSAPP", "whatsapp" }, { "VK", "vk" } };
		const char *kind = NULL;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(n + 2, kinds[i][0]) == 0)
				kind = kinds[i][1];
		split_unescape(val, 0, parts, 1);
		if (kind)
			prop_im(v, pr, kind, n + 2, val);
		else
			note_add(v, n + 2, tidy(val, false), pr->no);
	} else if (strcmp(n, "X-MS-IMADDRESS") == 0) {
		split_unescape(val, 0, parts, 1);
		note_add(v, "IM", tidy(val, false), pr->no);
	} else if (!quiet_prop(n) && *val)
		unknown_add(v, n);
}

/* ---- reading a property ---- */

/* The parameters of a header "group.NAME;A=b;C;D="e"" into pr. */
static void params_parse(struct prop *pr, char *h)
{
	char *p = h + strcspn(h, ";");
	while (*p == ';') {
		char *s = ++p;
		bool q = false;
		while (*p && (q || *p != ';')) {
			if (*p == '"')
				q = !q;
			p++;
		}
		char save = *p;
		*p = '\0';
		char *eq = strchr(s, '=');
		char *key = s, *value = eq ? eq + 1 : s;
		if (eq)
			*eq = '\0';
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"')
			value[vl - 1] = '\0', value++;
		if (!eq || strcasecmp(key, "ENCODING") == 0) {
			if (strcasecmp(value, "QUOTED-PRINTABLE") == 0)
				pr->qp = true;
			else if (strcasecmp(value, "BASE64") == 0 || strcasecmp(value, "B") == 0)
				pr->b64 = true;
		} else if (strcasecmp(key, "CHARSET") == 0)
			snprintf(pr->charset, sizeof(pr->charset), "%s", value);
		else if (strcasecmp(key, "VALUE") == 0)
			pr->text = strcasecmp(value, "text") == 0;
		else if (strcasecmp(key, "X-SERVICE-TYPE") == 0)
			snprintf(pr->service, sizeof(pr->service), "%s", value);
		if (eq)
			*eq = '=';
		*p = save;
	}
}

static void raw_add(struct vc *v, const char *s, size_t n, const char *cs)
{
	if (v->c.raw_over)
		return;
	if (v->raw.len + n + 2 > VC_CARD_MAX) {
		v->c.raw_over = true;
		card_bad(v, v->ln.no, _("the card is longer than 4 MiB"));
		return;
	}
	if (utf8_valid(s, n) || !*cs) {
		if (!utf8_valid(s, n)) {
			char *u = to_utf8(v, s, n, "");
			buf_add(&v->raw, u ? u : "", u ? strlen(u) : 0);
		} else
			buf_add(&v->raw, s, n);
	} else {
		char *u = to_utf8(v, s, n, cs);
		buf_add(&v->raw, u ? u : "", u ? strlen(u) : 0);
	}
	buf_add(&v->raw, "\r\n", 2);
}

/* Reads the property whose first line is in v->ln, with its continuation
 * lines, leaving the line after it in v->ln. */
static void prop_read(struct vc *v, struct prop *pr)
{
	struct line *l = &v->ln;
	memset(pr, 0, sizeof(*pr));
	pr->no = l->no;
	/* the ':' in a quoted parameter does not end the header */
	size_t colon;
	bool q = false;
	for (colon = 0; colon < l->b.len && (q || l->b.p[colon] != ':'); colon++)
		if (l->b.p[colon] == '"')
			q = !q;
	v->hdr.len = 0;
	buf_add(&v->hdr, l->b.p, colon);
	header_name(v->hdr.p, v->hdr.len, pr->name, sizeof(pr->name), pr->group, sizeof(pr->group));
	params_parse(pr, v->hdr.p);
	pr->skip = skipped_prop(pr->name);
	bool keep = !pr->skip;
	v->val.len = 0;
	if (v->val.p)
		v->val.p[0] = '\0';
	if (keep) {
		buf_add(&v->val, l->b.p + colon + 1, l->b.len - colon - 1);
		pr->over = l->dropped || v->val.len > VC_VALUE_MAX;
	}
	int last = l->last;
	for (;;) {
		if (pr->qp && last == '=') {
			/* a soft break: the next line goes on, whatever it starts with */
			if (keep && v->val.len)
				v->val.p[--v->val.len] = '\0';
			line_read(v, keep ? L_KEEP : L_DROP, false);
			if (l->eof)
				break;
			if (keep) {
				pr->over |= l->dropped || v->val.len + l->b.len > VC_VALUE_MAX;
				if (!pr->over)
					buf_add(&v->val, l->b.p, l->b.len);
			}
			last = l->last;
			continue;
		}
		line_read(v, L_AUTO, keep);
		if (l->eof)
			break;
		if (l->cont) {
			if (keep) {
				pr->over |= l->dropped || v->val.len + l->b.len > VC_VALUE_MAX;
				if (!pr->over && l->b.len)
					buf_add(&v->val, l->b.p + 1, l->b.len - 1);
			}
			last = l->last;
			continue;
		}
		/* vCard 2.1 base64 may go on without folding, to a blank line */
		if (pr->skip && pr->b64 && !l->colon && l->b64)
			continue;
		break;
	}
	if (keep && !pr->over) {
		/* the property as one unfolded line, for --rejects */
		struct buf line = { 0 };
		const char *h = v->hdr.p ? v->hdr.p : "", *cs = strcasestr(h, ";CHARSET=");
		if (cs && !utf8_valid(v->val.p ? v->val.p : "", v->val.len)) {
			/* the value is written out in UTF-8 now, and says so */
			size_t at = (size_t)(cs - h) + 9, end = at + strcspn(h + at, ";");
			buf_add(&line, h, at);
			buf_add(&line, "UTF-8", 5);
			buf_add(&line, h + end, v->hdr.len - end);
		} else
			buf_add(&line, h, v->hdr.len);
		buf_addc(&line, ':');
		buf_add(&line, v->val.p ? v->val.p : "", v->val.len);
		raw_add(v, line.p, line.len, pr->charset);
		buf_free(&line);
	}
}

/* ---- the reader ---- */

static void errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A piece of a line fit for a message. */
static const char *shown(const struct line *l, char *out, size_t outlen)
{
	char cut[48];
	size_t n = l->b.len < sizeof(cut) - 1 ? l->b.len : sizeof(cut) - 1;
	memcpy(cut, l->b.p ? l->b.p : "", n);
	cut[n] = '\0';
	text_visible(out, outlen, cut, 0);
	return out;
}

static int vc_fail(struct vc *v, char *err, size_t errlen, unsigned long no, const char *why)
{
	v->failed = true;
	errf(err, errlen, "%s:%lu: %s", v->file, no, why);
	return -1;
}

/* Skips the agent's card nested in a 2.1 AGENT property, to its END. */
static bool agent_skip(struct vc *v)
{
	int depth = 1;
	while (depth > 0) {
		line_read(v, L_AUTO, false);
		if (v->ln.eof)
			return false;
		if (line_is(&v->ln, "BEGIN:VCARD"))
			depth++;
		else if (line_is(&v->ln, "END:VCARD"))
			depth--;
	}
	line_read(v, L_AUTO, false);
	return true;
}

static void card_fields(struct vc *v)
{
	struct card *c = &v->c;
	if (!c->last && !c->first && !c->middle && c->fn) {
		names_from_fn(v, c->fn);
		c->name_no = c->fn_no;
	}
	field_add(v, "last_name", c->last, c->name_no);
	field_add(v, "first_name", c->first, c->name_no);
	field_add(v, "middle_name", c->middle, c->name_no);
	field_add(v, "company", c->company, c->company_no);
	field_add(v, "position", c->position, c->position_no);
	field_add(v, "gender", c->gender, c->gender_no);
	field_add(v, "birthday", c->birthday, c->birthday_no);
	field_add(v, "city", c->city, c->address_no);
	field_add(v, "address", c->address, c->address_no);
	if (c->notes.len)
		field_add(v, "notes", c->notes.p, c->notes_no);
}

static int vc_next(void *st, struct imp_row *row, char *err, size_t errlen)
{
	struct vc *v = st;
	if (v->failed) {
		errf(err, errlen, "%s: %s", v->file, _("the file cannot be read on"));
		return -1;
	}
	arena_reset(&v->a);
	v->nf = 0;
	v->raw.len = 0;
	buf_free(&v->c.notes);
	memset(&v->c, 0, sizeof(v->c));
	memset(row, 0, sizeof(*row));
	char why[200], piece[200];
	while (!v->ln.eof && line_blank(&v->ln))
		line_read(v, L_AUTO, false);
	if (v->ln.eof)
		return 0;
	if (v->ln.nul)
		return vc_fail(v, err, errlen, v->ln.no, _("a NUL byte: this is not a text file"));
	if (!line_is(&v->ln, "BEGIN:VCARD")) {
		snprintf(why, sizeof(why), _("expected BEGIN:VCARD, found '%s'"), shown(&v->ln, piece, sizeof(piece)));
		return vc_fail(v, err, errlen, v->ln.no, why);
	}
	unsigned long begin = v->ln.no;
	raw_add(v, "BEGIN:VCARD", 11, "");
	line_read(v, L_AUTO, false);
	for (;;) {
		struct line *l = &v->ln;
		if (l->eof) {
			snprintf(why, sizeof(why), _("BEGIN:VCARD at line %lu has no END:VCARD"), begin);
			return vc_fail(v, err, errlen, v->lineno, why);
		}
		if (l->nul)
			return vc_fail(v, err, errlen, l->no, _("a NUL byte: this is not a text file"));
		if (line_blank(l) || l->cont || !l->colon) {
			/* blank lines, a stray continuation, a line that is no property */
			line_read(v, L_AUTO, false);
			continue;
		}
		if (line_is(l, "END:VCARD")) {
			raw_add(v, "END:VCARD", 9, "");
			line_read(v, L_AUTO, false);
			break;
		}
		if (line_is(l, "BEGIN:VCARD")) {
			if (v->c.agent) {
				if (!agent_skip(v)) {
					snprintf(why, sizeof(why), _("BEGIN:VCARD at line %lu has no END:VCARD"), begin);
					return vc_fail(v, err, errlen, v->lineno, why);
				}
				v->c.agent = false;
				continue;
			}
			snprintf(why, sizeof(why), _("BEGIN:VCARD at line %lu has no END:VCARD"), begin);
			return vc_fail(v, err, errlen, l->no, why);
		}
		struct prop pr;
		prop_read(v, &pr);
		if (!v->c.raw_over)
			prop_apply(v, &pr);
	}
	card_fields(v);
	row->pos = (struct imp_pos){ v->file, begin, 0 };
	row->fields = v->f;
	row->n = v->nf;
	row->raw = v->raw.p;
	row->raw_len = v->raw.len;
	if (v->c.bad) {
		row->bad = v->c.bad;
		row->bad_pos = (struct imp_pos){ v->file, v->c.bad_no, 0 };
	}
	return 1;
}

/* --map "NAME=field,OTHER=custom": property names to fields. */
static bool map_parse(struct vc *v, const char *map, char *err, size_t errlen)
{
	if (!map)
		return true;
	const char *p = map;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		size_t kl = eq ? (size_t)(eq - p) : 0, fl = eq ? n - kl - 1 : 0;
		while (kl && p[kl - 1] == ' ')
			kl--;
		const char *k = p, *f = eq ? eq + 1 : NULL;
		while (kl && *k == ' ')
			k++, kl--;
		while (fl && *f == ' ')
			f++, fl--;
		while (fl && f[fl - 1] == ' ')
			fl--;
		if (n && (!eq || !kl || !fl || kl >= sizeof(v->map[0].prop) || fl >= sizeof(v->map[0].field))) {
			errf(err, errlen, _("--map: '%.*s' should be NAME=field"), (int)(n > 60 ? 60 : n), p);
			return false;
		}
		if (n) {
			if (v->nmap == VC_MAP_MAX) {
				errf(err, errlen, _("--map: at most %d names"), VC_MAP_MAX);
				return false;
			}
			struct map_entry *m = &v->map[v->nmap++];
			memcpy(m->prop, k, kl);
			m->prop[kl] = '\0';
			memcpy(m->field, f, fl);
			m->field[fl] = '\0';
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static void vc_close(void *st)
{
	struct vc *v = st;
	if (!v)
		return;
	buf_free(&v->ln.b);
	buf_free(&v->val);
	buf_free(&v->raw);
	buf_free(&v->hdr);
	buf_free(&v->c.notes);
	free(v->f);
	for (size_t i = 0; i < v->nunknown; i++)
		free(v->unknown[i]);
	arena_free(&v->a);
	free(v);
}

static void *vc_open(FILE *in, const char *file, const struct imp_opts *o, char *err, size_t errlen)
{
	struct vc *v = calloc(1, sizeof(*v));
	if (!v) {
		errf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		return NULL;
	}
	v->in = in;
	v->file = file;
	arena_init(&v->a, 0);
	if (!map_parse(v, o ? o->map : NULL, err, errlen)) {
		vc_close(v);
		return NULL;
	}
	line_read(v, L_AUTO, false);
	return v;
}

static size_t vc_unknown(const void *st, const char *const **names)
{
	const struct vc *v = st;
	*names = (const char *const *)v->unknown;
	return v->nunknown;
}

const struct imp_format_ops imp_vcard_ops = {
	.open = vc_open,
	.next = vc_next,
	.unknown = vc_unknown,
	.close = vc_close,
};
