/* writer: the one thread that writes.
 *
 * The loop hands decoded write requests over through a queue. The writer takes
 * everything waiting, runs each request in a nested transaction of one batch
 * transaction (so one request's failure aborts only its own changes), commits
 * once, and returns the replies through uv_async: one fsync serves the whole
 * batch (group commit). A reply leaves only after the commit that holds its
 * change. MDB_MAP_FULL anywhere aborts the batch, grows the map and reruns it.
 * It beats a heart (an atomic time) whenever it waits idle and after each
 * batch, for the service watchdog (watchdog.c). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conn.h"
#include "frame.h"
#include "writer.h"
#include "log.h"
#include "stats.h"
#include "util.h"

/* A batch holds requests up to this weight: a request weighs 1, an import 1
 * per card, so a transaction stays well within LMDB's dirty page limit. */
#define BATCH_WEIGHT 16384

static size_t wreq_weight(const struct wreq *w)
{
	if (w->weight)
		return w->weight;
	const Kart__Envelope *e = w->r.in;
	if (e && e->body_case == KART__ENVELOPE__BODY_CARD_IMPORT)
		return 1 + e->card_import->n_cards;
	if (e && e->body_case == KART__ENVELOPE__BODY_IMPORT_BATCH)
		return 1 + e->import_batch->n_rows;
	return 1;
}

struct writer {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wreq *head, *tail;       /* submitted, not yet run */
	struct wreq *done_head, *done_tail;
	uv_async_t async;
	bool stop, started;
	/* the heartbeat: when it last waited idle or ended a batch (monotonic
	 * ms), and whether it is in a batch now */
	atomic_llong beat_ms;
	atomic_bool busy;
};

static void beat(struct writer *wr, bool busy)
{
	atomic_store(&wr->beat_ms, (long long)util_mono_ms());
	atomic_store(&wr->busy, busy);
}

void writer_progress(struct server *srv)
{
	if (srv->writer)
		beat(srv->writer, true);
}

int64_t writer_stuck_ms(struct server *srv)
{
	struct writer *wr = srv->writer;
	if (!wr || !atomic_load(&wr->busy))
		return 0;
	int64_t ms = util_mono_ms() - atomic_load(&wr->beat_ms);
	return ms > 0 ? ms : 0;
}


static void reset_reply(struct wreq *w, int64_t now)
{
	arena_reset(&w->work);
	kart__envelope__init(&w->r.out);
	w->r.arena = &w->work;
	w->r.now = now;
	w->r.on_writer = true;
	w->r.acl_memo = NULL;
}

static struct wreq *wreq_alloc(struct req *r, handler_fn fn)
{
	struct wreq *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	arena_init(&w->work, 0);
	w->fn = fn;
	w->r = *r;
	conf_hold(w->r.cfg); /* given back by wreq_free, on whichever thread */
	memset(&w->r.fx, 0, sizeof(w->r.fx)); /* applied by the loop request, not again */
	w->r.arena = &w->work;
	w->r.txn = NULL;
	w->received = r->now;
	return w;
}

static void wreq_attach(struct wreq *w, struct conn *c)
{
	w->in_bytes = w->in_arena.used;
	conn_ref(c);
	c->pending_writes++;
	c->pending_bytes += w->in_bytes;
}

struct wreq *req_to_wreq(struct req *r, handler_fn fn)
{
	struct wreq *w = wreq_alloc(r, fn);
	if (!w)
		return NULL;
	/* the request's arena (on the loop, its connection's, holding the
	 * request) goes with it; the request is left a fresh one */
	w->in_arena = *r->arena;
	w->in_arena.pb.allocator_data = &w->in_arena;
	arena_init(r->arena, r->arena->budget);
	wreq_attach(w, r->conn);
	return w;
}

struct wreq *wreq_detached(struct req *r, handler_fn fn)
{
	struct wreq *w = wreq_alloc(r, fn);
	if (!w)
		return NULL;
	arena_init(&w->in_arena, 0);
	w->r.conn = NULL;
	w->r.in = NULL;
	w->r.acl_memo = NULL;
	return w;
}

struct wreq *req_to_wreq_copy(struct req *r, handler_fn fn)
{
	struct wreq *w = wreq_alloc(r, fn);
	if (!w)
		return NULL;
	arena_init(&w->in_arena, 0);
	/* unknown fields would ride along: a padded request must not pin its frame */
	r->in->base.n_unknown_fields = 0;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(r->in->base.descriptor, (unsigned)r->in->body_case);
	if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
		ProtobufCMessage *body = *(ProtobufCMessage **)((char *)r->in + f->offset);
		if (body)
			body->n_unknown_fields = 0;
	}
	size_t n = kart__envelope__get_packed_size(r->in);
	uint8_t *buf = arena_alloc(&w->in_arena, n ? n : 1);
	w->r.in = buf ? kart__envelope__unpack(&w->in_arena.pb, n, (kart__envelope__pack(r->in, buf), buf)) : NULL;
	if (!w->r.in) {
		wreq_free(w);
		return NULL;
	}
	wreq_attach(w, r->conn);
	return w;
}

