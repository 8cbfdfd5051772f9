/* tui: kart-tui's state, shared by its screens (find.c, card.c), the
 * drawing helpers (draw.c) and the loop (main.c). */
#ifndef KART_TUI_TUI_H
#define KART_TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "form.h"
#include "i18n.h"
#include "kc.h"
#include "keys.h"

#define TUI_QUERY_MAX 256
#define TUI_NOTE_MAX 1024
#define TUI_TAB_ROWS 64
#define TUI_TAB_ROW 512

/* What the Card's one-line field is asking for. */
enum tui_field {
	TUI_FIELD_NOTE,     /* the text of a call, meeting or note (kind) */
	TUI_FIELD_AMOUNT,   /* the amount of a purchase */
	TUI_FIELD_PURCHASE, /* then its text, which may be empty */
	TUI_FIELD_WHEN,     /* when to remind */
	TUI_FIELD_REMIND,   /* then the reminder's text */
};

/* The Card's tabs, in order: the contact, phones and addresses, the
 * admin's custom-field tabs (FieldDef.tab), then the lists. */
enum card_tab_kind {
	TAB_CONTACT,
	TAB_PHONES,
	TAB_CUSTOM,
	TAB_DEALS,
	TAB_HISTORY,
	TAB_REMINDERS,
	TAB_RELATIVES,
};

#define TUI_MAX_TABS 12

struct card_tab {
	enum card_tab_kind kind;
	const char *custom; /* TAB_CUSTOM: the FieldDef tab's name (in struct tui's defs) */
};

/* The connection and how to make it again (link.c). */
struct tui_link {
	const char *home, *server, *ca;     /* as given: flags, environment */
	const char *default_server, *client_name;
	int backoff_s;                      /* the wait before the next attempt */
	double retry_at;                    /* monotonic ms */
	char why[1024];                     /* the last failure */
};

/* The Segments screen (segments.c): the saved segments with their counts,
 * then the cards of one of them or of a typed filter. */
struct tui_segs {
	Kart__Segment **list;     /* owned copies (kart__segment__free_unpacked) */
	uint64_t *counts;         /* of each; UINT64_MAX: not known */
	size_t n;
	int sel;
	bool listing;             /* the cards are shown, not the segments */
	bool by_filter;           /* ... of the typed filter, not of a segment */
	char what[TUI_QUERY_MAX]; /* the segment's name or the filter */
	Kart__Card **cards;       /* owned copies (kart__card__free_unpacked) */
	size_t ncards, cap;
	int card_sel;
	bool typing;              /* the filter line is open */
	char expr[TUI_QUERY_MAX];
	char err[1024];           /* the server's error about expr */
	int err_col;              /* its column in code points, 1-based; 0: none */
	char msg[1200];
};

struct tui {
	struct kc *c;             /* NULL while the connection is lost */
	struct tui_link link;
	char server[256];
	char user[128];
	const char *role;
	bool color;
	enum tui_screen screen;
	bool help;              /* the help covers the screen */
	bool quit;
	/* Find: the live query and the newest reply */
	char query[TUI_QUERY_MAX];
	char sent[TUI_QUERY_MAX]; /* the query in flight */
	uint64_t in_flight;       /* its request id; 0: none */
	bool dirty;               /* the query changed since it was sent */
	double sent_at;           /* monotonic ms */
	Kart__Envelope *found;    /* FindPage of the newest answered query */
	char status[1200];        /* an error or message instead of the counts */
	int sel;
	bool in_list;             /* Tab: keys go to the list (letters are commands) */
	char answered[TUI_QUERY_MAX]; /* the query the rows answer */
	uint32_t limit;           /* the rows asked for by the answered query */
	uint32_t want;            /* rows wanted: more than limit when scrolled past them */
	bool step;                /* move down one row when they come */
	bool more_sent;           /* the Find in flight asks the same query for more rows */
	double took_ms;           /* the answered query's round trip */
	uint64_t count_id;        /* the count of visible cards in flight; 0: none */
	bool count_due;           /* ask it (at the start, after a change) */
	bool total_known;
	uint64_t total;           /* the cards the user sees */
	char tls[32];             /* "TLS 1.3", of the last connection */
	bool pinned;              /* its server checked against the pinned key */
	enum tui_screen card_from; /* where Esc on the Card goes back to */
	/* the help and the : command line, over any screen */
	int help_top;             /* first line of the help shown */
	bool cmd_open;
	char cmd[TUI_QUERY_MAX];
	char alert[1200];         /* over the status line until the next key */
	struct tui_segs segs;
	/* Card */
	Kart__Envelope *card;
	bool editing;             /* the one-line field is open */
	bool field_asking;        /* "Отменить изменения? y/n" over it */
	enum tui_field field;
	int kind;                 /* Kart__EntryKind of the entry being written */
	char amount[64];          /* a purchase's amount, typed first */
	int64_t remind_at;        /* a reminder's time, typed first */
	char note[TUI_NOTE_MAX];
	char card_msg[1200];
	int tab;                  /* index into tabs */
	char tab_rows[TUI_TAB_ROWS][TUI_TAB_ROW];
	int ntab_rows;
	Kart__Card *cc;           /* the card shown: in card, or in the newest CardChanged */
	struct kc_field_defs defs; /* the custom fields, asked for with the card */
	struct card_tab tabs[TUI_MAX_TABS];
	int ntabs;
	int fsel;                 /* the selected field (field tabs) or deal (Сделки) */
	bool field_hist;          /* tab_rows hold the selected field's history */
	Kart__Envelope *deals;    /* DealPage of the Сделки tab */
	struct form form;         /* open over any screen */
	/* Today */
	Kart__Envelope *today;    /* TodayPage */
	int today_sel;
	enum tui_screen today_from; /* where Esc goes back to */
	char today_msg[1200];
};

