/* alert: alert_command, run for every alert committed.
 *
 * Alerts are audit events of severity "alert" (indexed in `alerts`; reads.c
 * raises them). With alert_command set in kartd.conf, the loop looks for new
 * ones once a second and runs the command by /bin/sh -c (in the instance
 * directory) with the event as one line of JSON on stdin, so a command runs
 * once per committed alert and its JSON carries the event's seq. It is spawned
 * with uv_spawn (at most 8 at once), killed after alert_command_timeout_s, and
 * a failure is logged, never fatal. Alerts committed before the daemon started
 * are not run again.
 *
 * Every committed alert is also logged (with or without alert_command), at
 * priority alert, with MESSAGE_ID KART_MSGID_ALERT and the fields KART_USER,
 * KART_ACTION, KART_PEER and KART_AUDIT_SEQ (journal.h), so a site's log
 * forwarding keeps a copy outside the machine. */
#ifndef KART_ALERT_H
#define KART_ALERT_H

#include "req.h"

/* Notes the last alert committed so far. Returns 0, or -1. */
int alert_cmds_start(struct server *srv);
/* A reload that sets alert_command where there was none: it runs for the
 * alerts from now on, not for those raised while none was set (they are
 * logged all the same). 0 or -1. */
int alert_cmds_skip(struct server *srv);
/* The loop's timer (data: the server): logs new alerts and runs the command
 * for them. */
void alert_cmds_tick(uv_timer_t *t);
/* Logs the alerts committed since the last tick (at stop, the loop's handles
 * closed, the store still open). */
void alert_log_pending(struct server *srv);
/* After the loop has closed every handle (children included). */
void alert_cmds_free(struct server *srv);

#endif