void wreq_free(struct wreq *w)
{
	if (!w)
		return;
	arena_free(&w->in_arena);
	arena_free(&w->work);
	conf_drop(w->r.cfg);
	free(w->frame);
	free(w);
}

/* The daemon's own records that handlers on the writer thread ask for (a
 * refused look at a card, an alert) wait here until their batch commits: a
 * batch that is rerun (MDB_MAP_FULL) would otherwise record them twice, and
 * one that fails must not record them at all. */
static __thread bool on_writer_thread;
static __thread struct wreq *deferred;

static void deferred_drop(void)
{
	while (deferred) {
		struct wreq *next = deferred->next;
		wreq_free(deferred);
		deferred = next;
	}
}

void writer_submit(struct server *srv, struct wreq *w)
{
	struct writer *wr = srv->writer;
	if (on_writer_thread && !w->r.conn) {
		w->next = deferred;
		deferred = w;
		return;
	}
	/* the daemon's own records (no connection) may come from any thread and
	 * keep no one waiting: they are not counted */
	if (w->r.conn)
		srv->inflight++;
	pthread_mutex_lock(&wr->mu);
	w->next = NULL;
	if (wr->tail)
		wr->tail->next = w;
	else
		wr->head = w;
	wr->tail = w;
	pthread_cond_signal(&wr->cv);
	pthread_mutex_unlock(&wr->mu);
}

static void pack_reply(struct wreq *w)
{
	if (!w->r.conn)
		return;
	Kart__Envelope *e = &w->r.out;
	e->request_id = w->r.id;
	size_t n = kart__envelope__get_packed_size(e);
	w->frame = malloc(n + 4);
	if (!w->frame)
		return;
	frame_put_header(w->frame, (uint32_t)n);
	kart__envelope__pack(e, w->frame + 4);
	w->frame_len = n + 4;
}


/* A batch committed: its size and how long the commit took (stats.h). */
static void record_batch(struct server *srv, const struct wreq *batch, int64_t commit_began)
{
	size_t n = 0;
	for (const struct wreq *w = batch; w; w = w->next)
		n++;
	int64_t now = util_now_us();
	stats_batch(srv->stats, n, now - commit_began, now);
}

/* Runs one batch. Returns 0, MDB_MAP_FULL to ask for a grow and rerun, or
 * MDB_TXN_FULL when the batch is too big for one transaction. */
