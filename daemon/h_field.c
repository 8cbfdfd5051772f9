/* h_field: custom fields — define, list, remove.
 *
 * A field's values live in the cards (Card.custom) and in ix_custom; the
 * definition gives the type that validates them and the tab that groups them.
 * Removing a field that cards still use is refused unless forced; a forced
 * removal strips the values from every card in the same transaction. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "audit.h"
#include "card.h"
#include "handlers.h"
#include "index.h"
#include "pbjson.h"
#include "req.h"
#include "schema.h"
#include "text.h"

/* Names the query language derives or treats specially, which a custom
 * field may not take either. */
static const char *const reserved[] = {
	"name", "tag", "phone", "email", "last_touch", "touches", "total_purchases", "and", "or", "not", "in",
	"contains", "exists", "within", "true", "false", "today", "trash",
};

static int check_name(struct req *r, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 40 || !islower((unsigned char)name[0]))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name",
				 "field name must start with a-z and have at most 40 characters");
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) && name[i] != '_')
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name",
					 "field name may hold only a-z, 0-9 and '_': '%.40s'", name);
	if (card_is_core_field(name))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "'%s' is a core field of the card", name);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(reserved[i], name) == 0)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "'%s' is a reserved word", name);
	return H_OK;
}

int h_field_add(struct req *r)
{
	Kart__FieldDef *d = r->in->field_add->field;
	if (!d)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "field", "field definition missing");
	int rc = check_name(r, d->name);
	if (rc)
		return rc;
	if (d->type <= KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED || d->type > KART__FIELD_TYPE__FIELD_TYPE_BOOL)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "type",
				 "type must be text, number, date, enum, multienum or bool");
	bool is_enum = d->type == KART__FIELD_TYPE__FIELD_TYPE_ENUM || d->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM;
	if (is_enum && d->n_values == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "values", "an enum field needs its values (--values a,b,c)");
	if (!is_enum && d->n_values)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "values", "only enum and multienum fields take values");
	if (d->n_values > 200)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "values", "at most 200 values");
	for (size_t i = 0; i < d->n_values; i++) {
		const char *v = d->values[i];
		size_t len = strlen(v);
		if (req_check_text(r, "values", v, false) != H_OK)
			return H_ABORT;
		if (len == 0 || len > 100 || !text_utf8_valid(v, len) || strchr(v, ','))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "values",
					 "value '%.40s': 1 to 100 characters of text without ','", v);
		const char *fv = text_fold(r->arena, v);
		for (size_t j = 0; j < i; j++) {
			const char *fw = text_fold(r->arena, d->values[j]);
			if (fv && fw && strcmp(fv, fw) == 0)
				return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "values", "value '%.40s' is listed twice", v);
		}
	}
	if (req_check_text(r, "tab", d->tab, false) != H_OK)
		return H_ABORT;
	/* 40 characters, whatever their script ("Реквизиты" is 9, not 18) */
	if (d->tab && (!text_utf8_valid(d->tab, strlen(d->tab)) || text_utf8_chars(d->tab, strlen(d->tab)) > 40))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "tab", "tab: at most 40 characters of text");
	struct store *st = &r->srv->store;
	MDB_val k = { strlen(d->name), d->name }, v;
	rc = mdb_get(r->txn, st->fields, &k, &v);
	if (rc == 0)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "name", "field %s already exists", d->name);
	if (rc != MDB_NOTFOUND)
		return rc;
	MDB_stat ms;
	if ((rc = mdb_stat(r->txn, st->fields, &ms)))
		return rc;
	if (ms.ms_entries >= SCHEMA_MAX_FIELDS)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "at most %d custom fields", SCHEMA_MAX_FIELDS);
	/* the order of definition, which export columns follow: created_at is
	 * to the second, and fields added in one writer batch share even r->now */
	uint64_t seq = 0;
	if ((rc = store_meta_get_u64(r->txn, st, "field_seq", &seq)) && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = store_meta_put_u64(r->txn, st, "field_seq", ++seq)))
		return rc;
	d->seq = seq;
	d->created_at = r->now / 1000000;
	d->created_by = r->who.user;
	v.mv_size = kart__field_def__get_packed_size(d);
	if ((rc = mdb_put(r->txn, st->fields, &k, &v, MDB_RESERVE)))
		return rc;
	kart__field_def__pack(d, v.mv_data);
	if ((rc = schema_bump(r->txn, st)) || (rc = schema_sync(schema_for(r), r->txn, st)))
		return rc;
	char type[16];
	pbjson_enum_name(&kart__field_type__descriptor, d->type, type, sizeof(type));
	if ((rc = audit_append(r, "field.add", "field", 0, d->name,
			       arena_printf(r->arena, "type %s%s%s%s", type, d->tab && *d->tab ? ", tab " : "",
					    d->tab ? d->tab : "", d->sensitive ? ", sensitive" : ""),
			       true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_field_list(struct req *r)
{
	struct schema *sc = schema_for(r);
	int rc = schema_sync(sc, r->txn, &r->srv->store);
	if (rc)
		return rc;
	Kart__FieldPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page)
		return ENOMEM;
	kart__field_page__init(page);
	page->n_fields = sc->n;
	page->fields = sc->defs;
	r->out.body_case = KART__ENVELOPE__BODY_FIELD_PAGE;
	r->out.field_page = page;
	return H_OK;
}

/* Collects the ids of cards that have a value for field `name`. */
static int cards_using(struct req *r, const char *name, uint64_t **ids, size_t *n)
{
	struct store *st = &r->srv->store;
	size_t nl = strlen(name), cap = 0;
	*ids = NULL;
	*n = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, st->ix_custom, &cur);
	if (rc)
		return rc;
	MDB_val k = { nl + 1, (void *)name }, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < nl + 1 || memcmp(k.mv_data, name, nl) != 0 || ((char *)k.mv_data)[nl] != 0)
			break;
		uint64_t id = store_key_u64(v.mv_data);
		if (*n && (*ids)[*n - 1] == id)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			uint64_t *ni = arena_alloc(r->arena, cap * sizeof(*ni));
			if (!ni) {
				rc = ENOMEM;
				break;
			}
			if (*n)
				memcpy(ni, *ids, *n * sizeof(*ni));
			*ids = ni;
		}
		(*ids)[(*n)++] = id;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The same, by reading every card: for fields without an index. */
