/* imp_map: CSV columns to card fields and values to the card's forms (see
 * imp_map.h; the rules are in docs/DESIGN.md, "Importing (issue 12)"). */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "date.h"
#include "i18n.h"
#include "imp_map.h"

enum col_kind {
	C_UNKNOWN = 0, /* reported, not imported */
	C_IGNORE,      /* known and not wanted (a type beside a value) */
	C_TEXT,        /* one value: the first column with one wins */
	C_PHONE,       /* an item of phones */
	C_EMAIL,       /* an item of emails */
	C_TAGS,        /* items of tags, split */
	C_DATE,        /* a date, day before month when in doubt */
	C_DATE_US,     /* a date from an English export: month before day */
	C_GENDER,
	C_NAME,        /* a full name, given name first: used when no first/last */
	C_FIO,         /* a full name, surname first (ФИО) */
	C_BYEAR, C_BMONTH, C_BDAY, /* Thunderbird's birthday in three columns */
};

struct col {
	const char *field;
	enum col_kind kind;
};

struct imp_map {
	const char *file;
	struct col *cols;
	const char **names; /* the header as read */
	size_t n;
	const char **unknown;
	size_t n_unknown;
	struct arena a; /* the map's strings */
};

/* Column names as folded by fold() ('#' stands for any number). */
static const struct {
	const char *name;
	const char *field;
	enum col_kind kind;
} known[] = {
	/* our own export, and anyone who names columns as the card does */
	{ "first_name", "first_name", C_TEXT }, { "middle_name", "middle_name", C_TEXT },
	{ "last_name", "last_name", C_TEXT }, { "company", "company", C_TEXT }, { "position", "position", C_TEXT },
	{ "gender", "gender", C_GENDER }, { "phones", "phones", C_PHONE }, { "emails", "emails", C_EMAIL },
	{ "city", "city", C_TEXT }, { "address", "address", C_TEXT }, { "birthday", "birthday", C_DATE_US },
	{ "source", "source", C_TEXT }, { "tags", "tags", C_TAGS }, { "sector", "sector", C_TEXT },
	{ "owner", "owner", C_TEXT }, { "notes", "notes", C_TEXT }, { "lifecycle", "lifecycle", C_TEXT },
	{ "vip", "vip", C_TEXT }, { "key_account", "key_account", C_TEXT },
	/* names: Outlook, Google (both forms), Thunderbird, Yahoo, WAB, German */
	{ "first name", "first_name", C_TEXT }, { "given name", "first_name", C_TEXT }, { "first", "first_name", C_TEXT },
	{ "firstname", "first_name", C_TEXT }, { "vorname", "first_name", C_TEXT },
	{ "middle name", "middle_name", C_TEXT }, { "additional name", "middle_name", C_TEXT },
	{ "middle", "middle_name", C_TEXT }, { "weitere vornamen", "middle_name", C_TEXT },
	{ "last name", "last_name", C_TEXT }, { "family name", "last_name", C_TEXT }, { "last", "last_name", C_TEXT },
	{ "surname", "last_name", C_TEXT }, { "lastname", "last_name", C_TEXT }, { "nachname", "last_name", C_TEXT },
	{ "name", "", C_NAME }, { "display name", "", C_NAME }, { "full name", "", C_NAME },
	{ "contact name", "", C_NAME },
	/* names: Russian Outlook, Bitrix24, amoCRM, 1C, spreadsheets */
	{ "имя", "first_name", C_TEXT }, { "отчество", "middle_name", C_TEXT }, { "фамилия", "last_name", C_TEXT },
	{ "фио", "", C_FIO }, { "ф.и.о.", "", C_FIO }, { "ф. и. о.", "", C_FIO }, { "ф.и.о", "", C_FIO },
	{ "полное имя", "", C_NAME }, { "полное имя контакта", "", C_NAME }, { "имя контакта", "", C_NAME },
	{ "контактное лицо", "", C_NAME }, { "контакт", "", C_NAME },
	/* company and position */
	{ "organization", "company", C_TEXT }, { "organisation", "company", C_TEXT },
	{ "organization # - name", "company", C_TEXT }, { "organization name", "company", C_TEXT }, { "section # - company", "company", C_TEXT },
	{ "firma", "company", C_TEXT }, { "организация", "company", C_TEXT }, { "компания", "company", C_TEXT },
	{ "название компании", "company", C_TEXT }, { "наименование", "company", C_TEXT },
	{ "полное наименование", "company", C_TEXT }, { "контрагент", "company", C_TEXT },
	{ "job title", "position", C_TEXT }, { "organization # - title", "position", C_TEXT },
	{ "organization title", "position", C_TEXT },
	{ "occupation", "position", C_TEXT }, { "profession", "position", C_TEXT },
	{ "berufsbezeichnung", "position", C_TEXT }, { "beruf", "position", C_TEXT }, { "должность", "position", C_TEXT },
	/* phones */
	{ "phone", "phones", C_PHONE }, { "telephone", "phones", C_PHONE }, { "phone # - value", "phones", C_PHONE },
	{ "business phone", "phones", C_PHONE }, { "business phone #", "phones", C_PHONE },
	{ "home phone", "phones", C_PHONE }, { "home phone #", "phones", C_PHONE },
	{ "mobile phone", "phones", C_PHONE }, { "primary phone", "phones", C_PHONE },
	{ "company main phone", "phones", C_PHONE }, { "other phone", "phones", C_PHONE },
	{ "car phone", "phones", C_PHONE }, { "work phone", "phones", C_PHONE }, { "mobile number", "phones", C_PHONE },
	{ "mobile", "phones", C_PHONE }, { "home", "phones", C_PHONE }, { "work", "phones", C_PHONE },
	{ "section # - phone", "phones", C_PHONE }, { "section # - mobile", "phones", C_PHONE },
	{ "телефон", "phones", C_PHONE }, { "телефон #", "phones", C_PHONE }, { "тел.", "phones", C_PHONE },
	{ "рабочий телефон", "phones", C_PHONE }, { "мобильный телефон", "phones", C_PHONE },
	{ "домашний телефон", "phones", C_PHONE }, { "другой телефон", "phones", C_PHONE },
	{ "основной телефон", "phones", C_PHONE }, { "телефон раб. #", "phones", C_PHONE },
	{ "телефон дом. #", "phones", C_PHONE }, { "рабочий прямой телефон", "phones", C_PHONE },
	{ "мобильный", "phones", C_PHONE }, { "сотовый", "phones", C_PHONE },
	{ "сотовый телефон", "phones", C_PHONE }, { "контактный телефон", "phones", C_PHONE },
	{ "номер телефона", "phones", C_PHONE }, { "телефон организации", "phones", C_PHONE },
	{ "телефон компании", "phones", C_PHONE },
	{ "telefon geschäftlich", "phones", C_PHONE }, { "telefon geschäftlich #", "phones", C_PHONE },
	{ "telefon privat", "phones", C_PHONE }, { "telefon privat #", "phones", C_PHONE },
	{ "mobiltelefon", "phones", C_PHONE }, { "hauptnummer", "phones", C_PHONE },
	{ "arbeit telefon", "phones", C_PHONE }, { "privat telefon", "phones", C_PHONE },
	{ "weiteres telefon", "phones", C_PHONE }, { "andere telefonnummer", "phones", C_PHONE },
	{ "telefon (privat)", "phones", C_PHONE }, { "telefon (privat #)", "phones", C_PHONE },
	{ "telefon firma", "phones", C_PHONE }, { "haupttelefon", "phones", C_PHONE },
	{ "mobiltelefon #", "phones", C_PHONE }, { "autotelefon", "phones", C_PHONE },
	/* emails */
	{ "e-mail", "emails", C_EMAIL }, { "email", "emails", C_EMAIL }, { "e-mail #", "emails", C_EMAIL },
	{ "e-mail address", "emails", C_EMAIL }, { "e-mail # address", "emails", C_EMAIL },
	{ "email address", "emails", C_EMAIL }, { "e-mail # - value", "emails", C_EMAIL },
	{ "primary email", "emails", C_EMAIL }, { "secondary email", "emails", C_EMAIL },
	{ "alternate email #", "emails", C_EMAIL }, { "section # - email", "emails", C_EMAIL },
	{ "адрес эл. почты", "emails", C_EMAIL }, { "адрес # эл. почты", "emails", C_EMAIL },
	{ "эл. почта", "emails", C_EMAIL }, { "эл.почта", "emails", C_EMAIL },
	{ "электронная почта", "emails", C_EMAIL }, { "адрес электронной почты", "emails", C_EMAIL },
	{ "рабочий e-mail", "emails", C_EMAIL }, { "личный e-mail", "emails", C_EMAIL },
	{ "другой e-mail", "emails", C_EMAIL }, { "рабочий email", "emails", C_EMAIL },
	{ "личный email", "emails", C_EMAIL }, { "другой email", "emails", C_EMAIL }, { "почта", "emails", C_EMAIL },
	{ "e-mail-adresse", "emails", C_EMAIL }, { "e-mail-adresse #", "emails", C_EMAIL },
	{ "e-mail # adresse", "emails", C_EMAIL }, { "arbeit e-mail", "emails", C_EMAIL },
	{ "privat e-mail", "emails", C_EMAIL }, { "andere e-mail", "emails", C_EMAIL },
	{ "e-mail #: adresse", "emails", C_EMAIL },
	/* city and address: the first column with a value (business before home, as the exports order them) */
	{ "business city", "city", C_TEXT }, { "home city", "city", C_TEXT }, { "other city", "city", C_TEXT },
	{ "work city", "city", C_TEXT }, { "home town", "city", C_TEXT }, { "address # - city", "city", C_TEXT },
	{ "город", "city", C_TEXT }, { "город (раб. адрес)", "city", C_TEXT }, { "город (дом. адрес)", "city", C_TEXT },
	{ "населенный пункт", "city", C_TEXT }, { "ort geschäftlich", "city", C_TEXT }, { "ort privat", "city", C_TEXT },
	{ "arbeitsadresse stadt", "city", C_TEXT }, { "privatadresse stadt", "city", C_TEXT },
	{ "business street", "address", C_TEXT }, { "home street", "address", C_TEXT },
	{ "work address", "address", C_TEXT }, { "home address", "address", C_TEXT },
	{ "address # - formatted", "address", C_TEXT }, { "section # - address", "address", C_TEXT },
	{ "адрес", "address", C_TEXT }, { "улица (раб. адрес)", "address", C_TEXT },
	{ "улица (дом. адрес)", "address", C_TEXT }, { "юридический адрес", "address", C_TEXT },
	{ "фактический адрес", "address", C_TEXT }, { "почтовый адрес", "address", C_TEXT },
	{ "straße geschäftlich", "address", C_TEXT }, { "straße privat", "address", C_TEXT },
	{ "arbeitsadresse strasse", "address", C_TEXT }, { "privatadresse strasse", "address", C_TEXT },
	/* birthday, gender, notes, tags, source */
	{ "birthday", "birthday", C_DATE_US }, { "birth date", "birthday", C_DATE_US },
	{ "date of birth", "birthday", C_DATE_US }, { "день рождения", "birthday", C_DATE },
	{ "дата рождения", "birthday", C_DATE }, { "др", "birthday", C_DATE }, { "geburtstag", "birthday", C_DATE },
	{ "birth year", "birthday", C_BYEAR }, { "birth month", "birthday", C_BMONTH },
	{ "birth day", "birthday", C_BDAY },
	{ "gender", "gender", C_GENDER }, { "sex", "gender", C_GENDER }, { "пол", "gender", C_GENDER },
	{ "geschlecht", "gender", C_GENDER },
	{ "notes", "notes", C_TEXT }, { "note", "notes", C_TEXT }, { "comments", "notes", C_TEXT },
	{ "заметки", "notes", C_TEXT }, { "примечание", "notes", C_TEXT }, { "примечания", "notes", C_TEXT },
	{ "комментарий", "notes", C_TEXT }, { "notizen", "notes", C_TEXT },
	{ "categories", "tags", C_TAGS }, { "category", "tags", C_TAGS }, { "group membership", "tags", C_TAGS },
	{ "labels", "tags", C_TAGS }, { "категории", "tags", C_TAGS }, { "теги", "tags", C_TAGS },
	{ "тэги", "tags", C_TAGS }, { "метки", "tags", C_TAGS }, { "группа", "tags", C_TAGS },
	{ "группы", "tags", C_TAGS }, { "kategorien", "tags", C_TAGS },
	{ "source", "source", C_TEXT }, { "источник", "source", C_TEXT },
	{ "источник контакта", "source", C_TEXT }, { "откуда узнал", "source", C_TEXT },
	/* not Ответственный (Bitrix24, amoCRM): it holds a person's name, not a
	 * user of ours; --map 'Ответственный=owner' when it does */
	{ "сектор", "sector", C_TEXT }, { "стадия", "lifecycle", C_TEXT },
	/* the kind beside a value: not wanted, not worth a report */
	{ "e-mail # - type", "", C_IGNORE }, { "phone # - type", "", C_IGNORE }, { "address # - type", "", C_IGNORE },
	{ "e-mail # - label", "", C_IGNORE }, { "phone # - label", "", C_IGNORE }, { "address # - label", "", C_IGNORE },
	{ "e-mail type", "", C_IGNORE }, { "e-mail # type", "", C_IGNORE }, { "e-mail display name", "", C_IGNORE },
	{ "e-mail # display name", "", C_IGNORE }, { "organization # - type", "", C_IGNORE },
	{ "website # - type", "", C_IGNORE }, { "e-mail-typ", "", C_IGNORE }, { "e-mail: angezeigter name", "", C_IGNORE },
	{ "e-mail #: typ", "", C_IGNORE }, { "e-mail #: angezeigter name", "", C_IGNORE }, { "relation # - type", "", C_IGNORE }, { "", "", C_IGNORE },
};

