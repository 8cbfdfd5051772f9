/* Unit tests for daemon/query.[ch], the language as a whole: precedence and
 * structure, empty filters, error messages and their columns, limits,
 * conjuncts and canonical rendering, against the fake schema and record of
 * query_fixture.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"
#include "query_fixture.h"
#include "text.h"

/* ---- structure -------------------------------------------------------------------------------- */

static void test_precedence(void **state)
{
	(void)state;
	/* IVANOVA: gender f, vip, city Самара, sector warm */
	/* or binds loosest: true or (false and false) */
	MATCH("gender = f or gender = m and city = Тула", &IVANOVA);
	/* (false or true) and false would be false; and first gives true */
	MATCH("gender = m and city = Тула or vip = true", &IVANOVA);
	NO_MATCH("(gender = f or gender = m) and city = Тула", &IVANOVA);
	MATCH("gender = f or (gender = m and city = Тула)", &IVANOVA);
	/* not binds tightest: (not false) and true */
	MATCH("not gender = m and vip = true", &IVANOVA);
	NO_MATCH("not (gender = f and vip = true)", &IVANOVA);
	/* not (true) or true: true; not (true or true): false */
	MATCH("not gender = f or vip = true", &IVANOVA);
	NO_MATCH("not (gender = f or vip = true)", &IVANOVA);
	MATCH("not not gender = f", &IVANOVA);
	NO_MATCH("not not not gender = f", &IVANOVA);
	MATCH("((((gender = f))))", &IVANOVA);
	MATCH("(gender = m or (city = самара and (sector = warm or sector = hot))) and vip = true", &IVANOVA);
	/* keywords are case-insensitive */
	MATCH("gender = F AND NOT city = тула Or vip = False", &IVANOVA);
	MATCH("tags NOT IN (gold) and name CONTAINS анна and email EXISTS and birthday WITHIN 7D", &IVANOVA);
	/* the tree: and under or */
	struct qnode *q = parse_ok("gender = f or vip = true and city = x");
	assert_int_equal(q->kind, QN_OR);
	assert_int_equal(q->a->kind, QN_PRED);
	assert_int_equal(q->b->kind, QN_AND);
	q = parse_ok("not gender = f and vip = true");
	assert_int_equal(q->kind, QN_AND);
	assert_int_equal(q->a->kind, QN_NOT);
	assert_int_equal(q->a->a->kind, QN_PRED);
	q = parse_ok("  city   =   x  ");
	assert_int_equal(q->kind, QN_PRED);
	assert_int_equal(q->op, QOP_EQ);
	assert_ptr_equal(q->field, &FIELDS[F_CITY]);
	assert_int_equal(q->col, 3);
	assert_int_equal(q->nlits, 1);
}

static void test_structure(void **state)
{
	(void)state;
	struct qnode *q = parse_ok("city = x and  tags in (a, b, c, d, e, f, g, h, i) or email exists");
	assert_int_equal(q->kind, QN_OR);
	assert_int_equal(q->a->kind, QN_AND);
	const struct qnode *in = q->a->b;
	assert_int_equal(in->kind, QN_PRED);
	assert_int_equal(in->op, QOP_IN);
	assert_int_equal(in->nlits, 9);
	assert_string_equal(in->lits[8].text, "i");
	assert_int_equal(in->col, 15);
	assert_int_equal(q->b->op, QOP_EXISTS);
	assert_int_equal(q->b->nlits, 0);
	/* columns of predicates count code points */
	q = parse_ok("name = \"Ёжик\" and city = Тула");
	assert_int_equal(q->b->col, 19);
}

static void test_empty(void **state)
{
	(void)state;
	const char *empties[] = {"", " ", "  \xc2\xa0 "};
	for (size_t i = 0; i < 3; i++) {
		struct qerror err = {.col = 5, .message = "stale"};
		assert_null(query_parse(&A, empties[i], lookup, NULL, TODAY, NULL, &err));
		assert_string_equal(err.message, "");
		assert_int_equal(err.col, 0);
	}
	assert_true(query_eval(NULL, get, (void *)&BARE, TODAY)); /* every record */
	assert_int_equal(query_conjuncts(NULL, NULL, 0), 0);
	assert_string_equal(query_describe(&A, NULL), "");
}

