/* hostile_login: logins as an attacker sends them: storms of wrong passwords
 * queued for the hashing threads, guesses from several source addresses (all of
 * 127.0.0.0/8 is loopback) against the throttle, floods of logins and logins
 * beside long scans. */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"
#include "kc.h"

static struct kc *connect_from(const char *local);

/* Many logins at once (wrong passwords, from six addresses: one address may
 * have only a few waiting) queue for the hashing threads; a request from a
 * logged-in client is answered before the storm is over. */
void s_login_storm(void)
{
	enum { N = 24 };
	struct kc *storm[N];
	struct kc_error err;
	for (int i = 0; i < N; i++) {
		char local[32];
		snprintf(local, sizeof(local), "127.0.0.%d", 11 + i % 6);
		storm[i] = connect_from(local);
		Kart__Login m = KART__LOGIN__INIT;
		/* a user who does not exist: it costs the same hash, and locks no one out */
		m.user = (char *)"storm-guesser";
		m.password = (char *)"wrong-password-storm";
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_LOGIN;
		req.login = &m;
		if (!kc_send(storm[i], &req, &err))
			fail("storm send: %s", err.message);
	}
	/* a client with a session asks something while the hashes run */
	struct kc *c = connect_opt(0);
	Kart__Envelope *sess = kc_resume(c, getenv("KART_TOKEN") ? getenv("KART_TOKEN") : "", &err);
	if (!sess)
		fail("resume: %s", err.message);
	kc_env_free(sess);
	Kart__WhoAmI w = KART__WHO_AM_I__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_WHOAMI;
	req.whoami = &w;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e)
		fail("whoami during the storm: %s", err.message);
	kc_env_free(e);
	/* the last login of the storm has not been answered yet */
	struct pollfd p = { .fd = kc_fd(storm[N - 1]), .events = POLLIN };
	if (poll(&p, 1, 0) > 0)
		fail("the storm was over before a plain request was answered");
	int refused = 0;
	for (int i = 0; i < N; i++) {
		Kart__Envelope *r = kc_recv(storm[i], &err);
		if (r && r->body_case == KART__ENVELOPE__BODY_ERROR && r->error->code == KART__ERROR_CODE__UNAUTHENTICATED)
			refused++;
		kc_env_free(r);
		kc_close(storm[i]);
	}
	if (refused != N)
		fail("%d of %d storm logins refused", refused, N);
	printf("  answered during a storm of %d logins; all %d refused\n", N, refused);
	kc_close(c);
}

/* ---- logins from several source addresses (127.0.0.0/8 is all loopback) ----
 * These scenarios follow the throttle's settings in test_lockout.sh. */

#define THROTTLED "too many failed logins from your address"

static struct kc *connect_from(const char *local)
{
	struct kc_options o = { .server = server, .ca_file = ca_file, .timeout_ms = 10000,
				.client_name = "kart-hostile", .bind_addr = local };
	struct kc_error err;
	struct kc *c = kc_connect(&o, &err);
	if (!c)
		fail("cannot connect from %s: %s", local, err.message);
	return c;
}

/* One login: 1 with a session, 0 refused (the server's words in msg, its code in *code). */
static int try_login(struct kc *c, const char *user, const char *pw, char *msg, size_t n, Kart__ErrorCode *code)
{
	struct kc_error err;
	Kart__Envelope *e = kc_login(c, user, pw, &err);
	if (e) {
		kc_env_free(e);
		return 1;
	}
	if (err.status == KC_ERR_CONNECT || !err.code)
		fail("login of %s: %s", user, err.message);
	snprintf(msg, n, "%.*s", (int)n - 1, err.message); /* a message is cut to the caller's buffer */
	if (code)
		*code = err.code;
	return 0;
}

/* The seconds in "... try again in N s", or -1. */
static int wait_of(const char *msg)
{
	const char *p = strstr(msg, "try again in ");
	return p ? atoi(p + strlen("try again in ")) : -1;
}

