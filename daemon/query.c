/* query: the segment filter language (grammar and semantics in query.h).
 *
 * A small lexer turns the text into tokens (words, strings, operators,
 * parentheses, commas); a recursive-descent parser builds the tree and
 * type-checks every literal against the field the caller's lookup describes,
 * so evaluation never meets a value it has to interpret. AND and OR chains
 * are built right-leaning and walked with a loop, so only 'not' and
 * parentheses nest, and those are limited to QUERY_MAX_DEPTH. Errors carry
 * the 1-based column (in code points) of the offending token.
 *
 * No I/O, no malloc: the tree, the folded literals and rendered text live in
 * the caller's arena. */
#include "query.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "text.h"
#include "util.h"

enum {
	QUERY_MAX_BYTES = 64 * 1024,
	QUERY_MAX_DEPTH = 64,
	SHOW_MAX = 48,                /* bytes of offending text quoted in a message */
	RELATIVE_MAX_DAYS = 3660000,  /* a relative date or within: about 10000 years */
	TODAY_SANE_DAYS = 100000000,  /* calendar arithmetic refuses a `today` beyond this */
};

/* ---- small text helpers ----------------------------------------------- */

static bool ascii_ieq(const char *s, size_t n, const char *kw)
{
	size_t k = strlen(kw);
	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != kw[i])
			return false;
	}
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Characters of a bare word: letters, digits, _ - . @ + : and any non-ASCII
 * (':' so that 10:00 and 2026-12-01T10:00:00+03:00 are one word; nothing in
 * the grammar uses it otherwise). */
static bool is_word_byte(unsigned char c)
{
	return c >= 0x80 || is_alpha((char)c) || is_digit((char)c) || c == '_' || c == '-' || c == '.' ||
	       c == '@' || c == '+' || c == ':';
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

static int chars_in(const char *s, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *ascii_lower_dup(struct arena *a, const char *s)
{
	char *p = arena_strdup(a, s);
	if (p)
		for (char *c = p; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	return p;
}

/* ---- literal conversions (no parser state) ------------------------------ */

enum num_result { NUM_OK, NUM_NOT_A_NUMBER, NUM_TOO_MANY_DECIMALS, NUM_OUT_OF_RANGE };

static int64_t effective_scale(const struct qfield *f)
{
	return f->scale > 0 ? f->scale : 1;
}

/* How many decimals a scale carries exactly: 1 -> 0, 100 -> 2. */
static int scale_decimals(int64_t scale)
{
	int k = 0;
	while (scale >= 10 && scale % 10 == 0) {
		scale /= 10;
		k++;
	}
	return k;
}

/* A number as people type it (text_parse_decimal: "1 500", "1500,50",
 * "-2.5"), times scale (a power of ten), exactly. */
static enum num_result parse_decimal(const char *s, int64_t scale, int64_t *out)
{
	int decimals = scale_decimals(scale);
	int64_t unit = 1;
	for (int i = 0; i < decimals; i++)
		unit *= 10;
	if (unit != scale)
		return NUM_OUT_OF_RANGE; /* every scale is a power of ten */
	switch (text_parse_decimal(s, decimals, out, NULL)) {
	case TEXT_NUM_OK:
		return NUM_OK;
	case TEXT_NUM_DECIMALS:
		return NUM_TOO_MANY_DECIMALS;
	case TEXT_NUM_RANGE:
		return NUM_OUT_OF_RANGE;
	case TEXT_NUM_BAD:
		break;
	}
	return NUM_NOT_A_NUMBER;
}

enum dur_result { DUR_NONE, DUR_OK, DUR_OUT_OF_RANGE };

/* [+-]N(d|w|m|y) -> signed days. */
static enum dur_result parse_duration(const char *s, int64_t *days)
{
	bool neg = false;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!is_digit(*s))
		return DUR_NONE;
	int64_t n = 0;
	bool big = false;
	for (; is_digit(*s); s++) {
		if (!big)
			n = n * 10 + (*s - '0');
		if (n > RELATIVE_MAX_DAYS)
			big = true;
	}
	int64_t per;
	switch (*s) {
	case 'd': case 'D': per = 1; break;
	case 'w': case 'W': per = 7; break;
	case 'm': case 'M': per = 30; break;
	case 'y': case 'Y': per = 365; break;
	default: return DUR_NONE;
	}
	if (s[1] != '\0')
		return DUR_NONE;
	if (big || n * per > RELATIVE_MAX_DAYS)
		return DUR_OUT_OF_RANGE;
	*days = neg ? -n * per : n * per;
	return DUR_OK;
}

enum date_result { DATE_NONE, DATE_OK, DATE_INVALID };

/* Strict YYYY-MM-DD, years 0001..9999, checked against the calendar. */
static enum date_result parse_iso_date(const char *s, int64_t *days)
{
	static const char shape[] = "dddd-dd-dd";
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != '-')
			return DATE_NONE;
	if (s[sizeof(shape) - 1] != '\0')
		return DATE_NONE;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
		return DATE_INVALID;
	*days = date_days_from_civil(y, m, d);
	return DATE_OK;
}

/* ---- lexer ---------------------------------------------------------------- */

enum tkind { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_COMMA, T_OP };

struct token {
	enum tkind kind;
	const char *start;          /* in the source; NULL before the first token */
	size_t len;                 /* bytes in the source, quotes included */
	int col;
	const char *str;            /* T_WORD: a copy; T_STRING: the unescaped content */
	enum qop op;                /* T_OP */
};

struct parser {
	struct arena *a;
	const char *src;
	size_t len, pos;
	int col;                    /* column of src[pos] */
	struct token tok;           /* the lookahead */
	struct token prev;          /* the token consumed before it */
	const char *value_start;    /* where the last literal read began */
	query_lookup_fn lookup;
	void *ud;
	int64_t today;
	const struct util_zone *zone;
	int depth;
	struct qerror *err;
	bool failed;
};

__attribute__((format(printf, 3, 4))) static void fail(struct parser *p, int col, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	p->err->col = col;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(p->err->message)) {
		/* cut short: drop a character the cut went through */
		char *m = p->err->message;
		size_t len = strlen(m), lead = len;
		while (lead > 0 && ((unsigned char)m[lead - 1] & 0xc0) == 0x80)
			lead--;
		if (lead > 0 && ((unsigned char)m[lead - 1] & 0x80)) {
			unsigned char c = (unsigned char)m[lead - 1];
			size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			if (len - (lead - 1) < need)
				m[lead - 1] = '\0';
		}
	}
}

