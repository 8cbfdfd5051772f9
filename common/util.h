/* util: small helpers shared by the daemon and the clients. */
#ifndef KART_UTIL_H
#define KART_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t util_now_us(void);          /* wall clock, unix microseconds */
int64_t util_mono_ms(void);         /* monotonic milliseconds */
/* Fills buf with cryptographically random bytes. Returns 0 or -1. */
int util_random(void *buf, size_t n);
void util_hex(const void *in, size_t n, char *out /* 2n+1 */);
/* Reads a whole file (NUL-terminated). Returns NULL on error, errno set. */
char *util_read_file(const char *path, size_t *len);
/* Writes a file atomically with the given mode: a fresh temp file beside it
 * (O_EXCL, mode set before any data), fsync, rename. Returns 0, or -1 with
 * errno set and no temp file left behind. */
int util_write_file(const char *path, const void *data, size_t len, int mode);
/* Splits "host:port" (or "[v6]:port"). Returns 0 or -1. */
int util_split_hostport(const char *s, char *host, size_t hostlen, int *port);
/* Times and dates as people type them. Every form, in local time (TZ) unless
 * it carries a zone:
 *   2026-12-05T23:59:00Z, 2026-12-05T23:59+03:00   RFC 3339 / ISO 8601 with a zone
 *   2026-12-05, 2026-12-05 10:00[:SS], 2026-12-05T10:00
 *   05.12.2026, 05.12.2026 10:00                    DD.MM.YYYY [HH:MM]
 *   05.12, 05.12 10:00                              DD.MM: this year
 *   10:00                                           today at that time
 *   today tomorrow yesterday сегодня завтра вчера   optionally followed by HH:MM
 *   monday mon пн понедельник ... [HH:MM]           weekday names, English and Russian
 *   2h, -30m, +1d, +1w                              durations (s m h d w)
 *   1764979200                                      unix seconds
 * The two parsers differ only where the direction matters.
 *
 * util_parse_time looks back (--since, --until, audit filters): a bare
 * duration is that long ago, a date without a time is its 00:00, a weekday is
 * the last one (today if that moment has come). */
int util_parse_time(const char *s, int64_t now, int64_t *out);
/* util_parse_time_ahead looks forward (reminders, deal close dates): a bare
 * duration is that long from now, a date without a time is at day_minute
 * (minutes after local midnight, e.g. 540 for 09:00), a weekday is the next
 * one (today if that moment is still to come), DD.MM the next occurrence.
 * Both return 0 and unix seconds in *out, or -1. */
int util_parse_time_ahead(const char *s, int64_t now, int day_minute, int64_t *out);
/* A calendar date for filters, the date forms above without a time: *day is
 * days since 1970-01-01; today is the caller's local day in those units; a
 * weekday is the next one, today included. Returns 0 or -1. */
int util_parse_date(const char *s, int64_t today, int64_t *day);
/* A zone to read and place local times in: the machine's (TZ) unless fixed,
 * else a fixed offset east of UTC in seconds (a client's at the moment of
 * its request: a DST change between then and the date read is not followed). */
struct util_zone {
	bool fixed;
	int offset;
};
/* The machine's (TZ) offset east of UTC at unix seconds secs, in seconds. */
int util_utc_offset(int64_t secs);
/* The calendar day of unix seconds in zone z (NULL: the machine's). */
int64_t util_zone_day(const struct util_zone *z, int64_t secs);
/* For filters: a date or an instant. The forms without a time of day give a
 * day as util_parse_date does (*instant false, *out days since 1970-01-01);
 * those with one (10:00, завтра 10:00, пн 10:00, 05.12.2026 10:00,
 * 2026-12-05T10:00:00+03:00) and unix seconds give an instant (*instant
 * true, *out unix seconds): the day read as util_parse_date reads it, at that
 * time in zone z (NULL: the machine's) unless the text carries a zone.
 * Durations are not read here (the filter language has its own). Returns 0
 * or -1. */
int util_parse_when_in(const char *s, int64_t today, const struct util_zone *z, bool *instant, int64_t *out);
/* "HH:MM" -> minutes after midnight. Returns 0 or -1. */
int util_parse_clock(const char *s, int *minute);
/* The local (TZ) calendar day of unix seconds, in days since 1970-01-01. */
int64_t util_local_day(int64_t secs);
/* Formats unix seconds as local "YYYY-MM-DD HH:MM:SS". */
void util_format_time(int64_t secs, char *out, size_t n);
/* The same with minutes only and the zone: "YYYY-MM-DD HH:MM MSK" (or
 * "+10" where the zone has no name), for instants a reader could take for
 * another zone's. */
void util_format_time_zone(int64_t secs, char *out, size_t n);
/* Trims ASCII whitespace at both ends, in place. */
char *util_trim(char *s);

#endif
