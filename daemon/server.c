/* server: `kartd run` — config, TLS, store, writer, listener, timers, signals,
 * a reload on SIGHUP (reload.h), and an orderly stop: stop accepting and
 * reading, let in-flight writes commit and their replies go out, close
 * connections, stop the writer, close the store. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <systemd/sd-daemon.h>

#include "acl.h"
#include "addrs.h"
#include "admit.h"
#include "alert.h"
#include "audit.h"
#include "auth.h"
#include "certs.h"
#include "conn.h"
#include "dispatch.h"
#include "jobs.h"
#include "journal.h"
#include "handlers.h"
#include "init.h"
#include "log.h"
#include "reads.h"
#include "reload.h"
#include "schema.h"
#include "server.h"
#include "tls.h"
#include "stats.h"
#include "upgrade.h"
#include "writer.h"
#include "util.h"
#include "watchdog.h"

static void log_head(struct server *srv, const char *when)
{
	struct audit_chain ch;
	if (audit_load(&srv->store, &ch) != 0)
		return;
	char hex[65], seq[24];
	util_hex(ch.hash, 32, hex);
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)ch.seq);
	log_fields(LOG_NOTICE, &(struct log_kv){ .message_id = KART_MSGID_AUDIT_HEAD, .audit_seq = seq, .audit_hash = hex },
		   "audit head at %s: %s:%s", when, seq, hex);
}

static void on_timer_closed(uv_handle_t *h) { (void)h; }

void server_maybe_finish(struct server *srv)
{
	if (!srv->stopping)
		return;
	if (!srv->drained && srv->inflight == 0) {
		srv->drained = true;
		conn_shutdown_all(srv);
		acl_denied_flush(srv, true);
		reads_stop(srv); /* the last reads, before the writer stops */
		writer_stop(srv);
		uv_close((uv_handle_t *)&srv->sigterm, on_timer_closed);
		uv_close((uv_handle_t *)&srv->sigint, on_timer_closed);
	}
	if (srv->drained && srv->nconns == 0 && !srv->timer_closed) {
		srv->timer_closed = true;
		uv_close((uv_handle_t *)&srv->sweep, on_timer_closed);
		uv_close((uv_handle_t *)&srv->hourly, on_timer_closed);
		uv_close((uv_handle_t *)&srv->reads_timer, on_timer_closed);
		uv_close((uv_handle_t *)&srv->alert_timer, on_timer_closed);
		watchdog_stop(srv);
		uv_close((uv_handle_t *)&srv->sighup, on_timer_closed); /* ignored from here (kartd_run) */
		conn_ready_drain(srv);
		uv_close((uv_handle_t *)&srv->ready_idle, on_timer_closed);
		uv_close((uv_handle_t *)&srv->turn, on_timer_closed);
	}
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct server *srv = s->data;
	if (srv->stopping)
		return;
	log_notice("signal %d: stopping (%u connections, %u requests in flight)", signum, srv->nconns, srv->inflight);
	sd_notify(0, "STOPPING=1");
	srv->stopping = true;
	uv_close((uv_handle_t *)&srv->listener, NULL);
	conn_stop_reading_all(srv);
	auth_cancel_queued(srv);
	server_maybe_finish(srv);
}

static void on_sweep(uv_timer_t *t)
{
	struct server *srv = t->data;
	admit_sweep(srv, util_mono_ms());
	if (!srv->drained)
		acl_denied_flush(srv, false);
	server_maybe_finish(srv);
}

/* A copy of the chain head outside the database, every hour. The writer may be
 * growing the map: hold map_lock as every reader does. */
static void on_hour(uv_timer_t *t)
{
	struct server *srv = t->data;
	pthread_rwlock_rdlock(&srv->store.map_lock);
	log_head(srv, "hour");
	pthread_rwlock_unlock(&srv->store.map_lock);
}

/* Accepting is part of the fair loop: at most ACCEPTS_PER_TURN connections a
 * turn. libuv accepts for as long as connections wait, so a flood of connects
 * would otherwise keep the loop from everyone's reads; a connection not taken
 * stops libuv watching the listener until the next turn takes it. */
#define ACCEPTS_PER_TURN 64

static void on_connection(uv_stream_t *l, int status)
{
	struct server *srv = l->data;
	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	if (srv->stopping)
		return;
	if (srv->accepts_this_turn >= ACCEPTS_PER_TURN) {
		srv->accept_waiting = true; /* taken at the start of the next turn */
		return;
	}
	srv->accepts_this_turn++;
	admit_accept(srv);
}

