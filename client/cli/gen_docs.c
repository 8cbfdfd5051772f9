/* gen_docs: the build-time generator of kart(1), kartd.conf(5) and kart's bash
 * and zsh completions, from the tables the programs themselves parse with —
 * the command and option tables of commands.c and kartd's config keys (through
 * config_render of the defaults) — so none of them can drift from the code.
 * Not installed; linked with kart's own objects (cmake/docs.cmake). The
 * completions are written by gen_completion.c.
 *
 *   kart-gendocs TEMPLATE_DIR OUT_DIR VERSION
 *
 * reads TEMPLATE_DIR/kart.1.in, kartd.conf.5.in, kartd.8.in and kart-tui.1.in,
 * replaces @VERSION@ and the lines that name a table (@COMMANDS@ ...) and
 * writes OUT_DIR/kart.1, kartd.conf.5, kartd.8, kart-tui.1, kart.bash and
 * _kart. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "gen_docs.h"

static const char *version;

/* ---- roff ---- */

/* Text for a roff line: backslashes escaped, a dash that starts a word (or
 * follows a dash) as \-, anything beyond ASCII as \[uXXXX], and \& before a
 * leading . or ' so no text is read as a request. */
static void roff(FILE *f, const char *s, bool line_start)
{
	const unsigned char *p = (const unsigned char *)s;
	if (line_start && (*p == '.' || *p == '\''))
		fputs("\\&", f);
	for (const unsigned char *q = p; *q; q++) {
		if (*q == '\\') {
			fputs("\\e", f);
		} else if (*q == '-') {
			bool word_start = q == p || q[-1] == ' ' || q[-1] == '-' || q[-1] == '[' || q[-1] == '(' ||
					  q[-1] == '|' || q[-1] == '`' || q[-1] == '\'';
			fputs(word_start ? "\\-" : "-", f);
		} else if (*q < 0x80) {
			fputc(*q, f);
		} else {
			uint32_t cp = 0;
			int more = *q >= 0xf0 ? 3 : *q >= 0xe0 ? 2 : 1;
			cp = *q & (0x3f >> more);
			for (int i = 0; i < more && (q[1] & 0xc0) == 0x80; i++)
				cp = cp << 6 | (*++q & 0x3f);
			fprintf(f, "\\[u%04X]", (unsigned)cp);
		}
	}
}

/* An option as a .TP tag and its help: "-o, --output FILE". */
static void man_option(FILE *f, const struct opt_spec *o)
{
	fputs(".TP\n", f);
	if (o->short_name)
		fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", f);
	roff(f, o->name, false);
	fputs("\\fR", f);
	if (o->kind != OPT_FLAG && o->metavar) {
		fputs(" \\fI", f);
		roff(f, o->metavar, false);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff(f, o->help, true);
	fputs(o->kind == OPT_LIST ? " (repeatable)\n" : "\n", f);
}

static void man_global_options(FILE *f)
{
	for (const struct opt_spec *o = cli_global_opts; o->name; o++)
		man_option(f, o);
}

static void man_commands(FILE *f)
{
	for (size_t i = 0; i < cli_ncommands; i++) {
		const struct cmd_def *c = &cli_commands[i];
		fputs(".TP\n\\fBkart ", f);
		roff(f, c->name, false);
		fputs("\\fR", f);
		if (*c->synopsis) {
			fputc(' ', f);
			roff(f, c->synopsis, false);
		}
		fputc('\n', f);
		roff(f, c->summary, true);
		fputc('\n', f);
		if (c->opts[0].name) {
			fputs(".RS\n.PD 0\n", f);
			for (const struct opt_spec *o = c->opts; o->name; o++)
				man_option(f, o);
			fputs(".PD\n.RE\n", f);
		}
	}
}

/* kartd.conf(5): the keys config_render writes for the defaults, each after
 * its "# help" line, as "key = value". */
static int man_config(FILE *f)
{
	struct kart_config c;
	config_defaults(&c);
	char *text = config_render(&c);
	if (!text)
		return -1;
	const char *help = NULL, *note = NULL;
	size_t nkeys = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#') {
			const char *t = line[1] == ' ' ? line + 2 : line + 1;
			if (help && t[0] == '(') /* "(read at start only: ...)", after the help */
				note = t;
			else
				help = t, note = NULL;
			continue;
		}
		char *eq = strstr(line, " = ");
		if (!eq || !help)
			continue;
		*eq = '\0';
		const char *value = eq + 3;
		fputs(".TP\n\\fB", f);
		roff(f, line, false);
		fputs("\\fR\n", f);
		roff(f, help, true);
		fputs(*help && help[strlen(help) - 1] == '.' ? "\n" : ".\n", f);
		if (note) {
			fputs(".br\n", f);
			roff(f, note, true);
			fputs("\n", f);
		}
		fputs(".br\nDefault: ", f);
		if (strcmp(value, "\"\"") == 0) {
			fputs("empty", f);
		} else {
			char *v = strdup(value[0] == '"' ? value + 1 : value);
			if (!v)
				break;
			if (value[0] == '"')
				v[strlen(v) - 1] = '\0';
			fputs("\\fB", f);
			roff(f, v, false);
			fputs("\\fR", f);
			free(v);
		}
		fputs(".\n", f);
		help = note = NULL;
		nkeys++;
	}
	free(text);
	return nkeys ? 0 : -1;
}

