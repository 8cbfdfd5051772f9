/* cardq_plan: choosing an index for a query — the keys of a predicate in
 * the secondary indexes, and the walk over them (cardq_plan.h). */
#include "cardq_plan.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "index.h"
#include "pbjson.h"

static void add_exact(struct plan *p, const void *key, size_t len)
{
	if (p->n < sizeof(p->r) / sizeof(p->r[0]))
		p->r[p->n++] = (struct krange){ key, key, len, len };
}

static const uint8_t *dup_bytes(struct arena *a, const void *src, size_t n)
{
	uint8_t *d = arena_alloc(a, n ? n : 1);
	if (d)
		memcpy(d, src, n);
	return d;
}

static void ymd_text(int64_t days, char out[11])
{
	int64_t y;
	int m, d;
	date_civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}

/* The keys of a custom field's = or IN: one per literal, as index.c writes them. */
static bool plan_custom_eq(struct cardq *c, const struct qnode *p, const Kart__FieldDef *d, struct plan *out)
{
	const struct qfield *f = p->field;
	size_t nl = strlen(f->name);
	for (size_t i = 0; i < p->nlits; i++) {
		uint8_t *k;
		size_t len;
		if (f->type == Q_NUMBER) {
			k = arena_alloc(c->a, nl + 9);
			if (!k)
				return false;
			memcpy(k, f->name, nl + 1);
			index_number_bytes(p->lits[i].num, k + nl + 1);
			len = nl + 9;
		} else if (f->type == Q_DATE) {
			char ymd[11];
			ymd_text(p->lits[i].num, ymd);
			len = index_custom_key(d, f->name, ymd, c->a, &k);
		} else if (f->type == Q_BOOL) {
			len = index_custom_key(d, f->name, p->lits[i].num ? "true" : "false", c->a, &k);
		} else {
			len = index_custom_key(d, f->name, p->lits[i].text, c->a, &k);
		}
		if (!len)
			return false;
		add_exact(out, k, len);
	}
	return out->n > 0;
}

/* The key range of a custom number's or date's < <= > >=. */
static bool plan_custom_range(struct cardq *c, const struct qnode *p, struct plan *out)
{
	const struct qfield *f = p->field;
	size_t nl = strlen(f->name);
	int64_t v = p->lits[0].num;
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	if (p->op == QOP_LT)
		hi = v - 1;
	else if (p->op == QOP_LE)
		hi = v;
	else if (p->op == QOP_GT)
		lo = v + 1;
	else
		lo = v;
	uint8_t *klo = arena_alloc(c->a, nl + 12), *khi = arena_alloc(c->a, nl + 12);
	if (!klo || !khi)
		return false;
	memcpy(klo, f->name, nl + 1);
	memcpy(khi, f->name, nl + 1);
	size_t len;
	if (f->type == Q_NUMBER) {
		index_number_bytes(lo, klo + nl + 1);
		index_number_bytes(hi, khi + nl + 1);
		len = nl + 9;
		out->r[out->n++] = (struct krange){ klo, khi, len, len };
	} else {
		/* dates are stored as YYYY-MM-DD text, which sorts as dates do */
		char a[11] = "0000-00-00", b[11] = "9999-99-99";
		if (lo != INT64_MIN)
			ymd_text(lo, a);
		if (hi != INT64_MAX)
			ymd_text(hi, b);
		memcpy(klo + nl + 1, a, 10);
		memcpy(khi + nl + 1, b, 10);
		len = nl + 11;
		out->r[out->n++] = (struct krange){ klo, khi, len, len };
	}
	return true;
}

static bool plan_custom(struct cardq *c, const struct qnode *p, struct plan *out)
{
	const struct qfield *f = p->field;
	const Kart__FieldDef *d = schema_find(c->sc, f->name);
	if (!d || d->type == KART__FIELD_TYPE__FIELD_TYPE_TEXT)
		return false; /* not indexed (index.c) */
	out->dbi = c->st->ix_custom;
	out->index = "ix_custom";
	if (p->op == QOP_EQ || p->op == QOP_IN)
		return plan_custom_eq(c, p, d, out);
	if ((f->type == Q_NUMBER || f->type == Q_DATE) &&
	    (p->op == QOP_LT || p->op == QOP_LE || p->op == QOP_GT || p->op == QOP_GE))
		return plan_custom_range(c, p, out);
	return false;
}

