/* cli: what the parts of the `kart` command-line client share.
 *
 * main.c parses the command line against the command table (commands.c) and
 * maps results to exit codes, cmd_*.c run one command each (talking to kartd
 * through the client library), out*.c print: out.c the one-line error
 * messages, JSON through pbjson and the table machinery, out_card.c,
 * out_query.c, out_work.c, out_user.c, out_audit.c and out_export.c the
 * records and rows of each family. Every command function returns an exit code (enum kc_status
 * values double as exit codes). */
#ifndef KART_CLI_H
#define KART_CLI_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "kc.h"
#include "text.h"

#define KART_CLIENT_NAME "kart 0.1.0"
#define KART_DEFAULT_SERVER "127.0.0.1:7443"

enum opt_kind {
	OPT_FLAG,       /* no value */
	OPT_VALUE,      /* one value, given at most once */
	OPT_LIST,       /* one value per occurrence, repeatable */
};

struct opt_spec {
	const char *name;       /* long name without "--" */
	char short_name;        /* 0: none */
	enum opt_kind kind;
	const char *metavar;    /* value placeholder for the help text */
	const char *help;
	const char *card_field; /* card add: the Card field the value sets */
};

struct opt_value {
	const struct opt_spec *spec;
	const char *value;      /* NULL for a flag */
};

/* The command line after parsing: positional words after the command name and
 * every option occurrence in the order given (global ones included). */
struct cmd_args {
	const char **pos;
	size_t npos;
	struct opt_value *opts;
	size_t nopts;
};

/* Global settings. server and ca come from the flags or the environment; NULL
 * means "use the session file's, else the default". */
struct cli {
	bool json;
	bool trust;             /* --trust: pin a server seen for the first time */
	const char *server;
	const char *ca;
	const char *cert;       /* --cert/KART_CERT: client certificate (or bundle) */
	const char *key;        /* --key/KART_KEY: its key, when not in the bundle */
	char home[PATH_MAX];    /* $KART_HOME; created only when written to */
	/* $KART_HOME/config, read by main.c before the command runs */
	char *config_text;
	struct { const char *key, *value; } config[32];
	size_t nconfig;
};

/* The value of KEY in $KART_HOME/config, or NULL when it is not set there.
 * The file holds "key = value" lines; '#' starts a comment line; blanks
 * around key and value do not count; a later line for the same key wins.
 * Known keys: server, ca, cert, key (the defaults for --server, --ca, --cert,
 * --key, below the flags, the environment and the session file). Other parts
 * of the client may read their own keys (a key nobody reads is ignored).
 * The file is never written by kart; logout leaves it alone. */
const char *cli_config(const struct cli *cli, const char *key);
/* main.c: standard output was closed when kart started (it is /dev/null now). */
extern bool cli_stdout_closed;

struct cmd_def {
	const char *name;       /* words, space-separated: "card show" */
	const char *synopsis;   /* positional part of the usage line: "ID" */
	size_t min_pos, max_pos;
	const char *summary;
	const struct opt_spec *opts; /* terminated by an entry with a NULL name */
	int (*run)(struct cli *cli, const struct cmd_args *a);
};

/* The most words a command's name has ("card rel add"). */
#define MAX_COMMAND_WORDS 3

/* commands.c: every command, in the order help lists them, and the options
 * accepted before or after any command. */
extern const struct cmd_def cli_commands[];
extern const size_t cli_ncommands;
extern const struct opt_spec cli_global_opts[];

/* main.c: option access and number parsing. */
const char *args_value(const struct cmd_args *a, const char *name);
bool args_flag(const struct cmd_args *a, const char *name);
/* Parses a positive integer ID; prints a usage error naming what on failure. */
int parse_id(const char *text, const char *what, uint64_t *out);
/* Parses a non-negative integer no larger than max. */
int parse_count(const char *text, const char *what, uint64_t max, uint64_t *out);
/* The help command: `kart help [COMMAND...]`. */
/* cmd.c: times ahead, for every option that names one (--at of a reminder,
 * --close of a deal): util_parse_time_ahead with the client's remind_time
 * (KART_REMIND_TIME, else `remind_time = HH:MM` in $KART_HOME/config, else
 * 09:00) for a day named without a time. 0 in *out when not given. */
