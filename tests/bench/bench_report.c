/* bench_report: what kart-bench measures and prints: log-linear latency
 * histograms, the daemon's memory (found by name, sampled during a run) and
 * the one-line summaries of a load and of an --op run. */
#include <dirent.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"


static unsigned hist_index(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);   /* >= SUB_BITS */
	unsigned sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB - 1);
	return (e - SUB_BITS + 1) * SUB + sub;
}

/* The middle of bucket i. */
static double hist_value(unsigned i)
{
	if (i < SUB)
		return (double)i;
	unsigned e = i / SUB + SUB_BITS - 1, sub = i % SUB;
	double lo = (double)(UINT64_C(1) << e) + (double)sub * (double)(UINT64_C(1) << (e - SUB_BITS));
	return lo + (double)(UINT64_C(1) << (e - SUB_BITS)) / 2.0;
}

void hist_add(struct hist *h, uint64_t v)
{
	h->count[hist_index(v)]++;
	h->total++;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += from->count[i];
	into->total += from->total;
}

/* The value at quantile q (0..1), in nanoseconds; 0 when empty. */
double hist_quantile(const struct hist *h, double q)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return hist_value(i);
	}
	return hist_value(HIST_BUCKETS - 1);
}

/* Milliseconds with precision that suits the size. */
void fmt_ms(double ns, char *out, size_t n)
{
	double ms = ns / 1e6;
	snprintf(out, n, ms < 1.0 ? "%.3f" : ms < 100.0 ? "%.2f" : "%.0f", ms);
}

/* ---- the daemon's memory ---------------------------------------------- */

/* The pid of the only process named kartd, or 0 if none or several. */
long find_kartd(void)
{
	long found = 0;
	int n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		uint64_t pid;
		if (parse_u64(de->d_name, &pid) < 0)
			continue;
		char path[320], comm[64];
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int ok = fgets(comm, sizeof(comm), f) != NULL;
		fclose(f);
		if (ok && strcmp(comm, "kartd\n") == 0) {
			found = (long)pid;
			n++;
		}
	}
	closedir(d);
	return n == 1 ? found : 0;
}

/* VmHWM, VmRSS and RssAnon of pid in kB. Returns 0, or -1 if unreadable. */
static int read_rss(long pid, long *hwm_kb, long *rss_kb, long *anon_kb)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	*hwm_kb = *rss_kb = *anon_kb = -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "RssAnon:", 8) == 0)
			*anon_kb = strtol(line + 8, NULL, 10);
		else if (strncmp(line, "VmRSS:", 6) == 0)
			*rss_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return *hwm_kb >= 0 && *rss_kb >= 0 ? 0 : -1;
}

/* The daemon's anonymous memory (its RSS besides the mapped database and
 * the libraries) peaks between samples, so a thread samples it during the run. */
void *sample_rss(void *arg)
{
	struct sampler *sm = arg;
	while (!atomic_load(&sm->stop)) {
		long hwm, rss, anon;
		if (read_rss(sm->pid, &hwm, &rss, &anon) == 0 && anon > atomic_load(&sm->anon_peak_kb))
			atomic_store(&sm->anon_peak_kb, anon);
		usleep(20000);
	}
	return NULL;
}

void fmt_rss(long pid, long anon_peak_kb, char *out, size_t n)
{
	long hwm, rss, anon;
	if (pid <= 0 || read_rss(pid, &hwm, &rss, &anon) < 0)
		snprintf(out, n, "kartd_peak_rss=n/a");
	else
		snprintf(out, n, "kartd_peak_rss=%.1f MB (rss now %.1f MB; anonymous, besides the mapped database: peak %.1f MB)",
			 (double)hwm / 1024.0, (double)rss / 1024.0,
			 (double)(anon_peak_kb > anon ? anon_peak_kb : anon) / 1024.0);
}

void summarize_load(struct run *r, struct worker *w, int n, double secs)
{
	uint64_t ok = 0, errors = 0, lo = 0, hi = 0;
	for (int i = 0; i < n; i++) {
		ok += w[i].ok;
		errors += w[i].errors;
		if (w[i].min_id && (!lo || w[i].min_id < lo))
			lo = w[i].min_id;
		if (w[i].max_id > hi)
			hi = w[i].max_id;
	}
	char rss[200];
	fmt_rss(r->pid, atomic_load(&r->sampler->anon_peak_kb), rss, sizeof(rss));
	uint64_t taken = atomic_load(&r->next_index);
	uint64_t unsent = taken < r->load_end ? r->load_end - taken : 0;
	char extra[48] = "";
	if (unsent)
		snprintf(extra, sizeof(extra), ", not sent %" PRIu64, unsent);
	printf("load: %" PRIu64 " cards in %.1f s = %.0f cards/s (errors %" PRIu64 "%s)\n", ok, secs,
	       secs > 0 ? (double)ok / secs : 0.0, errors, extra);
	if (ok)
		printf("load: ids %" PRIu64 "-%" PRIu64 "  %s\n", lo, hi, rss);
	else
		printf("load: no cards created  %s\n", rss);
	if (r->first_error[0])
		fprintf(stderr, "kart-bench: first error: %s\n", r->first_error);
}

void summarize_ops(struct run *r, struct worker *w, int n, double secs)
{
	const struct opts *o = r->o;
	static struct hist all;
	uint64_t ok = 0, errors = 0, misses = 0;
	memset(&all, 0, sizeof(all));
	for (int i = 0; i < n; i++) {
		ok += w[i].ok;
		errors += w[i].errors;
		misses += w[i].misses;
		hist_merge(&all, &w[i].hist);
	}
	char p50[32], p99[32], p999[32], rss[200];
	fmt_ms(hist_quantile(&all, 0.50), p50, sizeof(p50));
	fmt_ms(hist_quantile(&all, 0.99), p99, sizeof(p99));
	fmt_ms(hist_quantile(&all, 0.999), p999, sizeof(p999));
	fmt_rss(r->pid, atomic_load(&r->sampler->anon_peak_kb), rss, sizeof(rss));
	char dur[32], miss[48] = "";
	snprintf(dur, sizeof(dur), "%g", o->seconds);
	if (o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_PREFIX)
		snprintf(miss, sizeof(miss), "  misses=%" PRIu64, misses);
	printf("op=%s conns=%d pipeline=%d seconds=%s: %.0f ops/s  p50=%s ms  p99=%s ms  p999=%s ms  "
	       "errors=%" PRIu64 "%s  %s\n",
	       mode_names[o->mode], o->conns, o->pipeline, dur, secs > 0 ? (double)ok / secs : 0.0, p50, p99, p999,
	       errors, miss, rss);
	if (r->first_error[0])
		fprintf(stderr, "kart-bench: first error: %s\n", r->first_error);
}
