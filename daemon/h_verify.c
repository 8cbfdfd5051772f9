/* h_verify: proving the audit trail intact — `audit verify` and `audit head`.
 *
 * Verification reads every record, so it runs in the libuv pool with read
 * transactions of its own. The end of the walk is fixed by the first snapshot
 * (the head when the request arrived); the walk then continues in slices of
 * VERIFY_SLICE records, each in a fresh transaction, so it never holds the map
 * lock (and so the writer's map growth) for long. Records never change once
 * written, so the slices join into one proof.
 *
 * Each record must: follow the one before without a gap, have an 8-byte key
 * and a value of hash[32] || event bytes, carry the HMAC of (the previous
 * hash, its seq, its bytes), and decode to an event with its own seq. A head
 * recorded earlier (seq:hash) must still be in the chain with the same hash,
 * which is what shows records cut off the end. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "handlers.h"
#include "log.h"
#include "req.h"
#include "util.h"

#define VERIFY_SLICE 100000     /* records per read transaction */

struct vjob {
	struct req_job job;         /* first: the pool job (req.h) */
	uint64_t from;              /* first record to check (>= 1) */
	uint64_t head_seq;          /* a head recorded earlier; 0: none */
	uint8_t head_hash[32];
	/* results */
	Kart__ErrorCode code;       /* could not run: the error to reply */
	char message[200];
	uint64_t checked, first_bad;
	char problem[300];
	uint64_t last_seq;          /* the head at the start */
	uint8_t last_hash[32];
};

static void set_bad(struct vjob *j, uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_bad(struct vjob *j, uint64_t seq, const char *fmt, ...)
{
	if (j->first_bad && j->first_bad <= seq)
		return; /* an earlier place is already known */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->problem, sizeof(j->problem), fmt, ap);
	va_end(ap);
	j->first_bad = seq;
}

/* The stored hash of record seq into out: 0, MDB_NOTFOUND, or MDB_CORRUPTED
 * when the record is too short to hold one. */
static int stored_hash(MDB_txn *txn, MDB_dbi dbi, uint64_t seq, uint8_t out[32])
{
	MDB_val v;
	int rc = store_get_id(txn, dbi, seq, &v);
	if (rc)
		return rc;
	if (v.mv_size < 32)
		return MDB_CORRUPTED;
	memcpy(out, v.mv_data, 32);
	return 0;
}

/* Checks records from `next` up to j->last_seq, at most VERIFY_SLICE of them.
 * Returns 0 (with *next advanced; *next > last_seq when done), 1 when a
 * broken record was found (set_bad), or an MDB code. */
