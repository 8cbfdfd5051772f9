/* kart-bench: the Kartoteka benchmark client.
 *
 *   kart-bench [conn] --load N [--custom K]  load N generated cards (with K
 *                                         custom fields), print cards/s
 *   kart-bench [conn] --op get|mixed|find-phone|find-name
 *                                         drive M connections with P requests
 *                                         in flight each for D seconds, print
 *                                         ops/s, latency percentiles, errors
 *                                         and the daemon's peak RSS
 *   kart-bench [conn] --op segment        time a filter's count and its first
 *                                         100 rows, run after run
 *   kart-bench [conn] --op move           time one BulkMove
 *
 * Everything goes through the client library (kc.h). The password is hashed
 * once: the main thread logs in and the workers Resume with its token. The
 * load and the --op drivers share one engine: T threads, each driving its
 * share of the M connections from one epoll loop, keeping P requests in
 * flight on each; the replies that arrived are handled together and the
 * requests that replace them go out in one write (kc_queue, kc_flush).
 * Latencies go into per-thread log-linear histograms (under 1% error) that
 * are merged at the end. Errors are counted and reported, never fatal; a
 * connection that fails counts its requests in flight as errors and stops.
 * segment and move are sequential on the main connection. Exit: 0 it ran,
 * 1 cannot connect or log in (or the server refused the segment/move), 2 usage. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "kc.h"
#include "util.h"

#define DEFAULT_SERVER "127.0.0.1:7443"
#define MAX_CONNS 1024
#define MAX_PIPELINE 65535
#define ID_SEARCH_LIMIT (UINT64_C(1) << 40)

enum mode { MODE_NONE, MODE_LOAD, MODE_GET, MODE_MIXED, MODE_FIND_PHONE, MODE_FIND_NAME, MODE_SEGMENT, MODE_MOVE };

static const char *const mode_names[] = {
	[MODE_NONE] = "", [MODE_LOAD] = "load", [MODE_GET] = "get", [MODE_MIXED] = "mixed",
	[MODE_FIND_PHONE] = "find-phone", [MODE_FIND_NAME] = "find-name", [MODE_SEGMENT] = "segment",
	[MODE_MOVE] = "move",
};

/* The segment: women in Самара with more than 50 computers. */
#define DEFAULT_WHERE "gender = f and city = \"Самара\" and computers > 50"
#define DEFAULT_RUNS 20
#define FIND_NAME_LIMIT 20

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
	long pid;                   /* 0: look for kartd */
	uint64_t seed;
	uint64_t ids_lo, ids_hi;    /* 0: discover */
	int custom;                 /* load: custom fields per card */
	int batch;                  /* load: cards per request (CardImport when > 1) */
	bool indices_given;         /* find ops: generated indices to pick from */
	uint64_t idx_lo, idx_hi;
	const char *where;          /* segment, move */
	const char *sector;         /* move */
	int runs;                   /* segment: at least this many runs */
};

/* ---- latency histogram ------------------------------------------------
 * Values in nanoseconds. Below 2^SUB_BITS a bucket is one value; above, each
 * power of two is split into 2^SUB_BITS buckets, so a bucket is at most
 * 1/128 of its value wide. */
#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define HIST_BUCKETS ((64 - SUB_BITS + 1) * SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t total;
};

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

static void hist_add(struct hist *h, uint64_t v)
{
	h->count[hist_index(v)]++;
	h->total++;
}

static void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += from->count[i];
	into->total += from->total;
}

/* The value at quantile q (0..1), in nanoseconds; 0 when empty. */
static double hist_quantile(const struct hist *h, double q)
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

/* ---- small helpers ----------------------------------------------------- */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The splitmix64 finalizer: a bijection that scatters nearby inputs. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A splitmix64 stream, one per thread. Seed it with rng_seed: streams started
 * at nearby states would be the same stream shifted. */
static uint64_t rng_next(uint64_t *s)
{
	return mix64(*s += 0x9e3779b97f4a7c15ull);
}

