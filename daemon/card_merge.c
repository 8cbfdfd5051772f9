/* card_merge: the fields of two cards made one, and taken apart again;
 * where a merged card's id leads. Declared in card_merge.h.
 *
 * Fields are reached through the Card descriptor by name, so a field is
 * copied or compared the same way whatever its type. */
#include "card_merge.h"

#include <errno.h>
#include <string.h>

#include "card.h"
#include "pbjson.h"
#include "text.h"

/* The fields a person sets that hold one value. */
static const char *const scalars[] = {
	"first_name", "middle_name", "last_name", "company", "position", "gender", "city", "address",
	"birthday", "source", "sector", "owner", "notes", "lifecycle", "vip", "key_account",
};

/* Lists of text: phones compared as numbers, the others without regard to case. */
static const char *const text_lists[] = { "phones", "emails", "tags" };

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

static const ProtobufCFieldDescriptor *field_of(const char *name)
{
	return protobuf_c_message_descriptor_get_field_by_name(&kart__card__descriptor, name);
}

static void *at(const Kart__Card *c, unsigned off)
{
	return (char *)c + off;
}

static bool is_text(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_STRING;
}

static bool scalar_empty(const ProtobufCFieldDescriptor *f, const Kart__Card *c)
{
	if (is_text(f)) {
		const char *s = *(char **)at(c, f->offset);
		return !s || !*s;
	}
	return *(int *)at(c, f->offset) == 0; /* enums and bools: 0 is unset */
}

static const char *scalar_text(struct arena *a, const ProtobufCFieldDescriptor *f, const Kart__Card *c)
{
	char buf[32];
	if (is_text(f)) {
		const char *s = *(char **)at(c, f->offset);
		return s ? s : "";
	}
	int v = *(int *)at(c, f->offset);
	if (f->type == PROTOBUF_C_TYPE_BOOL)
		return v ? "yes" : "";
	const char *name = v ? pbjson_enum_name(f->descriptor, v, buf, sizeof(buf)) : "";
	return arena_strdup(a, name ? name : "");
}

static bool same_text(struct arena *a, const char *x, const char *y)
{
	if (strcmp(x ? x : "", y ? y : "") == 0)
		return true;
	const char *fx = text_fold(a, x ? x : ""), *fy = text_fold(a, y ? y : "");
	return fx && fy && strcmp(fx, fy) == 0;
}

/* One phone as compared: its E.164 form and extension, else its digits. */
static const char *phone_identity(struct arena *a, const char *country, const char *typed)
{
	char e164[24], digits[64];
	const char *ext;
	size_t ext_len;
	size_t main_len = text_phone_ext(typed, &ext, &ext_len);
	if (text_phone_e164(typed, country, e164, sizeof(e164)) == 0)
		return arena_printf(a, "%s;ext=%.*s", e164, (int)ext_len, ext);
	const char *main = arena_printf(a, "%.*s", (int)main_len, typed);
	if (!main)
		return NULL;
	text_digits(main, digits, sizeof(digits));
	return arena_printf(a, "%s;ext=%.*s", digits, (int)ext_len, ext);
}

static bool same_item(struct arena *a, const char *country, bool phone, const char *x, const char *y)
{
	if (phone) {
		const char *px = phone_identity(a, country, x), *py = phone_identity(a, country, y);
		return px && py && strcmp(px, py) == 0;
	}
	return same_text(a, x, y);
}

