/* canary: the canary rows mixed into every export (canary.c), made on the
 * writer and recorded in export_canaries. */
#ifndef KART_CANARY_H
#define KART_CANARY_H

#include <stdint.h>

#include "kart.pb-c.h"

#define CANARY_TRIES 64         /* phones or emails tried for one canary before giving up */

struct req;

/* The k canary rows of export export_id, whose n cards have the ascending
 * ids: their positions in the file of n + k rows, their ids, persons, phones
 * and emails, each phone and email put in export_canaries (r's write
 * transaction). *out is an array of k in r's arena. 0, MDB_KEYEXIST when
 * CANARY_TRIES phones or emails in a row were taken, ENOMEM, EIO, or an MDB
 * code. */
int canary_rows_make(struct req *r, uint64_t export_id, const uint64_t *ids, uint64_t n, uint32_t k,
		     Kart__CanaryRow ***out);
/* The export's fingerprint: SHA-256 over the k canary phones (E.164), one a
 * line, in hex. 0, or -1 if hashing failed. */
int canary_fingerprint(Kart__CanaryRow *const *rows, uint32_t k, char fp[65]);

#endif
