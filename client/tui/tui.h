/* tui: kart-tui's state, shared by its screens (find.c, card.c), the
 * drawing helpers (draw.c) and the loop (main.c). */
#ifndef KART_TUI_TUI_H
#define KART_TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kc.h"
#include "keys.h"

#define TUI_QUERY_MAX 256
#define TUI_NOTE_MAX 1024

/* The connection and how to make it again (link.c). */
struct tui_link {
	const char *home, *server, *ca;     /* as given: flags, environment */
	const char *default_server, *client_name;
	int backoff_s;                      /* the wait before the next attempt */
	double retry_at;                    /* monotonic ms */
	char why[1024];                     /* the last failure */
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
	char status[1200];
	int sel;
	/* Card */
	Kart__Envelope *card;
	bool editing;             /* the one-line field of a call is open */
	char note[TUI_NOTE_MAX];
	char card_msg[1200];
};

/* draw.c */
double tui_now_ms(void);
/* s shown safely (controls visible) from column x of row y, fitted to cells
 * cells and padded with spaces. */
void tui_put(int y, int x, const char *s, int cells);
void tui_draw_help(struct tui *t);
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
void card_open(struct tui *t, uint64_t id);
void card_key(struct tui *t, int key, bool is_char);
void card_draw(struct tui *t);

#endif
