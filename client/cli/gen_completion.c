/* gen_completion: kart's bash and zsh completion, part of kart-gendocs
 * (gen_docs.c). Both are shell functions over case tables written from
 * commands.c: the words that may follow each path of command words, each
 * command's options (the global ones apart), the options that take a value
 * (a FILE and a DIR complete as such), the commands whose arguments are
 * files. The functions find the command words typed before the cursor (the
 * words that are neither options nor option values) and offer from the
 * tables. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen_docs.h"

/* The number of words of a command name, and whether its first k words are
 * the words of path (k words, space-separated). */
static size_t nwords(const char *name)
{
	size_t n = 1;
	for (const char *p = name; *p; p++)
		n += *p == ' ';
	return n;
}

static bool has_prefix(const char *name, const char *path, size_t k)
{
	if (k == 0)
		return true;
	size_t n = strlen(path);
	return nwords(name) > k && strncmp(name, path, n) == 0 && name[n] == ' ';
}

/* The k-th word (from 0) of name, into buf. */
static const char *word_at(const char *name, size_t k, char *buf, size_t n)
{
	const char *p = name;
	for (size_t i = 0; i < k; i++)
		p = strchr(p, ' ') + 1;
	size_t len = strcspn(p, " ");
	snprintf(buf, n, "%.*s", (int)len, p);
	return buf;
}

/* Whether an earlier command under path already gave its k-th word. */
static bool seen_before(size_t upto, const char *path, size_t k, const char *w)
{
	char buf[64];
	for (size_t i = 0; i < upto; i++)
		if (has_prefix(cli_commands[i].name, path, k) &&
		    strcmp(word_at(cli_commands[i].name, k, buf, sizeof(buf)), w) == 0)
			return true;
	return false;
}

static const struct cmd_def *find_cmd(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

/* A string in shell single quotes. */
static void sq(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		fputs(*s == '\'' ? "'\\''" : (char[]){ *s, 0 }, f);
	fputc('\'', f);
}

/* Every path of command words that has words after it: "" and each group.
 * More than max of them ends the generator: a completion must not miss one. */
static size_t group_paths(char paths[][64], size_t max)
{
	size_t n = 0;
	strcpy(paths[n++], "");
	for (size_t i = 0; i < cli_ncommands; i++) {
		const char *name = cli_commands[i].name;
		for (const char *sp = strchr(name, ' '); sp; sp = strchr(sp + 1, ' ')) {
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = strlen(paths[j]) == (size_t)(sp - name) && strncmp(paths[j], name, (size_t)(sp - name)) == 0;
			if (dup)
				continue;
			if (n == max || sp - name >= 64) {
				fprintf(stderr, "kart-gendocs: too many command groups, or too long a name\n");
				exit(1);
			}
			snprintf(paths[n++], 64, "%.*s", (int)(sp - name), name);
		}
	}
	return n;
}

/* The words that may follow path; zsh: word:description each. */
static void next_words(FILE *f, const char *path, bool described)
{
	size_t k = *path ? nwords(path) : 0;
	char w[64], full[192];
	bool first = true;
	for (size_t i = 0; i < cli_ncommands; i++) {
		const char *name = cli_commands[i].name;
		if (!has_prefix(name, path, k) || seen_before(i, path, k, word_at(name, k, w, sizeof(w))))
			continue;
		if (!described) {
			fprintf(f, "%s%s", first ? "" : " ", w);
			first = false;
			continue;
		}
		if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path, *path ? " " : "", w) >= sizeof(full))
			continue;
		const struct cmd_def *c = find_cmd(full);
		char desc[512];
		if (c) {
			snprintf(desc, sizeof(desc), "%s:%s", w, c->summary);
		} else {
			size_t d = (size_t)snprintf(desc, sizeof(desc), "%s:%s commands:", w, full);
			char w2[64];
			for (size_t j = 0; j < cli_ncommands && d < sizeof(desc); j++)
				if (has_prefix(cli_commands[j].name, full, k + 1) &&
				    !seen_before(j, full, k + 1, word_at(cli_commands[j].name, k + 1, w2, sizeof(w2))))
					d += (size_t)snprintf(desc + d, sizeof(desc) - d, " %s", w2);
		}
		fputs(" ", f);
		sq(f, desc);
	}
}

/* The options of table; zsh: --name:description each. */
static void opt_words(FILE *f, const struct opt_spec *o, bool described)
{
	for (; o->name; o++) {
		char buf[700];
		if (o->short_name) {
			snprintf(buf, sizeof(buf), "-%c%s%s", o->short_name, described ? ":" : "", described ? o->help : "");
			fputc(' ', f);
			described ? sq(f, buf) : (void)fputs(buf, f);
		}
		snprintf(buf, sizeof(buf), "--%s%s%s", o->name, described ? ":" : "", described ? o->help : "");
		fputc(' ', f);
		described ? sq(f, buf) : (void)fputs(buf, f);
	}
}

