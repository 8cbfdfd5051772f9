/* h_user: adding users, listing them, changing passwords, locking and
 * offboarding them, their export permission and quota. New hashes are
 * computed off the loop (auth.c) before the write is queued. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "audit.h"
#include "auth.h"
#include "card.h"
#include "export.h"
#include "export_policy.h"
#include "handlers.h"
#include "log.h"
#include "pbjson.h"
#include "reads.h"
#include "req.h"
#include "text.h"
#include "user.h"
#include "writer.h"

#define PASSWORD_MIN 8

static int check_name(struct req *r, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= KART_NAME_MAX)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name must be 1 to %d characters",
				 KART_NAME_MAX - 1);
	if (!islower((unsigned char)name[0]))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name must start with a letter a-z");
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) && !strchr("._-", name[i]))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name",
					 "user name may hold only a-z, 0-9, '.', '_' and '-'");
	return H_OK;
}

static int check_password(struct req *r, const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < PASSWORD_MIN)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "password", "password must be at least %d characters",
				 PASSWORD_MIN);
	if (n >= sizeof(((struct hash_job *)0)->password))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "password", "password too long");
	return H_OK;
}

static int put_user(struct req *r, const Kart__UserRecord *u)
{
	size_t n = kart__user_record__get_packed_size(u);
	MDB_val k = { strlen(u->user->name), u->user->name }, v = { n, NULL };
	int rc = mdb_put(r->txn, r->srv->store.users, &k, &v, MDB_RESERVE);
	if (rc == 0)
		kart__user_record__pack(u, v.mv_data);
	return rc;
}

static int w_user_add(struct req *r)
{
	Kart__UserAdd *m = r->in->user_add;
	if (!wreq_of(r)->auth.hash[0])
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
	Kart__UserRecord *old;
	int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &old);
	if (rc == 0)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "name", "user %s already exists", m->name);
	if (rc != MDB_NOTFOUND)
		return rc;
	Kart__User user = KART__USER__INIT;
	user.name = m->name;
	user.role = m->role;
	user.created_at = r->now / 1000000;
	user.created_by = r->who.user;
	user.team = m->team ? m->team : (char *)"";
	Kart__UserRecord rec = KART__USER_RECORD__INIT;
	rec.user = &user;
	rec.password_hash = wreq_of(r)->auth.hash;
	if ((rc = put_user(r, &rec)))
		return rc;
	char role[32];
	pbjson_enum_name(&kart__role__descriptor, m->role, role, sizeof(role));
	if ((rc = audit_append(r, "user.add", "user", 0, m->name,
			       arena_printf(r->arena, "role: %s%s%s", role, m->team && *m->team ? ", team: " : "",
					    m->team ? m->team : ""),
			       true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_user_add(struct req *r)
{
	Kart__UserAdd *m = r->in->user_add;
	int rc = check_name(r, m->name);
	if (rc)
		return rc;
	if (m->role <= KART__ROLE__ROLE_UNSPECIFIED || m->role > KART__ROLE__ROLE_AUDITOR)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "role",
				 "role must be admin, supervisor, manager or auditor");
	if ((rc = check_password(r, m->password)))
		return rc;
	if (req_check_text(r, "team", m->team, false) != H_OK)
		return H_ABORT;
	if (m->team && (strlen(m->team) >= KART_NAME_MAX || !text_utf8_valid(m->team, strlen(m->team))))
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "team", "team: at most %d characters of text", KART_NAME_MAX - 1);
	Kart__UserRecord *old;
	rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &old);
	if (rc == 0)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "name", "user %s already exists", m->name);
	if (rc != MDB_NOTFOUND)
		return rc;
	return auth_then_write(r, m->password, NULL, w_user_add, NULL);
}

int h_user_list(struct req *r)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.users, &cur);
	if (rc)
		return rc;
	Kart__UserPage *page = arena_alloc(r->arena, sizeof(*page));
	if (!page) {
		mdb_cursor_close(cur);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory");
	}
	kart__user_page__init(page);
	size_t cap = 0;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__UserRecord *u = kart__user_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!u || !u->user)
			continue;
		if (page->n_users == cap) {
			cap = cap ? cap * 2 : 16;
			Kart__User **na = arena_alloc(r->arena, cap * sizeof(*na));
			if (!na)
				break;
			if (page->n_users)
				memcpy(na, page->users, page->n_users * sizeof(*na));
			page->users = na;
		}
		page->users[page->n_users++] = u->user;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc != 0)
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_USER_PAGE;
	r->out.user_page = page;
	return H_OK;
}

/* Writer: a change of one's own password refused, audited. A wrong current
 * password counts toward the lockout like a failed login (a session left
 * open must not be a way to guess it); the guess that locks the user out
 * also ends the session it came from. While locked out even the right one
 * is refused, in the same words. */
