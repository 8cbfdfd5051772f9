/* config: kartd.conf, a plain "key = value" file with # comments.
 *
 * Every key has a default; an unknown key, a malformed value or one out of
 * range is an error naming the line, so a typo never passes silently. The
 * table in config.c is the one description of the options (kartd.conf as
 * `kartd init` writes it, the manual page): each key's help, its range, and
 * whether a reload (SIGHUP) applies it or it is read at start only. */
#ifndef KART_CONFIG_H
#define KART_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kart_config {
	char listen[256];                 /* HOST:PORT */
	char tls_cert[1024];              /* relative paths are against the data dir */
	char tls_key[1024];
	char tls_min_version[16];         /* "1.2" or "1.3" */
	char tls_crl[1024];               /* revoked client certificates (PEM CRL); "": none */
	uint32_t max_frame;               /* bytes */
	uint32_t max_connections;
	uint32_t max_connections_per_address; /* from one IPv4 address or IPv6 /64 */
	uint32_t max_unauthenticated;     /* connections not yet logged in, all addresses together */
	uint32_t max_scans;               /* scans (filtered lists, exports, traces, verify) in the pool at once */
	uint32_t max_scans_per_user;      /* of which one user's */
	uint64_t input_memory_limit;      /* bytes of partly received requests, all connections together */
	uint32_t handshake_timeout_ms;
	uint32_t idle_timeout_ms;
	uint32_t output_limit;            /* stop reading a connection past this many unsent bytes */
	uint32_t session_ttl_s;
	uint32_t argon2_memory_kib;
	uint32_t argon2_iterations;
	uint32_t argon2_parallelism;
	uint32_t max_concurrent_hashes;
	uint64_t map_size;                /* initial LMDB map size, bytes; grows on demand */
	uint32_t max_readers;
	uint32_t page_size;               /* records per streamed page */
	uint32_t read_flush_ms;           /* read records are written this often */
	uint32_t read_recording;          /* 1: record who received which cards (0 only to measure its cost) */
	char log_level[16];               /* err, warn, notice, info, debug */
	char funnel[512];                 /* deal stages in order, comma-separated */
	char phone_country[8];            /* ISO code for phone numbers typed without one */
	char visibility_manager[8];       /* own, team or all */
	char visibility_supervisor[8];    /* team or all */
	uint32_t login_max_failures;      /* failed logins of one address for one name within login_window_s that block it */
	uint32_t login_window_s;
	uint32_t login_lockout_s;         /* the first block or lockout; each later one doubles */
	uint32_t login_lockout_max_s;     /* ... up to this */
	uint32_t login_address_max_failures; /* failed logins of one address (any names) that block it for all */
	uint32_t login_user_max_failures; /* failed logins of one user (any addresses) that lock the account; 0: never */
	uint32_t login_rate_per_address;  /* failed logins a minute one address may try */
	uint32_t login_queue_per_address; /* password checks of one address waiting at once */
	char export_default_roles[64];    /* roles that may export unless granted/revoked: comma-separated */
	uint32_t export_per_day_manager;  /* cards a day a user of the role may export; 0: unlimited */
	uint32_t export_per_day_supervisor;
	uint32_t export_per_day_admin;
	char canary_email_domain[128];    /* the domain of canary rows' emails */
	uint32_t read_retention_days;     /* read records older than this are pruned */
	uint32_t bulk_read_manager;       /* distinct cards a user may open in a sliding hour; 0: no limit */
	uint32_t bulk_read_supervisor;
	uint32_t bulk_read_admin;
	uint32_t bulk_list_factor;        /* distinct cards seen in lists allowed: this times the limit above */
	char bulk_read_policy[16];        /* past the limit: alert, throttle or block */
	char alert_command[1024];         /* run by /bin/sh -c with each alert as JSON on stdin; "": none */
	uint32_t alert_command_timeout_s; /* killed after this long */
	char client_certs[16];            /* off, optional or required */
	char cert_required_from[1024];    /* CIDRs whose peers must present a certificate, comma-separated */
};

void config_defaults(struct kart_config *c);
/* Parses text over the defaults already in c. On error returns -1 and writes
 * "line N: what is wrong" into err. */
int config_parse(struct kart_config *c, const char *text, char *err, size_t errlen);
int config_load(struct kart_config *c, const char *path, char *err, size_t errlen);
/* cert_required_from: checks a comma-separated list of CIDRs (IPv4 and IPv6,
 * "10.0.0.0/8, fd00::/8"; an address alone is a /32 or /128). Returns 0, or
 * -1 with what is wrong in why. */
int config_cidr_check(const char *list, char *why, size_t n);
/* Whether the address (struct sockaddr_in or _in6; IPv4-mapped IPv6 addresses
 * count as IPv4) is in one of the list's networks. */
struct sockaddr;
int config_cidr_match(const char *list, const struct sockaddr *sa);
/* Renders the config as a commented file, as written by `kartd init`. */
char *config_render(const struct kart_config *c);

/* Reload: calls fn (if not NULL) for each option whose value differs between
 * a and b, in the table's order, with whether it is read at start only.
 * Returns how many differ. */
int config_diff(const struct kart_config *a, const struct kart_config *b,
		void (*fn)(const char *name, bool restart, void *ud), void *ud);
/* Copies the options read at start only from `from` into `to`. */
void config_keep_restart(struct kart_config *to, const struct kart_config *from);

#endif