static void fail_oom(struct parser *p)
{
	fail(p, 0, "out of memory");
}

/* A short excerpt of source text for messages, cut on a character boundary. */
static const char *excerpt(struct parser *p, const char *s, size_t n)
{
	bool cut = n > SHOW_MAX;
	if (cut) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	const char *e = arena_printf(p->a, "%.*s%s", (int)n, s, cut ? "…" : "");
	return e ? e : "?";
}

/* The token as a message shows it: 'text', or "the end". */
static const char *show(struct parser *p, const struct token *t)
{
	if (t->kind == T_END)
		return "the end";
	const char *e = excerpt(p, t->start, t->len);
	if (t->kind == T_STRING)
		return e;
	const char *q = arena_printf(p->a, "'%s'", e);
	return q ? q : "?";
}

/* ", found 'x'" for a token, nothing at the end of the text. */
static const char *found(struct parser *p, const struct token *t)
{
	if (t->kind == T_END)
		return "";
	const char *f = arena_printf(p->a, ", found %s", show(p, t));
	return f ? f : "";
}

/* Bytes of whitespace at s: a space, or the no-break spaces U+00A0 and U+202F
 * that pasted text often carries; 0 if none (tabs and line breaks are refused
 * before the lexer runs). */
static size_t space_len(const char *s, size_t left)
{
	if (left >= 1 && *s == ' ')
		return 1;
	if (left >= 2 && memcmp(s, "\xc2\xa0", 2) == 0)
		return 2;
	if (left >= 3 && memcmp(s, "\xe2\x80\xaf", 3) == 0)
		return 3;
	return 0;
}

static void skip(struct parser *p, size_t n)
{
	p->col += chars_in(p->src + p->pos, n);
	p->pos += n;
}

/* A quoted string starting at p->pos; fills t->str with the unescaped text. */
static bool lex_string(struct parser *p, struct token *t)
{
	const char *s = p->src + p->pos;
	char quote = s[0];
	size_t i = 1;
	for (;; i++) {
		if (p->pos + i >= p->len) {
			fail(p, t->col, "unterminated string");
			return false;
		}
		if (s[i] == quote)
			break;
		/* what folding refuses, named here rather than failing later as memory */
		unsigned char b = (unsigned char)s[i];
		if ((b < 0x20 && b != '\t' && b != '\n') || b == 0x7f) {
			fail(p, p->col + chars_in(s, i), "%s (U+%04X) in a string", text_control_name(b), b);
			return false;
		}
		if (s[i] == '\\') {
			char c = p->pos + i + 1 < p->len ? s[i + 1] : '\0';
			if (c == '\0') {
				fail(p, t->col, "unterminated string");
				return false;
			}
			if (c != '"' && c != '\'' && c != '\\') {
				size_t n = 1;
				while (p->pos + i + 1 + n < p->len && ((unsigned char)s[i + 1 + n] & 0xc0) == 0x80)
					n++;
				fail(p, p->col + chars_in(s, i), "unknown escape '\\%s' in a string (only \\\", \\' and \\\\)",
				     excerpt(p, s + i + 1, n));
				return false;
			}
			i++;
		}
	}
	char *out = arena_alloc(p->a, i);
	if (!out) {
		fail_oom(p);
		return false;
	}
	size_t k = 0;
	for (size_t j = 1; j < i; j++) {
		if (s[j] == '\\')
			j++;
		out[k++] = s[j];
	}
	out[k] = '\0';
	t->kind = T_STRING;
	t->len = i + 1;
	t->str = out;
	return true;
}

/* Reads the next token into p->tok; the old one becomes p->prev. */
static void advance(struct parser *p)
{
	p->prev = p->tok;
	struct token t = {0};
	for (size_t n; (n = space_len(p->src + p->pos, p->len - p->pos)) > 0;)
		skip(p, n);
	t.start = p->src + p->pos;
	t.col = p->col;
	if (p->pos >= p->len) {
		t.kind = T_END;
		p->tok = t;
		return;
	}
	const char *s = t.start;
	unsigned char c = (unsigned char)s[0];
	t.len = 1;
	switch (c) {
	case '(': t.kind = T_LPAREN; break;
	case ')': t.kind = T_RPAREN; break;
	case ',': t.kind = T_COMMA; break;
	case '=': t.kind = T_OP; t.op = QOP_EQ; break;
	case '<':
	case '>':
		t.kind = T_OP;
		if (s[1] == '=') {
			t.len = 2;
			t.op = c == '<' ? QOP_LE : QOP_GE;
		} else {
			t.op = c == '<' ? QOP_LT : QOP_GT;
		}
		break;
	case '!':
		if (s[1] != '=') {
			fail(p, t.col, "unexpected '!' (did you mean '!=' or 'not'?)");
			goto failed;
		}
		t.kind = T_OP;
		t.op = QOP_NE;
		t.len = 2;
		break;
	case '"':
	case '\'':
		if (!lex_string(p, &t))
			goto failed;
		break;
	default:
		if (!is_word_byte(c)) {
			fail(p, t.col, "unexpected character '%c'", c);
			goto failed;
		}
		while (p->pos + t.len < p->len && is_word_byte((unsigned char)s[t.len]) &&
		       !space_len(s + t.len, p->len - p->pos - t.len))
			t.len++;
		t.kind = T_WORD;
		t.str = arena_strndup(p->a, s, t.len);
		if (!t.str) {
			fail_oom(p);
			goto failed;
		}
		break;
	}
	skip(p, t.len);
	p->tok = t;
	return;
failed:
	/* park on the end so the parser stops; the error is already recorded */
	p->pos = p->len;
	t.kind = T_END;
	t.len = 0;
	p->tok = t;
}

