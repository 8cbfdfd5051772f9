/* card_fields: the fields the Card's field tabs show and its forms edit:
 * the core fields of Контакт and of Телефоны и адреса, and the admin's
 * custom fields, on the tab their definition names ("" is Контакт). Values
 * are text as `kart card edit --set` takes it: lists joined with ", ",
 * messengers as kind:handle. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "layout.h"

#define LABEL_CELLS 14

struct core_field {
	const char *name;
	const char *label;
	enum card_tab_kind tab;
};

static const struct core_field core[] = {
	{ "last_name", N_("Last name"), TAB_CONTACT },
	{ "first_name", N_("First name"), TAB_CONTACT },
	{ "middle_name", N_("Middle name"), TAB_CONTACT },
	{ "company", N_("Company"), TAB_CONTACT },
	{ "position", N_("Position"), TAB_CONTACT },
	{ "birthday", N_("Birthday"), TAB_CONTACT },
	{ "tags", N_("Tags"), TAB_CONTACT },
	{ "source", N_("Source"), TAB_CONTACT },
	{ "owner", N_("Manager"), TAB_CONTACT },
	{ "notes", N_("Notes"), TAB_CONTACT },
	{ "phones", N_("Phones"), TAB_PHONES },
	{ "emails", N_("Email"), TAB_PHONES },
	{ "messengers", N_("Messengers"), TAB_PHONES },
	{ "city", N_("City"), TAB_PHONES },
	{ "address", N_("Address"), TAB_PHONES },
};

#define NCORE (sizeof(core) / sizeof(core[0]))

const char *card_field_label(const char *name)
{
	for (size_t i = 0; i < NCORE; i++)
		if (strcmp(core[i].name, name) == 0)
			return _(core[i].label);
	return name; /* a custom field's own name */
}

/* Appends s to out (size n, holding len bytes); false when it does not fit. */
static bool put(char *out, size_t n, size_t *len, const char *s)
{
	size_t k = strlen(s);

	if (*len + k + 1 > n)
		return false;
	memcpy(out + *len, s, k + 1);
	*len += k;
	return true;
}

static bool list_text(char *out, size_t n, char **items, size_t count)
{
	size_t len = 0;
	bool ok = true;

	out[0] = '\0';
	for (size_t i = 0; i < count && ok; i++)
		ok = (!i || put(out, n, &len, ", ")) && put(out, n, &len, items[i]);
	return ok;
}

/* The text of core field name of c; false when it does not fit in n. */
static bool core_value(const Kart__Card *c, const char *name, char *out, size_t n)
{
	size_t len = 0;
	bool ok = true;

	out[0] = '\0';
	if (strcmp(name, "phones") == 0)
		return list_text(out, n, c->phones, c->n_phones);
	if (strcmp(name, "emails") == 0)
		return list_text(out, n, c->emails, c->n_emails);
	if (strcmp(name, "tags") == 0)
		return list_text(out, n, c->tags, c->n_tags);
	if (strcmp(name, "messengers") == 0) {
		for (size_t i = 0; i < c->n_messengers && ok; i++)
			ok = (!i || put(out, n, &len, ", ")) && put(out, n, &len, c->messengers[i]->kind) &&
			     put(out, n, &len, ":") && put(out, n, &len, c->messengers[i]->handle);
		return ok;
	}
	const char *v = strcmp(name, "last_name") == 0	 ? c->last_name
			: strcmp(name, "first_name") == 0  ? c->first_name
			: strcmp(name, "middle_name") == 0 ? c->middle_name
			: strcmp(name, "company") == 0	   ? c->company
			: strcmp(name, "position") == 0	   ? c->position
			: strcmp(name, "birthday") == 0	   ? c->birthday
			: strcmp(name, "source") == 0	   ? c->source
			: strcmp(name, "owner") == 0	   ? c->owner
			: strcmp(name, "notes") == 0	   ? c->notes
			: strcmp(name, "city") == 0	   ? c->city
			: strcmp(name, "address") == 0	   ? c->address
							   : "";
	return put(out, n, &len, v ? v : "");
}

