/* kart: the Kartoteka command-line client. This file is the front door: the
 * command-line parser over the command and option tables of commands.c
 * (global options are accepted anywhere, before or after the command), the
 * help text, resolving the global settings from flags and environment, and
 * exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "cli.h"
#include "i18n.h"

enum name_match { NAME_NONE, NAME_PREFIX, NAME_FULL };

/* Compares the words typed so far with a command name ("card show"). */
static enum name_match match_name(const char *name, const char *const *words, size_t nwords)
{
	const char *p = name;
	for (size_t i = 0; i < nwords; i++) {
		size_t len = strlen(words[i]);
		if (*p == '\0')
			return NAME_NONE;
		if (strncmp(p, words[i], len) != 0 || (p[len] != ' ' && p[len] != '\0'))
			return NAME_NONE;
		p += len;
		if (*p == ' ')
			p++;
	}
	return *p == '\0' ? NAME_FULL : NAME_PREFIX;
}

/* The command named exactly by words; *is_prefix tells whether the words
 * start some longer command name (a group such as "card", or "remind", which
 * is a command itself and the start of "remind done"). */
static const struct cmd_def *find_command(const char *const *words, size_t nwords, bool *is_prefix)
{
	const struct cmd_def *found = NULL;

	*is_prefix = false;
	for (size_t i = 0; i < cli_ncommands; i++) {
		enum name_match m = match_name(cli_commands[i].name, words, nwords);
		if (m == NAME_FULL && !found)
			found = &cli_commands[i];
		else if (m == NAME_PREFIX)
			*is_prefix = true;
	}
	return found;
}

static void join_words(const char *const *words, size_t nwords, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < nwords && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? " " : "", words[i]);
}

/* ---- help text ---- */

#define HELP_WIDTH 79
#define HELP_OPTION_COLUMN 30
#define HELP_COMMAND_COLUMN 38

/* Prints text from column indent on, wrapped at spaces to HELP_WIDTH. A
 * translation's width is counted in code points; the English texts' in bytes,
 * as ever, so their help stays as it was (the Cyrillic examples in them wrap a
 * little early). */