/* Wrong passwords for user from c until the address is blocked; returns how
 * many were answered as wrong (all in the same words, kept in wrong). */
static int guess_until_blocked(struct kc *c, const char *user, char *wrong, size_t n, char *blocked, size_t bn)
{
	char msg[1024];
	for (int i = 0; i < 50; i++) {
		if (try_login(c, user, "not-the-password", msg, sizeof(msg), NULL))
			fail("a wrong password for %s was let in", user);
		if (strstr(msg, THROTTLED)) {
			snprintf(blocked, bn, "%s", msg);
			return i;
		}
		if (wrong[0] && strcmp(wrong, msg) != 0)
			fail("wrong passwords answered differently: '%s' vs '%s'", wrong, msg);
		snprintf(wrong, n, "%s", msg);
	}
	fail("50 wrong passwords for %s from one address and no block", user);
}

/* A guessing address is blocked for the name it guesses, even with the right
 * password; the user logs in from another address; an unknown name is
 * treated exactly like a user's. */
void s_guess_elsewhere(void)
{
	char wrong[1024] = "", blocked[1024], msg[1024];
	struct kc *att = connect_from("127.0.0.2");
	int n = guess_until_blocked(att, "admin", wrong, sizeof(wrong), blocked, sizeof(blocked));
	if (n < 1)
		fail("blocked before any guess");
	printf("  127.0.0.2 blocked for admin after %d wrong passwords: %s\n", n, blocked);
	/* the right password from there is refused too, in the blocked words */
	if (try_login(att, "admin", password, msg, sizeof(msg), NULL))
		fail("the right password got through from the blocked address");
	if (!strstr(msg, THROTTLED))
		fail("the blocked address got '%s' for the right password", msg);
	/* the real user, from another address, is not kept out */
	struct kc *real = connect_from("127.0.0.3");
	if (!try_login(real, "admin", password, msg, sizeof(msg), NULL))
		fail("the real user was kept out from another address: %s", msg);
	kc_close(real);
	/* the blocked address may still try other names: blocked for admin only */
	if (try_login(att, "someone-else", "not-the-password", msg, sizeof(msg), NULL) || strcmp(msg, wrong) != 0)
		fail("the address was blocked for every name after guessing one: %s", msg);
	kc_close(att);
	/* a name that is no user's: the same answers, blocked after as many */
	char wrong2[1024] = "", blocked2[1024];
	struct kc *g = connect_from("127.0.0.4");
	int m = guess_until_blocked(g, "no-such-user", wrong2, sizeof(wrong2), blocked2, sizeof(blocked2));
	kc_close(g);
	if (m != n || strcmp(wrong, wrong2) != 0 || wait_of(blocked) != wait_of(blocked2))
		fail("an unknown name was treated differently: %d '%s' '%s' vs %d '%s' '%s'", m, wrong2, blocked2, n,
		     wrong, blocked);
	printf("  an unknown name: the same words, blocked after %d too\n", m);
}

/* One address trying many names is blocked for all of them; the user logs in
 * from elsewhere. */
void s_spray(void)
{
	char msg[1024];
	struct kc *att = connect_from("127.0.0.5");
	int i;
	for (i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof(name), "sprayed-%d", i);
		if (try_login(att, name, "Winter2026!", msg, sizeof(msg), NULL))
			fail("sprayed name %s let in", name);
		if (strstr(msg, THROTTLED))
			break;
	}
	if (i == 200)
		fail("200 names tried from one address and no block");
	printf("  127.0.0.5 blocked for every name after %d failed logins\n", i);
	if (try_login(att, "admin", password, msg, sizeof(msg), NULL) || !strstr(msg, THROTTLED))
		fail("the spraying address was not blocked for admin: %s", msg);
	kc_close(att);
	struct kc *real = connect_from("127.0.0.6");
	if (!try_login(real, "admin", password, msg, sizeof(msg), NULL))
		fail("the real user was kept out from another address: %s", msg);
	kc_close(real);
}

