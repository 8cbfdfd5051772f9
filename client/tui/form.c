/* form: the fields of a form, its keys and its screen (see form.h). */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define CTRL_S 19
#define LABEL_CELLS 16

void form_start(struct form *f, enum form_kind kind, const char *title)
{
	memset(f, 0, sizeof(*f));
	f->open = true;
	f->kind = kind;
	snprintf(f->title, sizeof(f->title), "%s", title);
}

bool form_add(struct form *f, const char *name, const char *label, const char *value)
{
	struct form_field *ff;

	if (f->n >= FORM_MAX)
		return false;
	ff = &f->f[f->n++];
	snprintf(ff->name, sizeof(ff->name), "%s", name);
	snprintf(ff->label, sizeof(ff->label), "%s", label);
	snprintf(ff->value, sizeof(ff->value), "%s", value);
	snprintf(ff->orig, sizeof(ff->orig), "%s", value);
	return true;
}

bool form_changed(const struct form *f)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->f[i].value, f->f[i].orig) != 0)
			return true;
	return false;
}

void form_clear_errors(struct form *f)
{
	f->msg[0] = '\0';
	f->unsent = false;
	for (int i = 0; i < f->n; i++)
		f->f[i].error[0] = '\0';
}

void form_error(struct form *f, const char *field, const char *text)
{
	for (int i = 0; field && *field && i < f->n; i++)
		if (strcmp(f->f[i].name, field) == 0) {
			/* a long refusal is cut to the line under the field */
			snprintf(f->f[i].error, sizeof(f->f[i].error), "%.*s", (int)sizeof(f->f[i].error) - 1, text);
			f->cur = i; /* where it is to be put right */
			return;
		}
	snprintf(f->msg, sizeof(f->msg), "%s", text);
}

/* What kind of refusal it was, in the user's words. */
static const char *refusal(Kart__ErrorCode code)
{
	switch (code) {
	case KART__ERROR_CODE__BAD_REQUEST:
		return _("invalid value");
	case KART__ERROR_CODE__PERMISSION_DENIED:
	case KART__ERROR_CODE__UNAUTHENTICATED:
		return _("not allowed");
	case KART__ERROR_CODE__NOT_FOUND:
		return _("not found");
	case KART__ERROR_CODE__CONFLICT:
		return _("conflict");
	default:
		return _("refused");
	}
}

void form_server_error(struct form *f, const struct kc_error *err)
{
	const ProtobufCEnumValue *v =
		err->code ? protobuf_c_enum_descriptor_get_value(&kart__error_code__descriptor, (int)err->code) : NULL;
	char text[1200];

	if (err->status == KC_ERR_CONNECT) {
		snprintf(text, sizeof(text), _("not saved: %.900s; Ctrl-S saves once the server is back"), err->message);
		f->unsent = true;
	} else if (err->status == KC_ERR_CONFLICT) {
		snprintf(text, sizeof(text),
			 _("not saved: someone changed the card while you edited it (%s). Esc, open the card again "
			   "and make your change there"),
			 v ? v->name : "CONFLICT");
	} else if (v) { /* the server's words stay with its code: they name what it refused */
		snprintf(text, sizeof(text), "%s [%s]: %.900s", refusal(err->code), v->name, err->message);
	} else {
		snprintf(text, sizeof(text), "%.1100s", err->message);
	}
	form_error(f, err->status == KC_ERR_CONFLICT ? "" : err->field, text);
}

static void form_save(struct tui *t)
{
	struct form *f = &t->form;
	bool done;

	form_clear_errors(f);
	if (!tui_go_blocking(t)) { /* what was typed stays */
		snprintf(f->msg, sizeof(f->msg), "%s",
			 _("not saved: no connection to the server; Ctrl-S saves once it is back"));
		f->unsent = true;
		return;
	}
	if (f->kind == FORM_DEAL_ADD || f->kind == FORM_DEAL_MOVE)
		done = card_deal_save(t);
	else
		done = card_edit_save(t);
	if (done)
		f->open = false;
}

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

