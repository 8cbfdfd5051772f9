/* dupscore: how alike two cards are, for `kart dup find` and `kart quality`.
 * Pure: no I/O, no database, no threads of its own.
 *
 * Names and companies are compared as match keys: folded (text_fold: case,
 * NFKC, ё = е), Cyrillic written in Latin letters by a table (GOST/BGN-like),
 * accents dropped, and then the spellings people use for the same sound
 * brought together on both sides (y, j -> i; x -> ks; w -> v; ph -> f;
 * kh -> h; c -> k but ch; doubled letters once; a word's leading "ie" -> "e";
 * a final "of"/"ef" -> "ov"/"ev"). So Иванов, Ivanov and Ivanoff are
 * "ivanov"; Мария, Maria and Mariya are "maria"; Юрий and Yuri "iuri".
 * The keys are for comparing, never for showing.
 *
 * The score (0-100) adds what two cards share:
 *   the same normalised phone          +50
 *   the same email (case aside)        +50
 *   names (last and first, either order) at least 0.85 alike (Jaro-Winkler)
 *                                      +40 x similarity
 *   both named, less than 0.70 alike   -25 (a spouse sharing a phone)
 *   the same company (legal form aside) +10, or, when neither card names a
 *   person, the company counts as the name: +40 x similarity (at least 0.85)
 * capped at 100 and floored at 0. Namesakes at one company score 50: below
 * the default of 70, which asks for a shared phone or email as well. */
#ifndef KART_DUPSCORE_H
#define KART_DUPSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUP_SCORE_DEFAULT 70
/* The most a pair scores without a shared phone or email (a name and a
 * company): a search for more needs no name or company keys, as every pair
 * it can find shares a phone or an email. */
#define DUP_SCORE_NO_CONTACT_MAX 50
#define DUP_NAME_MIN 0.85       /* names at least this alike count as similar */
#define DUP_NAME_DIFFERS 0.70   /* names less alike than this count against */

/* The match key of folded text (text_fold's output) into out (outlen bytes,
 * always terminated when outlen > 0): Latin letters and digits, words
 * separated by one space. Returns its length. */
size_t dup_latin(const char *folded, char *out, size_t outlen);

/* A company's key: dup_latin without the legal forms (ООО, ЗАО, ОАО, ПАО,
 * АО, ИП, LLC, Ltd, Inc, GmbH, Corp, Co, ...) and with its words in order. In
 * place; returns the new length. */
size_t dup_company_strip(char *key);

/* A person's name key from the keys of last and first name (either may be
 * ""): their words sorted, so "ivanov ivan" and "ivan ivanov" are one.
 * Returns the length written to out. */
size_t dup_name_key(const char *last, const char *first, char *out, size_t outlen);

/* Jaro-Winkler similarity of two byte strings (0..1; two empty strings: 1). */
double dup_jaro_winkler(const char *a, const char *b);

/* A blocking key's 64-bit hash; kind (0..3) goes in its low two bits so
 * keys of different kinds never meet. */
enum dup_key_kind { DUP_KEY_PHONE, DUP_KEY_EMAIL, DUP_KEY_NAME, DUP_KEY_COMPANY };
uint64_t dup_key_hash(enum dup_key_kind kind, const char *s, size_t n);

/* What two cards share. name and company are similarities (0..1), valid when
 * the *_both flags say both cards have one. */
struct dup_evidence {
	bool phone, email;
	bool names_both, companies_both;
	double name, company;
};

/* Bits of dup_score's *why: what counted. */
enum {
	DUP_WHY_PHONE = 1,
	DUP_WHY_EMAIL = 2,
	DUP_WHY_NAME = 4,
	DUP_WHY_COMPANY = 8,
	DUP_WHY_NAME_DIFFERS = 16,
};

/* The score of the evidence (see above); *why (may be NULL) gets the bits. */
unsigned dup_score(const struct dup_evidence *e, unsigned *why);

#endif
