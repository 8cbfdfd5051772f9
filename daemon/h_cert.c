/* h_cert: the admin's requests on client certificates — issue, revoke, list
 * (certs.h says how they are checked per connection). */
#include "certs.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "audit.h"
#include "ca.h"
#include "handlers.h"
#include "log.h"
#include "user.h"
#include "util.h"

#define DAYS_DEFAULT 365
#define DAYS_MAX 3650

static int put_info(struct req *r, const Kart__CertInfo *info, unsigned flags)
{
	struct certs *cs = r->srv->certs;
	size_t n = kart__cert_info__get_packed_size(info);
	MDB_val k = { strlen(info->serial), info->serial }, v = { n, NULL };
	int rc = mdb_put(r->txn, cs->db, &k, &v, MDB_RESERVE | flags);
	if (rc == 0)
		kart__cert_info__pack(info, v.mv_data);
	return rc;
}

/* Writer: CertIssue (admin). */
int h_cert_issue(struct req *r)
{
	Kart__CertIssue *m = r->in->cert_issue;
	struct certs *cs = r->srv->certs;
	if (!m->user || !*m->user || strlen(m->user) >= KART_NAME_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "user", "user name missing or too long");
	uint32_t days = m->days ? m->days : DAYS_DEFAULT;
	if (days > DAYS_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "days", "days must be 1 to %d", DAYS_MAX);
	Kart__UserRecord *u = NULL;
	int rc = user_load(r->txn, &r->srv->store, m->user, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "user", "no user %s", m->user);
	if (rc)
		return rc;
	if (!cs->ca || !cs->ca_key)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "",
				 "this server cannot issue certificates: the CA key %s could not be read", cs->ca_key_path);
	int64_t now_s = r->now / 1000000;
	int64_t not_after = now_s + (int64_t)days * 86400;
	int64_t ca_until = ca_time_unix(X509_get0_notAfter(cs->ca));
	if (ca_until && not_after > ca_until)
		not_after = ca_until; /* a certificate cannot outlive its CA */
	EVP_PKEY *key = ca_new_key();
	X509 *x = key ? ca_make_cert(CA_CLIENT, key, m->user, cs->ca, cs->ca_key, NULL, now_s, not_after) : NULL;
	Kart__CertBundle *b = arena_alloc(r->arena, sizeof(*b));
	char *cert_pem = x ? ca_pem_text(r->arena, x, NULL) : NULL;
	char *key_pem = x ? ca_pem_text(r->arena, NULL, key) : NULL;
	ca_serial serial = "";
	if (x)
		ca_serial_of(x, serial);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	if (!b || !cert_pem || !key_pem || !serial[0]) {
		log_err("%s: cannot make a client certificate for %s", r->who.peer, m->user);
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
	}
	Kart__CertInfo info = KART__CERT_INFO__INIT;
	info.serial = arena_strdup(r->arena, serial);
	info.user = m->user;
	info.issued_at = now_s;
	info.issued_by = r->who.user;
	info.not_after = not_after;
	if (!info.serial)
		return req_no_memory(r);
	rc = put_info(r, &info, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "serial collision; try again");
	if (rc)
		return rc;
	char until[64];
	util_format_time(not_after, until, sizeof(until));
	r->audit_at = not_after;
	if ((rc = audit_append(r, "cert.issue", "cert", 0, m->user,
			       arena_printf(r->arena, "serial %s, valid until {at}", serial), true)))
		return rc;
	log_fields(LOG_NOTICE, &(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = "cert.issue" },
		   "%s: %s issued a client certificate for %s, serial %s, valid until %s", r->who.peer, r->who.user,
		   m->user, serial, until);
	kart__cert_bundle__init(b);
	b->user = m->user;
	b->serial = info.serial;
	b->cert_pem = cert_pem;
	b->key_pem = key_pem;
	b->ca_pem = cs->ca_pem;
	b->not_after = not_after;
	r->out.body_case = KART__ENVELOPE__BODY_CERT_BUNDLE;
	r->out.cert_bundle = b;
	return H_OK;
}

