/* Unit tests for daemon/funnel.[ch]: the funnel report's arithmetic with
 * visits at chosen times (the integration test can only make moves seconds
 * apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "funnel.h"
#include "kart.pb-c.h"

#define DAY 86400
#define T0 1800000000LL

static const char *const deflt[] = { "lead", "qualified", "proposal", "negotiation", "won", "lost" };
enum { LEAD, QUAL, PROP, NEGO, WON, LOST };

#define V(stage, days) { (stage), T0 + (int64_t)(days) * DAY }
#define DEAL(f, amount, created_days, visits, now_days)                                                      \
	funnel_add((f), &(struct funnel_deal){ (amount), T0 + (int64_t)(created_days) * DAY, (visits),              \
					       sizeof(visits) / sizeof((visits)[0]) },                                  \
		   T0 + (int64_t)(now_days) * DAY)

/* Four deals, now = day 30:
 *   A 1000.00, day 0: lead 0, qualified 2, proposal 5, won 6
 *       lead 2d, qualified 3d, proposal 1d; won after 6 days
 *   B 500.00, day 1: lead 1, negotiation 2 (skips two), qualified 4 (back), lost 10
 *       lead 1d, negotiation 2d, qualified 6d; furthest: negotiation
 *   C 200.00, day 20: lead 20, still there: lead 10d (to now)
 *   D 300.00, day 0: proposal 0, lead 1 (back), proposal 3 (again), won 12
 *       proposal 1d + 9d = 10d, lead 2d; won after 12 days
 * reached: lead 4 (all), qualified A B D 3, proposal A B D 3, negotiation
 *   A (won) B D (won) 3, won A D 2, lost B 1
 * amounts: lead 2000.00, qualified/proposal/negotiation 1800.00, won 1300.00, lost 500.00
 * time: lead (2+1+10+2)/4 = 3.75 -> 3.8; qualified (3+6)/2 = 4.5; proposal (1+10)/2 = 5.5;
 *   negotiation B's 2/1 = 2.0 (A and D passed it without being at it)
 * now: lead C, won A D, lost B; won 2 (1300.00), cycle (6+12)/2 = 9.0; lost 1 (500.00) */
static void test_worked(void **state)
{
	(void)state;
	struct funnel f;
	funnel_init(&f, deflt, 6);
	assert_int_equal(f.won, WON);
	assert_int_equal(f.lost, LOST);
	assert_int_equal(f.first, LEAD);
	assert_int_equal(f.last_open, NEGO);
	const struct funnel_visit a[] = { V(LEAD, 0), V(QUAL, 2), V(PROP, 5), V(WON, 6) };
	const struct funnel_visit b[] = { V(LEAD, 1), V(NEGO, 2), V(QUAL, 4), V(LOST, 10) };
	const struct funnel_visit c[] = { V(LEAD, 20) };
	const struct funnel_visit d[] = { V(PROP, 0), V(LEAD, 1), V(PROP, 3), V(WON, 12) };
	DEAL(&f, 100000, 0, a, 30);
	DEAL(&f, 50000, 1, b, 30);
	DEAL(&f, 20000, 20, c, 30);
	DEAL(&f, 30000, 0, d, 30);

	assert_int_equal(f.deals, 4);
	const uint64_t reached[] = { 4, 3, 3, 3, 2, 1 };
	const int64_t amount[] = { 200000, 180000, 180000, 180000, 130000, 50000 };
	const uint64_t now_in[] = { 1, 0, 0, 0, 2, 1 };
	const int64_t days[] = { 38, 45, 55, 20, -1, -1 };
	for (int i = 0; i < 6; i++) {
		assert_int_equal(f.s[i].reached, reached[i]);
		assert_int_equal(f.s[i].reached_amount, amount[i]);
		assert_int_equal(f.s[i].now_in, now_in[i]);
		if (i < WON)
			assert_int_equal(funnel_days_tenths(f.s[i].secs, f.s[i].timed), days[i]);
		else
			assert_int_equal(f.s[i].timed, 0);
	}
	assert_int_equal(f.won_n, 2);
	assert_int_equal(f.won_amount, 130000);
	assert_int_equal(f.lost_n, 1);
	assert_int_equal(f.lost_amount, 50000);
	assert_int_equal(funnel_days_tenths(f.won_cycle_secs, f.won_cycles), 90);
	assert_false(f.overflow);
	/* conversions: qualified 3/4 75.0; proposal from qualified 3/3 100.0;
	 * won from negotiation 2/3 66.7; lost from negotiation (won skipped) 1/3 33.3 */
	assert_int_equal(funnel_percent_tenths(f.s[QUAL].reached, f.s[f.first].reached), 750);
	assert_int_equal(funnel_previous(&f, PROP), QUAL);
	assert_int_equal(funnel_percent_tenths(f.s[PROP].reached, f.s[QUAL].reached), 1000);
	assert_int_equal(funnel_previous(&f, WON), NEGO);
	assert_int_equal(funnel_previous(&f, LOST), NEGO);
	assert_int_equal(funnel_previous(&f, LEAD), -1);
	assert_int_equal(funnel_percent_tenths(f.s[WON].reached, f.s[NEGO].reached), 667);
	assert_int_equal(funnel_percent_tenths(f.s[LOST].reached, f.s[NEGO].reached), 333);
}

