/* auth: passwords, sessions, and the login throttle. */
#ifndef KART_AUTH_H
#define KART_AUTH_H

#include "writer.h"

int auth_hash_password(const struct kart_config *cfg, const char *password, char *out, size_t outlen);
bool auth_verify_password(const char *encoded, const char *password);
/* An argon2 verify (or hash) on the hashing threads of auth.c (not the libuv
 * pool, which scans share), at most max_concurrent_hashes at a time, taken
 * from per-address queues in turn; cb runs on the loop thread. */
struct hash_job;
typedef void (*hash_cb)(struct hash_job *j);
enum hash_kind {
	HASH_NEW,                   /* hash a new password (user add, an admin's passwd) */
	HASH_LOGIN,                 /* verify a login's password */
	HASH_CHANGE,                /* verify one's current password, then hash the new one */
};
struct hash_job {
	struct hash_job *next;
	struct server *srv;
	const struct kart_config *cfg; /* the request's (held by the write request that follows) */
	enum hash_kind kind;
	bool verify;                /* verify `encoded` against password, or hash password into `encoded` */
	char password[1024];
	char new_password[1024];    /* verify `password`, then (if it matched) hash this into encoded */
	char encoded[256];
	bool ok;
	bool verified;              /* with a new password: the old one matched (ok: and the new one hashed) */
	const char *refused;        /* not run: why (the daemon is stopping, too many from its address) */
	bool new_password_given;
	bool running;               /* handed to a hashing thread */
	uint8_t addr[16];           /* the source address (addrs.h: an IPv4 address, an IPv6 /64) */
	char name[KART_NAME_MAX];   /* login, change: the user name the password is for */
	hash_cb cb;
	void *ud;
};
/* Hashes `password` (or verifies it against verify_against) off the loop,
 * then runs fn on the writer with the outcome in the wreq's auth (verified,
 * or the new hash, "" if hashing failed). Returns H_DEFER, or an error reply. */
int auth_then_write(struct req *r, const char *password, const char *verify_against, handler_fn fn,
		    wreq_done_fn done);
/* A login's check: as auth_then_write, after the throttle lets the address
 * try `name` (an error reply otherwise); the outcome counts for or against
 * the address (w->note says what a failure led to). */
int auth_login_then_write(struct req *r, const char *name, const char *password, const char *verify_against,
			  handler_fn fn, wreq_done_fn done);
/* Loop: a login of name from peer succeeded: its address's failures for that
 * name and their doubling are forgotten, and the attempt costs no rate. */
void auth_login_succeeded(struct server *srv, const char *peer, const char *name);
/* Verifies old_password against encoded and, if it matches, hashes
 * new_password: fn then finds whether it matched in auth.verified, and the
 * new hash in auth.hash ("" on a mismatch, or if hashing failed). A wrong one counts
 * against the address for the session's user, as a failed login does. */
int auth_change_then_write(struct req *r, const char *old_password, const char *encoded, const char *new_password,
			   handler_fn fn);
/* Stopping: jobs not yet started are answered as refused; the hashing
 * threads end once the running ones are done. */
void auth_cancel_queued(struct server *srv);
/* How a login name goes into the log and the audit trail: a known user's
 * name as it is, anything else as "unknown user #<8 hex of a keyed hash>",
 * so a password typed as a name is never written down. */
void auth_record_name(const struct server *srv, const char *name, bool known, char *out, size_t n);
void auth_session_key(const char *token, uint8_t out[32]);

#endif
