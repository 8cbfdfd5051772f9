/* i18n: where kart finds its message catalogs (see i18n.h). */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#ifdef ENABLE_NLS
/* <dir of /proc/self/exe>/locale when that directory exists: 0, else -1. */
static int locale_beside_binary(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (len <= 0)
		return -1;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(out, n, "%s/locale", exe) >= n)
		return -1;
	return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}
#endif

void i18n_init(void)
{
#ifdef ENABLE_NLS
	char dir[PATH_MAX];

	setlocale(LC_ALL, "");
	/* numbers are read and printed the same in every language */
	setlocale(LC_NUMERIC, "C");
	if (locale_beside_binary(dir, sizeof(dir)) < 0)
		snprintf(dir, sizeof(dir), "%s", KART_LOCALE_DIR);
	bindtextdomain(KART_TEXT_DOMAIN, dir);
	bind_textdomain_codeset(KART_TEXT_DOMAIN, "UTF-8");
	textdomain(KART_TEXT_DOMAIN);
#endif
}