/* Guesses from one address after another, each blocked in turn, lock the
 * account itself (login_user_max_failures): then even the right password
 * from a fresh address is refused, in the words of a wrong one, until the
 * lockout (capped) ends. */
void s_spread_guess(void)
{
	char wrong[1024] = "", blocked[1024], msg[1024];
	int total = 0;
	for (int a = 0; a < 4; a++) {
		char local[32];
		snprintf(local, sizeof(local), "127.0.0.%d", 20 + a);
		struct kc *att = connect_from(local);
		total += guess_until_blocked(att, "admin", wrong, sizeof(wrong), blocked, sizeof(blocked));
		kc_close(att);
	}
	struct kc *real = connect_from("127.0.0.30");
	if (try_login(real, "admin", password, msg, sizeof(msg), NULL))
		fail("%d guesses from 4 addresses did not lock the account", total);
	if (strcmp(msg, wrong) != 0)
		fail("the locked account answered '%s', a wrong password '%s'", msg, wrong);
	printf("  the account is locked after %d guesses from 4 addresses: '%s'\n", total, msg);
	/* it ends (the lockout is capped): wait for it, a bounded number of tries */
	int tries = 0;
	while (!try_login(real, "admin", password, msg, sizeof(msg), NULL)) {
		if (strstr(msg, THROTTLED))
			fail("the right password from a fresh address got throttled: %s", msg);
		if (++tries > 120)
			fail("the lockout did not end within its cap");
		usleep(250000);
	}
	kc_close(real);
}

/* Blocks double for an address that keeps guessing one name, up to the cap;
 * a successful login from it starts over. Settings: login_lockout_s = 2,
 * login_lockout_max_s = 4. */
void s_doubling(void)
{
	char wrong[1024] = "", blocked[1024], msg[1024];
	const int want[] = { 2, 4, 4 };
	/* a connection per round: one not logged in is closed after handshake_timeout_ms */
	struct kc *c;
	for (int round = 0; round < 3; round++) {
		c = connect_from("127.0.0.40");
		guess_until_blocked(c, "admin", wrong, sizeof(wrong), blocked, sizeof(blocked));
		kc_close(c);
		int w = wait_of(blocked);
		if (w != want[round])
			fail("block %d: '%s', expected %d s", round + 1, blocked, want[round]);
		printf("  block %d: %s\n", round + 1, blocked);
		usleep((useconds_t)w * 1000000 + 300000);
	}
	c = connect_from("127.0.0.40");
	if (!try_login(c, "admin", password, msg, sizeof(msg), NULL))
		fail("after the block ended the right password was refused: %s", msg);
	kc_close(c);
	c = connect_from("127.0.0.40");
	guess_until_blocked(c, "admin", wrong, sizeof(wrong), blocked, sizeof(blocked));
	kc_close(c);
	if (wait_of(blocked) != want[0])
		fail("after a successful login the doubling went on: '%s'", blocked);
	printf("  after a successful login: %s\n", blocked);
	usleep((useconds_t)want[0] * 1000000 + 300000);
	c = connect_from("127.0.0.40");
	if (!try_login(c, "admin", password, msg, sizeof(msg), NULL))
		fail("the right password after the last block: %s", msg);
	kc_close(c);
}

/* 60 connections from one address flood logins for names that do not exist,
 * round after round; meanwhile the real user logs in from another address,
 * ten times. Every real login succeeds, waiting behind only a few of the
 * flood's hashes, and most of the flood is refused without one. */
