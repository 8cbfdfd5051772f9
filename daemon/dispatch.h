/* dispatch: the request table. Not for handlers (req.h). */
#ifndef KART_DISPATCH_H
#define KART_DISPATCH_H

#include "req.h"

/* conn.c's frame hook (instance.h): one whole frame of c's, answered. */
void dispatch_frame(struct conn *c, const uint8_t *payload, uint32_t len);

#endif
