/* stats: the daemon's counters for `kart admin stats` (h_stats.c).
 *
 * Requests: per kind (the Envelope body's case), a total and a latency sum
 * since start, and a ring of one-second buckets over the last minute, each
 * with a count and a fixed latency histogram (two buckets per power of two
 * of microseconds), from which the rate and p50/p99 are read. A kind's ring
 * is allocated the first time that kind is answered (at most one per kind),
 * never per request. Recorded on the loop thread only, where a reply leaves
 * (dispatch.c, jobs.c).
 *
 * The writer: batches and their requests, the largest batch, and commit
 * latency in the same kind of ring; recorded on the writer thread, read on
 * the loop, under a mutex taken once per batch.
 *
 * Gauges the loop keeps here for the handler, which never sees a connection
 * or the pool's scheduler: scans running and waiting in the pool (jobs.c).
 *
 * The struct stats is the server's (srv->stats), made at start, freed at exit. */
#ifndef KART_STATS_H
#define KART_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_WINDOW 60             /* seconds: the sliding window of rates and quantiles */
#define STATS_BUCKETS 56            /* latency buckets: 0 us .. 2^28 us (~4.5 min), the last open */

struct stats;

struct stats *stats_new(int64_t now_us);
void stats_free(struct stats *s);
int64_t stats_started(const struct stats *s);

/* Loop thread: a request of kind `kind` (an Envelope body case) received at
 * start_us was answered (or began streaming) at end_us. */
void stats_request(struct stats *s, unsigned kind, int64_t start_us, int64_t end_us);
/* Writer thread: a batch of n requests committed, its commit taking commit_us. */
void stats_batch(struct stats *s, size_t n, int64_t commit_us, int64_t now_us);
/* Loop thread (jobs.c): the pool's scans running and waiting. */
void stats_pool(struct stats *s, unsigned running, unsigned waiting);
void stats_pool_get(const struct stats *s, unsigned *running, unsigned *waiting);

/* What a window of the ring holds: its count and its quantiles, as the upper
 * bound of the bucket the quantile falls in (0 when the count is 0). */
struct stats_window {
	uint64_t count;
	uint64_t p50_us, p99_us, max_us;
};

/* One request kind, read on the loop thread. */
struct stats_kind {
	unsigned kind;
	uint64_t total;             /* since start */
	uint64_t total_us;          /* their latencies summed */
	struct stats_window minute;
};
/* The kinds answered since start, in the order of their body case, up to
 * max of them. Returns how many were filled. */
size_t stats_kinds(struct stats *s, int64_t now_us, struct stats_kind *out, size_t max);

struct stats_writer {
	uint64_t batches, requests; /* since start */
	uint64_t commit_us;         /* commits' time summed */
	struct stats_window minute; /* commit latency over the last minute; count: batches */
	uint64_t minute_requests;   /* requests in those batches */
	uint64_t minute_max_batch;  /* the largest batch of them */
};
void stats_writer(struct stats *s, int64_t now_us, struct stats_writer *out);

/* The latency bucket of us, and the upper bound of bucket b (unit tests). */
unsigned stats_bucket(uint64_t us);
uint64_t stats_bucket_upper(unsigned b);

#endif
