/* restore: `kartd restore` and `kartd verify-backup` — a backup file (made
 * by kartd backup or kart admin backup; backup_fmt.h) checked whole and
 * unpacked into a database, then its audit chain verified with the
 * instance's key and its indexes checked against its cards.
 *
 * The file is read once: its image goes into DIR/db/data.mdb (restore) or
 * a temporary directory (verify-backup) while its SHA-256 is computed, so a
 * truncated or damaged file is known at its end, and the partial database
 * is removed. The audit key is not in the backup (nor in the database): it
 * comes from --key, or the target directory's audit.key. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "index.h"
#include "init.h"
#include "log.h"
#include "schema.h"
#include "upgrade.h"
#include "util.h"

struct sink {
	int fd;
};

static int sink_write(void *ud, const uint8_t *p, size_t n)
{
	struct sink *s = ud;
	while (n) {
		ssize_t w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Unpacks FILE's image into dbdir/data.mdb (dbdir is made), checking the
 * whole file. 0; -1 with what was written removed; -2 when dbdir could not
 * be made (it exists: nothing is touched). Why is logged. */
static int unpack(const char *file, const char *dbdir, struct backup_head *h, uint64_t *image)
{
	int in = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		log_err("%s: %s", file, strerror(errno));
		return -1;
	}
	char path[4352];
	snprintf(path, sizeof(path), "%s/data.mdb", dbdir);
	struct sink sk = { -1 };
	/* db/ is made here, never taken over: a db/ (or a link by that name) put
	 * there meanwhile by whoever owns DIR is refused */
	if (mkdir(dbdir, 0700) < 0) {
		log_err("cannot create %s: %s", dbdir, strerror(errno));
		if (in != STDIN_FILENO)
			close(in);
		return -2; /* nothing of ours to remove */
	}
	if ((sk.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		log_err("cannot create %s: %s", path, strerror(errno));
		if (in != STDIN_FILENO)
			close(in);
		rmdir(dbdir);
		return -1;
	}
	struct backup_reader rd;
	int rc = backup_reader_init(&rd, sink_write, &sk);
	size_t cap = 1 << 20;
	uint8_t *buf = rc == 0 ? malloc(cap) : NULL;
	if (!buf) {
		log_err("out of memory");
		rc = -1;
	}
	while (rc == 0) {
		ssize_t n = read(in, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("%s: %s", file, strerror(errno));
			rc = -1;
		} else if (n == 0) {
			if (backup_reader_end(&rd) < 0) {
				log_err("%s: %s; refused", file, rd.err);
				rc = -1;
			}
			break;
		} else if (backup_reader_feed(&rd, buf, (size_t)n) < 0) {
			log_err("%s: %s; refused", file, rd.err);
			rc = -1;
		}
	}
	if (rc == 0 && fsync(sk.fd) < 0) {
		log_err("%s: %s", path, strerror(errno));
		rc = -1;
	}
	close(sk.fd);
	free(buf);
	*h = rd.head;
	*image = rd.total > BACKUP_HEADER_LEN ? rd.total - BACKUP_HEADER_LEN : 0;
	backup_reader_free(&rd);
	if (in != STDIN_FILENO)
		close(in);
	if (rc)
		unlink(path);
	return rc;
}

static void remove_db(const char *dbdir)
{
	char path[4352];
	snprintf(path, sizeof(path), "%s/data.mdb", dbdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dbdir);
	unlink(path);
	rmdir(dbdir);
}

struct checks {
	int chain;                  /* audit_verify_all: 0 intact, 1 broken, -1 not run */
	struct audit_verdict v;
	bool head_matches;          /* the chain ends where the header says */
	bool indexes_checked;
	struct index_counts ix;
};

/* The chain (with key; NULL: not checked) and the indexes of the database in dbdir. */
static int check_db(const char *dbdir, const uint8_t *key, const struct backup_head *h, uint64_t image,
		    struct checks *c)
{
	memset(c, 0, sizeof(*c));
	c->chain = -1;
	struct server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -1;
	uint64_t map = image * 2 > (64u << 20) ? image * 2 : (64u << 20);
	/* a backup of an older format is brought to this one, as kartd run would */
	int rc = store_open_upgrading(&srv->store, dbdir, map, 126, upgrade_migrate);
	if (rc) {
		log_err("cannot open the restored database: %s", store_strerror(rc));
		free(srv);
		return -1;
	}
	if (key) {
		memcpy(srv->audit_key, key, 32);
		c->chain = audit_verify_all(srv, &c->v);
		c->head_matches = c->v.last_seq == h->audit_seq && memcmp(c->v.last_hash, h->audit_hash, 32) == 0;
	}
	MDB_txn *txn = NULL;
	struct schema sc = { 0 };
	rc = mdb_txn_begin(srv->store.env, NULL, MDB_RDONLY, &txn);
	if (rc == 0 && (rc = schema_sync(&sc, txn, &srv->store)) == 0 &&
	    (rc = index_check(txn, &srv->store, &sc, &c->ix, NULL, NULL)) == 0)
		c->indexes_checked = true;
	if (rc)
		log_err("cannot check the indexes: %s", mdb_strerror(rc));
	if (txn)
		mdb_txn_abort(txn);
	schema_free(&sc);
	explicit_bzero(srv->audit_key, sizeof(srv->audit_key));
	store_close(&srv->store);
	free(srv);
	return 0;
}

