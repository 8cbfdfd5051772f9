/* kart: the Kartoteka command-line client. This file is the front door: the
 * command and option tables, the command-line parser (global options are
 * accepted anywhere, before or after the command), the help text, resolving
 * the global settings from flags and environment, and exit codes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_COMMAND_WORDS 3

static const struct opt_spec global_opts[] = {
	{ "server", 's', OPT_VALUE, "HOST:PORT", "kartd address (env KART_SERVER; default: the session's, else " KART_DEFAULT_SERVER ")", NULL },
	{ "ca", 0, OPT_VALUE, "FILE", "CA certificate (PEM) the server must be signed by (env KART_CA; default: system store)", NULL },
	{ "cert", 0, OPT_VALUE, "FILE", "client certificate: the bundle from `kart admin issue-cert`, or a certificate with --key (env KART_CERT; default: the session's)", NULL },
	{ "key", 0, OPT_VALUE, "FILE", "the client certificate's private key, when not in the --cert file (env KART_KEY)", NULL },
	{ "home", 0, OPT_VALUE, "DIR", "where the session file lives (env KART_HOME; default ~/.config/kart)", NULL },
	{ "json", 0, OPT_FLAG, NULL, "print JSON (proto field names) instead of text", NULL },
	{ "trust", 0, OPT_FLAG, NULL, "without --ca: trust and remember a server seen for the first time", NULL },
	{ "help", 'h', OPT_FLAG, NULL, "show help", NULL },
	{ "version", 0, OPT_FLAG, NULL, "print the client's version (kart version: the server's too)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec no_opts[] = {
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec passwd_opts[] = {
	{ "password-file", 0, OPT_VALUE, "FILE", "read the new password from the first line of FILE", NULL },
	{ "old-password-file", 0, OPT_VALUE, "FILE", "read the current password from FILE (needed for your own)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec login_opts[] = {
	{ "password-file", 0, OPT_VALUE, "FILE", "read the password from the first line of FILE", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_add_opts[] = {
	{ "role", 0, OPT_VALUE, "ROLE", "admin, supervisor, manager or auditor (required)", NULL },
	{ "team", 0, OPT_VALUE, "TEAM", "the team: a supervisor sees the cards of their team", NULL },
	{ "password-file", 0, OPT_VALUE, "FILE", "read the password from the first line of FILE", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_offboard_opts[] = {
	{ "to", 0, OPT_VALUE, "USER", "who takes over the cards, deals and reminders (required)", NULL },
	{ "force", 0, OPT_FLAG, NULL, "hand the work over even when USER is in another team (the cards leave the team's supervisor)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_add_opts[] = {
	{ "first", 0, OPT_VALUE, "NAME", "first name", "first_name" },
	{ "last", 0, OPT_VALUE, "NAME", "last name", "last_name" },
	{ "middle", 0, OPT_VALUE, "NAME", "middle name (patronymic)", "middle_name" },
	{ "company", 0, OPT_VALUE, "TEXT", "company", "company" },
	{ "position", 0, OPT_VALUE, "TEXT", "position in the company", "position" },
	{ "phone", 0, OPT_LIST, "PHONE", "phone number", "phones" },
	{ "email", 0, OPT_LIST, "EMAIL", "e-mail address", "emails" },
	{ "messenger", 0, OPT_LIST, "KIND:HANDLE", "messenger account, e.g. telegram:@ivanov", "messengers" },
	{ "city", 0, OPT_VALUE, "TEXT", "city", "city" },
	{ "address", 0, OPT_VALUE, "TEXT", "address", "address" },
	{ "birthday", 0, OPT_VALUE, "YYYY-MM-DD", "date of birth", "birthday" },
	{ "gender", 0, OPT_VALUE, "f|m", "gender", "gender" },
	{ "source", 0, OPT_VALUE, "TEXT", "how the client heard of us", "source" },
	{ "tag", 0, OPT_LIST, "TAG", "tag", "tags" },
	{ "sector", 0, OPT_VALUE, "cold|warm|hot", "sales sector", "sector" },
	{ "owner", 0, OPT_VALUE, "USER", "owning manager (default: the server decides)", "owner" },
	{ "notes", 0, OPT_VALUE, "TEXT", "free-form notes", "notes" },
	{ "lifecycle", 0, OPT_VALUE, "STAGE", "potential, working, active, regular or dead", "lifecycle" },
	{ "vip", 0, OPT_FLAG, NULL, "mark the client as a VIP", "vip" },
	{ "key-account", 0, OPT_FLAG, NULL, "mark the client as a key account", "key_account" },
	{ "field", 0, OPT_LIST, "NAME=VALUE", "set a custom field (see: kart field ls)", NULL },
	{ "set", 0, OPT_LIST, "FIELD=VALUE", "set any field by name, core or custom, as in `kart card edit`", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_show_opts[] = {
	{ "trash", 0, OPT_FLAG, NULL, "look in the trash", NULL },
	{ "tab", 0, OPT_VALUE, "TAB", "show only this tab of custom fields (main: the core fields and the custom fields without a tab)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_edit_opts[] = {
	{ "set", 0, OPT_LIST, "FIELD=VALUE", "set a field by its name as in `kart card show`, core or custom (see: kart field ls); lists comma-separated; empty clears; FIELD+=VALUE adds to a list (phones, emails, tags, messengers; what is there already stays once), FIELD-=VALUE removes (an entry not there is an error); numbers as 1 500, 1500,50 or 1500.50; yes/no as да/нет too", NULL },
	{ "expect-version", 0, OPT_VALUE, "N", "fail unless the card is at version N", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_rm_opts[] = {
	{ "expect-version", 0, OPT_VALUE, "N", "fail unless the card is at version N", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_ls_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", "at most N cards (default: all)", NULL },
	{ "after", 0, OPT_VALUE, "ID", "start after card ID", NULL },
	{ "trash", 0, OPT_FLAG, NULL, "list the trash", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_rel_add_opts[] = {
	{ "name", 0, OPT_VALUE, "NAME", "the relative's name (required)", NULL },
	{ "relation", 0, OPT_VALUE, "REL", "spouse, child, parent, colleague, ... (required)", NULL },
	{ "birthday", 0, OPT_VALUE, "YYYY-MM-DD", "date of birth (--MM-DD when the year is unknown)", NULL },
	{ "note", 0, OPT_VALUE, "TEXT", "a note about the relative", NULL },
	{ "expect-version", 0, OPT_VALUE, "N", "fail unless the card is at version N", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_revert_opts[] = {
	{ "to-version", 0, OPT_VALUE, "N", "the version whose fields to bring back (required; see: kart card history)", NULL },
	{ "expect-version", 0, OPT_VALUE, "N", "fail unless the card is at version N", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec field_add_opts[] = {
	{ "type", 0, OPT_VALUE, "TYPE", "text, number, date, enum, multienum or bool (required)", NULL },
	{ "values", 0, OPT_VALUE, "A,B,C", "enum and multienum: the allowed values, comma-separated", NULL },
	{ "tab", 0, OPT_VALUE, "TAB", "the card tab the field is shown on (default: main)", NULL },
	{ "sensitive", 0, OPT_FLAG, NULL, "hide the value from those not allowed to see sensitive data", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec field_rm_opts[] = {
	{ "force", 0, OPT_FLAG, NULL, "remove even when cards have a value for it (the values are lost)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec log_opts[] = {
	{ "text", 0, OPT_VALUE, "TEXT", "what happened (required, except for a purchase with --amount)", NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", "purchase amount, in the currency's units", NULL },
	{ "at", 0, OPT_VALUE, "TIME", "when it happened (default: now; forms as for `kart audit --since`)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec timeline_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", "at most N entries (default: all)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_add_opts[] = {
	{ "title", 0, OPT_VALUE, "TITLE", "what the deal is about (required)", NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", "expected amount, in the currency's units", NULL },
	{ "stage", 0, OPT_VALUE, "STAGE", "funnel stage (default: the first)", NULL },
	{ "close", 0, OPT_VALUE, "DATE", "expected close date, ahead: YYYY-MM-DD, DD.MM.YYYY, DD.MM, 3d, +2w, "
	  "friday, завтра, ...", NULL },
	{ "owner", 0, OPT_VALUE, "USER", "owning manager (default: the card's owner)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_edit_opts[] = {
	{ "title", 0, OPT_VALUE, "TITLE", "a new title", NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", "a new expected amount, in the currency's units (as for deal add)", NULL },
	{ "close", 0, OPT_VALUE, "YYYY-MM-DD", "a new expected close date (as for deal add); empty: none", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec timeline_edit_opts[] = {
	{ "text", 0, OPT_VALUE, "TEXT", "the corrected text", NULL },
	{ "amount", 0, OPT_VALUE, "1234.50", "the corrected amount of a purchase", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_move_opts[] = {
	{ "stage", 0, OPT_VALUE, "STAGE", "the funnel stage to move to (required)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec deal_ls_opts[] = {
	{ "stage", 0, OPT_VALUE, "STAGE", "only deals at this stage", NULL },
	{ "owner", 0, OPT_VALUE, "USER", "only deals owned by USER", NULL },
	{ "card", 0, OPT_VALUE, "ID", "only deals of card ID", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_opts[] = {
	{ "at", 0, OPT_VALUE, "TIME", "when, ahead (required): 2h or +2h (from now), 3d, +1w, tomorrow (09:00, "
	  "see remind_time), завтра 10:00, пн 10:00 (the next Monday), 05.12 (the next 5 Dec), 05.12.2026 10:00, "
	  "10:00 (today), 2026-12-05T10:00:00+03:00", NULL },
	{ "text", 0, OPT_VALUE, "TEXT", "what to do (required)", NULL },
	{ "past", 0, OPT_FLAG, NULL, "allow a time in the past (refused otherwise)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_ls_opts[] = {
	{ "all", 0, OPT_FLAG, NULL, "the done ones too", NULL },
	{ "due", 0, OPT_FLAG, NULL, "only those due now or overdue", NULL },
	{ "card", 0, OPT_VALUE, "ID", "only those on card ID", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec remind_edit_opts[] = {
	{ "at", 0, OPT_VALUE, "TIME", "the new time, ahead: forms as for `kart remind --at`", NULL },
	{ "text", 0, OPT_VALUE, "TEXT", "the new text", NULL },
	{ "past", 0, OPT_FLAG, NULL, "allow a time in the past (refused otherwise)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec today_opts[] = {
	{ "days", 0, OPT_VALUE, "N", "birthdays in the next N days, today included: today .. today+N-1, "
	  "as the filter 'birthday within Nd' (default: 7)", NULL },
	{ "all", 0, OPT_FLAG, NULL, "every user's reminders, not only mine", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec find_opts[] = {
	{ "limit", 0, OPT_VALUE, "N", "at most N cards (default: 20)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec query_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", "the filter, one quoted argument (or EXPR without --where), e.g. 'city = Самара'", NULL },
	{ "segment", 0, OPT_VALUE, "NAME", "use a saved segment's filter instead", NULL },
	{ "count", 0, OPT_FLAG, NULL, "print only how many cards match", NULL },
	{ "sort", 0, OPT_VALUE, "FIELD", "order by FIELD; -FIELD for descending (default: id)", NULL },
	{ "limit", 0, OPT_VALUE, "N", "at most N cards (default: all)", NULL },
	{ "explain", 0, OPT_FLAG, NULL, "print how the query would run and the count", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec segment_save_opts[] = {
	{ "shared", 0, OPT_FLAG, NULL, "every staff user sees and uses it (only you and admins change it)", NULL },
	{ "private", 0, OPT_FLAG, NULL, "only you (and admins) see it; the default for a new segment", NULL },
	{ "replace", 0, OPT_FLAG, NULL, "replace a segment of this name that exists (else that is refused)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec move_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", "the filter, as one argument (this or --segment is required)", NULL },
	{ "segment", 0, OPT_VALUE, "NAME", "use a saved segment's filter instead", NULL },
	{ "sector", 0, OPT_VALUE, "cold|warm|hot", "the sector to move the cards to (required)", NULL },
	{ "dry-run", 0, OPT_FLAG, NULL, "change nothing: print how many cards would move and the first of them", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec reindex_opts[] = {
	{ "check", 0, OPT_FLAG, NULL, "only check, repair nothing; exit 1 when something is wrong", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_opts[] = {
	{ "user", 0, OPT_VALUE, "USER", "only events by USER", NULL },
	{ "action", 0, OPT_VALUE, "ACTION", "only this action, e.g. login, card.create, user.add", NULL },
	{ "since", 0, OPT_VALUE, "T", "from T on (YYYY-MM-DD, YYYY-MM-DDTHH:MM, unix seconds, today, 1h, 7d, -30m ago)", NULL },
	{ "until", 0, OPT_VALUE, "T", "before T (same forms as --since)", NULL },
	{ "limit", 0, OPT_VALUE, "N", "at most N events (default: all)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec issue_cert_opts[] = {
	{ "output", 'o', OPT_VALUE, "FILE", "where to write the bundle: key, certificate and CA, mode 0600 (default: USER.pem)", NULL },
	{ "days", 0, OPT_VALUE, "N", "valid for N days (default: 365)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_verify_opts[] = {
	{ "from", 0, OPT_VALUE, "SEQ", "check from record SEQ on (the records before it are not checked)", NULL },
	{ "head", 0, OPT_VALUE, "SEQ:HASH", "a head recorded earlier (kart audit head, or the daemon's log): proves nothing was cut off the end", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec card_canary_opts[] = {
	{ "off", 0, OPT_FLAG, NULL, "the card is no longer a canary", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec audit_reads_opts[] = {
	{ "card", 0, OPT_VALUE, "ID", "who received card ID", NULL },
	{ "user", 0, OPT_VALUE, "USER", "which cards USER received", NULL },
	{ "since", 0, OPT_VALUE, "T", "from T on (same forms as for kart audit)", NULL },
	{ "until", 0, OPT_VALUE, "T", "before T", NULL },
	{ "limit", 0, OPT_VALUE, "N", "at most N records (default: all)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec alerts_opts[] = {
	{ "since", 0, OPT_VALUE, "T", "from T on (same forms as for kart audit)", NULL },
	{ "limit", 0, OPT_VALUE, "N", "at most N alerts (default: all)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec export_opts[] = {
	{ "where", 0, OPT_VALUE, "EXPR", "the filter, one quoted argument (or EXPR without --where; default: every card you see)", NULL },
	{ "segment", 0, OPT_VALUE, "NAME", "use a saved segment's filter instead", NULL },
	{ "format", 0, OPT_VALUE, "csv|vcard", "file format (default: csv)", NULL },
	{ "output", 'o', OPT_VALUE, "FILE", "write the file here (- or default: standard output); a FIFO or device is written into; nothing is created if the export is refused", NULL },
	{ "force", 0, OPT_FLAG, NULL, "replace FILE if it exists (its mode is kept)", NULL },
	{ "delimiter", 0, OPT_VALUE, "CHAR", "csv: , ; | or tab (default: ; in a Russian locale — LC_ALL, LC_NUMERIC, LANG — else ,)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec exports_opts[] = {
	{ "user", 0, OPT_VALUE, "USER", "only exports by USER", NULL },
	{ "limit", 0, OPT_VALUE, "N", "at most N exports, newest first (default: 100)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct opt_spec user_quota_opts[] = {
	{ "export-per-day", 0, OPT_VALUE, "N", "cards a day the user may export: a number, unlimited, or default (the role's)", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

static const struct cmd_def commands[] = {
	{ "login", "USER", 1, 1, "log in; the session is kept in $KART_HOME", login_opts, cmd_login },
	{ "logout", "", 0, 0, "end the session and forget it", no_opts, cmd_logout },
	{ "version", "", 0, 0, "print the client's version and, when logged in, the server's", no_opts, cmd_version },
	{ "whoami", "", 0, 0, "show who the session belongs to", no_opts, cmd_whoami },
	{ "user add", "NAME --role ROLE", 1, 1, "create a user (asks for the password)", user_add_opts, cmd_user_add },
	{ "user list", "", 0, 0, "list users", no_opts, cmd_user_list },
	{ "user show", "NAME", 1, 1, "show a user: role, team, grants, export quota, state, sessions", no_opts, cmd_user_show },
	{ "user passwd", "NAME", 1, 1, "set a user's password (your own: with the current one)", passwd_opts, cmd_user_passwd },
	{ "user lock", "NAME", 1, 1, "lock a user out; their sessions end at once", no_opts, cmd_user_lock },
	{ "user unlock", "NAME", 1, 1, "let a locked user log in again", no_opts, cmd_user_unlock },
	{ "user offboard", "NAME --to USER", 1, 1, "lock a departing user, hand their work to USER, show what they did", user_offboard_opts, cmd_user_offboard },
	{ "user grant", "NAME export", 2, 2, "allow a user to export cards", no_opts, cmd_user_grant },
	{ "user revoke", "NAME export", 2, 2, "no longer allow a user to export cards", no_opts, cmd_user_revoke },
	{ "user quota", "NAME --export-per-day N", 1, 1, "set how many cards a day a user may export", user_quota_opts, cmd_user_quota },
	{ "card add", "[--first NAME --last NAME --company C --phone P ...]", 0, 0, "create a card; prints its id", card_add_opts, cmd_card_add },
	{ "card show", "ID", 1, 1, "show one card", card_show_opts, cmd_card_show },
	{ "card edit", "ID --set FIELD=VALUE...", 1, 1, "change fields of a card", card_edit_opts, cmd_card_edit },
	{ "card rm", "ID", 1, 1, "move a card to the trash", card_rm_opts, cmd_card_rm },
	{ "card restore", "ID", 1, 1, "bring a card back from the trash", no_opts, cmd_card_restore },
	{ "card ls", "", 0, 0, "list cards in id order", card_ls_opts, cmd_card_ls },
	{ "card history", "ID", 1, 1, "show a card's versions and their changes", no_opts, cmd_card_history },
	{ "card revert", "ID --to-version N", 1, 1, "restore a card's fields from version N", card_revert_opts, cmd_card_revert },
	{ "card rel add", "ID --name NAME --relation REL", 1, 1, "add a relative (spouse, child, ...)", card_rel_add_opts, cmd_card_rel_add },
	{ "card rel rm", "ID N", 2, 2, "remove a card's N-th relative", card_rm_opts, cmd_card_rel_rm },
	{ "card rel ls", "ID", 1, 1, "list a card's relatives, numbered", no_opts, cmd_card_rel_ls },
	{ "field add", "NAME --type TYPE", 1, 1, "define a custom card field", field_add_opts, cmd_field_add },
	{ "field ls", "", 0, 0, "list the custom card fields", no_opts, cmd_field_ls },
	{ "field rm", "NAME", 1, 1, "remove a custom card field", field_rm_opts, cmd_field_rm },
	{ "log", "ID call|meeting|email|note|purchase --text TEXT", 2, 2, "log a contact or purchase; prints its id", log_opts, cmd_log },
	{ "timeline", "ID", 1, 1, "show a card's timeline, newest first, with entry ids", timeline_opts, cmd_timeline },
	{ "timeline edit", "ENTRY --text TEXT", 1, 1, "correct a timeline entry (the old text is kept)", timeline_edit_opts, cmd_timeline_edit },
	{ "timeline rm", "ENTRY", 1, 1, "delete a timeline entry (the audit trail keeps its text)", no_opts, cmd_timeline_rm },
	{ "deal add", "ID --title TITLE", 1, 1, "open a deal for a card; prints its id", deal_add_opts, cmd_deal_add },
	{ "deal move", "DEAL --stage STAGE", 1, 1, "move a deal to another funnel stage", deal_move_opts, cmd_deal_move },
	{ "deal ls", "", 0, 0, "list deals and the funnel per stage", deal_ls_opts, cmd_deal_ls },
	{ "deal show", "DEAL", 1, 1, "show one deal", no_opts, cmd_deal_show },
	{ "deal edit", "DEAL [--title T] [--amount N] [--close DATE]", 1, 1, "change a deal's title, amount or close date", deal_edit_opts, cmd_deal_edit },
	{ "deal rm", "DEAL", 1, 1, "delete a deal for good (audited; there is no trash for deals)", no_opts, cmd_deal_rm },
	{ "remind", "ID --at TIME --text TEXT", 1, 1, "remind about a card; prints its id", remind_opts, cmd_remind },
	{ "remind done", "RID", 1, 1, "mark a reminder done", no_opts, cmd_remind_done },
	{ "remind ls", "", 0, 0, "my reminders (set by me, or by others on my cards): open ones in due order",
	  remind_ls_opts, cmd_remind_ls },
	{ "remind edit", "RID", 1, 1, "change an open reminder's time (--at) and/or text (--text)", remind_edit_opts,
	  cmd_remind_edit },
	{ "remind snooze", "RID DURATION", 2, 2, "move an open reminder ahead by DURATION (30m, 1h, 2d, 1w): from now "
	  "if overdue, else from its time", no_opts, cmd_remind_snooze },
	{ "today", "", 0, 0, "reminders due and birthdays coming up", today_opts, cmd_today },
	{ "find", "TEXT...", 1, SIZE_MAX, "find cards by phone, email or name", find_opts, cmd_find },
	{ "ls", "[EXPR]", 0, SIZE_MAX, "list or count the cards a filter matches", query_opts, cmd_ls },
	{ "move", "--where EXPR --sector SECTOR", 0, 0, "move matching cards to a sector", move_opts, cmd_move },
	{ "segment save", "NAME EXPR", 2, 2, "save a filter as a named segment (new ones are private)", segment_save_opts,
	  cmd_segment_save },
	{ "segment ls", "", 0, 0, "list the saved segments", no_opts, cmd_segment_ls },
	{ "segment show", "NAME", 1, 1, "print a segment's filter", no_opts, cmd_segment_show },
	{ "segment rm", "NAME", 1, 1, "remove a saved segment", no_opts, cmd_segment_rm },
	{ "admin reindex", "", 0, 0, "check and repair the search indexes", reindex_opts, cmd_admin_reindex },
	{ "admin issue-cert", "USER", 1, 1, "issue a client certificate for USER, signed by the instance CA", issue_cert_opts, cmd_admin_issue_cert },
	{ "admin revoke-cert", "SERIAL", 1, 1, "revoke a client certificate; connections using it are refused at once", no_opts, cmd_admin_revoke_cert },
	{ "admin certs", "", 0, 0, "list the client certificates issued", no_opts, cmd_admin_certs },
	{ "audit", "", 0, 0, "query the audit log, newest first", audit_opts, cmd_audit },
	{ "audit verify", "", 0, 0, "check the audit trail's hash chain; exit 1 when broken", audit_verify_opts, cmd_audit_verify },
	{ "audit head", "", 0, 0, "print the audit trail's head as SEQ:HASH, to keep elsewhere", no_opts, cmd_audit_head },
	{ "audit reads", "--card ID | --user USER", 0, 0, "who received which cards, newest first", audit_reads_opts, cmd_audit_reads },
	{ "alerts", "", 0, 0, "alerts (canary cards read, bulk reading), newest first", alerts_opts, cmd_alerts },
	{ "card canary", "ID", 1, 1, "mark a card as a canary: anyone reading it raises an alert", card_canary_opts, cmd_card_canary },
	{ "card canaries", "", 0, 0, "list the canary cards (admins)", no_opts, cmd_card_canaries },
	{ "user unblock", "NAME", 1, 1, "let a user blocked for bulk reading read cards again", no_opts, cmd_user_unblock },
	{ "export", "[--where EXPR] [-o FILE]", 0, 1, "export cards to a CSV or vCard file (audited, within a daily quota)", export_opts, cmd_export },
	{ "exports", "", 0, 0, "list the exports made, newest first", exports_opts, cmd_exports },
	{ "leak trace", "FILE", 1, 1, "find which export a leaked file came from", no_opts, cmd_leak_trace },
	{ "help", "[COMMAND...]", 0, MAX_COMMAND_WORDS, "show help for a command", no_opts, cmd_help },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

enum name_match { NAME_NONE, NAME_PREFIX, NAME_FULL };

/* Compares the words typed so far with a command name ("card show"). */
static enum name_match match_name(const char *name, const char *const *words, size_t nwords)
{
	const char *p = name;
	for (size_t i = 0; i < nwords; i++) {
		size_t len = strlen(words[i]);
		if (*p == '\0')
			return NAME_NONE;
		if (strncmp(p, words[i], len) != 0 || (p[len] != ' ' && p[len] != '\0'))
			return NAME_NONE;
		p += len;
		if (*p == ' ')
			p++;
	}
	return *p == '\0' ? NAME_FULL : NAME_PREFIX;
}