void s_login_flood(void)
{
	enum { N = 60, ROUNDS = 10 };
	static struct kc *flood[N];
	struct kc_error err;
	for (int i = 0; i < N; i++) {
		flood[i] = connect_from("127.0.0.50");
		if (kc_set_nonblocking(flood[i]) < 0)
			fail("non-blocking");
	}
	int hashed = 0, throttled = 0, busy = 0, ahead_max = 0;
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < N; i++) {
			char name[32];
			snprintf(name, sizeof(name), "flood-%d-%d", round, i);
			Kart__Login m = KART__LOGIN__INIT;
			m.user = name;
			m.password = (char *)"wrong-password-flood";
			Kart__Envelope req = KART__ENVELOPE__INIT;
			req.body_case = KART__ENVELOPE__BODY_LOGIN;
			req.login = &m;
			if (!kc_send(flood[i], &req, &err))
				fail("flood send: %s", err.message);
		}
		struct kc *real = connect_from("127.0.0.51");
		Kart__Login m = KART__LOGIN__INIT;
		m.user = (char *)"admin";
		m.password = password;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_LOGIN;
		req.login = &m;
		if (!kc_send(real, &req, &err))
			fail("real send: %s", err.message);
		kc_set_nonblocking(real);
		/* flood logins answered after a hash while the real one waits */
		int ahead = 0, pending = N;
		int real_done = 0;
		int answered[N] = { 0 };
		while (pending || !real_done) {
			struct pollfd p[N + 1];
			for (int i = 0; i < N; i++)
				p[i] = (struct pollfd){ .fd = answered[i] ? -1 : kc_fd(flood[i]), .events = POLLIN };
			p[N] = (struct pollfd){ .fd = real_done ? -1 : kc_fd(real), .events = POLLIN };
			if (poll(p, N + 1, 20000) <= 0)
				fail("round %d: no answer in 20 s (%d flood logins pending, real %s)", round, pending,
				     real_done ? "done" : "pending");
			for (int i = 0; i < N; i++) {
				Kart__Envelope *e = NULL;
				if (answered[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				int got = kc_try_recv(flood[i], &e, &err);
				if (got < 0)
					fail("flood connection %d: %s", i, err.message);
				if (!got)
					continue;
				if (e->body_case != KART__ENVELOPE__BODY_ERROR)
					fail("a flood login was let in");
				if (e->error->code == KART__ERROR_CODE__UNAVAILABLE) {
					busy++;
				} else if (strstr(e->error->message, THROTTLED)) {
					throttled++;
				} else {
					hashed++;
					if (!real_done)
						ahead++;
				}
				kc_env_free(e);
				answered[i] = 1;
				pending--;
			}
			if (!real_done && (p[N].revents & (POLLIN | POLLHUP | POLLERR))) {
				Kart__Envelope *e = NULL;
				int got = kc_try_recv(real, &e, &err);
				if (got < 0)
					fail("round %d: the real login: %s", round, err.message);
				if (got) {
					if (e->body_case != KART__ENVELOPE__BODY_SESSION)
						fail("round %d: the real login failed during the flood: %s", round,
						     e->body_case == KART__ENVELOPE__BODY_ERROR ? e->error->message : "?");
					kc_env_free(e);
					real_done = 1;
				}
			}
		}
		kc_close(real);
		if (ahead > ahead_max)
			ahead_max = ahead;
	}
	for (int i = 0; i < N; i++)
		kc_close(flood[i]);
	printf("  %d real logins all succeeded; of %d flood logins %d were hashed, %d throttled, %d refused as too "
	       "many at once; at most %d flood hashes answered while a real login waited\n",
	       ROUNDS, N * ROUNDS, hashed, throttled, busy, ahead_max);
	if (hashed + throttled + busy != N * ROUNDS)
		fail("lost flood answers");
	if (throttled == 0 || hashed > N * ROUNDS / 10)
		fail("the flood was not throttled: %d hashed, %d throttled, %d busy", hashed, throttled, busy);
	/* the real login waits behind one job of the flood address and those running */
	if (ahead_max > 8)
		fail("a real login waited behind %d flood hashes", ahead_max);
}

/* Scans fill the libuv pool (the test runs kartd with UV_THREADPOOL_SIZE=1):
 * 64 counts over every card from 32 connections, then a login from
 * another address. Its hash runs on a thread of its own, so it is answered
 * before the scans queued ahead of it are done. */