static uint64_t rng_seed(uint64_t seed, uint64_t stream)
{
	return mix64(stream ^ mix64(seed + 0x632be59bd9b4e019ull));
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	uint64_t v;
	if (parse_u64(s, &v) < 0 || v < (uint64_t)lo || v > (uint64_t)hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* "LO-HI"; LO may be 0 only if zero_ok. */
static int parse_range(const char *s, uint64_t *lo, uint64_t *hi, bool zero_ok)
{
	char buf[64];
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	char *dash = strchr(buf, '-');
	if (!dash)
		return -1;
	*dash = '\0';
	if (parse_u64(buf, lo) < 0 || parse_u64(dash + 1, hi) < 0 || (*lo == 0 && !zero_ok) || *lo > *hi)
		return -1;
	return 0;
}

/* Milliseconds with precision that suits the size. */
static void fmt_ms(double ns, char *out, size_t n)
{
	double ms = ns / 1e6;
	snprintf(out, n, ms < 1.0 ? "%.3f" : ms < 100.0 ? "%.2f" : "%.0f", ms);
}

/* ---- the daemon's memory ---------------------------------------------- */

/* The pid of the only process named kartd, or 0 if none or several. */
static long find_kartd(void)
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
struct sampler {
	long pid;
	_Atomic int stop;
	_Atomic long anon_peak_kb;
	pthread_t thread;
};

static void *sample_rss(void *arg)
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

static void fmt_rss(long pid, long anon_peak_kb, char *out, size_t n)
{
	long hwm, rss, anon;
	if (pid <= 0 || read_rss(pid, &hwm, &rss, &anon) < 0)
		snprintf(out, n, "kartd_peak_rss=n/a");
	else
		snprintf(out, n, "kartd_peak_rss=%.1f MB (rss now %.1f MB; anonymous, besides the mapped database: peak %.1f MB)",
			 (double)hwm / 1024.0, (double)rss / 1024.0,
			 (double)(anon_peak_kb > anon ? anon_peak_kb : anon) / 1024.0);
}

/* ---- shared run state -------------------------------------------------- */

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
	_Atomic uint64_t update_seq;
	pthread_mutex_t lock;       /* guards the gate and first_error */
	/* the first error seen by anyone */
	char first_error[600];
	long pid;                   /* the daemon, for its memory; 0: unknown */
	struct sampler *sampler;
};

struct worker {
	struct run *run;
	int no;
	pthread_t thread;
	int connected;
	uint64_t ok, errors;
	uint64_t misses;            /* find-phone: the phone's card was not found */
	uint64_t min_id, max_id;    /* load: ids of the created cards */
	struct hist hist;           /* --op: latencies */
	int nconns;                 /* connections this thread drives */
	int64_t end_ns;
};

/* Tells the main thread this worker is ready and waits for everyone. */
static void wait_for_start(struct run *r)
{
	pthread_mutex_lock(&r->lock);
	r->ready++;
	pthread_cond_broadcast(&r->cond);
	while (!r->go)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

static void note_error(struct run *r, const char *what, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (!r->first_error[0])
		snprintf(r->first_error, sizeof(r->first_error), "%s: %s", what, msg);
	pthread_mutex_unlock(&r->lock);
}

/* A worker's connection failed: say which worker. */
static void note_conn_error(struct worker *w, const char *msg)
{
	char what[32];
	snprintf(what, sizeof(what), "connection %d", w->no + 1);
	note_error(w->run, what, msg);
}

/* A worker's own connection, resumed on the main thread's session. */
static struct kc *worker_connect(struct worker *w)
{
	struct kc_error err;
	struct kc *c = kc_connect(&w->run->kco, &err);
	if (!c) {
		note_conn_error(w, err.message);
		return NULL;
	}
	Kart__Envelope *s = kc_resume(c, w->run->token, &err);
	if (!s) {
		note_conn_error(w, err.message);
		kc_close(c);
		return NULL;
	}
	kc_env_free(s);
	return c;
}

/* ---- the engine: load and --op drivers ------------------------------------ */

/* Takes the next index to load, or returns 0 when all are taken. */
static int take_index(struct run *r, uint64_t *index)
{
	uint64_t i = atomic_fetch_add(&r->next_index, 1);
	if (i >= r->load_end)
		return 0;
	*index = i;
	return 1;
}

struct slot {
	uint64_t rid;               /* 0: free */
	int64_t sent_ns;
	uint64_t index;             /* find-phone: whose phone was asked for */
};

/* One benchmark connection, driven by a worker thread among others. */
struct bconn {
	struct kc *c;
	struct slot *slots;         /* one per pipeline position */
	int outstanding;
	uint64_t seq;
	bool dead;
};

/* Formats the phone of card index as a person might type it: +7 9xx xxx-xx-xx,
 * 8 (9xx) xxx-xx-xx, 89xxxxxxxxx, 9xxxxxxxxx, or (one time in eight) only
 * its last 7 digits. */
static void typed_phone(uint64_t index, uint64_t pick, char *out, size_t n)
{
	unsigned long long d = gen_phone_national(index);
	unsigned code = (unsigned)(d / 10000000ull), mid = (unsigned)(d / 10000 % 1000);
	unsigned a = (unsigned)(d / 100 % 100), b = (unsigned)(d % 100);
	switch (pick % 8) {
	case 0:
	case 1:
		snprintf(out, n, "+7 %03u %03u-%02u-%02u", code, mid, a, b);
		break;
	case 2:
	case 3:
		snprintf(out, n, "8 (%03u) %03u-%02u-%02u", code, mid, a, b);
		break;
	case 4:
		snprintf(out, n, "8%llu", d);
		break;
	case 5:
	case 6:
		snprintf(out, n, "%llu", d);
		break;
	default:
		snprintf(out, n, "%07llu", d % 10000000ull);
		break;
	}
}

/* The first k code points of s (UTF-8), at most n - 1 bytes. */
static void utf8_prefix(const char *s, int k, char *out, size_t n)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (int i = 0; i < k && *p; i++) {
		size_t len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		if (o + len >= n)
			break;
		for (size_t j = 0; j < len && p[j]; j++)
			out[o++] = (char)p[j];
		p += len;
	}
	out[o] = '\0';
}

/* Queues one CardImport of up to --batch cards from the next indices.
 * Returns 0, 1 if there is nothing left to send, -1 on error. */
static int queue_import(struct worker *w, struct bconn *b, int s, uint64_t rid, struct kc_error *err)
{
	struct run *r = w->run;
	const struct opts *o = r->o;
	size_t n = 0, want = (size_t)o->batch;
	/* one of each per card: the FieldValues point into them until packed */
	struct gen_card *cards = malloc(want * sizeof(*cards));
	struct gen_fields *fields = malloc(want * sizeof(*fields));
	struct gen_custom *cu = o->custom ? malloc(want * sizeof(*cu)) : NULL;
	Kart__CardCreate *cc = malloc(want * sizeof(*cc));
	Kart__CardCreate **ccp = malloc(want * sizeof(*ccp));
	int rc = -1;
	if (!cards || !fields || !cc || !ccp || (o->custom && !cu)) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		goto cleanup;
	}
	uint64_t index;
	while (n < want && take_index(r, &index)) {
		gen_card(o->seed, index, &cards[n]);
		gen_fields(&cards[n], &fields[n]);
		if (o->custom) {
			gen_custom(o->seed, index, o->custom, &cu[n]);
			gen_fields_custom(&cu[n], &fields[n]);
		}
		kart__card_create__init(&cc[n]);
		cc[n].n_fields = fields[n].n;
		cc[n].fields = fields[n].ptrs;
		ccp[n] = &cc[n];
		n++;
	}
	if (n == 0) {
		rc = 1;
		goto cleanup;
	}
	Kart__CardImport imp = KART__CARD_IMPORT__INIT;
	imp.n_cards = n;
	imp.cards = ccp;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.request_id = rid;
	req.body_case = KART__ENVELOPE__BODY_CARD_IMPORT;
	req.card_import = &imp;
	b->slots[s].rid = rid;
	b->slots[s].index = 0;
	b->slots[s].sent_ns = mono_ns();
	if (!kc_queue(b->c, &req, err)) {
		b->slots[s].rid = 0;
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(cards);
	free(fields);
	free(cu);
	free(cc);
	free(ccp);
	return rc;
}

/* Queues one request from slot s: a CardCreate of the next index (load), a
 * get (or, in mixed mode, one update in ten), a find. Request ids are chosen
 * so that (rid - 1) % pipeline == s. Returns 0, 1 if there is nothing left
 * to send (load), -1 on error. */
static int queue_op(struct worker *w, struct bconn *b, int s, uint64_t *rng, struct kc_error *err)
{
	struct run *r = w->run;
	const struct opts *o = r->o;
	uint64_t rid = ++b->seq * (uint64_t)r->pipeline + (uint64_t)s + 1;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__CardUpdate upd = KART__CARD_UPDATE__INIT;
	Kart__CardCreate cc = KART__CARD_CREATE__INIT;
	Kart__Find find = KART__FIND__INIT;
	Kart__FieldValue note = KART__FIELD_VALUE__INIT;
	Kart__FieldValue *set[1] = { &note };
	struct gen_card card;
	struct gen_fields f;
	struct gen_custom cu;
	char text[64], last[64];
	uint64_t index = 0;
	req.request_id = rid;
	if (o->mode == MODE_LOAD && o->batch > 1) {
		int rc = queue_import(w, b, s, rid, err);
		if (rc == 0)
			b->outstanding++;
		return rc;
	}
	if (o->mode == MODE_LOAD) {
		if (!take_index(r, &index))
			return 1;
		gen_card(o->seed, index, &card);
		gen_fields(&card, &f);
		if (o->custom) {
			gen_custom(o->seed, index, o->custom, &cu);
			gen_fields_custom(&cu, &f);
		}
		cc.n_fields = f.n;
		cc.fields = f.ptrs;
		req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
		req.card_create = &cc;
	} else if (o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_NAME) {
		index = r->lo + rng_next(rng) % (r->hi - r->lo + 1);
		if (o->mode == MODE_FIND_PHONE) {
			typed_phone(index, rng_next(rng), text, sizeof(text));
		} else {
			gen_last_name(o->seed, index, last, sizeof(last));
			utf8_prefix(last, 3, text, sizeof(text));
			find.limit = FIND_NAME_LIMIT;
		}
		find.text = text;
		req.body_case = KART__ENVELOPE__BODY_FIND;
		req.find = &find;
	} else {
		uint64_t id = r->lo + rng_next(rng) % (r->hi - r->lo + 1);
		if (o->mode == MODE_MIXED && rng_next(rng) % 100 < 10) {
			snprintf(text, sizeof(text), "bench %" PRIu64, atomic_fetch_add(&r->update_seq, 1) + 1);
			note.field = "notes";
			note.value = text;
			upd.id = id;
			upd.expected_version = 0;
			upd.n_set = 1;
			upd.set = set;
			req.body_case = KART__ENVELOPE__BODY_CARD_UPDATE;
			req.card_update = &upd;
		} else {
			get.id = id;
			req.body_case = KART__ENVELOPE__BODY_CARD_GET;
			req.card_get = &get;
		}
	}
	b->slots[s].rid = rid;
	b->slots[s].index = index;
	b->slots[s].sent_ns = mono_ns();
	if (!kc_queue(b->c, &req, err)) {
		b->slots[s].rid = 0;
		return -1;
	}
	b->outstanding++;
	return 0;
}

/* Whether a FindPage holds the card whose phone was asked for. */
static bool page_has_phone(const Kart__FindPage *p, uint64_t index)
{
	char want[24];
	snprintf(want, sizeof(want), "+7%llu", (unsigned long long)gen_phone_national(index));
	for (size_t i = 0; p && i < p->n_cards; i++)
		for (size_t j = 0; j < p->cards[i]->n_phones_e164; j++)
			if (strcmp(p->cards[i]->phones_e164[j], want) == 0)
				return true;
	return false;
}

/* Counts one whole reply to slot s as ok or an error. */
static void count_reply(struct worker *w, const struct slot *sl, const Kart__Envelope *e)
{
	struct run *r = w->run;
	switch (r->o->mode) {
	case MODE_LOAD:
		if (e->body_case == KART__ENVELOPE__BODY_IMPORT_RESULT && e->import_result) {
			const Kart__ImportResult *ir = e->import_result;
			for (size_t i = 0; i < ir->n_ids; i++) {
				uint64_t id = ir->ids[i];
				if (!id)
					continue;
				w->ok++;
				if (!w->min_id || id < w->min_id)
					w->min_id = id;
				if (id > w->max_id)
					w->max_id = id;
			}
			w->errors += ir->n_errors;
			if (ir->n_errors && ir->errors[0]->error)
				note_error(r, "card import", ir->errors[0]->error->message ? ir->errors[0]->error->message : "");
		} else if (e->body_case == KART__ENVELOPE__BODY_CARD && e->card) {
			uint64_t id = e->card->id;
			w->ok++;
			if (!w->min_id || id < w->min_id)
				w->min_id = id;
			if (id > w->max_id)
				w->max_id = id;
		} else {
			w->errors++;
			note_error(r, "card create", "unexpected reply");
		}
		break;
	case MODE_FIND_PHONE:
	case MODE_FIND_NAME:
		if (e->body_case == KART__ENVELOPE__BODY_FIND_PAGE) {
			w->ok++;
			if (r->o->mode == MODE_FIND_PHONE && !page_has_phone(e->find_page, sl->index))
				w->misses++;
		} else {
			w->errors++;
			note_error(r, "find", "unexpected reply");
		}
		break;
	default:
		w->ok++;
		break;
	}
}

static void conn_failed(struct worker *w, struct bconn *b, int ep, const char *msg)
{
	w->errors += (uint64_t)b->outstanding;
	b->outstanding = 0;
	b->dead = true;
	note_conn_error(w, msg);
	epoll_ctl(ep, EPOLL_CTL_DEL, kc_fd(b->c), NULL);
}

/* Handles every whole reply waiting on b, queueing a new request for each
 * one answered while the run lasts, then sends them in one write. */
static void drain(struct worker *w, struct bconn *b, int ep, int64_t deadline, uint64_t *rng)
{
	struct run *r = w->run;
	struct kc_error err;
	int P = r->pipeline;
	for (;;) {
		Kart__Envelope *e = NULL;
		int got = kc_try_recv(b->c, &e, &err);
		if (got == 0)
			break;
		if (got < 0) {
			conn_failed(w, b, ep, err.message);
			return;
		}
		int64_t now = mono_ns();
		uint64_t rid = e->request_id;
		int s = rid ? (int)((rid - 1) % (uint64_t)P) : -1;
		int is_error = e->body_case == KART__ENVELOPE__BODY_ERROR;
		if (is_error)
			note_error(r, rid ? (r->o->mode == MODE_LOAD ? "card create" : "request") : "server",
				   e->error->message ? e->error->message : "");
		if (s < 0 || b->slots[s].rid != rid || e->more) {
			/* not one of ours (or an unsolicited error): count, keep going */
			if (is_error)
				w->errors++;
			kc_env_free(e);
			continue;
		}
		if (is_error)
			w->errors++;
		else
			count_reply(w, &b->slots[s], e);
		hist_add(&w->hist, (uint64_t)(now - b->slots[s].sent_ns));
		b->slots[s].rid = 0;
		b->outstanding--;
		kc_env_free(e);
		if (now < deadline && queue_op(w, b, s, rng, &err) < 0) {
			conn_failed(w, b, ep, err.message);
			return;
		}
	}
	if (kc_flush(b->c, &err) < 0)
		conn_failed(w, b, ep, err.message);
}

/* A worker thread drives its share of the connections from one epoll loop,
 * as an event-driven load generator does, so the client spends its CPU on
 * requests rather than on waking one thread per connection. A load runs
 * until every index is sent and answered. */
static void *op_worker(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	struct kc_error err;
	int P = r->pipeline, live = 0;
	uint64_t rng = rng_seed(r->o->seed, (uint64_t)w->no);
	struct bconn *bc = calloc((size_t)w->nconns, sizeof(*bc));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (!bc || ep < 0)
		note_error(r, "worker", "out of memory");
	for (int i = 0; bc && ep >= 0 && i < w->nconns; i++) {
		struct bconn *b = &bc[i];
		b->slots = calloc((size_t)P, sizeof(*b->slots));
		b->c = b->slots ? worker_connect(w) : NULL;
		if (!b->c || kc_set_nonblocking(b->c) < 0) {
			b->dead = true;
			w->errors++;
			continue;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = b };
		epoll_ctl(ep, EPOLL_CTL_ADD, kc_fd(b->c), &ev);
		live++;
	}
	w->connected = live > 0;
	wait_for_start(r);
	int64_t deadline = r->o->mode == MODE_LOAD ? INT64_MAX : mono_ns() + (int64_t)(r->o->seconds * 1e9);
	int outstanding = 0;
	for (int i = 0; i < w->nconns && live; i++) {
		struct bconn *b = &bc[i];
		if (b->dead)
			continue;
		for (int s = 0; s < P && !b->dead; s++) {
			int q = queue_op(w, b, s, &rng, &err);
			if (q < 0)
				conn_failed(w, b, ep, err.message);
			else if (q > 0)
				break;
		}
		if (!b->dead && kc_flush(b->c, &err) < 0)
			conn_failed(w, b, ep, err.message);
		outstanding += b->outstanding;
	}
	while (outstanding > 0) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			struct bconn *b = evs[i].data.ptr;
			if (!b->dead)
				drain(w, b, ep, deadline, &rng);
		}
		outstanding = 0;
		for (int i = 0; i < w->nconns; i++)
			outstanding += bc[i].outstanding;
	}
	w->end_ns = mono_ns();
	for (int i = 0; bc && i < w->nconns; i++) {
		kc_close(bc[i].c);
		free(bc[i].slots);
	}
	free(bc);
	if (ep >= 0)
		close(ep);
	return NULL;
}

