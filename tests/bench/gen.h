/* gen: the benchmark's card generator.
 *
 * Makes realistic Russian-style client cards (Cyrillic names in the right
 * male/female forms, companies, cities, phones, e-mails, birthdays, tags),
 * deterministically from a seed and the card's index: the same (seed, index)
 * always gives the same card. The phone and the e-mail depend injectively on
 * the index alone, so cards with different indices (below 10^9) never share
 * a phone or an e-mail, whatever their seeds. Cities are weighted roughly by
 * population: Москва 12%, Санкт-Петербург 6%, the next fourteen cities (the
 * million-plus ones: Новосибирск ... Самара ... Волгоград) 1.5% each, the
 * other 201 cities share the remaining 61%.
 *
 * Optionally each card also carries values for GEN_MAX_CUSTOM or fewer custom
 * fields (gen_custom_def describes them, gen_custom makes the values), drawn
 * from a stream of their own, so the core fields are the same with or without
 * them. No I/O, no allocation. */
#ifndef KART_BENCH_GEN_H
#define KART_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "kart.pb-c.h"

#define GEN_MAX_TAGS 3
/* Custom fields: eight typed ones, then text fields note1, note2, ... */
#define GEN_MAX_CUSTOM 64
#define GEN_CUSTOM_TYPED 8
/* first/middle/last name, company, position, gender, phones, emails, city,
 * birthday, sector, one per tag, an owner, and the custom fields. */
#define GEN_MAX_FIELDS (12 + GEN_MAX_TAGS + GEN_MAX_CUSTOM)

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

/* The definition of custom field i (0 <= i < GEN_MAX_CUSTOM):
 *   0 computers       number, uniform 0..200 (computers > 50: ~75% of cards)
 *   1 employees       number, 1..9999, skewed to small firms
 *   2 fleet_renewal   date, 2018..2030
 *   3 branch          enum of 10 regions
 *   4 interests       multienum of 8 values, 1 to 3 of them per card
 *   5 seminar_ok      bool, true for ~30%
 *   6 revenue         number with 2 decimals, 0..9999999.99
 *   7 contract_until  date, 2024..2029
 *   8.. note1, note2, ...  text, a short phrase */
struct gen_field_def {
	char name[16];
	Kart__FieldType type;
	const char *const *values;  /* enum and multienum */
	size_t nvalues;
};

/* The custom values of one card, one per field, in definition order. */
struct gen_custom {
	int n;
	char name[GEN_MAX_CUSTOM][16];
	char value[GEN_MAX_CUSTOM][80];
};

/* Generates card number index for the given seed. */
void gen_card(uint64_t seed, uint64_t index, struct gen_card *out);
/* Fills f with the non-empty fields of c, one FieldValue per tag. */
void gen_fields(const struct gen_card *c, struct gen_fields *f);
/* Definition of custom field i; see above. */
void gen_custom_def(int i, struct gen_field_def *out);
/* Values of the first n (<= GEN_MAX_CUSTOM) custom fields for card index. */
void gen_custom(uint64_t seed, uint64_t index, int n, struct gen_custom *out);
/* Appends the custom values to f (after gen_fields). cu must outlive f. */
void gen_fields_custom(const struct gen_custom *cu, struct gen_fields *f);

/* The generated managers: "mgr01" ... "mgr64", at most GEN_MAX_MANAGERS. */
#define GEN_MAX_MANAGERS 64
void gen_manager_name(int m, char *out, size_t n);
const char *gen_manager(int m); /* the same, a static string */
/* Which of k managers (0..k-1) owns card index: manager m owns about
 * (m + 1) / (k (k + 1) / 2) of the cards, so their books differ in size. */
int gen_owner(uint64_t seed, uint64_t index, int k);
/* Appends owner = name to f. name must outlive f. */
void gen_fields_owner(const char *name, struct gen_fields *f);

/* The phone of card index as its 10 national digits, 9XXXXXXXXX (the card
 * carries it as +7 and these, in one of several formats). */
uint64_t gen_phone_national(uint64_t index);
/* The last name of card index, as gen_card makes it, without the rest. */
void gen_last_name(uint64_t seed, uint64_t index, char *out, size_t n);

#endif
