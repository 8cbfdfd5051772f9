/* Unit tests for daemon/dupscore.[ch]: match keys of names, Jaro-Winkler,
 * the score of a pair. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "dupscore.h"
#include "text.h"

/* The match key of text as a person typed it. */
static const char *key(const char *typed)
{
	static char out[256];
	struct arena a;
	arena_init(&a, 0);
	char *f = text_fold(&a, typed);
	assert_non_null(f);
	dup_latin(f, out, sizeof(out));
	arena_free(&a);
	return out;
}

static void near(double got, double want)
{
	if (fabs(got - want) > 0.0005)
		fail_msg("%.4f, expected %.4f", got, want);
}

static void test_jaro_winkler(void **state)
{
	(void)state;
	/* the textbook values (Winkler 1990) */
	near(dup_jaro_winkler("martha", "marhta"), 0.9611);
	near(dup_jaro_winkler("dwayne", "duane"), 0.84);
	near(dup_jaro_winkler("dixon", "dicksonx"), 0.8133);
	near(dup_jaro_winkler("abc", "abc"), 1.0);
	near(dup_jaro_winkler("abc", "xyz"), 0.0);
	near(dup_jaro_winkler("", ""), 1.0);
	near(dup_jaro_winkler("a", ""), 0.0);
	/* symmetric */
	near(dup_jaro_winkler("ivanov", "ivanova"), dup_jaro_winkler("ivanova", "ivanov"));
}

static void test_latin(void **state)
{
	(void)state;
	/* ё = е, case aside */
	assert_string_equal(key("Пётр Алёшин"), key("ПЕТР АЛЕШИН"));
	assert_string_equal(key("Фёдоров"), "fedorov");
	/* Иванов = Ivanov = Ivanoff */
	assert_string_equal(key("Иванов"), "ivanov");
	assert_string_equal(key("Ivanov"), "ivanov");
	assert_string_equal(key("IVANOFF"), "ivanov");
	/* people's spellings of one sound */
	assert_string_equal(key("Мария"), key("Maria"));
	assert_string_equal(key("Мария"), key("Mariya"));
	assert_string_equal(key("Юрий"), key("Yuri"));
	assert_string_equal(key("Юрий"), key("Yury"));
	assert_string_equal(key("Дмитрий"), key("Dmitry"));
	assert_string_equal(key("Михаил"), key("Mikhail"));
	assert_string_equal(key("Михаил"), key("Mihail"));
	assert_string_equal(key("Ксения"), key("Xenia"));
	assert_string_equal(key("Елена"), key("Yelena"));
	assert_string_equal(key("Наталья"), key("Natalya"));
	assert_string_equal(key("Щукин"), "shchukin");
	assert_string_equal(key("Жанна"), "zhana");
	/* accents go, punctuation breaks words, digits stay */
	assert_string_equal(key("José  O'Neil-Smith"), "iose o neil smith");
	assert_string_equal(key("«Ромашка» 2000"), "romashka 2000");
	assert_string_equal(key(""), "");
}

static void test_company(void **state)
{
	(void)state;
	char a[256], b[256];
	snprintf(a, sizeof(a), "%s", key("ООО «Ромашка»"));
	snprintf(b, sizeof(b), "%s", key("Romashka LLC"));
	dup_company_strip(a);
	dup_company_strip(b);
	assert_string_equal(a, "romashka");
	assert_string_equal(b, "romashka");
	snprintf(a, sizeof(a), "%s", key("ООО"));
	assert_int_equal(dup_company_strip(a), 0);
}

static double name_sim(const char *last1, const char *first1, const char *last2, const char *first2)
{
	char l1[256], f1[256], l2[256], f2[256], k1[256], k2[256];
	snprintf(l1, sizeof(l1), "%s", key(last1));
	snprintf(f1, sizeof(f1), "%s", key(first1));
	snprintf(l2, sizeof(l2), "%s", key(last2));
	snprintf(f2, sizeof(f2), "%s", key(first2));
	dup_name_key(l1, f1, k1, sizeof(k1));
	dup_name_key(l2, f2, k2, sizeof(k2));
	return dup_jaro_winkler(k1, k2);
}