/* ---- id range discovery ------------------------------------------------ */

/* The lowest card id via CardList{limit 1}; 0 if there are no cards, with
 * *failed set on an error. */
static uint64_t lowest_id(struct kc *c, struct kc_error *err, int *failed)
{
	Kart__CardList list = KART__CARD_LIST__INIT;
	list.limit = 1;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
	req.card_list = &list;
	uint64_t rid = kc_send(c, &req, err), lowest = 0;
	*failed = 0;
	if (!rid) {
		*failed = 1;
		return 0;
	}
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e) {
			*failed = 1;
			return 0;
		}
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		int more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			*failed = 1;
		} else if (e->body_case == KART__ENVELOPE__BODY_CARD_PAGE && e->card_page) {
			for (size_t i = 0; i < e->card_page->n_cards; i++) {
				uint64_t id = e->card_page->cards[i]->id;
				if (!lowest || id < lowest)
					lowest = id;
			}
		}
		kc_env_free(e);
		if (!more)
			break;
	}
	return *failed ? 0 : lowest;
}

/* 1 if card id exists, 0 if NOT_FOUND, -1 on any other failure. */
static int card_exists(struct kc *c, uint64_t id, struct kc_error *err)
{
	Kart__CardGet get = KART__CARD_GET__INIT;
	get.id = id;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	Kart__Envelope *e = kc_call(c, &req, err);
	if (!e)
		return err->code == KART__ERROR_CODE__NOT_FOUND ? 0 : -1;
	int ok = e->body_case == KART__ENVELOPE__BODY_CARD;
	kc_env_free(e);
	return ok ? 1 : -1;
}

