/* query: the segment filter language. No I/O: text in, a checked tree out,
 * evaluated against any record through an accessor.
 *
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := unary ("and" unary)*
 *   unary   := "not" unary | "(" expr ")" | pred
 *   pred    := FIELD op value
 *            | FIELD ["not"] "in" "(" value ("," value)* ")"
 *            | FIELD "contains" value
 *            | FIELD "exists"
 *            | FIELD "within" DURATION
 *   op      := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   value   := NUMBER | STRING ('…' or "…", backslash escapes \" \' \\)
 *            | WORD (a bare word: letters, digits, '_', '-', '.', '@', '+', ':', any UTF-8)
 *            | DATE (YYYY-MM-DD) | DURATION ([+-]N(d|w|m|y), relative to today)
 *            | "today" | "true" | "false"
 * Keywords are case-insensitive. A relative date (-180d, 7d, today) stands
 * for a date counted from `today` in query_parse.
 *
 * Types and what each comparison means:
 *   TEXT   = != compare folded text (case, ё/е); < > compare folded bytes;
 *          contains: folded substring; in: equal to one of.
 *   NUMBER exact decimals: literals are scaled by the field's scale (1, or 100
 *          for money in minor units) and must not have more decimals than it.
 *   DATE   days since 1970-01-01; literals as util_parse_date reads them
 *          (YYYY-MM-DD, DD.MM.YYYY, DD.MM, today, завтра, пн, ...) or relative.
 *          within Nd: annual fields (birthday) — the next anniversary is in
 *          [today, today+N]; other dates — the date is in [today, today+N]
 *          (N < 0: [today+N, today]).
 *          Instant fields (created_at, updated_at, last_touch): the value is
 *          unix seconds. A literal with a time of day or a zone (10:00,
 *          'завтра 10:00', 2026-12-01T00:00:00Z, '05.12.2026 10:00') or unix
 *          seconds compares as an instant, to the second; a date alone
 *          compares with the instant's day in the query's zone. Other date
 *          fields refuse a literal with a time.
 *   ENUM   like TEXT, but every literal must be one of the field's values.
 *   BOOL   = != true/false (also yes/no).
 *   SET    a field with several values (tags, phones, emails, multienum):
 *          = x: some element equals x; != x: none does; in (..): some element
 *          is in the list; contains s: some element contains s; exists: not empty.
 *          For a multienum the literals must be among the field's values.
 *   exists on any field: it has a value (non-empty text, a set with elements,
 *   a number/date/bool/enum that is set).
 * A missing value makes every comparison false except != (true) and not. */
#ifndef KART_QUERY_H
#define KART_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "util.h"

enum qtype { Q_TEXT, Q_NUMBER, Q_DATE, Q_BOOL, Q_ENUM, Q_SET };

/* A field the language knows, as the caller describes it. */
struct qfield {
	const char *name;
	enum qtype type;
	int64_t scale;              /* Q_NUMBER: 1, or 100 for money */
	bool annual;                /* Q_DATE: compares as a yearly date (birthday) */
	bool instant;               /* Q_DATE: the value is an instant (unix seconds) */
	enum qtype elem;            /* Q_SET: Q_TEXT or Q_ENUM (multienum) */
	const char *const *values;  /* Q_ENUM and enum sets: the allowed values */
	size_t nvalues;
	int id;                     /* the caller's own handle, passed back to the accessor */
};

/* Looks a field up by name; NULL if there is none. */
typedef const struct qfield *(*query_lookup_fn)(void *ud, const char *name);

enum qop { QOP_EQ, QOP_NE, QOP_LT, QOP_LE, QOP_GT, QOP_GE, QOP_IN, QOP_NOT_IN, QOP_CONTAINS, QOP_EXISTS, QOP_WITHIN };

/* A literal, converted to the field's type at parse time. */
struct qlit {
	const char *text;           /* Q_TEXT/Q_ENUM: folded text (also set for others: as written) */
	int64_t num;                /* Q_NUMBER: scaled; Q_DATE: days; Q_BOOL: 0/1; WITHIN: days */
	bool instant;               /* Q_DATE: num is unix seconds, not days */
};

enum qkind { QN_AND, QN_OR, QN_NOT, QN_PRED };

struct qnode {
	enum qkind kind;
	struct qnode *a, *b;        /* AND/OR: both; NOT: a */
	/* QN_PRED: */
	const struct qfield *field;
	enum qop op;
	struct qlit *lits;          /* one, or the list of IN; none for EXISTS */
	size_t nlits;
	int col;                    /* 1-based column where the predicate starts */
};

struct qerror {
	int col;                    /* 1-based column of the offending token; 0 if none */
	char message[256];          /* e.g. "unknown field 'compters'" */
};

/* Parses and type-checks text. Everything is allocated in the arena. today
 * is the date relative literals count from (days since 1970-01-01); zone is
 * where a literal's time of day is read (NULL: the machine's TZ). Text
 * literals are folded with text_fold (common/text.h). Returns NULL and fills err on a syntax or type error; an empty text parses
 * to NULL with err->message empty (meaning: every record). */
struct qnode *query_parse(struct arena *a, const char *text, query_lookup_fn lookup, void *ud, int64_t today,
			  const struct util_zone *zone, struct qerror *err);

/* A value of a record's field, as the accessor hands it over. */
struct qvalue {
	bool present;
	const char *text;           /* Q_TEXT/Q_ENUM: folded */
	int64_t num;                /* Q_NUMBER (scaled), Q_DATE (days), Q_BOOL */
	int64_t secs;               /* Q_DATE of an instant field: the instant; num is its day in the query's zone */
	int month, day;             /* Q_DATE with annual: month-day even when the year is unknown */
	const char *const *items;   /* Q_SET: folded elements */
	size_t nitems;
};

/* Fills *out with the record's value of field f; returns false if it cannot. */
typedef bool (*query_get_fn)(void *rec, const struct qfield *f, struct qvalue *out);

bool query_eval(const struct qnode *q, query_get_fn get, void *rec, int64_t today);

/* The predicates every match must satisfy: the top-level AND chain's leaves
 * (the root itself if it is a predicate). Returns how many were stored. */
size_t query_conjuncts(const struct qnode *q, const struct qnode **out, size_t max);

/* Renders a node back to text (for plans and errors), in the arena. */
const char *query_describe(struct arena *a, const struct qnode *q);

#endif
