/* fmt: times, dates and money as people read them, in the conventions of the
 * user's locale (LC_TIME for dates, LC_MONETARY for money), for what kart and
 * kart-tui show. Never for --json, which keeps RFC 3339 and decimal text in
 * every locale.
 *
 *   locale        time               date         money
 *   ru_RU.UTF-8   05.12.2026 14:30   05.12.2026   125 000,50 ₽
 *   C, C.UTF-8    2026-12-05 14:30   2026-12-05   125,000.50 RUB
 *
 * A date is written by the locale's D_FMT (nl_langinfo), a two-digit year
 * widened to four; the time of day is 24-hour in every locale. The C and
 * POSIX locales (C.UTF-8 too) have no conventions of their own to give, so
 * they get ISO 8601 dates and English money. Money follows localeconv(): its
 * thousands separator (U+202F, the narrow no-break space, in ru_RU: a line
 * never breaks inside an amount), decimal mark and grouping; the locale's own
 * symbol (₽) when the amount is in the locale's currency, else the ISO code
 * after the amount.
 *
 * fmt_time and fmt_money write into the caller's buf (n bytes), truncating
 * when it is short, and return buf. */
#ifndef KART_FMT_H
#define KART_FMT_H

#include <stddef.h>
#include <stdint.h>

enum fmt_time_flags {
	FMT_SECONDS = 1 << 0, /* 14:30:05 */
	FMT_ZONE = 1 << 1,    /* then the zone's abbreviation: "14:30 MSK" */
};

/* Unix seconds as a local date and time (TZ) to the minute; "" for 0 ("never"). */
const char *fmt_time(int64_t secs, unsigned flags, char *buf, size_t n);

/* A calendar date as the server sends it, "YYYY-MM-DD" or "--MM-DD" (the
 * year unknown: "05.12" in Russian), in the locale's order. Anything else
 * (a value typed before dates were checked) comes back as it is: the
 * result is buf, or iso itself when it is not a date, when buf is too short
 * or in the C locale ("" for NULL). */
const char *fmt_date(const char *iso, char *buf, size_t n);

/* An amount in minor units (hundredths: kopecks, cents) of currency (an ISO
 * 4217 code; NULL or "": RUB, the base's currency). */
const char *fmt_money(int64_t minor, const char *currency, char *buf, size_t n);

#endif
