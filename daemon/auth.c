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
	if (j->verify)
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
	if (status != 0)
		j->ok = false;
	srv->hashes_running--;
	srv->inflight--;
	j->cb(j);
	start_next(srv);
	server_maybe_finish(srv);
}

static void start_next(struct server *srv)
{
	while (srv->hash_head && srv->hashes_running < srv->cfg.max_concurrent_hashes) {
		struct hash_job *j = srv->hash_head;
		srv->hash_head = j->next;
		if (!srv->hash_head)
			srv->hash_tail = NULL;
		j->work.data = j;
		srv->hashes_running++;
		if (uv_queue_work(srv->loop, &j->work, work, after) != 0) {
			srv->hashes_running--;
			srv->inflight--;
			j->ok = false;
			j->cb(j);
		}
	}
}

void auth_queue(struct server *srv, struct hash_job *j)
{
	j->srv = srv;
	j->next = NULL;
	srv->inflight++;
	if (srv->hash_tail)
		srv->hash_tail->next = j;
	else
		srv->hash_head = j;
	srv->hash_tail = j;
	start_next(srv);
}