static bool same_str(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

static bool same_relative(const Kart__Relative *x, const Kart__Relative *y)
{
	return same_str(x->name, y->name) && same_str(x->relation, y->relation) && same_str(x->birthday, y->birthday) &&
	       same_str(x->note, y->note);
}

static int too_many(struct merge_fields *out, const char *field, size_t count, size_t max)
{
	out->too_many = field;
	out->count = count;
	out->max = max;
	return E2BIG;
}

static int add_conflict(struct arena *a, struct merge_fields *out, const char *field, const char *x, const char *y,
			bool took_from)
{
	Kart__MergeConflict *c = arena_alloc(a, sizeof(*c));
	Kart__MergeConflict **na = arena_alloc(a, (out->nconflicts + 1) * sizeof(*na));
	if (!c || !na)
		return ENOMEM;
	kart__merge_conflict__init(c);
	c->field = (char *)field;
	c->into_value = (char *)x;
	c->from_value = (char *)y;
	c->took_from = took_from;
	if (out->nconflicts)
		memcpy(na, out->conflicts, out->nconflicts * sizeof(*na));
	na[out->nconflicts++] = c;
	out->conflicts = na;
	return 0;
}

static int merge_scalars(struct arena *a, Kart__Card *into, const Kart__Card *from, bool prefer_from,
			 struct merge_fields *out)
{
	for (size_t i = 0; i < NELEM(scalars); i++) {
		const ProtobufCFieldDescriptor *f = field_of(scalars[i]);
		if (!f || scalar_empty(f, from))
			continue;
		size_t size = is_text(f) ? sizeof(char *) : sizeof(int);
		if (scalar_empty(f, into)) {
			memcpy(at(into, f->offset), at(from, f->offset), size);
			continue;
		}
		const char *x = scalar_text(a, f, into), *y = scalar_text(a, f, from);
		if (!x || !y)
			return ENOMEM;
		if (is_text(f) ? same_text(a, x, y) : strcmp(x, y) == 0)
			continue;
		if (add_conflict(a, out, f->name, x, y, prefer_from))
			return ENOMEM;
		if (prefer_from)
			memcpy(at(into, f->offset), at(from, f->offset), size);
	}
	return 0;
}

static int merge_text_lists(struct arena *a, const char *country, Kart__Card *into, const Kart__Card *from,
			    struct merge_fields *out)
{
	for (size_t i = 0; i < NELEM(text_lists); i++) {
		const ProtobufCFieldDescriptor *f = field_of(text_lists[i]);
		bool phone = strcmp(f->name, "phones") == 0;
		size_t *n = at(into, f->quantifier_offset), fn = *(size_t *)at(from, f->quantifier_offset);
		char ***arr = at(into, f->offset), **farr = *(char ***)at(from, f->offset);
		char **na = arena_alloc(a, (*n + fn + 1) * sizeof(*na));
		if (!na)
			return ENOMEM;
		if (*n)
			memcpy(na, *arr, *n * sizeof(*na));
		size_t k = *n;
		for (size_t j = 0; j < fn; j++) {
			bool have = false;
			for (size_t h = 0; h < k && !have; h++)
				have = same_item(a, country, phone, na[h], farr[j]);
			if (!have)
				na[k++] = farr[j];
		}
		if (k > MERGE_LIST_MAX)
			return too_many(out, f->name, k, MERGE_LIST_MAX);
		*arr = na;
		*n = k;
	}
	return 0;
}

static int merge_messengers(struct arena *a, Kart__Card *into, const Kart__Card *from, struct merge_fields *out)
{
	Kart__Messenger **na = arena_alloc(a, (into->n_messengers + from->n_messengers + 1) * sizeof(*na));
	if (!na)
		return ENOMEM;
	if (into->n_messengers)
		memcpy(na, into->messengers, into->n_messengers * sizeof(*na));
	size_t k = into->n_messengers;
	for (size_t j = 0; j < from->n_messengers; j++) {
		const Kart__Messenger *m = from->messengers[j];
		bool have = false;
		for (size_t h = 0; h < k && !have; h++)
			have = same_text(a, na[h]->kind, m->kind) && same_text(a, na[h]->handle, m->handle);
		if (!have)
			na[k++] = (Kart__Messenger *)m;
	}
	if (k > MERGE_LIST_MAX)
		return too_many(out, "messengers", k, MERGE_LIST_MAX);
	into->messengers = na;
	into->n_messengers = k;
	return 0;
}

static int merge_relatives(struct arena *a, Kart__Card *into, const Kart__Card *from, struct merge_fields *out)
{
	Kart__Relative **na = arena_alloc(a, (into->n_relatives + from->n_relatives + 1) * sizeof(*na));
	if (!na)
		return ENOMEM;
	if (into->n_relatives)
		memcpy(na, into->relatives, into->n_relatives * sizeof(*na));
	size_t k = into->n_relatives;
	for (size_t j = 0; j < from->n_relatives; j++) {
		bool have = false;
		for (size_t h = 0; h < k && !have; h++)
			have = same_relative(na[h], from->relatives[j]);
		if (!have)
			na[k++] = from->relatives[j];
	}
	if (k > MERGE_RELATIVES_MAX)
		return too_many(out, "relatives", k, MERGE_RELATIVES_MAX);
	into->relatives = na;
	into->n_relatives = k;
	return 0;
}

/* Custom values: both lists are sorted by field name, and so is the union. */
static int merge_custom(struct arena *a, Kart__Card *into, const Kart__Card *from, bool prefer_from,
			struct merge_fields *out)
{
	Kart__CustomValue **na = arena_alloc(a, (into->n_custom + from->n_custom + 1) * sizeof(*na));
	if (!na)
		return ENOMEM;
	size_t i = 0, j = 0, k = 0;
	while (i < into->n_custom || j < from->n_custom) {
		int c = i == into->n_custom ? 1
			: j == from->n_custom ? -1
			: strcmp(into->custom[i]->field, from->custom[j]->field);
		if (c < 0) {
			na[k++] = into->custom[i++];
			continue;
		}
		if (c > 0) {
			na[k++] = from->custom[j++];
			continue;
		}
		Kart__CustomValue *x = into->custom[i++], *y = from->custom[j++];
		bool x_empty = !x->value || !*x->value;
		if (!x_empty && y->value && *y->value && strcmp(x->value, y->value) != 0 &&
		    add_conflict(a, out, x->field, x->value, y->value, prefer_from))
			return ENOMEM;
		na[k++] = x_empty || (prefer_from && y->value && *y->value) ? y : x;
	}
	into->custom = na;
	into->n_custom = k;
	return 0;
}

int card_merge_fields(struct arena *a, const char *country, Kart__Card *into, const Kart__Card *from,
		      bool prefer_from, struct merge_fields *out)
{
	memset(out, 0, sizeof(*out));
	int rc;
	if ((rc = merge_scalars(a, into, from, prefer_from, out)) || (rc = merge_text_lists(a, country, into, from, out)) ||
	    (rc = merge_messengers(a, into, from, out)) || (rc = merge_relatives(a, into, from, out)) ||
	    (rc = merge_custom(a, into, from, prefer_from, out)))
		return rc;
	return 0;
}

/* ---- taking a merge back ---- */

/* Copies one field (any type, repeated or not) from src to dst; both in the
 * same arena's lifetime, so pointers may be shared. */
static void copy_field(const ProtobufCFieldDescriptor *f, Kart__Card *dst, const Kart__Card *src)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(at(dst, f->quantifier_offset), at(src, f->quantifier_offset), sizeof(size_t));
		memcpy(at(dst, f->offset), at(src, f->offset), sizeof(void *));
		return;
	}
	size_t size;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		size = sizeof(void *);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
		size = 8;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		size = sizeof(protobuf_c_boolean);
		break;
	default:
		size = 4;
		break;
	}
	memcpy(at(dst, f->offset), at(src, f->offset), size);
}