/* ---- errors and their columns ------------------------------------------------------------------- */

static void test_errors(void **state)
{
	(void)state;
	parse_err_exact("city = \"Самара\" and computers >", 32, "expected a value after '>'");
	parse_err_exact("city = \"Самара\" and compters > 50", 21, "unknown field 'compters'");
	parse_err_exact("city = \"Самара\" and computers > abc", 33, "computers is a number; 'abc' is not");
	parse_err_exact("(city = x))", 11, "unexpected ')'");
	parse_err_exact(")", 1, "unexpected ')'");
	parse_err_exact("city = \"Самара", 8, "unterminated string");
	parse_err_exact("city = 'Самара\" and x", 8, "unterminated string");
	parse_err("city =", 7, "expected a value after '='");
	parse_err("city = ", 8, "expected a value after '='");
	parse_err_exact("city = and vip = true", 8, "expected a value after '=', found 'and'");
	parse_err("city = )", 8, "expected a value after '=', found ')'");
	parse_err_exact("city", 5, "expected an operator after 'city' (= != < <= > >= in, contains, exists, within)");
	parse_err("city Самара", 6, "expected an operator after 'city'");
	parse_err("city (", 6, "found '('");
	parse_err("city == x", 7, "expected a value after '=', found '='");
	parse_err_exact("= 5", 1, "expected a field name, found '='");
	parse_err_exact("Москва = x", 1, "expected a field name, found 'Москва'");
	parse_err("\"city\" = x", 1, "expected a field name, found \"city\"");
	parse_err("5 < computers", 1, "expected a field name, found '5'");
	parse_err_exact("city = x and", 13, "expected a condition after 'and'");
	parse_err_exact("city = x or or vip = true", 13, "expected a condition after 'or', found 'or'");
	parse_err_exact("not", 4, "expected a condition after 'not'");
	parse_err_exact("()", 2, "unexpected ')'");
	parse_err("(", 2, "expected a condition after '('");
	parse_err("and city = x", 1, "expected a field name, found 'and'");
	parse_err_exact("(city = x", 10, "missing ')' for the '(' at column 1");
	parse_err_exact("(city = x vip = true)", 11, "expected ')' for the '(' at column 1, found 'vip'");
	parse_err_exact("city = x vip = true", 10, "unexpected 'vip' after a value (quote a value that has spaces)");
	parse_err("city = Нижний Новгород", 15, "unexpected 'Новгород' after a value");
	parse_err_exact("city exists vip = true", 13, "expected 'and' or 'or', found 'vip'");
	parse_err("city exists (", 13, "expected 'and' or 'or', found '('");
	parse_err_exact("city not x", 10, "expected 'in' after 'not', found 'x'");
	parse_err_exact("tags in vip", 9, "expected '(' after 'in', found 'vip'");
	parse_err_exact("tags in (a b)", 12, "expected ',' or ')' in the list, found 'b'");
	parse_err_exact("tags in (a,", 12, "expected a value after ','");
	parse_err_exact("tags in ()", 10, "expected a value after '(', found ')'");
	parse_err_exact("tags in (a", 11, "missing ')' for the list opened at column 9");
	parse_err("city ! x", 6, "unexpected '!'");
	parse_err_exact("city = x # y", 10, "unexpected character '#'");
	parse_err("city = x; drop", 9, "unexpected character ';'");
	parse_err_exact("computers > 5 ,", 15, "unexpected ',' (use '.' for decimals; lists go in parentheses after 'in')");
	/* columns after Cyrillic count characters, not bytes */
	parse_err_exact("name = Иван and возраст > 5", 17, "expected a condition after 'and', found 'возраст'");
	parse_err("city = \"Москва\" or city = Самара x", 34, "unexpected 'x'");
	parse_err("name = 'Ёлкина' and sector = тёплый", 30, "unknown value 'тёплый' for sector");
	parse_err("name = '日本語' and touches > 1.5", 28, "touches takes whole numbers");
	parse_err("name = '😀' and last_touch < 2025-02-29", 29, "2025-02-29 is not a date");
	parse_err("city = \"Самара\" and computers >>", 32, "expected a value after '>', found '>'");
	/* long offending text is cut on a character boundary */
	struct qerror err;
	char longname[200];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(query_parse(&A, longname, lookup, NULL, TODAY, NULL, &err));
	assert_int_equal(err.col, 1);
	assert_true(strlen(err.message) < 100);
	assert_non_null(strstr(err.message, "…"));
	char cyr[300] = "city = ";
	for (int i = 0; i < 60; i++)
		strcat(cyr, "ж");
	strcat(cyr, " x");
	assert_null(query_parse(&A, cyr, lookup, NULL, TODAY, NULL, &err));
	assert_int_equal(err.col, 69);
	assert_non_null(strstr(err.message, "unexpected 'x'"));
	assert_null(query_parse(&A, "city = x and жжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжжж = 1", lookup, NULL, TODAY, NULL,
				&err));
	assert_int_equal(err.col, 14);
	assert_true(text_utf8_valid(err.message, strlen(err.message)));
	assert_non_null(strstr(err.message, "…"));
	/* not UTF-8, or control characters */
	parse_err("city = \xff", 8, "invalid character");
	parse_err("city = 'Сам\xd0'", 12, "invalid character");
	/* control characters are named, with their column: a filter is one line,
	 * and a carriage return must not make a stored filter print as another */
	parse_err_exact("city = a\x01", 9, "control character U+0001 (control character) is not allowed in a filter");
	parse_err_exact("city = Самара\rvip = true", 14,
			"control character U+000D (carriage return) is not allowed in a filter");
	parse_err_exact("city = 'Сам\rара'", 12, "control character U+000D (carriage return) is not allowed in a filter");
	parse_err_exact("city = x and\n\ttags exists", 13, "control character U+000A (line break) is not allowed in a filter");
	parse_err_exact("city =\tx", 7, "control character U+0009 (tab) is not allowed in a filter");
	parse_err_exact("city = x\x1b[2J", 9, "control character U+001B (escape) is not allowed in a filter");
	parse_err_exact("city = x\x7f", 9, "control character U+007F (delete) is not allowed in a filter");
	parse_err_exact("city = 'ж\xc2\x85'", 10, "control character U+0085 (next line) is not allowed in a filter");
	parse_err_exact("city = \xc2\x9b" "31m", 8,
			"control character U+009B (C1 control CSI) is not allowed in a filter");
	parse_err_exact("city = \xc2\x90", 8, "control character U+0090 (C1 control) is not allowed in a filter");
	parse_err_exact("\r\n", 1, "control character U+000D (carriage return) is not allowed in a filter");
	/* no-break spaces separate like spaces */
	MATCH("city\xc2\xa0=\xc2\xa0Самара\xe2\x80\xaf" "and vip = true", &IVANOVA);
	parse_err("city\xc2\xa0=\xc2\xa0Самара\xc2\xa0x", 15, "unexpected 'x'");
	/* a message cut at 256 bytes stays valid UTF-8 */
	static const char *const LONG_VALUES[] = {
		"ооооооооооооооооооооооооооооооооооооооо", "ппппппппппппппппппппппппппппппппппппппп",
		"ррррррррррррррррррррррррррррррррррррррр", "ссссссссссссссссссссссссссссссссссссссс",
	};
	static const struct qfield LONG_ENUM = {
		.name = "поле_с_очень_длинным_именем_которое_придумал_администратор_поле_с_очень_длинным_именем",
		.type = Q_ENUM, .values = LONG_VALUES, .nvalues = 4,
	};
	for (int shift = 0; shift < 4; shift++) {
		char lit[200] = "x = ";
		for (int i = 0; i < shift; i++)
			strcat(lit, "a");
		for (int i = 0; i < 23; i++)
			strcat(lit, "ж");
		assert_null(query_parse(&A, lit, long_enum_lookup, (void *)&LONG_ENUM, TODAY, NULL, &err));
		assert_true(strlen(err.message) > 200);
		assert_true(text_utf8_valid(err.message, strlen(err.message)));
	}
	/* a NULL err is allowed */
	assert_null(query_parse(&A, "city =", lookup, NULL, TODAY, NULL, NULL));
	assert_non_null(query_parse(&A, "city = x", lookup, NULL, TODAY, NULL, NULL));
}