static int passwd_refused(struct req *r, const Kart__UserPasswd *m, bool wrong)
{
	Kart__UserRecord *u;
	int64_t now_s = r->now / 1000000;
	bool locked = false;
	int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0 && wrong && !u->user->locked && u->user->locked_until <= now_s &&
	    (rc = login_failure(r, u, now_s, &locked)))
		return rc;
	if (locked) {
		MDB_val k = { 32, r->who.session_key };
		if ((rc = mdb_del(r->txn, r->srv->store.sessions, &k, NULL)) && rc != MDB_NOTFOUND)
			return rc;
	}
	if ((rc = audit_append(r, "user.passwd", "user", 0, m->name,
			       wrong ? (locked ? "refused: wrong current password; locked out, the session ended"
					       : "refused: wrong current password")
				     : "refused: locked out after failed logins",
			       false)))
		return rc;
	req_error(r, KART__ERROR_CODE__UNAUTHENTICATED, "old_password", "the current password is wrong");
	return H_OK; /* keep the audit record */
}

static int w_user_passwd(struct req *r)
{
	Kart__UserPasswd *m = r->in->user_passwd;
	if (r->who.role != KART__ROLE__ROLE_ADMIN) {
		/* one's own, with the current password (h_user_passwd) */
		if (!wreq_of(r)->auth.verified)
			return passwd_refused(r, m, true);
		Kart__UserRecord *u;
		int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
		if (rc && rc != MDB_NOTFOUND)
			return rc;
		if (rc == 0 && u->user->locked_until > r->now / 1000000)
			return passwd_refused(r, m, false);
	}
	if (!wreq_of(r)->auth.hash[0]) {
		log_err("user passwd %s: hashing the new password failed", m->name);
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
	}
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", m->name);
	if (rc)
		return rc;
	u->password_hash = wreq_of(r)->auth.hash;
	if ((rc = put_user(r, u)))
		return rc;
	/* the old password's sessions end, except the one asking */
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, r->srv->store.sessions, &cur)))
		return rc;
	MDB_val k, v;
	uint32_t revoked = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__SessionRecord *sr = kart__session_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!sr || strcmp(sr->user, m->name) != 0 || (k.mv_size == 32 && memcmp(k.mv_data, r->who.session_key, 32) == 0))
			continue;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		revoked++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;
	char nb[32];
	if ((rc = audit_append(r, "user.passwd", "user", 0, m->name,
			       revoked ? arena_printf(r->arena, "%s revoked", TEXT_COUNT(nb, revoked, "session")) : "",
			       true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_user_passwd(struct req *r)
{
	Kart__UserPasswd *m = r->in->user_passwd;
	if (!m->name || !*m->name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	if (r->who.role != KART__ROLE__ROLE_ADMIN && strcmp(m->name, r->who.user) != 0)
		return req_error(r, KART__ERROR_CODE__PERMISSION_DENIED, "name",
				 "permission denied: only an admin may change another user's password");
	int rc = check_password(r, m->password);
	if (rc)
		return rc;
	Kart__UserRecord *u;
	rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", m->name);
	if (rc)
		return rc;
	if (r->who.role != KART__ROLE__ROLE_ADMIN) {
		/* one's own password: only with the current one, so a session left
		 * open cannot take the account over */
		if (!m->old_password || !*m->old_password)
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "old_password",
					 "give your current password to change it");
		if (strlen(m->old_password) >= sizeof(((struct hash_job *)0)->password))
			return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "old_password", "password too long");
		return auth_change_then_write(r, m->old_password, u->password_hash, m->password, w_user_passwd);
	}
	return auth_then_write(r, m->password, NULL, w_user_passwd, NULL);
}

/* ---- locking and offboarding ---- */

/* User `name`'s sessions. revoke: ends every one — their records go, so even
 * a connection already open is refused at its next request (dispatch.c checks
 * the record) — and counts them; else counts those still live. */
static int user_sessions(struct req *r, const char *name, bool revoke, uint32_t *n)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.sessions, &cur);
	if (rc)
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	int64_t now = r->now / 1000000;
	MDB_val k, v;
	*n = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		arena_reset(&scratch);
		Kart__SessionRecord *sr = kart__session_record__unpack(&scratch.pb, v.mv_size, v.mv_data);
		if (!sr || !sr->user || strcmp(sr->user, name) != 0 || (!revoke && sr->expires_at <= now))
			continue;
		if (revoke && (rc = mdb_cursor_del(cur, 0)))
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	arena_free(&scratch);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Locks u (an admin's lock, until unlocked) and ends their sessions. */
static int lock_user(struct req *r, Kart__UserRecord *u, uint32_t *revoked)
{
	u->user->locked = true;
	int rc = user_save(r->txn, &r->srv->store, u);
	return rc ? rc : user_sessions(r, u->user->name, true, revoked);
}

int h_user_lock(struct req *r)
{
	Kart__UserLock *m = r->in->user_lock;
	if (!m->name || !*m->name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	if (!m->unlock && strcmp(m->name, r->who.user) == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "you cannot lock yourself out");
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", m->name);
	if (rc)
		return rc;
	bool was;
	uint32_t revoked = 0;
	if (m->unlock) {
		/* also ends a lockout after failed logins; the count of lockouts stays,
		 * so the next one still lasts longer */
		was = u->user->locked || u->user->locked_until > r->now / 1000000;
		u->user->locked = false;
		u->user->locked_until = 0;
		u->user->failed_logins = 0;
		u->user->failed_since = 0;
		if ((rc = user_save(r->txn, &r->srv->store, u)))
			return rc;
		if ((rc = audit_append(r, "user.unlock", "user", 0, m->name, was ? "" : "was not locked", true)))
			return rc;
	} else {
		char nb[32];
		was = u->user->locked || u->user->locked_until > r->now / 1000000;
		if ((rc = lock_user(r, u, &revoked)))
			return rc;
		if ((rc = audit_append(r, "user.lock", "user", 0, m->name,
				       arena_printf(r->arena, "%s revoked", TEXT_COUNT(nb, revoked, "session")), true)))
			return rc;
	}
	Kart__UserLockResult *res = arena_alloc(r->arena, sizeof(*res));
	if (!res)
		return ENOMEM;
	kart__user_lock_result__init(res);
	res->user = u->user->name;
	res->locked = u->user->locked;
	res->was_locked = was;
	res->sessions_revoked = revoked;
	r->out.body_case = KART__ENVELOPE__BODY_USER_LOCK_RESULT;
	r->out.user_lock_result = res;
	return H_OK;
}

int h_user_show(struct req *r)
{
	const char *name = r->in->user_show->name ? r->in->user_show->name : "";
	struct store *st = &r->srv->store;
	if (!*name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	Kart__UserRecord *u;
	int rc = user_load(r->txn, st, name, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	/* an admin sees anyone; a supervisor the members of their team (as the
	 * team is now); anyone else themselves. Another user answers like one
	 * that does not exist. */
	bool seen = rc == 0 && (r->who.role == KART__ROLE__ROLE_ADMIN || strcmp(name, r->who.user) == 0);
	if (rc == 0 && !seen && r->who.role == KART__ROLE__ROLE_SUPERVISOR) {
		Kart__UserRecord *me;
		int mrc = user_load(r->txn, st, r->who.user, &r->arena->pb, &me);
		if (mrc && mrc != MDB_NOTFOUND)
			return mrc;
		const char *team = mrc == 0 && me->user->team ? me->user->team : "";
		seen = *team && strcmp(u->user->team ? u->user->team : "", team) == 0;
	}
	if (!seen)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %.64s", name);
	Kart__UserInfo *info = arena_alloc(r->arena, sizeof(*info));
	if (!info)
		return ENOMEM;
	kart__user_info__init(info);
	info->user = u->user;
	info->export_granted = u->user->export_set;
	bool may = false;
	if ((rc = user_sessions(r, name, false, &info->sessions)) ||
	    (rc = export_user_standing(r, u->user, &may, &info->export_quota, &info->exported_today)))
		return rc;
	info->may_export = may;
	info->may_import = may_import(u->user);
	r->out.body_case = KART__ENVELOPE__BODY_USER_INFO;
	r->out.user_info = info;
	return H_OK;
}

/* ---- a user's export permission and quota (writer) ---- */

int h_user_grant(struct req *r)
{
	Kart__UserGrant *m = r->in->user_grant;
	const char *name = m->name ? m->name : "", *perm = m->permission ? m->permission : "";
	if (!*name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	bool imp = strcmp(perm, "import") == 0;
	if (!imp && strcmp(perm, "export") != 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "permission",
				 "unknown permission '%.64s' (there are: export, import)", perm);
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", name);
	if (rc)
		return rc;
	if (!m->revoke && u->user->role == KART__ROLE__ROLE_AUDITOR)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "%s is an auditor: auditors see no cards to %s",
				 name, imp ? "import into" : "export");
	if (imp) {
		u->user->import_set = true;
		u->user->can_import = !m->revoke;
	} else {
		u->user->export_set = true;
		u->user->can_export = !m->revoke;
	}
	if ((rc = user_save(r->txn, &r->srv->store, u)) ||
	    (rc = audit_append(r, m->revoke ? "user.revoke" : "user.grant", "user", 0, name, imp ? "import" : "export", true)))
		return rc;
	req_ok(r);
	return H_OK;
}

int h_user_quota(struct req *r)
{
	Kart__UserQuota *m = r->in->user_quota;
	const char *name = m->name ? m->name : "";
	if (!*name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", name);
	if (rc)
		return rc;
	u->user->export_per_day = m->export_per_day;
	const char *what = m->export_per_day == 0		 ? "export_per_day: the role's default"
			   : m->export_per_day == QUOTA_UNLIMITED ? "export_per_day: unlimited"
								  : arena_printf(r->arena, "export_per_day: %u", m->export_per_day);
	if ((rc = user_save(r->txn, &r->srv->store, u)) || (rc = audit_append(r, "user.quota", "user", 0, name, what, true)))
		return rc;
	req_ok(r);
	return H_OK;
}

/* A growable array of fixed-size keys, malloc'ed (a user may own many cards). */
struct keys {
	uint8_t *p;
	size_t n, cap, size;
};

static int keys_add(struct keys *ks, const void *key)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 256;
		uint8_t *np = realloc(ks->p, cap * ks->size);
		if (!np)
			return ENOMEM;
		ks->p = np;
		ks->cap = cap;
	}
	memcpy(ks->p + ks->n++ * ks->size, key, ks->size);
	return 0;
}

/* Hands every card owned by `from` to `to`, each through card_commit so its
 * history and indexes follow: the live cards (trash false; their ids from
 * ix_owner) or those in the trash (a walk of it: it is not indexed), so a
 * card restored later is the new owner's too. The ids are collected before
 * any card changes. */
static int offboard_cards(struct req *r, bool trash, const char *from, const char *to, uint64_t *count)
{
	struct store *st = &r->srv->store;
	struct keys ids = { .size = 8 };
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, trash ? st->trash : st->ix_owner, &cur);
	if (rc) {
		arena_free(&scratch);
		return rc;
	}
	MDB_val k = { strlen(from), (void *)from }, v;
	if (trash) {
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			arena_reset(&scratch);
			Kart__Card *c = kart__card__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (k.mv_size == 8 && c && c->owner && strcmp(c->owner, from) == 0 && (rc = keys_add(&ids, k.mv_data)))
				break;
		}
	} else {
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
			if (v.mv_size == 8 && (rc = keys_add(&ids, v.mv_data)))
				break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (size_t i = 0; rc == 0 && i < ids.n; i++) {
		arena_reset(&scratch);
		struct req sub = *r;
		sub.arena = &scratch;
		Kart__Card *c;
		rc = card_load(r->txn, trash ? st->trash : st->cards, store_key_u64(ids.p + i * 8), &scratch, &c);
		if (rc == MDB_NOTFOUND) {
			rc = 0; /* an index entry without its card: reindex repairs it */
			continue;
		}
		if (rc)
			break;
		if (strcmp(c->owner ? c->owner : "", from) != 0)
			continue;
		Kart__Card *before = card_copy(&scratch, c);
		if (!before) {
			rc = ENOMEM;
			break;
		}
		c->owner = (char *)to;
		c->version++;
		c->updated_at = r->now / 1000000;
		c->updated_by = r->who.user;
		if ((rc = card_commit(&sub, before, c, trash ? CARD_IN_TRASH : CARD_LIVE)))
			break;
		(*count)++;
	}
	arena_free(&scratch);
	free(ids.p);
	return rc;
}

/* Hands every deal (deals: id -> Deal) or open reminder (reminders: at||id ->
 * Reminder) owned by `from` to `to`. The keys are collected first and the
 * records rewritten after the cursor is closed. */
static int offboard_records(struct req *r, MDB_dbi dbi, bool deals, const char *from, const char *to, uint64_t *count)
{
	struct keys keys = { .size = deals ? 8 : 16 };
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, dbi, &cur);
	if (rc) {
		arena_free(&scratch);
		return rc;
	}
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != keys.size)
			continue;
		arena_reset(&scratch);
		const char *owner = NULL;
		if (deals) {
			Kart__Deal *d = kart__deal__unpack(&scratch.pb, v.mv_size, v.mv_data);
			owner = d ? d->owner : NULL;
		} else {
			Kart__Reminder *rem = kart__reminder__unpack(&scratch.pb, v.mv_size, v.mv_data);
			owner = rem ? rem->owner : NULL;
		}
		if (owner && strcmp(owner, from) == 0 && (rc = keys_add(&keys, k.mv_data)))
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	for (size_t i = 0; rc == 0 && i < keys.n; i++) {
		arena_reset(&scratch);
		k.mv_size = keys.size;
		k.mv_data = keys.p + i * keys.size;
		if ((rc = mdb_get(r->txn, dbi, &k, &v)))
			break;
		if (deals) {
			Kart__Deal *d = kart__deal__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (!d) {
				rc = MDB_CORRUPTED;
				break;
			}
			d->owner = (char *)to;
			d->updated_at = r->now / 1000000;
			d->updated_by = r->who.user;
			v.mv_size = kart__deal__get_packed_size(d);
			if ((rc = mdb_put(r->txn, dbi, &k, &v, MDB_RESERVE)))
				break;
			kart__deal__pack(d, v.mv_data);
		} else {
			Kart__Reminder *rem = kart__reminder__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (!rem) {
				rc = MDB_CORRUPTED;
				break;
			}
			rem->owner = (char *)to;
			v.mv_size = kart__reminder__get_packed_size(rem);
			if ((rc = mdb_put(r->txn, dbi, &k, &v, MDB_RESERVE)))
				break;
			kart__reminder__pack(rem, v.mv_data);
		}
		(*count)++;
	}
	arena_free(&scratch);
	free(keys.p);
	return rc;
}

#define RECENT_DAYS 30
#define RECENT_MAX 1000
#define RECENT_SCAN_MAX 2000000   /* audit records examined at most: the writer waits meanwhile */

/* The user's own audit events of the last RECENT_DAYS days, newest first.
 * This is the departure report as far as the audit trail records it; the
 * records of what the user read and exported are added by a later issue. */
static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Room in *v for n more ids. */
static bool ids_reserve(uint64_t **v, size_t len, size_t *cap, uint64_t n)
{
	if (n > SIZE_MAX / 16 - len)
		return false;
	if (len + n <= *cap)
		return true;
	size_t c = *cap ? *cap : 1024;
	while (c < len + n)
		c *= 2;
	uint64_t *nv = realloc(*v, c * sizeof(*nv));
	if (!nv)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

/* Appends the cards of export xid to *v. */
static bool export_ids_add(struct req *r, uint64_t xid, uint64_t **v, size_t *len, size_t *cap)
{
	MDB_val val;
	struct export_blob b;
	if (store_get_id(r->txn, r->srv->store.export_cards, xid, &val) != 0 ||
	    export_blob_view(val.mv_data, val.mv_size, &b) < 0)
		return true;
	if (!ids_reserve(v, *len, cap, b.ncards))
		return false;
	for (uint64_t i = 0; i < b.ncards; i++)
		(*v)[(*len)++] = export_blob_id(&b, i);
	return true;
}

/* How many cards, and reads, the user received in the last 30 days
 * (reads_by_user: user \0 time(u64 us) card(u64) -> how, and an export's
 * record with its id and READS_EXPORT_MARK: its cards are in export_cards). */
static int recent_reads(struct req *r, const char *name, Kart__OffboardReport *rep)
{
	size_t nl = strlen(name), cap = 0, n = 0;
	uint64_t *ids = NULL;
	uint8_t *key = arena_alloc(r->arena, nl + 1 + 8);
	MDB_cursor *cur;
	if (!key)
		return ENOMEM;
	memcpy(key, name, nl + 1);
	store_u64_key((uint64_t)(r->now - (int64_t)30 * 86400 * 1000000), key + nl + 1);
	int rc = mdb_cursor_open(r->txn, r->srv->store.reads_by_user, &cur);
	if (rc)
		return rc;
	MDB_val k = { nl + 1 + 8, key }, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < nl + 1 + 16 || memcmp(k.mv_data, name, nl + 1) != 0)
			break;
		const uint8_t *p = k.mv_data;
		uint64_t id = store_key_u64(p + nl + 1 + 8);
		bool ok;
		if (k.mv_size == nl + 1 + 17 && p[nl + 1 + 16] == READS_EXPORT_MARK) {
			ok = export_ids_add(r, id, &ids, &n, &cap);
		} else if (k.mv_size == nl + 1 + 16) {
			if ((ok = ids_reserve(&ids, n, &cap, 1)))
				ids[n++] = id;
		} else {
			continue;
		}
		if (!ok) {
			rc = ENOMEM;
			break;
		}
		rep->reads++;
	}
	mdb_cursor_close(cur);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			rep->cards_read++;
	free(ids);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int recent_events(struct req *r, const char *name, Kart__OffboardReport *rep)
{
	int64_t since = r->now - (int64_t)RECENT_DAYS * 86400 * 1000000;
	Kart__AuditEvent **events = arena_alloc(r->arena, RECENT_MAX * sizeof(*events));
	if (!events)
		return ENOMEM;
	rep->recent = events;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.audit, &cur);
	if (rc)
		return rc;
	struct arena scratch;
	arena_init(&scratch, 0);
	MDB_val k, v;
	size_t scanned = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0 && rep->n_recent < RECENT_MAX && scanned < RECENT_SCAN_MAX;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV), scanned++) {
		arena_reset(&scratch);
		Kart__AuditEvent *e = audit_decode(&v, &scratch.pb);
		if (!e)
			continue;
		if (e->time < since)
			break;
		if (!e->user || strcmp(e->user, name) != 0)
			continue;
		if (!(e = audit_decode(&v, &r->arena->pb))) {
			rc = ENOMEM;
			break;
		}
		events[rep->n_recent++] = e;
	}
	mdb_cursor_close(cur);
	arena_free(&scratch);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int h_user_offboard(struct req *r)
{
	Kart__UserOffboard *m = r->in->user_offboard;
	struct store *st = &r->srv->store;
	const char *name = m->name ? m->name : "", *to = m->to ? m->to : "";
	if (!*name)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "user name missing");
	if (!*to)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "to", "to: who takes over the cards? (a user name)");
	if (strcmp(name, to) == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "to", "to: the cards must go to another user");
	if (strcmp(name, r->who.user) == 0)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "name", "you cannot offboard yourself");
	Kart__UserRecord *u = NULL, *dst;
	int rc = user_load(r->txn, st, name, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	const char *team = "";
	if (r->who.role == KART__ROLE__ROLE_SUPERVISOR) {
		/* within their own team only, as the team is now (not as it was at
		 * login); a user who does not exist answers like one of another team
		 * or role, so names cannot be guessed through it */
		Kart__UserRecord *me;
		int mrc = user_load(r->txn, st, r->who.user, &r->arena->pb, &me);
		if (mrc && mrc != MDB_NOTFOUND)
			return mrc;
		team = mrc == 0 && me->user->team ? me->user->team : "";
		if (rc == MDB_NOTFOUND || !*team || strcmp(u->user->team ? u->user->team : "", team) != 0 ||
		    u->user->role != KART__ROLE__ROLE_MANAGER)
			return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no manager %.64s in your team", name);
	} else if (rc == MDB_NOTFOUND) {
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", name);
	}
	if ((rc = acl_check_owner(r, to, "to", &dst)))
		return rc;
	if (*team && strcmp(dst->user->team ? dst->user->team : "", team) != 0)
		return acl_owner_refused(r, to, "to");
	if (dst->user->locked)
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "to", "to: user %s is locked; hand the work to an active user", to);
	/* another team: the cards leave the team and its supervisor, so only on purpose */
	const char *from_team = u->user->team ? u->user->team : "", *to_team = dst->user->team ? dst->user->team : "";
	bool cross = strcmp(from_team, to_team) != 0;
	const char *from_desc = *from_team ? arena_printf(r->arena, "team %s", from_team) : "no team";
	const char *to_desc = *to_team ? arena_printf(r->arena, "team %s", to_team) : "no team";
	if (!from_desc || !to_desc)
		return ENOMEM;
	if (cross && !m->force)
		return req_error(r, KART__ERROR_CODE__CONFLICT, "to",
				 "to: %s is in %s, %s in %s: the cards would leave %s and its supervisor; "
				 "add --force to hand them over anyway",
				 to, to_desc, name, from_desc, *from_team ? from_desc : "the users without a team");

	Kart__OffboardReport *rep = arena_alloc(r->arena, sizeof(*rep));
	if (!rep)
		return ENOMEM;
	kart__offboard_report__init(rep);
	rep->user = u->user->name;
	rep->to = dst->user->name;
	u->user->offboarded_at = r->now / 1000000;
	u->user->offboarded_to = dst->user->name;
	uint32_t revoked = 0;
	if ((rc = lock_user(r, u, &revoked)))
		return rc;
	rep->sessions = revoked;
	if ((rc = offboard_cards(r, false, name, to, &rep->cards)) ||
	    (rc = offboard_cards(r, true, name, to, &rep->trashed_cards)))
		return rc;
	if ((rc = offboard_records(r, st->deals, true, name, to, &rep->deals)))
		return rc;
	if ((rc = offboard_records(r, st->reminders, false, name, to, &rep->reminders)))
		return rc;
	char n1[32], n2[32], n3[32], n4[32];
	if ((rc = audit_append(r, "user.offboard", "user", 0, name,
			       arena_printf(r->arena,
					    "locked; to %s%s%s%s%s%s: %s (and %" PRIu64 " in the trash), %s, %s; %s revoked",
					    to, cross ? " (another team, forced: " : "", cross ? from_desc : "", cross ? " -> " : "",
					    cross ? to_desc : "", cross ? ")" : "", TEXT_COUNT(n1, rep->cards, "card"),
					    rep->trashed_cards, TEXT_COUNT(n2, rep->deals, "deal"),
					    TEXT_COUNT(n3, rep->reminders, "reminder"), TEXT_COUNT(n4, revoked, "session")),
			       true)))
		return rc;
	if ((rc = recent_events(r, name, rep)) || (rc = recent_reads(r, name, rep)))
		return rc;
	r->out.body_case = KART__ENVELOPE__BODY_OFFBOARD_REPORT;
	r->out.offboard_report = rep;
	return H_OK;
}
