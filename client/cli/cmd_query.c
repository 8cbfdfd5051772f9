/* cmd_query: finding and querying cards: find, ls, move, and saved segments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "i18n.h"
#include "util.h"

int cmd_find(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit"), *offset_text = args_value(a, "offset");
	struct kc *c = NULL;
	struct out_list list;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t limit = 0, offset = 0;
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	if (limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (!rc && offset_text)
		rc = parse_count(offset_text, "--offset", UINT32_MAX, &offset);
	if (rc)
		goto cleanup;
	/* "Иванов Иван" may come as one argument or two */
	for (size_t i = 0; i < a->npos; i++)
		len += strlen(a->pos[i]) + 1;
	text = malloc(len + 1);
	if (!text) {
		rc = out_no_memory();
		goto cleanup;
	}
	len = 0;
	for (size_t i = 0; i < a->npos; i++)
		len += (size_t)sprintf(text + len, "%s%s", i ? " " : "", a->pos[i]);
	if (!*util_trim(text)) {
		rc = out_error(KC_ERR_USAGE, "'find' needs TEXT: a phone, an email or a name");
		goto cleanup;
	}
	rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_find_from(c, util_trim(text), (uint32_t)limit, (uint32_t)offset, &resp, &err), &err);
	if (rc)
		goto cleanup;
	/* like grep: nothing matched is exit 1, with nothing on stdout (an empty
	 * array with --json); JSON is the list of cards, each with matched_as
	 * and more (there are matches after these) */
	out_list_begin(&list, OUT_LIST_CARDS, cli->json);
	list.extra_key = "matched_as";
	list.extra_value = resp->find_page->matched_as;
	list.flag_key = "more";
	list.flag = resp->find_page->more;
	for (size_t i = 0; i < resp->find_page->n_cards; i++)
		out_list_card(&list, resp->find_page->cards[i]);
	if (resp->find_page->n_cards == 0) {
		if (cli->json)
			out_list_end(&list);
		rc = KC_ERR_OTHER;
		goto cleanup;
	}
	out_list_end(&list);
	if (cli->json)
		goto cleanup;
	if (*resp->find_page->matched_as)
		out_say("matched as %s", resp->find_page->matched_as);
	if (resp->find_page->more)
		out_say(_("there are more matches: --offset %llu shows the next ones"),
			(unsigned long long)(offset + resp->find_page->n_cards));
