/* funnel: the arithmetic of the funnel report (funnel.h). */
#include <string.h>

#include "funnel.h"

void funnel_init(struct funnel *f, const char *const *stages, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->nstages = n < FUNNEL_STAGES_MAX ? n : FUNNEL_STAGES_MAX;
	f->won = f->lost = -1;
	f->first = -1;
	f->last_open = -1;
	for (size_t i = 0; i < f->nstages; i++) {
		if (strcmp(stages[i], "won") == 0 && f->won < 0) {
			f->won = (int)i;
			f->outcome[i] = true;
		} else if (strcmp(stages[i], "lost") == 0 && f->lost < 0) {
			f->lost = (int)i;
			f->outcome[i] = true;
		} else {
			if (f->first < 0)
				f->first = (int)i;
			f->last_open = (int)i;
		}
	}
	if (f->first < 0)
		f->first = 0;
}

int funnel_stage_index(const struct funnel *f, const char *const *stages, const char *stage)
{
	for (size_t i = 0; stage && i < f->nstages; i++)
		if (strcmp(stages[i], stage) == 0)
			return (int)i;
	return -1;
}

void funnel_add(struct funnel *f, const struct funnel_deal *d, int64_t now)
{
	bool at[FUNNEL_STAGES_MAX] = { false };
	int64_t secs[FUNNEL_STAGES_MAX] = { 0 };
	int furthest = -1, current = -1;
	int64_t won_at = 0;
	f->deals++;
	for (size_t i = 0; i < d->nvisits; i++) {
		int k = d->visits[i].stage;
		bool last = i + 1 == d->nvisits;
		if (last)
			current = k;
		if (k < 0 || (size_t)k >= f->nstages)
			continue;
		at[k] = true;
		if (k == f->won)
			won_at = d->visits[i].at;
		if (f->outcome[k])
			continue;
		if (k > furthest)
			furthest = k;
		/* the stay: to the next visit, or to now at an open deal's current stage */
		int64_t end = last ? now : d->visits[i + 1].at, len = end - d->visits[i].at;
		secs[k] += len > 0 ? len : 0;
	}
	if (f->won >= 0 && at[f->won])
		furthest = f->last_open;
	for (size_t k = 0; k < f->nstages; k++) {
		struct funnel_stage *s = &f->s[k];
		if (f->outcome[k] ? at[k] : (int)k <= furthest) {
			s->reached++;
			s->reached_amount += d->amount;
		}
		if (at[k] && !f->outcome[k]) {
			s->timed++;
			s->secs += secs[k];
		}
	}
	if (current < 0 || (size_t)current >= f->nstages)
		return;
	f->s[current].now_in++;
	if (current == f->won) {
		f->won_n++;
		f->won_amount += d->amount;
		int64_t cycle = won_at - d->created_at;
		f->won_cycles++;
		f->won_cycle_secs += cycle > 0 ? cycle : 0;
	} else if (current == f->lost) {
		f->lost_n++;
		f->lost_amount += d->amount;
	}
}

int64_t funnel_percent_tenths(uint64_t num, uint64_t den)
{
	if (!den)
		return -1;
	return (int64_t)((num * 2000 + den) / (2 * den));
}

int64_t funnel_days_tenths(int64_t secs, uint64_t count)
{
	if (!count)
		return -1;
	/* secs / count / 86400 * 10, rounded half up */
	__int128 den = (__int128)count * 86400;
	return (int64_t)(((__int128)secs * 20 + den) / (2 * den));
}

int funnel_previous(const struct funnel *f, int i)
{
	for (int k = i - 1; k >= 0; k--)
		if (!f->outcome[k])
			return k;
	return -1;
}