static bool is_kw(const struct token *t, const char *kw)
{
	return t->kind == T_WORD && ascii_ieq(t->start, t->len, kw);
}

/* and/or/not are never values or field names when bare. */
static bool is_connective(const struct token *t)
{
	return is_kw(t, "and") || is_kw(t, "or") || is_kw(t, "not");
}

static bool is_field_name(const struct token *t)
{
	if (t->kind != T_WORD || !(is_alpha(t->start[0]) || t->start[0] == '_'))
		return false;
	for (size_t i = 1; i < t->len; i++) {
		char c = t->start[i];
		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.')
			return false;
	}
	return true;
}

/* ---- type checks ---------------------------------------------------------- */

static const char *op_text(enum qop op)
{
	switch (op) {
	case QOP_EQ: return "=";
	case QOP_NE: return "!=";
	case QOP_LT: return "<";
	case QOP_LE: return "<=";
	case QOP_GT: return ">";
	case QOP_GE: return ">=";
	case QOP_IN: return "in";
	case QOP_NOT_IN: return "not in";
	case QOP_CONTAINS: return "contains";
	case QOP_EXISTS: return "exists";
	case QOP_WITHIN: return "within";
	}
	return "?";
}

static enum qtype elem_type(const struct qfield *f)
{
	if (f->type != Q_SET)
		return f->type;
	return f->elem == Q_ENUM ? Q_ENUM : Q_TEXT;
}

/* What a field is, for messages: "computers is a number". */
static const char *type_noun(const struct qfield *f)
{
	switch (f->type) {
	case Q_TEXT: return "text";
	case Q_NUMBER: return "a number";
	case Q_DATE: return f->annual ? "a yearly date" : "a date";
	case Q_BOOL: return "yes/no";
	case Q_ENUM: return "a choice of values";
	case Q_SET: return f->elem == Q_ENUM ? "a set of choices" : "a set of texts";
	}
	return "?";
}

/* Whether op applies to the field at all; the error points at the operator. */
static bool check_op(struct parser *p, const struct qfield *f, enum qop op, int col)
{
	switch (op) {
	case QOP_EQ:
	case QOP_NE:
	case QOP_EXISTS:
		return true;
	case QOP_WITHIN:
		if (f->type == Q_DATE)
			return true;
		fail(p, col, "'within' applies to date fields; %s is %s", f->name, type_noun(f));
		return false;
	case QOP_CONTAINS:
		if (elem_type(f) == Q_TEXT)
			return true;
		fail(p, col, "'contains' applies to text fields; %s is %s", f->name, type_noun(f));
		return false;
	case QOP_IN:
	case QOP_NOT_IN:
		if (f->type != Q_BOOL)
			return true;
		fail(p, col, "'in' does not apply to yes/no fields; use = true or = false");
		return false;
	case QOP_LT:
	case QOP_LE:
	case QOP_GT:
	case QOP_GE:
		if (f->type == Q_DATE && f->annual) {
			fail(p, col, "cannot compare a yearly date with %s; use within (%s)", op_text(op), f->name);
			return false;
		}
		if (f->type == Q_BOOL || f->type == Q_SET) {
			fail(p, col, "cannot compare %s with %s (%s)", type_noun(f), op_text(op), f->name);
			return false;
		}
		return true;
	}
	return false;
}

/* The allowed values of an enum, for "one of: ...", kept short enough. */
static const char *enum_values_list(struct parser *p, const struct qfield *f)
{
	char buf[160];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < f->nvalues; i++) {
		const char *v = f->values[i] ? f->values[i] : "";
		size_t need = strlen(v) + (i ? 2 : 0);
		if (n + need + sizeof(", …") > sizeof(buf)) {
			snprintf(buf + n, sizeof(buf) - n, "%s…", i ? ", " : "");
			break;
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "", v);
	}
	const char *s = arena_strdup(p->a, buf);
	return s ? s : "";
}

/* An enum literal: one of the field's values, compared folded. */
static bool convert_enum(struct parser *p, const struct qfield *f, const struct token *t, struct qlit *lit,
			 const char *shown)
{
	const char *raw = t->str;
	const char *folded = text_fold(p->a, raw);
	if (!folded) {
		fail_oom(p);
		return false;
	}
	for (size_t i = 0; i < f->nvalues; i++) {
		if (!f->values[i])
			continue;
		const char *value = text_fold(p->a, f->values[i]);
		if (!value) {
			fail_oom(p);
			return false;
		}
		if (strcmp(value, folded) == 0) {
			lit->text = value;
			return true;
		}
	}
	fail(p, t->col, "unknown value '%s' for %s (one of: %s)", shown, f->name, enum_values_list(p, f));
	return false;
}

