#include "tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

const char *tls_last_error(char *buf, size_t n)
{
	unsigned long e = ERR_get_error();
	if (e == 0)
		snprintf(buf, n, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

static int set_min(SSL_CTX *ctx, const char *v)
{
	int ver = (v && strcmp(v, "1.2") == 0) ? TLS1_2_VERSION : TLS1_3_VERSION;
	return SSL_CTX_set_min_proto_version(ctx, ver);
}

SSL_CTX *tls_server_ctx(const char *cert, const char *key, const char *min_version, char *err, size_t errlen)
{
	char buf[256];
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto fail;
	if (!set_min(ctx, min_version))
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "cannot load certificate %s: %s", cert, tls_last_error(buf, sizeof(buf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "cannot load key %s: %s", key, tls_last_error(buf, sizeof(buf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
fail:
	snprintf(err, errlen, "TLS setup: %s", tls_last_error(buf, sizeof(buf)));
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *tls_client_ctx(const char *ca_file, char *err, size_t errlen)
{
	char buf[256];
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !set_min(ctx, "1.2")) {
		snprintf(err, errlen, "TLS setup: %s", tls_last_error(buf, sizeof(buf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* read whole socket buffers, not a record header and then its body */
	SSL_CTX_set_read_ahead(ctx, 1);
	int ok = ca_file && *ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
				     : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "cannot load CA %s: %s", ca_file ? ca_file : "(system)",
			 tls_last_error(buf, sizeof(buf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int tls_engine_init(struct tls_engine *e, SSL_CTX *ctx)
{
	/* the server side of a connection */
	memset(e, 0, sizeof(*e));
	ERR_clear_error();
	e->ssl = SSL_new(ctx);
	e->rbio = BIO_new(BIO_s_mem());
	e->wbio = BIO_new(BIO_s_mem());
	if (!e->ssl || !e->rbio || !e->wbio) {
		SSL_free(e->ssl);
		BIO_free(e->rbio);
		BIO_free(e->wbio);
		memset(e, 0, sizeof(*e));
		return TLS_ERROR;
	}
	/* an empty memory BIO reports "retry", not EOF */
	BIO_set_mem_eof_return(e->rbio, -1);
	BIO_set_mem_eof_return(e->wbio, -1);
	SSL_set_bio(e->ssl, e->rbio, e->wbio);
	SSL_set_accept_state(e->ssl);
	return TLS_OK;
}

void tls_engine_free(struct tls_engine *e)
{
	if (e->ssl)
		SSL_free(e->ssl);
	memset(e, 0, sizeof(*e));
}

int tls_engine_feed(struct tls_engine *e, const void *data, size_t len)
{
	return BIO_write(e->rbio, data, (int)len) == (int)len ? TLS_OK : TLS_ERROR;
}

int tls_engine_handshake(struct tls_engine *e)
{
	ERR_clear_error();
	int r = SSL_do_handshake(e->ssl);
	if (r == 1)
		return TLS_OK;
	int err = SSL_get_error(e->ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return TLS_WANT;
	return TLS_ERROR;
}

int tls_engine_read(struct tls_engine *e, void *buf, size_t n)
{
	ERR_clear_error();
	int r = SSL_read(e->ssl, buf, (int)n);
	if (r > 0)
		return r;
	int err = SSL_get_error(e->ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		return -TLS_WANT;
	if (err == SSL_ERROR_ZERO_RETURN)
		return -TLS_CLOSED;
	return -TLS_ERROR;
}

size_t tls_engine_unread(struct tls_engine *e)
{
	return BIO_ctrl_pending(e->rbio);
}

bool tls_engine_drained(struct tls_engine *e)
{
	/* SSL_has_pending: records read ahead too, not only decrypted bytes */
	return BIO_ctrl_pending(e->rbio) == 0 && !SSL_has_pending(e->ssl);
}

int tls_engine_write(struct tls_engine *e, const void *data, size_t n)
{
	ERR_clear_error();
	/* memory BIOs grow without bound, so a write is never partial */
	int r = SSL_write(e->ssl, data, (int)n);
	return r == (int)n ? TLS_OK : TLS_ERROR;
}

void tls_engine_shutdown(struct tls_engine *e)
{
	ERR_clear_error();
	if (SSL_is_init_finished(e->ssl))
		SSL_shutdown(e->ssl);
	ERR_clear_error();
}

size_t tls_engine_pending(struct tls_engine *e)
{
	return BIO_ctrl_pending(e->wbio);
}

size_t tls_engine_take(struct tls_engine *e, void *out, size_t n)
{
	int r = BIO_read(e->wbio, out, (int)n);
	return r > 0 ? (size_t)r : 0;
}

/* Lets the handshake finish whatever the client's certificate: the server
 * reads the outcome from SSL_get_verify_result and refuses in words. */
static int accept_any_verify(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

int tls_server_request_client_certs(SSL_CTX *ctx, const char *ca_file, char *err, size_t errlen)
{
	char buf[256];
	ERR_clear_error();
	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
		snprintf(err, errlen, "cannot load the client CA %s: %s", ca_file, tls_last_error(buf, sizeof(buf)));
		return -1;
	}
	STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
	if (!names) {
		snprintf(err, errlen, "cannot read the client CA %s: %s", ca_file, tls_last_error(buf, sizeof(buf)));
		return -1;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	/* resumed sessions keep their peer certificate: they need a context id */
	static const unsigned char sid_ctx[] = "kartd-client-certs";
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_verify);
	return 0;
}

int tls_client_use_cert(SSL_CTX *ctx, const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	char buf[256];
	const char *key = key_file && *key_file ? key_file : cert_file;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(err, errlen, "cannot load the client certificate %s: %s", cert_file, tls_last_error(buf, sizeof(buf)));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "cannot load the client key %s: %s%s", key, tls_last_error(buf, sizeof(buf)),
			 key == cert_file ? " (give the key with --key, or use the bundle from kart admin issue-cert)" : "");
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "the client key %s does not belong to the certificate %s", key, cert_file);
		return -1;
	}
	return 0;
}
