/* Unit tests for daemon/export.[ch] and daemon/leak.[ch]: CSV cells
 * (formulas neutralised, phones left alone, RFC 4180 quoting), whole rows,
 * vCard escaping and folding, canary people, the stored blob, and reading
 * phones and emails back out of files of any shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export.h"
#include "text.h"
#include "leak.h"

static char *cell(const char *s, char delim)
{
	static char out[512];
	struct xbuf b = { 0 };
	export_csv_cell(&b, s, delim);
	xbuf_put(&b, "", 1);
	snprintf(out, sizeof(out), "%s", b.p);
	xbuf_free(&b);
	return out;
}

static void test_formulas(void **state)
{
	(void)state;
	assert_true(text_csv_formula("=HYPERLINK(\"http://x\")"));
	assert_true(text_csv_formula("@SUM(A1:A2)"));
	assert_true(text_csv_formula("+cmd|' /C calc'!A0"));
	assert_true(text_csv_formula("-2+3*cmd"));
	assert_true(text_csv_formula("\tx"));
	assert_true(text_csv_formula("\r=1"));
	assert_true(text_csv_formula("-"));
	assert_false(text_csv_formula("+7 917 123-45-67"));
	assert_false(text_csv_formula("+7 (917) 123-45-67, +7 846 111.22.33"));
	assert_false(text_csv_formula("-5"));
	assert_false(text_csv_formula("Иванов"));
	assert_false(text_csv_formula(""));
	assert_false(text_csv_formula("a=b"));
	assert_string_equal(cell("=1+2", ','), "'=1+2");
	assert_string_equal(cell("=HYPERLINK(\"http://x\")", ','), "\"'=HYPERLINK(\"\"http://x\"\")\"");
	assert_string_equal(cell("+7 917 123-45-67", ','), "+7 917 123-45-67");
	assert_string_equal(cell("a,b", ','), "\"a,b\"");
	assert_string_equal(cell("a,b", ';'), "a,b");
	assert_string_equal(cell("a;b", ';'), "\"a;b\"");
	assert_string_equal(cell("line\nbreak", ','), "\"line\nbreak\"");
	assert_string_equal(cell("say \"hi\"", '\t'), "\"say \"\"hi\"\"\"");
	assert_string_equal(cell(NULL, ','), "");
}

static void test_csv_row(void **state)
{
	(void)state;
	Kart__Card c = KART__CARD__INIT;
	char *phones[] = { "+7 917 123-45-67", "8 846 111-22-33" }, *tags[] = { "vip", "b2b" };
	c.id = 42;
	c.last_name = "Иванова";
	c.first_name = "Анна";
	c.company = "ООО «Ромашка», филиал";
	c.phones = phones;
	c.n_phones = 2;
	c.tags = tags;
	c.n_tags = 2;
	c.sector = KART__SECTOR__SECTOR_HOT;
	c.owner = "masha";
	c.birthday = "1980-05-05";
	struct xbuf b = { 0 };
	export_csv_header(&b, ';', NULL);
	export_csv_row(&b, &c, ';', NULL);
	xbuf_put(&b, "", 1);
	assert_string_equal(b.p, "\xEF\xBB\xBFid;last_name;first_name;middle_name;company;position;phones;emails;city;address;"
				 "birthday;tags;sector;owner;gender;messengers;lifecycle\r\n"
				 "42;Иванова;Анна;;ООО «Ромашка», филиал;;+7 917 123-45-67, 8 846 111-22-33;;;;1980-05-05;"
				 "vip, b2b;hot;masha;;;\r\n");
	xbuf_free(&b);
	export_csv_row(&b, &c, ',', NULL);
	xbuf_put(&b, "", 1);
	assert_non_null(strstr(b.p, ",\"ООО «Ромашка», филиал\",,\"+7 917 123-45-67, 8 846 111-22-33\","));
	xbuf_free(&b);
}

/* Field definitions for the tests: name, type, created_at. */
static Kart__FieldDef defs_store[6];
static Kart__FieldDef *defs[6];

