/* alert: logs every alert committed and runs alert_command for it (alert.h). */
#include "alert.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "journal.h"
#include "log.h"
#include "pbjson.h"
#include "store.h"

#define MAX_CHILDREN 8              /* alert commands running at once */
#define ALERTS_PER_TICK 32
#define ALERTS_LOGGED_PER_TICK 256

struct alert_cmds {
	struct server *srv;
	uint64_t seq;               /* alert commands have run up to this seq */
	uint64_t logged;            /* alerts are logged up to this seq */
	bool synced;                /* seq and logged found at start (else tried again each tick) */
	unsigned children;
};

struct child {
	uv_process_t proc;
	uv_pipe_t in;
	uv_timer_t timer;
	uv_write_t wr;
	struct alert_cmds *ac;
	char *json;
	uint64_t seq;
	int open;                   /* handles not yet closed */
	bool exited;
};

static void child_closed(uv_handle_t *h)
{
	struct child *c = h->data;
	if (--c->open > 0)
		return;
	c->ac->children--;
	free(c->json);
	free(c);
}

static void child_exit(uv_process_t *p, int64_t status, int term_signal)
{
	struct child *c = p->data;
	c->exited = true;
	if (term_signal)
		log_err("alert_command for alert %" PRIu64 " was killed by signal %d", c->seq, term_signal);
	else if (status)
		log_err("alert_command for alert %" PRIu64 " failed: exit status %lld", c->seq, (long long)status);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, child_closed);
	uv_close((uv_handle_t *)p, child_closed);
}

static void child_timeout(uv_timer_t *t)
{
	struct child *c = t->data;
	if (c->exited)
		return;
	log_err("alert_command for alert %" PRIu64 " still running after %u s: killed", c->seq,
		c->ac->srv->cfg->alert_command_timeout_s);
	uv_process_kill(&c->proc, SIGKILL);
}

static void child_written(uv_write_t *w, int status)
{
	struct child *c = w->data;
	if (status)
		log_info("alert_command for alert %" PRIu64 ": its stdin: %s", c->seq, uv_strerror(status));
	/* closing the pipe is the end of the command's input */
	uv_close((uv_handle_t *)&c->in, child_closed);
}

static void spawn_alert(struct alert_cmds *ac, uint64_t seq, char *json)
{
	struct server *srv = ac->srv;
	struct child *c = calloc(1, sizeof(*c));
	if (!c) {
		free(json);
		return;
	}
	c->ac = ac;
	c->json = json;
	c->seq = seq;
	c->proc.data = c->in.data = c->timer.data = c->wr.data = c;
	uv_pipe_init(srv->loop, &c->in, 0);
	uv_stdio_container_t stdio[3];
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&c->in;
	stdio[1].flags = UV_IGNORE;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = 2;
	char *args[] = { (char *)"/bin/sh", (char *)"-c", (char *)srv->cfg->alert_command, NULL };
	uv_process_options_t o = { 0 };
	o.file = "/bin/sh";
	o.args = args;
	o.cwd = srv->dir;
	o.exit_cb = child_exit;
	o.stdio = stdio;
	o.stdio_count = 3;
	ac->children++;
	c->open = 3;
	int rc = uv_spawn(srv->loop, &c->proc, &o);
	if (rc) {
		log_err("alert_command for alert %" PRIu64 " could not start: %s", seq, uv_strerror(rc));
		c->exited = true;
		c->open = 2;
		uv_close((uv_handle_t *)&c->proc, child_closed);
		uv_close((uv_handle_t *)&c->in, child_closed);
		return;
	}
	uv_timer_init(srv->loop, &c->timer);
	uv_timer_start(&c->timer, child_timeout, (uint64_t)srv->cfg->alert_command_timeout_s * 1000, 0);
	uv_buf_t buf = uv_buf_init(c->json, (unsigned)strlen(c->json));
	rc = uv_write(&c->wr, (uv_stream_t *)&c->in, &buf, 1, child_written);
	if (rc) {
		log_info("alert_command for alert %" PRIu64 ": its stdin: %s", seq, uv_strerror(rc));
		uv_close((uv_handle_t *)&c->in, child_closed);
	}
}

/* Text from users goes into the log with its control characters as '?'. */
static const char *clean(char *s)
{
	for (unsigned char *p = (unsigned char *)s; p && *p; p++)
		if (*p < ' ' || *p == 0x7f)
			*p = '?';
	return s ? s : "";
}

static void log_alert(uint64_t seq, Kart__AuditEvent *ev)
{
	char seqs[24];
	snprintf(seqs, sizeof(seqs), "%" PRIu64, seq);
	struct log_kv kv = { .message_id = KART_MSGID_ALERT, .peer = clean(ev->client), .user = clean(ev->user),
			     .action = clean(ev->action), .audit_seq = seqs };
	log_fields(LOG_ALERT, &kv, "audit alert %s: %s by %s from %s, %s %" PRIu64 "%s%s: %s", seqs, kv.action,
		   kv.user, kv.peer, clean(ev->object), ev->object_id, ev->object_name[0] ? " " : "",
		   clean(ev->object_name), clean(ev->summary));
}

