/* cmd: the `kart` commands, one function each. A command checks its arguments
 * first (usage errors never touch the network), then opens the session kept in
 * $KART_HOME/session (connect, Resume), sends its request and hands the reply
 * to out.c. Also here: the session file and reading passwords. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "pbjson.h"
#include "util.h"

#define NOT_LOGGED_IN "not logged in (run: kart login USER)"

/* ---- session file ---- */

struct session {
	json_t *root;           /* owns the strings below */
	const char *server;
	const char *ca;
	const char *user;
	const char *token;
};

enum session_state { SESSION_OK, SESSION_MISSING, SESSION_DAMAGED };

static int session_path(const struct cli *cli, char *out, size_t n)
{
	if ((size_t)snprintf(out, n, "%s/session", cli->home) >= n)
		return out_error(KC_ERR_USAGE, "home directory path too long");
	return 0;
}

static const char *json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static enum session_state session_load(const struct cli *cli, struct session *s)
{
	char path[PATH_MAX + 16];

	memset(s, 0, sizeof(*s));
	if (session_path(cli, path, sizeof(path)))
		return SESSION_MISSING;
	if (access(path, F_OK) < 0)
		return SESSION_MISSING;
	s->root = json_load_file(path, 0, NULL);
	if (!json_is_object(s->root))
		return SESSION_DAMAGED;
	s->server = json_str(s->root, "server");
	s->ca = json_str(s->root, "ca");
	s->user = json_str(s->root, "user");
	s->token = json_str(s->root, "token");
	return s->token ? SESSION_OK : SESSION_DAMAGED;
}

static void session_free(struct session *s)
{
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
}

/* mkdir -p, every directory it creates private to the user. */
static int make_private_dirs(const char *path)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int session_save(const struct cli *cli, const char *server, const char *ca,
			const char *user, const char *token)
{
	char path[PATH_MAX + 16], ca_abs[PATH_MAX];
	json_t *root = json_object();
	char *json = NULL, *text = NULL;
	int rc = 0, bad = !root;

	if (!bad) {
		bad |= json_object_set_new(root, "server", json_string(server));
		if (ca)
			bad |= json_object_set_new(root, "ca", json_string(realpath(ca, ca_abs) ? ca_abs : ca));
		bad |= json_object_set_new(root, "user", json_string(user));
		bad |= json_object_set_new(root, "token", json_string(token));
	}
	json = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!json || asprintf(&text, "%s\n", json) < 0) {
		text = NULL;
		rc = out_error(KC_ERR_OTHER, "cannot save the session: out of memory or not valid UTF-8");
		goto cleanup;
	}
	rc = session_path(cli, path, sizeof(path));
	if (rc)
		goto cleanup;
	if (make_private_dirs(cli->home) < 0) {
		rc = out_error(KC_ERR_OTHER, "cannot create %s: %s", cli->home, strerror(errno));
		goto cleanup;
	}
	if (util_write_file(path, text, strlen(text), 0600) < 0)
		rc = out_error(KC_ERR_OTHER, "cannot write %s: %s", path, strerror(errno));
cleanup:
	if (text)
		explicit_bzero(text, strlen(text));
	if (json)
		explicit_bzero(json, strlen(json));
	free(text);
	free(json);
	json_decref(root);
	return rc;
}

static void connect_options(const struct cli *cli, const struct session *s, struct kc_options *o)
{
	memset(o, 0, sizeof(*o));
	o->server = cli->server ? cli->server : s && s->server ? s->server : KART_DEFAULT_SERVER;
	o->ca_file = cli->ca ? cli->ca : s && s->ca ? s->ca : NULL;
	o->client_name = KART_CLIENT_NAME;
}

/* Loads the session, connects and resumes it. Returns an exit code; on
 * success *out is an authenticated connection. */
static int open_session(const struct cli *cli, struct kc **out)
{
	struct session s;
	struct kc_options o;
	struct kc_error err;
	Kart__Envelope *resumed = NULL;
	struct kc *c = NULL;
	int rc = 0;

	*out = NULL;
	switch (session_load(cli, &s)) {
	case SESSION_OK:
		break;
	case SESSION_MISSING:
		rc = out_error(KC_ERR_DENIED, NOT_LOGGED_IN);
		goto cleanup;
	case SESSION_DAMAGED:
		rc = out_error(KC_ERR_DENIED, "session file in %s is damaged; " NOT_LOGGED_IN, cli->home);
		goto cleanup;
	}
	connect_options(cli, &s, &o);
	c = kc_connect(&o, &err);
	if (!c) {
		rc = out_kc_error(&err);
		goto cleanup;
	}
	resumed = kc_resume(c, s.token, &err);
	if (!resumed) {
		if (err.status == KC_ERR_DENIED || err.status == KC_ERR_NOT_FOUND)
			rc = out_error(KC_ERR_DENIED, "%s (run: kart login %s)",
				       err.message[0] ? err.message : "not logged in", s.user ? s.user : "USER");
		else
			rc = out_kc_error(&err);
		goto cleanup;
	}
	*out = c;
	c = NULL;
cleanup:
	kc_env_free(resumed);
	kc_close(c);
	session_free(&s);
	return rc;
}

