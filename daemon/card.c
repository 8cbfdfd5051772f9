#include "card.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acl.h"
#include "audit.h"
#include "date.h"
#include "index.h"
#include "pbjson.h"
#include "schema.h"
#include "text.h"

enum kind { K_TEXT, K_NOTE, K_LIST, K_ENUM, K_DATE, K_MESSENGERS, K_OWNER, K_BOOL, K_RELATIVES, K_READONLY };

struct cfield {
	const char *name;
	enum kind kind;
	unsigned max;              /* characters per value */
	size_t off;                /* char * or the array pointer */
	size_t count_off;          /* lists: n_ */
	const ProtobufCEnumDescriptor *enum_desc;
};

#define MAX_LIST 20
#define PHONE_DIGITS_MIN 5 /* fewer is a slip, not a number anyone can call */

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
	{ "lifecycle", K_ENUM, 0, offsetof(Kart__Card, lifecycle), 0, &kart__lifecycle__descriptor },
	{ "vip", K_BOOL, 0, offsetof(Kart__Card, vip), 0, NULL },
	{ "key_account", K_BOOL, 0, offsetof(Kart__Card, key_account), 0, NULL },
	{ "relatives", K_RELATIVES, 0, 0, 0, NULL },
	RO(version), RO(created_at), RO(created_by), RO(updated_at), RO(updated_by), RO(deleted_at), RO(deleted_by),
	RO(custom), RO(phones_e164), RO(last_touch_at), RO(touches), RO(total_purchases),
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
	int rc = req_check_text(r, f->name, v, multiline);
	if (rc)
		return rc;
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
	bool birthday = strcmp(f->name, "birthday") == 0;
	if (birthday && strlen(v) == 7 && v[0] == '-' && v[1] == '-' && v[4] == '-' &&
	    sscanf(v + 2, "%2d-%2d%c", &m, &d, &tail) == 2) {
		/* a birthday whose year is unknown: --MM-DD, as for relatives */
		if (m < 1 || m > 12 || d < 1 || d > date_days_in_month(2000, m)) /* 2000: Feb 29 allowed */
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: %s is not a valid date", f->name, v);
		return H_OK;
	}
	if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || v[4] != '-' || v[7] != '-')
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: '%.40s' is not a date (YYYY-MM-DD%s)",
				 f->name, v, birthday ? ", DD.MM.YYYY, or --MM-DD / DD.MM when the year is unknown" : ", DD.MM.YYYY");
	if (m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: %s is not a valid date", f->name, v);
	time_t now = (time_t)(r->now / 1000000);
	struct tm tm;
	gmtime_r(&now, &tm);
	/* a birthday is in the past; other dates (a planned renewal) may be ahead */
	int last = birthday ? tm.tm_year + 1900 + 1 : 2200; /* +1: it may be next year somewhere already */
	if (y < 1900 || y > last)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: year %d is out of range", f->name, y);
	return H_OK;
}

/* Dates as people type them: DD.MM.YYYY is stored as YYYY-MM-DD, and a
 * birthday's DD.MM (year unknown) as --MM-DD. */
static const char *date_as_stored(struct req *r, const struct cfield *f, const char *v)
{
	int d, m, y;
	char tail;
	size_t n = strlen(v);
	if (n == 10 && v[2] == '.' && v[5] == '.' && sscanf(v, "%2d.%2d.%4d%c", &d, &m, &y, &tail) == 3) {
		const char *s = arena_printf(r->arena, "%04d-%02d-%02d", y, m, d);
		return s ? s : v;
	}
	if (n == 5 && v[2] == '.' && strcmp(f->name, "birthday") == 0 && sscanf(v, "%2d.%2d%c", &d, &m, &tail) == 2) {
		const char *s = arena_printf(r->arena, "--%02d-%02d", m, d);
		return s ? s : v;
	}
	return v;
}

bool card_email_valid(const char *v)
{
	const char *at = strchr(v, '@');
	return at && at != v && at[1] && !strchr(at + 1, '@') && !strpbrk(v, " \t,;<>");
}

