/* user: user records — reading, writing, and the account lockout after
 * failed logins (user.h). */
#include "user.h"

#include <string.h>

#include "audit.h"
#include "log.h"
#include "writer.h"

int user_load(MDB_txn *txn, struct store *st, const char *name, ProtobufCAllocator *alloc, Kart__UserRecord **out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, st->users, &k, &v);
	if (rc)
		return rc;
	*out = kart__user_record__unpack(alloc, v.mv_size, v.mv_data);
	return *out && (*out)->user ? 0 : MDB_CORRUPTED;
}

int user_save(MDB_txn *txn, struct store *st, const Kart__UserRecord *u)
{
	size_t n = kart__user_record__get_packed_size(u);
	MDB_val k = { strlen(u->user->name), u->user->name }, v = { n, NULL };
	int rc = mdb_put(txn, st->users, &k, &v, MDB_RESERVE);
	if (rc == 0)
		kart__user_record__pack(u, v.mv_data);
	return rc;
}

/* Writer: counts a wrong password against an existing user who is not locked;
 * at login_user_max_failures within login_window_s (from any addresses; the
 * per-address blocks of auth.c stop one address long before) the account is
 * locked for login_lockout_s, doubled for every lockout since the last
 * successful login, at most login_lockout_max_s. */
#define LOCKOUT_SHIFT_MAX 20

int login_failure(struct req *r, Kart__UserRecord *u, int64_t now_s, bool *locked)
{
	const struct kart_config *cfg = r->cfg;
	Kart__User *user = u->user;
	bool blocked = wreq_of(r)->note[0] != '\0';
	if (locked)
		*locked = blocked;
	if (!cfg->login_user_max_failures)
		return 0;
	if (!user->failed_since || user->failed_since > now_s || now_s - user->failed_since >= (int64_t)cfg->login_window_s) {
		user->failed_since = now_s; /* a new window starts with this failure */
		user->failed_logins = 0;
	}
	user->failed_logins++;
	bool lock = user->failed_logins >= cfg->login_user_max_failures;
	int64_t secs = 0;
	if (lock) {
		unsigned shift = user->lockouts < LOCKOUT_SHIFT_MAX ? user->lockouts : LOCKOUT_SHIFT_MAX;
		secs = (int64_t)cfg->login_lockout_s << shift;
		if (secs > (int64_t)cfg->login_lockout_max_s)
			secs = cfg->login_lockout_max_s;
		user->locked_until = now_s + secs;
		user->lockouts++;
		user->failed_logins = 0;
		user->failed_since = 0;
	}
	if (locked)
		*locked = lock || blocked;
	int rc = user_save(r->txn, &r->srv->store, u);
	if (rc || !lock)
		return rc;
	log_fields(LOG_NOTICE, &(struct log_kv){ .peer = r->who.peer, .user = user->name, .action = "user.lockout" },
		   "%s: user '%s' locked out for %lld s after %u failed logins", r->who.peer, user->name,
		   (long long)secs, cfg->login_user_max_failures);
	const char *summary = arena_printf(r->arena, "%u failed logins within %u s; locked for %lld s, until {at} (lockout %u)",
					   cfg->login_user_max_failures, cfg->login_window_s, (long long)secs,
					   user->lockouts);
	r->audit_at = user->locked_until;
	return audit_append(r, "user.lockout", "user", 0, user->name, summary ? summary : "", false);
}