/* draw.c */
double tui_now_ms(void);
/* s shown safely (controls visible) from column x of row y, fitted to cells
 * cells and padded with spaces. */
void tui_put(int y, int x, const char *s, int cells);
/* Appends the UTF-8 of wide character wc to buf (size n); false if it does not fit. */
bool tui_append(char *buf, size_t n, int wc);
/* Drops the last character of buf. */
void tui_erase_last(char *buf);

/* find.c */
void find_key(struct tui *t, int key, bool is_char);
void find_pump(struct tui *t);
void find_draw(struct tui *t);
/* Takes the replies that arrived (kc_try_recv), then sends what is due. */
void tui_receive(struct tui *t);
void tui_card_name(const Kart__Card *c, char *out, size_t n);
/* A phone as typed, for reading ("+7 917 123-45-67" when it is Russian). */
void tui_phone(const char *typed, char *out, size_t n);
/* n with its digits grouped as the locale groups them: 1 002 311. */
void tui_grouped(uint64_t n, char *out, size_t len);
/* A date as the locale writes it: 05.12.2026 in Russian, 2026-12-05 else. */
void tui_date(int64_t secs, char *out, size_t n);
/* One result row at y: name or company, phone, city, owner, last touch,
 * as many as fit COLS; the parts query matched highlighted (NULL: none). */
void tui_card_row(int y, const Kart__Card *c, bool selected, const char *query);
/* Forgets the Find and the count in flight (their replies will not be
 * read: a blocking call drops them, or the connection went); both are
 * asked again. */
void find_abandon(struct tui *t);
/* Starts the Find screen with text as the query. */
void find_set_query(struct tui *t, const char *text);

/* segments.c: the Segments screen */
void segments_open(struct tui *t);
void segments_key(struct tui *t, int key, bool is_char);
void segments_draw(struct tui *t);
/* True while the screen's filter line takes the keys. */
bool segments_typing(const struct tui *t);
void segments_free(struct tui *t);

/* cmdline.c: the : command line, on every screen */
void cmdline_open(struct tui *t);
void cmdline_key(struct tui *t, int key, bool is_char);
/* On the last line, over the screen's hints. */
void cmdline_draw(struct tui *t);
/* The commands for the help: the i-th one's name and help (English, N_),
 * false past the last. */
bool cmdline_command(size_t i, const char **name, const char **help);

/* help.c: the help, printed from the key table, paged */
void help_open(struct tui *t);
void help_key(struct tui *t, int key);
void help_draw(struct tui *t);

/* link.c */
/* Closes the lost connection (why: the error) and starts retrying. */
void link_lost(struct tui *t, const char *why);
/* Reconnects when the next attempt is due; then the live query is sent again. */
void link_tick(struct tui *t);
/* How long the loop may wait for input before link_tick is due again. */
int link_wait_ms(const struct tui *t);
/* "нет связи с сервером; повтор через N с" */
void link_status(const struct tui *t, char *out, size_t n);

