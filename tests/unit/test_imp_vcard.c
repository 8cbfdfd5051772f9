/* Unit tests for client/lib/imp_vcard.c, the vCard reader of kart import:
 * in-memory samples for each rule (folding, quoted-printable soft breaks,
 * charsets, groups, birthdays, lists, missing END, limits), a 50 MB photo
 * streamed past in bounded memory, and the real exports of the contacts
 * corpus (skipped, saying so, when the corpus is not beside the tree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "imp.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR ""
#endif

struct rd {
	FILE *f;
	void *st;
	struct imp_row row;
	char err[512];
};

static void rd_open_file(struct rd *r, FILE *f, const char *map)
{
	struct imp_opts o = { .format = IMP_VCARD, .map = map };
	memset(r, 0, sizeof(*r));
	r->f = f;
	assert_non_null(r->f);
	r->st = imp_vcard_ops.open(r->f, "t.vcf", &o, r->err, sizeof(r->err));
	assert_non_null(r->st);
}

static void rd_open(struct rd *r, const char *text, const char *map)
{
	rd_open_file(r, fmemopen((void *)text, strlen(text), "r"), map);
}

static int rd_next(struct rd *r)
{
	return imp_vcard_ops.next(r->st, &r->row, r->err, sizeof(r->err));
}

static void rd_close(struct rd *r)
{
	imp_vcard_ops.close(r->st);
	fclose(r->f);
}

/* The i-th value of field name in the row, or NULL. */
static const char *fv(const struct imp_row *row, const char *name, int i)
{
	for (size_t k = 0; k < row->n; k++)
		if (strcmp(row->fields[k].name, name) == 0 && i-- == 0)
			return row->fields[k].value;
	return NULL;
}

static unsigned long fline(const struct imp_row *row, const char *name)
{
	for (size_t k = 0; k < row->n; k++)
		if (strcmp(row->fields[k].name, name) == 0)
			return row->fields[k].pos.line;
	return 0;
}

static bool unknown_has(struct rd *r, const char *name)
{
	const char *const *u;
	size_t n = imp_vcard_ops.unknown(r->st, &u);
	for (size_t i = 0; i < n; i++)
		if (strcmp(u[i], name) == 0)
			return true;
	return false;
}