/* A number, scaled as the field keeps it. */
static bool convert_number(struct parser *p, const struct qfield *f, const struct token *t, struct qlit *lit,
			   const char *shown)
{
	const char *raw = t->str;
	switch (parse_decimal(raw, effective_scale(f), &lit->num)) {
	case NUM_OK:
		return true;
	case NUM_NOT_A_NUMBER:
		fail(p, t->col, "%s is a number; '%s' is not", f->name, shown);
		return false;
	case NUM_TOO_MANY_DECIMALS: {
		int most = scale_decimals(effective_scale(f));
		if (most == 0)
			fail(p, t->col, "%s takes whole numbers; '%s' has decimals", f->name, shown);
		else
			fail(p, t->col, "'%s' has too many decimals; %s takes at most %d", shown, f->name, most);
		return false;
	}
	case NUM_OUT_OF_RANGE:
		fail(p, t->col, "'%s' is out of range for %s", shown, f->name);
		return false;
	}
	return false;
}

/* A date or, for an instant field, an instant: the forms people type, a
 * YYYY-MM-DD, or a duration from today. */
static bool convert_date(struct parser *p, const struct qfield *f, const struct token *t, struct qlit *lit,
			 const char *shown)
{
	const char *raw = t->str;
	int64_t days;
	if (ascii_ieq(raw, strlen(raw), "today")) {
		lit->num = p->today;
		lit->text = "today";
		return true;
	}
	/* the forms every option takes (DD.MM.YYYY, DD.MM, завтра, пн, 10:00, RFC 3339, ...) */
	bool instant;
	if (parse_iso_date(raw, &days) == DATE_NONE && util_parse_when_in(raw, p->today, p->zone, &instant, &days) == 0 &&
	    (f->instant || !all_digits(raw))) { /* unix seconds are no date */
		if (instant && !f->instant) {
			fail(p, t->col, "%s is a date; '%s' has a time of day (write the date alone)", f->name, shown);
			return false;
		}
		lit->num = days;
		lit->instant = instant;
		return true;
	}
	switch (parse_iso_date(raw, &days)) {
	case DATE_OK:
		lit->num = days;
		return true;
	case DATE_INVALID:
		fail(p, t->col, "%s is not a date", shown);
		return false;
	case DATE_NONE:
		break;
	}
	switch (parse_duration(raw, &days)) {
	case DUR_OK:
		if (__builtin_add_overflow(p->today, days, &lit->num))
			break;
		lit->text = ascii_lower_dup(p->a, raw);
		if (!lit->text) {
			fail_oom(p);
			return false;
		}
		return true;
	case DUR_OUT_OF_RANGE:
		break;
	case DUR_NONE:
		if (f->instant)
			fail(p, t->col, "%s is a time; '%s' is not (write YYYY-MM-DD, DD.MM.YYYY, DD.MM, today, завтра, "
			     "a weekday, a duration like -30d, or with a time: 10:00, 'завтра 10:00', "
			     "2026-12-05T10:00:00+03:00, unix seconds)", f->name, shown);
		else
			fail(p, t->col, "%s is a date; '%s' is not (write YYYY-MM-DD, DD.MM.YYYY, DD.MM, today, завтра, "
			     "a weekday, or a duration like -30d)", f->name, shown);
		return false;
	}
	fail(p, t->col, "'%s' is out of range", shown);
	return false;
}

/* Converts the token's text to a literal of the field's (element) type. */
static bool convert_literal(struct parser *p, const struct qfield *f, const struct token *t, struct qlit *lit)
{
	const char *raw = t->str;
	const char *shown = excerpt(p, raw, strlen(raw));
	lit->num = 0;
	lit->text = raw;
	lit->instant = false;
	switch (elem_type(f)) {
	case Q_TEXT:
		lit->text = text_fold(p->a, raw);
		if (!lit->text) {
			fail_oom(p);
			return false;
		}
		return true;
	case Q_ENUM:
		return convert_enum(p, f, t, lit, shown);
	case Q_NUMBER:
		return convert_number(p, f, t, lit, shown);
	case Q_DATE:
		return convert_date(p, f, t, lit, shown);
	case Q_BOOL: {
		/* as a card takes it: true/false, yes/no, да/нет, on/off, 1/0 */
		bool b;
		if (text_parse_bool(raw, &b)) {
			lit->num = b;
			return true;
		}
		fail(p, t->col, "%s is yes/no; '%s' is not (use true or false, да or нет)", f->name, shown);
		return false;
	}
	case Q_SET:
		break;
	}
	return false;
}

/* ---- parser ---------------------------------------------------------------- */

