#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, off;
	max_align_t data[];
};

enum { CHUNK_MIN = 8192 };

static void *pb_alloc(void *ud, size_t n) { return arena_alloc(ud, n); }
static void pb_free(void *ud, void *p) { (void)ud; (void)p; }

void arena_init(struct arena *a, size_t budget)
{
	memset(a, 0, sizeof(*a));
	a->budget = budget;
	a->pb.alloc = pb_alloc;
	a->pb.free = pb_free;
	a->pb.allocator_data = a;
}

void *arena_alloc(struct arena *a, size_t n)
{
	/* rounding up, or adding the chunk header, must not wrap */
	if (n > SIZE_MAX / 2) {
		a->refused = 1;
		return NULL;
	}
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (n == 0)
		n = sizeof(max_align_t);
	if (a->budget && (n > a->budget || a->used > a->budget - n)) {
		a->refused = 1;
		return NULL;
	}
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->off < n) {
		size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
		if (c && c->size * 2 > size && c->size < (1u << 20))
			size = c->size * 2;
		c = malloc(sizeof(*c) + size);
		if (!c) {
			a->refused = 1;
			return NULL;
		}
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->off;
	c->off += n;
	a->used += n;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_reset(struct arena *a)
{
	a->refused = 0;
	struct arena_chunk *c = a->head;
	if (!c)
		return;
	while (c->next) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	/* keep the oldest (smallest) chunk only if it is the default size */
	if (c->size > CHUNK_MIN * 4) {
		free(c);
		c = NULL;
	} else {
		c->off = 0;
	}
	a->head = c;
	a->used = 0;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}
