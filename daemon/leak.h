/* leak: reading a file found outside back into contacts, and matching them
 * against what exports wrote.
 *
 * A file is read without trusting its shape: CSV with any delimiter and any
 * column order, with or without a header or a BOM, rows removed or shuffled,
 * a vCard, or just a list of phones and emails. Every email (an '@' with an
 * address around it) and every phone number (a run of digits and phone
 * punctuation holding 10 to 15 digits, normalised to E.164 with the default
 * country) is taken, whatever column it is in. What cannot be recovered: a
 * spreadsheet that turned phones into numbers like 7,91712E+10. */
#ifndef KART_LEAK_H
#define KART_LEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* The largest file leak trace reads. */
#define LEAK_MAX_FILE (64u << 20)

struct leak_file {
	/* open addressing set of export_contact_hash values (0 marks a free slot) */
	uint64_t *slots;
	size_t cap, n;
	/* one bit per contact in a table small enough for the cache: most
	 * hashes compared are not in the file and are turned away here */
	uint64_t *filter;
	uint64_t filter_mask;       /* bits - 1 */
	/* the distinct contacts, as normalised (in the arena) */
	char **phones, **emails;
	size_t nphones, nemails, phones_cap, emails_cap;
	uint64_t rows;              /* records: vCards, else non-empty lines */
};

/* Reads data[0..len). Returns 0, or -1 when memory runs out. Free with leak_file_free
 * (the strings live in the arena). */
int leak_parse(struct leak_file *f, struct arena *a, const char *data, size_t len, const char *country);
void leak_file_free(struct leak_file *f);
/* Whether the file holds a contact with this export_contact_hash. */
bool leak_has(const struct leak_file *f, uint64_t h);

/* Card matches of one export's blob (export.h) against the file: the number
 * of its cards with a phone or email in the file; the first `nsample` of
 * their ids into sample (count in *nsampled), and how many matched by phone
 * and by email. */
struct leak_cards {
	uint64_t cards, by_phone, by_email;
	uint64_t sample[5];
	size_t nsampled;
};
int leak_match_blob(const struct leak_file *f, const void *blob, size_t len, struct leak_cards *out);

#endif
