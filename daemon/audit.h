/* audit: the append-only, hash-chained trail of every change and login.
 *
 * Each record is stored as hash[32] || AuditEvent bytes under its sequence
 * number, where hash[n] = HMAC-SHA256(key, hash[n-1] || seq(u64 BE) || bytes[n])
 * and hash[0] is 32 zero bytes. The bytes stored are the bytes hashed, so
 * verification never needs a canonical re-encoding. The key lives in the
 * instance directory (audit.key), not in the database.
 *
 * Appends happen only on the writer thread, inside the transaction of the
 * change they describe; the chain head is cached in struct audit_chain. */
#ifndef KART_AUDIT_H
#define KART_AUDIT_H

#include <stdint.h>
#include <lmdb.h>

#include "req.h"

/* Reads the head of the chain. */
int audit_load(struct store *s, struct audit_chain *ch);
/* Appends one event for request r in r->txn, advancing r->srv->chain. The event's seq and time are set
 * here. Returns 0 or an MDB code. */
int audit_append(struct req *r, const char *action, const char *object, uint64_t object_id,
		 const char *object_name, const char *summary, bool ok);
/* The same with a severity ("" or NULL: none; "alert": also indexed in the
 * `alerts` database, which `kart alerts` and alert_command read; reads.h). */
int audit_append_severity(struct req *r, const char *severity, const char *action, const char *object,
			  uint64_t object_id, const char *object_name, const char *summary, bool ok);
/* An event of the daemon's own (no object name), appended later by the
 * writer in a write of its own: from the loop, a pool job or a start-up
 * step, for r's user and address at r's time. action is cut at 31 bytes,
 * object at 15, summary at 255. Lost only if memory runs out. */
void audit_note_later(struct req *r, const char *action, const char *object, uint64_t object_id, bool ok,
		      const char *summary);
/* The chain hash of one record: HMAC-SHA256(key, prev || seq (u64 BE) || bytes). */
int audit_chain_hash(const uint8_t key[32], const uint8_t prev[32], uint64_t seq, const uint8_t *bytes, size_t len,
		     uint8_t out[32]);
/* The same for many records (verification): the key is set up once. */
struct audit_hmac;
struct audit_hmac *audit_hmac_new(const uint8_t key[32]);
int audit_hmac_link(struct audit_hmac *h, const uint8_t prev[32], uint64_t seq, const uint8_t *bytes, size_t len,
		    uint8_t out[32]);
void audit_hmac_free(struct audit_hmac *h);
/* Decodes a stored record. Returns NULL if it is malformed. */
Kart__AuditEvent *audit_decode(const MDB_val *v, ProtobufCAllocator *alloc);

/* The whole chain checked as `kart audit verify` does (h_verify.c), in srv's
 * store with srv's key, on the calling thread (kartd verify-backup, restore).
 * 0: intact; 1: broken (problem says where); -1: could not run (problem). */
struct audit_verdict {
	uint64_t checked, last_seq;
	uint8_t last_hash[32];
	char problem[300];
};
int audit_verify_all(struct server *srv, struct audit_verdict *out);

#endif
