/* bench_opts: kart-bench's command line: its usage text, the options and
 * their checks and defaults, and reading the password file. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "gen.h"
#include "util.h"

#define DEFAULT_SERVER "127.0.0.1:7443"
#define MAX_CONNS 1024
#define MAX_PIPELINE 65535

const char *const mode_names[] = {
	[MODE_NONE] = "", [MODE_LOAD] = "load", [MODE_GET] = "get", [MODE_MIXED] = "mixed",
	[MODE_FIND_PHONE] = "find-phone", [MODE_FIND_NAME] = "find-name", [MODE_FIND_PREFIX] = "find-prefix",
	[MODE_SEGMENT] = "segment", [MODE_MOVE] = "move", [MODE_TUI_LATENCY] = "tui-latency",
	[MODE_REPORT] = "report", [MODE_EXPORT] = "export",
};

/* --op report-KIND: the kinds of ReportQuery, by their names */
static const struct {
	const char *name;
	int kind;
} report_kinds[] = {
	{ "rfm", KART__REPORT_KIND__REPORT_KIND_RFM },
	{ "abc", KART__REPORT_KIND__REPORT_KIND_ABC },
	{ "funnel", KART__REPORT_KIND__REPORT_KIND_FUNNEL },
	{ "managers", KART__REPORT_KIND__REPORT_KIND_MANAGERS },
	{ "reactivation", KART__REPORT_KIND__REPORT_KIND_REACTIVATION },
	{ "birthdays", KART__REPORT_KIND__REPORT_KIND_BIRTHDAYS },
};

/* The segment: women in Самара with more than 50 computers. */
#define DEFAULT_WHERE "gender = f and city = \"Самара\" and computers > 50"
#define DEFAULT_RUNS 20
#define DEFAULT_TUI_RUNS 20
#define DEFAULT_GAP_MS 150
#define DEFAULT_LANG "ru_RU.UTF-8"

int parse_u64(const char *s, uint64_t *out)
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