static int check_list_item(struct req *r, const struct cfield *f, const char *v)
{
	int rc = check_text(r, f, v, false);
	if (rc)
		return rc;
	if (strcmp(f->name, "emails") == 0) {
		if (!card_email_valid(v))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "emails: '%.60s' is not an email address", v);
	} else if (strcmp(f->name, "phones") == 0) {
		/* the number, then perhaps an extension: "… доб. 123", "ext. 123", "x123", "#123" */
		const char *ext;
		size_t ext_len, main_len = text_phone_ext(v, &ext, &ext_len);
		int digits = 0;
		for (const char *p = v; p < v + main_len; p++) {
			if (*p >= '0' && *p <= '9')
				digits++;
			else if (!strchr(" +-().", *p))
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
						 "phones: '%.60s' is not a phone number (digits, + ( ) - . and an extension "
						 "such as доб. 123, ext. 123, x123 or #123)",
						 v);
		}
		if (digits < PHONE_DIGITS_MIN || digits > 15)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
					 "phones: '%.60s' is not a phone number: %d digit%s, a phone has %d to 15%s", v, digits,
					 digits == 1 ? "" : "s", PHONE_DIGITS_MIN, ext_len ? " before the extension" : "");
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

/* yes/no as filters take it (text_parse_bool); "" clears a flag */
static bool parse_bool(const char *v, bool *out)
{
	if (!*v)
		return *out = false, true;
	return text_parse_bool(v, out);
}

static bool folds_equal(struct arena *a, const char *x, const char *y)
{
	const char *fx = text_fold(a, x), *fy = text_fold(a, y);
	return fx && fy && strcmp(fx, fy) == 0;
}

/* Canonical text of a custom value, or an error reply. "" clears. */
static int custom_canonical(struct req *r, const Kart__FieldDef *d, const char *v, const char **out)
{
	*out = "";
	if (!*v)
		return H_OK;
	struct cfield f = { .name = d->name, .max = 1000 };
	int rc = check_text(r, &f, v, false);
	if (rc)
		return rc;
	switch (d->type) {
	case KART__FIELD_TYPE__FIELD_TYPE_NUMBER: {
		int64_t x;
		const char *why = "";
		if (text_parse_decimal(v, CUSTOM_NUMBER_DECIMALS, &x, &why) != TEXT_NUM_OK)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, d->name,
					 "%s: '%.40s' is not a number (%s); write it like 1 500, 1500,50 or 1500.50 (up to 4 decimals)",
					 d->name, v, why);
		int64_t whole = x / CUSTOM_NUMBER_SCALE, frac = x % CUSTOM_NUMBER_SCALE;
		if (frac < 0)
			frac = -frac;
		char buf[48];
		if (frac == 0) {
			snprintf(buf, sizeof(buf), "%lld", (long long)whole);
		} else {
			int n = snprintf(buf, sizeof(buf), "%s%lld.%04lld", x < 0 && whole == 0 ? "-" : "", (long long)whole,
					 (long long)frac);
			while (n > 0 && buf[n - 1] == '0')
				buf[--n] = '\0';
		}
		*out = arena_strdup(r->arena, buf);
		return H_OK;
	}
	case KART__FIELD_TYPE__FIELD_TYPE_DATE:
		if ((rc = check_date(r, &f, v)))
			return rc;
		*out = arena_strdup(r->arena, v);
		return H_OK;
	case KART__FIELD_TYPE__FIELD_TYPE_BOOL: {
		bool b;
		if (!parse_bool(v, &b))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, d->name, "%s is yes/no; '%.40s' is neither", d->name, v);
		*out = b ? "true" : "false";
		return H_OK;
	}
	case KART__FIELD_TYPE__FIELD_TYPE_ENUM:
	case KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM: {
		bool multi = d->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM;
		char *copy = arena_strdup(r->arena, v), *acc = arena_strdup(r->arena, "");
		for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && acc; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			size_t len = strlen(tok);
			while (len && tok[len - 1] == ' ')
				tok[--len] = '\0';
			if (!len)
				continue;
			const char *canon = NULL;
			for (size_t i = 0; i < d->n_values && !canon; i++)
				if (strcasecmp(d->values[i], tok) == 0 || folds_equal(r->arena, d->values[i], tok))
					canon = d->values[i];
			if (!canon) {
				char *list = arena_strdup(r->arena, "");
				for (size_t i = 0; i < d->n_values && list; i++)
					list = arena_printf(r->arena, "%s%s%s", list, i ? ", " : "", d->values[i]);
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, d->name, "%s: unknown value '%.40s' (one of: %s)",
						 d->name, tok, list ? list : "");
			}
			if (*acc && !multi)
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, d->name, "%s takes one value", d->name);
			acc = arena_printf(r->arena, "%s%s%s", acc, *acc ? "," : "", canon);
		}
		*out = acc ? acc : "";
		return H_OK;
	}
	default:
		*out = arena_strdup(r->arena, v);
		return H_OK;
	}
}

