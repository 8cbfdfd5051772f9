/* out_user: users as `kart user list` and `kart user show` print them, what
 * `kart user offboard` reports, and the client certificates of `kart admin
 * certs`. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "out.h"

static const struct out_column user_columns[] = {
	{ "NAME", 24, false }, { "ROLE", 10, false }, { "TEAM", 16, false }, { "CREATED", 19, false },
	{ "LOCKED", 6, false },
};
const struct out_table out_user_table = { user_columns, N_COLUMNS(user_columns), false };
#define N_USER_COLUMNS N_COLUMNS(user_columns)

void out_list_user(struct out_list *l, const Kart__User *user)
{
	char role[32], created[32];
	const char *cells[N_USER_COLUMNS];

	if (out_list_as_json(l, &user->base))
		return;
	out_time_or_empty(user->created_at, created, sizeof(created));
	cells[0] = str_or_empty(user->name);
	cells[1] = out_role_name(user->role, role, sizeof(role));
	cells[2] = str_or_empty(user->team);
	cells[3] = created;
	cells[4] = user->locked ? "yes" : (user->locked_until > time(NULL) ? "for now" : "no");
	out_row(user_columns, N_USER_COLUMNS, cells);
	l->count++;
}

void out_user_info(const Kart__UserInfo *info)
{
	const Kart__User *u = info->user;
	char role[32], created[160], until[32], quota[64];

	if (!u)
		return;
	out_when_by(u->created_at, u->created_by, created, sizeof(created));
	out_say("user %s", str_or_empty(u->name));
	out_say("role:      %s", out_role_name(u->role, role, sizeof(role)));
	out_say("team:      %s", u->team && *u->team ? u->team : "-");
	out_say("created:   %s", created);
	if (u->offboarded_at) {
		char when[32];
		out_time_or_empty(u->offboarded_at, when, sizeof(when));
		out_say("state:     offboarded %s, work handed to %s%s", when, str_or_empty(u->offboarded_to),
			u->locked ? "; locked" : "; unlocked since");
	} else if (u->locked) {
		out_say("state:     locked");
	} else if (u->locked_until > time(NULL)) {
		out_time_or_empty(u->locked_until, until, sizeof(until));
		out_say("state:     locked out after failed logins until %s", until);
	} else {
		out_say("state:     active");
	}
	if (u->read_blocked)
		out_say("reading:   blocked for bulk reading (kart user unblock)");
	out_say("export:    %s%s", info->may_export ? "allowed" : "not allowed",
		!info->export_granted ? " (the role's default)" : info->may_export ? " (granted by an admin)" : " (revoked by an admin)");
	out_say("import:    %s%s", info->may_import ? "allowed" : "not allowed",
		!u->import_set ? " (the role's default)" : info->may_import ? " (granted by an admin)" : " (revoked by an admin)");
	if (info->export_quota)
		snprintf(quota, sizeof(quota), "%" PRIu64 " cards a day", info->export_quota);
	else
		snprintf(quota, sizeof(quota), "no limit");
	out_say("quota:     %s; %" PRIu64 " exported today", quota, info->exported_today);
	out_say("sessions:  %u open", info->sessions);
}

void out_offboard_report(const Kart__OffboardReport *rep)
{
	struct out_list list;
	const char *user = str_or_empty(rep->user);

	char trashed[48] = "", c1[32], c2[32], c3[32], c4[32];
	if (rep->trashed_cards)
		snprintf(trashed, sizeof(trashed), " (and %" PRIu64 " in the trash)", rep->trashed_cards);
	out_say("%s locked; %s%s, %s, %s handed to %s; %s revoked", user, OUT_COUNT(c1, rep->cards, "card"), trashed,
		OUT_COUNT(c2, rep->deals, "deal"), OUT_COUNT(c3, rep->reminders, "reminder"), str_or_empty(rep->to),
		OUT_COUNT(c4, rep->sessions, "session"));
	out_say("%s received %s (%s) in the last 30 days", user,
		out_count(rep->cards_read, "distinct card", NULL, c1, sizeof(c1)), OUT_COUNT(c2, rep->reads, "read"));
	fputc('\n', stdout);
	out_say("What %s did in the last 30 days:", user);
	out_list_begin(&list, OUT_LIST_AUDIT, false);
	for (size_t i = 0; i < rep->n_recent; i++)
		out_list_event(&list, rep->recent[i]);
	out_list_end(&list);
}

/* ---- client certificates ---- */

static const struct out_column cert_columns[] = {
	{ "SERIAL", 32, false }, { "USER", 16, false }, { "ISSUED", 19, false }, { "BY", 12, false },
	{ "VALID UNTIL", 19, false }, { "REVOKED", 0, false },
};

int out_cert_list(const Kart__CertPage *page, bool json)
{
	if (json)
		return out_json_array((void *const *)page->certs, page->n_certs);
	out_header(cert_columns, N_COLUMNS(cert_columns));
	for (size_t i = 0; i < page->n_certs; i++) {
		const Kart__CertInfo *c = page->certs[i];
		char issued[32], until[32], revoked[32];
		const char *cells[N_COLUMNS(cert_columns)];
		out_time_or_empty(c->issued_at, issued, sizeof(issued));
		out_time_or_empty(c->not_after, until, sizeof(until));
		out_time_or_empty(c->revoked_at, revoked, sizeof(revoked));
		cells[0] = str_or_empty(c->serial);
		cells[1] = str_or_empty(c->user);
		cells[2] = issued;
		cells[3] = str_or_empty(c->issued_by);
		cells[4] = until;
		cells[5] = revoked;
		out_row(cert_columns, N_COLUMNS(cert_columns), cells);
	}
	return 0;
}
