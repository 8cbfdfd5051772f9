/* bench_fill: what --load adds besides cards: the manager users who own
 * them (--managers), timeline entries (--timeline: LogAdd, one per entry) and
 * deals moved through the funnel (--deals: DealAdd, then one DealMove per
 * step), through the protocol as clients send them.
 *
 * The cards and their owners are read first (CardList as --user). Each
 * card's entries and deals are written by its owner's session when the owner
 * is one of the managers, else by --user's; every session has one connection
 * whose requests in flight are its share of the total (its cards' share), so
 * that the sessions end together. One thread drives them all from one epoll
 * loop: the daemon's writer thread, not the client, is what limits this.
 *
 * What an entry or a deal is depends only on the seed, the card's id and the
 * entry's or the deal's number: see card_profile, entry_make and deal_make. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "gen.h"
#include "kc.h"

#define INFLIGHT_PER_CONN 64    /* --conns M: M * this in flight, shared by the sessions */
#define DAY 86400
#define MAX_STAGES 32
#define PATH_MAX_STEPS (MAX_STAGES + 1)

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) from 53 bits of h. */
static double unit(uint64_t h)
{
	return (double)(h >> 11) / 9007199254740992.0;
}

/* ---- the managers ---------------------------------------------------- */

int ensure_managers(struct kc *c, const struct opts *o, const char *password)
{
	int created = 0, existing = 0;
	for (int m = 0; m < o->managers; m++) {
		char name[16];
		gen_manager_name(m, name, sizeof(name));
		Kart__UserAdd add = KART__USER_ADD__INIT;
		add.name = name;
		add.role = KART__ROLE__ROLE_MANAGER;
		add.password = (char *)password;
		Kart__Envelope req = KART__ENVELOPE__INIT;
		req.body_case = KART__ENVELOPE__BODY_USER_ADD;
		req.user_add = &add;
		struct kc_error err;
		Kart__Envelope *e = kc_call(c, &req, &err);
		if (e) {
			created++;
			kc_env_free(e);
		} else if (err.code == KART__ERROR_CODE__CONFLICT) {
			existing++;
		} else {
			fprintf(stderr, "kart-bench: adding the manager %s: %s\n", name, err.message);
			return -1;
		}
	}
	if (o->managers)
		printf("load: managers mgr01-mgr%02d: %d created, %d there already\n", o->managers, created, existing);
	return 0;
}

/* ---- what is generated ----------------------------------------------- */

/* A card's life with us: how many entries it gets (relative), whether it
 * buys, when it was last and first active, and its usual order. */
struct profile {
	unsigned weight;            /* 0: no entries */
	bool buyer;
	int64_t last_ago;           /* seconds before now of its last activity */
	int64_t span;               /* seconds from its first activity to its last */
	int64_t order;              /* kopecks: its usual purchase */
};

static void card_profile(uint64_t seed, uint64_t id, struct profile *p)
{
	uint64_t h = mix64(id * 0x9e3779b97f4a7c15ull ^ mix64(seed + 0x7a3d));
	uint64_t g = mix64(h);
	unsigned r = (unsigned)(h % 100);
	p->weight = r < 16 ? 0 : r < 70 ? 1 + (unsigned)(g % 5) : r < 95 ? 4 + (unsigned)(g % 12) : 10 + (unsigned)(g % 50);
	p->buyer = (h >> 8) % 100 < 80;
	/* 40% active in the last 90 days, 30% in the rest of the year, 30% a year or two ago */
	unsigned rr = (unsigned)((h >> 16) % 100);
	int64_t last_days = rr < 40 ? (int64_t)(g >> 8) % 90 : rr < 70 ? 90 + (int64_t)(g >> 8) % 275 : 365 + (int64_t)(g >> 8) % 365;
	int64_t span_days = (int64_t)((g >> 24) % (uint64_t)(731 - last_days));
	p->last_ago = last_days * DAY;
	p->span = span_days * DAY + DAY - 1;
	/* 100.00 .. 50000.00, log-uniform */
	p->order = (int64_t)(10000.0 * exp(unit(mix64(g)) * log(500.0)));
}

