/* journal: kartd's log lines as journal entries with fields, when stderr is
 * connected to systemd's journal ($JOURNAL_STREAM names stderr's device and
 * inode) and journald's socket is there; otherwise they stay lines on stderr
 * (log.h), which the journal also reads, without the fields.
 *
 * The kinds of lines a site's log forwarding picks out have fixed
 * MESSAGE_IDs (also in the stderr form's fields): */
#ifndef KART_JOURNAL_H
#define KART_JOURNAL_H

/* an audit event of severity alert, once committed (KART_USER, KART_ACTION,
 * KART_AUDIT_SEQ; PRIORITY 1, alert) */
#define KART_MSGID_ALERT "977ac1dec4924132a2130f600ddeb858"
/* the head of the audit chain, at start, every hour and at stop
 * (KART_AUDIT_SEQ, KART_AUDIT_HASH; PRIORITY 5, notice) */
#define KART_MSGID_AUDIT_HEAD "85bcae5a59804ee9b223a7c4bdff6b3b"

/* Sends the log to the journal if stderr is connected to it. Returns
 * whether it does. Before any thread logs. */
int journal_setup(void);

#endif
