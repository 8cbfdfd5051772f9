#include "frame.h"

#include <stdlib.h>
#include <string.h>

void frame_asm_init(struct frame_asm *fa, uint32_t max)
{
	memset(fa, 0, sizeof(*fa));
	fa->max = max;
}

void frame_asm_free(struct frame_asm *fa)
{
	free(fa->buf);
	memset(fa, 0, sizeof(*fa));
}

int frame_asm_push(struct frame_asm *fa, const void *data, size_t len)
{
	if (len == 0)
		return FRAME_OK;
	if (fa->start == fa->end && fa->cap > FRAME_KEEP_CAP) {
		/* a large frame went through: do not keep its buffer */
		free(fa->buf);
		fa->buf = NULL;
		fa->cap = fa->start = fa->end = 0;
	}
	/* reclaim consumed space before growing */
	if (fa->start > 0) {
		memmove(fa->buf, fa->buf + fa->start, fa->end - fa->start);
		fa->end -= fa->start;
		fa->start = 0;
	}
	if (fa->cap - fa->end < len) {
		size_t want = fa->end + len, cap = fa->cap ? fa->cap : 16384;
		while (cap < want)
			cap *= 2;
		/* no more than the frame being received needs (a frame trickled in
		 * would otherwise cost up to twice its size) */
		if (fa->end >= 4) {
			size_t frame_end = 4 + (size_t)frame_get_u32(fa->buf);
			if (want <= frame_end && cap > frame_end)
				cap = frame_end;
		}
		uint8_t *nb = realloc(fa->buf, cap);
		if (!nb)
			return FRAME_NOMEM;
		fa->buf = nb;
		fa->cap = cap;
	}
	memcpy(fa->buf + fa->end, data, len);
	fa->end += len;
	return FRAME_OK;
}

int frame_asm_next(struct frame_asm *fa, const uint8_t **payload, uint32_t *len)
{
	size_t avail = fa->end - fa->start;
	if (avail < 4)
		return FRAME_NEED_MORE;
	uint32_t n = frame_get_u32(fa->buf + fa->start);
	if (n > fa->max)
		return FRAME_TOO_LARGE;
	if (avail - 4 < n)
		return FRAME_NEED_MORE;
	*payload = fa->buf + fa->start + 4;
	*len = n;
	fa->start += 4 + (size_t)n;
	if (fa->start == fa->end)
		fa->start = fa->end = 0;
	return FRAME_OK;
}