/* Sets (or with "" removes) a custom value, keeping card->custom sorted by name. */
static int set_custom(struct req *r, Kart__Card *card, const Kart__FieldDef *d, const char *v)
{
	const char *canon;
	int rc = custom_canonical(r, d, v, &canon);
	if (rc)
		return rc;
	size_t i = 0;
	while (i < card->n_custom && strcmp(card->custom[i]->field, d->name) < 0)
		i++;
	bool exists = i < card->n_custom && strcmp(card->custom[i]->field, d->name) == 0;
	Kart__CustomValue **arr = arena_alloc(r->arena, (card->n_custom + 1) * sizeof(*arr));
	if (!arr)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	if (card->n_custom)
		memcpy(arr, card->custom, card->n_custom * sizeof(*arr));
	if (!*canon) {
		if (exists) {
			memmove(arr + i, arr + i + 1, (card->n_custom - i - 1) * sizeof(*arr));
			card->n_custom--;
		}
		card->custom = arr;
		return H_OK;
	}
	Kart__CustomValue *cv = arena_alloc(r->arena, sizeof(*cv));
	if (!cv)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__custom_value__init(cv);
	cv->field = d->name;
	cv->value = (char *)canon;
	if (!exists) {
		memmove(arr + i + 1, arr + i, (card->n_custom - i) * sizeof(*arr));
		card->n_custom++;
	}
	arr[i] = cv;
	card->custom = arr;
	return H_OK;
}

/* ---- adding to and removing from lists (phones+=..., tags-=...) ---- */

/* One phone as compared: its E.164 form and extension, else its digits. */
static const char *phone_identity(struct req *r, const char *typed)
{
	char e164[24], digits[64];
	const char *ext;
	size_t ext_len;
	size_t main_len = text_phone_ext(typed, &ext, &ext_len);
	if (text_phone_e164(typed, r->cfg->phone_country, e164, sizeof(e164)) == 0)
		return arena_printf(r->arena, "%s;ext=%.*s", e164, (int)ext_len, ext);
	const char *main = arena_printf(r->arena, "%.*s", (int)main_len, typed);
	if (!main)
		return NULL;
	text_digits(main, digits, sizeof(digits));
	return arena_printf(r->arena, "%s;ext=%.*s", digits, (int)ext_len, ext);
}

/* Whether two list items are the same entry: phones however they are
 * formatted, emails and tags without regard to case. */
static bool same_item(struct req *r, const struct cfield *f, const char *x, const char *y)
{
	if (strcmp(f->name, "phones") == 0) {
		const char *a = phone_identity(r, x), *b = phone_identity(r, y);
		return a && b && strcmp(a, b) == 0;
	}
	return strcmp(x, y) == 0 || folds_equal(r->arena, x, y);
}

static bool same_messenger(struct req *r, const Kart__Messenger *x, const Kart__Messenger *y)
{
	return same_item(r, &fields[0], x->kind, y->kind) && same_item(r, &fields[0], x->handle, y->handle);
}

/* The comma-separated items of v, trimmed, empty ones left out (in the arena). */
static size_t split_items(struct req *r, const char *v, char ***out)
{
	size_t n = 0, cap = 1;
	for (const char *p = v; *p; p++)
		cap += *p == ',';
	char *copy = arena_strdup(r->arena, v);
	*out = arena_alloc(r->arena, cap * sizeof(**out));
	if (!copy || !*out)
		return 0;
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		size_t len = strlen(tok);
		while (len && tok[len - 1] == ' ')
			tok[--len] = '\0';
		if (len)
			(*out)[n++] = tok;
	}
	return n;
}

/* phones+=..., emails+=..., tags+=...: the new items are checked like any
 * and appended; one the card already has is left as it is (no duplicate, no
 * error: adding what is there changes nothing). */
