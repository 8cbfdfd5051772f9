/* export_policy: a user's export permission and daily quota, and the cards
 * they exported today (export_policy.c). */
#ifndef KART_EXPORT_POLICY_H
#define KART_EXPORT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <lmdb.h>

#include "arena.h"
#include "config.h"
#include "kart.pb-c.h"

/* export_per_day set to this: no limit (0 is the role's default) */
#define QUOTA_UNLIMITED UINT32_MAX

struct req;
struct store;

/* Whether u may export: never an auditor; else as granted or revoked for
 * them, else whether their role is in export_default_roles. */
bool may_export(const struct kart_config *cfg, const Kart__User *u);
/* Cards u may export a day; 0: no limit. */
uint64_t quota_of(const struct kart_config *cfg, const Kart__User *u);
/* 00:00 of today, local time, in unix seconds. */
int64_t local_midnight(int64_t now_us);
/* Cards `user` exported since `since` (unix seconds), failed exports not
 * counted. 0 or an MDB code. */
int exported_since(MDB_txn *txn, struct store *st, const char *user, int64_t since, uint64_t *cards);
/* The refusal of an export over the quota (asked 0: the quota is used up already), in a. */
const char *quota_words(struct arena *a, uint64_t asked, uint64_t used, uint64_t quota);
/* User u's export permission, daily quota (0: no limit) and the cards they
 * exported since midnight. 0 or an MDB code. */
int export_user_standing(struct req *r, const Kart__User *u, bool *may, uint64_t *quota, uint64_t *used);

#endif
