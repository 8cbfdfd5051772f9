/* out_stats: kart admin stats, as a readable table or in the Prometheus text
 * exposition format (version 0.0.4: # HELP and # TYPE lines, then samples),
 * every metric named kartd_*. Latencies come in microseconds and leave in
 * the table as milliseconds, in Prometheus as seconds. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "i18n.h"
#include "out.h"
#include "text.h"

/* A request kind as the server names it (an Envelope field name): printed
 * only when it is such a name, so it is safe on a terminal and as a label. */
static bool kind_ok(const char *k)
{
	if (!k || !*k || strlen(k) > 64)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static void say_ms(char *buf, size_t n, uint64_t us)
{
	if (us < 10000)
		snprintf(buf, n, "%.3f", (double)us / 1000.0);
	else
		snprintf(buf, n, "%.0f", (double)us / 1000.0);
}

/* A translated title in a column of width code points, to the left or right. */
static void title(const char *t, size_t width, bool right)
{
	size_t n = text_utf8_chars(t, strlen(t));
	if (right)
		out_spaces(width > n ? width - n : 0);
	fputs(t, stdout);
	if (!right)
		out_spaces(width > n ? width - n : 0);
}

static void text_requests(const Kart__Stats *s)
{
	double window = s->window_seconds ? s->window_seconds : 1;
	printf(_("requests over the last %u s:\n"), (unsigned)s->window_seconds);
	fputs("  ", stdout);
	title(_("kind"), 22, false);
	const char *titles[] = { N_("total"), N_("per s"), N_("p50 ms"), N_("p99 ms"), N_("max ms") };
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++) {
		putchar(' ');
		title(_(titles[i]), i ? 9 : 10, true);
	}
	putchar('\n');
	for (size_t i = 0; i < s->n_requests; i++) {
		const Kart__RequestStats *q = s->requests[i];
		if (!kind_ok(q->kind))
			continue;
		char p50[24], p99[24], max[24];
		say_ms(p50, sizeof(p50), q->p50_us);
		say_ms(p99, sizeof(p99), q->p99_us);
		say_ms(max, sizeof(max), q->max_us);
		printf("  %-22s %10" PRIu64 " %9.2f %9s %9s %9s\n", q->kind, q->total, (double)q->minute / window,
		       q->minute ? p50 : "-", q->minute ? p99 : "-", q->minute ? max : "-");
	}
	if (!s->n_requests)
		printf("  %s\n", _("(none yet)"));
}

