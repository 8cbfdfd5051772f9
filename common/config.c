#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum ctype { C_STR, C_U32, C_U64 };

struct ckey {
	const char *name;
	enum ctype type;
	size_t off, size;
	uint64_t min, max;
	const char *help;
	bool restart;           /* read at start only: a reload (SIGHUP) keeps the old value */
};

#define S(f, h) { #f, C_STR, offsetof(struct kart_config, f), sizeof(((struct kart_config *)0)->f), 0, 0, h, false }
#define U(f, lo, hi, h) { #f, C_U32, offsetof(struct kart_config, f), 4, lo, hi, h, false }
#define U64(f, lo, hi, h) { #f, C_U64, offsetof(struct kart_config, f), 8, lo, hi, h, false }
/* the same, for what is set up once at start (a socket, threads, the map) */
#define RS(f, h) { #f, C_STR, offsetof(struct kart_config, f), sizeof(((struct kart_config *)0)->f), 0, 0, h, true }
#define RU(f, lo, hi, h) { #f, C_U32, offsetof(struct kart_config, f), 4, lo, hi, h, true }
#define RU64(f, lo, hi, h) { #f, C_U64, offsetof(struct kart_config, f), 8, lo, hi, h, true }

static const struct ckey keys[] = {
	RS(listen, "address and port to listen on"),
	S(tls_cert, "server certificate chain (PEM)"),
	S(tls_key, "server private key (PEM)"),
	S(tls_min_version, "lowest TLS version accepted: 1.2 or 1.3"),
	S(tls_crl, "revoked client certificates: a CRL (PEM) signed by tls/ca.pem, read at start and on every reload; a certificate it lists is refused as one revoked with kart admin revoke-cert (empty: none)"),
	RU(max_frame, 1024, 1u << 30, "largest request frame in bytes"),
	U(max_connections, 1, 1000000, "simultaneous client connections"),
	U(max_connections_per_address, 1, 1000000, "simultaneous connections from one IPv4 address or IPv6 /64"),
	U(max_unauthenticated, 1, 1000000, "connections not logged in yet; past it the address holding most of them loses its oldest"),
	RU(max_scans, 1, 64, "scans (filtered lists, exports, leak traces, audit verification) run at once; the rest wait"),
	U(max_scans_per_user, 1, 64, "of which one user's; a user's further scans wait for their own"),
	U64(input_memory_limit, 1u << 20, UINT64_C(1) << 40, "bytes of partly received requests held for all connections together; past it a connection that sends more is closed"),
	U(handshake_timeout_ms, 100, 3600000, "time allowed for the TLS handshake, Hello and Login"),
	U(idle_timeout_ms, 1000, 86400000, "close connections idle this long"),
	U(output_limit, 65536, 1u << 30, "stop reading a connection with this many unsent bytes"),
	U(session_ttl_s, 1, 365u * 86400, "session token lifetime in seconds"),
	U(argon2_memory_kib, 8, 4u << 20, "argon2id memory cost in KiB"),
	U(argon2_iterations, 1, 100, "argon2id time cost"),
	U(argon2_parallelism, 1, 64, "argon2id lanes"),
	RU(max_concurrent_hashes, 1, 1024, "password hashes computed at once"),
	RU64(map_size, 1u << 20, UINT64_C(1) << 44, "initial database map size in bytes (grows on demand)"),
	RU(max_readers, 16, 100000, "LMDB reader slots"),
	U(page_size, 1, 10000, "records per page of a streamed list"),
	U(read_flush_ms, 100, 600000, "read records wait in memory this long before they are written"),
	U(read_recording, 0, 1, "1: record who received which cards, watch canaries and bulk reading (0 only to measure its cost)"),
	S(log_level, "err, warn, notice, info or debug"),
	S(funnel, "deal stages in order, comma-separated"),
	S(phone_country, "country of phone numbers typed without a country code (ISO 3166, e.g. RU)"),
	S(visibility_manager, "cards a manager sees: own, team or all"),
	S(visibility_supervisor, "cards a supervisor sees: team or all"),
	U(login_max_failures, 1, 1000, "failed logins from one address for one user name within login_window_s that block that address for that name"),
	U(login_window_s, 1, 30u * 86400, "the window, in seconds, in which failed logins are counted"),
	U(login_lockout_s, 1, 30u * 86400, "seconds of the first block (and account lockout); each later one doubles, until a successful login"),
	U(login_lockout_max_s, 1, 30u * 86400, "the longest a block or an account lockout lasts, in seconds"),
	U(login_address_max_failures, 1, 100000, "failed logins from one address (any user names) within login_window_s that block the address for every name"),
	U(login_user_max_failures, 0, 1000000, "failed logins for one user (from any addresses) within login_window_s that lock the account, the right password refused too (0: never; the per-address blocks do the work)"),
	U(login_rate_per_address, 1, 100000, "failed logins a minute one address may try (a successful login costs nothing)"),
	U(login_queue_per_address, 1, 256, "password checks from one address that may wait for a hashing thread at once; more are refused"),
	S(export_default_roles, "roles that may export cards unless a user is granted or revoked the permission: admin, supervisor, manager, comma-separated (empty: none)"),
	U(export_per_day_manager, 0, 1000000000, "cards a manager may export a day (0: no limit)"),
	U(export_per_day_supervisor, 0, 1000000000, "cards a supervisor may export a day (0: no limit)"),
	U(export_per_day_admin, 0, 1000000000, "cards an admin may export a day (0: no limit)"),
	S(canary_email_domain, "the email domain of the canary rows mixed into every export (a domain you control)"),
	U(read_retention_days, 1, 36500, "days the record of who read which card is kept"),
	U(bulk_read_manager, 0, 1000000, "distinct cards a manager may open (card show, timeline, history) in a sliding hour before an alert (0: no limit; see bulk_list_factor for rows of lists)"),
	U(bulk_read_supervisor, 0, 1000000, "the same for a supervisor"),
	U(bulk_read_admin, 0, 1000000, "the same for an admin"),
	U(bulk_list_factor, 1, 1000, "rows of lists (find, ls, card ls) are summaries, counted apart from cards opened: distinct cards a user may see in lists in a sliding hour, as a multiple of their bulk_read_ limit"),
	S(bulk_read_policy, "past the bulk read limit: alert, throttle (card reads refused for a minute) or block (until an admin unblocks)"),
	S(alert_command, "run by /bin/sh -c with each alert as JSON on stdin (empty: none)"),
	U(alert_command_timeout_s, 1, 3600, "seconds alert_command may run before it is killed"),
	RS(client_certs, "client certificates: off, optional or required (signed by tls/ca.pem; kart admin issue-cert)"),
	S(cert_required_from, "networks whose clients must present a certificate when client_certs is optional: CIDRs, comma-separated"),
};

