/* h_session: Hello, Login, Resume, Logout, WhoAmI, Cancel.
 *
 * Login verifies the password off the loop (auth.c), then records the outcome
 * on the writer: a new session and an audit event, or an audit event of the
 * refusal. The refusal never says whether the user exists. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "certs.h"
#include "handlers.h"
#include "log.h"
#include "req.h"
#include "user.h"
#include "util.h"
#include "writer.h"

#define TOKEN_BYTES 32
_Static_assert(sizeof(((struct wauth *)0)->token) == 2 * TOKEN_BYTES + 1, "a token's hex fills wauth.token");

int h_hello(struct req *r)
{
	Kart__Hello *h = r->in->hello;
	if (h->version != KART__PROTOCOL__PROTOCOL_V1)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "version",
				 "unsupported protocol version %u; this server speaks version %d", h->version,
				 KART__PROTOCOL__PROTOCOL_V1);
	r->fx.hello = true;
	Kart__HelloOk *ok = arena_alloc(r->arena, sizeof(*ok));
	if (!ok)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__hello_ok__init(ok);
	ok->version = KART__PROTOCOL__PROTOCOL_V1;
	ok->server = (char *)KART_SERVER_NAME;
	ok->max_frame = r->cfg->max_frame;
	r->out.body_case = KART__ENVELOPE__BODY_HELLO_OK;
	r->out.hello_ok = ok;
	return H_OK;
}

static int reply_session(struct req *r, const char *token, const char *user, Kart__Role role, const char *team,
			 int64_t expires)
{
	Kart__Session *s = arena_alloc(r->arena, sizeof(*s));
	if (!s)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	kart__session__init(s);
	s->token = arena_strdup(r->arena, token);
	s->user = arena_strdup(r->arena, user);
	s->role = role;
	s->team = arena_strdup(r->arena, team ? team : "");
	s->expires_at = expires / 1000000;
	r->out.body_case = KART__ENVELOPE__BODY_SESSION;
	r->out.session = s;
	return H_OK;
}

/* The session, set on the request: the writer's completion begins it on
 * the connection (if still open). */
static void session_begin(struct req *r, const char *user, Kart__Role role, const char *team, int64_t expires,
			  const uint8_t key[32])
{
	r->fx.session_set = true;
	r->fx.user = user;
	r->fx.role = role;
	r->fx.team = team;
	r->fx.expires = expires;
	memcpy(r->fx.key, key, 32);
}

static void login_done(struct wreq *w)
{
	Kart__Envelope *e = &w->r.out;
	if (e->body_case != KART__ENVELOPE__BODY_SESSION)
		return;
	/* the address's failures for this name, and their doubling, are forgiven */
	auth_login_succeeded(w->r.srv, w->r.who.peer, e->session->user);
	uint8_t key[32];
	auth_session_key(w->auth.token, key);
	session_begin(&w->r, e->session->user, e->session->role, e->session->team, e->session->expires_at * 1000000,
		      key);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(w->auth.token, sizeof(w->auth.token));
}

/* Writer: records the login's outcome. The name goes into the log and the
 * audit trail only when it is a user's (auth_record_name). */
/* Refused logins are what an outsider causes at will: per minute the first
 * REFUSED_VERBATIM are recorded (and logged, within log_limited) one by one,
 * the rest counted, and the count is written as one record by the next login
 * after the minute (refused or not), as the daemon's. Writer thread only. A
 * batch that is run again may count its refusals twice, and one that fails
 * may lose a count it was writing: the count is evidence, not data. */
#define REFUSED_VERBATIM 20
static int64_t refused_minute;
static unsigned refused_verbatim;
static uint64_t refused_held;
static struct log_limit refused_log;

/* Writes the count of the minute that is over; tells whether this refusal
 * (refusing) is to be recorded one by one. */