static void test_limits(void **state)
{
	(void)state;
	/* 64 levels of parentheses or not are fine, 65 are not */
	char text[1024];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		text[n++] = '(';
	n += (size_t)sprintf(text + n, "vip = true");
	for (int i = 0; i < 64; i++)
		text[n++] = ')';
	text[n] = '\0';
	MATCH(text, &IVANOVA);
	n = 0;
	for (int i = 0; i < 65; i++)
		text[n++] = '(';
	n += (size_t)sprintf(text + n, "vip = true");
	for (int i = 0; i < 65; i++)
		text[n++] = ')';
	text[n] = '\0';
	parse_err(text, 65, "too deeply nested");
	n = 0;
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(text + n, "not ");
	sprintf(text + n, "vip = true");
	MATCH(text, &IVANOVA); /* an even number of nots */
	n = 0;
	for (int i = 0; i < 65; i++)
		n += (size_t)sprintf(text + n, "NOT ");
	sprintf(text + n, "vip = true");
	parse_err(text, 257, "too deeply nested");
	/* mixed: 32 "not (" pairs is 64 levels */
	n = 0;
	for (int i = 0; i < 32; i++)
		n += (size_t)sprintf(text + n, "not (");
	n += (size_t)sprintf(text + n, "vip = true");
	for (int i = 0; i < 32; i++)
		text[n++] = ')';
	text[n] = '\0';
	MATCH(text, &IVANOVA);

	/* 64 KiB of text is fine, one byte more is not */
	enum { MAX = 64 * 1024 };
	char *big = arena_alloc(&A, MAX + 2);
	memset(big, ' ', MAX + 1);
	memcpy(big, "vip = true", 10);
	big[MAX] = '\0';
	MATCH(big, &IVANOVA);
	big[MAX] = ' ';
	big[MAX + 1] = '\0';
	parse_err(big, MAX + 1, "too long");

	/* a long chain evaluates, renders and splits without deep recursion */
	char *chain = arena_alloc(&A, MAX + 1);
	n = 0;
	size_t preds = 0;
	while (n + 40 < MAX) {
		n += (size_t)sprintf(chain + n, "%scomputers != %zu", preds ? " and " : "", preds + 100);
		preds++;
	}
	struct qnode *q = parse_ok(chain);
	assert_true(query_eval(q, get, (void *)&IVANOVA, TODAY));
	const struct qnode **conj = arena_alloc(&A, preds * sizeof(*conj));
	assert_int_equal(query_conjuncts(q, conj, preds), preds);
	assert_int_equal(conj[preds - 1]->lits[0].num, (int64_t)(preds + 99));
	assert_string_equal(query_describe(&A, q), chain);
	n = 0;
	for (size_t i = 0; n + 40 < MAX; i++)
		n += (size_t)sprintf(chain + n, "%scomputers = %zu", i ? " or " : "", i + 100);
	q = parse_ok(chain);
	assert_false(query_eval(q, get, (void *)&IVANOVA, TODAY));
	assert_string_equal(query_describe(&A, q), chain);
}

