/* session: the client session kept in $KART_HOME/session, shared by every
 * face of the client (the `kart` CLI, a TUI).
 *
 * The file is JSON: the server, CA and client certificate used at login, the
 * user and the session token (mode 0600, in a directory private to the user).
 * A kc_profile says what the front end was told (flags, environment, config
 * file); kc_session_options merges it with the session file into kc_options,
 * pinning the server's certificate in $KART_HOME/known_servers when no CA is
 * given. kc_session_open connects and resumes. Nothing here prints: failures
 * come back in struct kc_error for the front end to show. */
#ifndef KART_SESSION_H
#define KART_SESSION_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

#include "kc.h"

struct kc_session {
	json_t *root;           /* owns the strings below */
	const char *server;
	const char *ca;
	const char *cert;       /* client certificate and key, if one was used */
	const char *key;
	const char *user;
	const char *token;
};

/* LOGGED_OUT: the file keeps the server, CA and certificate of a session
 * that was ended, as defaults for the next login, and no token. */
enum kc_session_state { KC_SESSION_OK, KC_SESSION_MISSING, KC_SESSION_DAMAGED, KC_SESSION_LOGGED_OUT };

/* What the front end knows before the session file is read. */
struct kc_profile {
	const char *home;       /* $KART_HOME: the session file and known_servers */
	/* given now (flags, environment); NULL: not given */
	const char *server, *ca, *cert, *key;
	/* the config file's defaults, below the session file's; NULL or "": none */
	const char *cfg_server, *cfg_ca, *cfg_cert, *cfg_key;
	const char *default_server;
	const char *client_name;
	/* a server seen for the first time: pinned when trust_new is set, else
	 * when confirm (the front end's question to the user) says yes */
	int trust_new;
	int (*confirm)(const char *server, const char *fingerprint, void *ud);
	void *confirm_ud;
	char pin_file[PATH_MAX]; /* filled by kc_session_options */
};

/* "HOME/session"; fills err when it does not fit. */
int kc_session_path(const char *home, char *out, size_t n, struct kc_error *err);
/* Reads the session file into s (free with kc_session_free, whatever it returns). */
enum kc_session_state kc_session_load(const char *home, struct kc_session *s);
void kc_session_free(struct kc_session *s);
/* Writes the session of a login: the server, CA, certificate and key of o
 * (as absolute paths when they resolve), user and token. Returns a kc_status. */
int kc_session_save(const char *home, const struct kc_options *o, const char *user, const char *token,
		    struct kc_error *err);
/* Ends the session in the file: the token and user go, the server, CA and
 * certificate stay for the next login; a file without a server is removed.
 * s is the loaded file (possibly empty). Returns a kc_status. */
int kc_session_forget(const char *home, struct kc_session *s, struct kc_error *err);
/* mkdir -p, every directory it creates private to the user. */
int kc_make_private_dirs(const char *path);

/* The connection options: flag > environment (both in p) > session file (s,
 * possibly empty) > config file > default. o points into p and s. */
void kc_session_options(struct kc_profile *p, const struct kc_session *s, struct kc_options *o);
/* Loads the session, connects and resumes it. Returns a kc_status; on
 * success *out is an authenticated connection. */
int kc_session_open(struct kc_profile *p, struct kc **out, struct kc_error *err);

#endif
