/* imp: opening a contact file for `kart import` (see imp.h): what it is
 * (CSV or vCard, or a binary file we refuse), which encoding it is in, and a
 * stream that gives it to the format reader decoded to UTF-8 as it is read.
 *
 * The first SAMPLE bytes are read once to decide; the stream then replays
 * them and goes on with the rest, through iconv, in constant memory (a
 * glibc fopencookie stream, so the format readers see a plain FILE *). */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <utf8proc.h>

#include "arena.h"
#include "i18n.h"
#include "imp.h"

#define SAMPLE (128 * 1024)


/* The decoding stream: the sample first, then the file, through cd (none:
 * bytes pass as they are). Where the decoded text is, for an error. */
struct dec {
	FILE *raw;
	iconv_t cd;             /* (iconv_t)-1: pass through */
	unsigned char *in;      /* SAMPLE bytes: read, not yet decoded */
	size_t in_off, in_len;
	bool eof;
	unsigned long line, col; /* of the next decoded character */
	char err[200];           /* set once the stream failed: why, where */
	long long consumed;      /* bytes of the file read so far */
	const char *file, *enc;
};

struct imp_reader {
	char *file;
	FILE *raw, *in;
	bool own_raw;
	struct dec *dec;
	enum imp_format format;
	char enc[40];
	const struct imp_format_ops *ops;
	void *st;
	long long size;          /* of a regular file; 0: unknown */
	struct arena lines;      /* values made one line, for the current row */
};

static void count_pos(struct dec *d, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n') {
			d->line++;
			d->col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			d->col++;
		}
}

static bool refill(struct dec *d)
{
	if (d->in_off > 0) {
		memmove(d->in, d->in + d->in_off, d->in_len - d->in_off);
		d->in_len -= d->in_off;
		d->in_off = 0;
	}
	size_t got = fread(d->in + d->in_len, 1, SAMPLE - d->in_len, d->raw);
	d->in_len += got;
	d->consumed += (long long)got;
	if (got == 0)
		d->eof = true;
	return got > 0;
}

static void bad_bytes(struct dec *d)
{
	const unsigned char *p = d->in + d->in_off;
	size_t n = d->in_len - d->in_off;
	char hex[16] = "";
	for (size_t i = 0; i < n && i < 3; i++)
		snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s%02X", i ? " " : "", p[i]);
	snprintf(d->err, sizeof(d->err), _("%s:%lu:%lu: bytes %s are not %s text (name the file's encoding with --encoding)"),
		 d->file, d->line, d->col, hex, d->enc);
}

static ssize_t dec_read(void *cookie, char *buf, size_t size)
{
	struct dec *d = cookie;
	size_t done = 0;

	if (d->err[0]) {
		errno = EILSEQ;
		return -1;
	}
	while (done == 0) {
		if (d->in_off == d->in_len && !d->eof)
			refill(d);
		if (d->in_off == d->in_len)
			break;
		char *out = buf + done;
		size_t outleft = size - done;
		if (d->cd == (iconv_t)-1) {
			size_t n = d->in_len - d->in_off < outleft ? d->in_len - d->in_off : outleft;
			memcpy(out, d->in + d->in_off, n);
			d->in_off += n;
			done += n;
			break;
		}
		char *in = (char *)d->in + d->in_off;
		size_t inleft = d->in_len - d->in_off;
		size_t r = iconv(d->cd, &in, &inleft, &out, &outleft);
		int e = errno;
		d->in_off = d->in_len - inleft;
		done = (size_t)(out - buf);
		count_pos(d, buf, done);
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if (e == EINVAL) { /* a character cut at the chunk's end */
			if (!d->eof && refill(d))
				continue;
			snprintf(d->err, sizeof(d->err), _("%s:%lu:%lu: the file ends in the middle of a %s character"),
				 d->file, d->line, d->col, d->enc);
		} else {
			bad_bytes(d);
		}
		break;
	}
	if (done == 0 && d->err[0]) {
		errno = EILSEQ;
		return -1;
	}
	return (ssize_t)done;
}

static int dec_close(void *cookie)
{
	return 0;
}

/* ---- detection ---- */

static const char *binary_kind(const unsigned char *s, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *what;
	} magics[] = {
		{ "PK\3\4", 4, N_("this is a ZIP file (an .xlsx workbook?): save it as CSV from Excel") },
		{ "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, N_("this is an Excel 97-2003 (.xls) workbook: save it as CSV from Excel") },
		{ "%PDF", 4, N_("this is a PDF document, not a contact file") },
		{ "\x7F" "ELF", 4, N_("this is a program (ELF), not a contact file") },
		{ "\x1F\x8B", 2, N_("this is a gzip archive: unpack it first") },
		{ "{\\rtf", 5, N_("this is an RTF document: save it as CSV") },
	};
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len && memcmp(s, magics[i].magic, magics[i].len) == 0)
			return _(magics[i].what);
	return NULL;
}