/* ---- conjuncts and describe ---------------------------------------------------------------------- */

static void test_conjuncts(void **state)
{
	(void)state;
	const struct qnode *out[8];
	struct qnode *q = parse_ok("city = x");
	assert_int_equal(query_conjuncts(q, out, 8), 1);
	assert_ptr_equal(out[0], q);
	q = parse_ok("city = x and (vip = true and (tags = a and gender = f)) and (sector = hot or sector = warm) and "
		     "not computers > 5 and email exists");
	assert_int_equal(query_conjuncts(q, out, 8), 5);
	assert_int_equal(out[0]->field->id, F_CITY);
	assert_int_equal(out[1]->field->id, F_VIP);
	assert_int_equal(out[2]->field->id, F_TAGS);
	assert_int_equal(out[3]->field->id, F_GENDER);
	assert_int_equal(out[4]->field->id, F_EMAIL);
	assert_int_equal(query_conjuncts(q, out, 2), 2);
	assert_int_equal(out[1]->field->id, F_VIP);
	assert_int_equal(query_conjuncts(q, out, 0), 0);
	/* an or at the top: nothing every match must satisfy */
	assert_int_equal(query_conjuncts(parse_ok("city = x or vip = true"), out, 8), 0);
	assert_int_equal(query_conjuncts(parse_ok("not city = x"), out, 8), 0);
	assert_int_equal(query_conjuncts(parse_ok("(city = x)"), out, 8), 1);
}