static const char *custom_value(const Kart__Card *c, const char *name)
{
	for (size_t i = 0; i < c->n_custom; i++)
		if (strcmp(c->custom[i]->field, name) == 0)
			return c->custom[i]->value;
	return "";
}

int card_fields(const struct tui *t, int tab, struct card_field *out, int max)
{
	const struct card_tab *ct = &t->tabs[tab];
	int n = 0;

	if (tab < 0 || tab >= t->ntabs || !t->cc)
		return 0;
	for (size_t i = 0; i < NCORE && n < max; i++) {
		if (core[i].tab != ct->kind)
			continue;
		out[n].name = core[i].name;
		out[n].label = _(core[i].label);
		out[n].locked = !core_value(t->cc, core[i].name, out[n].value, sizeof(out[n].value));
		n++;
	}
	if (ct->kind != TAB_CONTACT && ct->kind != TAB_CUSTOM)
		return n;
	for (size_t i = 0; i < t->defs.ndefs && n < max; i++) {
		const Kart__FieldDef *d = t->defs.defs[i];
		if (ct->kind == TAB_CONTACT ? d->tab[0] != '\0' : strcmp(d->tab, ct->custom) != 0)
			continue;
		const char *v = custom_value(t->cc, d->name);
		out[n].name = d->name;
		out[n].label = d->name;
		/* a masked value cannot be edited: saving "***" would be a change */
		out[n].locked = strcmp(v, "***") == 0 || strlen(v) >= sizeof(out[n].value);
		snprintf(out[n].value, sizeof(out[n].value), "%s", v);
		n++;
	}
	return n;
}

/* A list of phones for reading: "+7 917 123-45-67, +7 927 …". */
static void phones_read(const Kart__Card *c, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < c->n_phones; i++) {
		char one[256];
		tui_phone(c->phones[i], one, sizeof(one));
		if ((i && !put(out, n, &len, ", ")) || !put(out, n, &len, one))
			break;
	}
}

void card_fields_draw(struct tui *t, int y)
{
	static struct card_field f[FORM_MAX];
	int n = card_fields(t, t->tab, f, FORM_MAX), rows = LINES - 3 - y;
	int first = t->fsel >= rows ? t->fsel - rows + 1 : 0;
	char shown[FORM_VALUE];

	for (int i = first; i < n && y < LINES - 3; i++, y++) {
		const char *v = f[i].value;
		if (strcmp(f[i].name, "phones") == 0) {
			phones_read(t->cc, shown, sizeof(shown));
			v = shown;
		} else {
			v = fmt_date(v, shown, sizeof(shown)); /* a date (birthday, a date field) as the locale writes it */
		}
		if (i == t->fsel)
			attron(A_REVERSE);
		tui_put(y, 0, f[i].label, LABEL_CELLS);
		tui_put(y, LABEL_CELLS, v, COLS - LABEL_CELLS);
		if (i == t->fsel)
			attroff(A_REVERSE);
	}
}

void card_relatives_draw(struct tui *t, int y)
{
	char line[TUI_TAB_ROW], name[150], rel[60], note[200], born[32];

	if (t->cc->n_relatives == 0)
		tui_put(y, 0, _("no relatives"), COLS);
	for (size_t i = 0; i < t->cc->n_relatives && y < LINES - 3; i++) {
		const Kart__Relative *r = t->cc->relatives[i];
		snprintf(line, sizeof(line), "%s  %s%s%s%s%s", tui_clip(name, sizeof(name), r->name),
			 tui_clip(rel, sizeof(rel), r->relation), r->birthday[0] ? "  " : "",
			 fmt_date(r->birthday, born, sizeof(born)), r->note[0] ? "  " : "", tui_clip(note, sizeof(note), r->note));
		tui_put(y++, 0, line, COLS);
	}
}
