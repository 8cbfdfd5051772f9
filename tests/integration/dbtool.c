/* kart-dbtool: edits a stopped instance's database directly, as someone with
 * the file (and not the daemon) could, so tests can prove such edits are
 * detected and repaired.
 *
 *   kart-dbtool DBDIR drop DB              empty a named database
 *   kart-dbtool DBDIR forget DB            delete a named database altogether,
 *                                          as a base from before it was made
 *   kart-dbtool DBDIR del DB KEYHEX        delete a key (all its values)
 *   kart-dbtool DBDIR put DB KEYHEX VALHEX put a value
 *   kart-dbtool DBDIR count DB             print the number of entries
 *   kart-dbtool DBDIR get DB KEYHEX        print the value as hex
 *   kart-dbtool DBDIR dump DB              print every entry as "KEYHEX VALHEX"
 *   kart-dbtool DBDIR subst DB FROMHEX TOHEX
 *                                          in every value, replace the bytes FROM
 *                                          by TO (of the same length, so protobuf
 *                                          lengths stay right); prints the count
 *                                          of values changed
 *   kart-dbtool DBDIR pbdrop DB FIELD      in every value (a protobuf message), leave
 *                                          out the top-level fields numbered FIELD,
 *                                          as an older daemon that had no such field
 *                                          wrote it; prints the count of values changed
 *   kart-dbtool DBDIR hold DB              take the write lock (a write
 *                                          transaction, as another process
 *                                          could), print "held", keep it until
 *                                          stdin ends, then let it go unchanged */
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_hex(const MDB_val *v)
{
	for (size_t i = 0; i < v->mv_size; i++)
		printf("%02x", ((const unsigned char *)v->mv_data)[i]);
}

