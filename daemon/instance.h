/* instance: the running instance's state, struct server (config, TLS
 * context, store, writer, listener, connections, caches).
 *
 * Handlers read it through r->srv (->store, ->schema_loop, ...), and the
 * configuration through r->cfg (conf.h: srv->cfg is the loop thread's):
 * this header declares types only, no function. What acts on the server or
 * on connections (server.h, conn.h) is not for handlers, which never
 * include those headers (docs/DESIGN.md, "Who may include what"). */
#ifndef KART_INSTANCE_H
#define KART_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <uv.h>

#include "arena.h"
#include "config.h"
#include "kart.pb-c.h"
#include "store.h"

/* schema.h: the custom field definitions cached per thread */
struct schema {
	uint64_t gen;
	size_t n;
	Kart__FieldDef **defs;      /* sorted by name; in `arena` */
	struct arena arena;
	bool loaded;
	/* the loop thread's cache: loaded and in step with the loop's read
	 * snapshot of id `snap` (0: none), which is not read again (a snapshot
	 * holds the same fields however often it is renewed at the same id) */
	bool loop;
	size_t snap;
};

/* The head of the audit chain (audit.h). */
struct audit_chain {
	uint64_t seq;               /* last sequence number written */
	uint8_t hash[32];           /* its chain hash */
};

struct server;
struct conn;
struct addr_entry;
struct pool_sched;
struct writer;
struct auth;
struct reads;
struct alert_cmds;
struct watchdog;
struct certs;
struct stream;
struct req;
struct wreq;
struct stats;

/* A stream's page, as the gate and the page left it: more to come, the last
 * (done, or an error in the request), or the connection ends. */
enum page_turn { PAGE_MORE, PAGE_LAST, PAGE_END };

/* What the network core calls up to, registered by server.c, so conn.c,
 * writer.c, jobs.c and auth.c name no function above them. */
struct conn_hooks {
	/* a whole frame arrived on c (dispatch.c: dispatch_frame) */
	void (*frame)(struct conn *c, const uint8_t *payload, uint32_t len);
	/* stream s's next page is due: fills r through the gate (dispatch.c: dispatch_page) */
	enum page_turn (*page)(struct conn *c, struct stream *s, struct req *r);
	/* the writer committed a batch: its replies, on the loop (jobs.c: jobs_written) */
	void (*written)(struct server *srv, struct wreq *list);
	/* a connection closed, or a request in flight was answered: a
	 * stopping server may be done (server.c: server_maybe_finish) */
	void (*settled)(struct server *srv);
};

struct server {
	uv_loop_t *loop;
	struct conn_hooks hooks;
	const struct kart_config *cfg; /* the loop's; replaced whole by a reload (conf.h): off the loop, read r->cfg */
	char dir[1024];
	SSL_CTX *tls;
	struct store store;
	uint8_t audit_key[32];
	struct audit_chain chain;   /* writer thread only, once it runs */

	uv_tcp_t listener;
	uv_timer_t sweep;
	uv_timer_t hourly;          /* logs the audit head every hour */
	uv_signal_t sigterm, sigint;
	uv_signal_t sighup;         /* reload (reload.h) */
	const char *conf_file;      /* --config FILE, or NULL (conf.h) */
	const char *listen_arg;     /* --listen, or NULL */
	char listen_addr[128];

	struct conn *conns;         /* list of open connections */
	unsigned nconns;
	unsigned nunauth;           /* of which not logged in yet (max_unauthenticated) */
	unsigned nstreams;          /* streams being answered, on every connection (conn.c) */
	struct stats *stats;        /* counters for kart admin stats (stats.h) */
	struct addr_entry **addrs;  /* connections per source address (addrs.h) */
	struct pool_sched *pool;    /* scans running in the pool and waiting for it (jobs.c) */
	size_t input_bytes;         /* held by the connections' frame assemblers (input_memory_limit) */
	/* the fair loop (conn.c): connections with work left after their turn's
	 * budget, served again from an idle handle once every other has had its turn */
	struct conn *ready_head, *ready_tail;
	uv_idle_t ready_idle;
	uv_prepare_t turn;          /* server.c: each turn's accept budget */
	unsigned accepts_this_turn;
	bool accept_waiting;        /* a connection left for the next turn's budget */
	unsigned inflight;          /* write requests and hash jobs not yet answered */
	bool stopping, drained, timer_closed;

	/* writer (writer.c) */
	struct writer *writer;

	/* password hashing threads, their per-address queues, the login throttle (auth.c) */
	struct auth *auth;          /* made at the first password check, freed once stopped */
	char dummy_hash[256];       /* verified for unknown users, so timing does not tell */

	/* custom field definitions, one cache per thread (schema.h) */
	struct schema schema_loop, schema_writer;

	/* reads.h: the loop's buffer of reads, per-user bulk-read tracking, alert commands */
	struct reads *reads;
	uv_timer_t reads_timer;     /* flushes the buffer every second */
	struct alert_cmds *alert_cmds;
	uv_timer_t alert_timer;     /* runs alert_command for new alerts, once a second */

	/* systemd's watchdog, when it asks for pings (watchdog.h) */
	struct watchdog *watchdog;

	/* client certificates: the CA, the databases, the revoked serials (certs.h) */
	struct certs *certs;
};

#endif