static int refused_note(struct req *r, bool refusing, bool *verbatim)
{
	int64_t minute = r->now / 60000000;
	*verbatim = true;
	if (minute != refused_minute) {
		if (refused_held) {
			/* an instant each reader sees in their own zone: {at} */
			char *s = arena_printf(r->arena, "%llu more refused logins in the minute from {at}",
					       (unsigned long long)refused_held);
			/* the daemon's record, not the user's whose login happens to write it */
			struct principal who = r->who;
			snprintf(r->who.user, sizeof(r->who.user), "kartd");
			snprintf(r->who.peer, sizeof(r->who.peer), "kartd");
			r->audit_at = refused_minute * 60;
			int rc = audit_append(r, "login", "user", 0, "", s ? s : "more refused logins", false);
			r->who = who;
			if (rc)
				return rc;
			log_notice("%llu more refused logins in the minute from %lld", (unsigned long long)refused_held,
				   (long long)refused_minute * 60);
		}
		refused_minute = minute;
		refused_verbatim = 0;
		refused_held = 0;
	}
	if (!refusing)
		return 0;
	if (refused_verbatim < REFUSED_VERBATIM)
		refused_verbatim++;
	else {
		refused_held++;
		*verbatim = false;
	}
	return 0;
}

static int w_login(struct req *r)
{
	struct wreq *w = wreq_of(r);
	const struct kart_config *cfg = r->cfg;
	const char *name = r->in->login->user;
	Kart__UserRecord *u = NULL;
	int rc = user_load(r->txn, &r->srv->store, name, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	auth_record_name(r->srv, name, rc == 0, r->who.user, sizeof(r->who.user));
	const char *why = NULL;
	int64_t why_at = 0;         /* the instant a "{at}" in why stands for */
	int64_t now_s = r->now / 1000000;
	if (u && u->user->locked_until > now_s + (int64_t)cfg->login_lockout_max_s) {
		/* locked longer than the cap allows (a record from before it): cut to the cap */
		u->user->locked_until = now_s + cfg->login_lockout_max_s;
		if ((rc = user_save(r->txn, &r->srv->store, u)))
			return rc;
	}
	if (rc == MDB_NOTFOUND) {
		why = "unknown user";
	} else if (u->user->locked) {
		why = "user locked";
	} else if (u->user->locked_until > now_s) {
		/* even the right password: the answer must not tell a guesser it was right */
		why = "locked until {at}";
		why_at = u->user->locked_until;
	} else if (!w->auth.verified) {
		why = "wrong password";
	}
	if (why) {
		const char *noted = w->note[0] ? arena_printf(r->arena, "%s; %s", why, w->note) : NULL;
		if (noted)
			why = noted;
		bool verbatim;
		if ((rc = refused_note(r, true, &verbatim)))
			return rc;
		if (verbatim || w->note[0]) { /* a block it caused is always on record */
			log_limited_kv(&refused_log, LOG_NOTICE,
				       (&(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = "login" }),
				       "%s: login refused for '%s': %s", r->who.peer, r->who.user, why);
			r->audit_at = why_at;
			if ((rc = audit_append(r, "login", "user", 0, r->who.user, why, false)))
				return rc;
		}
		if (u && !u->user->locked && u->user->locked_until <= now_s && !w->auth.verified &&
		    (rc = login_failure(r, u, now_s, NULL)))
			return rc;
		req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "wrong user name or password");
		return H_OK; /* keep the audit record */
	}
	bool verbatim;
	if ((rc = refused_note(r, false, &verbatim)))
		return rc;
	if (u->user->failed_logins || u->user->failed_since || u->user->locked_until || u->user->lockouts) {
		/* a login that succeeds starts afresh: the count and the doubling */
		u->user->failed_logins = 0;
		u->user->failed_since = 0;
		u->user->locked_until = 0;
		u->user->lockouts = 0;
		if ((rc = user_save(r->txn, &r->srv->store, u)))
			return rc;
	}
	uint8_t raw[TOKEN_BYTES];
	if (util_random(raw, sizeof(raw)) < 0)
		return EIO;
	util_hex(raw, sizeof(raw), w->auth.token);
	uint8_t key[32];
	auth_session_key(w->auth.token, key);
	Kart__SessionRecord sr = KART__SESSION_RECORD__INIT;
	sr.user = (char *)name;
	sr.created_at = r->now;
	sr.expires_at = r->now + (int64_t)r->cfg->session_ttl_s * 1000000;
	sr.client = r->who.peer;
	size_t n = kart__session_record__get_packed_size(&sr);
	MDB_val k = { 32, key }, v = { n, NULL };
	if ((rc = mdb_put(r->txn, r->srv->store.sessions, &k, &v, MDB_RESERVE)))
		return rc;
	kart__session_record__pack(&sr, v.mv_data);
	if ((rc = audit_append(r, "login", "user", 0, name, "", true)))
		return rc;
	return reply_session(r, w->auth.token, name, u->user->role, u->user->team, sr.expires_at);
}

