/* i18n: the messages of kart and kart-tui in the user's language through GNU
 * gettext (domain "kartoteka"). _() translates, N_() only marks a string for
 * xgettext (tables such as kart's commands and kart-tui's keys are translated
 * where printed),
 * P_() picks the plural form for n. With ENABLE_NLS off all three give the
 * English text back. Nothing translated may reach --json output. */
#ifndef KART_I18N_H
#define KART_I18N_H

#define KART_TEXT_DOMAIN "kartoteka"

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(one, many, n) ngettext(one, many, n)
#else
#define _(s) ((const char *)(s))
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif
#define N_(s) s

/* Sets the locale from the environment and binds the message catalogs:
 * <dir of the binary>/locale when there is a catalog there (the build tree),
 * else the install prefix's share/locale. A no-op without ENABLE_NLS. */
void i18n_init(void);

#endif
