/* out_dup: probable duplicates as `kart dup find` prints them (a row per
 * pair) and the report of `kart quality`. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "i18n.h"
#include "out.h"

static const struct out_column dup_columns[] = {
	{ N_("SCORE"), 5, true }, { N_("A"), 6, true }, { N_("B"), 6, true }, { N_("NAME A"), 28, false },
	{ N_("NAME B"), 28, false }, { N_("REASONS"), 0, false },
};
const struct out_table out_dup_table = { dup_columns, N_COLUMNS(dup_columns), true };

/* Who a card is: the person's name, else the company. */
static void card_label(const Kart__Card *c, char *buf, size_t n)
{
	const char *parts[3] = { c ? c->last_name : NULL, c ? c->first_name : NULL, c ? c->middle_name : NULL };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i] || used >= n)
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? " " : "", parts[i]);
	}
	if (!used && c && c->company)
		snprintf(buf, n, "%s", c->company);
}

/* "same phone +79171234567; similar name 93%", in the reader's language. */
static void reasons_text(const Kart__DupPair *p, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_reasons && used < n; i++) {
		const Kart__DupReason *r = p->reasons[i];
		const char *sep = used ? "; " : "";
		int k = 0;

		switch (r->kind) {
		case KART__DUP_REASON_KIND__DUP_REASON_PHONE:
			k = snprintf(buf + used, n - used, "%s%s %s", sep, _("same phone"), r->value);
			break;
		case KART__DUP_REASON_KIND__DUP_REASON_EMAIL:
			k = snprintf(buf + used, n - used, "%s%s %s", sep, _("same email"), r->value);
			break;
		case KART__DUP_REASON_KIND__DUP_REASON_NAME:
			k = snprintf(buf + used, n - used, "%s%s %u%%", sep,
				     r->similarity >= 100 ? _("same name") : _("similar name"), r->similarity);
			break;
		case KART__DUP_REASON_KIND__DUP_REASON_NAME_DIFFERS:
			k = snprintf(buf + used, n - used, "%s%s %u%%", sep, _("names differ"), r->similarity);
			break;
		case KART__DUP_REASON_KIND__DUP_REASON_COMPANY:
			if (r->similarity >= 100)
				k = snprintf(buf + used, n - used, "%s%s %s", sep, _("same company"), r->value);
			else
				k = snprintf(buf + used, n - used, "%s%s %u%%", sep, _("similar company"), r->similarity);
			break;
		default:
			break;
		}
		if (k > 0)
			used += (size_t)k;
	}
}

void out_list_dup(struct out_list *l, const Kart__DupPair *p)
{
	char score[8], a[24], b[24], na[512], nb[512], why[1024];
	const char *cells[N_COLUMNS(dup_columns)];

	if (out_list_as_json(l, &p->base))
		return;
	snprintf(score, sizeof(score), "%u", p->score);
	snprintf(a, sizeof(a), "%" PRIu64, p->a);
	snprintf(b, sizeof(b), "%" PRIu64, p->b);
	card_label(p->card_a, na, sizeof(na));
	card_label(p->card_b, nb, sizeof(nb));
	reasons_text(p, why, sizeof(why));
	cells[0] = score;
	cells[1] = a;
	cells[2] = b;
	cells[3] = na;
	cells[4] = nb;
	cells[5] = why;
	out_row(dup_columns, N_COLUMNS(dup_columns), cells);
	l->count++;
}

/* The problems' names, in QualityProblem's order from 1. */
static const char *problem_name(Kart__QualityProblem p)
{
	switch (p) {
	case KART__QUALITY_PROBLEM__QUALITY_NO_CONTACT: return _("cards without a phone or an email");
	case KART__QUALITY_PROBLEM__QUALITY_BAD_EMAIL: return _("cards with an invalid email");
	case KART__QUALITY_PROBLEM__QUALITY_BAD_PHONE: return _("cards with a phone that does not normalise");
	case KART__QUALITY_PROBLEM__QUALITY_STALE: return _("stale cards (no update or touch in the months given)");
	case KART__QUALITY_PROBLEM__QUALITY_NO_OWNER: return _("cards without an owner");
	case KART__QUALITY_PROBLEM__QUALITY_DUPLICATES: return _("probable duplicates (pairs)");
	default: return "?";
	}
}

void out_quality_report(const Kart__QualityReport *rep)
{
	printf(P_("%llu card checked; stale means no update or touch in %u months\n",
		  "%llu cards checked; stale means no update or touch in %u months\n", rep->cards),
	       (unsigned long long)rep->cards, rep->stale_months);
	/* the counts first, each on its line, so a glance (or grep) tells */
	for (size_t i = 0; i < rep->n_items; i++)
		printf("  %s: %llu\n", problem_name(rep->items[i]->problem), (unsigned long long)rep->items[i]->count);
	/* then the cards (or pairs) of each problem found */
	for (size_t i = 0; i < rep->n_items; i++) {
		const Kart__QualityItem *it = rep->items[i];
		struct out_list list;

		if (!it->count)
			continue;
		printf("\n%s (%llu):\n", problem_name(it->problem), (unsigned long long)it->count);
		if (it->problem == KART__QUALITY_PROBLEM__QUALITY_DUPLICATES) {
			out_list_begin(&list, OUT_LIST_DUPS, false);
			for (size_t k = 0; k < it->n_pairs; k++)
				out_list_dup(&list, it->pairs[k]);
		} else {
			out_list_begin(&list, OUT_LIST_CARDS, false);
			for (size_t k = 0; k < it->n_cards; k++)
				out_list_card(&list, it->cards[k]);
		}
		out_list_end(&list);
		if (list.count < it->count)
			printf(_("... and %llu more (--limit N lists more)\n"), (unsigned long long)(it->count - list.count));
	}
}
