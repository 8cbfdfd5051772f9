/* segments: the Segments screen: the saved segments with the count of the
 * cards of each; Enter lists a segment's cards and Enter on one opens it;
 * `/` types a filter expression that Enter lists the same way, and a
 * filter the server refuses shows its error with a caret under the column
 * the server names. Its requests wait for their replies, as the Card's do;
 * the counts go in one write and come back together. */
#include "tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "layout.h"

#define SEG_CARDS_MAX 500 /* cards of one list kept */
#define SEG_UNKNOWN UINT64_MAX

bool segments_typing(const struct tui *t)
{
	return t->segs.typing;
}

static void free_cards(struct tui_segs *s)
{
	for (size_t i = 0; i < s->ncards; i++)
		kart__card__free_unpacked(s->cards[i], NULL);
	free(s->cards);
	s->cards = NULL;
	s->ncards = s->cap = 0;
	s->card_sel = 0;
}

static void free_list(struct tui_segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		kart__segment__free_unpacked(s->list[i], NULL);
	free(s->list);
	free(s->counts);
	s->list = NULL;
	s->counts = NULL;
	s->n = 0;
}

void segments_free(struct tui *t)
{
	free_cards(&t->segs);
	free_list(&t->segs);
}

/* A copy of a message that outlives the page it came in (freed after the
 * page callback). */
static void *copy_message(const ProtobufCMessage *m, void *(*unpack)(ProtobufCAllocator *, size_t, const uint8_t *))
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	void *out = NULL;

	if (buf) {
		protobuf_c_message_pack(m, buf);
		out = unpack(NULL, len, buf);
	}
	free(buf);
	return out;
}

static void *unpack_segment(ProtobufCAllocator *a, size_t len, const uint8_t *buf)
{
	return kart__segment__unpack(a, len, buf);
}

static void *unpack_card(ProtobufCAllocator *a, size_t len, const uint8_t *buf)
{
	return kart__card__unpack(a, len, buf);
}

static int oom(struct kc_error *err)
{
	memset(err, 0, sizeof(*err));
	err->status = KC_ERR_OTHER;
	snprintf(err->message, sizeof(err->message), "%s", _("out of memory"));
	return err->status;
}

static int take_segments(const Kart__Envelope *page, void *ud, struct kc_error *err)
{
	struct tui_segs *s = ud;
	const Kart__SegmentPage *p = page->segment_page;
	Kart__Segment **list = realloc(s->list, (s->n + p->n_segments + 1) * sizeof(*list));

	if (!list)
		return oom(err);
	s->list = list;
	for (size_t i = 0; i < p->n_segments; i++) {
		Kart__Segment *one = copy_message(&p->segments[i]->base, unpack_segment);
		if (!one)
			return oom(err);
		s->list[s->n++] = one;
	}
	return 0;
}

static int take_cards(const Kart__Envelope *page, void *ud, struct kc_error *err)
{
	struct tui_segs *s = ud;
	const Kart__CardPage *p = page->card_page;

	for (size_t i = 0; i < p->n_cards && s->ncards < SEG_CARDS_MAX; i++) {
		if (s->ncards == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			Kart__Card **cards = realloc(s->cards, cap * sizeof(*cards));
			if (!cards)
				return oom(err);
			s->cards = cards;
			s->cap = cap;
		}
		Kart__Card *one = copy_message(&p->cards[i]->base, unpack_card);
		if (!one)
			return oom(err);
		s->cards[s->ncards++] = one;
	}
	return 0;
}

/* The count of every segment: the requests in one go, then their replies
 * by request id. A segment whose filter fails to count shows none. */
static int count_all(struct tui *t, struct kc_error *err)
{
	struct tui_segs *s = &t->segs;
	uint64_t *ids = calloc(s->n + 1, sizeof(*ids));
	size_t left = 0;
	int rc = 0;

	s->counts = malloc((s->n + 1) * sizeof(*s->counts));
	if (!ids || !s->counts) {
		free(ids);
		return oom(err);
	}
	for (size_t i = 0; i < s->n; i++) /* all of them: a send may fail half way */
		s->counts[i] = SEG_UNKNOWN;
	for (size_t i = 0; i < s->n; i++) {
		ids[i] = kc_card_count_send(t->c, "", s->list[i]->name, err);
		if (!ids[i]) {
			rc = err->status ? err->status : KC_ERR_CONNECT;
			goto cleanup;
		}
		left++;
	}
	while (left) {
		Kart__Envelope *e = kc_recv(t->c, err);
		if (!e) {
			rc = err->status ? err->status : KC_ERR_CONNECT;
			goto cleanup;
		}
		if (e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error); /* about the connection itself */
			kc_env_free(e);
			rc = err->status ? err->status : KC_ERR_OTHER;
			goto cleanup;
		}
		for (size_t i = 0; i < s->n; i++)
			if (ids[i] && e->request_id == ids[i]) {
				struct kc_error one;
				if (kc_card_count_reply(e, &s->counts[i], &one) != 0)
					s->counts[i] = SEG_UNKNOWN;
				ids[i] = 0;
				left--;
			}
		kc_env_free(e); /* or a reply to an abandoned request */
	}
