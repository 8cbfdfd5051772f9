#include "kc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "frame.h"
#include "tls.h"
#include "util.h"

#define KC_MAX_FRAME (64u << 20)

struct kc {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	struct frame_asm in;
	uint64_t next_id;
	uint8_t *out;       /* send buffer: queued frames not yet written */
	size_t out_len, out_cap;
	bool nonblocking;
	bool drained;       /* the last socket read came up short: wait for the poller */
	char server_name[128]; /* HelloOk.server */
	bool pinned;        /* the server was checked against its pinned key, not a CA */
};

static void seterr(struct kc_error *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(struct kc_error *err, int status, const char *fmt, ...)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

int kc_status_of(Kart__ErrorCode code)
{
	switch (code) {
	case KART__ERROR_CODE__UNAUTHENTICATED:
	case KART__ERROR_CODE__PERMISSION_DENIED:
		return KC_ERR_DENIED;
	case KART__ERROR_CODE__NOT_FOUND:
		return KC_ERR_NOT_FOUND;
	case KART__ERROR_CODE__CONFLICT:
		return KC_ERR_CONFLICT;
	case KART__ERROR_CODE__BAD_REQUEST:
		return KC_ERR_USAGE;
	default:
		return KC_ERR_OTHER;
	}
}

void kc_error_from(struct kc_error *err, const Kart__Error *e)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	err->status = kc_status_of(e->code);
	err->code = e->code;
	snprintf(err->message, sizeof(err->message), "%s", e->message ? e->message : "");
	snprintf(err->field, sizeof(err->field), "%s", e->field ? e->field : "");
}

/* Binds fd to the local address text (port 0) if it is of the family. */
static int bind_local(int fd, int family, const char *local)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		len = sizeof(*a);
		if (inet_pton(AF_INET, local, &a->sin_addr) != 1)
			return -1;
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		len = sizeof(*a);
		if (inet_pton(AF_INET6, local, &a->sin6_addr) != 1)
			return -1;
	} else {
		return -1;
	}
	return bind(fd, (struct sockaddr *)&ss, len);
}

static int tcp_connect(const char *host, int port, const char *local, int timeout_ms, struct kc_error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC }, *res = NULL;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	int rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		seterr(err, KC_ERR_CONNECT, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1, last = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if ((!local || bind_local(fd, ai->ai_family, local) == 0) && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		last = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		seterr(err, KC_ERR_CONNECT, "cannot connect to %s:%d: %s", host, port, strerror(last));
	return fd;
}

static void tls_fail(struct kc *c, struct kc_error *err, const char *what)
{
	char buf[256];
	long vr = c->ssl ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	if (vr != X509_V_OK)
		seterr(err, KC_ERR_CONNECT, "%s: server certificate not trusted: %s", what,
		       X509_verify_cert_error_string(vr));
	else if (ERR_peek_error())
		seterr(err, KC_ERR_CONNECT, "%s: %s", what, tls_last_error(buf, sizeof(buf)));
	else
		seterr(err, KC_ERR_CONNECT, "%s: connection closed by the server", what);
}

/* "SHA256:AB:CD:..." of the peer's certificate. */
static int peer_fingerprint(SSL *ssl, char *out, size_t n)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok = cert && X509_digest(cert, EVP_sha256(), md, &len) == 1;
	X509_free(cert);
	if (!ok || n < 8 + 3 * (size_t)len)
		return -1;
	size_t o = (size_t)snprintf(out, n, "SHA256:");
	for (unsigned i = 0; i < len; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%02X", i ? ":" : "", md[i]);
	return 0;
}

/* Checks the server against its pinned fingerprint, pinning it the first time. */
static int pin_check(struct kc *c, const struct kc_options *o, struct kc_error *err)
{
	char fp[160];
	if (peer_fingerprint(c->ssl, fp, sizeof(fp)) < 0) {
		seterr(err, KC_ERR_CONNECT, "the server sent no certificate");
		return -1;
	}
	char *known = util_read_file(o->pin_file, NULL);
	size_t sl = strlen(o->server);
	for (char *line = known, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, o->server, sl) != 0 || line[sl] != ' ')
			continue;
		const char *pinned = line + sl + 1;
		int same = strcmp(pinned, fp) == 0;
		if (!same)
			seterr(err, KC_ERR_CONNECT,
			       "WARNING: the certificate of %s has CHANGED (pinned %.40s..., now %.40s...); this may be an attack. "
			       "If the server was reinstalled, remove its line from %s",
			       o->server, pinned, fp, o->pin_file);
		free(known);
		return same ? 0 : -1;
	}
	free(known);
	if (!o->trust_new && !(o->confirm && o->confirm(o->server, fp, o->confirm_ud))) {
		seterr(err, KC_ERR_CONNECT,
		       "the certificate of %s is not trusted yet (%s); check it with the admin, then run again with --trust, "
		       "or give --ca",
		       o->server, fp);
		return -1;
	}
	FILE *f = fopen(o->pin_file, "a");
	if (!f || fprintf(f, "%s %s\n", o->server, fp) < 0) {
		if (f)
			fclose(f);
		seterr(err, KC_ERR_OTHER, "cannot remember the server in %s: %s", o->pin_file, strerror(errno));
		return -1;
	}
	fchmod(fileno(f), 0600);
	fclose(f);
	return 0;
}

