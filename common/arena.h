/* arena: a bump allocator for one request's memory, freed all at once.
 *
 * A request's decoded message, its reply and every string built for it live in
 * one arena; arena_reset() frees them together when the reply is written. The
 * arena also serves protobuf-c as a ProtobufCAllocator with a byte budget, so a
 * hostile frame cannot make the decoder allocate more than the budget. */
#ifndef KART_ARENA_H
#define KART_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;   /* newest chunk; owned */
	size_t used;                /* bytes handed out since the last reset */
	size_t budget;              /* 0: unlimited; else arena_alloc fails past it */
	ProtobufCAllocator pb;      /* allocator view for protobuf-c */
	int refused;                /* an allocation failed since the last reset (budget or memory) */
};

void arena_init(struct arena *a, size_t budget);
/* Returns NULL when the budget is exhausted or memory is out. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Whether an allocation failed since the last reset: a decode that failed
 * then ran out of room, it did not meet bad bytes. */
static inline int arena_exhausted(const struct arena *a) { return a->refused; }
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees all but the first chunk and rewinds it. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
