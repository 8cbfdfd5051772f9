/* bench_tui: --op tui-latency, the keystroke-to-paint latency of kart-tui's
 * live search.
 *
 * kart-tui runs in a pseudo-terminal of 80x24 (TERM=xterm-256color, --lang)
 * on the bench's own session, written into a private KART_HOME made for the
 * run. The bench types searches as a manager does, one key per write(): a
 * loaded card's phone digit by digit (as "8 917 123 45 67" with its spaces,
 * or as "89171234567"), and a loaded card's last name letter by letter. What
 * kart-tui writes back is rendered by libvterm, and a key counts as painted
 * when the screen shows the answer to the query typed so far: the query line
 * ends in that text with the cursor after it, and the status line is set and
 * no longer ends in "…" (kart-tui's "searching…", shown while the rows answer
 * an older query). The latency is from just before the write() of the key to
 * just after the read() whose bytes completed that screen. Every key of every
 * search is measured, the first one included; after each paint the bench
 * waits --gap ms, as a typist would, before the next key. Between searches
 * the query is erased (one write of Backspaces, not measured).
 *
 * A phone search must show its card's phone among the rows once the whole
 * number is typed, a name search a row with that last name: otherwise it
 * counts as a miss. A key not painted within KEY_TIMEOUT_S counts as an error
 * and ends its search. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vterm.h>

#include "bench.h"
#include "gen.h"
#include "session.h"

#define TUI_ROWS 24
#define TUI_COLS 80
#define QUERY_ROW 1
#define STATUS_ROW (TUI_ROWS - 2)
#define KEY_TIMEOUT_S 10
#define START_TIMEOUT_S 20
#define ROW_MAX (TUI_COLS * 4 + 1)  /* a row's UTF-8: at most 4 bytes a cell */

/* kart-tui in its pseudo-terminal, and the screen it has drawn so far. */
struct ptui {
	int fd;                     /* the pty's master side */
	pid_t pid;
	VTerm *vt;
	VTermScreen *screen;
	VTermState *state;
	char empty_row[ROW_MAX];    /* the query line with nothing typed */
	int empty_col;              /* and the cursor's column there */
	char home[PATH_MAX];        /* the run's KART_HOME; "" if not made */
};

/* Per kind of search (phone, name): the latencies of its keys. */
struct tui_kind {
	const char *name;
	struct hist hist;
	uint64_t keys, max_ns, searches, misses;
};

