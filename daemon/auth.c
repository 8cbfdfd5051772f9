/* auth: password hashing (argon2id) on threads of its own, fair between source
 * addresses, and the login throttle.
 *
 * Hashing lane. Hashes run on max_concurrent_hashes threads that do nothing
 * else, so a login never waits behind the scans in the libuv pool. The loop
 * hands a thread at most one job at a time; the jobs waiting are kept on the
 * loop, one FIFO per source address (addrs.h: an IPv4 address, an IPv6 /64), served
 * in turn: a login waits behind at most one job of each other address that
 * has some waiting, however many one address sends. An address may have
 * login_queue_per_address jobs waiting; when all HASH_QUEUE_MAX places are
 * taken, a job of the address holding the most gives its place to a job of
 * an address holding fewer. Finished jobs come back through a uv_async.
 *
 * Login throttle (loop thread only). Failed logins are counted per (address,
 * user name) and per address, whether or not the name is a user's, in two
 * fixed set-associative tables (least recently used entries make room, blocked
 * ones last), so a flood of addresses costs no memory:
 *   - login_max_failures for one name within login_window_s block that address
 *     for that name for login_lockout_s, doubling with each further block up
 *     to login_lockout_max_s; a successful login from the address forgets it;
 *   - login_address_max_failures for any names block the address for all;
 *   - an address may fail login_rate_per_address times a minute (a token
 *     bucket; a login that succeeds gives its token back).
 * A blocked attempt is refused at once, before any hash: "too many failed
 * logins from your address; try again in N s" — the same for a user's name
 * and any other, so it tells nothing about who exists. The user keeps logging
 * in from elsewhere. The account lockout kept in the user record (h_session.c)
 * only catches guessing spread over many addresses (login_user_max_failures, off by default). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "addrs.h"
#include "auth.h"
#include "conn.h"
#include "jobs.h"
#include "log.h"
#include "util.h"

int auth_hash_password(const struct kart_config *cfg, const char *password, char *out, size_t outlen)
{
	uint8_t salt[16];
	if (util_random(salt, sizeof(salt)) < 0)
		return -1;
	int rc = argon2id_hash_encoded(cfg->argon2_iterations, cfg->argon2_memory_kib, cfg->argon2_parallelism,
				       password, strlen(password), salt, sizeof(salt), 32, out, outlen);
	if (rc != ARGON2_OK) {
		log_err("argon2id: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

bool auth_verify_password(const char *encoded, const char *password)
{
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

void auth_session_key(const char *token, uint8_t out[32])
{
	SHA256((const unsigned char *)token, strlen(token), out);
}

void auth_record_name(const struct server *srv, const char *name, bool known, char *out, size_t n)
{
	if (known) {
		snprintf(out, n, "%s", name);
		return;
	}
	/* keyed, so the tag cannot be reversed by hashing guesses without audit.key;
	 * stable, so repeated attempts with one name show as one tag */
	uint8_t mac[32];
	size_t len = 0;
	static const char label[] = "kartd login name";
	size_t nl = strlen(name);
	uint8_t buf[sizeof(label) + KART_NAME_MAX];
	if (nl > KART_NAME_MAX)
		nl = KART_NAME_MAX;
	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), name, nl);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, srv->audit_key, sizeof(srv->audit_key), buf,
		       sizeof(label) + nl, mac, sizeof(mac), &len))
		memset(mac, 0, sizeof(mac));
	snprintf(out, n, "unknown user #%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3]);
}

/* ---- source addresses ---- */

/* The address key (addrs.h: an IPv4 address, an IPv6 /64) of a peer as
 * conn.c writes it, "1.2.3.4:5" or "[::1]:5"; the peer string is what every
 * request carries, on the loop and the writer alike. */
static void addr_of_peer(const char *peer, uint8_t out[16])
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *end;
	if (peer[0] == '[') {
		peer++;
		end = strchr(peer, ']');
	} else {
		end = strrchr(peer, ':');
	}
	size_t n = end ? (size_t)(end - peer) : strlen(peer);
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	const struct sockaddr *sa = NULL;
	if (n < sizeof(host)) {
		memcpy(host, peer, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &v4.sin_addr) == 1)
			sa = (const struct sockaddr *)&v4;
		else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1)
			sa = (const struct sockaddr *)&v6;
	}
	addr_key(sa, out); /* none: the all-zero key, one address of its own */
}