static int cards_scanned(struct req *r, const char *name, uint64_t **ids, size_t *n)
{
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.cards, &cur);
	if (rc)
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&scratch);
		Kart__Card *c = kart__card__unpack(&scratch.pb, v.mv_size, v.mv_data);
		if (!c || !*card_custom_value(c, name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			uint64_t *ni = arena_alloc(r->arena, cap * sizeof(*ni));
			if (!ni) {
				rc = ENOMEM;
				break;
			}
			if (*n)
				memcpy(ni, *ids, *n * sizeof(*ni));
			*ids = ni;
		}
		(*ids)[(*n)++] = c->id;
	}
	mdb_cursor_close(cur);
	arena_free(&scratch);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int h_field_remove(struct req *r)
{
	Kart__FieldRemove *m = r->in->field_remove;
	struct store *st = &r->srv->store;
	if (!m->name || !*m->name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "field name missing");
	MDB_val k = { strlen(m->name), m->name }, v;
	int rc = mdb_get(r->txn, st->fields, &k, &v);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no field %.64s", m->name);
	if (rc)
		return rc;
	struct schema *sc = schema_for(r);
	if ((rc = schema_sync(sc, r->txn, st)))
		return rc;
	uint64_t *ids;
	size_t n;
	const Kart__FieldDef *def = schema_find(sc, m->name);
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_TEXT)
		rc = cards_scanned(r, m->name, &ids, &n); /* text fields are not indexed */
	else
		rc = cards_using(r, m->name, &ids, &n);
	if (rc)
		return rc;
	if (n && !m->force)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "name",
				 "%zu cards have a value for %s; remove it from them first, or force the removal", n, m->name);
	/* strip the values (each card keeps its version: the field, not the card, changed) */
	for (size_t i = 0; i < n; i++) {
		Kart__Card *c;
		rc = card_load(r->txn, st->cards, ids[i], r->arena, &c);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc)
			return rc;
		Kart__Card *before = card_copy(r->arena, c);
		if (!before)
			return ENOMEM;
		size_t w = 0;
		for (size_t j = 0; j < c->n_custom; j++)
			if (strcmp(c->custom[j]->field, m->name) != 0)
				c->custom[w++] = c->custom[j];
		c->n_custom = w;
		if ((rc = index_update(r->txn, st, sc, r->arena, before, c)) || (rc = card_save(r->txn, st->cards, c)))
			return rc;
	}
	if ((rc = mdb_del(r->txn, st->fields, &k, NULL)) || (rc = schema_bump(r->txn, st)) ||
	    (rc = schema_sync(sc, r->txn, st)))
		return rc;
	if ((rc = audit_append(r, "field.remove", "field", 0, m->name,
			       n ? arena_printf(r->arena, "forced: values removed from %zu cards", n) : "", true)))
		return rc;
	req_ok(r);
	return H_OK;
}