/* Finds [lo, hi] assuming ids are dense from the lowest: gallops up from the
 * lowest id, then bisects between the last id found and the first missing. */
static int discover_ids(struct kc *c, uint64_t *lo, uint64_t *hi, struct kc_error *err)
{
	int failed;
	uint64_t low = lowest_id(c, err, &failed);
	if (failed)
		return -1;
	if (!low) {
		snprintf(err->message, sizeof(err->message), "there are no cards: run --load first");
		return -1;
	}
	uint64_t have = low, missing = 0, step = 1;
	while (!missing) {
		uint64_t probe = have + step;
		if (probe > ID_SEARCH_LIMIT) {
			missing = ID_SEARCH_LIMIT + 1;
			break;
		}
		int ex = card_exists(c, probe, err);
		if (ex < 0)
			return -1;
		if (ex) {
			have = probe;
			step *= 2;
		} else {
			missing = probe;
		}
	}
	while (missing - have > 1) {
		uint64_t mid = have + (missing - have) / 2;
		int ex = card_exists(c, mid, err);
		if (ex < 0)
			return -1;
		if (ex)
			have = mid;
		else
			missing = mid;
	}
	*lo = low;
	*hi = have;
	return 0;
}

/* ---- custom fields ------------------------------------------------------ */

/* Defines the first n generated custom fields (FieldAdd; one that already
 * exists is fine), then checks with FieldList that each has the type the
 * generator's values need. Returns 0, or -1 after a message. */