/* Writer: CertRevoke (admin). Connections using the certificate are refused
 * from their next request (certs_check). */
int h_cert_revoke(struct req *r)
{
	struct certs *cs = r->srv->certs;
	ca_serial serial;
	if (ca_serial_parse(r->in->cert_revoke->serial, serial) < 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "serial",
				 "not a certificate serial: expected hex digits (see: kart admin certs)");
	MDB_val k = { strlen(serial), serial }, v;
	int rc = mdb_get(r->txn, cs->db, &k, &v);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "serial",
				 "no certificate with serial %s was issued here (see: kart admin certs)", serial);
	if (rc)
		return rc;
	Kart__CertInfo *info = kart__cert_info__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	if (!info)
		return MDB_CORRUPTED;
	if (info->revoked_at) {
		char when[64];
		util_format_time(info->revoked_at, when, sizeof(when));
		return req_error(r, KART__ERROR_CODE__CONFLICT, "serial", "certificate %s was already revoked at %s",
				 serial, when);
	}
	int64_t now_s = r->now / 1000000;
	uint8_t t[8];
	store_i64_key(now_s, t);
	MDB_val rv = { sizeof(t), t };
	if ((rc = mdb_put(r->txn, cs->revoked_db, &k, &rv, 0)))
		return rc;
	info->revoked_at = now_s;
	if ((rc = put_info(r, info, 0)))
		return rc;
	uint64_t gen;
	if (util_random(&gen, sizeof(gen)) < 0)
		return EIO;
	/* a random generation: one an aborted transaction wrote never comes back */
	if ((rc = store_meta_put_u64(r->txn, &r->srv->store, "certs_gen", gen)))
		return rc;
	if ((rc = audit_append(r, "cert.revoke", "cert", 0, info->user, arena_printf(r->arena, "serial %s", serial),
			       true)))
		return rc;
	log_fields(LOG_NOTICE, &(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = "cert.revoke" },
		   "%s: %s revoked the client certificate %s of %s", r->who.peer, r->who.user, serial, info->user);
	Kart__CertPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__CertInfo **one = arena_alloc(r->arena, sizeof(*one));
	if (!page || !one) {
		req_ok(r);
		return H_OK;
	}
	kart__cert_page__init(page);
	one[0] = info;
	page->certs = one;
	page->n_certs = 1;
	r->out.body_case = KART__ENVELOPE__BODY_CERT_PAGE;
	r->out.cert_page = page;
	return H_OK;
}

static int cmp_issued(const void *a, const void *b)
{
	const Kart__CertInfo *x = *(Kart__CertInfo *const *)a, *y = *(Kart__CertInfo *const *)b;
	if (x->issued_at != y->issued_at)
		return x->issued_at < y->issued_at ? -1 : 1;
	return strcmp(x->serial, y->serial);
}

/* Loop: CertList (admin), oldest first. */
int h_cert_list(struct req *r)
{
	struct certs *cs = r->srv->certs;
	MDB_stat ms;
	int rc = mdb_stat(r->txn, cs->db, &ms);
	if (rc)
		return rc;
	Kart__CertPage *page = arena_alloc(r->arena, sizeof(*page));
	Kart__CertInfo **list = arena_alloc(r->arena, (ms.ms_entries ? ms.ms_entries : 1) * sizeof(*list));
	if (!page || !list)
		return req_no_memory(r);
	kart__cert_page__init(page);
	size_t n = 0;
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, cs->db, &cur)))
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__CertInfo *info = kart__cert_info__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!info) {
			mdb_cursor_close(cur);
			return req_no_memory(r);
		}
		list[n++] = info;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_issued);
	page->certs = list;
	page->n_certs = n;
	r->out.body_case = KART__ENVELOPE__BODY_CERT_PAGE;
	r->out.cert_page = page;
	return H_OK;
}
