/* imp_map: a CSV header's columns to card fields, and a row's values to the
 * fields kart import sends (imp.h's struct imp_field). Knows the column
 * names of Google Contacts, Outlook (English, Russian, German), Thunderbird,
 * Yahoo, Windows Address Book, Bitrix24, amoCRM, 1C and plain Russian
 * spreadsheets; --map overrides and adds. The value rules (dates, Excel's
 * serial days and damaged phones, gender, full names, tags) are here too. */
#ifndef KART_IMP_MAP_H
#define KART_IMP_MAP_H

#include <stddef.h>

#include "arena.h"
#include "imp.h"

struct imp_map;

/* The map of a header of n columns; map_opt is --map or NULL. NULL with err
 * on a --map that does not parse or names no column of the header. */
struct imp_map *imp_map_new(const char *file, const char *const *header, size_t n, const char *map_opt, char *err,
			    size_t errlen);
/* Fills row's fields (and bad) from the record's n values, each starting on
 * lines[i]; what it builds lives in a until its reset. -1: out of memory. */
int imp_map_row(const struct imp_map *m, char *const *vals, const unsigned long *lines, size_t n, struct arena *a,
		struct imp_row *row);
/* The columns no mapping took, in header order; owned by m. */
size_t imp_map_unknown(const struct imp_map *m, const char *const **names);
void imp_map_free(struct imp_map *m);

/* The value rules, exposed for the unit test. Each writes the card's form
 * into out and returns 0, or -1 when the value is not one (dates), or 1
 * for nothing (an empty date such as Outlook's 0/0/00). */
int imp_date(const char *v, int us_order, char *out, size_t outlen);
/* "f", "m", "" for a said-unspecified ("Unspecified", "не указан"), NULL
 * when unknown (sent as it is, for the server to refuse). */
const char *imp_gender(const char *v);
/* Excel's scientific notation where a phone was (7,91235E+10). */
int imp_phone_damaged(const char *v);

#endif
