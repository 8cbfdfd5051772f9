/* imp_csv: a streaming CSV reader (RFC 4180 and what Excel writes) over a
 * UTF-8 stream imp.c opened: quoted fields with line breaks and doubled
 * quotes inside, CRLF, LF, CR and CRCRLF line ends, the delimiter found by
 * its counts over the first lines. One record at a time, bounded by
 * RECORD_MAX, each field with the line it starts on; the first record is
 * the header, mapped by imp_map.c. Hand-written rather than libcsv: see
 * docs/DESIGN.md, "Importing (issue 12)". */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "i18n.h"
#include "imp.h"
#include "imp_map.h"

#define RECORD_MAX (1024 * 1024) /* bytes of one record, quotes and line breaks included */
#define FIELDS_MAX 10000
#define BUF (64 * 1024)
#define SNIFF_LINES 20

struct csv {
	FILE *in;
	const char *file;
	const struct imp_opts *o;
	int delim;
	unsigned char buf[BUF]; /* read ahead */
	size_t off, len;
	bool eof;
	unsigned long line;     /* of the next byte */
	char *val;              /* the record's values, each NUL-terminated */
	size_t val_len;
	char *raw;              /* the record as read, for --rejects */
	char *header;           /* the header record as read */
	size_t raw_len;
	size_t *starts;         /* of each value in val */
	unsigned long *lines;   /* where each value starts */
	char **vals;
	size_t nf;
	struct imp_map *map;
	struct arena row;       /* what a row built; reset at each record */
	bool failed;            /* a -1 was given: the reader stops there */
	bool stop_plain[256];   /* bytes that end a run of plain text outside quotes */
	bool stop_quoted[256];  /* ... inside quotes */
	char failmsg[300];
};

static bool fill(struct csv *c)
{
	if (c->eof)
		return false;
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	size_t got = fread(c->buf + c->len, 1, BUF - c->len, c->in);
	c->len += got;
	if (got == 0)
		c->eof = true;
	return got > 0;
}

/* The byte k ahead, or -1 at the end (or on a read error: ferror says). */
static int peek(struct csv *c, size_t k)
{
	while (c->off + k >= c->len)
		if (!fill(c))
			return -1;
	return c->buf[c->off + k];
}

/* The length of the line break at the read position: CRCRLF, CRLF, LF, CR; 0 if none. */
static size_t eol_len(struct csv *c)
{
	int a = peek(c, 0);
	if (a == '\n')
		return 1;
	if (a != '\r')
		return 0;
	int b = peek(c, 1);
	if (b == '\n')
		return 2;
	if (b == '\r' && peek(c, 2) == '\n')
		return 3;
	return 1;
}

static int fail(struct csv *c, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct csv *c, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->failmsg, sizeof(c->failmsg), fmt, ap);
	va_end(ap);
	c->failed = true;
	snprintf(err, errlen, "%s", c->failmsg);
	return -1;
}

static bool put_raw(struct csv *c, const unsigned char *s, size_t n)
{
	if (c->raw_len + n > RECORD_MAX)
		return false;
	memcpy(c->raw + c->raw_len, s, n);
	c->raw_len += n;
	return true;
}

/* Takes n bytes from the read position into raw (and, with keep, into the
 * value). */
static bool take(struct csv *c, size_t n, bool keep)
{
	if (!put_raw(c, c->buf + c->off, n))
		return false;
	if (keep) {
		memcpy(c->val + c->val_len, c->buf + c->off, n);
		c->val_len += n;
	}
	c->off += n;
	return true;
}

/* The bytes at the read position, up to the next one in stop, as they
 * are (the common case, a run of plain text, taken at once). */
static bool take_run(struct csv *c, const bool *stop)
{
	size_t n = 0;
	while (c->off + n < c->len && !stop[c->buf[c->off + n]])
		n++;
	return take(c, n, true);
}

static bool new_field(struct csv *c)
{
	if (c->nf == FIELDS_MAX)
		return false;
	c->starts[c->nf] = c->val_len;
	c->lines[c->nf++] = c->line;
	return true;
}

static int read_error(struct csv *c, char *err, size_t errlen)
{
	return fail(c, err, errlen, "%s:%lu: %s", c->file, c->line, strerror(errno ? errno : EIO));
}

