#include "util.h"
#include "date.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

int64_t util_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t util_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int util_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

void util_hex(const void *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

char *util_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n < cap - 1)
			break;
		char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (!buf)
		return errno = ENOMEM, NULL;
	if (err) {
		free(buf);
		return errno = err, NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* fsyncs the directory holding path, so a rename into it survives a crash. */
static void sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path) >= (int)sizeof(dir))
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int util_write_file(const char *path, const void *data, size_t len, int mode)
{
	/* A fresh name in the target's directory (so the rename stays on one
	 * filesystem), created with O_EXCL: a file or symlink planted there
	 * beforehand makes mkstemp pick another name, never write through it.
	 * The mode is final before the first byte, since these files hold keys. */
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, (mode_t)mode) < 0)
		goto fail;
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	int rc = close(fd);
	fd = -1;
	if (rc < 0 || rename(tmp, path) < 0)
		goto fail;
	sync_parent(path);
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

int util_split_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon;
	const char *h = s;
	size_t hl;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

/* ---- times and dates as people type them ---- */

int64_t util_local_day(int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return secs / 86400;
	return date_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The unix seconds of local y-m-d h:mi:s (DST resolved by mktime), or -1. */
static int64_t local_instant(int y, int m, int d, int secs_of_day)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = secs_of_day / 3600;
	tm.tm_min = secs_of_day / 60 % 60;
	tm.tm_sec = secs_of_day % 60;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	return t == (time_t)-1 ? -1 : (int64_t)t;
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at s. */
static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Lower-cases one ASCII or Cyrillic letter in place; returns its length. */
static size_t fold_letter(const unsigned char *s, unsigned char out[2])
{
	if (s[0] < 0x80) {
		out[0] = (unsigned char)(s[0] >= 'A' && s[0] <= 'Z' ? s[0] + 32 : s[0]);
		return 1;
	}
	if (s[0] == 0xD0 && s[1] >= 0x90 && s[1] <= 0x9F) { /* А..П -> а..п */
		out[0] = 0xD0;
		out[1] = (unsigned char)(s[1] + 0x20);
		return 2;
	}
	if (s[0] == 0xD0 && s[1] >= 0xA0 && s[1] <= 0xAF) { /* Р..Я -> р..я */
		out[0] = 0xD1;
		out[1] = (unsigned char)(s[1] - 0x20);
		return 2;
	}
	if (s[0] && s[1]) {
		out[0] = s[0];
		out[1] = s[1];
		return 2;
	}
	out[0] = s[0];
	return 1;
}

/* s starts with word (lower case, ASCII or Cyrillic), ignoring case, and the
 * word ends there (end of text, a space or 'T' is not allowed). Returns the
 * bytes matched or 0. */
static size_t word_at(const char *s, const char *word)
{
	const unsigned char *p = (const unsigned char *)s, *w = (const unsigned char *)word;
	while (*w) {
		unsigned char f[2];
		size_t n = fold_letter(p, f);
		if (f[0] != w[0] || (n == 2 && f[1] != w[1]))
			return 0;
		p += n;
		w += n;
	}
	return *p == '\0' || *p == ' ' ? (size_t)(p - (const unsigned char *)s) : 0;
}

/* The calendar part of a time as typed, before any " HH:MM". */
struct when_date {
	enum { WD_NONE, WD_DATE, WD_DAYMONTH, WD_RELDAY, WD_WEEKDAY } kind;
	int y, m, d;        /* WD_DATE; WD_DAYMONTH: m, d */
	int rel;            /* WD_RELDAY: days from today */
	int wday;           /* WD_WEEKDAY: 0 Sunday .. 6 Saturday */
	bool iso;           /* YYYY-MM-DD: may be followed by T and a zone */
};

static const struct { const char *word; int val; } day_words[] = {
	{ "today", 0 }, { "tomorrow", 1 }, { "yesterday", -1 },
	{ "сегодня", 0 }, { "завтра", 1 }, { "вчера", -1 },
};

static const struct { const char *word; int wday; } weekday_words[] = {
	{ "sunday", 0 }, { "sun", 0 }, { "monday", 1 }, { "mon", 1 }, { "tuesday", 2 }, { "tue", 2 },
	{ "tues", 2 }, { "wednesday", 3 }, { "wed", 3 }, { "thursday", 4 }, { "thu", 4 }, { "thur", 4 },
	{ "thurs", 4 }, { "friday", 5 }, { "fri", 5 }, { "saturday", 6 }, { "sat", 6 },
	{ "воскресенье", 0 }, { "вс", 0 }, { "понедельник", 1 }, { "пн", 1 }, { "вторник", 2 }, { "вт", 2 },
	{ "среда", 3 }, { "среду", 3 }, { "ср", 3 }, { "четверг", 4 }, { "чт", 4 }, { "пятница", 5 },
	{ "пятницу", 5 }, { "пт", 5 }, { "суббота", 6 }, { "субботу", 6 }, { "сб", 6 },
};

/* Reads the date part at s; returns the bytes read (0: no date part, which
 * is not an error: "10:00" is today), or -1 for a malformed date. */
static int parse_date_part(const char *s, struct when_date *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < sizeof(day_words) / sizeof(day_words[0]); i++) {
		size_t n = word_at(s, day_words[i].word);
		if (n) {
			w->kind = WD_RELDAY;
			w->rel = day_words[i].val;
			return (int)n;
		}
	}
	for (size_t i = 0; i < sizeof(weekday_words) / sizeof(weekday_words[0]); i++) {
		size_t n = word_at(s, weekday_words[i].word);
		if (n) {
			w->kind = WD_WEEKDAY;
			w->wday = weekday_words[i].wday;
			return (int)n;
		}
	}
	int y, m, d;
	if (digits(s, 4, &y) && s[4] == '-' && digits(s + 5, 2, &m) && s[7] == '-' && digits(s + 8, 2, &d) &&
	    !digit(s[10])) {
		if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
			return -1;
		*w = (struct when_date){ .kind = WD_DATE, .y = y, .m = m, .d = d, .iso = true };
		return 10;
	}
	if (digits(s, 2, &d) && s[2] == '.' && digits(s + 3, 2, &m)) {
		if (s[5] == '.' && digits(s + 6, 4, &y) && !digit(s[10])) {
			if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
				return -1;
			*w = (struct when_date){ .kind = WD_DATE, .y = y, .m = m, .d = d };
			return 10;
		}
		if (s[5] != '\0' && s[5] != ' ')
			return -1;
		if (m < 1 || m > 12 || d < 1 || d > date_days_in_month(2000, m))
			return -1;
		*w = (struct when_date){ .kind = WD_DAYMONTH, .m = m, .d = d };
		return 5;
	}
	return 0;
}

