/* Unit tests for daemon/index.[ch]: the index keys derived from a card, the
 * change an update makes to them, and that change applied to a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "index.h"

/* Distinct dbi numbers: index_keys only reads them from the store. */
static struct store fake_store(void)
{
	struct store st;
	memset(&st, 0, sizeof(st));
	st.ix_phone = 101;
	st.ix_email = 102;
	st.ix_name = 103;
	st.ix_tag = 104;
	st.ix_city = 105;
	st.ix_owner = 106;
	st.ix_sector = 107;
	st.ix_birthday = 108;
	st.ix_custom = 109;
	st.ix_phone_fwd = 110;
	st.ix_name_owner = 111;
	return st;
}

static Kart__FieldDef def_size = KART__FIELD_DEF__INIT, def_colors = KART__FIELD_DEF__INIT,
		      def_notes = KART__FIELD_DEF__INIT, def_tier = KART__FIELD_DEF__INIT;

/* Custom fields: colors (multienum), notes (text), size (number), tier (enum); sorted by name. */
static struct schema make_schema(void)
{
	static Kart__FieldDef *defs[4];
	def_colors.name = "colors";
	def_colors.type = KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM;
	def_notes.name = "notes";
	def_notes.type = KART__FIELD_TYPE__FIELD_TYPE_TEXT;
	def_size.name = "size";
	def_size.type = KART__FIELD_TYPE__FIELD_TYPE_NUMBER;
	def_tier.name = "tier";
	def_tier.type = KART__FIELD_TYPE__FIELD_TYPE_ENUM;
	defs[0] = &def_colors;
	defs[1] = &def_notes;
	defs[2] = &def_size;
	defs[3] = &def_tier;
	struct schema sc;
	memset(&sc, 0, sizeof(sc));
	sc.n = 4;
	sc.defs = defs;
	sc.loaded = true;
	return sc;
}

/* The keys of one dbi, as strings (custom keys: the NUL between name and value as '='). */
static size_t keys_of(const struct ix_key *k, size_t n, MDB_dbi dbi, char out[][64], size_t max)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i].dbi != dbi)
			continue;
		assert_true(m < max);
		assert_true(k[i].len < 64);
		memcpy(out[m], k[i].bytes, k[i].len);
		out[m][k[i].len] = '\0';
		for (size_t j = 0; j < k[i].len; j++)
			if (out[m][j] == '\0')
				out[m][j] = '=';
		m++;
	}
	return m;
}

static bool has_key(const struct ix_key *k, size_t n, MDB_dbi dbi, const void *bytes, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].dbi == dbi && k[i].len == len && memcmp(k[i].bytes, bytes, len) == 0)
			return true;
	return false;
}

static void test_phone_key(void **state)
{
	(void)state;
	char key[32];
	assert_int_equal(index_phone_key("+78461234567", key, sizeof(key)), 11);
	assert_string_equal(key, "76543216487");
	/* the extension is not part of the key: the main number finds the card */
	assert_int_equal(index_phone_key("+78461234567 доб. 123", key, sizeof(key)), 11);
	assert_string_equal(key, "76543216487");
	assert_int_equal(index_phone_key("8 (846) 123-45-67", key, sizeof(key)), 11);
	assert_string_equal(key, "76543216488");
	/* cut to the room given: the first digits, reversed */
	assert_int_equal(index_phone_key("+78461234567", key, 5), 4);
	assert_string_equal(key, "6487");
	assert_int_equal(index_phone_key("", key, sizeof(key)), 0);
	assert_string_equal(key, "");
}

