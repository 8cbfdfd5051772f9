/* store: the LMDB environment, its named databases and their format
 * version, the loop's read transaction, growing the map (store.h). */
#include "store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

/* The format version the base records (meta "schema"). Every base made
 * before the version was raised holds 1: format 1 wrote "schema" = 1 at
 * every open, so a base without the key that is not being created is one
 * too. A new base (create) has none yet and gets STORE_FORMAT. */
static int read_format(MDB_txn *txn, struct store *s, bool create, uint64_t *format)
{
	int rc = store_meta_get_u64(txn, s, STORE_FORMAT_KEY, format);
	if (rc == MDB_NOTFOUND) {
		*format = create ? STORE_FORMAT : 1;
		rc = 0;
	}
	return rc;
}

static int open_all(MDB_txn *txn, struct store *s)
{
	enum { IX = MDB_DUPSORT | MDB_DUPFIXED };
	struct { const char *name; MDB_dbi *dbi; unsigned flags; } dbs[] = {
		{ "cards", &s->cards, 0 }, { "trash", &s->trash, 0 }, { "users", &s->users, 0 },
		{ "sessions", &s->sessions, 0 }, { "audit", &s->audit, 0 },
		{ "fields", &s->fields, 0 }, { "history", &s->history, 0 }, { "timeline", &s->timeline, 0 },
		{ "deals", &s->deals, 0 }, { "reminders", &s->reminders, 0 },
		{ "reminders_done", &s->reminders_done, 0 }, { "segments", &s->segments, 0 },
		{ "ix_phone", &s->ix_phone, IX }, { "ix_email", &s->ix_email, IX }, { "ix_name", &s->ix_name, IX },
		{ "ix_tag", &s->ix_tag, IX }, { "ix_city", &s->ix_city, IX }, { "ix_owner", &s->ix_owner, IX },
		{ "ix_sector", &s->ix_sector, IX }, { "ix_birthday", &s->ix_birthday, IX },
		{ "ix_custom", &s->ix_custom, IX }, { "ix_phone_fwd", &s->ix_phone_fwd, IX },
		{ "ix_name_owner", &s->ix_name_owner, IX },
		{ "exports", &s->exports, 0 }, { "export_cards", &s->export_cards, 0 },
		{ "export_canaries", &s->export_canaries, 0 },
		{ "canaries", &s->canaries, 0 }, { "read_blocks", &s->read_blocks, 0 },
		{ "reads_by_user", &s->reads_by_user, 0 }, { "alerts", &s->alerts, 0 },
		{ "imports", &s->imports, 0 }, { "import_items", &s->import_items, 0 },
		{ "merged", &s->merged, 0 },
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(dbs) / sizeof(dbs[0]); i++)
		rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE | dbs[i].flags, dbs[i].dbi);
	return rc;
}

/* One transaction: the format checked first (a newer base is left exactly
 * as it was: the transaction is aborted before anything is written), the
 * named databases opened (created where missing), an older base migrated
 * and its new format recorded. */
static int open_dbs(struct store *s, bool create, store_migrate_fn migrate, uint64_t *from, char *did,
		    size_t did_len)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) || (rc = read_format(txn, s, create, from)))
		goto fail;
	if (*from == 0) {
		rc = MDB_CORRUPTED;
		goto fail;
	}
	if (*from > STORE_FORMAT) {
		rc = STORE_FORMAT_NEWER;
		goto fail;
	}
	if (*from < STORE_FORMAT && !migrate) {
		rc = STORE_FORMAT_OLDER;
		goto fail;
	}
	if ((rc = open_all(txn, s)))
		goto fail;
	if (*from < STORE_FORMAT && (rc = migrate(txn, s, *from, did, did_len)))
		goto fail;
	if (*from != STORE_FORMAT || create)
		if ((rc = store_meta_put_u64(txn, s, STORE_FORMAT_KEY, STORE_FORMAT)))
			goto fail;
	return mdb_txn_commit(txn);
fail:
	mdb_txn_abort(txn);
	return rc;
}

/* Opens the databases, migrating an older base: a migration that fills the
 * map is rerun whole in a bigger one (no other transaction is open yet). */
static int open_migrating(struct store *s, const char *dir, bool create, store_migrate_fn migrate)
{
	uint64_t from = UINT64_MAX; /* until read */
	char did[256] = "";
	int rc;
	while ((rc = open_dbs(s, create, migrate, &from, did, sizeof(did))) == MDB_MAP_FULL)
		if ((rc = store_grow(s)))
			return rc;
	if (rc == STORE_FORMAT_NEWER)
		log_err("the database in %s is format %llu, newer than the format %d this kartd knows: "
			"it was written by a newer kartd; run that one (nothing was changed)",
			dir, (unsigned long long)from, STORE_FORMAT);
	else if (rc == STORE_FORMAT_OLDER)
		log_err("the database in %s is format %llu, older than the format %d of this kartd: "
			"start kartd run once to upgrade it (nothing was changed)",
			dir, (unsigned long long)from, STORE_FORMAT);
	else if (rc == MDB_CORRUPTED && from == 0)
		log_err("the database in %s records format 0, which no kartd writes (nothing was changed)", dir);
	else if (rc == 0 && from < STORE_FORMAT)
		log_notice("database format %llu -> %d%s%s", (unsigned long long)from, STORE_FORMAT, did[0] ? ": " : "",
			   did);
	return rc;
}

const char *store_strerror(int rc)
{
	if (rc == STORE_FORMAT_NEWER)
		return "the database was written by a newer kartd";
	if (rc == STORE_FORMAT_OLDER)
		return "the database needs an upgrade";
	return mdb_strerror(rc);
}