/* UTF-16 without a BOM: NULs in one byte of each pair, mostly (ASCII text),
 * and none in the other. 1: LE, 2: BE, 0: not. */
static int utf16_pattern(const unsigned char *s, size_t n)
{
	size_t even = 0, odd = 0, pairs = n / 2;
	for (size_t i = 0; i + 1 < n; i += 2) {
		even += s[i] == 0;
		odd += s[i + 1] == 0;
	}
	if (pairs < 2)
		return 0;
	if (odd * 4 >= pairs && even * 50 <= odd)
		return 1;
	if (even * 4 >= pairs && odd * 50 <= even)
		return 2;
	return 0;
}

/* Valid UTF-8 but for a character the sample's end may cut. */
static bool sample_utf8(const unsigned char *s, size_t n, bool whole)
{
	size_t end = n;
	if (!whole)
		for (size_t k = 1; k <= 3 && k <= n; k++) {
			unsigned char c = s[n - k];
			if ((c & 0xC0) != 0x80) {
				size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
				if (need > k)
					end = n - k;
				break;
			}
		}
	for (size_t i = 0; i < end;) { /* any bytes but what UTF-8 forbids: CR and controls are the CSV's business */
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(end - i), &cp);
		if (k <= 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

/* The letters of each code page above 0x7F (Russian and Ukrainian in
 * Windows-1251; Western European in Windows-1252), and the punctuation
 * both use (quotes, dashes, no-break space, «», №, €, °). */
static bool cp1251_letter(unsigned c)
{
	return c >= 0xC0 || c == 0xA8 || c == 0xB8 || c == 0xAA || c == 0xBA || c == 0xAF || c == 0xBF ||
	       c == 0xB2 || c == 0xB3 || c == 0xA5 || c == 0xB4 || c == 0xA1 || c == 0xA2;
}

static bool cp1252_letter(unsigned c)
{
	return (c >= 0xC0 && c != 0xD7 && c != 0xF7) || c == 0x8A || c == 0x8C || c == 0x8E || c == 0x9A || c == 0x9C ||
	       c == 0x9E || c == 0x9F || c == 0xAA || c == 0xBA;
}

static bool cp125x_punct(unsigned c)
{
	return c == 0x80 || c == 0x85 || (c >= 0x91 && c <= 0x97) || c == 0xA0 || c == 0xA7 || c == 0xA9 ||
	       c == 0xAB || c == 0xAE || c == 0xB0 || c == 0xB1 || c == 0xB7 || c == 0xB9 || c == 0xBB || c == 0x99;
}

static bool ascii_letter(unsigned c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* A sample that is not UTF-8: Windows-1251 or Windows-1252, or neither
 * (NULL). A byte above 0x7F must be a letter or common punctuation of the
 * code page (nine in ten at least: Shift_JIS or KOI8-R fail here). Then
 * Russian words are runs of high letters, where German and French put one
 * accented letter between Latin ones: a high letter next to another high
 * letter votes 1251, one next to Latin letters only votes 1252. */
static const char *guess_cp125x(const unsigned char *s, size_t n)
{
	size_t high = 0, ok1251 = 0, ok1252 = 0, runs = 0, lone = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c < 0x80)
			continue;
		high++;
		ok1251 += cp1251_letter(c) || cp125x_punct(c);
		ok1252 += cp1252_letter(c) || cp125x_punct(c);
		if (c < 0xC0)
			continue;
		unsigned p = i > 0 ? s[i - 1] : 0, q = i + 1 < n ? s[i + 1] : 0;
		if (p >= 0xC0 || q >= 0xC0)
			runs++;
		else if (ascii_letter(p) || ascii_letter(q))
			lone++;
	}
	bool can1251 = ok1251 * 10 >= high * 9, can1252 = ok1252 * 10 >= high * 9;
	if (can1251 && (runs > lone || !can1252))
		return "cp1251";
	if (can1252)
		return "cp1252";
	return NULL;
}

static bool has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* "BEGIN:VCARD" after a BOM and white space; in UTF-16 the NULs are skipped. */
static bool looks_vcard(const unsigned char *s, size_t n)
{
	char head[16];
	size_t k = 0, i = 0;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	else if (n >= 2 && (memcmp(s, "\xFF\xFE", 2) == 0 || memcmp(s, "\xFE\xFF", 2) == 0))
		i = 2;
	for (; i < n && k < 11; i++) {
		if (s[i] == 0 || (k == 0 && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')))
			continue;
		head[k++] = (char)s[i];
	}
	head[k] = 0;
	return strncasecmp(head, "BEGIN:VCARD", 11) == 0;
}

static int fail(char *err, size_t errlen, const char *file, const char *what)
{
	snprintf(err, errlen, "%s: %s", file, what);
	return -1;
}

/* Decides format and encoding from the sample (and opts); skip is the
 * BOM's length. */
static int detect(struct imp_reader *rd, const struct imp_opts *o, const unsigned char *s, size_t n, bool whole,
		  size_t *skip, char *err, size_t errlen)
{
	const char *why = binary_kind(s, n);
	if (why)
		return fail(err, errlen, rd->file, why);
	*skip = 0;
	const char *enc = NULL;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		enc = "utf-8";
		*skip = 3;
	} else if (n >= 2 && memcmp(s, "\xFF\xFE", 2) == 0) {
		enc = "utf-16le";
		*skip = 2;
	} else if (n >= 2 && memcmp(s, "\xFE\xFF", 2) == 0) {
		enc = "utf-16be";
		*skip = 2;
	} else {
		int u16 = utf16_pattern(s, n);
		if (u16)
			enc = u16 == 1 ? "utf-16le" : "utf-16be";
		else if (memchr(s, 0, n) && (!o->encoding || !strcasestr(o->encoding, "16")))
			return fail(err, errlen, rd->file, _("NUL bytes: this is a binary file, not CSV or vCard text"));
	}
	if (o->format != IMP_AUTO)
		rd->format = o->format;
	else if (has_ext(rd->file, ".vcf") || has_ext(rd->file, ".vcard"))
		rd->format = IMP_VCARD;
	else if (has_ext(rd->file, ".csv") || has_ext(rd->file, ".txt") || has_ext(rd->file, ".tsv"))
		rd->format = IMP_CSV;
	else
		rd->format = looks_vcard(s, n) ? IMP_VCARD : IMP_CSV;

	if (o->encoding && *o->encoding && strcasecmp(o->encoding, "auto") != 0 &&
	    !(*skip && strncasecmp(o->encoding, "utf", 3) == 0)) { /* a BOM tells which UTF better */
		enc = o->encoding;
	} else if (!enc) {
		if (rd->format == IMP_VCARD || sample_utf8(s, n, whole))
			enc = "utf-8"; /* a vCard names its charsets itself */
		else if (!(enc = guess_cp125x(s, n)))
			return fail(err, errlen, rd->file,
				    _("the text is neither UTF-8 nor Windows-1251/1252; name its encoding with --encoding "
				      "(e.g. --encoding shift_jis)"));
	}
	snprintf(rd->enc, sizeof(rd->enc), "%s", enc);
	return 0;
}

static int open_stream(struct imp_reader *rd, const unsigned char *s, size_t n, size_t skip, char *err, size_t errlen)
{
	struct dec *d = calloc(1, sizeof(*d));
	if (!d || !(d->in = malloc(SAMPLE))) {
		free(d);
		return fail(err, errlen, rd->file, strerror(ENOMEM));
	}
	rd->dec = d;
	d->raw = rd->raw;
	d->file = rd->file;
	d->enc = rd->enc;
	d->line = d->col = 1;
	memcpy(d->in, s + skip, n - skip);
	d->in_len = n - skip;
	d->cd = (iconv_t)-1;
	bool utf16 = strncasecmp(rd->enc, "utf-16", 6) == 0 || strncasecmp(rd->enc, "utf16", 5) == 0;
	/* CSV goes through iconv even from UTF-8, which checks it */
	bool convert = rd->format == IMP_CSV || utf16;
	if (convert) {
		d->cd = iconv_open("UTF-8", rd->enc);
		if (d->cd == (iconv_t)-1) {
			char m[160];
			snprintf(m, sizeof(m), _("unknown encoding '%s' (see iconv --list)"), rd->enc);
			return fail(err, errlen, rd->file, m);
		}
	}
	cookie_io_functions_t io = { .read = dec_read, .close = dec_close };
	rd->in = fopencookie(d, "r", io);
	if (!rd->in)
		return fail(err, errlen, rd->file, strerror(errno));
	return 0;
}

struct imp_reader *imp_open(const char *path, const struct imp_opts *o, char *err, size_t errlen)
{
	static const struct imp_opts none;
	struct imp_reader *rd = calloc(1, sizeof(*rd));
	unsigned char *sample = malloc(SAMPLE);
	size_t n = 0, skip = 0;

	if (!o)
		o = &none;
	if (rd)
		arena_init(&rd->lines, 0);
	if (!rd || !sample || !(rd->file = strdup(path))) {
		fail(err, errlen, path, strerror(ENOMEM));
		goto fail;
	}
	if (strcmp(path, "-") == 0) {
		rd->raw = stdin;
	} else if (!(rd->raw = fopen(path, "rb"))) {
		fail(err, errlen, path, strerror(errno));
		goto fail;
	} else {
		rd->own_raw = true;
	}
	n = fread(sample, 1, SAMPLE, rd->raw);
	if (ferror(rd->raw)) {
		fail(err, errlen, path, strerror(errno));
		goto fail;
	}
	if (detect(rd, o, sample, n, n < SAMPLE, &skip, err, errlen) < 0 ||
	    open_stream(rd, sample, n, skip, err, errlen) < 0)
		goto fail;
	rd->ops = rd->format == IMP_CSV ? &imp_csv_ops : &imp_vcard_ops;
	struct stat st;
	if (fstat(fileno(rd->raw), &st) == 0 && S_ISREG(st.st_mode))
		rd->size = st.st_size;
	rd->dec->consumed = (long long)n;
	if (!(rd->st = rd->ops->open(rd->in, rd->file, o, err, errlen)))
		goto fail;
	free(sample);
	return rd;
fail:
	free(sample);
	imp_close(rd);
	return NULL;
}

/* A card's fields are one line each, but notes: line breaks inside a value
 * (a multi-line address in Google's CSV, an ADR with \n) become ", ". */
static int one_line(struct imp_reader *rd, struct imp_row *row)
{
	arena_reset(&rd->lines);
	for (size_t i = 0; i < row->n; i++) {
		const char *v = row->fields[i].value;
		if (strcmp(row->fields[i].name, "notes") == 0 || !strpbrk(v, "\r\n\t"))
			continue;
		char *o = arena_alloc(&rd->lines, 2 * strlen(v) + 1), *w = o;
		if (!o)
			return -1;
		for (const char *p = v; *p;) {
			if (*p == '\r' || *p == '\n') {
				while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
					p++;
				if (w > o && *p)
					w += sprintf(w, ", ");
				continue;
			}
			*w++ = *p == '\t' ? ' ' : *p;
			p++;
		}
		*w = 0;
		row->fields[i].value = o;
	}
	return 0;
}

int imp_next(struct imp_reader *rd, struct imp_row *row, char *err, size_t errlen)
{
	memset(row, 0, sizeof(*row));
	int r = rd->ops->next(rd->st, row, err, errlen);
	if (r == 1 && one_line(rd, row) < 0) {
		snprintf(err, errlen, "%s:%lu: %s", rd->file, row->pos.line, strerror(ENOMEM));
		r = -1;
	}
	if (r < 0 && rd->dec->err[0]) /* the format reader saw a read error: this is why */
		snprintf(err, errlen, "%s", rd->dec->err);
	if (r < 0)
		memset(row, 0, sizeof(*row));
	return r;
}

enum imp_format imp_format_of(const struct imp_reader *rd)
{
	return rd->format;
}

const char *imp_encoding_of(const struct imp_reader *rd)
{
	return rd->enc;
}

int imp_delimiter_of(const struct imp_reader *rd)
{
	return rd->format == IMP_CSV ? imp_csv_delimiter(rd->st) : 0;
}

void imp_progress(const struct imp_reader *rd, long long *done, long long *total)
{
	*done = rd->dec ? rd->dec->consumed : 0;
	*total = rd->size;
}

const char *imp_header_of(const struct imp_reader *rd)
{
	return rd->format == IMP_CSV ? imp_csv_header(rd->st) : NULL;
}

size_t imp_unknown(const struct imp_reader *rd, const char *const **names)
{
	return rd->ops->unknown(rd->st, names);
}

void imp_close(struct imp_reader *rd)
{
	if (!rd)
		return;
	if (rd->st)
		rd->ops->close(rd->st);
	if (rd->in)
		fclose(rd->in);
	if (rd->dec) {
		if (rd->dec->cd != (iconv_t)-1)
			iconv_close(rd->dec->cd);
		free(rd->dec->in);
		free(rd->dec);
	}
	if (rd->own_raw)
		fclose(rd->raw);
	arena_free(&rd->lines);
	free(rd->file);
	free(rd);
}