static void test_number_bytes(void **state)
{
	(void)state;
	uint8_t a[8], b[8], c[8];
	index_number_bytes(-1, a);
	index_number_bytes(0, b);
	index_number_bytes(1, c);
	static const uint8_t zero[8] = { 0x80, 0, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(b, zero, 8);
	assert_true(memcmp(a, b, 8) < 0); /* byte order is numeric order */
	assert_true(memcmp(b, c, 8) < 0);
}

static void test_keys_of_a_card(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct store st = fake_store();
	struct schema sc = make_schema();
	char *phones[] = { "8 846 123-45-67", "+7 927 000-11-22 доб. 5" };
	char *e164[] = { "+78461234567", "" };
	char *emails[] = { "Ivan.Petrov@Example.COM", "ivan.petrov@example.com" };
	char *tags[] = { "VIP", "Опт" };
	Kart__Relative rel = KART__RELATIVE__INIT;
	rel.birthday = "--02-29";
	Kart__Relative *rels[] = { &rel };
	Kart__CustomValue cv1 = KART__CUSTOM_VALUE__INIT, cv2 = KART__CUSTOM_VALUE__INIT, cv3 = KART__CUSTOM_VALUE__INIT,
			  cv4 = KART__CUSTOM_VALUE__INIT, cv5 = KART__CUSTOM_VALUE__INIT;
	cv1.field = "colors";
	cv1.value = "Red,Blue";
	cv2.field = "notes";
	cv2.value = "free text is not indexed";
	cv3.field = "size";
	cv3.value = "12.5";
	cv4.field = "tier";
	cv4.value = "Gold";
	cv5.field = "gone"; /* no longer defined: not indexed */
	cv5.value = "x";
	Kart__CustomValue *custom[] = { &cv1, &cv5, &cv2, &cv3, &cv4 };
	Kart__Card c = KART__CARD__INIT;
	c.id = 7;
	c.first_name = "Пётр";
	c.last_name = "Иванов-Петров";
	c.company = "ООО «Ромашка»";
	c.n_phones = 2;
	c.phones = phones;
	c.n_phones_e164 = 2;
	c.phones_e164 = e164;
	c.n_emails = 2;
	c.emails = emails;
	c.n_tags = 2;
	c.tags = tags;
	c.city = "Самара";
	c.owner = "manager1";
	c.sector = KART__SECTOR__SECTOR_HOT;
	c.birthday = "1980-05-17";
	c.n_relatives = 1;
	c.relatives = rels;
	c.n_custom = 5;
	c.custom = custom;

	struct ix_key *k;
	size_t n;
	assert_int_equal(index_keys(&a, &st, &sc, &c, &k, &n), 0);
	/* sorted by dbi then bytes, no duplicates */
	for (size_t i = 1; i < n; i++) {
		assert_true(k[i - 1].dbi <= k[i].dbi);
		if (k[i - 1].dbi == k[i].dbi) {
			size_t m = k[i - 1].len < k[i].len ? k[i - 1].len : k[i].len;
			int cmp = memcmp(k[i - 1].bytes, k[i].bytes, m);
			assert_true(cmp < 0 || (cmp == 0 && k[i - 1].len < k[i].len));
		}
	}
	char got[16][64];
	/* phones: the E.164 form when there is one, else the number as typed */
	assert_int_equal(keys_of(k, n, st.ix_phone, got, 16), 2);
	assert_string_equal(got[0], "22110007297");
	assert_string_equal(got[1], "76543216487");
	/* and in order, for a number's start */
	assert_int_equal(keys_of(k, n, st.ix_phone_fwd, got, 16), 2);
	assert_string_equal(got[0], "78461234567");
	assert_string_equal(got[1], "79270001122");
	/* emails folded: the two spellings are one key */
	assert_int_equal(keys_of(k, n, st.ix_email, got, 16), 1);
	assert_string_equal(got[0], "ivan.petrov@example.com");
	/* names: every word folded (ё as е), first, last and company */
	assert_int_equal(keys_of(k, n, st.ix_name, got, 16), 5);
	assert_true(has_key(k, n, st.ix_name, "петр", strlen("петр")));
	assert_true(has_key(k, n, st.ix_name, "иванов", strlen("иванов")));
	assert_true(has_key(k, n, st.ix_name, "петров", strlen("петров")));
	assert_true(has_key(k, n, st.ix_name, "ооо", strlen("ооо")));
	assert_true(has_key(k, n, st.ix_name, "ромашка", strlen("ромашка")));
	/* and again under the owner (owner \0 word), for a scoped find */
	assert_int_equal(keys_of(k, n, st.ix_name_owner, got, 16), 5);
	assert_string_equal(got[0], "manager1=иванов");
	assert_string_equal(got[1], "manager1=ооо");
	assert_string_equal(got[2], "manager1=петр");
	assert_string_equal(got[3], "manager1=петров");
	assert_string_equal(got[4], "manager1=ромашка");
	assert_int_equal(keys_of(k, n, st.ix_tag, got, 16), 2);
	assert_string_equal(got[0], "vip");
	assert_string_equal(got[1], "опт");
	assert_int_equal(keys_of(k, n, st.ix_city, got, 16), 1);
	assert_string_equal(got[0], "самара");
	assert_int_equal(keys_of(k, n, st.ix_owner, got, 16), 1);
	assert_string_equal(got[0], "manager1");
	uint8_t hot = KART__SECTOR__SECTOR_HOT;
	assert_true(has_key(k, n, st.ix_sector, &hot, 1));
	/* birthdays as MMDD, the card's and its relatives' */
	assert_int_equal(keys_of(k, n, st.ix_birthday, got, 16), 2);
	assert_string_equal(got[0], "0229");
	assert_string_equal(got[1], "0517");
	/* custom: each multienum value, enums folded, numbers as 8 sortable bytes
	 * of the value scaled by 10^4; text and undefined fields not at all */
	assert_int_equal(keys_of(k, n, st.ix_custom, got, 16), 4);
	assert_true(has_key(k, n, st.ix_custom, "colors\0red", 10));
	assert_true(has_key(k, n, st.ix_custom, "colors\0blue", 11));
	assert_true(has_key(k, n, st.ix_custom, "tier\0gold", 9));
	uint8_t sz[5 + 8] = "size";
	index_number_bytes(125000, sz + 5);
	assert_true(has_key(k, n, st.ix_custom, sz, sizeof(sz)));
	assert_int_equal(n, 2 + 2 + 1 + 5 + 5 + 2 + 1 + 1 + 1 + 2 + 4);
	/* without an owner, no word is under one */
	c.owner = "";
	assert_int_equal(index_keys(&a, &st, &sc, &c, &k, &n), 0);
	assert_int_equal(keys_of(k, n, st.ix_name_owner, got, 16), 0);
	assert_int_equal(keys_of(k, n, st.ix_name, got, 16), 5);

	/* an empty card has no keys */
	Kart__Card empty = KART__CARD__INIT;
	assert_int_equal(index_keys(&a, &st, &sc, &empty, &k, &n), 0);
	assert_int_equal(n, 0);
	arena_free(&a);
}

static void test_diff_of_an_update(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct store st = fake_store();
	struct schema sc = make_schema();
	char *tags_old[] = { "a", "b" }, *tags_new[] = { "b", "c" };
	Kart__Card old = KART__CARD__INIT, now = KART__CARD__INIT;
	old.id = now.id = 3;
	old.first_name = "Анна";
	now.first_name = "АННА"; /* folds the same: no change */
	old.last_name = "Смирнова";
	now.last_name = "Кузнецова";
	old.n_tags = 2;
	old.tags = tags_old;
	now.n_tags = 2;
	now.tags = tags_new;
	old.city = "Казань";
	now.owner = "m2";

	struct index_change ch;
	assert_int_equal(index_diff(&a, &st, &sc, &old, &now, &ch), 0);
	char got[8][64];
	assert_int_equal(ch.ndel, 3);
	assert_int_equal(keys_of(ch.del, ch.ndel, st.ix_name, got, 8), 1);
	assert_string_equal(got[0], "смирнова");
	assert_int_equal(keys_of(ch.del, ch.ndel, st.ix_tag, got, 8), 1);
	assert_string_equal(got[0], "a");
	assert_int_equal(keys_of(ch.del, ch.ndel, st.ix_city, got, 8), 1);
	assert_string_equal(got[0], "казань");
	assert_int_equal(ch.nadd, 5);
	assert_int_equal(keys_of(ch.add, ch.nadd, st.ix_name, got, 8), 1);
	assert_string_equal(got[0], "кузнецова");
	/* an owner given: every name word comes under it, the unchanged one too */
	assert_int_equal(keys_of(ch.add, ch.nadd, st.ix_name_owner, got, 8), 2);
	assert_string_equal(got[0], "m2=анна");
	assert_string_equal(got[1], "m2=кузнецова");
	assert_int_equal(keys_of(ch.add, ch.nadd, st.ix_tag, got, 8), 1);
	assert_string_equal(got[0], "c");
	assert_int_equal(keys_of(ch.add, ch.nadd, st.ix_owner, got, 8), 1);
	assert_string_equal(got[0], "m2");

	/* unchanged: nothing to do */
	assert_int_equal(index_diff(&a, &st, &sc, &now, &now, &ch), 0);
	assert_int_equal(ch.ndel, 0);
	assert_int_equal(ch.nadd, 0);
	/* create: every key added; delete: every key removed */
	assert_int_equal(index_diff(&a, &st, &sc, NULL, &now, &ch), 0);
	assert_int_equal(ch.ndel, 0);
	assert_int_equal(ch.nadd, 7); /* анна, кузнецова, b, c, m2, m2 анна, m2 кузнецова */
	assert_true(has_key(ch.add, ch.nadd, st.ix_name, "анна", strlen("анна")));
	/* another owner: the words move from one owner's to the other's */
	Kart__Card moved = now;
	moved.owner = "m3";
	assert_int_equal(index_diff(&a, &st, &sc, &now, &moved, &ch), 0);
	assert_int_equal(ch.ndel, 3);
	assert_int_equal(ch.nadd, 3);
	assert_true(has_key(ch.del, ch.ndel, st.ix_name_owner, "m2\0анна", 3 + strlen("анна")));
	assert_true(has_key(ch.add, ch.nadd, st.ix_name_owner, "m3\0анна", 3 + strlen("анна")));
	assert_true(has_key(ch.add, ch.nadd, st.ix_name_owner, "m3\0кузнецова", 3 + strlen("кузнецова")));
	assert_int_equal(keys_of(ch.add, ch.nadd, st.ix_name, got, 8), 0);
	assert_int_equal(index_diff(&a, &st, &sc, &old, NULL, &ch), 0);
	assert_int_equal(ch.ndel, 5); /* анна, смирнова, a, b, казань */
	assert_int_equal(ch.nadd, 0);
	assert_true(has_key(ch.del, ch.ndel, st.ix_tag, "b", 1));
	arena_free(&a);
}

/* The change applied to a real store in a temp dir. */
static void test_update_in_store(void **state)
{
	(void)state;
	char dir[] = "/tmp/kart-test-index-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct store st;
	memset(&st, 0, sizeof(st));
	assert_int_equal(store_open(&st, dir, 16u << 20, 8, true), 0);
	struct arena a;
	arena_init(&a, 0);
	char *p1[] = { "+78461234567" }, *p2[] = { "+79270001122" };
	Kart__Card v1 = KART__CARD__INIT, v2 = KART__CARD__INIT;
	v1.id = v2.id = 42;
	v1.n_phones = v1.n_phones_e164 = 1;
	v1.phones = v1.phones_e164 = p1;
	v2.n_phones = v2.n_phones_e164 = 1;
	v2.phones = v2.phones_e164 = p2;
	v1.city = v2.city = "Самара";

	MDB_txn *txn;
	assert_int_equal(mdb_txn_begin(st.env, NULL, 0, &txn), 0);
	assert_int_equal(index_update(txn, &st, NULL, &a, NULL, &v1), 0);
	assert_int_equal(index_update(txn, &st, NULL, &a, &v1, &v2), 0);
	MDB_val k = { 11, "76543216487" }, v;
	assert_int_equal(mdb_get(txn, st.ix_phone, &k, &v), MDB_NOTFOUND);
	k = (MDB_val){ 11, "22110007297" };
	assert_int_equal(mdb_get(txn, st.ix_phone, &k, &v), 0);
	assert_int_equal(v.mv_size, 8);
	assert_int_equal(store_key_u64(v.mv_data), 42);
	k = (MDB_val){ 11, "78461234567" };
	assert_int_equal(mdb_get(txn, st.ix_phone_fwd, &k, &v), MDB_NOTFOUND);
	k = (MDB_val){ 11, "79270001122" };
	assert_int_equal(mdb_get(txn, st.ix_phone_fwd, &k, &v), 0);
	assert_int_equal(store_key_u64(v.mv_data), 42);
	k = (MDB_val){ strlen("самара"), "самара" };
	assert_int_equal(mdb_get(txn, st.ix_city, &k, &v), 0);
	assert_int_equal(store_key_u64(v.mv_data), 42);
	/* delete: nothing left */
	assert_int_equal(index_update(txn, &st, NULL, &a, &v2, NULL), 0);
	assert_int_equal(mdb_get(txn, st.ix_city, &k, &v), MDB_NOTFOUND);
	MDB_stat ms;
	assert_int_equal(mdb_stat(txn, st.ix_phone, &ms), 0);
	assert_int_equal(ms.ms_entries, 0);
	assert_int_equal(mdb_stat(txn, st.ix_phone_fwd, &ms), 0);
	assert_int_equal(ms.ms_entries, 0);
	mdb_txn_abort(txn);

	arena_free(&a);
	store_close(&st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Every entry of every index, as "dbi key id" lines in order. */
static char *dump_indexes(MDB_txn *txn, struct store *st, size_t *lines)
{
	MDB_dbi ix[] = { st->ix_phone, st->ix_email, st->ix_name, st->ix_tag, st->ix_city,
			 st->ix_owner, st->ix_sector, st->ix_birthday, st->ix_custom, st->ix_phone_fwd,
			 st->ix_name_owner };
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	*lines = 0;
	for (size_t i = 0; i < sizeof(ix) / sizeof(ix[0]); i++) {
		MDB_cursor *cur;
		assert_int_equal(mdb_cursor_open(txn, ix[i], &cur), 0);
		MDB_val k, v;
		for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (cap - len < 1200) {
				cap *= 2;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			len += (size_t)snprintf(out + len, cap - len, "%zu ", i);
			for (size_t b = 0; b < k.mv_size; b++)
				len += (size_t)snprintf(out + len, cap - len, "%02x", ((uint8_t *)k.mv_data)[b]);
			len += (size_t)snprintf(out + len, cap - len, " %llu\n", (unsigned long long)store_key_u64(v.mv_data));
			(*lines)++;
		}
		mdb_cursor_close(cur);
	}
	out[len] = '\0';
	return out;
}

/* (index, key, id) */
static int cmp_sorted(const struct ix_entry *a, const struct ix_entry *b)
{
	if (a->k.dbi != b->k.dbi)
		return a->k.dbi < b->k.dbi ? -1 : 1;
	int c = memcmp(a->k.bytes, b->k.bytes, a->k.len < b->k.len ? a->k.len : b->k.len);
	if (c)
		return c;
	if (a->k.len != b->k.len)
		return a->k.len < b->k.len ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Generated cards sharing phones, emails, names, tags, cities and custom
 * values, some with nothing but a company. */
static Kart__Card *gen_card(struct arena *a, uint64_t id)
{
	static const char *firsts[] = { "Иван", "Ольга", "Пётр", "Anna" }, *lasts[] = { "Иванов", "Ёлкина", "Smith" },
			  *cities[] = { "Самара", "Казань", "" }, *tags[] = { "VIP", "опт", "розница", "new" };
	Kart__Card *c = arena_alloc(a, sizeof(*c));
	assert_non_null(c);
	kart__card__init(c);
	c->id = id;
	if (id % 7 == 0) {
		c->company = arena_printf(a, "ООО Ромашка %llu", (unsigned long long)(id % 3));
		return c;
	}
	c->first_name = (char *)firsts[id % 4];
	c->last_name = (char *)lasts[id % 3];
	c->city = (char *)cities[id % 3];
	c->owner = id % 2 ? "admin" : "olga";
	c->sector = (int)(id % 3);
	c->birthday = arena_printf(a, "19%02llu-%02llu-%02llu", (unsigned long long)(id % 90 + 10),
				   (unsigned long long)(id % 12 + 1), (unsigned long long)(id % 28 + 1));
	c->n_phones = c->n_phones_e164 = 1 + id % 2;
	c->phones = arena_alloc(a, 2 * sizeof(char *));
	c->phones_e164 = c->phones;
	c->phones[0] = arena_printf(a, "+7927%07llu", (unsigned long long)(id % 50)); /* shared by many */
	c->phones[1] = arena_printf(a, "+7846%07llu", (unsigned long long)id);
	c->n_emails = 1;
	c->emails = arena_alloc(a, sizeof(char *));
	c->emails[0] = arena_printf(a, "u%llu@Example.ru", (unsigned long long)(id % 40));
	c->n_tags = id % 3;
	c->tags = arena_alloc(a, 2 * sizeof(char *));
	c->tags[0] = (char *)tags[id % 4];
	c->tags[1] = (char *)tags[(id + 1) % 4];
	c->n_custom = 2;
	c->custom = arena_alloc(a, 2 * sizeof(*c->custom));
	for (size_t i = 0; i < 2; i++) {
		c->custom[i] = arena_alloc(a, sizeof(**c->custom));
		kart__custom_value__init(c->custom[i]);
	}
	c->custom[0]->field = "size";
	c->custom[0]->value = arena_printf(a, "%llu", (unsigned long long)(id % 9));
	c->custom[1]->field = "tier";
	c->custom[1]->value = id % 2 ? "Gold" : "gold";
	return c;
}

/* Cards put in batches through index_entries and index_put_sorted leave the
 * indexes exactly as index_update card by card does: into an empty store,
 * then a batch whose keys fall before, among and after the ones there, with
 * a card of an old id (one restored from the trash) indexed in between and
 * a batch whose ids are not past the ones there. */
static void test_put_sorted_as_one_by_one(void **state)
{
	(void)state;
	char dir1[] = "/tmp/kart-test-index-XXXXXX", dir2[] = "/tmp/kart-test-index-XXXXXX";
	assert_non_null(mkdtemp(dir1));
	assert_non_null(mkdtemp(dir2));
	struct store one, bulk;
	memset(&one, 0, sizeof(one));
	memset(&bulk, 0, sizeof(bulk));
	assert_int_equal(store_open(&one, dir1, 64u << 20, 8, true), 0);
	assert_int_equal(store_open(&bulk, dir2, 64u << 20, 8, true), 0);
	struct schema sc = make_schema();
	struct arena a;
	arena_init(&a, 0);
	/* ids 10..309, 3..5 (old ids: restored cards), 310..609, then 1000..1099
	 * and 2..2 again below them */
	struct { uint64_t lo, hi; } batches[] = { { 10, 309 }, { 3, 5 }, { 310, 609 }, { 1000, 1099 }, { 1, 2 } };
	MDB_txn *t1, *t2;
	assert_int_equal(mdb_txn_begin(one.env, NULL, 0, &t1), 0);
	assert_int_equal(mdb_txn_begin(bulk.env, NULL, 0, &t2), 0);
	for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		size_t n = (size_t)(batches[b].hi - batches[b].lo + 1);
		Kart__Card **cards = arena_alloc(&a, n * sizeof(*cards));
		assert_non_null(cards);
		for (size_t i = 0; i < n; i++) {
			cards[i] = gen_card(&a, batches[b].lo + i);
			assert_int_equal(index_update(t1, &one, &sc, &a, NULL, cards[i]), 0);
		}
		struct ix_entry *e;
		size_t ne;
		assert_int_equal(index_entries(&a, &bulk, &sc, cards, n, &e, &ne), 0);
		for (size_t i = 1; i < ne; i++) /* grouped by index, sorted, no twice the same */
			assert_true(cmp_sorted(&e[i - 1], &e[i]) < 0);
		assert_int_equal(index_put_sorted(t2, e, ne), 0);
		/* putting the same again changes nothing */
		if (b == 1)
			assert_int_equal(index_put_sorted(t2, e, ne), 0);
	}
	size_t n1, n2;
	char *d1 = dump_indexes(t1, &one, &n1), *d2 = dump_indexes(t2, &bulk, &n2);
	assert_true(n1 > 5000);
	assert_int_equal(n1, n2);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	mdb_txn_abort(t1);
	mdb_txn_abort(t2);
	arena_free(&a);
	store_close(&one);
	store_close(&bulk);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir1, dir2);
	assert_int_equal(system(cmd), 0);
}

/* A word too long to follow its owner whole in ix_name_owner is cut there
 * (any query word is still its prefix); one too long for ix_name is in
 * neither. */
static void test_long_word_under_owner(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	struct store st = fake_store();
	char word[482];
	memset(word, 'a', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	Kart__Card c = KART__CARD__INIT;
	c.id = 9;
	c.owner = "mgr01";
	c.company = word + 1; /* 480 letters: ix_name's longest key */
	struct ix_key *k;
	size_t n;
	assert_int_equal(index_keys(&a, &st, NULL, &c, &k, &n), 0);
	assert_true(has_key(k, n, st.ix_name, word + 1, 480));
	char key[480] = "mgr01";
	memcpy(key + 6, word, sizeof(key) - 6);
	assert_true(has_key(k, n, st.ix_name_owner, key, sizeof(key)));
	c.company = word; /* 481: too long for either */
	assert_int_equal(index_keys(&a, &st, NULL, &c, &k, &n), 0);
	assert_int_equal(n, 1); /* the owner alone */
	arena_free(&a);
}

/* The migration's build of ix_name_owner (index_name_owner_entries, chunk
 * by chunk in id order, through index_put_sorted) leaves it as index_update
 * card by card does. */
static void test_name_owner_build(void **state)
{
	(void)state;
	char dir1[] = "/tmp/kart-test-index-XXXXXX", dir2[] = "/tmp/kart-test-index-XXXXXX";
	assert_non_null(mkdtemp(dir1));
	assert_non_null(mkdtemp(dir2));
	struct store one, built;
	memset(&one, 0, sizeof(one));
	memset(&built, 0, sizeof(built));
	assert_int_equal(store_open(&one, dir1, 64u << 20, 8, true), 0);
	assert_int_equal(store_open(&built, dir2, 64u << 20, 8, true), 0);
	struct schema sc = make_schema();
	struct arena a;
	arena_init(&a, 0);
	MDB_txn *t1, *t2;
	assert_int_equal(mdb_txn_begin(one.env, NULL, 0, &t1), 0);
	assert_int_equal(mdb_txn_begin(built.env, NULL, 0, &t2), 0);
	for (uint64_t lo = 1; lo <= 700; lo += 100) {
		Kart__Card *cards[100];
		for (size_t i = 0; i < 100; i++) {
			cards[i] = gen_card(&a, lo + i);
			if (i % 5 == 1)
				cards[i]->middle_name = cards[i]->first_name; /* a word twice: one entry */
			assert_int_equal(index_update(t1, &one, &sc, &a, NULL, cards[i]), 0);
		}
		struct ix_entry *e;
		size_t ne;
		if (lo == 1) { /* the cards must come in id order */
			Kart__Card *two[2] = { cards[1], cards[0] };
			assert_int_equal(index_name_owner_entries(&a, &built, two, 2, &e, &ne), EINVAL);
		}
		assert_int_equal(index_name_owner_entries(&a, &built, cards, 100, &e, &ne), 0);
		for (size_t i = 0; i < ne; i++)
			assert_int_equal(e[i].k.dbi, built.ix_name_owner);
		assert_int_equal(index_put_sorted(t2, e, ne), 0);
	}
	/* every index is as one by one would leave it, once the others are too */
	MDB_stat ms;
	assert_int_equal(mdb_stat(t2, built.ix_name, &ms), 0);
	assert_int_equal(ms.ms_entries, 0);
	assert_int_equal(mdb_stat(t2, built.ix_name_owner, &ms), 0);
	assert_true(ms.ms_entries > 1000);
	MDB_dbi ix[] = { one.ix_phone, one.ix_email, one.ix_name, one.ix_tag, one.ix_city,
			 one.ix_owner, one.ix_sector, one.ix_birthday, one.ix_custom, one.ix_phone_fwd };
	for (size_t i = 0; i < sizeof(ix) / sizeof(ix[0]); i++)
		assert_int_equal(mdb_drop(t1, ix[i], 0), 0);
	size_t n1, n2;
	char *d1 = dump_indexes(t1, &one, &n1), *d2 = dump_indexes(t2, &built, &n2);
	assert_int_equal(n1, ms.ms_entries);
	assert_int_equal(n1, n2);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	mdb_txn_abort(t1);
	mdb_txn_abort(t2);
	arena_free(&a);
	store_close(&one);
	store_close(&built);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir1, dir2);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_key),
		cmocka_unit_test(test_number_bytes),
		cmocka_unit_test(test_keys_of_a_card),
		cmocka_unit_test(test_diff_of_an_update),
		cmocka_unit_test(test_update_in_store),
		cmocka_unit_test(test_put_sorted_as_one_by_one),
		cmocka_unit_test(test_long_word_under_owner),
		cmocka_unit_test(test_name_owner_build),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
