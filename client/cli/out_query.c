/* out_query: cards as a table, one row each, as `kart card ls`, `kart find`
 * and `kart ls` print them, and the saved segments of `kart segment ls`. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "i18n.h"
#include "out.h"

static const struct out_column card_columns[] = {
	{ N_("ID"), 6, true }, { N_("NAME"), 32, false }, { N_("COMPANY"), 22, false }, { N_("PHONE"), 18, false },
	{ N_("CITY"), 16, false }, { N_("SECTOR"), 6, false }, { N_("OWNER"), 16, false },
};
const struct out_table out_card_table = { card_columns, N_COLUMNS(card_columns), true };
#define N_CARD_COLUMNS N_COLUMNS(card_columns)

static const struct out_column segment_columns[] = {
	{ "NAME", 20, false }, { "EXPR", 48, false }, { "CREATED", 19, false }, { "BY", 16, false },
};
const struct out_table out_segment_table = { segment_columns, N_COLUMNS(segment_columns), false };

void out_list_card(struct out_list *l, const Kart__Card *card)
{
	char id[24], name[1024], sector[32];
	const char *cells[N_CARD_COLUMNS];
	const char *parts[3] = { card->last_name, card->first_name, card->middle_name };
	size_t used = 0;

	if (out_list_as_json(l, &card->base))
		return;
	snprintf(id, sizeof(id), "%" PRIu64, card->id);
	name[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i] || used >= sizeof(name))
			continue;
		used += (size_t)snprintf(name + used, sizeof(name) - used, "%s%s", used ? " " : "", parts[i]);
	}
	cells[0] = id;
	cells[1] = name;
	cells[2] = str_or_empty(card->company);
	cells[3] = card->n_phones ? card->phones[0] : "";
	cells[4] = str_or_empty(card->city);
	cells[5] = out_enum_short(&kart__sector__descriptor, (int)card->sector, sector, sizeof(sector));
	cells[6] = str_or_empty(card->owner);
	out_row(card_columns, N_CARD_COLUMNS, cells);
	l->count++;
}

void out_list_segment(struct out_list *l, const Kart__Segment *seg)
{
	char created[32];
	const char *cells[N_COLUMNS(segment_columns)];

	if (out_list_as_json(l, &seg->base))
		return;
	out_time_or_empty(seg->created_at, created, sizeof(created));
	cells[0] = str_or_empty(seg->name);
	cells[1] = str_or_empty(seg->expr);
	cells[2] = created;
	cells[3] = str_or_empty(seg->created_by);
	out_row(segment_columns, N_COLUMNS(segment_columns), cells);
	l->count++;
}
