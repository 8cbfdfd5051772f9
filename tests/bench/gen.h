/* gen: the benchmark's card generator.
 *
 * Makes realistic Russian-style client cards (Cyrillic names in the right
 * male/female forms, companies, cities, phones, e-mails, birthdays, tags),
 * deterministically from a seed and the card's index: the same (seed, index)
 * always gives the same card. The phone and the e-mail depend injectively on
 * the index alone, so cards with different indices (below 10^9) never share
 * a phone or an e-mail, whatever their seeds. No I/O, no allocation. */
#ifndef KART_BENCH_GEN_H
#define KART_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "kart.pb-c.h"

#define GEN_MAX_TAGS 3
/* first/middle/last name, company, position, gender, phones, emails, city,
 * birthday, sector, and one per tag. */
#define GEN_MAX_FIELDS (11 + GEN_MAX_TAGS)

struct gen_card {
	const char *first_name;
	const char *middle_name;
	char last_name[64];
	char company[160];          /* "" for a private person */
	const char *position;       /* "" for a private person */
	const char *gender;         /* "f" or "m" */
	char phone[32];
	char email[192];
	const char *city;
	char birthday[11];          /* YYYY-MM-DD */
	const char *tags[GEN_MAX_TAGS];
	int ntags;
	const char *sector;         /* "cold", "warm" or "hot" */
};

/* The card's fields as CardCreate wants them. The strings point into the
 * gen_card, which must outlive this. */
struct gen_fields {
	Kart__FieldValue fv[GEN_MAX_FIELDS];
	Kart__FieldValue *ptrs[GEN_MAX_FIELDS];
	size_t n;
};

/* Generates card number index for the given seed. */
void gen_card(uint64_t seed, uint64_t index, struct gen_card *out);
/* Fills f with the non-empty fields of c, one FieldValue per tag. */
void gen_fields(const struct gen_card *c, struct gen_fields *f);

#endif