/* The value an option takes: file, dir or value:METAVAR; one case arm per
 * spelling (the same option has one metavar in every table that has it). */
static void optarg_cases(FILE *f, bool zsh)
{
	char seen[256][40];
	size_t nseen = 0;
	for (size_t i = 0; i <= cli_ncommands; i++) {
		const struct opt_spec *o = i < cli_ncommands ? cli_commands[i].opts : cli_global_opts;
		for (; o->name; o++) {
			bool dup = o->kind == OPT_FLAG;
			for (size_t j = 0; j < nseen && !dup; j++)
				dup = strcmp(seen[j], o->name) == 0;
			if (dup)
				continue;
			if (nseen == 256 || strlen(o->name) >= 40) {
				fprintf(stderr, "kart-gendocs: too many options, or too long a name\n");
				exit(1);
			}
			snprintf(seen[nseen++], 40, "%s", o->name);
			const char *mv = o->metavar ? o->metavar : "VALUE";
			const char *kind = strcmp(mv, "FILE") == 0 ? "file" : strcmp(mv, "DIR") == 0 ? "dir" : NULL;
			fprintf(f, "\t%s--%s", zsh ? "(" : "", o->name);
			if (o->short_name)
				fprintf(f, "|-%c", o->short_name);
			fputs(") ", f);
			fputs("REPLY=", f);
			if (kind) {
				fputs(kind, f);
			} else {
				char v[64];
				snprintf(v, sizeof(v), "value:%s", mv);
				sq(f, v);
			}
			fputs(";;\n", f);
		}
	}
}

/* The case arms shared by both shells: next words per path, options per command. */
static void case_arms(FILE *f, bool zsh)
{
	char paths[64][64];
	size_t n = group_paths(paths, 64);
	fputs("_kart_next() {\n\tcase $1 in\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s", zsh ? "(" : "");
		sq(f, paths[i]);
		fputs(zsh ? ") reply=(" : ") REPLY='", f);
		next_words(f, paths[i], zsh);
		fputs(zsh ? " );;\n" : "';;\n", f);
	}
	fprintf(f, "\t%s*) %s;;\n\tesac\n}\n\n", zsh ? "(" : "", zsh ? "reply=()" : "REPLY=");

	fputs("# the options of a command (\"global\": those of every command), into reply (zsh)\n"
	      "# or REPLY (bash); 1 when no command\n", f);
	fputs("_kart_opts() {\n\tcase $1 in\n", f);
	fprintf(f, "\t%sglobal) %s", zsh ? "(" : "", zsh ? "reply=(" : "REPLY='");
	opt_words(f, cli_global_opts, zsh);
	fputs(zsh ? " );;\n" : "';;\n", f);
	for (size_t i = 0; i < cli_ncommands; i++) {
		fprintf(f, "\t%s", zsh ? "(" : "");
		sq(f, cli_commands[i].name);
		fputs(zsh ? ") reply=(" : ") REPLY='", f);
		opt_words(f, cli_commands[i].opts, zsh);
		fputs(zsh ? " );;\n" : "';;\n", f);
	}
	fprintf(f, "\t%s*) return 1;;\n\tesac\n}\n\n", zsh ? "(" : "");

	fputs("# the value an option takes: file, dir or value:WHAT; 1 for a flag\n", f);
	fputs("_kart_optarg() {\n\tcase $1 in\n", f);
	optarg_cases(f, zsh);
	fprintf(f, "\t%s*) return 1;;\n\tesac\n}\n\n", zsh ? "(" : "");

	fputs("# commands whose arguments are files\n_kart_file_args() {\n\tcase $1 in\n\t", f);
	fputs(zsh ? "(" : "", f);
	bool first = true;
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strstr(cli_commands[i].synopsis, "FILE")) {
			fprintf(f, "%s", first ? "" : "|");
			sq(f, cli_commands[i].name);
			first = false;
		}
	fprintf(f, ") return 0;;\n\t%s*) return 1;;\n\tesac\n}\n\n", zsh ? "(" : "");
}