/* A funnel without "won" and "lost" has no outcomes: every stage is timed,
 * and the furthest stage is simply the furthest. A lost deal reopened
 * still reached lost; a visit to a stage no longer in the funnel counts for
 * nothing but ends the stay before it. */
static void test_no_outcomes_and_gone_stages(void **state)
{
	(void)state;
	static const char *const abc[] = { "new", "talk", "done" };
	struct funnel f;
	funnel_init(&f, abc, 3);
	assert_int_equal(f.won, -1);
	assert_int_equal(f.lost, -1);
	assert_int_equal(f.last_open, 2);
	const struct funnel_visit x[] = { V(0, 0), V(-1, 1), V(2, 3) };
	DEAL(&f, 700, 0, x, 10);
	assert_int_equal(f.s[0].reached, 1);
	assert_int_equal(f.s[1].reached, 1); /* skipped, passed */
	assert_int_equal(f.s[2].reached, 1);
	assert_int_equal(f.s[1].timed, 0);
	assert_int_equal(funnel_days_tenths(f.s[0].secs, f.s[0].timed), 10);  /* to the gone stage's visit */
	assert_int_equal(funnel_days_tenths(f.s[2].secs, f.s[2].timed), 70);  /* open: to now */
	assert_int_equal(f.s[2].now_in, 1);
	assert_int_equal(f.won_n + f.lost_n, 0);

	funnel_init(&f, deflt, 6);
	const struct funnel_visit reopened[] = { V(LEAD, 0), V(LOST, 1), V(LEAD, 2) };
	DEAL(&f, 100, 0, reopened, 4);
	assert_int_equal(f.s[LOST].reached, 1);
	assert_int_equal(f.s[LOST].now_in, 0);
	assert_int_equal(f.lost_n, 0);         /* not lost now */
	assert_int_equal(f.s[QUAL].reached, 0);
	/* lead: 1 day, then 2 more to now */
	assert_int_equal(funnel_days_tenths(f.s[LEAD].secs, f.s[LEAD].timed), 30);
	/* a deal whose current stage left the funnel: counted, at no stage now */
	const struct funnel_visit gone[] = { V(LEAD, 0), V(-1, 1) };
	DEAL(&f, 100, 0, gone, 4);
	assert_int_equal(f.deals, 2);
	assert_int_equal(f.s[LEAD].reached, 2);
	assert_int_equal(f.s[LEAD].now_in, 1);
	/* a clock set back: no negative stay */
	funnel_init(&f, deflt, 6);
	const struct funnel_visit back[] = { V(LEAD, 5), V(QUAL, 4) };
	DEAL(&f, 0, 5, back, 6);
	assert_int_equal(f.s[LEAD].secs, 0);
}

static void test_rounding(void **state)
{
	(void)state;
	assert_int_equal(funnel_percent_tenths(1, 8), 125); /* 12.5 */
	assert_int_equal(funnel_percent_tenths(1, 16), 63); /* 6.25 -> 6.3 */
	assert_int_equal(funnel_percent_tenths(2, 3), 667);
	assert_int_equal(funnel_percent_tenths(1, 3), 333);
	assert_int_equal(funnel_percent_tenths(0, 5), 0);
	assert_int_equal(funnel_percent_tenths(0, 0), -1);
	/* sums of amounts far past what times 2000 fits in 64 bits */
	assert_int_equal(funnel_percent_tenths(4000000000000000000ULL, 8000000000000000000ULL), 500);
	assert_int_equal(funnel_days_tenths(4320, 1), 1);    /* 0.05 day -> 0.1 */
	assert_int_equal(funnel_days_tenths(4319, 1), 0);
	assert_int_equal(funnel_days_tenths(3 * DAY, 2), 15);
	assert_int_equal(funnel_days_tenths(0, 0), -1);
	/* 200,000 deals of ten years each: no overflow */
	assert_int_equal(funnel_days_tenths((int64_t)200000 * 3650 * DAY, 200000), 36500);
}

