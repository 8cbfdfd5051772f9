/* out_card: one card and what belongs to it. `kart card show` prints the
 * card as aligned "field: value" records (labels in English or Russian by
 * the locale), its custom fields placed by their definitions in a section
 * per tab; `card edit`/`card revert` say what changed; `card history` lists
 * versions with their changes; `card rel ls` the relatives; `field ls` the
 * custom field definitions. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "i18n.h"
#include "out.h"
#include "pbjson.h"
#include "text.h"
#include "util.h"

/* ---- lists: field definitions, relatives, versions ---- */

static const struct out_column field_columns[] = {
	{ "NAME", 24, false }, { "TYPE", 9, false }, { "TAB", 16, false }, { "VALUES", 40, false },
	{ "SENSITIVE", 0, false },
};
const struct out_table out_field_table = { field_columns, N_COLUMNS(field_columns), false };

static const struct out_column relative_columns[] = {
	{ "N", 3, true }, { "NAME", 32, false }, { "RELATION", 12, false }, { "BIRTHDAY", 10, false },
	{ "NOTE", 0, false },
};
const struct out_table out_relative_table = { relative_columns, N_COLUMNS(relative_columns), false };

void out_list_field(struct out_list *l, const Kart__FieldDef *f)
{
	char type[32], values[1024];
	const char *cells[N_COLUMNS(field_columns)];
	size_t used = 0;

	if (out_list_as_json(l, &f->base))
		return;
	values[0] = '\0';
	for (size_t i = 0; i < f->n_values && used < sizeof(values); i++)
		used += (size_t)snprintf(values + used, sizeof(values) - used, "%s%s", i ? "," : "", f->values[i]);
	cells[0] = str_or_empty(f->name);
	cells[1] = out_enum_short(&kart__field_type__descriptor, (int)f->type, type, sizeof(type));
	cells[2] = str_or_empty(f->tab);
	cells[3] = values;
	cells[4] = f->sensitive ? "yes" : "no";
	out_row(field_columns, N_COLUMNS(field_columns), cells);
	l->count++;
}

void out_list_relative(struct out_list *l, const Kart__Relative *r)
{
	char n[24], birthday[32];
	const char *cells[N_COLUMNS(relative_columns)];

	if (out_list_as_json(l, &r->base))
		return;
	snprintf(n, sizeof(n), "%zu", l->count + 1);
	cells[0] = n;
	cells[1] = str_or_empty(r->name);
	cells[2] = str_or_empty(r->relation);
	cells[3] = fmt_date(r->birthday, birthday, sizeof(birthday));
	cells[4] = str_or_empty(r->note);
	out_row(relative_columns, N_COLUMNS(relative_columns), cells);
	l->count++;
}

/* 'value' on one line (control characters as spaces). */
static void put_quoted(const char *s)
{
	fputc('\'', stdout);
	out_chars(str_or_empty(s), SIZE_MAX);
	fputc('\'', stdout);
}

void out_list_version(struct out_list *l, const Kart__Version *v)
{
	char at[32];

	if (out_list_as_json(l, &v->base))
		return;
	out_time_or_empty(v->at, at, sizeof(at));
	printf("v%" PRIu64 "  %s  ", v->version, at);
	out_chars(str_or_empty(v->by), SIZE_MAX);
	fputc('\n', stdout);
	for (size_t i = 0; i < v->n_changes; i++) {
		const Kart__Change *ch = v->changes[i];
		fputs("  ", stdout);
		out_chars(str_or_empty(ch->field), SIZE_MAX);
		fputs(": ", stdout);
		put_quoted(ch->old_value);
		fputs(" -> ", stdout);
		put_quoted(ch->new_value);
		fputc('\n', stdout);
	}
	l->count++;
}

/* ---- one card ---- */

static bool field_is_empty(const ProtobufCFieldDescriptor *f, const char *base)
{
	const void *p = base + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset) == 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)p;
		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_INT64:
		return *(const uint64_t *)p == 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
		return *(const uint32_t *)p == 0;
	case PROTOBUF_C_TYPE_BOOL:
		return !*(const protobuf_c_boolean *)p;
	case PROTOBUF_C_TYPE_ENUM:
		return *(const int *)p == 0;
	default:
		return false;
	}
}

/* Card fields shown elsewhere: custom values in their sections, the
 * normalized phones and their extensions next to the phones. */
static bool card_field_hidden(const ProtobufCFieldDescriptor *f)
{
	return f->offset == offsetof(Kart__Card, custom) || f->offset == offsetof(Kart__Card, phones_e164) ||
	       f->offset == offsetof(Kart__Card, phones_ext) || f->offset == offsetof(Kart__Card, merged_from);
}

