/* upgrade: start-up steps on what an earlier daemon left (upgrade.c). */
#ifndef KART_UPGRADE_H
#define KART_UPGRADE_H

struct server;
struct store;

/* At start, before the writer: export_cards blobs written before their ids
 * were flagged sorted get the flag when their ids ascend (as every export's
 * did), so "who received this card" never walks one. Returns 0 or an MDB code. */
int export_blobs_upgrade(struct store *st);
/* At start, before the writer: ix_phone_fwd (the start of each number) is
 * built from the cards when a base from before it has none, or when it is
 * empty while ix_phone is not (it was lost). Returns 0 or an MDB code. */
int index_phone_fwd_upgrade(struct store *st);
/* At start, once the writer runs: exports left "sending" by a daemon that
 * stopped mid-file are recorded as failed. */
void export_unfinished_fail(struct server *srv);

#endif
