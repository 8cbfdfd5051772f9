/* export_vcard: an export's cards as vCard 4.0 (RFC 6350): CRLF, lines
 * folded at 75 octets, text escaped, phones as tel: URIs where they have an
 * E.164 form, messengers as IMPP URIs, custom fields as X-KART- properties.
 * The columns they map to are export.h's. */
#include "export.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Escapes a text value (RFC 6350 3.4): backslash, comma, semicolon, newline. */
static void vc_escape(struct xbuf *b, const char *s)
{
	for (; s && *s; s++) {
		/* the plain run up to the next character to escape, in one go */
		size_t n = strcspn(s, "\\,;\n\r");
		if (n) {
			xbuf_put(b, s, n);
			s += n;
			if (!*s)
				break;
		}
		switch (*s) {
		case '\\':
			xbuf_put(b, "\\\\", 2);
			break;
		case ',':
			xbuf_put(b, "\\,", 2);
			break;
		case ';':
			xbuf_put(b, "\\;", 2);
			break;
		case '\n':
			xbuf_put(b, "\\n", 2);
			break;
		case '\r':
			/* CRLF is one line break, a lone CR one too */
			if (s[1] != '\n')
				xbuf_put(b, "\\n", 2);
			break;
		default:
			xbuf_put(b, s, 1);
		}
	}
}

/* Writes a content line folded at 75 octets (never inside a UTF-8
 * sequence), ending in CRLF. */
static void vc_line(struct xbuf *out, const struct xbuf *line)
{
	const char *p = line->p ? line->p : "";
	size_t n = line->len, width = 75;
	while (n > width) {
		size_t cut = width;
		while (cut > 1 && ((unsigned char)p[cut] & 0xc0) == 0x80)
			cut--;
		xbuf_put(out, p, cut);
		xbuf_put(out, "\r\n ", 3);
		p += cut;
		n -= cut;
		width = 74; /* the leading space counts */
	}
	xbuf_put(out, p, n);
	xbuf_put(out, "\r\n", 2);
}

static bool has(const char *s)
{
	return s && *s;
}

/* Percent-encodes s for a URI (RFC 3986): all but the unreserved characters
 * and those in `keep`. */
static void uri_put(struct xbuf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) || strchr(keep, *p)) {
			xbuf_put(b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			xbuf_put(b, e, 3);
		}
	}
}

/* The digits of a handle that is an international phone number ("+7 917
 * 123-45-67"), else NULL: "8 917 …" would need the base's country to read. */
static const char *phone_digits(const char *h, char *out, size_t n)
{
	size_t k = 0;
	while (*h == ' ')
		h++;
	if (*h != '+')
		return NULL;
	for (const char *p = h; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (k + 1 >= n)
				return NULL;
			out[k++] = *p;
		} else if (!strchr(" +-().", *p) || (*p == '+' && p != h)) {
			return NULL;
		}
	}
	out[k] = '\0';
	return k >= 7 && k <= 15 ? out : NULL;
}

/* A handle that is a user name of the service ("@ivanov", "t.me/ivanov"):
 * letters, digits and '_' (also '.' where `dot`), else NULL. */
static const char *user_name(const char *h, const char *const *prefixes, bool dot)
{
	for (size_t i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncasecmp(h, prefixes[i], n) == 0) {
			h += n;
			break;
		}
	}
	if (*h == '@')
		h++;
	if (!*h)
		return NULL;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      (dot && *p == '.')))
			return NULL;
	return h;
}

