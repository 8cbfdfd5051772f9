/* bench_engine: the engine that --load and the --op drivers share: worker
 * threads, each driving its share of the connections from one epoll loop with
 * --pipeline requests in flight on each, the requests they queue (a card to
 * create, a batch of an import, a get, an update, a Find) and the replies
 * they count.
 *
 * A load in batches is an import (ImportBegin, ImportBatch, ImportEnd, with
 * on_duplicate CREATE so that a load stays a load): one per connection, so
 * that each import's rows arrive numbered in order on its own connection. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "gen.h"
#include "kc.h"

#define FIND_NAME_LIMIT 20
#define FIND_PREFIX_LIMIT 50    /* kart-tui's screenful */

int64_t mono_ns(void)
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
	int typed;                  /* find-prefix: how many of its digits */
};

/* One benchmark connection, driven by a worker thread among others. */
struct bconn {
	struct kc *c;
	struct slot *slots;         /* one per pipeline position */
	int outstanding;
	uint64_t seq;
	bool dead;
	uint64_t import_id;         /* load in batches: this connection's import */
	uint64_t rows;              /* rows sent in it */
};

/* Begins b's import (blocking, before the run starts). Returns 0 or -1. */
static int import_begin(struct worker *w, struct bconn *b, int no)
{
	struct kc_error err;
	char *files[1] = { "kart-bench" };
	char fp[64];
	snprintf(fp, sizeof(fp), "kart-bench seed %" PRIu64 " thread %d connection %d", w->run->o->seed, w->no, no);
	Kart__ImportBegin beg = KART__IMPORT_BEGIN__INIT;
	beg.n_files = 1;
	beg.files = files;
	beg.fingerprint = fp;
	beg.on_duplicate = KART__ON_DUPLICATE__ON_DUPLICATE_CREATE;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BEGIN;
	req.import_begin = &beg;
	Kart__Envelope *e = kc_call(b->c, &req, &err);
	if (!e) {
		note_conn_error(w, err.message);
		return -1;
	}
	if (e->body_case != KART__ENVELOPE__BODY_IMPORT_STATUS) {
		note_error(w->run, "import begin", e->body_case == KART__ENVELOPE__BODY_ERROR && e->error->message ? e->error->message : "unexpected reply");
		kc_env_free(e);
		return -1;
	}
	b->import_id = e->import_status->id;
	kc_env_free(e);
	return 0;
}

/* Ends b's import once every batch is answered, and says which it was. */
static void import_end(struct worker *w, struct bconn *b)
{
	struct kc_error err;
	Kart__ImportEnd end = KART__IMPORT_END__INIT;
	end.id = b->import_id;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_END;
	req.import_end = &end;
	if (kc_set_blocking(b->c) < 0) {
		note_conn_error(w, "cannot end the import");
		return;
	}
	Kart__Envelope *e = kc_call(b->c, &req, &err);
	if (!e) {
		note_conn_error(w, err.message);
		return;
	}
	if (e->body_case == KART__ENVELOPE__BODY_IMPORT_STATUS) {
		pthread_mutex_lock(&w->run->lock);
		printf("load: import %" PRIu64 ": %" PRIu64 " rows, %" PRIu64 " created, %" PRIu64 " failed\n",
		       e->import_status->id, e->import_status->rows_done, e->import_status->created, e->import_status->failed);
		pthread_mutex_unlock(&w->run->lock);
	} else {
		note_error(w->run, "import end", e->body_case == KART__ENVELOPE__BODY_ERROR && e->error->message ? e->error->message : "unexpected reply");
	}
	kc_env_free(e);
}

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

/* The start of card index's phone as kart-tui sends it while it is typed:
 * "8 9xx x…" with 4 to 11 digits, the 8 among them. Returns the digits. */
