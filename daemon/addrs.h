/* addrs: what each source address holds open — its connections, and of them
 * those not logged in yet — so that one address cannot take every connection
 * slot (max_connections_per_address) and, when the slots for connections not
 * yet logged in run out (max_unauthenticated), the address holding most of
 * them gives one up first (conn.c).
 *
 * An IPv4 address counts alone; an IPv6 address by its /64 (one host may use
 * a whole /64). IPv4-mapped IPv6 addresses count as IPv4. Loop thread only.
 * An entry exists while its address has a connection open: the table holds
 * at most max_connections entries. */
#ifndef KARTD_ADDRS_H
#define KARTD_ADDRS_H

#include <stdint.h>

struct sockaddr;
struct server;

struct addr_entry {
	struct addr_entry *next;
	uint8_t key[16];
	unsigned conns;             /* open connections from the address */
	unsigned unauth;            /* of which not logged in yet */
};

/* The address's key: IPv4 in the last 4 bytes of zeros, IPv6 as its /64.
 * NULL (no address known) is the all-zero key. */
void addr_key(const struct sockaddr *sa, uint8_t key[16]);
/* The entry for key, counting one more connection (created as needed);
 * NULL when memory is out. */
struct addr_entry *addrs_ref(struct server *srv, const uint8_t key[16]);
/* One connection fewer; the entry is freed with its last one. */
void addrs_unref(struct server *srv, struct addr_entry *e);
/* Frees the table (after every connection closed). */
void addrs_free(struct server *srv);

#endif