static int define_custom(struct kc *c, int n)
{
	struct kc_error err;
	int added = 0, existed = 0;
	for (int i = 0; i < n; i++) {
		struct gen_field_def d;
		gen_custom_def(i, &d);
		Kart__FieldDef def = KART__FIELD_DEF__INIT;
		def.name = d.name;
		def.type = d.type;
		def.n_values = d.nvalues;
		def.values = (char **)d.values;
		Kart__FieldAdd add = KART__FIELD_ADD__INIT;
		add.field = &def;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_FIELD_ADD;
		req.field_add = &add;
		Kart__Envelope *e = kc_call(c, &req, &err);
		if (e) {
			added++;
			kc_env_free(e);
		} else if (err.code == KART__ERROR_CODE__CONFLICT) {
			existed++;
		} else {
			fprintf(stderr, "kart-bench: defining custom field %s: %s\n", d.name, err.message);
			return -1;
		}
	}
	Kart__FieldList fl = KART__FIELD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_FIELD_LIST;
	req.field_list = &fl;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_FIELD_PAGE || !e->field_page) {
		fprintf(stderr, "kart-bench: listing the custom fields: %s\n", e ? "unexpected reply" : err.message);
		kc_env_free(e);
		return -1;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct gen_field_def d;
		gen_custom_def(i, &d);
		const Kart__FieldDef *have = NULL;
		for (size_t j = 0; j < e->field_page->n_fields && !have; j++)
			if (e->field_page->fields[j]->name && strcmp(e->field_page->fields[j]->name, d.name) == 0)
				have = e->field_page->fields[j];
		if (!have) {
			fprintf(stderr, "kart-bench: custom field %s is not listed after it was added\n", d.name);
			bad = 1;
		} else if (have->type != d.type) {
			fprintf(stderr, "kart-bench: custom field %s exists with another type (%d, want %d); "
				"remove it first\n", d.name, (int)have->type, (int)d.type);
			bad = 1;
		}
	}
	kc_env_free(e);
	if (bad)
		return -1;
	fprintf(stderr, "kart-bench: custom fields: %d (%d added, %d there already)\n", n, added, existed);
	return 0;
}

/* ---- segment and move ----------------------------------------------------- */

/* Sends one CardQuery and reads its replies to the end. The time until the
 * last frame goes to *ns; rows to *rows; a QueryResult's count to *count.
 * Returns 0, or -1 with err filled (a server error or a lost connection). */
static int timed_query(struct kc *c, const char *where, bool count, uint32_t limit, bool explain, int64_t *ns,
		       uint64_t *rows, uint64_t *count_out, char **plan, struct kc_error *err)
{
	Kart__CardQuery q = KART__CARD_QUERY__INIT;
	q.where = (char *)where;
	q.count = count;
	q.limit = limit;
	q.explain = explain;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req.card_query = &q;
	int64_t t0 = mono_ns();
	uint64_t rid = kc_send(c, &req, err);
	if (!rid)
		return -1;
	int failed = 0;
	*rows = 0;
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return -1;
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		bool more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			failed = 1;
		} else if (e->body_case == KART__ENVELOPE__BODY_CARD_PAGE && e->card_page) {
			*rows += e->card_page->n_cards;
		} else if (e->body_case == KART__ENVELOPE__BODY_QUERY_RESULT && e->query_result) {
			*count_out = e->query_result->count;
			if (plan && e->query_result->plan)
				*plan = strdup(e->query_result->plan);
		}
		kc_env_free(e);
		if (!more)
			break;
	}
	*ns = mono_ns() - t0;
	return failed ? -1 : 0;
}

/* --op segment: the filter's count, then its first 100 rows, run after run
 * on one connection, for --seconds if given, and at least --runs times. */
static int run_segment(struct kc *c, const struct opts *o)
{
	static struct hist hc, hr;
	struct kc_error err;
	uint64_t count = 0, rows = 0, n = 0;
	int64_t ns;
	char *plan = NULL;
	memset(&hc, 0, sizeof(hc));
	memset(&hr, 0, sizeof(hr));
	/* once untimed, with the plan: it also warms the caches */
	if (timed_query(c, o->where, true, 0, true, &ns, &rows, &count, &plan, &err) < 0) {
		fprintf(stderr, "kart-bench: segment '%s': %s\n", o->where, err.message);
		return -1;
	}
	fprintf(stderr, "kart-bench: plan: %s\n", plan ? plan : "");
	free(plan);
	int runs = 0;
	int64_t end = mono_ns() + (int64_t)(o->seconds * 1e9);
	bool warned = false;
	while (runs < o->runs || (o->seconds_given && mono_ns() < end)) {
		if (timed_query(c, o->where, true, 0, false, &ns, &rows, &n, NULL, &err) < 0) {
			fprintf(stderr, "kart-bench: segment count: %s\n", err.message);
			return -1;
		}
		hist_add(&hc, (uint64_t)ns);
		count = n;
		if (timed_query(c, o->where, false, 100, false, &ns, &rows, &n, NULL, &err) < 0) {
			fprintf(stderr, "kart-bench: segment rows: %s\n", err.message);
			return -1;
		}
		hist_add(&hr, (uint64_t)ns);
		uint64_t want = count < 100 ? count : 100;
		if (rows != want && !warned) {
			fprintf(stderr, "kart-bench: segment: %" PRIu64 " rows came back, the count says %" PRIu64 "\n",
				rows, want);
			warned = true;
		}
		runs++;
	}
	char c50[32], c99[32], r50[32], r99[32];
	fmt_ms(hist_quantile(&hc, 0.50), c50, sizeof(c50));
	fmt_ms(hist_quantile(&hc, 0.99), c99, sizeof(c99));
	fmt_ms(hist_quantile(&hr, 0.50), r50, sizeof(r50));
	fmt_ms(hist_quantile(&hr, 0.99), r99, sizeof(r99));
	printf("op=segment where='%s': count=%" PRIu64 "  count p50=%s p99=%s ms  first100 p50=%s p99=%s ms  runs=%d\n",
	       o->where, count, c50, c99, r50, r99, runs);
	return 0;
}