/* draw.c: the colour theme */
enum tui_style { TUI_STYLE_TITLE, TUI_STYLE_HINT, TUI_STYLE_ALERT };
/* Starts colours when on and the terminal has them (default background). */
void tui_colors_init(bool on);
void tui_style(enum tui_style s, bool on);

/* card.c */
/* Before a request that waits for its reply: false when the connection is
 * lost (nothing to ask then); a Find in flight is abandoned and sent again
 * later. After the request, tui_go_nonblocking with its kc_status: a lost
 * connection is handed to link.c, which reconnects. */
bool tui_go_blocking(struct tui *t);
void tui_go_nonblocking(struct tui *t, int rc, const struct kc_error *err);
void card_open(struct tui *t, uint64_t id);
void card_key(struct tui *t, int key, bool is_char);
void card_draw(struct tui *t);

/* card_tabs.c: the Card's tabs and the entries it logs */
/* The tabs of the card shown, from its custom fields' definitions. */
void card_tabs_build(struct tui *t);
/* Shows tab (an index into tabs) and loads the rows of a list tab. */
void card_tab_load(struct tui *t, int tab);
enum card_tab_kind card_tab_kind(const struct tui *t);
/* Handles a tab, log or reminder key; false when key is none of them. */
bool card_tab_key(struct tui *t, enum tui_action a);
/* A key while the one-line field is open. */
void card_field_key(struct tui *t, int key, bool is_char);
/* The tab line at row y, and the rows of a tab other than the contact. */
void card_tabs_draw(struct tui *t, int y);
void card_tab_rows_draw(struct tui *t, int y);
/* The one-line field at the bottom. */
void card_field_draw(struct tui *t);

/* card_fields.c: the fields of the Card's field tabs */
struct card_field {
	const char *name;  /* as the server names it */
	const char *label; /* translated; a custom field's own name */
	char value[FORM_VALUE];
	bool locked;       /* longer than a form takes */
};
/* The fields tab shows (none for a list tab); returns how many. */
int card_fields(const struct tui *t, int tab, struct card_field *out, int max);
/* The label of the field named name, for the history's title. */
const char *card_field_label(const char *name);
/* The rows of a field tab, the selected one in reverse, from row y. */
void card_fields_draw(struct tui *t, int y);
/* The relatives, from row y. */
void card_relatives_draw(struct tui *t, int y);

/* card_edit.c: e, h, [ ], a and the forms' loop */
/* The form of the current tab's fields (e). */
void card_edit_open(struct tui *t);
/* A new card with the query pre-filled (a phone when it reads as one, else a name). */
void card_new_open(struct tui *t);
/* The history of the selected field (h), into tab_rows. */
void card_field_history(struct tui *t);
/* The previous (-1) or next (1) card of the Find results. */
void card_step(struct tui *t, int dir);
/* Ctrl-S of a card form: true when it saved (the form closes). */
bool card_edit_save(struct tui *t);
/* Frees what the Card holds, at exit. */
void card_close(struct tui *t);

/* form.c: the form's keys and screen, over whatever screen is under it */
/* A key while the form is open; Ctrl-S saves through the form's kind. */
void form_key(struct tui *t, int key, bool is_char);
void form_draw(struct tui *t);
/* A refused save: under the field the server named (its words with its
 * code, after what kind of refusal it was), or over the form. */
void form_server_error(struct form *f, const struct kc_error *err);
/* Shows the card (the reply to a request, owned from now on) in place of
 * the one shown; its tab stays. */
void card_replace(struct tui *t, Kart__Envelope *e, Kart__Card *card);

/* card_deal.c: the Сделки tab */
int card_deals_load(struct tui *t, struct kc_error *err);
void card_deals_draw(struct tui *t, int y);
/* d: the add form, or the stage form of the selected deal. */
void card_deal_open(struct tui *t);
/* Ctrl-S of a deal form: true when it saved (the form closes). */
bool card_deal_save(struct tui *t);

/* today.c: the Today screen */
void today_open(struct tui *t);

/* login.c: `--login USER` before the screen; the session saved as `kart
 * login` saves it. A kc_status (the reason printed). */
int tui_login(const char *home, const char *server, const char *ca, const char *user, const char *password_file,
	      bool trust, const char *default_server, const char *client_name);
void today_key(struct tui *t, int key, bool is_char);
void today_draw(struct tui *t);

#endif
