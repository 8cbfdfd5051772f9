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
 *   kart-bench [conn] --load N --managers K --timeline E --deals D
 *                                         the cards owned by K managers, then
 *                                         E timeline entries and D deals moved
 *                                         through the funnel (bench_fill.c)
 *   kart-bench [conn] --op report-KIND    time a report while other
 *                                         connections get cards (bench_rq.c)
 *   kart-bench [conn] --op export-csv|export-vcard
 *                                         time an export of every card the
 *                                         user sees, the same way (bench_rq.c)
 *   kart-bench [conn] --op tui-latency --tui PATH
 *                                         type live searches into kart-tui in
 *                                         a pseudo-terminal, print the
 *                                         keystroke-to-paint latencies
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
 * segment and move are sequential on the main connection; tui-latency
 * drives kart-tui on the main connection's session (bench_tui.c). Exit: 0 it ran,
 * 1 cannot connect or log in (or the server refused the segment/move), 2 usage.
 *
 * This file holds main and its steps; the options are in bench_opts.c, the
 * engine in bench_engine.c, the work on the main connection (ids, custom
 * fields, segment, move) in bench_seq.c, kart-tui's latency in bench_tui.c, histograms and summaries in
 * bench_report.c, the card generator in gen.c. */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gen.h"
#include "kc.h"

/* Connects the main connection with the run's client options and logs in;
 * the session's token goes to *token and run->token. Returns 0, or the exit
 * status after a message. */
static int login_main(struct run *run, const struct opts *o, const char *password, struct kc **conn,
		      Kart__Envelope **session, char **token)
{
	struct kc_error err;
	run->o = o;
	run->kco.server = o->server;
	run->kco.ca_file = o->ca_file;
	/* a segment over every card or a bulk move may take minutes */
	run->kco.timeout_ms = o->mode == MODE_SEGMENT || o->mode == MODE_MOVE || o->mode == MODE_REPORT ||
					      o->mode == MODE_EXPORT || (o->mode == MODE_LOAD && (o->timeline_n || o->deals_n))
				      ? 3600000
				      : 30000;
	run->kco.client_name = "kart-bench 0.1.0";
	run->pipeline = o->pipeline;
	*conn = kc_connect(&run->kco, &err);
	if (!*conn) {
		fprintf(stderr, "kart-bench: %s\n", err.message);
		return err.status == KC_ERR_USAGE ? 2 : 1;
	}
	*session = kc_login(*conn, o->user, password, &err);
	if (!*session) {
		fprintf(stderr, "kart-bench: login as %s: %s\n", o->user, err.message);
		return 1;
	}
	const Kart__Session *s = (*session)->session;
	if (!s || !s->token || !s->token[0]) {
		fprintf(stderr, "kart-bench: login as %s: the server sent no session token\n", o->user);
		return 1;
	}
	*token = strdup(s->token);
	if (!*token) {
		fprintf(stderr, "kart-bench: out of memory\n");
		return 1;
	}
	run->token = *token;
	return 0;
}

/* --managers K with get or a find: --user is one of the K managers the base
 * was loaded with, and only their cards are picked — for a find the
 * generated indices the load gave them, for a get the ids of their CardList.
 * Returns 0, or -1 after a message. */
static int set_own_picks(struct run *run, struct kc *c, const struct opts *o, bool find)
{
	int m = 0;
	while (m < o->managers && strcmp(gen_manager(m), o->user) != 0)
		m++;
	if (m == o->managers) {
		fprintf(stderr, "kart-bench: --managers %d: --user must be one of mgr01-%s\n", o->managers,
			gen_manager(o->managers - 1));
		return -1;
	}
	if (find) {
		size_t cap = 0;
		for (uint64_t i = run->lo; i <= run->hi; i++) {
			if (gen_owner(o->seed, i, o->managers) != m)
				continue;
			if (run->npicks == cap) {
				cap = cap ? cap * 2 : 4096;
				uint64_t *g = realloc(run->picks, cap * sizeof(*g));
				if (!g) {
					fprintf(stderr, "kart-bench: out of memory\n");
					return -1;
				}
				run->picks = g;
			}
			run->picks[run->npicks++] = i;
		}
	} else {
		struct kc_error err;
		long n = own_ids(c, o->user, &run->picks, &err);
		if (n < 0) {
			fprintf(stderr, "kart-bench: listing %s's cards: %s\n", o->user, err.message);
			return -1;
		}
		run->npicks = (size_t)n;
	}
	if (!run->npicks) {
		fprintf(stderr, "kart-bench: %s owns no card\n", o->user);
		return -1;
	}
	fprintf(stderr, "kart-bench: %zu cards of %s\n", run->npicks, o->user);
	return 0;
}

/* What the workers work on: the indices to load (after defining the custom
 * fields), or the card ids or generated indices to pick from, given or found
 * on the main connection c. Returns 0, or -1 after a message. */