/* Prints a value, controls visible; lines after the first are indented to
 * the value column. */
static void put_value(const char *raw, size_t indent)
{
	char buf[1024], *heap;
	for (const char *s = out_visible(raw, TEXT_SHOW_LINES, buf, sizeof(buf), &heap); *s; s++) {
		fputc(*s, stdout);
		if (*s == '\n')
			out_spaces(indent);
	}
	free(heap);
}

/* "Анна (spouse, 1982-05-01) — likes tulips" */
static void put_relative(const Kart__Relative *r, size_t indent)
{
	char buf[32];
	const char *relation = str_or_empty(r->relation), *birthday = fmt_date(r->birthday, buf, sizeof(buf));

	put_value(str_or_empty(r->name), indent);
	if (*relation || *birthday) {
		fputs(" (", stdout);
		put_value(relation, indent);
		fputs(*relation && *birthday ? ", " : "", stdout);
		put_value(birthday, indent);
		fputc(')', stdout);
	}
	if (r->note && *r->note) {
		fputs(" — ", stdout);
		put_value(r->note, indent);
	}
}

static void put_card_field(const ProtobufCFieldDescriptor *f, const char *base, size_t indent)
{
	const Kart__Card *card = (const Kart__Card *)base;
	const void *p = base + f->offset;
	char buf[64];

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		for (size_t i = 0; i < n; i++) {
			if (f->descriptor == &kart__relative__descriptor) {
				if (i) {
					fputc('\n', stdout);
					out_spaces(indent);
				}
				put_relative((*(Kart__Relative *const *const *)p)[i], indent);
				continue;
			}
			if (i)
				fputs(", ", stdout);
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				const char *v = (*(char *const *const *)p)[i];
				put_value(v, indent);
				/* a phone's normalized form, when it reads differently */
				if (f->offset == offsetof(Kart__Card, phones) && i < card->n_phones_e164 &&
				    *card->phones_e164[i] && strcmp(card->phones_e164[i], v) != 0) {
					fputs(" (", stdout);
					put_value(card->phones_e164[i], indent);
					/* the extension as RFC 3966 writes it */
					if (i < card->n_phones_ext && *card->phones_ext[i]) {
						fputs(";ext=", stdout);
						put_value(card->phones_ext[i], indent);
					}
					fputc(')', stdout);
				}
			} else if (f->descriptor == &kart__messenger__descriptor) {
				const Kart__Messenger *m = (*(Kart__Messenger *const *const *)p)[i];
				put_value(str_or_empty(m->kind), indent);
				fputc(':', stdout);
				put_value(str_or_empty(m->handle), indent);
			}
		}
		return;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		if (f->offset == offsetof(Kart__Card, birthday))
			put_value(fmt_date(*(const char *const *)p, buf, sizeof(buf)), indent);
		else
			put_value(*(const char *const *)p, indent);
		break;
	case PROTOBUF_C_TYPE_UINT64:
		printf("%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
		printf("%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)p ? "yes" : "no", stdout);
		break;
	case PROTOBUF_C_TYPE_INT64:
		/* every other int64 in a Card is a time in unix seconds */
		if (f->offset == offsetof(Kart__Card, total_purchases))
			fputs(out_money(*(const int64_t *)p, buf, sizeof(buf)), stdout);
		else
			fputs(fmt_time(*(const int64_t *)p, 0, buf, sizeof(buf)), stdout);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		fputs(pbjson_enum_name(f->descriptor, *(const int *)p, buf, sizeof(buf)), stdout);
		break;
	default:
		break;
	}
}

/* ---- custom fields on the card ---- */

static bool tab_is_main(const char *tab)
{
	return !tab || !*tab || strcmp(tab, "main") == 0;
}

static const Kart__FieldDef *find_def(Kart__FieldDef *const *defs, size_t ndefs, const char *name)
{
	for (size_t i = 0; i < ndefs; i++)
		if (defs[i]->name && strcmp(defs[i]->name, name) == 0)
			return defs[i];
	return NULL;
}

static const Kart__CustomValue *find_custom(const Kart__Card *card, const char *name)
{
	for (size_t i = 0; i < card->n_custom; i++) {
		const Kart__CustomValue *v = card->custom[i];
		if (v->field && strcmp(v->field, name) == 0 && v->value && *v->value)
			return v;
	}
	return NULL;
}

/* The custom values of one section, in the order of their definitions; the
 * main section ends with values whose field has no definition (any more). */