cleanup:
	free(ids);
	return rc;
}

static void load_list(struct tui *t)
{
	struct tui_segs *s = &t->segs;
	struct kc_error err;
	int rc;

	free_list(s);
	if (!tui_go_blocking(t)) {
		snprintf(s->msg, sizeof(s->msg), "%s", _("no connection to the server"));
		return;
	}
	rc = kc_segment_list(t->c, take_segments, s, &err);
	if (!rc)
		rc = count_all(t, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc)
		snprintf(s->msg, sizeof(s->msg), "%s", err.message);
	if ((size_t)s->sel >= s->n)
		s->sel = 0;
}

void segments_open(struct tui *t)
{
	struct tui_segs *s = &t->segs;

	t->screen = TUI_SEGMENTS;
	s->msg[0] = '\0';
	s->listing = false;
	s->typing = false;
	free_cards(s);
	load_list(t);
}

/* "… (column 12)" at the end of the server's message: the column, and the
 * message without it. */
static int error_column(char *message)
{
	char *at = strstr(message, " (column ");
	int col;

	if (!at || sscanf(at, " (column %d)", &col) != 1 || col < 1)
		return 0;
	*at = '\0';
	return col;
}

/* Lists the cards of segment name, or of the filter where. */
static void list_cards(struct tui *t, const char *where, const char *name)
{
	struct tui_segs *s = &t->segs;
	struct kc_error err;
	int rc;

	free_cards(s);
	s->err[0] = '\0';
	s->err_col = 0;
	s->msg[0] = '\0';
	if (!tui_go_blocking(t)) {
		snprintf(s->msg, sizeof(s->msg), "%s", _("no connection to the server"));
		return;
	}
	rc = kc_card_query(t->c, where, name, "", SEG_CARDS_MAX, take_cards, s, &err);
	tui_go_nonblocking(t, rc, &err);
	if (rc && where[0] && err.code == KART__ERROR_CODE__BAD_REQUEST) {
		snprintf(s->err, sizeof(s->err), "%s", err.message);
		s->err_col = error_column(s->err);
		return; /* the line stays open to mend it */
	}
	if (rc) {
		snprintf(s->msg, sizeof(s->msg), "%s", err.message);
		return;
	}
	s->typing = false;
	s->listing = true;
	s->by_filter = where[0] != '\0';
	snprintf(s->what, sizeof(s->what), "%s", where[0] ? where : name);
}

static void open_selected(struct tui *t)
{
	struct tui_segs *s = &t->segs;

	if (!s->listing) {
		if ((size_t)s->sel < s->n)
			list_cards(t, "", s->list[s->sel]->name);
		return;
	}
	if ((size_t)s->card_sel >= s->ncards)
		return;
	t->card_from = TUI_SEGMENTS;
	card_open(t, s->cards[s->card_sel]->id);
	if (t->screen != TUI_CARD)
		snprintf(s->msg, sizeof(s->msg), "%s", t->status);
}

static void filter_key(struct tui *t, int key, bool is_char)
{
	struct tui_segs *s = &t->segs;

	if (is_char && key >= 32 && key != 127) {
		tui_append(s->expr, sizeof(s->expr), key);
		return;
	}
	switch (tui_key_action(TUI_CMDLINE, key)) { /* the keys of a line */
	case TUI_OPEN:
		if (s->expr[0])
			list_cards(t, s->expr, "");
		break;
	case TUI_ERASE:
		tui_erase_last(s->expr);
		break;
	case TUI_BACK:
		s->typing = false;
		s->err[0] = '\0';
		s->err_col = 0;
		break;
	default:
		break;
	}
}

