/* kart-tui: the manager's screen over client/lib. Options as kart's
 * (-s/--server, --ca, KART_HOME), plus --no-color (and NO_COLOR); opens the
 * session `kart login` saved, then runs the screens: a loop that polls the
 * terminal and the connection and never waits on the network. */
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "session.h"
#include "text.h"

#define TUI_CLIENT_NAME "kart-tui 0.1.0"
#define TUI_DEFAULT_SERVER "localhost:7443"

struct opts {
	const char *server, *ca;
	const char *login, *password_file; /* --login USER first */
	bool trust;
	bool no_color;
	char home[PATH_MAX];
};

static int usage(FILE *f, int rc)
{
	fputs(_("usage: kart-tui [-s HOST:PORT] [--ca FILE] [--no-color]\n"
		"       kart-tui --login USER [--password-file FILE] [--trust] [-s HOST:PORT] [--ca FILE]\n"
		"The session is the one `kart login` or `kart-tui --login` saved in $KART_HOME\n"
		"(~/.config/kart); --trust pins a server seen for the first time without asking.\n"),
	      f);
	return rc;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' }, { "ca", required_argument, NULL, 'c' },
		{ "no-color", no_argument, NULL, 'n' },     { "help", no_argument, NULL, 'h' },
		{ "login", required_argument, NULL, 'l' },  { "password-file", required_argument, NULL, 'p' },
		{ "trust", no_argument, NULL, 't' },        { NULL, 0, NULL, 0 },
	};
	const char *home = getenv("KART_HOME");
	int ch, len;

	o->server = getenv("KART_SERVER");
	o->ca = getenv("KART_CA");
	o->no_color = getenv("NO_COLOR") && *getenv("NO_COLOR");
	while ((ch = getopt_long(argc, argv, "s:h", lo, NULL)) != -1) {
		if (ch == 's')
			o->server = optarg;
		else if (ch == 'c')
			o->ca = optarg;
		else if (ch == 'n')
			o->no_color = true;
		else if (ch == 'l')
			o->login = optarg;
		else if (ch == 'p')
			o->password_file = optarg;
		else if (ch == 't')
			o->trust = true;
		else
			return usage(ch == 'h' ? stdout : stderr, ch == 'h' ? -1 : KC_ERR_USAGE);
	}
	if (optind < argc || ((o->password_file || o->trust) && !o->login))
		return usage(stderr, KC_ERR_USAGE);
	if (home && *home) {
		len = snprintf(o->home, sizeof(o->home), "%s", home);
	} else {
		const char *uh = getenv("HOME");
		struct passwd *pw = (!uh || !*uh) ? getpwuid(getuid()) : NULL;
		if (pw)
			uh = pw->pw_dir;
		if (!uh) {
			fputs(_("kart-tui: cannot find the home directory: set KART_HOME\n"), stderr);
			return KC_ERR_OTHER;
		}
		len = snprintf(o->home, sizeof(o->home), "%s/.config/kart", uh);
	}
	if (len < 0 || (size_t)len >= sizeof(o->home)) {
		fputs(_("kart-tui: home directory path too long\n"), stderr);
		return KC_ERR_USAGE;
	}
	return 0;
}

/* The role's name in English (N_), translated where it is shown. */
static const char *role_name(Kart__Role r)
{
	switch (r) {
	case KART__ROLE__ROLE_ADMIN:
		return N_("administrator");
	case KART__ROLE__ROLE_SUPERVISOR:
		return N_("supervisor");
	case KART__ROLE__ROLE_MANAGER:
		return N_("manager");
	case KART__ROLE__ROLE_AUDITOR:
		return N_("auditor");
	default:
		return "?";
	}
}

/* Opens the saved session and asks who we are. */
static int connect_session(const struct opts *o, struct tui *t)
{
	struct kc_profile p;
	struct kc_error err;
	Kart__Envelope *who = NULL;

	memset(&p, 0, sizeof(p));
	p.home = o->home;
	p.server = o->server;
	p.ca = o->ca;
	p.default_server = TUI_DEFAULT_SERVER;
	p.client_name = TUI_CLIENT_NAME;
	t->link.home = o->home;
	t->link.server = o->server;
	t->link.ca = o->ca;
	t->link.default_server = TUI_DEFAULT_SERVER;
	t->link.client_name = TUI_CLIENT_NAME;
	int rc = kc_session_open(&p, &t->c, &err);
	if (!rc)
		rc = kc_whoami(t->c, &who, &err);
	if (rc) { /* the server's words, or a host name as typed: controls shown, not obeyed */
		char vis[4 * sizeof(err.message)];
		text_visible(vis, sizeof(vis), err.message[0] ? err.message : _("request failed"), 0);
		fprintf(stderr, "kart-tui: %s\n", vis);
		return rc;
	}
	snprintf(t->user, sizeof(t->user), "%s", who->session->user);
	t->role = role_name(who->session->role);
	kc_env_free(who);
	snprintf(t->server, sizeof(t->server), "%s", o->server ? o->server : "");
	return 0;
}

#define TUI_MIN_COLS 40
#define TUI_MIN_LINES 10

/* The lost connection, or what the command line said, over the screen's
 * message line. */