/* For messages: "1.2.3.4" or "2001:db8::/64". */
static void addr_text(const uint8_t a[16], char *out, size_t n)
{
	static const uint8_t zero[12] = { 0 };
	char buf[INET6_ADDRSTRLEN];
	bool v4 = memcmp(a, zero, 12) == 0;
	if (v4 && memcmp(a + 12, zero, 4) == 0)
		snprintf(out, n, "an unknown address");
	else if (v4 && inet_ntop(AF_INET, a + 12, buf, sizeof(buf)))
		snprintf(out, n, "%s", buf);
	else if (inet_ntop(AF_INET6, a, buf, sizeof(buf)))
		snprintf(out, n, "%s/64", buf);
	else
		snprintf(out, n, "an unknown address");
}

/* ---- the throttle's tables ---- */

#define WAYS 8
#define ADDR_SETS 512               /* 4,096 addresses */
#define PAIR_SETS 1024              /* 8,192 (address, name) pairs */
#define SHIFT_MAX 20

struct slot {
	uint8_t key[16];            /* the address; for a pair, a keyed hash of (address, name) */
	bool used;
	int64_t seen_ms;            /* last touched */
	int64_t window_ms;          /* start of the failures' window */
	uint32_t fails;             /* failures in the window */
	uint32_t blocks;            /* blocks so far, each doubling the next */
	int64_t blocked_ms;         /* blocked until (monotonic) */
	double tokens;              /* an address's failures it may still try (the rate) */
	int64_t tokens_ms;
};

struct addr_q {
	struct addr_q *next;
	uint8_t addr[16];
	struct hash_job *head, *tail;
	unsigned n;
};

#define HASH_QUEUE_MAX 256

struct auth {
	struct server *srv;
	/* the lane */
	pthread_t *threads;
	unsigned nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hash_job *todo, *todo_tail;      /* for the threads (mu) */
	struct hash_job *done, *done_tail;      /* for the loop (mu) */
	uv_async_t async;
	bool stop;                              /* mu */
	bool closing;
	/* the loop's queues */
	struct addr_q *qs, *turn;               /* addresses with jobs waiting; the next to serve */
	unsigned nqueued, nrunning, nrefused;   /* refused: answered through `done`, not yet seen */
	/* the throttle */
	uint8_t seed[16];
	struct slot addrs[ADDR_SETS * WAYS];
	struct slot pairs[PAIR_SETS * WAYS];
};

static size_t set_of(const struct auth *a, const uint8_t *data, size_t len, size_t sets, uint8_t key[16])
{
	uint8_t md[32], buf[16 + 16 + KART_NAME_MAX];
	if (len > sizeof(buf) - sizeof(a->seed))
		len = sizeof(buf) - sizeof(a->seed);
	memcpy(buf, a->seed, sizeof(a->seed));
	memcpy(buf + sizeof(a->seed), data, len);
	SHA256(buf, sizeof(a->seed) + len, md);
	if (key)
		memcpy(key, md + 16, 16);
	uint64_t h;
	memcpy(&h, md, 8);
	return (size_t)(h % sets);
}

/* Finds key's slot in its set, or (create) takes one: a free slot, else the
 * least recently used that is not blocked, else the one unblocked soonest. */
static struct slot *slot_get(struct slot *set, const uint8_t key[16], bool create, int64_t now)
{
	struct slot *victim = NULL;
	for (int i = 0; i < WAYS; i++) {
		struct slot *s = &set[i];
		if (s->used && memcmp(s->key, key, 16) == 0) {
			s->seen_ms = now;
			return s;
		}
		if (!create)
			continue;
		if (!s->used) {
			if (!victim || victim->used)
				victim = s;
		} else if (victim && !victim->used) {
			continue;
		} else if (!victim) {
			victim = s;
		} else {
			bool vb = victim->blocked_ms > now, sb = s->blocked_ms > now;
			if (vb != sb ? vb : vb ? s->blocked_ms < victim->blocked_ms : s->seen_ms < victim->seen_ms)
				victim = s;
		}
	}
	if (!victim)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->key, key, 16);
	victim->seen_ms = now;
	return victim;
}