static void test_folding_endings(void **state)
{
	(void)state;
	struct rd r;
	rd_open(&r,
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ivanov;Ivan;;;\r\nNOTE:first half\r\n  and sec\r\n\tond\r\n"
		"TEL:+7 495 1\r\n 23-45-67\r\nEND:VCARD\r\n"
		"BEGIN:VCARD\nVERSION:2.1\nFN:Anna Petrova\nEMAIL:anna@example.com\nEND:VCARD\n"
		"BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nN:Smith;Bob\r\r\nEND:VCARD\r\r\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_int_equal(r.row.pos.line, 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Ivanov");
	assert_string_equal(fv(&r.row, "first_name", 0), "Ivan");
	assert_int_equal(fline(&r.row, "last_name"), 3);
	assert_string_equal(fv(&r.row, "notes", 0), "first half and second");
	assert_string_equal(fv(&r.row, "phones", 0), "+7 495 123-45-67");
	assert_int_equal(fline(&r.row, "phones"), 7);
	assert_non_null(strstr(r.row.raw, "BEGIN:VCARD"));
	assert_non_null(strstr(r.row.raw, "END:VCARD"));
	assert_int_equal(rd_next(&r), 1);
	assert_int_equal(r.row.pos.line, 10);
	assert_string_equal(fv(&r.row, "first_name", 0), "Anna");
	assert_string_equal(fv(&r.row, "last_name", 0), "Petrova");
	assert_string_equal(fv(&r.row, "emails", 0), "anna@example.com");
	assert_int_equal(rd_next(&r), 1);
	assert_int_equal(r.row.pos.line, 15);
	assert_string_equal(fv(&r.row, "last_name", 0), "Smith");
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_quoted_printable(void **state)
{
	(void)state;
	struct rd r;
	/* soft breaks on lines that do not start with a blank (2.1), the "=="
	 * of a soft break right after an escape's '=', and windows-1251 */
	rd_open(&r,
		"BEGIN:VCARD\nVERSION:2.1\n"
		"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:- PRIMA;=D0=9F=D0=9E=D0=A0=D0=9A==\nD0=A1\n"
		"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=windows-1251:=C7=E2=EE=ED=E8=F2=FC =\n=EF=EE=F1=EB=E5 18:00=0D=0A=\n"
		"=E2=F2=EE=F0=E0=FF =F1=F2=F0=EE=EA=E0\n"
		"ORG;QUOTED-PRINTABLE;CHARSET=WINDOWS-1251:=CE=CE=CE =AB=D0=EE=EC=E0=F8=EA=E0=BB\n"
		"END:VCARD\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "- PRIMA");
	assert_string_equal(fv(&r.row, "first_name", 0), "ПОРКС");
	assert_string_equal(fv(&r.row, "notes", 0), "Звонить после 18:00\nвторая строка");
	assert_int_equal(fline(&r.row, "notes"), 5);
	assert_string_equal(fv(&r.row, "company", 0), "ООО «Ромашка»");
	assert_int_equal(fline(&r.row, "company"), 8);
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_8bit_guess(void **state)
{
	(void)state;
	struct rd r;
	/* no CHARSET: bytes 0xC0..0xFF together are windows-1251, alone 1252;
	 * CHARSET=UTF-8 that is not: U+FFFD, never a bad byte */
	rd_open(&r,
		"BEGIN:VCARD\nVERSION:2.1\nN:\xCF\xE5\xF2\xF0\xEE\xE2;\xC8\xE2\xE0\xED\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8:Ok\x80;\xC3\x91o\xC3\xB1o\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nFN;CHARSET=SHIFT_JIS:\x88\xc0\x93\xa1\nEND:VCARD\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Петров");
	assert_string_equal(fv(&r.row, "first_name", 0), "Иван");
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Müller");
	assert_string_equal(fv(&r.row, "first_name", 0), "Jörg");
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Ok\xEF\xBF\xBD");
	assert_string_equal(fv(&r.row, "first_name", 0), "Ñoño");
	assert_int_equal(rd_next(&r), 1);
	/* the raw text is UTF-8, and a CHARSET of what was converted says so */
	assert_non_null(strstr(r.row.raw, "FN;CHARSET=UTF-8:安藤\r\n"));
	assert_string_equal(fv(&r.row, "first_name", 0), "安藤");
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_groups_lists(void **state)
{
	(void)state;
	struct rd r;
	rd_open(&r,
		"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;John;Richter,James;Mr.;Sr.\r\n"
		"ORG:IBM;Accounting\r\nTITLE:Money Counter\r\n"
		"item1.EMAIL;type=INTERNET;type=pref:john.doe@ibm.com\r\nitem1.X-ABLabel:_$!<Work>!$_\r\n"
		"EMAIL;TYPE=\"HOME\":john@home.example\r\n"
		"TEL;type=CELL;type=pref:905-555-1234\r\nitem2.TEL:905-222-1234\r\nitem2.X-ABLabel:AssistantPhone\r\n"
		"TEL;TYPE=\"OTHER\":+49 MOBIL\r\nTEL:\r\n"
		"ADR;TYPE=HOME:;Apt 5;Lenina 1\\nBuilding 2;Moscow;;101000;Russia\r\n"
		"ADR;TYPE=WORK:;;Tverskaya 7;Moscow;;125009;Russia\r\n"
		"CATEGORIES:VIP,Partners\\, Moscow\r\nCATEGORIES:friends\r\n"
		"NOTE:one\\, two\\; three\\\\four\r\nNOTE:second note\r\n"
		"X-GENDER:Female\r\nX-SKYPE:ivan.doe\r\nX-TELEGRAM:@ivan_doe\r\nX-ICQ:12345\r\n"
		"IMPP:xmpp:john@jabber.example\r\nURL:http\\://example.com\r\n"
		"X-EVOLUTION-SPOUSE:Maria\r\nX-MS-MANAGER:Boss\r\nX-MS-MANAGER:Boss\r\nX-ANDROID-CUSTOM:vnd.android;x\r\n"
		"PRODID:x\r\nUID:1\r\nREV:2\r\nX-EMPTY:\r\n"
		"END:VCARD\r\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	const struct imp_row *w = &r.row;
	assert_string_equal(fv(w, "last_name", 0), "Doe");
	assert_string_equal(fv(w, "first_name", 0), "John");
	assert_string_equal(fv(w, "middle_name", 0), "Richter James");
	assert_string_equal(fv(w, "company", 0), "IBM");
	assert_string_equal(fv(w, "position", 0), "Money Counter");
	assert_string_equal(fv(w, "emails", 0), "john.doe@ibm.com");
	assert_string_equal(fv(w, "emails", 1), "john@home.example");
	assert_string_equal(fv(w, "phones", 0), "905-555-1234");
	assert_string_equal(fv(w, "phones", 1), "905-222-1234");
	assert_null(fv(w, "phones", 2));
	assert_string_equal(fv(w, "city", 0), "Moscow");
	assert_string_equal(fv(w, "address", 0), "Lenina 1, Building 2, Apt 5, 101000, Russia");
	assert_string_equal(fv(w, "tags", 0), "VIP");
	assert_string_equal(fv(w, "tags", 1), "Partners");
	assert_string_equal(fv(w, "tags", 2), "Moscow");
	assert_string_equal(fv(w, "tags", 3), "friends");
	assert_string_equal(fv(w, "gender", 0), "f");
	assert_string_equal(fv(w, "messengers", 0), "skype:ivan.doe");
	assert_string_equal(fv(w, "messengers", 1), "telegram:@ivan_doe");
	assert_string_equal(fv(w, "messengers", 2), "xmpp:john@jabber.example");
	const char *notes = fv(w, "notes", 0);
	assert_non_null(notes);
	assert_non_null(strstr(notes, "Department: Accounting\n"));
	assert_non_null(strstr(notes, "Phone: +49 MOBIL\n"));
	assert_non_null(strstr(notes, "Address: Tverskaya 7, Moscow, 125009, Russia\n"));
	assert_non_null(strstr(notes, "one, two; three\\four\nsecond note\n"));
	assert_non_null(strstr(notes, "ICQ: 12345\n"));
	assert_non_null(strstr(notes, "Web: http://example.com"));
	assert_true(unknown_has(&r, "X-EVOLUTION-SPOUSE"));
	assert_true(unknown_has(&r, "X-MS-MANAGER"));
	assert_true(unknown_has(&r, "X-ANDROID-CUSTOM"));
	assert_false(unknown_has(&r, "X-ABLABEL"));
	assert_false(unknown_has(&r, "PRODID"));
	assert_false(unknown_has(&r, "X-EMPTY"));
	const char *const *u;
	size_t nu = imp_vcard_ops.unknown(r.st, &u);
	assert_int_equal(nu, 3); /* X-MS-MANAGER once */
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_names_from_fn(void **state)
{
	(void)state;
	struct rd r;
	rd_open(&r,
		"BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nFN:Иванов Пётр Сергеевич\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nFN:Анна Ильинична Петрова\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nFN:Doe\\, Jane\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:4.0\nFN:Jean Paul Sartre\nGENDER:M;he\nEND:VCARD\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Иванов");
	assert_string_equal(fv(&r.row, "first_name", 0), "Пётр");
	assert_string_equal(fv(&r.row, "middle_name", 0), "Сергеевич");
	assert_int_equal(fline(&r.row, "last_name"), 4);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Петрова");
	assert_string_equal(fv(&r.row, "first_name", 0), "Анна");
	assert_string_equal(fv(&r.row, "middle_name", 0), "Ильинична");
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "last_name", 0), "Doe");
	assert_string_equal(fv(&r.row, "first_name", 0), "Jane");
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "first_name", 0), "Jean");
	assert_string_equal(fv(&r.row, "middle_name", 0), "Paul");
	assert_string_equal(fv(&r.row, "last_name", 0), "Sartre");
	assert_string_equal(fv(&r.row, "gender", 0), "m");
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_birthdays(void **state)
{
	(void)state;
	static const char *const in[][2] = {
		{ "BDAY:1980-03-22", "1980-03-22" },    { "BDAY:19800322", "1980-03-22" },
		{ "BDAY:--03-22", "--03-22" },          { "BDAY:--0322", "--03-22" },
		{ "BDAY;VALUE=date:1975-01-16T00:00:00Z", "1975-01-16" }, { "BDAY:20000229T120000", "2000-02-29" },
	};
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char text[200];
		snprintf(text, sizeof(text), "BEGIN:VCARD\nVERSION:3.0\nFN:A B\n%s\nEND:VCARD\n", in[i][0]);
		struct rd r;
		rd_open(&r, text, NULL);
		assert_int_equal(rd_next(&r), 1);
		assert_string_equal(fv(&r.row, "birthday", 0), in[i][1]);
		assert_null(r.row.bad);
		rd_close(&r);
	}
	struct rd r;
	rd_open(&r,
		"BEGIN:VCARD\nVERSION:4.0\nFN:A B\nBDAY;VALUE=text:circa 1800\nEND:VCARD\n"
		"BEGIN:VCARD\nVERSION:3.0\nFN:A B\nBDAY:1980-13-40\nEND:VCARD\n",
		NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_null(fv(&r.row, "birthday", 0));
	assert_string_equal(fv(&r.row, "notes", 0), "Birthday: circa 1800");
	assert_int_equal(rd_next(&r), 1);
	assert_non_null(r.row.bad);
	assert_non_null(strstr(r.row.bad, "1980-13-40"));
	assert_int_equal(r.row.bad_pos.line, 9);
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
}

static void test_map_and_agent(void **state)
{
	(void)state;
	struct rd r;
	rd_open(&r,
		"BEGIN:VCARD\nVERSION:2.1\nFN:A B\nX-SPOUSE:Maria\nX-CUSTOM1;VALUE=TEXT:custom\\, 1\nAGENT:\n"
		"BEGIN:VCARD\nVERSION:2.1\nFN:Assistant\nTEL:12345678\nEND:VCARD\n"
		"TEL:7654321\nEND:VCARD\n",
		"X-SPOUSE=spouse, X-CUSTOM1=inn");
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "spouse", 0), "Maria");
	assert_int_equal(fline(&r.row, "spouse"), 4);
	assert_string_equal(fv(&r.row, "inn", 0), "custom, 1");
	assert_string_equal(fv(&r.row, "phones", 0), "7654321");
	assert_null(fv(&r.row, "phones", 1));
	assert_string_equal(fv(&r.row, "first_name", 0), "A");
	assert_false(unknown_has(&r, "X-SPOUSE"));
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);

	struct imp_opts o = { .map = "X-SPOUSE" };
	char err[200];
	FILE *f = fmemopen((void *)"", 1, "r");
	assert_null(imp_vcard_ops.open(f, "t.vcf", &o, err, sizeof(err)));
	assert_non_null(strstr(err, "X-SPOUSE"));
	fclose(f);
}