/* One record into val/starts/lines/raw: 1, 0 at the end, -1. */
static int read_record(struct csv *c, char *err, size_t errlen)
{
	c->val_len = c->raw_len = c->nf = 0;
	size_t k;
	while ((k = eol_len(c)) > 0) { /* blank lines between records */
		c->off += k;
		c->line++;
	}
	if (peek(c, 0) < 0)
		return ferror(c->in) ? read_error(c, err, errlen) : 0;
	unsigned long rec_line = c->line;
	new_field(c);
	for (;;) {
		int ch = peek(c, 0);
		if (ch < 0) {
			if (ferror(c->in))
				return read_error(c, err, errlen);
			break;
		}
		if (ch == 0)
			return fail(c, err, errlen, _("%s:%lu:%zu: a NUL byte: this is not a text file"), c->file, c->line, c->nf);
		if ((k = eol_len(c)) > 0) {
			c->off += k;
			c->line++;
			break;
		}
		if (ch == c->delim) {
			if (!take(c, 1, false))
				goto too_long;
			c->val[c->val_len++] = 0;
			if (!new_field(c))
				return fail(c, err, errlen, _("%s:%lu: a record of more than %d fields"), c->file, rec_line,
					    FIELDS_MAX);
			continue;
		}
		if (ch != '"' || c->val_len != c->starts[c->nf - 1]) { /* plain, or text after a closing quote */
			if (!take(c, 1, true) || !take_run(c, c->stop_plain))
				goto too_long;
			continue;
		}
		/* a quoted field: to the closing quote, "" is one quote */
		unsigned long q_line = c->line;
		size_t q_col = c->nf;
		if (!take(c, 1, false))
			goto too_long;
		for (;;) {
			ch = peek(c, 0);
			if (ch < 0) {
				if (ferror(c->in))
					return read_error(c, err, errlen);
				return fail(c, err, errlen,
					    _("%s:%lu:%zu: the quote opened here is never closed (the file ends inside it)"),
					    c->file, q_line, q_col);
			}
			if (ch == 0)
				return fail(c, err, errlen, _("%s:%lu:%zu: a NUL byte: this is not a text file"), c->file,
					    c->line, c->nf);
			if (ch == '"') {
				if (peek(c, 1) == '"') {
					if (!take(c, 1, true) || !take(c, 1, false))
						goto too_long;
					continue;
				}
				if (!take(c, 1, false))
					goto too_long;
				break;
			}
			if ((k = eol_len(c)) > 0) { /* a line break inside the value: kept as \n */
				if (!take(c, k, false))
					goto too_long;
				c->val[c->val_len++] = '\n';
				c->line++;
				continue;
			}
			if (!take(c, 1, true) || !take_run(c, c->stop_quoted))
				goto too_long;
		}
	}
	c->val[c->val_len] = 0;
	for (size_t i = 0; i < c->nf; i++)
		c->vals[i] = c->val + c->starts[i];
	return 1;
too_long:
	return fail(c, err, errlen,
		    _("%s:%lu: a record longer than %d MiB (a quote that is never closed, or not a CSV file?)"), c->file,
		    rec_line, RECORD_MAX / (1024 * 1024));
}

/* The delimiter: of ',', ';', tab and '|', the one whose count outside
 * quotes on the first line is repeated on the most of the next lines (a
 * tie: the one more often on the first line). */
static int sniff(struct csv *c)
{
	static const int cand[] = { ',', ';', '\t', '|' };
	enum { NC = sizeof(cand) / sizeof(cand[0]) };
	size_t count[NC] = { 0 }, head[NC] = { 0 }, score[NC] = { 0 };
	int lines = 0;
	bool quoted = false;

	peek(c, BUF / 2); /* as much as there is, up to half the buffer */
	for (size_t i = c->off; i < c->len && lines < SNIFF_LINES; i++) {
		int ch = c->buf[i];
		bool last = i + 1 == c->len;
		if (ch == '"')
			quoted = !quoted;
		if (!quoted)
			for (int j = 0; j < NC; j++)
				count[j] += ch == cand[j];
		bool eol = !quoted && (ch == '\n' || (ch == '\r' && (last || c->buf[i + 1] != '\n')));
		if (last && !c->eof && !eol)
			break; /* a line the buffer cut: not counted */
		if (!eol && !last)
			continue;
		for (int j = 0; j < NC; j++) {
			if (lines == 0)
				head[j] = count[j];
			else if (count[j] == head[j])
				score[j]++;
			count[j] = 0;
		}
		lines++;
	}
	int best = -1;
	for (int j = 0; j < NC; j++)
		if (head[j] > 0 && (best < 0 || score[j] > score[best] || (score[j] == score[best] && head[j] > head[best])))
			best = j;
	return best < 0 ? ',' : cand[best];
}