/* What the checks found, one line each. Returns true when all passed. */
static bool report(const char *file, const struct backup_head *h, uint64_t image, const struct checks *c)
{
	char hex[65], when[64];
	util_hex(h->audit_hash, 32, hex);
	time_t t = (time_t)(h->created / 1000000);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	printf("%s: whole, SHA-256 matches; made %s; %" PRIu64 " bytes of database\n", file, when, image);
	bool ok = true;
	if (c->chain == 0 && c->head_matches)
		printf("audit chain: intact, %" PRIu64 " records; head %" PRIu64 ":%s\n", c->v.checked, h->audit_seq, hex);
	else if (c->chain == 0) {
		printf("audit chain: intact, %" PRIu64 " records, but it ends at %" PRIu64
		       ", not at the head %" PRIu64 ":%s the backup names\n", c->v.checked, c->v.last_seq, h->audit_seq, hex);
		ok = false;
	} else if (c->chain == 1) {
		printf("audit chain: BROKEN: %s (a wrong audit key, or records altered)\n", c->v.problem);
		ok = false;
	} else {
		printf("audit chain: not verified%s%s\n", c->v.problem[0] ? ": " : " (no audit key)", c->v.problem);
		ok = false;
	}
	if (!c->indexes_checked) {
		printf("indexes: not checked\n");
		ok = false;
	} else if (c->ix.missing || c->ix.extra) {
		printf("indexes: %" PRIu64 " cards; %" PRIu64 " entries missing, %" PRIu64 " extra (kart admin reindex repairs them)\n",
		       c->ix.cards, c->ix.missing, c->ix.extra);
		ok = false;
	} else {
		printf("indexes: %" PRIu64 " cards, every entry in place\n", c->ix.cards);
	}
	fflush(stdout);
	return ok;
}

/* verify-backup's unpacked copy is the whole base in clear: an interrupt
 * removes it before the process goes (the paths are made beforehand: a
 * signal handler only unlinks) */
static char clear_copy[4][4352];

static void drop_unpacked(int sig)
{
	unlink(clear_copy[0]);
	unlink(clear_copy[1]);
	rmdir(clear_copy[2]);
	rmdir(clear_copy[3]);
	signal(sig, SIG_DFL);
	raise(sig);
}

int kartd_verify_backup(const char *file, const char *keyfile)
{
	uint8_t key[32];
	if (!keyfile) {
		log_err("verify-backup needs the instance's audit key: --key FILE (its audit.key)");
		return 2;
	}
	if (kartd_load_key_file(keyfile, key) < 0)
		return 2;
	const char *tmpdir = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/kartd-verify-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/var/tmp");
	if (!mkdtemp(dir)) {
		log_err("cannot make a directory to unpack into (%s): %s", dir, strerror(errno));
		return 1;
	}
	char dbdir[4200];
	snprintf(dbdir, sizeof(dbdir), "%s/db", dir);
	snprintf(clear_copy[0], sizeof(clear_copy[0]), "%s/data.mdb", dbdir);
	snprintf(clear_copy[1], sizeof(clear_copy[1]), "%s/lock.mdb", dbdir);
	snprintf(clear_copy[2], sizeof(clear_copy[2]), "%s", dbdir);
	snprintf(clear_copy[3], sizeof(clear_copy[3]), "%s", dir);
	signal(SIGINT, drop_unpacked);
	signal(SIGTERM, drop_unpacked);
	signal(SIGHUP, drop_unpacked);
	struct backup_head h;
	uint64_t image = 0;
	struct checks c;
	int code = 1;
	if (unpack(file, dbdir, &h, &image) == 0 && check_db(dbdir, key, &h, image, &c) == 0)
		code = report(file, &h, image, &c) ? 0 : 1;
	explicit_bzero(key, sizeof(key));
	remove_db(dbdir);
	rmdir(dir);
	return code;
}

