/* hostile_wire: clients that break the protocol itself: TCP garbage, a stalled
 * handshake, frames too large, cut short or undecodable, requests before Hello or
 * a login, many connections at once, half-closed connections and a frame whose
 * decoding would need more memory than a request may use. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "hostile.h"
#include "kc.h"

static Kart__Envelope get_card_req(Kart__CardGet *g)
{
	kart__card_get__init(g);
	g->id = 1;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = g;
	return req;
}

void s_tcp_garbage(void)
{
	int fd = raw_connect();
	const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage\xff\xfe";
	if (write(fd, junk, sizeof(junk)) < 0)
		fail("write: %s", strerror(errno));
	if (wait_closed(fd, 5000) < 0)
		fail("server did not close a connection that sent plain-text garbage");
	close(fd);
}

void s_stall_handshake(void)
{
	int fd = raw_connect();
	/* the first bytes of a TLS record header, then nothing */
	const unsigned char part[] = { 0x16, 0x03, 0x01, 0x02 };
	if (write(fd, part, sizeof(part)) < 0)
		fail("write: %s", strerror(errno));
	/* while it stalls, others are served */
	still_serving();
	int waited = wait_closed(fd, 15000);
	if (waited < 0)
		fail("server kept a stalled handshake open for 15 s");
	printf("  stalled connection closed after %d ms\n", waited);
	close(fd);
}

void s_huge_frame(void)
{
	struct kc *c = admin();
	const uint8_t hdr[4] = { 0xff, 0xff, 0xff, 0xff };
	struct kc_error err;
	if (kc_write_raw(c, hdr, 4, &err) < 0)
		fail("write: %s", err.message);
	Kart__Envelope *e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "exceeds the limit");
	kc_env_free(e);
	e = kc_recv(c, &err);
	if (e)
		fail("connection still open after an oversized frame");
	kc_close(c);
}

void s_truncated_frame(void)
{
	struct kc *c = admin();
	uint8_t buf[14];
	frame_put_header(buf, 100);
	memset(buf + 4, 0x0a, 10);
	struct kc_error err;
	if (kc_write_raw(c, buf, sizeof(buf), &err) < 0)
		fail("write: %s", err.message);
	/* and go away mid-frame */
	kc_close(c);
	/* a second one stays, mid-frame, while others are served */
	c = admin();
	if (kc_write_raw(c, buf, sizeof(buf), &err) < 0)
		fail("write: %s", err.message);
	still_serving();
	kc_close(c);
}

void s_garbage_protobuf(void)
{
	struct kc *c = admin();
	uint8_t buf[4 + 32];
	frame_put_header(buf, 32);
	for (int i = 0; i < 32; i++)
		buf[4 + i] = (uint8_t)(0xff - i);
	struct kc_error err;
	if (kc_write_raw(c, buf, sizeof(buf), &err) < 0)
		fail("write: %s", err.message);
	kc_env_free(expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "malformed"));
	/* the same connection still works: frames are intact */
	Kart__WhoAmI w = KART__WHO_AM_I__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_WHOAMI;
	req.whoami = &w;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_SESSION)
		fail("connection unusable after a malformed message: %s", e ? "bad reply" : err.message);
	kc_env_free(e);
	kc_close(c);
}

void s_before_hello(void)
{
	struct kc *c = connect_opt(1);
	Kart__CardGet g;
	Kart__Envelope req = get_card_req(&g);
	struct kc_error err;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	kc_env_free(expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "Hello"));
	kc_close(c);
	/* after Hello, before Login */
	c = connect_opt(0);
	req = get_card_req(&g);
	req.request_id = 0;
	if (!kc_send(c, &req, &err))
		fail("send: %s", err.message);
	kc_env_free(expect_error(c, KART__ERROR_CODE__UNAUTHENTICATED, "not logged in"));
	kc_close(c);
	/* a forged token */
	c = connect_opt(0);
	Kart__Envelope *e = kc_resume(c, "0000000000000000000000000000000000000000000000000000000000000000", &err);
	if (e || err.code != KART__ERROR_CODE__UNAUTHENTICATED)
		fail("a forged token was not refused");
	printf("  server said: %s\n", err.message);
	kc_close(c);
}

void s_wrong_password(void)
{
	struct kc *c = connect_opt(0);
	struct kc_error err;
	Kart__Envelope *e = kc_login(c, "admin", "not-the-password", &err);
	if (e || err.code != KART__ERROR_CODE__UNAUTHENTICATED)
		fail("a wrong password was not refused");
	printf("  server said: %s\n", err.message);
	/* an unknown user gets the very same answer */
	char msg[sizeof(err.message)];
	snprintf(msg, sizeof(msg), "%s", err.message);
	e = kc_login(c, "nosuchuser", "whatever-password", &err);
	if (e || err.code != KART__ERROR_CODE__UNAUTHENTICATED || strcmp(msg, err.message) != 0)
		fail("an unknown user got a different answer: %s", err.message);
	kc_close(c);
}