static struct slot *addr_slot(struct auth *a, const uint8_t addr[16], bool create, int64_t now)
{
	size_t set = set_of(a, addr, 16, ADDR_SETS, NULL);
	struct slot *s = slot_get(&a->addrs[set * WAYS], addr, create, now);
	if (s && s->tokens_ms == 0) {
		s->tokens = a->srv->cfg->login_rate_per_address;
		s->tokens_ms = now;
	}
	return s;
}

static struct slot *pair_slot(struct auth *a, const uint8_t addr[16], const char *name, bool create, int64_t now)
{
	uint8_t buf[16 + KART_NAME_MAX], key[16];
	size_t nl = strnlen(name, KART_NAME_MAX);
	memcpy(buf, addr, 16);
	memcpy(buf + 16, name, nl);
	size_t set = set_of(a, buf, 16 + nl, PAIR_SETS, key);
	return slot_get(&a->pairs[set * WAYS], key, create, now);
}

/* Forgets what has aged: failures past the window, the doubling once an hour
 * (login_lockout_max_s) has passed since the last block ended. */
static void slot_age(const struct kart_config *cfg, struct slot *s, int64_t now)
{
	if (s->fails && now - s->window_ms >= (int64_t)cfg->login_window_s * 1000)
		s->fails = 0;
	if (s->blocks && s->blocked_ms <= now && now - s->blocked_ms >= (int64_t)cfg->login_lockout_max_s * 1000)
		s->blocks = 0;
}

/* Counts a failure; returns the seconds of the block it starts, or 0. */
static uint32_t slot_fail(const struct kart_config *cfg, struct slot *s, uint32_t max, int64_t now)
{
	slot_age(cfg, s, now);
	if (!s->fails)
		s->window_ms = now;
	if (++s->fails < max)
		return 0;
	uint32_t shift = s->blocks < SHIFT_MAX ? s->blocks : SHIFT_MAX;
	uint64_t secs = (uint64_t)cfg->login_lockout_s << shift;
	if (secs > cfg->login_lockout_max_s)
		secs = cfg->login_lockout_max_s;
	s->blocked_ms = now + (int64_t)secs * 1000;
	s->blocks++;
	s->fails = 0;
	return (uint32_t)secs;
}

static void tokens_refill(const struct kart_config *cfg, struct slot *s, int64_t now)
{
	double rate = cfg->login_rate_per_address;
	if (now > s->tokens_ms) {
		s->tokens += (double)(now - s->tokens_ms) * rate / 60000.0;
		if (s->tokens > rate)
			s->tokens = rate;
	}
	s->tokens_ms = now;
}

static struct auth *auth_get(struct server *srv);

/* May this address try this name now? 0: yes (a token taken), else the
 * seconds to wait. */
static uint32_t throttle_gate(struct auth *a, const uint8_t addr[16], const char *name)
{
	const struct kart_config *cfg = a->srv->cfg;
	int64_t now = util_mono_ms();
	int64_t wait_ms = 0;
	struct slot *as = addr_slot(a, addr, true, now);
	struct slot *ps = pair_slot(a, addr, name, false, now);
	if (as && as->blocked_ms > now)
		wait_ms = as->blocked_ms - now;
	if (ps && ps->blocked_ms > now && ps->blocked_ms - now > wait_ms)
		wait_ms = ps->blocked_ms - now;
	if (!wait_ms && as) {
		tokens_refill(cfg, as, now);
		if (as->tokens < 1.0)
			wait_ms = (int64_t)((1.0 - as->tokens) * 60000.0 / cfg->login_rate_per_address) + 1;
		else
			as->tokens -= 1.0;
	}
	return wait_ms ? (uint32_t)((wait_ms + 999) / 1000) : 0;
}

