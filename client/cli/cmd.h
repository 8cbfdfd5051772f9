/* cmd: what the command files (cmd_*.c) share: opening the session, making
 * requests and printing their failures, and the options several commands
 * read the same way. Every function returns an exit code and has printed
 * the error when it is not 0. */
#ifndef KART_CMD_H
#define KART_CMD_H

#include <stdbool.h>
#include <stdint.h>

#include "call.h"
#include "cli.h"
#include "session.h"

/* The connection settings of the command line, environment and config file. */
void session_profile(const struct cli *cli, struct kc_profile *p);
/* Loads the session, connects and resumes it; on success *out is an
 * authenticated connection. */
int open_session(const struct cli *cli, struct kc **out);
/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET); on success *out is the reply. */
int call(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out);
/* Sends a request answered by a stream of pages and prints every item as its
 * page arrives, then closes the list. */
int call_streamed(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case, struct out_list *list);
/* open_session, then call. *c is to be closed whatever it returns. */
int request(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase want, struct kc **c,
	    Kart__Envelope **out);
/* request, then on success the reply's body as JSON, or fmt as text (printf:
 * the arguments are not sanitized, as the command gives them). */
int request_done(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase want,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* open_session, then call_streamed into a list of that kind. */
int request_list(const struct cli *cli, Kart__Envelope *req, Kart__Envelope__BodyCase page_case,
		 enum out_list_kind kind);

/* The exit code of a client library call: 0, or its error printed. */
int report(int status, const struct kc_error *err);
/* The kc_page_fn of the listing calls: prints the items of a page into the
 * out_list ud and flushes them. */
int print_page(const Kart__Envelope *e, void *ud, struct kc_error *err);
/* After a listing call: its failure printed (report), then the list closed
 * when it succeeded or had begun printing. */
int list_finish(struct out_list *list, int status, const struct kc_error *err);

/* --since/--until/--at of things past: any form util_parse_time knows (a
 * bare duration is that long ago); 0 when not given. */
int time_option(const struct cmd_args *a, const char *name, int64_t now, int64_t *out);
/* The filter of ls, move and export: --where EXPR or --segment NAME, not
 * both; EXPR may also be the one argument. */
int filter_options(const struct cmd_args *a, const char *cmd, bool required, const char **where,
		   const char **segment);

#endif
