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
 * generation in its snapshot differs, as the schema cache does.
 *
 * A certificate may also be revoked by a CRL (tls_crl: PEM, signed by the
 * instance CA), read at start and again on every reload (SIGHUP); a serial
 * it lists is refused exactly as one revoked in revoked_certs. */
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
	struct certs_crl *crl;         /* tls_crl's serials; NULL: none */
};

/* The serials a CRL file lists (sorted). */
struct certs_crl {
	size_t n;
	ca_serial serials[];
};

/* Opens the databases, loads the CA and, unless client_certs = off, makes the
 * server's TLS context ask for client certificates. Returns 0 or -1 (logged). */
int certs_init(struct server *srv);
void certs_free(struct server *srv);

/* Reads the CRL at path (tls_crl: relative to the instance directory) and
 * checks it was signed by the instance CA. Returns 0 with *out (NULL for an
 * empty path), or -1 with what is wrong in err. Any thread; the result is
 * put in force on the loop by certs_crl_set. */
int certs_crl_read(struct server *srv, const char *path, struct certs_crl **out, char *err, size_t n);
/* A server TLS context made for a reload asks for client certificates as
 * the first one does (unless client_certs = off). Returns 0 or -1 (err). */
int certs_tls_setup(struct server *srv, SSL_CTX *ctx, char *err, size_t n);
/* Loop thread: crl (may be NULL) replaces the list in force, which is freed. */
void certs_crl_set(struct server *srv, struct certs_crl *crl);

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
