/* prompt: reading passwords for `kart` commands: from --password-file, from
 * standard input when it is not a terminal, else asked for with the echo off. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "prompt.h"

static struct termios saved_tty;

static void restore_tty_and_die(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* The first line of f without its line ending, or NULL at end of file. */
char *first_line(FILE *f)
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
char *prompt_hidden(const char *prompt)
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
int read_password(const struct cmd_args *a, const char *prompt, bool confirm, char **out)
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
