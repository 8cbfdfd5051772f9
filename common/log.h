/* log: one line per event on stderr, prefixed with the syslog priority in the
 * form systemd's journal reads ("<6>kartd: ..."). */
#ifndef KART_LOG_H
#define KART_LOG_H

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

void log_set_level(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines an outsider can cause at will (a refused connection, a refused card
 * lookup) go through a limit of their own: at most LOG_LIMIT_BURST lines per
 * LOG_LIMIT_WINDOW_MS for each limit (one static struct per kind of line);
 * the first line let through after a pause says how many were held back.
 * Thread-safe for one thread per limit (the loop). */
#define LOG_LIMIT_BURST 10
#define LOG_LIMIT_WINDOW_MS 10000
struct log_limit {
	long long window_ms;
	unsigned lines;
	unsigned long held;
};
/* Whether a line may be logged now; *held then says how many were not. */
int log_allow(struct log_limit *l, unsigned long *held);
#define log_limited(lim, level, ...)                                                                           \
	do {                                                                                                   \
		unsigned long held_;                                                                           \
		if (log_allow((lim), &held_)) {                                                                \
			if (held_)                                                                             \
				log_msg((level), "(%lu lines like the next were not logged)", held_);         \
			log_msg((level), __VA_ARGS__);                                                          \
		}                                                                                              \
	} while (0)

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
