/* user: the user records (`users`: name -> UserRecord) and the account
 * lockout. Used by the session, user and certificate requests. */
#ifndef KART_USER_H
#define KART_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "req.h"

/* Reads a user record; returns 0, MDB_NOTFOUND or an MDB code. */
int user_load(MDB_txn *txn, struct store *st, const char *name, ProtobufCAllocator *alloc, Kart__UserRecord **out);
/* Writes a user record (write txn). Returns 0 or an MDB code. */
int user_save(MDB_txn *txn, struct store *st, const Kart__UserRecord *u);
/* Writer: counts a wrong password of u's (at login, or the
 * current password given to change it) toward the account lockout, and locks
 * the user out past login_user_max_failures (audited). *locked (if not NULL)
 * tells whether this failure locked the account or got its address blocked
 * for the user (auth.c: the request's note). Returns 0 or an MDB code. */
int login_failure(struct req *r, Kart__UserRecord *u, int64_t now_s, bool *locked);

#endif