/* Before each poll: a fresh budget, and the connection left waiting. */
static void on_turn(uv_prepare_t *p)
{
	struct server *srv = p->data;
	srv->accepts_this_turn = 0;
	if (srv->accept_waiting && !srv->stopping) {
		srv->accept_waiting = false;
		srv->accepts_this_turn++;
		admit_accept(srv);
	}
}

/* A TLS client speaks first, so a connection that has sent nothing yet is
 * not worth a slot: the kernel keeps it out of accept() until its first bytes
 * come (or for some seconds, after which the slot rules of admit.c apply). A
 * flood of silent connects then never reaches the daemon, and a real client
 * arrives with its ClientHello already in hand. */
static void defer_silent(struct server *srv)
{
	uv_os_fd_t fd;
	int secs = (int)(srv->cfg->handshake_timeout_ms / 2000);
	if (secs < 1)
		secs = 1;
	if (uv_fileno((uv_handle_t *)&srv->listener, &fd) == 0 &&
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)) != 0)
		log_warn("listen: TCP_DEFER_ACCEPT: %s; silent connections take slots at once", strerror(errno));
}

static int start_listener(struct server *srv)
{
	char host[256];
	int port;
	if (util_split_hostport(srv->cfg->listen, host, sizeof(host), &port) < 0) {
		log_err("listen: bad address %s", srv->cfg->listen);
		return -1;
	}
	struct sockaddr_storage ss;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) != 0) {
		log_err("listen: %s is not an IP address", host);
		return -1;
	}
	uv_tcp_init(srv->loop, &srv->listener);
	srv->listener.data = srv;
	int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		defer_silent(srv);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
	if (rc) {
		log_err("cannot listen on %s: %s", srv->cfg->listen, uv_strerror(rc));
		uv_close((uv_handle_t *)&srv->listener, NULL);
		return -1;
	}
	int len = sizeof(ss);
	uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &len);
	char name[INET6_ADDRSTRLEN];
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, name, sizeof(name));
		snprintf(srv->listen_addr, sizeof(srv->listen_addr), "[%s]:%d", name,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, name, sizeof(name));
		snprintf(srv->listen_addr, sizeof(srv->listen_addr), "%s:%d", name,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	return 0;
}

static const char *in_dir(const char *dir, const char *p, char *buf, size_t n)
{
	if (p[0] == '/')
		return p;
	snprintf(buf, n, "%s/%s", dir, p);
	return buf;
}

static int parse_level(const char *s)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "err", LOG_ERR }, { "warn", LOG_WARN }, { "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG } };
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(levels[i].name, s) == 0)
			return levels[i].level;
	return LOG_INFO;
}

/* The configuration (conf.h: its layers) and the log level. Returns 0, or
 * the exit code. */
static int load_config(struct server *srv)
{
	char err[640];
	struct kart_config *cfg = conf_new();
	if (!cfg) {
		log_err("out of memory");
		return 1;
	}
	srv->cfg = cfg;
	int rc = conf_read(cfg, &(struct conf_src){ srv->dir, srv->conf_file, srv->listen_arg }, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err);
		return rc == -2 ? 2 : 1;
	}
	log_set_level(parse_level(cfg->log_level));
	return 0;
}

/* One daemon per instance: a second would share the map without sharing its
 * locks. Returns the lock's descriptor, or -1 (logged). */
static int lock_instance(const char *dir)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/kartd.lock", dir);
	int lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		log_err("%s: %s", path, lockfd < 0 ? strerror(errno) : "another kartd is running on this instance");
		if (lockfd >= 0)
			close(lockfd);
		return -1;
	}
	return lockfd;
}

/* The audit key, the TLS context and the store. Returns 0 or -1 (logged;
 * what was opened is closed). */