/* A server that closes while we write is an error to report, not a signal
 * that ends the program without a word: SIGPIPE is ignored unless the program
 * handles it itself. */
static void ignore_sigpipe(void)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}
}

int kc_shutdown_write(struct kc *c)
{
	ERR_clear_error();
	return c->ssl && SSL_shutdown(c->ssl) >= 0 ? 0 : -1;
}

struct kc *kc_connect(const struct kc_options *o, struct kc_error *err)
{
	ignore_sigpipe();
	char host[256];
	int port;
	if (!o->server || util_split_hostport(o->server, host, sizeof(host), &port) < 0) {
		seterr(err, KC_ERR_USAGE, "bad server address '%s': expected HOST:PORT", o->server ? o->server : "");
		return NULL;
	}
	struct kc *c = calloc(1, sizeof(*c));
	if (!c) {
		seterr(err, KC_ERR_OTHER, "out of memory");
		return NULL;
	}
	c->fd = -1;
	frame_asm_init(&c->in, KC_MAX_FRAME);
	int timeout = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	char ebuf[512];
	bool pinning = (!o->ca_file || !*o->ca_file) && o->pin_file;
	c->ctx = tls_client_ctx(pinning ? NULL : o->ca_file, ebuf, sizeof(ebuf));
	if (c->ctx && pinning)
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL); /* checked against the pin below */
	if (!c->ctx) {
		seterr(err, KC_ERR_CONNECT, "%s", ebuf);
		goto fail;
	}
	if (o->cert_file && *o->cert_file && tls_client_use_cert(c->ctx, o->cert_file, o->key_file, ebuf, sizeof(ebuf)) < 0) {
		seterr(err, KC_ERR_OTHER, "%s", ebuf);
		goto fail;
	}
	c->fd = tcp_connect(host, port, o->bind_addr, timeout, err);
	if (c->fd < 0)
		goto fail;
	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
		tls_fail(c, err, "TLS");
		goto fail;
	}
	X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
		SSL_set_tlsext_host_name(c->ssl, host);
		SSL_set1_host(c->ssl, host);
	}
	ERR_clear_error();
	if (SSL_connect(c->ssl) != 1) {
		tls_fail(c, err, "TLS handshake");
		goto fail;
	}
	if (pinning && pin_check(c, o, err) < 0)
		goto fail;
	c->pinned = pinning;
	if (o->skip_hello)
		return c;
	Kart__Hello hello = KART__HELLO__INIT;
	hello.version = KART__PROTOCOL__PROTOCOL_V1;
	hello.client = (char *)(o->client_name ? o->client_name : "kc");
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_HELLO;
	req.hello = &hello;
	Kart__Envelope *resp = kc_call(c, &req, err);
	if (!resp)
		goto fail;
	int ok = resp->body_case == KART__ENVELOPE__BODY_HELLO_OK;
	if (ok && resp->hello_ok->server)
		snprintf(c->server_name, sizeof(c->server_name), "%s", resp->hello_ok->server);
	kc_env_free(resp);
	if (!ok) {
		seterr(err, KC_ERR_OTHER, "unexpected reply to Hello");
		goto fail;
	}
	return c;
