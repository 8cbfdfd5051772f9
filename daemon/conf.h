/* conf: the running configuration — read from its files in layers, and
 * shared between threads as immutable, counted snapshots.
 *
 * Layers, each read over the one before: the defaults; DIR/kartd.conf, the
 * instance's own (kartd init writes every option into it); the site's file,
 * /etc/kartoteka/kartd.conf if it exists, or the file `--config` names (it
 * must exist); `--listen`. So what an admin sets in /etc overrides the
 * instance file, whose every line init wrote.
 *
 * A snapshot is never changed once made. The loop thread owns the current
 * one (srv->cfg) and replaces it whole on a reload (reload.h); a request
 * carries the snapshot it started under (r->cfg), and what it hands to other
 * threads (a write, a scan, a password hash) holds a reference to it, so the
 * old one is freed when the last request that started under it is done. */
#ifndef KART_CONF_H
#define KART_CONF_H

#include <stddef.h>

#include "config.h"

#define KARTD_SITE_CONFIG "/etc/kartoteka/kartd.conf"

/* Where the configuration comes from (kartd's command line). */
struct conf_src {
	const char *dir;            /* the instance directory: DIR/kartd.conf */
	const char *file;           /* --config FILE; NULL: KARTD_SITE_CONFIG if it exists */
	const char *listen;         /* --listen HOST:PORT; NULL: none */
};

/* Reads every layer over the defaults into c. Returns 0; -1 with err naming
 * the file and the line ("FILE: line N: what is wrong") or why a file
 * cannot be read; -2 for a bad --listen. */
int conf_read(struct kart_config *c, const struct conf_src *src, char *err, size_t n);

/* A new snapshot holding the defaults, with one reference (NULL: no memory). */
struct kart_config *conf_new(void);
/* Another reference to c (c may be NULL); any thread. */
const struct kart_config *conf_hold(const struct kart_config *c);
/* Gives one back; the last frees it (c may be NULL); any thread. */
void conf_drop(const struct kart_config *c);

#endif