static void csv_close(void *st)
{
	struct csv *c = st;
	if (!c)
		return;
	imp_map_free(c->map);
	arena_free(&c->row);
	free(c->val);
	free(c->raw);
	free(c->header);
	free(c->starts);
	free(c->lines);
	free(c->vals);
	free(c);
}

static void *csv_open(FILE *in, const char *file, const struct imp_opts *o, char *err, size_t errlen)
{
	struct csv *c = calloc(1, sizeof(*c));
	if (!c || !(c->val = malloc(RECORD_MAX + 2)) || !(c->raw = malloc(RECORD_MAX + 1)) ||
	    !(c->starts = malloc(FIELDS_MAX * sizeof(*c->starts))) || !(c->lines = malloc(FIELDS_MAX * sizeof(*c->lines))) ||
	    !(c->vals = malloc(FIELDS_MAX * sizeof(*c->vals)))) {
		snprintf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		csv_close(c);
		return NULL;
	}
	c->in = in;
	c->file = file;
	c->o = o;
	c->line = 1;
	arena_init(&c->row, 0);
	if (peek(c, 2) == 0xEF && c->buf[c->off + 1] == 0xBB && c->buf[c->off + 2] == 0xBF)
		c->off += 3; /* a BOM iconv left (a UTF-16 file's, turned to UTF-8) */
	c->delim = o->delimiter ? o->delimiter : sniff(c);
	for (const char *b = "\"\r\n"; *b; b++)
		c->stop_plain[(unsigned char)*b] = c->stop_quoted[(unsigned char)*b] = true;
	c->stop_plain[0] = c->stop_quoted[0] = true;
	c->stop_plain[(unsigned char)c->delim] = true;
	int r = read_record(c, err, errlen);
	if (r <= 0) {
		if (r == 0)
			snprintf(err, errlen, _("%s: the file is empty"), file);
		csv_close(c);
		return NULL;
	}
	/* without its line break: the rejects file ends each record its own way */
	size_t hl = c->raw_len;
	while (hl && (c->raw[hl - 1] == '\n' || c->raw[hl - 1] == '\r'))
		hl--;
	if (!(c->header = strndup(c->raw, hl))) {
		snprintf(err, errlen, "%s: %s", file, strerror(ENOMEM));
		csv_close(c);
		return NULL;
	}
	c->map = imp_map_new(file, (const char *const *)c->vals, c->nf, o->map, err, errlen);
	if (!c->map) {
		csv_close(c);
		return NULL;
	}
	return c;
}

static int csv_next(void *st, struct imp_row *row, char *err, size_t errlen)
{
	struct csv *c = st;
	if (c->failed) {
		snprintf(err, errlen, "%s", c->failmsg);
		return -1;
	}
	arena_reset(&c->row);
	int r = read_record(c, err, errlen);
	if (r <= 0)
		return r;
	row->pos = (struct imp_pos){ c->file, c->lines[0], 1 };
	c->raw[c->raw_len] = 0;
	row->raw = c->raw;
	row->raw_len = c->raw_len;
	if (imp_map_row(c->map, c->vals, c->lines, c->nf, &c->row, row) < 0)
		return fail(c, err, errlen, "%s:%lu: %s", c->file, c->lines[0], strerror(ENOMEM));
	return 1;
}

static size_t csv_unknown(const void *st, const char *const **names)
{
	const struct csv *c = st;
	return imp_map_unknown(c->map, names);
}

int imp_csv_delimiter(const void *st)
{
	return ((const struct csv *)st)->delim;
}

const char *imp_csv_header(const void *st)
{
	return ((const struct csv *)st)->header;
}

const struct imp_format_ops imp_csv_ops = {
	.open = csv_open,
	.next = csv_next,
	.unknown = csv_unknown,
	.close = csv_close,
};
