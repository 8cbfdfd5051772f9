/* hostile.h: what the files of kart-hostile share. main (hostile.c) sets the
 * daemon's address, the CA file, the admin password and the scenario's name
 * before running a scenario; the helpers below fail the scenario themselves
 * (printing "FAIL SCENARIO: ..." and exiting 1) rather than return an error.
 * Connections they return belong to the caller (kc_close), as do envelopes
 * (kc_env_free). */
#ifndef KART_HOSTILE_H
#define KART_HOSTILE_H

#include <stdint.h>

#include "kc.h"

extern const char *server, *ca_file; /* HOST:PORT and the CA file, from the command line */
extern char password[256];           /* the admin's password */
extern const char *scenario;         /* the scenario's name, for messages */

/* hostile_lib.c */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
struct kc *connect_opt(int skip_hello);
struct kc *admin(void);
void snapshot(struct kc *c, uint8_t out[32]);
void still_serving(void);
int raw_connect(void);
int wait_closed(int fd, int timeout_ms);
Kart__Envelope *expect_error(struct kc *c, Kart__ErrorCode code, const char *contains);

/* hostile_wire.c: the protocol broken */
void s_tcp_garbage(void);
void s_stall_handshake(void);
void s_huge_frame(void);
void s_truncated_frame(void);
void s_garbage_protobuf(void);
void s_before_hello(void);
void s_wrong_password(void);
void s_many_connections(void);
void s_half_close(void);
void s_decode_budget(void);

/* hostile_flood.c: floods and silent connections */
void s_flood_no_read(void);
void s_silent_flood(void);
void s_silent_churn(void);
void s_trickle_memory(void);
void s_pipelined_lists(void);

/* hostile_login.c: logins from one or many addresses */
void s_login_storm(void);
void s_guess_elsewhere(void);
void s_spray(void);
void s_spread_guess(void);
void s_doubling(void);
void s_login_flood(void);
void s_login_beside_scans(void);
void s_login_spread(void);

/* hostile_day.c: a working day's requests as no client sends them */
void s_import(void);
void s_import_shared(void);
void s_past_reminder(void);
void s_client_offset(void);
void s_day_texts(void);
void s_export_abort_done(void);
void s_no_session(void);

#endif
