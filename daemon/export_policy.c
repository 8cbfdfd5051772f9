/* export_policy: who may export and how many cards a day (the permission a
 * user is granted or their role's default, the quota set for them or their
 * role's), the cards they exported today, and the words of a refusal. Read
 * from any transaction: the loop checks first, the writer again. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "export_policy.h"
#include "pbjson.h"
#include "req.h"
#include "store.h"

static bool role_in_list(const char *list, Kart__Role role)
{
	char name[32];
	pbjson_enum_name(&kart__role__descriptor, (int)role, name, sizeof(name));
	size_t nl = strlen(name);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, " ,");
		if (len && len == nl && strncmp(p, name, len) == 0)
			return true;
		p += len;
	}
	return false;
}

bool may_export(const struct kart_config *cfg, const Kart__User *u)
{
	if (u->role == KART__ROLE__ROLE_AUDITOR)
		return false;
	if (u->export_set)
		return u->can_export;
	return role_in_list(cfg->export_default_roles, u->role);
}

/* Cards a day; 0: no limit. */
uint64_t quota_of(const struct kart_config *cfg, const Kart__User *u)
{
	if (u->export_per_day == QUOTA_UNLIMITED)
		return 0;
	if (u->export_per_day)
		return u->export_per_day;
	switch (u->role) {
	case KART__ROLE__ROLE_ADMIN:
		return cfg->export_per_day_admin;
	case KART__ROLE__ROLE_SUPERVISOR:
		return cfg->export_per_day_supervisor;
	case KART__ROLE__ROLE_MANAGER:
		return cfg->export_per_day_manager;
	default:
		return 0;
	}
}

/* 00:00 of today, local time, in unix seconds. */
int64_t local_midnight(int64_t now_us)
{
	time_t t = (time_t)(now_us / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

bool export_is_report(const Kart__ExportRecord *e)
{
	return e->format && strncmp(e->format, "report ", 7) == 0;
}

static bool export_failed(const Kart__ExportRecord *e)
{
	return e->state && strcmp(e->state, "failed") == 0;
}

/* Cards `user` exported since `since` (unix seconds): the exports are in id
 * order, which is time order, so the walk goes back from the newest. */
int exported_since(MDB_txn *txn, struct store *st, const char *user, int64_t since, uint64_t *cards)
{
	*cards = 0;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->exports, &cur);
	if (rc)
		return rc;
	struct arena a;
	arena_init(&a, 0);
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		arena_reset(&a);
		Kart__ExportRecord *e = kart__export_record__unpack(&a.pb, v.mv_size, v.mv_data);
		if (!e)
			continue;
		if (e->time < since)
			break;
		/* a failed export was given back: only what was (or is being) sent
		 * counts; a report's record is no export (h_report.c) */
		if (e->user && strcmp(e->user, user) == 0 && !export_failed(e) && !export_is_report(e))
			*cards += e->cards;
	}
	mdb_cursor_close(cur);
	arena_free(&a);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

const char *quota_words(struct arena *a, uint64_t asked, uint64_t used, uint64_t quota)
{
	if (!asked)
		return arena_printf(a, "export quota exceeded: %" PRIu64 " of %" PRIu64
				       " cards a day already exported; the quota renews at midnight",
				    used, quota);
	return arena_printf(a, "export quota exceeded: %" PRIu64 " cards asked, %" PRIu64 " of %" PRIu64
			       " cards a day already exported; the quota renews at midnight",
			    asked, used, quota);
}

int export_user_standing(struct req *r, const Kart__User *u, bool *may, uint64_t *quota, uint64_t *used)
{
	const struct kart_config *cfg = r->cfg;
	*may = may_export(cfg, u);
	*quota = quota_of(cfg, u);
	return exported_since(r->txn, &r->srv->store, u->name, local_midnight(r->now), used);
}