/* Unix seconds: digits only (no sign, no blanks). Returns 0, or -1. */
static int parse_unix_seconds(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!digit(s[0]) || errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* "HH:MM" or "HH:MM:SS" at s; returns bytes read or -1. */
static int parse_clock(const char *s, int *secs)
{
	/* the hour may have one digit: 9:15 */
	int h, mi, se = 0, hl = digit(s[0]) && s[1] == ':' ? 1 : 2;
	if (!digits(s, hl, &h) || s[hl] != ':' || !digits(s + hl + 1, 2, &mi))
		return -1;
	int n = hl + 3;
	if (s[n] == ':') {
		if (!digits(s + n + 1, 2, &se))
			return -1;
		n += 3;
	}
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	*secs = h * 3600 + mi * 60 + se;
	return n;
}

/* "Z", "+HH:MM", "+HHMM" or "+HH" (or '-'), the whole rest of the text;
 * returns 1 and the offset east of UTC, 0 for nothing, -1 if malformed. */
static int parse_zone(const char *s, int *off)
{
	if (*s == '\0')
		return 0;
	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 1;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	int h, mi = 0;
	if (!digits(s + 1, 2, &h))
		return -1;
	const char *p = s + 3;
	if (*p == ':')
		p++;
	if (*p && (!digits(p, 2, &mi) || p[2] != '\0'))
		return -1;
	if (*p == '\0' && p != s + 3)
		return -1;
	if (h > 23 || mi > 59)
		return -1;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600 + mi * 60);
	return 1;
}