static size_t make_defs(void)
{
	static const struct {
		const char *name;
		Kart__FieldType type;
		int64_t at;
	} d[] = {
		{ "weight", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, 300 },
		{ "a_note", KART__FIELD_TYPE__FIELD_TYPE_TEXT, 500 },
		{ "seminar_ok", KART__FIELD_TYPE__FIELD_TYPE_BOOL, 100 },
		{ "interests", KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM, 200 },
		{ "renewal", KART__FIELD_TYPE__FIELD_TYPE_DATE, 300 },
		{ "secret", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, 600 },
	};
	for (size_t i = 0; i < 6; i++) {
		kart__field_def__init(&defs_store[i]);
		defs_store[i].name = (char *)d[i].name;
		defs_store[i].type = d[i].type;
		defs_store[i].created_at = d[i].at;
		defs[i] = &defs_store[i];
	}
	return 6;
}

/* Fields come in the order of their definition (seq), not of their names
 * nor of a clock that was set back ("late" was defined second, at an
 * earlier second than "zeta"); those from before seq was kept (0) first,
 * by second, then by name. */
static void test_custom_order(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t at;
		uint64_t seq;
	} d[] = { { "late", 90, 2 }, { "zeta", 100, 1 }, { "beta", 80, 0 }, { "alpha", 100, 3 }, { "omega", 70, 0 },
		  { "gamma", 80, 0 } };
	Kart__FieldDef st[6], *p[6];
	for (size_t i = 0; i < 6; i++) {
		kart__field_def__init(&st[i]);
		st[i].name = (char *)d[i].name;
		st[i].type = KART__FIELD_TYPE__FIELD_TYPE_TEXT;
		st[i].created_at = d[i].at;
		st[i].seq = d[i].seq;
		p[i] = &st[i];
	}
	struct arena a;
	arena_init(&a, 0);
	struct export_fields f;
	assert_int_equal(export_fields_init(&f, &a, p, 6), 0);
	struct xbuf b = { 0 };
	export_csv_header(&b, ',', &f);
	xbuf_put(&b, "", 1);
	assert_non_null(strstr(b.p, ",lifecycle,omega,beta,gamma,zeta,late,alpha\r\n"));
	xbuf_free(&b);
	export_fields_free(&f);
	arena_free(&a);
}

static void test_csv_custom(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct export_fields f;
	assert_int_equal(export_fields_init(&f, &a, defs, make_defs()), 0);
	/* columns in the order the fields were defined; the same second by name */
	struct xbuf b = { 0 };
	export_csv_header(&b, ',', &f);
	xbuf_put(&b, "", 1);
	assert_non_null(strstr(b.p, ",owner,gender,messengers,lifecycle,seminar_ok,interests,renewal,weight,a_note,secret\r\n"));
	xbuf_free(&b);

	Kart__Card c = KART__CARD__INIT;
	Kart__Messenger m1 = KART__MESSENGER__INIT, m2 = KART__MESSENGER__INIT, *ms[] = { &m1, &m2 };
	m1.kind = "telegram";
	m1.handle = "@ivanov";
	m2.kind = "whatsapp";
	m2.handle = "+7 917 123-45-67";
	/* by name, as cards keep them; "gone" is a field no longer defined */
	Kart__CustomValue v[] = { KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT,
				  KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT };
	const char *vals[][2] = { { "a_note", "x;y,\"z\"" }, { "gone", "old" },	     { "interests", "театр,футбол" },
				  { "secret", "***" },		 { "seminar_ok", "true" }, { "weight", "-12.5" } };
	Kart__CustomValue *vp[6];
	for (size_t i = 0; i < 6; i++) {
		v[i].field = (char *)vals[i][0];
		v[i].value = (char *)vals[i][1];
		vp[i] = &v[i];
	}
	c.id = 9;
	c.gender = KART__GENDER__GENDER_F;
	c.lifecycle = KART__LIFECYCLE__LIFECYCLE_REGULAR;
	c.messengers = ms;
	c.n_messengers = 2;
	c.custom = vp;
	c.n_custom = 6;
	export_csv_row(&b, &c, ';', &f);
	xbuf_put(&b, "", 1);
	/* ';': the decimal comma Russian Excel reads */
	assert_string_equal(b.p, "9;;;;;;;;;;;;;;f;telegram:@ivanov, whatsapp:+7 917 123-45-67;regular;"
				 "yes;театр, футбол;;-12,5;\"x;y,\"\"z\"\"\";***\r\n");
	xbuf_free(&b);
	export_csv_row(&b, &c, ',', &f);
	xbuf_put(&b, "", 1);
	assert_string_equal(b.p, "9,,,,,,,,,,,,,,f,\"telegram:@ivanov, whatsapp:+7 917 123-45-67\",regular,"
				 "yes,\"театр, футбол\",,-12.5,\"x;y,\"\"z\"\"\",***\r\n");
	xbuf_free(&b);
	/* a tab: the point */
	export_csv_row(&b, &c, '\t', &f);
	xbuf_put(&b, "", 1);
	assert_non_null(strstr(b.p, "\t-12.5\t"));
	xbuf_free(&b);
	export_fields_free(&f); /* the writers' scratch, kept from row to row */
	arena_free(&a);
}