static int open_instance(struct server *srv, const char *dir)
{
	char path[2048], err[512], cert[2048], key[2048];
	if (kartd_load_audit_key(dir, srv->audit_key) < 0)
		return -1;
	srv->tls = tls_server_ctx(in_dir(dir, srv->cfg->tls_cert, cert, sizeof(cert)),
				  in_dir(dir, srv->cfg->tls_key, key, sizeof(key)), srv->cfg->tls_min_version, err,
				  sizeof(err));
	if (!srv->tls) {
		log_err("%s", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/db", dir);
	int rc = store_open_upgrading(&srv->store, path, srv->cfg->map_size, srv->cfg->max_readers, upgrade_migrate);
	if (rc) {
		log_err("cannot open the database in %s: %s", path, store_strerror(rc));
		SSL_CTX_free(srv->tls);
		srv->tls = NULL;
		return -1;
	}
	return 0;
}

/* What runs before the loop: certificates, start-up upgrades, the dummy
 * password hash. Returns 0 or -1. */
static int prepare(struct server *srv)
{
	if (certs_init(srv) < 0)
		return -1;
	/* a find by a number's start needs it: without it the daemon does not start */
	int rc = index_phone_fwd_upgrade(&srv->store);
	if (rc) {
		log_err("cannot build the phone index by a number's start: %s", mdb_strerror(rc));
		return -1;
	}
	/* verified for unknown users so a refusal takes as long either way */
	uint8_t junk[16];
	char junkhex[33];
	util_random(junk, sizeof(junk));
	util_hex(junk, sizeof(junk), junkhex);
	return auth_hash_password(srv->cfg, junkhex, srv->dummy_hash, sizeof(srv->dummy_hash)) < 0 ? -1 : 0;
}

static void handle_init(struct server *srv, uv_timer_t *t)
{
	uv_timer_init(srv->loop, t);
	t->data = srv;
}

/* The loop's handles, the hooks, the writer, the record of reads and the
 * alert commands. Returns 0 or -1. */
static int start_loop(struct server *srv)
{
	srv->loop = uv_default_loop();
	/* what the network core calls up to (conn.c names no function above it) */
	srv->hooks.frame = dispatch_frame;
	srv->hooks.page = dispatch_page;
	srv->hooks.written = jobs_written;
	srv->hooks.settled = server_maybe_finish;
	/* the head of the audit chain, which the writer extends */
	int rc = audit_load(&srv->store, &srv->chain);
	if (rc) {
		log_err("cannot read the audit trail: %s", mdb_strerror(rc));
		return -1;
	}
	if (writer_start(srv) < 0)
		return -1;
	export_unfinished_fail(srv);
	uv_signal_init(srv->loop, &srv->sigterm);
	uv_signal_init(srv->loop, &srv->sigint);
	uv_signal_init(srv->loop, &srv->sighup);
	srv->sigterm.data = srv->sigint.data = srv->sighup.data = srv;
	uv_idle_init(srv->loop, &srv->ready_idle);
	srv->ready_idle.data = srv;
	uv_prepare_init(srv->loop, &srv->turn);
	srv->turn.data = srv;
	uv_prepare_start(&srv->turn, on_turn);
	uv_unref((uv_handle_t *)&srv->turn);
	handle_init(srv, &srv->sweep);
	handle_init(srv, &srv->hourly);
	handle_init(srv, &srv->reads_timer);
	if (reads_start(srv) < 0)
		log_err("cannot load the users blocked for bulk reading");
	handle_init(srv, &srv->alert_timer);
	if (alert_cmds_start(srv) < 0)
		log_err("out of memory: alerts are neither logged nor given to alert_command");
	return 0;
}

/* The sweep of timeouts runs four times per handshake_timeout_ms, within 50 ms .. 1 s. */
static uint64_t sweep_period(const struct kart_config *cfg)
{
	uint64_t period = cfg->handshake_timeout_ms / 4;
	if (period > 1000)
		period = 1000;
	if (period < 50)
		period = 50;
	return period;
}

static void on_sighup(uv_signal_t *s, int signum);

/* Listening: signals and timers start. */
static void start_serving(struct server *srv)
{
	uv_signal_start(&srv->sigterm, on_signal, SIGTERM);
	uv_signal_start(&srv->sigint, on_signal, SIGINT);
	uv_signal_start(&srv->sighup, on_sighup, SIGHUP);
	uint64_t period = sweep_period(srv->cfg);
	uv_timer_start(&srv->sweep, on_sweep, period, period);
	uv_timer_start(&srv->hourly, on_hour, 3600 * 1000, 3600 * 1000);
	uv_timer_start(&srv->reads_timer, reads_tick, srv->cfg->read_flush_ms, srv->cfg->read_flush_ms);
	uv_timer_start(&srv->alert_timer, alert_cmds_tick, 1000, 1000);
}

/* Clients without the CA pin the server's certificate: its fingerprint
 * goes where an admin reads it. */
static void log_fingerprint(SSL_CTX *tls)
{
	X509 *srvcert = SSL_CTX_get0_certificate(tls);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (srvcert && X509_digest(srvcert, EVP_sha256(), md, &mdlen) == 1) {
		char fp[3 * EVP_MAX_MD_SIZE + 8];
		size_t o = (size_t)snprintf(fp, sizeof(fp), "SHA256:");
		for (unsigned i = 0; i < mdlen; i++)
			o += (size_t)snprintf(fp + o, sizeof(fp) - o, "%s%02X", i ? ":" : "", md[i]);
		log_notice("certificate fingerprint %s", fp);
	}
}

/* SIGHUP: the configuration, the certificate and key, the CRL read again
 * and put in force whole, or refused whole (reload.h); connections stay.
 * What the loop set up from the old values is set up again: the log level,
 * the sweep's period and the listener's deferral (handshake_timeout_ms), the
 * flush of reads (read_flush_ms), where alert_command starts if it was unset. systemd hears RELOADING=1, then READY=1. */
static void on_sighup(uv_signal_t *s, int signum)
{
	(void)signum;
	struct server *srv = s->data;
	if (srv->stopping)
		return;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)util_mono_ms() * 1000);
	log_notice("SIGHUP: reloading the configuration");
	struct reload *r = reload_prepare(srv, &(struct conf_src){ srv->dir, srv->conf_file, srv->listen_arg });
	if (r) {
		uint32_t handshake = srv->cfg->handshake_timeout_ms, flush = srv->cfg->read_flush_ms;
		bool had_command = srv->cfg->alert_command[0] != '\0';
		reload_commit(srv, r);
		const struct kart_config *cfg = srv->cfg;
		log_set_level(parse_level(cfg->log_level));
		if (!had_command && cfg->alert_command[0] && alert_cmds_skip(srv) < 0)
			log_err("cannot find the last alert: alert_command may run for alerts raised before the reload");
		if (cfg->handshake_timeout_ms != handshake) {
			defer_silent(srv);
			uv_timer_start(&srv->sweep, on_sweep, sweep_period(cfg), sweep_period(cfg));
		}
		if (cfg->read_flush_ms != flush)
			uv_timer_start(&srv->reads_timer, reads_tick, cfg->read_flush_ms, cfg->read_flush_ms);
		log_fingerprint(srv->tls);
	}
	sd_notify(0, "READY=1");
}

