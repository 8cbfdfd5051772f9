/* backup_fmt: a backup file's header and trailer, and its SHA-256 as it
 * streams (backup_fmt.h has the layout). */
#include "backup_fmt.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static const char HEAD_MAGIC[8] = { 'K', 'A', 'R', 'T', 'B', 'K', 'P', '\n' };
static const char END_MAGIC[8] = { 'K', 'A', 'R', 'T', 'E', 'N', 'D', '\n' };

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void backup_head_encode(const struct backup_head *h, uint8_t out[BACKUP_HEADER_LEN])
{
	memset(out, 0, BACKUP_HEADER_LEN);
	memcpy(out, HEAD_MAGIC, 8);
	put_u32(out + 8, BACKUP_VERSION);
	put_u64(out + 16, (uint64_t)h->created);
	put_u64(out + 24, h->audit_seq);
	memcpy(out + 32, h->audit_hash, 32);
	memcpy(out + 64, h->chain_id, 32);
	put_u64(out + 96, h->schema);
}

static int head_decode(struct backup_reader *rd)
{
	const uint8_t *p = rd->header;
	if (memcmp(p, HEAD_MAGIC, 8) != 0) {
		snprintf(rd->err, sizeof(rd->err), "not a Kartoteka backup (no backup header)");
		return -1;
	}
	struct backup_head *h = &rd->head;
	h->version = get_u32(p + 8);
	if (h->version != BACKUP_VERSION) {
		snprintf(rd->err, sizeof(rd->err), "a backup of format version %u; this kartd reads version %d",
			 h->version, BACKUP_VERSION);
		return -1;
	}
	h->created = (int64_t)get_u64(p + 16);
	h->audit_seq = get_u64(p + 24);
	memcpy(h->audit_hash, p + 32, 32);
	memcpy(h->chain_id, p + 64, 32);
	h->schema = get_u64(p + 96);
	rd->have_head = true;
	return 0;
}

int backup_reader_init(struct backup_reader *rd, backup_sink_fn sink, void *ud)
{
	memset(rd, 0, sizeof(*rd));
	rd->sink = sink;
	rd->ud = ud;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -1;
	}
	rd->sha = c;
	return 0;
}

void backup_reader_free(struct backup_reader *rd)
{
	EVP_MD_CTX_free(rd->sha);
	rd->sha = NULL;
}

/* Bytes that are certainly not the trailer: hashed, the header collected,
 * the image passed on. */
static int release(struct backup_reader *rd, const uint8_t *p, size_t n)
{
	EVP_DigestUpdate(rd->sha, p, n);
	if (rd->total < BACKUP_HEADER_LEN) {
		size_t take = BACKUP_HEADER_LEN - (size_t)rd->total;
		if (take > n)
			take = n;
		memcpy(rd->header + rd->total, p, take);
		rd->total += take;
		p += take;
		n -= take;
		if (rd->total == BACKUP_HEADER_LEN && head_decode(rd) < 0)
			return -1;
	}
	if (!n)
		return 0;
	rd->total += n;
	if (rd->sink && rd->sink(rd->ud, p, n) < 0) {
		if (!rd->err[0])
			snprintf(rd->err, sizeof(rd->err), "cannot write the database out");
		return -1;
	}
	return 0;
}

int backup_reader_feed(struct backup_reader *rd, const void *data, size_t n)
{
	const uint8_t *p = data;
	if (n >= BACKUP_TRAILER_LEN) {
		if ((rd->nhold && release(rd, rd->hold, rd->nhold) < 0) ||
		    release(rd, p, n - BACKUP_TRAILER_LEN) < 0)
			return -1;
		memcpy(rd->hold, p + n - BACKUP_TRAILER_LEN, BACKUP_TRAILER_LEN);
		rd->nhold = BACKUP_TRAILER_LEN;
		return 0;
	}
	size_t over = rd->nhold + n > BACKUP_TRAILER_LEN ? rd->nhold + n - BACKUP_TRAILER_LEN : 0;
	if (over) {
		if (release(rd, rd->hold, over) < 0)
			return -1;
		memmove(rd->hold, rd->hold + over, rd->nhold - over);
		rd->nhold -= over;
	}
	memcpy(rd->hold + rd->nhold, p, n);
	rd->nhold += n;
	return 0;
}

int backup_reader_end(struct backup_reader *rd)
{
	if (rd->total < BACKUP_HEADER_LEN || rd->nhold < BACKUP_TRAILER_LEN) {
		snprintf(rd->err, sizeof(rd->err), "truncated: %llu bytes, shorter than a backup's header and trailer",
			 (unsigned long long)(rd->total + rd->nhold));
		return -1;
	}
	const uint8_t *t = rd->hold;
	uint64_t image = rd->total - BACKUP_HEADER_LEN;
	if (memcmp(t, END_MAGIC, 8) != 0) {
		snprintf(rd->err, sizeof(rd->err), "truncated or damaged: the file does not end with a backup's trailer");
		return -1;
	}
	if (get_u64(t + 8) != image) {
		snprintf(rd->err, sizeof(rd->err), "truncated or damaged: the trailer says %llu bytes of database, the file holds %llu",
			 (unsigned long long)get_u64(t + 8), (unsigned long long)image);
		return -1;
	}
	EVP_DigestUpdate(rd->sha, t, 16);
	uint8_t sum[32];
	unsigned len = 0;
	if (EVP_DigestFinal_ex(rd->sha, sum, &len) != 1 || len != 32 || memcmp(sum, t + 16, 32) != 0) {
		snprintf(rd->err, sizeof(rd->err), "damaged: the SHA-256 checksum does not match");
		return -1;
	}
	return 0;
}

int backup_writer_init(struct backup_writer *w)
{
	memset(w, 0, sizeof(*w));
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -1;
	}
	w->sha = c;
	return 0;
}

void backup_writer_add(struct backup_writer *w, const void *p, size_t n, bool is_image)
{
	EVP_DigestUpdate(w->sha, p, n);
	if (is_image)
		w->image_len += n;
}

void backup_writer_trailer(struct backup_writer *w, uint8_t out[BACKUP_TRAILER_LEN])
{
	memcpy(out, END_MAGIC, 8);
	put_u64(out + 8, w->image_len);
	EVP_DigestUpdate(w->sha, out, 16);
	unsigned len = 0;
	EVP_DigestFinal_ex(w->sha, out + 16, &len);
}

void backup_writer_free(struct backup_writer *w)
{
	EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
}
