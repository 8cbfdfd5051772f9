/* certs: client certificates (see certs.h). */
#include "certs.h"
#include "conn.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "log.h"
#include "util.h"

#define MSG_REQUIRED "a client certificate is required from this network"

/* ---- helpers ---- */

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

static int cmp_serial(const void *a, const void *b);

/* The time an ASN.1 time names, as text for the log. */
static void asn1_text(const ASN1_TIME *t, char *out, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len = b && ASN1_TIME_print(b, t) ? BIO_read(b, out, (int)n - 1) : 0;
	out[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

/* The serials of a CRL that the CA signed. Returns 0 or -1 (why in err). */
static int crl_serials(const struct certs *cs, X509_CRL *crl, const char *path, struct certs_crl **out, char *err,
		       size_t n)
{
	EVP_PKEY *pub = X509_get0_pubkey(cs->ca);
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(cs->ca)) != 0 || !pub ||
	    X509_CRL_verify(crl, pub) != 1) {
		snprintf(err, n, "%s: the CRL is not signed by the instance CA (tls/ca.pem)", path);
		return -1;
	}
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (next && X509_cmp_current_time(next) < 0) {
		char when[64];
		asn1_text(next, when, sizeof(when));
		log_warn("%s: the CRL was to be replaced by %s; it stays in force until it is", path, when);
	}
	STACK_OF(X509_REVOKED) *list = X509_CRL_get_REVOKED(crl);
	int count = list ? sk_X509_REVOKED_num(list) : 0;
	struct certs_crl *c = malloc(sizeof(*c) + (size_t)(count > 0 ? count : 1) * sizeof(ca_serial));
	if (!c) {
		snprintf(err, n, "%s: out of memory", path);
		return -1;
	}
	c->n = 0;
	for (int i = 0; i < count; i++) {
		ca_serial_of_int(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(list, i)), c->serials[c->n]);
		if (c->serials[c->n][0])
			c->n++;
	}
	qsort(c->serials, c->n, sizeof(ca_serial), cmp_serial);
	*out = c;
	return 0;
}

int certs_crl_read(struct server *srv, const char *path, struct certs_crl **out, char *err, size_t n)
{
	*out = NULL;
	if (!path || !*path)
		return 0;
	struct certs *cs = srv->certs;
	if (!cs || !cs->ca) {
		snprintf(err, n, "tls_crl = %s needs the instance CA tls/ca.pem, which cannot be read", path);
		return -1;
	}
	char full[2048];
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", srv->dir, path);
	FILE *f = fopen(full, "r");
	if (!f) {
		snprintf(err, n, "%s: %s", full, strerror(errno));
		return -1;
	}
	X509_CRL *crl = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!crl) {
		snprintf(err, n, "%s: not a CRL in PEM (-----BEGIN X509 CRL-----)", full);
		return -1;
	}
	int rc = crl_serials(cs, crl, full, out, err, n);
	X509_CRL_free(crl);
	ERR_clear_error();
	return rc;
}

int certs_tls_setup(struct server *srv, SSL_CTX *ctx, char *err, size_t n)
{
	if (!srv->certs || !srv->certs->enabled)
		return 0;
	char ca_path[1100];
	snprintf(ca_path, sizeof(ca_path), "%s/tls/ca.pem", srv->dir);
	return tls_server_request_client_certs(ctx, ca_path, err, n);
}

void certs_crl_set(struct server *srv, struct certs_crl *crl)
{
	if (!srv->certs) {
		free(crl);
		return;
	}
	free(srv->certs->crl);
	srv->certs->crl = crl;
}

int certs_init(struct server *srv)
{
	struct certs *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -1;
	srv->certs = cs;
	const struct kart_config *cfg = srv->cfg;
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
	char err[512];
	if (certs_crl_read(srv, cfg->tls_crl, &cs->crl, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (!cs->enabled) {
		if (cfg->cert_required_from[0])
			log_warn("cert_required_from is ignored while client_certs = off");
		if (cfg->tls_crl[0])
			log_warn("tls_crl is ignored while client_certs = off");
		return 0;
	}
	if (certs_tls_setup(srv, srv->tls, err, sizeof(err)) < 0) {
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
	free(cs->crl);
	free(cs);
	srv->certs = NULL;
}

/* ---- per connection ---- */

void certs_on_accept(struct conn *c, const struct sockaddr *sa)
{
	const struct kart_config *cfg = c->srv->cfg;
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
	ca_serial_of(x, pc->serial);
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
	pc->not_after = ca_time_unix(X509_get0_notAfter(x));
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
	ca_serial *list = malloc((ms.ms_entries ? ms.ms_entries : 1) * sizeof(*list));
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
		if (k.mv_size == 0 || k.mv_size >= sizeof(ca_serial))
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

const char *certs_check(struct conn *c, MDB_txn *txn, int64_t now_us)
{
	struct peer_cert *pc = &c->cert;
	if (pc->error[0])
		return pc->error;
	if (!pc->valid)
		return pc->required ? MSG_REQUIRED : NULL;
	if (now_us / 1000000 >= pc->not_after)
		return "the client certificate has expired";
	if (!txn)
		return "the server cannot check the client certificate now; try again";
	struct server *srv = c->srv;
	int rc = revoked_sync(srv->certs, txn, &srv->store);
	if (rc) {
		log_err("%s: cannot read the revoked certificates: %s", c->who.peer, mdb_strerror(rc));
		return "the server cannot check the client certificate now; try again";
	}
	const struct certs_crl *crl = srv->certs->crl;
	if (bsearch(pc->serial, srv->certs->revoked, srv->certs->nrevoked, sizeof(ca_serial), cmp_serial) ||
	    (crl && bsearch(pc->serial, crl->serials, crl->n, sizeof(ca_serial), cmp_serial)))
		return "the client certificate has been revoked";
	return NULL;
}

bool certs_user_ok(const struct conn *c, const char *user, char *why, size_t n)
{
	if (!c->cert.valid || strcmp(c->cert.user, user) == 0)
		return true;
	snprintf(why, n, "the client certificate %s belongs to %s", c->cert.serial, c->cert.user);
	return false;
}