void usage(FILE *f)
{
	fprintf(f,
		"usage: kart-bench [connection options] --load N [--custom K] [--conns M] [--pipeline P]\n"
		"                  [--threads T] [--seed S] [--first I] [--managers K]\n"
		"                  [--timeline E] [--deals D]\n"
		"       kart-bench [connection options] [--managers K] --timeline E [--deals D]\n"
		"       kart-bench [connection options] [--managers K] --deals D\n"
		"       kart-bench [connection options] --op get|mixed [--conns M] [--pipeline P] [--seconds D]\n"
		"                  [--threads T] [--ids LO-HI] [--seed S] [--pid PID] [--managers K]\n"
		"       kart-bench [connection options] --op find-phone|find-name [--conns M] [--pipeline P]\n"
		"                  [--seconds D] [--threads T] [--indices LO-HI | --ids LO-HI] [--seed S]\n"
		"                  [--managers K]\n"
		"       kart-bench [connection options] --op segment [--where EXPR] [--runs R] [--seconds D]\n"
		"       kart-bench [connection options] --op move --sector S [--where EXPR]\n"
		"       kart-bench [connection options] --op tui-latency --tui PATH [--runs R] [--gap MS]\n"
		"                  [--lang L] [--indices LO-HI | --ids LO-HI] [--seed S]\n"
		"       kart-bench [connection options] --op report-rfm|report-abc|report-funnel|report-managers|\n"
		"                  report-reactivation|report-birthdays [--conns M] [--runs R] [--where EXPR]\n"
		"                  [--period P] [--days N] [--at DAY] [--window W] [--by B] [--owner U]\n"
		"                  [--min-total A] [--ids LO-HI] [--pid PID]\n"
		"       kart-bench [connection options] --op export-csv|export-vcard [--conns M] [--runs R]\n"
		"                  [--where EXPR] [--ids LO-HI] [--pid PID]\n"
		"\n"
		"Benchmarks kartd through its protocol.\n"
		"  --load N          create N generated cards, pipelined; prints cards/s and the id range\n"
		"  --managers K      --load: first create K manager users mgr01..mgrK (UserAdd, the\n"
		"                    password of --password-file; existing ones are fine) and give each\n"
		"                    card one of them as its owner (mgrK's book K times mgr01's);\n"
		"                    with --op get|mixed|find-*: the base was loaded so, --user is one\n"
		"                    of the managers, and only their cards are picked (a find: the\n"
		"                    generated cards the load gave them; a get: their CardList's ids)\n"
		"  --timeline E      add E timeline entries after the cards (LogAdd, one per entry):\n"
		"                    purchases (35%%, amounts from 100.00 to ~100000.00) and calls,\n"
		"                    e-mails, meetings and notes, dated over the last two years, spread\n"
		"                    unevenly over the cards (a sixth get none, a few get dozens); each\n"
		"                    card's entries are written by its owner when that is one of the\n"
		"                    managers (their sessions), else by --user. The cards and their\n"
		"                    owners are read first (CardList as --user: see every card); one\n"
		"                    connection per session, --conns x 64 requests in flight in all\n"
		"  --deals D         add D deals on random cards (DealAdd by the card's owner as above,\n"
		"                    the deal owned by the card's owner), then move each through the\n"
		"                    funnel one DealMove per step: on from the first stage, each step\n"
		"                    on with 55%%, to the lost stage with 15%%, staying with 30%%; from\n"
		"                    the last open stage won 55%%, lost 25%%. Deals are created and\n"
		"                    moved at the server's time: DealAdd takes no date\n"
		"  --op get          get cards by random id for D seconds\n"
		"  --op mixed        as get, but one request in ten is an update of the card's notes\n"
		"  --op find-phone   Find the phone of a random loaded card, typed as +7 9xx xxx-xx-xx,\n"
		"                    8 (9xx) xxx-xx-xx, 89xxxxxxxxx, 9xxxxxxxxx or (1 in 8) its last 7\n"
		"                    digits; also prints misses=N: replies without that card (every\n"
		"                    phone of a loaded index must be found)\n"
		"  --op find-name    Find (limit 20) the first 3 letters of a random card's last name\n"
		"  --op find-prefix  Find (limit 50, as kart-tui asks) the start of a random card's phone\n"
		"                    as it is typed digit by digit: \"8 9xx x\" with 4 to 11 digits;\n"
		"                    misses=N counts pages without that card once 7 digits are typed\n"
		"                    (fewer than 50 numbers share such a start)\n"
		"  --op segment      count the cards matching --where (CardQuery count) and fetch its\n"
		"                    first 100 (CardQuery limit 100, until the last CardPage), one after\n"
		"                    the other on one connection; prints both latencies' p50 and p99\n"
		"  --op move         one BulkMove of the cards matching --where to --sector, timed;\n"
		"                    moved N counts the cards whose sector changed\n"
		"  --op report-KIND  one ReportQuery of KIND (its stream read to the end, timed to the\n"
		"                    last page; --runs R times) while --conns connections (default 4; 0: none)\n"
		"                    get random cards, one in flight each: prints the report's time,\n"
		"                    pages and rows, the gets' p50/p99/p999 during it and the daemon's\n"
		"                    anonymous memory before and at its peak; a refused report is\n"
		"                    printed with the server's error (exit 1)\n"
		"  --op export-csv, --op export-vcard\n"
		"                    one Export as `kart export` sends it (every card the user sees,\n"
		"                    or --where), its stream of chunks read to the ExportRecord,\n"
		"                    --runs R times, while --conns connections (default 4; 0: none) get\n"
		"                    random cards, one in flight each: prints each run's time to the first\n"
		"                    chunk (scanned and recorded) and to the last, bytes and rows\n"
		"                    received (canary rows included), the gets' p50/p99/p999/max during\n"
		"                    the exports and the daemon's anonymous memory before and at its\n"
		"                    peak; the user needs the export permission and quota (an admin\n"
		"                    has them; every run is recorded as an export, its audit event too)\n"
		"  --period P        report: ReportQuery.period (abc, funnel, managers: \"2026\",\n"
		"                    \"2026-Q3\", \"90d\", ...; default: the server's)\n"
		"  --days N          report: ReportQuery.days (reactivation, birthdays)\n"		"  --at DAY, --window W, --by B, --owner U, --min-total A\n"
		"                    report: ReportQuery's at and window (rfm), by (abc), owner\n"
		"                    (funnel), min_total (reactivation), passed on as given\n"
		"  --op tui-latency  run kart-tui (--tui) in an 80x24 pseudo-terminal on this session\n"
		"                    and type R searches into its Find screen one key at a time: a\n"
		"                    random loaded card's phone (as 8 9xx xxx xx xx or 89xxxxxxxxx) and\n"
		"                    last name, in turn; every key is timed from its write to the\n"
		"                    paint of that query's answer (the screen rendered by libvterm);\n"
		"                    prints p50/p95/p99/max over all keys and per kind, errors (a key\n"
		"                    not painted in 10 s) and misses (the card not among the rows)\n"
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
		"  --batch B         --load: cards per request (default 200), sent as one ImportBatch\n"
		"                    of an import per connection (their ids printed at the end);\n"
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
		"  --where EXPR      segment, move: the filter, by default (report, export: none)\n"
		"                      %s\n"
		"                    the generator puts 1.5%% of the cards in Самара (Москва 12%%,\n"
		"                    Санкт-Петербург 6%%, the next 14 cities 1.5%% each), half are\n"
		"                    women, so this segment is ~0.56%% of the cards (load them with\n"
		"                    --custom 1 or more for the computers field)\n"
		"  --runs R          segment: at least R runs (default %d); tui-latency: R searches\n"
		"                    (default %d); report, export: R of them (default 1)\n"
		"  --tui PATH        tui-latency: the kart-tui binary\n"
		"  --gap MS          tui-latency: the typist's pause after each paint (default %d)\n"
		"  --lang L          tui-latency: kart-tui's LANG (default %s)\n"
		"  --sector S        move: cold, warm or hot (required); the caller picks it, so to\n"
		"                    move the same cards back and forth alternate it between runs\n"
		"  --pid PID         the daemon's pid for its memory use (default: the only process\n"
		"                    named kartd, if there is exactly one)\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 it ran (errors are reported), 1 cannot connect or log in, or the server\n"
		"refused the segment, move, report or export, or kart-tui could not be run or exited, 2 usage.\n",
		GEN_MAX_CUSTOM, DEFAULT_WHERE, DEFAULT_RUNS, DEFAULT_TUI_RUNS, DEFAULT_GAP_MS, DEFAULT_LANG);
}

