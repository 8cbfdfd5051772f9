/* admit: who holds a connection slot. Accepts connections within
 * max_connections, max_unauthenticated and max_connections_per_address
 * (addrs.h), making room by closing the least advanced connection not logged
 * in yet where that is fair to the newcomer; the sweep closes connections
 * that stay too long without logging in, or idle. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "addrs.h"
#include "admit.h"
#include "certs.h"
#include "conn.h"
#include "log.h"
#include "util.h"

static struct log_limit refused_log, evicted_log;

static void reject_close(uv_handle_t *h) { free(h); }

/* How far a connection not logged in yet has come: 0 nothing received, 1 its
 * TLS handshake begun, 2 done, 3 its Hello answered, 4 a Login (or Resume) in hand. */
static int progress(const struct conn *c)
{
	return c->pending_writes ? 4 : c->hello ? 3 : c->tls_done ? 2 : c->spoke ? 1 : 0;
}

/* A connection not logged in yet to close for a new one: the least advanced,
 * of the address holding most such connections, the oldest. One that has
 * sent nothing is always given up; one that has come further only if its
 * address holds more such connections than the newcomer's does (so a
 * flood from many addresses that connect and stay silent only ever evicts
 * itself, and a real client's connection, which starts its handshake at
 * once, is left to finish it). NULL: none; the newcomer is refused. */
static struct conn *unauth_victim(struct server *srv, const struct addr_entry *newcomer)
{
	struct conn *v = NULL;
	int vp = 0;
	for (struct conn *c = srv->conns; c; c = c->next) {
		if (!c->unauth || !conn_is_open(c) || !c->addr)
			continue;
		int p = progress(c);
		if (!v || p < vp || (p == vp && (c->addr->unauth > v->addr->unauth ||
						 (c->addr->unauth == v->addr->unauth && c->created_ms <= v->created_ms)))) {
			v = c;
			vp = p;
		}
	}
	if (v && vp > 0 && newcomer && newcomer->unauth >= v->addr->unauth)
		return NULL;
	return v;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	snprintf(out, n, "?");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		uv_ip4_name(a, host, sizeof(host));
		snprintf(out, n, "%s:%d", host, ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		uv_ip6_name(a, host, sizeof(host));
		snprintf(out, n, "[%s]:%d", host, ntohs(a->sin6_port));
	}
}

static bool socket_has_input(struct conn *c)
{
	uv_os_fd_t fd;
	int n = 0;
	return uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* Whether there is room for a connection from addr, making room by closing
 * a connection not logged in yet if that is allowed. */
static bool admit(struct server *srv, struct addr_entry *addr, const char *peer)
{
	const struct kart_config *cfg = srv->cfg;
	if (addr->conns > cfg->max_connections_per_address) {
		log_limited(&refused_log, LOG_WARN,
			    "connection from %s refused: %u connections open from its address (max_connections_per_address)",
			    peer, addr->conns - 1);
		return false;
	}
	if (srv->nconns < cfg->max_connections && srv->nunauth < cfg->max_unauthenticated)
		return true;
	struct conn *v;
	/* a connection whose first bytes wait in its socket, not read yet (the
	 * loop is busy accepting a flood), has spoken: it is not silent */
	while ((v = unauth_victim(srv, addr)) && !v->spoke && socket_has_input(v))
		v->spoke = true;
	if (!v) {
		if (srv->nconns >= cfg->max_connections)
			log_limited(&refused_log, LOG_WARN, "connection from %s refused: %u connections open (max_connections)",
				    peer, srv->nconns);
		else
			log_limited(&refused_log, LOG_WARN,
				    "connection from %s refused: %u connections not logged in (max_unauthenticated)", peer,
				    srv->nunauth);
		return false;
	}
	log_limited(&evicted_log, LOG_NOTICE, "%s: closed, not logged in, to make room for a connection from %s",
		    v->who.peer, peer);
	conn_close(v);
	return true;
}

void admit_accept(struct server *srv)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		uv_tcp_t *t = malloc(sizeof(*t)); /* take it off the backlog, then close it */
		if (!t)
			return;
		uv_tcp_init(srv->loop, t);
		uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)t);
		uv_close((uv_handle_t *)t, reject_close);
		return;
	}
	c->srv = srv;
	c->refs = 1;
	uv_tcp_init(srv->loop, &c->tcp);
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, reject_close);
		return;
	}
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	bool named = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) == 0;
	if (named)
		peer_name(&ss, c->who.peer, sizeof(c->who.peer));
	else
		strcpy(c->who.peer, "?");
	uint8_t key[16];
	addr_key(named ? (struct sockaddr *)&ss : NULL, key);
	c->addr = addrs_ref(srv, key);
	if (!c->addr || !admit(srv, c->addr, c->who.peer)) {
		if (c->addr)
			addrs_unref(srv, c->addr);
		uv_close((uv_handle_t *)&c->tcp, reject_close);
		return;
	}
	certs_on_accept(c, named ? (struct sockaddr *)&ss : NULL);
	if (!conn_open(c)) {
		addrs_unref(srv, c->addr);
		uv_close((uv_handle_t *)&c->tcp, reject_close);
	}
}

void admit_sweep(struct server *srv, int64_t now_ms)
{
	struct conn *next;
	for (struct conn *c = srv->conns; c; c = next) {
		next = c->next;
		if (c->shutting) {
			if (now_ms - c->shut_ms > 2000)
				conn_close(c);
			continue;
		}
		/* the TLS handshake, Hello and Login: an outsider may not sit on a
		 * slot. A Login (or Resume) the server has in hand, waiting for a
		 * hashing thread or for its record's commit, is the server's delay,
		 * not the client's (how many may wait is bounded per address by the
		 * hash queue, auth.h): the deadline applies once it is answered. */
		if (c->unauth && !c->pending_writes && now_ms - c->created_ms > srv->cfg->handshake_timeout_ms) {
			log_limited(&evicted_log, LOG_NOTICE, "%s: not logged in within %u ms; closing", c->who.peer,
				    srv->cfg->handshake_timeout_ms);
			conn_close(c);
			continue;
		}
		if (now_ms - c->active_ms > srv->cfg->idle_timeout_ms) {
			log_info("%s: idle for %u ms; closing", c->who.peer, srv->cfg->idle_timeout_ms);
			conn_end(c);
		}
	}
}
