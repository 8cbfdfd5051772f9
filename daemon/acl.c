#include "acl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "card.h"
#include "log.h"
#include "schema.h"
#include "user.h"
#include "util.h"
#include "writer.h"

/* Owners' teams seen by this request: lists meet the same few owners again
 * and again, so each is read from `users` once per request. */
#define MEMO 16

struct acl_memo {
	char owner[MEMO][KART_NAME_MAX];
	char team[MEMO][KART_NAME_MAX];
	int n, next;
};

bool acl_sees_all(const struct req *r)
{
	const struct kart_config *cfg = r->cfg;
	switch (r->who.role) {
	case KART__ROLE__ROLE_ADMIN:
		return true;
	case KART__ROLE__ROLE_SUPERVISOR:
		return strcmp(cfg->visibility_supervisor, "all") == 0;
	case KART__ROLE__ROLE_MANAGER:
		return strcmp(cfg->visibility_manager, "all") == 0;
	default:
		return false;
	}
}

static const char *owner_team(struct req *r, const char *owner)
{
	if (!r->acl_memo) {
		r->acl_memo = arena_alloc(r->arena, sizeof(struct acl_memo));
		if (!r->acl_memo)
			return NULL;
		memset(r->acl_memo, 0, sizeof(struct acl_memo));
	}
	struct acl_memo *m = r->acl_memo;
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->owner[i], owner) == 0)
			return m->team[i];
	Kart__UserRecord *u;
	const char *team = "";
	struct arena scratch;
	arena_init(&scratch, 0);
	if (r->txn && user_load(r->txn, &r->srv->store, owner, &scratch.pb, &u) == 0 && u->user->team)
		team = u->user->team;
	int slot = m->n < MEMO ? m->n++ : (m->next++ % MEMO);
	snprintf(m->owner[slot], KART_NAME_MAX, "%s", owner);
	snprintf(m->team[slot], KART_NAME_MAX, "%s", team);
	arena_free(&scratch);
	return m->team[slot];
}

/* Same team as r's user, for an owner: both must have a team. */
static bool same_team(struct req *r, const char *owner)
{
	if (!r->who.team[0])
		return false;
	const char *t = owner_team(r, owner);
	return t && strcmp(t, r->who.team) == 0;
}

static bool visible_owner(struct req *r, const char *owner)
{
	if (acl_sees_all(r))
		return true;
	owner = owner ? owner : "";
	const struct kart_config *cfg = r->cfg;
	switch (r->who.role) {
	case KART__ROLE__ROLE_SUPERVISOR:
		return strcmp(owner, r->who.user) == 0 || same_team(r, owner);
	case KART__ROLE__ROLE_MANAGER:
		if (strcmp(owner, r->who.user) == 0)
			return true;
		return strcmp(cfg->visibility_manager, "team") == 0 && same_team(r, owner);
	default:
		return false;
	}
}

bool acl_visible(struct req *r, const Kart__Card *c)
{
	return visible_owner(r, c->owner);
}

/* Reads field 17 (owner) of a stored Card without decoding the rest. */
static bool card_owner_bytes(const uint8_t *p, size_t len, const char **s, size_t *n)
{
	const uint8_t *end = p + len;
	while (p < end) {
		uint64_t key = 0;
		int shift = 0;
		while (p < end && shift < 64) {
			key |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
			if (!(*p++ & 0x80))
				break;
		}
		uint32_t field = (uint32_t)(key >> 3), type = key & 7;
		uint64_t v = 0;
		shift = 0;
		switch (type) {
		case 0: /* varint */
			while (p < end && (*p++ & 0x80))
				;
			break;
		case 1:
			p += 8;
			break;
		case 5:
			p += 4;
			break;
		case 2:
			while (p < end && shift < 64) {
				v |= (uint64_t)(*p & 0x7f) << shift;
				shift += 7;
				if (!(*p++ & 0x80))
					break;
			}
			if (v > (uint64_t)(end - p))
				return false;
			if (field == 17) {
				*s = (const char *)p;
				*n = (size_t)v;
				return true;
			}
			p += v;
			break;
		default:
			return false;
		}
	}
	*s = "";
	*n = 0;
	return true;
}