static const char bash_body[] =
	"# The command words typed before the cursor: the words that are not options\n"
	"# or option values, into pos. COMP_LINE is split again on blanks, as\n"
	"# COMP_WORDS splits HOST:PORT and --opt=value apart.\n"
	"_kart() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} line word prev cmd k i REPLY\n"
	"\tlocal -a words pos=()\n"
	"\tif [[ -n ${COMP_LINE-} ]]; then\n"
	"\t\tline=${COMP_LINE:0:COMP_POINT}\n"
	"\t\tread -ra words <<<\"$line\"\n"
	"\t\t[[ -z $line || $line == *[[:blank:]] ]] && words+=('')\n"
	"\telse\n"
	"\t\twords=(\"${COMP_WORDS[@]:0:COMP_CWORD+1}\")\n"
	"\tfi\n"
	"\tword=${words[${#words[@]}-1]}\n"
	"\t[[ $cur == [=:] ]] && cur=\n"
	"\tCOMPREPLY=()\n"
	"\tfor ((i = 1; i < ${#words[@]} - 1; i++)); do\n"
	"\t\tif [[ ${words[i]} == -* ]]; then\n"
	"\t\t\t[[ ${words[i]} != *=* ]] && _kart_optarg \"${words[i]}\" && ((i++))\n"
	"\t\t\tcontinue\n"
	"\t\tfi\n"
	"\t\tpos+=(\"${words[i]}\")\n"
	"\tdone\n"
	"\tprev=\n"
	"\t((${#words[@]} > 2)) && prev=${words[${#words[@]}-2]}\n"
	"\tif [[ $word == --*=* ]]; then\n"
	"\t\tprev=${word%%=*}\n"
	"\telif [[ $word == -* ]]; then\n"
	"\t\tprev=\n"
	"\tfi\n"
	"\tif [[ $prev == -* && $prev != *=* ]] && _kart_optarg \"$prev\"; then\n"
	"\t\tcase $REPLY in\n"
	"\t\tfile) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n"
	"\t\tdir) mapfile -t COMPREPLY < <(compgen -d -- \"$cur\") ;;\n"
	"\t\tesac\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tif [[ $word == -* ]]; then\n"
	"\t\tcmd=\n"
	"\t\tfor ((k = ${#pos[@]}; k > 0; k--)); do\n"
	"\t\t\t_kart_opts \"${pos[*]:0:k}\" && cmd=$REPLY && break\n"
	"\t\tdone\n"
	"\t\t_kart_opts global\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -W \"$cmd $REPLY\" -- \"$cur\")\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\t[[ ${pos[0]-} == help ]] && pos=(\"${pos[@]:1}\")\n"
	"\t_kart_next \"${pos[*]}\"\n"
	"\tmapfile -t COMPREPLY < <(compgen -W \"$REPLY\" -- \"$cur\")\n"
	"\tfor ((k = ${#pos[@]}; k > 0; k--)); do\n"
	"\t\tif _kart_file_args \"${pos[*]:0:k}\"; then\n"
	"\t\t\tmapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -f -- \"$cur\")\n"
	"\t\t\tbreak\n"
	"\t\tfi\n"
	"\tdone\n"
	"\treturn 0\n"
	"}\n"
	"complete -F _kart kart\n";

static const char zsh_body[] =
	"_kart() {\n"
	"\tlocal -a pos reply kart_opts kart_words\n"
	"\tlocal i w k REPLY\n"
	"\tfor (( i = 2; i < CURRENT; i++ )); do\n"
	"\t\tw=$words[i]\n"
	"\t\tif [[ $w == -* ]]; then\n"
	"\t\t\t[[ $w != *=* ]] && _kart_optarg $w && (( i++ ))\n"
	"\t\t\tcontinue\n"
	"\t\tfi\n"
	"\t\tpos+=($w)\n"
	"\tdone\n"
	"\tw=\n"
	"\t(( CURRENT > 2 )) && w=$words[CURRENT-1]\n"
	"\tif [[ $w == -* && $w != *=* ]] && _kart_optarg $w; then\n"
	"\t\tcase $REPLY in\n"
	"\t\t(file) _files ;;\n"
	"\t\t(dir) _files -/ ;;\n"
	"\t\t(*) _message -e values ${REPLY#value:} ;;\n"
	"\t\tesac\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tif [[ $PREFIX == -* ]]; then\n"
	"\t\tfor (( k = $#pos; k > 0; k-- )); do\n"
	"\t\t\t_kart_opts \"${(j: :)pos[1,k]}\" && break\n"
	"\t\tdone\n"
	"\t\t(( k > 0 )) && kart_opts=($reply)\n"
	"\t\t_kart_opts global\n"
	"\t\tkart_opts+=($reply)\n"
	"\t\t_describe -t options option kart_opts\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t[[ $pos[1] == help ]] && shift pos\n"
	"\t_kart_next \"${(j: :)pos}\"\n"
	"\tkart_words=($reply)\n"
	"\t(( $#kart_words )) && _describe -t commands command kart_words\n"
	"\tfor (( k = $#pos; k > 0; k-- )); do\n"
	"\t\tif _kart_file_args \"${(j: :)pos[1,k]}\"; then\n"
	"\t\t\t_files\n"
	"\t\t\tbreak\n"
	"\t\tfi\n"
	"\tdone\n"
	"}\n\n"
	"_kart \"$@\"\n";

int gen_completion(const char *out, bool zsh, const char *version)
{
	FILE *f = fopen(out, "w");
	if (!f)
		return -1;
	fprintf(f, "%s# %s completion for kart %s, generated from kart's command and option tables\n"
		"# (client/cli/commands.c) by kart-gendocs at build time: not to be edited.\n\n"
		"# the words that may follow the command words $1, into reply (zsh) or REPLY (bash)\n",
		zsh ? "#compdef kart\n" : "", zsh ? "zsh" : "bash", version);
	case_arms(f, zsh);
	fputs(zsh ? zsh_body : bash_body, f);
	return fclose(f);
}

