/* addrs: connections per source address (addrs.h). */
#include "addrs.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "instance.h"

#define ADDR_BUCKETS 4096u

void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(a, mapped, 12) == 0)
			memcpy(key + 12, a + 12, 4);
		else
			memcpy(key, a, 8); /* the /64 */
	}
}

static unsigned bucket(const uint8_t key[16])
{
	uint64_t a, b;
	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	return (unsigned)(((a ^ (b * UINT64_C(0x9E3779B97F4A7C15))) * UINT64_C(0x9E3779B97F4A7C15)) >> 52) &
	       (ADDR_BUCKETS - 1);
}

struct addr_entry *addrs_ref(struct server *srv, const uint8_t key[16])
{
	if (!srv->addrs && !(srv->addrs = calloc(ADDR_BUCKETS, sizeof(*srv->addrs))))
		return NULL;
	struct addr_entry **b = &srv->addrs[bucket(key)];
	for (struct addr_entry *e = *b; e; e = e->next) {
		if (memcmp(e->key, key, 16) == 0) {
			e->conns++;
			return e;
		}
	}
	struct addr_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->key, key, 16);
	e->conns = 1;
	e->next = *b;
	*b = e;
	return e;
}

void addrs_unref(struct server *srv, struct addr_entry *e)
{
	if (--e->conns > 0)
		return;
	for (struct addr_entry **pp = &srv->addrs[bucket(e->key)]; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			free(e);
			return;
		}
	}
}

void addrs_free(struct server *srv)
{
	for (unsigned i = 0; srv->addrs && i < ADDR_BUCKETS; i++) {
		while (srv->addrs[i]) {
			struct addr_entry *e = srv->addrs[i];
			srv->addrs[i] = e->next;
			free(e);
		}
	}
	free(srv->addrs);
	srv->addrs = NULL;
}