/* Folds a column name for matching: lower case, ё as е, white space
 * trimmed and single, a run of digits as '#'. */
static void fold(const char *s, char *out, size_t outlen)
{
	size_t o = 0;
	bool space = false, digit = false;
	utf8proc_int32_t cp;
	while (*s && o + 8 < outlen) {
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
		if (k <= 0) {
			s++;
			continue;
		}
		s += k;
		if (cp == ' ' || cp == '\t' || cp == 0xA0 || cp == '\r' || cp == '\n') {
			space = o > 0;
			continue;
		}
		bool d = cp >= '0' && cp <= '9';
		if (d && digit)
			continue;
		if (space)
			out[o++] = ' ';
		space = false;
		digit = d;
		cp = d ? '#' : utf8proc_tolower(cp);
		if (cp == 0x451)
			cp = 0x435;
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = 0;
}

/* The folded header h against the folded name k, where U+FFFD in h (a
 * letter a bad re-encoding lost, as in a German Outlook export) matches
 * any one letter. */
static bool same_name(const char *h, const char *k)
{
	while (*h && *k) {
		utf8proc_int32_t a, b;
		utf8proc_ssize_t la = utf8proc_iterate((const utf8proc_uint8_t *)h, -1, &a);
		utf8proc_ssize_t lb = utf8proc_iterate((const utf8proc_uint8_t *)k, -1, &b);
		if (la <= 0 || lb <= 0 || (a != b && a != 0xFFFD))
			return false;
		h += la;
		k += lb;
	}
	return !*h && !*k;
}

static struct col lookup(const char *header)
{
	char h[256], k[256];
	fold(header, h, sizeof(h));
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		fold(known[i].name, k, sizeof(k));
		if (same_name(h, k))
			return (struct col){ known[i].field, known[i].kind };
	}
	return (struct col){ NULL, C_UNKNOWN };
}