/* Writer: the refused login's audit record. */
static int w_cert_refused(struct req *r)
{
	int rc = audit_append(r, "login", "user", 0, r->who.user, wreq_of(r)->auth.refused, false);
	if (rc)
		return rc;
	req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "the certificate belongs to another user");
	return H_OK; /* keep the audit record */
}

/* A login or resume refused for the connection's certificate (why):
 * audited as a refused login on the writer. Returns H_DEFER, or an error reply. */
static int refuse_login(struct req *r, const char *user, const char *why)
{
	log_fields(LOG_NOTICE, &(struct log_kv){ .peer = r->who.peer, .user = user, .action = "login" },
		   "%s: login refused for '%s': %s", r->who.peer, user, why);
	snprintf(r->who.user, sizeof(r->who.user), "%s", user);
	struct wreq *w = req_to_wreq(r, w_cert_refused);
	if (!w)
		return req_no_memory(r);
	snprintf(w->auth.refused, sizeof(w->auth.refused), "%s", why);
	writer_submit(r->srv, w);
	return H_DEFER;
}

int h_login(struct req *r)
{
	Kart__Login *m = r->in->login;
	if (!m->user || !*m->user || strlen(m->user) >= KART_NAME_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "user", "user name missing or too long");
	if (!m->password || strlen(m->password) >= sizeof(((struct hash_job *)0)->password))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "password", "password missing or too long");
	if (r->authed)
		r->fx.session_clear = true; /* applied as the handler returns */
	Kart__UserRecord *u = NULL;
	int rc = user_load(r->txn, &r->srv->store, m->user, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	/* who is asking, as the log and the audit trail may show it */
	char shown[KART_NAME_MAX];
	auth_record_name(r->srv, m->user, rc == 0, shown, sizeof(shown));
	snprintf(r->who.user, sizeof(r->who.user), "%s", shown);
	char why[160];
	if (!certs_user_ok(r->conn, m->user, why, sizeof(why)))
		return refuse_login(r, shown, why);
	/* an unknown user costs the same hash as a known one */
	return auth_login_then_write(r, m->user, m->password, rc == 0 ? u->password_hash : r->srv->dummy_hash, w_login,
				     login_done);
}

int h_resume(struct req *r)
{
	const char *token = r->in->resume->token;
	if (!token || !*token)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "token", "token missing");
	uint8_t key[32];
	auth_session_key(token, key);
	MDB_val k = { 32, key }, v;
	int rc = mdb_get(r->txn, r->srv->store.sessions, &k, &v);
	Kart__SessionRecord *sr = NULL;
	if (rc == 0)
		sr = kart__session_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
	Kart__UserRecord *u = NULL;
	if (rc == 0 && sr && sr->expires_at > r->now &&
	    user_load(r->txn, &r->srv->store, sr->user, &r->arena->pb, &u) == 0 && !u->user->locked) {
		char why[160];
		if (!certs_user_ok(r->conn, sr->user, why, sizeof(why)))
			return refuse_login(r, sr->user, why);
		session_begin(r, sr->user, u->user->role, u->user->team, sr->expires_at, key);
		return reply_session(r, "", sr->user, u->user->role, u->user->team, sr->expires_at);
	}
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	return req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "", "session expired or revoked; log in again");
}

static void logout_done(struct wreq *w)
{
	w->r.fx.session_clear = true;
}

int h_logout(struct req *r)
{
	struct wreq *w = wreq_of(r);
	w->done = logout_done;
	MDB_val k = { 32, r->who.session_key };
	int rc = mdb_del(r->txn, r->srv->store.sessions, &k, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = audit_append(r, "logout", "user", 0, r->who.user, "", true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_whoami(struct req *r)
{
	return reply_session(r, "", r->who.user, r->who.role, r->who.team, r->session_expires);
}

int h_cancel(struct req *r)
{
	r->fx.cancel = true;
	r->fx.cancel_id = r->in->cancel->request_id;
	req_ok(r);
	return H_OK;
}
