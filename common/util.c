#include "util.h"

#include <errno.h>
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

/* "today" or "tomorrow", optionally followed by " HH:MM" (or " HH:MM:SS"):
 * that day at that local time, 00:00 when no time is given. Returns 1 and
 * *out when s is one of these, 0 when it is not, -1 when it is but malformed. */
static int parse_day_word(const char *s, int64_t now, int64_t *out)
{
	static const struct { const char *word; int days; } words[] = { { "today", 0 }, { "tomorrow", 1 } };
	const char *rest = NULL;
	int days = 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t len = strlen(words[i].word);
		if (strncmp(s, words[i].word, len) == 0 && (s[len] == '\0' || s[len] == ' ')) {
			rest = s + len;
			days = words[i].days;
			break;
		}
	}
	if (!rest)
		return 0;
	time_t t = (time_t)now;
	struct tm tm, clock;
	if (!localtime_r(&t, &tm))
		return -1;
	memset(&clock, 0, sizeof(clock));
	if (*rest == ' ') {
		const char *end = strptime(rest + 1, "%H:%M:%S", &clock);
		if (!end) {
			memset(&clock, 0, sizeof(clock));
			end = strptime(rest + 1, "%H:%M", &clock);
		}
		if (!end || *end || rest[1] < '0' || rest[1] > '9')
			return -1;
	}
	tm.tm_mday += days;
	tm.tm_hour = clock.tm_hour;
	tm.tm_min = clock.tm_min;
	tm.tm_sec = clock.tm_sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 1;
}

int util_parse_time(const char *s, int64_t now, int64_t *out)
{
	char *end;
	size_t n = strlen(s);
	if (n == 0)
		return -1;
	int day = parse_day_word(s, now, out);
	if (day != 0)
		return day > 0 ? 0 : -1;
	if (n >= 2 && strchr("smhdw", s[n - 1]) &&
	    (s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9'))) {
		/* "+2h" is from now on; "2h" and "-2h" are that long ago */
		int64_t sign = s[0] == '+' ? 1 : -1;
		const char *p = s[0] == '-' || s[0] == '+' ? s + 1 : s;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (errno || end != s + n - 1 || end == p || v < 0 || v > 100LL * 366 * 86400)
			return -1;
		static const struct { char c; int64_t mul; } units[] = {
			{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].c == s[n - 1])
				*out = now + sign * v * units[i].mul;
		return 0;
	}
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(s, "%Y-%m-%d", &tm);
	if (rest) {
		if (*rest == 'T' || *rest == ' ') {
			const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);
			if (!r2)
				r2 = strptime(rest + 1, "%H:%M", &tm);
			rest = r2;
		}
		if (!rest || *rest)
			return -1;
		tm.tm_isdst = -1;
		int mday = tm.tm_mday, mon = tm.tm_mon;
		time_t t = mktime(&tm);
		if (t == (time_t)-1 || tm.tm_mday != mday || tm.tm_mon != mon)
			return -1;
		*out = (int64_t)t;
		return 0;
	}
	/* unix seconds: digits only (no sign, no leading blanks) */
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

void util_format_time(int64_t secs, char *out, size_t n)
{
	time_t t = (time_t)secs;
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
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
