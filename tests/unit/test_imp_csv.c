/* Unit tests for kart import's CSV side (client/lib/imp.c, imp_csv.c,
 * imp_map.c): detection, decoding, the tokenizer's positions and limits,
 * header mapping and values, on samples written into a temp dir, and on
 * the real exports in the contacts corpus (KART_CONTACTS_CORPUS) when it
 * is there. */
#include <dirent.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "imp.h"
#include "imp_map.h"

static char dir[] = "/tmp/kart-imp-XXXXXX";

/* Writes len bytes (or a string) into the temp dir as name. */
static const char *put(const char *name, const void *data, size_t len)
{
	static char path[4][512];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

#define put_lit(name, lit) put((name), (lit), sizeof(lit) - 1)

static const char *puts_(const char *name, const char *s)
{
	return put(name, s, strlen(s));
}

/* s (UTF-8) in encoding enc, into a file. */
static const char *put_in(const char *name, const char *enc, const char *s, const char *prefix, size_t prefix_len)
{
	iconv_t cd = iconv_open(enc, "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t cap = strlen(s) * 4 + 16, inleft = strlen(s), outleft = cap - prefix_len;
	char *buf = malloc(cap), *in = (char *)s, *out = buf + prefix_len;
	memcpy(buf, prefix, prefix_len);
	assert_true(iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1);
	iconv_close(cd);
	const char *p = put(name, buf, (size_t)(out - buf));
	free(buf);
	return p;
}

/* Every row of a file as text: "@LINE name=value|name=value|" per row,
 * a line break within a value as "\n"; "BAD(L:C: why)" for a bad row;
 * "ERR(message)" where reading stopped. */
static char *dump_opts(const char *path, const struct imp_opts *o, struct imp_reader **keep)
{
	char err[512];
	struct imp_reader *rd = imp_open(path, o, err, sizeof(err));
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	out[0] = 0;
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (cap - len < 4096 && !(out = realloc(out, cap *= 2)))                            \
			fail();                                                                    \
		len += (size_t)snprintf(out + len, cap - len, __VA_ARGS__);                        \
	} while (0)
	if (!rd) {
		ADD("OPEN(%s)", err);
		return out;
	}
	struct imp_row row;
	int r;
	while ((r = imp_next(rd, &row, err, sizeof(err))) > 0) {
		ADD("@%lu ", row.pos.line);
		if (row.bad)
			ADD("BAD(%lu:%lu: %s) ", row.bad_pos.line, row.bad_pos.col, row.bad);
		for (size_t i = 0; i < row.n; i++) {
			ADD("%s=", row.fields[i].name);
			for (const char *v = row.fields[i].value; *v; v++) {
				if (*v == '\n')
					ADD("\\n");
				else
					ADD("%c", *v);
			}
			ADD("|");
		}
		ADD("\n");
		assert_true(len < cap);
	}
	if (r < 0)
		ADD("ERR(%s)", err);
	if (keep)
		*keep = rd;
	else
		imp_close(rd);
	return out;
}

static char *dump(const char *path)
{
	static const struct imp_opts none;
	return dump_opts(path, &none, NULL);
}

#define assert_has(hay, needle)                                                                  \
	do {                                                                                     \
		if (!strstr((hay), (needle)))                                                    \
			fail_msg("'%s' not in:\n%s", (needle), (hay));                           \
	} while (0)
#define assert_hasnt(hay, needle)                                                                \
	do {                                                                                     \
		if (strstr((hay), (needle)))                                                     \
			fail_msg("'%s' unexpectedly in:\n%s", (needle), (hay));                  \
	} while (0)

static struct imp_reader *open_ok(const char *path, const struct imp_opts *o)
{
	char err[512];
	struct imp_reader *rd = imp_open(path, o, err, sizeof(err));
	if (!rd)
		fail_msg("%s", err);
	return rd;
}

static void test_utf8_bom(void **state)
{
	static const struct imp_opts none;
	const char *body = "Фамилия;Имя;Телефон\nИванов;Иван;+79161234567\n";
	char *with = malloc(strlen(body) + 4);
	sprintf(with, "\xEF\xBB\xBF%s", body);
	struct imp_reader *rd = open_ok(puts_("bom.csv", with), &none);
	assert_string_equal(imp_encoding_of(rd), "utf-8");
	assert_int_equal(imp_delimiter_of(rd), ';');
	assert_int_equal(imp_format_of(rd), IMP_CSV);
	imp_close(rd);
	char *d = dump(puts_("bom.csv", with));
	assert_string_equal(d, "@2 last_name=Иванов|first_name=Иван|phones=+79161234567|\n");
	free(d);
	d = dump(puts_("nobom.csv", body));
	assert_string_equal(d, "@2 last_name=Иванов|first_name=Иван|phones=+79161234567|\n");
	free(d);
	free(with);
}

static void test_utf16le_bom(void **state)
{
	static const struct imp_opts none;
	const char *p = put_in("u16.csv", "UTF-16LE", "Фамилия,Имя,E-mail\r\nПетров,Пётр,p@example.ru\r\n", "\xFF\xFE", 2);
	struct imp_reader *rd = open_ok(p, &none);
	assert_string_equal(imp_encoding_of(rd), "utf-16le");
	imp_close(rd);
	char *d = dump(p);
	assert_string_equal(d, "@2 last_name=Петров|first_name=Пётр|emails=p@example.ru|\n");
	free(d);
	/* without a BOM: the NULs give it away */
	p = put_in("u16be.csv", "UTF-16BE", "Name,Email\nJohn Smith,js@example.com\n", "", 0);
	rd = open_ok(p, &none);
	assert_string_equal(imp_encoding_of(rd), "utf-16be");
	imp_close(rd);
	d = dump(p);
	assert_string_equal(d, "@2 emails=js@example.com|first_name=John|last_name=Smith|\n");
	free(d);
}

static void test_cp1251_cp1252(void **state)
{
	static const struct imp_opts none;
	const char *ru = "ФИО;Компания;Город;Примечание\n"
			 "Кузнецова Анна Сергеевна;ООО «Ромашка»;Москва;постоянный клиент, скидка 5%\n"
			 "Смирнов Олег;ИП Смирнов;Санкт-Петербург;звонить после обеда\n";
	const char *p = put_in("ru.csv", "CP1251", ru, "", 0);
	struct imp_reader *rd = open_ok(p, &none);
	assert_string_equal(imp_encoding_of(rd), "cp1251");
	imp_close(rd);
	char *d = dump(p);
	assert_has(d, "@2 company=ООО «Ромашка»|city=Москва|notes=постоянный клиент, скидка 5%|first_name=Анна|"
		      "last_name=Кузнецова|middle_name=Сергеевна|\n");
	assert_has(d, "@3 company=ИП Смирнов|city=Санкт-Петербург|notes=звонить после обеда|first_name=Олег|last_name=Смирнов|");
	free(d);

	const char *de = "Nachname;Vorname;E-Mail;Firma\n"
			 "Müller;Jürgen;j.mueller@example.de;Bäckerei Groß\n"
			 "Lefèvre;Hélène;h.lefevre@example.fr;Café Noël\n";
	p = put_in("de.csv", "CP1252", de, "", 0);
	rd = open_ok(p, &none);
	assert_string_equal(imp_encoding_of(rd), "cp1252");
	imp_close(rd);
	d = dump(p);
	assert_has(d, "@2 last_name=Müller|first_name=Jürgen|emails=j.mueller@example.de|company=Bäckerei Groß|");
	assert_has(d, "@3 last_name=Lefèvre|first_name=Hélène|emails=h.lefevre@example.fr|company=Café Noël|");
	free(d);
}

static void test_quotes_and_lines(void **state)
{
	char *d = dump(puts_("q.csv", "Name,Notes,Email\r\n"
				      "\"Doe, John\",\"line one\r\nline \"\"two\"\"\nthree\",jd@example.com\r\n"
				      "Jane Roe,plain,jr@example.com\r\n"
				      "\r\n"
				      "Ann Lee,\"\",al@example.com\r\r\n"
				      "Bob Ray,x,br@example.com\rEve Fox,y,ef@example.com"));
	assert_string_equal(d, "@2 notes=line one\\nline \"two\"\\nthree|emails=jd@example.com|last_name=Doe|first_name=John|\n"
			       "@5 notes=plain|emails=jr@example.com|first_name=Jane|last_name=Roe|\n"
			       "@7 emails=al@example.com|first_name=Ann|last_name=Lee|\n"
			       "@8 notes=x|emails=br@example.com|first_name=Bob|last_name=Ray|\n"
			       "@9 notes=y|emails=ef@example.com|first_name=Eve|last_name=Fox|\n");
	free(d);
	/* a field's position: the line its value starts on, its column's number */
	static const struct imp_opts none;
	struct imp_reader *rd = open_ok(puts_("pos.csv", "Notes,Email\n\"a\nb\nc\",x@example.com\n"), &none);
	struct imp_row row;
	char err[256];
	assert_int_equal(imp_next(rd, &row, err, sizeof(err)), 1);
	assert_int_equal(row.n, 2);
	assert_int_equal(row.fields[1].pos.line, 4);
	assert_int_equal(row.fields[1].pos.col, 2);
	assert_int_equal(row.raw_len, strlen("\"a\nb\nc\",x@example.com"));
	assert_memory_equal(row.raw, "\"a\nb\nc\",x@example.com", row.raw_len);
	assert_int_equal(imp_next(rd, &row, err, sizeof(err)), 0);
	imp_close(rd);
}

static void test_delimiters(void **state)
{
	static const struct imp_opts none;
	struct imp_reader *rd = open_ok(puts_("tab.csv", "First Name\tLast Name\tNotes\nA\tB\tx, y; z\nC\tD\t\n"), &none);
	assert_int_equal(imp_delimiter_of(rd), '\t');
	imp_close(rd);
	/* commas inside quotes do not count */
	rd = open_ok(puts_("semi.csv", "Имя;Фамилия;Адрес\nА;Б;\"г. Москва, ул. Ленина, 1\"\nВ;Г;\"a, b, c, d\"\n"), &none);
	assert_int_equal(imp_delimiter_of(rd), ';');
	imp_close(rd);
	struct imp_opts o = { .delimiter = ',' };
	rd = open_ok(puts_("semi.csv", "a;b,c\n1;2,3\n"), &o);
	assert_int_equal(imp_delimiter_of(rd), ',');
	imp_close(rd);
}

static void test_broken_quote(void **state)
{
	char *d = dump(puts_("open.csv", "Name,Notes\nJohn Doe,ok\nJane Roe,\"never closed\nmore,text\nand more\n"));
	assert_has(d, "@2 ");
	assert_has(d, "ERR(");
	assert_has(d, "open.csv:3:2: the quote opened here is never closed");
	assert_hasnt(d, "@3");
	free(d);
}

static void test_long_record(void **state)
{
	size_t n = 10 * 1024 * 1024;
	char *big = malloc(n + 64);
	strcpy(big, "Name,Notes\nJohn,");
	memset(big + strlen(big), 'x', n);
	strcpy(big + n, "\nJane,ok\n");
	char *d = dump(put("big.csv", big, strlen(big)));
	assert_has(d, "big.csv:2: a record longer than 1 MiB");
	assert_hasnt(d, "@2");
	free(d);
	free(big);
}

static void test_binary(void **state)
{
	char *d = dump(put_lit("book.xlsx", "PK\3\4\x14\0\6\0\x08\0\0\0!\0"));
	assert_has(d, "OPEN(");
	assert_has(d, "ZIP");
	assert_has(d, "save it as CSV");
	free(d);
	d = dump(put_lit("a.csv", "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"));
	assert_has(d, "PDF");
	free(d);
	d = dump(put_lit("b.csv", "\x7F" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0"));
	assert_has(d, "ELF");
	free(d);
	d = dump(put_lit("c.csv", "Name,Email\nab\0\x01\x02\xFF\xFEzz\x80\0\0\x05qq\n"));
	assert_has(d, "OPEN(");
	assert_has(d, "binary");
	free(d);
}

static void test_encoding_errors(void **state)
{
	/* past the sample the detection looked at, a byte that is not UTF-8 */
	size_t lines = 6000; /* 192 KB: past the 128 KiB sample */
	char *s = malloc(lines * 40 + 200), *p = s;
	p += sprintf(p, "Name,Email\n");
	for (size_t i = 0; i < lines; i++)
		p += sprintf(p, "Person %05zu,p%05zu@example.com\n", i, i);
	p += sprintf(p, "Ab \xC8\xE2\xE0\xED,x@example.com\n");
	char *d = dump(put("late.csv", s, (size_t)(p - s)));
	assert_has(d, "ERR(");
	assert_has(d, "late.csv:6002:4: bytes C8 E2 E0 are not utf-8 text");
	assert_has(d, "@6001 ");
	free(d);
	free(s);
	/* an encoding iconv does not know */
	struct imp_opts o = { .encoding = "no-such-charset" };
	d = dump_opts(puts_("x.csv", "a,b\n1,2\n"), &o, NULL);
	assert_has(d, "unknown encoding 'no-such-charset'");
	free(d);
}

static void test_dates(void **state)
{
	char out[32];
	assert_int_equal(imp_date("32874", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-01-01");
	assert_int_equal(imp_date("45658", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "2025-01-01");
	assert_int_equal(imp_date("32874,5", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-01-01");
	assert_int_equal(imp_date("01.02.1990", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-02-01");
	assert_int_equal(imp_date("1.2.1990", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-02-01");
	assert_int_equal(imp_date("1990-02-01", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-02-01");
	assert_int_equal(imp_date("01.02.1990 0:00:00", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-02-01");
	assert_int_equal(imp_date("03/04/1990", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-03-04");
	assert_int_equal(imp_date("03/04/1990", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-04-03");
	assert_int_equal(imp_date("31/12/1990", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-12-31");
	assert_int_equal(imp_date("12/31/1990", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "1990-12-31");
	assert_int_equal(imp_date("5/6/85", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "1985-05-06");
	assert_int_equal(imp_date("15.03", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "--03-15");
	assert_int_equal(imp_date("--03-15", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "--03-15");
	assert_int_equal(imp_date("0/0/00", 1, out, sizeof(out)), 1);
	assert_int_equal(imp_date("31.02.1990", 0, out, sizeof(out)), -1);
	assert_int_equal(imp_date("вчера", 0, out, sizeof(out)), -1);
	assert_int_equal(imp_date("60", 0, out, sizeof(out)), -1);
	/* in a file: a date column of serial numbers, a bad date marks the row */
	char *d = dump(puts_("dates.csv", "Имя;Дата рождения\nИван;32874\nПётр;30.02.1990\nАнна;\n"));
	assert_has(d, "@2 first_name=Иван|birthday=1990-01-01|\n");
	assert_has(d, "@3 BAD(3:2: column 'Дата рождения': '30.02.1990' is not a date) first_name=Пётр|\n");
	assert_has(d, "@4 first_name=Анна|\n");
	free(d);
}

static void test_damaged_phone(void **state)
{
	assert_true(imp_phone_damaged("7,91235E+10"));
	assert_true(imp_phone_damaged("7.91235E+10"));
	assert_true(imp_phone_damaged("7,91235\xD0\x95+10"));
	assert_false(imp_phone_damaged("+7 912 345-67-89"));
	assert_false(imp_phone_damaged("79123456789"));
	char *d = dump(puts_("sci.csv", "ФИО;Телефон;Мобильный телефон\n"
					"Иванов Иван Иванович;+7 495 123-45-67;7,91235E+10\n"
					"Петров Пётр;7,91235Е+10;\n"));
	assert_has(d, "@2 BAD(2:3: column 'Мобильный телефон': 7,91235E+10 is a number Excel rounded: the phone's digits "
		      "are lost; fix it in the file)");
	assert_has(d, "@3 BAD(3:2: column 'Телефон': 7,91235Е+10 is a number Excel rounded");
	free(d);
}

static void test_gender(void **state)
{
	assert_string_equal(imp_gender("м"), "m");
	assert_string_equal(imp_gender("Жен"), "f");
	assert_string_equal(imp_gender("Female"), "f");
	assert_string_equal(imp_gender("M"), "m");
	assert_string_equal(imp_gender("Unspecified"), "");
	assert_null(imp_gender("кот"));
	char *d = dump(puts_("g.csv", "Имя,Пол\nА,муж\nБ,Ж\nВ,\nГ,кот\n"));
	assert_has(d, "@2 first_name=А|gender=m|\n@3 first_name=Б|gender=f|\n@4 first_name=В|\n@5 first_name=Г|gender=кот|\n");
	free(d);
}

static void test_headers(void **state)
{
	static const struct imp_opts none;
	/* Russian Outlook */
	char *d = dump(puts_("olru.csv",
			     "\"Обращение\",\"Имя\",\"Отчество\",\"Фамилия\",\"Организация\",\"Должность\",\"Рабочий телефон\","
			     "\"Мобильный телефон\",\"Адрес эл. почты\",\"Адрес 2 эл. почты\",\"Город (раб. адрес)\",\"День рождения\","
			     "\"Заметки\",\"Категории\"\n"
			     "\"\",\"Иван\",\"Петрович\",\"Сидоров\",\"ООО Альфа\",\"директор\",\"+7 495 111-22-33\",\"+7 916 111-22-33\","
			     "\"ivan@alfa.ru\",\"i.sidorov@mail.ru\",\"Москва\",\"15.03.1980\",\"важный\",\"Клиенты; VIP\"\n"));
	assert_has(d, "@2 first_name=Иван|middle_name=Петрович|last_name=Сидоров|company=ООО Альфа|position=директор|"
		      "phones=+7 495 111-22-33|phones=+7 916 111-22-33|emails=ivan@alfa.ru|emails=i.sidorov@mail.ru|city=Москва|"
		      "birthday=1980-03-15|notes=важный|tags=Клиенты|tags=VIP|\n");
	free(d);
	/* Bitrix24 */
	d = dump(puts_("b24.csv", "Имя;Фамилия;Отчество;Компания;Должность;Рабочий телефон;Мобильный телефон;Рабочий e-mail;"
				  "Дата рождения;Город;Адрес;Источник\n"
				  "Олег;Ёлкин;Ильич;Бета;менеджер;84951234567;89161234567;o@beta.ru;01.02.1975;Тула;ул. Мира, 1;Сайт\n"));
	assert_has(d, "@2 first_name=Олег|last_name=Ёлкин|middle_name=Ильич|company=Бета|position=менеджер|phones=84951234567|"
		      "phones=89161234567|emails=o@beta.ru|birthday=1975-02-01|city=Тула|address=ул. Мира, 1|source=Сайт|\n");
	free(d);
	/* amoCRM */
	d = dump(puts_("amo.csv", "\"Полное имя контакта\",\"Компания\",\"Рабочий телефон\",\"Мобильный телефон\",\"Рабочий email\","
				  "\"Теги\",\"Примечание\",\"Ответственный\"\n"
				  "\"Анна Смирнова\",\"Гамма\",\"+74950000000\",\"\",\"anna@gamma.ru\",\"опт, Москва\",\"перезвонить\",\"Петя\"\n"));
	assert_has(d, "@2 company=Гамма|phones=+74950000000|emails=anna@gamma.ru|tags=опт|tags=Москва|notes=перезвонить|"
		      "first_name=Анна|last_name=Смирнова|\n");
	free(d);
	/* 1C, with an unknown column reported */
	struct imp_reader *rd = NULL;
	d = dump_opts(puts_("1c.csv", "Наименование;Контактное лицо;Телефон;Электронная почта;ИНН\n"
				      "ООО \"Дельта\";Козлов Андрей Викторович;8 (812) 555-44-33;info@delta.ru;7701234567\n"),
		      &none, &rd);
	assert_has(d, "@2 company=ООО \"Дельта\"|phones=8 (812) 555-44-33|emails=info@delta.ru|first_name=Андрей|"
		      "last_name=Козлов|middle_name=Викторович|\n");
	const char *const *unknown;
	assert_int_equal(imp_unknown(rd, &unknown), 1);
	assert_string_equal(unknown[0], "ИНН");
	imp_close(rd);
	free(d);
	/* Google's groups: the starred ones are its own */
	d = dump(puts_("g.csv", "Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value\n"
				"Ann,Lee,* myContacts ::: Friends ::: * starred,* Home,ann@example.com\n"));
	assert_has(d, "@2 first_name=Ann|last_name=Lee|tags=Friends|emails=ann@example.com|\n");
	free(d);
	/* Google's newer export */
	d = dump(puts_("g2.csv", "First Name,Middle Name,Last Name,Birthday,Labels,E-mail 1 - Label,E-mail 1 - Value,"
				 "Phone 1 - Label,Phone 1 - Value,Organization Name,Organization Title\n"
				 "Ann,,Lee,--03-15,* myContacts ::: Clients,Work,ann@example.com,Mobile,+1 555 0100,Acme,CEO\n"));
	assert_has(d, "@2 first_name=Ann|last_name=Lee|birthday=--03-15|tags=Clients|emails=ann@example.com|"
		      "phones=+1 555 0100|company=Acme|position=CEO|\n");
	free(d);
}

/* "-" is standard input: detected from the content as a file is */
static void test_stdin(void **state)
{
	static const struct imp_opts none;
	const char *p = put_in("in.csv", "CP1251", "Фамилия;Имя\nОрлов;Глеб\n", "", 0);
	assert_non_null(freopen(p, "rb", stdin));
	struct imp_reader *rd = NULL;
	char *d = dump_opts("-", &none, &rd);
	assert_string_equal(d, "@2 last_name=Орлов|first_name=Глеб|\n");
	assert_string_equal(imp_encoding_of(rd), "cp1251");
	imp_close(rd);
	free(d);
}

static void test_full_names(void **state)
{
	char *d = dump(puts_("fio.csv", "ФИО\nИванов Иван Иванович\nПетрова Мария\nСидоров\nИван Петрович Сидоров\n"));
	assert_string_equal(d, "@2 first_name=Иван|last_name=Иванов|middle_name=Иванович|\n"
			       "@3 first_name=Мария|last_name=Петрова|\n"
			       "@4 last_name=Сидоров|\n"
			       "@5 first_name=Иван|last_name=Сидоров|middle_name=Петрович|\n");
	free(d);
	d = dump(puts_("name.csv", "Name\nJohn Smith\nJohn Ronald Tolkien\n\"Doe, Jane\"\nКузнецова Анна Сергеевна\nАнна Кузнецова\n"));
	assert_string_equal(d, "@2 first_name=John|last_name=Smith|\n"
			       "@3 first_name=John|last_name=Tolkien|middle_name=Ronald|\n"
			       "@4 last_name=Doe|first_name=Jane|\n"
			       "@5 first_name=Анна|last_name=Кузнецова|middle_name=Сергеевна|\n"
			       "@6 first_name=Анна|last_name=Кузнецова|\n");
	free(d);
	/* a first or last name column wins over the full name */
	d = dump(puts_("both.csv", "Name,First Name,Last Name\nJ. Smith,John,Smith\nAnn Lee,,\n"));
	assert_string_equal(d, "@2 first_name=John|last_name=Smith|\n@3 first_name=Ann|last_name=Lee|\n");
	free(d);
}

static void test_map_option(void **state)
{
	struct imp_opts o = { .map = "ИНН=inn, Телефон = - ,Ответственный=owner" };
	struct imp_reader *rd = NULL;
	char *d = dump_opts(puts_("m.csv", "Наименование;ИНН;Телефон;Ответственный\nАльфа;7701234567;123;ivanov\n"), &o, &rd);
	assert_string_equal(d, "@2 company=Альфа|inn=7701234567|owner=ivanov|\n");
	const char *const *unknown;
	assert_int_equal(imp_unknown(rd, &unknown), 0);
	imp_close(rd);
	free(d);
	o.map = "Нет такой=inn";
	d = dump_opts(puts_("m.csv", "Наименование;ИНН\nАльфа;1\n"), &o, NULL);
	assert_has(d, "OPEN(--map: the header has no column 'Нет такой')");
	free(d);
	o.map = "Телефон=phones,Факс=phones";
	d = dump_opts(puts_("m.csv", "Телефон;Факс\n7,91235E+10;+74951112233\n"), &o, NULL);
	assert_has(d, "BAD(2:1: column 'Телефон'");
	assert_has(d, "phones=+74951112233|");
	free(d);
}

/* ---- the corpus ---- */

static const char *corpus(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", getenv("KART_CONTACTS_CORPUS"), name);
	return path;
}

static int corpus_here(void)
{
	const char *c = getenv("KART_CONTACTS_CORPUS");
	return c && access(c, R_OK) == 0;
}

/* Every .csv there opens under auto and reads to its end, but the
 * Shift_JIS one, which auto refuses by name of the problem. */
static void test_corpus_all(void **state)
{
	if (!corpus_here()) {
		print_message("the contacts corpus is not here (KART_CONTACTS_CORPUS): skipped\n");
		skip();
	}
	DIR *dp = opendir(getenv("KART_CONTACTS_CORPUS"));
	assert_non_null(dp);
	int files = 0;
	for (struct dirent *e; (e = readdir(dp));) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0)
			continue;
		files++;
		char *d = dump(corpus(e->d_name));
		if (strstr(e->d_name, "shiftjis")) {
			assert_has(d, "OPEN(");
			assert_has(d, "--encoding");
		} else {
			if (strstr(d, "OPEN(") || strstr(d, "ERR("))
				fail_msg("%s: %s", e->d_name, d);
			assert_has(d, "@2 ");
		}
		free(d);
	}
	closedir(dp);
	assert_true(files >= 15);
}

static void test_corpus_values(void **state)
{
	if (!corpus_here())
		skip();
	char *d = dump(corpus("horde-Data__Gmail.csv"));
	assert_has(d, "@2 emails=john@example.com|emails=john.doe@example.com|phones=9999999|phones=9999999|company=Example, Corp.|"
		      "address=Foo Street|first_name=John|last_name=Doe|");
	assert_has(d, "@3 emails=jeniffer@example.com|");
	free(d);
	d = dump(corpus("horde-Data__WAB.csv"));
	assert_has(d, "first_name=Firman|last_name=Wandayandi|emails=firman@php.net|");
	assert_has(d, "notes=It's\\nmultiline\\nmemo.|");
	free(d);
	d = dump(corpus("horde-Data__Yahoo.csv"));
	assert_has(d, "@2 first_name=Firman|last_name=Wandayandi|emails=firman@php.net|");
	free(d);
	d = dump(corpus("horde-Data__bug_6311.csv"));
	assert_has(d, "@2 first_name=John|last_name=Smith|company=International Inc|phones=(123) 555-2222|");
	assert_has(d, "tags=Programming|emails=john@example.com|notes=PHP\\nPerl\\nPython|");
	assert_hasnt(d, "birthday"); /* 0/0/00 */
	assert_hasnt(d, "gender");   /* Unspecified */
	free(d);
	d = dump(corpus("releases-comm-central__csv_semicolon.csv"));
	assert_string_equal(d, "@2 first_name=John|last_name=Doe|emails=john@doe.invalid|\n"
			       "@3 first_name=Jane|last_name=Doe|emails=jane@doe.invalid|\n");
	free(d);
	d = dump(corpus("releases-comm-central__export.csv"));
	assert_has(d, "@3 first_name=contact|last_name=two|emails=contact2@invalid|position=\"worker\"|");
	assert_has(d, "here's some unicode text…|");
	free(d);
	d = dump(corpus("releases-comm-central__utf16_addressbook.csv"));
	assert_string_equal(d, "@2 first_name=John|last_name=Doe|emails=johndoe@host.invalid|\n");
	free(d);
	struct imp_opts sjis = { .encoding = "shift_jis" };
	d = dump_opts(corpus("releases-comm-central__shiftjis_addressbook.csv"), &sjis, NULL);
	assert_string_equal(d, "@2 first_name=権兵衛|last_name=名無し|emails=名無しの権兵衛@host.invalid|\n");
	free(d);
	d = dump(corpus("roundcubemail__gmail.csv"));
	assert_has(d, "@2 first_name=Firstname|middle_name=Middle|last_name=Lastname|birthday=1975-12-12|notes=note\"note|"
		      "tags=Test|emails=home@aaa.pl|");
	assert_has(d, "address=home_street, home_pobox, home_city, home_state home_zip, home_country|city=home_city|");
	assert_has(d, "company=company|position=jobtitle|");
	free(d);
	d = dump(corpus("roundcubemail__tb_plain.csv"));
	assert_has(d, "@2 first_name=Firstname|last_name=Lastname|emails=test@domain.tld|emails=next@domain.tld|");
	assert_has(d, "birthday=1970-11-15|");
	free(d);
	d = dump(corpus("tine20__adb_mac_import.csv"));
	assert_has(d, "@2 first_name=Max|last_name=Mustermann|company=Musterfirma|address=Musterstraße 1|city=Hamburg|"
		      "emails=max@muster.de|phones=04012345|");
	free(d);
	d = dump(corpus("tine20__adb_outlook2007_default_de.csv"));
	assert_has(d, "@3 first_name=Vorname|last_name=Nachname|company=Firma|position=Pressestelle|phones=tel_work|");
	assert_has(d, "emails=email@example.org|tags=Partner|");
	free(d);
	d = dump(corpus("tine20__google_contacts.csv"));
	assert_has(d, "@5 first_name=axel|last_name=gert|notes=rutan|tags=kunden|emails=abc@here.de|phones=+4921234435|\n");
	assert_has(d, "@6 first_name=Bus Winsen|last_name=family|phones=021224351809|address=Ring 22, Winsen|city=Winsen|\n");
	free(d);
	struct imp_reader *rd = open_ok(corpus("tine20__importtest_outlook2013.csv"), &(struct imp_opts){ 0 });
	assert_string_equal(imp_encoding_of(rd), "cp1252");
	imp_close(rd);
	d = dump(corpus("tine20__importtest_outlook2013.csv"));
	assert_has(d, "@2 first_name=Christian|last_name=Baumann|company=unittest|position=Vertrieb|address=Pickhuben 2|"
		      "city=Hamburg|");
	assert_has(d, "@4 first_name=Cornelius|last_name=Weiß|");
	free(d);
	d = dump(corpus("tine20__importtest_win1252.csv"));
	assert_has(d, "@4 first_name=ÖzdemirÖ|last_name=Üglü|emails=oezdemir@ueglue.tu|\n");
	free(d);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *dp = opendir(dir);
	if (dp) {
		char p[600];
		for (struct dirent *e; (e = readdir(dp));)
			if (e->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(dp);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_bom),	 cmocka_unit_test(test_utf16le_bom),
		cmocka_unit_test(test_cp1251_cp1252),	 cmocka_unit_test(test_quotes_and_lines),
		cmocka_unit_test(test_delimiters),	 cmocka_unit_test(test_broken_quote),
		cmocka_unit_test(test_long_record),	 cmocka_unit_test(test_binary),
		cmocka_unit_test(test_encoding_errors), cmocka_unit_test(test_dates),
		cmocka_unit_test(test_damaged_phone),	 cmocka_unit_test(test_gender),
		cmocka_unit_test(test_headers),	 cmocka_unit_test(test_full_names),
		cmocka_unit_test(test_map_option),	 cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_corpus_all),
		cmocka_unit_test(test_corpus_values),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