/* The command named exactly by words; *is_prefix tells whether the words
 * start some longer command name (a group such as "card", or "remind", which
 * is a command itself and the start of "remind done"). */
static const struct cmd_def *find_command(const char *const *words, size_t nwords, bool *is_prefix)
{
	const struct cmd_def *found = NULL;

	*is_prefix = false;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		enum name_match m = match_name(commands[i].name, words, nwords);
		if (m == NAME_FULL && !found)
			found = &commands[i];
		else if (m == NAME_PREFIX)
			*is_prefix = true;
	}
	return found;
}

static void join_words(const char *const *words, size_t nwords, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < nwords && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? " " : "", words[i]);
}

/* ---- help text ---- */

#define HELP_WIDTH 79
#define HELP_OPTION_COLUMN 30
#define HELP_COMMAND_COLUMN 38

/* Prints text from column indent on, wrapped at spaces to HELP_WIDTH. */
static void put_wrapped(FILE *f, const char *text, size_t indent)
{
	size_t column = indent;

	while (*text) {
		size_t word = strcspn(text, " ");
		if (column > indent && column + 1 + word > HELP_WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			column = indent;
		} else if (column > indent) {
			fputc(' ', f);
			column++;
		}
		fwrite(text, 1, word, f);
		column += word;
		text += word;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void print_option_help(FILE *f, const struct opt_spec *o)
{
	char left[64], help[512];
	int len;

	if (o->short_name)
		len = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
	else
		len = snprintf(left, sizeof(left), "      --%s", o->name);
	if (o->metavar && len > 0 && (size_t)len < sizeof(left))
		len += snprintf(left + len, sizeof(left) - (size_t)len, " %s", o->metavar);
	if (len >= HELP_OPTION_COLUMN - 1)
		fprintf(f, "%s\n%*s", left, HELP_OPTION_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_OPTION_COLUMN, left);
	snprintf(help, sizeof(help), "%s%s", o->help, o->kind == OPT_LIST ? " (repeatable)" : "");
	put_wrapped(f, help, HELP_OPTION_COLUMN);
}

static void print_global_help(FILE *f)
{
	fprintf(f, "\nGlobal options (before or after the command):\n");
	for (const struct opt_spec *o = global_opts; o->name; o++)
		print_option_help(f, o);
}

static void print_command_line(FILE *f, const struct cmd_def *cmd)
{
	char left[64];

	snprintf(left, sizeof(left), "  %s %s", cmd->name, cmd->synopsis);
	if (strlen(left) >= HELP_COMMAND_COLUMN - 1)
		fprintf(f, "%s\n%*s", left, HELP_COMMAND_COLUMN, "");
	else
		fprintf(f, "%-*s", HELP_COMMAND_COLUMN, left);
	put_wrapped(f, cmd->summary, HELP_COMMAND_COLUMN);
}

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: kart [OPTIONS] COMMAND [ARGS] [OPTIONS]\n\n"
		"Kartoteka client base: command-line client.\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		print_command_line(f, &commands[i]);
	print_global_help(f);
	fprintf(f, "\nRun 'kart COMMAND --help' for the options of a command.\n"
		"Exit codes: 0 ok, 1 other error, 2 usage or bad request, 3 not logged in or\n"
		"denied, 4 not found, 5 conflict, 6 cannot connect.\n");
}

static void print_group_help(FILE *f, const char *const *words, size_t nwords)
{
	char group[64];

	join_words(words, nwords, group, sizeof(group));
	fprintf(f, "usage: kart %s SUBCOMMAND [ARGS] [OPTIONS]\n\nSubcommands:\n", group);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (match_name(commands[i].name, words, nwords) == NAME_PREFIX)
			print_command_line(f, &commands[i]);
	fprintf(f, "\nRun 'kart %s SUBCOMMAND --help' for its options.\n", group);
}

/* Commands that take a filter: an option --where, or segment save's EXPR. */
static bool takes_filter(const struct cmd_def *cmd)
{
	if (strcmp(cmd->name, "segment save") == 0)
		return true;
	for (const struct opt_spec *o = cmd->opts; o->name; o++)
		if (strcmp(o->name, "where") == 0)
			return true;
	return false;
}

static void print_filter_time_help(FILE *f)
{
	fprintf(f, "\nDates and times in a filter (created_at, updated_at, last_touch; birthday and\n"
		"custom dates take the date forms only):\n"
		"  2026-12-05T23:59:00Z, 2026-12-05T23:59:00+03:00   RFC 3339, with a zone\n"
		"  2026-12-05, 05.12.2026, 05.12 [HH:MM[:SS]]        a date, or a time on it\n"
		"  10:00                                             today at that time\n"
		"  today tomorrow yesterday сегодня завтра вчера [HH:MM]\n"
		"  monday mon ... пн понедельник ... [HH:MM]         the next one, today included\n"
		"  -30d +1w 3m 1y                                    days, weeks, months of 30 days,\n"
		"                                                    years, from today\n"
		"  1733000000                                        unix seconds\n"
		"A value with a time of day, a zone or in unix seconds compares as an instant, to\n"
		"the second; a date alone compares with the day in your zone (TZ). Quote a value\n"
		"with a space: \"created_at < 'завтра 10:00'\".\n");
}

static void print_command_help(FILE *f, const struct cmd_def *cmd)
{
	bool has_opts = cmd->opts[0].name != NULL;

	fprintf(f, "usage: kart %s%s%s%s\n\n%c%s.\n", cmd->name, *cmd->synopsis ? " " : "",
		cmd->synopsis, has_opts ? " [OPTIONS]" : "",
		toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	if (has_opts) {
		fprintf(f, "\nOptions:\n");
		for (const struct opt_spec *o = cmd->opts; o->name; o++)
			print_option_help(f, o);
	}
	if (takes_filter(cmd))
		print_filter_time_help(f);
	print_global_help(f);
}

int cmd_help(struct cli *cli, const struct cmd_args *a)
{
	const struct cmd_def *cmd;
	bool is_prefix;

	if (a->npos == 0) {
		print_main_help(stdout);
		return 0;
	}
	cmd = find_command(a->pos, a->npos, &is_prefix);
	if (cmd) {
		print_command_help(stdout, cmd);
		return 0;
	}
	if (is_prefix) {
		print_group_help(stdout, a->pos, a->npos);
		return 0;
	}
	char name[64];
	join_words(a->pos, a->npos, name, sizeof(name));
	return out_error(KC_ERR_USAGE, "unknown command '%s' (see: kart help)", name);
}

/* ---- option access ---- */

const char *args_value(const struct cmd_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].spec->name, name) == 0)
			return a->opts[i].value;
	return NULL;
}