static void close_instance(struct server *srv)
{
	if (srv->writer)
		writer_stop(srv);
	if (srv->loop) {
		uv_run(srv->loop, UV_RUN_NOWAIT);
		uv_loop_close(srv->loop);
	}
	if (srv->store.env) {
		alert_log_pending(srv);
		log_head(srv, "stop");
	}
	store_close(&srv->store);
	schema_free(&srv->schema_loop);
	schema_free(&srv->schema_writer);
	reads_free(srv);
	alert_cmds_free(srv);
	certs_free(srv);
	addrs_free(srv);
	pool_jobs_free(srv);
	stats_free(srv->stats);
	srv->stats = NULL;
	SSL_CTX_free(srv->tls);
}

int kartd_run(const char *dir, const char *config, const char *listen)
{
	static struct server srv; /* handles must outlive every callback */
	memset(&srv, 0, sizeof(srv));
	/* a reload before the loop serves, or once it has stopped, is not the end */
	signal(SIGHUP, SIG_IGN);
	snprintf(srv.dir, sizeof(srv.dir), "%s", dir);
	journal_setup();
	srv.conf_file = config;
	srv.listen_arg = listen;
	int exit_code = load_config(&srv);
	if (exit_code) {
		conf_drop(srv.cfg);
		return exit_code;
	}
	int lockfd = lock_instance(dir);
	if (lockfd < 0) {
		conf_drop(srv.cfg);
		return 1;
	}
	if (open_instance(&srv, dir) < 0) {
		close(lockfd);
		conf_drop(srv.cfg);
		return 1;
	}
	srv.stats = stats_new(util_now_us());
	exit_code = 1;
	if (prepare(&srv) < 0 || start_loop(&srv) < 0)
		goto cleanup;
	if (start_listener(&srv) < 0) {
		/* nothing was accepted: stop the writer and close what was opened */
		srv.stopping = true;
		server_maybe_finish(&srv);
		uv_run(srv.loop, UV_RUN_DEFAULT);
		goto cleanup;
	}
	start_serving(&srv);
	log_head(&srv, "start");
	log_notice("listening on %s", srv.listen_addr);
	log_fingerprint(srv.tls);
	printf("kartd listening on %s\n", srv.listen_addr);
	fflush(stdout);
	sd_notify(0, "READY=1");
	watchdog_start(&srv);

	uv_run(srv.loop, UV_RUN_DEFAULT);
	signal(SIGHUP, SIG_IGN); /* libuv gave it back its default as the handle closed */
	exit_code = 0;
cleanup:
	close_instance(&srv);
	log_notice("stopped");
	close(lockfd);
	conf_drop(srv.cfg);
	return exit_code;
}