static void put_wrapped(FILE *f, const char *text, size_t indent, bool translated)
{
	size_t column = indent;

	while (*text) {
		size_t word = strcspn(text, " ");
		size_t chars = translated ? text_utf8_chars(text, word) : word;
		if (column > indent && column + 1 + chars > HELP_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			column = indent;
		} else if (column > indent) {
			fputc(' ', f);
			column++;
		}
		fwrite(text, 1, word, f);
		column += chars;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void print_option_help(FILE *f, const struct opt_spec *o)
{
	char left[64], help[512];
	const char *text = _(o->help);
	int len;

	if (o->short_name)
		len = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
	else
		len = snprintf(left, sizeof(left), "      --%s", o->name);
	if (o->metavar && len > 0 && (size_t)len < sizeof(left))
		len += snprintf(left + len, sizeof(left) - (size_t)len, " %s", o->metavar);
	if (len >= HELP_OPTION_COLUMN - 1)
		fprintf(f, "%s\n%*s", left, HELP_OPTION_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_OPTION_COLUMN, left);
	snprintf(help, sizeof(help), "%s%s", text, o->kind == OPT_LIST ? _(" (repeatable)") : "");
	put_wrapped(f, help, HELP_OPTION_COLUMN, text != o->help);
}

static void print_global_help(FILE *f)
{
	fprintf(f, "%s", _("\nGlobal options (before or after the command):\n"));
	for (const struct opt_spec *o = cli_global_opts; o->name; o++)
		print_option_help(f, o);
}

static void print_command_line(FILE *f, const struct cmd_def *cmd)
{
	char left[64];
	const char *summary = _(cmd->summary);

	snprintf(left, sizeof(left), "  %s %s", cmd->name, cmd->synopsis);
	if (strlen(left) >= HELP_COMMAND_COLUMN - 1)
		fprintf(f, "%s\n%*s", left, HELP_COMMAND_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_COMMAND_COLUMN, left);
	put_wrapped(f, summary, HELP_COMMAND_COLUMN, summary != cmd->summary);
}

static void print_main_help(FILE *f)
{
	fprintf(f, "%s", _("usage: kart [OPTIONS] COMMAND [ARGS] [OPTIONS]\n\n"
			   "Kartoteka client base: command-line client.\n\nCommands:\n"));
	for (size_t i = 0; i < cli_ncommands; i++)
		print_command_line(f, &cli_commands[i]);
	print_global_help(f);
	fprintf(f, "%s", _("\nRun 'kart COMMAND --help' for the options of a command.\n"
			   "Exit codes: 0 ok, 1 other error, 2 usage or bad request, 3 not logged in or\n"
			   "denied, 4 not found, 5 conflict, 6 cannot connect.\n"));
}

static void print_group_help(FILE *f, const char *const *words, size_t nwords)
{
	char group[64];

	join_words(words, nwords, group, sizeof(group));
	fprintf(f, _("usage: kart %s SUBCOMMAND [ARGS] [OPTIONS]\n\nSubcommands:\n"), group);
	for (size_t i = 0; i < cli_ncommands; i++)
		if (match_name(cli_commands[i].name, words, nwords) == NAME_PREFIX)
			print_command_line(f, &cli_commands[i]);
	fprintf(f, _("\nRun 'kart %s SUBCOMMAND --help' for its options.\n"), group);
}

/* Commands that take a filter: an option --where, or segment save's EXPR. */
static bool takes_filter(const struct cmd_def *cmd)
{
	if (strcmp(cmd->name, "segment save") == 0)
		return true;
	for (const struct opt_spec *o = cmd->opts; o->name; o++)
		if (strcmp(o->name, "where") == 0)
			return true;
	return false;
}

static void print_filter_time_help(FILE *f)
{
	fprintf(f, "%s", _("\nDates and times in a filter (created_at, updated_at, last_touch; birthday and\n"
		"custom dates take the date forms only):\n"
		"  2026-12-05T23:59:00Z, 2026-12-05T23:59:00+03:00   RFC 3339, with a zone\n"
		"  2026-12-05, 05.12.2026, 05.12 [HH:MM[:SS]]        a date, or a time on it\n"
		"  10:00                                             today at that time\n"
		"  today tomorrow yesterday сегодня завтра вчера [HH:MM]\n"
		"  monday mon ... пн понедельник ... [HH:MM]         the next one, today included\n"
		"  -30d +1w 3m 1y                                    days, weeks, months of 30 days,\n"
		"                                                    years, from today\n"
		"  1733000000                                        unix seconds\n"
		"A value with a time of day, a zone or in unix seconds compares as an instant, to\n"
		"the second; a date alone compares with the day in your zone (TZ). Quote a value\n"
		"with a space: \"created_at < 'завтра 10:00'\".\n"));
}

/* Prints s (UTF-8) with its first letter capitalized, then ".\n". */
static void put_sentence(FILE *f, const char *s)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &c);

	if (len > 0) {
		utf8proc_uint8_t up[4];
		utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_toupper(c), up);
		fwrite(up, 1, (size_t)n, f);
		s += len;
	}
	fprintf(f, "%s.\n", s);
}

static void print_command_help(FILE *f, const struct cmd_def *cmd)
{
	bool has_opts = cmd->opts[0].name != NULL;

	fprintf(f, _("usage: kart %s%s%s%s\n\n"), cmd->name, *cmd->synopsis ? " " : "",
		cmd->synopsis, has_opts ? _(" [OPTIONS]") : "");
	put_sentence(f, _(cmd->summary));
	if (has_opts) {
		fprintf(f, "%s", _("\nOptions:\n"));
		for (const struct opt_spec *o = cmd->opts; o->name; o++)
			print_option_help(f, o);
	}
	if (takes_filter(cmd))
		print_filter_time_help(f);
	print_global_help(f);
}

