/* offline: the host's way back in when no admin can log in.
 *
 *   kartd unlock USER --data DIR                     lifts an admin's lock and a lockout, forgets failures
 *   kartd passwd USER --data DIR [--password-file F] sets a new password, ends the user's sessions
 *
 * Each runs in one write transaction with its audit record, chained like any
 * other (the head is read from the database, so the daemon finds it there at
 * its next start). A running kartd caches the chain head on its writer
 * thread, so these refuse while one holds the instance (DIR/kartd.lock, which
 * kartd run holds for as long as it runs), and hold the lock themselves so
 * none starts meanwhile. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "init.h"
#include "auth.h"
#include "conf.h"
#include "log.h"
#include "offline.h"
#include "text.h"
#include "upgrade.h"
#include "user.h"
#include "util.h"

#define PASSWORD_MIN 8 /* as kart user passwd requires */

struct offline {
	struct server srv;
	struct kart_config cfg;     /* srv.cfg */
	int lockfd;
};

/* Config, the instance lock, the audit key and chain head, the store.
 * Returns a process exit code (0: open). */
static int offline_open(struct offline *o, const char *dir, const char *config)
{
	struct server *srv = &o->srv;
	memset(o, 0, sizeof(*o));
	o->lockfd = -1;
	snprintf(srv->dir, sizeof(srv->dir), "%s", dir);
	srv->cfg = &o->cfg;
	char path[2048], err[512];
	if (conf_read(&o->cfg, &(struct conf_src){ .dir = dir, .file = config }, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/kartd.lock", dir);
	o->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (o->lockfd < 0) {
		log_err("%s: %s", path, strerror(errno));
		return 1;
	}
	/* made by root here, it must still open for the service's user */
	struct stat ds;
	if (stat(dir, &ds) == 0 && fchown(o->lockfd, ds.st_uid, ds.st_gid) < 0)
		log_warn("%s: cannot give it to the instance's owner: %s", path, strerror(errno));
	if (flock(o->lockfd, LOCK_EX | LOCK_NB) < 0) {
		log_err("kartd is running on %s: stop it first (systemctl stop kartd), or have an admin use "
			"kart user unlock / kart user passwd",
			dir);
		return 1;
	}
	if (kartd_load_audit_key(dir, srv->audit_key) < 0)
		return 1;
	/* the daemon grows its map past map_size on demand; a map no larger than
	 * the file would leave these changes no room */
	snprintf(path, sizeof(path), "%s/db/data.mdb", dir);
	uint64_t map = srv->cfg->map_size;
	struct stat fs;
	if (stat(path, &fs) == 0 && (uint64_t)fs.st_size * 2 > map)
		map = (uint64_t)fs.st_size * 2;
	snprintf(path, sizeof(path), "%s/db", dir);
	int rc = store_open_upgrading(&srv->store, path, map, srv->cfg->max_readers, upgrade_migrate);
	if (rc) {
		log_err("cannot open the database in %s: %s", path, store_strerror(rc));
		return 1;
	}
	if ((rc = audit_load(&srv->store, &srv->chain))) {
		log_err("cannot read the audit trail's head: %s", mdb_strerror(rc));
		return 1;
	}
	return 0;
}

static void offline_close(struct offline *o)
{
	if (o->srv.store.env)
		store_close(&o->srv.store);
	explicit_bzero(o->srv.audit_key, sizeof(o->srv.audit_key));
	if (o->lockfd >= 0)
		close(o->lockfd);
}

/* The user's sessions end: their records go. */
static int revoke_sessions(struct req *r, const char *name, unsigned *revoked)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(r->txn, r->srv->store.sessions, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Kart__SessionRecord *sr = kart__session_record__unpack(&r->arena->pb, v.mv_size, v.mv_data);
		if (!sr || !sr->user || strcmp(sr->user, name) != 0)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		(*revoked)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Runs the change for user `name` in one transaction with its audit record.
 * hash: the new password's, or NULL to unlock. Returns an exit code. */
static int offline_change(struct offline *o, const char *name, const char *hash)
{
	struct server *srv = &o->srv;
	struct arena a;
	arena_init(&a, 0);
	struct req r = { .srv = srv, .cfg = srv->cfg, .arena = &a, .now = util_now_us() };
	const struct passwd *pw = getpwuid(getuid());
	snprintf(r.who.user, sizeof(r.who.user), "host:%s", pw && pw->pw_name ? pw->pw_name : "?");
	snprintf(r.who.peer, sizeof(r.who.peer), "local");
	int64_t now_s = r.now / 1000000;
	Kart__UserRecord *u = NULL;
	const char *summary = "";
	int code = 1;
	int rc = mdb_txn_begin(srv->store.env, NULL, 0, &r.txn);
	if (rc == 0)
		rc = user_load(r.txn, &srv->store, name, &a.pb, &u);
	if (rc == MDB_NOTFOUND) {
		log_err("no user %s in %s", name, srv->dir);
		code = 4;
		goto cleanup;
	}
	if (rc)
		goto cleanup;
	Kart__User *user = u->user;
	bool admin_lock = user->locked, locked_out = user->locked_until > now_s;
	/* a lockout after failed logins ends either way: its failures are forgotten */
	user->locked_until = 0;
	user->failed_logins = 0;
	user->failed_since = 0;
	user->lockouts = 0;
	if (!hash) {
		user->locked = false;
		summary = arena_printf(&a, "offline (kartd unlock)%s%s", admin_lock ? "; was locked by an admin" : "",
				       locked_out ? "; was locked out after failed logins" : "");
		if ((rc = user_save(r.txn, &srv->store, u)) ||
		    (rc = audit_append(&r, "user.unlock", "user", 0, name, summary ? summary : "", true)))
			goto cleanup;
	} else {
		unsigned revoked = 0;
		u->password_hash = (char *)hash;
		if ((rc = user_save(r.txn, &srv->store, u)) || (rc = revoke_sessions(&r, name, &revoked)))
			goto cleanup;
		char nb[32];
		summary = arena_printf(&a, "offline (kartd passwd); %s revoked%s", TEXT_COUNT(nb, revoked, "session"),
				       admin_lock ? "; still locked by an admin" : "");
		if ((rc = audit_append(&r, "user.passwd", "user", 0, name, summary ? summary : "", true)))
			goto cleanup;
	}
	rc = mdb_txn_commit(r.txn);
	r.txn = NULL;
	if (rc == 0) {
		code = 0;
		if (!hash)
			printf("%s unlocked%s%s; audit record %llu\n", name, admin_lock ? " (was locked by an admin)" : "",
			       locked_out ? " (was locked out after failed logins)" : "", (unsigned long long)srv->chain.seq);
		else
			printf("password changed for %s; %s; audit record %llu%s\n", name, summary + strlen("offline (kartd passwd); "),
			       (unsigned long long)srv->chain.seq,
			       admin_lock ? "\n(the user is still locked by an admin: kartd unlock lifts it)" : "");
	}
cleanup:
	if (r.txn)
		mdb_txn_abort(r.txn);
	if (rc && code != 4)
		log_err("cannot change user %s: %s", name, mdb_strerror(rc));
	arena_free(&a);
	return code;
}

int kartd_unlock(const char *dir, const char *config, const char *user)
{
	struct offline o;
	int code = offline_open(&o, dir, config);
	if (code == 0)
		code = offline_change(&o, user, NULL);
	offline_close(&o);
	return code;
}

/* The first line of f without its line ending; NULL at end of file. */
static char *first_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len = getline(&line, &cap, f);
	if (len < 0) {
		free(line);
		return NULL;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return line;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Asks on the terminal with echo off. */
static char *prompt_hidden(const char *prompt)
{
	struct termios saved, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
	sigset_t block, old;
	if (tty) {
		/* no signal may leave the terminal without its echo */
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGQUIT);
		sigaddset(&block, SIGTSTP);
		sigprocmask(SIG_BLOCK, &block, &old);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *line = first_line(stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return line;
}

/* From the file, else stdin when it is not a terminal, else asked twice. */
static char *read_password(const char *file, const char *user)
{
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			log_err("cannot open password file %s: %s", file, strerror(errno));
			return NULL;
		}
		char *pw = first_line(f);
		fclose(f);
		if (!pw)
			log_err("no password in %s", file);
		return pw;
	}
	if (!isatty(STDIN_FILENO)) {
		char *pw = first_line(stdin);
		if (!pw)
			log_err("no password on standard input");
		return pw;
	}
	char prompt[128];
	snprintf(prompt, sizeof(prompt), "New password for %s: ", user);
	char *pw = prompt_hidden(prompt);
	char *again = pw ? prompt_hidden("Repeat password: ") : NULL;
	if (!pw || !again || strcmp(pw, again) != 0) {
		log_err(pw && again ? "passwords do not match" : "no password given");
		free_secret(pw);
		pw = NULL;
	}
	free_secret(again);
	return pw;
}

int kartd_passwd(const char *dir, const char *config, const char *user, const char *password_file)
{
	struct offline o;
	int code = offline_open(&o, dir, config);
	char *pw = NULL;
	char hash[256];
	if (code)
		goto done;
	code = 1;
	/* the instance is held while the password is typed: no kartd starts meanwhile */
	if (!(pw = read_password(password_file, user)))
		goto done;
	if (strlen(pw) < PASSWORD_MIN) {
		log_err("password must be at least %d characters", PASSWORD_MIN);
		goto done;
	}
	if (strlen(pw) >= sizeof(((struct hash_job *)0)->password)) {
		log_err("password too long");
		goto done;
	}
	if (auth_hash_password(o.srv.cfg, pw, hash, sizeof(hash)) < 0)
		goto done;
	code = offline_change(&o, user, hash);
done:
	free_secret(pw);
	explicit_bzero(hash, sizeof(hash));
	offline_close(&o);
	return code;
}
