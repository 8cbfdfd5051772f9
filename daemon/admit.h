/* admit: accepting connections within the limits, and the sweep of those
 * that stay too long. Not for handlers. */
#ifndef KART_ADMIT_H
#define KART_ADMIT_H

#include "instance.h"

/* The listener has a connection: accepted if there is room for it. */
void admit_accept(struct server *srv);
/* Every second: connections not logged in within handshake_timeout_ms, or
 * idle past idle_timeout_ms, or not closed 2 s after they began to, close. */
void admit_sweep(struct server *srv, int64_t now_ms);

#endif