static const char *const call_texts[] = {
	"уточнил сроки поставки", "просил перезвонить после обеда", "интересуется ноутбуками для офиса",
	"обсудили скидку", "не дозвонился", "договорились о встрече", "спрашивал про гарантию",
};
static const char *const email_texts[] = {
	"отправил КП", "выслал счёт", "прайс на принтеры", "ответ по договору", "приглашение на семинар",
};
static const char *const meeting_texts[] = {
	"встреча в офисе клиента", "презентация серверов", "выезд инженера", "подписание договора",
};
static const char *const note_texts[] = {
	"бухгалтерия задерживает оплату", "нужен выезд инженера", "семинар понравился", "решение после праздников",
};
static const char *const purchase_texts[] = {
	"ноутбуки", "картриджи", "сервер", "обслуживание", "монитор", "сетевое оборудование", "",
};
#define PICK(a, h) ((a)[(h) % (sizeof(a) / sizeof((a)[0]))])

struct entry {
	Kart__EntryKind kind;
	const char *text;
	char amount[32];            /* "" unless a purchase */
	int64_t at;
};

/* Entry k of the card with profile p, as of now. */
static void entry_make(uint64_t seed, uint64_t id, const struct profile *p, uint64_t k, int64_t now, struct entry *e)
{
	uint64_t h = mix64(mix64(id ^ mix64(seed + 0x51ed)) + k * 0x9e3779b97f4a7c15ull);
	unsigned r = (unsigned)(h % 100);
	uint64_t t = h >> 8;
	if (p->buyer && r < 35)
		e->kind = KART__ENTRY_KIND__ENTRY_KIND_PURCHASE;
	else if (r < (p->buyer ? 65u : 45u))
		e->kind = KART__ENTRY_KIND__ENTRY_KIND_CALL;
	else if (r < (p->buyer ? 83u : 75u))
		e->kind = KART__ENTRY_KIND__ENTRY_KIND_EMAIL;
	else if (r < (p->buyer ? 92u : 88u))
		e->kind = KART__ENTRY_KIND__ENTRY_KIND_MEETING;
	else
		e->kind = KART__ENTRY_KIND__ENTRY_KIND_NOTE;
	e->amount[0] = '\0';
	switch (e->kind) {
	case KART__ENTRY_KIND__ENTRY_KIND_PURCHASE: {
		/* half to twice the usual order, at least 1.00 */
		int64_t a = (int64_t)((double)p->order * (0.5 + 1.5 * unit(mix64(h))));
		if (a < 100)
			a = 100;
		snprintf(e->amount, sizeof(e->amount), "%" PRId64 ".%02d", a / 100, (int)(a % 100));
		e->text = PICK(purchase_texts, t);
		break;
	}
	case KART__ENTRY_KIND__ENTRY_KIND_CALL:
		e->text = PICK(call_texts, t);
		break;
	case KART__ENTRY_KIND__ENTRY_KIND_EMAIL:
		e->text = PICK(email_texts, t);
		break;
	case KART__ENTRY_KIND__ENTRY_KIND_MEETING:
		e->text = PICK(meeting_texts, t);
		break;
	default:
		e->text = PICK(note_texts, t);
		break;
	}
	/* the first entry is its last activity; the others anywhere in its span */
	int64_t off = k == 0 ? 0 : (int64_t)(mix64(h + 1) % (uint64_t)p->span);
	e->at = now - p->last_ago - off;
}

static const char *const deal_titles[] = {
	"Поставка ноутбуков", "Сервер для офиса", "Обслуживание на год", "Сеть в филиале", "Принтеры и МФУ",
	"Лицензии на программы", "Мониторы для отдела", "Обучение сотрудников",
};

struct deal {
	uint64_t card;              /* position in the card list */
	const char *title;
	char amount[32];
	char close[40];
	int path[PATH_MAX_STEPS];   /* the stages it is moved to, in turn */
	int npath;
};

/* The funnel: open stages, then won and lost (the default funnel's last two,
 * when they are named so), or only open stages and a last one. */
struct funnel {
	char *stages[MAX_STAGES];
	int n, won, lost;           /* -1: none */
};