static int open_env(struct store *s, const char *dir, uint64_t map_size, unsigned max_readers, bool create,
		    store_migrate_fn migrate)
{
	memset(s, 0, sizeof(*s));
	/* writer preference: a map resize must not starve behind a stream of readers */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->map_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	int rc = mdb_env_create(&s->env);
	if (rc)
		return rc;
	if ((rc = mdb_env_set_maxdbs(s->env, 64)) || (rc = mdb_env_set_maxreaders(s->env, max_readers)))
		goto fail;
	/* never below what the file already holds */
	if ((rc = mdb_env_set_mapsize(s->env, map_size)))
		goto fail;
	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = errno;
		goto fail;
	}
	/* MDB_NOTLS: read transactions are not tied to a thread's slot, so a
	 * cached one can be reset and renewed, and pool threads may use their own. */
	rc = mdb_env_open(s->env, dir, MDB_NOTLS | MDB_NORDAHEAD, 0600);
	if (rc)
		goto fail;
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;
	if ((rc = open_migrating(s, dir, create, migrate)))
		goto fail;
	int dead = 0;
	mdb_reader_check(s->env, &dead);
	return 0;
fail:
	mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

int store_open(struct store *s, const char *dir, uint64_t map_size, unsigned max_readers, bool create)
{
	return open_env(s, dir, map_size, max_readers, create, NULL);
}

int store_open_upgrading(struct store *s, const char *dir, uint64_t map_size, unsigned max_readers,
			 store_migrate_fn migrate)
{
	return open_env(s, dir, map_size, max_readers, false, migrate);
}

void store_close(struct store *s)
{
	if (s->rtxn) {
		mdb_txn_abort(s->rtxn);
		s->rtxn = NULL;
	}
	if (s->env) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	pthread_rwlock_destroy(&s->map_lock);
}

MDB_txn *store_read_begin(struct store *s)
{
	if (s->rtxn_depth > 0) {
		s->rtxn_depth++;
		return s->rtxn;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	int rc;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->rtxn) {
			rc = mdb_txn_renew(s->rtxn);
		} else {
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
			if (rc)
				s->rtxn = NULL;
		}
		if (rc == 0) {
			s->rtxn_depth = 1;
			return s->rtxn;
		}
		if (s->rtxn) {
			mdb_txn_abort(s->rtxn);
			s->rtxn = NULL;
		}
		if (rc == MDB_MAP_RESIZED) {
			/* another process grew the map: adopt its size */
			mdb_env_set_mapsize(s->env, 0);
			continue;
		}
		if (rc == MDB_READERS_FULL) {
			int dead = 0;
			mdb_reader_check(s->env, &dead);
			if (dead > 0)
				continue;
		}
		break;
	}
	pthread_rwlock_unlock(&s->map_lock);
	log_err("cannot begin read transaction: %s", mdb_strerror(rc));
	return NULL;
}

void store_read_end(struct store *s)
{
	if (s->rtxn_depth == 0 || --s->rtxn_depth > 0)
		return;
	mdb_txn_reset(s->rtxn);
	pthread_rwlock_unlock(&s->map_lock);
}

int store_grow(struct store *s)
{
	pthread_rwlock_wrlock(&s->map_lock);
	uint64_t want = s->map_size * 2;
	int rc = mdb_env_set_mapsize(s->env, want);
	if (rc == 0) {
		log_notice("database map grown from %llu to %llu MiB", (unsigned long long)(s->map_size >> 20),
			   (unsigned long long)(want >> 20));
		s->map_size = want;
	} else {
		log_err("cannot grow database map to %llu bytes: %s", (unsigned long long)want, mdb_strerror(rc));
	}
	pthread_rwlock_unlock(&s->map_lock);
	return rc;
}

int store_meta_get_u64(MDB_txn *txn, struct store *s, const char *name, uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*out = store_key_u64(v.mv_data);
	return 0;
}

int store_meta_put_u64(MDB_txn *txn, struct store *s, const char *name, uint64_t x)
{
	uint8_t b[8];
	store_u64_key(x, b);
	MDB_val k = { strlen(name), (void *)name }, v = { 8, b };
	return mdb_put(txn, s->meta, &k, &v, 0);
}

int store_next_id(MDB_txn *txn, struct store *s, const char *name, uint64_t *id)
{
	uint64_t next = 0;
	int rc = store_meta_get_u64(txn, s, name, &next);
	if (rc == MDB_NOTFOUND)
		next = 1;
	else if (rc)
		return rc;
	if ((rc = store_meta_put_u64(txn, s, name, next + 1)))
		return rc;
	*id = next;
	return 0;
}

int store_get_id(MDB_txn *txn, MDB_dbi dbi, uint64_t id, MDB_val *v)
{
	uint8_t key[8];
	store_u64_key(id, key);
	MDB_val k = { 8, key };
	return mdb_get(txn, dbi, &k, v);
}

int store_pool_begin(struct store *s, MDB_txn **txn)
{
	pthread_rwlock_rdlock(&s->map_lock);
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	if (rc) {
		*txn = NULL;
		pthread_rwlock_unlock(&s->map_lock);
	}
	return rc;
}

void store_pool_end(struct store *s, MDB_txn **txn)
{
	if (*txn) {
		mdb_txn_abort(*txn);
		*txn = NULL;
		pthread_rwlock_unlock(&s->map_lock);
	}
}

int store_cursor_after(MDB_cursor *cur, uint64_t last, MDB_val *k, MDB_val *v)
{
	if (last == UINT64_MAX)
		return MDB_NOTFOUND;
	uint8_t key[8];
	store_u64_key(last + 1, key);
	*k = (MDB_val){ 8, key };
	return mdb_cursor_get(cur, k, v, MDB_SET_RANGE); /* k is the found key's after it */
}