void s_many_connections(void)
{
	enum { N = 200 };
	/* log in once; every connection resumes the session */
	struct kc *a = admin();
	struct kc_error err;
	Kart__WhoAmI w = KART__WHO_AM_I__INIT;
	kc_close(a);
	a = connect_opt(0);
	Kart__Envelope *s = kc_login(a, "admin", password, &err);
	if (!s)
		fail("login: %s", err.message);
	char token[128];
	snprintf(token, sizeof(token), "%s", s->session->token);
	kc_env_free(s);
	kc_close(a);
	static struct kc *conns[N];
	/* open all 200 raw TCP connections at once first, then complete each;
	 * each resumes right after its handshake, since the daemon closes a
	 * connection not logged in within handshake_timeout_ms, and 200
	 * handshakes on a loaded machine can take longer than that */
	int fds[N];
	for (int i = 0; i < N; i++)
		fds[i] = raw_connect();
	for (int i = 0; i < N; i++) {
		conns[i] = connect_opt(0);
		Kart__Envelope *e = kc_resume(conns[i], token, &err);
		if (!e)
			fail("connection %d: resume: %s", i, err.message);
		kc_env_free(e);
	}
	for (int i = 0; i < N; i++) {
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_WHOAMI;
		req.whoami = &w;
		if (!kc_send(conns[i], &req, &err))
			fail("connection %d: send: %s", i, err.message);
	}
	for (int i = 0; i < N; i++) {
		Kart__Envelope *e = kc_recv(conns[i], &err);
		if (!e || e->body_case != KART__ENVELOPE__BODY_SESSION)
			fail("connection %d: no answer: %s", i, e ? "bad reply" : err.message);
		kc_env_free(e);
	}
	for (int i = 0; i < N; i++) {
		kc_close(conns[i]);
		close(fds[i]);
	}
	printf("  %d TLS connections served at once (plus %d idle TCP ones)\n", N, N);
}

/* A client sends a write and half-closes (TCP FIN, then separately a TLS
 * close_notify): the write commits and its reply still arrives. */
void s_half_close(void)
{
	for (int how = 0; how < 2; how++) {
		struct kc *c = admin();
		struct kc_error err;
		Kart__FieldValue fv = KART__FIELD_VALUE__INIT, *fvs[1] = { &fv };
		fv.field = (char *)"last_name";
		fv.value = (char *)(how ? "Полузакрыт-TLS" : "Полузакрыт-TCP");
		Kart__CardCreate cc = KART__CARD_CREATE__INIT;
		cc.n_fields = 1;
		cc.fields = fvs;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
		req.card_create = &cc;
		uint64_t id = kc_send(c, &req, &err);
		if (!id)
			fail("send: %s", err.message);
		if (how == 0)
			shutdown(kc_fd(c), SHUT_WR);
		else
			kc_shutdown_write(c);
		Kart__Envelope *e = kc_recv(c, &err);
		if (!e || e->request_id != id || e->body_case != KART__ENVELOPE__BODY_CARD)
			fail("%s half-close: the write's reply did not arrive: %s", how ? "TLS" : "TCP",
			     e ? "wrong reply" : err.message);
		kc_env_free(e);
		kc_close(c);
	}
	/* half a frame, then FIN: it will never be whole, so the daemon closes */
	struct kc *c = admin();
	struct kc_error err;
	uint8_t part[14] = { 0, 0, 0, 100 };
	if (kc_write_raw(c, part, sizeof(part), &err) < 0)
		fail("write: %s", err.message);
	shutdown(kc_fd(c), SHUT_WR);
	int ms = wait_closed(kc_fd(c), 5000);
	if (ms < 0)
		fail("a half-closed connection with half a frame was kept open");
	kc_close(c);
	printf("  replies to writes in flight arrive after a TCP FIN and after a TLS close_notify; half a frame then FIN: closed in %d ms\n", ms);
}

/* A frame within max_frame whose decoding needs more memory than a request
 * may use: an import of ~2 million empty cards, two bytes each on the wire.
 * The answer names the request by its id and says what was wrong. */
void s_decode_budget(void)
{
	struct kc *c = admin();
	const uint64_t id = 777;
	const size_t items = 2000000, body = items * 2;
	size_t n = 0;
	uint8_t *buf = malloc(4 + 16 + body);
	if (!buf)
		fail("out of memory");
	n = 4;
	buf[n++] = 0x08; /* request_id, varint */
	buf[n++] = (uint8_t)(0x80 | (id & 0x7f));
	buf[n++] = (uint8_t)(id >> 7);
	buf[n++] = 0xb2; /* card_import = 86, length-delimited */
	buf[n++] = 0x05;
	for (size_t v = body; ; v >>= 7) {
		buf[n++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
		if (v < 0x80)
			break;
	}
	for (size_t i = 0; i < items; i++) {
		buf[n++] = 0x0a; /* cards = 1, length 0 */
		buf[n++] = 0x00;
	}
	frame_put_header(buf, (uint32_t)(n - 4));
	struct kc_error err;
	if (kc_write_raw(c, buf, n, &err) < 0)
		fail("write: %s", err.message);
	free(buf);
	Kart__Envelope *e = expect_error(c, KART__ERROR_CODE__BAD_REQUEST, "too large");
	if (e->request_id != id)
		fail("the error carries request id %llu, not %llu", (unsigned long long)e->request_id,
		     (unsigned long long)id);
	kc_env_free(e);
	/* the frame was whole: the connection goes on */
	Kart__WhoAmI w = KART__WHO_AM_I__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_WHOAMI;
	req.whoami = &w;
	e = kc_call(c, &req, &err);
	if (!e || e->body_case != KART__ENVELOPE__BODY_SESSION)
		fail("connection unusable after an over-budget request: %s", e ? "bad reply" : err.message);
	kc_env_free(e);
	kc_close(c);
}