void config_defaults(struct kart_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->listen, "127.0.0.1:7443");
	strcpy(c->tls_cert, "tls/server.pem");
	strcpy(c->tls_key, "tls/server.key");
	strcpy(c->tls_min_version, "1.3");
	c->max_frame = 4u << 20;
	c->max_connections = 1024;
	c->max_connections_per_address = 128;
	c->max_unauthenticated = 256;
	c->input_memory_limit = UINT64_C(256) << 20;
	c->max_scans = 3;
	c->max_scans_per_user = 1;
	c->handshake_timeout_ms = 10000;
	c->idle_timeout_ms = 600000;
	c->output_limit = 4u << 20;
	c->session_ttl_s = 12 * 3600;
	c->argon2_memory_kib = 19456;
	c->argon2_iterations = 2;
	c->argon2_parallelism = 1;
	c->max_concurrent_hashes = 2;
	c->map_size = UINT64_C(256) << 20;
	c->max_readers = 256;
	c->page_size = 200;
	c->read_flush_ms = 10000;
	c->read_recording = 1;
	strcpy(c->log_level, "info");
	strcpy(c->funnel, "lead,qualified,proposal,negotiation,won,lost");
	strcpy(c->phone_country, "RU");
	strcpy(c->visibility_manager, "own");
	strcpy(c->visibility_supervisor, "team");
	c->login_max_failures = 5;
	c->login_window_s = 900;
	c->login_lockout_s = 60;
	c->login_lockout_max_s = 3600;
	c->login_address_max_failures = 30;
	c->login_user_max_failures = 0;
	c->login_rate_per_address = 30;
	c->login_queue_per_address = 4;
	strcpy(c->export_default_roles, "admin");
	c->export_per_day_manager = 500;
	c->export_per_day_supervisor = 5000;
	c->export_per_day_admin = 0;
	strcpy(c->canary_email_domain, "example.org");
	c->read_retention_days = 180;
	c->bulk_read_manager = 300;
	c->bulk_read_supervisor = 3000;
	c->bulk_read_admin = 0;
	c->bulk_list_factor = 10;
	strcpy(c->bulk_read_policy, "block");
	c->alert_command_timeout_s = 10;
	strcpy(c->client_certs, "off");
}

