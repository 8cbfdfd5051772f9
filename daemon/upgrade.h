/* upgrade: what an earlier daemon left: the migration of an older database
 * format (store.h) and start-up steps (upgrade.c). */
#ifndef KART_UPGRADE_H
#define KART_UPGRADE_H

#include "store.h"

struct server;

/* store_migrate_fn (store_open_upgrading): an older format to STORE_FORMAT,
 * in the transaction that opens the base. From 1: export_cards blobs written
 * before their ids were flagged sorted get the flag when their ids ascend
 * (as every export's did), so "who received this card" never walks one, and
 * ix_phone_fwd (the start of each number) is built from the cards where it
 * is missing; from 2, each deal gets its first stage visit; from 3,
 * ix_name_owner is built from the live cards. Returns 0 or an MDB code. */
int upgrade_migrate(MDB_txn *txn, struct store *st, uint64_t from, char *did, size_t did_len);
/* At start, before the writer: ix_phone_fwd is built again from the cards
 * when it is empty while ix_phone is not (it was lost), or its mark is gone.
 * Returns 0 or an MDB code. */
int index_phone_fwd_upgrade(struct store *st);
/* At start, once the writer runs: exports left "sending" by a daemon that
 * stopped mid-file are recorded as failed. */
void export_unfinished_fail(struct server *srv);

#endif