static void test_broken(void **state)
{
	(void)state;
	struct rd r;
	/* the file ends inside a card: the card before still comes */
	rd_open(&r, "BEGIN:VCARD\nFN:A B\nEND:VCARD\nBEGIN:VCARD\nFN:C D\nTEL:1234567\n", NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_int_equal(rd_next(&r), -1);
	assert_string_equal(r.err, "t.vcf:6: BEGIN:VCARD at line 4 has no END:VCARD");
	assert_int_equal(rd_next(&r), -1);
	rd_close(&r);
	/* BEGIN again before END */
	rd_open(&r, "BEGIN:VCARD\nFN:A B\nBEGIN:VCARD\nFN:C D\nEND:VCARD\n", NULL);
	assert_int_equal(rd_next(&r), -1);
	assert_string_equal(r.err, "t.vcf:3: BEGIN:VCARD at line 1 has no END:VCARD");
	rd_close(&r);
	/* garbage between cards */
	rd_open(&r, "BEGIN:VCARD\nFN:A B\nEND:VCARD\n\nName,Phone\n", NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_int_equal(rd_next(&r), -1);
	assert_string_equal(r.err, "t.vcf:5: expected BEGIN:VCARD, found 'Name,Phone'");
	rd_close(&r);
	/* binary */
	static const char bin[] = "\0B\0E\0G\0I\0N";
	rd_open_file(&r, fmemopen((void *)bin, sizeof(bin) - 1, "r"), NULL);
	assert_int_equal(rd_next(&r), -1);
	assert_non_null(strstr(r.err, "t.vcf:1: a NUL byte"));
	rd_close(&r);
}

/* A value past 1 MiB makes its card bad, with the line; the next card is read. */
static void test_value_limit(void **state)
{
	(void)state;
	size_t big = (1u << 20) + 10;
	char *text = malloc(big + 200);
	assert_non_null(text);
	strcpy(text, "BEGIN:VCARD\nFN:A B\nTEL:1234567\nNOTE:");
	size_t n = strlen(text);
	memset(text + n, 'x', big);
	strcpy(text + n + big, "\nEND:VCARD\nBEGIN:VCARD\nFN:C D\nEND:VCARD\n");
	struct rd r;
	rd_open(&r, text, NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_non_null(r.row.bad);
	assert_string_equal(r.row.bad, "NOTE is longer than 1 MiB");
	assert_int_equal(r.row.bad_pos.line, 4);
	assert_int_equal(rd_next(&r), 1);
	assert_null(r.row.bad);
	assert_string_equal(fv(&r.row, "first_name", 0), "C");
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
	free(text);
}

static long peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* 50 MB photos, folded (3.0), on one line, and in 2.1 lines without a
 * leading blank, stream past: the peak memory grows by less than the size of
 * one of them, and the cards around them are whole. */
static void test_photo_streamed(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_imp_vcard.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.vcf", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	char chunk[77];
	memset(chunk, 'A', 76);
	chunk[76] = '\0';
	size_t lines = 50u * 1000 * 1000 / 76;
	fputs("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Folded Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:", f);
	for (size_t i = 0; i < lines; i++)
		fprintf(f, "%s\r\n ", chunk);
	fputs("AA==\r\nTEL:+7 495 123-45-67\r\nEND:VCARD\r\n", f);
	fputs("BEGIN:VCARD\nVERSION:2.1\nFN:Long Line\nX-MS-CARDPICTURE;ENCODING=BASE64:", f);
	for (size_t i = 0; i < lines; i++)
		fputs(chunk, f);
	fputs("\nEMAIL:long@example.com\nEND:VCARD\n", f);
	fputs("BEGIN:VCARD\nVERSION:2.1\nFN:Old Style\nLOGO;ENCODING=BASE64;TYPE=GIF:\n", f);
	for (size_t i = 0; i < lines; i++)
		fprintf(f, "%s\n", chunk);
	fputs("\nNOTE:after the logo\nEND:VCARD\n", f);
	assert_int_equal(fclose(f), 0);

	long before = peak_kib();
	struct rd r;
	rd_open_file(&r, fopen(path, "r"), NULL);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "phones", 0), "+7 495 123-45-67");
	assert_null(strstr(r.row.raw, "PHOTO")); /* the raw text leaves the photo out */
	assert_true(r.row.raw_len < 200);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "emails", 0), "long@example.com");
	assert_null(r.row.bad);
	assert_int_equal(rd_next(&r), 1);
	assert_string_equal(fv(&r.row, "notes", 0), "after the logo");
	assert_int_equal(rd_next(&r), 0);
	rd_close(&r);
	long grown = peak_kib() - before;
	printf("peak memory grew by %ld KiB reading 3 x 50 MB of pictures\n", grown);
	assert_true(grown < 16 * 1024);
	unlink(path);
	rmdir(dir);
}