/* A wrong password from addr for name: counted; if that starts a block, it
 * is logged and described in note (for the audit record). */
static void throttle_failure(struct auth *a, const uint8_t addr[16], const char *name, const char *shown,
			     char *note, size_t n)
{
	const struct kart_config *cfg = a->srv->cfg;
	int64_t now = util_mono_ms();
	char at[INET6_ADDRSTRLEN + 8];
	addr_text(addr, at, sizeof(at));
	struct slot *ps = pair_slot(a, addr, name, true, now);
	struct slot *as = addr_slot(a, addr, true, now);
	uint32_t pair_s = ps ? slot_fail(cfg, ps, cfg->login_max_failures, now) : 0;
	uint32_t addr_s = as ? slot_fail(cfg, as, cfg->login_address_max_failures, now) : 0;
	note[0] = '\0';
	if (addr_s) {
		log_notice("%s: blocked for every user name for %u s after %u failed logins", at, addr_s,
			   cfg->login_address_max_failures);
		snprintf(note, n, "%s blocked for every name for %u s (block %u)", at, addr_s, as->blocks);
	} else if (pair_s) {
		log_notice("%s: blocked for '%s' for %u s after %u failed logins", at, shown, pair_s,
			   cfg->login_max_failures);
		snprintf(note, n, "%s blocked for this name for %u s (block %u)", at, pair_s, ps->blocks);
	}
}

/* An attempt that was refused before any password was checked (busy, out
 * of memory) gives back the token throttle_gate took for it. */
static void token_refund(struct auth *a, const uint8_t addr[16])
{
	int64_t now = util_mono_ms();
	struct slot *as = addr_slot(a, addr, false, now);
	if (as) {
		tokens_refill(a->srv->cfg, as, now);
		as->tokens += 1.0;
		if (as->tokens > a->srv->cfg->login_rate_per_address)
			as->tokens = a->srv->cfg->login_rate_per_address;
	}
}

void auth_login_succeeded(struct server *srv, const char *peer, const char *name)
{
	struct auth *a = srv->auth;
	if (!a || a->closing)
		return;
	uint8_t addr[16];
	addr_of_peer(peer, addr);
	int64_t now = util_mono_ms();
	struct slot *ps = pair_slot(a, addr, name, false, now);
	if (ps) {
		ps->fails = 0;
		ps->blocks = 0;
		ps->blocked_ms = 0;
	}
	struct slot *as = addr_slot(a, addr, false, now);
	if (as) {
		tokens_refill(srv->cfg, as, now);
		as->tokens += 1.0;
		if (as->tokens > srv->cfg->login_rate_per_address)
			as->tokens = srv->cfg->login_rate_per_address;
	}
}

/* ---- the lane ---- */

static void hash_run(struct hash_job *j)
{
	if (j->verify && j->new_password_given) {
		j->verified = auth_verify_password(j->encoded, j->password);
		j->ok = j->verified &&
			auth_hash_password(j->cfg, j->new_password, j->encoded, sizeof(j->encoded)) == 0;
		explicit_bzero(j->new_password, sizeof(j->new_password));
	} else if (j->verify) {
		j->ok = auth_verify_password(j->encoded, j->password);
	} else {
		j->ok = auth_hash_password(j->cfg, j->password, j->encoded, sizeof(j->encoded)) == 0;
	}
	/* the plaintext is not needed past this point */
	explicit_bzero(j->password, sizeof(j->password));
}

static void *lane_main(void *arg)
{
	struct auth *a = arg;
	pthread_setname_np(pthread_self(), "kartd-hash");
	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->todo && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		struct hash_job *j = a->todo;
		if (!j)
			break;
		a->todo = j->next;
		if (!a->todo)
			a->todo_tail = NULL;
		pthread_mutex_unlock(&a->mu);
		hash_run(j);
		pthread_mutex_lock(&a->mu);
		j->next = NULL;
		if (a->done_tail)
			a->done_tail->next = j;
		else
			a->done = j;
		a->done_tail = j;
		uv_async_send(&a->async);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void lane_closed(uv_handle_t *h)
{
	struct auth *a = h->data;
	a->srv->auth = NULL;
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->threads);
	explicit_bzero(a->seed, sizeof(a->seed));
	free(a);
}