/* ---- requests ---- */

/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET). Returns an exit code; on success *out is the reply. */
static int call(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out)
{
	struct kc_error err;
	Kart__Envelope *resp = kc_call(c, req, &err);

	*out = NULL;
	if (!resp)
		return out_kc_error(&err);
	if (want != KART__ENVELOPE__BODY__NOT_SET && resp->body_case != want) {
		kc_env_free(resp);
		return out_error(KC_ERR_OTHER, "unexpected reply from the server");
	}
	*out = resp;
	return 0;
}

/* Sends a request answered by a stream of pages and prints every item as its
 * page arrives, until the frame without `more`. */
static int call_streamed(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case,
			 struct out_list *list)
{
	struct kc_error err;
	Kart__Envelope *e = NULL;
	bool more = true;
	int rc = 0;
	uint64_t id = kc_send(c, req, &err);

	if (!id)
		return out_kc_error(&err);
	while (more) {
		e = kc_recv(c, &err);
		if (!e) {
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->request_id != id) {
			kc_env_free(e);
			e = NULL;
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(&err, e->error);
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->body_case != page_case) {
			rc = out_error(KC_ERR_OTHER, "unexpected reply from the server");
			goto cleanup;
		}
		switch (page_case) {
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
		default:
			break;
		}
		out_list_flush(list);
		more = e->more;
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	kc_env_free(e);
	/* Close the array or table even after a failure mid-stream, so what
	 * was printed still parses; the exit code tells it is incomplete. */
	if (rc == 0 || list->started)
		out_list_end(list);
	return rc;
}

/* ---- passwords ---- */

static struct termios saved_tty;

static void restore_tty_and_die(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* The first line of f without its line ending, or NULL at end of file. */
static char *first_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len = getline(&line, &cap, f);

	if (len < 0) {
		free(line);
		return NULL;
	}
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	return line;
}

/* Asks on the terminal with echo off; a signal meanwhile restores the echo
 * before it takes its usual effect. Returns NULL on end of input. */
static char *prompt_hidden(const char *prompt)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction restore = { 0 }, old[4];
	struct termios quiet;
	char *line = NULL;
	bool tty_saved;

	fputs(prompt, stderr);
	fflush(stderr);
	tty_saved = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
	if (tty_saved) {
		quiet = saved_tty;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore.sa_handler = restore_tty_and_die;
		sigemptyset(&restore.sa_mask);
		for (size_t i = 0; i < 4; i++)
			sigaction(signals[i], &restore, &old[i]);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	line = first_line(stdin);
	if (tty_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		for (size_t i = 0; i < 4; i++)
			sigaction(signals[i], &old[i], NULL);
	}
	return line;
}

/* A password from --password-file, else from stdin when it is not a terminal,
 * else asked for on the terminal (twice when confirm is set). Returns an
 * exit code; *out is freed with free_secret. */
static int read_password(const struct cmd_args *a, const char *prompt, bool confirm, char **out)
{
	const char *file = args_value(a, "password-file");
	char *password = NULL, *again = NULL;
	int rc = 0;

	*out = NULL;
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f) {
			rc = out_error(KC_ERR_OTHER, "cannot open password file %s: %s", file, strerror(errno));
			goto cleanup;
		}
		password = first_line(f);
		fclose(f);
		if (!password)
			rc = out_error(KC_ERR_OTHER, "no password in %s", file);
		goto cleanup;
	}
	if (!isatty(STDIN_FILENO)) {
		password = first_line(stdin);
		if (!password)
			rc = out_error(KC_ERR_OTHER, "no password on standard input");
		goto cleanup;
	}
	password = prompt_hidden(prompt);
	if (!password) {
		rc = out_error(KC_ERR_OTHER, "no password given");
		goto cleanup;
	}
	if (!confirm)
		goto cleanup;
	again = prompt_hidden("Repeat password: ");
	if (!again || strcmp(password, again) != 0)
		rc = out_error(KC_ERR_OTHER, "passwords do not match");
cleanup:
	free_secret(again);
	if (rc) {
		free_secret(password);
		password = NULL;
	}
	*out = password;
	return rc;
}

/* ---- session commands ---- */