/* A relative "2h", "+2h", "-2h" (s m h d w). Returns 1 and the signed
 * seconds (sign 0: none written), 0 when s is not one, -1 if malformed. */
static int parse_duration(const char *s, int *sign, int64_t *secs)
{
	size_t n = strlen(s);
	if (n < 2 || !strchr("smhdw", s[n - 1]) || !(s[0] == '-' || s[0] == '+' || digit(s[0])))
		return 0;
	*sign = s[0] == '+' ? 1 : s[0] == '-' ? -1 : 0;
	const char *p = *sign ? s + 1 : s;
	if (!digit(*p))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (errno || end != s + n - 1 || v < 0 || v > 100LL * 366 * 86400)
		return -1;
	static const struct { char c; int64_t mul; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].c == s[n - 1])
			*secs = v * units[i].mul;
	return 1;
}

/* The local calendar day (days since the epoch) a date part names, seen
 * from today; ahead: a weekday or a DD.MM today or later, else today or
 * earlier (the caller moves a day that turns out past or future). */
static int64_t date_part_day(const struct when_date *w, int64_t today, bool ahead)
{
	int64_t y;
	int m, d;
	date_civil_from_days(today, &y, &m, &d);
	switch (w->kind) {
	case WD_DATE:
		return date_days_from_civil(w->y, w->m, w->d);
	case WD_DAYMONTH: {
		/* Feb 29 outside a leap year: the nearest leap year in the direction asked */
		int64_t yy = y;
		if (w->m == 2 && w->d == 29)
			while (!date_is_leap(yy))
				yy += ahead ? 1 : -1;
		return date_days_from_civil(yy, w->m, w->d);
	}
	case WD_RELDAY:
		return today + w->rel;
	case WD_WEEKDAY: {
		int wd = date_weekday(today);
		return ahead ? today + (w->wday - wd + 7) % 7 : today - (wd - w->wday + 7) % 7;
	}
	case WD_NONE:
		break;
	}
	return today;
}

static int parse_when(const char *s, int64_t now, bool ahead, int day_secs, int64_t *out)
{
	if (*s == '\0')
		return -1;
	int sign = 0;
	int64_t secs = 0;
	int dur = parse_duration(s, &sign, &secs);
	if (dur < 0)
		return -1;
	if (dur > 0) {
		if (sign == 0)
			sign = ahead ? 1 : -1;
		*out = now + sign * secs;
		return 0;
	}
	struct when_date w;
	int n = parse_date_part(s, &w);
	if (n < 0)
		return -1;
	const char *p = s + n;
	bool has_clock = false;
	int clock = 0, zone = 0;
	if (n == 0) {
		int c = parse_clock(p, &clock);
		if (c < 0)
			return parse_unix_seconds(s, out);
		has_clock = true;
		p += c;
	} else if (*p == ' ' || (*p == 'T' && w.iso)) {
		p++;
		int c = parse_clock(p, &clock);
		if (c < 0)
			return -1;
		has_clock = true;
		p += c;
	}
	int z = 0;
	if (w.iso && has_clock && (z = parse_zone(p, &zone)) < 0)
		return -1;
	if (z == 0 && *p)
		return -1;
	if (!has_clock)
		clock = ahead ? day_secs : 0;
	if (z > 0) {
		*out = date_days_from_civil(w.y, w.m, w.d) * 86400 + clock - zone;
		return 0;
	}
	int64_t day = date_part_day(&w, util_local_day(now), ahead);
	int64_t y;
	int m, d;
	date_civil_from_days(day, &y, &m, &d);
	int64_t t = local_instant((int)y, m, d, clock);
	if (t < 0)
		return -1;
	/* ahead, a weekday or a DD.MM whose moment has passed is the next one (a
	 * week or a year on); looking back, a weekday still to come is last week's */
	if (w.kind == WD_WEEKDAY && (ahead ? t < now : t > now))
		date_civil_from_days(day + (ahead ? 7 : -7), &y, &m, &d);
	else if (w.kind == WD_DAYMONTH && ahead && t < now)
		date_civil_from_days(date_part_day(&w, date_days_from_civil(y + 1, 1, 1), true), &y, &m, &d);
	else
		return *out = t, 0;
	t = local_instant((int)y, m, d, clock);
	if (t < 0)
		return -1;
	*out = t;
	return 0;
}

