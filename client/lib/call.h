/* call: requests and their replies on an open connection, for every face of
 * the client: send an envelope and wait for the wanted body, or read a stream
 * of pages. Failures come back as a kc_status with err filled; nothing here
 * prints. */
#ifndef KART_CALL_H
#define KART_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kc.h"
#include "session.h"

/* Sends req and waits for its reply, which must have body want (or any body
 * when want is NOT_SET). Returns a kc_status; on success *out is the reply
 * (free with kc_env_free). */
int kc_call_body(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out,
		 struct kc_error *err);

/* One page of a streamed reply; a nonzero return (a kc_status, err filled)
 * stops the reading and is returned. The page is freed after the call. */
typedef int (*kc_page_fn)(const Kart__Envelope *page, void *ud, struct kc_error *err);

/* Sends a request answered by a stream of pages with body page_case and
 * hands every page to fn as it arrives, until the frame without `more`.
 * Returns a kc_status. */
int kc_call_pages(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case, kc_page_fn fn,
		  void *ud, struct kc_error *err);

/* Opens the session (kc_session_open) and makes one kc_call_body. *c is the
 * connection when it was opened, even if the call failed: kc_close it. */
int kc_session_request(struct kc_profile *p, Kart__Envelope *req, Kart__Envelope__BodyCase want, struct kc **c,
		       Kart__Envelope **out, struct kc_error *err);

/* ---- typed requests: the envelope is built here ----
 * Each returns a kc_status; on success *out is the reply with the body named
 * (free with kc_env_free). Listing calls hand their pages to fn. */

/* WhoAmI: a Session (without the token). */
int kc_whoami(struct kc *c, Kart__Envelope **out, struct kc_error *err);
/* Find by phone, email or name: a FindPage. limit 0: the server's. */
int kc_find(struct kc *c, const char *text, uint32_t limit, Kart__Envelope **out, struct kc_error *err);
/* The same from match `offset` on: FindPage.more says there are matches
 * after a page, and the next screenful is asked for with offset + the cards
 * shown so far. */
int kc_find_from(struct kc *c, const char *text, uint32_t limit, uint32_t offset, Kart__Envelope **out,
		 struct kc_error *err);
/* The same Find, sent without waiting (for a live search over a
 * non-blocking connection): returns its request id, 0 on failure (err
 * filled). Its reply, taken with kc_try_recv and matched by request id, is
 * read with kc_find_reply: a kc_status; 0 when it is a FindPage. */
uint64_t kc_find_send(struct kc *c, const char *text, uint32_t limit, struct kc_error *err);
uint64_t kc_find_send_from(struct kc *c, const char *text, uint32_t limit, uint32_t offset, struct kc_error *err);
int kc_find_reply(const Kart__Envelope *e, struct kc_error *err);
/* CardGet: a Card; trash: a card in the trash. */
int kc_card_get(struct kc *c, uint64_t id, bool trash, Kart__Envelope **out, struct kc_error *err);

/* The custom field definitions, for placing a card's custom values: the
 * FieldPage frames of one reply, all of them owned here. */
struct kc_field_defs {
	Kart__Envelope **pages;
	size_t npages;
	Kart__FieldDef **defs; /* pointers into the pages */
	size_t ndefs;
};
void kc_field_defs_free(struct kc_field_defs *fd);
/* kc_card_get and, in the same write, a FieldList; waits for both replies,
 * told apart by request id. The card's failure is the call's; without the
 * definitions (an older server, say) fd stays empty. fd starts zeroed and is
 * freed with kc_field_defs_free whatever this returns. */
int kc_card_get_with_fields(struct kc *c, uint64_t id, bool trash, Kart__Envelope **card_out,
			    struct kc_field_defs *fd, struct kc_error *err);
/* CardUpdate: a CardChanged. expected_version 0: any. */
int kc_card_update(struct kc *c, uint64_t id, uint64_t expected_version, Kart__FieldValue **set, size_t nset,
		   Kart__Envelope **out, struct kc_error *err);