static void test_vcard_more(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct export_fields f;
	assert_int_equal(export_fields_init(&f, &a, defs, make_defs()), 0);
	Kart__Card c = KART__CARD__INIT;
	Kart__Messenger m[] = { KART__MESSENGER__INIT, KART__MESSENGER__INIT, KART__MESSENGER__INIT,
				KART__MESSENGER__INIT, KART__MESSENGER__INIT, KART__MESSENGER__INIT };
	const char *mv[][2] = { { "telegram", "@ivanov_1" }, { "Telegram", "+7 917 123-45-67" },
				{ "whatsapp", "8 (917) 123-45-67" }, { "skype", "live:a b" },
				{ "jabber", "ivan@jabber.ru" }, { "icq;\"x\"", "12,3;4" } };
	Kart__Messenger *mp[6];
	for (size_t i = 0; i < 6; i++) {
		m[i].kind = (char *)mv[i][0];
		m[i].handle = (char *)mv[i][1];
		mp[i] = &m[i];
	}
	Kart__CustomValue v[] = { KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT };
	Kart__CustomValue *vp[] = { &v[0], &v[1], &v[2] };
	v[0].field = "a_note";
	v[0].value = "a,b;c\\d\r\ne\rf";
	v[1].field = "interests";
	v[1].value = "театр,футбол";
	v[2].field = "weight";
	v[2].value = "1500.25";
	c.id = 3;
	c.last_name = "Ли";
	c.gender = KART__GENDER__GENDER_M;
	c.lifecycle = KART__LIFECYCLE__LIFECYCLE_POTENTIAL;
	c.messengers = mp;
	c.n_messengers = 6;
	c.custom = vp;
	c.n_custom = 3;
	struct xbuf b = { 0 };
	export_vcard(&b, &c, &f);
	xbuf_put(&b, "", 1);
	assert_string_equal(b.p, "BEGIN:VCARD\r\nVERSION:4.0\r\n"
				 "FN:Ли\r\n"
				 "N:Ли;;;;\r\n"
				 "IMPP;X-SERVICE-TYPE=Telegram:tg://resolve?domain=ivanov_1\r\n"
				 "IMPP;X-SERVICE-TYPE=Telegram:tg://resolve?phone=79171234567\r\n"
				 "IMPP;X-SERVICE-TYPE=WhatsApp:x-apple:8%20%28917%29%20123-45-67\r\n"
				 "IMPP;X-SERVICE-TYPE=Skype:skype:live%3Aa%20b\r\n"
				 "IMPP;X-SERVICE-TYPE=Jabber:xmpp:ivan@jabber.ru\r\n"
				 "IMPP;X-SERVICE-TYPE=\"icq;^'x^'\":x-apple:12%2C3%3B4\r\n"
				 "GENDER:M\r\n"
				 "X-KART-LIFECYCLE:potential\r\n"
				 "X-KART-INTERESTS:театр\\, футбол\r\n"
				 "X-KART-WEIGHT:1500.25\r\n"
				 "X-KART-A-NOTE:a\\,b\\;c\\\\d\\ne\\nf\r\n"
				 "NOTE:id: 3\r\n"
				 "END:VCARD\r\n");
	xbuf_free(&b);
	export_fields_free(&f);
	arena_free(&a);
}