void out_stats_text(const Kart__Stats *s)
{
	char since[32], p50[24], p99[24];
	fmt_time(s->started_at, 0, since, sizeof(since));
	uint64_t up = s->uptime_seconds;
	out_text(stdout, s->version, 0);
	printf(_(", database format %u\n"), (unsigned)s->format);
	printf(_("up:          %" PRIu64 "d %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 " (since %s)\n"), up / 86400,
	       up / 3600 % 24, up / 60 % 60, up % 60, since);
	printf(_("connections: %u open: %u not logged in, %u logged in; %u streams; %u requests in flight\n"),
	       (unsigned)s->connections, (unsigned)s->not_logged_in, (unsigned)s->logged_in,
	       (unsigned)s->streaming, (unsigned)s->in_flight);
	text_requests(s);
	say_ms(p50, sizeof(p50), s->commit_p50_us);
	say_ms(p99, sizeof(p99), s->commit_p99_us);
	printf(_("writer:      %" PRIu64 " batches of %" PRIu64 " requests since start; last %u s: %" PRIu64
		 " batches, %" PRIu64 " requests, largest %" PRIu64 ", commit p50 %s ms, p99 %s ms\n"),
	       s->batches, s->batch_requests, (unsigned)s->window_seconds, s->minute_batches,
	       s->minute_batch_requests, s->minute_batch_max, s->minute_batches ? p50 : "-",
	       s->minute_batches ? p99 : "-");
	printf(_("map:         %.1f MiB of %.1f MiB used (%.0f%%), pages of %u bytes\n"),
	       (double)s->map_used / 1048576.0, (double)s->map_size / 1048576.0,
	       s->map_size ? 100.0 * (double)s->map_used / (double)s->map_size : 0.0, (unsigned)s->page_size);
	printf(_("readers:     %u of %u slots held, %u in a transaction\n"), (unsigned)s->readers_used,
	       (unsigned)s->readers_max, (unsigned)s->readers_active);
	printf(_("audit:       %" PRIu64 " records\n"), s->audit_seq);
	printf(_("reads:       %" PRIu64 " waiting to be written to the record of reads (unrecorded past %" PRIu64
		 "), %" PRIu64 " unrecorded since start\n"),
	       s->reads_pending, s->reads_pending_max, s->reads_dropped);
	printf(_("pool:        %u scans running (at most %u), %u waiting\n"), (unsigned)s->pool_running,
	       (unsigned)s->pool_max, (unsigned)s->pool_waiting);
}

/* ---- Prometheus ---- */

static void metric(const char *name, const char *type, const char *help)
{
	printf("# HELP kartd_%s %s\n# TYPE kartd_%s %s\n", name, help, name, type);
}

static void sample(const char *name, const char *labels, double v)
{
	/* counts exactly, fractions to nine digits */
	const char *fmt = v == (double)(int64_t)v && v < 1e15 && v > -1e15 ? "kartd_%s%s%s%s %.0f\n" : "kartd_%s%s%s%s %.9g\n";
	printf(fmt, name, labels ? "{" : "", labels ? labels : "", labels ? "}" : "", v);
}

static void one(const char *name, const char *type, const char *help, double v)
{
	metric(name, type, help);
	sample(name, NULL, v);
}

static void prom_requests(const Kart__Stats *s)
{
	char l[128];
	double window = s->window_seconds ? s->window_seconds : 1;
	metric("requests_total", "counter", "Requests answered since kartd started, by kind.");
	for (size_t i = 0; i < s->n_requests; i++)
		if (kind_ok(s->requests[i]->kind)) {
			snprintf(l, sizeof(l), "kind=\"%s\"", s->requests[i]->kind);
			sample("requests_total", l, (double)s->requests[i]->total);
		}
	metric("requests_per_second", "gauge", "Requests per second over the last minute, by kind.");
	for (size_t i = 0; i < s->n_requests; i++)
		if (kind_ok(s->requests[i]->kind)) {
			snprintf(l, sizeof(l), "kind=\"%s\"", s->requests[i]->kind);
			sample("requests_per_second", l, (double)s->requests[i]->minute / window);
		}
	metric("request_duration_seconds", "summary",
	       "Request latency: quantiles over the last minute, sum and count since start, by kind.");
	for (size_t i = 0; i < s->n_requests; i++) {
		const Kart__RequestStats *q = s->requests[i];
		if (!kind_ok(q->kind))
			continue;
		snprintf(l, sizeof(l), "kind=\"%s\",quantile=\"0.5\"", q->kind);
		sample("request_duration_seconds", l, (double)q->p50_us / 1e6);
		snprintf(l, sizeof(l), "kind=\"%s\",quantile=\"0.99\"", q->kind);
		sample("request_duration_seconds", l, (double)q->p99_us / 1e6);
		snprintf(l, sizeof(l), "kind=\"%s\"", q->kind);
		sample("request_duration_seconds_sum", l, (double)q->total_us / 1e6);
		sample("request_duration_seconds_count", l, (double)q->total);
	}
}

static void prom_writer(const Kart__Stats *s)
{
	one("writer_batches_total", "counter", "Write batches committed since start (group commit).", (double)s->batches);
	one("writer_batch_requests_total", "counter", "Requests in the batches committed since start.",
	    (double)s->batch_requests);
	one("writer_batch_size_max", "gauge", "The largest batch of the last minute, in requests.",
	    (double)s->minute_batch_max);
	metric("writer_commit_duration_seconds", "summary",
	       "Commit latency: quantiles over the last minute, sum and count since start.");
	sample("writer_commit_duration_seconds", "quantile=\"0.5\"", (double)s->commit_p50_us / 1e6);
	sample("writer_commit_duration_seconds", "quantile=\"0.99\"", (double)s->commit_p99_us / 1e6);
	sample("writer_commit_duration_seconds_sum", NULL, (double)s->commit_us / 1e6);
	sample("writer_commit_duration_seconds_count", NULL, (double)s->batches);
}

void out_stats_prometheus(const Kart__Stats *s)
{
	one("uptime_seconds", "gauge", "Seconds since kartd started.", (double)s->uptime_seconds);
	one("database_format", "gauge", "The database format version kartd writes.", (double)s->format);
	metric("connections", "gauge", "Open connections by state.");
	sample("connections", "state=\"not_logged_in\"", (double)s->not_logged_in);
	sample("connections", "state=\"logged_in\"", (double)s->logged_in);
	one("streams", "gauge", "Lists being answered in pages.", (double)s->streaming);
	one("requests_in_flight", "gauge", "Requests with the writer, the pool or the password hashers.",
	    (double)s->in_flight);
	prom_requests(s);
	prom_writer(s);
	one("map_size_bytes", "gauge", "The LMDB map's size.", (double)s->map_size);
	one("map_used_bytes", "gauge", "The LMDB map up to its last page in use.", (double)s->map_used);
	metric("reader_slots", "gauge", "LMDB reader slots: held, in a transaction, at most.");
	sample("reader_slots", "state=\"used\"", (double)s->readers_used);
	sample("reader_slots", "state=\"active\"", (double)s->readers_active);
	sample("reader_slots", "state=\"max\"", (double)s->readers_max);
	one("audit_sequence", "counter", "The audit chain's last sequence number.", (double)s->audit_seq);
	one("read_record_backlog", "gauge", "Reads waiting to be written to the record of reads.",
	    (double)s->reads_pending);
	one("reads_unrecorded_total", "counter", "Reads that went unrecorded since start (the writer was behind).",
	    (double)s->reads_dropped);
	metric("pool_scans", "gauge", "Scans in the thread pool: running, waiting, at most running.");
	sample("pool_scans", "state=\"running\"", (double)s->pool_running);
	sample("pool_scans", "state=\"waiting\"", (double)s->pool_waiting);
	sample("pool_scans", "state=\"max\"", (double)s->pool_max);
}
