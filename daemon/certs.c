/* certs: client certificates (see certs.h). */
#include "certs.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "log.h"
#include "util.h"

#define DAYS_DEFAULT 365
#define DAYS_MAX 3650
#define SERIAL_MAX 40                  /* hex digits accepted in a serial */

#define MSG_REQUIRED "a client certificate is required from this network"

typedef char serial_t[48];

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
	serial_t *revoked;             /* sorted */
	size_t nrevoked;
};

/* ---- helpers ---- */

static int64_t asn1_time_unix(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Lower-case hex without leading zeros: the one spelling of a serial. */
static void serial_normal(const char *in, char *out, size_t n)
{
	while (*in == '0' && in[1])
		in++;
	size_t i = 0;
	for (; *in && i + 1 < n; in++)
		out[i++] = (char)tolower((unsigned char)*in);
	out[i] = '\0';
}

static void serial_of(const X509 *x, serial_t out)
{
	out[0] = '\0';
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *h = bn ? BN_bn2hex(bn) : NULL;
	if (h)
		serial_normal(h, out, sizeof(serial_t));
	OPENSSL_free(h);
	BN_free(bn);
}

/* A serial as typed: hex digits, optionally with 0x in front and ':' between
 * bytes. Returns 0 and the normal spelling, or -1. */
static int serial_parse(const char *in, serial_t out)
{
	char digits[sizeof(serial_t)];
	size_t n = 0;
	if (!in)
		return -1;
	while (isspace((unsigned char)*in))
		in++;
	if (in[0] == '0' && (in[1] == 'x' || in[1] == 'X'))
		in += 2;
	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (isspace((unsigned char)*in)) {
			while (isspace((unsigned char)*in))
				in++;
			if (*in)
				return -1;
			break;
		}
		if (!isxdigit((unsigned char)*in) || n >= SERIAL_MAX)
			return -1;
		digits[n++] = *in;
	}
	if (n == 0)
		return -1;
	digits[n] = '\0';
	serial_normal(digits, out, sizeof(serial_t));
	return 0;
}

/* Whether a CN may be a user name (as h_user.c allows them). */
static bool user_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= KART_NAME_MAX || !islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static char *read_text(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/tls/%s", dir, name);
	return util_read_file(path, NULL);
}

/* ---- start and stop ---- */

static int open_dbs(struct server *srv, struct certs *cs)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(srv->store.env, NULL, 0, &txn);
	if (rc)
		return rc;
	if ((rc = mdb_dbi_open(txn, "certs", MDB_CREATE, &cs->db)) ||
	    (rc = mdb_dbi_open(txn, "revoked_certs", MDB_CREATE, &cs->revoked_db))) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

