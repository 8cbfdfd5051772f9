/* frame: the length-prefix assembler. No I/O: bytes go in, whole frames come out.
 *
 * A frame is a 4-byte big-endian length and that many bytes of payload. The
 * assembler buffers a partial frame across reads and refuses a length over its
 * maximum before buffering any of it. */
#ifndef KART_FRAME_H
#define KART_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct frame_asm {
	uint8_t *buf;       /* owned; unread bytes live in [start, end) */
	size_t cap, start, end;
	uint32_t max;       /* largest payload accepted */
};

/* A buffer larger than this is freed once it is empty. */
#define FRAME_KEEP_CAP 65536

enum frame_status { FRAME_NEED_MORE = 0, FRAME_OK = 1, FRAME_TOO_LARGE = -1, FRAME_NOMEM = -2 };

void frame_asm_init(struct frame_asm *fa, uint32_t max);
void frame_asm_free(struct frame_asm *fa);
/* Appends received bytes. Returns FRAME_NOMEM if they cannot be stored. The
 * buffer grows by doubling, but never past the end of the frame being
 * received, and a large one is let go once it is empty. */
int frame_asm_push(struct frame_asm *fa, const void *data, size_t len);
/* Yields the next whole frame's payload. *payload stays valid until the next
 * push. FRAME_TOO_LARGE is sticky: the stream cannot be resynchronized. */
int frame_asm_next(struct frame_asm *fa, const uint8_t **payload, uint32_t *len);
/* Whether a whole frame (or a header over the limit) waits to be taken. */
static inline int frame_asm_whole(const struct frame_asm *fa)
{
	size_t avail = fa->end - fa->start;
	if (avail < 4)
		return 0;
	const uint8_t *h = fa->buf + fa->start;
	uint32_t n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	return n > fa->max || avail - 4 >= n;
}
/* Bytes received but not yet returned as frames. */
static inline size_t frame_asm_pending(const struct frame_asm *fa) { return fa->end - fa->start; }

/* Writes the 4-byte header for a payload of len bytes. */
static inline void frame_put_header(uint8_t out[4], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

static inline uint32_t frame_get_u32(const uint8_t in[4])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

#endif