static void test_describe(void **state)
{
	(void)state;
	DESCRIBES("city = \"Самара\" and computers > 50", "city = \"самара\" and computers > 50");
	DESCRIBES("gender=F", "gender = f");
	DESCRIBES("tag in (VIP, partner) and sector != COLD", "tags in (\"vip\", \"partner\") and sector != cold");
	DESCRIBES("birthday within 7D", "birthday within 7d");
	DESCRIBES("last_touch < -180d", "last_touch < -180d");
	DESCRIBES("last_touch >= TODAY", "last_touch >= today");
	DESCRIBES("created_at = 2024-02-29", "created_at = 2024-02-29");
	DESCRIBES("lifecycle = dead and total_purchases > 100000", "lifecycle = dead and total_purchases > 100000");
	DESCRIBES("not (city = Москва or city = \"Санкт-Петербург\") and email exists",
		  "not (city = \"москва\" or city = \"санкт-петербург\") and email exists");
	DESCRIBES("name contains 'ива'", "name contains \"ива\"");
	DESCRIBES("total_purchases > 1234.50", "total_purchases > 1234.5");
	DESCRIBES("total_purchases > 1234.05", "total_purchases > 1234.05");
	DESCRIBES("total_purchases > -0.05", "total_purchases > -0.05");
	DESCRIBES("total_purchases > -92233720368547758.08", "total_purchases > -92233720368547758.08");
	DESCRIBES("computers >= +007", "computers >= 7");
	DESCRIBES("computers <= -9223372036854775808", "computers <= -9223372036854775808");
	DESCRIBES("vip = YES", "vip = true");
	DESCRIBES("vip != no", "vip != false");
	DESCRIBES("status = 'в работе'", "status = \"в работе\"");
	DESCRIBES("interests not in (SPORT, кино)", "interests not in (sport, кино)");
	DESCRIBES("name = 'a\"b\\\\c'", "name = \"a\\\"b\\\\c\"");
	DESCRIBES("phones exists", "phones exists");
}

static void test_describe_structure(void **state)
{
	(void)state;
	DESCRIBES("gender = f or vip = true and city = x", "gender = f or vip = true and city = \"x\"");
	DESCRIBES("(gender = f or vip = true) and city = x", "(gender = f or vip = true) and city = \"x\"");
	DESCRIBES("((gender = f and vip = true)) or city = x", "gender = f and vip = true or city = \"x\"");
	DESCRIBES("(gender = f and vip = true) and city = x", "gender = f and vip = true and city = \"x\"");
	DESCRIBES("gender = f or (vip = true or city = x)", "gender = f or vip = true or city = \"x\"");
	DESCRIBES("not not (gender = f)", "not not gender = f");
	DESCRIBES("not (not gender = f and vip = true)", "not (not gender = f and vip = true)");
	DESCRIBES("city = x and (vip = true or not (gender = m or tags exists))",
		  "city = \"x\" and (vip = true or not (gender = m or tags exists))");
	/* a single predicate renders alone */
	const struct qnode *out[4];
	struct qnode *q = parse_ok("city = x and tags in (a, 'b c') and not vip = true");
	assert_int_equal(query_conjuncts(q, out, 4), 2);
	assert_string_equal(query_describe(&A, out[1]), "tags in (\"a\", \"b c\")");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conjuncts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_structure, setup, teardown),
	};
	return cmocka_run_group_tests_name("query_syntax", tests, NULL, NULL);
}