static void deal_make(uint64_t seed, uint64_t d, uint64_t ncards, const struct funnel *f, int64_t now, struct deal *out)
{
	uint64_t h = mix64(d * 0x9e3779b97f4a7c15ull ^ mix64(seed + 0xdea1));
	out->card = h % ncards;
	out->title = PICK(deal_titles, h >> 16);
	/* 10000.00 .. 3000000.00, log-uniform */
	int64_t a = (int64_t)(1000000.0 * exp(unit(mix64(h)) * log(300.0)));
	snprintf(out->amount, sizeof(out->amount), "%" PRId64 ".00", a / 100);
	time_t close = (time_t)(now + (int64_t)(10 + (h >> 40) % 110) * DAY);
	struct tm tm;
	gmtime_r(&close, &tm);
	snprintf(out->close, sizeof(out->close), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	int open = f->won >= 0 ? f->won : f->n - 1; /* open stages: 0 .. open-1 */
	out->npath = 0;
	uint64_t s = mix64(h + 7);
	for (int at = 0;;) {
		unsigned r = (unsigned)(s % 100);
		s = mix64(s);
		if (at == open - 1) {
			if (r < 55 && f->won >= 0)
				out->path[out->npath++] = f->won;
			else if (r < 80 && f->lost >= 0)
				out->path[out->npath++] = f->lost;
			else if (r < 55)
				out->path[out->npath++] = open;
			break;
		}
		if (r < 55) {
			out->path[out->npath++] = ++at;
		} else if (r < 70 && f->lost >= 0) {
			out->path[out->npath++] = f->lost;
			break;
		} else {
			break;
		}
	}
}

/* ---- the cards and the sessions -------------------------------------- */

struct sess {
	char user[32];
	char *token;                /* malloc'd; NULL: the main session (run->token) */
	uint32_t *cards;            /* positions in the card list, ascending */
	size_t ncards, capcards;
	uint32_t *deals;            /* deal numbers */
	size_t ndeals, capdeals;
	/* cursors */
	size_t tcard;               /* timeline: the card being written */
	uint64_t tk;                /* and its next entry */
	size_t dnext;               /* deals: the next to add */
	int inflight;               /* requests in flight on its connection */
};

struct fill {
	struct run *r;
	const struct opts *o;
	int64_t now;
	uint64_t ncards;
	uint64_t *ids;              /* the cards, by position */
	uint8_t *card_sess;         /* the session that writes for each */
	size_t capids;              /* room in ids and card_sess */
	uint64_t *start;            /* timeline: entries of card j are start[j] .. start[j+1]-1 */
	struct profile *prof;
	struct sess *sess;
	int nsess;
	struct funnel funnel;
	/* counts */
	uint64_t ok, errors, moves, deals_added;
	char first_error[1100];
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 1024;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* The session that writes for a card of this owner: the manager's when it is
 * one of ours, else --user's (session 0). */
static int owner_session(const struct fill *f, const char *owner)
{
	for (int s = 1; owner && s < f->nsess; s++)
		if (strcmp(f->sess[s].user, owner) == 0)
			return s;
	return 0;
}

static int note_card(void *ud, const Kart__CardPage *p)
{
	struct fill *f = ud;
	for (size_t i = 0; i < p->n_cards; i++) {
		size_t cap2 = f->capids;
		if (grow((void **)&f->ids, &f->capids, f->ncards + 1, sizeof(*f->ids)) < 0 ||
		    grow((void **)&f->card_sess, &cap2, f->ncards + 1, sizeof(*f->card_sess)) < 0)
			return -1;
		int si = owner_session(f, p->cards[i]->owner);
		struct sess *s = &f->sess[si];
		f->card_sess[f->ncards] = (uint8_t)si;
		if (grow((void **)&s->cards, &s->capcards, s->ncards + 1, sizeof(*s->cards)) < 0)
			return -1;
		s->cards[s->ncards++] = (uint32_t)f->ncards;
		f->ids[f->ncards++] = p->cards[i]->id;
	}
	return 0;
}

/* Reads every card's id and owner (CardList as --user). Returns 0 or -1. */
static int read_cards(struct fill *f, struct kc *c)
{
	struct kc_error err;
	if (list_cards(c, 0, note_card, f, &err) < 0) {
		fprintf(stderr, "kart-bench: listing the cards: %s\n", err.message);
		return -1;
	}
	if (!f->ncards) {
		fprintf(stderr, "kart-bench: there are no cards: load them first (--load N)\n");
		return -1;
	}
	if (f->ncards > UINT32_MAX) {
		fprintf(stderr, "kart-bench: too many cards\n");
		return -1;
	}
	return 0;
}

/* The funnel's stages, from a DealList that matches no deal. */
static int read_funnel(struct fill *f, struct kc *c)
{
	Kart__DealList list = KART__DEAL_LIST__INIT;
	list.card_id = UINT64_MAX;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	req.body_case = KART__ENVELOPE__BODY_DEAL_LIST;
	req.deal_list = &list;
	struct kc_error err;
	Kart__Envelope *e = kc_call(c, &req, &err);
	if (!e) {
		fprintf(stderr, "kart-bench: reading the funnel: %s\n", err.message);
		return -1;
	}
	struct funnel *fu = &f->funnel;
	if (e->body_case == KART__ENVELOPE__BODY_DEAL_PAGE && e->deal_page)
		for (size_t i = 0; i < e->deal_page->n_stages && fu->n < MAX_STAGES; i++)
			fu->stages[fu->n++] = strdup(e->deal_page->stages[i]);
	kc_env_free(e);
	for (int i = 0; i < fu->n; i++)
		if (!fu->stages[i]) {
			fprintf(stderr, "kart-bench: out of memory\n");
			return -1;
		}
	if (fu->n < 2) {
		fprintf(stderr, "kart-bench: the server sent a funnel of %d stages\n", fu->n);
		return -1;
	}
	fu->won = fu->lost = -1;
	if (fu->n >= 3 && strcmp(fu->stages[fu->n - 1], "lost") == 0) {
		fu->lost = fu->n - 1;
		fu->won = fu->n - 2;
	} else {
		fu->won = fu->n - 1;
	}
	return 0;
}

/* Spreads --timeline entries over the cards by their profiles' weights:
 * card j gets start[j+1] - start[j]. */
static int plan_timeline(struct fill *f)
{
	uint64_t n = f->ncards, total = f->o->timeline_n;
	f->prof = malloc(n * sizeof(*f->prof));
	f->start = malloc((n + 1) * sizeof(*f->start));
	if (!f->prof || !f->start) {
		fprintf(stderr, "kart-bench: out of memory\n");
		return -1;
	}
	uint64_t w = 0;
	for (uint64_t j = 0; j < n; j++) {
		card_profile(f->o->seed, f->ids[j], &f->prof[j]);
		w += f->prof[j].weight;
	}
	if (!w)
		w = 1;
	uint64_t acc = 0;
	for (uint64_t j = 0; j < n; j++) {
		f->start[j] = (uint64_t)((unsigned __int128)total * acc / w);
		acc += f->prof[j].weight;
	}
	f->start[n] = total;
	return 0;
}

static int plan_deals(struct fill *f)
{
	struct deal d;
	for (uint64_t k = 0; k < f->o->deals_n; k++) {
		deal_make(f->o->seed, k, f->ncards, &f->funnel, f->now, &d);
		struct sess *s = &f->sess[f->card_sess[d.card]];
		if (grow((void **)&s->deals, &s->capdeals, s->ndeals + 1, sizeof(*s->deals)) < 0) {
			fprintf(stderr, "kart-bench: out of memory\n");
			return -1;
		}
		s->deals[s->ndeals++] = (uint32_t)k;
	}
	return 0;
}

/* ---- the driver --------------------------------------------------------- */

enum phase { PH_TIMELINE, PH_DEALS };
enum slot_kind { SK_FREE, SK_ENTRY, SK_DEAL_ADD, SK_DEAL_MOVE };

struct fslot {
	uint64_t rid;
	enum slot_kind kind;
	uint32_t deal;              /* deals: which */
	uint64_t deal_id;           /* from its DealAdd */
	int step;                   /* the next step of its path */
};

struct fconn {
	struct kc *c;
	int sess;
	int P;
	struct fslot *slots;
	int outstanding;
	uint64_t seq;
	bool dead;
};

static void fill_error(struct fill *f, const char *what, const char *msg)
{
	f->errors++;
	if (!f->first_error[0])
		snprintf(f->first_error, sizeof(f->first_error), "%.40s: %.1024s", what, msg ? msg : "");
}

/* Queues the request that slot s of b does next in this phase: an entry, a
 * deal's next move, or a new deal. Returns 1 if it queued one, 0 if the
 * session has nothing left, -1 on error. */
static int fill_queue(struct fill *f, struct fconn *b, int s, enum phase ph, struct kc_error *err)
{
	struct sess *se = &f->sess[b->sess];
	struct fslot *sl = &b->slots[s];
	uint64_t rid = ++b->seq * (uint64_t)b->P + (uint64_t)s + 1;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__LogAdd la = KART__LOG_ADD__INIT;
	Kart__DealAdd da = KART__DEAL_ADD__INIT;
	Kart__DealMove dm = KART__DEAL_MOVE__INIT;
	struct entry e;
	struct deal d;
	req.request_id = rid;
	if (ph == PH_TIMELINE) {
		uint32_t j = 0;
		while (se->tcard < se->ncards) {
			j = se->cards[se->tcard];
			if (se->tk < f->start[j + 1] - f->start[j])
				break;
			se->tcard++;
			se->tk = 0;
		}
		if (se->tcard >= se->ncards)
			return 0;
		entry_make(f->o->seed, f->ids[j], &f->prof[j], se->tk++, f->now, &e);
		la.card_id = f->ids[j];
		la.kind = e.kind;
		la.text = (char *)e.text;
		la.amount = e.amount;
		la.at = e.at;
		req.body_case = KART__ENVELOPE__BODY_LOG_ADD;
		req.log_add = &la;
		sl->kind = SK_ENTRY;
	} else {
		bool move = sl->kind == SK_DEAL_ADD || sl->kind == SK_DEAL_MOVE;
		if (move) {
			deal_make(f->o->seed, sl->deal, f->ncards, &f->funnel, f->now, &d);
			move = sl->deal_id && sl->step < d.npath;
		}
		if (move) {
			dm.deal_id = sl->deal_id;
			dm.stage = f->funnel.stages[d.path[sl->step++]];
			req.body_case = KART__ENVELOPE__BODY_DEAL_MOVE;
			req.deal_move = &dm;
			sl->kind = SK_DEAL_MOVE;
		} else {
			if (se->dnext >= se->ndeals)
				return 0;
			sl->deal = se->deals[se->dnext++];
			deal_make(f->o->seed, sl->deal, f->ncards, &f->funnel, f->now, &d);
			da.card_id = f->ids[d.card];
			da.title = (char *)d.title;
			da.amount = d.amount;
			da.expected_close = d.close;
			req.body_case = KART__ENVELOPE__BODY_DEAL_ADD;
			req.deal_add = &da;
			sl->kind = SK_DEAL_ADD;
			sl->deal_id = 0;
			sl->step = 0;
		}
	}
	sl->rid = rid;
	if (!kc_queue(b->c, &req, err)) {
		sl->rid = 0;
		return -1;
	}
	b->outstanding++;
	return 1;
}

static void fconn_failed(struct fill *f, struct fconn *b, int ep, const char *msg)
{
	f->errors += (uint64_t)b->outstanding;
	b->outstanding = 0;
	b->dead = true;
	fill_error(f, f->sess[b->sess].user, msg);
	epoll_ctl(ep, EPOLL_CTL_DEL, kc_fd(b->c), NULL);
}

/* Handles the replies waiting on b and queues what replaces them. */
static void fill_drain(struct fill *f, struct fconn *b, int ep, enum phase ph)
{
	struct kc_error err;
	for (;;) {
		Kart__Envelope *e = NULL;
		int got = kc_try_recv(b->c, &e, &err);
		if (got == 0)
			break;
		if (got < 0) {
			fconn_failed(f, b, ep, err.message);
			return;
		}
		uint64_t rid = e->request_id;
		int s = rid ? (int)((rid - 1) % (uint64_t)b->P) : -1;
		if (s < 0 || b->slots[s].rid != rid) {
			if (e->body_case == KART__ENVELOPE__BODY_ERROR)
				fill_error(f, "server", e->error->message);
			kc_env_free(e);
			continue;
		}
		struct fslot *sl = &b->slots[s];
		sl->rid = 0;
		b->outstanding--;
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			const char *what = sl->kind == SK_ENTRY ? "timeline entry" : sl->kind == SK_DEAL_ADD ? "deal add" : "deal move";
			fill_error(f, what, e->error->message);
			sl->deal_id = 0; /* a deal that failed is not moved on */
		} else if (sl->kind == SK_DEAL_ADD) {
			if (e->body_case == KART__ENVELOPE__BODY_DEAL && e->deal) {
				sl->deal_id = e->deal->id;
				f->deals_added++;
			} else {
				fill_error(f, "deal add", "unexpected reply");
			}
		} else if (sl->kind == SK_DEAL_MOVE) {
			f->moves++;
		} else {
			f->ok++;
		}
		kc_env_free(e);
		int q = fill_queue(f, b, s, ph, &err);
		if (q < 0) {
			fconn_failed(f, b, ep, err.message);
			return;
		}
		if (q == 0)
			sl->kind = SK_FREE;
	}
	if (kc_flush(b->c, &err) < 0)
		fconn_failed(f, b, ep, err.message);
}

/* Runs one phase to its end on the connections; prints its line. */
static void fill_phase(struct fill *f, struct fconn *bc, int nconn, enum phase ph)
{
	struct kc_error err;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(stderr, "kart-bench: epoll: out of resources\n");
		return;
	}
	f->ok = f->errors = f->moves = f->deals_added = 0;
	f->first_error[0] = '\0';
	static struct sampler sampler;
	memset(&sampler, 0, sizeof(sampler));
	sampler.pid = f->r->pid;
	int sampling = sampler.pid > 0 && pthread_create(&sampler.thread, NULL, sample_rss, &sampler) == 0;
	int64_t t0 = mono_ns();
	int outstanding = 0;
	for (int i = 0; i < nconn; i++) {
		struct fconn *b = &bc[i];
		if (b->dead)
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = b };
		epoll_ctl(ep, EPOLL_CTL_ADD, kc_fd(b->c), &ev);
		for (int s = 0; s < b->P && !b->dead; s++) {
			b->slots[s].kind = SK_FREE;
			int q = fill_queue(f, b, s, ph, &err);
			if (q < 0)
				fconn_failed(f, b, ep, err.message);
			else if (q == 0)
				break;
		}
		if (!b->dead && kc_flush(b->c, &err) < 0)
			fconn_failed(f, b, ep, err.message);
		outstanding += b->outstanding;
	}
	int64_t last_report = t0;
	while (outstanding > 0) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 1000);
		for (int i = 0; i < n; i++) {
			struct fconn *b = evs[i].data.ptr;
			if (!b->dead)
				fill_drain(f, b, ep, ph);
		}
		outstanding = 0;
		for (int i = 0; i < nconn; i++)
			outstanding += bc[i].outstanding;
		int64_t now = mono_ns();
		if (now - last_report > 30 * (int64_t)1000000000) {
			last_report = now;
			if (ph == PH_TIMELINE)
				fprintf(stderr, "kart-bench: %" PRIu64 " of %" PRIu64 " timeline entries, %.0f s\n", f->ok,
					f->o->timeline_n, (double)(now - t0) / 1e9);
			else
				fprintf(stderr, "kart-bench: %" PRIu64 " of %" PRIu64 " deals, %" PRIu64 " moves, %.0f s\n",
					f->deals_added, f->o->deals_n, f->moves, (double)(now - t0) / 1e9);
		}
	}
	double secs = (double)(mono_ns() - t0) / 1e9;
	atomic_store(&sampler.stop, 1);
	if (sampling)
		pthread_join(sampler.thread, NULL);
	for (int i = 0; i < nconn; i++)
		if (!bc[i].dead)
			epoll_ctl(ep, EPOLL_CTL_DEL, kc_fd(bc[i].c), NULL);
	close(ep);
	char rss[200];
	fmt_rss(f->r->pid, atomic_load(&sampler.anon_peak_kb), rss, sizeof(rss));
	if (ph == PH_TIMELINE)
		printf("timeline: %" PRIu64 " entries in %.1f s = %.0f entries/s (errors %" PRIu64 ")  %s\n", f->ok, secs,
		       secs > 0 ? (double)f->ok / secs : 0.0, f->errors, rss);
	else
		printf("deals: %" PRIu64 " deals and %" PRIu64 " moves in %.1f s = %.0f requests/s (errors %" PRIu64 ")  %s\n",
		       f->deals_added, f->moves, secs, secs > 0 ? (double)(f->deals_added + f->moves) / secs : 0.0, f->errors,
		       rss);
	if (f->first_error[0])
		fprintf(stderr, "kart-bench: first error: %s\n", f->first_error);
	fflush(stdout);
}