void export_vcard_impp(struct xbuf *b, const Kart__Messenger *m)
{
	static const char *const tg_prefixes[] = { "https://t.me/", "http://t.me/", "t.me/", NULL };
	static const char *const vk_prefixes[] = { "https://vk.com/", "http://vk.com/", "vk.com/", NULL };
	static const char *const none[] = { NULL };
	const char *kind = m->kind ? m->kind : "", *h = m->handle ? m->handle : "", *name;
	char digits[24];
	const char *service = NULL;
	size_t mark = b->len;
	if (strcasecmp(kind, "telegram") == 0 || strcasecmp(kind, "tg") == 0) {
		service = "Telegram";
		if (phone_digits(h, digits, sizeof(digits))) {
			xbuf_puts(b, ";X-SERVICE-TYPE=Telegram:tg://resolve?phone=");
			xbuf_puts(b, digits);
		} else if ((name = user_name(h, tg_prefixes, false))) {
			xbuf_puts(b, ";X-SERVICE-TYPE=Telegram:tg://resolve?domain=");
			xbuf_puts(b, name);
		}
	} else if (strcasecmp(kind, "whatsapp") == 0 || strcasecmp(kind, "wa") == 0) {
		service = "WhatsApp";
		if (phone_digits(h, digits, sizeof(digits))) {
			xbuf_puts(b, ";X-SERVICE-TYPE=WhatsApp:https://wa.me/");
			xbuf_puts(b, digits);
		}
	} else if (strcasecmp(kind, "viber") == 0) {
		service = "Viber";
		if (phone_digits(h, digits, sizeof(digits))) {
			xbuf_puts(b, ";X-SERVICE-TYPE=Viber:viber://chat?number=%2B");
			xbuf_puts(b, digits);
		}
	} else if (strcasecmp(kind, "skype") == 0) {
		service = "Skype";
		name = user_name(h, none, true);
		xbuf_puts(b, ";X-SERVICE-TYPE=Skype:skype:");
		uri_put(b, name ? name : h, "@");
	} else if (strcasecmp(kind, "xmpp") == 0 || strcasecmp(kind, "jabber") == 0) {
		service = "Jabber";
		xbuf_puts(b, ";X-SERVICE-TYPE=Jabber:xmpp:");
		uri_put(b, h, "@");
	} else if (strcasecmp(kind, "vk") == 0 || strcasecmp(kind, "vkontakte") == 0) {
		service = "VK";
		if ((name = user_name(h, vk_prefixes, true))) {
			xbuf_puts(b, ";X-SERVICE-TYPE=VK:https://vk.com/");
			xbuf_puts(b, name);
		}
	} else if (strcasecmp(kind, "sip") == 0) {
		service = "SIP";
		xbuf_puts(b, ";X-SERVICE-TYPE=SIP:sip:");
		uri_put(b, strncasecmp(h, "sip:", 4) == 0 ? h + 4 : h, "@");
	}
	if (b->len > mark)
		return;
	/* any other service, or a handle that does not fit its own: as Apple
	 * writes a service it has no scheme for; the parameter quoted when it
	 * holds ; : , or '"', '"' and '^' as RFC 6868 writes them */
	const char *sv = service ? service : kind;
	bool q = strpbrk(sv, ";:,\"") != NULL;
	xbuf_puts(b, q ? ";X-SERVICE-TYPE=\"" : ";X-SERVICE-TYPE=");
	for (const char *p = sv; *p; p++) {
		if (*p == '"')
			xbuf_put(b, "^'", 2);
		else if (*p == '^')
			xbuf_put(b, "^^", 2);
		else if (*p == '\n')
			xbuf_put(b, "^n", 2);
		else if (*p != '\r')
			xbuf_put(b, p, 1);
	}
	xbuf_puts(b, q ? "\":x-apple:" : ":x-apple:");
	uri_put(b, h, "@");
}