static enum col_kind kind_of_field(const char *f)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, f) == 0) /* the card's own names head the table */
			return known[i].kind == C_DATE_US ? C_DATE : known[i].kind;
	if (strcmp(f, "full_name") == 0)
		return C_NAME;
	return C_TEXT; /* a custom field: the server knows it or refuses it */
}

/* --map "Column=field,Other=custom": each pair overrides the column's
 * mapping; an empty field (or "-") skips the column. */
static int apply_map(struct imp_map *m, const char *const *header, const char *opt, char *err, size_t errlen)
{
	char *copy = arena_strdup(&m->a, opt), *save = NULL;
	if (!copy)
		return -1;
	for (char *pair = strtok_r(copy, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		char *eq = strrchr(pair, '=');
		if (!eq) {
			snprintf(err, errlen, _("--map: '%s' is not Column=field"), pair);
			return -1;
		}
		*eq = 0;
		char *field = eq + 1, col[256], h[256];
		while (*field == ' ')
			field++;
		for (char *e = field + strlen(field); e > field && e[-1] == ' ';)
			*--e = 0;
		fold(pair, col, sizeof(col));
		bool found = false;
		for (size_t i = 0; i < m->n; i++) {
			fold(header[i], h, sizeof(h));
			if (strcmp(h, col) != 0)
				continue;
			found = true;
			if (!*field || strcmp(field, "-") == 0)
				m->cols[i] = (struct col){ "", C_IGNORE };
			else
				m->cols[i] = (struct col){ field, kind_of_field(field) };
			if (m->cols[i].kind == C_NAME)
				m->cols[i].field = "";
		}
		if (!found) {
			snprintf(err, errlen, _("--map: the header has no column '%s'"), pair);
			return -1;
		}
	}
	return 0;
}

struct imp_map *imp_map_new(const char *file, const char *const *header, size_t n, const char *map_opt, char *err,
			    size_t errlen)
{
	struct imp_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	arena_init(&m->a, 0);
	m->file = file;
	m->n = n;
	m->cols = arena_alloc(&m->a, (n + 1) * sizeof(*m->cols));
	m->unknown = arena_alloc(&m->a, (n + 1) * sizeof(*m->unknown));
	m->names = arena_alloc(&m->a, (n + 1) * sizeof(*m->names));
	if (!m->cols || !m->unknown || !m->names)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		m->cols[i] = lookup(header[i]);
		if (!(m->names[i] = arena_strdup(&m->a, header[i])))
			goto fail;
	}
	if (map_opt && *map_opt && apply_map(m, header, map_opt, err, errlen) < 0)
		goto fail_quiet;
	for (size_t i = 0; i < n; i++)
		if (m->cols[i].kind == C_UNKNOWN)
			m->unknown[m->n_unknown++] = m->names[i];
	return m;
fail:
	snprintf(err, errlen, "%s", _("out of memory"));
fail_quiet:
	imp_map_free(m);
	return NULL;
}