static int set_range(struct run *run, struct kc *c, const struct opts *o)
{
	struct kc_error err;
	bool find = o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_NAME || o->mode == MODE_FIND_PREFIX ||
		    o->mode == MODE_TUI_LATENCY;
	if (o->mode == MODE_LOAD) {
		if (o->custom > 0 && define_custom(c, o->custom) < 0)
			return -1;
		atomic_store(&run->next_index, o->first_index);
		run->load_end = o->first_index + o->load_n;
	} else if (find && o->indices_given) {
		run->lo = o->idx_lo;
		run->hi = o->idx_hi;
	} else if (o->managers > 0 && !find) {
		/* the ids are the manager's: set_own_picks */
	} else if (o->ids_lo) {
		run->lo = o->ids_lo;
		run->hi = o->ids_hi;
	} else {
		if (discover_ids(c, &run->lo, &run->hi, &err) < 0) {
			fprintf(stderr, "kart-bench: finding the card ids: %s\n", err.message);
			return -1;
		}
		fprintf(stderr, "kart-bench: card ids %" PRIu64 "-%" PRIu64 "\n", run->lo, run->hi);
	}
	if (find && !o->indices_given) {
		/* cards loaded from index 0 into an empty database: index = id - lo */
		run->hi -= run->lo;
		run->lo = 0;
		fprintf(stderr, "kart-bench: generated indices %" PRIu64 "-%" PRIu64 "\n", run->lo, run->hi);
	}
	if (o->managers > 0 && o->mode != MODE_LOAD)
		return set_own_picks(run, c, o, find);
	return 0;
}

/* Starts n worker threads sharing the --conns connections; returns how many
 * started (after a message if not all). */
int start_workers(struct run *run, struct worker *workers, int n)
{
	const struct opts *o = run->o;
	int nstarted = 0;
	for (int i = 0; i < n; i++) {
		workers[i].run = run;
		workers[i].no = i;
		workers[i].nconns = o->conns / n + (i < o->conns % n);
		int e = pthread_create(&workers[i].thread, NULL, op_worker, &workers[i]);
		if (e != 0) {
			fprintf(stderr, "kart-bench: cannot start worker %d: %s; going on with %d\n", i,
				strerror(e), nstarted);
			break;
		}
		nstarted++;
	}
	return nstarted;
}

/* Starts the clock once every started worker has connected, samples the
 * daemon's memory while they run and waits for them all. *secs is the time
 * from the start to the last worker's end. Returns 0, or -1 after a message
 * if no worker could connect. */
static int drive_workers(struct run *run, struct worker *workers, int nstarted, double *secs)
{
	/* Every worker connects first; the clock starts when all are ready. */
	pthread_mutex_lock(&run->lock);
	while (run->ready < nstarted)
		pthread_cond_wait(&run->cond, &run->lock);
	run->go = 1;
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
	int64_t t0 = mono_ns();
	static struct sampler sampler;
	sampler.pid = run->pid = run->o->pid ? run->o->pid : find_kartd();
	run->sampler = &sampler;
	int sampling = run->pid > 0 && pthread_create(&sampler.thread, NULL, sample_rss, &sampler) == 0;
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
	*secs = (double)(t1 - t0) / 1e9;
	if (!connected) {
		fprintf(stderr, "kart-bench: no worker could connect: %s\n",
			run->first_error[0] ? run->first_error : "no worker thread started");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct run run;
	struct kc *main_conn = NULL;
	Kart__Envelope *session = NULL;
	struct worker *workers = NULL;
	char *password = NULL, *token = NULL;
	int rc = 1, sync_ready = 0;

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

	rc = login_main(&run, &o, password, &main_conn, &session, &token);
	if (rc != 0)
		goto cleanup;
	rc = 1;
	if (o.mode == MODE_SEGMENT || o.mode == MODE_MOVE) {
		int r = o.mode == MODE_SEGMENT ? run_segment(main_conn, &o) : run_move(main_conn, &o);
		fflush(stdout);
		rc = r < 0 ? 1 : 0;
		goto cleanup;
	}
	if (o.mode == MODE_LOAD && o.managers > 0 && ensure_managers(main_conn, &o, password) < 0)
		goto cleanup;
	if (set_range(&run, main_conn, &o) < 0)
		goto cleanup;
	if (o.mode == MODE_REPORT || o.mode == MODE_EXPORT) {
		int r = run_report(&run, main_conn);
		fflush(stdout);
		rc = r < 0 ? 1 : 0;
		goto cleanup;
	}
	if (o.mode == MODE_LOAD && o.load_n == 0) {
		/* timeline entries or deals only, on the cards there are */
		rc = run_fill(&run, main_conn, password) < 0 ? 1 : 0;
		goto cleanup;
	}
	if (o.mode == MODE_TUI_LATENCY) {
		int r = run_tui_latency(&run);
		fflush(stdout);
		rc = r < 0 ? 1 : 0;
		goto cleanup;
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
	int nstarted = start_workers(&run, workers, nworkers);
	double secs;
	if (drive_workers(&run, workers, nstarted, &secs) < 0)
		goto cleanup;
	if (o.mode == MODE_LOAD)
		summarize_load(&run, workers, nstarted, secs);
	else
		summarize_ops(&run, workers, nstarted, secs);
	fflush(stdout);
	rc = 0;
	if (o.mode == MODE_LOAD && (o.timeline_n || o.deals_n) && run_fill(&run, main_conn, password) < 0)
		rc = 1;

cleanup:
	if (sync_ready) {
		pthread_cond_destroy(&run.cond);
		pthread_mutex_destroy(&run.lock);
	}
	free(workers);
	free(run.picks);
	free(token);
	kc_env_free(session);
	kc_close(main_conn);
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	return rc;
}