void form_key(struct tui *t, int key, bool is_char)
{
	struct form *f = &t->form;
	struct form_field *ff = &f->f[f->cur];

	if (f->asking) { /* y, or н on a Russian layout */
		if (key == 'y' || key == 'Y' || key == L'н' || key == L'Н')
			f->open = false;
		else if (key == 'n' || key == 'N' || key == L'т' || key == L'Т' || key == 27)
			f->asking = false;
		return;
	}
	if (key == CTRL_S) {
		form_save(t);
	} else if (key == 27) {
		if (form_changed(f))
			f->asking = true;
		else
			f->open = false;
	} else if (key == '\t' || key == KEY_DOWN || (is_enter(key) && f->cur + 1 < f->n)) {
		f->cur = (f->cur + 1) % f->n;
	} else if (key == KEY_BTAB || key == KEY_UP) {
		f->cur = (f->cur + f->n - 1) % f->n;
	} else if (is_enter(key)) {
		form_save(t); /* Enter on the last field saves too */
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (!ff->locked)
			tui_erase_last(ff->value);
	} else if (is_char && key >= 32) {
		if (!ff->locked)
			tui_append(ff->value, sizeof(ff->value), key);
	} else if (tui_key_action(TUI_CARD, key) == TUI_REDRAW) {
		clearok(curscr, TRUE);
	}
}

/* s from row y in two rows when it does not fit one (the server's errors
 * are long: what it refused, and what it takes); returns the rows used. */
static int put_two_rows(int y, int x, const char *s, int cells)
{
	char first[1400];
	size_t len;

	tui_fit(first, sizeof(first), s, (size_t)cells + 1); /* the "…" is taken away below */
	len = strlen(first);
	if (strcmp(first, s) == 0 || len < 3 || y + 1 >= LINES - 4) {
		tui_put(y, x, s, cells);
		return 1;
	}
	first[len - 3] = '\0';
	tui_put(y, x, first, cells);
	tui_put(y + 1, x + 4, s + strlen(first), cells - 4); /* under the text, past the "  ↳ " */
	return 2;
}

void form_draw(struct tui *t)
{
	struct form *f = &t->form;
	int wval = COLS - LABEL_CELLS, y = 2, cx = 0, cy = 2;
	int rows = LINES - 6, first = f->cur >= rows / 2 ? f->cur - rows / 2 + 1 : 0;
	char buf[FORM_VALUE + 8], line[1400];

	erase();
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, f->title, COLS);
	tui_style(TUI_STYLE_TITLE, false);
	for (int i = first; i < f->n && y < LINES - 4; i++) {
		const struct form_field *ff = &f->f[i];
		const char *v = ff->value;
		if (i == f->cur) { /* the end being typed stays in sight */
			tui_tail(buf, sizeof(buf), v, (size_t)(wval > 1 ? wval - 1 : 0));
			v = buf;
		}
		if (i == f->cur)
			attron(A_BOLD);
		tui_put(y, 0, ff->label, LABEL_CELLS);
		if (i == f->cur)
			attroff(A_BOLD);
		tui_put(y, LABEL_CELLS, ff->locked ? _("(too long to edit here)") : v, wval);
		if (i == f->cur) {
			cy = y;
			cx = LABEL_CELLS + (int)tui_width(v);
		}
		y++;
		if (ff->error[0] && y < LINES - 4) {
			snprintf(line, sizeof(line), "  ↳ %s", ff->error);
			tui_style(TUI_STYLE_ALERT, true);
			y += put_two_rows(y, 0, line, COLS);
			tui_style(TUI_STYLE_ALERT, false);
		}
	}
	if (f->hint[0])
		tui_put(LINES - 4, 0, f->hint, COLS);
	tui_style(TUI_STYLE_ALERT, true);
	if (f->asking)
		tui_put(LINES - 3, 0, _("Discard the changes? y/n"), COLS);
	else if (f->unsent && t->c)
		tui_put(LINES - 3, 0, _("connection restored: Ctrl-S saves"), COLS);
	else
		tui_put(LINES - 3, 0, f->msg, COLS);
	tui_style(TUI_STYLE_ALERT, false);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0, _("Ctrl-S saves · Esc cancels · Tab, ↑↓ field"), COLS);
	tui_style(TUI_STYLE_HINT, false);
	move(cy, cx < COLS ? cx : COLS - 1);
}
