/* jobs: what comes back to the loop from off it: scans in libuv's pool for a
 * request (req_pool), their scheduling and their one completion; the
 * writer's replies (jobs_written); and connections held past their request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conn.h"
#include "jobs.h"
#include "log.h"
#include "req.h"
#include "stats.h"
#include "util.h"
#include "writer.h"

/* Scans share libuv's pool threads: at most max_scans run at once, and at
 * most max_scans_per_user of one user, so one user's many connections
 * cannot take every thread. The rest wait in arrival order; as a scan ends,
 * the first waiting scans whose users are under their share start. */
struct pool_wait {
	struct pool_wait *next;
	uv_work_t *w;
	uv_work_cb run;
	uv_after_work_cb done;
	struct conn *conn;          /* held by the job's ref: a closed one's scan is not run */
	bool capped;                /* a request's scan, counted against POOL_WAIT_PER_USER */
	char user[KART_NAME_MAX];
};
/* A user's scans waiting, at most: more are refused ("busy"), so connections
 * opened, given scans and closed cannot queue work without end. */
#define POOL_WAIT_PER_USER 16
struct pool_run {
	uv_work_t *w;
	char user[KART_NAME_MAX];
};
struct pool_sched {
	struct pool_wait *head, *tail;
	unsigned running, waiting;
	struct pool_run run[];      /* max_scans of them */
};

static bool pool_user_may_start(struct server *srv, const char *user)
{
	struct pool_sched *p = srv->pool;
	if (p->running >= srv->cfg->max_scans)
		return false;
	unsigned mine = 0;
	for (unsigned i = 0; i < srv->cfg->max_scans; i++)
		if (p->run[i].w && strcmp(p->run[i].user, user) == 0)
			mine++;
	return mine < srv->cfg->max_scans_per_user;
}

static int pool_start(struct server *srv, uv_work_t *w, uv_work_cb run, uv_after_work_cb done, const char *user)
{
	struct pool_sched *p = srv->pool;
	if (uv_queue_work(srv->loop, w, run, done) != 0)
		return -1;
	for (unsigned i = 0; i < srv->cfg->max_scans; i++) {
		if (!p->run[i].w) {
			p->run[i].w = w;
			snprintf(p->run[i].user, sizeof(p->run[i].user), "%s", user);
			break;
		}
	}
	p->running++;
	return 0;
}

/* Queues w as a scan of `user`'s, on connection c (a waiting one is not
 * run once c has closed). 0, or -1 (out of memory, or, when capped, the
 * user's waiting scans at POOL_WAIT_PER_USER). */
static int pool_queue(struct server *srv, struct conn *c, const char *user, uv_work_t *w, uv_work_cb run,
		      uv_after_work_cb done, bool capped)
{
	if (!srv->pool &&
	    !(srv->pool = calloc(1, sizeof(*srv->pool) + srv->cfg->max_scans * sizeof(srv->pool->run[0]))))
		return -1;
	struct pool_sched *p = srv->pool;
	if (pool_user_may_start(srv, user)) {
		if (pool_start(srv, w, run, done, user) != 0)
			return -1;
	} else {
		/* (a stream's next chunk, one a stream, is neither refused nor
		 * counted: it would take the place of one of the user's scans) */
		unsigned mine = 0;
		for (struct pool_wait *q = p->head; q; q = q->next)
			mine += q->capped && strcmp(q->user, user) == 0;
		struct pool_wait *q = !capped || mine < POOL_WAIT_PER_USER ? calloc(1, sizeof(*q)) : NULL;
		if (!q)
			return -1;
		q->capped = capped;
		q->conn = c;
		q->w = w;
		q->run = run;
		q->done = done;
		snprintf(q->user, sizeof(q->user), "%s", user);
		if (p->tail)
			p->tail->next = q;
		else
			p->head = q;
		p->tail = q;
		p->waiting++;
	}
	stats_pool(srv->stats, p->running, p->waiting);
	return 0;
}

static int pool_job_queue(struct req *r, uv_work_t *w, uv_work_cb run, uv_after_work_cb done)
{
	if (pool_queue(r->srv, r->conn, r->who.user, w, run, done, true) != 0)
		return -1;
	conn_ref(r->conn);
	r->conn->pending_writes++;
	r->conn->pending_jobs++;
	r->srv->inflight++;
	return 0;
}

/* w has run (or was cancelled before it ran): its place goes to the
 * waiting scans whose users are under their share, in arrival order. */
