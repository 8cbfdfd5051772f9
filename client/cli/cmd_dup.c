/* cmd_dup: probable duplicates (`kart dup find`) and the base's health
 * (`kart quality`). */
#include <stdint.h>
#include <stdio.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "i18n.h"
#include "util.h"

struct dup_print {
	struct out_list list;
	bool partial;
};

static int dup_page(const Kart__Envelope *e, void *ud, struct kc_error *err)
{
	struct dup_print *d = ud;

	(void)err;
	if (e->body_case != KART__ENVELOPE__BODY_DUP_PAGE)
		return 0;
	if (e->dup_page->partial)
		d->partial = true;
	for (size_t i = 0; i < e->dup_page->n_pairs; i++)
		out_list_dup(&d->list, e->dup_page->pairs[i]);
	out_list_flush(&d->list);
	return 0;
}

int cmd_dup_find(struct cli *cli, const struct cmd_args *a)
{
	const char *min_text = args_value(a, "min-score"), *where = args_value(a, "where");
	Kart__DupFind find = KART__DUP_FIND__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	struct dup_print d = { 0 };
	struct kc *c = NULL;
	struct kc_error err;
	uint64_t min = 0;
	int rc = 0;

	if (min_text && (rc = parse_count(min_text, "--min-score", 100, &min)))
		return rc;
	if (min_text && min == 0)
		return out_error(KC_ERR_USAGE, _("--min-score: 1 to 100"));
	find.min_score = (uint32_t)min;
	find.where = (char *)(where ? where : "");
	find.client_day = util_local_day(util_now_us() / 1000000);
	find.client_utc_offset = util_utc_offset(util_now_us() / 1000000);
	req.body_case = KART__ENVELOPE__BODY_DUP_FIND;
	req.dup_find = &find;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	out_list_begin(&d.list, OUT_LIST_DUPS, cli->json);
	rc = list_finish(&d.list, kc_call_pages(c, &req, KART__ENVELOPE__BODY_DUP_PAGE, dup_page, &d, &err), &err);
	if (!rc && d.partial)
		fprintf(stderr, "kart: %s\n",
			_("too many candidate pairs: not all were looked at; narrow the cards with --where"));
cleanup:
	kc_close(c);
	return rc;
}

int cmd_quality(struct cli *cli, const struct cmd_args *a)
{
	const char *months_text = args_value(a, "stale-months"), *limit_text = args_value(a, "limit");
	Kart__Quality q = KART__QUALITY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__Envelope *resp = NULL;
	struct kc *c = NULL;
	uint64_t months = 0, limit = 0;
	int rc = 0;

	if (months_text && (rc = parse_count(months_text, "--stale-months", 1200, &months)))
		return rc;
	if (months_text && months == 0)
		return out_error(KC_ERR_USAGE, _("--stale-months: 1 to 1200"));
	if (limit_text && (rc = parse_count(limit_text, "--limit", 1000, &limit)))
		return rc;
	q.stale_months = (uint32_t)months;
	q.list_limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_QUALITY;
	req.quality = &q;
	rc = request(cli, &req, KART__ENVELOPE__BODY_QUALITY_REPORT, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_all(&resp->quality_report->base);
	else
		out_quality_report(resp->quality_report);
	/* like a linter: a problem found is an exit status of its own */
	for (size_t i = 0; !rc && i < resp->quality_report->n_items; i++)
		if (resp->quality_report->items[i]->count)
			rc = CLI_EXIT_PROBLEMS;
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
