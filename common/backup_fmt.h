/* backup_fmt: the layout of a backup file (kartd backup, kart admin backup),
 * its writing and its checking as it streams by.
 *
 *   header   BACKUP_HEADER_LEN (120) bytes
 *     magic       8   "KARTBKP\n"
 *     version     4   u32 big-endian, BACKUP_VERSION
 *     flags       4   0
 *     created     8   i64 BE, unix microseconds
 *     audit_seq   8   u64 BE: the audit chain's head in the copied snapshot
 *     audit_hash  32  its hash
 *     chain_id    32  the hash of audit record 1: which instance's chain this is
 *     schema      8   u64 BE: the database schema (meta "schema")
 *     reserved    16  0
 *   image    the compacted LMDB data file (mdb_env_copyfd2, MDB_CP_COMPACT)
 *   trailer  BACKUP_TRAILER_LEN (48) bytes
 *     magic       8   "KARTEND\n"
 *     image_len   8   u64 BE
 *     sha256      32  SHA-256 of every byte before it
 *
 * A file cut anywhere, or with any byte changed, fails the check: the
 * trailer is the last 48 bytes, and the checksum covers everything else. */
#ifndef KART_BACKUP_FMT_H
#define KART_BACKUP_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKUP_VERSION 1
#define BACKUP_HEADER_LEN 120
#define BACKUP_TRAILER_LEN 48

struct backup_head {
	uint32_t version;
	int64_t created;            /* unix microseconds */
	uint64_t audit_seq;
	uint8_t audit_hash[32];
	uint8_t chain_id[32];
	uint64_t schema;
};

void backup_head_encode(const struct backup_head *h, uint8_t out[BACKUP_HEADER_LEN]);

/* Checks a backup as its bytes come (in any pieces): holds back the last 48
 * (the trailer, once the end is known), hashes the rest and hands the image's
 * bytes to `sink` (NULL: none). */
typedef int (*backup_sink_fn)(void *ud, const uint8_t *p, size_t n);

struct backup_reader {
	backup_sink_fn sink;
	void *ud;
	void *sha;                  /* EVP_MD_CTX */
	uint8_t header[BACKUP_HEADER_LEN];
	uint64_t total;             /* bytes released past the hold */
	uint8_t hold[BACKUP_TRAILER_LEN];
	size_t nhold;
	bool have_head;
	struct backup_head head;
	char err[200];
};

/* 0, or -1 (out of memory). */
int backup_reader_init(struct backup_reader *rd, backup_sink_fn sink, void *ud);
void backup_reader_free(struct backup_reader *rd);
/* 0, or -1 with rd->err set (not a backup, a newer format, the sink failed). */
int backup_reader_feed(struct backup_reader *rd, const void *p, size_t n);
/* At the end of the bytes: 0 when the file is whole and its checksum holds,
 * else -1 with rd->err saying how it is truncated or damaged. */
int backup_reader_end(struct backup_reader *rd);

/* Writing one: the running checksum. */
struct backup_writer {
	void *sha;                  /* EVP_MD_CTX */
	uint64_t image_len;
};
int backup_writer_init(struct backup_writer *w);
/* Hashes n bytes of the file (the header, then the image). is_image: count them. */
void backup_writer_add(struct backup_writer *w, const void *p, size_t n, bool is_image);
/* The trailer, from what was added. */
void backup_writer_trailer(struct backup_writer *w, uint8_t out[BACKUP_TRAILER_LEN]);
void backup_writer_free(struct backup_writer *w);

#endif
