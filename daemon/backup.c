/* backup: `kartd backup` — a consistent, compacted copy of the database while
 * kartd serves it. `kart admin backup` runs this same code in a child
 * process (h_backup.c), so its long read transaction lives in a process of
 * its own, where the daemon's map growth cannot pull the map from under it.
 *
 * One snapshot for the image and the header: LMDB's compacting copy
 * (mdb_env_copyfd2, MDB_CP_COMPACT) begins its own read transaction, so the
 * audit head it ends at cannot be read beside it. Instead a write
 * transaction is taken first (the daemon's writer waits meanwhile), the head
 * read in it, the copy started on a thread, and the write transaction given
 * back as soon as the copy's reader shows in the reader table: nothing could
 * commit in between, so the copy sees exactly what the head was read from.
 * The daemon's writes wait for that moment only (milliseconds), then go on
 * while the copy runs; LMDB keeps the snapshot's pages until it ends. */
#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define CHUNK (256 * 1024)

/* Opens the instance's database beside a running kartd: its configuration
 * (the same layers kartd run reads) for the reader table's size, a map no
 * smaller than the file. */
static int open_instance_store(const struct conf_src *src, struct store *st)
{
	const char *dir = src->dir;
	struct kart_config cfg;
	char path[2048], err[512];
	if (conf_read(&cfg, src, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/db/data.mdb", dir);
	struct stat fs;
	if (stat(path, &fs) < 0) {
		log_err("%s: %s (is %s a kartd instance?)", path, strerror(errno), dir);
		return -1;
	}
	uint64_t map = cfg.map_size;
	if ((uint64_t)fs.st_size * 2 > map)
		map = (uint64_t)fs.st_size * 2;
	snprintf(path, sizeof(path), "%s/db", dir);
	int rc = store_open(st, path, map, cfg.max_readers, false);
	if (rc) {
		log_err("cannot open the database in %s: %s", path, store_strerror(rc));
		return -1;
	}
	return 0;
}

/* The head of the audit chain and the hash of its first record, in txn. */
static int read_head(MDB_txn *txn, struct store *st, struct backup_head *h)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->audit, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	for (; rc == 0 && k.mv_size != 8; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV))
		;
	if (rc == 0 && v.mv_size >= 32) {
		h->audit_seq = store_key_u64(k.mv_data);
		memcpy(h->audit_hash, v.mv_data, 32);
	}
	if (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0 && v.mv_size >= 32)
		memcpy(h->chain_id, v.mv_data, 32);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	if (rc == 0) {
		rc = store_meta_get_u64(txn, st, "schema", &h->schema);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	return rc;
}

struct copy {
	MDB_env *env;
	int fd;                     /* the pipe's writing end */
	int rc;
	atomic_bool done;
};

static void *copy_thread(void *arg)
{
	struct copy *c = arg;
	c->rc = mdb_env_copyfd2(c->env, c->fd, MDB_CP_COMPACT);
	close(c->fd);
	atomic_store(&c->done, true);
	return NULL;
}

/* mdb_reader_list's lines: "pid thread txnid", txnid "-" when idle. */
static int reader_line(const char *msg, void *ctx)
{
	int pid;
	char tid[32], txn[32];
	if (sscanf(msg, "%d %31s %31s", &pid, tid, txn) == 3 && pid == getpid() && strcmp(txn, "-") != 0)
		*(bool *)ctx = true;
	return 0;
}

/* Waits (the write transaction held) until the copy's read transaction has
 * begun or the copy has ended. */
static void wait_for_copy_reader(struct copy *c)
{
	for (int i = 0; i < 100000 && !atomic_load(&c->done); i++) {
		bool seen = false;
		mdb_reader_list(c->env, reader_line, &seen);
		if (seen)
			return;
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	if (!atomic_load(&c->done))
		log_warn("backup: the copy's snapshot did not show in time; its audit head may be earlier than the copy");
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The write transaction that pins the snapshot; the map adopted when the
 * daemon has grown it. */
static int begin_pin(struct store *st, MDB_txn **w)
{
	int rc;
	for (int i = 0; i < 3; i++) {
		rc = mdb_txn_begin(st->env, NULL, 0, w);
		if (rc != MDB_MAP_RESIZED)
			break;
		mdb_env_set_mapsize(st->env, 0);
	}
	return rc;
}

/* The image from the copy's pipe to out_fd, hashed. */
static int pump_image(int in, int out_fd, struct backup_writer *bw)
{
	uint8_t *buf = malloc(CHUNK);
	if (!buf)
		return -1;
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("backup: reading the copy: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		backup_writer_add(bw, buf, (size_t)n, true);
		if (write_all(out_fd, buf, (size_t)n) < 0) {
			log_err("backup: cannot write the backup: %s", strerror(errno));
			rc = -1;
			break;
		}
	}
	free(buf);
	return rc;
}

int backup_write(const struct conf_src *src, int out_fd, struct backup_head *head)
{
	struct store st;
	memset(head, 0, sizeof(*head));
	if (open_instance_store(src, &st) < 0)
		return -1;
	struct backup_writer bw;
	struct copy c = { .env = st.env, .fd = -1 };
	int pfd[2] = { -1, -1 }, result = -1;
	bool thread = false;
	pthread_t tid;
	MDB_txn *w = NULL;
	if (backup_writer_init(&bw) < 0) {
		store_close(&st);
		return -1;
	}
	int rc = begin_pin(&st, &w);
	if (rc == 0)
		rc = read_head(w, &st, head);
	if (rc) {
		log_err("backup: cannot read the database: %s", mdb_strerror(rc));
		goto out;
	}
	head->version = BACKUP_VERSION;
	head->created = util_now_us();
	uint8_t hb[BACKUP_HEADER_LEN];
	backup_head_encode(head, hb);
	backup_writer_add(&bw, hb, sizeof(hb), false);
	if (write_all(out_fd, hb, sizeof(hb)) < 0) {
		log_err("backup: cannot write the backup: %s", strerror(errno));
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_err("backup: pipe: %s", strerror(errno));
		goto out;
	}
	fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	c.fd = pfd[1];
	if (pthread_create(&tid, NULL, copy_thread, &c) != 0) {
		log_err("backup: cannot start the copy");
		goto out;
	}
	thread = true;
	pfd[1] = -1; /* the thread closes it */
	wait_for_copy_reader(&c);
	mdb_txn_abort(w);
	w = NULL;
	int prc = pump_image(pfd[0], out_fd, &bw);
	close(pfd[0]); /* a copy still writing gets EPIPE and ends */
	pfd[0] = -1;
	pthread_join(tid, NULL);
	thread = false;
	if (c.rc) {
		log_err("backup: the copy failed: %s", mdb_strerror(c.rc));
		goto out;
	}
	if (prc < 0)
		goto out;
	uint8_t tb[BACKUP_TRAILER_LEN];
	backup_writer_trailer(&bw, tb);
	if (write_all(out_fd, tb, sizeof(tb)) < 0) {
		log_err("backup: cannot write the backup: %s", strerror(errno));
		goto out;
	}
	result = 0;
out:
	if (w)
		mdb_txn_abort(w);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (thread)
		pthread_join(tid, NULL);
	backup_writer_free(&bw);
	store_close(&st);
	return result;
}

/* ---- kartd backup ---- */

int kartd_backup(const struct conf_src *src, const char *out, bool force)
{
	struct backup_head h;
	bool to_stdout = strcmp(out, "-") == 0;
	if (to_stdout) {
		if (isatty(STDOUT_FILENO)) {
			log_err("standard output is a terminal: give the file with -o FILE");
			return 2;
		}
		return backup_write(src, STDOUT_FILENO, &h) == 0 ? 0 : 1;
	}
	struct stat sb;
	if (stat(out, &sb) == 0 && !force) {
		log_err("%s exists; use --force to replace it", out);
		return 2;
	}
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.part-XXXXXX", out) >= sizeof(tmp)) {
		log_err("%s: path too long", out);
		return 2;
	}
	int fd = mkostemp(tmp, O_CLOEXEC); /* 0600: it holds the whole base */
	if (fd < 0) {
		log_err("cannot create %s: %s", tmp, strerror(errno));
		return 1;
	}
	int rc = backup_write(src, fd, &h);
	if (rc == 0 && fsync(fd) < 0) {
		log_err("%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (close(fd) < 0 && rc == 0) {
		log_err("%s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp, out) < 0) {
		log_err("cannot rename %s to %s: %s", tmp, out, strerror(errno));
		rc = -1;
	}
	if (rc) {
		unlink(tmp);
		return 1;
	}
	char hex[65];
	util_hex(h.audit_hash, 32, hex);
	if (stat(out, &sb) < 0)
		sb.st_size = 0;
	printf("backup of %s written to %s: %lld bytes, audit head %" PRIu64 ":%s\n", src->dir, out, (long long)sb.st_size,
	       h.audit_seq, hex);
	return 0;
}
