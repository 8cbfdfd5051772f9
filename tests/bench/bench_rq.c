/* bench_rq: --op report-KIND and --op export-csv|export-vcard. One
 * ReportQuery of the kind (or one Export of every card the user sees, as
 * `kart export` sends it) on the main connection, its stream read to the
 * last frame, timed from the send to the first and to the last; --runs
 * times, one after the other. Meanwhile
 * --conns other connections get random cards (the engine's get op, one
 * request in flight each unless --pipeline) from the moment the first report
 * is sent until the last one has ended, and the daemon's anonymous memory is
 * sampled: the figures the issue asks for are the report's time, the other
 * clients' get latency during it and the daemon's peak memory. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kc.h"
#include "util.h"

struct rq_result {
	double secs;
	double first_secs;          /* to the first page: the report computed and recorded */
	uint64_t pages, tables, rows;
	uint64_t bytes;             /* export: of the file */
	uint64_t cards, canaries;   /* export: as its ExportRecord says */
	char note[256];
	uint64_t export_id;
	/* refused: the server's error */
	char error[600];
};

static const char *code_name(Kart__ErrorCode code)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&kart__error_code__descriptor, (int)code);
	return v ? v->name : "error";
}

/* Sends the report and reads its stream to the end. Returns 0 (res filled,
 * res->error set if the server refused it), or -1 if the connection failed
 * (err). */
static int one_report(struct kc *c, const struct opts *o, struct rq_result *res, struct kc_error *err)
{
	Kart__ReportQuery q = KART__REPORT_QUERY__INIT;
	q.kind = (Kart__ReportKind)o->report_kind;
	q.where = (char *)(o->where ? o->where : "");
	q.period = (char *)(o->period ? o->period : "");
	if (o->days >= 0)
		q.days = (uint32_t)o->days;
	q.at = (char *)(o->rq_at ? o->rq_at : "");
	q.window = (char *)(o->rq_window ? o->rq_window : "");
	q.by = (char *)(o->rq_by ? o->rq_by : "");
	q.owner = (char *)(o->rq_owner ? o->rq_owner : "");
	q.min_total = (char *)(o->rq_min_total ? o->rq_min_total : "");
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_REPORT_QUERY;
	req.report_query = &q;
	memset(res, 0, sizeof(*res));
	int64_t t0 = mono_ns();
	uint64_t rid = kc_send(c, &req, err);
	if (!rid)
		return -1;
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return -1;
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		int more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR && e->error) {
			snprintf(res->error, sizeof(res->error), "%s: %s", code_name(e->error->code),
				 e->error->message ? e->error->message : "");
			more = 0;
		} else if (e->body_case == KART__ENVELOPE__BODY_REPORT_PAGE && e->report_page) {
			const Kart__ReportPage *p = e->report_page;
			if (!res->pages) {
				res->first_secs = (double)(mono_ns() - t0) / 1e9;
				snprintf(res->note, sizeof(res->note), "%s", p->note ? p->note : "");
				res->export_id = p->export_id;
			}
			res->pages++;
			for (size_t i = 0; i < p->n_tables; i++) {
				/* a table that goes on from the last page repeats only its name */
				if (p->tables[i]->n_columns)
					res->tables++;
				res->rows += p->tables[i]->n_rows;
			}
		} else {
			snprintf(res->error, sizeof(res->error), "unexpected reply (body %d)", (int)e->body_case);
			more = 0;
		}
		kc_env_free(e);
		if (!more)
			break;
	}
	res->secs = (double)(mono_ns() - t0) / 1e9;
	return 0;
}

/* Counts an export's rows in a piece of its file, which may end anywhere:
 * a CSV's line ends outside quotes (the header's too: taken off at the end),
 * a vCard's END:VCARD lines. */
struct row_count {
	bool csv, quoted;
	unsigned match;             /* vCard: how much of "\nEND:VCARD\r" was just seen */
	uint64_t rows;
};

