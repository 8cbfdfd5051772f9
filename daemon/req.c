/* req: replies and streams — what handlers hand back instead of
 * touching their connection (req.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "log.h"
#include "req.h"
#include "text.h"

int req_no_memory(struct req *r)
{
	return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "", REQ_NO_MEMORY);
}

int req_error(struct req *r, Kart__ErrorCode code, const char *field, const char *fmt, ...)
{
	Kart__Error *e = arena_alloc(r->arena, sizeof(*e));
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kart__envelope__init(&r->out);
	if (!e)
		return H_ABORT; /* an empty reply still reaches the client */
	kart__error__init(e);
	e->code = code;
	e->message = arena_strdup(r->arena, msg);
	e->field = arena_strdup(r->arena, field ? field : "");
	if (!e->message || !e->field)
		e->message = e->field = (char *)"";
	r->out.body_case = KART__ENVELOPE__BODY_ERROR;
	r->out.error = e;
	return H_ABORT;
}

int req_check_text(struct req *r, const char *field, const char *v, bool lines)
{
	uint32_t cp;
	size_t at = v ? text_find_control(v, strlen(v), lines, &cp) : 0;
	if (!at)
		return H_OK;
	return req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s: U+%04X (%s) at character %zu is not allowed%s",
			 field, (unsigned)cp, text_control_name(cp), at,
			 cp == '\n' ? " (one line only)" : lines ? " (text may hold line breaks and tabs, no other controls)" : "");
}

int req_check_note(struct req *r, const char *field, const char *v, size_t max)
{
	size_t len = strlen(v), chars;
	if (req_check_text(r, field, v, true) != H_OK)
		return H_ABORT;
	if (!text_utf8_valid(v, len))
		req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s: not valid UTF-8 text", field);
	else if ((chars = text_utf8_chars(v, len)) > max)
		req_error(r, KART__ERROR_CODE__BAD_REQUEST, field, "%s is too long: %zu characters, at most %zu", field,
			  chars, max);
	else
		return H_OK;
	return H_ABORT;
}

void req_ok(struct req *r)
{
	static Kart__Ok ok = KART__OK__INIT;
	kart__envelope__init(&r->out);
	r->out.body_case = KART__ENVELOPE__BODY_OK;
	r->out.ok = &ok;
}

/* Below this much free space a failed write is put down to a full disk. */
#define DISK_FULL_MARGIN (1u << 20)

bool store_disk_full(struct server *srv, int rc)
{
	if (rc == ENOSPC || rc == EDQUOT)
		return true;
	/* LMDB reports a short write as EIO, and a filesystem that fills up
	 * during a commit writes short; a map that cannot grow may be a full
	 * disk too. Whether it is one, the filesystem tells. */
	if (rc != EIO && rc != MDB_MAP_FULL)
		return false;
	const char *path = NULL;
	struct statvfs fs;
	if (!srv->store.env || mdb_env_get_path(srv->store.env, &path) != 0 || !path || statvfs(path, &fs) != 0)
		return false;
	return (uint64_t)fs.f_bavail * fs.f_frsize < DISK_FULL_MARGIN;
}

int req_disk_full(struct req *r)
{
	return req_error(r, KART__ERROR_CODE__UNAVAILABLE, "",
			 "the server's disk is full: nothing was saved; try again once space is freed");
}

int req_store_error(struct req *r, int rc, const char *what)
{
	if (store_disk_full(r->srv, rc)) {
		log_err("%s: %s failed: the disk holding the database is full (%s)", r->who.peer, what, mdb_strerror(rc));
		return req_disk_full(r);
	}
	log_err("%s: %s failed: %s", r->who.peer, what, mdb_strerror(rc));
	req_error(r, KART__ERROR_CODE__INTERNAL, "", "internal error; the server log has details");
	return H_ABORT;
}

int req_reply_packed(struct req *r, Kart__Envelope__BodyCase body, const void *bytes, size_t len)
{
	r->packed.body = body;
	r->packed.bytes = bytes;
	r->packed.len = len;
	return H_OK;
}

bool stream_limit_reached(uint32_t *remaining, size_t sent)
{
	if (!*remaining)
		return false;
	*remaining -= sent < *remaining ? (uint32_t)sent : *remaining;
	return *remaining == 0;
}

struct stream *stream_new(struct req *r, stream_page_fn page)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = r->id;
	s->page = page;
	s->who = r->who;
	s->srv = r->srv;
	arena_init(&s->arena, 0);
	return s;
}

void stream_free(struct stream *s)
{
	if (s->release)
		s->release(s, s->finished);
	arena_free(&s->arena);
	free(s);
}

int req_stream(struct req *r, struct stream *s)
{
	r->fx.stream = s;
	return H_DEFER;
}
