/* cmd_remind: reminders (remind, done, ls, edit, snooze) and `kart today`. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "util.h"

/* Refuses a reminder's time in the past unless --past. */
static int check_not_past(const struct cmd_args *a, int64_t at, int64_t now)
{
	char when[80];
	if (at >= now || args_flag(a, "past"))
		return 0;
	util_format_time_zone(at, when, sizeof(when));
	return out_error(KC_ERR_USAGE, "bad --at '%s': %s is in the past; add --past to set it anyway",
			 args_value(a, "at"), when);
}

int cmd_remind(struct cli *cli, const struct cmd_args *a)
{
	const char *text = args_value(a, "text");
	int64_t now = util_now_us() / 1000000;
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ReminderAdd add = KART__REMINDER_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	if (!args_value(a, "at") || !text || !*text) {
		rc = out_error(KC_ERR_USAGE, "'remind' needs --at TIME and --text TEXT");
		goto cleanup;
	}
	rc = time_ahead_option(cli, a, "at", now, &add.at);
	if (!rc)
		rc = check_not_past(a, add.at, now);
	if (rc)
		goto cleanup;
	add.card_id = id;
	add.text = (char *)text;
	add.past = args_flag(a, "past");
	req.body_case = KART__ENVELOPE__BODY_REMINDER_ADD;
	req.reminder_add = &add;
	rc = request(cli, &req, KART__ENVELOPE__BODY_REMINDER, &c, &resp);
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
	Kart__Envelope *resp = NULL;
	Kart__ReminderDone done = KART__REMINDER_DONE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "reminder id", &id);
	if (rc)
		goto cleanup;
	done.id = id;
	req.body_case = KART__ENVELOPE__BODY_REMINDER_DONE;
	req.reminder_done = &done;
	rc = request(cli, &req, KART__ENVELOPE__BODY__NOT_SET, &c, &resp);
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
	util_format_time_zone(rem->at, when, sizeof(when));
	out_say("reminder %llu %s: %s", (unsigned long long)rem->id, what, when);
	return 0;
}

int cmd_remind_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *card_text = args_value(a, "card");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ReminderList list = KART__REMINDER_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = 0;

	if (card_text)
		rc = parse_id(card_text, "--card", &list.card_id);
	if (!rc && args_flag(a, "all") && args_flag(a, "due"))
		rc = out_error(KC_ERR_USAGE, "--all and --due do not go together (done reminders are not due)");
	if (rc)
		goto cleanup;
	list.all = args_flag(a, "all");
	list.due = args_flag(a, "due");
	req.body_case = KART__ENVELOPE__BODY_REMINDER_LIST;
	req.reminder_list = &list;
	rc = request(cli, &req, KART__ENVELOPE__BODY_REMINDER_PAGE, &c, &resp);
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
	Kart__Envelope *resp = NULL;
	Kart__TodayQuery query = KART__TODAY_QUERY__INIT;
	int64_t now = util_now_us() / 1000000;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t days = TODAY_DEFAULT_DAYS;
	int rc = 0;

	if (days_text) {
		rc = parse_count(days_text, "--days", TODAY_MAX_DAYS, &days);
		if (!rc && days == 0)
			rc = out_error(KC_ERR_USAGE, "bad --days '%s': at least 1", days_text);
	}
	if (rc)
		goto cleanup;
	query.days = (uint32_t)days;
	/* "today" is this client's day (TZ), wherever the server is */
	query.client_day = util_local_day(now);
	query.client_utc_offset = util_utc_offset(now);
	if (util_parse_time("tomorrow", now, &query.day_end) < 0)
		query.day_end = 0; /* the server's day then */
	query.all = args_flag(a, "all");
	req.body_case = KART__ENVELOPE__BODY_TODAY_QUERY;
	req.today_query = &query;
	rc = request(cli, &req, KART__ENVELOPE__BODY_TODAY_PAGE, &c, &resp);
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