static void test_vcard(void **state)
{
	(void)state;
	Kart__Card c = KART__CARD__INIT;
	char *phones[] = { "8 (917) 123-45-67", "12-34" }, *e164[] = { "+79171234567", "" }, *emails[] = { "a@b.ru" };
	c.id = 7;
	c.last_name = "Петров";
	c.first_name = "Иван";
	c.middle_name = "Сергеевич";
	c.company = "Рога, копыта; и сыновья";
	c.phones = phones;
	c.n_phones = 2;
	c.phones_e164 = e164;
	c.n_phones_e164 = 2;
	c.emails = emails;
	c.n_emails = 1;
	c.address = "ул. Мира, 1\\2";
	c.city = "Самара";
	c.birthday = "1975-06-06";
	c.notes = "not exported";
	struct xbuf b = { 0 };
	export_vcard(&b, &c, NULL);
	xbuf_put(&b, "", 1);
	assert_string_equal(b.p, "BEGIN:VCARD\r\nVERSION:4.0\r\n"
				 "FN:Петров Иван Сергеевич\r\n"
				 "N:Петров;Иван;Сергеевич;;\r\n"
				 "ORG:Рога\\, копыта\\; и сыновья\r\n"
				 "TEL;VALUE=uri:tel:+79171234567\r\n"
				 "TEL;VALUE=text:12-34\r\n"
				 "EMAIL:a@b.ru\r\n"
				 "ADR:;;ул. Мира\\, 1\\\\2;Самара;;;\r\n"
				 "BDAY:19750606\r\n"
				 "NOTE:id: 7\r\n"
				 "END:VCARD\r\n");
	xbuf_free(&b);
	/* a long line is folded at 75 octets, never inside a character */
	char longname[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(longname, "Ёж");
	c.company = longname;
	export_vcard(&b, &c, NULL);
	xbuf_put(&b, "", 1);
	for (char *line = b.p; *line;) {
		char *end = strstr(line, "\r\n");
		assert_non_null(end);
		assert_true(end - line <= 75);
		assert_true(((unsigned char)line[0] & 0xc0) != 0x80);
		line = end + 2;
	}
	assert_non_null(strstr(b.p, "\r\n Ё"));
	xbuf_free(&b);
}

static void test_hash_and_blob(void **state)
{
	(void)state;
	uint64_t p = export_contact_hash('p', "+79171234567"), e = export_contact_hash('e', "a@b.ru");
	assert_int_equal(p & 1, 0);
	assert_int_equal(e & 1, 1);
	assert_true(p != export_contact_hash('p', "+79171234568"));
	assert_true(p == export_contact_hash('p', "+79171234567"));
	/* a blob as h_export.c writes it: two cards, three contacts */
	uint8_t buf[sizeof(struct export_blob_head) + 2 * 8 + 3 * 12];
	struct export_blob_head h = { EXPORT_BLOB_MAGIC, 0, 2, 3 };
	uint64_t ids[2] = { 10, 20 }, hs[3] = { p, e, export_contact_hash('p', "+78461112233") };
	uint32_t own[3] = { 0, 0, 1 };
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), ids, 16);
	memcpy(buf + sizeof(h) + 16, hs, 24);
	memcpy(buf + sizeof(h) + 40, own, 12);
	struct export_blob b;
	assert_int_equal(export_blob_view(buf, sizeof(buf), &b), 0);
	assert_int_equal(export_blob_id(&b, 1), 20);
	assert_int_equal(export_blob_card(&b, 2), 1);
	assert_false(b.sorted);
	assert_true(export_blob_has(&b, 20) && export_blob_has(&b, 10) && !export_blob_has(&b, 15));
	h.flags = EXPORT_BLOB_SORTED;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(export_blob_view(buf, sizeof(buf), &b), 0);
	assert_true(b.sorted);
	assert_true(export_blob_has(&b, 10) && export_blob_has(&b, 20));
	assert_false(export_blob_has(&b, 9) || export_blob_has(&b, 15) || export_blob_has(&b, 21));
	assert_int_equal(export_blob_view(buf, sizeof(buf) - 1, &b), -1);
	struct arena a;
	arena_init(&a, 0);
	struct leak_file f;
	const char *text = "Иванов;+7 (917) 123-45-67;A@B.RU\n";
	assert_int_equal(leak_parse(&f, &a, text, strlen(text), "RU"), 0);
	struct leak_cards lc;
	assert_int_equal(leak_match_blob(&f, buf, sizeof(buf), &lc), 0);
	assert_int_equal(lc.cards, 1); /* card 10, by phone and by email, counted once */
	assert_int_equal(lc.by_phone, 1);
	assert_int_equal(lc.by_email, 1);
	assert_int_equal(lc.sample[0], 10);
	leak_file_free(&f);
	arena_free(&a);
}

