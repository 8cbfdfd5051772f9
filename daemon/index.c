#include "index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct keyset {
	struct ix_key *k;
	size_t n, cap;
	struct arena *a;
	int err;
};

#define IX_KEY_MAX 480 /* LMDB's key limit is 511 bytes */

static void add(struct keyset *ks, MDB_dbi dbi, const void *bytes, size_t len)
{
	if (ks->err || len == 0 || len > IX_KEY_MAX)
		return;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 64;
		struct ix_key *nk = arena_alloc(ks->a, cap * sizeof(*nk));
		if (!nk) {
			ks->err = ENOMEM;
			return;
		}
		if (ks->n)
			memcpy(nk, ks->k, ks->n * sizeof(*nk));
		ks->k = nk;
		ks->cap = cap;
	}
	uint8_t *copy = arena_alloc(ks->a, len);
	if (!copy) {
		ks->err = ENOMEM;
		return;
	}
	memcpy(copy, bytes, len);
	ks->k[ks->n++] = (struct ix_key){ dbi, (uint32_t)len, copy };
}

static void add_folded(struct keyset *ks, MDB_dbi dbi, const char *s)
{
	if (!s || !*s)
		return;
	char *f = text_fold(ks->a, s);
	if (f)
		add(ks, dbi, f, strlen(f));
}

/* owner \0 word in ix_name_owner, for a word ix_name holds (add: at most
 * IX_KEY_MAX bytes). A word too long for it after the owner is cut: a query
 * word (200 bytes at most, h_find.c) is still its prefix, as in ix_name. */
static void add_owner_word(struct keyset *ks, MDB_dbi dbi, const char *owner, const char *word, size_t wl)
{
	char key[IX_KEY_MAX];
	size_t ol = strlen(owner);
	if (wl == 0 || wl > IX_KEY_MAX || ol + 1 >= IX_KEY_MAX)
		return;
	size_t n = ol + 1 + wl < IX_KEY_MAX ? ol + 1 + wl : IX_KEY_MAX;
	memcpy(key, owner, ol);
	key[ol] = '\0';
	memcpy(key + ol + 1, word, n - ol - 1);
	add(ks, dbi, key, n);
}

/* The words of s into ix_name (plain) and, with an owner, into
 * ix_name_owner under that owner. */
static void add_words(struct keyset *ks, struct store *st, const char *owner, bool plain, const char *s)
{
	if (!s || !*s)
		return;
	char *f = text_fold(ks->a, s);
	char **words;
	size_t n = f ? text_words(ks->a, f, &words) : 0;
	for (size_t i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);
		if (plain)
			add(ks, st->ix_name, words[i], wl);
		if (owner)
			add_owner_word(ks, st->ix_name_owner, owner, words[i], wl);
	}
}

/* The name keys of c: every word of its names and company in ix_name
 * (plain), and again under its owner in ix_name_owner when it has one (a
 * card without an owner is seen only by those who see every card, who walk
 * ix_name: acl.c). */
static void collect_name_keys(struct keyset *ks, struct store *st, const Kart__Card *c, bool plain)
{
	const char *owner = c->owner && *c->owner ? c->owner : NULL;
	add_words(ks, st, owner, plain, c->first_name);
	add_words(ks, st, owner, plain, c->middle_name);
	add_words(ks, st, owner, plain, c->last_name);
	add_words(ks, st, owner, plain, c->company);
}

/* The digits of a number without its extension (a card is found by its
 * main number), at most outlen - 1 of them: their count. */
static size_t main_digits(const char *e164_or_digits, char *out, size_t outlen)
{
	char main[64], digits[32];
	const char *ext;
	size_t ext_len, ml = text_phone_ext(e164_or_digits, &ext, &ext_len);
	snprintf(main, sizeof(main), "%.*s", (int)(ml < sizeof(main) ? ml : sizeof(main) - 1), e164_or_digits);
	size_t n = text_digits(main, digits, sizeof(digits));
	if (n + 1 > outlen)
		n = outlen - 1;
	memcpy(out, digits, n);
	out[n] = '\0';
	return n;
}

