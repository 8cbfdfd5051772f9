/* dispatch: the request table. Not for handlers (req.h). */
#ifndef KART_DISPATCH_H
#define KART_DISPATCH_H

#include "req.h"

/* conn.c's frame hook (instance.h): one whole frame of c's, answered. */
void dispatch_frame(struct conn *c, const uint8_t *payload, uint32_t len);
/* conn.c's page hook: stream s's next page into r, if c still passes the
 * gate (certificate and session) in the page's read snapshot. */
enum page_turn dispatch_page(struct conn *c, struct stream *s, struct req *r);

#endif
