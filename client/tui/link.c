/* link: kart-tui's connection to the server. When it is lost the screens
 * stay and keep what was typed; the link reconnects with backoff (1, 2, 4,
 * 8, then every 15 s, each attempt bounded by a short timeout), resumes the
 * saved session and marks the live query to be sent again. */
#include "tui.h"

#include <stdio.h>
#include <string.h>

#include "session.h"

#define LINK_CONNECT_TIMEOUT_MS 2000
#define LINK_BACKOFF_MAX_S 15

void link_lost(struct tui *t, const char *why)
{
	kc_close(t->c);
	t->c = NULL;
	find_abandon(t); /* its replies will never come: ask again later */
	t->link.backoff_s = 1;
	t->link.retry_at = tui_now_ms() + 1000.0;
	snprintf(t->link.why, sizeof(t->link.why), "%s", why ? why : "");
}

/* Connects and resumes as kc_session_open does, with a short timeout. */
static struct kc *link_open(struct tui *t, struct kc_error *err)
{
	struct kc_profile p;
	struct kc_session s;
	struct kc_options o;
	struct kc *c = NULL;
	Kart__Envelope *resumed = NULL;

	memset(&p, 0, sizeof(p));
	memset(err, 0, sizeof(*err));
	p.home = t->link.home;
	p.server = t->link.server;
	p.ca = t->link.ca;
	p.default_server = t->link.default_server;
	p.client_name = t->link.client_name;
	if (kc_session_load(p.home, &s) != KC_SESSION_OK) {
		snprintf(err->message, sizeof(err->message), "%s", _("session closed: run kart login"));
		kc_session_free(&s);
		return NULL;
	}
	kc_session_options(&p, &s, &o);
	o.timeout_ms = LINK_CONNECT_TIMEOUT_MS;
	c = kc_connect(&o, err);
	if (c)
		resumed = kc_resume(c, s.token, err);
	if (c && !resumed) {
		kc_close(c);
		c = NULL;
	}
	kc_env_free(resumed);
	kc_session_free(&s);
	return c;
}

void link_tick(struct tui *t)
{
	struct kc_error err;
	double now = tui_now_ms();

	if (t->c || now < t->link.retry_at)
		return;
	t->c = link_open(t, &err);
	if (!t->c) {
		snprintf(t->link.why, sizeof(t->link.why), "%s", err.message);
		t->link.backoff_s = t->link.backoff_s * 2 > LINK_BACKOFF_MAX_S ? LINK_BACKOFF_MAX_S
									     : t->link.backoff_s * 2;
		t->link.retry_at = tui_now_ms() + t->link.backoff_s * 1000.0;
		return;
	}
	kc_set_nonblocking(t->c);
	t->link.why[0] = '\0';
	t->status[0] = '\0';
	if (t->editing && t->card_msg[0]) /* the "not saved" of the note still in the field */
		snprintf(t->card_msg, sizeof(t->card_msg), "%s", _("connection restored: Enter saves the call"));
	if (t->query[0]) /* the live query goes again */
		t->dirty = true;
	find_pump(t);
}

int link_wait_ms(const struct tui *t)
{
	double left;

	if (t->c)
		return 1000;
	left = t->link.retry_at - tui_now_ms();
	if (left <= 0)
		return 0;
	return left < 250 ? (int)left + 1 : 250; /* the countdown on the screen moves */
}

void link_status(const struct tui *t, char *out, size_t n)
{
	double left = t->link.retry_at - tui_now_ms();
	int s = left > 0 ? (int)((left + 999.0) / 1000.0) : 0;

	if (s > 0)
		snprintf(out, n, _("no connection to the server; retrying in %d s"), s);
	else
		snprintf(out, n, "%s", _("no connection to the server; connecting…"));
}