static size_t section_values(const Kart__Card *card, Kart__FieldDef *const *defs, size_t ndefs,
			     const char *tab, const Kart__CustomValue **out)
{
	size_t n = 0;

	for (size_t i = 0; i < ndefs; i++) {
		const Kart__CustomValue *v;
		if (tab_is_main(tab) ? !tab_is_main(defs[i]->tab) : strcmp(str_or_empty(defs[i]->tab), tab) != 0)
			continue;
		if (defs[i]->name && (v = find_custom(card, defs[i]->name)))
			out[n++] = v;
	}
	if (!tab_is_main(tab))
		return n;
	for (size_t i = 0; i < card->n_custom; i++) {
		const Kart__CustomValue *v = card->custom[i];
		if (v->field && v->value && *v->value && !find_def(defs, ndefs, v->field))
			out[n++] = v;
	}
	return n;
}

/* A custom value as text, by its type: booleans as yes/no, the values of a
 * multienum separated by ", ". */
static void put_custom_value(const Kart__FieldDef *def, const char *value, size_t indent)
{
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_BOOL &&
	    (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)) {
		fputs(value[0] == 't' ? "yes" : "no", stdout);
		return;
	}
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM) {
		char buf[1024], *heap;
		for (const char *p = out_visible(value, 0, buf, sizeof(buf), &heap); *p; p++) {
			if (*p == ',') {
				fputs(", ", stdout);
				while (p[1] == ' ')
					p++;
			} else {
				fputc(*p, stdout);
			}
		}
		free(heap);
		return;
	}
	if (def && def->type == KART__FIELD_TYPE__FIELD_TYPE_DATE) {
		char date[64];
		put_value(fmt_date(value, date, sizeof(date)), indent);
		return;
	}
	put_value(value, indent);
}

static void put_label(const char *name, size_t label_width)
{
	out_chars(name, SIZE_MAX);
	fputc(':', stdout);
	out_spaces(label_width - text_utf8_chars(name, strlen(name)) + 1);
}

static void put_custom_lines(const Kart__CustomValue *const *values, size_t n, Kart__FieldDef *const *defs,
			     size_t ndefs, size_t label_width)
{
	for (size_t i = 0; i < n; i++) {
		put_label(values[i]->field, label_width);
		put_custom_value(find_def(defs, ndefs, values[i]->field), values[i]->value, label_width + 2);
		fputc('\n', stdout);
	}
}

static size_t widest_label(const Kart__CustomValue *const *values, size_t n, size_t width)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = text_utf8_chars(values[i]->field, strlen(values[i]->field));
		if (len > width)
			width = len;
	}
	return width;
}

/* The tabs of the definitions, in order of first appearance, main left out. */
static size_t list_tabs(Kart__FieldDef *const *defs, size_t ndefs, const char **tabs)
{
	size_t n = 0;

	for (size_t i = 0; i < ndefs; i++) {
		bool seen = tab_is_main(defs[i]->tab);
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(tabs[k], defs[i]->tab) == 0;
		if (!seen)
			tabs[n++] = defs[i]->tab;
	}
	return n;
}

/* Card fields in words, shown translated; a field not listed shows its
 * proto name. */
static const struct {
	const char *field, *label;
} card_labels[] = {
	{ "id", N_("ID") },
	{ "last_name", N_("Last name") },
	{ "first_name", N_("First name") },
	{ "middle_name", N_("Middle name") },
	{ "company", N_("Company") },
	{ "position", N_("Position") },
	{ "gender", N_("Gender") },
	{ "phones", N_("Phones") },
	{ "emails", N_("Emails") },
	{ "messengers", N_("Messengers") },
	{ "city", N_("City") },
	{ "address", N_("Address") },
	{ "birthday", N_("Birthday") },
	{ "source", N_("Source") },
	{ "tags", N_("Tags") },
	{ "sector", N_("Sector") },
	{ "owner", N_("Owner") },
	{ "notes", N_("Notes") },
	{ "version", N_("Version") },
	{ "created_at", N_("Created") },
	{ "created_by", N_("Created by") },
	{ "updated_at", N_("Updated") },
	{ "updated_by", N_("Updated by") },
	{ "deleted_at", N_("Deleted") },
	{ "deleted_by", N_("Deleted by") },
	{ "lifecycle", N_("Lifecycle") },
	{ "vip", N_("VIP") },
	{ "key_account", N_("Key account") },
	{ "relatives", N_("Relatives") },
	{ "last_touch_at", N_("Last touch") },
	{ "touches", N_("Touches") },
	{ "total_purchases", N_("Purchases") },
};

static const char *card_label(const ProtobufCFieldDescriptor *f)
{
	for (size_t i = 0; i < sizeof(card_labels) / sizeof(card_labels[0]); i++)
		if (strcmp(card_labels[i].field, f->name) == 0)
			return _(card_labels[i].label);
	return f->name;
}

