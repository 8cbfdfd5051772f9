#include "card.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pbjson.h"
#include "text.h"

enum kind { K_TEXT, K_NOTE, K_LIST, K_ENUM, K_DATE, K_MESSENGERS, K_OWNER, K_READONLY };

struct cfield {
	const char *name;
	enum kind kind;
	unsigned max;              /* characters per value */
	size_t off;                /* char * or the array pointer */
	size_t count_off;          /* lists: n_ */
	const ProtobufCEnumDescriptor *enum_desc;
};

#define MAX_LIST 20

#define TXT(f, m) { #f, K_TEXT, m, offsetof(Kart__Card, f), 0, NULL }
#define LST(f, m) { #f, K_LIST, m, offsetof(Kart__Card, f), offsetof(Kart__Card, n_##f), NULL }
#define RO(f) { #f, K_READONLY, 0, 0, 0, NULL }

static const struct cfield fields[] = {
	RO(id),
	TXT(first_name, 100),
	TXT(middle_name, 100),
	TXT(last_name, 100),
	TXT(company, 200),
	TXT(position, 200),
	{ "gender", K_ENUM, 0, offsetof(Kart__Card, gender), 0, &kart__gender__descriptor },
	LST(phones, 50),
	LST(emails, 254),
	{ "messengers", K_MESSENGERS, 200, offsetof(Kart__Card, messengers), offsetof(Kart__Card, n_messengers), NULL },
	TXT(city, 100),
	TXT(address, 500),
	{ "birthday", K_DATE, 10, offsetof(Kart__Card, birthday), 0, NULL },
	TXT(source, 200),
	LST(tags, 64),
	{ "sector", K_ENUM, 0, offsetof(Kart__Card, sector), 0, &kart__sector__descriptor },
	{ "owner", K_OWNER, KART_NAME_MAX - 1, offsetof(Kart__Card, owner), 0, NULL },
	{ "notes", K_NOTE, 10000, offsetof(Kart__Card, notes), 0, NULL },
	RO(version), RO(created_at), RO(created_by), RO(updated_at), RO(updated_by), RO(deleted_at), RO(deleted_by),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct cfield *find_field(const char *name, size_t *index)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0) {
			*index = i;
			return &fields[i];
		}
	return NULL;
}

static int check_text(struct req *r, const struct cfield *f, const char *v, bool multiline)
{
	size_t len = strlen(v);
	if (!text_utf8_valid(v, len))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: not valid UTF-8 text", f->name);
	if (!multiline && strchr(v, '\n'))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: line breaks are not allowed", f->name);
	size_t chars = text_utf8_chars(v, len);
	if (chars > f->max)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s is too long: %zu characters, at most %u",
				 f->name, chars, f->max);
	return H_OK;
}

static int check_date(struct req *r, const struct cfield *f, const char *v)
{
	int y, m, d;
	char tail;
	if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || v[4] != '-' || v[7] != '-')
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: '%.40s' is not a date (YYYY-MM-DD)",
				 f->name, v);
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: %s is not a valid date", f->name, v);
	time_t now = (time_t)(r->now / 1000000);
	struct tm tm;
	gmtime_r(&now, &tm);
	if (y < 1900 || y > tm.tm_year + 1900)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: year %d is out of range", f->name, y);
	return H_OK;
}

static int check_list_item(struct req *r, const struct cfield *f, const char *v)
{
	int rc = check_text(r, f, v, false);
	if (rc)
		return rc;
	if (strcmp(f->name, "emails") == 0) {
		const char *at = strchr(v, '@');
		if (!at || at == v || !at[1] || strchr(at + 1, '@') || strpbrk(v, " \t,;<>"))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "emails: '%.60s' is not an email address", v);
	} else if (strcmp(f->name, "phones") == 0) {
		int digits = 0;
		for (const char *p = v; *p; p++) {
			if (*p >= '0' && *p <= '9')
				digits++;
			else if (!strchr(" +-().", *p))
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
						 "phones: '%.60s' is not a phone number", v);
		}
		if (digits < 3 || digits > 15)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
					 "phones: '%.60s' is not a phone number (3 to 15 digits)", v);
	}
	return H_OK;
}

