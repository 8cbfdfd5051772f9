/* find: the Find screen, kart-tui's start screen. The query line is live:
 * every change sends a Find, at most one is in flight, and a reply to a
 * query that has changed since is dropped (by request id) and the newest
 * query sent instead. One screenful of rows is asked for; moving past the
 * last asks the same query for a screenful more, as one reply with a higher
 * limit (up to the server's 500), so the rows stay one FindPage that [ and ]
 * step through; a re-read row counts once against bulk-read detection, which
 * counts distinct cards. The count of the cards the user sees, for the
 * status line, is asked once at the start and again after a change, beside
 * the live search. Nothing here waits on the network. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "fmt.h"
#include "layout.h"
#include "mark.h"
#include "text.h"

#define FIND_MAX 500 /* the server gives no more rows for one Find */

/* The rows of a screenful, asked for at a time. */
static uint32_t screenful(void)
{
	int rows = LINES - 4;

	return rows < 10 ? 10 : rows > FIND_MAX ? FIND_MAX : (uint32_t)rows;
}

/* A Find asks one row more than it shows: that row says there are more. */
static size_t nfound(const struct tui *t)
{
	size_t n = t->found ? t->found->find_page->n_cards : 0;

	return n < t->limit ? n : t->limit;
}

static bool more_there(const struct tui *t)
{
	return t->found && t->found->find_page->n_cards > t->limit;
}

void find_abandon(struct tui *t)
{
	if (t->in_flight) {
		t->in_flight = 0;
		t->dirty = !t->more_sent || t->dirty;
		t->more_sent = false;
	}
	if (t->count_id) {
		t->count_id = 0;
		t->count_due = true;
	}
}

static void count_pump(struct tui *t)
{
	struct kc_error err;

	if (!t->count_due || t->count_id)
		return;
	t->count_id = kc_card_count_send(t->c, "", "", &err);
	if (t->count_id)
		t->count_due = false;
	else
		link_lost(t, err.message);
}

/* Sends the query when it changed, or more rows of it when they are
 * wanted, when nothing is in flight; and the count when it is due. */
void find_pump(struct tui *t)
{
	struct kc_error err;
	bool more;

	if (!t->c)
		return; /* without a connection it stays due until link_tick */
	count_pump(t);
	if (!t->c || t->in_flight)
		return;
	more = !t->dirty && t->want > t->limit && t->found;
	if (!t->dirty && !more)
		return;
	t->dirty = false;
	if (!more && !t->query[0]) {
		kc_env_free(t->found);
		t->found = NULL;
		t->status[0] = '\0';
		t->answered[0] = '\0';
		return;
	}
	if (!more) {
		snprintf(t->sent, sizeof(t->sent), "%s", t->query);
		t->want = screenful();
		t->step = false;
	}
	t->more_sent = more;
	t->sent_at = tui_now_ms();
	t->in_flight = kc_find_send(t->c, t->sent, t->want < FIND_MAX ? t->want + 1 : FIND_MAX, &err);
	if (!t->in_flight) {
		t->dirty = true;
		t->more_sent = false;
		link_lost(t, err.message);
	}
}

/* The answer to the Find in flight. */
static void find_reply(struct tui *t, Kart__Envelope *e)
{
	struct kc_error err;
	bool more = t->more_sent;

	t->in_flight = 0;
	t->more_sent = false;
	if (t->dirty) { /* superseded: the newest query goes next */
		kc_env_free(e);
		return;
	}
	if (kc_find_reply(e, &err) != 0) {
		kc_env_free(e);
		kc_env_free(t->found);
		t->found = NULL;
		t->answered[0] = '\0';
		snprintf(t->status, sizeof(t->status), "%s", err.message);
		return;
	}
	kc_env_free(t->found);
	t->found = e;
	t->limit = t->want;
	t->took_ms = tui_now_ms() - t->sent_at;
	t->status[0] = '\0';
	snprintf(t->answered, sizeof(t->answered), "%s", t->sent);
	if (!more)
		t->sel = 0;
	else if (t->step && (size_t)t->sel + 1 < nfound(t))
		t->sel++;
	t->step = false;
	if ((size_t)t->sel >= nfound(t))
		t->sel = nfound(t) ? (int)nfound(t) - 1 : 0;
}