static void test_names(void **state)
{
	(void)state;
	/* Иванова Мария and Ivanova Maria are one name */
	near(name_sim("Иванова", "Мария", "Ivanova", "Maria"), 1.0);
	/* either order */
	near(name_sim("Иванов", "Иван", "", "Ivan Ivanov"), 1.0);
	/* a typo is still similar, another person is not */
	assert_true(name_sim("Иванов", "Иван", "Иваонв", "Иван") >= DUP_NAME_MIN);
	assert_true(name_sim("Иванов", "Иван", "Петрова", "Ольга") < DUP_NAME_DIFFERS);
	/* Ivanov vs Ivanova: close, not the same */
	double s = name_sim("Иванов", "Иван", "Иванова", "Иванна");
	assert_true(s < 1.0 && s > 0.85);
}

static void test_score(void **state)
{
	(void)state;
	unsigned why;
	struct dup_evidence e = { .phone = true, .names_both = true, .name = 1.0 };
	assert_int_equal(dup_score(&e, &why), 90);
	assert_int_equal(why, DUP_WHY_PHONE | DUP_WHY_NAME);
	e.email = true;
	assert_int_equal(dup_score(&e, &why), 100);
	/* a shared phone, different names: below the default */
	struct dup_evidence spouse = { .phone = true, .names_both = true, .name = 0.5 };
	assert_int_equal(dup_score(&spouse, &why), 25);
	assert_int_equal(why, DUP_WHY_PHONE | DUP_WHY_NAME_DIFFERS);
	/* namesakes at one company: below the default */
	struct dup_evidence namesakes = { .names_both = true, .name = 1.0, .companies_both = true, .company = 1.0 };
	assert_int_equal(dup_score(&namesakes, &why), 50);
	assert_true(dup_score(&namesakes, NULL) < DUP_SCORE_DEFAULT);
	/* two company cards with one phone */
	struct dup_evidence firms = { .phone = true, .companies_both = true, .company = 1.0 };
	assert_int_equal(dup_score(&firms, &why), 90);
	assert_int_equal(why, DUP_WHY_PHONE | DUP_WHY_COMPANY);
	/* the most without a shared contact, whatever the names and companies */
	for (int nb = 0; nb < 2; nb++)
		for (int cb = 0; cb < 2; cb++)
			for (double x = 0; x <= 1.0; x += 0.05) {
				struct dup_evidence e2 = { .names_both = nb, .companies_both = cb, .name = x, .company = 1.0 - x };
				assert_true(dup_score(&e2, NULL) <= DUP_SCORE_NO_CONTACT_MAX);
				e2.company = 1.0;
				e2.name = x;
				assert_true(dup_score(&e2, NULL) <= DUP_SCORE_NO_CONTACT_MAX);
			}
	struct dup_evidence none = { 0 };
	assert_int_equal(dup_score(&none, &why), 0);
	assert_int_equal(why, 0);
}

static void test_hash(void **state)
{
	(void)state;
	uint64_t a = dup_key_hash(DUP_KEY_PHONE, "+79171234567", 12);
	uint64_t b = dup_key_hash(DUP_KEY_EMAIL, "+79171234567", 12);
	assert_int_equal(a & 3, DUP_KEY_PHONE);
	assert_int_equal(b & 3, DUP_KEY_EMAIL);
	assert_true(a != b);
	assert_true(a == dup_key_hash(DUP_KEY_PHONE, "+79171234567", 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jaro_winkler), cmocka_unit_test(test_latin), cmocka_unit_test(test_company),
		cmocka_unit_test(test_names),        cmocka_unit_test(test_score), cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests_name("dupscore", tests, NULL, NULL);
}