int util_parse_time(const char *s, int64_t now, int64_t *out)
{
	return parse_when(s, now, false, 0, out);
}

int util_parse_time_ahead(const char *s, int64_t now, int day_minute, int64_t *out)
{
	return parse_when(s, now, true, day_minute * 60, out);
}

int util_parse_date(const char *s, int64_t today, int64_t *day)
{
	struct when_date w;
	int n = parse_date_part(s, &w);
	if (n <= 0 || s[n] != '\0')
		return -1;
	*day = date_part_day(&w, today, true);
	return 0;
}

int util_utc_offset(int64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return (int)tm.tm_gmtoff;
}

int64_t util_zone_day(const struct util_zone *z, int64_t secs)
{
	if (!z || !z->fixed)
		return util_local_day(secs);
	return date_day_at_offset(secs, z->offset);
}

int util_parse_when_in(const char *s, int64_t today, const struct util_zone *z, bool *instant, int64_t *out)
{
	struct when_date w;
	int n = parse_date_part(s, &w);
	if (n < 0)
		return -1;
	const char *p = s + n;
	if (n > 0 && *p == '\0') {
		*instant = false;
		*out = date_part_day(&w, today, true);
		return 0;
	}
	int clock = 0, zone = 0, c;
	if (n == 0) {
		c = parse_clock(p, &clock);
		if (c < 0) {
			int rc = parse_unix_seconds(s, out);
			*instant = rc == 0;
			return rc;
		}
	} else if (*p == ' ' || (*p == 'T' && w.iso)) {
		p++;
		if ((c = parse_clock(p, &clock)) < 0)
			return -1;
	} else {
		return -1;
	}
	p += c;
	int zoned = w.iso ? parse_zone(p, &zone) : 0;
	if (zoned < 0 || (zoned == 0 && *p))
		return -1;
	*instant = true;
	if (zoned > 0) {
		*out = date_days_from_civil(w.y, w.m, w.d) * 86400 + clock - zone;
		return 0;
	}
	int64_t day = date_part_day(&w, today, true);
	if (z && z->fixed) {
		*out = day * 86400 + clock - z->offset;
		return 0;
	}
	int64_t y;
	int m, d;
	date_civil_from_days(day, &y, &m, &d);
	int64_t t = local_instant((int)y, m, d, clock);
	if (t < 0)
		return -1;
	*out = t;
	return 0;
}

int util_parse_clock(const char *s, int *minute)
{
	int secs;
	int n = parse_clock(s, &secs);
	if (n < 0 || n > 5 || s[n] != '\0')
		return -1;
	*minute = secs / 60;
	return 0;
}

void util_format_time(int64_t secs, char *out, size_t n)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, n, "%lld", (long long)secs);
}

void util_format_time_zone(int64_t secs, char *out, size_t n)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(out, n, "%lld", (long long)secs);
}

char *util_trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}