size_t index_phone_key(const char *e164_or_digits, char *out, size_t outlen)
{
	char digits[32];
	size_t n = main_digits(e164_or_digits, digits, sizeof(digits) < outlen ? sizeof(digits) : outlen);
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
	return n;
}

size_t index_phone_fwd_key(const char *e164_or_digits, char *out, size_t outlen)
{
	return main_digits(e164_or_digits, out, outlen);
}

void index_number_bytes(int64_t scaled, uint8_t out[8])
{
	store_i64_key(scaled, out);
}

size_t index_custom_key(const Kart__FieldDef *def, const char *name, const char *value, struct arena *a,
			uint8_t **out)
{
	size_t nl = strlen(name);
	const char *enc = value;
	size_t el = strlen(value);
	uint8_t num[8];
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_NUMBER) {
		int64_t v;
		if (schema_parse_number(value, &v) == 0) {
			index_number_bytes(v, num);
			enc = (const char *)num;
			el = 8;
		}
	} else if (!def || def->type == KART__FIELD_TYPE__FIELD_TYPE_TEXT || def->type == KART__FIELD_TYPE__FIELD_TYPE_ENUM ||
		   def->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM) {
		char *f = text_fold(a, value);
		if (f) {
			enc = f;
			el = strlen(f);
		}
	}
	uint8_t *k = arena_alloc(a, nl + 1 + el);
	if (!k)
		return 0;
	memcpy(k, name, nl);
	k[nl] = 0;
	memcpy(k + nl + 1, enc, el);
	*out = k;
	return nl + 1 + el;
}

/* "MMDD" of a YYYY-MM-DD or --MM-DD date. */
static void add_birthday(struct keyset *ks, MDB_dbi dbi, const char *date)
{
	size_t n = date ? strlen(date) : 0;
	if (n != 10 && n != 7)
		return;
	const char *md = date + n - 5; /* "MM-DD" */
	char mmdd[4] = { md[0], md[1], md[3], md[4] };
	add(ks, dbi, mmdd, 4);
}

static int cmp_key(const void *x, const void *y)
{
	const struct ix_key *a = x, *b = y;
	if (a->dbi != b->dbi)
		return a->dbi < b->dbi ? -1 : 1;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->bytes, b->bytes, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Adds every index key of c to ks (unsorted, perhaps twice the same). */
static void collect_keys(struct keyset *ks, struct store *st, const struct schema *sc, const Kart__Card *c)
{
	struct arena *a = ks->a;
	for (size_t i = 0; i < c->n_phones; i++) {
		const char *src = i < c->n_phones_e164 && c->phones_e164[i][0] ? c->phones_e164[i] : c->phones[i];
		char key[32];
		size_t len = index_phone_key(src, key, sizeof(key));
		add(ks, st->ix_phone, key, len);
		len = index_phone_fwd_key(src, key, sizeof(key));
		add(ks, st->ix_phone_fwd, key, len);
	}
	for (size_t i = 0; i < c->n_emails; i++)
		add_folded(ks, st->ix_email, c->emails[i]);
	collect_name_keys(ks, st, c, true);
	for (size_t i = 0; i < c->n_tags; i++)
		add_folded(ks, st->ix_tag, c->tags[i]);
	add_folded(ks, st->ix_city, c->city);
	if (c->owner && *c->owner)
		add(ks, st->ix_owner, c->owner, strlen(c->owner));
	if (c->sector) {
		uint8_t b = (uint8_t)c->sector;
		add(ks, st->ix_sector, &b, 1);
	}
	add_birthday(ks, st->ix_birthday, c->birthday);
	for (size_t i = 0; i < c->n_relatives; i++)
		add_birthday(ks, st->ix_birthday, c->relatives[i]->birthday);
	for (size_t i = 0; i < c->n_custom; i++) {
		const Kart__CustomValue *cv = c->custom[i];
		const Kart__FieldDef *def = sc ? schema_find(sc, cv->field) : NULL;
		/* free text is filtered by scanning: indexing every word of it would
		 * cost each card write far more than the rare filter on it saves */
		if (!def || def->type == KART__FIELD_TYPE__FIELD_TYPE_TEXT)
			continue;
		if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM) {
			char *copy = arena_strdup(a, cv->value);
			for (char *save = NULL, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
			     tok = strtok_r(NULL, ",", &save)) {
				uint8_t *k;
				size_t len = index_custom_key(def, cv->field, tok, a, &k);
				add(ks, st->ix_custom, k, len);
			}
			continue;
		}
		uint8_t *k;
		size_t len = index_custom_key(def, cv->field, cv->value, a, &k);
		add(ks, st->ix_custom, k, len);
	}
}

