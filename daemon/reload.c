/* reload: preparing a reload apart from what is in force, and swapping it in
 * (reload.h). */
#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "certs.h"
#include "log.h"
#include "tls.h"
#include "util.h"

/* The names of the changed options, as lists for the log. */
struct changed {
	char live[1024], restart[1024];
};

struct reload {
	struct kart_config *cfg;
	struct changed ch;
	SSL_CTX *tls;
	struct certs_crl *crl;
	bool new_dummy;
	char dummy_hash[256];
};

static void reload_free(struct reload *r)
{
	if (!r)
		return;
	conf_drop(r->cfg);
	SSL_CTX_free(r->tls);
	free(r->crl);
	explicit_bzero(r->dummy_hash, sizeof(r->dummy_hash));
	free(r);
}

static const char *in_dir(const char *dir, const char *p, char *buf, size_t n)
{
	if (p[0] == '/')
		return p;
	snprintf(buf, n, "%s/%s", dir, p);
	return buf;
}


static void add_name(char *list, size_t n, const char *name)
{
	size_t len = strlen(list);
	if (len + strlen(name) + 3 < n)
		snprintf(list + len, n - len, "%s%s", len ? ", " : "", name);
	else if (len + 5 < n && !strstr(list, ", ..."))
		snprintf(list + len, n - len, ", ...");
}

static void note_changed(const char *name, bool restart, void *ud)
{
	struct changed *ch = ud;
	if (restart)
		add_name(ch->restart, sizeof(ch->restart), name);
	else
		add_name(ch->live, sizeof(ch->live), name);
}

static bool argon2_changed(const struct kart_config *a, const struct kart_config *b)
{
	return a->argon2_memory_kib != b->argon2_memory_kib || a->argon2_iterations != b->argon2_iterations ||
	       a->argon2_parallelism != b->argon2_parallelism;
}

/* The new snapshot, read and checked, the options read at start only kept
 * from the one in force (the log names those that changed). */
static int prepare_config(struct server *srv, const struct conf_src *src, struct reload *r)
{
	char err[640];
	if (!(r->cfg = conf_new())) {
		log_err("reload refused: out of memory; the configuration in force stays");
		return -1;
	}
	if (conf_read(r->cfg, src, err, sizeof(err)) != 0) {
		log_err("reload refused: %s; the configuration in force stays", err);
		return -1;
	}
	config_diff(srv->cfg, r->cfg, note_changed, &r->ch);
	config_keep_restart(r->cfg, srv->cfg);
	return 0;
}

struct reload *reload_prepare(struct server *srv, const struct conf_src *src)
{
	char err[640], cert[2048], key[2048];
	struct reload *r = calloc(1, sizeof(*r));
	if (!r) {
		log_err("reload refused: out of memory; the configuration in force stays");
		return NULL;
	}
	if (prepare_config(srv, src, r) < 0)
		goto refused;
	const struct kart_config *c = r->cfg;
	r->tls = tls_server_ctx(in_dir(srv->dir, c->tls_cert, cert, sizeof(cert)),
				in_dir(srv->dir, c->tls_key, key, sizeof(key)), c->tls_min_version, err, sizeof(err));
	if (!r->tls || certs_tls_setup(srv, r->tls, err, sizeof(err)) < 0 ||
	    certs_crl_read(srv, c->tls_crl, &r->crl, err, sizeof(err)) < 0) {
		log_err("reload refused: %s; the configuration in force stays", err);
		goto refused;
	}
	/* unknown users are verified against a hash of the current cost */
	if (argon2_changed(srv->cfg, c)) {
		uint8_t junk[16];
		char junkhex[33];
		util_random(junk, sizeof(junk));
		util_hex(junk, sizeof(junk), junkhex);
		if (auth_hash_password(c, junkhex, r->dummy_hash, sizeof(r->dummy_hash)) < 0) {
			log_err("reload refused: argon2 cannot hash with the new costs; the configuration in force stays");
			goto refused;
		}
		r->new_dummy = true;
	}
	return r;
refused:
	reload_free(r);
	return NULL;
}

void reload_commit(struct server *srv, struct reload *r)
{
	const struct kart_config *old = srv->cfg;
	srv->cfg = r->cfg;
	r->cfg = NULL;
	conf_drop(old); /* freed once the last request begun under it is done */
	SSL_CTX_free(srv->tls); /* open connections hold their own reference */
	srv->tls = r->tls;
	r->tls = NULL;
	certs_crl_set(srv, r->crl);
	r->crl = NULL;
	if (r->new_dummy)
		memcpy(srv->dummy_hash, r->dummy_hash, sizeof(srv->dummy_hash));
	if (r->ch.restart[0])
		log_warn("reload: %s changed, but is read at start only: the new value takes effect at the next restart",
			 r->ch.restart);
	log_notice("reload: in force (certificate, key and CRL read again); options changed: %s",
		   r->ch.live[0] ? r->ch.live : "none");
	reload_free(r);
}