size_t imp_map_unknown(const struct imp_map *m, const char *const **names)
{
	*names = m->unknown;
	return m->n_unknown;
}

void imp_map_free(struct imp_map *m)
{
	if (!m)
		return;
	arena_free(&m->a);
	free(m);
}

/* ---- values ---- */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static int put_date(int64_t y, int mo, int d, bool year, char *out, size_t outlen)
{
	if (mo < 1 || mo > 12 || d < 1 || d > date_days_in_month(year ? y : 2000, mo))
		return -1;
	if (year && (y < 1 || y > 9999))
		return -1;
	if (year)
		snprintf(out, outlen, "%04lld-%02d-%02d", (long long)y, mo, d);
	else
		snprintf(out, outlen, "--%02d-%02d", mo, d);
	return 0;
}

/* Excel's day number: 1 is 1900-01-01, and Excel counts a 1900-02-29 that
 * never was (Lotus 1-2-3's mistake, kept), so from 61 on it is one ahead. */
static int excel_serial(long serial, char *out, size_t outlen)
{
	int64_t y;
	int mo, d;
	if (serial < 1 || serial == 60 || serial > 2958465)
		return -1;
	int64_t base = date_days_from_civil(1899, 12, serial < 60 ? 31 : 30);
	date_civil_from_days(base + serial, &y, &mo, &d);
	return put_date(y, mo, d, true, out, outlen);
}