/* CardCreate: the Card made of the fields set. */
int kc_card_create(struct kc *c, Kart__FieldValue **fields, size_t nfields, Kart__Envelope **out,
		   struct kc_error *err);
/* CardHistory: HistoryPages, the card's versions oldest first, each with
 * the fields it changed. */
int kc_card_history(struct kc *c, uint64_t id, kc_page_fn fn, void *ud, struct kc_error *err);

/* LogAdd: a TimelineEntry. amount: decimal text, parsed by the server ("": none);
 * at 0: now. */
int kc_timeline_add(struct kc *c, uint64_t card_id, Kart__EntryKind kind, const char *text, const char *amount,
		    int64_t at, Kart__Envelope **out, struct kc_error *err);
/* TimelineQuery: TimelinePages, newest first. */
int kc_timeline_list(struct kc *c, uint64_t card_id, uint32_t limit, kc_page_fn fn, void *ud,
		     struct kc_error *err);

/* ReminderAdd: a Reminder. past: at may be in the past. */
int kc_reminder_add(struct kc *c, uint64_t card_id, int64_t at, const char *text, bool past,
		    Kart__Envelope **out, struct kc_error *err);
/* ReminderList: a ReminderPage. card_id 0: every card; all: done ones too;
 * due: only those due. */
int kc_reminder_list(struct kc *c, uint64_t card_id, bool all, bool due, Kart__Envelope **out,
		     struct kc_error *err);
/* ReminderDone: Ok. */
int kc_reminder_done(struct kc *c, uint64_t id, Kart__Envelope **out, struct kc_error *err);
/* DealList: a DealPage. card_id 0: every card; stage, owner "": any. */
int kc_deal_list(struct kc *c, uint64_t card_id, const char *stage, const char *owner, Kart__Envelope **out,
		 struct kc_error *err);
/* DealAdd: a Deal. amount: decimal text ("": none); stage "": the funnel's first. */
int kc_deal_add(struct kc *c, uint64_t card_id, const char *title, const char *amount, const char *stage,
		Kart__Envelope **out, struct kc_error *err);
/* DealMove: the Deal at its new stage. */
int kc_deal_move(struct kc *c, uint64_t deal_id, const char *stage, Kart__Envelope **out, struct kc_error *err);
/* TodayQuery for this client's day (its time zone) at now: a TodayPage. */
int kc_today(struct kc *c, uint32_t days, int64_t now, bool all, Kart__Envelope **out, struct kc_error *err);

/* CardQuery: CardPages of the cards matching where or segment (one of them,
 * "" for the other), sorted by sort ("": by id). */
int kc_card_query(struct kc *c, const char *where, const char *segment, const char *sort, uint32_t limit,
		  kc_page_fn fn, void *ud, struct kc_error *err);
/* CardQuery with count: how many cards match where or segment (one of them,
 * "" for the other; both "": every card the user sees). kc_card_count waits
 * for it; kc_card_count_send only sends it (its request id, 0 on failure)
 * and kc_card_count_reply reads the reply taken with kc_try_recv: a
 * kc_status, *count set when it is 0. */
int kc_card_count(struct kc *c, const char *where, const char *segment, uint64_t *count, struct kc_error *err);
uint64_t kc_card_count_send(struct kc *c, const char *where, const char *segment, struct kc_error *err);
int kc_card_count_reply(const Kart__Envelope *e, uint64_t *count, struct kc_error *err);
/* SegmentList: SegmentPages. */
int kc_segment_list(struct kc *c, kc_page_fn fn, void *ud, struct kc_error *err);
/* The cards of a saved segment: kc_card_query by its name. */
int kc_segment_run(struct kc *c, const char *name, uint32_t limit, kc_page_fn fn, void *ud,
		   struct kc_error *err);

#endif
