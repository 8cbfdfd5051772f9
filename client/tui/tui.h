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

struct tui {
	struct kc *c;
	char server[256];
	char user[128];
	const char *role;
	bool color;
	enum tui_screen screen;
	bool help;              /* the help covers the screen */
	bool quit;
	char exit_msg[1100];      /* why it quit, printed after the screen is gone */
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

/* card.c */
void card_open(struct tui *t, uint64_t id);
void card_key(struct tui *t, int key, bool is_char);
void card_draw(struct tui *t);

#endif
