/* commands: the table of kart's commands (name, positional arguments, summary,
 * options, the function that runs it), in the order `kart help` lists them,
 * and the options each one takes, the global ones included. main.c parses the
 * command line against these tables and prints the help from them. */
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "i18n.h"

const struct opt_spec cli_global_opts[] = {
	{ "server", 's', OPT_VALUE, "HOST:PORT", /* KART_DEFAULT_SERVER spelled out, so the whole text can be translated */
	  N_("kartd address (env KART_SERVER; default: the session's, else 127.0.0.1:7443)"), NULL },
	{ "ca", 0, OPT_VALUE, "FILE", N_("CA certificate (PEM) the server must be signed by (env KART_CA; default: system store)"), NULL },
	{ "cert", 0, OPT_VALUE, "FILE", N_("client certificate: the bundle from `kart admin issue-cert`, or a certificate with --key (env KART_CERT; default: the session's)"), NULL },
	{ "key", 0, OPT_VALUE, "FILE", N_("the client certificate's private key, when not in the --cert file (env KART_KEY)"), NULL },
	{ "home", 0, OPT_VALUE, "DIR", N_("where the session file lives (env KART_HOME; default ~/.config/kart)"), NULL },
	{ "json", 0, OPT_FLAG, NULL, N_("print JSON (proto field names) instead of text"), NULL },
	{ "trust", 0, OPT_FLAG, NULL, N_("without --ca: trust and remember a server seen for the first time"), NULL },
	{ "help", 'h', OPT_FLAG, NULL, N_("show help"), NULL },
	{ "version", 0, OPT_FLAG, NULL, N_("print the client's version (kart version: the server's too)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec no_opts[] = {
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec passwd_opts[] = {
	{ "password-file", 0, OPT_VALUE, "FILE", N_("read the new password from the first line of FILE"), NULL },
	{ "old-password-file", 0, OPT_VALUE, "FILE", N_("read the current password from FILE (needed for your own)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec login_opts[] = {
	{ "password-file", 0, OPT_VALUE, "FILE", N_("read the password from the first line of FILE"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_add_opts[] = {
	{ "role", 0, OPT_VALUE, "ROLE", N_("admin, supervisor, manager or auditor (required)"), NULL },
	{ "team", 0, OPT_VALUE, "TEAM", N_("the team: a supervisor sees the cards of their team"), NULL },
	{ "password-file", 0, OPT_VALUE, "FILE", N_("read the password from the first line of FILE"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_offboard_opts[] = {
	{ "to", 0, OPT_VALUE, "USER", N_("who takes over the cards, deals and reminders (required)"), NULL },
	{ "force", 0, OPT_FLAG, NULL, N_("hand the work over even when USER is in another team (the cards leave the team's supervisor)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_add_opts[] = {
	{ "first", 0, OPT_VALUE, "NAME", N_("first name"), "first_name" },
	{ "last", 0, OPT_VALUE, "NAME", N_("last name"), "last_name" },
	{ "middle", 0, OPT_VALUE, "NAME", N_("middle name (patronymic)"), "middle_name" },
	{ "company", 0, OPT_VALUE, "TEXT", N_("company"), "company" },
	{ "position", 0, OPT_VALUE, "TEXT", N_("position in the company"), "position" },
	{ "phone", 0, OPT_LIST, "PHONE", N_("phone number"), "phones" },
	{ "email", 0, OPT_LIST, "EMAIL", N_("e-mail address"), "emails" },
	{ "messenger", 0, OPT_LIST, "KIND:HANDLE", N_("messenger account, e.g. telegram:@ivanov"), "messengers" },
	{ "city", 0, OPT_VALUE, "TEXT", N_("city"), "city" },
	{ "address", 0, OPT_VALUE, "TEXT", N_("address"), "address" },
	{ "birthday", 0, OPT_VALUE, "YYYY-MM-DD", N_("date of birth"), "birthday" },
	{ "gender", 0, OPT_VALUE, "f|m", N_("gender"), "gender" },
	{ "source", 0, OPT_VALUE, "TEXT", N_("how the client heard of us"), "source" },
	{ "tag", 0, OPT_LIST, "TAG", N_("tag"), "tags" },
	{ "sector", 0, OPT_VALUE, "cold|warm|hot", N_("sales sector"), "sector" },
	{ "owner", 0, OPT_VALUE, "USER", N_("owning manager (default: the server decides)"), "owner" },
	{ "notes", 0, OPT_VALUE, "TEXT", N_("free-form notes"), "notes" },
	{ "lifecycle", 0, OPT_VALUE, "STAGE", N_("potential, working, active, regular or dead"), "lifecycle" },
	{ "vip", 0, OPT_FLAG, NULL, N_("mark the client as a VIP"), "vip" },
	{ "key-account", 0, OPT_FLAG, NULL, N_("mark the client as a key account"), "key_account" },
	{ "field", 0, OPT_LIST, "NAME=VALUE", N_("set a custom field (see: kart field ls)"), NULL },
	{ "set", 0, OPT_LIST, "FIELD=VALUE", N_("set any field by name, core or custom, as in `kart card edit`"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_show_opts[] = {
	{ "trash", 0, OPT_FLAG, NULL, N_("look in the trash"), NULL },
	{ "tab", 0, OPT_VALUE, "TAB", N_("show only this tab of custom fields (main: the core fields and the custom fields without a tab)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_edit_opts[] = {
	{ "set", 0, OPT_LIST, "FIELD=VALUE", N_("set a field by its name as in `kart card show`, core or custom (see: kart field ls); lists comma-separated; empty clears; FIELD+=VALUE adds to a list (phones, emails, tags, messengers; what is there already stays once), FIELD-=VALUE removes (an entry not there is an error); numbers as 1 500, 1500,50 or 1500.50; yes/no as да/нет too"), NULL },
	{ "expect-version", 0, OPT_VALUE, "N", N_("fail unless the card is at version N"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_rm_opts[] = {
	{ "expect-version", 0, OPT_VALUE, "N", N_("fail unless the card is at version N"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec dup_find_opts[] = {
	{ "min-score", 0, OPT_VALUE, "S", N_("only pairs scoring at least S of 100 (default: 70)"), NULL },
	{ "where", 0, OPT_VALUE, "EXPR", N_("only among the cards this filter matches (as in ls)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

/* What every report takes; each kind's options come before them. */
#define REPORT_COMMON_OPTS \
	{ "where", 0, OPT_VALUE, "EXPR", N_("only the cards this filter matches (as in ls)"), NULL }, \
	{ "csv", 0, OPT_FLAG, NULL, N_("print one table as CSV (the first, or --table)"), NULL }, \
	{ "table", 0, OPT_VALUE, "NAME", N_("with --csv: the table to print"), NULL }, \
	{ "no-color", 0, OPT_FLAG, NULL, N_("no pictures, plain tables (also when NO_COLOR is set or output is not a terminal)"), NULL }, \
	{ NULL, 0, 0, NULL, NULL, NULL }

static const struct opt_spec report_rfm_opts[] = {
	{ "at", 0, OPT_VALUE, "DATE", N_("count purchases up to the end of this day, YYYY-MM-DD (default: today)"), NULL },
	{ "window", 0, OPT_VALUE, "SPAN", N_("frequency and money count the purchases of the last SPAN up to --at: 365d, 12m, 2y (default: 365d); recency counts from the last purchase ever"), NULL },
	{ "save-segment", 0, OPT_VALUE, "PREFIX", N_("save each segment as PREFIX-SEGMENT (e.g. PREFIX-champions): with --to-field as FIELD = SEGMENT, else as its cards' ids; yours of those names are replaced"), NULL },
	{ "to-field", 0, OPT_VALUE, "NAME", N_("write each client's segment into this enum field, which must offer champions, loyal, potential_loyalists, new, promising, need_attention, about_to_sleep, at_risk, cant_lose, hibernating and lost"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec report_abc_opts[] = {
	{ "period", 0, OPT_VALUE, "P", N_("2026, 2026-Q3, 2026-11, 2026-01-01..2026-06-30 or 12m (default: the last 12 months); revenue: purchases dated on its days; clients without one are not classified"), NULL },
	{ "by", 0, OPT_VALUE, "month|quarter", N_("XYZ's buckets: the months (default) or quarters meeting the period, a partial one counted whole, one without purchases as 0; X: CV (sigma / mean) <= 10%, Y: <= 25%, Z above"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec report_funnel_opts[] = {
	{ "owner", 0, OPT_VALUE, "USER", N_("only this manager's deals"), NULL },
	{ "period", 0, OPT_VALUE, "P", N_("deals created in this period (as in report abc; default: all)"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec report_managers_opts[] = {
	{ "period", 0, OPT_VALUE, "P", N_("the period (as in report abc; default: the last 30 days, today included); entries count by author, deals by owner, won/lost by when they got there; the daily series: its last 60 days"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec report_reactivation_opts[] = {
	{ "days", 0, OPT_VALUE, "N", N_("clients with no touch in the last N days, today included; never touched ones too (required)"), NULL },
	{ "min-total", 0, OPT_VALUE, "AMOUNT", N_("only clients whose purchases add up to at least AMOUNT"), NULL },
	{ "save-segment", 0, OPT_VALUE, "NAME", N_("save the report's condition (and --where) as a saved segment NAME; it stays live"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec report_birthdays_opts[] = {
	{ "days", 0, OPT_VALUE, "N", N_("birthdays in the next N days, today included (default: 30)"), NULL },
	REPORT_COMMON_OPTS,
};

static const struct opt_spec quality_opts[] = {
	{ "stale-months", 0, OPT_VALUE, "N", N_("stale: no update and no touch in N months (default: 12)"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("list at most N cards or pairs per problem (default: 20)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_ls_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", N_("at most N cards (default: all)"), NULL },
	{ "after", 0, OPT_VALUE, "ID", N_("start after card ID"), NULL },
	{ "trash", 0, OPT_FLAG, NULL, N_("list the trash"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_rel_add_opts[] = {
	{ "name", 0, OPT_VALUE, "NAME", N_("the relative's name (required)"), NULL },
	{ "relation", 0, OPT_VALUE, "REL", N_("spouse, child, parent, colleague, ... (required)"), NULL },
	{ "birthday", 0, OPT_VALUE, "YYYY-MM-DD", N_("date of birth (--MM-DD when the year is unknown)"), NULL },
	{ "note", 0, OPT_VALUE, "TEXT", N_("a note about the relative"), NULL },
	{ "expect-version", 0, OPT_VALUE, "N", N_("fail unless the card is at version N"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_revert_opts[] = {
	{ "to-version", 0, OPT_VALUE, "N", N_("the version whose fields to bring back (required; see: kart card history)"), NULL },
	{ "expect-version", 0, OPT_VALUE, "N", N_("fail unless the card is at version N"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec field_add_opts[] = {
	{ "type", 0, OPT_VALUE, "TYPE", N_("text, number, date, enum, multienum or bool (required)"), NULL },
	{ "values", 0, OPT_VALUE, "A,B,C", N_("enum and multienum: the allowed values, comma-separated"), NULL },
	{ "tab", 0, OPT_VALUE, "TAB", N_("the card tab the field is shown on (default: main)"), NULL },
	{ "sensitive", 0, OPT_FLAG, NULL, N_("hide the value from those not allowed to see sensitive data"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec field_rm_opts[] = {
	{ "force", 0, OPT_FLAG, NULL, N_("remove even when cards have a value for it (the values are lost)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec log_opts[] = {
	{ "text", 0, OPT_VALUE, "TEXT", N_("what happened (required, except for a purchase with --amount)"), NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", N_("purchase amount, in the currency's units"), NULL },
	{ "at", 0, OPT_VALUE, "TIME", N_("when it happened (default: now; forms as for `kart audit --since`)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec timeline_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", N_("at most N entries (default: all)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_add_opts[] = {
	{ "title", 0, OPT_VALUE, "TITLE", N_("what the deal is about (required)"), NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", N_("expected amount, in the currency's units"), NULL },
	{ "stage", 0, OPT_VALUE, "STAGE", N_("funnel stage (default: the first)"), NULL },
	{ "close", 0, OPT_VALUE, "DATE", N_("expected close date, ahead: YYYY-MM-DD, DD.MM.YYYY, DD.MM, 3d, +2w, "
	  "friday, завтра, ..."), NULL },
	{ "owner", 0, OPT_VALUE, "USER", N_("owning manager (default: the card's owner)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_edit_opts[] = {
	{ "title", 0, OPT_VALUE, "TITLE", N_("a new title"), NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", N_("a new expected amount, in the currency's units (as for deal add)"), NULL },
	{ "close", 0, OPT_VALUE, "YYYY-MM-DD", N_("a new expected close date (as for deal add); empty: none"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec timeline_edit_opts[] = {
	{ "text", 0, OPT_VALUE, "TEXT", N_("the corrected text"), NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", N_("the corrected amount of a purchase"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_move_opts[] = {
	{ "stage", 0, OPT_VALUE, "STAGE", N_("the funnel stage to move to (required)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_ls_opts[] = {
	{ "stage", 0, OPT_VALUE, "STAGE", N_("only deals at this stage"), NULL },
	{ "owner", 0, OPT_VALUE, "USER", N_("only deals owned by USER"), NULL },
	{ "card", 0, OPT_VALUE, "ID", N_("only deals of card ID"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_opts[] = {
	{ "at", 0, OPT_VALUE, "TIME", N_("when, ahead (required): 2h or +2h (from now), 3d, +1w, tomorrow (09:00, "
	  "see remind_time), завтра 10:00, пн 10:00 (the next Monday), 05.12 (the next 5 Dec), 05.12.2026 10:00, "
	  "10:00 (today), 2026-12-05T10:00:00+03:00"), NULL },
	{ "text", 0, OPT_VALUE, "TEXT", N_("what to do (required)"), NULL },
	{ "past", 0, OPT_FLAG, NULL, N_("allow a time in the past (refused otherwise)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_ls_opts[] = {
	{ "all", 0, OPT_FLAG, NULL, N_("the done ones too"), NULL },
	{ "due", 0, OPT_FLAG, NULL, N_("only those due now or overdue"), NULL },
	{ "card", 0, OPT_VALUE, "ID", N_("only those on card ID"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_edit_opts[] = {
	{ "at", 0, OPT_VALUE, "TIME", N_("the new time, ahead: forms as for `kart remind --at`"), NULL },
	{ "text", 0, OPT_VALUE, "TEXT", N_("the new text"), NULL },
	{ "past", 0, OPT_FLAG, NULL, N_("allow a time in the past (refused otherwise)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec today_opts[] = {
	{ "days", 0, OPT_VALUE, "N", N_("birthdays in the next N days, today included: today .. today+N-1, "
	  "as the filter 'birthday within Nd' (default: 7)"), NULL },
	{ "all", 0, OPT_FLAG, NULL, N_("every user's reminders, not only mine"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec find_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", N_("at most N cards (default: 20)"), NULL },
	{ "offset", 0, OPT_VALUE, "N", N_("pass over the first N matches: the next ones, when a find said there are more"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec query_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", N_("the filter, one quoted argument (or EXPR without --where), e.g. 'city = Самара'"), NULL },
	{ "segment", 0, OPT_VALUE, "NAME", N_("use a saved segment's filter instead"), NULL },
	{ "count", 0, OPT_FLAG, NULL, N_("print only how many cards match"), NULL },
	{ "sort", 0, OPT_VALUE, "FIELD", N_("order by FIELD; -FIELD for descending (default: id)"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("at most N cards (default: all)"), NULL },
	{ "explain", 0, OPT_FLAG, NULL, N_("print how the query would run and the count"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec segment_save_opts[] = {
	{ "shared", 0, OPT_FLAG, NULL, N_("every staff user sees and uses it (only you and admins change it)"), NULL },
	{ "private", 0, OPT_FLAG, NULL, N_("only you (and admins) see it; the default for a new segment"), NULL },
	{ "replace", 0, OPT_FLAG, NULL, N_("replace a segment of this name that exists (else that is refused)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec move_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", N_("the filter, as one argument (this or --segment is required)"), NULL },
	{ "segment", 0, OPT_VALUE, "NAME", N_("use a saved segment's filter instead"), NULL },
	{ "sector", 0, OPT_VALUE, "cold|warm|hot", N_("the sector to move the cards to (required)"), NULL },
	{ "dry-run", 0, OPT_FLAG, NULL, N_("change nothing: print how many cards would move and the first of them"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec reindex_opts[] = {
	{ "check", 0, OPT_FLAG, NULL, N_("only check, repair nothing; exit 1 when something is wrong"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec backup_opts[] = {
	{ "output", 'o', OPT_VALUE, "FILE", N_("write the backup here (- : standard output, not a terminal); it appears under FILE only once whole"), NULL },
	{ "force", 0, OPT_FLAG, NULL, N_("replace FILE if it exists"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_opts[] = {
	{ "user", 0, OPT_VALUE, "USER", N_("only events by USER"), NULL },
	{ "action", 0, OPT_VALUE, "ACTION", N_("only this action, e.g. login, card.create, user.add"), NULL },
	{ "since", 0, OPT_VALUE, "T", N_("from T on (YYYY-MM-DD, YYYY-MM-DDTHH:MM, unix seconds, today, 1h, 7d, -30m ago)"), NULL },
	{ "until", 0, OPT_VALUE, "T", N_("before T (same forms as --since)"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("at most N events (default: all)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec stats_opts[] = {
	{ "prometheus", 0, OPT_FLAG, NULL, N_("print the Prometheus text format (for node_exporter's textfile collector)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec issue_cert_opts[] = {
	{ "output", 'o', OPT_VALUE, "FILE", N_("where to write the bundle: key, certificate and CA, mode 0600 (default: USER.pem)"), NULL },
	{ "days", 0, OPT_VALUE, "N", N_("valid for N days (default: 365)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_verify_opts[] = {
	{ "from", 0, OPT_VALUE, "SEQ", N_("check from record SEQ on (the records before it are not checked)"), NULL },
	{ "head", 0, OPT_VALUE, "SEQ:HASH", N_("a head recorded earlier (kart audit head, or the daemon's log): proves nothing was cut off the end"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_canary_opts[] = {
	{ "off", 0, OPT_FLAG, NULL, N_("the card is no longer a canary"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_reads_opts[] = {
	{ "card", 0, OPT_VALUE, "ID", N_("who received card ID"), NULL },
	{ "user", 0, OPT_VALUE, "USER", N_("which cards USER received"), NULL },
	{ "since", 0, OPT_VALUE, "T", N_("from T on (same forms as for kart audit)"), NULL },
	{ "until", 0, OPT_VALUE, "T", N_("before T"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("at most N records (default: all)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec alerts_opts[] = {
	{ "since", 0, OPT_VALUE, "T", N_("from T on (same forms as for kart audit)"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("at most N alerts (default: all)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec export_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", N_("the filter, one quoted argument (or EXPR without --where; default: every card you see)"), NULL },
	{ "segment", 0, OPT_VALUE, "NAME", N_("use a saved segment's filter instead"), NULL },
	{ "format", 0, OPT_VALUE, "csv|vcard", N_("file format (default: csv)"), NULL },
	{ "output", 'o', OPT_VALUE, "FILE", N_("write the file here (- or default: standard output); a FIFO or device is written into; nothing is created if the export is refused"), NULL },
	{ "force", 0, OPT_FLAG, NULL, N_("replace FILE if it exists (its mode is kept)"), NULL },
	{ "delimiter", 0, OPT_VALUE, "CHAR", N_("csv: , ; | or tab (default: ; in a Russian locale — LC_ALL, LC_NUMERIC, LANG — else ,)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec import_opts[] = {
	{ "format", 0, OPT_VALUE, "auto|csv|vcard", N_("the files' format (default: by the name, then the content)"), NULL },
	{ "map", 0, OPT_VALUE, "'COLUMN=field,...'", N_("send these columns (or vCard properties) to these card or custom fields"), NULL },
	{ "encoding", 0, OPT_VALUE, "auto|utf-8|cp1251|...", N_("the files' encoding (default: detected)"), NULL },
	{ "delimiter", 0, OPT_VALUE, "auto|,|;|tab", N_("the CSV delimiter (default: detected)"), NULL },
	{ "owner", 0, OPT_VALUE, "USER", N_("owner of the cards created (default: as for card add)"), NULL },
	{ "tag", 0, OPT_LIST, "TAG", N_("add this tag to every card created or merged"), NULL },
	{ "on-duplicate", 0, OPT_VALUE, "skip|merge|create", N_("a row whose phone or e-mail is on a card you see: leave the card (default), fill it in, or create a card anyway"), NULL },
	{ "dry-run", 0, OPT_FLAG, NULL, N_("read and check everything, store nothing, say what would happen"), NULL },
	{ "strict", 0, OPT_FLAG, NULL, N_("all or nothing: a refused row ends the import and undoes it"), NULL },
	{ "rejects", 0, OPT_VALUE, "FILE", N_("write the refused rows to FILE, to fix and import again"), NULL },
	{ "resume", 0, OPT_VALUE, "ID", N_("go on with an import that stopped (the same files, in the same order)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec exports_opts[] = {
	{ "user", 0, OPT_VALUE, "USER", N_("only exports by USER"), NULL },
	{ "limit", 0, OPT_VALUE, "N", N_("at most N exports, newest first (default: 100)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec import_undo_opts[] = {
	{ "force", 0, 0, NULL, N_("take back the cards edited since the import too"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_quota_opts[] = {
	{ "export-per-day", 0, OPT_VALUE, "N", N_("cards a day the user may export: a number, unlimited, or default (the role's)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec dup_merge_opts[] = {
	{ "prefer", 0, OPT_VALUE, "ID", N_("whose value a field both cards hold keeps: A or B (default: A's)"), NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

const struct cmd_def cli_commands[] = {
	{ "login", "USER", 1, 1, N_("log in; the session is kept in $KART_HOME"), login_opts, cmd_login },
	{ "logout", "", 0, 0, N_("end the session and forget it"), no_opts, cmd_logout },
	{ "version", "", 0, 0, N_("print the client's version and, when logged in, the server's"), no_opts, cmd_version },
	{ "whoami", "", 0, 0, N_("show who the session belongs to"), no_opts, cmd_whoami },
	{ "user add", "NAME --role ROLE", 1, 1, N_("create a user (asks for the password)"), user_add_opts, cmd_user_add },
	{ "user list", "", 0, 0, N_("list users"), no_opts, cmd_user_list },
	{ "user show", "NAME", 1, 1, N_("show a user: role, team, grants, export quota, state, sessions"), no_opts, cmd_user_show },
	{ "user passwd", "NAME", 1, 1, N_("set a user's password (your own: with the current one)"), passwd_opts, cmd_user_passwd },
	{ "user lock", "NAME", 1, 1, N_("lock a user out; their sessions end at once"), no_opts, cmd_user_lock },
	{ "user unlock", "NAME", 1, 1, N_("let a locked user log in again"), no_opts, cmd_user_unlock },
	{ "user offboard", "NAME --to USER", 1, 1, N_("lock a departing user, hand their work to USER, show what they did"), user_offboard_opts, cmd_user_offboard },
	{ "user grant", "NAME export|import", 2, 2, N_("allow a user to export or to import cards"), no_opts, cmd_user_grant },
	{ "user revoke", "NAME export|import", 2, 2, N_("no longer allow a user to export or to import cards"), no_opts, cmd_user_revoke },
	{ "user quota", "NAME --export-per-day N", 1, 1, N_("set how many cards a day a user may export"), user_quota_opts, cmd_user_quota },
	{ "card add", "[--first NAME --last NAME --company C --phone P ...]", 0, 0, N_("create a card; prints its id"), card_add_opts, cmd_card_add },
	{ "card show", "ID", 1, 1, N_("show one card"), card_show_opts, cmd_card_show },
	{ "card edit", "ID --set FIELD=VALUE...", 1, 1, N_("change fields of a card"), card_edit_opts, cmd_card_edit },
	{ "card rm", "ID", 1, 1, N_("move a card to the trash"), card_rm_opts, cmd_card_rm },
	{ "card restore", "ID", 1, 1, N_("bring a card back from the trash"), no_opts, cmd_card_restore },
	{ "card ls", "", 0, 0, N_("list cards in id order"), card_ls_opts, cmd_card_ls },
	{ "card history", "ID", 1, 1, N_("show a card's versions and their changes"), no_opts, cmd_card_history },
	{ "card revert", "ID --to-version N", 1, 1, N_("restore a card's fields from version N"), card_revert_opts, cmd_card_revert },
	{ "card rel add", "ID --name NAME --relation REL", 1, 1, N_("add a relative (spouse, child, ...)"), card_rel_add_opts, cmd_card_rel_add },
	{ "card rel rm", "ID N", 2, 2, N_("remove a card's N-th relative"), card_rm_opts, cmd_card_rel_rm },
	{ "card rel ls", "ID", 1, 1, N_("list a card's relatives, numbered"), no_opts, cmd_card_rel_ls },
	{ "dup merge", "A B [--prefer A|B]", 2, 2, N_("merge card B into card A: B's contacts, timeline, deals and reminders go to A, B leads to A"), dup_merge_opts, cmd_dup_merge },
	{ "dup unmerge", "A B", 2, 2, N_("take a merge back: card B returns with what moved from it"), no_opts, cmd_dup_unmerge },
	{ "field add", "NAME --type TYPE", 1, 1, N_("define a custom card field"), field_add_opts, cmd_field_add },
	{ "field ls", "", 0, 0, N_("list the custom card fields"), no_opts, cmd_field_ls },
	{ "field rm", "NAME", 1, 1, N_("remove a custom card field"), field_rm_opts, cmd_field_rm },
	{ "log", "ID call|meeting|email|note|purchase --text TEXT", 2, 2, N_("log a contact or purchase; prints its id"), log_opts, cmd_log },
	{ "timeline", "ID", 1, 1, N_("show a card's timeline, newest first, with entry ids"), timeline_opts, cmd_timeline },
	{ "timeline edit", "ENTRY --text TEXT", 1, 1, N_("correct a timeline entry (the old text is kept)"), timeline_edit_opts, cmd_timeline_edit },
	{ "timeline rm", "ENTRY", 1, 1, N_("delete a timeline entry (the audit trail keeps its text)"), no_opts, cmd_timeline_rm },
	{ "deal add", "ID --title TITLE", 1, 1, N_("open a deal for a card; prints its id"), deal_add_opts, cmd_deal_add },
	{ "deal move", "DEAL --stage STAGE", 1, 1, N_("move a deal to another funnel stage"), deal_move_opts, cmd_deal_move },
	{ "deal ls", "", 0, 0, N_("list deals and the funnel per stage"), deal_ls_opts, cmd_deal_ls },
	{ "deal show", "DEAL", 1, 1, N_("show one deal"), no_opts, cmd_deal_show },
	{ "deal edit", "DEAL [--title T] [--amount N] [--close DATE]", 1, 1, N_("change a deal's title, amount or close date"), deal_edit_opts, cmd_deal_edit },
	{ "deal rm", "DEAL", 1, 1, N_("delete a deal for good (audited; there is no trash for deals)"), no_opts, cmd_deal_rm },
	{ "remind", "ID --at TIME --text TEXT", 1, 1, N_("remind about a card; prints its id"), remind_opts, cmd_remind },
	{ "remind done", "RID", 1, 1, N_("mark a reminder done"), no_opts, cmd_remind_done },
	{ "remind ls", "", 0, 0, N_("my reminders (set by me, or by others on my cards): open ones in due order"),
	  remind_ls_opts, cmd_remind_ls },
	{ "remind edit", "RID", 1, 1, N_("change an open reminder's time (--at) and/or text (--text)"), remind_edit_opts,
	  cmd_remind_edit },
	{ "remind snooze", "RID DURATION", 2, 2, N_("move an open reminder ahead by DURATION (30m, 1h, 2d, 1w): from now "
	  "if overdue, else from its time"), no_opts, cmd_remind_snooze },
	{ "today", "", 0, 0, N_("reminders due and birthdays coming up"), today_opts, cmd_today },
	{ "find", "TEXT...", 1, SIZE_MAX, N_("find cards by phone, email or name"), find_opts, cmd_find },
	{ "ls", "[EXPR]", 0, SIZE_MAX, N_("list or count the cards a filter matches"), query_opts, cmd_ls },
	{ "move", "--where EXPR --sector SECTOR", 0, 0, N_("move matching cards to a sector"), move_opts, cmd_move },
	{ "dup find", "[--min-score S] [--where EXPR]", 0, 0, N_("list pairs of cards that are probably one client, best first"),
	  dup_find_opts, cmd_dup_find },
	{ "quality", "[--stale-months N] [--limit N]", 0, 0,
	  N_("count and list cards without contacts, with bad emails or phones, stale, without an owner, or duplicated; "
	     "exit 10 when any"),
	  quality_opts, cmd_quality },
	{ "report rfm", "[--at DATE] [--window 365d] [--where EXPR]", 0, 0,
	  N_("clients with a purchase up to --at, scored 1-5 (NTILE, ties by card id) on recency, frequency and money, "
	     "in RFM segments of the recency by frequency grid"),
	  report_rfm_opts, cmd_report_rfm },
	{ "report abc", "[--period P] [--by month|quarter] [--where EXPR]", 0, 0,
	  N_("clients by revenue in the period (ABC: A while the cumulative share, the client's own included, is <= 80%, B <= 95%, C the rest) and its steadiness month to month (XYZ)"), report_abc_opts, cmd_report_abc },
	{ "report funnel", "[--owner U] [--period P]", 0, 0,
	  N_("deals through the funnel: reached, conversion, time in each stage, won and lost"), report_funnel_opts,
	  cmd_report_funnel },
	{ "report managers", "[--period P]", 0, 0,
	  N_("what each manager did: calls, meetings, emails, notes, new cards, deals, reminders"), report_managers_opts,
	  cmd_report_managers },
	{ "report reactivation", "--days N [--min-total X]", 0, 0,
	  N_("clients not touched in N days, the biggest buyers first"), report_reactivation_opts,
	  cmd_report_reactivation },
	{ "report birthdays", "[--days N]", 0, 0,
	  N_("clients and their relatives with birthdays in the next N days"), report_birthdays_opts,
	  cmd_report_birthdays },
	{ "segment save", "NAME EXPR", 2, 2, N_("save a filter as a named segment (new ones are private)"), segment_save_opts,
	  cmd_segment_save },
	{ "segment ls", "", 0, 0, N_("list the saved segments"), no_opts, cmd_segment_ls },
	{ "segment show", "NAME", 1, 1, N_("print a segment's filter"), no_opts, cmd_segment_show },
	{ "segment rm", "NAME", 1, 1, N_("remove a saved segment"), no_opts, cmd_segment_rm },
	{ "admin reindex", "", 0, 0, N_("check and repair the search indexes"), reindex_opts, cmd_admin_reindex },
	{ "admin backup", "-o FILE", 0, 0, N_("a consistent copy of the whole database, taken while the server serves (admins)"), backup_opts, cmd_admin_backup },
	{ "admin issue-cert", "USER", 1, 1, N_("issue a client certificate for USER, signed by the instance CA"), issue_cert_opts, cmd_admin_issue_cert },
	{ "admin revoke-cert", "SERIAL", 1, 1, N_("revoke a client certificate; connections using it are refused at once"), no_opts, cmd_admin_revoke_cert },
	{ "admin certs", "", 0, 0, N_("list the client certificates issued"), no_opts, cmd_admin_certs },
	{ "admin stats", "[--prometheus]", 0, 0,
	  N_("the server's counters: uptime, connections, requests per second and latency by kind, writer, map, "
	     "readers, audit, reads, pool"),
	  stats_opts, cmd_admin_stats },
	{ "audit", "", 0, 0, N_("query the audit log, newest first"), audit_opts, cmd_audit },
	{ "audit verify", "", 0, 0, N_("check the audit trail's hash chain; exit 1 when broken"), audit_verify_opts, cmd_audit_verify },
	{ "audit head", "", 0, 0, N_("print the audit trail's head as SEQ:HASH, to keep elsewhere"), no_opts, cmd_audit_head },
	{ "audit reads", "--card ID | --user USER", 0, 0, N_("who received which cards, newest first"), audit_reads_opts, cmd_audit_reads },
	{ "alerts", "", 0, 0, N_("alerts (canary cards read, bulk reading), newest first"), alerts_opts, cmd_alerts },
	{ "card canary", "ID", 1, 1, N_("mark a card as a canary: anyone reading it raises an alert"), card_canary_opts, cmd_card_canary },
	{ "card canaries", "", 0, 0, N_("list the canary cards (admins)"), no_opts, cmd_card_canaries },
	{ "user unblock", "NAME", 1, 1, N_("let a user blocked for bulk reading read cards again"), no_opts, cmd_user_unblock },
	{ "import", "FILE...", 1, 64, N_("bring cards in from CSV (Excel, 1C, Outlook, Google...) or vCard files; - reads standard input"), import_opts, cmd_import },
	{ "export", "[--where EXPR] [-o FILE]", 0, 1, N_("export cards to a CSV or vCard file (audited, within a daily quota)"), export_opts, cmd_export },
	{ "imports", "", 0, 0, N_("list the imports made (yours; an admin's: all), newest first"), no_opts, cmd_imports },
	{ "import undo", "ID [--force]", 1, 1, N_("take an import back: its new cards to the trash, its merges reverted; cards edited since are kept (exit status 5) unless --force"), import_undo_opts, cmd_import_undo },
	{ "exports", "", 0, 0, N_("list the exports made, newest first"), exports_opts, cmd_exports },
	{ "leak trace", "FILE", 1, 1, N_("find which export a leaked file came from"), no_opts, cmd_leak_trace },
	{ "help", "[COMMAND...]", 0, MAX_COMMAND_WORDS, N_("show help for a command"), no_opts, cmd_help },
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);