enum {
	OPT_CA = 256, OPT_USER, OPT_PASSWORD_FILE, OPT_LOAD, OPT_OP, OPT_CONNS, OPT_PIPELINE,
	OPT_SECONDS, OPT_PID, OPT_SEED, OPT_IDS, OPT_FIRST, OPT_THREADS, OPT_CUSTOM, OPT_INDICES, OPT_WHERE,
	OPT_RUNS, OPT_SECTOR, OPT_BATCH, OPT_TUI, OPT_GAP, OPT_LANG, OPT_TIMELINE, OPT_DEALS, OPT_MANAGERS,
	OPT_PERIOD, OPT_DAYS, OPT_AT, OPT_WINDOW, OPT_BY, OPT_OWNER, OPT_MIN_TOTAL,
};

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
	{ "tui", required_argument, NULL, OPT_TUI },
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "lang", required_argument, NULL, OPT_LANG },
	{ "timeline", required_argument, NULL, OPT_TIMELINE },
	{ "deals", required_argument, NULL, OPT_DEALS },
	{ "managers", required_argument, NULL, OPT_MANAGERS },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "at", required_argument, NULL, OPT_AT },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "by", required_argument, NULL, OPT_BY },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "min-total", required_argument, NULL, OPT_MIN_TOTAL },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void set_defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->server = DEFAULT_SERVER;
	o->user = "admin";
	o->seconds = 10;
	o->seed = 1;
	o->runs = -1;
	o->custom = -1;
	o->batch = 200;
	o->gap_ms = -1;
	o->managers = -1;
	o->days = -1;
}

