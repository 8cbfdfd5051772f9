/* hostile_lib: what every kart-hostile scenario shares: the daemon to attack
 * and the admin password, failing a scenario, connecting (TLS or raw TCP), a
 * digest of the stored data, and waiting for an error or a closed connection. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostile.h"
#include "kc.h"
#include "util.h"

const char *server, *ca_file;
char password[256];
const char *scenario;

void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s: ", scenario);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

struct kc *connect_opt(int skip_hello)
{
	struct kc_options o = { .server = server, .ca_file = ca_file, .timeout_ms = 10000,
				.client_name = "kart-hostile", .skip_hello = skip_hello };
	struct kc_error err;
	struct kc *c = kc_connect(&o, &err);
	if (!c)
		fail("cannot connect: %s", err.message);
	return c;
}

struct kc *admin(void)
{
	struct kc *c = connect_opt(0);
	struct kc_error err;
	Kart__Envelope *s = kc_login(c, "admin", password, &err);
	if (!s)
		fail("admin login: %s", err.message);
	kc_env_free(s);
	return c;
}

/* A digest of every card (live and trash) and every user, to prove nothing changed. */
void snapshot(struct kc *c, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (int trash = 0; trash < 2; trash++) {
		Kart__CardList list = KART__CARD_LIST__INIT;
		list.trash = trash;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
		req.card_list = &list;
		struct kc_error err;
		uint64_t id = kc_send(c, &req, &err);
		if (!id)
			fail("list: %s", err.message);
		for (;;) {
			Kart__Envelope *e = kc_recv(c, &err);
			if (!e)
				fail("list: %s", err.message);
			if (e->request_id != id) {
				kc_env_free(e);
				continue;
			}
			if (e->body_case != KART__ENVELOPE__BODY_CARD_PAGE)
				fail("list: unexpected reply %d", e->body_case);
			for (size_t i = 0; i < e->card_page->n_cards; i++) {
				size_t n = kart__card__get_packed_size(e->card_page->cards[i]);
				uint8_t *buf = malloc(n + 1);
				kart__card__pack(e->card_page->cards[i], buf);
				EVP_DigestUpdate(md, buf, n);
				free(buf);
			}
			int more = e->more;
			kc_env_free(e);
			if (!more)
				break;
		}
	}
	Kart__UserList ul = KART__USER_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_USER_LIST;
	req.user_list = &ul;
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e)
		fail("user list: %s", err.message);
	size_t n = kart__envelope__get_packed_size(e);
	e->request_id = 0;
	n = kart__envelope__get_packed_size(e);
	uint8_t *buf = malloc(n + 1);
	kart__envelope__pack(e, buf);
	EVP_DigestUpdate(md, buf, n);
	free(buf);
	kc_env_free(e);
	unsigned len = 32;
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
}

/* Another client is still served: log in, read a card list. */
void still_serving(void)
{
	struct kc *c = admin();
	uint8_t d[32];
	snapshot(c, d);
	kc_close(c);
}

int raw_connect(void)
{
	char host[256];
	int port;
	if (util_split_hostport(server, host, sizeof(host), &port) < 0)
		fail("bad server %s", server);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, host, &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		fail("raw connect: %s", strerror(errno));
	return fd;
}

/* Waits until the peer closes fd (read returns 0 or an error). Returns ms waited or -1. */
int wait_closed(int fd, int timeout_ms)
{
	int64_t start = util_mono_ms();
	char buf[4096];
	for (;;) {
		int left = timeout_ms - (int)(util_mono_ms() - start);
		if (left <= 0)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, left);
		if (r <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return (int)(util_mono_ms() - start);
	}
}

Kart__Envelope *expect_error(struct kc *c, Kart__ErrorCode code, const char *contains)
{
	struct kc_error err;
	Kart__Envelope *e = kc_recv(c, &err);
	if (!e)
		fail("expected an error frame, got: %s", err.message);
	if (e->body_case != KART__ENVELOPE__BODY_ERROR)
		fail("expected an error, got body %d", e->body_case);
	if (e->error->code != code)
		fail("expected error code %d, got %d (%s)", code, e->error->code, e->error->message);
	if (contains && !strstr(e->error->message, contains))
		fail("error message '%s' does not mention '%s'", e->error->message, contains);
	printf("  server said: %s\n", e->error->message);
	return e;
}