/* libvterm's answers to the terminal's queries go back to kart-tui. */
static void vt_output(const char *s, size_t len, void *user)
{
	struct ptui *p = user;
	while (len > 0) {
		ssize_t w = write(p->fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

/* Row y of the screen as UTF-8, without its trailing spaces. */
static void screen_row(struct ptui *p, int y, char *out, size_t n)
{
	VTermRect r = { .start_row = y, .end_row = y + 1, .start_col = 0, .end_col = TUI_COLS };
	size_t len = vterm_screen_get_text(p->screen, out, n - 1, r);
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

/* Code points in the first len bytes of s. The rows typed here (Cyrillic,
 * digits, Latin) are one cell per code point. */
static int cps(const char *s, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);
	return lt <= ls && memcmp(s + ls - lt, tail, lt) == 0;
}

/* Does the screen show the answer to query q: the query line ending in q,
 * the cursor right after it, and a status line that is set and not "…"? */
static bool painted(struct ptui *p, const char *q)
{
	char row[ROW_MAX], qt[256], st[ROW_MAX];
	VTermPos cur;
	size_t lq = strlen(q), trail = 0;

	while (trail < lq && q[lq - 1 - trail] == ' ')
		trail++;
	snprintf(qt, sizeof(qt), "%.*s", (int)(lq - trail), q);
	screen_row(p, QUERY_ROW, row, sizeof(row));
	vterm_state_get_cursorpos(p->state, &cur);
	if (!ends_with(row, qt) || cur.row != QUERY_ROW || cur.col != cps(row, strlen(row)) + (int)trail)
		return false;
	screen_row(p, STATUS_ROW, st, sizeof(st));
	return st[0] && !ends_with(st, "…");
}

/* Does the screen show an empty query and no status? (q: unused) */
static bool erased(struct ptui *p, const char *q)
{
	char row[ROW_MAX], st[ROW_MAX];
	VTermPos cur;

	(void)q;
	screen_row(p, QUERY_ROW, row, sizeof(row));
	screen_row(p, STATUS_ROW, st, sizeof(st));
	vterm_state_get_cursorpos(p->state, &cur);
	return strcmp(row, p->empty_row) == 0 && !st[0] && cur.row == QUERY_ROW && cur.col == p->empty_col;
}

/* Reads what kart-tui wrote until cond(p, q) holds (q: the query) or the
 * deadline passes; a NULL cond reads until the deadline. Returns 1 with
 * *when_ns the time of the read that made it hold, 0 at the deadline, or -1
 * if kart-tui is gone. */
static int read_until(struct ptui *p, bool (*cond)(struct ptui *, const char *), const char *q, int64_t deadline,
		      int64_t *when_ns)
{
	char buf[16384];

	if (cond && cond(p, q)) {
		*when_ns = mono_ns();
		return 1;
	}
	for (;;) {
		int64_t left = deadline - mono_ns();
		if (left <= 0)
			return 0;
		struct pollfd pf = { .fd = p->fd, .events = POLLIN };
		int r = poll(&pf, 1, (int)((left + 999999) / 1000000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		ssize_t n = read(p->fd, buf, sizeof(buf));
		int64_t t = mono_ns();
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1; /* EIO: the child closed its side */
		vterm_input_write(p->vt, buf, (size_t)n);
		if (cond && cond(p, q)) {
			*when_ns = t;
			return 1;
		}
	}
}

static int send_bytes(struct ptui *p, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(p->fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A private KART_HOME holding the session the bench logged in with. */
static int make_home(struct ptui *p, const struct run *run)
{
	struct kc_error err;
	const char *tmp = getenv("TMPDIR");

	snprintf(p->home, sizeof(p->home), "%s/kart-bench-tui.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(p->home)) {
		fprintf(stderr, "kart-bench: cannot make a directory for kart-tui's session in %s: %s\n",
			tmp && *tmp ? tmp : "/tmp", strerror(errno));
		p->home[0] = '\0';
		return -1;
	}
	if (kc_session_save(p->home, &run->kco, run->o->user, run->token, &err) != 0) {
		fprintf(stderr, "kart-bench: saving kart-tui's session: %s\n", err.message);
		return -1;
	}
	return 0;
}

static void remove_home(struct ptui *p)
{
	char path[PATH_MAX + 32];
	const char *names[] = { "session", "known_servers" };

	if (!p->home[0])
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->home, names[i]);
		unlink(path);
	}
	if (rmdir(p->home) < 0)
		fprintf(stderr, "kart-bench: cannot remove %s: %s\n", p->home, strerror(errno));
}

/* Starts kart-tui in an 80x24 pseudo-terminal and waits for its first
 * screen. Returns 0, or -1 after a message. */
static int start_tui(struct ptui *p, const struct opts *o)
{
	struct winsize ws = { .ws_row = TUI_ROWS, .ws_col = TUI_COLS };
	int64_t when;

	p->pid = forkpty(&p->fd, NULL, NULL, &ws);
	if (p->pid < 0) {
		fprintf(stderr, "kart-bench: forkpty: %s\n", strerror(errno));
		return -1;
	}
	if (p->pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", o->lang, 1);
		setenv("KART_HOME", p->home, 1);
		unsetenv("LC_ALL");
		unsetenv("LANGUAGE");
		unsetenv("KART_SERVER");
		unsetenv("KART_CA");
		execl(o->tui, o->tui, (char *)NULL);
		fprintf(stderr, "kart-bench: cannot run %s: %s\n", o->tui, strerror(errno));
		_exit(127);
	}
	p->vt = vterm_new(TUI_ROWS, TUI_COLS);
	vterm_set_utf8(p->vt, 1);
	vterm_output_set_callback(p->vt, vt_output, p);
	p->screen = vterm_obtain_screen(p->vt);
	vterm_screen_enable_altscreen(p->screen, 1);
	vterm_screen_reset(p->screen, 1);
	p->state = vterm_obtain_state(p->vt);
	/* the first screen: the query line drawn and the cursor in it */
	int64_t deadline = mono_ns() + (int64_t)START_TIMEOUT_S * 1000000000;
	VTermPos cur;
	int r;
	do {
		r = read_until(p, NULL, NULL, mono_ns() + 50000000, &when);
		screen_row(p, QUERY_ROW, p->empty_row, sizeof(p->empty_row));
		vterm_state_get_cursorpos(p->state, &cur);
	} while (r == 0 && mono_ns() < deadline && !(p->empty_row[0] && cur.row == QUERY_ROW && cur.col > 0));
	if (r < 0 || !p->empty_row[0] || cur.row != QUERY_ROW) {
		char top[ROW_MAX];
		screen_row(p, 0, top, sizeof(top));
		fprintf(stderr, "kart-bench: kart-tui did not show its Find screen (%s); its first line: '%s'\n",
			r < 0 ? "it exited" : "timed out", top);
		return -1;
	}
	p->empty_col = cur.col;
	return 0;
}

static void stop_tui(struct ptui *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		waitpid(p->pid, NULL, 0);
	}
	if (p->fd >= 0)
		close(p->fd);
	if (p->vt)
		vterm_free(p->vt);
}

/* The bytes of the first code point of s. */
static size_t cp_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

/* Did the search for want find it: a row holding the phone's digits (phone),
 * or a row that starts with the last name (name)? */
static bool found_in_rows(struct ptui *p, const char *want, bool phone)
{
	char row[ROW_MAX], digits[ROW_MAX];

	for (int y = QUERY_ROW + 1; y < STATUS_ROW; y++) {
		screen_row(p, y, row, sizeof(row));
		if (!phone) {
			if (strncmp(row, want, strlen(want)) == 0 && row[strlen(want)] == ' ')
				return true;
			continue;
		}
		size_t n = 0;
		for (const char *s = row; *s; s++)
			if (*s >= '0' && *s <= '9')
				digits[n++] = *s;
		digits[n] = '\0';
		if (strstr(digits, want))
			return true;
	}
	return false;
}

/* The status line and the query line, for a message. */
static void note_screen(struct run *r, struct ptui *p, const char *what)
{
	char q[ROW_MAX], st[ROW_MAX];

	screen_row(p, QUERY_ROW, q, sizeof(q));
	screen_row(p, STATUS_ROW, st, sizeof(st));
	if (!r->first_error[0]) /* one thread: no lock */
		snprintf(r->first_error, sizeof(r->first_error), "%s; the query line '%s', the status line '%s'",
			 what, q, st);
}

/* Types text key by key, each timed, then erases it. Returns 0, 1 if a key
 * was not painted in time (an error, counted), or -1 if kart-tui is gone. */
static int type_search(struct run *r, struct ptui *p, const char *text, struct tui_kind *k, uint64_t *errors)
{
	const struct opts *o = r->o;
	char q[256] = "", what[400];
	size_t lq = 0, len;
	int64_t when, gap = (int64_t)o->gap_ms * 1000000;
	int rc = 0;

	for (const char *s = text; *s; s += len) {
		len = cp_len(s);
		memcpy(q + lq, s, len);
		lq += len;
		q[lq] = '\0';
		int64_t t0 = mono_ns();
		if (send_bytes(p, s, len) < 0)
			return -1;
		int got = read_until(p, painted, q, t0 + (int64_t)KEY_TIMEOUT_S * 1000000000, &when);
		if (got < 0)
			return -1;
		if (got == 0) {
			snprintf(what, sizeof(what), "'%s' not painted within %d s", q, KEY_TIMEOUT_S);
			note_screen(r, p, what);
			(*errors)++;
			rc = 1;
			break;
		}
		uint64_t ns = (uint64_t)(when - t0);
		hist_add(&k->hist, ns);
		k->keys++;
		if (ns > k->max_ns)
			k->max_ns = ns;
		/* the typist's pause, reading what kart-tui writes meanwhile */
		if (read_until(p, NULL, NULL, mono_ns() + gap, &when) < 0)
			return -1;
	}
	return rc;
}

/* Erases the query (Backspaces in one write) and waits for the empty screen. */
static int erase_query(struct run *r, struct ptui *p, size_t nchars)
{
	char bs[256];
	int64_t when;

	memset(bs, 127, nchars < sizeof(bs) ? nchars : sizeof(bs));
	if (send_bytes(p, bs, nchars < sizeof(bs) ? nchars : sizeof(bs)) < 0)
		return -1;
	int got = read_until(p, erased, NULL, mono_ns() + (int64_t)KEY_TIMEOUT_S * 1000000000, &when);
	if (got <= 0) {
		note_screen(r, p, "the query was not erased");
		return -1;
	}
	return 0;
}

static void print_kind(const struct tui_kind *k)
{
	char p50[32], p95[32], p99[32], max[32];

	fmt_ms(hist_quantile(&k->hist, 0.50), p50, sizeof(p50));
	fmt_ms(hist_quantile(&k->hist, 0.95), p95, sizeof(p95));
	fmt_ms(hist_quantile(&k->hist, 0.99), p99, sizeof(p99));
	fmt_ms((double)k->max_ns, max, sizeof(max));
	printf("op=tui-latency %s: searches=%" PRIu64 " keys=%" PRIu64 "  p50=%s ms  p95=%s ms  p99=%s ms  "
	       "max=%s ms  misses=%" PRIu64 "\n",
	       k->name, k->searches, k->keys, p50, p95, p99, max, k->misses);
}

/* The searches: phones and last names of random loaded cards, in turn. */
static int run_searches(struct run *r, struct ptui *p, struct tui_kind *kinds, uint64_t *errors)
{
	const struct opts *o = r->o;
	uint64_t rng = o->seed ^ 0x7475696c6174ull;   /* not the find ops' stream */

	for (int i = 0; i < o->runs; i++) {
		char text[128], want[128];
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t index = r->lo + (rng >> 11) % (r->hi - r->lo + 1);
		bool phone = i % 2 == 0;
		struct tui_kind *k = &kinds[phone ? 0 : 1];
		if (phone) {
			unsigned long long d = gen_phone_national(index);
			if (i % 4 == 0)
				snprintf(text, sizeof(text), "8 %03llu %03llu %02llu %02llu", d / 10000000ull,
					 d / 10000 % 1000, d / 100 % 100, d % 100);
			else
				snprintf(text, sizeof(text), "8%llu", d);
			snprintf(want, sizeof(want), "7%llu", d);
		} else {
			gen_last_name(o->seed, index, text, sizeof(text));
			snprintf(want, sizeof(want), "%s", text);
		}
		int t = type_search(r, p, text, k, errors);
		if (t < 0)
			return -1;
		k->searches++;
		if (t == 0 && !found_in_rows(p, want, phone)) {
			k->misses++;
			char what[300];
			snprintf(what, sizeof(what), "'%s' did not show card index %" PRIu64, text, index);
			note_screen(r, p, what);
		}
		if (erase_query(r, p, (size_t)cps(text, strlen(text))) < 0)
			return -1;
	}
	return 0;
}

/* --op tui-latency. Returns 0, or -1 after a message. */
int run_tui_latency(struct run *r)
{
	const struct opts *o = r->o;
	static struct tui_kind kinds[2];
	struct ptui p = { .fd = -1 };
	uint64_t errors = 0;
	int rc = -1;

	memset(kinds, 0, sizeof(kinds));
	kinds[0].name = "phone";
	kinds[1].name = "name";
	if (make_home(&p, r) < 0 || start_tui(&p, o) < 0)
		goto cleanup;
	if (run_searches(r, &p, kinds, &errors) < 0) {
		fprintf(stderr, "kart-bench: kart-tui %s\n", r->first_error[0] ? r->first_error : "exited");
		goto cleanup;
	}
	struct tui_kind all = { .name = "all" };
	for (int i = 0; i < 2; i++) {
		hist_merge(&all.hist, &kinds[i].hist);
		all.keys += kinds[i].keys;
		all.searches += kinds[i].searches;
		all.misses += kinds[i].misses;
		if (kinds[i].max_ns > all.max_ns)
			all.max_ns = kinds[i].max_ns;
	}
	char p50[32], p95[32], p99[32], max[32];
	fmt_ms(hist_quantile(&all.hist, 0.50), p50, sizeof(p50));
	fmt_ms(hist_quantile(&all.hist, 0.95), p95, sizeof(p95));
	fmt_ms(hist_quantile(&all.hist, 0.99), p99, sizeof(p99));
	fmt_ms((double)all.max_ns, max, sizeof(max));
	printf("op=tui-latency searches=%" PRIu64 " gap=%dms lang=%s: keys=%" PRIu64 "  p50=%s ms  p95=%s ms  "
	       "p99=%s ms  max=%s ms  errors=%" PRIu64 "  misses=%" PRIu64 "\n",
	       all.searches, o->gap_ms, o->lang, all.keys, p50, p95, p99, max, errors, all.misses);
	for (int i = 0; i < 2; i++)
		print_kind(&kinds[i]);
	if (r->first_error[0])
		fprintf(stderr, "kart-bench: first error: %s\n", r->first_error);
	rc = 0;

cleanup:
	stop_tui(&p);
	remove_home(&p);
	return rc;
}
