/* readscript: one user's reads over one connection, as a client that keeps
 * its window open sends them (kart-tui: a Find per keystroke, a card opened
 * with Enter), for the bulk-read tests, which need hundreds of them and
 * cannot afford a process and a handshake for each.
 *
 *   kart-readscript HOST:PORT CA_FILE USER PASSWORD_FILE <script
 *
 * KART_CERT, if set, is a client certificate bundle (kart admin issue-cert)
 * to connect with.
 *
 * Each line of the script is one request, answered by one line of output:
 *   find LIMIT TEXT   a Find: "ok" and the ids of its rows
 *   show ID           a CardGet: "ok ID"
 * or, refused, "err STATUS message" (STATUS a kc_status, kart's exit code).
 * Exits 0 once every line was sent, refused ones included; 1 if it cannot
 * connect or log in, or the connection fails; 2 on a line it does not know. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "kc.h"

static void refused(int line, const struct kc_error *err)
{
	if (err->status == KC_ERR_CONNECT) {
		fprintf(stderr, "kart-readscript: line %d: %s\n", line, err->message);
		exit(1);
	}
	printf("err %d %s\n", err->status, err->message);
}

static void find(struct kc *c, int line, const char *args)
{
	char *end;
	unsigned long limit = strtoul(args, &end, 10);
	if (end == args || *end != ' ' || limit > UINT32_MAX) {
		fprintf(stderr, "kart-readscript: line %d: find LIMIT TEXT\n", line);
		exit(2);
	}
	Kart__Envelope *e;
	struct kc_error err;
	if (kc_find(c, end + 1, (uint32_t)limit, &e, &err)) {
		refused(line, &err);
		return;
	}
	printf("ok");
	for (size_t i = 0; i < e->find_page->n_cards; i++)
		printf(" %" PRIu64, e->find_page->cards[i]->id);
	printf("\n");
	kc_env_free(e);
}

static void show(struct kc *c, int line, const char *args)
{
	char *end;
	uint64_t id = strtoull(args, &end, 10);
	if (end == args || *end) {
		fprintf(stderr, "kart-readscript: line %d: show ID\n", line);
		exit(2);
	}
	Kart__Envelope *e;
	struct kc_error err;
	if (kc_card_get(c, id, false, &e, &err)) {
		refused(line, &err);
		return;
	}
	printf("ok %" PRIu64 "\n", e->card->id);
	kc_env_free(e);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: kart-readscript HOST:PORT CA_FILE USER PASSWORD_FILE <script\n");
		return 2;
	}
	char password[256] = "";
	FILE *f = fopen(argv[4], "r");
	if (!f || !fgets(password, sizeof(password), f)) {
		fprintf(stderr, "kart-readscript: cannot read %s\n", argv[4]);
		return 1;
	}
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
	struct kc_options o = { .server = argv[1], .ca_file = argv[2], .client_name = "kart-readscript",
				.cert_file = getenv("KART_CERT") };
	struct kc_error err;
	struct kc *c = kc_connect(&o, &err);
	Kart__Envelope *s = c ? kc_login(c, argv[3], password, &err) : NULL;
	if (!s) {
		fprintf(stderr, "kart-readscript: %s\n", err.message);
		kc_close(c);
		return 1;
	}
	kc_env_free(s);
	char buf[1024];
	for (int line = 1; fgets(buf, sizeof(buf), stdin); line++) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "find ", 5) == 0) {
			find(c, line, buf + 5);
		} else if (strncmp(buf, "show ", 5) == 0) {
			show(c, line, buf + 5);
		} else {
			fprintf(stderr, "kart-readscript: line %d: find or show, not '%.40s'\n", line, buf);
			return 2;
		}
		fflush(stdout);
	}
	kc_close(c);
	return 0;
}
