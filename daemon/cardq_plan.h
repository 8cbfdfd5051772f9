/* cardq_plan: cardq's planner — the index keys that hold every card a
 * predicate of a query can match (as index.c writes them), and the walk over
 * them that counts the cards or hands their ids on. Used by cardq.c only. */
#ifndef KART_CARDQ_PLAN_H
#define KART_CARDQ_PLAN_H

#include "cardq.h"

/* The ids of the fields a query can name (cardq.c's table). */
enum {
	F_FIRST_NAME, F_MIDDLE_NAME, F_LAST_NAME, F_NAME, F_COMPANY, F_POSITION, F_CITY, F_ADDRESS, F_SOURCE,
	F_OWNER, F_NOTES, F_CREATED_BY, F_UPDATED_BY, F_GENDER, F_SECTOR, F_LIFECYCLE, F_VIP, F_KEY_ACCOUNT,
	F_PHONES, F_EMAILS, F_TAGS, F_BIRTHDAY, F_CREATED_AT, F_UPDATED_AT, F_LAST_TOUCH, F_TOUCHES,
	F_TOTAL_PURCHASES, F_ID, F_VERSION, F_CUSTOM = 1000,
};

/* One range of keys [lo, hi] (inclusive, compared as LMDB does) in one index. */
struct krange {
	const uint8_t *lo, *hi;
	size_t lolen, hilen;
};

struct plan {
	MDB_dbi dbi;
	const char *index;          /* its name, for explain */
	struct krange r[32];
	size_t n;
	uint64_t est;
	const struct qnode *pred;
};

/* The index keys that hold every card predicate p can match, if there are
 * (else false): out->r in c->a. */
bool cardq_plan_pred(struct cardq *c, const struct qnode *p, struct plan *out);
/* Walks the plan's keys: without fn counts the ids under them into *count
 * (stopping once it reaches cap, 0: no cap); with fn calls it for each id
 * until it returns non-zero. Returns 0 or an MDB code. */
int cardq_plan_walk(struct cardq *c, const struct plan *p, uint64_t cap, uint64_t *count,
		    int (*fn)(void *ud, uint64_t id), void *ud);

#endif