static int check_str(const struct ckey *k, const char *v, char *why, size_t n)
{
	if (strcmp(k->name, "tls_min_version") == 0 && strcmp(v, "1.2") && strcmp(v, "1.3")) {
		snprintf(why, n, "must be 1.2 or 1.3");
		return -1;
	}
	if (strcmp(k->name, "log_level") == 0 && strcmp(v, "err") && strcmp(v, "warn") &&
	    strcmp(v, "notice") && strcmp(v, "info") && strcmp(v, "debug")) {
		snprintf(why, n, "must be err, warn, notice, info or debug");
		return -1;
	}
	if (strcmp(k->name, "funnel") == 0) {
		/* 2..32 stages of [a-z0-9_-], no empty ones */
		int stages = 1;
		const char *p = v;
		for (; *p; p++) {
			if (*p == ',')
				stages++;
			else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
				break;
		}
		if (*p || stages < 2 || stages > 32 || v[0] == ',' || strstr(v, ",,") || v[strlen(v) - 1] == ',') {
			snprintf(why, n, "must be 2 to 32 stages of a-z, 0-9, '_', '-', separated by commas");
			return -1;
		}
	}
	if (strcmp(k->name, "phone_country") == 0 && (strlen(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z')) {
		snprintf(why, n, "must be a two-letter country code such as RU");
		return -1;
	}
	if (strcmp(k->name, "visibility_manager") == 0 && strcmp(v, "own") && strcmp(v, "team") && strcmp(v, "all")) {
		snprintf(why, n, "must be own, team or all");
		return -1;
	}
	if (strcmp(k->name, "visibility_supervisor") == 0 && strcmp(v, "team") && strcmp(v, "all")) {
		snprintf(why, n, "must be team or all");
		return -1;
	}
	if (strcmp(k->name, "client_certs") == 0 && strcmp(v, "off") && strcmp(v, "optional") && strcmp(v, "required")) {
		snprintf(why, n, "must be off, optional or required");
		return -1;
	}
	if (strcmp(k->name, "cert_required_from") == 0 && config_cidr_check(v, why, n) < 0)
		return -1;
	if (strcmp(k->name, "bulk_read_policy") == 0 && strcmp(v, "alert") && strcmp(v, "throttle") && strcmp(v, "block")) {
		snprintf(why, n, "must be alert, throttle or block");
		return -1;
	}
	if (strcmp(k->name, "export_default_roles") == 0) {
		/* admin, supervisor, manager: comma-separated, spaces allowed */
		for (const char *p = v; *p;) {
			while (*p == ' ' || *p == ',')
				p++;
			size_t len = strcspn(p, " ,");
			if (len && !((len == 5 && strncmp(p, "admin", 5) == 0) || (len == 10 && strncmp(p, "supervisor", 10) == 0) ||
				     (len == 7 && strncmp(p, "manager", 7) == 0))) {
				snprintf(why, n, "must be a comma-separated list of admin, supervisor and manager");
				return -1;
			}
			p += len;
		}
	}
	if (strcmp(k->name, "canary_email_domain") == 0) {
		size_t len = strlen(v);
		bool ok = len >= 3 && strchr(v, '.') && v[0] != '.' && v[0] != '-' && v[len - 1] != '.';
		for (const char *p = v; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';
		if (!ok) {
			snprintf(why, n, "must be a domain name in lower case, e.g. example.org");
			return -1;
		}
	}
	if (strcmp(k->name, "listen") == 0) {
		char host[256];
		int port;
		if (util_split_hostport(v, host, sizeof(host), &port) < 0) {
			snprintf(why, n, "must be HOST:PORT");
			return -1;
		}
	}
	return 0;
}

static int parse_size(const char *v, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*v == '-' || *v == '\0')
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v)
		return -1;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024 * 1024 * 1024, end++;
	if (*end)
		return -1;
	if (x > UINT64_MAX / mul)
		return -1;
	*out = x * mul;
	return 0;
}

int config_parse(struct kart_config *c, const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0, lineno = 0;
	char *line = copy;
	/* strtok_r would skip empty lines and so miscount them */
	while (line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		/* a '#' starts a comment unless it is inside "quotes" */
		int quoted = 0;
		for (char *p = line; *p; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '#' && !quoted) {
				*p = '\0';
				break;
			}
		}
		char *s = util_trim(line);
		if (*s) {
			char *eq = strchr(s, '=');
			if (!eq) {
				snprintf(err, errlen, "line %d: expected key = value", lineno);
				rc = -1;
				break;
			}
			*eq = '\0';
			char *key = util_trim(s), *val = util_trim(eq + 1);
			if (val[0] == '"' && strlen(val) >= 2 && val[strlen(val) - 1] == '"') {
				val[strlen(val) - 1] = '\0';
				val++;
			}
			const struct ckey *k = NULL;
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (strcmp(keys[i].name, key) == 0)
					k = &keys[i];
			if (!k) {
				snprintf(err, errlen, "line %d: unknown key '%.64s'", lineno, key);
				rc = -1;
				break;
			}
			char why[128] = "";
			if (k->type == C_STR) {
				if (strlen(val) >= k->size)
					snprintf(why, sizeof(why), "too long");
				else if (check_str(k, val, why, sizeof(why)) == 0)
					strcpy((char *)c + k->off, val);
			} else {
				uint64_t x;
				if (parse_size(val, &x) < 0)
					snprintf(why, sizeof(why), "not a number");
				else if (x < k->min || x > k->max)
					snprintf(why, sizeof(why), "must be between %" PRIu64 " and %" PRIu64, k->min, k->max);
				else if (k->type == C_U32)
					*(uint32_t *)((char *)c + k->off) = (uint32_t)x;
				else
					*(uint64_t *)((char *)c + k->off) = x;
			}
			if (why[0]) {
				snprintf(err, errlen, "line %d: %s: %s", lineno, k->name, why);
				rc = -1;
				break;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	return rc;
}

int config_load(struct kart_config *c, const char *path, char *err, size_t errlen)
{
	char *text = util_read_file(path, NULL);
	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char inner[256];
	int rc = config_parse(c, text, inner, sizeof(inner));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, inner);
	free(text);
	return rc;
}

char *config_render(const struct kart_config *c)
{
	size_t cap = 32768, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	n += (size_t)snprintf(out + n, cap - n, "# kartd configuration. Relative paths are against the data directory.\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && n < cap; i++) {
		const struct ckey *k = &keys[i];
		const char *p = (const char *)c + k->off;
		n += (size_t)snprintf(out + n, cap - n, "\n# %s%s\n", k->help,
				      k->restart ? "\n# (read at start only: a change needs a restart, not a reload)" : "");
		if (n >= cap)
			break;
		if (k->type == C_STR)
			n += (size_t)snprintf(out + n, cap - n, "%s = \"%s\"\n", k->name, p);
		else if (k->type == C_U32)
			n += (size_t)snprintf(out + n, cap - n, "%s = %u\n", k->name, *(const uint32_t *)p);
		else
			n += (size_t)snprintf(out + n, cap - n, "%s = %" PRIu64 "\n", k->name, *(const uint64_t *)p);
	}
	if (n >= cap) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- reload ---- */

int config_diff(const struct kart_config *a, const struct kart_config *b,
		void (*fn)(const char *name, bool restart, void *ud), void *ud)
{
	int n = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct ckey *k = &keys[i];
		const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;
		bool same = k->type == C_STR ? strcmp(pa, pb) == 0 : memcmp(pa, pb, k->size) == 0;
		if (same)
			continue;
		n++;
		if (fn)
			fn(k->name, k->restart, ud);
	}
	return n;
}

void config_keep_restart(struct kart_config *to, const struct kart_config *from)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].restart)
			memcpy((char *)to + keys[i].off, (const char *)from + keys[i].off, keys[i].size);
}

