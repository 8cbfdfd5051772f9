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
	f->names = stages;
	for (size_t i = 0; i < f->nstages; i++) {
		f->len[i] = strlen(stages[i]);
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

int funnel_stage_index_n(const struct funnel *f, const char *stage, size_t len)
{
	for (size_t i = 0; stage && i < f->nstages; i++)
		if (f->len[i] == len && memcmp(f->names[i], stage, len) == 0)
			return (int)i;
	return -1;
}

/* ---- the wire form (protobuf): tags, varints, lengths ---- */

static bool wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* One field: its number and wire type, its varint value (type 0) or its
 * bytes (type 2); others skipped. false when it runs past end. */
static bool wire_field(const uint8_t **p, const uint8_t *end, uint64_t *num, unsigned *type, uint64_t *val,
		       const uint8_t **bytes)
{
	uint64_t tag;
	if (!wire_varint(p, end, &tag))
		return false;
	*num = tag >> 3;
	*type = (unsigned)(tag & 7);
	switch (*type) {
	case 0:
		return wire_varint(p, end, val);
	case 1:
	case 5: {
		size_t w = *type == 1 ? 8 : 4;
		if ((size_t)(end - *p) < w)
			return false;
		*p += w;
		return true;
	}
	case 2:
		if (!wire_varint(p, end, val) || *val > (uint64_t)(end - *p))
			return false;
		*bytes = *p;
		*p += *val;
		return true;
	default:
		return false;
	}
}

/* Deal's fields (proto/kart.proto) and StageVisit's */
enum { DEAL_CARD_ID = 2, DEAL_AMOUNT = 4, DEAL_STAGE = 5, DEAL_OWNER = 6, DEAL_CREATED_AT = 8, DEAL_HISTORY = 13 };
enum { VISIT_STAGE = 1, VISIT_AT = 2 };

int funnel_scan_deal(const struct funnel *f, const uint8_t *p, size_t n, struct funnel_raw *out,
		     struct funnel_visit *v, size_t cap)
{
	const uint8_t *end = p + n;
	memset(out, 0, sizeof(*out));
	out->stage = out->owner = "";
	while (p < end) {
		uint64_t num, val = 0;
		unsigned type;
		const uint8_t *b = NULL;
		if (!wire_field(&p, end, &num, &type, &val, &b))
			return -1;
		if (type == 0) {
			if (num == DEAL_CARD_ID)
				out->card_id = val;
			else if (num == DEAL_AMOUNT)
				out->amount = (int64_t)val;
			else if (num == DEAL_CREATED_AT)
				out->created_at = (int64_t)val;
		} else if (type == 2) {
			if (num == DEAL_STAGE) {
				out->stage = (const char *)b;
				out->stage_len = (size_t)val;
			} else if (num == DEAL_OWNER) {
				out->owner = (const char *)b;
				out->owner_len = (size_t)val;
			} else if (num == DEAL_HISTORY) {
				const uint8_t *q = b, *qend = b + val;
				const char *stage = "";
				uint64_t stage_len = 0, at = 0;
				while (q < qend) {
					uint64_t vnum, vval = 0;
					unsigned vtype;
					const uint8_t *vb = NULL;
					if (!wire_field(&q, qend, &vnum, &vtype, &vval, &vb))
						return -1;
					if (vtype == 2 && vnum == VISIT_STAGE) {
						stage = (const char *)vb;
						stage_len = vval;
					} else if (vtype == 0 && vnum == VISIT_AT) {
						at = vval;
					}
				}
				if (out->nvisits < cap) {
					v[out->nvisits].stage = funnel_stage_index_n(f, stage, (size_t)stage_len);
					v[out->nvisits].at = (int64_t)at;
				}
				out->nvisits++;
			}
		}
	}
	return 0;
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
			f->overflow |= __builtin_add_overflow(s->reached_amount, d->amount, &s->reached_amount);
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
		f->overflow |= __builtin_add_overflow(f->won_amount, d->amount, &f->won_amount);
		int64_t cycle = won_at - d->created_at;
		f->won_cycles++;
		f->won_cycle_secs += cycle > 0 ? cycle : 0;
	} else if (current == f->lost) {
		f->lost_n++;
		f->overflow |= __builtin_add_overflow(f->lost_amount, d->amount, &f->lost_amount);
	}
}

int64_t funnel_percent_tenths(uint64_t num, uint64_t den)
{
	if (!den)
		return -1;
	/* wide: sums of amounts in kopecks times 2000 */
	return (int64_t)(((unsigned __int128)num * 2000 + den) / ((unsigned __int128)den * 2));
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