static int verify_slice(struct vjob *j, MDB_txn *txn, struct audit_hmac *mac, struct arena *a, uint64_t *next,
			uint8_t prev[32])
{
	MDB_dbi dbi = j->job.srv->store.audit;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return rc;
	uint8_t key[8];
	MDB_val k = { 8, key }, v;
	uint64_t done = 0;
	int result = 0;
	/* step on from the record before (checked already, or the starting
	 * point), so nothing that sorts between the two goes unseen */
	if (*next == 1) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	} else {
		store_u64_key(*next - 1, key);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (rc == MDB_NOTFOUND) {
			mdb_cursor_close(cur);
			set_bad(j, *next - 1, "record %" PRIu64 " is missing", *next - 1);
			return 1;
		}
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	for (; rc == 0 && *next <= j->last_seq && done < VERIFY_SLICE; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), done++) {
		uint64_t want = *next;
		if (k.mv_size != 8) {
			set_bad(j, want, "a record with a malformed key (%zu bytes) stands where record %" PRIu64
				" should be", k.mv_size, want);
			result = 1;
			break;
		}
		uint64_t seq = store_key_u64(k.mv_data);
		if (seq < want) {
			set_bad(j, want, "a record numbered %" PRIu64 " stands before record %" PRIu64, seq, want);
			result = 1;
			break;
		}
		if (seq > want) {
			set_bad(j, want, "record %" PRIu64 " is missing", want);
			result = 1;
			break;
		}
		if (v.mv_size < 32) {
			set_bad(j, seq, "record %" PRIu64 " is too short to hold its hash (%zu bytes)", seq, v.mv_size);
			result = 1;
			break;
		}
		const uint8_t *val = v.mv_data;
		uint8_t h[32];
		if (audit_hmac_link(mac, prev, seq, val + 32, v.mv_size - 32, h) < 0) {
			j->code = KART__ERROR_CODE__INTERNAL;
			snprintf(j->message, sizeof(j->message), "internal error; the server log has details");
			log_err("audit verify: HMAC failed");
			result = 1;
			break;
		}
		if (memcmp(h, val, 32) != 0) {
			set_bad(j, seq, "record %" PRIu64 " does not match its hash (changed, or moved from elsewhere)", seq);
			result = 1;
			break;
		}
		arena_reset(a);
		Kart__AuditEvent *ev = audit_decode(&v, &a->pb);
		if (!ev) {
			set_bad(j, seq, "record %" PRIu64 " matches its hash but does not decode as an audit event", seq);
			result = 1;
			break;
		}
		if (ev->seq != seq) {
			set_bad(j, seq, "record %" PRIu64 " holds the event of record %" PRIu64, seq, ev->seq);
			result = 1;
			break;
		}
		memcpy(prev, val, 32);
		j->checked++;
		(*next)++;
	}
	mdb_cursor_close(cur);
	if (result)
		return result;
	if (rc == MDB_NOTFOUND && *next <= j->last_seq) {
		/* the head record itself was there at the start: this is a gap at the end */
		set_bad(j, *next, "record %" PRIu64 " is missing", *next);
		return 1;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void vjob_run(struct req_job *job)
{
	struct vjob *j = (struct vjob *)job;
	struct store *st = &j->job.srv->store;
	struct arena a;
	arena_init(&a, 0);
	struct audit_hmac *mac = audit_hmac_new(j->job.srv->audit_key);
	MDB_txn *txn = NULL;
	int rc = 0;
	if (!mac) {
		j->code = KART__ERROR_CODE__INTERNAL;
		snprintf(j->message, sizeof(j->message), "internal error; the server log has details");
		log_err("audit verify: cannot set up HMAC-SHA256");
		goto out;
	}
	rc = store_pool_begin(st, &txn);
	if (rc)
		goto fail;
	/* the head at the start: the walk ends there */
	MDB_cursor *cur;
	rc = mdb_cursor_open(txn, st->audit, &cur);
	if (rc)
		goto fail;
	MDB_val k, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	size_t junk = 0;            /* size of a malformed key after the last record */
	for (; rc == 0 && k.mv_size != 8; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV))
		junk = k.mv_size;
	if (rc == 0) {
		j->last_seq = store_key_u64(k.mv_data);
		if (v.mv_size >= 32)
			memcpy(j->last_hash, v.mv_data, 32);
	}
	mdb_cursor_close(cur);
	if (junk)
		set_bad(j, j->last_seq + 1, "a record with a malformed key (%zu bytes) follows record %" PRIu64, junk,
			j->last_seq);
	if (rc && rc != MDB_NOTFOUND)
		goto fail;
	rc = 0;
	if (j->from > j->last_seq + 1) {
		j->code = KART__ERROR_CODE__BAD_REQUEST;
		snprintf(j->message, sizeof(j->message), "there is no record %" PRIu64 ": the chain ends at %" PRIu64,
			 j->from, j->last_seq);
		goto out;
	}

	uint8_t prev[32] = { 0 };
	uint64_t next = j->from;
	if (j->from > 1) {
		/* checking from a later record starts from the hash of the one before */
		int hr = stored_hash(txn, st->audit, j->from - 1, prev);
		if (hr == MDB_NOTFOUND) {
			set_bad(j, j->from - 1, "record %" PRIu64 " is missing (its hash is where checking from %" PRIu64
				" starts)", j->from - 1, j->from);
			next = j->last_seq + 1;
		} else if (hr == MDB_CORRUPTED) {
			set_bad(j, j->from - 1, "record %" PRIu64 " is too short to hold its hash", j->from - 1);
			next = j->last_seq + 1;
		} else if (hr) {
			rc = hr;
			goto fail;
		}
	}
	/* the head recorded earlier: still there, with the same hash? */
	if (j->head_seq) {
		uint8_t h[32];
		int hr = j->head_seq <= j->last_seq ? stored_hash(txn, st->audit, j->head_seq, h) : MDB_NOTFOUND;
		if (hr && hr != MDB_NOTFOUND && hr != MDB_CORRUPTED) {
			rc = hr;
			goto fail;
		}
		if (hr || memcmp(h, j->head_hash, 32) != 0) {
			char hex[65];
			util_hex(j->head_hash, 32, hex);
			set_bad(j, j->head_seq, "the head %" PRIu64 ":%s recorded earlier is not in the chain "
				"(records cut off the end or the chain rewritten)", j->head_seq, hex);
		}
	}
	while (next <= j->last_seq) {
		if (!txn && (rc = store_pool_begin(st, &txn)) != 0)
			goto fail;
		rc = verify_slice(j, txn, mac, &a, &next, prev);
		if (rc == 1)
			break;
		if (rc)
			goto fail;
		store_pool_end(st, &txn);
	}
	rc = 0;
	goto out;
fail:
	j->code = KART__ERROR_CODE__INTERNAL;
	snprintf(j->message, sizeof(j->message), "internal error; the server log has details");
	log_err("audit verify: %s", mdb_strerror(rc));
out:
	store_pool_end(st, &txn);
	audit_hmac_free(mac);
	arena_free(&a);
}

