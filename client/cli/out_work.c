/* out_work: the work done with a client as kart prints it: timeline entries,
 * deals (one deal, the list, the funnel under `deal ls`), reminders and
 * `kart today`. Money is shown as out_money writes it, dates as fmt_date. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "i18n.h"
#include "out.h"
#include "text.h"
#include "util.h"

static const struct out_column timeline_columns[] = {
	{ "ID", 6, true }, { "AT", 16, false }, { "KIND", 8, false }, { "AMOUNT", 14, true }, { "AUTHOR", 16, false },
	{ "TEXT", 0, false },
};
const struct out_table out_timeline_table = { timeline_columns, N_COLUMNS(timeline_columns), false };

static const struct out_column deal_columns[] = {
	{ "ID", 6, true }, { "CARD", 6, true }, { "CLIENT", 24, false }, { "TITLE", 32, false }, { "AMOUNT", 14, true },
	{ "STAGE", 16, false }, { "OWNER", 16, false }, { "CLOSE", 10, false },
};
const struct out_table out_deal_table = { deal_columns, N_COLUMNS(deal_columns), false };

static const struct out_column reminder_columns[] = {
	{ N_("ID"), 6, true }, { N_("AT"), 32, false }, { N_("CARD"), 32, false }, { N_("BY"), 12, false },
	{ N_("TEXT"), 0, false },
};

static const struct out_column birthday_columns[] = {
	{ N_("DATE"), 10, false }, { N_("IN"), 8, false }, { N_("NAME"), 40, false }, { N_("CLIENT"), 0, false },
};

void out_list_entry(struct out_list *l, const Kart__TimelineEntry *e)
{
	char id[24], at[32], kind[32], amount[48];
	const char *cells[N_COLUMNS(timeline_columns)];
	char *text = NULL;

	if (out_list_as_json(l, &e->base))
		return;
	snprintf(id, sizeof(id), "%" PRIu64, e->id);
	out_time_or_empty(e->at, at, sizeof(at));
	/* a corrected entry says so; its earlier texts are in --json */
	if (e->edited_at && asprintf(&text, "%s (corrected by %s)", str_or_empty(e->text), str_or_empty(e->edited_by)) < 0)
		text = NULL;
	cells[0] = id;
	cells[1] = at;
	cells[2] = out_enum_short(&kart__entry_kind__descriptor, (int)e->kind, kind, sizeof(kind));
	cells[3] = out_money_or_empty(e->amount, amount, sizeof(amount));
	cells[4] = str_or_empty(e->author);
	cells[5] = text ? text : str_or_empty(e->text);
	out_row(timeline_columns, N_COLUMNS(timeline_columns), cells);
	free(text);
	l->count++;
}

void out_list_deal(struct out_list *l, const Kart__Deal *d)
{
	char id[24], card[24], amount[48], close[32];
	const char *cells[N_COLUMNS(deal_columns)];

	if (out_list_as_json(l, &d->base))
		return;
	snprintf(id, sizeof(id), "%" PRIu64, d->id);
	snprintf(card, sizeof(card), "%" PRIu64, d->card_id);
	cells[0] = id;
	cells[1] = card;
	cells[2] = str_or_empty(d->card_title);
	cells[3] = str_or_empty(d->title);
	cells[4] = out_money_or_empty(d->amount, amount, sizeof(amount));
	cells[5] = str_or_empty(d->stage);
	cells[6] = str_or_empty(d->owner);
	cells[7] = fmt_date(d->expected_close, close, sizeof(close));
	out_row(deal_columns, N_COLUMNS(deal_columns), cells);
	l->count++;
}

void out_deal(const Kart__Deal *d)
{
	char money[48], created[160], updated[160], buf[32];
	const char *close = fmt_date(d->expected_close, buf, sizeof(buf));

	out_when_by(d->created_at, d->created_by, created, sizeof(created));
	out_when_by(d->updated_at, d->updated_by, updated, sizeof(updated));
	out_say("deal %" PRIu64 ": %s", d->id, str_or_empty(d->title));
	if (d->card_title && *d->card_title)
		out_say("card:     #%" PRIu64 " %s", d->card_id, d->card_title);
	else
		out_say("card:     #%" PRIu64, d->card_id);
	out_say("stage:    %s", str_or_empty(d->stage));
	out_say("amount:   %s", out_money(d->amount, money, sizeof(money)));
	out_say("close:    %s", *close ? close : "-");
	out_say("owner:    %s", str_or_empty(d->owner));
	out_say("created:  %s", created);
	out_say("updated:  %s", updated);
	/* the stages it was at, oldest first, each with when it came there and
	 * who moved it (a deal from before the history has one: its stage at
	 * its creation) */
	if (!d->n_history)
		return;
	size_t w = 0;
	for (size_t i = 0; i < d->n_history; i++) {
		const char *stage = str_or_empty(d->history[i]->stage);
		size_t len = text_utf8_chars(stage, strlen(stage));
		if (len > w)
			w = len < 32 ? len : 32;
	}
	out_say("history:");
	for (size_t i = 0; i < d->n_history; i++) {
		const Kart__StageVisit *v = d->history[i];
		const char *stage = str_or_empty(v->stage);
		size_t len = text_utf8_chars(stage, strlen(stage));
		char when[160];
		out_when_by(v->at, v->by, when, sizeof(when));
		out_say("  %s%*s  %s", stage, (int)(len < w ? w - len : 0), "", when);
	}
}