int index_keys(struct arena *a, struct store *st, const struct schema *sc, const Kart__Card *c,
	       struct ix_key **out, size_t *n)
{
	struct keyset ks = { .a = a };
	collect_keys(&ks, st, sc, c);
	if (ks.err)
		return ks.err;
	if (ks.n)
		qsort(ks.k, ks.n, sizeof(*ks.k), cmp_key);
	size_t w = 0;
	for (size_t i = 0; i < ks.n; i++)
		if (w == 0 || cmp_key(&ks.k[w - 1], &ks.k[i]) != 0)
			ks.k[w++] = ks.k[i];
	*out = ks.k;
	*n = w;
	return 0;
}

int index_diff(struct arena *a, struct store *st, const struct schema *sc, const Kart__Card *old,
	       const Kart__Card *now, struct index_change *out)
{
	struct ix_key *ok = NULL, *nk = NULL;
	size_t on = 0, nn = 0;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (old && (rc = index_keys(a, st, sc, old, &ok, &on)))
		return rc;
	if (now && (rc = index_keys(a, st, sc, now, &nk, &nn)))
		return rc;
	/* a merge of the two sorted sets; what only one side has is moved to
	 * the front of that side's own array */
	size_t i = 0, j = 0;
	while (i < on || j < nn) {
		int c = i == on ? 1 : j == nn ? -1 : cmp_key(&ok[i], &nk[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			ok[out->ndel++] = ok[i++];
		} else {
			nk[out->nadd++] = nk[j++];
		}
	}
	out->del = ok;
	out->add = nk;
	return 0;
}

int index_update(MDB_txn *txn, struct store *st, const struct schema *sc, struct arena *a, const Kart__Card *old,
		 const Kart__Card *now)
{
	struct index_change ch;
	int rc = index_diff(a, st, sc, old, now, &ch);
	if (rc)
		return rc;
	uint8_t idb[8];
	store_u64_key(now ? now->id : old->id, idb);
	MDB_val id = { 8, idb };
	for (size_t i = 0; i < ch.ndel; i++) {
		MDB_val key = { ch.del[i].len, (void *)ch.del[i].bytes };
		rc = mdb_del(txn, ch.del[i].dbi, &key, &id);
		if (rc == MDB_NOTFOUND)
			rc = 0; /* already gone: reindex repairs such drift */
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < ch.nadd; i++) {
		MDB_val key = { ch.add[i].len, (void *)ch.add[i].bytes };
		rc = mdb_put(txn, ch.add[i].dbi, &key, &id, MDB_NODUPDATA);
		if (rc == MDB_KEYEXIST)
			rc = 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* Entries are compared often while sorted: the first 8 bytes of the key as
 * one number (zero-padded: a shorter key still comes first) settle most. */
static uint64_t key_prefix(const struct ix_key *k)
{
	uint8_t b[8] = { 0 };
	memcpy(b, k->bytes, k->len < 8 ? k->len : 8);
	return store_key_u64(b);
}

static int cmp_entry(const void *x, const void *y)
{
	const struct ix_entry *a = x, *b = y;
	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	if (a->k.len > 8 && b->k.len > 8) {
		size_t n = (a->k.len < b->k.len ? a->k.len : b->k.len) - 8;
		int c = memcmp(a->k.bytes + 8, b->k.bytes + 8, n);
		if (c)
			return c;
	}
	if (a->k.len != b->k.len)
		return a->k.len < b->k.len ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

int index_entries(struct arena *a, struct store *st, const struct schema *sc, Kart__Card *const *cards, size_t n,
		  struct ix_entry **out, size_t *nout)
{
	/* every card's keys into one set, then each key given its card's id */
	struct keyset ks = { .a = a, .cap = n * 16 }; /* a card has a dozen keys or so */
	size_t *end = arena_alloc(a, (n ? n : 1) * sizeof(*end));
	ks.k = ks.cap ? arena_alloc(a, ks.cap * sizeof(*ks.k)) : NULL;
	if (!end || (ks.cap && !ks.k))
		return ENOMEM;
	for (size_t i = 0; i < n && !ks.err; i++) {
		collect_keys(&ks, st, sc, cards[i]);
		end[i] = ks.n;
	}
	if (ks.err)
		return ks.err;
	/* grouped by index (counting), then each index's entries sorted */
	size_t count[65] = { 0 };
	for (size_t i = 0; i < ks.n; i++)
		if (ks.k[i].dbi >= 64)
			return EINVAL; /* at most 64 databases (store.c) */
		else
			count[ks.k[i].dbi + 1]++;
	for (size_t d = 1; d < 65; d++)
		count[d] += count[d - 1];
	struct ix_entry *e = arena_alloc(a, (ks.n ? ks.n : 1) * sizeof(*e));
	if (!e)
		return ENOMEM;
	size_t at[64];
	memcpy(at, count, sizeof(at));
	for (size_t i = 0, card = 0; i < ks.n; i++) {
		while (i >= end[card])
			card++;
		struct ix_entry x = { ks.k[i], cards[card]->id, key_prefix(&ks.k[i]) };
		e[at[x.k.dbi]++] = x;
	}
	for (size_t d = 0; d < 64; d++)
		if (count[d + 1] - count[d] > 1)
			qsort(e + count[d], count[d + 1] - count[d], sizeof(*e), cmp_entry);
	size_t w = 0;
	for (size_t i = 0; i < ks.n; i++)
		if (w == 0 || e[w - 1].k.dbi != e[i].k.dbi || cmp_entry(&e[w - 1], &e[i]) != 0)
			e[w++] = e[i];
	*out = e;
	*nout = w;
	return 0;
}

static size_t key_hash(const struct ix_key *k)
{
	uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->bytes[i]) * UINT64_C(1099511628211);
	return (size_t)h;
}

/* Numbers the distinct keys of ks (in the order met): group[i] is key i's,
 * first[g] the first key of group g. Returns how many, or SIZE_MAX (ENOMEM). */
static size_t key_groups(struct keyset *ks, uint32_t *group, size_t *first)
{
	size_t mask = 15;
	while (mask + 1 < 2 * ks->n)
		mask = mask * 2 + 1;
	size_t *slot = arena_alloc(ks->a, (mask + 1) * sizeof(*slot)); /* key index + 1; 0 empty */
	if (!slot)
		return SIZE_MAX;
	memset(slot, 0, (mask + 1) * sizeof(*slot));
	size_t ng = 0;
	for (size_t i = 0; i < ks->n; i++) {
		size_t j = key_hash(&ks->k[i]) & mask;
		while (slot[j] && cmp_key(&ks->k[slot[j] - 1], &ks->k[i]) != 0)
			j = (j + 1) & mask;
		if (slot[j]) {
			group[i] = group[slot[j] - 1];
			continue;
		}
		slot[j] = i + 1;
		first[ng] = i;
		group[i] = (uint32_t)ng++;
	}
	return ng;
}

int index_name_owner_entries(struct arena *a, struct store *st, Kart__Card *const *cards, size_t n,
			     struct ix_entry **out, size_t *nout)
{
	struct keyset ks = { .a = a, .cap = n * 4 }; /* a card has a few name words */
	size_t *end = arena_alloc(a, (n ? n : 1) * sizeof(*end));
	ks.k = ks.cap ? arena_alloc(a, ks.cap * sizeof(*ks.k)) : NULL;
	if (!end || (ks.cap && !ks.k))
		return ENOMEM;
	for (size_t i = 0; i < n && !ks.err; i++) {
		if (i && cards[i]->id <= cards[i - 1]->id)
			return EINVAL; /* the placing below keeps the cards' order */
		collect_name_keys(&ks, st, cards[i], false);
		end[i] = ks.n;
	}
	if (ks.err)
		return ks.err;
	size_t m = ks.n ? ks.n : 1;
	uint32_t *group = arena_alloc(a, m * sizeof(*group));
	size_t *first = arena_alloc(a, m * sizeof(*first));
	if (!group || !first || ks.n > UINT32_MAX)
		return ENOMEM;
	size_t ng = key_groups(&ks, group, first);
	if (ng == SIZE_MAX)
		return ENOMEM;
	/* the distinct keys sorted (a few thousand), and each key's rank */
	struct ix_entry *keys = arena_alloc(a, (ng ? ng : 1) * sizeof(*keys));
	size_t *rank = arena_alloc(a, (ng ? ng : 1) * sizeof(*rank)), *at = arena_alloc(a, (ng + 1) * sizeof(*at));
	uint64_t *last = arena_alloc(a, (ng ? ng : 1) * sizeof(*last));
	struct ix_entry *e = arena_alloc(a, m * sizeof(*e));
	if (!keys || !rank || !at || !last || !e)
		return ENOMEM;
	for (size_t g = 0; g < ng; g++)
		keys[g] = (struct ix_entry){ ks.k[first[g]], g, key_prefix(&ks.k[first[g]]) };
	qsort(keys, ng, sizeof(*keys), cmp_entry);
	for (size_t r = 0; r < ng; r++)
		rank[keys[r].id] = r;
	/* each entry placed by its key's rank, in the cards' (ids') order; a
	 * word a card has twice is one entry */
	memset(at, 0, (ng + 1) * sizeof(*at));
	memset(last, 0, (ng ? ng : 1) * sizeof(*last));
	for (size_t i = 0, card = 0; i < ks.n; i++) {
		while (i >= end[card])
			card++;
		if (last[group[i]] == cards[card]->id) {
			group[i] = UINT32_MAX;
			continue;
		}
		last[group[i]] = cards[card]->id;
		at[rank[group[i]] + 1]++;
	}
	for (size_t r = 1; r <= ng; r++)
		at[r] += at[r - 1];
	size_t w = at[ng];
	for (size_t i = 0, card = 0; i < ks.n; i++) {
		while (i >= end[card])
			card++;
		if (group[i] != UINT32_MAX)
			e[at[rank[group[i]]]++] = (struct ix_entry){ ks.k[i], cards[card]->id, key_prefix(&ks.k[i]) };
	}
	*out = e;
	*nout = w;
	return 0;
}

/* The ids of one key one by one, each where it belongs. */
static int put_each(MDB_cursor *cur, MDB_val *key, const uint8_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		MDB_val id = { 8, (void *)(ids + 8 * i) };
		int rc = mdb_cursor_put(cur, key, &id, MDB_NODUPDATA);
		if (rc && rc != MDB_KEYEXIST) /* KEYEXIST: already there */
			return rc;
	}
	return 0;
}

/* The entries of one index, through one cursor: each key once, with all its
 * new ids (MDB_MULTIPLE: the index's ids are fixed-size duplicates). */
static int put_run(MDB_txn *txn, const struct ix_entry *e, size_t n, uint8_t *ids)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, e[0].k.dbi, &cur);
	if (rc)
		return rc;
	/* the index's last key, copied: the page it lies in changes as we write */
	uint8_t last[512];
	size_t last_len = 0;
	bool appending = false;
	MDB_val lk, lv;
	rc = mdb_cursor_get(cur, &lk, &lv, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		appending = true; /* an empty index: every key is past its end */
		rc = 0;
	} else if (rc == 0) {
		last_len = lk.mv_size < sizeof(last) ? lk.mv_size : sizeof(last);
		memcpy(last, lk.mv_data, last_len);
	}
	for (size_t i = 0, j; i < n && !rc; i = j) {
		for (j = i + 1; j < n && cmp_key(&e[j].k, &e[i].k) == 0; j++)
			;
		for (size_t k = i; k < j; k++)
			store_u64_key(e[k].id, ids + 8 * (k - i));
		if (!appending) {
			struct ix_key lkey = { e[i].k.dbi, (uint32_t)last_len, last };
			appending = cmp_key(&e[i].k, &lkey) > 0; /* sorted: past it, the rest is too */
		}
		/* ids only grow, so a new card's id follows every id its keys have:
		 * appended, past the last key or the key's last id. Where that does
		 * not hold LMDB says KEYEXIST, and each id is put where it belongs. */
		MDB_val key = { e[i].k.len, (void *)e[i].k.bytes };
		MDB_val data[2] = { { 8, ids }, { j - i, NULL } };
		rc = mdb_cursor_put(cur, &key, data, MDB_MULTIPLE | MDB_APPENDDUP | (appending ? MDB_APPEND : 0));
		if (rc == MDB_KEYEXIST)
			rc = put_each(cur, &key, ids, j - i);
	}
	mdb_cursor_close(cur);
	return rc;
}

