#include "leak.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "text.h"

/* ---- the set of contact hashes ---- */

static int set_grow(struct leak_file *f)
{
	size_t cap = f->cap ? f->cap * 2 : 1024;
	uint64_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < f->cap; i++) {
		uint64_t h = f->slots[i];
		if (!h)
			continue;
		size_t j = (size_t)(h >> 7) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = h;
	}
	free(f->slots);
	f->slots = slots;
	f->cap = cap;
	return 0;
}

/* Adds h. Returns 1 if it was new, 0 if it was there, -1 out of memory. */
static int set_add(struct leak_file *f, uint64_t h)
{
	if ((f->n + 1) * 2 > f->cap && set_grow(f) < 0)
		return -1;
	size_t j = (size_t)(h >> 7) & (f->cap - 1);
	while (f->slots[j]) {
		if (f->slots[j] == h)
			return 0;
		j = (j + 1) & (f->cap - 1);
	}
	f->slots[j] = h;
	f->n++;
	return 1;
}

static inline uint64_t filter_bit(uint64_t h, uint64_t mask)
{
	return (h * UINT64_C(0x9e3779b97f4a7c15)) >> 32 & mask;
}

/* Builds the filter: 32 bits a contact (at most 4 Mbit, 512 KiB), so about
 * one hash in 32 not in the file still goes on to the table. */
static int filter_build(struct leak_file *f)
{
	uint64_t bits = 1u << 16;
	while (bits < (uint64_t)f->n * 32 && bits < (UINT64_C(1) << 22))
		bits <<= 1;
	f->filter = calloc(bits / 64, sizeof(uint64_t));
	if (!f->filter)
		return -1;
	f->filter_mask = bits - 1;
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i]) {
			uint64_t b = filter_bit(f->slots[i], f->filter_mask);
			f->filter[b / 64] |= UINT64_C(1) << (b % 64);
		}
	return 0;
}

bool leak_has(const struct leak_file *f, uint64_t h)
{
	if (!f->cap)
		return false;
	if (f->filter) {
		uint64_t b = filter_bit(h, f->filter_mask);
		if (!(f->filter[b / 64] >> (b % 64) & 1))
			return false;
	}
	size_t j = (size_t)(h >> 7) & (f->cap - 1);
	while (f->slots[j]) {
		if (f->slots[j] == h)
			return true;
		j = (j + 1) & (f->cap - 1);
	}
	return false;
}

static int list_add(struct arena *a, char ***list, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		char **nl = arena_alloc(a, nc * sizeof(*nl));
		if (!nl)
			return -1;
		if (*n)
			memcpy(nl, *list, *n * sizeof(*nl));
		*list = nl;
		*cap = nc;
	}
	char *copy = arena_strdup(a, s);
	if (!copy)
		return -1;
	(*list)[(*n)++] = copy;
	return 0;
}

static int add_contact(struct leak_file *f, struct arena *a, char kind, const char *s)
{
	int rc = set_add(f, export_contact_hash(kind, s));
	if (rc <= 0)
		return rc;
	return kind == 'p' ? list_add(a, &f->phones, &f->nphones, &f->phones_cap, s)
			   : list_add(a, &f->emails, &f->nemails, &f->emails_cap, s);
}

/* ---- emails ---- */

static bool local_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool domain_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* Takes every email out of buf, blanking it there so its digits are not
 * read as a phone. */
static int take_emails(struct leak_file *f, struct arena *a, char *buf, size_t len)
{
	for (size_t i = 1; i + 1 < len; i++) {
		if (buf[i] != '@')
			continue;
		size_t s = i, e = i + 1;
		while (s > 0 && local_char((unsigned char)buf[s - 1]))
			s--;
		while (e < len && domain_char((unsigned char)buf[e]))
			e++;
		while (s < i && (buf[s] == '.' || buf[s] == '-' || buf[s] == '+'))
			s++;
		while (e > i + 1 && (buf[e - 1] == '.' || buf[e - 1] == '-'))
			e--;
		if (s == i || e - i - 1 < 3 || !memchr(buf + i + 1, '.', e - i - 1) || buf[i + 1] == '.' ||
		    i - s > 64 || e - i - 1 > 253)
			continue;
		char addr[330];
		size_t n = e - s;
		for (size_t k = 0; k < n; k++)
			addr[k] = (char)tolower((unsigned char)buf[s + k]);
		addr[n] = '\0';
		const char *folded = text_fold(a, addr);
		if (folded && add_contact(f, a, 'e', folded) < 0)
			return -1;
		memset(buf + s, ' ', n);
		i = e;
	}
	return 0;
}

