#include "pbwire.h"

#include <stdbool.h>
#include <string.h>

size_t pbwire_varint_get(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n && i < 10; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/* One field at p (at most n bytes): its tag and its value (for a
 * length-delimited field, the bytes inside). Returns the field's whole
 * length, 0 if malformed (a group, field number 0, past the end). */
static size_t field_at(const uint8_t *p, size_t n, uint64_t *tag, const uint8_t **val, size_t *vlen)
{
	uint64_t x;
	size_t tl = pbwire_varint_get(p, n, tag), fl;
	if (!tl || *tag >> 3 == 0)
		return 0;
	const uint8_t *f = p + tl;
	size_t left = n - tl;
	*val = f;
	switch (*tag & 7) {
	case 0:
		fl = pbwire_varint_get(f, left, &x);
		*vlen = fl;
		break;
	case 1:
		fl = *vlen = 8;
		break;
	case 5:
		fl = *vlen = 4;
		break;
	case 2: {
		size_t ll = pbwire_varint_get(f, left, &x);
		if (!ll || x > left - ll)
			return 0;
		*val = f + ll;
		*vlen = (size_t)x;
		fl = ll + (size_t)x;
		break;
	}
	default:
		return 0;
	}
	if (!fl || fl > left)
		return 0;
	return tl + fl;
}

/* pbwire_drop (listed: the fields to leave out) and pbwire_keep (the
 * fields to copy). */
static size_t filter(const uint8_t *in, size_t n, const uint32_t *list, size_t nlist, bool drop_listed, uint8_t *out)
{
	size_t o = 0, w = 0, run = 0; /* kept fields from `run` to `o` are copied in one go */
	while (o < n) {
		uint64_t tag;
		const uint8_t *val;
		size_t vlen, fl = field_at(in + o, n - o, &tag, &val, &vlen);
		if (!fl)
			return SIZE_MAX;
		bool listed = false;
		for (size_t i = 0; i < nlist && !listed; i++)
			listed = tag >> 3 == list[i];
		if (listed == drop_listed) {
			if (o > run)
				memcpy(out + w, in + run, o - run);
			w += o - run;
			run = o + fl;
		}
		o += fl;
	}
	if (o > run)
		memcpy(out + w, in + run, o - run);
	return w + (o - run);
}

size_t pbwire_drop(const uint8_t *in, size_t n, const uint32_t *drop, size_t ndrop, uint8_t *out)
{
	return filter(in, n, drop, ndrop, true, out);
}

size_t pbwire_keep(const uint8_t *in, size_t n, const uint32_t *keep, size_t nkeep, uint8_t *out)
{
	return filter(in, n, keep, nkeep, false, out);
}

bool pbwire_find_varint(const uint8_t *in, size_t n, uint32_t field, uint64_t *v)
{
	bool seen = false;
	for (size_t o = 0; o < n;) {
		uint64_t tag;
		const uint8_t *val;
		size_t vlen, fl = field_at(in + o, n - o, &tag, &val, &vlen);
		if (!fl)
			break;
		if (tag == ((uint64_t)field << 3 | 0)) {
			pbwire_varint_get(val, vlen, v);
			seen = true;
		}
		o += fl;
	}
	return seen;
}

size_t pbwire_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

uint8_t *pbwire_varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

size_t pbwire_bytes_len(uint32_t field, size_t n)
{
	return pbwire_varint_len((uint64_t)field << 3 | 2) + pbwire_varint_len(n) + n;
}

uint8_t *pbwire_bytes_put(uint8_t *p, uint32_t field, const void *bytes, size_t n)
{
	p = pbwire_varint_put(p, (uint64_t)field << 3 | 2);
	p = pbwire_varint_put(p, n);
	if (n)
		memcpy(p, bytes, n);
	return p + n;
}

bool pbwire_find_bytes(const uint8_t *in, size_t n, uint32_t field, const uint8_t **v, size_t *len)
{
	bool seen = false;
	for (size_t o = 0; o < n;) {
		uint64_t tag;
		const uint8_t *val;
		size_t vlen, fl = field_at(in + o, n - o, &tag, &val, &vlen);
		if (!fl)
			break;
		if (tag == ((uint64_t)field << 3 | 2)) {
			*v = val;
			*len = vlen;
			seen = true;
		}
		o += fl;
	}
	return seen;
}

/* One submessage of pbwire_set_sub_varint: its bytes without `sub`, then
 * `sub` = x unless 0; written at out if not NULL. Returns the length of
 * its contents, SIZE_MAX if malformed. */
static size_t sub_rewrite(const uint8_t *m, size_t n, uint32_t sub, uint64_t x, uint8_t *out)
{
	size_t w = 0;
	for (size_t o = 0; o < n;) {
		uint64_t tag;
		const uint8_t *val;
		size_t vlen, fl = field_at(m + o, n - o, &tag, &val, &vlen);
		if (!fl)
			return SIZE_MAX;
		if (tag >> 3 != sub) {
			if (out)
				memcpy(out + w, m + o, fl);
			w += fl;
		}
		o += fl;
	}
	if (x) {
		uint64_t tag = (uint64_t)sub << 3;
		if (out)
			pbwire_varint_put(pbwire_varint_put(out + w, tag), x);
		w += pbwire_varint_len(tag) + pbwire_varint_len(x);
	}
	return w;
}

size_t pbwire_set_sub_varint(const uint8_t *in, size_t n, uint32_t field, uint32_t sub,
			     uint64_t (*value)(void *ud, const uint8_t *msg, size_t len), void *ud, uint8_t *out)
{
	size_t o = 0, w = 0, run = 0; /* fields from `run` to `o` are copied as they are, in one go */
	while (o < n) {
		uint64_t tag;
		const uint8_t *val;
		size_t vlen, fl = field_at(in + o, n - o, &tag, &val, &vlen);
		if (!fl)
			return SIZE_MAX;
		if (tag != ((uint64_t)field << 3 | 2)) {
			o += fl;
			continue;
		}
		uint64_t x = value(ud, val, vlen);
		size_t len = sub_rewrite(val, vlen, sub, x, NULL);
		if (len == SIZE_MAX)
			return SIZE_MAX;
		if (out) {
			memcpy(out + w, in + run, o - run);
			w += o - run;
			uint8_t *q = pbwire_varint_put(pbwire_varint_put(out + w, tag), len);
			w = (size_t)(q - out);
			sub_rewrite(val, vlen, sub, x, out + w);
		} else {
			w += o - run + pbwire_varint_len(tag) + pbwire_varint_len(len);
		}
		w += len;
		o += fl;
		run = o;
	}
	if (out)
		memcpy(out + w, in + run, o - run);
	return w + (o - run);
}