static bool varint(const unsigned char **p, const unsigned char *end, unsigned long long *out)
{
	*out = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;
		*out |= (unsigned long long)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* in[0..n) without the top-level fields numbered field, into out (n bytes
 * at most). Returns the new length, or (size_t)-1 when it does not parse. */
static size_t pb_drop(const unsigned char *in, size_t n, unsigned field, unsigned char *out)
{
	const unsigned char *p = in, *end = in + n;
	size_t len = 0;
	while (p < end) {
		const unsigned char *start = p;
		unsigned long long tag, x;
		if (!varint(&p, end, &tag))
			return (size_t)-1;
		switch (tag & 7) {
		case 0:
			if (!varint(&p, end, &x))
				return (size_t)-1;
			break;
		case 1:
			p += 8;
			break;
		case 2:
			if (!varint(&p, end, &x) || x > (unsigned long long)(end - p))
				return (size_t)-1;
			p += x;
			break;
		case 5:
			p += 4;
			break;
		default:
			return (size_t)-1;
		}
		if (p > end)
			return (size_t)-1;
		if ((tag >> 3) != field) {
			memcpy(out + len, start, (size_t)(p - start));
			len += (size_t)(p - start);
		}
	}
	return len;
}

static size_t unhex(const char *h, unsigned char *out, size_t cap)
{
	size_t n = strlen(h) / 2;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (unsigned char)v;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: kart-dbtool DBDIR drop|forget|del|put|count|get|dump|subst|pbdrop|hold DB [KEYHEX [VALHEX]]\n");
		return 2;
	}
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = mdb_env_create(&env);
	if (!rc)
		rc = mdb_env_set_maxdbs(env, 64);
	if (!rc)
		rc = mdb_env_set_mapsize(env, (size_t)1 << 36);
	if (!rc)
		rc = mdb_env_open(env, argv[1], 0, 0600);
	if (!rc)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (!rc)
		rc = mdb_dbi_open(txn, argv[3], 0, &dbi);
	if (rc) {
		fprintf(stderr, "kart-dbtool: %s\n", mdb_strerror(rc));
		return 1;
	}
	static unsigned char key[512], val[65536];
	MDB_val k = { 0, key }, v = { 0, val };
	const char *op = argv[2];
	if (strcmp(op, "drop") == 0) {
		rc = mdb_drop(txn, dbi, 0);
	} else if (strcmp(op, "forget") == 0) {
		rc = mdb_drop(txn, dbi, 1);
	} else if (strcmp(op, "del") == 0 && argc == 5) {
		k.mv_size = unhex(argv[4], key, sizeof(key));
		rc = mdb_del(txn, dbi, &k, NULL);
	} else if (strcmp(op, "put") == 0 && argc == 6) {
		k.mv_size = unhex(argv[4], key, sizeof(key));
		v.mv_size = unhex(argv[5], val, sizeof(val));
		rc = mdb_put(txn, dbi, &k, &v, 0);
	} else if (strcmp(op, "get") == 0 && argc == 5) {
		k.mv_size = unhex(argv[4], key, sizeof(key));
		rc = mdb_get(txn, dbi, &k, &v);
		if (!rc) {
			put_hex(&v);
			putchar('\n');
		}
	} else if (strcmp(op, "dump") == 0) {
		MDB_cursor *cur;
		rc = mdb_cursor_open(txn, dbi, &cur);
		while (!rc && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			put_hex(&k);
			putchar(' ');
			put_hex(&v);
			putchar('\n');
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			mdb_cursor_close(cur);
		}
	} else if (strcmp(op, "subst") == 0 && argc == 6) {
		static unsigned char from[256], to[256];
		size_t fl = unhex(argv[4], from, sizeof(from)), tl = unhex(argv[5], to, sizeof(to));
		if (!fl || fl != tl) {
			fprintf(stderr, "kart-dbtool: FROM and TO must be of the same length\n");
			mdb_txn_abort(txn);
			return 2;
		}
		MDB_cursor *cur;
		size_t changed = 0;
		rc = mdb_cursor_open(txn, dbi, &cur);
		while (!rc && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			if (v.mv_size > sizeof(val))
				continue;
			memcpy(val, v.mv_data, v.mv_size);
			bool hit = false;
			for (unsigned char *p = val; (p = memmem(p, v.mv_size - (size_t)(p - val), from, fl)); p += fl) {
				memcpy(p, to, fl);
				hit = true;
			}
			if (!hit)
				continue;
			MDB_val nv = { v.mv_size, val };
			rc = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT);
			changed++;
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			mdb_cursor_close(cur);
			printf("%zu\n", changed);
		}
	} else if (strcmp(op, "pbdrop") == 0 && argc == 5) {
		unsigned field = (unsigned)atoi(argv[4]);
		MDB_cursor *cur;
		size_t changed = 0;
		rc = mdb_cursor_open(txn, dbi, &cur);
		while (!rc && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			if (v.mv_size > sizeof(val))
				continue;
			size_t len = pb_drop(v.mv_data, v.mv_size, field, val);
			if (len == (size_t)-1 || len == v.mv_size)
				continue;
			/* the key copied: a value of another size is put by deleting the node k points into */
			if (k.mv_size > sizeof(key))
				continue;
			memcpy(key, k.mv_data, k.mv_size);
			MDB_val nk = { k.mv_size, key }, nv = { len, val };
			rc = mdb_cursor_put(cur, &nk, &nv, MDB_CURRENT);
			changed++;
		}
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			mdb_cursor_close(cur);
			printf("%zu\n", changed);
		}
	} else if (strcmp(op, "hold") == 0) {
		/* LMDB's write lock is shared by every process that opens the
		 * environment: a kartd's writer now waits in mdb_txn_begin */
		printf("held\n");
		fflush(stdout);
		while (getchar() != EOF)
			;
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return 0;
	} else if (strcmp(op, "count") == 0) {
		MDB_stat st;
		rc = mdb_stat(txn, dbi, &st);
		if (!rc)
			printf("%zu\n", st.ms_entries);
	} else {
		fprintf(stderr, "kart-dbtool: bad arguments\n");
		mdb_txn_abort(txn);
		return 2;
	}
	if (!rc)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	if (rc) {
		fprintf(stderr, "kart-dbtool: %s\n", mdb_strerror(rc));
		return 1;
	}
	return 0;
}