/* The MMDD ranges of a birthday's `within`. */
static bool plan_birthday(struct cardq *c, const struct qnode *p, struct plan *out)
{
	if (p->op != QOP_WITHIN)
		return false;
	/* N days, today included (query.c: annual_within) */
	int64_t from = p->lits[0].num >= 0 ? c->today : c->today + p->lits[0].num + 1;
	int64_t to = p->lits[0].num >= 0 ? c->today + p->lits[0].num - 1 : c->today;
	if (to < from)
		return false;
	if (to - from >= 365) {
		/* every day of the year: an index scan brings nothing */
		return false;
	}
	int64_t y1, y2;
	int m1, d1, m2, d2;
	date_civil_from_days(from, &y1, &m1, &d1);
	date_civil_from_days(to, &y2, &m2, &d2);
	char *a = arena_printf(c->a, "%02d%02d", m1, d1), *b = arena_printf(c->a, "%02d%02d", m2, d2);
	if (!a || !b)
		return false;
	if (strcmp(a, b) <= 0) {
		out->r[out->n++] = (struct krange){ (uint8_t *)a, (uint8_t *)b, 4, 4 };
	} else {
		/* across the year's end */
		out->r[out->n++] = (struct krange){ (uint8_t *)a, (const uint8_t *)"1231", 4, 4 };
		out->r[out->n++] = (struct krange){ (const uint8_t *)"0101", (uint8_t *)b, 4, 4 };
	}
	/* a Feb 29 birthday is celebrated on Mar 1 in common years */
	return true;
}

/* The keys of a core field's = or IN. */
static bool plan_exact(struct cardq *c, const struct qnode *p, struct plan *out)
{
	const struct qfield *f = p->field;
	for (size_t i = 0; i < p->nlits; i++) {
		const char *t = p->lits[i].text;
		if (f->id == F_SECTOR) {
			int e;
			if (pbjson_enum_parse(&kart__sector__descriptor, t, &e) < 0)
				return false;
			uint8_t *b = arena_alloc(c->a, 1);
			if (!b)
				return false;
			*b = (uint8_t)e;
			add_exact(out, b, 1);
		} else if (f->id == F_PHONES) {
			char key[32];
			size_t len = index_phone_key(t, key, sizeof(key));
			add_exact(out, dup_bytes(c->a, key, len), len);
		} else if (f->id == F_OWNER) {
			add_exact(out, t, strlen(t));
		} else {
			add_exact(out, t, strlen(t));
		}
	}
	return out->n > 0;
}

bool cardq_plan_pred(struct cardq *c, const struct qnode *p, struct plan *out)
{
	memset(out, 0, sizeof(*out));
	out->pred = p;
	const struct qfield *f = p->field;
	struct store *st = c->st;
	bool eq = p->op == QOP_EQ || p->op == QOP_IN;
	if (f->id == F_CUSTOM)
		return plan_custom(c, p, out);
	MDB_dbi dbi;
	const char *name;
	switch (f->id) {
	case F_CITY: dbi = st->ix_city; name = "ix_city"; break;
	case F_TAGS: dbi = st->ix_tag; name = "ix_tag"; break;
	case F_EMAILS: dbi = st->ix_email; name = "ix_email"; break;
	case F_OWNER: dbi = st->ix_owner; name = "ix_owner"; break;
	case F_SECTOR: dbi = st->ix_sector; name = "ix_sector"; break;
	case F_PHONES: dbi = st->ix_phone; name = "ix_phone"; break;
	case F_BIRTHDAY: dbi = st->ix_birthday; name = "ix_birthday"; break;
	default: return false;
	}
	out->dbi = dbi;
	out->index = name;
	if (f->id == F_BIRTHDAY)
		return plan_birthday(c, p, out);
	if (!eq)
		return false;
	return plan_exact(c, p, out);
}

static int key_cmp(const MDB_val *k, const uint8_t *b, size_t blen)
{
	size_t n = k->mv_size < blen ? k->mv_size : blen;
	int c = memcmp(k->mv_data, b, n);
	if (c)
		return c;
	return k->mv_size < blen ? -1 : k->mv_size > blen;
}

/* Walks the ids under a plan's ranges; fn(ud, id) returning non-zero stops. */
int cardq_plan_walk(struct cardq *c, const struct plan *p, uint64_t cap, uint64_t *count,
		     int (*fn)(void *ud, uint64_t id), void *ud)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(c->txn, p->dbi, &cur);
	if (rc)
		return rc;
	*count = 0;
	for (size_t i = 0; i < p->n && rc == 0; i++) {
		MDB_val k = { p->r[i].lolen, (void *)p->r[i].lo }, v;
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
			if (key_cmp(&k, p->r[i].hi, p->r[i].hilen) > 0)
				break;
			if (!fn) {
				size_t dups;
				if ((rc = mdb_cursor_count(cur, &dups)))
					break;
				*count += dups;
				if (cap && *count >= cap)
					break;
				continue;
			}
			/* the ids under one key, a page at a time */
			for (rc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); rc == 0;
			     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
				for (size_t j = 0; j + 8 <= v.mv_size; j += 8) {
					(*count)++;
					if (fn(ud, store_key_u64((uint8_t *)v.mv_data + j))) {
						mdb_cursor_close(cur);
						return 0;
					}
				}
			}
			if (rc != MDB_NOTFOUND)
				break;
			rc = 0;
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (cap && *count >= cap)
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}
