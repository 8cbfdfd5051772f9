/* util: small helpers shared by the daemon and the clients. */
#ifndef KART_UTIL_H
#define KART_UTIL_H

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
/* Parses a time given as YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (local time), unix
 * seconds, a relative "-30m", "2h", "7d" (meaning that long ago) or "+2h",
 * "+1d" (that long from now), or "today" / "tomorrow" optionally followed by
 * " HH:MM" (local time; 00:00 of that day when no time is given).
 * Returns 0 and unix seconds in *out, or -1. */
int util_parse_time(const char *s, int64_t now, int64_t *out);
/* Formats unix seconds as local "YYYY-MM-DD HH:MM:SS". */
void util_format_time(int64_t secs, char *out, size_t n);
/* Trims ASCII whitespace at both ends, in place. */
char *util_trim(char *s);

#endif