static int run_batch(struct writer *wr, struct wreq *batch)
{
	struct store *st = &wr->srv->store;
	struct audit_chain saved_batch = wr->srv->chain;
	int64_t now = util_now_us(), t0;
	MDB_txn *txn = NULL;
	int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	if (rc)
		goto fail_all;
	for (struct wreq *w = batch; w; w = w->next) {
		reset_reply(w, now);
		struct audit_chain saved = wr->srv->chain;
		MDB_txn *child = NULL;
		rc = mdb_txn_begin(st->env, txn, 0, &child);
		if (rc)
			goto abort_batch;
		w->r.txn = child;
		int hrc = w->fn(&w->r);
		w->r.txn = NULL;
		if (hrc == H_OK) {
			rc = mdb_txn_commit(child);
			if (rc)
				goto abort_batch;
			continue;
		}
		mdb_txn_abort(child);
		wr->srv->chain = saved;
		if (hrc == MDB_MAP_FULL || hrc == MDB_TXN_FULL) {
			rc = hrc;
			goto abort_batch;
		}
		if (hrc != H_ABORT)
			req_store_error(&w->r, hrc, "write");
	}
	t0 = util_now_us();
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		goto fail_all;
	record_batch(wr->srv, batch, t0);
	/* committed: the records the batch asked for go to the next batch */
	while (deferred) {
		struct wreq *w = deferred;
		deferred = w->next;
		pthread_mutex_lock(&wr->mu);
		w->next = NULL;
		if (wr->tail)
			wr->tail->next = w;
		else
			wr->head = w;
		wr->tail = w;
		pthread_mutex_unlock(&wr->mu);
	}
	return 0;
abort_batch:
	if (txn)
		mdb_txn_abort(txn);
	txn = NULL;
fail_all:
	wr->srv->chain = saved_batch;
	deferred_drop(); /* a rerun asks again; a failed batch recorded nothing */
	if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL)
		return rc;
	if (store_disk_full(wr->srv, rc)) {
		/* one line for the batch, not one per request */
		size_t n = 0;
		for (struct wreq *w = batch; w; w = w->next, n++) {
			reset_reply(w, now);
			req_disk_full(&w->r);
		}
		log_err("write transaction failed: the disk holding the database is full (%s); %zu requests refused",
			mdb_strerror(rc), n);
		return 0;
	}
	log_err("write transaction failed: %s", mdb_strerror(rc));
	for (struct wreq *w = batch; w; w = w->next) {
		reset_reply(w, now);
		req_store_error(&w->r, rc, "commit");
	}
	return 0;
}

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	on_writer_thread = true;
	for (;;) {
		pthread_mutex_lock(&wr->mu);
		if (!wr->head)
			beat(wr, false);
		while (!wr->head && !wr->stop)
			pthread_cond_wait(&wr->cv, &wr->mu);
		if (!wr->head && wr->stop) {
			pthread_mutex_unlock(&wr->mu);
			break;
		}
		/* take up to BATCH_MAX */
		struct wreq *batch = wr->head, *last = batch;
		size_t weight = wreq_weight(batch);
		while (last->next && weight + wreq_weight(last->next) <= BATCH_WEIGHT) {
			last = last->next;
			weight += wreq_weight(last);
		}
		wr->head = last->next;
		if (!wr->head)
			wr->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&wr->mu);
		beat(wr, true);

		int brc;
		while ((brc = run_batch(wr, batch)) == MDB_MAP_FULL) {
			beat(wr, true);
			if (store_grow(&wr->srv->store) != 0) {
				/* cannot grow: fail the batch rather than spin */
				bool disk = store_disk_full(wr->srv, MDB_MAP_FULL);
				for (struct wreq *w = batch; w; w = w->next) {
					reset_reply(w, util_now_us());
					if (disk)
						req_disk_full(&w->r);
					else
						req_error(&w->r, KART__ERROR_CODE__UNAVAILABLE, "", "the database is full");
				}
				if (disk)
					log_err("the database map cannot grow: the disk holding it is full");
				break;
			}
		}
		if (brc == MDB_TXN_FULL) {
			/* too many pages dirty for one transaction: one request each */
			for (struct wreq *w = batch, *next; w; w = next) {
				next = w->next;
				w->next = NULL;
				int one;
				while ((one = run_batch(wr, w)) == MDB_MAP_FULL && store_grow(&wr->srv->store) == 0)
					beat(wr, true);
				beat(wr, true);
				if (one == MDB_TXN_FULL) {
					reset_reply(w, util_now_us());
					req_error(&w->r, KART__ERROR_CODE__BAD_REQUEST, "", "the request changes too much at once");
				} else if (one == MDB_MAP_FULL) {
					reset_reply(w, util_now_us());
					if (store_disk_full(wr->srv, MDB_MAP_FULL))
						req_disk_full(&w->r);
					else
						req_error(&w->r, KART__ERROR_CODE__UNAVAILABLE, "", "the database is full");
				}
				w->next = next;
			}
		}
		for (struct wreq *w = batch; w; w = w->next)
			pack_reply(w);

		pthread_mutex_lock(&wr->mu);
		if (wr->done_tail)
			wr->done_tail->next = batch;
		else
			wr->done_head = batch;
		wr->done_tail = last;
		pthread_mutex_unlock(&wr->mu);
		uv_async_send(&wr->async);
	}
	return NULL;
}

/* On the loop: the replies of committed batches go to the server's written
 * hook (jobs.c), which sends them and frees the requests. */
static void on_done(uv_async_t *a)
{
	struct writer *wr = a->data;
	pthread_mutex_lock(&wr->mu);
	struct wreq *list = wr->done_head;
	wr->done_head = wr->done_tail = NULL;
	pthread_mutex_unlock(&wr->mu);
	wr->srv->hooks.written(wr->srv, list);
}

int writer_start(struct server *srv)
{
	struct writer *wr = calloc(1, sizeof(*wr));
	if (!wr)
		return -1;
	wr->srv = srv;
	beat(wr, false);
	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->cv, NULL);
	uv_async_init(srv->loop, &wr->async, on_done);
	wr->async.data = wr;
	srv->writer = wr;
	if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
		log_err("cannot start the writer thread");
		return -1;
	}
	wr->started = true;
	return 0;
}

static void free_writer(uv_handle_t *h)
{
	struct writer *wr = h->data;
	pthread_mutex_destroy(&wr->mu);
	pthread_cond_destroy(&wr->cv);
	free(wr);
}

void writer_stop(struct server *srv)
{
	struct writer *wr = srv->writer;
	if (!wr)
		return;
	pthread_mutex_lock(&wr->mu);
	wr->stop = true;
	pthread_cond_signal(&wr->cv);
	pthread_mutex_unlock(&wr->mu);
	if (wr->started)
		pthread_join(wr->thread, NULL);
	/* replies produced after the last wakeup */
	on_done(&wr->async);
	srv->writer = NULL;
	uv_close((uv_handle_t *)&wr->async, free_writer);
}

void wreq_repack_error(struct wreq *w, const char *message)
{
	req_error(&w->r, KART__ERROR_CODE__UNAVAILABLE, "", "%s", message);
	w->r.out.request_id = w->r.id;
	w->r.out.more = false;
	size_t n = kart__envelope__get_packed_size(&w->r.out);
	uint8_t *f = malloc(n + 4);
	free(w->frame);
	w->frame = f;
	w->frame_len = f ? n + 4 : 0;
	if (f) {
		frame_put_header(f, (uint32_t)n);
		kart__envelope__pack(&w->r.out, f + 4);
	}
}
