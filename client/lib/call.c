/* call: one request and its reply, or its stream of pages. See call.h. */
#include "call.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int unexpected(struct kc_error *err)
{
	memset(err, 0, sizeof(*err));
	err->status = KC_ERR_OTHER;
	snprintf(err->message, sizeof(err->message), "unexpected reply from the server");
	return err->status;
}

static int status_of(const struct kc_error *err)
{
	return err->status ? err->status : KC_ERR_OTHER;
}

int kc_call_body(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase want, Kart__Envelope **out,
		 struct kc_error *err)
{
	Kart__Envelope *resp = kc_call(c, req, err);

	*out = NULL;
	if (!resp)
		return status_of(err);
	if (want != KART__ENVELOPE__BODY__NOT_SET && resp->body_case != want) {
		kc_env_free(resp);
		return unexpected(err);
	}
	*out = resp;
	return 0;
}

int kc_call_pages(struct kc *c, Kart__Envelope *req, Kart__Envelope__BodyCase page_case, kc_page_fn fn,
		  void *ud, struct kc_error *err)
{
	Kart__Envelope *e = NULL;
	bool more = true;
	int rc = 0;
	uint64_t id = kc_send(c, req, err);

	if (!id)
		return status_of(err);
	while (more) {
		e = kc_recv(c, err);
		if (!e) {
			rc = status_of(err);
			goto cleanup;
		}
		/* an error with id 0 is about the connection itself (a frame too large) */
		if (e->request_id != id && !(e->request_id == 0 && e->body_case == KART__ENVELOPE__BODY_ERROR)) {
			kc_env_free(e);
			e = NULL;
			continue;
		}
		if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
			kc_error_from(err, e->error);
			rc = status_of(err);
			goto cleanup;
		}
		if (e->body_case != page_case) {
			rc = unexpected(err);
			goto cleanup;
		}
		rc = fn(e, ud, err);
		if (rc)
			goto cleanup;
		more = e->more;
		kc_env_free(e);
		e = NULL;
	}
cleanup:
	kc_env_free(e);
	return rc;
}

int kc_session_request(struct kc_profile *p, Kart__Envelope *req, Kart__Envelope__BodyCase want, struct kc **c,
		       Kart__Envelope **out, struct kc_error *err)
{
	int rc = kc_session_open(p, c, err);

	*out = NULL;
	return rc ? rc : kc_call_body(*c, req, want, out, err);
}
