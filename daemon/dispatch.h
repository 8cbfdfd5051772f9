/* dispatch: the request table and the pool's scheduler. Not for handlers (req.h). */
#ifndef KART_DISPATCH_H
#define KART_DISPATCH_H

#include "req.h"

void dispatch_frame(struct conn *c, const uint8_t *payload, uint32_t len);
/* Hands a scan for r's connection to the libuv pool, counting it against the
 * connection (backpressure) and the server (shutdown waits for it). */
int pool_job_queue(struct req *r, uv_work_t *w, uv_work_cb run, uv_after_work_cb done);
/* The after-callback's first step: the counts back down, and the next
 * waiting scans start (at most max_scans at once, max_scans_per_user each). */
void pool_job_finished(struct conn *c, uv_work_t *w);
/* After the loop has ended. */
void pool_jobs_free(struct server *srv);
/* Applies to r's connection what its handler asked (r->fx): Hello answered,
 * the session begun or ended, a stream cancelled or added. A closed
 * connection's stream is freed. Loop thread (req.c). */
void req_apply(struct req *r);

#endif