/* Logs the managers in (their tokens for their connections). */
static int login_managers(struct fill *f, const char *password)
{
	for (int s = 1; s < f->nsess; s++) {
		struct kc_error err;
		struct kc *c = kc_connect(&f->r->kco, &err);
		if (!c) {
			fprintf(stderr, "kart-bench: %s\n", err.message);
			return -1;
		}
		Kart__Envelope *e = kc_login(c, f->sess[s].user, password, &err);
		if (!e || !e->session || !e->session->token) {
			fprintf(stderr, "kart-bench: login as %s: %s\n", f->sess[s].user, e ? "no session token" : err.message);
			kc_env_free(e);
			kc_close(c);
			return -1;
		}
		f->sess[s].token = strdup(e->session->token);
		kc_env_free(e);
		kc_close(c);
		if (!f->sess[s].token) {
			fprintf(stderr, "kart-bench: out of memory\n");
			return -1;
		}
	}
	return 0;
}

/* One connection per session with cards, its share of the requests in
 * flight. Returns how many, or -1 after a message. */
static int open_conns(struct fill *f, struct fconn *bc)
{
	int n = 0;
	uint64_t total = (uint64_t)f->o->conns * INFLIGHT_PER_CONN;
	for (int s = 0; s < f->nsess; s++) {
		if (!f->sess[s].ncards)
			continue;
		struct fconn *b = &bc[n];
		struct kc_error err;
		b->sess = s;
		b->P = (int)((total * f->sess[s].ncards + f->ncards - 1) / f->ncards);
		if (b->P < 4)
			b->P = 4;
		b->slots = calloc((size_t)b->P, sizeof(*b->slots));
		b->c = b->slots ? kc_connect(&f->r->kco, &err) : NULL;
		if (!b->c) {
			fprintf(stderr, "kart-bench: %s\n", b->slots ? err.message : "out of memory");
			return -1;
		}
		n++;
		Kart__Envelope *e = kc_resume(b->c, f->sess[s].token ? f->sess[s].token : f->r->token, &err);
		if (!e) {
			fprintf(stderr, "kart-bench: resuming %s's session: %s\n", f->sess[s].user, err.message);
			return -1;
		}
		kc_env_free(e);
		if (kc_set_nonblocking(b->c) < 0) {
			fprintf(stderr, "kart-bench: cannot drive the connections\n");
			return -1;
		}
	}
	return n;
}