int time_ahead_option(const struct cli *cli, const struct cmd_args *a, const char *name, int64_t now, int64_t *out);
/* --close: the local date of that time, "YYYY-MM-DD"; "" when not given. */
int close_option(const struct cli *cli, const struct cmd_args *a, char out[16]);
int cmd_help(struct cli *cli, const struct cmd_args *a);

/* The exit code of a command that did part of its work: kart import when
 * some rows were refused and the others went in. */
#define CLI_EXIT_PARTIAL 7

/* cmd_*.c: one function per command. */
int cmd_login(struct cli *cli, const struct cmd_args *a);
int cmd_import(struct cli *cli, const struct cmd_args *a);
int cmd_logout(struct cli *cli, const struct cmd_args *a);
int cmd_whoami(struct cli *cli, const struct cmd_args *a);
int cmd_version(struct cli *cli, const struct cmd_args *a);
int cmd_user_add(struct cli *cli, const struct cmd_args *a);
int cmd_user_list(struct cli *cli, const struct cmd_args *a);
int cmd_user_passwd(struct cli *cli, const struct cmd_args *a);
int cmd_user_lock(struct cli *cli, const struct cmd_args *a);
int cmd_user_unlock(struct cli *cli, const struct cmd_args *a);
int cmd_user_offboard(struct cli *cli, const struct cmd_args *a);
int cmd_card_add(struct cli *cli, const struct cmd_args *a);
int cmd_card_show(struct cli *cli, const struct cmd_args *a);
int cmd_card_edit(struct cli *cli, const struct cmd_args *a);
int cmd_card_rm(struct cli *cli, const struct cmd_args *a);
int cmd_card_restore(struct cli *cli, const struct cmd_args *a);
int cmd_card_ls(struct cli *cli, const struct cmd_args *a);
int cmd_card_history(struct cli *cli, const struct cmd_args *a);
int cmd_card_revert(struct cli *cli, const struct cmd_args *a);
int cmd_card_rel_add(struct cli *cli, const struct cmd_args *a);
int cmd_card_rel_rm(struct cli *cli, const struct cmd_args *a);
int cmd_card_rel_ls(struct cli *cli, const struct cmd_args *a);
/* cmd_merge.c: kart dup merge, kart dup unmerge */
int cmd_dup_merge(struct cli *cli, const struct cmd_args *a);
int cmd_dup_unmerge(struct cli *cli, const struct cmd_args *a);
int cmd_field_add(struct cli *cli, const struct cmd_args *a);
int cmd_field_ls(struct cli *cli, const struct cmd_args *a);
int cmd_field_rm(struct cli *cli, const struct cmd_args *a);
int cmd_log(struct cli *cli, const struct cmd_args *a);
int cmd_timeline(struct cli *cli, const struct cmd_args *a);
int cmd_deal_add(struct cli *cli, const struct cmd_args *a);
int cmd_deal_move(struct cli *cli, const struct cmd_args *a);
int cmd_deal_show(struct cli *cli, const struct cmd_args *a);
int cmd_deal_edit(struct cli *cli, const struct cmd_args *a);
int cmd_deal_rm(struct cli *cli, const struct cmd_args *a);
int cmd_timeline_edit(struct cli *cli, const struct cmd_args *a);
int cmd_timeline_rm(struct cli *cli, const struct cmd_args *a);
int cmd_user_show(struct cli *cli, const struct cmd_args *a);
int cmd_deal_ls(struct cli *cli, const struct cmd_args *a);
int cmd_remind(struct cli *cli, const struct cmd_args *a);
int cmd_remind_done(struct cli *cli, const struct cmd_args *a);
int cmd_remind_ls(struct cli *cli, const struct cmd_args *a);
int cmd_remind_edit(struct cli *cli, const struct cmd_args *a);
int cmd_remind_snooze(struct cli *cli, const struct cmd_args *a);
int cmd_today(struct cli *cli, const struct cmd_args *a);
int cmd_find(struct cli *cli, const struct cmd_args *a);
int cmd_ls(struct cli *cli, const struct cmd_args *a);
int cmd_move(struct cli *cli, const struct cmd_args *a);
int cmd_segment_save(struct cli *cli, const struct cmd_args *a);
int cmd_segment_ls(struct cli *cli, const struct cmd_args *a);
int cmd_segment_show(struct cli *cli, const struct cmd_args *a);
int cmd_segment_rm(struct cli *cli, const struct cmd_args *a);
int cmd_admin_reindex(struct cli *cli, const struct cmd_args *a);
/* cmd_backup.c */
int cmd_admin_backup(struct cli *cli, const struct cmd_args *a);
int cmd_audit(struct cli *cli, const struct cmd_args *a);
int cmd_audit_verify(struct cli *cli, const struct cmd_args *a);
int cmd_audit_head(struct cli *cli, const struct cmd_args *a);
/* exports and leak tracing (cmd_export.c) */
int cmd_export(struct cli *cli, const struct cmd_args *a);
int cmd_exports(struct cli *cli, const struct cmd_args *a);
int cmd_leak_trace(struct cli *cli, const struct cmd_args *a);
/* imports (cmd_import.c) */
int cmd_imports(struct cli *cli, const struct cmd_args *a);
int cmd_import_undo(struct cli *cli, const struct cmd_args *a);
int cmd_user_grant(struct cli *cli, const struct cmd_args *a);
int cmd_user_revoke(struct cli *cli, const struct cmd_args *a);
int cmd_user_quota(struct cli *cli, const struct cmd_args *a);
int cmd_audit_reads(struct cli *cli, const struct cmd_args *a);
int cmd_alerts(struct cli *cli, const struct cmd_args *a);
int cmd_card_canary(struct cli *cli, const struct cmd_args *a);
int cmd_card_canaries(struct cli *cli, const struct cmd_args *a);
int cmd_user_unblock(struct cli *cli, const struct cmd_args *a);
int cmd_admin_issue_cert(struct cli *cli, const struct cmd_args *a);
int cmd_admin_revoke_cert(struct cli *cli, const struct cmd_args *a);
int cmd_admin_certs(struct cli *cli, const struct cmd_args *a);
int cmd_admin_stats(struct cli *cli, const struct cmd_args *a);
/* out_stats.c: kart admin stats as a table, or as Prometheus text */
void out_stats_text(const Kart__Stats *s);
void out_stats_prometheus(const Kart__Stats *s);
/* duplicates and the base's health (cmd_dup.c) */
int cmd_dup_find(struct cli *cli, const struct cmd_args *a);
int cmd_quality(struct cli *cli, const struct cmd_args *a);
int cmd_report_rfm(struct cli *cli, const struct cmd_args *a);
int cmd_report_abc(struct cli *cli, const struct cmd_args *a);
int cmd_report_funnel(struct cli *cli, const struct cmd_args *a);
int cmd_report_managers(struct cli *cli, const struct cmd_args *a);
int cmd_report_reactivation(struct cli *cli, const struct cmd_args *a);
int cmd_report_birthdays(struct cli *cli, const struct cmd_args *a);