/* Stopping and nothing left: the threads end, the handle closes. */
static void lane_maybe_close(struct auth *a)
{
	if (a->closing || !a->srv->stopping || a->nqueued || a->nrunning || a->nrefused)
		return;
	a->closing = true;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	for (unsigned i = 0; i < a->nthreads; i++)
		pthread_join(a->threads[i], NULL);
	a->nthreads = 0;
	uv_close((uv_handle_t *)&a->async, lane_closed);
}

static void q_unlink(struct auth *a, struct addr_q *q)
{
	struct addr_q **pp = &a->qs;
	while (*pp && *pp != q)
		pp = &(*pp)->next;
	if (*pp)
		*pp = q->next;
	if (a->turn == q)
		a->turn = q->next;
	free(q);
}

static struct addr_q *q_find(struct auth *a, const uint8_t addr[16])
{
	for (struct addr_q *q = a->qs; q; q = q->next)
		if (memcmp(q->addr, addr, 16) == 0)
			return q;
	return NULL;
}

/* Hands waiting jobs to free threads, one address after another. */
static void start_next(struct auth *a)
{
	while (a->qs && a->nrunning < a->nthreads) {
		struct addr_q *q = a->turn ? a->turn : a->qs;
		struct hash_job *j = q->head;
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		a->nqueued--;
		a->turn = q->next;
		if (!q->n)
			q_unlink(a, q);
		j->next = NULL;
		j->running = true;
		a->nrunning++;
		pthread_mutex_lock(&a->mu);
		if (a->todo_tail)
			a->todo_tail->next = j;
		else
			a->todo = j;
		a->todo_tail = j;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
	}
}

static void lane_done(uv_async_t *h)
{
	struct auth *a = h->data;
	struct server *srv = a->srv;
	pthread_mutex_lock(&a->mu);
	struct hash_job *j = a->done;
	a->done = a->done_tail = NULL;
	pthread_mutex_unlock(&a->mu);
	while (j) {
		struct hash_job *next = j->next;
		if (j->running)
			a->nrunning--;
		else
			a->nrefused--;
		srv->inflight--;
		j->cb(j);
		j = next;
	}
	start_next(a);
	lane_maybe_close(a);
	srv->hooks.settled(srv);
}

static struct auth *auth_get(struct server *srv)
{
	if (srv->auth)
		return srv->auth->closing ? NULL : srv->auth;
	if (srv->stopping)
		return NULL;
	struct auth *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->srv = srv;
	if (util_random(a->seed, sizeof(a->seed)) < 0) {
		free(a);
		return NULL;
	}
	a->threads = calloc(srv->cfg->max_concurrent_hashes, sizeof(*a->threads));
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (!a->threads || uv_async_init(srv->loop, &a->async, lane_done) != 0) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		free(a->threads);
		free(a);
		return NULL;
	}
	a->async.data = a;
	srv->auth = a;
	for (unsigned i = 0; i < srv->cfg->max_concurrent_hashes; i++) {
		if (pthread_create(&a->threads[i], NULL, lane_main, a) != 0)
			break;
		a->nthreads++;
	}
	if (!a->nthreads) {
		log_err("cannot start a password hashing thread");
		a->closing = true;
		uv_close((uv_handle_t *)&a->async, lane_closed);
		return NULL;
	}
	return a;
}

/* Answers j, not run, through the lane's handle: never from inside the
 * dispatch of another connection's request. */
static void refuse_later(struct auth *a, struct hash_job *j, const char *why)
{
	j->refused = why;
	j->running = false;
	j->next = NULL;
	a->nrefused++;
	pthread_mutex_lock(&a->mu);
	if (a->done_tail)
		a->done_tail->next = j;
	else
		a->done = j;
	a->done_tail = j;
	pthread_mutex_unlock(&a->mu);
	uv_async_send(&a->async);
}

