/* reload: what SIGHUP puts in force — the configuration files read again, the
 * server's certificate and key, the revocation list (tls_crl) — all of it or
 * nothing.
 *
 * reload_prepare reads and checks everything into new objects while the old
 * ones stay in force: a new configuration snapshot (conf.h), a new TLS
 * context, the CRL's serials, a dummy password hash if the argon2 costs
 * changed. Any error (a file's syntax, an unknown option, a value out of
 * range, a certificate or key or CRL that cannot be read or does not fit)
 * refuses the whole reload, logged with the file and the line. Options read
 * at start only (listen, max_frame, max_scans, max_concurrent_hashes,
 * map_size, max_readers, client_certs) keep their value, and the log names
 * those that changed as needing a restart. reload_commit then swaps it all in
 * on the loop thread: new connections get the new TLS context (open ones
 * keep theirs: OpenSSL counts its references), new requests the new
 * snapshot. */
#ifndef KART_RELOAD_H
#define KART_RELOAD_H

#include "conf.h"
#include "instance.h"

struct reload;

/* Loop thread. NULL: refused (logged); the configuration in force stays. */
struct reload *reload_prepare(struct server *srv, const struct conf_src *src);
/* Loop thread: puts r in force, logs which options changed, and frees r; the
 * old snapshot is given back (freed once no request runs under it). */
void reload_commit(struct server *srv, struct reload *r);

#endif