/* --op move: one BulkMove, timed. */
static int run_move(struct kc *c, const struct opts *o)
{
	struct kc_error err;
	Kart__BulkMove m = KART__BULK_MOVE__INIT;
	m.where = (char *)o->where;
	m.sector = (char *)o->sector;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_BULK_MOVE;
	req.bulk_move = &m;
	int64_t t0 = mono_ns();
	Kart__Envelope *e = kc_call(c, &req, &err);
	double secs = (double)(mono_ns() - t0) / 1e9;
	if (!e) {
		fprintf(stderr, "kart-bench: move '%s' to %s: %s\n", o->where, o->sector, err.message);
		return -1;
	}
	if (e->body_case != KART__ENVELOPE__BODY_QUERY_RESULT || !e->query_result) {
		fprintf(stderr, "kart-bench: move: unexpected reply\n");
		kc_env_free(e);
		return -1;
	}
	printf(secs < 1.0 ? "op=move: moved %" PRIu64 " cards in %.3f s\n" : "op=move: moved %" PRIu64 " cards in %.1f s\n",
	       e->query_result->count, secs);
	kc_env_free(e);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kart-bench [connection options] --load N [--custom K] [--conns M] [--pipeline P]\n"
		"                  [--threads T] [--seed S] [--first I]\n"
		"       kart-bench [connection options] --op get|mixed [--conns M] [--pipeline P] [--seconds D]\n"
		"                  [--threads T] [--ids LO-HI] [--seed S] [--pid PID]\n"
		"       kart-bench [connection options] --op find-phone|find-name [--conns M] [--pipeline P]\n"
		"                  [--seconds D] [--threads T] [--indices LO-HI | --ids LO-HI] [--seed S]\n"
		"       kart-bench [connection options] --op segment [--where EXPR] [--runs R] [--seconds D]\n"
		"       kart-bench [connection options] --op move --sector S [--where EXPR]\n"
		"\n"
		"Benchmarks kartd through its protocol.\n"
		"  --load N          create N generated cards, pipelined; prints cards/s and the id range\n"
		"  --op get          get cards by random id for D seconds\n"
		"  --op mixed        as get, but one request in ten is an update of the card's notes\n"
		"  --op find-phone   Find the phone of a random loaded card, typed as +7 9xx xxx-xx-xx,\n"
		"                    8 (9xx) xxx-xx-xx, 89xxxxxxxxx, 9xxxxxxxxx or (1 in 8) its last 7\n"
		"                    digits; also prints misses=N: replies without that card (every\n"
		"                    phone of a loaded index must be found)\n"
		"  --op find-name    Find (limit 20) the first 3 letters of a random card's last name\n"
		"  --op segment      count the cards matching --where (CardQuery count) and fetch its\n"
		"                    first 100 (CardQuery limit 100, until the last CardPage), one after\n"
		"                    the other on one connection; prints both latencies' p50 and p99\n"
		"  --op move         one BulkMove of the cards matching --where to --sector, timed;\n"
		"                    moved N counts the cards whose sector changed\n"
		"\n"
		"Connection options:\n"
		"  -s, --server HOST:PORT   the daemon (default " DEFAULT_SERVER ")\n"
		"  --ca FILE                CA certificate (PEM) to verify the daemon with\n"
		"  --user U                 user to log in as (default admin)\n"
		"  --password-file F        file whose first line is the password (required)\n"
		"\n"
		"Load and run options:\n"
		"  --conns M         connections (default 4 for --load, 16 for --op)\n"
		"  --threads T       threads driving the connections, each with one epoll loop\n"
		"                    (default 1); a thread sends the requests that replace the\n"
		"                    replies it read in one write\n"
		"  --pipeline P      requests in flight per connection (default 4 for --load, 1 for --op)\n"
		"  --batch B         --load: cards per request (default 200), sent as one CardImport;\n"
		"                    1 sends one CardCreate per card. Loading is limited by the\n"
		"                    daemon's one writer thread: every request in flight joins its next\n"
		"                    group commit (up to 16384 cards), and a commit costs milliseconds,\n"
		"                    so more cards in flight load faster\n"
		"  --seconds D       how long to run --op (default 10; fractions allowed); segment runs\n"
		"                    --runs times, or for D seconds if given and that is more\n"
		"  --seed S          generator and id-choice seed (default 1); the find ops must use the\n"
		"                    seed the cards were loaded with\n"
		"  --first I         index of the first generated card (default 0); phones and e-mails\n"
		"                    are unique per index, so load more cards with a new --first\n"
		"  --custom K        --load: first define K custom fields (FieldAdd; existing ones are\n"
		"                    fine if their type matches), then give every card a value for each:\n"
		"                    computers (number 0..200, so computers > 50 keeps ~75%%),\n"
		"                    employees (number), fleet_renewal (date), branch (enum of 10),\n"
		"                    interests (multienum of 8), seminar_ok (bool), revenue (number\n"
		"                    with 2 decimals), contract_until (date), then text fields note1,\n"
		"                    note2, ... (K up to %d; default 0)\n"
		"  --ids LO-HI       card ids to pick from (default: discover, assuming dense ids)\n"
		"  --indices LO-HI   find ops: generated card indices to pick from (default 0 to the\n"
		"                    number of ids minus 1, the ids given or discovered as above:\n"
		"                    cards loaded from --first 0 into an empty database)\n"
		"  --where EXPR      segment, move: the filter, by default\n"
		"                      %s\n"
		"                    the generator puts 1.5%% of the cards in Самара (Москва 12%%,\n"
		"                    Санкт-Петербург 6%%, the next 14 cities 1.5%% each), half are\n"
		"                    women, so this segment is ~0.56%% of the cards (load them with\n"
		"                    --custom 1 or more for the computers field)\n"
		"  --runs R          segment: at least R runs (default %d)\n"
		"  --sector S        move: cold, warm or hot (required); the caller picks it, so to\n"
		"                    move the same cards back and forth alternate it between runs\n"
		"  --pid PID         the daemon's pid for its memory use (default: the only process\n"
		"                    named kartd, if there is exactly one)\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 it ran (errors are reported), 1 cannot connect or log in, or the server\n"
		"refused the segment or move, 2 usage.\n",
		GEN_MAX_CUSTOM, DEFAULT_WHERE, DEFAULT_RUNS);
}

enum {
	OPT_CA = 256, OPT_USER, OPT_PASSWORD_FILE, OPT_LOAD, OPT_OP, OPT_CONNS, OPT_PIPELINE,
	OPT_SECONDS, OPT_PID, OPT_SEED, OPT_IDS, OPT_FIRST, OPT_THREADS, OPT_CUSTOM, OPT_INDICES, OPT_WHERE,
	OPT_RUNS, OPT_SECTOR, OPT_BATCH,
};