bool acl_visible_bytes(struct req *r, const void *bytes, size_t len)
{
	if (acl_sees_all(r))
		return true;
	const char *s;
	size_t n;
	if (!card_owner_bytes(bytes, len, &s, &n) || n >= KART_NAME_MAX)
		return false;
	char owner[KART_NAME_MAX];
	memcpy(owner, s, n);
	owner[n] = '\0';
	return visible_owner(r, owner);
}

int acl_owner_refused(struct req *r, const char *name, const char *field)
{
	return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s: no user %.64s that you may hand work to", field,
			 name);
}

int acl_check_owner(struct req *r, const char *name, const char *field, Kart__UserRecord **out)
{
	Kart__UserRecord *u = NULL;
	int rc = user_load(r->txn, &r->srv->store, name, &r->arena->pb, &u);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	bool ok = rc == 0;
	if (ok) {
		Kart__Role role = u->user->role;
		ok = role == KART__ROLE__ROLE_ADMIN || role == KART__ROLE__ROLE_SUPERVISOR || role == KART__ROLE__ROLE_MANAGER;
	}
	if (ok && r->who.role != KART__ROLE__ROLE_ADMIN && strcmp(name, r->who.user) != 0) {
		/* nobody but an admin hands work across teams, whatever they may see */
		const char *vis = r->cfg->visibility_manager;
		switch (r->who.role) {
		case KART__ROLE__ROLE_SUPERVISOR:
			ok = same_team(r, name);
			break;
		case KART__ROLE__ROLE_MANAGER:
			ok = (strcmp(vis, "team") == 0 || strcmp(vis, "all") == 0) && same_team(r, name);
			break;
		default:
			ok = false;
		}
	}
	if (!ok)
		return acl_owner_refused(r, name, field);
	if (out)
		*out = u;
	return H_OK;
}