/* A directory restore may fill: absent, empty, or holding only the files
 * kept apart from the database (kartd.conf and audit.key as plain files, tls/
 * as a directory: never links, as root may restore into a directory the
 * service's user owns, and what that user put there is not followed). 1: fit,
 * 0: not, -1: cannot tell (errno). */
static int dir_fits(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 1 : -1;
	int fits = 1;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		struct stat st;
		bool file = !strcmp(n, "kartd.conf") || !strcmp(n, "audit.key"), tls = !strcmp(n, "tls");
		if ((!file && !tls) || fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (file && !S_ISREG(st.st_mode)) || (tls && !S_ISDIR(st.st_mode)))
			fits = 0;
	}
	closedir(d);
	return fits;
}

/* The new files belong to whoever owns DIR (the service's user, when root restores). */
static void give_to_owner(const char *dir)
{
	struct stat ds;
	if (stat(dir, &ds) < 0)
		return;
	const char *names[] = { "db", "db/data.mdb", "db/lock.mdb", "audit.key" };
	char path[4352];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lchown(path, ds.st_uid, ds.st_gid) < 0 && errno != ENOENT)
			log_warn("%s: cannot give it to the directory's owner: %s", path, strerror(errno));
	}
}

/* The key the chain is checked with: --key, else DIR/audit.key. 1: loaded,
 * 0: none to be had, -1: unreadable (logged). */
static int restore_key(const char *dir, const char *keyfile, uint8_t key[32])
{
	if (keyfile)
		return kartd_load_key_file(keyfile, key) == 0 ? 1 : -1;
	char path[4352];
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	if (access(path, F_OK) < 0)
		return 0;
	return kartd_load_key_file(path, key) == 0 ? 1 : -1;
}

/* --key copied into DIR as its audit.key, unless DIR has one already. */
static int install_key(const char *dir, const char *keyfile)
{
	char path[4352];
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	struct stat st;
	if (!keyfile || fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	size_t len = 0;
	char *text = util_read_file(keyfile, &len);
	/* a new file, never through a link put there meanwhile */
	int fd = text ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	struct sink k = { fd };
	int rc = fd >= 0 && sink_write(&k, (const uint8_t *)text, len) == 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	if (rc < 0)
		log_err("cannot write %s: %s", path, strerror(errno));
	return rc;
}

int kartd_restore(const char *file, const char *dir, const char *keyfile, bool force)
{
	int fits = dir_fits(dir);
	if (fits < 0) {
		log_err("%s: %s", dir, strerror(errno));
		return 1;
	}
	if (!fits) {
		log_err("%s is not empty: restore makes a new instance (the directory may hold only kartd.conf, tls/ "
			"and audit.key, copied back from their backup)", dir);
		return 1;
	}
	uint8_t key[32];
	int have_key = restore_key(dir, keyfile, key);
	if (have_key < 0)
		return 2;
	if (!have_key && !force) {
		log_err("no audit key to verify the backup's chain with: give --key FILE (the instance's audit.key, kept "
			"apart from the database), or --force to restore without verifying it");
		return 2;
	}
	bool made = access(dir, F_OK) < 0;
	if (made && mkdir(dir, 0700) < 0) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		return 1;
	}
	char dbdir[4096];
	snprintf(dbdir, sizeof(dbdir), "%s/db", dir);
	struct backup_head h;
	uint64_t image = 0;
	struct checks c;
	int code = 1;
	int unpacked = unpack(file, dbdir, &h, &image);
	if (unpacked == -2) {
		explicit_bzero(key, sizeof(key));
		if (made)
			rmdir(dir);
		return 1;
	}
	if (unpacked < 0 || check_db(dbdir, have_key ? key : NULL, &h, image, &c) < 0)
		goto fail;
	bool ok = report(file, &h, image, &c);
	bool chain_ok = c.chain == 0 && c.head_matches;
	if (!chain_ok && !force) {
		log_err("refused: the audit key does not verify the backup's chain (a wrong key, or records altered); "
			"--force restores it all the same");
		goto fail;
	}
	if (!chain_ok)
		log_warn("restored WITHOUT a verified audit chain (--force)");
	if (install_key(dir, keyfile) < 0)
		goto fail;
	give_to_owner(dir);
	explicit_bzero(key, sizeof(key));
	char path[4352];
	snprintf(path, sizeof(path), "%s/kartd.conf", dir);
	printf("restored into %s%s\n", dir, ok ? "" : " (see above what did not check out)");
	if (access(path, F_OK) < 0)
		printf("before kartd run: copy the instance's kartd.conf and tls/ (its CA and server certificate) into %s\n",
		       dir);
	fflush(stdout);
	return 0;
fail:
	explicit_bzero(key, sizeof(key));
	remove_db(dbdir);
	if (made)
		rmdir(dir);
	return code;
}
