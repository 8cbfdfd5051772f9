/* login: `kart-tui --login USER`, before the screen starts: the password
 * from --password-file or asked on the terminal without echo, a server seen
 * for the first time pinned with --trust or after a yes on the terminal,
 * and the session saved where `kart login` saves it ($KART_HOME/session),
 * so either face logs in and both use it. */
#include "tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "session.h"
#include "text.h"

#define PASSWORD_MAX 1024

/* One line of f into buf without its newline: 0, or -1 at end of input. */
static int read_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The password: the first line of file, or typed on the terminal unseen. */
static int read_password(const char *file, char *buf, size_t n)
{
	struct termios old, quiet;
	FILE *f;
	int rc;

	if (file) {
		f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, _("kart-tui: cannot read the password file %s\n"), file);
			return -1;
		}
		rc = read_line(f, buf, n);
		fclose(f);
		return rc;
	}
	if (!isatty(STDIN_FILENO)) {
		fputs(_("kart-tui: no terminal to ask the password on: give --password-file\n"), stderr);
		return -1;
	}
	fputs(_("Password: "), stderr);
	tcgetattr(STDIN_FILENO, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	rc = read_line(stdin, buf, n);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

/* A server seen for the first time, without --trust: the user says. */
static int confirm_server(const char *server, const char *fingerprint, void *ud)
{
	char vis[512], answer[16];

	(void)ud;
	if (!isatty(STDIN_FILENO))
		return 0;
	text_visible(vis, sizeof(vis), server, 0);
	fprintf(stderr, _("The server %s is new here; its key's fingerprint is\n  %s\nTrust it from now on? [y/N] "),
		vis, fingerprint);
	return read_line(stdin, answer, sizeof(answer)) == 0 && (answer[0] == 'y' || answer[0] == 'Y' ||
								 strncmp(answer, "д", strlen("д")) == 0);
}

int tui_login(const char *home, const char *server, const char *ca, const char *user, const char *password_file,
	      bool trust, const char *default_server, const char *client_name)
{
	struct kc_session s = { 0 };
	struct kc_profile p = { 0 };
	struct kc_options o;
	struct kc_error err = { 0 };
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	char password[PASSWORD_MAX];
	int rc = KC_ERR_USAGE;

	/* a saved session still says which server and CA to use by default */
	if (kc_session_load(home, &s) == KC_SESSION_DAMAGED)
		kc_session_free(&s);
	if (read_password(password_file, password, sizeof(password)) < 0)
		goto out;
	p.home = home;
	p.server = server;
	p.ca = ca;
	p.default_server = default_server;
	p.client_name = client_name;
	p.trust_new = trust;
	p.confirm = confirm_server;
	kc_session_options(&p, &s, &o);
	c = kc_connect(&o, &err);
	if (c)
		resp = kc_login(c, user, password, &err);
	if (resp && !*resp->session->token) {
		snprintf(err.message, sizeof(err.message), "%s", _("the server sent no session token"));
		err.status = KC_ERR_OTHER;
	} else if (resp) {
		err.status = kc_session_save(home, &o, *resp->session->user ? resp->session->user : user,
					     resp->session->token, &err);
	}
	rc = resp ? err.status : (err.status ? err.status : KC_ERR_OTHER);
	if (rc) { /* the server's words, or names as typed: controls shown, not obeyed */
		char vis[4 * sizeof(err.message)];
		text_visible(vis, sizeof(vis), err.message[0] ? err.message : _("request failed"), 0);
		fprintf(stderr, "kart-tui: %s\n", vis);
	}
out:
	explicit_bzero(password, sizeof(password));
	kc_env_free(resp);
	kc_close(c);
	kc_session_free(&s);
	return rc;
}