/* A stored Deal read from its wire form as protobuf-c wrote it: the fields the
 * report needs, each visit's stage as a funnel index (-1: gone), the rest skipped. */
static void test_scan(void **state)
{
	(void)state;
	struct funnel f;
	funnel_init(&f, deflt, 6);
	Kart__Deal d = KART__DEAL__INIT;
	Kart__StageVisit v1 = KART__STAGE_VISIT__INIT, v2 = KART__STAGE_VISIT__INIT, v3 = KART__STAGE_VISIT__INIT;
	Kart__StageVisit *h[] = { &v1, &v2, &v3 };
	v1.stage = "lead", v1.at = T0, v1.by = "man";
	v2.stage = "renamed", v2.at = T0 + DAY, v2.by = "man";
	v3.stage = "won", v3.at = T0 + 2 * DAY, v3.by = "sup";
	d.id = 77, d.card_id = 1234567890123ULL, d.title = "Поставка", d.amount = 9999999999LL, d.stage = "won";
	d.owner = "man", d.expected_close = "2030-01-01", d.created_at = T0, d.created_by = "man";
	d.updated_at = T0 + 2 * DAY, d.updated_by = "sup", d.history = h, d.n_history = 3;
	uint8_t buf[512];
	size_t n = kart__deal__pack(&d, buf);
	struct funnel_raw r;
	struct funnel_visit v[4];
	assert_int_equal(funnel_scan_deal(&f, buf, n, &r, v, 4), 0);
	assert_int_equal(r.card_id, 1234567890123ULL);
	assert_int_equal(r.amount, 9999999999LL);
	assert_int_equal(r.created_at, T0);
	assert_int_equal(r.stage_len, 3);
	assert_memory_equal(r.stage, "won", 3);
	assert_int_equal(r.owner_len, 3);
	assert_memory_equal(r.owner, "man", 3);
	assert_int_equal(r.nvisits, 3);
	assert_int_equal(v[0].stage, LEAD);
	assert_int_equal(v[0].at, T0);
	assert_int_equal(v[1].stage, -1);
	assert_int_equal(v[2].stage, WON);
	assert_int_equal(v[2].at, T0 + 2 * DAY);
	/* fewer places than visits: all counted, the first ones written */
	v[1].stage = 99;
	assert_int_equal(funnel_scan_deal(&f, buf, n, &r, v, 1), 0);
	assert_int_equal(r.nvisits, 3);
	assert_int_equal(v[1].stage, 99);
	/* cut short: not a message */
	assert_int_equal(funnel_scan_deal(&f, buf, n - 2, &r, v, 4), -1);
	/* a deal from before the history: no visits, its stage */
	d.history = NULL, d.n_history = 0, d.stage = "proposal", d.amount = 0;
	n = kart__deal__pack(&d, buf);
	assert_int_equal(funnel_scan_deal(&f, buf, n, &r, v, 4), 0);
	assert_int_equal(r.nvisits, 0);
	assert_int_equal(funnel_stage_index_n(&f, r.stage, r.stage_len), PROP);
	assert_int_equal(r.amount, 0);
}

/* Amounts are at most INT64_MAX each (money_parse): two deals' sum can go
 * past it (reached_amount, won_amount, lost_amount); the tally says so
 * instead of wrapping. */
static void test_overflow(void **state)
{
	(void)state;
	struct funnel f;
	funnel_init(&f, deflt, 6);
	const struct funnel_visit w[] = { V(LEAD, 0), V(WON, 1) };
	const struct funnel_visit l[] = { V(LEAD, 0), V(LOST, 1) };
	DEAL(&f, INT64_MAX, 0, w, 2);
	assert_false(f.overflow);
	assert_int_equal(f.won_amount, INT64_MAX);
	DEAL(&f, 1, 0, l, 2);
	assert_true(f.overflow); /* lead's reached_amount: INT64_MAX + 1 */

	funnel_init(&f, deflt, 6);
	const struct funnel_visit c[] = { V(LEAD, 0) };
	DEAL(&f, INT64_MAX, 0, c, 2);
	assert_false(f.overflow);
	DEAL(&f, INT64_MAX, 0, l, 2);
	assert_true(f.overflow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked),
		cmocka_unit_test(test_no_outcomes_and_gone_stages),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