void out_deal_funnel(const Kart__DealPage *page)
{
	char amount[48], deals[48];
	const char **extra = NULL;
	size_t nextra = 0;

	if (page->n_stages || page->n_deals)
		fputc('\n', stdout);
	/* the configured stages in order, then any stage a deal is at that the
	 * funnel no longer has, as first met */
	if (page->n_deals)
		extra = calloc(page->n_deals, sizeof(*extra));
	for (size_t i = 0; i < page->n_deals && extra; i++) {
		const char *stage = str_or_empty(page->deals[i]->stage);
		bool known = false;
		for (size_t k = 0; k < page->n_stages && !known; k++)
			known = strcmp(page->stages[k], stage) == 0;
		for (size_t k = 0; k < nextra && !known; k++)
			known = strcmp(extra[k], stage) == 0;
		if (!known)
			extra[nextra++] = stage;
	}
	for (size_t k = 0; k < page->n_stages + nextra; k++) {
		const char *stage = k < page->n_stages ? page->stages[k] : extra[k - page->n_stages];
		size_t count = 0;
		int64_t sum = 0;
		for (size_t i = 0; i < page->n_deals; i++) {
			if (strcmp(str_or_empty(page->deals[i]->stage), stage) != 0)
				continue;
			count++;
			sum += page->deals[i]->amount;
		}
		out_chars(*stage ? stage : "(no stage)", SIZE_MAX);
		printf(": %s, %s\n", OUT_COUNT(deals, count, "deal"), out_money(sum, amount, sizeof(amount)));
	}
	free(extra);
}

/* "#12 Иванов Иван": the card id, then its title when known. */
static void card_cell(uint64_t id, const char *title, char *buf, size_t n)
{
	if (title && *title)
		snprintf(buf, n, "#%" PRIu64 " %s", id, title);
	else
		snprintf(buf, n, "#%" PRIu64, id);
}

/* One reminder: its id (for remind done/edit/snooze), the time in this
 * client's zone, the card, who set it, the text. */
void out_reminder_row(const Kart__Reminder *r, int64_t now)
{
	char id[24], at[80], card[512];
	const char *cells[N_COLUMNS(reminder_columns)];
	size_t len;
	snprintf(id, sizeof(id), "%" PRIu64, r->id);
	fmt_time(r->at, FMT_ZONE, at, sizeof(at));
	len = strlen(at);
	if (r->done)
		snprintf(at + len, sizeof(at) - len, " %s", _("done"));
	else if (r->at < now)
		snprintf(at + len, sizeof(at) - len, " %s", _("overdue"));
	card_cell(r->card_id, r->card_title, card, sizeof(card));
	cells[0] = id;
	cells[1] = at;
	cells[2] = card;
	cells[3] = str_or_empty(r->owner);
	cells[4] = str_or_empty(r->text);
	out_row(reminder_columns, N_COLUMNS(reminder_columns), cells);
}

void out_reminder_header(void)
{
	out_header_translated(reminder_columns, N_COLUMNS(reminder_columns));
}

void out_today(const Kart__TodayPage *page, uint32_t days, int64_t now)
{
	char card[512], name[512], in[32], date[32];

	printf("%s", _("Reminders (due today or overdue)\n"));
	if (page->n_reminders == 0)
		printf("%s", _("nothing due\n"));
	else
		out_header_translated(reminder_columns, N_COLUMNS(reminder_columns));
	for (size_t i = 0; i < page->n_reminders; i++)
		out_reminder_row(page->reminders[i], now);
	printf(P_("\nBirthdays in the next %u day\n", "\nBirthdays in the next %u days\n", days), (unsigned)days);
	if (page->n_birthdays == 0)
		printf("%s", _("no birthdays\n"));
	else
		out_header_translated(birthday_columns, N_COLUMNS(birthday_columns));
	for (size_t i = 0; i < page->n_birthdays; i++) {
		const Kart__Birthday *b = page->birthdays[i];
		const char *cells[N_COLUMNS(birthday_columns)];
		if (b->in_days == 0)
			snprintf(in, sizeof(in), "%s", _("today"));
		else if (b->in_days == 1)
			snprintf(in, sizeof(in), "%s", _("tomorrow"));
		else
			snprintf(in, sizeof(in), P_("%u day", "%u days", b->in_days), (unsigned)b->in_days);
		if (b->relation && *b->relation)
			snprintf(name, sizeof(name), "%s (%s)", str_or_empty(b->name), b->relation);
		else
			snprintf(name, sizeof(name), "%s", str_or_empty(b->name));
		card_cell(b->card_id, b->client, card, sizeof(card));
		cells[0] = fmt_date(b->date, date, sizeof(date));
		cells[1] = in;
		cells[2] = name;
		cells[3] = card;
		out_row(birthday_columns, N_COLUMNS(birthday_columns), cells);
	}
}