static void vjob_reply(struct req_job *job, struct req *r, int status)
{
	struct vjob *j = (struct vjob *)job;
	struct arena *a = r->arena;
	Kart__AuditVerifyResult *res = arena_alloc(a, sizeof(*res));
	char *hex = arena_alloc(a, 65);
	if (status != 0) {
		req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the verification was cancelled");
	} else if (j->code) {
		req_error(r, j->code, j->code == KART__ERROR_CODE__BAD_REQUEST ? "from_seq" : "", "%s", j->message);
	} else if (!res || !hex) {
		req_no_memory(r);
	} else {
		kart__audit_verify_result__init(res);
		res->ok = j->first_bad == 0;
		res->checked = j->checked;
		res->first_bad = j->first_bad;
		if (j->first_bad)
			res->problem = arena_strdup(a, j->problem);
		else if (j->from > 1)
			res->problem = arena_printf(a, "records before %" PRIu64 " were not checked", j->from);
		if (!res->problem)
			res->problem = (char *)"";
		res->head_seq = j->last_seq;
		util_hex(j->last_hash, 32, hex);
		res->head_hash = hex;
		r->out.body_case = KART__ENVELOPE__BODY_AUDIT_VERIFY_RESULT;
		r->out.audit_verify_result = res;
	}
}

static void vjob_free(struct req_job *job)
{
	free(job);
}

/* 64 hex digits, either case. */
static int parse_hash(const char *s, uint8_t out[32])
{
	if (!s || strlen(s) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		int hi = s[2 * i], lo = s[2 * i + 1];
		if (!isxdigit(hi) || !isxdigit(lo))
			return -1;
		hi = isdigit(hi) ? hi - '0' : tolower(hi) - 'a' + 10;
		lo = isdigit(lo) ? lo - '0' : tolower(lo) - 'a' + 10;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int h_audit_verify(struct req *r)
{
	Kart__AuditVerify *m = r->in->audit_verify;
	const char *hash = m->head_hash ? m->head_hash : "";
	struct vjob *j = calloc(1, sizeof(*j));
	if (!j)
		return req_no_memory(r);
	if (m->head_seq && parse_hash(hash, j->head_hash) < 0) {
		free(j);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "head_hash", "the head's hash must be 64 hex digits");
	}
	if (!m->head_seq && *hash) {
		free(j);
		return req_error(r, KART__ERROR_CODE__BAD_REQUEST, "head_seq", "a head is SEQ:HASH with SEQ at least 1");
	}
	j->from = m->from_seq ? m->from_seq : 1;
	j->head_seq = m->head_seq;
	j->job.run = vjob_run;
	j->job.reply = vjob_reply;
	j->job.free = vjob_free;
	if (req_pool(r, &j->job) != 0) {
		free(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "the server is busy; try again");
	}
	return H_DEFER;
}

int h_audit_head(struct req *r)
{
	Kart__AuditVerifyResult *res = arena_alloc(r->arena, sizeof(*res));
	char *hex = arena_alloc(r->arena, 65);
	MDB_cursor *cur;
	if (!res || !hex)
		return req_no_memory(r);
	kart__audit_verify_result__init(res);
	int rc = mdb_cursor_open(r->txn, r->srv->store.audit, &cur);
	if (rc)
		return rc;
	MDB_val k, v;
	uint8_t hash[32] = { 0 };
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	res->ok = true;
	res->problem = (char *)"";
	if (rc == 0) {
		if (k.mv_size != 8 || v.mv_size < 32) {
			res->ok = false;
			res->problem = (char *)"the last record is malformed (run: kart audit verify)";
		} else {
			res->head_seq = store_key_u64(k.mv_data);
			memcpy(hash, v.mv_data, 32);
		}
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
	util_hex(hash, 32, hex);
	res->head_hash = hex;
	r->out.body_case = KART__ENVELOPE__BODY_AUDIT_VERIFY_RESULT;
	r->out.audit_verify_result = res;
	return H_OK;
}

int audit_verify_all(struct server *srv, struct audit_verdict *out)
{
	struct vjob j = { .from = 1 };
	j.job.srv = srv;
	vjob_run(&j.job);
	memset(out, 0, sizeof(*out));
	out->checked = j.checked;
	out->last_seq = j.last_seq;
	memcpy(out->last_hash, j.last_hash, 32);
	if (j.code) {
		snprintf(out->problem, sizeof(out->problem), "%s", j.message);
		return -1;
	}
	if (j.first_bad) {
		snprintf(out->problem, sizeof(out->problem), "%s", j.problem);
		return 1;
	}
	return 0;
}