/* --load N or --op OP. Returns 0, or -1 after a message. */
static int set_mode(struct opts *o, int ch, const char *arg)
{
	if (ch == OPT_LOAD) {
		if (parse_u64(arg, &o->load_n) < 0 || o->load_n == 0) {
			fprintf(stderr, "kart-bench: --load wants a positive count, not '%s'\n", arg);
			return -1;
		}
		o->mode = MODE_LOAD;
		return 0;
	}
	enum mode m = MODE_NONE;
	for (int i = MODE_GET; i <= MODE_TUI_LATENCY; i++)
		if (strcmp(arg, mode_names[i]) == 0)
			m = (enum mode)i;
	for (size_t i = 0; m == MODE_NONE && i < sizeof(report_kinds) / sizeof(report_kinds[0]); i++)
		if (strncmp(arg, "report-", 7) == 0 && strcmp(arg + 7, report_kinds[i].name) == 0) {
			m = MODE_REPORT;
			o->report_kind = report_kinds[i].kind;
			o->report_name = report_kinds[i].name;
		}
	if (m == MODE_NONE && (strcmp(arg, "export-csv") == 0 || strcmp(arg, "export-vcard") == 0)) {
		m = MODE_EXPORT;
		o->export_format = arg + 7;
	}
	if (m == MODE_NONE) {
		fprintf(stderr, "kart-bench: --op is get, mixed, find-phone, find-name, find-prefix, segment, move, "
			"tui-latency, report-rfm|abc|funnel|managers|reactivation|birthdays or export-csv|vcard, "
			"not '%s'\n", arg);
		return -1;
	}
	o->mode = m;
	return 0;
}

/* The options with a number or a range for a value. Returns 0, -1 after a
 * message, or -2 if ch is none of them. */