/* Returns 0, 1 for --help, or -1 after printing a usage error. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "user", required_argument, NULL, OPT_USER },
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
		{ "load", required_argument, NULL, OPT_LOAD },
		{ "op", required_argument, NULL, OPT_OP },
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "pipeline", required_argument, NULL, OPT_PIPELINE },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "ids", required_argument, NULL, OPT_IDS },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "custom", required_argument, NULL, OPT_CUSTOM },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "indices", required_argument, NULL, OPT_INDICES },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ "runs", required_argument, NULL, OPT_RUNS },
		{ "sector", required_argument, NULL, OPT_SECTOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->server = DEFAULT_SERVER;
	o->user = "admin";
	o->seconds = 10;
	o->seed = 1;
	o->runs = -1;
	o->custom = -1;
	o->batch = 200;
	int ch, modes = 0;
	uint64_t v;
	char *end;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->server = optarg;
			break;
		case OPT_CA:
			o->ca_file = optarg;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_PASSWORD_FILE:
			o->password_file = optarg;
			break;
		case OPT_LOAD:
			if (parse_u64(optarg, &o->load_n) < 0 || o->load_n == 0) {
				fprintf(stderr, "kart-bench: --load wants a positive count, not '%s'\n", optarg);
				return -1;
			}
			o->mode = MODE_LOAD;
			modes++;
			break;
		case OPT_OP: {
			enum mode m = MODE_NONE;
			for (int i = MODE_GET; i <= MODE_MOVE; i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					m = (enum mode)i;
			if (m == MODE_NONE) {
				fprintf(stderr, "kart-bench: --op is get, mixed, find-phone, find-name, segment or move, "
					"not '%s'\n", optarg);
				return -1;
			}
			o->mode = m;
			modes++;
			break;
		}
		case OPT_CONNS:
			if (parse_int(optarg, 1, MAX_CONNS, &o->conns) < 0) {
				fprintf(stderr, "kart-bench: --conns wants 1..%d, not '%s'\n", MAX_CONNS, optarg);
				return -1;
			}
			break;
		case OPT_PIPELINE:
			if (parse_int(optarg, 1, MAX_PIPELINE, &o->pipeline) < 0) {
				fprintf(stderr, "kart-bench: --pipeline wants 1..%d, not '%s'\n", MAX_PIPELINE, optarg);
				return -1;
			}
			break;
		case OPT_SECONDS:
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0) || o->seconds > 1e6) {
				fprintf(stderr, "kart-bench: --seconds wants a positive number, not '%s'\n", optarg);
				return -1;
			}
			o->seconds_given = true;
			break;
		case OPT_PID:
			if (parse_u64(optarg, &v) < 0 || v == 0 || v > 0x7fffffff) {
				fprintf(stderr, "kart-bench: --pid wants a process id, not '%s'\n", optarg);
				return -1;
			}
			o->pid = (long)v;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, &o->seed) < 0) {
				fprintf(stderr, "kart-bench: --seed wants a number, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_IDS:
			if (parse_range(optarg, &o->ids_lo, &o->ids_hi, false) < 0) {
				fprintf(stderr, "kart-bench: --ids wants LO-HI with 1 <= LO <= HI, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_FIRST:
			if (parse_u64(optarg, &o->first_index) < 0) {
				fprintf(stderr, "kart-bench: --first wants a number, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_BATCH:
			if (parse_int(optarg, 1, 5000, &o->batch) < 0) {
				fprintf(stderr, "kart-bench: --batch wants 1 to 5000, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_THREADS:
			if (parse_int(optarg, 1, 64, &o->threads) < 0) {
				fprintf(stderr, "kart-bench: --threads wants 1 to 64, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_CUSTOM:
			if (parse_int(optarg, 0, GEN_MAX_CUSTOM, &o->custom) < 0) {
				fprintf(stderr, "kart-bench: --custom wants 0 to %d, not '%s'\n", GEN_MAX_CUSTOM, optarg);
				return -1;
			}
			break;
		case OPT_INDICES:
			if (parse_range(optarg, &o->idx_lo, &o->idx_hi, true) < 0) {
				fprintf(stderr, "kart-bench: --indices wants LO-HI with LO <= HI, not '%s'\n", optarg);
				return -1;
			}
			o->indices_given = true;
			break;
		case OPT_WHERE:
			o->where = optarg;
			break;
		case OPT_RUNS:
			if (parse_int(optarg, 1, 1000000000, &o->runs) < 0) {
				fprintf(stderr, "kart-bench: --runs wants a positive count, not '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_SECTOR:
			if (strcmp(optarg, "cold") && strcmp(optarg, "warm") && strcmp(optarg, "hot")) {
				fprintf(stderr, "kart-bench: --sector is cold, warm or hot, not '%s'\n", optarg);
				return -1;
			}
			o->sector = optarg;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "kart-bench: %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "kart-bench: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kart-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (modes != 1) {
		fprintf(stderr, "kart-bench: give exactly one of --load N and --op OP\n");
		return -1;
	}
	bool find = o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_NAME;
	bool seq = o->mode == MODE_SEGMENT || o->mode == MODE_MOVE;
	const char *misplaced = o->custom >= 0 && o->mode != MODE_LOAD ? "--custom goes with --load"
				: o->indices_given && !find ? "--indices goes with --op find-phone|find-name"
				: o->where && !seq ? "--where goes with --op segment|move"
				: o->runs >= 0 && o->mode != MODE_SEGMENT ? "--runs goes with --op segment"
				: o->sector && o->mode != MODE_MOVE ? "--sector goes with --op move"
				: o->mode == MODE_MOVE && !o->sector ? "--op move needs --sector cold|warm|hot"
				: o->mode == MODE_MOVE && o->seconds_given ? "--op move runs once: no --seconds"
				: NULL;
	if (misplaced) {
		fprintf(stderr, "kart-bench: %s\n", misplaced);
		return -1;
	}
	if (o->custom < 0)
		o->custom = 0;
	if (o->runs < 0)
		o->runs = DEFAULT_RUNS;
	if (!o->where)
		o->where = DEFAULT_WHERE;
	if (!o->password_file) {
		fprintf(stderr, "kart-bench: --password-file is required\n");
		return -1;
	}
	if (o->mode == MODE_LOAD && o->load_n > UINT64_MAX - o->first_index) {
		fprintf(stderr, "kart-bench: --first + --load overflows\n");
		return -1;
	}
	if (!o->conns)
		o->conns = o->mode == MODE_LOAD ? 4 : 16;
	if (!o->threads)
		o->threads = 1;
	if (!o->pipeline)
		o->pipeline = o->mode == MODE_LOAD ? (o->batch > 1 ? 4 : 64) : 1;
	return 0;
}

/* The first line of the password file, malloc'd; NULL after a message. */
static char *read_password(const char *path)
{
	char *text = util_read_file(path, NULL);
	if (!text) {
		fprintf(stderr, "kart-bench: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	if (!text[0]) {
		fprintf(stderr, "kart-bench: %s: the first line (the password) is empty\n", path);
		free(text);
		return NULL;
	}
	return text;
}

/* ---- main ----------------------------------------------------------------- */

static void summarize_load(struct run *r, struct worker *w, int n, double secs)
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

static void summarize_ops(struct run *r, struct worker *w, int n, double secs)
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
	if (o->mode == MODE_FIND_PHONE)
		snprintf(miss, sizeof(miss), "  misses=%" PRIu64, misses);
	printf("op=%s conns=%d pipeline=%d seconds=%s: %.0f ops/s  p50=%s ms  p99=%s ms  p999=%s ms  "
	       "errors=%" PRIu64 "%s  %s\n",
	       mode_names[o->mode], o->conns, o->pipeline, dur, secs > 0 ? (double)ok / secs : 0.0, p50, p99, p999,
	       errors, miss, rss);
	if (r->first_error[0])
		fprintf(stderr, "kart-bench: first error: %s\n", r->first_error);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run run;
	struct kc_error err;
	struct kc *main_conn = NULL;
	Kart__Envelope *session = NULL;
	struct worker *workers = NULL;
	char *password = NULL, *token = NULL;
	int rc = 1, nstarted = 0, sync_ready = 0;

	memset(&run, 0, sizeof(run));
	int pr = parse_opts(argc, argv, &o);
	if (pr != 0) {
		if (pr > 0) {
			usage(stdout);
			rc = 0;
		} else {
			fprintf(stderr, "Try 'kart-bench --help'.\n");
			rc = 2;
		}
		goto cleanup;
	}
	password = read_password(o.password_file);
	if (!password) {
		rc = 2;
		goto cleanup;
	}
	/* A dead connection must be an error, not a SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	run.o = &o;
	run.kco.server = o.server;
	run.kco.ca_file = o.ca_file;
	/* a segment over every card or a bulk move may take minutes */
	run.kco.timeout_ms = o.mode == MODE_SEGMENT || o.mode == MODE_MOVE ? 3600000 : 30000;
	run.kco.client_name = "kart-bench 0.1.0";
	run.pipeline = o.pipeline;
	main_conn = kc_connect(&run.kco, &err);
	if (!main_conn) {
		fprintf(stderr, "kart-bench: %s\n", err.message);
		rc = err.status == KC_ERR_USAGE ? 2 : 1;
		goto cleanup;
	}
	session = kc_login(main_conn, o.user, password, &err);
	if (!session) {
		fprintf(stderr, "kart-bench: login as %s: %s\n", o.user, err.message);
		goto cleanup;
	}
	if (!session->session || !session->session->token || !session->session->token[0]) {
		fprintf(stderr, "kart-bench: login as %s: the server sent no session token\n", o.user);
		goto cleanup;
	}
	token = strdup(session->session->token);
	if (!token) {
		fprintf(stderr, "kart-bench: out of memory\n");
		goto cleanup;
	}
	run.token = token;

	if (o.mode == MODE_SEGMENT || o.mode == MODE_MOVE) {
		int r = o.mode == MODE_SEGMENT ? run_segment(main_conn, &o) : run_move(main_conn, &o);
		fflush(stdout);
		rc = r < 0 ? 1 : 0;
		goto cleanup;
	}
	bool find = o.mode == MODE_FIND_PHONE || o.mode == MODE_FIND_NAME;
	if (o.mode == MODE_LOAD) {
		if (o.custom > 0 && define_custom(main_conn, o.custom) < 0)
			goto cleanup;
		atomic_store(&run.next_index, o.first_index);
		run.load_end = o.first_index + o.load_n;
	} else if (find && o.indices_given) {
		run.lo = o.idx_lo;
		run.hi = o.idx_hi;
	} else if (o.ids_lo) {
		run.lo = o.ids_lo;
		run.hi = o.ids_hi;
	} else {
		if (discover_ids(main_conn, &run.lo, &run.hi, &err) < 0) {
			fprintf(stderr, "kart-bench: finding the card ids: %s\n", err.message);
			goto cleanup;
		}
		fprintf(stderr, "kart-bench: card ids %" PRIu64 "-%" PRIu64 "\n", run.lo, run.hi);
	}
	if (find && !o.indices_given) {
		/* cards loaded from index 0 into an empty database: index = id - lo */
		run.hi -= run.lo;
		run.lo = 0;
		fprintf(stderr, "kart-bench: generated indices %" PRIu64 "-%" PRIu64 "\n", run.lo, run.hi);
	}

	int nworkers = o.threads < o.conns ? o.threads : o.conns;
	workers = calloc((size_t)nworkers, sizeof(*workers));
	if (!workers) {
		fprintf(stderr, "kart-bench: out of memory\n");
		goto cleanup;
	}
	if (pthread_mutex_init(&run.lock, NULL) != 0)
		goto cleanup;
	if (pthread_cond_init(&run.cond, NULL) != 0) {
		pthread_mutex_destroy(&run.lock);
		goto cleanup;
	}
	sync_ready = 1;
	for (int i = 0; i < nworkers; i++) {
		workers[i].run = &run;
		workers[i].no = i;
		workers[i].nconns = o.conns / nworkers + (i < o.conns % nworkers);
		int e = pthread_create(&workers[i].thread, NULL, op_worker, &workers[i]);
		if (e != 0) {
			fprintf(stderr, "kart-bench: cannot start worker %d: %s; going on with %d\n", i,
				strerror(e), nstarted);
			break;
		}
		nstarted++;
	}
	/* Every worker connects first; the clock starts when all are ready. */
	pthread_mutex_lock(&run.lock);
	while (run.ready < nstarted)
		pthread_cond_wait(&run.cond, &run.lock);
	run.go = 1;
	pthread_cond_broadcast(&run.cond);
	pthread_mutex_unlock(&run.lock);
	int64_t t0 = mono_ns();
	static struct sampler sampler;
	sampler.pid = run.pid = o.pid ? o.pid : find_kartd();
	run.sampler = &sampler;
	int sampling = run.pid > 0 && pthread_create(&sampler.thread, NULL, sample_rss, &sampler) == 0;
	for (int i = 0; i < nstarted; i++)
		pthread_join(workers[i].thread, NULL);
	atomic_store(&sampler.stop, 1);
	if (sampling)
		pthread_join(sampler.thread, NULL);
	int64_t t1 = t0;
	int connected = 0;
	for (int i = 0; i < nstarted; i++) {
		if (workers[i].end_ns > t1)
			t1 = workers[i].end_ns;
		connected += workers[i].connected;
	}
	double secs = (double)(t1 - t0) / 1e9;
	if (!connected) {
		fprintf(stderr, "kart-bench: no worker could connect: %s\n",
			run.first_error[0] ? run.first_error : "no worker thread started");
		goto cleanup;
	}
	if (o.mode == MODE_LOAD)
		summarize_load(&run, workers, nstarted, secs);
	else
		summarize_ops(&run, workers, nstarted, secs);
	fflush(stdout);
	rc = 0;

cleanup:
	if (sync_ready) {
		pthread_cond_destroy(&run.cond);
		pthread_mutex_destroy(&run.lock);
	}
	free(workers);
	free(token);
	kc_env_free(session);
	kc_close(main_conn);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
