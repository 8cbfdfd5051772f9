#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int max_level = LOG_INFO;

void log_set_level(int level) { max_level = level; }

void log_msg(int level, const char *fmt, ...)
{
	if (level > max_level)
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
