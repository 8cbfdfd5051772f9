/* stats: counters of requests, of the writer's batches and of the pool,
 * in rings of one-second buckets with fixed latency histograms (stats.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define KIND_CASES 512              /* Envelope body cases counted; others are not */
#define KINDS_MAX 128               /* kinds with a ring, at most */

/* One second of a ring. */
struct second {
	int64_t sec;                /* unix seconds it holds; another: stale */
	uint32_t count;
	uint32_t hist[STATS_BUCKETS];
	uint64_t max_us;
	uint64_t requests, max_batch; /* the writer's: requests in its batches, the largest */
};

struct ring {
	uint64_t total, total_us;
	struct second at[STATS_WINDOW];
};

struct stats {
	int64_t started;            /* unix microseconds */
	uint8_t slot_of[KIND_CASES]; /* kind -> 1 + its index in rings; 0: none yet */
	unsigned nkinds;
	struct ring *rings[KINDS_MAX];
	unsigned kind_of[KINDS_MAX];
	pthread_mutex_t writer_mu;  /* the writer's ring: written on its thread, read on the loop */
	struct ring writer;
	uint64_t writer_requests;   /* since start */
	unsigned pool_running, pool_waiting;
};

unsigned stats_bucket(uint64_t us)
{
	if (us < 2)
		return (unsigned)us;
	unsigned msb = 63u - (unsigned)__builtin_clzll(us);
	unsigned b = 2 * msb + (unsigned)((us >> (msb - 1)) & 1);
	return b < STATS_BUCKETS ? b : STATS_BUCKETS - 1;
}

uint64_t stats_bucket_upper(unsigned b)
{
	if (b < 2)
		return b + 1;
	unsigned msb = b / 2;
	uint64_t half = UINT64_C(1) << (msb - 1);
	return (UINT64_C(1) << msb) + (b & 1) * half + half;
}

struct stats *stats_new(int64_t now_us)
{
	struct stats *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->started = now_us;
	pthread_mutex_init(&s->writer_mu, NULL);
	return s;
}

void stats_free(struct stats *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nkinds; i++)
		free(s->rings[i]);
	pthread_mutex_destroy(&s->writer_mu);
	free(s);
}

int64_t stats_started(const struct stats *s)
{
	return s->started;
}

/* The second now_us falls in, emptied if it held an older one. */
static struct second *second_at(struct ring *r, int64_t now_us)
{
	int64_t sec = now_us / 1000000;
	struct second *x = &r->at[(uint64_t)sec % STATS_WINDOW];
	if (x->sec != sec) {
		memset(x, 0, sizeof(*x));
		x->sec = sec;
	}
	return x;
}

static void ring_add(struct ring *r, uint64_t us, int64_t now_us)
{
	struct second *x = second_at(r, now_us);
	x->count++;
	x->hist[stats_bucket(us)]++;
	if (us > x->max_us)
		x->max_us = us;
	r->total++;
	r->total_us += us;
}

void stats_request(struct stats *s, unsigned kind, int64_t start_us, int64_t end_us)
{
	if (!s || kind >= KIND_CASES)
		return;
	unsigned slot = s->slot_of[kind];
	if (!slot) {
		struct ring *r = s->nkinds < KINDS_MAX ? calloc(1, sizeof(*r)) : NULL;
		if (!r)
			return;
		s->rings[s->nkinds] = r;
		s->kind_of[s->nkinds] = kind;
		slot = s->slot_of[kind] = (uint8_t)++s->nkinds;
	}
	ring_add(s->rings[slot - 1], end_us > start_us ? (uint64_t)(end_us - start_us) : 0, end_us);
}

void stats_batch(struct stats *s, size_t n, int64_t commit_us, int64_t now_us)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->writer_mu);
	ring_add(&s->writer, commit_us > 0 ? (uint64_t)commit_us : 0, now_us);
	struct second *x = second_at(&s->writer, now_us);
	x->requests += n;
	if (n > x->max_batch)
		x->max_batch = n;
	s->writer_requests += n;
	pthread_mutex_unlock(&s->writer_mu);
}

void stats_pool(struct stats *s, unsigned running, unsigned waiting)
{
	if (!s)
		return;
	s->pool_running = running;
	s->pool_waiting = waiting;
}

void stats_pool_get(const struct stats *s, unsigned *running, unsigned *waiting)
{
	*running = s->pool_running;
	*waiting = s->pool_waiting;
}

/* The last STATS_WINDOW seconds of r, up to now_us: counts, quantiles and,
 * for the writer, its requests and largest batch. */
static void ring_window(const struct ring *r, int64_t now_us, struct stats_window *w, uint64_t *requests,
			uint64_t *max_batch)
{
	int64_t sec = now_us / 1000000;
	uint64_t hist[STATS_BUCKETS] = { 0 };
	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < STATS_WINDOW; i++) {
		const struct second *x = &r->at[i];
		if (x->sec > sec - STATS_WINDOW && x->sec <= sec && x->count) {
			w->count += x->count;
			for (unsigned b = 0; b < STATS_BUCKETS; b++)
				hist[b] += x->hist[b];
			if (x->max_us > w->max_us)
				w->max_us = x->max_us;
			if (requests)
				*requests += x->requests;
			if (max_batch && x->max_batch > *max_batch)
				*max_batch = x->max_batch;
		}
	}
	if (!w->count)
		return;
	/* the rank of each quantile, counted from 1: the smallest bucket whose
	 * cumulative count reaches it */
	uint64_t r50 = (w->count + 1) / 2, r99 = w->count - w->count / 100, seen = 0;
	for (unsigned b = 0; b < STATS_BUCKETS; b++) {
		seen += hist[b];
		uint64_t upper = stats_bucket_upper(b);
		if (!w->p50_us && seen >= r50)
			w->p50_us = upper;
		if (!w->p99_us && seen >= r99)
			w->p99_us = upper;
	}
	/* a bucket's bound may pass the largest latency seen in it */
	if (w->p50_us > w->max_us)
		w->p50_us = w->max_us;
	if (w->p99_us > w->max_us)
		w->p99_us = w->max_us;
}

size_t stats_kinds(struct stats *s, int64_t now_us, struct stats_kind *out, size_t max)
{
	size_t n = 0;
	for (unsigned kind = 0; kind < KIND_CASES && n < max; kind++) {
		unsigned slot = s->slot_of[kind];
		if (!slot)
			continue;
		const struct ring *r = s->rings[slot - 1];
		out[n].kind = kind;
		out[n].total = r->total;
		out[n].total_us = r->total_us;
		ring_window(r, now_us, &out[n].minute, NULL, NULL);
		n++;
	}
	return n;
}

void stats_writer(struct stats *s, int64_t now_us, struct stats_writer *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->writer_mu);
	out->batches = s->writer.total;
	out->commit_us = s->writer.total_us;
	out->requests = s->writer_requests;
	ring_window(&s->writer, now_us, &out->minute, &out->minute_requests, &out->minute_max_batch);
	pthread_mutex_unlock(&s->writer_mu);
}
