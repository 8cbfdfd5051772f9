/* cmd: what the `kart` commands (cmd_*.c, a file per family, one function per
 * command) share. A command checks its arguments first (usage errors never
 * touch the network), then opens the session kept in $KART_HOME/session
 * (connect, Resume: the client library's session.h), sends its request and
 * hands the reply to out*.c. Here: opening the session and making requests
 * with their errors printed, and the time and filter options. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "date.h"
#include "session.h"
#include "util.h"

/* ---- session ---- */

/* Asks on the terminal whether to trust a server seen for the first time. */
static int confirm_server(const char *server, const char *fingerprint, void *ud)
{
	(void)ud;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0; /* never prompt a script */
	fprintf(stderr, "The server %s presents a certificate with the fingerprint\n  %s\n"
			"Check it with your admin (kartd prints it at start). Trust it from now on? [y/N] ",
		server, fingerprint);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* What the command line, the environment and the config file say about the
 * connection, for the session code of the client library. */
void session_profile(const struct cli *cli, struct kc_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->home = cli->home;
	p->server = cli->server;
	p->ca = cli->ca;
	p->cert = cli->cert;
	p->key = cli->key;
	p->cfg_server = cli_config(cli, "server");
	p->cfg_ca = cli_config(cli, "ca");
	p->cfg_cert = cli_config(cli, "cert");
	p->cfg_key = cli_config(cli, "key");
	p->default_server = KART_DEFAULT_SERVER;
	p->client_name = KART_CLIENT_NAME;
	p->trust_new = cli->trust;
	p->confirm = confirm_server;
}

/* Loads the session, connects and resumes it. Returns an exit code; on
 * success *out is an authenticated connection. */
int open_session(const struct cli *cli, struct kc **out)
{
	struct kc_profile p;
	struct kc_error err;

	session_profile(cli, &p);
	return kc_session_open(&p, out, &err) ? out_kc_error(&err) : 0;
}

/* ---- requests ---- */

/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET). Returns an exit code; on success *out is the reply. */
int call(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out)
{
	struct kc_error err;

	return kc_call_body(c, req, want, out, &err) ? out_kc_error(&err) : 0;
}

/* Prints the items of one page of a list. */
int print_page(const Kart__Envelope *e, void *ud, struct kc_error *err)
{
	struct out_list *list = ud;

	(void)err;
	switch (e->body_case) {
	case KART__ENVELOPE__BODY_CARD_PAGE:
		for (size_t i = 0; i < e->card_page->n_cards; i++)
			out_list_card(list, e->card_page->cards[i]);
		break;
	case KART__ENVELOPE__BODY_USER_PAGE:
		for (size_t i = 0; i < e->user_page->n_users; i++)
			out_list_user(list, e->user_page->users[i]);
		break;
	case KART__ENVELOPE__BODY_AUDIT_PAGE:
		for (size_t i = 0; i < e->audit_page->n_events; i++)
			out_list_event(list, e->audit_page->events[i]);
		break;
	case KART__ENVELOPE__BODY_FIELD_PAGE:
		for (size_t i = 0; i < e->field_page->n_fields; i++)
			out_list_field(list, e->field_page->fields[i]);
		break;
	case KART__ENVELOPE__BODY_TIMELINE_PAGE:
		for (size_t i = 0; i < e->timeline_page->n_entries; i++)
			out_list_entry(list, e->timeline_page->entries[i]);
		break;
	case KART__ENVELOPE__BODY_SEGMENT_PAGE:
		for (size_t i = 0; i < e->segment_page->n_segments; i++)
			out_list_segment(list, e->segment_page->segments[i]);
		break;
	case KART__ENVELOPE__BODY_HISTORY_PAGE:
		for (size_t i = 0; i < e->history_page->n_versions; i++)
			out_list_version(list, e->history_page->versions[i]);
		break;
	case KART__ENVELOPE__BODY_READ_PAGE:
		for (size_t i = 0; i < e->read_page->n_reads; i++)
			out_list_read(list, e->read_page->reads[i]);
		break;
	default:
		break;
	}
	out_list_flush(list);
	return 0;
}

/* Sends a request answered by a stream of pages and prints every item as its
 * page arrives, until the frame without `more`. */
int call_streamed(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case,
			 struct out_list *list)
{
	struct kc_error err;

	return list_finish(list, kc_call_pages(c, req, page_case, print_page, list, &err), &err);
}

int list_finish(struct out_list *list, int status, const struct kc_error *err)
{
	int rc = report(status, err);

	/* Close the array or table even after a failure mid-stream, so what
	 * was printed still parses; the exit code tells it is incomplete. */
	if (rc == 0 || list->started)
		out_list_end(list);
	return rc;
}

