/* cmd_remind: reminders (remind, done, ls, edit, snooze) and `kart today`. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "fmt.h"
#include "util.h"

/* Refuses a reminder's time in the past unless --past. */
static int check_not_past(const struct cmd_args *a, int64_t at, int64_t now)
{
	char when[80];
	if (at >= now || args_flag(a, "past"))
		return 0;
	return out_error(KC_ERR_USAGE, "bad --at '%s': %s is in the past; add --past to set it anyway",
			 args_value(a, "at"), out_error_time(at, when, sizeof(when)));
}

int cmd_remind(struct cli *cli, const struct cmd_args *a)
{
	const char *text = args_value(a, "text");
	int64_t now = util_now_us() / 1000000, at;
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	if (!args_value(a, "at") || !text || !*text)
		return out_error(KC_ERR_USAGE, "'remind' needs --at TIME and --text TEXT");
	rc = time_ahead_option(cli, a, "at", now, &at);
	if (!rc)
		rc = check_not_past(a, at, now);
	if (!rc)
		rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_reminder_add(c, id, at, text, args_flag(a, "past"), &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->reminder->base, NULL);
	else
		printf("%llu\n", (unsigned long long)resp->reminder->id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_remind_done(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "reminder id", &id);
	if (!rc)
		rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_reminder_done(c, id, &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("reminder %llu done\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

static int print_reminder(struct cli *cli, const Kart__Reminder *rem, const char *what)
{
	char when[80];
	if (cli->json)
		return out_json_message(&rem->base, NULL);
	fmt_time(rem->at, FMT_ZONE, when, sizeof(when));
	out_say("reminder %llu %s: %s", (unsigned long long)rem->id, what, when);
	return 0;
}

int cmd_remind_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *card_text = args_value(a, "card");
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t card = 0;
	int rc = 0;

	if (card_text)
		rc = parse_id(card_text, "--card", &card);
	if (!rc && args_flag(a, "all") && args_flag(a, "due"))
		rc = out_error(KC_ERR_USAGE, "--all and --due do not go together (done reminders are not due)");
	if (!rc)
		rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_reminder_list(c, card, args_flag(a, "all"), args_flag(a, "due"), &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json) {
		/* a list is an array, as every other list */
		struct out_list l;
		out_list_begin(&l, OUT_LIST_DEALS, true);
		for (size_t i = 0; i < resp->reminder_page->n_reminders; i++)
			out_list_json(&l, &resp->reminder_page->reminders[i]->base);
		out_list_end(&l);
	} else if (resp->reminder_page->n_reminders == 0) {
		printf("no reminders\n");
	} else {
		int64_t now = util_now_us() / 1000000;
		out_reminder_header();
		for (size_t i = 0; i < resp->reminder_page->n_reminders; i++)
			out_reminder_row(resp->reminder_page->reminders[i], now);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_remind_edit(struct cli *cli, const struct cmd_args *a)
{
	const char *text = args_value(a, "text");
	int64_t now = util_now_us() / 1000000;
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ReminderEdit edit = KART__REMINDER_EDIT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	rc = parse_id(a->pos[0], "reminder id", &edit.id);
	if (!rc && !args_value(a, "at") && !text)
		rc = out_error(KC_ERR_USAGE, "'remind edit' needs --at TIME and/or --text TEXT");
	if (!rc && text && !*text)
		rc = out_error(KC_ERR_USAGE, "bad --text: a reminder needs a text");
	if (!rc)
		rc = time_ahead_option(cli, a, "at", now, &edit.at);
	if (!rc && args_value(a, "at"))
		rc = check_not_past(a, edit.at, now);
	if (rc)
		goto cleanup;
	edit.text = (char *)(text ? text : "");
	edit.past = args_flag(a, "past");
	req.body_case = KART__ENVELOPE__BODY_REMINDER_EDIT;
	req.reminder_edit = &edit;
	rc = request(cli, &req, KART__ENVELOPE__BODY_REMINDER, &c, &resp);
	if (!rc)
		rc = print_reminder(cli, resp->reminder, "updated");
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_remind_snooze(struct cli *cli, const struct cmd_args *a)
{
	const char *dur = a->pos[1];
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ReminderSnooze snooze = KART__REMINDER_SNOOZE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int64_t at;
	int rc;

	rc = parse_id(a->pos[0], "reminder id", &snooze.id);
	if (rc)
		goto cleanup;
	/* a duration only, "1h" or "+1h": measured from 0, and ending in a unit */
	if (!*dur || !strchr("smhdw", dur[strlen(dur) - 1]) || util_parse_time_ahead(dur, 0, 0, &at) < 0 || at <= 0) {
		rc = out_error(KC_ERR_USAGE, "bad duration '%s': expected 30m, 1h, 2d, 1w", dur);
		goto cleanup;
	}
	snooze.seconds = at;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_SNOOZE;
	req.reminder_snooze = &snooze;
	rc = request(cli, &req, KART__ENVELOPE__BODY_REMINDER, &c, &resp);
	if (!rc)
		rc = print_reminder(cli, resp->reminder, "snoozed to");
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

#define TODAY_DEFAULT_DAYS 7
#define TODAY_MAX_DAYS 366

int cmd_today(struct cli *cli, const struct cmd_args *a)
{
	const char *days_text = args_value(a, "days");
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	int64_t now = util_now_us() / 1000000;
	uint64_t days = TODAY_DEFAULT_DAYS;
	int rc = 0;

	if (days_text) {
		rc = parse_count(days_text, "--days", TODAY_MAX_DAYS, &days);
		if (!rc && days == 0)
			rc = out_error(KC_ERR_USAGE, "bad --days '%s': at least 1", days_text);
	}
	if (!rc)
		rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_today(c, (uint32_t)days, now, args_flag(a, "all"), &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_page(&resp->today_page->base);
	else
		out_today(resp->today_page, (uint32_t)days, now);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