static void pool_release(struct server *srv, uv_work_t *w)
{
	struct pool_sched *p = srv->pool;
	for (unsigned i = 0; i < srv->cfg->max_scans; i++) {
		if (p->run[i].w == w) {
			p->run[i].w = NULL;
			p->running--;
			break;
		}
	}
	struct pool_wait **pp = &p->head, *prev = NULL, *cancelled = NULL;
	while (*pp && p->running < srv->cfg->max_scans) {
		struct pool_wait *q = *pp;
		if (!pool_user_may_start(srv, q->user)) {
			prev = q;
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		p->waiting--;
		if (p->tail == q)
			p->tail = prev;
		if (conn_is_open(q->conn) && pool_start(srv, q->w, q->run, q->done, q->user) == 0) {
			free(q);
			continue;
		}
		if (conn_is_open(q->conn))
			log_err("cannot start a scan in the thread pool");
		q->next = cancelled; /* answered (if anyone listens) after the walk */
		cancelled = q;
	}
	stats_pool(srv->stats, p->running, p->waiting);
	while (cancelled) {
		struct pool_wait *q = cancelled;
		cancelled = q->next;
		q->done(q->w, UV_ECANCELED); /* its counts given back, like any finished scan */
		free(q);
	}
}

static void pool_job_finished(struct conn *c, uv_work_t *w)
{
	struct server *srv = c->srv;
	srv->inflight--;
	c->pending_writes--;
	c->pending_jobs--;
	pool_release(srv, w);
}

int req_pool_work(struct server *srv, struct conn *c, const char *user, uv_work_t *w, uv_work_cb run,
		  uv_after_work_cb done)
{
	/* not capped: the work of a request already answered (an export's
	 * next chunk, one a stream at a time) refused here would end a file
	 * recorded and half sent because its user's other scans wait */
	if (pool_queue(srv, c, user, w, run, done, false) != 0)
		return -1;
	conn_ref(c);
	return 0;
}

void req_pool_work_done(struct server *srv, struct conn *c, uv_work_t *w)
{
	pool_release(srv, w);
	conn_unref(c);
}

void pool_jobs_free(struct server *srv)
{
	if (!srv->pool)
		return;
	while (srv->pool->head) {
		struct pool_wait *q = srv->pool->head;
		srv->pool->head = q->next;
		free(q);
	}
	free(srv->pool);
	srv->pool = NULL;
}

static void job_run(uv_work_t *w)
{
	struct req_job *j = w->data;
	j->run(j);
}

static void job_done(uv_work_t *w, int status)
{
	struct req_job *j = w->data;
	struct server *srv = j->srv;
	struct conn *c = j->conn;
	pool_job_finished(c, w);
	bool open = conn_is_open(c);
	if (open || j->reply_closed) {
		struct arena a;
		arena_init(&a, 0);
		struct req r = { .srv = srv, .cfg = j->cfg, .conn = c, .id = j->id, .who = j->who, .arena = &a };
		kart__envelope__init(&r.out);
		j->reply(j, &r, status);
		stats_request(srv->stats, j->kind, j->started, util_now_us());
		if (open) {
			conn_apply(c, &r.fx);
			if (r.out.body_case != KART__ENVELOPE__BODY__NOT_SET) {
				r.out.request_id = r.id;
				conn_send(c, &r.out);
			}
			conn_flush(c);
			conn_resume(c);
		} else if (r.fx.stream) {
			stream_free(r.fx.stream);
		}
		if (r.txn)
			store_read_end(&srv->store);
		arena_free(&a);
	}
	conn_unref(c);
	const struct kart_config *cfg = j->cfg;
	j->free(j);
	conf_drop(cfg);
	srv->hooks.settled(srv);
}

int req_pool(struct req *r, struct req_job *j)
{
	j->srv = r->srv;
	j->conn = r->conn;
	j->id = r->id;
	j->who = r->who;
	j->kind = r->in ? (unsigned)r->in->body_case : 0;
	j->started = r->now;
	j->cfg = r->cfg;
	j->work.data = j;
	if (pool_job_queue(r, &j->work, job_run, job_done) != 0)
		return -1;
	conf_hold(j->cfg); /* given back once the job is freed */
	return 0;
}

/* ---- the writer's replies ---- */

void jobs_written(struct server *srv, struct wreq *list)
{
	static uint64_t gen; /* marks connections already flushed in this pass */
	gen++;
	int64_t now = util_now_us();
	for (struct wreq *w = list; w; w = w->next) {
		struct conn *c = w->r.conn;
		if (!c) {
			/* the daemon's own record: nobody waits, its owner may want to know */
			if (w->done)
				w->done(w);
			continue;
		}
		c->pending_writes--;
		c->pending_bytes -= w->in_bytes;
		if (w->r.in)
			stats_request(srv->stats, (unsigned)w->r.in->body_case, w->received, now);
		if (w->done)
			w->done(w);
		conn_apply(c, &w->r.fx); /* what the handler or done asked of the connection */
		if (!conn_is_open(c))
			continue;
		if (w->frame)
			conn_send_frame(c, w->frame, w->frame_len);
		else
			conn_close(c); /* out of memory packing the reply: do not leave it waiting */
	}
	/* one flush per connection for all its replies of these batches */
	for (struct wreq *w = list; w; w = w->next) {
		struct conn *c = w->r.conn;
		if (!c || c->flush_gen == gen || !conn_is_open(c))
			continue;
		c->flush_gen = gen;
		conn_flush(c);
		conn_resume(c);
	}
	while (list) {
		struct wreq *next = list->next;
		if (list->r.conn) {
			conn_unref(list->r.conn);
			srv->inflight--;
		}
		wreq_free(list);
		list = next;
	}
	srv->hooks.settled(srv);
}

void wreq_fail(struct wreq *w, Kart__ErrorCode code, const char *message)
{
	struct conn *c = w->r.conn;
	c->pending_writes--;
	c->pending_bytes -= w->in_bytes;
	if (w->r.in)
		stats_request(w->r.srv->stats, (unsigned)w->r.in->body_case, w->received, util_now_us());
	if (conn_is_open(c)) {
		arena_reset(&w->work);
		struct req r = { .srv = w->r.srv, .cfg = w->r.cfg, .id = w->r.id, .who = w->r.who, .arena = &w->work };
		kart__envelope__init(&r.out);
		req_error(&r, code, "", "%s", message);
		r.out.request_id = r.id;
		conn_send(c, &r.out);
		conn_flush(c);
		conn_resume(c);
	}
	conn_unref(c);
	wreq_free(w);
}

/* ---- a connection held past its request ---- */

struct conn *req_conn_hold(struct req *r)
{
	conn_ref(r->conn);
	return r->conn;
}

void req_conn_release(struct conn *c)
{
	conn_unref(c);
}

void req_stream_wake(struct stream *s)
{
	if (!s->waiting)
		return;
	s->waiting = false;
	if (s->conn && conn_is_open(s->conn))
		conn_wake(s->conn);
}

bool req_conn_open(const struct conn *c)
{
	return conn_is_open(c);
}
