/* cmd_user: the user commands: add, list, passwd, lock, unlock, show,
 * offboard, grant, revoke and quota. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pbjson.h"
#include "prompt.h"
#include "session.h"

int cmd_user_add(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	const char *role_text = args_value(a, "role");
	Kart__UserAdd add = KART__USER_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *password = NULL, prompt[256];
	int role = 0, rc;

	if (!role_text)
		return out_error(KC_ERR_USAGE, "'user add' needs --role admin|supervisor|manager|auditor");
	if (pbjson_enum_parse(&kart__role__descriptor, role_text, &role) < 0 || role == 0)
		return out_error(KC_ERR_USAGE, "bad --role '%s': expected admin, supervisor, manager or auditor",
				 role_text);
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	rc = read_password(a, prompt, true, &password);
	if (rc)
		return rc;
	add.name = (char *)name;
	add.role = (Kart__Role)role;
	add.team = (char *)(args_value(a, "team") ? args_value(a, "team") : "");
	add.password = password;
	req.body_case = KART__ENVELOPE__BODY_USER_ADD;
	req.user_add = &add;
	rc = request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "user %s added\n", name);
	free_secret(password);
	return rc;
}

int cmd_user_list(struct cli *cli, const struct cmd_args *a)
{
	Kart__UserList user_list = KART__USER_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	req.body_case = KART__ENVELOPE__BODY_USER_LIST;
	req.user_list = &user_list;
	return request_list(cli, &req, KART__ENVELOPE__BODY_USER_PAGE, OUT_LIST_USERS);
}

int cmd_user_passwd(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	Kart__UserPasswd passwd = KART__USER_PASSWD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *password = NULL, *old = NULL, prompt[256];
	int rc;

	const char *old_file = args_value(a, "old-password-file");
	if (old_file) {
		FILE *f = fopen(old_file, "r");
		if (!f) {
			rc = out_error(KC_ERR_OTHER, "cannot open password file %s: %s", old_file, strerror(errno));
			goto cleanup;
		}
		old = first_line(f);
		fclose(f);
	} else if (isatty(STDIN_FILENO)) {
		struct kc_session s;
		if (kc_session_load(cli->home, &s) == KC_SESSION_OK && s.user && strcmp(s.user, name) == 0)
			old = prompt_hidden("Current password: ");
		kc_session_free(&s);
	}
	snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
	rc = read_password(a, prompt, true, &password);
	if (rc)
		goto cleanup;
	passwd.name = (char *)name;
	passwd.password = password;
	passwd.old_password = old ? old : (char *)"";
	req.body_case = KART__ENVELOPE__BODY_USER_PASSWD;
	req.user_passwd = &passwd;
	rc = request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "password changed for %s\n", name);
cleanup:
	free_secret(password);
	free_secret(old);
	return rc;
}

static int user_lock(struct cli *cli, const char *name, bool unlock)
{
	Kart__UserLock lock = KART__USER_LOCK__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	lock.name = (char *)name;
	lock.unlock = unlock;
	req.body_case = KART__ENVELOPE__BODY_USER_LOCK;
	req.user_lock = &lock;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET,
			    unlock ? "user %s unlocked\n" : "user %s locked; their sessions have ended\n", name);
}

int cmd_user_lock(struct cli *cli, const struct cmd_args *a)
{
	return user_lock(cli, a->pos[0], false);
}

int cmd_user_unlock(struct cli *cli, const struct cmd_args *a)
{
	return user_lock(cli, a->pos[0], true);
}

int cmd_user_show(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__UserShow show = KART__USER_SHOW__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	show.name = (char *)a->pos[0];
	req.body_case = KART__ENVELOPE__BODY_USER_SHOW;
	req.user_show = &show;
	rc = request(cli, &req, KART__ENVELOPE__BODY_USER_INFO, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->user_info->base, NULL);
	else
		out_user_info(resp->user_info);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_user_offboard(struct cli *cli, const struct cmd_args *a)
{
	const char *to = args_value(a, "to");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__UserOffboard off = KART__USER_OFFBOARD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	if (!to || !*to)
		return out_error(KC_ERR_USAGE, "'user offboard' needs --to USER: who takes over the work");
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	off.name = (char *)a->pos[0];
	off.to = (char *)to;
	off.force = args_flag(a, "force");
	req.body_case = KART__ENVELOPE__BODY_USER_OFFBOARD;
	req.user_offboard = &off;
	rc = call(c, &req, KART__ENVELOPE__BODY_OFFBOARD_REPORT, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_page(&resp->offboard_report->base);
	else
		out_offboard_report(resp->offboard_report);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

static int user_grant(struct cli *cli, const struct cmd_args *a, bool revoke)
{
	Kart__UserGrant g = KART__USER_GRANT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	bool imp = strcmp(a->pos[1], "import") == 0;
	if (!imp && strcmp(a->pos[1], "export") != 0)
		return out_error(KC_ERR_USAGE, "unknown permission '%s' (there are: export, import)", a->pos[1]);
	g.name = (char *)a->pos[0];
	g.permission = (char *)a->pos[1];
	g.revoke = revoke;
	req.body_case = KART__ENVELOPE__BODY_USER_GRANT;
	req.user_grant = &g;
	if (imp)
		return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET,
				    revoke ? "%s may no longer import cards\n" : "%s may import cards\n", a->pos[0]);
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET,
			    revoke ? "%s may no longer export cards\n" : "%s may export cards\n", a->pos[0]);
}

int cmd_user_grant(struct cli *cli, const struct cmd_args *a)
{
	return user_grant(cli, a, false);
}

int cmd_user_revoke(struct cli *cli, const struct cmd_args *a)
{
	return user_grant(cli, a, true);
}

int cmd_user_quota(struct cli *cli, const struct cmd_args *a)
{
	const char *text = args_value(a, "export-per-day");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__UserQuota q = KART__USER_QUOTA__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t n = 0;
	int rc;

	if (!text)
		return out_error(KC_ERR_USAGE, "'user quota' needs --export-per-day N (a number, unlimited or default)");
	if (strcmp(text, "unlimited") == 0 || strcmp(text, "0") == 0)
		n = UINT32_MAX;
	else if (strcmp(text, "default") == 0)
		n = 0;
	else if ((rc = parse_count(text, "--export-per-day", UINT32_MAX - 1, &n)))
		return rc;
	q.name = (char *)a->pos[0];
	q.export_per_day = (uint32_t)n;
	req.body_case = KART__ENVELOPE__BODY_USER_QUOTA;
	req.user_quota = &q;
	rc = request(cli, &req, KART__ENVELOPE__BODY__NOT_SET, &c, &resp);
	if (!rc) {
		if (cli->json)
			rc = out_json_body(resp);
		else if (n == 0)
			printf("%s exports as many cards a day as their role allows\n", a->pos[0]);
		else if (n == UINT32_MAX)
			printf("%s may export any number of cards a day\n", a->pos[0]);
		else {
			char nc[32];
			printf("%s may export %s a day\n", a->pos[0], OUT_COUNT(nc, n, "card"));
		}
	}
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