int report(int status, const struct kc_error *err)
{
	return status ? out_kc_error(err) : 0;
}

/* Opens the session and makes one call: open_session, then call. */
int request(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase want,
		   struct kc **c, Kart__Envelope **out)
{
	int rc = open_session(cli, c);

	*out = NULL;
	return rc ? rc : call(*c, req, want, out);
}

int request_done(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase want,
		 const char *fmt, ...)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	int rc = request(cli, req, want, &c, &resp);

	if (rc)
		goto cleanup;
	if (cli->json) {
		rc = out_json_body(resp);
	} else {
		va_list ap;
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int request_list(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase page_case,
		 enum out_list_kind kind)
{
	struct kc *c = NULL;
	struct out_list list;
	int rc = open_session(cli, &c);

	if (!rc) {
		out_list_begin(&list, kind, cli->json);
		rc = call_streamed(c, req, page_case, &list);
	}
	kc_close(c);
	return rc;
}

/* ---- cards ---- */

#define TIME_FORMS "RFC 3339 (2026-12-05T23:59:00Z, ...+03:00), YYYY-MM-DD [HH:MM], DD.MM.YYYY [HH:MM], " \
	"DD.MM [HH:MM], HH:MM, today/tomorrow/yesterday/сегодня/завтра/вчера [HH:MM], a weekday " \
	"(monday, пн) [HH:MM], unix seconds, or a duration such as 30m, 2h, 7d, +1w"

/* --since/--until/--at of things past: any form util_parse_time knows (a
 * bare duration is that long ago); 0 when not given. */
int time_option(const struct cmd_args *a, const char *name, int64_t now, int64_t *out)
{
	const char *text = args_value(a, name);

	*out = 0;
	if (text && util_parse_time(text, now, out) < 0)
		return out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s (ago; +2h is ahead)", name, text, TIME_FORMS);
	return 0;
}

/* The local time a day named without a time means, ahead: KART_REMIND_TIME,
 * else `remind_time = HH:MM` in $KART_HOME/config, else 09:00. */
static int remind_minute(const struct cli *cli, int *minute)
{
	const char *env = getenv("KART_REMIND_TIME");
	const char *value = env && *env ? env : cli_config(cli, "remind_time");

	*minute = 9 * 60;
	if (value && util_parse_clock(value, minute) < 0)
		return out_error(KC_ERR_USAGE, "bad remind_time '%s' (%s): expected HH:MM", value,
				 env && *env ? "KART_REMIND_TIME" : "config");
	return 0;
}

/* --at of a reminder, --close of a deal: a time ahead (util_parse_time_ahead:
 * a bare duration is from now, a day without a time is at remind_time). */
int time_ahead_option(const struct cli *cli, const struct cmd_args *a, const char *name, int64_t now, int64_t *out)
{
	const char *text = args_value(a, name);
	int minute;
	int rc = remind_minute(cli, &minute);

	*out = 0;
	if (!rc && text && util_parse_time_ahead(text, now, minute, out) < 0)
		rc = out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s (ahead)", name, text, TIME_FORMS);
	return rc;
}

/* --close: a date ahead, sent as the local YYYY-MM-DD; "" when not given
 * or given empty (deal edit --close '' clears it). */
int close_option(const struct cli *cli, const struct cmd_args *a, char out[16])
{
	const char *text = args_value(a, "close");
	int64_t when, y;
	int m, d;
	int rc;

	out[0] = '\0';
	if (!text || !*text)
		return 0;
	rc = time_ahead_option(cli, a, "close", util_now_us() / 1000000, &when);
	if (rc)
		return rc;
	date_civil_from_days(util_local_day(when), &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", (int)y, m, d);
	return 0;
}

/* ---- finding, queries, segments ---- */

/* The filter of ls and move: --where EXPR or --segment NAME, not both; ls
 * also takes EXPR as its one argument. */
int filter_options(const struct cmd_args *a, const char *cmd, bool required,
			  const char **where, const char **segment)
{
	*where = args_value(a, "where");
	*segment = args_value(a, "segment");
	if (a->npos > 1)
		return out_error(KC_ERR_USAGE, "'%s' takes the filter as one argument: quote it, "
				 "e.g. kart %s --where 'city = Самара'", cmd, cmd);
	if (a->npos == 1) {
		if (*where)
			return out_error(KC_ERR_USAGE, "give the filter either as an argument or with --where");
		*where = a->pos[0];
	}
	if (*where && *segment)
		return out_error(KC_ERR_USAGE, "--where and --segment cannot be combined");
	if (required && !(*where && **where) && !(*segment && **segment))
		return out_error(KC_ERR_USAGE, "'%s' needs --where EXPR or --segment NAME", cmd);
	return 0;
}