static void draw_link(struct tui *t)
{
	char line[1400], st[128];

	if (t->help)
		return;
	if (t->alert[0]) {
		tui_style(TUI_STYLE_ALERT, true);
		tui_put(t->screen == TUI_CARD ? LINES - 3 : LINES - 2, 0, t->alert, COLS);
		tui_style(TUI_STYLE_ALERT, false);
		return;
	}
	if (t->c)
		return;
	link_status(t, st, sizeof(st));
	if (t->screen == TUI_CARD && t->card_msg[0])
		snprintf(line, sizeof(line), "%.1200s · %s", t->card_msg, st);
	else
		snprintf(line, sizeof(line), "%s", st);
	tui_style(TUI_STYLE_ALERT, true);
	/* under a form, the line below its own message ("not saved: …", a
	 * question), which stays in sight */
	tui_put(t->screen == TUI_CARD && !t->form.open ? LINES - 3 : LINES - 2, 0, line, COLS);
	tui_style(TUI_STYLE_ALERT, false);
}

static void draw(struct tui *t)
{
	int x, y;

	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
		tui_put(0, 0, _("window too small"), COLS);
		refresh();
		return;
	}
	if (t->help)
		help_draw(t);
	else if (t->form.open)
		form_draw(t);
	else if (t->screen == TUI_CARD)
		card_draw(t);
	else if (t->screen == TUI_TODAY)
		today_draw(t);
	else if (t->screen == TUI_SEGMENTS)
		segments_draw(t);
	else
		find_draw(t);
	getyx(stdscr, y, x);
	draw_link(t);
	if (t->cmd_open && !t->help)
		cmdline_draw(t); /* and the cursor is there */
	else
		move(y, x); /* the cursor stays in the field */
	refresh();
}

/* ':' opens the command line on every screen, but not in a text field,
 * where it is a character. */
static bool takes_command(const struct tui *t)
{
	if (t->screen == TUI_CARD)
		return !t->editing;
	if (t->screen == TUI_SEGMENTS)
		return !segments_typing(t);
	return true;
}

/* One key to the screen that has it. */
static void screen_key(struct tui *t, int key, bool is_char)
{
	if (t->screen == TUI_CARD) {
		card_key(t, key, is_char);
		if (t->screen == TUI_FIND) /* Esc: back to the list it came from */
			t->screen = t->card_from;
	} else if (t->screen == TUI_TODAY) {
		today_key(t, key, is_char);
	} else if (t->screen == TUI_SEGMENTS) {
		segments_key(t, key, is_char);
	} else {
		find_key(t, key, is_char);
	}
}

/* Every key waiting on the terminal. */
static void read_keys(struct tui *t)
{
	wint_t wc;
	int r;

	while (!t->quit && (r = get_wch(&wc)) != ERR) {
		bool is_char = r == OK;
		int key = (int)wc;
		if (r == KEY_CODE_YES && key == KEY_RESIZE)
			continue; /* the next draw lays out for the new size */
		t->alert[0] = '\0';
		if (tui_key_action(t->screen, key) == TUI_REDRAW && !(is_char && key >= 32)) {
			clearok(curscr, TRUE);
			continue;
		}
		if (t->help)
			help_key(t, key);
		else if (t->form.open)
			form_key(t, key, is_char);
		else if (t->cmd_open)
			cmdline_key(t, key, is_char);
		else if (tui_key_action(t->screen, key) == TUI_COMMAND && takes_command(t))
			cmdline_open(t);
		else
			screen_key(t, key, is_char);
	}
}

static void run(struct tui *t)
{
	struct pollfd pf[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = -1, .events = POLLIN } };

	draw(t);
	while (!t->quit) {
		pf[1].fd = t->c ? kc_fd(t->c) : -1; /* poll skips a negative fd */
		if (poll(pf, 2, link_wait_ms(t)) < 0 && errno != EINTR)
			break;
		read_keys(t); /* also after EINTR: a resize comes as a key */
		link_tick(t);
		tui_receive(t);
		if (!t->quit)
			draw(t);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct tui t = { 0 };
	int rc;

	setlocale(LC_ALL, "");
	i18n_init();
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.login) {
		rc = tui_login(o.home, o.server, o.ca, o.login, o.password_file, o.trust, TUI_DEFAULT_SERVER,
			       TUI_CLIENT_NAME);
		if (rc)
			return rc;
	}
	rc = connect_session(&o, &t);
	if (rc) {
		kc_close(t.c);
		return rc;
	}
	if (!o.server) {
		struct kc_session s;
		if (kc_session_load(o.home, &s) == KC_SESSION_OK && s.server)
			snprintf(t.server, sizeof(t.server), "%s", s.server);
		kc_session_free(&s);
	}
	kc_set_nonblocking(t.c);
	t.color = !o.no_color;
	set_escdelay(25);
	initscr();
	raw();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	tui_colors_init(t.color);
	t.screen = TUI_FIND;
	t.card_from = TUI_FIND;
	t.count_due = true; /* the cards the user sees, for the status line */
	run(&t);
	endwin();
	kc_env_free(t.found);
	kc_env_free(t.card);
	card_close(&t);
	kc_env_free(t.today);
	segments_free(&t);
	kc_close(t.c);
	return rc;
}
