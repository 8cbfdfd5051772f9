/* auth: password hashing (argon2id) off the event loop, and session keys.
 *
 * Hashes run in the libuv thread pool, at most max_concurrent_hashes at once;
 * the rest wait in a FIFO, so a login storm delays logins but never the loop
 * or the other clients' requests. */
#include <string.h>

#include <argon2.h>
#include <openssl/sha.h>

#include "kartd.h"
#include "log.h"
#include "util.h"

int auth_hash_password(const struct kart_config *cfg, const char *password, char *out, size_t outlen)
{
	uint8_t salt[16];
	if (util_random(salt, sizeof(salt)) < 0)
		return -1;
	int rc = argon2id_hash_encoded(cfg->argon2_iterations, cfg->argon2_memory_kib, cfg->argon2_parallelism,
				       password, strlen(password), salt, sizeof(salt), 32, out, outlen);
	if (rc != ARGON2_OK) {
		log_err("argon2id: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

bool auth_verify_password(const char *encoded, const char *password)
{
	return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}

void auth_session_key(const char *token, uint8_t out[32])
{
	SHA256((const unsigned char *)token, strlen(token), out);
}

static void start_next(struct server *srv);

static void work(uv_work_t *w)
{
	struct hash_job *j = w->data;
	if (j->verify && j->new_password[0]) {
		j->verified = auth_verify_password(j->encoded, j->password);
		j->ok = j->verified &&
			auth_hash_password(&j->srv->cfg, j->new_password, j->encoded, sizeof(j->encoded)) == 0;
		explicit_bzero(j->new_password, sizeof(j->new_password));
	} else if (j->verify)
		j->ok = auth_verify_password(j->encoded, j->password);
	else
		j->ok = auth_hash_password(&j->srv->cfg, j->password, j->encoded, sizeof(j->encoded)) == 0;
	/* the plaintext is not needed past this point */
	explicit_bzero(j->password, sizeof(j->password));
}

static void after(uv_work_t *w, int status)
{
	struct hash_job *j = w->data;
	struct server *srv = j->srv;
	if (status != 0) {
		j->ok = j->verified = false;
		j->cancelled = true; /* it never ran: answered as when stopping */
	}
	srv->hashes_running--;
	srv->inflight--;
	j->cb(j);
	start_next(srv);
	server_maybe_finish(srv);
}

#define HASH_QUEUE_MAX 256

static struct hash_job *pop(struct server *srv)
{
	struct hash_job *j = srv->hash_head;
	srv->hash_head = j->next;
	if (!srv->hash_head)
		srv->hash_tail = NULL;
	srv->hashes_queued--;
	return j;
}

static void start_next(struct server *srv)
{
	while (srv->hash_head && srv->hashes_running < srv->cfg.max_concurrent_hashes) {
		struct hash_job *j = pop(srv);
		j->work.data = j;
		srv->hashes_running++;
		if (uv_queue_work(srv->loop, &j->work, work, after) != 0) {
			srv->hashes_running--;
			srv->inflight--;
			j->ok = j->verified = false;
			j->cancelled = true; /* not run: answered as when stopping, not as a wrong password */
			j->cb(j);
		}
	}
}

int auth_queue(struct server *srv, struct hash_job *j)
{
	if (srv->hashes_queued >= HASH_QUEUE_MAX || srv->stopping)
		return -1;
	j->srv = srv;
	j->next = NULL;
	srv->inflight++;
	srv->hashes_queued++;
	if (srv->hash_tail)
		srv->hash_tail->next = j;
	else
		srv->hash_head = j;
	srv->hash_tail = j;
	start_next(srv);
	return 0;
}

void auth_cancel_queued(struct server *srv)
{
	while (srv->hash_head) {
		struct hash_job *j = pop(srv);
		srv->inflight--;
		j->ok = false;
		j->cancelled = true;
		explicit_bzero(j->password, sizeof(j->password));
		j->cb(j);
	}
}

#define CONN_MAX_HASHES 4

static void hashed(struct hash_job *j);

/* Queues j, with the write request that follows it (fn, done). A full queue
 * is refused before anything is made: the refusal is this request's own
 * reply, sent as any other (answering through the write request here would
 * process the connection's next frames inside this one's dispatch). */
static int queue_job(struct req *r, struct hash_job *j, handler_fn fn, wreq_done_fn done)
{
	struct server *srv = r->srv;
	const char *busy = srv->stopping ? "the server is stopping; try again shortly"
		: srv->hashes_queued >= HASH_QUEUE_MAX ? "too many logins at once; try again shortly"
						      : NULL;
	struct wreq *w = busy ? NULL : req_to_wreq_copy(r, fn);
	if (!w) {
		explicit_bzero(j, sizeof(*j));
		free(j);
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "%s", busy ? busy : "out of memory; try again");
	}
	w->done = done;
	j->cb = hashed;
	j->ud = w;
	auth_queue(srv, j); /* cannot fail: checked above, on this thread */
	r->conn->pending_hashes++;
	return H_DEFER;
}

static void hashed(struct hash_job *j)
{
	struct wreq *w = j->ud;
	w->r.conn->pending_hashes--;
	if (j->cancelled) {
		wreq_fail(w, KART__ERROR_CODE__UNAVAILABLE, "the server is stopping; try again shortly");
	} else {
		if (j->verify && !j->new_password_given) {
			w->verified = j->ok;
		} else { /* the writer turns an empty hash into an error reply */
			w->verified = j->verified;
			snprintf(w->aux, sizeof(w->aux), "%s", j->ok ? j->encoded : "");
		}
		writer_submit(j->srv, w);
	}
	explicit_bzero(j, sizeof(*j));
	free(j);
}

int auth_change_then_write(struct req *r, const char *old_password, const char *encoded, const char *new_password,
			   handler_fn fn)
{
	if (r->conn->pending_hashes >= CONN_MAX_HASHES)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "too many logins at once on this connection");
	struct hash_job *j = calloc(1, sizeof(*j));
	if (!j)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	snprintf(j->password, sizeof(j->password), "%s", old_password);
	snprintf(j->new_password, sizeof(j->new_password), "%s", new_password);
	snprintf(j->encoded, sizeof(j->encoded), "%s", encoded);
	j->verify = true;
	j->new_password_given = true;
	return queue_job(r, j, fn, NULL);
}

int auth_then_write(struct req *r, const char *password, const char *verify_against, handler_fn fn,
		    wreq_done_fn done)
{
	if (r->conn->pending_hashes >= CONN_MAX_HASHES)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "too many logins at once on this connection");
	struct hash_job *j = calloc(1, sizeof(*j));
	if (!j)
		return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", "out of memory; try again");
	snprintf(j->password, sizeof(j->password), "%s", password);
	if (verify_against)
		snprintf(j->encoded, sizeof(j->encoded), "%s", verify_against);
	j->verify = verify_against != NULL;
	return queue_job(r, j, fn, done);
}
