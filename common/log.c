#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* set on the loop thread (at start, and by a reload), read by every thread */
static atomic_int max_level = LOG_INFO;

void log_set_level(int level) { atomic_store_explicit(&max_level, level, memory_order_relaxed); }

void log_msg(int level, const char *fmt, ...)
{
	if (level > atomic_load_explicit(&max_level, memory_order_relaxed))
		return;
	char line[1024];
	int n = snprintf(line, sizeof(line), "<%d>", level);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* one write per line so lines from several threads do not interleave */
	size_t len = strnlen(line, sizeof(line) - 2);
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

int log_allow(struct log_limit *l, unsigned long *held)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*held = 0;
	if (now - l->window_ms >= LOG_LIMIT_WINDOW_MS) {
		*held = l->held;
		l->held = 0;
		l->lines = 0;
		l->window_ms = now;
	}
	if (l->lines >= LOG_LIMIT_BURST) {
		l->held++;
		return 0;
	}
	l->lines++;
	return 1;
}