/* ---- the corpus ---- */

static FILE *corpus_open(void **state, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_message("skipped: the contacts corpus is not at %s\n", CORPUS_DIR);
		*state = NULL;
	}
	return f;
}

/* Reads all cards of a corpus file into rows[]: values copied out. */
struct cards {
	int n;
	char *dump[16]; /* "name=value\n"... per card */
	char *bad[16];
	unsigned long line[16];
	char err[512];
	int rc;
};

static bool corpus_read(void **state, const char *name, struct cards *c)
{
	memset(c, 0, sizeof(*c));
	FILE *f = corpus_open(state, name);
	if (!f)
		return false;
	struct rd r;
	rd_open_file(&r, f, NULL);
	while ((c->rc = rd_next(&r)) == 1 && c->n < 16) {
		size_t len = 1;
		for (size_t k = 0; k < r.row.n; k++)
			len += strlen(r.row.fields[k].name) + strlen(r.row.fields[k].value) + 2;
		char *d = calloc(1, len);
		for (size_t k = 0; k < r.row.n; k++) {
			strcat(d, r.row.fields[k].name);
			strcat(d, "=");
			strcat(d, r.row.fields[k].value);
			strcat(d, "\n");
		}
		assert_true(r.row.raw_len > 0);
		c->line[c->n] = r.row.pos.line;
		c->bad[c->n] = r.row.bad ? strdup(r.row.bad) : NULL;
		c->dump[c->n++] = d;
	}
	snprintf(c->err, sizeof(c->err), "%s", r.err);
	rd_close(&r);
	return true;
}