/* ---- phones ---- */

static bool phone_char(unsigned char c)
{
	return isdigit(c) || c == '+' || c == '(' || c == ')' || c == '-' || c == '.' || c == ' ';
}

static size_t count_digits(const char *s, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		d += isdigit((unsigned char)s[i]) != 0;
	return d;
}

/* One candidate number: trimmed of punctuation around it, normalised. */
static int try_phone(struct leak_file *f, struct arena *a, const char *s, size_t n, const char *country, bool *ok)
{
	*ok = false;
	while (n && !isdigit((unsigned char)*s) && *s != '+' && *s != '(')
		s++, n--;
	while (n && !isdigit((unsigned char)s[n - 1]) && s[n - 1] != ')')
		n--;
	if (n == 0 || n > 48)
		return 0;
	char tmp[64], e164[32];
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (text_phone_e164(tmp, country, e164, sizeof(e164)) < 0)
		return 0;
	*ok = true;
	return add_contact(f, a, 'p', e164) < 0 ? -1 : 0;
}

#define RUN_PIECES 24 /* a number is a few pieces at most ("+ 7 ( 9 1 7 ) …" is not a phone) */

struct piece {
	const char *p;
	size_t n, d;
};

/* The next space-separated piece of s[*pos..n), if any. */
static bool next_piece(const char *s, size_t n, size_t *pos, struct piece *out)
{
	size_t i = *pos;
	while (i < n && s[i] == ' ')
		i++;
	size_t st = i;
	while (i < n && s[i] != ' ')
		i++;
	*pos = i;
	if (i == st)
		return false;
	out->p = s + st;
	out->n = i - st;
	out->d = count_digits(s + st, i - st);
	return true;
}

/* A run of phone characters: one number, or several separated by spaces
 * ("+7 917 … +7 927 …", "89171234567 89271234567"). The pieces are looked
 * at through a window of RUN_PIECES, so a run of any length (a line of
 * "1 1 1 …") costs no memory. */
static int take_run(struct leak_file *f, struct arena *a, const char *s, size_t n, const char *country)
{
	size_t digits = count_digits(s, n);
	bool ok;
	if (digits < 10)
		return 0;
	if (digits <= 15) {
		if (try_phone(f, a, s, n, country, &ok) < 0)
			return -1;
		if (ok)
			return 0;
	}
	/* a '+' after a space always starts a number */
	struct piece win[RUN_PIECES];
	size_t nw = 0, pos = 0;
	int rc = 0;
	for (;;) {
		while (nw < RUN_PIECES && next_piece(s, n, &pos, &win[nw]))
			nw++;
		if (nw == 0 || rc)
			break;
		size_t acc = 0, done = 0;
		for (size_t j = 0; j < nw; j++) {
			if (j > 0 && win[j].p[0] == '+')
				break;
			acc += win[j].d;
			if (acc > 15)
				break;
			if (acc < 10)
				continue;
			size_t len = (size_t)(win[j].p + win[j].n - win[0].p);
			if ((rc = try_phone(f, a, win[0].p, len, country, &ok)) < 0)
				break;
			if (ok) {
				done = j + 1;
				break;
			}
		}
		size_t used = done ? done : 1;
		memmove(win, win + used, (nw - used) * sizeof(win[0]));
		nw -= used;
	}
	return rc;
}

static int take_phones(struct leak_file *f, struct arena *a, const char *buf, size_t len, const char *country)
{
	for (size_t i = 0; i < len;) {
		if (!isdigit((unsigned char)buf[i]) && buf[i] != '+' && buf[i] != '(') {
			i++;
			continue;
		}
		size_t st = i;
		while (i < len && phone_char((unsigned char)buf[i]))
			i++;
		if (take_run(f, a, buf + st, i - st, country) < 0)
			return -1;
	}
	return 0;
}