/* `kart quality`'s exit status when it found a problem (0: none found):
 * apart from the kc_status codes, so a script tells it from a failure. */
#define CLI_EXIT_PROBLEMS 10

/* out.c: the one sanitizer every text from the server passes on its way to
 * the terminal: controls shown visibly (text.h: text_visible; flags
 * TEXT_SHOW_LINES keeps newlines). JSON output gets the same treatment as
 * \uXXXX escapes. */
void out_text(FILE *f, const char *s, unsigned flags);
/* A formatted line on stdout, on one line with controls visible. */
void out_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A stream of text from the server shown on a terminal as it arrives (an
 * export to standard output): controls visible, CRLF as one newline; a
 * character or CRLF cut between pieces waits for the next (last: no more). */
struct out_stream {
	char carry[4];
	size_t ncarry;
};
void out_stream_text(struct out_stream *st, const void *p, size_t n, bool last);

/* out.c: errors. Both print one line "kart: ..." to stderr and return the
 * exit code to use. After out_set_json(true) (--json anywhere on the command
 * line) the line is JSON instead: {"error": {"code": "NOT_FOUND", "message":
 * "...", "field": "id"}}: code is the server's ErrorCode name, else one of
 * USAGE, PERMISSION_DENIED, NOT_FOUND, CONFLICT, UNAVAILABLE, ERROR by the exit
 * code; field is "" when no field is named. */