static int set_number(struct opts *o, int ch, const char *arg)
{
	uint64_t v;
	char *end;
	switch (ch) {
	case OPT_CONNS:
		if (parse_int(arg, 0, MAX_CONNS, &o->conns) < 0) {
			fprintf(stderr, "kart-bench: --conns wants 0..%d, not '%s'\n", MAX_CONNS, arg);
			return -1;
		}
		o->conns_given = true;
		break;
	case OPT_PIPELINE:
		if (parse_int(arg, 1, MAX_PIPELINE, &o->pipeline) < 0) {
			fprintf(stderr, "kart-bench: --pipeline wants 1..%d, not '%s'\n", MAX_PIPELINE, arg);
			return -1;
		}
		break;
	case OPT_SECONDS:
		errno = 0;
		o->seconds = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->seconds > 0) || o->seconds > 1e6) {
			fprintf(stderr, "kart-bench: --seconds wants a positive number, not '%s'\n", arg);
			return -1;
		}
		o->seconds_given = true;
		break;
	case OPT_PID:
		if (parse_u64(arg, &v) < 0 || v == 0 || v > 0x7fffffff) {
			fprintf(stderr, "kart-bench: --pid wants a process id, not '%s'\n", arg);
			return -1;
		}
		o->pid = (long)v;
		break;
	case OPT_SEED:
		if (parse_u64(arg, &o->seed) < 0) {
			fprintf(stderr, "kart-bench: --seed wants a number, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_IDS:
		if (parse_range(arg, &o->ids_lo, &o->ids_hi, false) < 0) {
			fprintf(stderr, "kart-bench: --ids wants LO-HI with 1 <= LO <= HI, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_FIRST:
		if (parse_u64(arg, &o->first_index) < 0) {
			fprintf(stderr, "kart-bench: --first wants a number, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_BATCH:
		if (parse_int(arg, 1, 5000, &o->batch) < 0) {
			fprintf(stderr, "kart-bench: --batch wants 1 to 5000, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_THREADS:
		if (parse_int(arg, 1, 64, &o->threads) < 0) {
			fprintf(stderr, "kart-bench: --threads wants 1 to 64, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_CUSTOM:
		if (parse_int(arg, 0, GEN_MAX_CUSTOM, &o->custom) < 0) {
			fprintf(stderr, "kart-bench: --custom wants 0 to %d, not '%s'\n", GEN_MAX_CUSTOM, arg);
			return -1;
		}
		break;
	case OPT_INDICES:
		if (parse_range(arg, &o->idx_lo, &o->idx_hi, true) < 0) {
			fprintf(stderr, "kart-bench: --indices wants LO-HI with LO <= HI, not '%s'\n", arg);
			return -1;
		}
		o->indices_given = true;
		break;
	case OPT_GAP:
		if (parse_int(arg, 0, 60000, &o->gap_ms) < 0) {
			fprintf(stderr, "kart-bench: --gap wants 0 to 60000 ms, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_TIMELINE:
	case OPT_DEALS:
		if (parse_u64(arg, ch == OPT_TIMELINE ? &o->timeline_n : &o->deals_n) < 0 ||
		    (ch == OPT_TIMELINE ? o->timeline_n : o->deals_n) > 1000000000) {
			fprintf(stderr, "kart-bench: %s wants a count up to 1000000000, not '%s'\n",
				ch == OPT_TIMELINE ? "--timeline" : "--deals", arg);
			return -1;
		}
		break;
	case OPT_MANAGERS:
		if (parse_int(arg, 0, GEN_MAX_MANAGERS, &o->managers) < 0) {
			fprintf(stderr, "kart-bench: --managers wants 0 to %d, not '%s'\n", GEN_MAX_MANAGERS, arg);
			return -1;
		}
		break;
	case OPT_DAYS:
		if (parse_int(arg, 0, 100000, &o->days) < 0) {
			fprintf(stderr, "kart-bench: --days wants 0 to 100000, not '%s'\n", arg);
			return -1;
		}
		break;
	case OPT_RUNS:
		if (parse_int(arg, 1, 1000000000, &o->runs) < 0) {
			fprintf(stderr, "kart-bench: --runs wants a positive count, not '%s'\n", arg);
			return -1;
		}
		break;
	default:
		return -2;
	}
	return 0;
}

/* One option from getopt_long and its value: 0, -1 after a message, -2 for
 * an unknown option. --load and --op count in *modes. */
static int set_opt(struct opts *o, int ch, const char *arg, int *modes)
{
	switch (ch) {
	case 's':
		o->server = arg;
		break;
	case OPT_CA:
		o->ca_file = arg;
		break;
	case OPT_USER:
		o->user = arg;
		break;
	case OPT_PASSWORD_FILE:
		o->password_file = arg;
		break;
	case OPT_WHERE:
		o->where = arg;
		break;
	case OPT_TUI:
		o->tui = arg;
		break;
	case OPT_LANG:
		o->lang = arg;
		break;
	case OPT_PERIOD:
		o->period = arg;
		break;
	case OPT_AT:
		o->rq_at = arg;
		break;
	case OPT_WINDOW:
		o->rq_window = arg;
		break;
	case OPT_BY:
		o->rq_by = arg;
		break;
	case OPT_OWNER:
		o->rq_owner = arg;
		break;
	case OPT_MIN_TOTAL:
		o->rq_min_total = arg;
		break;
	case OPT_SECTOR:
		if (strcmp(arg, "cold") && strcmp(arg, "warm") && strcmp(arg, "hot")) {
			fprintf(stderr, "kart-bench: --sector is cold, warm or hot, not '%s'\n", arg);
			return -1;
		}
		o->sector = arg;
		break;
	case OPT_LOAD:
	case OPT_OP:
		if (set_mode(o, ch, arg) < 0)
			return -1;
		(*modes)++;
		break;
	default:
		return set_number(o, ch, arg);
	}
	return 0;
}

/* Once every option is read: exactly one mode, the options that go with it,
 * and the defaults that depend on it. Returns 0, or -1 after a message. */
static int check_opts(struct opts *o, int modes)
{
	bool fill = o->timeline_n > 0 || o->deals_n > 0;
	if (modes == 0 && fill) {
		/* timeline entries or deals on the cards there are */
		o->mode = MODE_LOAD;
		modes = 1;
	}
	if (modes != 1) {
		fprintf(stderr, "kart-bench: give exactly one of --load N (or --timeline E, --deals D) and --op OP\n");
		return -1;
	}
	bool tui = o->mode == MODE_TUI_LATENCY;
	bool find = o->mode == MODE_FIND_PHONE || o->mode == MODE_FIND_NAME || o->mode == MODE_FIND_PREFIX || tui;
	bool seq = o->mode == MODE_SEGMENT || o->mode == MODE_MOVE;
	bool report = o->mode == MODE_REPORT, exp = o->mode == MODE_EXPORT;
	const char *misplaced = o->custom >= 0 && o->mode != MODE_LOAD ? "--custom goes with --load"
				: fill && o->mode != MODE_LOAD ? "--timeline and --deals go with --load or alone"
				: o->managers >= 0 && o->mode != MODE_LOAD && o->mode != MODE_GET && o->mode != MODE_MIXED &&
						  o->mode != MODE_FIND_PHONE && o->mode != MODE_FIND_NAME && o->mode != MODE_FIND_PREFIX
				? "--managers goes with --load, --timeline, --deals, or --op get|mixed|find-phone|find-name|find-prefix"
				: (o->period || o->days >= 0 || o->rq_at || o->rq_window || o->rq_by || o->rq_owner ||
				   o->rq_min_total) && !report
				? "--period, --days, --at, --window, --by, --owner and --min-total go with --op report-KIND"
				: report && o->seconds_given ? "--op report-KIND runs --runs reports: no --seconds"
				: o->managers > 0 && find && !tui && !o->indices_given
				? "--managers with a find needs --indices LO-HI: the generated cards loaded (0-999999 for --load 1000000)"
				: exp && o->seconds_given ? "--op export-FORMAT runs --runs exports: no --seconds"
				: o->conns_given && !o->conns && !report && !exp
				? "--conns 0 (no gets during it) goes with --op report-KIND|export-FORMAT"
				: o->indices_given && !find ? "--indices goes with --op find-phone|find-name|find-prefix|tui-latency"
				: o->where && !seq && !report && !exp ? "--where goes with --op segment|move|report-KIND|export-FORMAT"
				: o->runs >= 0 && o->mode != MODE_SEGMENT && !tui && !report && !exp
				? "--runs goes with --op segment|tui-latency|report-KIND|export-FORMAT"
				: (o->gap_ms >= 0 || o->lang) && !tui ? "--gap and --lang go with --op tui-latency"
				: o->tui && !tui ? "--tui goes with --op tui-latency"
				: tui && !o->tui ? "--op tui-latency needs --tui PATH (the kart-tui binary)"
				: tui && o->seconds_given ? "--op tui-latency runs --runs searches: no --seconds"
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
		o->runs = tui ? DEFAULT_TUI_RUNS : report || exp ? 1 : DEFAULT_RUNS;
	if (o->managers < 0)
		o->managers = 0;
	if (o->gap_ms < 0)
		o->gap_ms = DEFAULT_GAP_MS;
	if (!o->lang)
		o->lang = DEFAULT_LANG;
	if (!o->where && !report && !exp)
		o->where = DEFAULT_WHERE;
	if (!o->password_file) {
		fprintf(stderr, "kart-bench: --password-file is required\n");
		return -1;
	}
	if (o->mode == MODE_LOAD && o->load_n > UINT64_MAX - o->first_index) {
		fprintf(stderr, "kart-bench: --first + --load overflows\n");
		return -1;
	}
	if (!o->conns_given)
		o->conns = o->mode == MODE_LOAD ? 4 : report || exp ? 4 : 16;
	if (!o->threads)
		o->threads = 1;
	if (!o->pipeline)
		o->pipeline = o->mode == MODE_LOAD ? (o->batch > 1 ? 4 : 64) : 1;
	return 0;
}

/* Returns 0, 1 for --help, or -1 after printing a usage error. */
int parse_opts(int argc, char **argv, struct opts *o)
{
	set_defaults(o);
	int ch, modes = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":s:h", longopts, NULL)) != -1) {
		if (ch == 'h')
			return 1;
		if (ch == ':') {
			fprintf(stderr, "kart-bench: %s needs a value\n", argv[optind - 1]);
			return -1;
		}
		int r = set_opt(o, ch, optarg, &modes);
		if (r == -2)
			fprintf(stderr, "kart-bench: unknown option '%s'\n", argv[optind - 1]);
		if (r < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "kart-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return check_opts(o, modes);
}

/* The first line of the password file, malloc'd; NULL after a message. */
char *read_password(const char *path)
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