void segments_key(struct tui *t, int key, bool is_char)
{
	struct tui_segs *s = &t->segs;
	int *sel = s->listing ? &s->card_sel : &s->sel;
	size_t n = s->listing ? s->ncards : s->n;

	if (s->typing) {
		filter_key(t, key, is_char);
		return;
	}
	switch (tui_key_action(TUI_SEGMENTS, key)) {
	case TUI_UP:
		if (*sel > 0)
			(*sel)--;
		break;
	case TUI_DOWN:
		if ((size_t)*sel + 1 < n)
			(*sel)++;
		break;
	case TUI_OPEN:
		open_selected(t);
		break;
	case TUI_FILTER:
		s->typing = true;
		s->msg[0] = '\0';
		break;
	case TUI_BACK:
		if (s->listing) {
			s->listing = false;
			free_cards(s);
		} else {
			t->screen = TUI_FIND;
		}
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

/* The cells of the first col-1 code points of s: where column col starts. */
static int column_cells(const char *s, int col)
{
	char head[TUI_QUERY_MAX];
	size_t len = 0;

	for (int k = 1; k < col && s[len]; k++)
		do
			len++;
		while (((unsigned char)s[len] & 0xC0) == 0x80);
	memcpy(head, s, len);
	head[len] = '\0';
	return (int)tui_width(head);
}

/* The filter line at y, and under it the caret and the server's error;
 * returns the first row below them. */
static int draw_filter(struct tui *t, int y)
{
	struct tui_segs *s = &t->segs;
	const char *label = _("Filter: ");
	char line[TUI_QUERY_MAX + 64];
	int lw = (int)tui_width(label), cx;

	snprintf(line, sizeof(line), "%s%s", label, s->expr);
	tui_put(y, 0, line, COLS);
	cx = (int)tui_width(line);
	if (s->err[0]) {
		int x = s->err_col ? lw + column_cells(s->expr, s->err_col) : 0;
		if (x >= COLS)
			x = COLS - 1;
		tui_style(TUI_STYLE_ALERT, true);
		if (s->err_col)
			tui_put(y + 1, x, "^", 1);
		if (x + 2 < COLS && s->err_col)
			tui_put(y + 1, x + 2, s->err, COLS - x - 2);
		else
			tui_put(y + 2, 0, s->err, COLS);
		tui_style(TUI_STYLE_ALERT, false);
	}
	move(y, cx < COLS ? cx : COLS - 1);
	return y + (s->err[0] ? 3 : 2);
}

static void draw_segment(struct tui *t, int y, size_t i)
{
	const Kart__Segment *g = t->segs.list[i];
	char count[40] = "—";
	int wname = COLS >= 80 ? 24 : COLS / 3, wcount = 12;

	if (t->segs.counts && t->segs.counts[i] != SEG_UNKNOWN)
		tui_grouped(t->segs.counts[i], count, sizeof(count));
	if ((int)i == t->segs.sel)
		attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	tui_put(y, 0, g->name, wname);
	/* the count flush right in its column */
	int pad = wcount - (int)tui_width(count);
	tui_put(y, wname + 1 + (pad > 0 ? pad : 0), count, wcount - (pad > 0 ? pad : 0));
	tui_put(y, wname + wcount + 3, g->expr, COLS - wname - wcount - 3);
	if ((int)i == t->segs.sel)
		attroff(A_REVERSE);
}

static void draw_title(struct tui *t)
{
	struct tui_segs *s = &t->segs;
	char line[TUI_QUERY_MAX + 128], n[40];

	if (!s->listing) {
		snprintf(line, sizeof(line), "%s", _("Segments"));
	} else {
		tui_grouped(s->ncards, n, sizeof(n));
		if (s->ncards >= SEG_CARDS_MAX)
			strcat(n, "+");
		snprintf(line, sizeof(line), s->by_filter ? _("Filter %s · %s") : _("Segment %s · %s"), s->what,
			 n);
	}
	tui_style(TUI_STYLE_TITLE, true);
	tui_put(0, 0, line, COLS);
	tui_style(TUI_STYLE_TITLE, false);
}

void segments_draw(struct tui *t)
{
	struct tui_segs *s = &t->segs;
	int y = 2, cy = -1, cx = 0, sel = s->listing ? s->card_sel : s->sel;
	size_t n = s->listing ? s->ncards : s->n;

	draw_title(t);
	if (s->typing) {
		y = draw_filter(t, 1);
		getyx(stdscr, cy, cx);
	}
	int rows = LINES - 2 - y, top = sel >= rows ? sel - rows + 1 : 0;
	for (int i = 0; i < rows && (size_t)(top + i) < n; i++) {
		size_t k = (size_t)(top + i);
		if (s->listing)
			tui_card_row(y + i, s->cards[k], (int)k == sel, NULL);
		else
			draw_segment(t, y + i, k);
	}
	if (!s->listing && n == 0 && !s->msg[0])
		tui_put(y, 2, _("no saved segments (kart segment save NAME EXPR)"), COLS - 2);
	tui_put(LINES - 2, 0, s->msg, COLS);
	tui_style(TUI_STYLE_HINT, true);
	tui_put(LINES - 1, 0,
		s->typing     ? _("Enter list · Esc close the filter")
		: s->listing ? _("↑↓ select · Enter open the card · / filter · Esc segments · ? help")
			     : _("↑↓ select · Enter list · / filter · Esc back · ? help"),
		COLS);
	tui_style(TUI_STYLE_HINT, false);
	if (cy >= 0)
		move(cy, cx);
}
