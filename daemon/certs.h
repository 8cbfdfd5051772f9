/* certs: client certificates — issued by the instance CA, checked per connection.
 *
 * With client_certs = optional or required the server asks every client for a
 * certificate signed by DIR/tls/ca.pem, and lets the handshake finish whatever
 * it sends: what to do is decided per peer afterwards. A certificate names its
 * user in its CN; Login and Resume on its connection must be for that user.
 * A connection that must have one (client_certs = required, or its peer in
 * cert_required_from) and has none, or one that is not valid, expired or
 * revoked, is answered UNAUTHENTICATED at its next request and closed.
 *
 * Databases (opened here, not in store.c):
 *   certs          serial (hex) -> CertInfo     every certificate issued
 *   revoked_certs  serial (hex) -> time (i64 BE, unix seconds)
 * meta "certs_gen" changes (to a random value) with every revocation; the loop
 * thread keeps the revoked serials in memory and reloads them when the
 * generation in its snapshot differs, as the schema cache does. */
#ifndef KART_CERTS_H
#define KART_CERTS_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca.h"
#include "req.h"

struct sockaddr;

/* The instance's CA and the revocation list: set up and checked here
 * (certs.c), used by the requests in h_cert.c. */
struct certs {
	MDB_dbi db, revoked_db;
	bool enabled;                  /* client_certs is not off */
	X509 *ca;                      /* NULL: the CA certificate could not be read */
	EVP_PKEY *ca_key;              /* NULL: certificates cannot be issued */
	char *ca_pem;
	char ca_key_path[1100];
	/* the loop thread's copy of revoked_certs, as of generation gen */
	uint64_t gen;
	bool loaded;
	ca_serial *revoked;            /* sorted */
	size_t nrevoked;
};

/* Opens the databases, loads the CA and, unless client_certs = off, makes the
 * server's TLS context ask for client certificates. Returns 0 or -1 (logged). */
int certs_init(struct server *srv);
void certs_free(struct server *srv);

/* conn.c: whether the peer must present a certificate (sa NULL: unknown peer). */
void certs_on_accept(struct conn *c, const struct sockaddr *sa);
/* conn.c: reads the peer's certificate once the handshake is done. */
void certs_on_handshake(struct conn *c);
/* dispatch.c's gate, before every request and stream page, in its read
 * snapshot txn (NULL: none could be opened): NULL, or why the connection is
 * refused. */
const char *certs_check(struct conn *c, MDB_txn *txn, int64_t now_us);

/* Login and Resume: whether `user` may have a session on this connection;
 * if not, why (the certificate's serial and user) in why[n]. */
bool certs_user_ok(const struct conn *c, const char *user, char *why, size_t n);

#endif
