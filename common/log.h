/* log: one line per event on stderr, prefixed with the syslog priority in the
 * form systemd's journal reads ("<6>kartd: ..."), and with the structured
 * fields a call site knows at the end ("... [KART_USER=anna KART_ACTION=login]").
 * A program may set a sink instead (kartd: the journal, daemon/journal.c). */
#ifndef KART_LOG_H
#define KART_LOG_H

enum log_level { LOG_ALERT = 1, LOG_ERR = 3, LOG_WARN = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

void log_set_level(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The structured fields of a line; NULL or "" fields are left out. Values
 * are printed escaped on stderr (bytes up to space, DEL, '\\' and ']' as
 * \xNN) and given as they are to a sink. */
struct log_kv {
	const char *message_id;     /* MESSAGE_ID: 32 hex digits naming the kind of line */
	const char *peer;           /* KART_PEER: the client's address */
	const char *user;           /* KART_USER */
	const char *action;         /* KART_ACTION: an audit action (login, read.canary, ...) */
	const char *audit_seq;      /* KART_AUDIT_SEQ: an audit record's number */
	const char *audit_hash;     /* KART_AUDIT_HASH: the chain hash at that record */
};
/* log_msg with fields (kv may be NULL). A call site writes them inline:
 * log_fields(LOG_NOTICE, &(struct log_kv){ .peer = p, .user = u }, "...", ...). */
void log_fields(int level, const struct log_kv *kv, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Where lines go instead of stderr: the sink gets the level, the fields and
 * the message (without prefix or fields) and returns 0, or -1 to have the
 * line written to stderr after all. NULL: stderr. Set before any thread
 * logs; sinks are called from any thread. */
typedef int (*log_sink_fn)(int level, const struct log_kv *kv, const char *message);
void log_set_sink(log_sink_fn sink);

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
#define log_limited(lim, level, ...) log_limited_kv(lim, level, NULL, __VA_ARGS__)
#define log_limited_kv(lim, level, kv, ...)                                                                    \
	do {                                                                                                   \
		unsigned long held_;                                                                           \
		if (log_allow((lim), &held_)) {                                                                \
			if (held_)                                                                             \
				log_msg((level), "(%lu lines like the next were not logged)", held_);         \
			log_fields((level), (kv), __VA_ARGS__);                                                 \
		}                                                                                              \
	} while (0)

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
