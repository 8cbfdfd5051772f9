/* cmd_merge: kart dup merge A B [--prefer A|B] and kart dup unmerge A B —
 * two cards of one client made one, and taken apart again. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "i18n.h"

static void put_value(const char *s)
{
	fputc('\'', stdout);
	out_text(stdout, s ? s : "", 0);
	fputc('\'', stdout);
}

/* "  city: 'Самара' -> 'Самара, Тольятти'", a line for each change. */
static void put_changes(const char *title, Kart__Change *const *ch, size_t n)
{
	if (!n)
		return;
	printf("%s\n", title);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", stdout);
		out_text(stdout, ch[i]->field, 0);
		fputs(": ", stdout);
		put_value(ch[i]->old_value);
		fputs(" -> ", stdout);
		put_value(ch[i]->new_value);
		fputc('\n', stdout);
	}
}

static void put_conflicts(const Kart__MergeResult *res, uint64_t into)
{
	if (!res->n_conflicts)
		return;
	printf("%s\n", _("conflicts (both cards held a value):"));
	for (size_t i = 0; i < res->n_conflicts; i++) {
		const Kart__MergeConflict *c = res->conflicts[i];
		fputs("  ", stdout);
		out_text(stdout, c->field, 0);
		fputs(": ", stdout);
		put_value(c->took_from ? c->from_value : c->into_value);
		printf(" (%s %llu) ", _("card"), (unsigned long long)(c->took_from ? res->from : into));
		printf("%s ", c->took_from ? _("taken over") : _("kept over"));
		put_value(c->took_from ? c->into_value : c->from_value);
		printf(" (%s %llu)\n", _("card"), (unsigned long long)(c->took_from ? into : res->from));
	}
}

static void put_moved(const char *what, const Kart__MergeResult *res)
{
	char e[64], d[64], r[64];
	snprintf(e, sizeof(e), P_("%u timeline entry", "%u timeline entries", res->entries), (unsigned)res->entries);
	snprintf(d, sizeof(d), P_("%u deal", "%u deals", res->deals), (unsigned)res->deals);
	snprintf(r, sizeof(r), P_("%u reminder", "%u reminders", res->reminders), (unsigned)res->reminders);
	printf("%s %s, %s, %s\n", what, e, d, r);
}

static void out_merge_result(const Kart__MergeResult *res)
{
	const Kart__Card *card = res->card;
	unsigned long long into = card ? (unsigned long long)card->id : 0,
			   version = card ? (unsigned long long)card->version : 0;
	if (!res->unmerged) {
		printf(_("card %llu merged into card %llu (version %llu)\n"), (unsigned long long)res->from, into, version);
		put_moved(_("moved:"), res);
		put_changes(_("changed:"), res->changes, res->n_changes);
		put_conflicts(res, into);
		return;
	}
	printf(_("card %llu taken back out of card %llu (version %llu)\n"), (unsigned long long)res->from, into, version);
	put_moved(_("moved back:"), res);
	put_changes(_("taken back:"), res->changes, res->n_changes);
	if (res->n_kept) {
		printf("%s", _("edited since the merge, kept as they are:"));
		for (size_t i = 0; i < res->n_kept; i++) {
			fputs(i ? ", " : " ", stdout);
			out_text(stdout, res->kept[i], 0);
		}
		fputc('\n', stdout);
	}
}

/* The two cards of a merge, A and B, from the command line. */
static int two_ids(const struct cmd_args *a, uint64_t *into, uint64_t *from)
{
	int rc = parse_id(a->pos[0], "card id", into);
	return rc ? rc : parse_id(a->pos[1], "card id", from);
}

static int send(struct cli *cli, Kart__Envelope *req)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	int rc = request(cli, req, KART__ENVELOPE__BODY_MERGE_RESULT, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->merge_result->base, NULL);
	else
		out_merge_result(resp->merge_result);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_dup_merge(struct cli *cli, const struct cmd_args *a)
{
	const char *prefer = args_value(a, "prefer");
	Kart__CardMerge merge = KART__CARD_MERGE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = two_ids(a, &merge.into, &merge.from);
	if (rc)
		return rc;
	if (prefer) {
		if ((rc = parse_id(prefer, "--prefer", &merge.prefer)))
			return rc;
		if (merge.prefer != merge.into && merge.prefer != merge.from)
			return out_error(KC_ERR_USAGE, "--prefer %s: name one of the two cards, %s or %s", prefer, a->pos[0],
					 a->pos[1]);
	}
	req.body_case = KART__ENVELOPE__BODY_CARD_MERGE;
	req.card_merge = &merge;
	return send(cli, &req);
}

int cmd_dup_unmerge(struct cli *cli, const struct cmd_args *a)
{
	Kart__CardUnmerge unmerge = KART__CARD_UNMERGE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = two_ids(a, &unmerge.into, &unmerge.from);
	if (rc)
		return rc;
	req.body_case = KART__ENVELOPE__BODY_CARD_UNMERGE;
	req.card_unmerge = &unmerge;
	return send(cli, &req);
}
