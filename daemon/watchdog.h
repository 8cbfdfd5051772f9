/* watchdog: systemd's service watchdog (WatchdogSec=). While systemd asks
 * for it ($WATCHDOG_USEC, sd_watchdog_enabled), a loop timer sends WATCHDOG=1
 * every half period, but only while the writer thread is alive too: idle, or
 * its last heartbeat (writer.h) within half a period. A stuck loop or a stuck
 * writer stops the pings, and systemd restarts the service. */
#ifndef KART_WATCHDOG_H
#define KART_WATCHDOG_H

struct server;

/* Starts the timer if systemd asked for pings. Loop thread. */
void watchdog_start(struct server *srv);
/* Stops and closes it (the server is stopping). */
void watchdog_stop(struct server *srv);

#endif