/* The card's fields in the order shown: as in the schema, but the name as
 * people say it, last-first-middle. */
static unsigned card_order(const ProtobufCMessageDescriptor *d, unsigned *order)
{
	static const char *const names[] = { "last_name", "first_name", "middle_name" };
	unsigned n = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *name = d->fields[i].name;
		if (strcmp(name, "first_name") == 0) {
			for (unsigned k = 0; k < 3; k++) {
				const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, names[k]);
				if (f)
					order[n++] = (unsigned)(f - d->fields);
			}
		} else if (strcmp(name, "middle_name") != 0 && strcmp(name, "last_name") != 0) {
			order[n++] = i;
		}
	}
	return n;
}

/* The main section: the core fields, then the custom ones without a tab,
 * their labels lined up together. */
static void put_main_section(const Kart__Card *card, const Kart__CustomValue *const *custom, size_t ncustom,
			     Kart__FieldDef *const *defs, size_t ndefs)
{
	const ProtobufCMessageDescriptor *d = &kart__card__descriptor;
	const char *base = (const char *)card;
	size_t label_width = 0;
	unsigned order[64], n;

	if (d->n_fields > 64)
		return;
	n = card_order(d, order);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *label = card_label(&d->fields[i]);
		size_t len = text_utf8_chars(label, strlen(label));
		if (!card_field_hidden(&d->fields[i]) && !field_is_empty(&d->fields[i], base) && len > label_width)
			label_width = len;
	}
	label_width = widest_label(custom, ncustom, label_width);
	for (unsigned k = 0; k < n; k++) {
		const ProtobufCFieldDescriptor *f = &d->fields[order[k]];
		if (card_field_hidden(f) || field_is_empty(f, base))
			continue;
		put_label(card_label(f), label_width);
		put_card_field(f, base, label_width + 2);
		fputc('\n', stdout);
	}
	put_custom_lines(custom, ncustom, defs, ndefs, label_width);
}

int out_card_record(const Kart__Card *card, Kart__FieldDef *const *defs, size_t ndefs, const char *tab)
{
	const Kart__CustomValue **values = calloc(card->n_custom + 1, sizeof(*values));
	const char **tabs = calloc(ndefs + 1, sizeof(*tabs));
	size_t ntabs, n;
	bool printed;
	int rc = 0;

	if (!values || !tabs) {
		rc = out_no_memory();
		goto cleanup;
	}
	ntabs = list_tabs(defs, ndefs, tabs);
	if (tab && !tab_is_main(tab)) {
		bool known = false;
		for (size_t k = 0; k < ntabs && !known; k++)
			known = strcmp(tabs[k], tab) == 0;
		if (!known) {
			char names[512] = "main";
			size_t used = strlen(names);
			for (size_t k = 0; k < ntabs && used < sizeof(names); k++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, ", %s", tabs[k]);
			rc = out_error(KC_ERR_NOT_FOUND, "no tab '%s' (tabs: %s)", tab, names);
			goto cleanup;
		}
	}
	printed = !tab || tab_is_main(tab);
	if (printed) {
		n = section_values(card, defs, ndefs, "", values);
		put_main_section(card, values, n, defs, ndefs);
	}
	for (size_t k = 0; k < ntabs; k++) {
		if (tab && strcmp(tab, tabs[k]) != 0)
			continue;
		n = section_values(card, defs, ndefs, tabs[k], values);
		if (n == 0)
			continue;
		if (!tab) {
			fputs(printed ? "\n[" : "[", stdout);
			out_chars(tabs[k], SIZE_MAX);
			fputs("]\n", stdout);
		}
		put_custom_lines(values, n, defs, ndefs, widest_label(values, n, 0));
		printed = true;
	}
cleanup:
	free(values);
	free(tabs);
	return rc;
}

/* ---- what an edit or a revert changed ---- */

/* "  relative added: Анна (spouse)", a line for each. */
static void put_relative_lines(const char *what, Kart__Relative *const *rels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("  relative %s: ", what);
		put_relative(rels[i], 2);
		fputc('\n', stdout);
	}
}

void out_card_changed(const Kart__CardChanged *ch, const char *done)
{
	const Kart__Card *card = ch->card;
	unsigned long long id = card ? (unsigned long long)card->id : 0, version = card ? (unsigned long long)card->version : 0;

	if (!ch->changed) {
		printf("card %llu unchanged (version %llu): nothing differed from what it holds\n", id, version);
		return;
	}
	printf("card %llu %s (version %llu)\n", id, done, version);
	put_relative_lines("removed", ch->relatives_removed, ch->n_relatives_removed);
	put_relative_lines("added", ch->relatives_added, ch->n_relatives_added);
}