fail:
	kc_close(c);
	return NULL;
}

const char *kc_server_name(const struct kc *c)
{
	return c->server_name;
}

const char *kc_tls_version(const struct kc *c)
{
	return c->ssl ? SSL_get_version(c->ssl) : "";
}

bool kc_pinned(const struct kc *c)
{
	return c->pinned;
}

void kc_close(struct kc *c)
{
	if (!c)
		return;
	if (c->ssl) {
		ERR_clear_error();
		if (c->fd >= 0 && SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	frame_asm_free(&c->in);
	free(c->out);
	free(c);
}

int kc_fd(struct kc *c) { return c->fd; }

int kc_write_raw(struct kc *c, const void *data, size_t len, struct kc_error *err)
{
	ERR_clear_error();
	if (len == 0)
		return 0;
	if (SSL_write(c->ssl, data, (int)len) != (int)len) {
		tls_fail(c, err, "send");
		return -1;
	}
	return 0;
}

uint64_t kc_queue(struct kc *c, Kart__Envelope *req, struct kc_error *err)
{
	if (req->request_id == 0)
		req->request_id = ++c->next_id;
	else if (req->request_id > c->next_id)
		c->next_id = req->request_id;
	size_t n = kart__envelope__get_packed_size(req);
	if (c->out_len + n + 4 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + n + 4)
			cap *= 2;
		uint8_t *nb = realloc(c->out, cap);
		if (!nb) {
			seterr(err, KC_ERR_OTHER, "out of memory");
			return 0;
		}
		c->out = nb;
		c->out_cap = cap;
	}
	frame_put_header(c->out + c->out_len, (uint32_t)n);
	kart__envelope__pack(req, c->out + c->out_len + 4);
	c->out_len += n + 4;
	return req->request_id;
}

int kc_flush(struct kc *c, struct kc_error *err)
{
	size_t off = 0;
	while (off < c->out_len) {
		ERR_clear_error();
		int r = SSL_write(c->ssl, c->out + off, (int)(c->out_len - off));
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (c->nonblocking && (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)) {
			struct pollfd p = { .fd = c->fd, .events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN };
			poll(&p, 1, 1000);
			continue;
		}
		c->out_len = 0;
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			seterr(err, KC_ERR_CONNECT, "timed out sending to the server");
		else
			tls_fail(c, err, "send");
		return -1;
	}
	c->out_len = 0;
	return 0;
}

int kc_set_nonblocking(struct kc *c)
{
	int fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	/* a retried SSL_write may then continue from a moved buffer */
	SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	c->nonblocking = true;
	return 0;
}

int kc_set_blocking(struct kc *c)
{
	int fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -1;
	c->nonblocking = false;
	c->drained = false;
	return 0;
}

uint64_t kc_send(struct kc *c, Kart__Envelope *req, struct kc_error *err)
{
	uint64_t id = kc_queue(c, req, err);
	if (!id || kc_flush(c, err) < 0)
		return 0;
	return id;
}

int kc_try_recv(struct kc *c, Kart__Envelope **out, struct kc_error *err)
{
	for (;;) {
		const uint8_t *payload;
		uint32_t len;
		int st = frame_asm_next(&c->in, &payload, &len);
		if (st == FRAME_OK) {
			*out = kart__envelope__unpack(NULL, len, payload);
			if (!*out) {
				seterr(err, KC_ERR_OTHER, "malformed reply from the server");
				return -1;
			}
			return 1;
		}
		if (st != FRAME_NEED_MORE) {
			seterr(err, KC_ERR_OTHER, "reply from the server too large");
			return -1;
		}
		if (c->drained) {
			/* saves a read that would only say EAGAIN; the caller polls again */
			c->drained = false;
			return 0;
		}
		uint8_t buf[16384];
		ERR_clear_error();
		int r = SSL_read(c->ssl, buf, sizeof(buf));
		if (r > 0 && (size_t)r < sizeof(buf) && !SSL_has_pending(c->ssl))
			c->drained = true;
		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return 0;
			if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL)
				seterr(err, KC_ERR_CONNECT, "connection closed by the server");
			else
				tls_fail(c, err, "receive");
			return -1;
		}
		if (frame_asm_push(&c->in, buf, (size_t)r) != FRAME_OK) {
			seterr(err, KC_ERR_OTHER, "out of memory");
			return -1;
		}
	}
}