int imp_date(const char *v, int us_order, char *out, size_t outlen)
{
	char s[40];
	size_t n = strcspn(v, " T"); /* "01.02.1990 0:00:00", "1990-02-01T00:00:00" */
	if (strncmp(v, "--", 2) == 0)
		n = strlen(v);
	if (n == 0 || n >= sizeof(s))
		return -1;
	memcpy(s, v, n);
	s[n] = 0;
	/* Excel's serial day, whole or with a time as the fraction */
	size_t whole = strcspn(s, ".,");
	if (whole >= 5 && whole <= 7 && all_digits(s, whole) && (s[whole] == 0 || all_digits(s + whole + 1, strlen(s + whole + 1))))
		return excel_serial(strtol(s, NULL, 10), out, outlen);
	if (n == 8 && all_digits(s, 8)) /* 19900101 */
		return put_date(strtol(s, NULL, 10) / 10000, (int)(strtol(s + 4, NULL, 10) / 100),
				(int)strtol(s + 6, NULL, 10), true, out, outlen);
	if (strncmp(s, "--", 2) == 0) /* --MM-DD, a birthday without its year */
		return strlen(s) == 7 && s[4] == '-' ? put_date(0, atoi(s + 2), atoi(s + 5), false, out, outlen) : -1;
	long part[3];
	size_t len[3], np = 0;
	char sep = 0;
	for (const char *p = s; np < 3;) {
		size_t k = strspn(p, "0123456789");
		if (k == 0 || k > 4)
			return -1;
		part[np] = strtol(p, NULL, 10);
		len[np++] = k;
		p += k;
		if (!*p)
			break;
		if (!strchr("./-", *p) || (sep && *p != sep))
			return -1;
		sep = *p++;
	}
	if (np == 3 && len[0] == 4) /* YYYY-MM-DD, YYYY.MM.DD */
		return put_date(part[0], (int)part[1], (int)part[2], true, out, outlen);
	if (np < 2 || len[0] > 2 || len[1] > 2 || (np == 3 && len[2] != 4 && len[2] != 2))
		return -1;
	if (np == 3 && part[0] == 0 && part[1] == 0 && part[2] == 0)
		return 1; /* Outlook's 0/0/00: no date */
	/* day first but for an English export's slashes; a number over 12
	 * says which is the day whatever the column */
	bool month_first = sep == '/' && us_order;
	if (part[0] > 12)
		month_first = false;
	else if (part[1] > 12)
		month_first = true;
	int d = (int)(month_first ? part[1] : part[0]), mo = (int)(month_first ? part[0] : part[1]);
	if (np == 2)
		return put_date(0, mo, d, false, out, outlen);
	int64_t y = part[2];
	if (len[2] == 2) /* Excel's own pivot: 00-29 are 2000s */
		y += y < 30 ? 2000 : 1900;
	return put_date(y, mo, d, true, out, outlen);
}