/* ---- the file ---- */

static uint64_t count_rows(const char *buf, size_t len, bool vcard)
{
	uint64_t rows = 0;
	if (vcard) {
		for (size_t i = 0; i + 11 <= len; i++)
			if ((buf[i] == 'B' || buf[i] == 'b') && strncasecmp(buf + i, "BEGIN:VCARD", 11) == 0)
				rows++;
		return rows;
	}
	/* lines with something on them, a newline inside "quotes" not ending one */
	bool quoted = false, content = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '"')
			quoted = !quoted;
		if (c == '\n' && !quoted) {
			rows += content;
			content = false;
		} else if (c != '\r' && c != ' ' && c != '\t' && c != '\n') {
			content = true;
		}
	}
	return rows + content;
}

/* Whether the first line is an export's own CSV header ("id" then a
 * delimiter, and last_name among the names): it is not a row. */
static bool csv_header(const char *buf, size_t len)
{
	size_t end = 0;
	while (end < len && buf[end] != '\n')
		end++;
	if (end < 3 || strncasecmp(buf, "id", 2) != 0 || !strchr(",;\t|", buf[2]))
		return false;
	for (size_t i = 3; i + 9 <= end; i++)
		if (strncasecmp(buf + i, "last_name", 9) == 0)
			return true;
	return false;
}

int leak_parse(struct leak_file *f, struct arena *a, const char *data, size_t len, const char *country)
{
	memset(f, 0, sizeof(*f));
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		data += 3, len -= 3;
	char *buf = malloc(len + 1);
	if (!buf)
		return -1;
	bool vcard = false;
	for (size_t i = 0; i + 11 <= len && !vcard; i++)
		vcard = (data[i] == 'B' || data[i] == 'b') && strncasecmp(data + i, "BEGIN:VCARD", 11) == 0;
	/* vCard lines folded with CRLF + space are joined; a non-breaking space is a space */
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (vcard && (data[i] == '\r' || data[i] == '\n')) {
			size_t k = i + (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n');
			if (data[k] == '\n' && k + 1 < len && (data[k + 1] == ' ' || data[k + 1] == '\t')) {
				i = k + 1;
				continue;
			}
		}
		if ((unsigned char)data[i] == 0xC2 && i + 1 < len && (unsigned char)data[i + 1] == 0xA0) {
			buf[n++] = ' ';
			i++;
			continue;
		}
		buf[n++] = data[i] ? data[i] : ' ';
	}
	buf[n] = '\0';
	f->rows = count_rows(buf, n, vcard);
	if (!vcard && f->rows && csv_header(buf, n))
		f->rows--;
	int rc = take_emails(f, a, buf, n);
	if (rc == 0)
		rc = take_phones(f, a, buf, n, country);
	free(buf);
	if (rc == 0 && f->n)
		rc = filter_build(f);
	return rc;
}

void leak_file_free(struct leak_file *f)
{
	free(f->slots);
	free(f->filter);
	memset(f, 0, sizeof(*f));
}

int leak_match_blob(const struct leak_file *f, const void *blob, size_t len, struct leak_cards *out)
{
	struct export_blob b;
	memset(out, 0, sizeof(*out));
	if (export_blob_view(blob, len, &b) < 0)
		return -1;
	uint64_t last = UINT64_MAX;
	for (uint64_t i = 0; i < b.nentries; i++) {
		uint64_t h = export_blob_hash(&b, i);
		if (!leak_has(f, h))
			continue;
		if (h & 1)
			out->by_email++;
		else
			out->by_phone++;
		uint32_t c = export_blob_card(&b, i);
		if (c == last || c >= b.ncards)
			continue;
		last = c;
		out->cards++;
		if (out->nsampled < sizeof(out->sample) / sizeof(out->sample[0]))
			out->sample[out->nsampled++] = export_blob_id(&b, c);
	}
	return 0;
}