bool args_flag(const struct cmd_args *a, const char *name)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (strcmp(a->opts[i].spec->name, name) == 0)
			return true;
	return false;
}

static int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_id(const char *text, const char *what, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(text, &v) < 0 || v == 0)
		return out_error(KC_ERR_USAGE, "bad %s '%s': expected a positive integer", what, text);
	*out = v;
	return 0;
}

int parse_count(const char *text, const char *what, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (parse_u64(text, &v) < 0)
		return out_error(KC_ERR_USAGE, "bad %s '%s': expected a non-negative integer", what, text);
	if (v > max)
		return out_error(KC_ERR_USAGE, "bad %s '%s': at most %llu", what, text, (unsigned long long)max);
	*out = v;
	return 0;
}

/* ---- the parser ---- */

/* A word starting with '-' is an option, except "-" itself and negative
 * numbers, which are left to the argument checks to reject with a clear
 * message. */
static bool looks_like_option(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	if (arg[1] >= '0' && arg[1] <= '9')
		return false;
	return true;
}

static const struct opt_spec *find_option(const struct opt_spec *table, const char *name, size_t len, char short_name)
{
	if (!table)
		return NULL;
	for (const struct opt_spec *o = table; o->name; o++) {
		if (short_name ? o->short_name == short_name :
		    strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

/* The option name nearest to a mistyped one (typed: after "--", up to any
 * "="), among the command's and the global ones; NULL if none is near. */
static const char *nearest_option(const struct cmd_def *cmd, const char *typed)
{
	const char *names[96];
	char word[64];
	size_t n = 0, len = strcspn(typed, "=");

	if (len >= sizeof(word))
		return NULL;
	memcpy(word, typed, len);
	word[len] = '\0';
	for (const struct opt_spec *o = cmd ? cmd->opts : NULL; o && o->name && n < 64; o++)
		names[n++] = o->name;
	for (const struct opt_spec *o = global_opts; o->name && n < 96; o++)
		names[n++] = o->name;
	return text_nearest(word, names, n);
}

/* Consumes the option at argv[*i] (and its value), looking in the command's
 * table (NULL before the command is known) and then the global one. */
static int take_option(int argc, char **argv, int *i, const struct cmd_def *cmd, struct cmd_args *a)
{
	const char *arg = argv[*i];
	const struct opt_spec *spec;
	const char *value = NULL;
	bool inline_value = false;

	if (arg[1] == '-') {
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		spec = find_option(cmd ? cmd->opts : NULL, name, len, 0);
		if (!spec)
			spec = find_option(global_opts, name, len, 0);
		if (eq) {
			value = eq + 1;
			inline_value = true;
		}
	} else {
		spec = find_option(cmd ? cmd->opts : NULL, NULL, 0, arg[1]);
		if (!spec)
			spec = find_option(global_opts, NULL, 0, arg[1]);
		if (arg[2] != '\0') {
			value = arg + 2;
			inline_value = true;
		}
	}
	if (!spec) {
		const char *near = arg[1] == '-' ? nearest_option(cmd, arg + 2) : NULL;
		if (near && cmd)
			return out_error(KC_ERR_USAGE, "unknown option '%s' for '%s'; did you mean \"--%s\"?",
					 arg, cmd->name, near);
		if (near)
			return out_error(KC_ERR_USAGE, "unknown option '%s'; did you mean \"--%s\"?", arg, near);
		if (cmd)
			return out_error(KC_ERR_USAGE, "unknown option '%s' for '%s' (see: kart %s --help)",
					 arg, cmd->name, cmd->name);
		return out_error(KC_ERR_USAGE, "unknown option '%s' (see: kart help)", arg);
	}
	(*i)++;
	if (spec->kind == OPT_FLAG) {
		if (inline_value)
			return out_error(KC_ERR_USAGE, "option --%s takes no value", spec->name);
	} else if (!inline_value) {
		if (*i >= argc)
			return out_error(KC_ERR_USAGE, "option --%s needs a value (%s)", spec->name, spec->metavar);
		value = argv[(*i)++];
	}
	if (spec->kind == OPT_VALUE)
		for (size_t k = 0; k < a->nopts; k++)
			if (a->opts[k].spec == spec)
				return out_error(KC_ERR_USAGE, "option --%s given more than once", spec->name);
	a->opts[a->nopts].spec = spec;
	a->opts[a->nopts].value = value;
	a->nopts++;
	return 0;
}

static size_t count_words(const char *name)
{
	size_t n = 1;
	for (; *name; name++)
		n += *name == ' ';
	return n;
}

/* An unknown command: the nearest command name, compared with as many words
 * as it has (the words typed so far, then the next words that are not
 * options: "crad ls" for "card ls"); a plain error when none is near. */
static int unknown_command(int argc, char **argv, int i, const char *const *words, size_t nwords)
{
	const char *best = NULL;
	char best_typed[256] = "", typed[256];
	size_t best_d = SIZE_MAX;

	for (size_t k = nwords; k <= MAX_COMMAND_WORDS; k++) {
		const char *w[MAX_COMMAND_WORDS];
		size_t nw = 0;
		for (; nw < nwords; nw++)
			w[nw] = words[nw];
		for (int j = i; nw < k && j < argc && !looks_like_option(argv[j]); j++)
			w[nw++] = argv[j];
		if (nw < k)
			break;
		join_words(w, nw, typed, sizeof(typed));
		for (size_t c = 0; c < N_COMMANDS; c++) {
			if (count_words(commands[c].name) != k)
				continue;
			const char *name = commands[c].name;
			if (!text_nearest(typed, &name, 1))
				continue;
			size_t d = text_distance(typed, name);
			if (d < best_d) {
				best = name;
				best_d = d;
				snprintf(best_typed, sizeof(best_typed), "%s", typed);
			}
		}
	}
	if (best)
		return out_error(KC_ERR_USAGE, "unknown command \"%s\"; did you mean \"%s\"?", best_typed, best);
	join_words(words, nwords, typed, sizeof(typed));
	return out_error(KC_ERR_USAGE, "unknown command '%s' (see: kart help)", typed);
}

/* Finds the command among the leading words (global options may come first),
 * then takes its positional arguments and options. *cmd is NULL when only
 * help was asked for; words/nwords hold what named the command or group. */
static int parse_command_line(int argc, char **argv, struct cmd_args *a, const struct cmd_def **cmd_out,
			      const char **words, size_t *nwords)
{
	const struct cmd_def *cmd = NULL;
	bool after_dashes = false, is_prefix = false;
	int i = 1, rc;

	*nwords = 0;
	while (i < argc && !cmd) {
		const char *arg = argv[i];
		if (!after_dashes && strcmp(arg, "--") == 0) {
			after_dashes = true;
			i++;
			continue;
		}
		if (!after_dashes && looks_like_option(arg)) {
			rc = take_option(argc, argv, &i, NULL, a);
			if (rc)
				return rc;
			continue;
		}
		words[(*nwords)++] = arg;
		i++;
		cmd = find_command(words, *nwords, &is_prefix);
		/* "remind done 5" against "remind 5": the longer name wins when
		 * the very next word completes it */
		while (cmd && is_prefix && i < argc && *nwords < MAX_COMMAND_WORDS) {
			bool longer_is_prefix;
			words[*nwords] = argv[i];
			const struct cmd_def *longer = find_command(words, *nwords + 1, &longer_is_prefix);
			if (!longer)
				break;
			cmd = longer;
			is_prefix = longer_is_prefix;
			(*nwords)++;
			i++;
		}
		if (!cmd && !is_prefix)
			return unknown_command(argc, argv, i, words, *nwords);
		if (!cmd && *nwords == MAX_COMMAND_WORDS)
			return out_error(KC_ERR_USAGE, "unknown command (see: kart help)");
	}
	*cmd_out = cmd;
	if (!cmd) {
		if (args_flag(a, "help") || (*nwords == 0 && args_flag(a, "version")))
			return 0;
		if (*nwords == 0)
			return out_error(KC_ERR_USAGE, "missing command (see: kart help)");
		char group[64];
		join_words(words, *nwords, group, sizeof(group));
		return out_error(KC_ERR_USAGE, "'%s' needs a subcommand (see: kart help %s)", group, group);
	}
	while (i < argc) {
		const char *arg = argv[i];
		if (!after_dashes && strcmp(arg, "--") == 0) {
			after_dashes = true;
			i++;
			continue;
		}
		if (!after_dashes && looks_like_option(arg)) {
			rc = take_option(argc, argv, &i, cmd, a);
			if (rc)
				return rc;
			continue;
		}
		a->pos[a->npos++] = arg;
		i++;
	}
	if (args_flag(a, "help"))
		return 0;
	if (a->npos < cmd->min_pos)
		return out_error(KC_ERR_USAGE, "'%s' needs %s (see: kart %s --help)",
				 cmd->name, cmd->synopsis, cmd->name);
	if (a->npos > cmd->max_pos)
		return out_error(KC_ERR_USAGE, "unexpected argument '%s' for '%s'",
				 a->pos[cmd->max_pos], cmd->name);
	return 0;
}

/* ---- global settings ---- */

static const char *flag_or_env(const struct cmd_args *a, const char *option, const char *env)
{
	const char *v = args_value(a, option);
	if (v)
		return v;
	v = getenv(env);
	return v && *v ? v : NULL;
}

const char *cli_config(const struct cli *cli, const char *key)
{
	for (size_t i = cli->nconfig; i-- > 0;)
		if (strcmp(cli->config[i].key, key) == 0)
			return cli->config[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Reads $KART_HOME/config when there is one. */
static int read_config(struct cli *cli)
{
	char path[PATH_MAX + 8];
	FILE *f;
	long size;
	size_t line_no = 0;

	snprintf(path, sizeof(path), "%s/config", cli->home);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : out_error(KC_ERR_OTHER, "cannot read %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > 65536 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return out_error(KC_ERR_OTHER, "cannot read %s: not a small text file", path);
	}
	cli->config_text = calloc((size_t)size + 1, 1);
	if (!cli->config_text || fread(cli->config_text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return out_error(KC_ERR_OTHER, "cannot read %s", path);
	}
	fclose(f);
	for (char *line = cli->config_text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line_no++;
		line = trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			return out_error(KC_ERR_USAGE, "%s line %zu: expected key = value", path, line_no);
		*eq = '\0';
		char *key = trim(line), *value = trim(eq + 1);
		if (!*key)
			return out_error(KC_ERR_USAGE, "%s line %zu: no key before '='", path, line_no);
		if (cli->nconfig == sizeof(cli->config) / sizeof(cli->config[0]))
			return out_error(KC_ERR_USAGE, "%s: more than %zu settings", path, cli->nconfig);
		cli->config[cli->nconfig].key = key;
		cli->config[cli->nconfig].value = value;
		cli->nconfig++;
	}
	return 0;
}

static int resolve_settings(const struct cmd_args *a, struct cli *cli)
{
	const char *home = flag_or_env(a, "home", "KART_HOME");
	int len;

	cli->json = args_flag(a, "json");
	cli->trust = args_flag(a, "trust");
	cli->server = flag_or_env(a, "server", "KART_SERVER");
	cli->ca = flag_or_env(a, "ca", "KART_CA");
	cli->cert = flag_or_env(a, "cert", "KART_CERT");
	cli->key = flag_or_env(a, "key", "KART_KEY");
	if (cli->key && !cli->cert)
		return out_error(KC_ERR_USAGE, "--key needs --cert (or KART_CERT)");
	if (home) {
		len = snprintf(cli->home, sizeof(cli->home), "%s", home);
	} else {
		const char *user_home = getenv("HOME");
		if (!user_home || !*user_home) {
			struct passwd *pw = getpwuid(getuid());
			user_home = pw ? pw->pw_dir : NULL;
		}
		if (!user_home)
			return out_error(KC_ERR_OTHER, "cannot find the home directory: set KART_HOME or --home");
		len = snprintf(cli->home, sizeof(cli->home), "%s/.config/kart", user_home);
	}
	if (len < 0 || (size_t)len >= sizeof(cli->home))
		return out_error(KC_ERR_USAGE, "home directory path too long");
	return read_config(cli);
}

bool cli_stdout_closed;

/* A descriptor 0-2 that was closed is opened on /dev/null before anything
 * else, so the connection's socket can never become "standard output" and
 * receive what was meant for it. */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			cli_stdout_closed = true;
		int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

int main(int argc, char **argv)
{
	struct cmd_args args = { 0 };
	struct cli cli = { 0 };
	const struct cmd_def *cmd = NULL;
	const char *words[MAX_COMMAND_WORDS];
	size_t nwords = 0;
	int rc;

	hold_std_fds();
	args.pos = calloc((size_t)argc + 1, sizeof(*args.pos));
	args.opts = calloc((size_t)argc + 1, sizeof(*args.opts));
	if (!args.pos || !args.opts) {
		rc = out_no_memory();
		goto cleanup;
	}
	/* errors are JSON from the first one on when --json is anywhere */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			out_set_json(true);
	rc = parse_command_line(argc, argv, &args, &cmd, words, &nwords);
	if (rc)
		goto cleanup;
	if (args_flag(&args, "version") && !args_flag(&args, "help")) {
		puts(KART_CLIENT_NAME);
		goto flush;
	}
	if (args_flag(&args, "help")) {
		if (cmd && cmd->run == cmd_help)
			rc = cmd_help(&cli, &args);
		else if (cmd)
			print_command_help(stdout, cmd);
		else if (nwords)
			print_group_help(stdout, words, nwords);
		else
			print_main_help(stdout);
		goto flush;
	}
	rc = resolve_settings(&args, &cli);
	if (rc)
		goto cleanup;
	rc = cmd->run(&cli, &args);
flush:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int saved = errno;
		if (rc == 0)
			rc = out_error(KC_ERR_OTHER, "cannot write output: %s", strerror(saved));
	}
cleanup:
	free(args.pos);
	free(args.opts);
	free(cli.config_text);
	return rc;
}