/* Appends the comma-separated items of v to a string array. */
static int append_items(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	size_t *n = (size_t *)((char *)card + f->count_off);
	char ***arr = (char ***)((char *)card + f->off);
	char *copy = arena_strdup(r->arena, v);
	if (!copy)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		size_t len = strlen(tok);
		while (len > 0 && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (len == 0)
			continue;
		int rc = check_list_item(r, f, tok);
		if (rc)
			return rc;
		if (*n >= MAX_LIST)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: at most %d entries", f->name, MAX_LIST);
		char **na = arena_alloc(r->arena, (*n + 1) * sizeof(char *));
		if (!na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		if (*n)
			memcpy(na, *arr, *n * sizeof(char *));
		na[(*n)++] = tok;
		*arr = na;
	}
	return H_OK;
}

static int append_messengers(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	char *copy = arena_strdup(r->arena, v);
	if (!copy)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		char *colon = strchr(tok, ':');
		if (!colon || colon == tok || !colon[1])
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
					 "messengers: '%.60s' should be KIND:HANDLE, e.g. telegram:@ivanov", tok);
		*colon = '\0';
		int rc = check_text(r, f, tok, false);
		if (!rc)
			rc = check_text(r, f, colon + 1, false);
		if (rc)
			return rc;
		if (card->n_messengers >= MAX_LIST)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "messengers: at most %d entries", MAX_LIST);
		Kart__Messenger *m = arena_alloc(r->arena, sizeof(*m));
		Kart__Messenger **na = arena_alloc(r->arena, (card->n_messengers + 1) * sizeof(*na));
		if (!m || !na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		kart__messenger__init(m);
		m->kind = tok;
		m->handle = colon + 1;
		if (card->n_messengers)
			memcpy(na, card->messengers, card->n_messengers * sizeof(*na));
		na[card->n_messengers++] = m;
		card->messengers = na;
	}
	return H_OK;
}

int card_set(struct req *r, Kart__Card *card, const char *name, const char *value, uint64_t *seen)
{
	size_t idx;
	const struct cfield *f = name ? find_field(name, &idx) : NULL;
	if (!f)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, name ? name : "", "unknown field '%.64s'",
				 name ? name : "");
	if (f->kind == K_READONLY)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "field %s is set by the server", f->name);
	if (!value)
		value = "";
	bool first = !(*seen & (UINT64_C(1) << idx));
	*seen |= UINT64_C(1) << idx;
	char **sp = (char **)((char *)card + f->off);
	int rc = H_OK;
	switch (f->kind) {
	case K_TEXT:
	case K_OWNER:
	case K_NOTE:
		rc = check_text(r, f, value, f->kind == K_NOTE);
		if (!rc)
			*sp = arena_strdup(r->arena, value);
		break;
	case K_DATE:
		if (*value)
			rc = check_date(r, f, value);
		if (!rc)
			*sp = arena_strdup(r->arena, value);
		break;
	case K_ENUM: {
		int e = 0;
		char names[128] = "";
		if (*value && (pbjson_enum_parse(f->enum_desc, value, &e) < 0 || e == 0)) {
			for (unsigned i = 1; i < f->enum_desc->n_values; i++) {
				char b[32];
				strcat(names, i > 1 ? ", " : "");
				strcat(names, pbjson_enum_name(f->enum_desc, f->enum_desc->values[i].value, b, sizeof(b)));
			}
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: unknown value '%.40s' (one of: %s)",
					 f->name, value, names);
		}
		*(int *)((char *)card + f->off) = e;
		break;
	}
	case K_LIST:
		if (first)
			*(size_t *)((char *)card + f->count_off) = 0;
		rc = append_items(r, f, card, value);
		break;
	case K_MESSENGERS:
		if (first)
			card->n_messengers = 0;
		rc = append_messengers(r, f, card, value);
		break;
	case K_READONLY:
		break;
	}
	return rc;
}

static bool empty(const char *s) { return !s || !*s; }