int cmd_login(struct cli *cli, const struct cmd_args *a)
{
	const char *user = a->pos[0];
	struct session s = { 0 };
	struct kc_options o;
	struct kc_error err;
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	char *password = NULL, role[32];
	int rc;

	/* A saved session still says which server and CA to use by default. */
	if (session_load(cli, &s) == SESSION_DAMAGED)
		session_free(&s);
	rc = read_password(a, "Password: ", false, &password);
	if (rc)
		goto cleanup;
	connect_options(cli, &s, &o);
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
	rc = session_save(cli, o.server, o.ca_file, name, resp->session->token);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->session->base, "token");
	else
		printf("logged in as %s (%s)\n", name, out_role_name(resp->session->role, role, sizeof(role)));
cleanup:
	free_secret(password);
	kc_env_free(resp);
	kc_close(c);
	session_free(&s);
	return rc;
}

int cmd_logout(struct cli *cli, const struct cmd_args *a)
{
	char path[PATH_MAX + 16];
	struct session s = { 0 };
	struct kc_options o;
	struct kc_error err = { 0 };
	struct kc *c = NULL;
	Kart__Envelope *resumed = NULL, *resp = NULL;
	Kart__Logout logout = KART__LOGOUT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	rc = session_path(cli, path, sizeof(path));
	if (rc)
		goto cleanup;
	if (session_load(cli, &s) != SESSION_OK)
		goto forget;
	connect_options(cli, &s, &o);
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
	if (unlink(path) < 0 && errno != ENOENT) {
		rc = out_error(KC_ERR_OTHER, "cannot remove %s: %s", path, strerror(errno));
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
	session_free(&s);
	return rc;
}

int cmd_whoami(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__WhoAmI whoami = KART__WHO_AM_I__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char role[32];
	int rc;

	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_WHOAMI;
	req.whoami = &whoami;
	rc = call(c, &req, KART__ENVELOPE__BODY_SESSION, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->session->base, "token");
	else
		printf("%s (%s)\n", resp->session->user,
		       out_role_name(resp->session->role, role, sizeof(role)));
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* ---- users ---- */

int cmd_user_add(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	const char *role_text = args_value(a, "role");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__UserAdd add = KART__USER_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *password = NULL, prompt[256];
	int role = 0, rc;

	if (!role_text) {
		rc = out_error(KC_ERR_USAGE, "'user add' needs --role admin|supervisor|manager|auditor");
		goto cleanup;
	}
	if (pbjson_enum_parse(&kart__role__descriptor, role_text, &role) < 0 || role == 0) {
		rc = out_error(KC_ERR_USAGE, "bad --role '%s': expected admin, supervisor, manager or auditor",
			       role_text);
		goto cleanup;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	rc = read_password(a, prompt, true, &password);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	add.name = (char *)name;
	add.role = (Kart__Role)role;
	add.password = password;
	req.body_case = KART__ENVELOPE__BODY_USER_ADD;
	req.user_add = &add;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("user %s added\n", name);
cleanup:
	free_secret(password);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_user_list(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct out_list list;
	Kart__UserList user_list = KART__USER_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	req.body_case = KART__ENVELOPE__BODY_USER_LIST;
	req.user_list = &user_list;
	out_list_begin(&list, OUT_LIST_USERS, cli->json);
	rc = call_streamed(c, &req, KART__ENVELOPE__BODY_USER_PAGE, &list);
cleanup:
	kc_close(c);
	return rc;
}

int cmd_user_passwd(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__UserPasswd passwd = KART__USER_PASSWD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *password = NULL, prompt[256];
	int rc;

	snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
	rc = read_password(a, prompt, true, &password);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	passwd.name = (char *)name;
	passwd.password = password;
	req.body_case = KART__ENVELOPE__BODY_USER_PASSWD;
	req.user_passwd = &passwd;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("password changed for %s\n", name);
cleanup:
	free_secret(password);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* ---- cards ---- */

int cmd_card_add(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardCreate create = KART__CARD_CREATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__FieldValue *values = NULL, **value_ptrs = NULL;
	size_t n = 0;
	int rc = 0;

	/* what a card must hold (a name, a company, a phone or an email) is the
	 * server's rule, so a company-only or phone-only card is fine here */
	values = calloc(a->nopts, sizeof(*values));
	value_ptrs = calloc(a->nopts, sizeof(*value_ptrs));
	if (!values || !value_ptrs) {
		rc = out_error(KC_ERR_OTHER, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < a->nopts; i++) {
		const struct opt_value *v = &a->opts[i];
		if (!v->spec->card_field)
			continue;
		kart__field_value__init(&values[n]);
		values[n].field = (char *)v->spec->card_field;
		values[n].value = (char *)v->value;
		value_ptrs[n] = &values[n];
		n++;
	}
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	create.n_fields = n;
	create.fields = value_ptrs;
	req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
	req.card_create = &create;
	rc = call(c, &req, KART__ENVELOPE__BODY_CARD, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		printf("%llu\n", (unsigned long long)resp->card->id);
cleanup:
	free(values);
	free(value_ptrs);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_show(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	get.id = id;
	get.trash = args_flag(a, "trash");
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	rc = call(c, &req, KART__ENVELOPE__BODY_CARD, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		out_card_record(resp->card);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* --expect-version N, 0 when not given. */
static int expected_version(const struct cmd_args *a, uint64_t *out)
{
	const char *text = args_value(a, "expect-version");

	*out = 0;
	if (!text)
		return 0;
	return parse_id(text, "--expect-version", out);
}

int cmd_card_edit(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardUpdate update = KART__CARD_UPDATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__FieldValue *values = NULL, **value_ptrs = NULL;
	size_t n = 0;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	values = calloc(a->nopts + 1, sizeof(*values));
	value_ptrs = calloc(a->nopts + 1, sizeof(*value_ptrs));
	if (!values || !value_ptrs) {
		rc = out_error(KC_ERR_OTHER, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < a->nopts; i++) {
		const struct opt_value *v = &a->opts[i];
		if (strcmp(v->spec->name, "set") != 0)
			continue;
		const char *eq = strchr(v->value, '=');
		if (!eq || eq == v->value) {
			rc = out_error(KC_ERR_USAGE, "bad --set '%s': expected FIELD=VALUE", v->value);
			goto cleanup;
		}
		kart__field_value__init(&values[n]);
		values[n].field = strndup(v->value, (size_t)(eq - v->value));
		if (!values[n].field) {
			rc = out_error(KC_ERR_OTHER, "out of memory");
			goto cleanup;
		}
		values[n].value = (char *)eq + 1;
		value_ptrs[n] = &values[n];
		n++;
	}
	if (n == 0) {
		rc = out_error(KC_ERR_USAGE, "'card edit' needs at least one --set FIELD=VALUE");
		goto cleanup;
	}
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	update.id = id;
	update.expected_version = version;
	update.n_set = n;
	update.set = value_ptrs;
	req.body_case = KART__ENVELOPE__BODY_CARD_UPDATE;
	req.card_update = &update;
	rc = call(c, &req, KART__ENVELOPE__BODY_CARD, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		printf("card %llu updated (version %llu)\n", (unsigned long long)id,
		       (unsigned long long)resp->card->version);
cleanup:
	for (size_t i = 0; i < n; i++)
		free(values[i].field);
	free(values);
	free(value_ptrs);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_rm(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardDelete del = KART__CARD_DELETE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	del.id = id;
	del.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_CARD_DELETE;
	req.card_delete = &del;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu moved to trash\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_restore(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardRestore restore = KART__CARD_RESTORE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	restore.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_RESTORE;
	req.card_restore = &restore;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu restored\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	const char *after_text = args_value(a, "after");
	struct kc *c = NULL;
	struct out_list list;
	Kart__CardList card_list = KART__CARD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0, after = 0;
	int rc = 0;

	if (limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (!rc && after_text)
		rc = parse_count(after_text, "--after", UINT64_MAX, &after);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	card_list.after_id = after;
	card_list.limit = (uint32_t)limit;
	card_list.trash = args_flag(a, "trash");
	req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
	req.card_list = &card_list;
	out_list_begin(&list, OUT_LIST_CARDS, cli->json);
	rc = call_streamed(c, &req, KART__ENVELOPE__BODY_CARD_PAGE, &list);
cleanup:
	kc_close(c);
	return rc;
}

/* --since/--until: any form util_parse_time knows; 0 when not given. */
static int time_option(const struct cmd_args *a, const char *name, int64_t now, int64_t *out)
{
	const char *text = args_value(a, name);

	*out = 0;
	if (text && util_parse_time(text, now, out) < 0)
		return out_error(KC_ERR_USAGE, "bad --%s '%s': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM, "
				 "unix seconds, or a time ago such as 30m, 1h, 7d", name, text);
	return 0;
}

int cmd_audit(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	int64_t now = util_now_us() / 1000000;
	struct kc *c = NULL;
	struct out_list list;
	Kart__AuditQuery query = KART__AUDIT_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc;

	rc = time_option(a, "since", now, &query.since);
	if (!rc)
		rc = time_option(a, "until", now, &query.until);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	query.user = (char *)(args_value(a, "user") ? args_value(a, "user") : "");
	query.action = (char *)(args_value(a, "action") ? args_value(a, "action") : "");
	query.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_AUDIT_QUERY;
	req.audit_query = &query;
	out_list_begin(&list, OUT_LIST_AUDIT, cli->json);
	rc = call_streamed(c, &req, KART__ENVELOPE__BODY_AUDIT_PAGE, &list);
cleanup:
	kc_close(c);
	return rc;
}
