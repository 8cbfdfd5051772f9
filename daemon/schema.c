#include "schema.h"

#include "text.h"

#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_def(const void *a, const void *b)
{
	return strcmp((*(Kart__FieldDef *const *)a)->name, (*(Kart__FieldDef *const *)b)->name);
}

int schema_sync(struct schema *s, MDB_txn *txn, struct store *st)
{
	/* the loop's read snapshot (every read request of a batch shares it):
	 * a snapshot id seen already cannot hold other fields. Any other
	 * transaction (the writer's, which may change the fields and abort, a
	 * pool thread's) reads the generation. */
	size_t snap = s->loop && txn == st->rtxn ? mdb_txn_id(txn) : 0;
	if (s->loaded && snap && s->snap == snap)
		return 0;
	s->snap = 0;
	uint64_t gen = 0;
	int rc = store_meta_get_u64(txn, st, "schema_gen", &gen);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (s->loaded && s->gen == gen) {
		s->snap = snap;
		return 0;
	}
	arena_free(&s->arena);
	arena_init(&s->arena, 0);
	s->n = 0;
	s->defs = NULL;
	s->loaded = false;
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(txn, st->fields, &cur)))
		return rc;
	size_t cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__FieldDef *d = kart__field_def__unpack(&s->arena.pb, v.mv_size, v.mv_data);
		if (!d)
			continue;
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			Kart__FieldDef **nd = arena_alloc(&s->arena, cap * sizeof(*nd));
			if (!nd) {
				rc = ENOMEM;
				break;
			}
			if (s->n)
				memcpy(nd, s->defs, s->n * sizeof(*nd));
			s->defs = nd;
		}
		s->defs[s->n++] = d;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc ? rc : EIO;
	if (s->n)
		qsort(s->defs, s->n, sizeof(*s->defs), cmp_def);
	s->gen = gen;
	s->loaded = true;
	s->snap = snap;
	return 0;
}

const Kart__FieldDef *schema_find_n(const struct schema *s, const char *name, size_t len)
{
	size_t lo = 0, hi = s->n;
	len = strnlen(name, len); /* as a decoded string compares: up to a NUL */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *d = s->defs[mid]->name;
		int c = strncmp(d, name, len);
		if (c == 0 && d[len] != '\0')
			c = 1; /* longer than name */
		if (c == 0)
			return s->defs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void schema_free(struct schema *s)
{
	arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

int schema_bump(MDB_txn *txn, struct store *st)
{
	/* a random generation: one written by a transaction that then aborted
	 * can never come back, so a cache that saw it is always reloaded */
	uint64_t gen;
	if (util_random(&gen, sizeof(gen)) < 0)
		return EIO;
	return store_meta_put_u64(txn, st, "schema_gen", gen);
}

struct schema *schema_loop(struct server *srv)
{
	srv->schema_loop.loop = true;
	return &srv->schema_loop;
}
struct schema *schema_writer(struct server *srv) { return &srv->schema_writer; }

struct schema *schema_for(struct req *r)
{
	/* loop-thread requests carry their connection; writer ones never touch it */
	return r->on_writer ? schema_writer(r->srv) : schema_loop(r->srv);
}

int schema_parse_number(const char *text, int64_t *out)
{
	return text_parse_decimal(text, CUSTOM_NUMBER_DECIMALS, out, NULL) == TEXT_NUM_OK ? 0 : -1;
}

void schema_mark_types(const struct schema *s, Kart__Card *c)
{
	for (size_t i = 0; i < c->n_custom; i++) {
		const Kart__FieldDef *d = s ? schema_find(s, c->custom[i]->field) : NULL;
		c->custom[i]->type = d ? d->type : KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED;
	}
}

const Kart__FieldDef *schema_find(const struct schema *s, const char *name)
{
	return schema_find_n(s, name, SIZE_MAX);
}
