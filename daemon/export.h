/* export: what an export writes — CSV (RFC 4180, UTF-8 with a BOM for
 * Excel, cells a spreadsheet would run as a formula neutralised) and vCard 4.0
 * (RFC 6350, CRLF, folded lines) — the canary rows mixed into every export,
 * and the 64-bit hashes kept of every exported phone and email.
 *
 * vCard is written in export_vcard.c, the rest in export.c. No I/O and no
 * database here: h_export.c loads the cards and records the export, canary.c
 * decides where the canaries go; leak.c reads files back.
 *
 * Columns, in this order (CSV header and the vCard properties they map to):
 *   id (NOTE), last_name first_name middle_name (FN, N), company (ORG),
 *   position (TITLE), phones (TEL, joined with ", " in CSV), emails (EMAIL),
 *   city address (ADR), birthday (BDAY), tags (CATEGORIES), sector owner (NOTE),
 *   gender (GENDER), messengers (IMPP; "kind:handle" joined with ", " in CSV),
 *   lifecycle (X-KART-LIFECYCLE), then a column per custom field, in the
 *   order the fields were defined, headed by the field's name (X-KART-NAME,
 *   '_' as '-'). Values read as `kart card show` prints them and
 *   `--set` takes them back: enums by their short name, booleans yes/no, a
 *   multienum's values joined with ", ", numbers with a decimal comma in a
 *   ';'-delimited CSV (Russian Excel's), else a point.
 *
 * export_cards value (host byte order; written and read by this daemon only):
 *   struct export_blob_head, then u64 ids[ncards] (ascending when flags has
 *   EXPORT_BLOB_SORTED, as every export writes them), then u64 hash[nentries],
 *   then u32 card[nentries] (the index into ids of the card the contact is
 *   of; a card's entries are next to each other). */
#ifndef KART_EXPORT_H
#define KART_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "kart.pb-c.h"

/* A growing byte buffer (malloc). oom is set, and later writes ignored, when memory runs out. */
struct xbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
void xbuf_put_grow(struct xbuf *b, const void *s, size_t n);
/* Inline while it fits: a row is some forty small puts. */
static inline void xbuf_put(struct xbuf *b, const void *s, size_t n)
{
	if (!b->oom && n && b->cap - b->len >= n) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		return;
	}
	xbuf_put_grow(b, s, n);
}
void xbuf_puts(struct xbuf *b, const char *s);
void xbuf_free(struct xbuf *b);

/* A chunk of the file is sent once it holds this much. */
#define EXPORT_CHUNK (256u * 1024)
/* About one canary row per this many real rows, at least one per export of any cards. */
#define EXPORT_CANARY_EVERY 200

enum export_format { EXPORT_CSV, EXPORT_VCARD };

/* Parses "csv"/"vcard" ("" is csv). Returns 0 or -1. */
int export_format_parse(const char *s, enum export_format *out);
/* Parses a CSV delimiter: "" or "," ";" "\t" (also "tab", "\\t") "|". Returns 0 or -1. */
int export_delimiter_parse(const char *s, char *out);

/* The custom fields an export writes, fixed when it starts: a field defined
 * later is not in it, one removed since leaves its column empty. */
struct export_field_name {
	const char *name;
	uint32_t col;               /* index into defs */
};
struct export_fields {
	Kart__FieldDef **defs;      /* in column order: by seq, created_at, name */
	size_t n;
	struct export_field_name *by_name;  /* sorted by name */
	const char **vals;          /* a row's values, by column (scratch) */
	struct xbuf tmp, line;      /* the writers' scratch, kept from row to row */
};
/* Takes the definitions (any order; the array is copied, the definitions
 * are not). Returns 0, or -1 when the arena runs out. */
int export_fields_init(struct export_fields *f, struct arena *a, Kart__FieldDef *const *defs, size_t n);
/* Frees the writers' scratch (the rest is in the arena). */
void export_fields_free(struct export_fields *f);
/* For the writers (CSV here, vCard in export_vcard.c): the card's custom
 * values into f->vals, by column ("" where it has none); a custom value as
 * `kart card show` prints it and `--set` takes it back, with `point` for a
 * number's decimal point; an enum by its short name ("" for none), a sector so. */
void export_field_values(struct export_fields *f, const Kart__Card *c);
void export_custom_text(struct xbuf *t, const Kart__FieldDef *d, const char *v, char point);
const char *export_enum_text(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t n);
const char *export_sector_name(Kart__Sector s, char *buf, size_t n);

