/* h_user: adding users, listing them, changing passwords. New hashes are
 * computed off the loop (auth.c) before the write is queued. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kartd.h"
#include "pbjson.h"

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
	if (!wreq_of(r)->aux[0])
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
	Kart__UserRecord rec = KART__USER_RECORD__INIT;
	rec.user = &user;
	rec.password_hash = wreq_of(r)->aux;
	if ((rc = put_user(r, &rec)))
		return rc;
	char role[32];
	pbjson_enum_name(&kart__role__descriptor, m->role, role, sizeof(role));
	if ((rc = audit_append(r, "user.add", "user", 0, m->name, arena_printf(r->arena, "role: %s", role), true)))
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

static int w_user_passwd(struct req *r)
{
	Kart__UserPasswd *m = r->in->user_passwd;
	if (!wreq_of(r)->aux[0])
		return req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
	Kart__UserRecord *u;
	int rc = user_load(r->txn, &r->srv->store, m->name, &r->arena->pb, &u);
	if (rc == MDB_NOTFOUND)
		return req_error(r, KART__ERROR_CODE__NOT_FOUND, "name", "no user %s", m->name);
	if (rc)
		return rc;
	u->password_hash = wreq_of(r)->aux;
	if ((rc = put_user(r, u)))
		return rc;
	/* the old password's sessions end, except the one asking */
	MDB_cursor *cur;
	if ((rc = mdb_cursor_open(r->txn, r->srv->store.sessions, &cur)))
		return rc;
	MDB_val k, v;
	unsigned revoked = 0;
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
	if ((rc = audit_append(r, "user.passwd", "user", 0, m->name,
			       revoked ? arena_printf(r->arena, "%u sessions revoked", revoked) : "", true)))
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
	return auth_then_write(r, m->password, NULL, w_user_passwd, NULL);
}
