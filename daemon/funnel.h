/* funnel: the arithmetic of `kart report funnel` (report_funnel.c), pure, so
 * it is tested with chosen times (tests/unit/test_funnel.c).
 *
 * Stages are indexes into the configured funnel (0..n-1). The stages named
 * "won" and "lost" are the outcomes; a funnel without such names has none.
 *   reached: a deal reached every non-outcome stage up to the furthest one
 *     it was ever at (by funnel order, skipped ones included, moved back or
 *     not); a deal ever won passed every non-outcome stage; an outcome stage
 *     is reached by the deals that were ever at it.
 *   time in a stage: per deal that was at it, the time between arriving and
 *     its next visit, summed over its visits; the stay at the current stage
 *     of an open deal runs to now; an outcome has no time.
 *   outcomes: the deals now at won or lost, their amounts, and the won
 *     deals' cycle (created to their last arrival at won). */
#ifndef KART_FUNNEL_H
#define KART_FUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUNNEL_STAGES_MAX 32

struct funnel_visit {
	int stage;              /* index into the funnel; -1: a stage no longer in it */
	int64_t at;             /* unix seconds */
};

struct funnel_deal {
	int64_t amount;         /* minor units */
	int64_t created_at;
	const struct funnel_visit *visits; /* oldest first; the last is the current stage */
	size_t nvisits;
};

struct funnel_stage {
	uint64_t reached;
	int64_t reached_amount;
	uint64_t now_in;        /* deals at it now */
	uint64_t timed;         /* deals that were at it (the average's count) */
	int64_t secs;           /* their time in it, summed */
};

struct funnel {
	size_t nstages;
	const char *const *names;       /* the stages (the caller's, kept) */
	size_t len[FUNNEL_STAGES_MAX];
	bool outcome[FUNNEL_STAGES_MAX];
	int won, lost;          /* indexes, -1: none */
	int first;              /* the first non-outcome stage (0 when all are outcomes) */
	int last_open;          /* the last non-outcome stage, -1: none */
	struct funnel_stage s[FUNNEL_STAGES_MAX];
	uint64_t deals;
	uint64_t won_n, lost_n;
	int64_t won_amount, lost_amount;
	uint64_t won_cycles;
	int64_t won_cycle_secs;
	bool overflow;          /* an amount's sum went past INT64_MAX (the sums are then wrong) */
};

/* An empty tally over the funnel's stages (at most FUNNEL_STAGES_MAX). */
void funnel_init(struct funnel *f, const char *const *stages, size_t n);
/* The stage's index, given by its bytes (not NUL-terminated); -1 when it is not in the funnel. */
int funnel_stage_index_n(const struct funnel *f, const char *stage, size_t len);

/* What the report needs of a stored Deal (proto/kart.proto), read from its
 * wire form without decoding the rest: no allocation, for a walk of every
 * deal. Strings point into the bytes. */
struct funnel_raw {
	uint64_t card_id;
	int64_t amount, created_at;
	const char *stage, *owner;
	size_t stage_len, owner_len;
	size_t nvisits;         /* Deal.history's visits (the first cap of them in v) */
};
/* Reads p[0..n) into *out and its visits' stages (funnel indexes) and times
 * into v[0..cap). Returns 0, or -1 when the bytes are not a message. */
int funnel_scan_deal(const struct funnel *f, const uint8_t *p, size_t n, struct funnel_raw *out,
		     struct funnel_visit *v, size_t cap);

/* One deal into the tally; now (unix seconds) ends an open deal's stay. */
void funnel_add(struct funnel *f, const struct funnel_deal *d, int64_t now);

/* A percentage in tenths, rounded half up (num/den*100, one place); -1 when den is 0. */
int64_t funnel_percent_tenths(uint64_t num, uint64_t den);
/* An average of seconds in days, in tenths rounded half up; -1 when count is 0. */
int64_t funnel_days_tenths(int64_t secs, uint64_t count);
/* The stage reached before stage i for conversion_from_previous: the
 * nearest non-outcome stage before it, -1 for the first. */
int funnel_previous(const struct funnel *f, int i);

#endif