static void count_reply(struct tui *t, Kart__Envelope *e)
{
	struct kc_error err;

	t->count_id = 0;
	t->total_known = kc_card_count_reply(e, &t->total, &err) == 0;
	kc_env_free(e);
}

/* Takes every whole reply there is, then sends what is due. */
void tui_receive(struct tui *t)
{
	struct kc_error err;
	Kart__Envelope *e;
	int r;

	if (!t->c)
		return;
	while ((r = kc_try_recv(t->c, &e, &err)) == 1) {
		if (t->in_flight && e->request_id == t->in_flight)
			find_reply(t, e);
		else if (t->count_id && e->request_id == t->count_id)
			count_reply(t, e);
		else
			kc_env_free(e); /* an abandoned request's */
	}
	if (r < 0) {
		link_lost(t, err.message); /* the screen stays; link.c reconnects */
		return;
	}
	find_pump(t);
}

void find_set_query(struct tui *t, const char *text)
{
	snprintf(t->query, sizeof(t->query), "%s", text);
	t->dirty = true;
	t->screen = TUI_FIND;
	t->in_list = false; /* the keys back on the query */
	find_pump(t);
}

static void find_down(struct tui *t)
{
	if ((size_t)t->sel + 1 < nfound(t)) {
		t->sel++;
	} else if (more_there(t) && !t->dirty && !t->in_flight) {
		/* past the last row fetched: a screenful more, then one down */
		t->want = t->limit + screenful();
		if (t->want > FIND_MAX)
			t->want = FIND_MAX;
		t->step = true;
		find_pump(t);
	}
}

void find_key(struct tui *t, int key, bool is_char)
{
	const struct tui_key *k = tui_key_find(t->in_list ? TUI_RESULTS : TUI_FIND, key);
	bool printable = is_char && key >= 32 && key != 127;

	/* in the list a key it does not bind goes back to the query, and is
	 * typed there (a letter, Backspace) */
	if (t->in_list && !k) {
		t->in_list = false;
		k = tui_key_find(TUI_FIND, key);
	}
	/* a letter is query text unless it is bound (q, s, ?) and the query is
	 * empty, or it is a command of the list */
	if (printable && (!k || (t->query[0] && !t->in_list))) {
		if (tui_append(t->query, sizeof(t->query), key))
			t->dirty = true;
		find_pump(t);
		return;
	}
	switch (k ? k->action : TUI_NONE) {
	case TUI_UP:
		if (t->sel > 0)
			t->sel--;
		break;
	case TUI_DOWN:
		find_down(t);
		break;
	case TUI_ERASE:
		tui_erase_last(t->query);
		t->dirty = true;
		find_pump(t);
		break;
	case TUI_OPEN:
		if ((size_t)t->sel < nfound(t)) {
			t->card_from = TUI_FIND;
			card_open(t, t->found->find_page->cards[t->sel]->id);
		}
		break;
	case TUI_TODAY_SCREEN:
		today_open(t);
		break;
	case TUI_NEW_CARD:
		card_new_open(t);
		break;
	case TUI_SEGMENTS_SCREEN:
		segments_open(t);
		break;
	case TUI_TO_LIST:
		t->in_list = true;
		break;
	case TUI_TO_QUERY:
		t->in_list = false;
		break;
	case TUI_BACK:
		if (!t->query[0]) {
			t->quit = true;
			break;
		}
		t->query[0] = '\0';
		t->dirty = true;
		find_pump(t);
		break;
	case TUI_QUIT:
		t->quit = true;
		break;
	case TUI_HELP:
		help_open(t);
		break;
	default:
		break;
	}
}

/* "Фамилия Имя" or the company. */
void tui_card_name(const Kart__Card *c, char *out, size_t n)
{
	const char *last = c->last_name ? c->last_name : "", *first = c->first_name ? c->first_name : "";

	if (*last || *first)
		snprintf(out, n, "%s%s%s", last, *last && *first ? " " : "", first);
	else
		snprintf(out, n, "%s", c->company ? c->company : "");
}

void tui_phone(const char *typed, char *out, size_t n)
{
	char e164[24];

	if (text_phone_e164(typed, "RU", e164, sizeof(e164)) == 0)
		tui_phone_read(e164, out, n);
	else
		snprintf(out, n, "%s", typed);
}

