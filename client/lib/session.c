/* session: the session file in $KART_HOME, server pinning options, and
 * opening a session (connect, Resume). See session.h. */
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define NOT_LOGGED_IN "not logged in (run: kart login USER)"

static int fail(struct kc_error *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct kc_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	memset(err, 0, sizeof(*err));
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

int kc_session_path(const char *home, char *out, size_t n, struct kc_error *err)
{
	if ((size_t)snprintf(out, n, "%s/session", home) >= n)
		return fail(err, KC_ERR_USAGE, "home directory path too long");
	return 0;
}

static const char *json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

enum kc_session_state kc_session_load(const char *home, struct kc_session *s)
{
	char path[PATH_MAX + 16];

	memset(s, 0, sizeof(*s));
	if (kc_session_path(home, path, sizeof(path), NULL))
		return KC_SESSION_MISSING;
	if (access(path, F_OK) < 0)
		return KC_SESSION_MISSING;
	s->root = json_load_file(path, 0, NULL);
	if (!json_is_object(s->root))
		return KC_SESSION_DAMAGED;
	s->server = json_str(s->root, "server");
	s->ca = json_str(s->root, "ca");
	s->cert = json_str(s->root, "cert");
	s->key = json_str(s->root, "key");
	s->user = json_str(s->root, "user");
	s->token = json_str(s->root, "token");
	return s->token ? KC_SESSION_OK : s->server ? KC_SESSION_LOGGED_OUT : KC_SESSION_DAMAGED;
}

void kc_session_free(struct kc_session *s)
{
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
}

int kc_make_private_dirs(const char *path)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int kc_session_save(const char *home, const struct kc_options *o, const char *user, const char *token,
		    struct kc_error *err)
{
	const char *server = o->server, *ca = o->ca_file;
	char path[PATH_MAX + 16], ca_abs[PATH_MAX], cert_abs[PATH_MAX], key_abs[PATH_MAX];
	json_t *root = json_object();
	char *json = NULL, *text = NULL;
	int rc = 0, bad = !root;

	if (!bad) {
		bad |= json_object_set_new(root, "server", json_string(server));
		if (ca)
			bad |= json_object_set_new(root, "ca", json_string(realpath(ca, ca_abs) ? ca_abs : ca));
		if (o->cert_file)
			bad |= json_object_set_new(root, "cert",
						   json_string(realpath(o->cert_file, cert_abs) ? cert_abs : o->cert_file));
		if (o->cert_file && o->key_file)
			bad |= json_object_set_new(root, "key",
						   json_string(realpath(o->key_file, key_abs) ? key_abs : o->key_file));
		bad |= json_object_set_new(root, "user", json_string(user));
		bad |= json_object_set_new(root, "token", json_string(token));
	}
	json = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!json || asprintf(&text, "%s\n", json) < 0) {
		text = NULL;
		rc = fail(err, KC_ERR_OTHER, "cannot save the session: out of memory or not valid UTF-8");
		goto cleanup;
	}
	rc = kc_session_path(home, path, sizeof(path), err);
	if (rc)
		goto cleanup;
	if (kc_make_private_dirs(home) < 0) {
		rc = fail(err, KC_ERR_OTHER, "cannot create %s: %s", home, strerror(errno));
		goto cleanup;
	}
	if (util_write_file(path, text, strlen(text), 0600) < 0)
		rc = fail(err, KC_ERR_OTHER, "cannot write %s: %s", path, strerror(errno));
cleanup:
	if (text)
		explicit_bzero(text, strlen(text));
	if (json)
		explicit_bzero(json, strlen(json));
	free(text);
	free(json);
	json_decref(root);
	return rc;
}

