/* watchdog: WATCHDOG=1 to systemd while the loop and the writer live (watchdog.h). */
#include "watchdog.h"

#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "instance.h"
#include "log.h"
#include "writer.h"

struct watchdog {
	uv_timer_t timer;
	struct server *srv;
	int64_t limit_ms;           /* a writer busy this long without a beat is stuck */
	bool withheld;              /* the last tick sent no ping */
};

static void on_tick(uv_timer_t *t)
{
	struct watchdog *wd = t->data;
	int64_t stuck = writer_stuck_ms(wd->srv);
	if (stuck > wd->limit_ms) {
		if (!wd->withheld)
			log_err("watchdog: the writer has been in one batch for %lld ms; no more pings until it ends",
				(long long)stuck);
		wd->withheld = true;
		return;
	}
	if (wd->withheld)
		log_notice("watchdog: the writer moves again; pinging");
	wd->withheld = false;
	sd_notify(0, "WATCHDOG=1");
}

void watchdog_start(struct server *srv)
{
	uint64_t usec = 0;
	int rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		log_warn("watchdog: $WATCHDOG_USEC is not understood; not pinging");
	if (rc <= 0)
		return;
	uint64_t period = usec / 2000;
	if (period < 1)
		period = 1;
	struct watchdog *wd = calloc(1, sizeof(*wd));
	if (!wd) {
		log_err("watchdog: out of memory; not pinging");
		return;
	}
	wd->srv = srv;
	wd->limit_ms = (int64_t)period;
	uv_timer_init(srv->loop, &wd->timer);
	wd->timer.data = wd;
	srv->watchdog = wd;
	sd_notify(0, "WATCHDOG=1");
	uv_timer_start(&wd->timer, on_tick, period, period);
	log_info("watchdog: pinging systemd every %llu ms while the loop and the writer are alive",
		 (unsigned long long)period);
}

static void on_closed(uv_handle_t *h) { free(h->data); }

void watchdog_stop(struct server *srv)
{
	struct watchdog *wd = srv->watchdog;
	if (!wd)
		return;
	srv->watchdog = NULL;
	uv_close((uv_handle_t *)&wd->timer, on_closed);
}
