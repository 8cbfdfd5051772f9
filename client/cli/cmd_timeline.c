/* cmd_timeline: a card's timeline: log an entry, list, edit and remove entries. */
#include <stdint.h>
#include <stdio.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "pbjson.h"
#include "util.h"

int cmd_log(struct cli *cli, const struct cmd_args *a)
{
	const char *kind_text = a->pos[1];
	const char *text = args_value(a, "text"), *amount = args_value(a, "amount");
	int64_t now = util_now_us() / 1000000, at;
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t id;
	int kind = 0, rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	if (pbjson_enum_parse(&kart__entry_kind__descriptor, kind_text, &kind) < 0 || kind == 0)
		return out_error(KC_ERR_USAGE, "bad kind '%s': expected call, meeting, email, note or purchase",
				 kind_text);
	if (!text && !(kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE && amount))
		return out_error(KC_ERR_USAGE, "'log' needs --text TEXT%s",
				 kind == KART__ENTRY_KIND__ENTRY_KIND_PURCHASE ? " or --amount" : "");
	rc = time_option(a, "at", now, &at);
	if (rc)
		return rc;
	rc = open_session(cli, &c);
	/* the server parses the amount: no floating point on the way */
	if (!rc)
		rc = report(kc_timeline_add(c, id, (Kart__EntryKind)kind, text ? text : "", amount ? amount : "", at,
					    &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->timeline_entry->base, NULL);
	else
		printf("%llu\n", (unsigned long long)resp->timeline_entry->id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_timeline(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	struct kc *c = NULL;
	struct kc_error err;
	struct out_list list;
	uint64_t id, limit = 0;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (!rc)
		rc = open_session(cli, &c);
	if (!rc) {
		out_list_begin(&list, OUT_LIST_TIMELINE, cli->json);
		rc = list_finish(&list, kc_timeline_list(c, id, (uint32_t)limit, print_page, &list, &err), &err);
	}
	kc_close(c);
	return rc;
}

int cmd_timeline_edit(struct cli *cli, const struct cmd_args *a)
{
	const char *text = args_value(a, "text"), *amount = args_value(a, "amount");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__TimelineEdit edit = KART__TIMELINE_EDIT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = parse_id(a->pos[0], "entry id", &edit.entry_id);

	if (rc)
		goto cleanup;
	if (!text && !amount) {
		rc = out_error(KC_ERR_USAGE, "'timeline edit' needs --text or --amount");
		goto cleanup;
	}
	edit.set_text = text != NULL;
	edit.text = (char *)(text ? text : "");
	/* the server parses the amount, as for log */
	edit.set_amount = amount != NULL;
	edit.amount = (char *)(amount ? amount : "");
	req.body_case = KART__ENVELOPE__BODY_TIMELINE_EDIT;
	req.timeline_edit = &edit;
	rc = request(cli, &req, KART__ENVELOPE__BODY_TIMELINE_ENTRY, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->timeline_entry->base, NULL);
	else if (resp->timeline_entry->changed)
		printf("entry %llu corrected; what it said before is kept (kart timeline --json shows it)\n",
		       (unsigned long long)edit.entry_id);
	else
		printf("entry %llu: nothing changed\n", (unsigned long long)edit.entry_id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_timeline_rm(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__TimelineRemove rm = KART__TIMELINE_REMOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = parse_id(a->pos[0], "entry id", &rm.entry_id);

	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_TIMELINE_REMOVE;
	req.timeline_remove = &rm;
	rc = request(cli, &req, KART__ENVELOPE__BODY_TIMELINE_ENTRY, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->timeline_entry->base, "changed");
	else
		printf("entry %llu removed; the audit trail keeps its text\n", (unsigned long long)rm.entry_id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
