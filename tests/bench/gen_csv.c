/* kart-gencsv: writes generated cards as a CSV file the way a Russian
 * spreadsheet export looks, for the import benchmark and tests.
 *
 *   kart-gencsv N [--seed S] [--first F] [--owners a,b,...] [--custom NAME]
 *
 * Thirteen columns, ';'-separated (Excel's separator in a Russian locale),
 * UTF-8 without a BOM, CRLF: Фамилия;Имя;Отчество;Компания;Город;Пол;
 * Дата рождения (DD.MM.YYYY);Телефон;E-mail;Теги (quoted, ", " between);
 * Сектор;Ответственный (the owners in turn; empty without --owners);
 * and a number column, named by --custom (default "Компьютеров").
 * The cards are gen.c's: card i of seed S, from index F on, so a load by
 * kart-bench --load and this file hold the same people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static int usage(void)
{
	fprintf(stderr, "usage: kart-gencsv N [--seed S] [--first F] [--owners a,b,...] [--custom NAME]\n");
	return 2;
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = 0, seed = 1, first = 0;
	const char *owners_arg = NULL, *custom = "Компьютеров";
	if (argc < 2 || number(argv[1], &n) < 0)
		return usage();
	for (int i = 2; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		if (strcmp(argv[i], "--seed") == 0 && number(v, &seed) == 0)
			continue;
		if (strcmp(argv[i], "--first") == 0 && number(v, &first) == 0)
			continue;
		if (strcmp(argv[i], "--owners") == 0) {
			owners_arg = v;
			continue;
		}
		if (strcmp(argv[i], "--custom") == 0) {
			custom = v;
			continue;
		}
		return usage();
	}
	char *owners[64];
	size_t nowners = 0;
	char *copy = owners_arg ? strdup(owners_arg) : NULL;
	for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t && nowners < 64;
	     t = strtok_r(NULL, ",", &save))
		owners[nowners++] = t;
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	printf("Фамилия;Имя;Отчество;Компания;Город;Пол;Дата рождения;Телефон;E-mail;Теги;Сектор;Ответственный;%s\r\n",
	       custom);
	struct gen_card c;
	struct gen_custom cu;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t idx = first + k;
		gen_card(seed, idx, &c);
		gen_custom(seed, idx, 1, &cu);
		/* company names hold quotes (ООО "Ромашка"): doubled inside a quoted field */
		printf("%s;%s;%s;\"", c.last_name, c.first_name, c.middle_name);
		for (const char *p = c.company; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		printf("\";%s;%s;%.2s.%.2s.%.4s;%s;%s;\"", c.city, strcmp(c.gender, "f") == 0 ? "ж" : "м", c.birthday + 8,
		       c.birthday + 5, c.birthday, c.phone, c.email);
		for (int t = 0; t < c.ntags; t++)
			printf("%s%s", t ? ", " : "", c.tags[t]);
		printf("\";%s;%s;%s\r\n", c.sector, nowners ? owners[idx % nowners] : "", cu.value[0]);
	}
	free(copy);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("kart-gencsv");
		return 1;
	}
	return 0;
}
