/* out_audit: the audit trail as `kart audit` (and offboarding) prints it, and
 * `kart audit reads`: who received which cards. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "out.h"
#include "util.h"

static const struct out_column audit_columns[] = {
	{ "SEQ", 7, true }, { "TIME", 19, false }, { "USER", 16, false }, { "ACTION", 24, false },
	{ "OBJECT", 24, false }, { "SUMMARY", 0, false },
};
const struct out_table out_audit_table = { audit_columns, N_COLUMNS(audit_columns), false };
#define N_AUDIT_COLUMNS N_COLUMNS(audit_columns)

/* An audit summary with its "{at}" written as this client's local time
 * (TZ) and zone: the record keeps the instant, each reader its own clock.
 * Returns summary itself when there is nothing to render, else buf. */
static const char *render_summary(const Kart__AuditEvent *ev, char *buf, size_t n)
{
	const char *s = str_or_empty(ev->summary);
	const char *mark = strstr(s, "{at}");
	char when[64];
	if (!mark || !ev->at)
		return s;
	fmt_time(ev->at, FMT_ZONE, when, sizeof(when));
	snprintf(buf, n, "%.*s%s%s", (int)(mark - s), s, when, mark + 4);
	return buf;
}

void out_list_event(struct out_list *l, const Kart__AuditEvent *ev)
{
	char seq[24], when[32], action[256], object[512], summary[1200];
	const char *cells[N_AUDIT_COLUMNS];
	const char *kind = str_or_empty(ev->object);

	if (out_list_as_json(l, &ev->base))
		return;
	snprintf(seq, sizeof(seq), "%" PRIu64, ev->seq);
	/* to the second: the order of events within a minute shows */
	fmt_time(ev->time / 1000000, FMT_SECONDS, when, sizeof(when));
	snprintf(action, sizeof(action), "%s%s%s", str_or_empty(ev->action), ev->ok ? "" : " (refused)",
		 ev->severity && strcmp(ev->severity, "alert") == 0 ? " (alert)" : "");
	if (ev->object_id)
		snprintf(object, sizeof(object), "%s#%" PRIu64, kind, ev->object_id);
	else if (ev->object_name && *ev->object_name)
		snprintf(object, sizeof(object), "%s:%s", kind, ev->object_name);
	else
		snprintf(object, sizeof(object), "%s", kind);
	cells[0] = seq;
	cells[1] = when;
	cells[2] = str_or_empty(ev->user);
	cells[3] = action;
	cells[4] = object;
	cells[5] = render_summary(ev, summary, sizeof(summary));
	out_row(audit_columns, N_AUDIT_COLUMNS, cells);
	l->count++;
}

/* ---- reads ---- */

static const struct out_column read_columns[] = {
	{ "TIME", 19, false }, { "USER", 16, false }, { "CARD", 8, true }, { "HOW", 0, false },
};
const struct out_table out_read_table = { read_columns, N_COLUMNS(read_columns), false };

void out_list_read(struct out_list *l, const Kart__ReadRecord *rec)
{
	char when[32], card[24], how[64];
	const char *cells[4];

	if (out_list_as_json(l, &rec->base))
		return;
	out_time_or_empty(rec->time / 1000000, when, sizeof(when));
	if (rec->card_id)
		snprintf(card, sizeof(card), "%" PRIu64, rec->card_id);
	else
		snprintf(card, sizeof(card), "-");
	/* an export is one record: which export, and how many cards it had */
	if (rec->export_id)
	{
		char n[32];
		snprintf(how, sizeof(how), "export #%" PRIu64 " (%s)", rec->export_id, OUT_COUNT(n, rec->cards, "card"));
	}
	else
		snprintf(how, sizeof(how), "%s", str_or_empty(rec->how));
	cells[0] = when;
	cells[1] = str_or_empty(rec->user);
	cells[2] = card;
	cells[3] = how;
	out_row(read_columns, N_COLUMNS(read_columns), cells);
	l->count++;
}