const char *imp_gender(const char *v)
{
	static const char *const f[] = { "ж", "жен", "жен.", "женский", "женщина", "f", "female", "w", "woman", "weiblich", "frau" };
	static const char *const m[] = { "м", "муж", "муж.", "мужской", "мужчина", "m", "male", "man", "männlich", "herr" };
	static const char *const none[] = { "unspecified", "keine angabe", "не указан", "не указано", "-" };
	char s[64];
	fold(v, s, sizeof(s));
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (strcmp(s, none[i]) == 0)
			return "";
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(s, f[i]) == 0)
			return "f";
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(s, m[i]) == 0)
			return "m";
	return NULL;
}

int imp_phone_damaged(const char *v)
{
	const char *p = v;
	if (*p == '+' || *p == '-')
		p++;
	size_t k = strspn(p, "0123456789");
	if (k == 0)
		return 0;
	p += k;
	if (*p == '.' || *p == ',')
		p += 1 + strspn(p + 1, "0123456789");
	if (*p == 'E' || *p == 'e')
		p++;
	else if (strncmp(p, "\xD0\x95", 2) == 0 || strncmp(p, "\xD0\xB5", 2) == 0) /* Cyrillic Е, е */
		p += 2;
	else
		return 0;
	if (*p == '+')
		p++;
	k = strspn(p, "0123456789");
	return k > 0 && p[k] == 0;
}