/* Calls fn for each alert after *from (at most max, while more() allows),
 * moving *from along, with its audit record decoded (NULL if it does not
 * decode) in an arena freed after the call. */
static void each_new(struct alert_cmds *ac, MDB_txn *txn, uint64_t *from, int max, bool (*more)(struct alert_cmds *),
		     void (*fn)(struct alert_cmds *ac, uint64_t seq, Kart__AuditEvent *ev))
{
	struct store *st = &ac->srv->store;
	MDB_cursor *cur;
	if (mdb_cursor_open(txn, st->alerts, &cur) != 0)
		return;
	uint8_t key[8];
	store_u64_key(*from + 1, key);
	MDB_val k = { 8, key }, v;
	int n = 0;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max && (!more || more(ac));
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		if (k.mv_size != 8)
			continue;
		uint64_t seq = store_key_u64(k.mv_data);
		*from = seq;
		MDB_val ak = { 8, k.mv_data }, av;
		if (mdb_get(txn, st->audit, &ak, &av) != 0)
			continue;
		struct arena a;
		arena_init(&a, 0);
		fn(ac, seq, audit_decode(&av, &a.pb));
		arena_free(&a);
	}
	mdb_cursor_close(cur);
}

static void log_one(struct alert_cmds *ac, uint64_t seq, Kart__AuditEvent *ev)
{
	(void)ac;
	if (ev)
		log_alert(seq, ev);
	else
		log_err("alert %" PRIu64 ": its audit record does not decode", seq);
}

/* The alerts after ac->logged, to the log. */
static void log_new(struct alert_cmds *ac, MDB_txn *txn)
{
	each_new(ac, txn, &ac->logged, ALERTS_LOGGED_PER_TICK, NULL, log_one);
}

static bool room_for_child(struct alert_cmds *ac) { return ac->children < MAX_CHILDREN; }

static void run_one(struct alert_cmds *ac, uint64_t seq, Kart__AuditEvent *ev)
{
	json_t *j = ev ? pbjson_from_message(&ev->base, 1) : NULL;
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text) {
		log_err("alert %" PRIu64 ": cannot render it for alert_command", seq);
		return;
	}
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (line) {
		line[len] = '\n';
		line[len + 1] = '\0';
		text = line;
	}
	spawn_alert(ac, seq, text);
}

/* The alerts after ac->seq, to alert_command. */
static void run_new(struct alert_cmds *ac, MDB_txn *txn)
{
	each_new(ac, txn, &ac->seq, ALERTS_PER_TICK, room_for_child, run_one);
}

void alert_log_pending(struct server *srv)
{
	struct alert_cmds *ac = srv->alert_cmds;
	if (!ac)
		return;
	MDB_txn *txn = store_read_begin(&srv->store);
	if (!txn)
		return;
	for (uint64_t before = ac->logged - 1; ac->synced && ac->logged != before;) { /* all, a tick's worth at a time */
		before = ac->logged;
		log_new(ac, txn);
	}
	store_read_end(&srv->store);
}

void alert_cmds_tick(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct alert_cmds *ac = srv->alert_cmds;
	if (!ac)
		return;
	if (!ac->synced) { /* what was there before the start is neither logged nor run */
		if (alert_cmds_skip(srv) < 0)
			return;
		ac->logged = ac->seq;
		ac->synced = true;
	}
	struct store *st = &srv->store;
	MDB_txn *txn = store_read_begin(st);
	if (!txn)
		return;
	log_new(ac, txn);
	if (!srv->cfg->alert_command[0])
		ac->seq = ac->logged; /* none is run for alerts raised while none is set */
	else if (ac->children < MAX_CHILDREN)
		run_new(ac, txn);
	store_read_end(st);
}

int alert_cmds_start(struct server *srv)
{
	struct alert_cmds *ac = calloc(1, sizeof(*ac));
	if (!ac)
		return -1;
	ac->srv = srv;
	srv->alert_cmds = ac;
	/* alerts committed before this start are not run again, nor logged (if
	 * the store cannot be read now, the first tick that can read it does this) */
	int rc = alert_cmds_skip(srv);
	ac->logged = ac->seq;
	ac->synced = rc == 0;
	return 0;
}

int alert_cmds_skip(struct server *srv)
{
	struct alert_cmds *ac = srv->alert_cmds;
	if (!ac)
		return -1;
	struct store *st = &srv->store;
	MDB_txn *txn = store_read_begin(st);
	if (!txn)
		return -1;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->alerts, &cur);
	if (rc == 0) {
		MDB_val k, v;
		if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
			ac->seq = store_key_u64(k.mv_data);
		mdb_cursor_close(cur);
	}
	store_read_end(st);
	return rc ? -1 : 0;
}

void alert_cmds_free(struct server *srv)
{
	free(srv->alert_cmds);
	srv->alert_cmds = NULL;
}