static int list_add(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	size_t *n = (size_t *)((char *)card + f->count_off);
	char ***arr = (char ***)((char *)card + f->off);
	Kart__Card tmp = KART__CARD__INIT;
	int rc = append_items(r, f, &tmp, v);
	if (rc)
		return rc;
	size_t tn = *(size_t *)((char *)&tmp + f->count_off);
	char **titems = *(char ***)((char *)&tmp + f->off);
	for (size_t i = 0; i < tn; i++) {
		bool have = false;
		for (size_t j = 0; j < *n && !have; j++)
			have = same_item(r, f, (*arr)[j], titems[i]);
		if (have)
			continue;
		if (*n >= MAX_LIST)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: at most %d entries", f->name, MAX_LIST);
		char **na = arena_alloc(r->arena, (*n + 1) * sizeof(char *));
		if (!na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		if (*n)
			memcpy(na, *arr, *n * sizeof(char *));
		na[(*n)++] = titems[i];
		*arr = na;
	}
	return H_OK;
}

/* phones-=..., tags-=...: each item must be on the card (however a phone is
 * formatted); one that is not is an error naming it, and nothing changes. */
static int list_remove(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	size_t *n = (size_t *)((char *)card + f->count_off);
	char ***arr = (char ***)((char *)card + f->off);
	char **items;
	size_t ni = split_items(r, v, &items);
	if (!ni)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s-=: name the entries to remove", f->name);
	for (size_t i = 0; i < ni; i++) {
		size_t j = 0;
		while (j < *n && !same_item(r, f, (*arr)[j], items[i]))
			j++;
		if (j == *n)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: '%.60s' is not on the card", f->name,
					 items[i]);
		char **na = arena_alloc(r->arena, (*n ? *n : 1) * sizeof(char *));
		if (!na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		memcpy(na, *arr, j * sizeof(char *));
		memcpy(na + j, *arr + j + 1, (*n - j - 1) * sizeof(char *));
		(*n)--;
		*arr = na;
	}
	return H_OK;
}

static int messengers_add(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	Kart__Card tmp = KART__CARD__INIT;
	int rc = append_messengers(r, f, &tmp, v);
	if (rc)
		return rc;
	for (size_t i = 0; i < tmp.n_messengers; i++) {
		bool have = false;
		for (size_t j = 0; j < card->n_messengers && !have; j++)
			have = same_messenger(r, card->messengers[j], tmp.messengers[i]);
		if (have)
			continue;
		if (card->n_messengers >= MAX_LIST)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "messengers: at most %d entries", MAX_LIST);
		Kart__Messenger **na = arena_alloc(r->arena, (card->n_messengers + 1) * sizeof(*na));
		if (!na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		if (card->n_messengers)
			memcpy(na, card->messengers, card->n_messengers * sizeof(*na));
		na[card->n_messengers++] = tmp.messengers[i];
		card->messengers = na;
	}
	return H_OK;
}

static int messengers_remove(struct req *r, const struct cfield *f, Kart__Card *card, const char *v)
{
	char **items;
	size_t ni = split_items(r, v, &items);
	if (!ni)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "messengers-=: name the entries to remove");
	for (size_t i = 0; i < ni; i++) {
		char *colon = strchr(items[i], ':');
		if (!colon || colon == items[i] || !colon[1])
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
					 "messengers: '%.60s' should be KIND:HANDLE, e.g. telegram:@ivanov", items[i]);
		Kart__Messenger m = KART__MESSENGER__INIT;
		m.kind = arena_printf(r->arena, "%.*s", (int)(colon - items[i]), items[i]);
		m.handle = colon + 1;
		if (!m.kind)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		size_t j = 0;
		while (j < card->n_messengers && !same_messenger(r, card->messengers[j], &m))
			j++;
		if (j == card->n_messengers)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "messengers: '%.60s' is not on the card",
					 items[i]);
		Kart__Messenger **na = arena_alloc(r->arena, card->n_messengers * sizeof(*na));
		if (!na)
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
		memcpy(na, card->messengers, j * sizeof(*na));
		memcpy(na + j, card->messengers + j + 1, (card->n_messengers - j - 1) * sizeof(*na));
		card->n_messengers--;
		card->messengers = na;
	}
	return H_OK;
}