/* ---- a row ---- */

struct out {
	struct imp_row *row;
	size_t cap;
	struct arena *a;
};

static int emit(struct out *o, const char *name, const char *value, struct imp_pos pos)
{
	struct imp_row *r = o->row;
	if (!*value)
		return 0;
	if (r->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct imp_field *f = arena_alloc(o->a, cap * sizeof(*f));
		if (!f)
			return -1;
		if (r->n)
			memcpy(f, r->fields, r->n * sizeof(*f));
		r->fields = f;
		o->cap = cap;
	}
	r->fields[r->n++] = (struct imp_field){ name, value, pos };
	return 0;
}

static bool has(const struct imp_row *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return true;
	return false;
}

static void set_bad(struct imp_row *r, struct imp_pos pos, const char *msg)
{
	if (r->bad)
		return;
	r->bad = msg ? msg : _("out of memory");
	r->bad_pos = pos;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || (unsigned char)*s == 0xA0)
		s++;
	for (char *e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n');)
		*--e = 0;
	return s;
}

/* Tags: Google's "* myContacts ::: Friends" (the starred ones are its
 * system groups), Outlook's "A; B", a spreadsheet's "A, B". */
static int emit_tags(struct out *o, char *v, struct imp_pos pos)
{
	for (char *p = v; p;) {
		char *end = p + strcspn(p, ";,:");
		char *next = NULL;
		if (*end == ':' && strncmp(end, ":::", 3) != 0) { /* a colon inside a tag */
			end = end + 1 + strcspn(end + 1, ";,");
			while (*end == ':' && strncmp(end, ":::", 3) != 0)
				end = end + 1 + strcspn(end + 1, ";,");
		}
		if (*end)
			next = end + (strncmp(end, ":::", 3) == 0 ? 3 : 1);
		*end = 0;
		char *t = trim(p);
		if (*t && *t != '*' && strncmp(t, "System Group:", 13) != 0 && emit(o, "tags", t, pos) < 0)
			return -1;
		p = next;
	}
	return 0;
}

static bool ends_with(const char *w, const char *suffix)
{
	size_t n = strlen(w), k = strlen(suffix);
	return n > k && strcmp(w + n - k, suffix) == 0;
}

/* A patronymic: Иванович, Петровна, Ильинична, Кузьмич; Оглы, Кызы. */
static bool patronymic(const char *w)
{
	static const char *const sfx[] = { "вич", "вна", "ична", "ьич", "мич", "ВИЧ", "ВНА", "ИЧНА" };
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (ends_with(w, sfx[i]))
			return true;
	return strcmp(w, "оглы") == 0 || strcmp(w, "кызы") == 0;
}

/* A full name into first, middle and last (docs/DESIGN.md has the rule). */
static int split_name(struct out *o, struct arena *a, const char *v, bool surname_first, struct imp_pos pos)
{
	char *s = arena_strdup(a, v), *w[16], *save = NULL;
	size_t n = 0;
	if (!s)
		return -1;
	char *comma = strchr(s, ',');
	if (comma && !surname_first) { /* "Doe, John" */
		*comma = 0;
		char *last = trim(s), *rest = trim(comma + 1);
		if (*last && *rest)
			return emit(o, "last_name", last, pos) < 0 || emit(o, "first_name", rest, pos) < 0 ? -1 : 0;
		*comma = ',';
	}
	for (char *t = strtok_r(s, " \t", &save); t && n < 16; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0)
		return 0;
	if (n == 1)
		return emit(o, surname_first ? "last_name" : "first_name", w[0], pos);
	if (n == 3 && patronymic(w[2]))
		surname_first = true; /* Фамилия Имя Отчество */
	else if (n == 3 && patronymic(w[1]))
		surname_first = false; /* Имя Отчество Фамилия */
	const char *first, *last;
	char *middle = NULL;
	size_t mid_from, mid_to;
	if (surname_first) {
		last = w[0];
		first = w[1];
		mid_from = 2;
		mid_to = n;
	} else {
		first = w[0];
		last = w[n - 1];
		mid_from = 1;
		mid_to = n - 1;
	}
	for (size_t i = mid_from; i < mid_to; i++)
		if (!(middle = middle ? arena_printf(a, "%s %s", middle, w[i]) : w[i]))
			return -1;
	if (emit(o, "first_name", first, pos) < 0 || emit(o, "last_name", last, pos) < 0)
		return -1;
	return middle ? emit(o, "middle_name", middle, pos) : 0;
}

