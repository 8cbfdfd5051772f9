/* init: `kartd init` — a new instance directory.
 *
 *   DIR/kartd.conf         configuration
 *   DIR/tls/ca.pem, ca.key the instance CA (self-signed, EC P-256)
 *   DIR/tls/server.pem/.key server certificate for localhost, 127.0.0.1, ::1,
 *                          the host name and the listen address
 *   DIR/audit.key          the audit chain's HMAC key (outside the database)
 *   DIR/db/                the LMDB environment
 *   DIR/admin.password     the first admin's random password (0600) */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "audit.h"
#include "auth.h"
#include "ca.h"
#include "init.h"
#include "log.h"
#include "util.h"

/* Writes a certificate (cert) or a private key (key, mode 0600) as PEM. */
static int write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
	struct arena a;
	arena_init(&a, 0);
	char *pem = ca_pem_text(&a, cert, key);
	int rc = pem ? util_write_file(path, pem, strlen(pem), key ? 0600 : 0644) : -1;
	if (pem && key)
		OPENSSL_cleanse(pem, strlen(pem));
	arena_free(&a);
	return rc;
}

/* Appends "IP:x" or "DNS:x" for host to the SAN list, if not already there. */
static void san_add(char *san, size_t n, const char *host)
{
	if (!host || !*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		return;
	unsigned char buf[16];
	bool ip = inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
	char item[300];
	snprintf(item, sizeof(item), "%s:%s", ip ? "IP" : "DNS", host);
	if (strstr(san, item))
		return;
	size_t len = strlen(san);
	snprintf(san + len, n - len, "%s%s", len ? "," : "", item);
}

static int make_tls(const char *dir, const char *listen_host)
{
	char path[2048], san[1024] = "";
	int rc = -1;
	EVP_PKEY *ca_key = ca_new_key(), *srv_key = ca_new_key();
	int64_t now = util_now_us() / 1000000;
	X509 *ca = NULL, *srv = NULL;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	san_add(san, sizeof(san), "localhost");
	san_add(san, sizeof(san), "127.0.0.1");
	san_add(san, sizeof(san), "::1");
	san_add(san, sizeof(san), host);
	san_add(san, sizeof(san), listen_host);
	if (!ca_key || !srv_key)
		goto cleanup;
	char cn[300];
	snprintf(cn, sizeof(cn), "Kartoteka CA %s", host);
	ca = ca_make_cert(CA_ROOT, ca_key, cn, NULL, NULL, NULL, now, now + 3650 * 86400LL);
	srv = ca ? ca_make_cert(CA_SERVER, srv_key, host[0] ? host : "localhost", ca, ca_key, san, now,
				now + 825 * 86400LL)
		 : NULL;
	if (!srv)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/tls", dir);
	if (mkdir(path, 0700) < 0)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/tls/ca.pem", dir);
	if (write_pem(path, ca, NULL))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/tls/ca.key", dir);
	if (write_pem(path, NULL, ca_key))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/tls/server.pem", dir);
	if (write_pem(path, srv, NULL))
		goto cleanup;
	snprintf(path, sizeof(path), "%s/tls/server.key", dir);
	if (write_pem(path, NULL, srv_key))
		goto cleanup;
	rc = 0;
cleanup:
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return rc;
}

static int dir_is_empty_or_absent(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 1 : -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

static void random_password(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	uint8_t raw[64];
	util_random(raw, sizeof(raw));
	for (size_t i = 0; i + 1 < len && i < sizeof(raw); i++)
		out[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	out[len - 1] = '\0';
}

/* Creates the admin user and its audit record in one transaction. */
static int create_admin(struct server *srv, const char *password)
{
	char hash[256];
	if (auth_hash_password(srv->cfg, password, hash, sizeof(hash)) < 0)
		return -1;
	struct arena a;
	arena_init(&a, 0);
	struct req r = { .srv = srv, .cfg = srv->cfg, .arena = &a, .now = util_now_us() };
	strcpy(r.who.user, "kartd-init");
	strcpy(r.who.peer, "local");
	Kart__User user = KART__USER__INIT;
	user.name = (char *)"admin";
	user.role = KART__ROLE__ROLE_ADMIN;
	user.created_at = r.now / 1000000;
	user.created_by = r.who.user;
	Kart__UserRecord rec = KART__USER_RECORD__INIT;
	rec.user = &user;
	rec.password_hash = hash;
	size_t n = kart__user_record__get_packed_size(&rec);
	MDB_val k = { 5, (void *)"admin" }, v = { n, NULL };
	int rc = mdb_txn_begin(srv->store.env, NULL, 0, &r.txn);
	if (rc == 0)
		rc = mdb_put(r.txn, srv->store.users, &k, &v, MDB_RESERVE);
	if (rc == 0) {
		kart__user_record__pack(&rec, v.mv_data);
		rc = audit_append(&r, "user.add", "user", 0, "admin", "role: admin", true);
	}
	if (rc == 0)
		rc = mdb_txn_commit(r.txn);
	else if (r.txn)
		mdb_txn_abort(r.txn);
	arena_free(&a);
	if (rc)
		log_err("cannot create the admin user: %s", mdb_strerror(rc));
	return rc ? -1 : 0;
}

int kartd_init(const char *dir, const char *listen)
{
	struct server srv;
	struct kart_config cfg;
	memset(&srv, 0, sizeof(srv));
	config_defaults(&cfg);
	srv.cfg = &cfg;
	if (listen) {
		if (strlen(listen) >= sizeof(cfg.listen)) {
			log_err("--listen: too long");
			return 2;
		}
		char err[256];
		char line[300];
		snprintf(line, sizeof(line), "listen = %s\n", listen);
		if (config_parse(&cfg, line, err, sizeof(err)) < 0) {
			log_err("--listen %s: expected HOST:PORT", listen);
			return 2;
		}
	}
	int st = dir_is_empty_or_absent(dir);
	if (st < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return 1;
	}
	if (st == 0) {
		log_err("%s is not empty: refusing to touch an existing instance", dir);
		return 1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	chmod(dir, 0700);
	char path[2048], host[256];
	int port;
	util_split_hostport(cfg.listen, host, sizeof(host), &port);
	if (make_tls(dir, host) < 0) {
		log_err("cannot create TLS certificates in %s/tls", dir);
		return 1;
	}
	char keyhex[65];
	if (util_random(srv.audit_key, sizeof(srv.audit_key)) < 0)
		return 1;
	util_hex(srv.audit_key, sizeof(srv.audit_key), keyhex);
	keyhex[64] = '\n';
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	if (util_write_file(path, keyhex, 65, 0600) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/db", dir);
	int rc = store_open(&srv.store, path, cfg.map_size, cfg.max_readers, true);
	if (rc) {
		log_err("cannot create the database in %s: %s", path, store_strerror(rc));
		return 1;
	}
	char password[21];
	random_password(password, sizeof(password));
	rc = create_admin(&srv, password);
	store_close(&srv.store);
	if (rc < 0)
		return 1;
	char line[64];
	snprintf(line, sizeof(line), "%s\n", password);
	snprintf(path, sizeof(path), "%s/admin.password", dir);
	if (util_write_file(path, line, strlen(line), 0600) < 0) {
		log_err("%s: %s", path, strerror(errno));
		return 1;
	}
	explicit_bzero(password, sizeof(password));
	explicit_bzero(line, sizeof(line));
	/* the configuration is written last: its presence marks a finished instance */
	char *conf = config_render(&cfg);
	snprintf(path, sizeof(path), "%s/kartd.conf", dir);
	if (!conf || util_write_file(path, conf, strlen(conf), 0600) < 0) {
		free(conf);
		log_err("%s: cannot write", path);
		return 1;
	}
	free(conf);
	printf("instance created in %s\n", dir);
	printf("  listen:          %s\n", cfg.listen);
	printf("  CA certificate:  %s/tls/ca.pem\n", dir);
	printf("  admin password:  %s/admin.password\n", dir);
	printf("keep a copy of these, away from this machine: they are not in the database, and\n"
	       "no backup of it (kartd backup, kart admin backup) holds them:\n"
	       "  %s/audit.key        the audit chain's key: without it a restored chain cannot be verified\n"
	       "  %s/tls/ca.key       the instance CA's key (and tls/: its certificate, the server's):\n"
	       "                      without it, client certificates cannot be issued or checked again\n"
	       "  %s/kartd.conf\n",
	       dir, dir, dir);
	fflush(stdout);
	return 0;
}

int kartd_load_audit_key(const char *dir, uint8_t key[32])
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	return kartd_load_key_file(path, key);
}

int kartd_load_key_file(const char *path, uint8_t key[32])
{
	char *text = util_read_file(path, NULL);
	if (!text) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	char *t = util_trim(text);
	int rc = strlen(t) == 64 ? 0 : -1;
	for (int i = 0; rc == 0 && i < 32; i++) {
		unsigned v;
		if (sscanf(t + 2 * i, "%2x", &v) != 1)
			rc = -1;
		key[i] = (uint8_t)v;
	}
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc)
		log_err("%s: expected 64 hex digits", path);
	return rc;
}