static void count_rows(struct row_count *rc, const uint8_t *p, size_t n)
{
	static const char end[] = "\nEND:VCARD\r";
	for (size_t i = 0; i < n; i++) {
		if (rc->csv) {
			if (p[i] == '"')
				rc->quoted = !rc->quoted;
			else if (p[i] == '\n' && !rc->quoted)
				rc->rows++;
			continue;
		}
		/* no proper prefix of end is also its suffix: a mismatch starts over */
		if (p[i] == (uint8_t)end[rc->match]) {
			if (++rc->match == sizeof(end) - 1) {
				rc->rows++;
				rc->match = 0;
			}
		} else {
			rc->match = p[i] == '\n';
		}
	}
}

/* Sends the export and reads its stream to the ExportRecord. Returns as
 * one_report does. */
static int one_export(struct kc *c, const struct opts *o, struct rq_result *res, struct kc_error *err)
{
	/* the request `kart export` sends (client/cli/cmd_export.c) */
	Kart__Export ex = KART__EXPORT__INIT;
	ex.where = (char *)(o->where ? o->where : "");
	ex.segment = (char *)"";
	ex.client_day = util_local_day(util_now_us() / 1000000);
	ex.client_utc_offset = util_utc_offset(util_now_us() / 1000000);
	ex.format = (char *)o->export_format;
	ex.delimiter = (char *)"";
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_EXPORT;
	req.export = &ex;
	memset(res, 0, sizeof(*res));
	struct row_count rc = { .csv = strcmp(o->export_format, "csv") == 0 };
	int64_t t0 = mono_ns();
	uint64_t rid = kc_send(c, &req, err);
	if (!rid)
		return -1;
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return -1;
		if (e->request_id != rid) {
			kc_env_free(e);
			continue;
		}
		int more = e->more;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR && e->error) {
			snprintf(res->error, sizeof(res->error), "%s: %s", code_name(e->error->code),
				 e->error->message ? e->error->message : "");
			more = 0;
		} else if (e->body_case == KART__ENVELOPE__BODY_EXPORT_CHUNK && e->export_chunk) {
			const Kart__ExportChunk *ch = e->export_chunk;
			if (!res->pages) {
				res->first_secs = (double)(mono_ns() - t0) / 1e9;
				res->export_id = ch->export_id;
			}
			res->pages++;
			res->bytes += ch->data.len;
			count_rows(&rc, ch->data.data, ch->data.len);
		} else if (e->body_case == KART__ENVELOPE__BODY_EXPORT_RECORD && e->export_record) {
			res->cards = e->export_record->cards;
			res->canaries = e->export_record->canaries;
			more = 0;
		} else {
			snprintf(res->error, sizeof(res->error), "unexpected reply (body %d)", (int)e->body_case);
			more = 0;
		}
		kc_env_free(e);
		if (!more)
			break;
	}
	res->secs = (double)(mono_ns() - t0) / 1e9;
	res->rows = rc.csv && rc.rows ? rc.rows - 1 : rc.rows;
	return 0;
}

/* The daemon's RssAnon now, in kB; -1 if unknown. */
static long anon_now(long pid)
{
	char path[64], line[256];
	long kb = -1;
	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "RssAnon:", 8) == 0)
			kb = strtol(line + 8, NULL, 10);
	fclose(f);
	return kb;
}