int imp_map_row(const struct imp_map *m, char *const *vals, const unsigned long *lines, size_t n, struct arena *a,
		struct imp_row *row)
{
	struct out o = { row, 0, a };
	const char *byear = NULL, *bmonth = NULL, *bday = NULL, *name = NULL;
	struct imp_pos name_pos = { 0 }, bpos = { 0 };
	bool fio = false;
	char buf[32];

	for (size_t i = 0; i < n && i < m->n; i++) {
		struct col c = m->cols[i];
		char *v = trim(vals[i]);
		struct imp_pos pos = { m->file, lines[i], i + 1 };
		const char *col = m->names[i];
		if (!*v || c.kind == C_UNKNOWN || c.kind == C_IGNORE)
			continue;
		int rc = 0;
		switch (c.kind) {
		case C_TEXT:
			rc = has(row, c.field) ? 0 : emit(&o, c.field, v, pos);
			break;
		case C_EMAIL:
			rc = emit(&o, c.field, v, pos);
			break;
		case C_PHONE:
			if (imp_phone_damaged(v))
				set_bad(row, pos,
					arena_printf(a, _("column '%s': %s is a number Excel rounded: the phone's digits are lost; fix it in the file"),
						     col, v));
			rc = emit(&o, c.field, v, pos);
			break;
		case C_TAGS:
			rc = emit_tags(&o, v, pos);
			break;
		case C_DATE:
		case C_DATE_US: {
			if (has(row, c.field))
				break;
			int d = imp_date(v, c.kind == C_DATE_US, buf, sizeof(buf));
			if (d < 0)
				set_bad(row, pos, arena_printf(a, _("column '%s': '%s' is not a date"), col, v));
			else if (d == 0)
				rc = emit(&o, c.field, arena_strdup(a, buf), pos);
			break;
		}
		case C_GENDER: {
			const char *g = imp_gender(v);
			rc = has(row, c.field) ? 0 : emit(&o, c.field, g ? g : v, pos); /* an odd one the server refuses */
			break;
		}
		case C_NAME:
		case C_FIO:
			if (!name) {
				name = v;
				name_pos = pos;
				fio = c.kind == C_FIO;
			}
			break;
		case C_BYEAR:
			byear = v;
			break;
		case C_BMONTH:
			bmonth = v;
			bpos = pos;
			break;
		case C_BDAY:
			bday = v;
			break;
		default:
			break;
		}
		if (rc < 0)
			return -1;
	}
	if (name && !has(row, "first_name") && !has(row, "last_name") && split_name(&o, a, name, fio, name_pos) < 0)
		return -1;
	if (bmonth && bday && !has(row, "birthday")) { /* Thunderbird's Birth Year, Birth Month, Birth Day */
		int d = put_date(byear ? atoll(byear) : 0, atoi(bmonth), atoi(bday), byear != NULL, buf, sizeof(buf));
		if (d < 0)
			set_bad(row, bpos, arena_printf(a, _("column '%s': '%s-%s-%s' is not a date"),
							   m->names[bpos.col - 1], byear ? byear : "", bmonth, bday));
		else if (emit(&o, "birthday", arena_strdup(a, buf), bpos) < 0)
			return -1;
	}
	return arena_exhausted(a) ? -1 : 0;
}