void tui_date(int64_t secs, char *out, size_t n)
{
	char iso[16], buf[32];
	time_t tt = (time_t)secs;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(iso, sizeof(iso), "%Y-%m-%d", &tm)) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, "%s", fmt_date(iso, buf, sizeof(buf)));
}

/* What a query highlights: its words in names, or the digits of a phone. */
struct find_marks {
	const char *words;
	char digits[32]; /* the whole number or the last digits typed */
	char start[32];  /* the number's start the digits stand for ("8 917 12": 791712) */
};

static void marks_of(const char *query, struct find_marks *m)
{
	char e164[24];
	const char *d = e164 + 1;
	size_t k = 0;

	memset(m, 0, sizeof(*m));
	if (!query || !*query)
		return;
	if (text_classify(query) != TEXT_PHONE) {
		m->words = query;
		return;
	}
	/* 8 917 … is +7 917 …: the whole number when it is one, else the digits
	 * typed (a suffix) and the start they stand for; the client does not know
	 * the server's phone_country, and reads a number as a Russian one */
	if (text_phone_prefix(query, "RU", m->start, sizeof(m->start)) <= 0)
		m->start[0] = '\0';
	if (text_phone_e164(query, "RU", e164, sizeof(e164)) != 0)
		d = query;
	for (; *d && k + 1 < sizeof(m->digits); d++)
		if (*d >= '0' && *d <= '9')
			m->digits[k++] = *d;
	m->digits[k] = '\0';
}

/* s from column x of row y, fitted to cells, the matched parts in bold and
 * underlined (seen without colour, and in reverse video too). */
static void put_marked(int y, int x, const char *s, int cells, const struct find_marks *m, bool phone)
{
	char vis[1024], fit[1200];
	bool mark[sizeof(fit)];

	if (cells <= 0)
		return;
	text_visible(vis, sizeof(vis), s ? s : "", 0);
	tui_pad(fit, sizeof(fit), vis, (size_t)cells);
	memset(mark, 0, sizeof(mark));
	if (m && !phone && m->words)
		tui_mark_words(fit, m->words, mark, sizeof(mark));
	if (m && phone && m->digits[0])
		tui_mark_digits(fit, m->digits, mark, sizeof(mark));
	if (m && phone && m->start[0])
		tui_mark_digit_start(fit, m->start, mark, sizeof(mark));
	move(y, x);
	for (size_t i = 0, j; fit[i]; i = j) {
		for (j = i; fit[j] && mark[j] == mark[i]; j++)
			;
		if (mark[i])
			attron(A_BOLD | A_UNDERLINE);
		addnstr(fit + i, (int)(j - i));
		if (mark[i])
			attroff(A_BOLD | A_UNDERLINE);
	}
}

/* The columns that fit: name, phone, city, owner, last touch. Under 80
 * columns the owner and city go, under 64 the last touch too. */
struct find_cols {
	int name, phone, city, owner, touch; /* cells; 0: not shown */
};

static struct find_cols columns(int cols)
{
	struct find_cols w = { .phone = 16 };

	if (cols >= 80) {
		w.city = 12;
		w.owner = 10;
	}
	if (cols >= 64)
		w.touch = 10;
	w.name = cols - w.phone - 1 - (w.city ? w.city + 1 : 0) - (w.owner ? w.owner + 1 : 0) -
		 (w.touch ? w.touch + 1 : 0);
	return w;
}

void tui_card_row(int y, const Kart__Card *c, bool selected, const char *query)
{
	struct find_cols w = columns(COLS);
	struct find_marks m;
	char name[512], phone[64], touch[32] = "";
	int x = 0;

	marks_of(query, &m);
	tui_card_name(c, name, sizeof(name));
	tui_phone(c->n_phones ? c->phones[0] : "", phone, sizeof(phone));
	if (c->last_touch_at || c->updated_at)
		tui_date(c->last_touch_at ? c->last_touch_at : c->updated_at, touch, sizeof(touch));
	if (selected)
		attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	put_marked(y, x, name, w.name, &m, false);
	x += w.name + 1;
	put_marked(y, x, phone, w.phone, &m, true);
	x += w.phone + 1;
	if (w.city) {
		tui_put(y, x, c->city, w.city);
		x += w.city + 1;
	}
	if (w.owner) {
		tui_put(y, x, c->owner, w.owner);
		x += w.owner + 1;
	}
	if (w.touch)
		tui_put(y, x, touch, w.touch);
	if (selected)
		attroff(A_REVERSE);
}