int card_set(struct req *r, Kart__Card *card, const char *name, const char *value, uint64_t *seen)
{
	return card_set_op(r, card, name, value, KART__LIST_OP__LIST_OP_SET, seen);
}

int card_set_op(struct req *r, Kart__Card *card, const char *name, const char *value, Kart__ListOp op, uint64_t *seen)
{
	size_t idx;
	if (!value)
		value = "";
	const struct cfield *f = name ? find_field(name, &idx) : NULL;
	if (!f && name) {
		const Kart__FieldDef *d = schema_find(schema_for(r), name);
		if (d && op != KART__LIST_OP__LIST_OP_SET)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, d->name,
					 "%s is not a list: += and -= apply to phones, emails, tags and messengers", d->name);
		if (d)
			return set_custom(r, card, d, value);
	}
	if (!f) {
		/* a typo of a core field gets the nearest name suggested */
		const char *names[sizeof(fields) / sizeof(fields[0])], *near;
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
			names[k] = fields[k].name;
		near = name ? text_nearest(name, names, sizeof(fields) / sizeof(fields[0])) : NULL;
		if (near)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, name, "unknown field '%.64s'; did you mean \"%s\"?",
					 name, near);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, name ? name : "", "unknown field '%.64s'",
				 name ? name : "");
	}
	if (f->kind == K_READONLY)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "field %s is set by the server", f->name);
	if (f->kind == K_RELATIVES)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
				 "relatives are changed with RelativeAdd/RelativeRemove (kart card rel add|rm)");
	/* the ops apply in order: the first plain set of a list replaces it, the
	 * next ones add to it, and a set after a += or -= replaces it again */
	bool first = !(*seen & (UINT64_C(1) << idx));
	if (op == KART__LIST_OP__LIST_OP_SET)
		*seen |= UINT64_C(1) << idx;
	else
		*seen &= ~(UINT64_C(1) << idx);
	if (op != KART__LIST_OP__LIST_OP_SET) {
		bool add = op == KART__LIST_OP__LIST_OP_ADD;
		if (op != KART__LIST_OP__LIST_OP_ADD && op != KART__LIST_OP__LIST_OP_REMOVE)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s: unknown list operation %d", f->name,
					 (int)op);
		if (f->kind == K_LIST)
			return add ? list_add(r, f, card, value) : list_remove(r, f, card, value);
		if (f->kind == K_MESSENGERS)
			return add ? messengers_add(r, f, card, value) : messengers_remove(r, f, card, value);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name,
				 "%s is not a list: += and -= apply to phones, emails, tags and messengers", f->name);
	}
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
		value = date_as_stored(r, f, value);
		if (*value)
			rc = check_date(r, f, value);
		if (!rc)
			*sp = arena_strdup(r->arena, value);
		break;
	case K_BOOL: {
		bool b;
		if (!parse_bool(value, &b))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, f->name, "%s is yes/no; '%.40s' is neither",
					 f->name, value);
		*(protobuf_c_boolean *)((char *)card + f->off) = b;
		break;
	}
	case K_ENUM: {
		int e = 0;
		char names[160] = "";
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
	case K_RELATIVES:
	case K_READONLY:
		break;
	}
	return rc;
}

bool card_is_core_field(const char *name)
{
	size_t idx;
	return find_field(name, &idx) != NULL;
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

int card_normalize(struct req *r, Kart__Card *c)
{
	char **e164 = c->n_phones ? arena_alloc(r->arena, c->n_phones * sizeof(char *)) : NULL;
	char **ext = c->n_phones ? arena_alloc(r->arena, c->n_phones * sizeof(char *)) : NULL;
	if (c->n_phones && (!e164 || !ext))
		return ENOMEM;
	bool any_ext = false;
	for (size_t i = 0; i < c->n_phones; i++) {
		char buf[24];
		e164[i] = text_phone_e164(c->phones[i], r->cfg->phone_country, buf, sizeof(buf)) == 0
				  ? arena_strdup(r->arena, buf)
				  : (char *)"";
		const char *x;
		size_t xl;
		text_phone_ext(c->phones[i], &x, &xl);
		ext[i] = arena_printf(r->arena, "%.*s", (int)xl, x);
		if (!e164[i] || !ext[i])
			return ENOMEM;
		any_ext |= xl > 0;
	}
	c->phones_e164 = e164;
	c->n_phones_e164 = c->n_phones;
	/* kept only when some phone has one: cards without stay as they were */
	c->phones_ext = any_ext ? ext : NULL;
	c->n_phones_ext = any_ext ? c->n_phones : 0;
	return 0;
}

static const char *relatives_text(struct arena *a, const Kart__Card *c)
{
	char *out = arena_strdup(a, "");
	for (size_t i = 0; out && i < c->n_relatives; i++) {
		const Kart__Relative *p = c->relatives[i];
		out = arena_printf(a, "%s%s%s (%s%s%s)", out, i ? ", " : "", p->name, p->relation,
				   p->birthday && *p->birthday ? ", " : "", p->birthday ? p->birthday : "");
	}
	return out ? out : "";
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
	case K_BOOL:
		return *(const protobuf_c_boolean *)((const char *)c + f->off) ? "true" : "";
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
	case K_RELATIVES:
		return relatives_text(a, c);
	case K_READONLY:
		break;
	}
	return "";
}