static const char *const BUSY_ADDR = "too many logins at once from your address; try again shortly";
static const char *const BUSY = "too many logins at once; try again shortly";
static const char *const STOPPING = "the server is stopping; try again shortly";

/* Takes a place for a job of addr, or says why there is none. */
static const char *queue_room(struct auth *a, const uint8_t addr[16])
{
	struct addr_q *own = q_find(a, addr);
	unsigned mine = own ? own->n : 0;
	if (mine >= a->srv->cfg->login_queue_per_address)
		return BUSY_ADDR;
	if (a->nqueued < HASH_QUEUE_MAX)
		return NULL;
	/* full: the address holding the most gives up its newest job, if it holds more */
	struct addr_q *big = NULL;
	for (struct addr_q *q = a->qs; q; q = q->next)
		if (!big || q->n > big->n)
			big = q;
	if (!big || big->n <= mine + 1)
		return BUSY;
	struct hash_job *last = big->head, *prev = NULL;
	while (last->next) {
		prev = last;
		last = last->next;
	}
	if (prev)
		prev->next = NULL;
	else
		big->head = NULL;
	big->tail = prev;
	big->n--;
	a->nqueued--;
	if (!big->n)
		q_unlink(a, big);
	refuse_later(a, last, BUSY_ADDR);
	return NULL;
}

static void enqueue(struct auth *a, struct hash_job *j)
{
	struct addr_q *q = q_find(a, j->addr);
	if (!q) {
		q = calloc(1, sizeof(*q));
		if (!q) {
			refuse_later(a, j, REQ_NO_MEMORY);
			a->srv->inflight++;
			return;
		}
		memcpy(q->addr, j->addr, 16);
		/* a new address is served after those already waiting: at the end of the ring */
		struct addr_q **pp = &a->qs;
		while (*pp)
			pp = &(*pp)->next;
		*pp = q;
	}
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->n++;
	a->nqueued++;
	a->srv->inflight++;
	start_next(a);
}

void auth_cancel_queued(struct server *srv)
{
	struct auth *a = srv->auth;
	if (!a)
		return;
	while (a->qs) {
		struct addr_q *q = a->qs;
		struct hash_job *j = q->head;
		q->head = j->next;
		q->n--;
		a->nqueued--;
		if (!q->n)
			q_unlink(a, q);
		else if (!q->head)
			q->tail = NULL;
		explicit_bzero(j->password, sizeof(j->password));
		explicit_bzero(j->new_password, sizeof(j->new_password));
		refuse_later(a, j, STOPPING);
	}
	lane_maybe_close(a);
}

/* ---- requests that need a hash ---- */

#define CONN_MAX_HASHES 4

static void hashed(struct hash_job *j);

/* Queues j, with the write request that follows it (fn, done). A refusal
 * here is this request's own reply, sent as any other (answering through the
 * write request would process the connection's next frames inside this
 * one's dispatch). */
static int queue_job(struct req *r, struct hash_job *j, handler_fn fn, wreq_done_fn done)
{
	struct server *srv = r->srv;
	struct auth *a = auth_get(srv);
	addr_of_peer(r->who.peer, j->addr);
	j->srv = srv;
	const char *busy = !a ? (srv->stopping ? STOPPING : REQ_NO_MEMORY) : queue_room(a, j->addr);
	struct wreq *w = busy ? NULL : req_to_wreq_copy(r, fn);
	if (!w) {
		explicit_bzero(j, sizeof(*j));
		free(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "%s", busy ? busy : REQ_NO_MEMORY);
	}
	w->done = done;
	j->cfg = w->r.cfg;
	j->cb = hashed;
	j->ud = w;
	r->conn->pending_hashes++;
	enqueue(a, j);
	return H_DEFER;
}