int index_put_sorted(MDB_txn *txn, const struct ix_entry *e, size_t n)
{
	if (!n)
		return 0;
	/* the ids of one key side by side, as MDB_MULTIPLE takes them */
	uint8_t *ids = malloc(8 * n);
	if (!ids)
		return ENOMEM;
	int rc = 0;
	for (size_t i = 0, j; i < n && !rc; i = j) {
		for (j = i + 1; j < n && e[j].k.dbi == e[i].k.dbi; j++)
			;
		rc = put_run(txn, e + i, j - i, ids);
	}
	free(ids);
	return rc;
}

int index_check(MDB_txn *txn, struct store *st, const struct schema *sc, struct index_counts *n,
		void (*progress)(void *ud), void *ud)
{
	MDB_dbi ix[] = { st->ix_phone, st->ix_email, st->ix_name, st->ix_tag, st->ix_city,
			 st->ix_owner, st->ix_sector, st->ix_birthday, st->ix_custom, st->ix_phone_fwd,
			 st->ix_name_owner };
	uint64_t entries = 0, expected = 0;
	int rc;
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < sizeof(ix) / sizeof(ix[0]); i++) {
		MDB_stat ms;
		if ((rc = mdb_stat(txn, ix[i], &ms)))
			return rc;
		entries += ms.ms_entries;
	}
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(txn, st->cards, &cur)))
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&scratch);
		Kart__Card *c = kart__card__unpack(&scratch.pb, v.mv_size, v.mv_data);
		if (!c)
			continue;
		if (++n->cards % 256 == 0 && progress)
			progress(ud);
		struct ix_key *keys;
		size_t nk;
		if ((rc = index_keys(&scratch, st, sc, c, &keys, &nk)))
			break;
		expected += nk;
		uint8_t idb[8];
		store_u64_key(c->id, idb);
		for (size_t i = 0; i < nk; i++) {
			MDB_val kk = { keys[i].len, (void *)keys[i].bytes }, vv = { 8, idb };
			MDB_cursor *ic;
			if ((rc = mdb_cursor_open(txn, keys[i].dbi, &ic)))
				break;
			int g = mdb_cursor_get(ic, &kk, &vv, MDB_GET_BOTH);
			mdb_cursor_close(ic);
			if (g == MDB_NOTFOUND)
				n->missing++;
			else if (g) {
				rc = g;
				break;
			}
		}
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	arena_free(&scratch);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	n->extra = entries + n->missing - expected;
	return rc;
}