static bool has_phone(const struct leak_file *f, const char *e164)
{
	for (size_t i = 0; i < f->nphones; i++)
		if (strcmp(f->phones[i], e164) == 0)
			return true;
	return false;
}

static bool has_email(const struct leak_file *f, const char *e)
{
	for (size_t i = 0; i < f->nemails; i++)
		if (strcmp(f->emails[i], e) == 0)
			return true;
	return false;
}

static void test_leak_parse(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct leak_file f;
	const char *csv = "\xEF\xBB\xBFid,name,phones,emails,birthday\r\n"
			  "1,\"Иванов, Иван\",\"+7 917 123-45-67, 8 (846) 111-22-33\",ivan79171234567@mail.ru,1980-05-05\r\n"
			  "2\tПетров\t89271112233\tpetrov@Example.COM\t2001-01-01\r\n"
			  "3|Сидоров|7 927 222 33 44|mailto:sid.orov@ya.ru.|\r\n"
			  "4;a;tel:+7-903-000-11-22;\"x\"\r\n"
			  "5;list;+7 901 111 22 33 +7 902 111 22 33 89031112233 904 111 22 33 8 905 111 22 33\r\n"
			  "\r\n";
	assert_int_equal(leak_parse(&f, &a, csv, strlen(csv), "RU"), 0);
	assert_int_equal(f.rows, 6);
	assert_true(has_phone(&f, "+79171234567"));
	assert_true(has_phone(&f, "+78461112233"));
	assert_true(has_phone(&f, "+79271112233"));
	assert_true(has_phone(&f, "+79272223344"));
	assert_true(has_phone(&f, "+79030001122"));
	assert_true(has_phone(&f, "+79011112233"));
	assert_true(has_phone(&f, "+79021112233"));
	assert_true(has_phone(&f, "+79031112233"));
	assert_true(has_phone(&f, "+79041112233"));
	assert_true(has_phone(&f, "+79051112233"));
	assert_int_equal(f.nphones, 10); /* not the digits in the email, not the dates */
	assert_true(has_email(&f, "ivan79171234567@mail.ru"));
	assert_true(has_email(&f, "petrov@example.com"));
	assert_true(has_email(&f, "sid.orov@ya.ru"));
	assert_int_equal(f.nemails, 3);
	assert_true(leak_has(&f, export_contact_hash('p', "+79171234567")));
	assert_false(leak_has(&f, export_contact_hash('p', "+79171234560")));
	leak_file_free(&f);

	/* a long line of numbers separated by spaces only */
	struct xbuf big = { 0 };
	char num[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(num, sizeof(num), "8 (9%02d) %03d-%02d-%02d ", i % 100, i % 1000, i % 97, i % 89);
		xbuf_puts(&big, num);
	}
	assert_int_equal(leak_parse(&f, &a, big.p, big.len, "RU"), 0);
	assert_true(f.nphones > 4000);
	assert_true(has_phone(&f, "+79999995215"));
	xbuf_free(&big);
	leak_file_free(&f);

	/* a run of 4 MiB of one-digit pieces: ten of them make "+71111111111"
	 * (once), read through a window of a few pieces (it once took 24 bytes a piece) */
	size_t plen = 4u << 20;
	char *path = malloc(plen);
	assert_non_null(path);
	for (size_t i = 0; i < plen; i++)
		path[i] = i % 2 ? ' ' : '1';
	assert_int_equal(leak_parse(&f, &a, path, plen, "RU"), 0);
	assert_true(f.nphones <= 1);
	free(path);
	leak_file_free(&f);

	/* a vCard with a folded line */
	const char *vcf = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nTEL;VALUE=uri:tel:+7917\r\n 1234567\r\nEMAIL:lo\r\n ng@example.org\r\nEND:VCARD\r\n"
			  "begin:vcard\r\nTEL:8 846 111 22 33\r\nend:vcard\r\n";
	assert_int_equal(leak_parse(&f, &a, vcf, strlen(vcf), "RU"), 0);
	assert_int_equal(f.rows, 2);
	assert_true(has_phone(&f, "+79171234567"));
	assert_true(has_phone(&f, "+78461112233"));
	assert_true(has_email(&f, "long@example.org"));
	leak_file_free(&f);

	/* nothing */
	assert_int_equal(leak_parse(&f, &a, "", 0, "RU"), 0);
	assert_int_equal(f.rows, 0);
	assert_int_equal(f.nphones + f.nemails, 0);
	assert_false(leak_has(&f, 2));
	leak_file_free(&f);
	arena_free(&a);
}