/* X-KART- and the name in capitals, '_' as '-' (an x-name has no '_'). */
static void vc_xname(struct xbuf *b, const char *name)
{
	xbuf_puts(b, "X-KART-");
	for (const char *p = name; *p; p++) {
		char ch = *p == '_' ? '-' : (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-')
			xbuf_put(b, &ch, 1);
	}
}

/* Ends the content line in l: written to b, folded; l is emptied for the next. */
#define LINE() (vc_line(b, l), l->len = 0)

/* FN, N, ORG and TITLE into b, through the line buffer l. */
static void vc_names(struct xbuf *b, struct xbuf *l, const Kart__Card *c)
{
	/* FN must not be empty: the name, else the company, else the id */
	xbuf_puts(l, "FN:");
	size_t start = l->len;
	const char *parts[] = { c->last_name, c->first_name, c->middle_name };
	for (size_t i = 0; i < 3; i++)
		if (has(parts[i])) {
			if (l->len > start)
				xbuf_put(l, " ", 1);
			vc_escape(l, parts[i]);
		}
	if (l->len == start && has(c->company))
		vc_escape(l, c->company);
	if (l->len == start) {
		char id[32];
		snprintf(id, sizeof(id), "#%llu", (unsigned long long)c->id);
		xbuf_puts(l, id);
	}
	LINE();
	xbuf_puts(l, "N:");
	vc_escape(l, c->last_name);
	xbuf_put(l, ";", 1);
	vc_escape(l, c->first_name);
	xbuf_put(l, ";", 1);
	vc_escape(l, c->middle_name);
	xbuf_puts(l, ";;");
	LINE();
	if (has(c->company)) {
		xbuf_puts(l, "ORG:");
		vc_escape(l, c->company);
		LINE();
	}
	if (has(c->position)) {
		xbuf_puts(l, "TITLE:");
		vc_escape(l, c->position);
		LINE();
	}
}

/* TEL, EMAIL, IMPP and ADR. */
static void vc_contacts(struct xbuf *b, struct xbuf *l, const Kart__Card *c)
{
	for (size_t i = 0; i < c->n_phones; i++) {
		const char *e = i < c->n_phones_e164 ? c->phones_e164[i] : NULL;
		if (has(e)) {
			xbuf_puts(l, "TEL;VALUE=uri:tel:");
			xbuf_puts(l, e);
			if (i < c->n_phones_ext && has(c->phones_ext[i])) {
				xbuf_puts(l, ";ext="); /* RFC 3966 */
				xbuf_puts(l, c->phones_ext[i]);
			}
		} else {
			xbuf_puts(l, "TEL;VALUE=text:");
			vc_escape(l, c->phones[i]);
		}
		LINE();
	}
	for (size_t i = 0; i < c->n_emails; i++) {
		xbuf_puts(l, "EMAIL:");
		vc_escape(l, c->emails[i]);
		LINE();
	}
	for (size_t i = 0; i < c->n_messengers; i++) {
		xbuf_puts(l, "IMPP");
		export_vcard_impp(l, c->messengers[i]);
		LINE();
	}
	if (has(c->address) || has(c->city)) {
		/* PO box; extended; street; locality; region; postal code; country */
		xbuf_puts(l, "ADR:;;");
		vc_escape(l, c->address);
		xbuf_put(l, ";", 1);
		vc_escape(l, c->city);
		xbuf_puts(l, ";;;");
		LINE();
	}
}

/* BDAY, GENDER and CATEGORIES. */
static void vc_person(struct xbuf *b, struct xbuf *l, const Kart__Card *c)
{
	const char *bd = c->birthday;
	if (has(bd) && strlen(bd) == 10 && bd[4] == '-' && bd[7] == '-') {
		/* YYYY-MM-DD -> YYYYMMDD (the basic format of RFC 6350 4.3.1) */
		char v[16] = { bd[0], bd[1], bd[2], bd[3], bd[5], bd[6], bd[8], bd[9], 0 };
		xbuf_puts(l, "BDAY:");
		xbuf_puts(l, v);
		LINE();
	} else if (has(bd) && strlen(bd) == 7 && bd[0] == '-' && bd[1] == '-') {
		char v[16] = { '-', '-', bd[2], bd[3], bd[5], bd[6], 0 };
		xbuf_puts(l, "BDAY:");
		xbuf_puts(l, v);
		LINE();
	} else if (has(bd)) {
		/* masked ("***"): as text */
		xbuf_puts(l, "BDAY;VALUE=text:");
		vc_escape(l, bd);
		LINE();
	}
	if (c->gender == KART__GENDER__GENDER_F || c->gender == KART__GENDER__GENDER_M) {
		xbuf_puts(l, c->gender == KART__GENDER__GENDER_F ? "GENDER:F" : "GENDER:M");
		LINE();
	}
	if (c->n_tags) {
		xbuf_puts(l, "CATEGORIES:");
		for (size_t i = 0; i < c->n_tags; i++) {
			if (i)
				xbuf_put(l, ",", 1);
			vc_escape(l, c->tags[i]);
		}
		LINE();
	}
}

/* X-KART-LIFECYCLE and the custom fields (f may be NULL). */
static void vc_custom(struct xbuf *b, struct xbuf *l, const Kart__Card *c, struct export_fields *f)
{
	char e[32];
	if (c->lifecycle) {
		xbuf_puts(l, "X-KART-LIFECYCLE:");
		vc_escape(l, export_enum_text(&kart__lifecycle__descriptor, (int)c->lifecycle, e, sizeof(e)));
		LINE();
	}
	if (f && f->n) {
		struct xbuf v = f->tmp;
		v.len = 0;
		v.oom = false;
		export_field_values(f, c);
		for (size_t i = 0; i < f->n; i++) {
			if (!*f->vals[i])
				continue;
			export_custom_text(&v, f->defs[i], f->vals[i], '.');
			xbuf_put(&v, "", 1);
			vc_xname(l, f->defs[i]->name);
			xbuf_put(l, ":", 1);
			vc_escape(l, v.oom ? "" : v.p);
			LINE();
			if (v.oom)
				l->oom = true;
			v.len = 0;
		}
		f->tmp = v; /* kept for the next row */
	}
}

/* Appends s to note[0..*n), as snprintf into 512 bytes would (cut at 511). */
static void note_put(char *note, size_t *n, const char *s)
{
	size_t k = strlen(s);
	if (k > 511 - *n)
		k = 511 - *n;
	memcpy(note + *n, s, k);
	*n += k;
}

/* NOTE: the id, sector and owner (without snprintf, which took 2% of a row). */
static void vc_note(struct xbuf *b, struct xbuf *l, const Kart__Card *c)
{
	char note[512], sector[16], id[24], t[20];
	const char *sn = export_sector_name(c->sector, sector, sizeof(sector));
	size_t n = 0, k = 0;
	uint64_t v = c->id;
	do
		t[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (size_t i = 0; i < k; i++)
		id[i] = t[k - 1 - i];
	id[k] = '\0';
	note_put(note, &n, "id: ");
	note_put(note, &n, id);
	if (*sn) {
		note_put(note, &n, "\nsector: ");
		note_put(note, &n, sn);
	}
	if (has(c->owner)) {
		note_put(note, &n, "\nowner: ");
		note_put(note, &n, c->owner);
	}
	note[n] = '\0';
	xbuf_puts(l, "NOTE:");
	vc_escape(l, note);
	LINE();
}

#undef LINE

void export_vcard(struct xbuf *b, const Kart__Card *c, struct export_fields *f)
{
	/* an export's rows share one line buffer: no allocation per row */
	struct xbuf l = f ? f->line : (struct xbuf){ 0 };
	l.len = 0;
	l.oom = false;
	xbuf_puts(b, "BEGIN:VCARD\r\nVERSION:4.0\r\n");
	vc_names(b, &l, c);
	vc_contacts(b, &l, c);
	vc_person(b, &l, c);
	vc_custom(b, &l, c, f);
	vc_note(b, &l, c);
	xbuf_puts(b, "END:VCARD\r\n");
	if (l.oom)
		b->oom = true;
	if (f) {
		l.len = 0;
		f->line = l;
	} else {
		xbuf_free(&l);
	}
}
