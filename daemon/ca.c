/* ca: certificates of the instance CA (ca.h). */
#include "ca.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util.h"

#define SERIAL_MAX 40                  /* hex digits accepted in a serial */

EVP_PKEY *ca_new_key(void)
{
	return EVP_EC_gen("P-256");
}

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

static int set_serial(X509 *x)
{
	uint8_t serial[16];
	if (util_random(serial, sizeof(serial)) < 0)
		return -1;
	serial[0] = (uint8_t)((serial[0] & 0x3f) | 0x40);
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -1;
}

static int add_kind_exts(X509 *x, X509 *iss, enum ca_kind kind, const char *san)
{
	int rc = 0;
	switch (kind) {
	case CA_ROOT:
		rc |= add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		rc |= add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case CA_SERVER:
		rc |= add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		rc |= add_ext(x, iss, NID_ext_key_usage, "serverAuth");
		rc |= add_ext(x, iss, NID_subject_alt_name, san ? san : "");
		break;
	case CA_CLIENT:
		rc |= add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
		rc |= add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		rc |= add_ext(x, iss, NID_ext_key_usage, "clientAuth");
		break;
	}
	rc |= add_ext(x, iss, NID_subject_key_identifier, "hash");
	if (kind != CA_ROOT)
		rc |= add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
	return rc;
}

X509 *ca_make_cert(enum ca_kind kind, EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		   const char *san, int64_t not_before, int64_t not_after)
{
	X509 *x = X509_new();
	if (!x)
		return NULL;
	X509 *iss = kind == CA_ROOT ? x : issuer;
	EVP_PKEY *sign_key = kind == CA_ROOT ? key : issuer_key;
	int rc = !iss || !sign_key || set_serial(x) < 0 || !X509_set_version(x, 2);
	rc |= !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(not_before - 3600));
	rc |= !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
	rc |= !X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	rc |= !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Kartoteka", -1, -1, 0);
	rc |= !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	if (!rc)
		rc |= !X509_set_issuer_name(x, X509_get_subject_name(iss));
	if (rc || add_kind_exts(x, iss, kind, san) || !X509_sign(x, sign_key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

char *ca_pem_text(struct arena *a, X509 *cert, EVP_PKEY *key)
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

/* ---- serials and times ---- */

int64_t ca_time_unix(const ASN1_TIME *t)
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

void ca_serial_of(const X509 *x, ca_serial out)
{
	ca_serial_of_int(X509_get0_serialNumber(x), out);
}

void ca_serial_of_int(const ASN1_INTEGER *serial, ca_serial out)
{
	out[0] = '\0';
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	char *h = bn ? BN_bn2hex(bn) : NULL;
	if (h)
		serial_normal(h, out, sizeof(ca_serial));
	OPENSSL_free(h);
	BN_free(bn);
}

int ca_serial_parse(const char *in, ca_serial out)
{
	char digits[sizeof(ca_serial)];
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
	serial_normal(digits, out, sizeof(ca_serial));
	return 0;
}
