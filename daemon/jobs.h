/* jobs: the pool's scheduler (req_pool in req.h). Not for handlers. */
#ifndef KART_JOBS_H
#define KART_JOBS_H

#include "instance.h"

/* After the loop has ended: the scans still waiting are dropped. */
void pool_jobs_free(struct server *srv);

#endif