static void cards_free(struct cards *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->dump[i]);
		free(c->bad[i]);
	}
}

/* The card i holds every "field=value" line given. */
static void has(const struct cards *c, int i, const char *const *lines)
{
	assert_true(i < c->n);
	for (; *lines; lines++) {
		char want[512];
		snprintf(want, sizeof(want), "%s\n", *lines);
		if (!strstr(c->dump[i], want))
			fail_msg("card %d lacks '%s'; it has:\n%s", i, *lines, c->dump[i]);
	}
}

#define HAS(c, i, ...) has(c, i, (const char *const[]){ __VA_ARGS__, NULL })

static void test_corpus(void **state)
{
	struct cards c;
	*state = "";
	if (!corpus_read(state, "ez-vcard__John_Doe_ANDROID.vcf", &c))
		skip();
	assert_int_equal(c.rc, 0);
	assert_int_equal(c.n, 6);
	HAS(&c, 0, "emails=john.doe@company.com", "tags=My Contacts");
	HAS(&c, 2, "last_name=Ñ Ñ Ñ Ñ", "phones=123456789");
	HAS(&c, 3, "phones=123456", "phones=234567", "phones=3456789", "phones=45678901");
	HAS(&c, 4, "last_name=Ñ Ñ", "first_name=Ñ Ñ Ñ", "emails=bob@company.com", "company=ÑÑÑÑÑÑÑÑÑÑÑÑ");
	HAS(&c, 5, "last_name=ÑÑÑÑ", "emails=henry@company.com", "phones=55556666");
	assert_int_equal(c.line[5], 71);
	cards_free(&c);

	assert_true(corpus_read(state, "gammu__quoted-printable-new-line.vcf", &c));
	assert_int_equal(c.n, 1);
	HAS(&c, 0, "last_name=- PRIMA", "first_name=ПОРКС", "phones=+222222222222");
	cards_free(&c);

	assert_true(corpus_read(state, "roundcubemail__thebat.vcf", &c));
	HAS(&c, 0, "last_name=Iksiñski", "first_name=Piotr", "emails=piotr.iksinski@somedomain.com", "gender=m");
	cards_free(&c);

	assert_true(corpus_read(state, "roundcubemail__johndoe.vcf", &c));
	HAS(&c, 0, "last_name=Doë", "first_name=John", "company=roundcube.net", "emails=roundcube@gmail.com",
	    "phones=+987654321", "city=Hometown", "address=The street, 5555, Cayman Islands", "notes=The notes...");
	cards_free(&c);

	assert_true(corpus_read(state, "android_frameworks_opt_vcard__v21_japanese_2.vcf", &c));
	HAS(&c, 0, "last_name=安藤", "first_name=ロイド1", "address=東京都渋谷区桜丘町26-1セルリアンタワー6階, 150-8512",
	    "notes=メモ");
	cards_free(&c);

	assert_true(corpus_read(state, "android_frameworks_opt_vcard__v21_winmo_65.vcf", &c));
	assert_int_equal(c.n, 1);
	HAS(&c, 0, "last_name=Example");
	cards_free(&c);

	assert_true(corpus_read(state, "android_frameworks_opt_vcard__v30_ios_613_multiline.vcf", &c));
	HAS(&c, 0, "last_name=Smith", "first_name=Bob", "company=Smith Auto Repair", "emails=bob@smithauto.com",
	    "phones=(650) 555-1212");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_EVOLUTION.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "middle_name=Richter James", "phones=905-666-1234", "tags=VIP",
	    "emails=john.doe@ibm.com", "birthday=1980-03-22", "city=Albaney", "position=Money Counter");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_GMAIL.vcf", &c));
	HAS(&c, 0, "first_name=John", "phones=905-555-1234", "birthday=1980-03-22", "company=IBM",
	    "address=Crescent moon drive, 555-asd, Nice Area, Albaney, New York 12345, United States of America");
	assert_non_null(strstr(c.dump[0], "CONTRIBUTORS \"AS IS\""));
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_IPHONE.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "phones=905-222-1234", "emails=john.doe@ibm.com", "birthday=2012-06-06",
	    "city=New York");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_LOTUS_NOTES.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "emails=billy_bob@gmail.com", "phones=+1 (212) 204-34456", "birthday=1980-05-21",
	    "position=Generic Accountant");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_MAC_ADDRESS_BOOK.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "phones=905-777-1234", "phones=905-222-1234", "birthday=2012-06-06");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__John_Doe_MS_OUTLOOK.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "phones=(905) 555-1234", "emails=john.doe@ibm.cm", "birthday=1980-03-22",
	    "city=Albaney");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__gmail-single2.vcf", &c));
	HAS(&c, 0, "last_name=Test", "first_name=VCard", "emails=customcategory@example.com", "phones=5555551121",
	    "messengers=skype:IM5", "messengers=xmpp:IM9", "birthday=1912-06-23", "company=TheCompany");
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__outlook-2007.vcf", &c));
	HAS(&c, 0, "last_name=Angstadt", "first_name=Michael", "phones=(111) 555-3333",
	    "emails=mike.angstadt@gmail.com", "birthday=1922-03-10", "company=TheCompany");
	assert_non_null(strstr(c.dump[0], "This is the NOTE field\t\nI assume"));
	cards_free(&c);

	assert_true(corpus_read(state, "ez-vcard__thunderbird-MoreFunctionsForAddressBook-extension.vcf", &c));
	HAS(&c, 0, "last_name=Doe", "tags=category1", "tags=category2", "tags=category3",
	    "emails=additional-email3@company.com", "birthday=1970-09-21", "position=TheTitle");
	cards_free(&c);

	assert_true(corpus_read(state, "gammu__evolution.vcf", &c));
	HAS(&c, 0, "company=NIB", "phones=1300135540");
	cards_free(&c);

	assert_true(corpus_read(state, "gammu__yahoo.vcf", &c));
	HAS(&c, 0, "first_name=ACENET", "phones=(07) 3899-5174", "notes=ISP Ph 019833206");
	cards_free(&c);

	assert_true(corpus_read(state, "releases-comm-central__export.vcf", &c));
	assert_int_equal(c.n, 2);
	HAS(&c, 0, "last_name=one", "first_name=contact", "emails=contact1@invalid");
	HAS(&c, 1, "notes=here's some unicode text…", "position=\"worker\"");
	cards_free(&c);

	assert_true(corpus_read(state, "tine20__WebDAVCollaborator.vcf", &c));
	HAS(&c, 0, "last_name=Nachname", "first_name=Vorname", "phones=+49 (040) 12345 - 2", "emails=mail3@example.com",
	    "birthday=1980-08-09", "city=businesscity", "company=Firma");
	assert_null(strstr(c.dump[0], "assistent")); /* the agent's card is skipped */
	cards_free(&c);

	assert_true(corpus_read(state, "tine20__emclient_addressbook.vcf", &c));
	HAS(&c, 0, "last_name=Nach", "emails=business@email.de", "birthday=1950-01-26", "city=City Privat");
	assert_non_null(strstr(c.dump[0], "Phone: +49 MOBIL2\n"));
	cards_free(&c);

	assert_true(corpus_read(state, "tine20__sogo_connector.vcf", &c));
	HAS(&c, 0, "last_name=Kneschke", "tags=CATEGORY 1", "tags=CATEGORY 2", "emails=lars@kneschke.de",
	    "birthday=1975-01-16", "city=City Business");
	cards_free(&c);

	/* UTF-16BE without a BOM: only imp_open converts it; the reader alone
	 * stops at its NUL bytes with an error, never with a card */
	assert_true(corpus_read(state, "roundcubemail__utf-16_sample.vcf", &c));
	assert_int_equal(c.rc, -1);
	assert_int_equal(c.n, 0);
	assert_non_null(strstr(c.err, "NUL"));
	cards_free(&c);
}

