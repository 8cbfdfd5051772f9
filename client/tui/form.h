/* form: kart-tui's forms: a few labelled one-line fields, edited in turn
 * (Tab, ↑/↓ move between them), saved with Ctrl-S and cancelled with Esc,
 * which asks first when something was typed. What saving does is the
 * form's kind's (card_edit.c, card_deal.c); an error the server pinned on a
 * field is shown under that field. A form lives in struct tui and keeps
 * what was typed while the connection is lost. */
#ifndef KART_TUI_FORM_H
#define KART_TUI_FORM_H

#include <stdbool.h>

#define FORM_MAX 24
#define FORM_VALUE 1024

enum form_kind {
	FORM_CARD_EDIT, /* the fields of a card's tab: CardUpdate */
	FORM_CARD_NEW,  /* a new card: CardCreate, then it opens */
	FORM_DEAL_ADD,
	FORM_DEAL_MOVE,
};

struct form_field {
	char name[64];          /* as the server names it: "emails", a custom field's name */
	char label[64];         /* translated */
	char value[FORM_VALUE];
	char orig[FORM_VALUE];  /* as it was when the form opened */
	char error[512];        /* the server's, under the field; "" none */
	bool locked;            /* too long to edit here */
};

struct form {
	bool open;
	bool asking;            /* "Отменить изменения? y/n" */
	bool unsent;            /* a save failed for the connection: say when it is back */
	enum form_kind kind;
	char title[256];
	char hint[256];         /* under the fields (a deal's funnel, say) */
	char msg[1200];         /* an error of the whole form (a conflict) */
	struct form_field f[FORM_MAX];
	int n, cur;
	unsigned long long id;  /* the deal moved */
};

/* Empties f and opens it as kind with title. */
void form_start(struct form *f, enum form_kind kind, const char *title);
/* Adds a field (value: its text now); false when the form is full. */
bool form_add(struct form *f, const char *name, const char *label, const char *value);
/* Something typed differs from what the form opened with. */
bool form_changed(const struct form *f);
/* Puts the server's error (field: its name, "" none) under its field, or
 * in the form's message when no field is named. */
void form_error(struct form *f, const char *field, const char *text);
void form_clear_errors(struct form *f);

#endif