static struct qnode *new_node(struct parser *p, enum qkind kind)
{
	struct qnode *n = arena_alloc(p->a, sizeof(*n));
	if (!n) {
		fail_oom(p);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

/* One literal after `after` (the operator, '(' or ','). */
static bool parse_value(struct parser *p, const struct qfield *f, struct qlit *lit)
{
	const struct token *t = &p->tok;
	if (t->kind != T_STRING && (t->kind != T_WORD || is_connective(t))) {
		if (t->kind == T_END)
			fail(p, t->col, "expected a value after %s", show(p, &p->prev));
		else
			fail(p, t->col, "expected a value after %s%s", show(p, &p->prev), found(p, t));
		return false;
	}
	if (!convert_literal(p, f, t, lit))
		return false;
	p->value_start = t->start;
	advance(p);
	return !p->failed;
}

/* "(" value ("," value)* ")" after in / not in. */
static bool parse_list(struct parser *p, const struct qfield *f, struct qnode *n)
{
	if (p->tok.kind != T_LPAREN) {
		fail(p, p->tok.col, "expected '(' after %s%s", show(p, &p->prev), found(p, &p->tok));
		return false;
	}
	int open_col = p->tok.col;
	advance(p);
	size_t cap = 4;
	n->lits = arena_alloc(p->a, cap * sizeof(*n->lits));
	if (!n->lits) {
		fail_oom(p);
		return false;
	}
	for (;;) {
		if (n->nlits == cap) {
			struct qlit *grown = arena_alloc(p->a, 2 * cap * sizeof(*grown));
			if (!grown) {
				fail_oom(p);
				return false;
			}
			memcpy(grown, n->lits, cap * sizeof(*grown));
			n->lits = grown;
			cap *= 2;
		}
		if (!parse_value(p, f, &n->lits[n->nlits]))
			return false;
		n->nlits++;
		if (p->tok.kind == T_COMMA) {
			advance(p);
			continue;
		}
		if (p->tok.kind == T_RPAREN) {
			advance(p);
			return !p->failed;
		}
		if (p->tok.kind == T_END)
			fail(p, p->tok.col, "missing ')' for the list opened at column %d", open_col);
		else
			fail(p, p->tok.col, "expected ',' or ')' in the list%s", found(p, &p->tok));
		return false;
	}
}

static struct qnode *parse_pred(struct parser *p)
{
	struct token ft = p->tok;
	if (ft.kind == T_RPAREN) {
		fail(p, ft.col, "unexpected ')'");
		return NULL;
	}
	if (!is_field_name(&ft) || is_connective(&ft)) {
		if (p->prev.start && (is_kw(&p->prev, "and") || is_kw(&p->prev, "or") || is_kw(&p->prev, "not") ||
				      p->prev.kind == T_LPAREN))
			fail(p, ft.col, "expected a condition after %s%s", show(p, &p->prev), found(p, &ft));
		else if (ft.kind == T_END)
			fail(p, ft.col, "expected a condition");
		else
			fail(p, ft.col, "expected a field name%s", found(p, &ft));
		return NULL;
	}
	const struct qfield *f = p->lookup(p->ud, ft.str);
	if (!f) {
		fail(p, ft.col, "unknown field '%s'", excerpt(p, ft.start, ft.len));
		return NULL;
	}
	struct qnode *n = new_node(p, QN_PRED);
	if (!n)
		return NULL;
	n->field = f;
	n->col = ft.col;
	advance(p);
	if (p->failed)
		return NULL;

	struct token opt = p->tok;
	if (opt.kind == T_OP) {
		n->op = opt.op;
	} else if (is_kw(&opt, "not")) {
		advance(p);
		if (!is_kw(&p->tok, "in")) {
			fail(p, p->tok.col, "expected 'in' after 'not'%s", found(p, &p->tok));
			return NULL;
		}
		n->op = QOP_NOT_IN;
	} else if (is_kw(&opt, "in")) {
		n->op = QOP_IN;
	} else if (is_kw(&opt, "contains")) {
		n->op = QOP_CONTAINS;
	} else if (is_kw(&opt, "exists")) {
		n->op = QOP_EXISTS;
	} else if (is_kw(&opt, "within")) {
		n->op = QOP_WITHIN;
	} else {
		fail(p, opt.col, "expected an operator after '%s' (= != < <= > >= in, contains, exists, within)%s",
		     excerpt(p, ft.start, ft.len), found(p, &opt));
		return NULL;
	}
	if (!check_op(p, f, n->op, opt.col))
		return NULL;
	advance(p);
	if (p->failed)
		return NULL;

	switch (n->op) {
	case QOP_EXISTS:
		return n;
	case QOP_IN:
	case QOP_NOT_IN:
		return parse_list(p, f, n) ? n : NULL;
	case QOP_WITHIN: {
		const struct token *t = &p->tok;
		int64_t days = 0;
		enum dur_result r = t->kind == T_WORD || t->kind == T_STRING ? parse_duration(t->str, &days) : DUR_NONE;
		if (r == DUR_NONE) {
			if (t->kind == T_END)
				fail(p, t->col, "'within' needs a duration like 7d");
			else
				fail(p, t->col, "'within' needs a duration like 7d, not %s", show(p, t));
			return NULL;
		}
		if (r == DUR_OUT_OF_RANGE) {
			fail(p, t->col, "'%s' is out of range", excerpt(p, t->str, strlen(t->str)));
			return NULL;
		}
		n->lits = arena_alloc(p->a, sizeof(*n->lits));
		if (!n->lits || !(n->lits[0].text = ascii_lower_dup(p->a, t->str))) {
			fail_oom(p);
			return NULL;
		}
		n->lits[0].num = days;
		n->lits[0].instant = false;
		n->nlits = 1;
		p->value_start = t->start;
		advance(p);
		return p->failed ? NULL : n;
	}
	default:
		n->lits = arena_alloc(p->a, sizeof(*n->lits));
		if (!n->lits) {
			fail_oom(p);
			return NULL;
		}
		n->nlits = 1;
		return parse_value(p, f, &n->lits[0]) ? n : NULL;
	}
}

static struct qnode *parse_or(struct parser *p);

static struct qnode *parse_unary(struct parser *p)
{
	bool is_not = is_kw(&p->tok, "not");
	if (!is_not && p->tok.kind != T_LPAREN)
		return parse_pred(p);
	struct qnode *n = NULL;
	struct token opener = p->tok;
	if (++p->depth > QUERY_MAX_DEPTH) {
		fail(p, opener.col, "too deeply nested (more than %d levels of 'not' and parentheses)", QUERY_MAX_DEPTH);
		goto out;
	}
	advance(p);
	if (p->failed)
		goto out;
	struct qnode *inner = is_not ? parse_unary(p) : parse_or(p);
	if (!inner)
		goto out;
	if (is_not) {
		n = new_node(p, QN_NOT);
		if (n)
			n->a = inner;
		goto out;
	}
	if (p->tok.kind != T_RPAREN) {
		if (p->tok.kind == T_END)
			fail(p, p->tok.col, "missing ')' for the '(' at column %d", opener.col);
		else
			fail(p, p->tok.col, "expected ')' for the '(' at column %d%s", opener.col, found(p, &p->tok));
		goto out;
	}
	advance(p);
	if (!p->failed)
		n = inner;
out:
	p->depth--;
	return n;
}

/* operand (connective operand)*, built right-leaning: a, then (a op (b op c)). */
static struct qnode *parse_chain(struct parser *p, enum qkind kind, const char *word,
				 struct qnode *(*operand)(struct parser *))
{
	struct qnode *first = operand(p);
	if (!first || !is_kw(&p->tok, word))
		return first;
	struct qnode *root = NULL, **slot = &root, *left = first;
	while (is_kw(&p->tok, word)) {
		advance(p);
		if (p->failed)
			return NULL;
		struct qnode *n = new_node(p, kind);
		if (!n)
			return NULL;
		n->a = left;
		*slot = n;
		slot = &n->b;
		left = operand(p);
		if (!left)
			return NULL;
	}
	*slot = left;
	return root;
}

static struct qnode *parse_and(struct parser *p)
{
	return parse_chain(p, QN_AND, "and", parse_unary);
}

static struct qnode *parse_or(struct parser *p)
{
	return parse_chain(p, QN_OR, "or", parse_and);
}

/* Something follows a complete expression. */
static void fail_trailing(struct parser *p)
{
	const struct token *t = &p->tok;
	bool after_value = p->prev.start && p->prev.start == p->value_start;
	if (t->kind == T_RPAREN)
		fail(p, t->col, "unexpected ')'");
	else if (t->kind == T_COMMA && after_value)
		fail(p, t->col, "unexpected ',' (use '.' for decimals; lists go in parentheses after 'in')");
	else if ((t->kind == T_WORD || t->kind == T_STRING) && !is_connective(t) && after_value)
		fail(p, t->col, "unexpected %s after a value (quote a value that has spaces)", show(p, t));
	else
		fail(p, t->col, "expected 'and' or 'or'%s", found(p, t));
}

/* Refuses what a terminal would act on (text_is_control: C0, DEL, C1, bidi
 * controls, line separators) or a byte that is not UTF-8: fills err with the
 * first one's column and returns false. Tab, CR and newline are refused too:
 * a filter is one line, and a carriage return would let a stored filter print
 * as one thing while it matches another. */
static bool check_chars(const char *s, size_t len, struct qerror *err)
{
	uint32_t cp;
	size_t at = text_find_control(s, len, false, &cp);
	if (at) {
		err->col = (int)at;
		snprintf(err->message, sizeof(err->message), "control character U+%04X (%s) is not allowed in a filter",
			 (unsigned)cp, text_control_name(cp));
		return false;
	}
	if (!text_utf8_valid(s, len)) {
		int col = 1;
		for (size_t i = 0; i < len; col++) {
			unsigned char c = (unsigned char)s[i];
			size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (n > len - i || !text_utf8_valid(s + i, n))
				break;
			i += n;
		}
		err->col = col;
		snprintf(err->message, sizeof(err->message), "invalid character (not UTF-8)");
		return false;
	}
	return true;
}

struct qnode *query_parse(struct arena *a, const char *text, query_lookup_fn lookup, void *ud, int64_t today,
			  const struct util_zone *zone, struct qerror *err)
{
	struct qerror scratch;
	if (!err)
		err = &scratch;
	err->col = 0;
	err->message[0] = '\0';
	if (!text)
		return NULL;
	size_t len = strnlen(text, QUERY_MAX_BYTES + 1);
	if (len > QUERY_MAX_BYTES) {
		err->col = chars_in(text, QUERY_MAX_BYTES) + 1;
		snprintf(err->message, sizeof(err->message), "the query is too long (more than %d bytes)",
			 QUERY_MAX_BYTES);
		return NULL;
	}
	if (!check_chars(text, len, err))
		return NULL;
	struct parser p = {
		.a = a, .src = text, .len = len, .col = 1, .lookup = lookup, .ud = ud, .today = today, .zone = zone, .err = err,
	};
	advance(&p);
	if (p.failed || p.tok.kind == T_END)
		return NULL; /* an error, or an empty text: every record */
	struct qnode *q = parse_or(&p);
	if (q && !p.failed && p.tok.kind != T_END)
		fail_trailing(&p);
	return p.failed ? NULL : q;
}

/* ---- evaluation ----------------------------------------------------------- */

/* A present, non-empty value? (Empty text and empty sets count as missing.) */
static bool value_present(const struct qfield *f, const struct qvalue *v)
{
	if (!v->present)
		return false;
	switch (f->type) {
	case Q_TEXT:
	case Q_ENUM:
		return v->text && v->text[0];
	case Q_SET:
		return v->items && v->nitems > 0;
	case Q_DATE:
		if (f->annual)
			return v->month >= 1 && v->month <= 12 && v->day >= 1 && v->day <= 31;
		return true;
	case Q_NUMBER:
	case Q_BOOL:
		return true;
	}
	return false;
}

static bool ordered(enum qop op, int cmp)
{
	switch (op) {
	case QOP_EQ: return cmp == 0;
	case QOP_LT: return cmp < 0;
	case QOP_LE: return cmp <= 0;
	case QOP_GT: return cmp > 0;
	case QOP_GE: return cmp >= 0;
	default: return false;
	}
}

static int cmp_int(int64_t x, int64_t y)
{
	return (x > y) - (x < y);
}

/* "within Nd" is N days counted from today, today included: the next
 * anniversary falls on today .. today+N-1 (and "within -Nd" the last one on
 * today-N+1 .. today), the same days `kart today --days N` lists. */
static bool annual_within(int month, int day, int64_t today, int64_t days)
{
	if (today > TODAY_SANE_DAYS || today < -TODAY_SANE_DAYS)
		return false;
	int64_t y;
	int m, d;
	date_civil_from_days(today, &y, &m, &d);
	if (days >= 0) {
		int64_t next = date_anniversary(y, month, day);
		if (next < today)
			next = date_anniversary(y + 1, month, day);
		return next - today < days;
	}
	int64_t last = date_anniversary(y, month, day);
	if (last > today)
		last = date_anniversary(y - 1, month, day);
	return today - last < -days;
}

/* A yearly month-day falls on the literal's date (in the literal's year). */
static bool annual_equals(int month, int day, int64_t date)
{
	if (date > TODAY_SANE_DAYS || date < -TODAY_SANE_DAYS)
		return false;
	int64_t y;
	int m, d;
	date_civil_from_days(date, &y, &m, &d);
	return date_anniversary(y, month, day) == date;
}

/* One positive comparison (EQ LT LE GT GE CONTAINS WITHIN) of a scalar value,
 * or one set element given as text, against one literal. */
static bool holds(const struct qfield *f, enum qop op, const struct qlit *lit, const struct qvalue *v,
		  const char *text, int64_t today)
{
	switch (elem_type(f)) {
	case Q_TEXT:
	case Q_ENUM:
		if (op == QOP_CONTAINS)
			return strstr(text, lit->text) != NULL;
		return ordered(op, strcmp(text, lit->text));
	case Q_NUMBER:
		return ordered(op, cmp_int(v->num, lit->num));
	case Q_BOOL:
		return op == QOP_EQ && (v->num != 0) == (lit->num != 0);
	case Q_DATE:
		if (f->annual) {
			if (op == QOP_WITHIN)
				return annual_within(v->month, v->day, today, lit->num);
			return op == QOP_EQ && annual_equals(v->month, v->day, lit->num);
		}
		if (op == QOP_WITHIN) {
			int64_t edge;
			if (__builtin_add_overflow(today, lit->num, &edge))
				return false;
			/* N days, today included, as for yearly dates */
			return lit->num >= 0 ? v->num >= today && v->num < edge : v->num > edge && v->num <= today;
		}
		if (lit->instant) /* to the second */
			return ordered(op, cmp_int(v->secs, lit->num));
		return ordered(op, cmp_int(v->num, lit->num));
	case Q_SET:
		break;
	}
	return false;
}

/* EQ/IN over the literal list, CONTAINS etc. over the one literal. */
static bool holds_any_literal(const struct qnode *q, enum qop op, const struct qvalue *v, const char *text,
			      int64_t today)
{
	if (op != QOP_IN)
		return q->nlits > 0 && holds(q->field, op, &q->lits[0], v, text, today);
	for (size_t i = 0; i < q->nlits; i++)
		if (holds(q->field, QOP_EQ, &q->lits[i], v, text, today))
			return true;
	return false;
}

static bool eval_pred(const struct qnode *q, query_get_fn get, void *rec, int64_t today)
{
	const struct qfield *f = q->field;
	struct qvalue v;
	memset(&v, 0, sizeof(v));
	bool present = get(rec, f, &v) && value_present(f, &v);
	if (q->op == QOP_EXISTS)
		return present;
	/* != and not in are the negations of = and in, missing values included */
	enum qop op = q->op;
	bool negate = op == QOP_NE || op == QOP_NOT_IN;
	if (op == QOP_NE)
		op = QOP_EQ;
	else if (op == QOP_NOT_IN)
		op = QOP_IN;
	bool result = false;
	if (present && f->type == Q_SET) {
		for (size_t i = 0; i < v.nitems && !result; i++)
			if (v.items[i])
				result = holds_any_literal(q, op, &v, v.items[i], today);
	} else if (present) {
		result = holds_any_literal(q, op, &v, v.text, today);
	}
	return result != negate;
}

bool query_eval(const struct qnode *q, query_get_fn get, void *rec, int64_t today)
{
	bool negate = false;
	while (q) {
		switch (q->kind) {
		case QN_AND:
			if (!query_eval(q->a, get, rec, today))
				return negate;
			q = q->b;
			break;
		case QN_OR:
			if (query_eval(q->a, get, rec, today))
				return !negate;
			q = q->b;
			break;
		case QN_NOT:
			negate = !negate;
			q = q->a;
			break;
		case QN_PRED:
			return eval_pred(q, get, rec, today) != negate;
		}
	}
	return !negate; /* the empty query matches every record */
}

/* ---- conjuncts -------------------------------------------------------------- */

static void collect_conjuncts(const struct qnode *q, const struct qnode **out, size_t max, size_t *n)
{
	for (; q; q = q->b) {
		if (q->kind == QN_PRED) {
			if (*n < max)
				out[(*n)++] = q;
			return;
		}
		if (q->kind != QN_AND)
			return;
		collect_conjuncts(q->a, out, max, n);
	}
}

size_t query_conjuncts(const struct qnode *q, const struct qnode **out, size_t max)
{
	size_t n = 0;
	collect_conjuncts(q, out, max, &n);
	return n;
}

/* ---- describe --------------------------------------------------------------- */

/* Counts (buf NULL) or writes the rendering. */
struct render {
	char *buf;
	size_t len;
};

static void put(struct render *r, const char *s, size_t n)
{
	if (r->buf)
		memcpy(r->buf + r->len, s, n);
	r->len += n;
}

static void puts_(struct render *r, const char *s)
{
	put(r, s, strlen(s));
}

static void put_quoted(struct render *r, const char *s)
{
	put(r, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(r, "\\", 1);
		put(r, s, 1);
	}
	put(r, "\"", 1);
}

/* A bare word reads back as the same literal. */
static bool bare_safe(const char *s)
{
	if (!*s)
		return false;
	for (const char *c = s; *c; c++)
		if (!is_word_byte((unsigned char)*c))
			return false;
	size_t n = strlen(s);
	return !ascii_ieq(s, n, "and") && !ascii_ieq(s, n, "or") && !ascii_ieq(s, n, "not");
}

static void put_number(struct render *r, int64_t num, int64_t scale, const char *as_written)
{
	int decimals = scale_decimals(scale);
	int64_t unit = 1;
	for (int i = 0; i < decimals; i++)
		unit *= 10;
	if (unit != scale) { /* not a power of ten: show it as typed */
		puts_(r, as_written);
		return;
	}
	uint64_t mag = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	uint64_t whole = mag / (uint64_t)unit, frac = mag % (uint64_t)unit;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%s%llu", num < 0 ? "-" : "", (unsigned long long)whole);
	put(r, buf, (size_t)n);
	if (frac) {
		/* decimals <= 18: unit fits int64; leading zeros kept, trailing ones dropped */
		char digits[20];
		for (int i = decimals - 1; i >= 0; i--, frac /= 10)
			digits[i] = (char)('0' + frac % 10);
		int k = decimals;
		while (k > 0 && digits[k - 1] == '0')
			k--;
		put(r, ".", 1);
		put(r, digits, (size_t)k);
	}
}

static void put_literal(struct render *r, const struct qfield *f, const struct qlit *lit)
{
	switch (elem_type(f)) {
	case Q_TEXT:
		put_quoted(r, lit->text);
		return;
	case Q_ENUM:
		if (bare_safe(lit->text))
			puts_(r, lit->text);
		else
			put_quoted(r, lit->text);
		return;
	case Q_NUMBER:
		put_number(r, lit->num, effective_scale(f), lit->text);
		return;
	case Q_BOOL:
		puts_(r, lit->num ? "true" : "false");
		return;
	case Q_DATE: /* YYYY-MM-DD, today, the duration or the time, as the parser kept it */
		if (bare_safe(lit->text))
			puts_(r, lit->text);
		else
			put_quoted(r, lit->text);
		return;
	case Q_SET:
		puts_(r, lit->text);
		return;
	}
}

static void render_node(struct render *r, const struct qnode *q);

static void render_pred(struct render *r, const struct qnode *q)
{
	puts_(r, q->field->name);
	put(r, " ", 1);
	puts_(r, op_text(q->op));
	switch (q->op) {
	case QOP_EXISTS:
		return;
	case QOP_IN:
	case QOP_NOT_IN:
		puts_(r, " (");
		for (size_t i = 0; i < q->nlits; i++) {
			if (i)
				puts_(r, ", ");
			put_literal(r, q->field, &q->lits[i]);
		}
		put(r, ")", 1);
		return;
	case QOP_WITHIN:
		put(r, " ", 1);
		puts_(r, q->nlits ? q->lits[0].text : "?");
		return;
	default:
		put(r, " ", 1);
		if (q->nlits)
			put_literal(r, q->field, &q->lits[0]);
		return;
	}
}

/* A child of `parent` that binds more loosely gets parentheses. */
static void render_operand(struct render *r, const struct qnode *q, enum qkind parent)
{
	if (!q)
		return;
	bool parens = (parent == QN_AND && q->kind == QN_OR) ||
		      (parent == QN_NOT && (q->kind == QN_AND || q->kind == QN_OR));
	if (parens)
		put(r, "(", 1);
	render_node(r, q);
	if (parens)
		put(r, ")", 1);
}

static void render_node(struct render *r, const struct qnode *q)
{
	while (q) {
		switch (q->kind) {
		case QN_PRED:
			render_pred(r, q);
			return;
		case QN_NOT:
			puts_(r, "not ");
			if (q->a && (q->a->kind == QN_PRED || q->a->kind == QN_NOT)) {
				q = q->a;
				continue;
			}
			if (q->a)
				render_operand(r, q->a, QN_NOT);
			return;
		case QN_AND:
		case QN_OR:
			render_operand(r, q->a, q->kind);
			puts_(r, q->kind == QN_AND ? " and " : " or ");
			if (q->b && q->b->kind == q->kind) {
				q = q->b;
				continue;
			}
			if (q->b)
				render_operand(r, q->b, q->kind);
			return;
		}
	}
}

const char *query_describe(struct arena *a, const struct qnode *q)
{
	struct render count = {0};
	render_node(&count, q);
	struct render out = {.buf = arena_alloc(a, count.len + 1)};
	if (!out.buf)
		return NULL;
	render_node(&out, q);
	out.buf[out.len] = '\0';
	return out.buf;
}