Kart__Envelope *kc_recv(struct kc *c, struct kc_error *err)
{
	for (;;) {
		const uint8_t *payload;
		uint32_t len;
		int st = frame_asm_next(&c->in, &payload, &len);
		if (st == FRAME_OK) {
			Kart__Envelope *e = kart__envelope__unpack(NULL, len, payload);
			if (!e)
				seterr(err, KC_ERR_OTHER, "malformed reply from the server");
			return e;
		}
		if (st != FRAME_NEED_MORE) {
			seterr(err, KC_ERR_OTHER, "reply from the server too large");
			return NULL;
		}
		uint8_t buf[16384];
		ERR_clear_error();
		int r = SSL_read(c->ssl, buf, sizeof(buf));
		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);
			/* a socket timeout comes back as "want read" from a blocking socket */
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ||
			    (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)))
				seterr(err, KC_ERR_CONNECT, "timed out waiting for the server");
			else if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL)
				seterr(err, KC_ERR_CONNECT, "connection closed by the server");
			else
				tls_fail(c, err, "receive");
			return NULL;
		}
		if (frame_asm_push(&c->in, buf, (size_t)r) != FRAME_OK) {
			seterr(err, KC_ERR_OTHER, "out of memory");
			return NULL;
		}
	}
}

void kc_env_free(Kart__Envelope *e)
{
	if (e)
		kart__envelope__free_unpacked(e, NULL);
}

Kart__Envelope *kc_call(struct kc *c, Kart__Envelope *req, struct kc_error *err)
{
	uint64_t id = kc_send(c, req, err);
	if (!id)
		return NULL;
	for (;;) {
		Kart__Envelope *e = kc_recv(c, err);
		if (!e)
			return NULL;
		if (e->request_id != id && e->request_id != 0) {
			kc_env_free(e); /* a reply to an earlier, abandoned request */
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			kc_env_free(e);
			return NULL;
		}
		return e;
	}
}

static Kart__Envelope *expect_session(Kart__Envelope *e, struct kc_error *err)
{
	if (e && e->body_case != KART__ENVELOPE__BODY_SESSION) {
		kc_env_free(e);
		seterr(err, KC_ERR_OTHER, "unexpected reply to login");
		return NULL;
	}
	return e;
}

Kart__Envelope *kc_login(struct kc *c, const char *user, const char *password, struct kc_error *err)
{
	Kart__Login m = KART__LOGIN__INIT;
	m.user = (char *)user;
	m.password = (char *)password;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_LOGIN;
	req.login = &m;
	return expect_session(kc_call(c, &req, err), err);
}

Kart__Envelope *kc_resume(struct kc *c, const char *token, struct kc_error *err)
{
	Kart__Resume m = KART__RESUME__INIT;
	m.token = (char *)token;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_RESUME;
	req.resume = &m;
	return expect_session(kc_call(c, &req, err), err);
}