/* ---- cert_required_from: networks ---- */

struct cidr {
	int family;             /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned bits;
};

/* Parses one "ADDR[/BITS]" of len bytes. Returns 0 or -1. */
static int cidr_parse(const char *s, size_t len, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (*end || errno)
			return -1;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		if (bits > 32)
			return -1;
		out->bits = bits < 0 ? 32 : (unsigned)bits;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		if (bits > 128)
			return -1;
		out->bits = bits < 0 ? 128 : (unsigned)bits;
	} else {
		return -1;
	}
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(a, net, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

/* Calls fn for each item of the list; stops at the first nonzero return. */
static int cidr_each(const char *list, int (*fn)(const char *item, size_t len, void *ud), void *ud)
{
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		int rc = fn(start, (size_t)(p - start), ud);
		if (rc)
			return rc;
	}
	return 0;
}

struct cidr_check { char *why; size_t n; };

static int check_item(const char *item, size_t len, void *ud)
{
	struct cidr_check *c = ud;
	struct cidr net;
	if (cidr_parse(item, len, &net) == 0)
		return 0;
	snprintf(c->why, c->n, "'%.*s' is not a network such as 10.0.0.0/8 or fd00::/8", (int)(len > 60 ? 60 : len), item);
	return -1;
}

int config_cidr_check(const char *list, char *why, size_t n)
{
	struct cidr_check c = { why, n };
	return cidr_each(list, check_item, &c);
}

struct cidr_want { int family; uint8_t addr[16]; };

static int match_item(const char *item, size_t len, void *ud)
{
	const struct cidr_want *w = ud;
	struct cidr net;
	if (cidr_parse(item, len, &net) < 0 || net.family != w->family)
		return 0;
	return prefix_match(w->addr, net.addr, net.bits) ? 1 : 0;
}

int config_cidr_match(const char *list, const struct sockaddr *sa)
{
	struct cidr_want w = { 0 };
	if (!list || !*list || !sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		w.family = AF_INET;
		memcpy(w.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a, mapped, 12) == 0) {
			w.family = AF_INET;
			memcpy(w.addr, a + 12, 4);
		} else {
			w.family = AF_INET6;
			memcpy(w.addr, a, 16);
		}
	} else {
		return 0;
	}
	return cidr_each(list, match_item, &w) == 1;
}
