/* canary: the canary rows of an export. Each is generated from (export id,
 * row) with a key derived from audit.key, so the same export and row give the
 * same person and nobody without the key can tell one from a real row; its
 * phone and email are checked against the cards' indexes and every earlier
 * canary (export_canaries) and retried if taken. The rows are spread through
 * the file at random positions, with ids that keep the id column in order
 * where the ids have a gap. Runs on the writer, in its transaction. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "audit.h"
#include "canary.h"
#include "export.h"
#include "index.h"
#include "req.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* 32 bytes for canary `n` of export `id`, keyed by audit.key: the same
 * export id and row give the same person, nobody without the key can tell. */
struct seeder {
	struct audit_hmac *mac;
	uint8_t key[32];
};

static int seeder_init(struct seeder *s, const uint8_t audit_key[32])
{
	static const uint8_t zero[32];
	static const char label[] = "kartoteka export canaries";
	if (audit_chain_hash(audit_key, zero, 0, (const uint8_t *)label, sizeof(label) - 1, s->key) < 0)
		return -1;
	s->mac = audit_hmac_new(s->key);
	return s->mac ? 0 : -1;
}

static void seed(struct seeder *s, uint64_t id, uint32_t n, uint32_t attempt, char purpose, uint8_t out[32])
{
	static const uint8_t zero[32];
	uint8_t msg[9];
	memcpy(msg, &n, 4);
	memcpy(msg + 4, &attempt, 4);
	msg[8] = (uint8_t)purpose;
	if (audit_hmac_link(s->mac, zero, id, msg, sizeof(msg), out) < 0) {
		/* never expected; still unique enough to go on with */
		memset(out, 0, 32);
		memcpy(out, msg, sizeof(msg));
		memcpy(out + 16, &id, 8);
	}
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* k distinct positions in [0, total), in order (Floyd's sampling). */
static int canary_positions(uint64_t rng, uint64_t total, uint32_t k, uint32_t *out)
{
	uint8_t *bits = calloc(total / 8 + 1, 1);
	if (!bits)
		return ENOMEM;
	for (uint64_t jj = total - k; jj < total; jj++) {
		uint64_t t = splitmix(&rng) % (jj + 1);
		if (bits[t / 8] & (1u << (t % 8)))
			t = jj;
		bits[t / 8] |= (uint8_t)(1u << (t % 8));
	}
	uint32_t n = 0;
	for (uint64_t i = 0; i < total && n < k; i++)
		if (bits[i / 8] & (1u << (i % 8)))
			out[n++] = (uint32_t)i;
	free(bits);
	return 0;
}

static int key_exists(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t len, bool *yes)
{
	MDB_val k = { len, (void *)key }, v;
	int rc = mdb_get(txn, dbi, &k, &v);
	*yes = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int canary_key_taken(struct req *r, char kind, const char *s, bool *taken)
{
	char key[340];
	size_t n = (size_t)snprintf(key, sizeof(key), "%c%s", kind, s);
	return key_exists(r->txn, r->srv->store.export_canaries, key, n < sizeof(key) ? n : sizeof(key) - 1, taken);
}

static int canary_key_put(struct req *r, char kind, const char *s, uint64_t export_id, uint32_t row)
{
	char key[340];
	size_t n = (size_t)snprintf(key, sizeof(key), "%c%s", kind, s);
	uint8_t val[12];
	store_u64_key(export_id, val);
	for (int i = 0; i < 4; i++)
		val[8 + i] = (uint8_t)(row >> (24 - 8 * i));
	MDB_val k = { n < sizeof(key) ? n : sizeof(key) - 1, key }, v = { 12, val };
	return mdb_put(r->txn, r->srv->store.export_canaries, &k, &v, 0);
}

static int id_live(struct req *r, uint64_t id, bool *live)
{
	uint8_t k[8];
	store_u64_key(id, k);
	return key_exists(r->txn, r->srv->store.cards, k, 8, live);
}

/* A free id (no live card has it) in (lo, hi), or 0. */
static int gap_id(struct req *r, uint64_t *rng, uint64_t lo, uint64_t hi, uint64_t *out)
{
	*out = 0;
	if (hi <= lo + 1)
		return 0;
	uint64_t width = hi - lo - 1;
	for (uint64_t t = 0; t < (width <= 16 ? width : 8); t++) {
		uint64_t id = width <= 16 ? lo + 1 + (splitmix(rng) + t) % width : lo + 1 + splitmix(rng) % width;
		bool live;
		int rc = id_live(r, id, &live);
		if (rc)
			return rc;
		if (!live) {
			*out = id;
			return 0;
		}
	}
	return 0;
}

#define PLACE_SCAN 2000         /* real rows a canary may move on to find a gap in the ids */

/* The largest id of any card, live or in the trash. */
static int max_card_id(struct req *r, uint64_t *out)
{
	*out = 0;
	MDB_dbi dbs[] = { r->srv->store.cards, r->srv->store.trash };
	for (int i = 0; i < 2; i++) {
		MDB_cursor *cur;
		MDB_val k, v;
		int rc = mdb_cursor_open(r->txn, dbs[i], &cur);
		if (rc)
			return rc;
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
		mdb_cursor_close(cur);
		if (rc == 0 && k.mv_size == 8 && store_key_u64(k.mv_data) > *out)
			*out = store_key_u64(k.mv_data);
		else if (rc && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

/* Places the canaries so the id column stays in order where it can: canary
 * i goes after pos[i] - i real rows, moved on to the next gap in the ids
 * (at most PLACE_SCAN rows) and takes an id in that gap that no live card
 * has (a trashed card's id may serve). After the last row: any id past the
 * last exported one that no live card has. Where the ids have no gap near
 * (a base without deletions, exported whole) the canary keeps its place
 * with an id past every card's: out of order, but the canaries stay spread
 * through the file rather than all at its end. A card created later may get
 * a canary's id, which harms nothing but a reader's eye. pos[] is updated. */
static int place_canaries(struct req *r, const uint64_t *xids, uint64_t n, uint64_t rng, uint32_t *pos, uint32_t k,
			  uint64_t *ids)
{
	uint64_t prev_row = 0, prev_id = 0, beyond = 0;
	int rc;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t row = pos[i] - i, id = 0, rr;
		if (row < prev_row)
			row = prev_row;
		for (rr = row; rr <= n && rr <= row + PLACE_SCAN && !id; rr++) {
			uint64_t lo = rr > 0 ? xids[rr - 1] : 0;
			if (i > 0 && rr == prev_row && prev_id > lo)
				lo = prev_id;
			if (rr < n) {
				if ((rc = gap_id(r, &rng, lo, xids[rr], &id)))
					return rc;
				continue;
			}
			for (uint64_t cand = lo + 1 + splitmix(&rng) % 3, tries = 0; !id && tries < 100000; cand++, tries++) {
				bool live;
				if ((rc = id_live(r, cand, &live)))
					return rc;
				if (!live)
					id = cand;
			}
		}
		if (id) {
			rr--;
		} else {
			if (!beyond) {
				if ((rc = max_card_id(r, &beyond)))
					return rc;
				beyond += 1 + splitmix(&rng) % 50;
			}
			rr = row;
			id = beyond;
			beyond += 1 + splitmix(&rng) % 3;
		}
		pos[i] = (uint32_t)(rr + i);
		prev_row = rr;
		prev_id = id;
		ids[i] = id;
	}
	return 0;
}

static int make_canary(struct req *r, struct seeder *sd, uint64_t export_id, uint32_t n, uint32_t position,
		       uint64_t id, Kart__CanaryRow *row)
{
	struct store *st = &r->srv->store;
	uint8_t s[32];
	int rc;
	kart__canary_row__init(row);
	row->position = position;
	/* the phone: a number no card and no earlier canary has */
	char typed[24], e164[16], ixkey[32];
	bool found = false;
	for (uint32_t attempt = 0; attempt < CANARY_TRIES && !found; attempt++) {
		seed(sd, export_id, n, attempt, 'p', s);
		export_canary_phone(s, typed, e164);
		size_t kl = index_phone_key(e164, ixkey, sizeof(ixkey));
		bool in_cards, in_canaries;
		if ((rc = key_exists(r->txn, st->ix_phone, ixkey, kl, &in_cards)) ||
		    (rc = canary_key_taken(r, 'p', e164, &in_canaries)))
			return rc;
		found = !in_cards && !in_canaries;
	}
	if (!found)
		return MDB_KEYEXIST; /* 64 numbers in a row taken: the range is full */
	row->phone = arena_strdup(r->arena, typed);
	row->phone_e164 = arena_strdup(r->arena, e164);
	/* the person, and an email at the canary domain no one has */
	seed(sd, export_id, n, 0, 'n', s);
	found = false;
	for (uint32_t attempt = 0; attempt < CANARY_TRIES && !found; attempt++) {
		export_canary_person(s, attempt, r->cfg->canary_email_domain, r->arena, row);
		const char *folded = text_fold(r->arena, row->email);
		if (!folded)
			return ENOMEM;
		bool in_cards, in_canaries;
		if ((rc = key_exists(r->txn, st->ix_email, folded, strlen(folded), &in_cards)) ||
		    (rc = canary_key_taken(r, 'e', folded, &in_canaries)))
			return rc;
		found = !in_cards && !in_canaries;
		if (found)
			row->email = (char *)folded;
	}
	if (!found)
		return MDB_KEYEXIST;
	row->id = id;
	if ((rc = canary_key_put(r, 'p', row->phone_e164, export_id, n)) ||
	    (rc = canary_key_put(r, 'e', row->email, export_id, n)))
		return rc;
	return 0;
}

int canary_rows_make(struct req *r, uint64_t export_id, const uint64_t *ids, uint64_t n, uint32_t k,
		     Kart__CanaryRow ***out)
{
	int rc;
	struct seeder sd;
	if (seeder_init(&sd, r->srv->audit_key) < 0)
		return EIO;
	uint32_t *pos = malloc((k + 1) * sizeof(*pos));
	uint64_t *cids = malloc((k + 1) * sizeof(*cids));
	Kart__CanaryRow *rows = arena_alloc(r->arena, (k + 1) * sizeof(*rows));
	Kart__CanaryRow **rowp = arena_alloc(r->arena, (k + 1) * sizeof(*rowp));
	if (!pos || !cids || !rows || !rowp) {
		free(pos);
		free(cids);
		audit_hmac_free(sd.mac);
		return ENOMEM;
	}
	uint8_t s[32];
	uint64_t rng;
	seed(&sd, export_id, 0, 0, 'x', s);
	memcpy(&rng, s, 8);
	rc = canary_positions(rng, n + k, k, pos);
	if (rc == 0)
		rc = place_canaries(r, ids, n, rng, pos, k, cids);
	for (uint32_t i = 0; rc == 0 && i < k; i++) {
		rc = make_canary(r, &sd, export_id, i, pos[i], cids[i], &rows[i]);
		rowp[i] = &rows[i];
	}
	free(pos);
	free(cids);
	audit_hmac_free(sd.mac);
	*out = rowp;
	return rc;
}

int canary_fingerprint(Kart__CanaryRow *const *rows, uint32_t k, char fp[65])
{
	/* SHA-256 over the canary phones, one a line */
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t digest[32];
	unsigned dl = 0;
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (uint32_t i = 0; ok && i < k; i++)
		ok = EVP_DigestUpdate(md, rows[i]->phone_e164, strlen(rows[i]->phone_e164)) &&
		     EVP_DigestUpdate(md, "\n", 1);
	ok = ok && EVP_DigestFinal_ex(md, digest, &dl) && dl == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	util_hex(digest, 32, fp);
	return 0;
}