static int typed_prefix(uint64_t index, uint64_t pick, char *out, size_t n)
{
	char d[16];
	snprintf(d, sizeof(d), "%llu", (unsigned long long)gen_phone_national(index));
	int k = 3 + (int)(pick % 8); /* national digits: 3..10 */
	if (k <= 3)
		snprintf(out, n, "8 %.*s", k, d);
	else
		snprintf(out, n, "8 %.3s %.*s", d, k - 3, d + 3);
	return k + 1;
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

/* Queues one ImportBatch of up to --batch cards from the next indices.
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
	Kart__ImportRow *cc = malloc(want * sizeof(*cc));
	Kart__ImportRow **ccp = malloc(want * sizeof(*ccp));
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
		if (o->managers)
			gen_fields_owner(gen_manager(gen_owner(o->seed, index, o->managers)), &fields[n]);
		kart__import_row__init(&cc[n]);
		cc[n].row = ++b->rows;
		cc[n].n_fields = fields[n].n;
		cc[n].fields = fields[n].ptrs;
		ccp[n] = &cc[n];
		n++;
	}
	if (n == 0) {
		rc = 1;
		goto cleanup;
	}
	Kart__ImportBatch imp = KART__IMPORT_BATCH__INIT;
	imp.id = b->import_id;
	imp.n_rows = n;
	imp.rows = ccp;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.request_id = rid;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_BATCH;
	req.import_batch = &imp;
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
	int typed = 0;
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
		if (o->managers)
			gen_fields_owner(gen_manager(gen_owner(o->seed, index, o->managers)), &f);
		cc.n_fields = f.n;
		cc.fields = f.ptrs;
		req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
		req.card_create = &cc;
	} else if (o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_NAME || o->mode == MODE_FIND_PREFIX) {
		index = r->npicks ? r->picks[rng_next(rng) % r->npicks] : r->lo + rng_next(rng) % (r->hi - r->lo + 1);
		if (o->mode == MODE_FIND_PREFIX) {
			typed = typed_prefix(index, rng_next(rng), text, sizeof(text));
			find.limit = FIND_PREFIX_LIMIT;
		} else if (o->mode == MODE_FIND_PHONE) {
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
		uint64_t id = r->npicks ? r->picks[rng_next(rng) % r->npicks] : r->lo + rng_next(rng) % (r->hi - r->lo + 1);
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
	b->slots[s].typed = typed;
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
		if (e->body_case == KART__ENVELOPE__BODY_IMPORT_STATUS && e->import_status) {
			const Kart__ImportStatus *st = e->import_status;
			if (st->first_created) {
				w->ok += st->last_created - st->first_created + 1;
				if (!w->min_id || st->first_created < w->min_id)
					w->min_id = st->first_created;
				if (st->last_created > w->max_id)
					w->max_id = st->last_created;
			}
			for (size_t i = 0; i < st->n_rows; i++) {
				const Kart__ImportRowResult *x = st->rows[i];
				if (x->outcome == KART__IMPORT_OUTCOME__IMPORT_OUTCOME_CREATED)
					continue;
				w->errors++;
				if (x->error)
					note_error(r, "import", x->error->message ? x->error->message : "");
			}
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
	case MODE_FIND_PREFIX:
		if (e->body_case == KART__ENVELOPE__BODY_FIND_PAGE) {
			w->ok++;
			bool must = r->o->mode == MODE_FIND_PHONE || (r->o->mode == MODE_FIND_PREFIX && sl->typed >= 7);
			if (must && !page_has_phone(e->find_page, sl->index))
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
		if (now < deadline && !atomic_load(&r->stop) && queue_op(w, b, s, rng, &err) < 0) {
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
void *op_worker(void *arg)
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
		if (r->o->mode == MODE_LOAD && r->o->batch > 1 && (kc_set_blocking(b->c) < 0 || import_begin(w, b, i) < 0 ||
								   kc_set_nonblocking(b->c) < 0)) {
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
	/* a load runs until every card is sent; the gets during a report or an export until it ends (stop) */
	int64_t deadline = r->o->mode == MODE_LOAD || r->o->mode == MODE_REPORT || r->o->mode == MODE_EXPORT ? INT64_MAX
			   : mono_ns() + (int64_t)(r->o->seconds * 1e9);
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
	for (int i = 0; bc && i < w->nconns; i++)
		if (bc[i].import_id && !bc[i].dead)
			import_end(w, &bc[i]);
	for (int i = 0; bc && i < w->nconns; i++) {
		kc_close(bc[i].c);
		free(bc[i].slots);
	}
	free(bc);
	if (ep >= 0)
		close(ep);
	return NULL;
}