int certs_init(struct server *srv)
{
	struct certs *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -1;
	srv->certs = cs;
	const struct kart_config *cfg = &srv->cfg;
	cs->enabled = strcmp(cfg->client_certs, "off") != 0;
	int rc = open_dbs(srv, cs);
	if (rc) {
		log_err("cannot open the certificate databases: %s", mdb_strerror(rc));
		return -1;
	}
	char ca_path[1100];
	cs->ca_pem = read_text(srv->dir, "ca.pem", ca_path, sizeof(ca_path));
	if (cs->ca_pem) {
		BIO *b = BIO_new_mem_buf(cs->ca_pem, -1);
		cs->ca = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	if (!cs->ca) {
		ERR_clear_error();
		if (cs->enabled) {
			log_err("client_certs = %s needs the instance CA %s: %s", cfg->client_certs, ca_path,
				cs->ca_pem ? "not a PEM certificate" : strerror(errno));
			return -1;
		}
		log_info("no instance CA in %s: client certificates cannot be issued", ca_path);
		return 0;
	}
	char *key_pem = read_text(srv->dir, "ca.key", cs->ca_key_path, sizeof(cs->ca_key_path));
	if (key_pem) {
		BIO *b = BIO_new_mem_buf(key_pem, -1);
		cs->ca_key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		explicit_bzero(key_pem, strlen(key_pem));
		free(key_pem);
	}
	if (cs->ca_key && X509_check_private_key(cs->ca, cs->ca_key) != 1) {
		log_warn("%s does not belong to %s: client certificates cannot be issued", cs->ca_key_path, ca_path);
		EVP_PKEY_free(cs->ca_key);
		cs->ca_key = NULL;
	} else if (!cs->ca_key) {
		log_info("the CA key %s cannot be read: client certificates cannot be issued", cs->ca_key_path);
	}
	ERR_clear_error();
	if (!cs->enabled) {
		if (cfg->cert_required_from[0])
			log_warn("cert_required_from is ignored while client_certs = off");
		return 0;
	}
	char err[512];
	if (tls_server_request_client_certs(srv->tls, ca_path, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (strcmp(cfg->client_certs, "required") == 0)
		log_notice("client certificates required from every client");
	else
		log_notice("client certificates optional%s%s", cfg->cert_required_from[0] ? "; required from " : "",
			   cfg->cert_required_from);
	return 0;
}

void certs_free(struct server *srv)
{
	struct certs *cs = srv->certs;
	if (!cs)
		return;
	X509_free(cs->ca);
	EVP_PKEY_free(cs->ca_key);
	free(cs->ca_pem);
	free(cs->revoked);
	free(cs);
	srv->certs = NULL;
}

/* ---- per connection ---- */

void certs_on_accept(struct conn *c, const struct sockaddr *sa)
{
	const struct kart_config *cfg = &c->srv->cfg;
	memset(&c->cert, 0, sizeof(c->cert));
	if (!c->srv->certs || !c->srv->certs->enabled)
		return;
	if (strcmp(cfg->client_certs, "required") == 0)
		c->cert.required = true;
	else if (sa)
		c->cert.required = config_cidr_match(cfg->cert_required_from, sa);
	else
		c->cert.required = cfg->cert_required_from[0] != '\0'; /* an unknown peer: the strict side */
}

/* Whether the certificate was recorded as issued here, to this user. */
static bool issued_here(struct server *srv, const char *serial, const char *user)
{
	MDB_txn *txn = store_read_begin(&srv->store);
	if (!txn)
		return false;
	MDB_val k = { strlen(serial), (void *)serial }, v;
	bool ok = false;
	if (mdb_get(txn, srv->certs->db, &k, &v) == 0) {
		Kart__CertInfo *info = kart__cert_info__unpack(NULL, v.mv_size, v.mv_data);
		ok = info && info->user && strcmp(info->user, user) == 0;
		kart__cert_info__free_unpacked(info, NULL);
	}
	store_read_end(&srv->store);
	return ok;
}

void certs_on_handshake(struct conn *c)
{
	struct peer_cert *pc = &c->cert;
	if (!c->srv->certs || !c->srv->certs->enabled)
		return;
	X509 *x = SSL_get0_peer_certificate(c->tls.ssl);
	if (!x)
		return;
	long vr = SSL_get_verify_result(c->tls.ssl);
	if (vr != X509_V_OK) {
		snprintf(pc->error, sizeof(pc->error), "the client certificate is not accepted: %s",
			 X509_verify_cert_error_string(vr));
		log_notice("%s: %s", c->who.peer, pc->error);
		return;
	}
	serial_of(x, pc->serial);
	char cn[256] = "";
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	if (n <= 0 || !user_name_ok(cn)) {
		snprintf(pc->error, sizeof(pc->error), "the client certificate names no user");
		log_notice("%s: client certificate %s: %s", c->who.peer, pc->serial, pc->error);
		return;
	}
	if (!issued_here(c->srv, pc->serial, cn)) {
		snprintf(pc->error, sizeof(pc->error), "the client certificate was not issued by this server");
		log_notice("%s: client certificate %s for %s: %s", c->who.peer, pc->serial, cn, pc->error);
		return;
	}
	memcpy(pc->user, cn, strlen(cn) + 1); /* user_name_ok: shorter than KART_NAME_MAX */
	pc->not_after = asn1_time_unix(X509_get0_notAfter(x));
	pc->valid = true;
	log_info("%s: client certificate of %s, serial %s", c->who.peer, pc->user, pc->serial);
}

static int cmp_serial(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Loop thread: brings the revoked serials up to date with txn. */
static int revoked_sync(struct certs *cs, MDB_txn *txn, struct store *st)
{
	uint64_t gen = 0;
	int rc = store_meta_get_u64(txn, st, "certs_gen", &gen);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (cs->loaded && cs->gen == gen)
		return 0;
	MDB_stat ms;
	if ((rc = mdb_stat(txn, cs->revoked_db, &ms)))
		return rc;
	serial_t *list = malloc((ms.ms_entries ? ms.ms_entries : 1) * sizeof(*list));
	if (!list)
		return ENOMEM;
	size_t n = 0;
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(txn, cs->revoked_db, &cur))) {
		free(list);
		return rc;
	}
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 0 || k.mv_size >= sizeof(serial_t))
			continue;
		memcpy(list[n], k.mv_data, k.mv_size);
		list[n][k.mv_size] = '\0';
		n++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc != 0) {
		free(list);
		return rc;
	}
	qsort(list, n, sizeof(*list), cmp_serial);
	free(cs->revoked);
	cs->revoked = list;
	cs->nrevoked = n;
	cs->gen = gen;
	cs->loaded = true;
	return 0;
}

