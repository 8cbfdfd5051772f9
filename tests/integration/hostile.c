/* hostile: malformed and abusive clients against a real kartd.
 *
 *   kart-hostile SCENARIO HOST:PORT CA_FILE PASSWORD_FILE
 *
 * Each scenario does one bad thing, asserts the daemon's answer (a clear error,
 * or closing that connection), then asserts that another client is still
 * served and that no stored card or user changed. Prints "ok SCENARIO" and
 * exits 0, or prints what went wrong and exits 1.
 *
 * This file holds the table of scenario names and main; the helpers every
 * scenario shares are in hostile_lib.c, the scenarios in hostile_wire.c,
 * hostile_flood.c, hostile_login.c and hostile_day.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostile.h"
#include "kc.h"
#include "util.h"

/* The scenarios by name, as the integration tests give them; each lives in the
 * hostile_*.c file of its family. */
static const struct {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "import", s_import },
	{ "import-shared", s_import_shared },
	{ "past-reminder", s_past_reminder },
	{ "client-offset", s_client_offset },
	{ "flood-no-read", s_flood_no_read },
	{ "login-storm", s_login_storm },
	{ "tcp-garbage", s_tcp_garbage },
	{ "stall-handshake", s_stall_handshake },
	{ "huge-frame", s_huge_frame },
	{ "truncated-frame", s_truncated_frame },
	{ "garbage-protobuf", s_garbage_protobuf },
	{ "before-hello", s_before_hello },
	{ "wrong-password", s_wrong_password },
	{ "many-connections", s_many_connections },
	{ "silent-flood", s_silent_flood },
	{ "silent-churn", s_silent_churn },
	{ "trickle-memory", s_trickle_memory },
	{ "pipelined-lists", s_pipelined_lists },
	{ "half-close", s_half_close },
	{ "login-spread", s_login_spread },
	{ "decode-budget", s_decode_budget },
	{ "guess-elsewhere", s_guess_elsewhere },
	{ "spray", s_spray },
	{ "spread-guess", s_spread_guess },
	{ "doubling", s_doubling },
	{ "login-flood", s_login_flood },
	{ "login-beside-scans", s_login_beside_scans },
	{ "day-texts", s_day_texts },
	{ "export-abort-done", s_export_abort_done },
	{ "no-session", s_no_session },
};

/* notify-listen PATH: binds a datagram socket as systemd would for
 * NOTIFY_SOCKET and exits 0 once READY=1 arrives (1 after 20 s). */
static int notify_listen(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("notify-listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	int64_t end = util_mono_ms() + 20000;
	while (util_mono_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		char buf[512];
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		printf("got: %s\n", buf);
		fflush(stdout);
		if (strstr(buf, "READY=1"))
			return 0;
	}
	return 1;
}

/* close-listener: a server that accepts, reads a little and closes at once
 * (during the TLS handshake); prints "port N", serves for 30 s. */
static int close_listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t al = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		perror("close-listener");
		return 1;
	}
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	int64_t end = util_mono_ms() + 30000;
	while (util_mono_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[64];
		(void)!read(c, buf, sizeof(buf)); /* part of the ClientHello, then gone */
		close(c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "notify-listen") == 0)
		return notify_listen(argv[2]);
	if (argc == 2 && strcmp(argv[1], "close-listener") == 0)
		return close_listener();
	if (argc != 5) {
		fprintf(stderr, "usage: kart-hostile SCENARIO HOST:PORT CA_FILE PASSWORD_FILE\n");
		return 2;
	}
	scenario = argv[1];
	server = argv[2];
	ca_file = argv[3];
	char *pw = util_read_file(argv[4], NULL);
	if (!pw)
		fail("cannot read %s", argv[4]);
	snprintf(password, sizeof(password), "%s", util_trim(pw));
	free(pw);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(scenarios[i].name, scenario) != 0)
			continue;
		struct kc *c = admin();
		uint8_t before[32], after[32];
		snapshot(c, before);
		kc_close(c);
		scenarios[i].fn();
		still_serving();
		c = admin();
		snapshot(c, after);
		kc_close(c);
		if (strncmp(scenario, "import", 6) != 0 && strcmp(scenario, "half-close") != 0 &&
		    strcmp(scenario, "past-reminder") != 0 && strcmp(scenario, "client-offset") != 0 && memcmp(before, after, 32) != 0)
			fail("stored data changed");
		printf("ok %s\n", scenario);
		return 0;
	}
	fprintf(stderr, "unknown scenario %s\n", scenario);
	return 2;
}