static const char *custom_text(const Kart__Card *c, const char *name)
{
	for (size_t i = 0; i < c->n_custom; i++)
		if (strcmp(c->custom[i]->field, name) == 0)
			return c->custom[i]->value;
	return "";
}

static int push_change(struct arena *a, Kart__Change ***arr, size_t *n, size_t *cap, const char *field,
		       const char *x, const char *y)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		Kart__Change **na = arena_alloc(a, *cap * sizeof(*na));
		if (!na)
			return -1;
		if (*n)
			memcpy(na, *arr, *n * sizeof(*na));
		*arr = na;
	}
	Kart__Change *ch = arena_alloc(a, sizeof(*ch));
	if (!ch)
		return -1;
	kart__change__init(ch);
	ch->field = (char *)field;
	ch->old_value = (char *)x;
	ch->new_value = (char *)y;
	(*arr)[(*n)++] = ch;
	return 0;
}

size_t card_changes(struct arena *a, const Kart__Card *before, const Kart__Card *after, Kart__Change ***out)
{
	Kart__Change **arr = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct cfield *f = &fields[i];
		if (f->kind == K_READONLY)
			continue;
		const char *x = before ? field_text(a, before, f) : "";
		const char *y = field_text(a, after, f);
		if (strcmp(x, y) != 0 && push_change(a, &arr, &n, &cap, f->name, x, y) < 0)
			break;
	}
	/* custom values: both lists are sorted by name */
	size_t i = 0, j = 0, bn = before ? before->n_custom : 0;
	while (i < bn || j < after->n_custom) {
		int c = i == bn ? 1 : j == after->n_custom ? -1 : strcmp(before->custom[i]->field, after->custom[j]->field);
		const char *name = c <= 0 ? before->custom[i]->field : after->custom[j]->field;
		const char *x = c <= 0 ? before->custom[i]->value : "";
		const char *y = c >= 0 ? after->custom[j]->value : "";
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (strcmp(x, y) != 0 && push_change(a, &arr, &n, &cap, name, x, y) < 0)
			break;
	}
	*out = arr;
	return n;
}

char *card_diff(struct arena *a, const Kart__Card *before, const Kart__Card *after)
{
	Kart__Change **ch;
	size_t n = card_changes(a, before, after, &ch);
	char *out = arena_strdup(a, "");
	for (size_t i = 0; out && i < n; i++) {
		if (before)
			out = arena_printf(a, "%s%s%s: '%s' -> '%s'", out, *out ? "; " : "", ch[i]->field,
					   text_clip(a, ch[i]->old_value, 60), text_clip(a, ch[i]->new_value, 60));
		else
			out = arena_printf(a, "%s%s%s: '%s'", out, *out ? "; " : "", ch[i]->field, text_clip(a, ch[i]->new_value, 60));
	}
	return out;
}

