/* cmd_deal: the deal commands: add, move, ls (with the funnel), show, edit, rm. */
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "cmd.h"

static char *opt_or_empty(const struct cmd_args *a, const char *name)
{
	const char *v = args_value(a, name);
	return (char *)(v ? v : "");
}

int cmd_deal_add(struct cli *cli, const struct cmd_args *a)
{
	const char *title = args_value(a, "title");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__DealAdd add = KART__DEAL_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char close[16];
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	if (!title || !*title) {
		rc = out_error(KC_ERR_USAGE, "'deal add' needs --title TITLE");
		goto cleanup;
	}
	add.card_id = id;
	add.title = (char *)title;
	add.amount = opt_or_empty(a, "amount");
	add.stage = opt_or_empty(a, "stage");
	rc = close_option(cli, a, close);
	if (rc)
		goto cleanup;
	add.expected_close = close;
	add.owner = opt_or_empty(a, "owner");
	req.body_case = KART__ENVELOPE__BODY_DEAL_ADD;
	req.deal_add = &add;
	rc = request(cli, &req, KART__ENVELOPE__BODY_DEAL, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->deal->base, NULL);
	else
		printf("%llu\n", (unsigned long long)resp->deal->id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_deal_move(struct cli *cli, const struct cmd_args *a)
{
	const char *stage = args_value(a, "stage");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__DealMove move = KART__DEAL_MOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "deal id", &id);
	if (rc)
		goto cleanup;
	if (!stage || !*stage) {
		rc = out_error(KC_ERR_USAGE, "'deal move' needs --stage STAGE");
		goto cleanup;
	}
	move.deal_id = id;
	move.stage = (char *)stage;
	req.body_case = KART__ENVELOPE__BODY_DEAL_MOVE;
	req.deal_move = &move;
	rc = request(cli, &req, KART__ENVELOPE__BODY_DEAL, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->deal->base, NULL);
	else
		out_say("deal %llu: %s", (unsigned long long)resp->deal->id, *resp->deal->stage ? resp->deal->stage : stage);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_deal_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *card_text = args_value(a, "card");
	struct kc *c = NULL;
	struct out_list list;
	Kart__Envelope *resp = NULL;
	Kart__DealList deal_list = KART__DEAL_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t card = 0;
	int rc = 0;

	if (card_text)
		rc = parse_id(card_text, "--card", &card);
	if (rc)
		goto cleanup;
	deal_list.stage = opt_or_empty(a, "stage");
	deal_list.owner = opt_or_empty(a, "owner");
	deal_list.card_id = card;
	req.body_case = KART__ENVELOPE__BODY_DEAL_LIST;
	req.deal_list = &deal_list;
	rc = request(cli, &req, KART__ENVELOPE__BODY_DEAL_PAGE, &c, &resp);
	if (rc)
		goto cleanup;
	/* JSON: the deals, an array like every list; text: the table, then
	 * the funnel */
	out_list_begin(&list, OUT_LIST_DEALS, cli->json);
	for (size_t i = 0; i < resp->deal_page->n_deals; i++)
		out_list_deal(&list, resp->deal_page->deals[i]);
	out_list_end(&list);
	if (!cli->json)
		out_deal_funnel(resp->deal_page);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* The deal whose id is pos[0], by request `body`; for show, edit and rm. */
static int deal_request(struct cli *cli, Kart__Envelope *req, struct kc **c, Kart__Envelope **resp)
{
	return request(cli, req, KART__ENVELOPE__BODY_DEAL_INFO, c, resp);
}

int cmd_deal_show(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__DealGet get = KART__DEAL_GET__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = parse_id(a->pos[0], "deal id", &get.deal_id);

	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_DEAL_GET;
	req.deal_get = &get;
	rc = deal_request(cli, &req, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->deal_info->deal->base, NULL);
	else
		out_deal(resp->deal_info->deal);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_deal_edit(struct cli *cli, const struct cmd_args *a)
{
	const char *title = args_value(a, "title"), *amount = args_value(a, "amount");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__DealEdit edit = KART__DEAL_EDIT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char close[16];
	int rc = parse_id(a->pos[0], "deal id", &edit.deal_id);

	if (rc)
		goto cleanup;
	if (!title && !amount && !args_value(a, "close")) {
		rc = out_error(KC_ERR_USAGE, "'deal edit' needs --title, --amount or --close");
		goto cleanup;
	}
	edit.set_title = title != NULL;
	edit.title = (char *)(title ? title : "");
	/* the server parses the amount, as for deal add */
	edit.set_amount = amount != NULL;
	edit.amount = (char *)(amount ? amount : "");
	edit.set_close = args_value(a, "close") != NULL;
	rc = close_option(cli, a, close);
	if (rc)
		goto cleanup;
	edit.expected_close = close;
	req.body_case = KART__ENVELOPE__BODY_DEAL_EDIT;
	req.deal_edit = &edit;
	rc = deal_request(cli, &req, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->deal_info->deal->base, NULL);
	else if (resp->deal_info->changed)
		printf("deal %llu updated\n", (unsigned long long)edit.deal_id);
	else
		printf("deal %llu: nothing changed\n", (unsigned long long)edit.deal_id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_deal_rm(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__DealRemove rm = KART__DEAL_REMOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = parse_id(a->pos[0], "deal id", &rm.deal_id);

	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_DEAL_REMOVE;
	req.deal_remove = &rm;
	rc = deal_request(cli, &req, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->deal_info->base, NULL);
	else
		printf("deal %llu deleted for good: deals have no trash and cannot be restored "
		       "(the audit trail keeps what it was)\n", (unsigned long long)rm.deal_id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