void out_set_json(bool on);
int out_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int out_kc_error(const struct kc_error *err);
/* A time in an error message: in the reader's conventions with its zone, or
 * as util_format_time_zone writes it when errors are JSON (the same in every
 * locale). Returns buf. */
const char *out_error_time(int64_t secs, char *buf, size_t n);
/* The one wording for running out of memory: out_error(KC_ERR_OTHER, "out of memory"). */
int out_no_memory(void);

/* out.c: JSON. Every message goes through out_json_of: every field present
 * (false, 0, [], ""), instants as RFC 3339 with the client's offset, money as
 * decimal text (see pbjson.h). A single message is printed indented, ending
 * in a newline; a list is always a JSON array of its elements. */
json_t *out_json_of(const ProtobufCMessage *m);
int out_json_message(const ProtobufCMessage *m, const char *drop_key);
/* The same with every field, zero values included: a result a script tests
 * field by field (audit verify: "ok": false, "first_bad": 0). */
int out_json_all(const ProtobufCMessage *m);
/* A page holding more than one list (or a list and more), its lists always
 * there, empty ones as []: scripts can index them without checks. */
int out_json_page(const ProtobufCMessage *m);
/* The body of a reply envelope, whatever it is ({} for Ok). */
int out_json_body(const Kart__Envelope *e);

/* out.c: lists printed as their pages arrive, as a table or a JSON array;
 * each family's file prints its rows (out_list_card in out_query.c, ...).
 * Versions (card history) are not a table: a header line per version and an
 * indented line per change. */
enum out_list_kind {
	OUT_LIST_CARDS, OUT_LIST_USERS, OUT_LIST_AUDIT, OUT_LIST_FIELDS, OUT_LIST_TIMELINE,
	OUT_LIST_DEALS, OUT_LIST_SEGMENTS, OUT_LIST_RELATIVES, OUT_LIST_VERSIONS,
	OUT_LIST_READS, OUT_LIST_DUPS,
};

struct out_list {
	enum out_list_kind kind;
	bool json;
	bool started;           /* header or "[" printed */
	size_t count;
	/* JSON: a list-wide fact put into every element (find: "matched_as") */
	const char *extra_key, *extra_value;
	/* and a yes/no one (find: "more") */
	const char *flag_key;
	bool flag;
};

void out_list_begin(struct out_list *l, enum out_list_kind kind, bool json);
/* Flushes what a page produced, so a pipe sees it before the next page. */
void out_list_flush(struct out_list *l);
/* One item of a --json list that has no table of its own (reminders). */
void out_list_json(struct out_list *l, const ProtobufCMessage *m);
/* Closes the JSON array (or prints the header of an empty table). */
void out_list_end(struct out_list *l);

/* out.c: a count and its noun in English: "1 card", "2 cards", "0 cards".
 * plural NULL: the noun + "s". Returns buf. */
const char *out_count(uint64_t n, const char *singular, const char *plural, char *buf, size_t size);
#define OUT_COUNT(buf, n, singular) out_count((n), (singular), NULL, (buf), sizeof(buf))
/* Minor units (kopecks) as money, as fmt_money writes roubles: "1,234.50 RUB",
 * "1 234,50 ₽" in Russian. */
const char *out_money(int64_t minor, char *buf, size_t n);
/* Short enum names ("admin", "hot"); "" when unset. */
const char *out_role_name(Kart__Role role, char *buf, size_t n);

/* out_card.c: one card as aligned "field: value" lines: the core fields, then the
 * custom fields, placed by their definitions (defs, possibly none): those
 * without a tab in the main section, then a "[TAB]" section per tab. With tab
 * set only that tab is printed ("main": the core fields and the custom ones
 * without a tab). Returns an exit code (a tab no field is on is not found). */
int out_card_record(const Kart__Card *card, Kart__FieldDef *const *defs, size_t ndefs, const char *tab);
/* The answer to card edit and card revert: "card 7 updated (version 3)", or
 * "card 7 unchanged (version 2): nothing differed", then a line per relative
 * the change removed or brought back. */