const char *card_custom_value(const Kart__Card *c, const char *name)
{
	return custom_text(c, name);
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

int card_commit(struct req *r, Kart__Card *before, Kart__Card *after, enum card_where where)
{
	struct store *st = &r->srv->store;
	struct schema *sc = schema_for(r);
	int rc;
	if (after && (rc = card_normalize(r, after)))
		return rc;
	if (before) {
		/* keep the version being replaced */
		uint8_t hk[16];
		card_history_key(before->id, before->version, hk);
		MDB_val k = { 16, hk }, v = { kart__card__get_packed_size(before), NULL };
		if ((rc = mdb_put(r->txn, st->history, &k, &v, MDB_RESERVE)))
			return rc;
		kart__card__pack(before, v.mv_data);
	}
	/* only live cards are indexed */
	const Kart__Card *ix_old = before && where != CARD_RESTORED && where != CARD_IN_TRASH ? before : NULL;
	const Kart__Card *ix_new = after && where != CARD_TRASHED && where != CARD_IN_TRASH ? after : NULL;
	if ((ix_old || ix_new) && (rc = index_update(r->txn, st, sc, r->arena, ix_old, ix_new)))
		return rc;
	uint64_t id = after ? after->id : before->id;
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key };
	if (where == CARD_TRASHED && (rc = mdb_del(r->txn, st->cards, &k, NULL)))
		return rc;
	if (where == CARD_RESTORED && (rc = mdb_del(r->txn, st->trash, &k, NULL)))
		return rc;
	if (after)
		rc = card_save(r->txn, where == CARD_TRASHED || where == CARD_IN_TRASH ? st->trash : st->cards, after);
	return rc;
}

int card_build(struct req *r, Kart__FieldValue *const *fv, size_t n, Kart__Card **out)
{
	Kart__Card *c = arena_alloc(r->arena, sizeof(*c));
	if (!c)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__card__init(c);
	uint64_t seen = 0;
	int rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = card_set_op(r, c, fv[i]->field, fv[i]->value, fv[i]->op, &seen)))
			return rc;
	if ((rc = card_validate(r, c)))
		return rc;
	if (!empty(c->owner)) {
		if ((rc = acl_check_owner(r, c->owner, "owner", NULL)))
			return rc;
	} else if (!(c->owner = arena_strdup(r->arena, r->who.user))) {
		/* a copy: r may be a per-row copy of the request, gone before the write */
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	}
	*out = c;
	return H_OK;
}

/* ---- merging an imported row into a card, and taking it back ---- */

/* The fields a merge may touch: not the server's, not the owner (the card
 * stays whose it is), not the relatives (changed with their own requests). */
static bool mergeable(const struct cfield *f)
{
	return f->kind != K_READONLY && f->kind != K_OWNER && f->kind != K_RELATIVES;
}

static void copy_scalar(Kart__Card *dst, const Kart__Card *src, const struct cfield *f)
{
	switch (f->kind) {
	case K_BOOL:
		*(protobuf_c_boolean *)((char *)dst + f->off) = *(const protobuf_c_boolean *)((const char *)src + f->off);
		break;
	case K_ENUM:
		*(int *)((char *)dst + f->off) = *(const int *)((const char *)src + f->off);
		break;
	case K_TEXT:
	case K_NOTE:
	case K_DATE:
		*(char **)((char *)dst + f->off) = *(char *const *)((const char *)src + f->off);
		break;
	default:
		break;
	}
}

static const char *add_note(struct arena *a, const char *acc, const char *field, const char *kept, const char *other)
{
	const char *s = arena_printf(a, "%s%s%s: kept '%s'%s%s%s", acc ? acc : "", acc && *acc ? "; " : "", field,
				     text_clip(a, kept, 40), other ? ", not '" : "", other ? text_clip(a, other, 40) : "",
				     other ? "'" : "");
	return s ? s : acc;
}

int card_merge(struct req *r, Kart__Card *dst, const Kart__Card *src, const char **conflicts)
{
	const char *conf = "";
	uint64_t seen = 0;
	int rc;
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct cfield *f = &fields[i];
		if (!mergeable(f))
			continue;
		const char *s = field_text(r->arena, src, f);
		if (!*s)
			continue;
		if (f->kind == K_LIST || f->kind == K_MESSENGERS) {
			if ((rc = card_set_op(r, dst, f->name, s, KART__LIST_OP__LIST_OP_ADD, &seen)))
				return rc;
			continue;
		}
		const char *d = field_text(r->arena, dst, f);
		if (!*d)
			copy_scalar(dst, src, f);
		else if (strcmp(d, s) != 0 && !folds_equal(r->arena, d, s))
			conf = add_note(r->arena, conf, f->name, d, s);
	}
	struct schema *sc = schema_for(r);
	for (size_t i = 0; i < src->n_custom; i++) {
		const Kart__CustomValue *cv = src->custom[i];
		const Kart__FieldDef *def = schema_find(sc, cv->field);
		const char *d = custom_text(dst, cv->field);
		if (!def || empty(cv->value))
			continue;
		if (!*d) {
			if ((rc = set_custom(r, dst, def, cv->value)))
				return rc;
		} else if (strcmp(d, cv->value) != 0 && !folds_equal(r->arena, d, cv->value)) {
			conf = add_note(r->arena, conf, cv->field, d, cv->value);
		}
	}
	*conflicts = conf;
	return H_OK;
}

