/* kc: the Kartoteka client library, shared by `kart`, `kart-tui` and the tools.
 *
 * One struct kc is one TLS connection to kartd: connect, Hello, then Login or
 * Resume. Requests may be pipelined (kc_send several, then kc_recv); replies
 * come back as Envelopes carrying the request id. Callers never see frames or
 * TLS. Envelopes returned by kc_recv are owned by the caller: kc_env_free().
 * Blocking I/O with a timeout; one kc is used by one thread at a time. */
#ifndef KART_KC_H
#define KART_KC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kart.pb-c.h"

/* Error classes, chosen so the CLI can map them straight to exit codes. */
enum kc_status {
	KC_OK = 0,
	KC_ERR_OTHER = 1,      /* anything else */
	KC_ERR_USAGE = 2,
	KC_ERR_DENIED = 3,     /* UNAUTHENTICATED, PERMISSION_DENIED */
	KC_ERR_NOT_FOUND = 4,
	KC_ERR_CONFLICT = 5,
	KC_ERR_CONNECT = 6,    /* cannot connect, TLS failure, connection lost */
};

struct kc_error {
	int status;                 /* enum kc_status */
	Kart__ErrorCode code;       /* server's code, when the server said it */
	char message[1024];
	char field[64];
};

struct kc_options {
	const char *server;         /* HOST:PORT */
	const char *ca_file;        /* PEM; NULL: system store */
	const char *cert_file;      /* client certificate (PEM; a bundle may hold the key too); NULL: none */
	const char *key_file;       /* its private key; NULL: in cert_file */
	int timeout_ms;             /* per I/O wait; 0: 30 s */
	const char *client_name;    /* sent in Hello */
	int skip_hello;             /* tests only: connect without sending Hello */
	const char *bind_addr;      /* tests and tools: the local address to connect from (an IP); NULL: any */
	/* Without ca_file the server is pinned: its certificate's SHA-256 is
	 * remembered in pin_file ("HOST:PORT SHA256:..." lines) the first time
	 * (when trust_new is set, or confirm says yes) and must never change. */
	const char *pin_file;
	int trust_new;
	int (*confirm)(const char *server, const char *fingerprint, void *ud);
	void *confirm_ud;
};

struct kc;

/* Connects, completes TLS and Hello. Returns NULL and fills err. */
struct kc *kc_connect(const struct kc_options *o, struct kc_error *err);
void kc_close(struct kc *c);

/* What the server called itself in its HelloOk ("kartd 0.1.0"); "" when
 * the Hello was skipped. */
const char *kc_server_name(const struct kc *c);
/* The TLS version agreed with the server ("TLSv1.3"), as OpenSSL names it. */
const char *kc_tls_version(const struct kc *c);
/* True when the server's certificate was checked against the key pinned in
 * known_servers (no CA given); false when a CA vouched for it. */
bool kc_pinned(const struct kc *c);
/* Sends one request. A zero request_id is replaced by the next free id, which
 * is returned (0 on failure, with err filled). */
uint64_t kc_send(struct kc *c, Kart__Envelope *req, struct kc_error *err);
/* Packs a request into the send buffer without sending it (kc_flush sends
 * everything queued in one write). Returns the request id, 0 on failure. */
uint64_t kc_queue(struct kc *c, Kart__Envelope *req, struct kc_error *err);
int kc_flush(struct kc *c, struct kc_error *err);
/* Switches the socket to non-blocking mode, for callers that poll kc_fd()
 * themselves (one thread driving many connections) and use kc_try_recv. */
int kc_set_nonblocking(struct kc *c);
/* Back to blocking mode, for a kc_call between non-blocking stretches. */
int kc_set_blocking(struct kc *c);
/* Non-blocking receive: 1 and *out set, 0 if no whole reply is there yet, -1 on error. */
int kc_try_recv(struct kc *c, Kart__Envelope **out, struct kc_error *err);
/* Receives the next response envelope (any request id). */
Kart__Envelope *kc_recv(struct kc *c, struct kc_error *err);
void kc_env_free(Kart__Envelope *e);
/* Sends a request and waits for its (first) reply. An Error reply is turned
 * into a failure: NULL with err filled from the server's error. */
Kart__Envelope *kc_call(struct kc *c, Kart__Envelope *req, struct kc_error *err);

/* Login with a password, or Resume with a token. On success the session
 * (including, for login, the token) is returned; free with kc_env_free. */
Kart__Envelope *kc_login(struct kc *c, const char *user, const char *password, struct kc_error *err);
Kart__Envelope *kc_resume(struct kc *c, const char *token, struct kc_error *err);

/* Fills err from a server Error message. */
void kc_error_from(struct kc_error *err, const Kart__Error *e);
int kc_status_of(Kart__ErrorCode code);

/* Raw access for tests and tools that must speak malformed protocol. */
int kc_write_raw(struct kc *c, const void *data, size_t len, struct kc_error *err);
int kc_fd(struct kc *c);
/* Sends close_notify (the client will send nothing more) and keeps reading. */
int kc_shutdown_write(struct kc *c);

#endif