void tui_grouped(uint64_t n, char *out, size_t len)
{
	/* TRANSLATORS: the separator between groups of three digits: 1,002,311 */
	const char *sep = _(",");
	char digits[24];
	size_t nd = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n), o = 0;

	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			for (const char *s = sep; *s && o + 1 < len; s++)
				out[o++] = *s;
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* "37 из 1 002 311 · 4 мс": the rows shown (and + when the server has
 * more) of the cards the user sees. */
static void find_count(const struct tui *t, char *out, size_t n)
{
	char shown[32], total[40];

	if (t->status[0] || !t->found) {
		snprintf(out, n, "%s", t->status);
		return;
	}
	tui_grouped(nfound(t), shown, sizeof(shown) - 1);
	if (more_there(t))
		strcat(shown, "+");
	if (t->total_known) {
		tui_grouped(t->total, total, sizeof(total));
		/* TRANSLATORS: rows found of the cards the user sees, and the round trip */
		snprintf(out, n, _("%s of %s · %.0f ms"), shown, total, t->took_ms);
	} else {
		snprintf(out, n, _("%s found · %.0f ms"), shown, t->took_ms);
	}
}

/* The count, ending in "· поиск…" while the rows answer an older query than
 * the one typed (a newer one is in flight or due): a manager typing ahead
 * sees whether the rows are for what they typed. */
static void find_status(const struct tui *t, char *out, size_t n)
{
	char count[1200];

	find_count(t, count, sizeof(count));
	if (!t->query[0] || !(t->dirty || t->in_flight))
		snprintf(out, n, "%s", count);
	else if (count[0])
		snprintf(out, n, "%s · %s", count, _("searching…"));
	else
		snprintf(out, n, "%s", _("searching…"));
}

static void find_title(struct tui *t)
{
	char line[600];
	const char *v;

	if (t->c) { /* what the last connection agreed, kept while it is lost */
		v = kc_tls_version(t->c);
		snprintf(t->tls, sizeof(t->tls), "%s%s", strncmp(v, "TLSv", 4) == 0 ? "TLS " : "",
			 strncmp(v, "TLSv", 4) == 0 ? v + 4 : v);
		t->pinned = kc_pinned(t->c);
	}
	snprintf(line, sizeof(line), "kart-tui · %s · %s (%s) · %s · %s", t->server, t->user, _(t->role), t->tls,
		 t->pinned ? _("key pinned") : _("checked by the CA"));
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, line, COLS);
	tui_style(TUI_STYLE_TITLE, false);
}

void find_draw(struct tui *t)
{
	char line[1300];
	int rows = LINES - 4, top = t->sel >= rows ? t->sel - rows + 1 : 0;

	find_title(t);
	for (int i = 0; i < rows; i++) {
		size_t k = (size_t)(top + i);
		if (k < nfound(t))
			tui_card_row(2 + i, t->found->find_page->cards[k], (int)k == t->sel, t->answered);
		else
			mvhline(2 + i, 0, ' ', COLS);
	}
	find_status(t, line, sizeof(line));
	tui_put(LINES - 2, 0, line, COLS);
	/* the hint follows the mode: an empty query, a query typed, the list */
	const char *hint = t->in_list ? (COLS < 80 ? _("a · t · s · Enter · Tab · q")
						   : _("a new card · t today · s segments · Enter open · Tab query · q quit"))
			   : t->query[0] ? (COLS < 80 ? _("↑↓ · Enter · Tab · ^A · ^T · Esc")
						      : _("↑↓ select · Enter open · Tab list (a t s q) · Ctrl-A new card · Esc clear"))
					 : (COLS < 80 ? _("↑↓ · Enter · ^T · s · : · ? · Esc")
						      : _("↑↓ select · Enter open · Ctrl-T today · s segments · : command · ? help"));
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0, hint, COLS);
	tui_style(TUI_STYLE_HINT, false);
	snprintf(line, sizeof(line), _("Find: %s"), t->query);
	tui_put(1, 0, line, COLS);
	if (t->in_list) /* the cursor on the selected row */
		move(2 + t->sel - top, 0);
	else
		move(1, (int)tui_width(line) < COLS ? (int)tui_width(line) : COLS - 1);
}