int card_validate(struct req *r, const Kart__Card *card)
{
	if (empty(card->first_name) && empty(card->last_name) && empty(card->company) && card->n_phones == 0 &&
	    card->n_emails == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "",
				 "a card needs at least a name, a company, a phone or an email");
	return H_OK;
}

static const char *field_text(struct arena *a, const Kart__Card *c, const struct cfield *f)
{
	char buf[32];
	switch (f->kind) {
	case K_TEXT:
	case K_NOTE:
	case K_OWNER:
	case K_DATE: {
		const char *s = *(char *const *)((const char *)c + f->off);
		return s ? s : "";
	}
	case K_ENUM: {
		int e = *(const int *)((const char *)c + f->off);
		return e ? arena_strdup(a, pbjson_enum_name(f->enum_desc, e, buf, sizeof(buf))) : "";
	}
	case K_LIST: {
		size_t n = *(const size_t *)((const char *)c + f->count_off);
		char *const *arr = *(char *const *const *)((const char *)c + f->off);
		char *out = arena_strdup(a, "");
		for (size_t i = 0; out && i < n; i++)
			out = arena_printf(a, "%s%s%s", out, i ? ", " : "", arr[i]);
		return out ? out : "";
	}
	case K_MESSENGERS: {
		char *out = arena_strdup(a, "");
		for (size_t i = 0; out && i < c->n_messengers; i++)
			out = arena_printf(a, "%s%s%s:%s", out, i ? ", " : "", c->messengers[i]->kind,
					   c->messengers[i]->handle);
		return out ? out : "";
	}
	case K_READONLY:
		break;
	}
	return "";
}

/* Shortens a value for a summary, at a character boundary. */
static const char *clip(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	if (n <= 60)
		return s;
	size_t cut = 60;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return arena_printf(a, "%.*s…", (int)cut, s);
}

char *card_diff(struct arena *a, const Kart__Card *before, const Kart__Card *after)
{
	char *out = arena_strdup(a, "");
	for (size_t i = 0; out && i < NFIELDS; i++) {
		const struct cfield *f = &fields[i];
		if (f->kind == K_READONLY)
			continue;
		const char *x = before ? field_text(a, before, f) : "";
		const char *y = field_text(a, after, f);
		if (strcmp(x, y) == 0)
			continue;
		if (before)
			out = arena_printf(a, "%s%s%s: '%s' -> '%s'", out, *out ? "; " : "", f->name, clip(a, x), clip(a, y));
		else
			out = arena_printf(a, "%s%s%s: '%s'", out, *out ? "; " : "", f->name, clip(a, y));
	}
	return out;
}

const char *card_title(struct arena *a, const Kart__Card *c)
{
	const char *last = c->last_name ? c->last_name : "", *first = c->first_name ? c->first_name : "";
	if (*last || *first)
		return arena_printf(a, "%s%s%s", last, *last && *first ? " " : "", first);
	if (!empty(c->company))
		return c->company;
	if (c->n_phones)
		return c->phones[0];
	return c->n_emails ? c->emails[0] : "";
}

int card_load(MDB_txn *txn, MDB_dbi dbi, uint64_t id, struct arena *a, Kart__Card **out)
{
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(txn, dbi, &k, &v);
	if (rc)
		return rc;
	*out = kart__card__unpack(&a->pb, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

int card_save(MDB_txn *txn, MDB_dbi dbi, const Kart__Card *card, struct arena *a)
{
	size_t n = kart__card__get_packed_size(card);
	uint8_t key[8];
	store_u64_key(card->id, key);
	MDB_val k = { 8, key }, v = { n, NULL };
	int rc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	(void)a;
	kart__card__pack(card, v.mv_data);
	return 0;
}

Kart__Card *card_copy(struct arena *a, const Kart__Card *card)
{
	size_t n = kart__card__get_packed_size(card);
	uint8_t *buf = arena_alloc(a, n ? n : 1);
	if (!buf)
		return NULL;
	kart__card__pack(card, buf);
	return kart__card__unpack(&a->pb, n, buf);
}