int run_report(struct run *r, struct kc *c)
{
	const struct opts *o = r->o;
	int nworkers = o->threads < o->conns ? o->threads : o->conns;
	struct worker *workers = calloc((size_t)(nworkers ? nworkers : 1), sizeof(*workers));
	static struct sampler sampler;
	int rc = -1;
	if (!workers) {
		fprintf(stderr, "kart-bench: out of memory\n");
		return -1;
	}
	if (pthread_mutex_init(&r->lock, NULL) != 0 || pthread_cond_init(&r->cond, NULL) != 0) {
		free(workers);
		return -1;
	}
	/* the gets run until the reports end */
	r->pipeline = o->pipeline;
	int nstarted = start_workers(r, workers, nworkers);
	pthread_mutex_lock(&r->lock);
	while (r->ready < nstarted)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);

	sampler.pid = r->pid = o->pid ? o->pid : find_kartd();
	r->sampler = &sampler;
	long before = anon_now(r->pid);
	int sampling = r->pid > 0 && pthread_create(&sampler.thread, NULL, sample_rss, &sampler) == 0;

	pthread_mutex_lock(&r->lock);
	r->go = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);

	int64_t t0 = mono_ns();
	struct rq_result res;
	struct kc_error err;
	double best = 0, worst = 0, sum = 0;
	int done = 0, failed = 0;
	bool exp = o->mode == MODE_EXPORT;
	char op[64];
	snprintf(op, sizeof(op), "%s-%s", exp ? "export" : "report", exp ? o->export_format : o->report_name);
	for (int i = 0; i < o->runs; i++) {
		if ((exp ? one_export(c, o, &res, &err) : one_report(c, o, &res, &err)) < 0) {
			fprintf(stderr, "kart-bench: %s: %s\n", op, err.message);
			failed = 1;
			break;
		}
		if (res.error[0]) {
			printf("op=%s: refused by the server: %s\n", op, res.error);
			failed = 1;
			break;
		}
		if (exp)
			printf("op=%s run %d: %.3f s to the first chunk (scanned and recorded), %.3f s to the last; %"
			       PRIu64 " chunks, %" PRIu64 " bytes (%.1f MB/s), %" PRIu64 " rows; export %" PRIu64
			       " of %" PRIu64 " cards + %" PRIu64 " canary rows\n",
			       op, i + 1, res.first_secs, res.secs, res.pages, res.bytes,
			       res.secs > 0 ? (double)res.bytes / res.secs / 1e6 : 0.0, res.rows, res.export_id, res.cards,
			       res.canaries);
		else
			printf("op=%s run %d: %.3f s to the first page (computed), %.3f s to the last page; %" PRIu64
			       " pages, %" PRIu64 " tables, %" PRIu64 " rows%s%s\n",
			       op, i + 1, res.first_secs, res.secs, res.pages, res.tables, res.rows,
			       res.note[0] ? "; " : "", res.note);
		if (!done || res.secs < best)
			best = res.secs;
		if (res.secs > worst)
			worst = res.secs;
		sum += res.secs;
		done++;
	}
	atomic_store(&r->stop, 1);
	for (int i = 0; i < nstarted; i++)
		pthread_join(workers[i].thread, NULL);
	double secs = (double)(mono_ns() - t0) / 1e9;
	atomic_store(&sampler.stop, 1);
	if (sampling)
		pthread_join(sampler.thread, NULL);

	static struct hist all;
	uint64_t ok = 0, errors = 0;
	memset(&all, 0, sizeof(all));
	for (int i = 0; i < nstarted; i++) {
		ok += workers[i].ok;
		errors += workers[i].errors;
		hist_merge(&all, &workers[i].hist);
	}
	char p50[32], p99[32], p999[32], mx[32], rss[200], base[64] = "";
	fmt_ms(hist_quantile(&all, 0.50), p50, sizeof(p50));
	fmt_ms(hist_quantile(&all, 0.99), p99, sizeof(p99));
	fmt_ms(hist_quantile(&all, 0.999), p999, sizeof(p999));
	fmt_ms(hist_quantile(&all, 1.0), mx, sizeof(mx));
	fmt_rss(r->pid, atomic_load(&sampler.anon_peak_kb), rss, sizeof(rss));
	if (before >= 0)
		snprintf(base, sizeof(base), "anonymous before the %s %.1f MB; ", exp ? "export" : "report",
			 (double)before / 1024.0);
	if (!done)
		goto out;
	if (done)
		printf("op=%s runs=%d: best %.3f s, mean %.3f s, worst %.3f s\n", op, done, best, sum / done, worst);
	if (nstarted)
		printf("op=%s gets during it: conns=%d pipeline=%d %" PRIu64 " gets in %.2f s = %.0f/s  p50=%s ms  "
		       "p99=%s ms  p999=%s ms  max=%s ms  errors=%" PRIu64 "\n",
		       op, o->conns, o->pipeline, ok, secs, secs > 0 ? (double)ok / secs : 0.0, p50, p99, p999, mx, errors);
	else
		printf("op=%s: no gets during it (--conns 0)\n", op);
	printf("op=%s daemon: %s%s\n", op, base, rss);
	if (r->first_error[0])
		fprintf(stderr, "kart-bench: first error of the gets: %s\n", r->first_error);
out:
	rc = failed ? -1 : 0;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(workers);
	return rc;
}