/* Copies the template to out, with @VERSION@ replaced and a line that is just
 * "@NAME@" replaced by what gen writes for NAME. */
static int from_template(const char *tpl, const char *out,
			 const char *const names[], void (*const gens[])(FILE *), size_t ngen)
{
	FILE *in = fopen(tpl, "r"), *f = fopen(out, "w");
	char line[4096];
	int rc = in && f ? 0 : -1;
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		bool done = false;
		for (size_t i = 0; i < ngen && !done; i++) {
			size_t n = strlen(names[i]);
			if (strncmp(line, names[i], n) == 0 && line[n] == '\n') {
				gens[i](f);
				done = true;
			}
		}
		if (done)
			continue;
		for (char *p = line, *at; *p; p = at + 9) {
			at = strstr(p, "@VERSION@");
			if (!at) {
				fputs(p, f);
				break;
			}
			fprintf(f, "%.*s%s", (int)(at - p), p, version);
		}
	}
	if (in)
		fclose(in);
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "kart-gendocs: cannot make %s from %s\n", out, tpl);
	return rc;
}

static int config_failed;
static void man_config_gen(FILE *f)
{
	if (man_config(f) != 0)
		config_failed = 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: kart-gendocs TEMPLATE_DIR OUT_DIR VERSION\n");
		return 2;
	}
	version = argv[3];
	char in[4096], out[4096];
	static const char *const kart_names[] = { "@GLOBAL_OPTIONS@", "@COMMANDS@" };
	static void (*const kart_gens[])(FILE *) = { man_global_options, man_commands };
	static const char *const conf_names[] = { "@OPTIONS@" };
	static void (*const conf_gens[])(FILE *) = { man_config_gen };
	int rc = 0;

	snprintf(in, sizeof(in), "%s/kart.1.in", argv[1]);
	snprintf(out, sizeof(out), "%s/kart.1", argv[2]);
	rc |= from_template(in, out, kart_names, kart_gens, 2);
	snprintf(in, sizeof(in), "%s/kartd.conf.5.in", argv[1]);
	snprintf(out, sizeof(out), "%s/kartd.conf.5", argv[2]);
	rc |= from_template(in, out, conf_names, conf_gens, 1) | config_failed;
	static const char *const plain[] = { "kartd.8", "kart-tui.1" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		snprintf(in, sizeof(in), "%s/%s.in", argv[1], plain[i]);
		snprintf(out, sizeof(out), "%s/%s", argv[2], plain[i]);
		rc |= from_template(in, out, NULL, NULL, 0);
	}
	snprintf(out, sizeof(out), "%s/kart.bash", argv[2]);
	rc |= gen_completion(out, false, version);
	snprintf(out, sizeof(out), "%s/_kart", argv[2]);
	rc |= gen_completion(out, true, version);
	if (rc)
		fprintf(stderr, "kart-gendocs: failed\n");
	return rc ? 1 : 0;
}
