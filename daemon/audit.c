#include "audit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "writer.h"

struct audit_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;           /* keyed once; EVP_MAC_init with no key restarts it */
};

struct audit_hmac *audit_hmac_new(const uint8_t key[32])
{
	struct audit_hmac *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0), OSSL_PARAM_construct_end() };
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	h->ctx = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
	if (!h->ctx || !EVP_MAC_init(h->ctx, key, 32, params)) {
		audit_hmac_free(h);
		return NULL;
	}
	return h;
}

void audit_hmac_free(struct audit_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	EVP_MAC_free(h->mac);
	free(h);
}

int audit_hmac_link(struct audit_hmac *h, const uint8_t prev[32], uint64_t seq, const uint8_t *bytes, size_t len,
		    uint8_t out[32])
{
	uint8_t seqb[8];
	store_u64_key(seq, seqb);
	size_t got = 0;
	int ok = EVP_MAC_init(h->ctx, NULL, 0, NULL) && EVP_MAC_update(h->ctx, prev, 32) &&
		 EVP_MAC_update(h->ctx, seqb, 8) && EVP_MAC_update(h->ctx, bytes, len) &&
		 EVP_MAC_final(h->ctx, out, &got, 32) && got == 32;
	return ok ? 0 : -1;
}

int audit_chain_hash(const uint8_t key[32], const uint8_t prev[32], uint64_t seq, const uint8_t *bytes, size_t len,
		     uint8_t out[32])
{
	struct audit_hmac *h = audit_hmac_new(key);
	int rc = h ? audit_hmac_link(h, prev, seq, bytes, len, out) : -1;
	audit_hmac_free(h);
	return rc;
}

int audit_load(struct store *s, struct audit_chain *ch)
{
	memset(ch, 0, sizeof(*ch));
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = mdb_cursor_open(txn, s->audit, &cur);
	if (rc == 0) {
		MDB_val k, v;
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		if (rc == 0) {
			if (k.mv_size != 8 || v.mv_size < 32) {
				rc = MDB_CORRUPTED;
			} else {
				ch->seq = store_key_u64(k.mv_data);
				memcpy(ch->hash, v.mv_data, 32);
			}
		} else if (rc == MDB_NOTFOUND) {
			rc = 0;
		}
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	return rc;
}

int audit_append(struct req *r, const char *action, const char *object, uint64_t object_id,
		 const char *object_name, const char *summary, bool ok)
{
	return audit_append_severity(r, NULL, action, object, object_id, object_name, summary, ok);
}

static int w_note(struct req *r)
{
	const struct wnote *n = &wreq_of(r)->wnote;
	return audit_append(r, n->action, n->object, n->object_id, "", n->summary, n->ok);
}

void audit_note_later(struct req *r, const char *action, const char *object, uint64_t object_id, bool ok,
		      const char *summary)
{
	struct wreq *w = wreq_detached(r, w_note);
	if (!w)
		return;
	struct wnote *n = &w->wnote;
	snprintf(n->action, sizeof(n->action), "%s", action);
	snprintf(n->object, sizeof(n->object), "%s", object);
	n->object_id = object_id;
	n->ok = ok;
	snprintf(n->summary, sizeof(n->summary), "%s", summary);
	writer_submit(r->srv, w);
}

int audit_append_severity(struct req *r, const char *severity, const char *action, const char *object,
			  uint64_t object_id, const char *object_name, const char *summary, bool ok)
{
	struct audit_chain *ch = &r->srv->chain;
	Kart__AuditEvent ev = KART__AUDIT_EVENT__INIT;
	ev.seq = ch->seq + 1;
	ev.time = r->now;
	ev.user = r->who.user;
	ev.action = (char *)action;
	ev.object = (char *)(object ? object : "");
	ev.object_id = object_id;
	ev.object_name = (char *)(object_name ? object_name : "");
	ev.summary = (char *)(summary ? summary : "");
	ev.client = r->who.peer;
	ev.ok = ok;
	ev.severity = (char *)(severity ? severity : "");
	ev.at = r->audit_at;
	r->audit_at = 0; /* it was this record's */
	size_t n = kart__audit_event__get_packed_size(&ev);
	uint8_t *val = arena_alloc(r->arena, n + 32);
	if (!val)
		return ENOMEM;
	kart__audit_event__pack(&ev, val + 32);
	if (audit_chain_hash(r->srv->audit_key, ch->hash, ev.seq, val + 32, n, val) < 0) {
		log_err("audit: HMAC failed");
		return EIO;
	}
	uint8_t key[8];
	store_u64_key(ev.seq, key);
	MDB_val k = { 8, key }, v = { n + 32, val };
	int rc = mdb_put(r->txn, r->srv->store.audit, &k, &v, MDB_APPEND);
	if (rc)
		return rc;
	if (severity && strcmp(severity, "alert") == 0) {
		/* alerts are found without walking the whole trail (kart alerts) */
		MDB_val ak = { 8, key }, av = { 0, "" };
		if ((rc = mdb_put(r->txn, r->srv->store.alerts, &ak, &av, MDB_APPEND)))
			return rc;
	}
	ch->seq = ev.seq;
	memcpy(ch->hash, val, 32);
	return 0;
}

Kart__AuditEvent *audit_decode(const MDB_val *v, ProtobufCAllocator *alloc)
{
	if (v->mv_size < 32)
		return NULL;
	return kart__audit_event__unpack(alloc, v->mv_size - 32, (const uint8_t *)v->mv_data + 32);
}
