/* ca: X.509 certificates of the instance's own CA — the CA itself and the
 * server's (kartd init), the users' client certificates (kart admin cert issue).
 * Pure OpenSSL: no store, no requests. */
#ifndef KART_CA_H
#define KART_CA_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "arena.h"

enum ca_kind {
	CA_ROOT,   /* the instance CA: self-signed, keyCertSign, pathlen 0 */
	CA_SERVER, /* the daemon's certificate: serverAuth, with a subjectAltName */
	CA_CLIENT, /* a user's: clientAuth, CN = the user name */
};

/* A certificate of `kind` for `key`, CN `cn`, O=Kartoteka, valid from an hour
 * before `not_before` (clocks differ) to `not_after` (unix seconds), a random
 * serial of 128 bits (the top two fixed, so always 32 hex digits), signed by
 * issuer/issuer_key (CA_ROOT: by itself). `san`: "DNS:x,IP:y" for CA_SERVER.
 * NULL on failure. */
X509 *ca_make_cert(enum ca_kind kind, EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		   const char *san, int64_t not_before, int64_t not_after);

/* A certificate serial: lower-case hex without leading zeros. */
typedef char ca_serial[48];

/* The serial of x (empty if it cannot be read). */
void ca_serial_of(const X509 *x, ca_serial out);
/* The same of a serial number as stored (in a CRL's entries). */
void ca_serial_of_int(const ASN1_INTEGER *serial, ca_serial out);
/* A serial as typed: hex digits, optionally with 0x in front and ':' between
 * bytes. Returns 0 and the normal spelling, or -1. */
int ca_serial_parse(const char *in, ca_serial out);
/* An ASN.1 time as unix seconds; 0 if t is NULL or unreadable. */
int64_t ca_time_unix(const ASN1_TIME *t);

/* A fresh P-256 key, or NULL. */
EVP_PKEY *ca_new_key(void);

/* PEM text of a certificate (cert) or a private key (key), NUL-terminated,
 * in the arena; a key's copy in OpenSSL's buffer is wiped. NULL on failure. */
char *ca_pem_text(struct arena *a, X509 *cert, EVP_PKEY *key);

#endif