int acl_card_id_visible(struct req *r, uint64_t card_id)
{
	if (acl_sees_all(r))
		return 0;
	uint8_t key[8];
	store_u64_key(card_id, key);
	MDB_val k = { 8, key }, v;
	int rc = mdb_get(r->txn, r->srv->store.cards, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = mdb_get(r->txn, r->srv->store.trash, &k, &v);
	if (rc)
		return rc;
	return acl_visible_bytes(r, v.mv_data, v.mv_size) ? 0 : MDB_NOTFOUND;
}

static bool masks_owner(struct req *r, const char *owner)
{
	if (r->who.role == KART__ROLE__ROLE_ADMIN || strcmp(owner, r->who.user) == 0)
		return false;
	return !(r->who.role == KART__ROLE__ROLE_SUPERVISOR && same_team(r, owner));
}

bool acl_masks(struct req *r, const Kart__Card *c)
{
	return masks_owner(r, c->owner ? c->owner : "");
}

enum acl_view acl_view_bytes(struct req *r, const void *bytes, size_t len)
{
	if (r->who.role == KART__ROLE__ROLE_ADMIN)
		return ACL_WHOLE;
	const char *s;
	size_t n;
	if (!card_owner_bytes(bytes, len, &s, &n) || n >= KART_NAME_MAX)
		return acl_sees_all(r) ? ACL_MASKED : ACL_HIDDEN;
	char owner[KART_NAME_MAX];
	memcpy(owner, s, n);
	owner[n] = '\0';
	if (!visible_owner(r, owner))
		return ACL_HIDDEN;
	return masks_owner(r, owner) ? ACL_MASKED : ACL_WHOLE;
}

bool acl_whole_bytes(struct req *r, const void *bytes, size_t len)
{
	return acl_view_bytes(r, bytes, len) == ACL_WHOLE;
}

bool acl_field_sensitive(const struct schema *sc, const char *field)
{
	if (strcmp(field, "birthday") == 0 || strcmp(field, "address") == 0 || strcmp(field, "relatives") == 0)
		return true;
	const Kart__FieldDef *d = sc ? schema_find(sc, field) : NULL;
	return d && d->sensitive;
}

void acl_mask(struct req *r, Kart__Card *c)
{
	struct schema *sc = schema_for(r);
	if (r->txn)
		schema_sync(sc, r->txn, &r->srv->store);
	schema_mark_types(sc, c);
	if (!acl_masks(r, c))
		return;
	acl_mask_with(r, c, sc);
}

void acl_mask_with(struct req *r, Kart__Card *c, const struct schema *sc)
{
	if (!acl_masks(r, c))
		return;
	static char masked[] = "***";
	if (c->birthday && *c->birthday)
		c->birthday = masked;
	if (c->address && *c->address)
		c->address = masked;
	c->n_relatives = 0;
	c->relatives = NULL;
	for (size_t i = 0; i < c->n_custom; i++) {
		const Kart__FieldDef *d = schema_find(sc, c->custom[i]->field);
		if (d && d->sensitive) {
			Kart__CustomValue *cv = arena_alloc(r->arena, sizeof(*cv));
			if (!cv)
				continue;
			*cv = *c->custom[i];
			cv->value = masked;
			cv->type = KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED; /* "***" is no number */
			c->custom[i] = cv;
		}
	}
}

/* Refused looks are coalesced per user and minute: the first DENIED_VERBATIM
 * of a minute are recorded (and logged) one by one, the rest only counted and
 * written as one record when the minute is over (acl_denied_flush, from the
 * loop's sweep and at stop), so a script hammering ids cannot bury real
 * events under its refusals nor keep the writer busy with them. A slot per
 * user hash: a user who collides with another flushes the other's count
 * early, which loses nothing. */
#define DENIED_VERBATIM 3
#define DENIED_SLOTS 256
struct denied_slot {
	char user[KART_NAME_MAX];
	char peer[64];
	int64_t minute;             /* unix minute */
	unsigned verbatim;          /* recorded one by one in this minute */
	uint64_t held;              /* counted, not yet written */
	struct {
		char what[24];          /* what was asked, without ids: show, find, move deal, ... */
		uint64_t n;
	} kinds[8];                 /* of the held ones; the last also takes any others */
};
static struct denied_slot denied[DENIED_SLOTS];
static pthread_mutex_t denied_lock = PTHREAD_MUTEX_INITIALIZER;
static struct log_limit denied_log;

/* Queues the record of a slot's held count (with denied_lock held). */
static void denied_write(struct server *srv, const struct kart_config *cfg, struct denied_slot *d)
{
	if (!d->held)
		return;
	struct req base = { .srv = srv, .cfg = cfg, .now = util_now_us() };
	snprintf(base.who.user, sizeof(base.who.user), "%s", d->user);
	snprintf(base.who.peer, sizeof(base.who.peer), "%s", d->peer);
	/* the minute is an instant the reader sees in their own zone: {at} */
	base.audit_at = d->minute * 60;
	char summary[WNOTE_SUMMARY];
	int o = snprintf(summary, sizeof(summary), "%llu more cards asked for outside their scope in the minute from {at}:",
			 (unsigned long long)d->held);
	for (unsigned i = 0; i < 8 && d->kinds[i].n && o > 0 && (size_t)o < sizeof(summary); i++)
		o += snprintf(summary + o, sizeof(summary) - (size_t)o, "%s %llu %s", i ? "," : "",
			      (unsigned long long)d->kinds[i].n, d->kinds[i].what);
	audit_note_later(&base, "card.denied", "card", 0, false, summary);
	log_notice("%s: %s asked for %llu more cards outside their scope in the minute from %lld", d->peer, d->user,
		   (unsigned long long)d->held, (long long)d->minute * 60);
	d->held = 0;
	memset(d->kinds, 0, sizeof(d->kinds));
}

/* One refused look's record of its own: the request itself is refused and rolled back. */
static void denied_record(struct req *r, uint64_t card_id, const char *what)
{
	audit_note_later(r, "card.denied", "card", card_id, false, what);
}

void acl_note_denied(struct req *r, uint64_t card_id, const char *what)
{
	int64_t minute = (r->now ? r->now : util_now_us()) / 60000000;
	unsigned h = 2166136261u;
	for (const char *p = r->who.user; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	pthread_mutex_lock(&denied_lock);
	struct denied_slot *d = &denied[h % DENIED_SLOTS];
	bool other = strcmp(d->user, r->who.user) != 0 || d->minute != minute;
	if (other && d->held && r->on_writer) {
		/* the writer's records may still be dropped with its batch: the
		 * slot's count is left for the loop to write, this one goes alone */
		pthread_mutex_unlock(&denied_lock);
		denied_record(r, card_id, what);
		return;
	}
	if (other) {
		denied_write(r->srv, r->cfg, d);
		snprintf(d->user, sizeof(d->user), "%s", r->who.user);
		d->minute = minute;
		d->verbatim = 0;
	}
	snprintf(d->peer, sizeof(d->peer), "%s", r->who.peer);
	bool verbatim = d->verbatim < DENIED_VERBATIM;
	if (verbatim)
		d->verbatim++;
	else {
		d->held++;
		/* the kind: what was asked without its ids and quoted text
		 * ("move deal 7" -> "move deal", "find 'x': 3 cards" -> "find") */
		char word[24];
		size_t wl = strcspn(what, "0123456789'\":");
		while (wl && what[wl - 1] == ' ')
			wl--;
		snprintf(word, sizeof(word), "%.*s", (int)(wl < sizeof(word) ? wl : sizeof(word) - 1), wl ? what : "other");
		unsigned i = 0;
		while (i < 7 && d->kinds[i].n && strcmp(d->kinds[i].what, word) != 0)
			i++;
		if (i == 7 && d->kinds[i].n && strcmp(d->kinds[i].what, word) != 0)
			snprintf(d->kinds[i].what, sizeof(d->kinds[i].what), "other");
		else if (!d->kinds[i].n)
			snprintf(d->kinds[i].what, sizeof(d->kinds[i].what), "%s", word);
		d->kinds[i].n++;
	}
	if (verbatim)
		log_limited_kv(&denied_log, LOG_NOTICE,
			       (&(struct log_kv){ .peer = r->who.peer, .user = r->who.user, .action = "card.denied" }),
			       "%s: %s asked for card %llu outside their scope (%s)", r->who.peer, r->who.user,
			       (unsigned long long)card_id, what);
	pthread_mutex_unlock(&denied_lock);
	if (verbatim)
		denied_record(r, card_id, what);
}

void acl_denied_flush(struct server *srv, bool all)
{
	int64_t minute = util_now_us() / 60000000;
	pthread_mutex_lock(&denied_lock);
	for (unsigned i = 0; i < DENIED_SLOTS; i++)
		if (denied[i].held && (all || denied[i].minute != minute))
			denied_write(srv, srv->cfg, &denied[i]); /* the loop's */
	pthread_mutex_unlock(&denied_lock);
}

int acl_scope_owners(struct req *r, struct arena *a, char ***out, size_t *n)
{
	const struct kart_config *cfg = r->cfg;
	bool team = r->who.team[0] && (r->who.role == KART__ROLE__ROLE_SUPERVISOR ||
				       (r->who.role == KART__ROLE__ROLE_MANAGER && strcmp(cfg->visibility_manager, "team") == 0));
	size_t cap = 16;
	char **o = arena_alloc(a, cap * sizeof(*o));
	if (!o || !(o[0] = arena_strdup(a, r->who.user)))
		return ENOMEM;
	*n = 1;
	if (team) {
		MDB_cursor *cur;
		int rc = mdb_cursor_open(r->txn, r->srv->store.users, &cur);
		if (rc)
			return rc;
		struct arena scratch;
		arena_init(&scratch, 0);
		MDB_val k, v;
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			arena_reset(&scratch);
			Kart__UserRecord *u = kart__user_record__unpack(&scratch.pb, v.mv_size, v.mv_data);
			if (!u || !u->user || !u->user->name || !u->user->team || strcmp(u->user->team, r->who.team) != 0 ||
			    strcmp(u->user->name, r->who.user) == 0)
				continue;
			if (*n == cap) {
				char **g = arena_alloc(a, 2 * cap * sizeof(*g));
				if (!g)
					break;
				memcpy(g, o, cap * sizeof(*g));
				o = g;
				cap *= 2;
			}
			if (!(o[*n] = arena_strdup(a, u->user->name)))
				break;
			(*n)++;
		}
		arena_free(&scratch);
		mdb_cursor_close(cur);
		if (rc != MDB_NOTFOUND)
			return rc ? rc : ENOMEM;
	}
	*out = o;
	return 0;
}
