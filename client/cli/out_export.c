/* out_export: what `kart exports`, `kart leak trace` and `kart card canaries`
 * print: the export records, a leaked file's ranked matches with their
 * evidence and verdict, and the canary cards that make the tracing work. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "out.h"

/* ---- canary cards ---- */

static const struct out_column canary_columns[] = {
	{ "ID", 8, true }, { "NAME", 40, false }, { "WHERE", 0, false },
};

int out_canary_list(const Kart__CanaryPage *page, bool json)
{
	if (json)
		return out_json_array((void *const *)page->canaries, page->n_canaries);
	out_header(canary_columns, N_COLUMNS(canary_columns));
	for (size_t i = 0; i < page->n_canaries; i++) {
		const Kart__CanaryCard *cc = page->canaries[i];
		char id[24];
		const char *cells[N_COLUMNS(canary_columns)];
		snprintf(id, sizeof(id), "%" PRIu64, cc->id);
		cells[0] = id;
		cells[1] = str_or_empty(cc->name);
		cells[2] = cc->in_trash ? "trash" : "live";
		out_row(canary_columns, N_COLUMNS(canary_columns), cells);
	}
	return 0;
}

/* ---- exports and leak tracing ---- */

static const struct out_column export_columns[] = {
	{ "ID", 5, true }, { "USER", 14, false }, { "TIME", 19, false }, { "CLIENT", 21, false },
	{ "CARDS", 7, true }, { "CANARIES", 8, true }, { "FINGERPRINT", 64, false }, { "STATE", 7, false },
	{ "FILTER", 0, false },
};

int out_export_list(const Kart__ExportPage *page, bool json)
{
	if (json)
		return out_json_array((void *const *)page->exports, page->n_exports);
	out_header(export_columns, N_COLUMNS(export_columns));
	for (size_t i = 0; i < page->n_exports; i++) {
		const Kart__ExportRecord *x = page->exports[i];
		char id[24], when[32], cards[24], canaries[16], filter[512];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)x->id);
		out_time_or_empty(x->time, when, sizeof(when));
		snprintf(cards, sizeof(cards), "%llu", (unsigned long long)x->cards);
		snprintf(canaries, sizeof(canaries), "%u", x->canaries);
		snprintf(filter, sizeof(filter), "%s%s%s", x->format, *x->filter ? ": " : "", x->filter);
		const char *state = *x->state ? x->state : "done";
		const char *cells[] = { id, x->user, when, x->client, cards, canaries, x->fingerprint, state, filter };
		out_row(export_columns, N_COLUMNS(export_columns), cells);
		if (*x->failure) {
			/* why, under its row: not charged to the quota */
			fputs("      failed: ", stdout);
			out_text(stdout, x->failure, 0);
			fputc('\n', stdout);
		}
	}
	return 0;
}

static const struct out_column leak_columns[] = {
	{ "EXPORT", 6, true }, { "USER", 14, false }, { "TIME", 19, false }, { "CANARIES", 8, true },
	{ "CARDS", 9, true }, { "SHARE", 0, true },
};

void out_leak_report(const Kart__LeakReport *rep)
{
	char rows[32], phones[32], emails[32];
	printf("%s read: %s, %s\n", OUT_COUNT(rows, rep->rows, "row"), OUT_COUNT(phones, rep->phones, "phone"),
	       OUT_COUNT(emails, rep->emails, "email"));
	if (rep->n_matches) {
		fputc('\n', stdout);
		out_header(leak_columns, N_COLUMNS(leak_columns));
	}
	for (size_t i = 0; i < rep->n_matches; i++) {
		const Kart__LeakMatch *m = rep->matches[i];
		const Kart__ExportRecord *x = m->export;
		char id[24], when[32], canaries[24], cards[48], share[16];
		snprintf(id, sizeof(id), "%llu", x ? (unsigned long long)x->id : 0ULL);
		out_time_or_empty(x ? x->time : 0, when, sizeof(when));
		snprintf(canaries, sizeof(canaries), "%u/%u", m->canaries_found, x ? x->canaries : 0);
		snprintf(cards, sizeof(cards), "%llu", (unsigned long long)m->cards_matched);
		snprintf(share, sizeof(share), "%.1f%%", m->share * 100);
		const char *cells[] = { id, x ? x->user : "", when, canaries, cards, share };
		out_row(leak_columns, N_COLUMNS(leak_columns), cells);
	}
	for (size_t i = 0; i < rep->n_matches; i++) {
		const Kart__LeakMatch *m = rep->matches[i];
		if (!m->n_evidence)
			continue;
		printf("\nexport %llu:\n", m->export ? (unsigned long long)m->export->id : 0ULL);
		for (size_t k = 0; k < m->n_evidence; k++) {
			fputs("  ", stdout);
			out_chars(m->evidence[k], SIZE_MAX);
			fputc('\n', stdout);
		}
	}
	fputc('\n', stdout);
	out_chars(str_or_empty(rep->verdict), SIZE_MAX);
	fputc('\n', stdout);
}
