/* query_fixture.h: the fake schema and record the tests of daemon/query.c run
 * against, and their helpers (query_fixture.c). Everything a test allocates
 * lives in the arena A, set up and freed around each test by setup/teardown;
 * TODAY is the day relative dates count from (2025-06-15 unless a test sets
 * another). The helpers fail the running test (cmocka) rather than return. */
#ifndef KART_TEST_QUERY_FIXTURE_H
#define KART_TEST_QUERY_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "query.h"
#include "util.h"

enum field_id {
	F_FIRST_NAME, F_NAME, F_CITY, F_GENDER, F_SECTOR, F_LIFECYCLE, F_STATUS, F_VIP, F_TAGS, F_EMAIL, F_PHONES,
	F_INTERESTS, F_BIRTHDAY, F_CREATED_AT, F_LAST_TOUCH, F_TOUCHES, F_TOTAL, F_COMPUTERS, F_UPDATED_AT, F_COUNT
};

/* Texts as typed (NULL: missing); the accessor folds them. Dates as
 * YYYY-MM-DD (NULL: missing); the birthday as month/day (0: missing). */
struct rec {
	const char *first_name, *name, *city, *gender, *sector, *lifecycle, *status;
	int vip; /* -1 missing, 0, 1 */
	const char *tags[6], *email[3], *phones[3], *interests[3];
	int bmonth, bday;
	const char *created_at, *last_touch;
	bool has_touches, has_total, has_computers;
	int64_t touches, total, computers;
	int64_t updated_secs; /* unix seconds; 0: missing */
	bool unreadable; /* the accessor fails */
};

extern const struct qfield FIELDS[];
extern struct arena A;          /* everything of one test */
extern struct util_zone ZONE;   /* where instants' days are counted and times of day read */
extern int64_t TODAY;           /* set per test; 2025-06-15 unless a test says otherwise */
extern const struct rec IVANOVA; /* a full record */
extern const struct rec BARE;    /* only a name: everything else is missing */

/* The fake schema's lookup (ud unused) and the record's accessor. */
const struct qfield *lookup(void *ud, const char *name);
bool get(void *record, const struct qfield *f, struct qvalue *out);
/* A schema where every name is the one field passed as ud. */
const struct qfield *long_enum_lookup(void *ud, const char *name);
/* Days since 1970-01-01 of YYYY-MM-DD. */
int64_t days_of(const char *ymd);

int setup(void **state);
int teardown(void **state);

struct qnode *parse_ok(const char *text);
/* The parse fails at col with a message containing want. */
void parse_err(const char *text, int col, const char *want);
/* The whole message, exactly. */
void parse_err_exact(const char *text, int col, const char *want);
bool match(const char *text, const struct rec *r);
const char *describe(const char *text);

#define MATCH(text, rec) do { if (!match(text, rec)) fail_msg("'%s' should match", text); } while (0)
#define NO_MATCH(text, rec) do { if (match(text, rec)) fail_msg("'%s' should not match", text); } while (0)

/* Renders canonically, and the rendering parses back to itself. */
#define DESCRIBES(text, want) do { \
	const char *got_ = describe(text); \
	assert_string_equal(got_, want); \
	assert_string_equal(describe(got_), want); \
} while (0)

#endif
