/* bench.h: what the files of kart-bench share: the options, the state of a
 * run and of each worker thread, latency histograms, and the functions each
 * file offers the others. A struct run and its workers belong to main; the
 * workers only read the options and the run's settings, and write their own
 * struct worker (counts and latencies) and, under the lock, first_error. */
#ifndef KART_BENCH_H
#define KART_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kc.h"

enum mode { MODE_NONE, MODE_LOAD, MODE_GET, MODE_MIXED, MODE_FIND_PHONE, MODE_FIND_NAME, MODE_FIND_PREFIX, MODE_SEGMENT,
	    MODE_MOVE, MODE_TUI_LATENCY, MODE_REPORT, MODE_EXPORT };

extern const char *const mode_names[]; /* by enum mode: the --op names */

struct opts {
	const char *server;
	const char *ca_file;
	const char *user;
	const char *password_file;
	enum mode mode;
	uint64_t load_n;
	uint64_t first_index;
	int conns;                  /* 0: the mode's default */
	int threads;                /* threads driving the connections */
	int pipeline;
	double seconds;
	bool seconds_given;
	bool conns_given;           /* --conns, 0 allowed for reports and exports */
	long pid;                   /* 0: look for kartd */
	uint64_t seed;
	uint64_t ids_lo, ids_hi;    /* 0: discover */
	int custom;                 /* load: custom fields per card */
	int batch;                  /* load: cards per request (CardImport when > 1) */
	bool indices_given;         /* find ops: generated indices to pick from */
	uint64_t idx_lo, idx_hi;
	const char *where;          /* segment, move */
	const char *sector;         /* move */
	int runs;                   /* segment: at least this many runs; tui-latency: searches */
	const char *tui;            /* tui-latency: the kart-tui to run */
	const char *lang;           /* tui-latency: its LANG */
	int gap_ms;                 /* tui-latency: the pause after each paint */
	uint64_t timeline_n;        /* load: timeline entries to add */
	uint64_t deals_n;           /* load: deals to add (and move through the funnel) */
	int managers;               /* load: manager users mgr01.. owning the cards (-1: not given);
				     * get and find ops: --user is one of them, whose cards are picked */
	int report_kind;            /* report: a Kart__ReportKind */
	const char *report_name;    /* report: "rfm", ... */
	const char *period;         /* report: ReportQuery.period */
	const char *rq_at, *rq_window, *rq_by, *rq_owner, *rq_min_total; /* report: the same */
	int days;                   /* report: ReportQuery.days (-1: not given) */
	const char *export_format;  /* export: "csv" or "vcard" */
};

/* Latency histograms. Values in nanoseconds. Below 2^SUB_BITS a bucket is one value; above, each
 * power of two is split into 2^SUB_BITS buckets, so a bucket is at most
 * 1/128 of its value wide. */
#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define HIST_BUCKETS ((64 - SUB_BITS + 1) * SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t total;
};

/* The daemon's anonymous memory (its RSS besides the mapped database and
 * the libraries) peaks between samples, so a thread samples it during the run. */
struct sampler {
	long pid;
	_Atomic int stop;
	_Atomic long anon_peak_kb;
	pthread_t thread;
};

struct run {
	const struct opts *o;
	struct kc_options kco;
	const char *token;
	int pipeline;
	/* start gate: workers connect, report ready, and wait for go */
	pthread_cond_t cond;
	int ready, go;
	/* load */
	_Atomic uint64_t next_index;
	uint64_t load_end;          /* one past the last index */
	/* get/mixed: card ids; find ops: generated indices */
	uint64_t lo, hi;
	uint64_t *picks;            /* --managers with get or a find: the ids or indices to pick from */
	size_t npicks;
	_Atomic uint64_t update_seq;
	pthread_mutex_t lock;       /* guards the gate and first_error */
	/* the first error seen by anyone */
	char first_error[1100];
	long pid;                   /* the daemon, for its memory; 0: unknown */
	struct sampler *sampler;
	_Atomic int stop;           /* report, export: the gets end when the last run has */
};

struct worker {
	struct run *run;
	int no;
	pthread_t thread;
	int connected;
	uint64_t ok, errors;
	uint64_t misses;            /* find-phone|find-prefix: the phone's card was not found */
	uint64_t min_id, max_id;    /* load: ids of the created cards */
	struct hist hist;           /* --op: latencies */
	int nconns;                 /* connections this thread drives */
	int64_t end_ns;
};

/* bench_opts.c */
int parse_u64(const char *s, uint64_t *out);
void usage(FILE *f);
/* Returns 0, 1 for --help, or -1 after printing a usage error. */
int parse_opts(int argc, char **argv, struct opts *o);
/* The first line of the password file, malloc'd; NULL after a message. */
char *read_password(const char *path);

/* bench_report.c */
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *into, const struct hist *from);
/* The value at quantile q (0..1), in nanoseconds; 0 when empty. */
double hist_quantile(const struct hist *h, double q);
/* Milliseconds with precision that suits the size. */
void fmt_ms(double ns, char *out, size_t n);
/* The pid of the only process named kartd, or 0 if none or several. */
long find_kartd(void);
/* The sampler's thread: the peak of RssAnon until stop. */
void *sample_rss(void *arg);
void fmt_rss(long pid, long anon_peak_kb, char *out, size_t n);
void summarize_load(struct run *r, struct worker *w, int n, double secs);
void summarize_ops(struct run *r, struct worker *w, int n, double secs);

/* bench_engine.c */
int64_t mono_ns(void);
/* A worker thread (arg: its struct worker) for --load and the other --op runs. */
void *op_worker(void *arg);

/* bench_seq.c */
/* Finds [lo, hi] assuming ids are dense from the lowest. Returns 0 or -1. */
int discover_ids(struct kc *c, uint64_t *lo, uint64_t *hi, struct kc_error *err);
long own_ids(struct kc *c, const char *user, uint64_t **ids, struct kc_error *err);
/* One CardList (limit 0: the server's page size) read to its last page, each
 * page handed to fn (which returns -1 when out of memory). Returns 0, or -1
 * with err filled. */
int list_cards(struct kc *c, uint32_t limit, int (*fn)(void *ud, const Kart__CardPage *p), void *ud,
	       struct kc_error *err);
/* Defines the first n generated custom fields. Returns 0 or -1 after a message. */
int define_custom(struct kc *c, int n);
/* --op segment and --op move; 0, or -1 after a message. */
int run_segment(struct kc *c, const struct opts *o);
int run_move(struct kc *c, const struct opts *o);

/* bench_fill.c */
/* --load's managers, timeline entries and deals (after the cards, if any),
 * on the main connection c and connections of their own; 0, or -1 after a
 * message. ensure_managers runs before the cards are loaded (they name
 * their owners). */
int ensure_managers(struct kc *c, const struct opts *o, const char *password);
int run_fill(struct run *r, struct kc *c, const char *password);

/* bench_rq.c */
/* --op report-KIND and --op export-csv|export-vcard: the report or the
 * export on the main connection c while --conns connections get cards; 0,
 * or -1 after a message (a refusal included). */
int run_report(struct run *r, struct kc *c);
/* Starts n worker threads sharing the --conns connections (kart_bench.c). */
int start_workers(struct run *run, struct worker *workers, int n);

/* bench_tui.c */
/* --op tui-latency, on the run's session and its range of generated
 * indices; 0, or -1 after a message. */
int run_tui_latency(struct run *r);

#endif
