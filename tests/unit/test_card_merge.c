/* Unit tests for daemon/card_merge.c's fields: two cards made one (lists
 * united as the card compares their items, empty fields filled, conflicts
 * listed and decided) and taken apart again (a field edited since stays). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "card.h"
#include "card_merge.h"

static struct arena A;

static char **strs(size_t n, ...)
{
	char **v = arena_alloc(&A, (n + 1) * sizeof(*v));
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		v[i] = va_arg(ap, char *);
	va_end(ap);
	return v;
}

static Kart__CustomValue *custom(const char *field, const char *value)
{
	Kart__CustomValue *c = arena_alloc(&A, sizeof(*c));
	kart__custom_value__init(c);
	c->field = (char *)field;
	c->value = (char *)value;
	return c;
}

/* A: Иван Петров in Самара, one phone, one email, tag vip, inn 631234.
 * B: the same man typed otherwise, with a company, another city, a second
 * phone and email, two tags (one is A's in other case), another inn and a
 * field of its own. */
static void pair(Kart__Card *a, Kart__Card *b)
{
	kart__card__init(a);
	kart__card__init(b);
	a->id = 1;
	a->first_name = "Иван";
	a->last_name = "Петров";
	a->city = "Самара";
	a->phones = strs(1, "+7 846 123-45-67");
	a->n_phones = 1;
	a->emails = strs(1, "ivan@a.ru");
	a->n_emails = 1;
	a->tags = strs(1, "vip");
	a->n_tags = 1;
	Kart__CustomValue **ac = arena_alloc(&A, 2 * sizeof(*ac));
	ac[0] = custom("inn", "631234");
	a->custom = ac;
	a->n_custom = 1;
	a->sector = KART__SECTOR__SECTOR_HOT;

	b->id = 2;
	b->first_name = "иван";
	b->last_name = "ПЕТРОВ";
	b->company = "ООО Ромашка";
	b->city = "Тольятти";
	b->phones = strs(2, "8 (846) 1234567", "+7 927 000-00-01");
	b->n_phones = 2;
	b->emails = strs(2, "IVAN@a.ru", "petrov@b.ru");
	b->n_emails = 2;
	b->tags = strs(2, "VIP", "опт");
	b->n_tags = 2;
	Kart__CustomValue **bc = arena_alloc(&A, 3 * sizeof(*bc));
	bc[0] = custom("branch", "Север");
	bc[1] = custom("inn", "639999");
	b->custom = bc;
	b->n_custom = 2;
	b->vip = true;
}

static const Kart__MergeConflict *conflict(const struct merge_fields *mf, const char *field)
{
	for (size_t i = 0; i < mf->nconflicts; i++)
		if (strcmp(mf->conflicts[i]->field, field) == 0)
			return mf->conflicts[i];
	return NULL;
}

static void test_merge_keeps_into(void **state)
{
	(void)state;
	Kart__Card a, b;
	pair(&a, &b);
	struct merge_fields mf;
	assert_int_equal(card_merge_fields(&A, "RU", &a, &b, false, &mf), 0);
	assert_string_equal(a.first_name, "Иван");          /* the same folded: no conflict */
	assert_string_equal(a.company, "ООО Ромашка");      /* empty on A: filled */
	assert_string_equal(a.city, "Самара");
	assert_true(a.vip);
	assert_int_equal(a.sector, KART__SECTOR__SECTOR_HOT); /* B's unset: A's stays */
	assert_int_equal(a.n_phones, 2);                    /* one number written two ways */
	assert_string_equal(a.phones[1], "+7 927 000-00-01");
	assert_int_equal(a.n_emails, 2);
	assert_int_equal(a.n_tags, 2);
	assert_string_equal(a.tags[1], "опт");
	assert_int_equal(a.n_custom, 2);                    /* sorted by name */
	assert_string_equal(a.custom[0]->field, "branch");
	assert_string_equal(a.custom[1]->value, "631234");
	assert_int_equal(mf.nconflicts, 2);
	const Kart__MergeConflict *c = conflict(&mf, "city");
	assert_non_null(c);
	assert_string_equal(c->into_value, "Самара");
	assert_string_equal(c->from_value, "Тольятти");
	assert_false(c->took_from);
	assert_non_null(conflict(&mf, "inn"));
}

static void test_merge_prefer_from(void **state)
{
	(void)state;
	Kart__Card a, b;
	pair(&a, &b);
	struct merge_fields mf;
	assert_int_equal(card_merge_fields(&A, "RU", &a, &b, true, &mf), 0);
	assert_string_equal(a.city, "Тольятти");
	assert_string_equal(a.custom[1]->value, "639999");
	assert_string_equal(a.first_name, "Иван"); /* no conflict: nothing to prefer */
	assert_true(conflict(&mf, "city")->took_from);
}

static void test_merge_list_limit(void **state)
{
	(void)state;
	Kart__Card a, b;
	pair(&a, &b);
	char **many = arena_alloc(&A, MERGE_LIST_MAX * sizeof(*many));
	for (int i = 0; i < MERGE_LIST_MAX; i++)
		many[i] = arena_printf(&A, "tag%d", i);
	b.tags = many;
	b.n_tags = MERGE_LIST_MAX;
	struct merge_fields mf;
	assert_int_equal(card_merge_fields(&A, "RU", &a, &b, false, &mf), E2BIG);
	assert_string_equal(mf.too_many, "tags");
	assert_int_equal(mf.count, MERGE_LIST_MAX + 1);
}

static void test_unmerge_keeps_edited(void **state)
{
	(void)state;
	Kart__Card a, b;
	pair(&a, &b);
	Kart__Card *before = card_copy(&A, &a);
	struct merge_fields mf;
	assert_int_equal(card_merge_fields(&A, "RU", &a, &b, true, &mf), 0);
	Kart__Card *after = card_copy(&A, &a);
	a.company = "ООО Лютик"; /* edited since the merge */
	char **kept;
	size_t nkept;
	assert_int_equal(card_unmerge_fields(&A, &a, before, after, &kept, &nkept), 0);
	assert_int_equal(nkept, 1);
	assert_string_equal(kept[0], "company");
	assert_string_equal(a.company, "ООО Лютик");
	assert_string_equal(a.city, "Самара");
	assert_false(a.vip);
	assert_int_equal(a.n_phones, 1);
	assert_int_equal(a.n_emails, 1);
	assert_int_equal(a.n_tags, 1);
	assert_int_equal(a.n_custom, 1); /* branch gone, inn back */
	assert_string_equal(a.custom[0]->field, "inn");
	assert_string_equal(a.custom[0]->value, "631234");
}

static int setup(void **state)
{
	(void)state;
	arena_init(&A, 1 << 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_keeps_into, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_prefer_from, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_list_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmerge_keeps_edited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