cleanup:
	free(text);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit"), *sort = args_value(a, "sort");
	const char *where, *segment;
	struct kc *c = NULL;
	struct kc_error err;
	struct out_list list;
	Kart__Envelope *resp = NULL;
	Kart__CardQuery query = KART__CARD_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc;

	rc = filter_options(a, "ls", false, &where, &segment);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (rc)
		goto cleanup;
	query.where = (char *)(where ? where : "");
	query.segment = (char *)(segment ? segment : "");
	query.client_day = util_local_day(util_now_us() / 1000000);
	query.client_utc_offset = util_utc_offset(util_now_us() / 1000000);
	query.count = args_flag(a, "count");
	query.explain = args_flag(a, "explain");
	query.sort = (char *)(sort ? sort : "");
	query.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_CARD_QUERY;
	req.card_query = &query;
	if (!query.count && !query.explain) {
		rc = open_session(cli, &c);
		if (rc)
			goto cleanup;
		out_list_begin(&list, OUT_LIST_CARDS, cli->json);
		rc = list_finish(&list, kc_card_query(c, query.where, query.segment, query.sort, query.limit,
						      print_page, &list, &err), &err);
		goto cleanup;
	}
	/* count and explain: one QueryResult */
	rc = request(cli, &req, KART__ENVELOPE__BODY_QUERY_RESULT, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json) {
		rc = out_json_message(&resp->query_result->base, NULL);
	} else if (query.explain) {
		const char *plan = resp->query_result->plan;
		size_t n = strlen(plan);
		out_text(stdout, plan, TEXT_SHOW_LINES);
		if (n && plan[n - 1] != '\n')
			fputc('\n', stdout);
		printf("count: %llu\n", (unsigned long long)resp->query_result->count);
	} else {
		printf("%llu\n", (unsigned long long)resp->query_result->count);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_move(struct cli *cli, const struct cmd_args *a)
{
	const char *sector = args_value(a, "sector");
	const char *where, *segment;
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__BulkMove move = KART__BULK_MOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t n;
	int rc;

	rc = filter_options(a, "move", true, &where, &segment);
	if (rc)
		goto cleanup;
	if (!sector || !*sector) {
		rc = out_error(KC_ERR_USAGE, "'move' needs --sector cold|warm|hot");
		goto cleanup;
	}
	move.where = (char *)(where ? where : "");
	move.segment = (char *)(segment ? segment : "");
	move.client_day = util_local_day(util_now_us() / 1000000);
	move.client_utc_offset = util_utc_offset(util_now_us() / 1000000);
	move.sector = (char *)sector;
	move.dry_run = args_flag(a, "dry-run");
	req.body_case = KART__ENVELOPE__BODY_BULK_MOVE;
	req.bulk_move = &move;
	rc = request(cli, &req, KART__ENVELOPE__BODY_QUERY_RESULT, &c, &resp);
	if (rc)
		goto cleanup;
	n = resp->query_result->count;
	if (cli->json) {
		rc = out_json_message(&resp->query_result->base, NULL);
	} else if (move.dry_run) {
		/* the first cards, then how many in all: nothing was changed */
		struct out_list list;
		Kart__QueryResult *qr = resp->query_result;
		char nc[32], shown[48] = "";
		out_list_begin(&list, OUT_LIST_CARDS, false);
		for (size_t i = 0; i < qr->n_cards; i++)
			out_list_card(&list, qr->cards[i]);
		if (qr->n_cards)
			out_list_end(&list);
		if (n > qr->n_cards)
			snprintf(shown, sizeof(shown), " (the first %zu shown)", qr->n_cards);
		printf("dry run: %s would move to %s%s; nothing was changed\n", OUT_COUNT(nc, n, "card"), sector, shown);
	} else {
		char nc[32];
		printf("moved %s to %s\n", OUT_COUNT(nc, n, "card"), sector);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_segment_save(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0], *expr = a->pos[1];
	Kart__SegmentSave save = KART__SEGMENT_SAVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	save.name = (char *)name;
	save.expr = (char *)expr;
	if (args_flag(a, "shared") && args_flag(a, "private"))
		return out_error(KC_ERR_USAGE, "--shared and --private cannot be combined");
	/* neither: a new segment is private, a changed one keeps what it was */
	save.visibility = (char *)(args_flag(a, "shared") ? "shared" : args_flag(a, "private") ? "private" : "");
	save.replace = args_flag(a, "replace");
	req.body_case = KART__ENVELOPE__BODY_SEGMENT_SAVE;
	req.segment_save = &save;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "segment %s saved\n", name);
}

int cmd_segment_ls(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct kc_error err;
	struct out_list list;
	int rc;

	rc = open_session(cli, &c);
	if (!rc) {
		out_list_begin(&list, OUT_LIST_SEGMENTS, cli->json);
		rc = list_finish(&list, kc_segment_list(c, print_page, &list, &err), &err);
	}
	kc_close(c);
	return rc;
}

int cmd_segment_show(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__SegmentShow show = KART__SEGMENT_SHOW__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	show.name = (char *)a->pos[0];
	req.body_case = KART__ENVELOPE__BODY_SEGMENT_SHOW;
	req.segment_show = &show;
	rc = request(cli, &req, KART__ENVELOPE__BODY_SEGMENT, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->segment->base, NULL);
	else
		out_say("%s", resp->segment->expr);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_segment_rm(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	Kart__SegmentRemove rm = KART__SEGMENT_REMOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	rm.name = (char *)name;
	req.body_case = KART__ENVELOPE__BODY_SEGMENT_REMOVE;
	req.segment_remove = &rm;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "segment %s removed\n", name);
}