void s_login_beside_scans(void)
{
	enum { CONNS = 32, PER = 2, SCANS = CONNS * PER };
	struct kc *sc[CONNS];
	struct kc_error err;
	char token[128];
	sc[0] = connect_opt(0);
	Kart__Envelope *s = kc_login(sc[0], "admin", password, &err);
	if (!s)
		fail("login: %s", err.message);
	snprintf(token, sizeof(token), "%s", s->session->token);
	kc_env_free(s);
	for (int i = 0; i < CONNS; i++) {
		if (i) {
			sc[i] = connect_opt(0);
			if (!(s = kc_resume(sc[i], token, &err)))
				fail("resume: %s", err.message);
			kc_env_free(s);
		}
		for (int k = 0; k < PER; k++) {
			Kart__CardQuery q = KART__CARD_QUERY__INIT;
			q.where = (char *)"id > 0 and last_name != \"nobody-at-all\"";
			q.count = 1;
			Kart__Envelope req = KART__ENVELOPE__INIT;
			req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
			req.card_query = &q;
			if (!kc_send(sc[i], &req, &err))
				fail("scan send: %s", err.message);
		}
		kc_set_nonblocking(sc[i]);
	}
	struct kc *l = connect_from("127.0.0.60");
	Kart__Login m = KART__LOGIN__INIT;
	m.user = (char *)"admin";
	m.password = password;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_LOGIN;
	req.login = &m;
	if (!kc_send(l, &req, &err))
		fail("login send: %s", err.message);
	kc_set_nonblocking(l);
	int scans_done = 0, results_after = 0, left[CONNS], login_done = 0;
	for (int i = 0; i < CONNS; i++)
		left[i] = PER;
	while (scans_done < SCANS || !login_done) {
		struct pollfd p[CONNS + 1];
		for (int i = 0; i < CONNS; i++)
			p[i] = (struct pollfd){ .fd = left[i] ? kc_fd(sc[i]) : -1, .events = POLLIN };
		p[CONNS] = (struct pollfd){ .fd = login_done ? -1 : kc_fd(l), .events = POLLIN };
		if (poll(p, CONNS + 1, 30000) <= 0)
			fail("no answer in 30 s (%d scans answered, login %s)", scans_done, login_done ? "done" : "pending");
		for (int i = 0; i < CONNS; i++) {
			Kart__Envelope *e = NULL;
			while (left[i] && kc_try_recv(sc[i], &e, &err) == 1) {
				if (e->body_case == KART__ENVELOPE__BODY_QUERY_RESULT && login_done)
					results_after++;
				kc_env_free(e);
				left[i]--;
				scans_done++;
			}
		}
		Kart__Envelope *e = NULL;
		if (!login_done && kc_try_recv(l, &e, &err) == 1) {
			if (e->body_case != KART__ENVELOPE__BODY_SESSION)
				fail("the login beside the scans: %s",
				     e->body_case == KART__ENVELOPE__BODY_ERROR ? e->error->message : "unexpected reply");
			kc_env_free(e);
			login_done = 1;
			printf("  the login was answered after %d of %d scans\n", scans_done, SCANS);
		}
	}
	for (int i = 0; i < CONNS; i++)
		kc_close(sc[i]);
	kc_close(l);
	if (results_after == 0)
		fail("the login waited for every scan queued before it");
}

/* Wrong logins for unknown names spread over 40 addresses, three each (under
 * every per-address limit): each is refused in the same words; the daemon
 * records only the first few one by one (test_lockout counts them). */
void s_login_spread(void)
{
	int refused = 0;
	for (int a = 0; a < 40; a++) {
		char local[32], msg[256];
		snprintf(local, sizeof(local), "127.0.2.%d", a + 1);
		struct kc *c = connect_from(local);
		for (int i = 0; i < 3; i++) {
			char name[32];
			snprintf(name, sizeof(name), "nobody-%d-%d", a, i);
			Kart__ErrorCode code;
			if (try_login(c, name, "wrong-password-1", msg, sizeof(msg), &code) != 0)
				fail("a login for %s succeeded", name);
			refused++;
		}
		kc_close(c);
	}
	printf("  %d wrong logins from 40 addresses refused\n", refused);
}