/* Through imp_open: the UTF-16BE file without a BOM is converted before the
 * vCard reader sees it. */
static void test_corpus_utf16(void **state)
{
	(void)state;
	char path[1024], err[512];
	snprintf(path, sizeof(path), "%s/roundcubemail__utf-16_sample.vcf", CORPUS_DIR);
	if (access(path, R_OK) != 0) {
		print_message("skipped: the contacts corpus is not at %s\n", CORPUS_DIR);
		skip();
	}
	struct imp_opts o = { 0 };
	struct imp_reader *rd = imp_open(path, &o, err, sizeof(err));
	assert_non_null(rd);
	assert_int_equal(imp_format_of(rd), IMP_VCARD);
	assert_string_equal(imp_encoding_of(rd), "utf-16be");
	struct imp_row row;
	assert_int_equal(imp_next(rd, &row, err, sizeof(err)), 1);
	assert_string_equal(fv(&row, "last_name", 0), "ĽdaMonté");
	assert_string_equal(fv(&row, "first_name", 0), "Ǽgean");
	assert_int_equal(row.pos.line, 1);
	assert_int_equal(imp_next(rd, &row, err, sizeof(err)), 0);
	imp_close(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_photo_streamed), /* first: the peak before it is the program's own */
		cmocka_unit_test(test_folding_endings), cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_8bit_guess),      cmocka_unit_test(test_groups_lists),
		cmocka_unit_test(test_names_from_fn),   cmocka_unit_test(test_birthdays),
		cmocka_unit_test(test_map_and_agent),   cmocka_unit_test(test_broken),
		cmocka_unit_test(test_value_limit),
		cmocka_unit_test(test_corpus),          cmocka_unit_test(test_corpus_utf16),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