int run_fill(struct run *r, struct kc *c, const char *password)
{
	const struct opts *o = r->o;
	struct fill f;
	struct fconn bc[GEN_MAX_MANAGERS + 1];
	int rc = -1, nconn = 0;
	memset(&f, 0, sizeof(f));
	memset(bc, 0, sizeof(bc));
	f.r = r;
	f.o = o;
	f.now = (int64_t)time(NULL);
	f.nsess = 1 + o->managers;
	f.sess = calloc((size_t)f.nsess, sizeof(*f.sess));
	if (!f.sess) {
		fprintf(stderr, "kart-bench: out of memory\n");
		return -1;
	}
	snprintf(f.sess[0].user, sizeof(f.sess[0].user), "%s", o->user);
	for (int s = 1; s < f.nsess; s++)
		gen_manager_name(s - 1, f.sess[s].user, sizeof(f.sess[s].user));
	if (!r->pid)
		r->pid = o->pid ? o->pid : find_kartd();

	int64_t t0 = mono_ns();
	if (read_cards(&f, c) < 0)
		goto done;
	printf("fill: %" PRIu64 " cards listed in %.1f s;", f.ncards, (double)(mono_ns() - t0) / 1e9);
	for (int s = 0; s < f.nsess; s++)
		printf(" %s %zu", f.sess[s].user, f.sess[s].ncards);
	printf("\n");
	fflush(stdout);
	if (o->deals_n && read_funnel(&f, c) < 0)
		goto done;
	if ((o->timeline_n && plan_timeline(&f) < 0) || (o->deals_n && plan_deals(&f) < 0))
		goto done;
	if (login_managers(&f, password) < 0)
		goto done;
	nconn = open_conns(&f, bc);
	if (nconn < 0) {
		nconn = GEN_MAX_MANAGERS + 1;
		goto done;
	}
	if (o->timeline_n)
		fill_phase(&f, bc, nconn, PH_TIMELINE);
	if (o->deals_n)
		fill_phase(&f, bc, nconn, PH_DEALS);
	rc = 0;
done:
	for (int i = 0; i < nconn; i++) {
		kc_close(bc[i].c);
		free(bc[i].slots);
	}
	for (int s = 0; s < f.nsess; s++) {
		free(f.sess[s].token);
		free(f.sess[s].cards);
		free(f.sess[s].deals);
	}
	for (int i = 0; i < f.funnel.n; i++)
		free(f.funnel.stages[i]);
	free(f.sess);
	free(f.ids);
	free(f.card_sess);
	free(f.start);
	free(f.prof);
	return rc;
}
