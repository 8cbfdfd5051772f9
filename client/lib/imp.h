/* imp: reading other programs' contact files (CSV from Excel, 1C, Outlook,
 * Google, Bitrix24, amoCRM; vCard 2.1/3.0/4.0 from phones and mail clients)
 * into card fields, one record at a time, for `kart import`.
 *
 * Streaming: a reader holds one record (and a bounded buffer) at a time, so a
 * file of any size is read in constant memory. The file is decoded to UTF-8
 * as it is read (iconv); what a row holds stays valid until the next
 * imp_next or imp_close. */
#ifndef KART_IMP_H
#define KART_IMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum imp_format {
	IMP_AUTO = 0, /* by the name's extension, then by the content */
	IMP_CSV,
	IMP_VCARD,
};

struct imp_opts {
	enum imp_format format;
	const char *encoding; /* NULL or "auto": detected; else an iconv name ("cp1251") */
	int delimiter;        /* 0: detected; else ',', ';' or '\t' */
	const char *map;      /* --map "Column=field,Other=custom_field", or NULL */
};

/* Where something is: file as the user named it ("-" is standard input),
 * 1-based line, and 1-based column (CSV: the field's number; vCard: 0). */
struct imp_pos {
	const char *file;
	unsigned long line;
	unsigned long col;
};

/* One value for one card field. name is a card field as FieldValue names it
 * (last_name, phones, birthday, ...) or a custom field's name (from --map).
 * A list field (phones, emails, tags) comes once per item. */
struct imp_field {
	const char *name;
	const char *value; /* UTF-8, never empty */
	struct imp_pos pos;
};

struct imp_row {
	struct imp_pos pos;     /* where the record starts */
	struct imp_field *fields;
	size_t n;
	const char *raw;        /* the record as read, decoded to UTF-8: for --rejects */
	size_t raw_len;
	/* A row that cannot be imported as it is (a phone Excel turned into
	 * 7,91235E+10, a date that is no date): where and why. Such a row is
	 * reported and never sent. */
	const char *bad;        /* NULL: the row is good */
	struct imp_pos bad_pos;
};

struct imp_reader;

/* Opens path ("-": standard input). On failure returns NULL with a message
 * naming the file and the reason in err. */
struct imp_reader *imp_open(const char *path, const struct imp_opts *o, char *err, size_t errlen);
/* The next record: 1, 0 at the end, or -1 when the file cannot be read on
 * (a binary file, a broken quote running to the end, a line past the limit,
 * bytes that are not in the encoding, a vCard without END) with err saying
 * "file:line:col: reason". A -1 leaves no row half given. */
int imp_next(struct imp_reader *rd, struct imp_row *row, char *err, size_t errlen);
/* What was detected or given, for the summary and for a resume: "csv" or
 * "vcard"; the encoding ("utf-8", "cp1251", "utf-16le", ...); the delimiter
 * (CSV) or 0. */
enum imp_format imp_format_of(const struct imp_reader *rd);
const char *imp_encoding_of(const struct imp_reader *rd);
int imp_delimiter_of(const struct imp_reader *rd);
/* Columns (CSV) or properties (vCard) no mapping took: reported, not imported. */
size_t imp_unknown(const struct imp_reader *rd, const char *const **names);
/* How far the reader is in the file: bytes of the file (as stored, before
 * decoding) read so far, and its size (0 when unknown: a pipe). */
void imp_progress(const struct imp_reader *rd, long long *done, long long *total);
/* The file's header record as read (CSV: the column names line, decoded to
 * UTF-8), so rejected rows can be written out with it; NULL for vCard. Valid
 * until imp_close. */
const char *imp_header_of(const struct imp_reader *rd);
void imp_close(struct imp_reader *rd);

/* ---- between imp.c and the format readers ---- */

/* A format reader over a stream imp.c opened. For CSV the stream is already
 * decoded to UTF-8 (imp.c detects the encoding and converts through iconv).
 * For vCard only UTF-16 is converted: a vCard names the charset of each
 * property (CHARSET=), so the vCard reader decodes values itself. */
struct imp_format_ops {
	void *(*open)(FILE *in, const char *file, const struct imp_opts *o, char *err, size_t errlen);
	int (*next)(void *st, struct imp_row *row, char *err, size_t errlen);
	size_t (*unknown)(const void *st, const char *const **names);
	void (*close)(void *st);
};

extern const struct imp_format_ops imp_csv_ops;   /* imp_csv.c */
int imp_csv_delimiter(const void *st);            /* the one detected or given */
const char *imp_csv_header(const void *st);       /* the header record as read */
extern const struct imp_format_ops imp_vcard_ops; /* imp_vcard.c */

#endif