int kc_session_forget(const char *home, struct kc_session *s, struct kc_error *err)
{
	char path[PATH_MAX + 16];
	int rc = kc_session_path(home, path, sizeof(path), err);

	if (rc)
		return rc;
	if (s->root && s->server) {
		json_object_del(s->root, "token");
		json_object_del(s->root, "user");
		s->token = s->user = NULL;
		char *text = json_dumps(s->root, JSON_INDENT(2));
		if (!text || util_write_file(path, text, strlen(text), 0600) < 0) {
			free(text);
			return fail(err, KC_ERR_OTHER, "cannot write %s: %s", path, strerror(errno));
		}
		free(text);
	} else if (unlink(path) < 0 && errno != ENOENT) {
		return fail(err, KC_ERR_OTHER, "cannot remove %s: %s", path, strerror(errno));
	}
	return 0;
}

void kc_session_options(struct kc_profile *p, const struct kc_session *s, struct kc_options *o)
{
	const char *cfg_server = p->cfg_server, *cfg_ca = p->cfg_ca;
	const char *cfg_cert = p->cfg_cert, *cfg_key = p->cfg_key;

	memset(o, 0, sizeof(*o));
	/* flag > environment (both in p) > session file > config file > default */
	o->server = p->server ? p->server : s && s->server ? s->server
		  : cfg_server && *cfg_server ? cfg_server : p->default_server;
	o->ca_file = p->ca ? p->ca : s && s->ca ? s->ca : cfg_ca && *cfg_ca ? cfg_ca : NULL;
	/* a certificate given now comes with its own key (or holds it), never the saved one */
	o->cert_file = p->cert ? p->cert : s && s->cert ? s->cert : cfg_cert && *cfg_cert ? cfg_cert : NULL;
	o->key_file = p->cert ? p->key : s && s->cert ? s->key : cfg_cert && *cfg_cert ? cfg_key : NULL;
	o->client_name = p->client_name;
	/* no CA: the server's certificate is pinned in the home directory */
	if ((size_t)snprintf(p->pin_file, sizeof(p->pin_file), "%s/known_servers", p->home) < sizeof(p->pin_file) &&
	    (!o->ca_file || !*o->ca_file) && kc_make_private_dirs(p->home) == 0) {
		o->pin_file = p->pin_file;
		o->trust_new = p->trust_new;
		o->confirm = p->confirm;
		o->confirm_ud = p->confirm_ud;
	}
}

int kc_session_open(struct kc_profile *p, struct kc **out, struct kc_error *err)
{
	struct kc_session s;
	struct kc_options o;
	Kart__Envelope *resumed = NULL;
	struct kc *c = NULL;
	int rc = 0;

	*out = NULL;
	switch (kc_session_load(p->home, &s)) {
	case KC_SESSION_OK:
		break;
	case KC_SESSION_MISSING:
	case KC_SESSION_LOGGED_OUT:
		rc = fail(err, KC_ERR_DENIED, NOT_LOGGED_IN);
		goto cleanup;
	case KC_SESSION_DAMAGED:
		rc = fail(err, KC_ERR_DENIED, "session file in %s is damaged; " NOT_LOGGED_IN, p->home);
		goto cleanup;
	}
	kc_session_options(p, &s, &o);
	c = kc_connect(&o, err);
	if (!c) {
		rc = err->status ? err->status : KC_ERR_OTHER;
		goto cleanup;
	}
	resumed = kc_resume(c, s.token, err);
	if (!resumed) {
		rc = err->status ? err->status : KC_ERR_OTHER;
		if (err->status == KC_ERR_DENIED || err->status == KC_ERR_NOT_FOUND) {
			char why[sizeof(err->message)];
			snprintf(why, sizeof(why), "%s", err->message[0] ? err->message : "not logged in");
			rc = fail(err, KC_ERR_DENIED, "%s (run: kart login %s)", why, s.user ? s.user : "USER");
		}
		goto cleanup;
	}
	*out = c;
	c = NULL;
cleanup:
	kc_env_free(resumed);
	kc_close(c);
	kc_session_free(&s);
	return rc;
}
