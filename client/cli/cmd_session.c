/* cmd_session: login, logout, whoami and version. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "prompt.h"
#include "session.h"

int cmd_login(struct cli *cli, const struct cmd_args *a)
{
	const char *user = a->pos[0];
	struct kc_session s = { 0 };
	struct kc_profile p;
	struct kc_options o;
	struct kc_error err;
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	char *password = NULL, role[32];
	int rc;

	/* A saved session still says which server and CA to use by default. */
	if (kc_session_load(cli->home, &s) == KC_SESSION_DAMAGED)
		kc_session_free(&s);
	rc = read_password(a, "Password: ", false, &password);
	if (rc)
		goto cleanup;
	session_profile(cli, &p);
	kc_session_options(&p, &s, &o);
	c = kc_connect(&o, &err);
	if (!c) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	resp = kc_login(c, user, password, &err);
	if (!resp) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	if (!*resp->session->token) {
		rc = out_error(KC_ERR_OTHER, "the server sent no session token");
		goto cleanup;
	}
	const char *name = *resp->session->user ? resp->session->user : user;
	if (kc_session_save(cli->home, &o, name, resp->session->token, &err)) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	if (cli->json)
		rc = out_json_message(&resp->session->base, "token");
	else
		out_say("logged in as %s (%s)\n", name, out_role_name(resp->session->role, role, sizeof(role)));
cleanup:
	free_secret(password);
	kc_env_free(resp);
	kc_close(c);
	kc_session_free(&s);
	return rc;
}

int cmd_logout(struct cli *cli, const struct cmd_args *a)
{
	struct kc_session s = { 0 };
	struct kc_profile p;
	struct kc_options o;
	struct kc_error err = { 0 };
	struct kc *c = NULL;
	Kart__Envelope *resumed = NULL, *resp = NULL;
	Kart__Logout logout = KART__LOGOUT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc = 0;

	if (kc_session_load(cli->home, &s) != KC_SESSION_OK)
		goto forget;
	session_profile(cli, &p);
	kc_session_options(&p, &s, &o);
	c = kc_connect(&o, &err);
	if (c)
		resumed = kc_resume(c, s.token, &err);
	if (resumed) {
		req.body_case = KART__ENVELOPE__BODY_LOGOUT;
		req.logout = &logout;
		resp = kc_call(c, &req, &err);
	}
	/* A token the server no longer knows is as good as logged out; a
	 * server out of reach is worth a word, but the session is dropped. */
	if (!resp && err.status != KC_ERR_DENIED && err.status != KC_ERR_NOT_FOUND)
		out_error(0, "could not end the session on the server: %s", err.message);
forget:
	/* the session goes; the server, CA and certificate stay for the next login */
	if (kc_session_forget(cli->home, &s, &err)) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	if (cli->json && resp)
		rc = out_json_body(resp);
	else if (cli->json)
		fputs("{}\n", stdout);
	else
		printf("logged out\n");
cleanup:
	kc_env_free(resp);
	kc_env_free(resumed);
	kc_close(c);
	kc_session_free(&s);
	return rc;
}

int cmd_whoami(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	char role[32];
	int rc;

	rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_whoami(c, &resp, &err), &err);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->session->base, "token");
	else
		out_say("%s (%s)", resp->session->user, out_role_name(resp->session->role, role, sizeof(role)));
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* kart version: the client's, and with a session the server's (from its
 * HelloOk). kart --version prints only the client's, without a connection. */
int cmd_version(struct cli *cli, const struct cmd_args *a)
{
	struct kc_session s;
	struct kc *c = NULL;
	enum kc_session_state st = kc_session_load(cli->home, &s);
	int rc = 0;

	(void)a;
	if (st == KC_SESSION_OK)
		rc = open_session(cli, &c);
	kc_session_free(&s);
	if (rc)
		return rc;
	if (cli->json) {
		json_t *j = json_pack("{s:s}", "client", KART_CLIENT_NAME);
		if (j && c)
			json_object_set_new(j, "server", json_string(kc_server_name(c)));
		char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		if (text) {
			out_text(stdout, text, TEXT_SHOW_LINES);
			fputc('\n', stdout);
		}
		free(text);
		json_decref(j);
	} else {
		out_say("client: %s", KART_CLIENT_NAME);
		if (c)
			out_say("server: %s", kc_server_name(c));
	}
	kc_close(c);
	return rc;
}
