/* call: requests and their replies on an open connection, for every face of
 * the client: send an envelope and wait for the wanted body, or read a stream
 * of pages. Failures come back as a kc_status with err filled; nothing here
 * prints. */
#ifndef KART_CALL_H
#define KART_CALL_H

#include "kc.h"
#include "session.h"

/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET). Returns a kc_status; on success *out is the reply
 * (free with kc_env_free). */
int kc_call_body(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out,
		 struct kc_error *err);

/* One page of a streamed reply; a nonzero return (a kc_status, err filled)
 * stops the reading and is returned. The page is freed after the call. */
typedef int (*kc_page_fn)(const Kart__Envelope *page, void *ud, struct kc_error *err);

/* Sends a request answered by a stream of pages with body page_case and
 * hands every page to fn as it arrives, until the frame without `more`.
 * Returns a kc_status. */
int kc_call_pages(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case, kc_page_fn fn,
		  void *ud, struct kc_error *err);

/* Opens the session (kc_session_open) and makes one kc_call_body. *c is the
 * connection when it was opened, even if the call failed: kc_close it. */
int kc_session_request(struct kc_profile *p, Kart__Envelope *req, Kart__Envelope__BodyCase want, struct kc **c,
		       Kart__Envelope **out, struct kc_error *err);

#endif
