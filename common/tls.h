/* tls: OpenSSL contexts and a memory-BIO engine. No sockets here.
 *
 * The daemon's event loop owns every socket; bytes read from a socket are fed
 * into the engine, plaintext comes out, and ciphertext the engine produces is
 * taken out and written by the loop (the shape of BIND's netmgr tlsstream). */
#ifndef KART_TLS_H
#define KART_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/ssl.h>

/* Server context: certificate chain and key files, TLS minimum "1.2"/"1.3",
 * renegotiation off. Returns NULL and a message in err. */
SSL_CTX *tls_server_ctx(const char *cert, const char *key, const char *min_version, char *err, size_t errlen);
/* Server: asks every client for a certificate signed by ca_file, without
 * failing the handshake when it sends none or one that does not verify: the
 * caller decides per peer afterwards (SSL_get_verify_result). Returns 0, or -1
 * and a message in err. */
int tls_server_request_client_certs(SSL_CTX *ctx, const char *ca_file, char *err, size_t errlen);
/* Client: presents the certificate (chain) in cert_file and the key in
 * key_file (NULL: the key is in cert_file too, as in a bundle). */
int tls_client_use_cert(SSL_CTX *ctx, const char *cert_file, const char *key_file, char *err, size_t errlen);
/* Client context verifying the server against ca_file (PEM). */
SSL_CTX *tls_client_ctx(const char *ca_file, char *err, size_t errlen);
/* The first OpenSSL error as text (and clears the queue). */
const char *tls_last_error(char *buf, size_t n);

struct tls_engine {
	SSL *ssl;          /* owned */
	BIO *rbio, *wbio;  /* owned by ssl */
};

enum tls_status { TLS_OK = 0, TLS_WANT = 1, TLS_CLOSED = 2, TLS_ERROR = 3 };

int tls_engine_init(struct tls_engine *e, SSL_CTX *ctx);
void tls_engine_free(struct tls_engine *e);
/* Ciphertext received from the peer. */
int tls_engine_feed(struct tls_engine *e, const void *data, size_t len);
/* Drives the handshake: TLS_OK when complete, TLS_WANT for more input. */
int tls_engine_handshake(struct tls_engine *e);
/* Decrypts into buf: returns bytes (>0), or -TLS_WANT, -TLS_CLOSED, -TLS_ERROR. */
int tls_engine_read(struct tls_engine *e, void *buf, size_t n);
/* Encrypts plaintext into the output BIO. Returns 0 or TLS_ERROR. */
int tls_engine_write(struct tls_engine *e, const void *data, size_t n);
/* Sends close_notify into the output BIO. */
void tls_engine_shutdown(struct tls_engine *e);
/* Ciphertext received but not yet taken in by the TLS engine. */
size_t tls_engine_unread(struct tls_engine *e);
/* Nothing left to decrypt: no ciphertext unread and no plaintext of a
 * record already opened, so tls_engine_read would say -TLS_WANT. */
bool tls_engine_drained(struct tls_engine *e);
/* Ciphertext waiting to be sent. */
size_t tls_engine_pending(struct tls_engine *e);
/* Moves up to n bytes of ciphertext into out; returns how many. */
size_t tls_engine_take(struct tls_engine *e, void *out, size_t n);

#endif