int cmd_help(struct cli *cli, const struct cmd_args *a)
{
	const struct cmd_def *cmd;
	bool is_prefix;

	if (a->npos == 0) {
		print_main_help(stdout);
		return 0;
	}
	cmd = find_command(a->pos, a->npos, &is_prefix);
	if (cmd) {
		print_command_help(stdout, cmd);
		return 0;
	}
	if (is_prefix) {
		print_group_help(stdout, a->pos, a->npos);
		return 0;
	}
	char name[64];
	join_words(a->pos, a->npos, name, sizeof(name));
	return out_error(KC_ERR_USAGE, "unknown command '%s' (see: kart help)", name);
}

/* ---- option access ---- */

const char *args_value(const struct cmd_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].spec->name, name) == 0)
			return a->opts[i].value;
	return NULL;
}

bool args_flag(const struct cmd_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].spec->name, name) == 0)
			return true;
	return false;
}

static int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_id(const char *text, const char *what, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(text, &v) < 0 || v == 0)
		return out_error(KC_ERR_USAGE, "bad %s '%s': expected a positive integer", what, text);
	*out = v;
	return 0;
}

int parse_count(const char *text, const char *what, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(text, &v) < 0)
		return out_error(KC_ERR_USAGE, "bad %s '%s': expected a non-negative integer", what, text);
	if (v > max)
		return out_error(KC_ERR_USAGE, "bad %s '%s': at most %llu", what, text, (unsigned long long)max);
	*out = v;
	return 0;
}

/* ---- the parser ---- */

/* A word starting with '-' is an option, except "-" itself and negative
 * numbers, which are left to the argument checks to reject with a clear
 * message. */
static bool looks_like_option(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	if (arg[1] >= '0' && arg[1] <= '9')
		return false;
	return true;
}