static void hashed(struct hash_job *j)
{
	struct wreq *w = j->ud;
	w->r.conn->pending_hashes--;
	if (j->refused) {
		wreq_fail(w, KART__ERROR_CODE__UNAVAILABLE, j->refused);
	} else {
		struct auth *a = j->srv->auth;
		bool wrong = j->kind == HASH_LOGIN ? !j->ok : j->kind == HASH_CHANGE && !j->verified;
		if (wrong && a && !a->closing) {
			char shown[KART_NAME_MAX + 32];
			snprintf(shown, sizeof(shown), "%s", w->r.who.user);
			throttle_failure(a, j->addr, j->name, shown, w->note, sizeof(w->note));
		} else if (j->kind == HASH_CHANGE && j->verified) {
			auth_login_succeeded(j->srv, w->r.who.peer, j->name);
		}
		if (j->verify && !j->new_password_given) {
			w->auth.verified = j->ok;
		} else { /* the writer turns an empty hash into an error reply */
			w->auth.verified = j->verified;
			snprintf(w->auth.hash, sizeof(w->auth.hash), "%s", j->ok ? j->encoded : "");
		}
		writer_submit(j->srv, w);
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
}

static struct hash_job *job_new(struct req *r)
{
	if (r->conn->pending_hashes >= CONN_MAX_HASHES) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "too many logins at once on this connection");
		return NULL;
	}
	struct hash_job *j = calloc(1, sizeof(*j));
	if (!j)
		req_no_memory(r);
	return j;
}

/* The throttle's answer to a blocked address, before any hash. */
static int refuse_throttled(struct req *r, uint32_t wait_s)
{
	return req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "",
			 "too many failed logins from your address; try again in %u s", wait_s);
}

int auth_change_then_write(struct req *r, const char *old_password, const char *encoded, const char *new_password,
			   handler_fn fn)
{
	struct auth *a = auth_get(r->srv);
	uint8_t addr[16];
	addr_of_peer(r->who.peer, addr);
	uint32_t wait_s = a ? throttle_gate(a, addr, r->who.user) : 0;
	if (wait_s)
		return refuse_throttled(r, wait_s);
	struct hash_job *j = job_new(r);
	if (!j) {
		if (a)
			token_refund(a, addr);
		return H_ABORT;
	}
	j->kind = HASH_CHANGE;
	snprintf(j->name, sizeof(j->name), "%s", r->who.user);
	snprintf(j->password, sizeof(j->password), "%s", old_password);
	snprintf(j->new_password, sizeof(j->new_password), "%s", new_password);
	snprintf(j->encoded, sizeof(j->encoded), "%s", encoded);
	j->verify = true;
	j->new_password_given = true;
	int rc = queue_job(r, j, fn, NULL);
	if (rc != H_DEFER && a)
		token_refund(a, addr);
	return rc;
}

int auth_then_write(struct req *r, const char *password, const char *verify_against, handler_fn fn,
		    wreq_done_fn done)
{
	struct hash_job *j = job_new(r);
	if (!j)
		return H_ABORT;
	j->kind = HASH_NEW;
	snprintf(j->password, sizeof(j->password), "%s", password);
	if (verify_against)
		snprintf(j->encoded, sizeof(j->encoded), "%s", verify_against);
	j->verify = verify_against != NULL;
	return queue_job(r, j, fn, done);
}

int auth_login_then_write(struct req *r, const char *name, const char *password, const char *verify_against,
			  handler_fn fn, wreq_done_fn done)
{
	struct auth *a = auth_get(r->srv);
	if (!a)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "%s",
				 r->srv->stopping ? STOPPING : REQ_NO_MEMORY);
	uint8_t addr[16];
	addr_of_peer(r->who.peer, addr);
	uint32_t wait_s = throttle_gate(a, addr, name);
	if (wait_s)
		return refuse_throttled(r, wait_s);
	struct hash_job *j = job_new(r);
	if (!j) {
		token_refund(a, addr);
		return H_ABORT;
	}
	j->kind = HASH_LOGIN;
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->password, sizeof(j->password), "%s", password);
	snprintf(j->encoded, sizeof(j->encoded), "%s", verify_against);
	j->verify = true;
	int rc = queue_job(r, j, fn, done);
	if (rc != H_DEFER)
		token_refund(a, addr);
	return rc;
}