static void test_canary(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	uint8_t seed[32];
	int female = 0;
	for (int s = 0; s < 200; s++) {
		for (int i = 0; i < 32; i++)
			seed[i] = (uint8_t)(s * 31 + i * 7);
		Kart__CanaryRow r1 = KART__CANARY_ROW__INIT, r2 = KART__CANARY_ROW__INIT;
		export_canary_person(seed, 0, "example.org", &a, &r1);
		export_canary_person(seed, 0, "example.org", &a, &r2);
		assert_string_equal(r1.last_name, r2.last_name);
		assert_string_equal(r1.email, r2.email);
		assert_non_null(strstr(r1.email, "@example.org"));
		assert_int_equal(strlen(r1.birthday), 10);
		size_t ln = strlen(r1.middle_name);
		bool fem = strcmp(r1.middle_name + ln - strlen("на"), "на") == 0;
		female += fem;
		if (!fem)
			assert_string_equal(r1.middle_name + ln - strlen("ич"), "ич");
		/* another attempt, another address; the same person */
		Kart__CanaryRow r3 = KART__CANARY_ROW__INIT;
		export_canary_person(seed, 5, "example.org", &a, &r3);
		assert_string_equal(r1.last_name, r3.last_name);
		assert_string_not_equal(r1.email, r3.email);
		char typed[24], e164[16];
		export_canary_phone(seed, typed, e164);
		assert_int_equal(strlen(e164), 12);
		assert_memory_equal(e164, "+79", 3);
		assert_int_equal(strlen(typed), strlen("+7 958 123-45-67"));
	}
	assert_true(female > 50 && female < 150);
	arena_free(&a);
}

static void test_parse_options(void **state)
{
	(void)state;
	enum export_format f;
	char d;
	assert_int_equal(export_format_parse("", &f), 0);
	assert_int_equal(f, EXPORT_CSV);
	assert_int_equal(export_format_parse("vcard", &f), 0);
	assert_int_equal(f, EXPORT_VCARD);
	assert_int_equal(export_format_parse("xml", &f), -1);
	assert_int_equal(export_delimiter_parse("", &d), 0);
	assert_int_equal(d, ',');
	assert_int_equal(export_delimiter_parse("tab", &d), 0);
	assert_int_equal(d, '\t');
	assert_int_equal(export_delimiter_parse("|", &d), 0);
	assert_int_equal(export_delimiter_parse(";;", &d), -1);
	assert_int_equal(export_delimiter_parse("x", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formulas),     cmocka_unit_test(test_csv_row), cmocka_unit_test(test_csv_custom), cmocka_unit_test(test_custom_order), cmocka_unit_test(test_vcard_more),	cmocka_unit_test(test_vcard),
		cmocka_unit_test(test_hash_and_blob), cmocka_unit_test(test_leak_parse), cmocka_unit_test(test_canary),
		cmocka_unit_test(test_parse_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