const char *certs_check(struct conn *c, int64_t now_us)
{
	struct peer_cert *pc = &c->cert;
	if (pc->error[0])
		return pc->error;
	if (!pc->valid)
		return pc->required ? MSG_REQUIRED : NULL;
	if (now_us / 1000000 >= pc->not_after)
		return "the client certificate has expired";
	struct server *srv = c->srv;
	MDB_txn *txn = store_read_begin(&srv->store);
	if (!txn)
		return "the server cannot check the client certificate now; try again";
	int rc = revoked_sync(srv->certs, txn, &srv->store);
	store_read_end(&srv->store);
	if (rc) {
		log_err("%s: cannot read the revoked certificates: %s", c->who.peer, mdb_strerror(rc));
		return "the server cannot check the client certificate now; try again";
	}
	if (bsearch(pc->serial, srv->certs->revoked, srv->certs->nrevoked, sizeof(serial_t), cmp_serial))
		return "the client certificate has been revoked";
	return NULL;
}

bool certs_user_ok(const struct conn *c, const char *user)
{
	return !c->cert.valid || strcmp(c->cert.user, user) == 0;
}

/* Writer: the refused login's audit record. */
static int w_cert_refused(struct req *r)
{
	int rc = audit_append(r, "login", "user", 0, r->who.user, wreq_of(r)->aux, false);
	if (rc)
		return rc;
	req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "the certificate belongs to another user");
	return H_OK; /* keep the audit record */
}

int certs_refuse_login(struct req *r, const char *user)
{
	const struct peer_cert *pc = &r->conn->cert;
	log_notice("%s: login refused for '%s': the client certificate %s belongs to %s", r->who.peer, user, pc->serial,
		   pc->user);
	snprintf(r->who.user, sizeof(r->who.user), "%s", user);
	struct wreq *w = req_to_wreq(r, w_cert_refused);
	if (!w)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	snprintf(w->aux, sizeof(w->aux), "the client certificate %s belongs to %s", pc->serial, pc->user);
	writer_submit(r->srv, w);
	return H_DEFER;
}

/* ---- issuing ---- */

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* A certificate for user's key, signed by the CA: CN=user, clientAuth only, a
 * random serial of 128 bits (the top two fixed, so always 32 hex digits). */
static X509 *make_client_cert(struct certs *cs, EVP_PKEY *key, const char *user, int64_t now_s, int64_t not_after)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	uint8_t serial[16];
	if (util_random(serial, sizeof(serial)) < 0) {
		X509_free(x);
		return NULL;
	}
	serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40);
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int rc = !bn || !X509_set_version(x, 2) || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	rc |= !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now_s - 3600)); /* clocks differ */
	rc |= !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
	rc |= !X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	rc |= !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Kartoteka", -1, -1, 0);
	rc |= !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)user, -1, -1, 0);
	rc |= !X509_set_issuer_name(x, X509_get_subject_name(cs->ca));
	rc |= add_ext(x, cs->ca, NID_basic_constraints, "critical,CA:FALSE");
	rc |= add_ext(x, cs->ca, NID_key_usage, "critical,digitalSignature");
	rc |= add_ext(x, cs->ca, NID_ext_key_usage, "clientAuth");
	rc |= add_ext(x, cs->ca, NID_subject_key_identifier, "hash");
	rc |= add_ext(x, cs->ca, NID_authority_key_identifier, "keyid:always");
	if (rc || !X509_sign(x, cs->ca_key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* PEM text of a certificate or a private key, copied into the arena. */
static char *pem_text(struct arena *a, X509 *cert, EVP_PKEY *key)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return NULL;
	int ok = cert ? PEM_write_bio_X509(b, cert) : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	char *data, *out = NULL;
	long n = BIO_get_mem_data(b, &data);
	if (ok && n > 0 && (out = arena_alloc(a, (size_t)n + 1))) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	if (key)
		OPENSSL_cleanse(data, (size_t)(n > 0 ? n : 0));
	BIO_free(b);
	return out;
}

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
	int64_t ca_until = asn1_time_unix(X509_get0_notAfter(cs->ca));
	if (ca_until && not_after > ca_until)
		not_after = ca_until; /* a certificate cannot outlive its CA */
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = key ? make_client_cert(cs, key, m->user, now_s, not_after) : NULL;
	Kart__CertBundle *b = arena_alloc(r->arena, sizeof(*b));
	char *cert_pem = x ? pem_text(r->arena, x, NULL) : NULL;
	char *key_pem = x ? pem_text(r->arena, NULL, key) : NULL;
	serial_t serial = "";
	if (x)
		serial_of(x, serial);
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
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
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
	log_notice("%s: %s issued a client certificate for %s, serial %s, valid until %s", r->who.peer, r->who.user,
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
	serial_t serial;
	if (serial_parse(r->in->cert_revoke->serial, serial) < 0)
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
	log_notice("%s: %s revoked the client certificate %s of %s", r->who.peer, r->who.user, serial, info->user);
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
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
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
			return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
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