/* CSV: the BOM and the header line; one card as a line (CRLF). f may be NULL (no custom fields). */
void export_csv_header(struct xbuf *b, char delim, const struct export_fields *f);
void export_csv_row(struct xbuf *b, const Kart__Card *c, char delim, struct export_fields *f);
/* One cell: neutralised if a spreadsheet would take it for a formula, quoted
 * when it holds the delimiter, a quote, CR or LF; a cell a spreadsheet would
 * run as a formula (text_csv_formula) prefixed with '. */
void export_csv_cell(struct xbuf *b, const char *s, char delim);

/* vCard 4.0 (export_vcard.c): one card, BEGIN:VCARD to END:VCARD. f may be NULL. */
void export_vcard(struct xbuf *b, const Kart__Card *c, struct export_fields *f);
/* A messenger as an IMPP property value (RFC 6350 6.4.3), without the
 * "IMPP": the X-SERVICE-TYPE parameter (as Apple's and Android's address
 * books read it) and a URI: tg://resolve?domain=… or ?phone=…,
 * https://wa.me/DIGITS, viber://chat?number=…, skype:…, xmpp:…,
 * https://vk.com/…, sip:…; any other kind, or a handle that does not fit
 * its kind, as x-apple:HANDLE. Handles are percent-encoded. */
void export_vcard_impp(struct xbuf *b, const Kart__Messenger *m);

/* A copy of e in a, as an exporter or auditor may see it (no canary rows,
 * every string set, state "done" where it has none); NULL when out of memory. */
Kart__ExportRecord *export_record_copy(struct arena *a, const Kart__ExportRecord *e);

/* The hash kept of a contact: kind 'p' for an E.164 phone ("+79171234567"),
 * 'e' for an email folded with text_fold. The low bit tells the kind (0 phone, 1 email). */
uint64_t export_contact_hash(char kind, const char *normalized);

struct export_blob_head {
	uint32_t magic;             /* EXPORT_BLOB_MAGIC */
	uint32_t flags;             /* EXPORT_BLOB_SORTED */
	uint64_t ncards, nentries;
};
#define EXPORT_BLOB_MAGIC 0x4b455831u /* "KEX1" */
#define EXPORT_BLOB_SORTED 1u         /* the ids are in ascending order */

/* A view of a stored blob. Returns 0, or -1 if it is malformed. */
struct export_blob {
	uint64_t ncards, nentries;
	bool sorted;
	const uint8_t *ids, *hashes, *cards;    /* unaligned: read with export_blob_* */
};
int export_blob_view(const void *p, size_t len, struct export_blob *out);
uint64_t export_blob_id(const struct export_blob *b, uint64_t i);
uint64_t export_blob_hash(const struct export_blob *b, uint64_t i);
uint32_t export_blob_card(const struct export_blob *b, uint64_t i);
/* Whether card id is in the export: a binary search of sorted ids, else a walk. */
bool export_blob_has(const struct export_blob *b, uint64_t id);

/* ---- canaries ---- */

/* A plausible Russian person from 32 random-looking bytes (the same bytes
 * give the same person): names, birthday and an email at domain whose local
 * part varies with `attempt`. Strings are in the arena. */
void export_canary_person(const uint8_t seed[32], uint32_t attempt, const char *domain, struct arena *a,
			  Kart__CanaryRow *row);
/* A mobile number from 32 bytes: typed "+7 958 123-45-67" and E.164 "+79581234567". */
void export_canary_phone(const uint8_t seed[32], char typed[24], char e164[16]);
/* The canary as a card for the writers: its own names and contacts, the
 * other columns (city, tags, sector, owner, lifecycle, masked fields, the
 * neighbour's values of custom enum, multienum, bool and number fields not
 * sensitive)
 * like a real neighbouring row's, so it does not stand out; a gender that
 * fits its name and a messenger on its own phone where the neighbour has
 * them. `neighbour` and f may be NULL. Pointers in out refer to row,
 * neighbour and the arena. */
void export_canary_card(const Kart__CanaryRow *row, const Kart__Card *neighbour, const struct export_fields *f,
			struct arena *a, Kart__Card *out);

/* Whether an export record is a report's (format "report KIND", h_report.c):
 * the cards it lists are recorded as an export's are, but it is no file: it
 * counts toward no quota and cannot be aborted. */
bool export_is_report(const Kart__ExportRecord *e);

#endif
