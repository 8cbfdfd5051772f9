/* jobs: what comes back to the loop from off it: the pool's scheduler and
 * its jobs' completion (req_pool in req.h), and the writer's replies. Not
 * for handlers. */
#ifndef KART_JOBS_H
#define KART_JOBS_H

#include "instance.h"

/* The writer's written hook (instance.h): on the loop, the replies of
 * committed batches (writer.h, struct wreq, linked by next) are sent, one
 * flush per connection, and the requests freed. */
void jobs_written(struct server *srv, struct wreq *list);

/* Answers a write request that will not run (its password hash was
 * refused) with an error, on the loop, and frees it. */
void wreq_fail(struct wreq *w, Kart__ErrorCode code, const char *message);

/* After the loop has ended: the scans still waiting are dropped. */
void pool_jobs_free(struct server *srv);

#endif