/* Sets custom value `name` of c to src's (removed when src has none),
 * keeping c's values sorted by name. */
static int copy_custom(struct arena *a, Kart__Card *c, const Kart__Card *src, const char *name)
{
	Kart__CustomValue *want = NULL;
	for (size_t i = 0; i < src->n_custom; i++)
		if (strcmp(src->custom[i]->field, name) == 0)
			want = src->custom[i];
	Kart__CustomValue **na = arena_alloc(a, (c->n_custom + 1) * sizeof(*na));
	if (!na)
		return ENOMEM;
	size_t k = 0;
	bool placed = false;
	for (size_t i = 0; i < c->n_custom; i++) {
		int cmp = strcmp(c->custom[i]->field, name);
		if (cmp > 0 && !placed && want) {
			na[k++] = want;
			placed = true;
		}
		if (cmp == 0) {
			if (want)
				na[k++] = want;
			placed = true;
			continue;
		}
		na[k++] = c->custom[i];
	}
	if (!placed && want)
		na[k++] = want;
	c->custom = na;
	c->n_custom = k;
	return 0;
}

static bool listed(Kart__Change *const *ch, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ch[i]->field, field) == 0)
			return true;
	return false;
}

int card_unmerge_fields(struct arena *a, Kart__Card *cur, const Kart__Card *before, const Kart__Card *after,
			char ***kept, size_t *nkept)
{
	Kart__Change **merged, **since;
	size_t nm = card_changes(a, before, after, &merged);
	size_t ns = card_changes(a, after, cur, &since);
	*kept = arena_alloc(a, (nm + 1) * sizeof(**kept));
	*nkept = 0;
	if (!*kept)
		return ENOMEM;
	for (size_t i = 0; i < nm; i++) {
		const char *name = merged[i]->field;
		if (listed(since, ns, name)) {
			(*kept)[(*nkept)++] = (char *)name;
			continue;
		}
		const ProtobufCFieldDescriptor *f = card_is_core_field(name) ? field_of(name) : NULL;
		if (f)
			copy_field(f, cur, before);
		else if (copy_custom(a, cur, before, name))
			return ENOMEM;
	}
	return 0;
}

/* ---- where a merged card's id leads ---- */

int card_merge_record(MDB_txn *txn, struct store *st, uint64_t id, struct arena *a, Kart__MergeRecord **out)
{
	MDB_val v;
	int rc = store_get_id(txn, st->merged, id, &v);
	if (rc)
		return rc;
	*out = kart__merge_record__unpack(&a->pb, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

#define MERGE_HOPS 32 /* a merged card merged again: far more than anyone does */

int card_merged_into(MDB_txn *txn, struct store *st, uint64_t id, struct arena *a, uint64_t *into,
		     Kart__MergeRecord **first)
{
	int rc = card_merge_record(txn, st, id, a, first);
	if (rc)
		return rc;
	uint64_t to = (*first)->into;
	for (int hop = 0; hop < MERGE_HOPS; hop++) {
		MDB_val v;
		rc = store_get_id(txn, st->cards, to, &v);
		if (rc == 0) {
			*into = to;
			return 0;
		}
		if (rc != MDB_NOTFOUND)
			return rc;
		Kart__MergeRecord *next;
		if ((rc = card_merge_record(txn, st, to, a, &next)))
			return rc;
		to = next->into;
	}
	return MDB_NOTFOUND;
}