static const struct opt_spec *find_option(const struct opt_spec *table, const char *name, size_t len, char short_name)
{
	if (!table)
		return NULL;
	for (const struct opt_spec *o = table; o->name; o++) {
		if (short_name ? o->short_name == short_name :
		    strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

/* The option name nearest to a mistyped one (typed: after "--", up to any
 * "="), among the command's and the global ones; NULL if none is near. */
static const char *nearest_option(const struct cmd_def *cmd, const char *typed)
{
	const char *names[96];
	char word[64];
	size_t n = 0, len = strcspn(typed, "=");

	if (len >= sizeof(word))
		return NULL;
	memcpy(word, typed, len);
	word[len] = '\0';
	for (const struct opt_spec *o = cmd ? cmd->opts : NULL; o && o->name && n < 64; o++)
		names[n++] = o->name;
	for (const struct opt_spec *o = cli_global_opts; o->name && n < 96; o++)
		names[n++] = o->name;
	return text_nearest(word, names, n);
}

/* Consumes the option at argv[*i] (and its value), looking in the command's
 * table (NULL before the command is known) and then the global one. */
static int take_option(int argc, char **argv, int *i, const struct cmd_def *cmd, struct cmd_args *a)
{
	const char *arg = argv[*i];
	const struct opt_spec *spec;
	const char *value = NULL;
	bool inline_value = false;

	if (arg[1] == '-') {
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		spec = find_option(cmd ? cmd->opts : NULL, name, len, 0);
		if (!spec)
			spec = find_option(cli_global_opts, name, len, 0);
		if (eq) {
			value = eq + 1;
			inline_value = true;
		}
	} else {
		spec = find_option(cmd ? cmd->opts : NULL, NULL, 0, arg[1]);
		if (!spec)
			spec = find_option(cli_global_opts, NULL, 0, arg[1]);
		if (arg[2] != '\0') {
			value = arg + 2;
			inline_value = true;
		}
	}
	if (!spec) {
		const char *near = arg[1] == '-' ? nearest_option(cmd, arg + 2) : NULL;
		if (near && cmd)
			return out_error(KC_ERR_USAGE, "unknown option '%s' for '%s'; did you mean \"--%s\"?",
					 arg, cmd->name, near);
		if (near)
			return out_error(KC_ERR_USAGE, "unknown option '%s'; did you mean \"--%s\"?", arg, near);
		if (cmd)
			return out_error(KC_ERR_USAGE, "unknown option '%s' for '%s' (see: kart %s --help)",
					 arg, cmd->name, cmd->name);
		return out_error(KC_ERR_USAGE, "unknown option '%s' (see: kart help)", arg);
	}
	(*i)++;
	if (spec->kind == OPT_FLAG) {
		if (inline_value)
			return out_error(KC_ERR_USAGE, "option --%s takes no value", spec->name);
	} else if (!inline_value) {
		if (*i >= argc)
			return out_error(KC_ERR_USAGE, "option --%s needs a value (%s)", spec->name, spec->metavar);
		value = argv[(*i)++];
	}
	if (spec->kind == OPT_VALUE)
		for (size_t k = 0; k < a->nopts; k++)
			if (a->opts[k].spec == spec)
				return out_error(KC_ERR_USAGE, "option --%s given more than once", spec->name);
	a->opts[a->nopts].spec = spec;
	a->opts[a->nopts].value = value;
	a->nopts++;
	return 0;
}

static size_t count_words(const char *name)
{
	size_t n = 1;
	for (; *name; name++)
		n += *name == ' ';
	return n;
}

/* An unknown command: the nearest command name, compared with as many words
 * as it has (the words typed so far, then the next words that are not
 * options: "crad ls" for "card ls"); a plain error when none is near. */
static int unknown_command(int argc, char **argv, int i, const char *const *words, size_t nwords)
{
	const char *best = NULL;
	char best_typed[256] = "", typed[256];
	size_t best_d = SIZE_MAX;

	for (size_t k = nwords; k <= MAX_COMMAND_WORDS; k++) {
		const char *w[MAX_COMMAND_WORDS];
		size_t nw = 0;
		for (; nw < nwords; nw++)
			w[nw] = words[nw];
		for (int j = i; nw < k && j < argc && !looks_like_option(argv[j]); j++)
			w[nw++] = argv[j];
		if (nw < k)
			break;
		join_words(w, nw, typed, sizeof(typed));
		for (size_t c = 0; c < cli_ncommands; c++) {
			if (count_words(cli_commands[c].name) != k)
				continue;
			const char *name = cli_commands[c].name;
			if (!text_nearest(typed, &name, 1))
				continue;
			size_t d = text_distance(typed, name);
			if (d < best_d) {
				best = name;
				best_d = d;
				snprintf(best_typed, sizeof(best_typed), "%s", typed);
			}
		}
	}
	if (best)
		return out_error(KC_ERR_USAGE, "unknown command \"%s\"; did you mean \"%s\"?", best_typed, best);
	join_words(words, nwords, typed, sizeof(typed));
	return out_error(KC_ERR_USAGE, "unknown command '%s' (see: kart help)", typed);
}

/* Takes argv[*i] when it is "--" (the options end there) or an option, the
 * command's (cmd NULL: not known yet) or a global one: true, with *rc the
 * exit code of taking it. False for a word (every word after "--"). */
static bool take_dashes_or_option(int argc, char **argv, int *i, const struct cmd_def *cmd,
				  struct cmd_args *a, bool *after_dashes, int *rc)
{
	*rc = 0;
	if (*after_dashes)
		return false;
	if (strcmp(argv[*i], "--") == 0) {
		*after_dashes = true;
		(*i)++;
		return true;
	}
	if (!looks_like_option(argv[*i]))
		return false;
	*rc = take_option(argc, argv, i, cmd, a);
	return true;
}

/* Finds the command among the leading words (global options may come first),
 * then takes its positional arguments and options. *cmd is NULL when only
 * help was asked for; words/nwords hold what named the command or group. */
static int parse_command_line(int argc, char **argv, struct cmd_args *a, const struct cmd_def **cmd_out,
			      const char **words, size_t *nwords)
{
	const struct cmd_def *cmd = NULL;
	bool after_dashes = false, is_prefix = false;
	int i = 1, rc;

	*nwords = 0;
	while (i < argc && !cmd) {
		if (take_dashes_or_option(argc, argv, &i, NULL, a, &after_dashes, &rc)) {
			if (rc)
				return rc;
			continue;
		}
		words[(*nwords)++] = argv[i];
		i++;
		cmd = find_command(words, *nwords, &is_prefix);
		/* "remind done 5" against "remind 5": the longer name wins when
		 * the very next word completes it */
		while (cmd && is_prefix && i < argc && *nwords < MAX_COMMAND_WORDS) {
			bool longer_is_prefix;
			words[*nwords] = argv[i];
			const struct cmd_def *longer = find_command(words, *nwords + 1, &longer_is_prefix);
			if (!longer)
				break;
			cmd = longer;
			is_prefix = longer_is_prefix;
			(*nwords)++;
			i++;
		}
		if (!cmd && !is_prefix)
			return unknown_command(argc, argv, i, words, *nwords);
		if (!cmd && *nwords == MAX_COMMAND_WORDS)
			return out_error(KC_ERR_USAGE, "unknown command (see: kart help)");
	}
	*cmd_out = cmd;
	if (!cmd) {
		if (args_flag(a, "help") || (*nwords == 0 && args_flag(a, "version")))
			return 0;
		if (*nwords == 0)
			return out_error(KC_ERR_USAGE, "missing command (see: kart help)");
		char group[64];
		join_words(words, *nwords, group, sizeof(group));
		return out_error(KC_ERR_USAGE, "'%s' needs a subcommand (see: kart help %s)", group, group);
	}
	while (i < argc) {
		if (take_dashes_or_option(argc, argv, &i, cmd, a, &after_dashes, &rc)) {
			if (rc)
				return rc;
			continue;
		}
		a->pos[a->npos++] = argv[i];
		i++;
	}
	if (args_flag(a, "help"))
		return 0;
	if (a->npos < cmd->min_pos)
		return out_error(KC_ERR_USAGE, "'%s' needs %s (see: kart %s --help)",
				 cmd->name, cmd->synopsis, cmd->name);
	if (a->npos > cmd->max_pos)
		return out_error(KC_ERR_USAGE, "unexpected argument '%s' for '%s'",
				 a->pos[cmd->max_pos], cmd->name);
	return 0;
}

/* ---- global settings ---- */

static const char *flag_or_env(const struct cmd_args *a, const char *option, const char *env)
{
	const char *v = args_value(a, option);
	if (v)
		return v;
	v = getenv(env);
	return v && *v ? v : NULL;
}

const char *cli_config(const struct cli *cli, const char *key)
{
	for (size_t i = cli->nconfig; i-- > 0;)
		if (strcmp(cli->config[i].key, key) == 0)
			return cli->config[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Reads $KART_HOME/config when there is one. */
static int read_config(struct cli *cli)
{
	char path[PATH_MAX + 8];
	FILE *f;
	long size;
	size_t line_no = 0;

	snprintf(path, sizeof(path), "%s/config", cli->home);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : out_error(KC_ERR_OTHER, "cannot read %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > 65536 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return out_error(KC_ERR_OTHER, "cannot read %s: not a small text file", path);
	}
	cli->config_text = calloc((size_t)size + 1, 1);
	if (!cli->config_text || fread(cli->config_text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return out_error(KC_ERR_OTHER, "cannot read %s", path);
	}
	fclose(f);
	for (char *line = cli->config_text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line_no++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			return out_error(KC_ERR_USAGE, "%s line %zu: expected key = value", path, line_no);
		*eq = '\0';
		char *key = trim(line), *value = trim(eq + 1);
		if (!*key)
			return out_error(KC_ERR_USAGE, "%s line %zu: no key before '='", path, line_no);
		if (cli->nconfig == sizeof(cli->config) / sizeof(cli->config[0]))
			return out_error(KC_ERR_USAGE, "%s: more than %zu settings", path, cli->nconfig);
		cli->config[cli->nconfig].key = key;
		cli->config[cli->nconfig].value = value;
		cli->nconfig++;
	}
	return 0;
}

static int resolve_settings(const struct cmd_args *a, struct cli *cli)
{
	const char *home = flag_or_env(a, "home", "KART_HOME");
	int len;

	cli->json = args_flag(a, "json");
	cli->trust = args_flag(a, "trust");
	cli->server = flag_or_env(a, "server", "KART_SERVER");
	cli->ca = flag_or_env(a, "ca", "KART_CA");
	cli->cert = flag_or_env(a, "cert", "KART_CERT");
	cli->key = flag_or_env(a, "key", "KART_KEY");
	if (cli->key && !cli->cert)
		return out_error(KC_ERR_USAGE, "--key needs --cert (or KART_CERT)");
	if (home) {
		len = snprintf(cli->home, sizeof(cli->home), "%s", home);
	} else {
		const char *user_home = getenv("HOME");
		if (!user_home || !*user_home) {
			struct passwd *pw = getpwuid(getuid());
			user_home = pw ? pw->pw_dir : NULL;
		}
		if (!user_home)
			return out_error(KC_ERR_OTHER, "cannot find the home directory: set KART_HOME or --home");
		len = snprintf(cli->home, sizeof(cli->home), "%s/.config/kart", user_home);
	}
	if (len < 0 || (size_t)len >= sizeof(cli->home))
		return out_error(KC_ERR_USAGE, "home directory path too long");
	return read_config(cli);
}

bool cli_stdout_closed;

/* A descriptor 0-2 that was closed is opened on /dev/null before anything
 * else, so the connection's socket can never become "standard output" and
 * receive what was meant for it. */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			cli_stdout_closed = true;
		int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

int main(int argc, char **argv)
{
	struct cmd_args args = { 0 };
	struct cli cli = { 0 };
	const struct cmd_def *cmd = NULL;
	const char *words[MAX_COMMAND_WORDS];
	size_t nwords = 0;
	int rc;

	hold_std_fds();
	i18n_init();
	args.pos = calloc((size_t)argc + 1, sizeof(*args.pos));
	args.opts = calloc((size_t)argc + 1, sizeof(*args.opts));
	if (!args.pos || !args.opts) {
		rc = out_no_memory();
		goto cleanup;
	}
	/* errors are JSON from the first one on when --json is anywhere */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			out_set_json(true);
	rc = parse_command_line(argc, argv, &args, &cmd, words, &nwords);
	if (rc)
		goto cleanup;
	if (args_flag(&args, "version") && !args_flag(&args, "help")) {
		puts(KART_CLIENT_NAME);
		goto flush;
	}
	if (args_flag(&args, "help")) {
		if (cmd && cmd->run == cmd_help)
			rc = cmd_help(&cli, &args);
		else if (cmd)
			print_command_help(stdout, cmd);
		else if (nwords)
			print_group_help(stdout, words, nwords);
		else
			print_main_help(stdout);
		goto flush;
	}
	rc = resolve_settings(&args, &cli);
	if (rc)
		goto cleanup;
	rc = cmd->run(&cli, &args);
flush:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int saved = errno;
		if (rc == 0)
			rc = out_error(KC_ERR_OTHER, "cannot write output: %s", strerror(saved));
	}
cleanup:
	free(args.pos);
	free(args.opts);
	free(cli.config_text);
	return rc;
}