void out_card_changed(const Kart__CardChanged *ch, const char *done);
void out_list_field(struct out_list *l, const Kart__FieldDef *f);
/* Relatives are numbered from 1 in the order given, as RelativeRemove counts. */
void out_list_relative(struct out_list *l, const Kart__Relative *r);
void out_list_version(struct out_list *l, const Kart__Version *v);

/* out_query.c: cards as table rows, saved segments. */
void out_list_card(struct out_list *l, const Kart__Card *card);
void out_list_segment(struct out_list *l, const Kart__Segment *s);

/* out_work.c: timeline entries, deals, reminders. */
void out_list_entry(struct out_list *l, const Kart__TimelineEntry *e);
void out_list_deal(struct out_list *l, const Kart__Deal *d);
/* One deal as labelled lines. */
void out_deal(const Kart__Deal *d);
/* The funnel under `deal ls`: a line per stage, in the page's stage order. */
void out_deal_funnel(const Kart__DealPage *page);
/* `kart today`: reminders (those due before now marked overdue), birthdays. */
void out_today(const Kart__TodayPage *page, uint32_t days, int64_t now);
/* One reminder row (ID, AT in the local zone, CARD, BY, TEXT), and the header. */
void out_reminder_row(const Kart__Reminder *r, int64_t now);
void out_reminder_header(void);

/* out_user.c: users. */
void out_list_user(struct out_list *l, const Kart__User *user);
/* One user as labelled lines. */
void out_user_info(const Kart__UserInfo *info);
/* `kart user offboard`: what was handed over, then the user's recent audit events. */
void out_offboard_report(const Kart__OffboardReport *rep);
/* `kart admin certs` (and revoke-cert): the certificates as a table or a JSON array. */
int out_cert_list(const Kart__CertPage *page, bool json);

/* out_audit.c: the audit trail and the reads. */
void out_list_event(struct out_list *l, const Kart__AuditEvent *ev);
/* kart audit reads: TIME, USER, CARD, HOW. */
void out_list_read(struct out_list *l, const Kart__ReadRecord *rec);

/* out_export.c: exports, leak tracing, canary cards. */
/* `kart exports`: a table or a JSON array of the export records. */
int out_export_list(const Kart__ExportPage *page, bool json);
/* `kart leak trace`: the ranked matches, their evidence and the verdict. */
void out_leak_report(const Kart__LeakReport *rep);
int out_canary_list(const Kart__CanaryPage *page, bool json);

/* out_import.c: `kart imports` (a table or a JSON array of the import
 * records) and what `kart import undo` did. */
int out_import_list(const Kart__ImportPage *page, bool json);
int out_import_undo(const Kart__ImportUndoResult *u, bool json);
/* out_dup.c: a probable duplicate pair as a row (SCORE, A, B, NAME A, NAME B,
 * REASONS), and the report of `kart quality`: the counts, then the lists. */
void out_list_dup(struct out_list *l, const Kart__DupPair *p);
void out_quality_report(const Kart__QualityReport *rep);

/* out_report.c: `kart report`, printed as its pages arrive (see there). */
enum out_report_mode { OUT_REPORT_TEXT, OUT_REPORT_JSON, OUT_REPORT_CSV };
struct out_report {
	Kart__ReportKind kind;
	enum out_report_mode mode;
	const char *csv_table;      /* --table: the one CSV prints (NULL: the first) */
	bool pictures, tty;
	bool begun, open, header_done, csv_done;
	size_t tables_out, rows_out, streamed;
	size_t *widths;
	struct rtab {
		char *name;
		size_t ncols;
		char **cols;
		Kart__ReportCellType *types;
		size_t nrows, cap;
		char **cells;
	} t;                        /* the table being printed (chart.h) */
};
void out_report_begin(struct out_report *o, Kart__ReportKind kind, enum out_report_mode mode, const char *csv_table,
		      bool pictures);
/* Returns 0, or -1 when out of memory. */
int out_report_page(struct out_report *o, const Kart__ReportPage *p);
/* The same as a kc_page_fn (ud: the out_report). */
int out_report_page_fn(const Kart__Envelope *e, void *ud, struct kc_error *err);
/* 0 when the kind's report has a table named name, else a usage error naming those it has. */
int out_report_check_table(Kart__ReportKind kind, const char *name);
/* Closes what is open (a JSON document too, also after a failed stream). */
void out_report_end(struct out_report *o);

#endif
