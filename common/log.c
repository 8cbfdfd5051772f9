/* log: lines to stderr with their priority and fields, or to a sink (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* set on the loop thread (at start, and by a reload), read by every thread */
static atomic_int max_level = LOG_INFO;
static log_sink_fn sink;

void log_set_level(int level) { atomic_store_explicit(&max_level, level, memory_order_relaxed); }

void log_set_sink(log_sink_fn fn) { sink = fn; }

/* " NAME=value" with the value escaped, at out[*o]; cut at the end of out. */
static void put_field(char *out, size_t cap, size_t *o, const char *name, const char *value)
{
	if (!value || !value[0])
		return;
	int n = snprintf(out + *o, cap - *o, "%s%s=", *o > 2 ? " " : "", name);
	if (n < 0 || (size_t)n >= cap - *o) {
		*o = cap - 1;
		return;
	}
	*o += (size_t)n;
	for (const unsigned char *p = (const unsigned char *)value; *p && *o + 5 < cap; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '\\' || *p == ']')
			*o += (size_t)snprintf(out + *o, cap - *o, "\\x%02x", *p);
		else
			out[(*o)++] = (char)*p;
	}
	out[*o] = '\0';
}

/* The fields as they end a stderr line: " [A=1 B=2]", or "". */
static void format_fields(const struct log_kv *kv, char *out, size_t cap)
{
	out[0] = '\0';
	if (!kv)
		return;
	size_t o = 2;
	snprintf(out, cap, " [");
	put_field(out, cap - 1, &o, "MESSAGE_ID", kv->message_id);
	put_field(out, cap - 1, &o, "KART_PEER", kv->peer);
	put_field(out, cap - 1, &o, "KART_USER", kv->user);
	put_field(out, cap - 1, &o, "KART_ACTION", kv->action);
	put_field(out, cap - 1, &o, "KART_AUDIT_SEQ", kv->audit_seq);
	put_field(out, cap - 1, &o, "KART_AUDIT_HASH", kv->audit_hash);
	if (o == 2)
		out[0] = '\0';
	else
		snprintf(out + o, cap - o, "]");
}

static void vlog(int level, const struct log_kv *kv, const char *fmt, va_list ap)
{
	if (level > atomic_load_explicit(&max_level, memory_order_relaxed))
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sink && sink(level, kv, msg) == 0)
		return;
	char fields[512], line[1600];
	format_fields(kv, fields, sizeof(fields));
	/* one write per line so lines from several threads do not interleave */
	int n = snprintf(line, sizeof(line), "<%d>%s%s\n", level, msg, fields);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (len && line[len - 1] != '\n')
		line[len - 1] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, NULL, fmt, ap);
	va_end(ap);
}

void log_fields(int level, const struct log_kv *kv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, kv, fmt, ap);
	va_end(ap);
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