/* Removes from cur's list f the items `after` has and `before` had not:
 * what a merge added, wherever they are now. */
static int unmerge_list(struct req *r, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after,
			const struct cfield *f)
{
	size_t na = *(const size_t *)((const char *)after + f->count_off);
	size_t nb = *(const size_t *)((const char *)before + f->count_off);
	char *const *aa = *(char *const *const *)((const char *)after + f->off);
	char *const *ba = *(char *const *const *)((const char *)before + f->off);
	size_t *nc = (size_t *)((char *)cur + f->count_off);
	char ***ca = (char ***)((char *)cur + f->off);
	for (size_t i = 0; i < na; i++) {
		bool had = false;
		for (size_t j = 0; j < nb && !had; j++)
			had = same_item(r, f, ba[j], aa[i]);
		if (had)
			continue;
		char **keep = arena_alloc(r->arena, (*nc ? *nc : 1) * sizeof(char *));
		if (!keep)
			return ENOMEM;
		size_t k = 0;
		for (size_t j = 0; j < *nc; j++)
			if (!same_item(r, f, (*ca)[j], aa[i]))
				keep[k++] = (*ca)[j];
		*ca = keep;
		*nc = k;
	}
	return H_OK;
}

static int unmerge_messengers(struct req *r, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after)
{
	for (size_t i = 0; i < after->n_messengers; i++) {
		bool had = false;
		for (size_t j = 0; j < before->n_messengers && !had; j++)
			had = same_messenger(r, before->messengers[j], after->messengers[i]);
		if (had)
			continue;
		Kart__Messenger **keep = arena_alloc(r->arena, (cur->n_messengers ? cur->n_messengers : 1) * sizeof(*keep));
		if (!keep)
			return ENOMEM;
		size_t k = 0;
		for (size_t j = 0; j < cur->n_messengers; j++)
			if (!same_messenger(r, cur->messengers[j], after->messengers[i]))
				keep[k++] = cur->messengers[j];
		cur->messengers = keep;
		cur->n_messengers = k;
	}
	return H_OK;
}

int card_unmerge(struct req *r, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after, bool force,
		 const char **kept)
{
	const char *k = "";
	int rc;
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct cfield *f = &fields[i];
		if (!mergeable(f))
			continue;
		const char *x = field_text(r->arena, before, f), *y = field_text(r->arena, after, f);
		if (strcmp(x, y) == 0)
			continue;
		if (f->kind == K_LIST) {
			if ((rc = unmerge_list(r, cur, before, after, f)))
				return rc;
			continue;
		}
		if (f->kind == K_MESSENGERS) {
			if ((rc = unmerge_messengers(r, cur, before, after)))
				return rc;
			continue;
		}
		const char *z = field_text(r->arena, cur, f);
		if (force || strcmp(z, y) == 0)
			copy_scalar(cur, before, f);
		else
			k = add_note(r->arena, k, f->name, z, NULL);
	}
	struct schema *sc = schema_for(r);
	for (size_t i = 0; i < after->n_custom; i++) {
		const Kart__CustomValue *cv = after->custom[i];
		const char *x = custom_text(before, cv->field), *z = custom_text(cur, cv->field);
		const Kart__FieldDef *def = schema_find(sc, cv->field);
		if (!def || strcmp(x, cv->value ? cv->value : "") == 0)
			continue;
		if (force || strcmp(z, cv->value ? cv->value : "") == 0) {
			if ((rc = set_custom(r, cur, def, x)))
				return rc;
		} else {
			k = add_note(r->arena, k, cv->field, z, NULL);
		}
	}
	*kept = k;
	return H_OK;
}
