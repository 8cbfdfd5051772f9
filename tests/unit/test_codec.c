/* Unit tests for the wire codec: kart.proto through protobuf-c, the arena's
 * budgeted ProtobufCAllocator (common/arena.h) and JSON (common/pbjson.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "kart.pb-c.h"
#include "pbjson.h"
#include "pbwire.h"

/* Strings chosen to catch any re-encoding: Cyrillic (2-byte), «» quotes,
 * Ё/ё, a 3-byte symbol and a 4-byte emoji. */
static const char FIRST[] = "Анна";
static const char MIDDLE[] = "Сергеевна";
static const char LAST[] = "Ёлкина-Щукина";
static const char COMPANY[] = "ООО «Ромашка» №1 \xe2\x82\xbd \xf0\x9f\x8c\xbc";
static const char NOTES[] = "Звонить после 18:00.\nПредпочитает Telegram.\tёЁ";

/* A Card with every kind of field set; storage is static. */
static Kart__Messenger msg_tg = KART__MESSENGER__INIT;
static Kart__Messenger msg_vk = KART__MESSENGER__INIT;
static Kart__Messenger *messengers[2];
static char *phones[] = { "+7 (900) 123-45-67", "+7 901 000 00 00" };
static char *tags[] = { "VIP", "поставщик", "москва" };

static void make_card(Kart__Card *c)
{
	kart__card__init(c);
	msg_tg.kind = "telegram";
	msg_tg.handle = "@анна_ёлкина";
	msg_vk.kind = "vk";
	msg_vk.handle = "id12345";
	messengers[0] = &msg_tg;
	messengers[1] = &msg_vk;
	c->id = UINT64_C(9007199254740993); /* 2^53 + 1: not exact in a double */
	c->first_name = (char *)FIRST;
	c->middle_name = (char *)MIDDLE;
	c->last_name = (char *)LAST;
	c->company = (char *)COMPANY;
	c->gender = KART__GENDER__GENDER_F;
	c->n_phones = 2;
	c->phones = phones;
	c->n_messengers = 2;
	c->messengers = messengers;
	c->n_tags = 3;
	c->tags = tags;
	c->sector = KART__SECTOR__SECTOR_WARM;
	c->notes = (char *)NOTES;
	c->version = 3;
	c->created_at = INT64_C(4102444800); /* 2100-01-01: needs more than 32 bits */
	c->updated_at = -5; /* negative int64 survives */
}

static uint8_t *pack_envelope(const Kart__Envelope *e, size_t *len)
{
	size_t n = kart__envelope__get_packed_size(e);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	assert_int_equal(kart__envelope__pack(e, buf), n);
	*len = n;
	return buf;
}

static void make_envelope(Kart__Envelope *e, Kart__Card *c)
{
	make_card(c);
	kart__envelope__init(e);
	e->request_id = UINT64_C(0x0123456789ABCDEF);
	e->more = 1;
	e->body_case = KART__ENVELOPE__BODY_CARD;
	e->card = c;
}

static void assert_bytes_str(const char *got, const char *want)
{
	assert_non_null(got);
	assert_int_equal(strlen(got), strlen(want));
	assert_memory_equal(got, want, strlen(want) + 1);
}

static void check_card(const Kart__Card *c)
{
	assert_true(c->id == UINT64_C(9007199254740993));
	assert_bytes_str(c->first_name, FIRST);
	assert_bytes_str(c->middle_name, MIDDLE);
	assert_bytes_str(c->last_name, LAST);
	assert_bytes_str(c->company, COMPANY);
	assert_bytes_str(c->notes, NOTES);
	assert_bytes_str(c->position, "");
	assert_int_equal(c->gender, KART__GENDER__GENDER_F);
	assert_int_equal(c->sector, KART__SECTOR__SECTOR_WARM);
	assert_int_equal(c->n_phones, 2);
	assert_bytes_str(c->phones[0], phones[0]);
	assert_bytes_str(c->phones[1], phones[1]);
	assert_int_equal(c->n_emails, 0);
	assert_int_equal(c->n_tags, 3);
	for (int i = 0; i < 3; i++)
		assert_bytes_str(c->tags[i], tags[i]);
	assert_int_equal(c->n_messengers, 2);
	assert_bytes_str(c->messengers[0]->kind, "telegram");
	assert_bytes_str(c->messengers[0]->handle, "@анна_ёлкина");
	assert_bytes_str(c->messengers[1]->kind, "vk");
	assert_bytes_str(c->messengers[1]->handle, "id12345");
	assert_true(c->version == 3);
	assert_true(c->created_at == INT64_C(4102444800));
	assert_true(c->updated_at == -5);
	assert_true(c->deleted_at == 0);
}

static void test_envelope_round_trip(void **state)
{
	(void)state;
	Kart__Card card;
	Kart__Envelope env;
	make_envelope(&env, &card);
	size_t len;
	uint8_t *buf = pack_envelope(&env, &len);
	/* the UTF-8 bytes travel verbatim */
	assert_non_null(memmem(buf, len, COMPANY, strlen(COMPANY)));
	assert_non_null(memmem(buf, len, LAST, strlen(LAST)));

	Kart__Envelope *u = kart__envelope__unpack(NULL, len, buf);
	assert_non_null(u);
	assert_true(u->request_id == UINT64_C(0x0123456789ABCDEF));
	assert_true(u->more);
	assert_int_equal(u->body_case, KART__ENVELOPE__BODY_CARD);
	assert_non_null(u->card);
	check_card(u->card);

	/* packing the decoded message gives the same bytes */
	size_t len2;
	uint8_t *buf2 = pack_envelope(u, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	kart__envelope__free_unpacked(u, NULL);
	free(buf2);
	free(buf);

	/* a different oneof member and an empty envelope */
	Kart__Error er = KART__ERROR__INIT;
	er.code = KART__ERROR_CODE__CONFLICT;
	er.message = "Карточка изменена другим пользователем";
	er.field = "version";
	kart__envelope__init(&env);
	env.request_id = 7;
	env.body_case = KART__ENVELOPE__BODY_ERROR;
	env.error = &er;
	buf = pack_envelope(&env, &len);
	u = kart__envelope__unpack(NULL, len, buf);
	assert_non_null(u);
	assert_int_equal(u->body_case, KART__ENVELOPE__BODY_ERROR);
	assert_int_equal(u->error->code, KART__ERROR_CODE__CONFLICT);
	assert_bytes_str(u->error->message, er.message);
	assert_false(u->more);
	kart__envelope__free_unpacked(u, NULL);
	free(buf);

	kart__envelope__init(&env);
	buf = pack_envelope(&env, &len);
	assert_int_equal(len, 0);
	u = kart__envelope__unpack(NULL, 0, buf);
	assert_non_null(u);
	assert_int_equal(u->body_case, KART__ENVELOPE__BODY__NOT_SET);
	kart__envelope__free_unpacked(u, NULL);
	free(buf);
}

/* An allocator that counts what is outstanding, to prove a failed unpack
 * frees everything it allocated. */
static long live_allocs;
static void *count_alloc(void *ud, size_t n)
{
	(void)ud;
	void *p = malloc(n);
	if (p)
		live_allocs++;
	return p;
}
static void count_free(void *ud, void *p)
{
	(void)ud;
	if (p)
		live_allocs--;
	free(p);
}
static ProtobufCAllocator counting = { count_alloc, count_free, NULL };

static void expect_unpack_fails(const void *data, size_t len)
{
	long before = live_allocs;
	Kart__Envelope *u = kart__envelope__unpack(&counting, len, data);
	if (u)
		fail_msg("garbage of %zu bytes was accepted", len);
	assert_int_equal(live_allocs, before);
}

static void test_garbage_fails_cleanly(void **state)
{
	(void)state;
	/* a varint that never ends */
	expect_unpack_fails("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
	/* wire types 6 and 7 do not exist */
	expect_unpack_fails("\x0e\x01", 2);
	expect_unpack_fails("\x0f\x01", 2);
	/* field number 0 */
	expect_unpack_fails("\x02\x00", 2);
	/* a length-delimited field longer than the buffer */
	expect_unpack_fails("\x92\x02\x7f\x01\x02", 5); /* field 36 (card), 127 bytes */
	/* a nested card whose own string runs past the nested length */
	expect_unpack_fails("\xa2\x02\x03\x12\x05\x41", 6);
	/* the body typed as a varint instead of a message */
	expect_unpack_fails("\xa0\x02\x01", 3);
	/* truncated length prefix */
	expect_unpack_fails("\x0a", 1);

	/* every strict prefix of a real envelope that cuts a field must fail, and
	 * none may leak */
	Kart__Card card;
	Kart__Envelope env;
	make_envelope(&env, &card);
	size_t len;
	uint8_t *buf = pack_envelope(&env, &len);
	for (size_t cut = 1; cut < len; cut++) {
		uint8_t *copy = malloc(cut); /* exact size, so a read past it is caught by ASan */
		memcpy(copy, buf, cut);
		long before = live_allocs;
		Kart__Envelope *u = kart__envelope__unpack(&counting, cut, copy);
		if (u)
			kart__envelope__free_unpacked(u, &counting);
		assert_int_equal(live_allocs, before);
		free(copy);
	}
	/* the body is the last field here, so cutting into it always fails */
	assert_null(kart__envelope__unpack(&counting, len - 1, buf));
	assert_int_equal(live_allocs, 0);

	/* random bytes: may occasionally parse, must never crash or leak */
	uint32_t x = 0x9E3779B9u;
	uint8_t junk[64];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 1 + iter % sizeof(junk);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			junk[i] = (uint8_t)x;
		}
		Kart__Envelope *u = kart__envelope__unpack(&counting, n, junk);
		if (u)
			kart__envelope__free_unpacked(u, &counting);
		assert_int_equal(live_allocs, 0);
	}
	free(buf);
}

/* protobuf-c allocates through the arena and stops at its budget. */
static void test_arena_budget_unpack(void **state)
{
	(void)state;
	Kart__Card card;
	Kart__Envelope env;
	make_envelope(&env, &card);
	size_t len;
	uint8_t *buf = pack_envelope(&env, &len);

	/* unlimited: works, and everything came from the arena */
	struct arena a;
	arena_init(&a, 0);
	Kart__Envelope *u = kart__envelope__unpack(&a.pb, len, buf);
	assert_non_null(u);
	check_card(u->card);
	size_t needed = a.used;
	assert_true(needed >= sizeof(Kart__Envelope) + sizeof(Kart__Card));
	arena_free(&a);

	/* a tiny budget fails instead of allocating more */
	arena_init(&a, 64);
	assert_null(kart__envelope__unpack(&a.pb, len, buf));
	assert_true(a.used <= 64);
	arena_free(&a);

	/* budget just below what is needed fails; exactly enough succeeds */
	arena_init(&a, needed - 1);
	assert_null(kart__envelope__unpack(&a.pb, len, buf));
	assert_true(a.used <= needed - 1);
	arena_free(&a);
	arena_init(&a, needed);
	u = kart__envelope__unpack(&a.pb, len, buf);
	assert_non_null(u);
	check_card(u->card);
	assert_true(a.used <= needed);
	arena_free(&a);

	/* a frame claiming a huge repeated field cannot make the decoder go past
	 * the budget: 20000 empty tags in a card */
	size_t n = 20000;
	size_t inner = 2 * n; /* 40000: a three-byte varint */
	size_t k = 0;
	uint8_t *frame = malloc(5 + inner);
	assert_non_null(frame);
	k = 0;
	frame[k++] = 0xa2;
	frame[k++] = 0x02;
	frame[k++] = (uint8_t)(0x80 | (inner & 0x7f));
	frame[k++] = (uint8_t)(0x80 | ((inner >> 7) & 0x7f));
	frame[k++] = (uint8_t)(inner >> 14);
	for (size_t i = 0; i < n; i++) {
		frame[k++] = 0x7a; /* field 15 (tags), wire type 2 */
		frame[k++] = 0x00; /* empty string */
	}
	arena_init(&a, 4096);
	assert_null(kart__envelope__unpack(&a.pb, k, frame));
	assert_true(a.used <= 4096);
	arena_free(&a);
	arena_init(&a, 0);
	u = kart__envelope__unpack(&a.pb, k, frame);
	assert_non_null(u);
	assert_int_equal(u->card->n_tags, n);
	arena_free(&a);
	free(frame);
	free(buf);
}

/* typed_values: a custom number is a bare JSON number with its exact text, a
 * yes/no a boolean; text, dates, masked values and malformed numbers stay
 * strings; only a value-position string is unquoted. */
static char *typed_dump(const char *field, const char *value, Kart__FieldType type)
{
	static const struct pbjson_style st = { .all_fields = true, .typed_values = true };
	Kart__CustomValue cv = KART__CUSTOM_VALUE__INIT;
	cv.field = (char *)field;
	cv.value = (char *)value;
	cv.type = type;
	json_t *o = pbjson_from_message_style(&cv.base, &st);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	assert_non_null(text);
	pbjson_unquote_raw(text);
	return text;
}

static void test_pbjson_typed_values(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		Kart__FieldType type;
		const char *want;
	} cases[] = {
		{ "1500.5", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":1500.5,\"type\":\"number\"}" },
		{ "0.1000", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":0.1000,\"type\":\"number\"}" },
		{ "-123456789012345.1234", KART__FIELD_TYPE__FIELD_TYPE_NUMBER,
		  "{\"field\":\"f\",\"value\":-123456789012345.1234,\"type\":\"number\"}" },
		{ "57", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":57,\"type\":\"number\"}" },
		{ "***", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":\"***\",\"type\":\"number\"}" },
		{ "***", KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED,
		  "{\"field\":\"f\",\"value\":\"***\",\"type\":\"unspecified\"}" },
		{ "1 500", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":\"1 500\",\"type\":\"number\"}" },
		{ "007", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":\"007\",\"type\":\"number\"}" },
		{ "1.", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, "{\"field\":\"f\",\"value\":\"1.\",\"type\":\"number\"}" },
		{ "57", KART__FIELD_TYPE__FIELD_TYPE_TEXT, "{\"field\":\"f\",\"value\":\"57\",\"type\":\"text\"}" },
		{ "true", KART__FIELD_TYPE__FIELD_TYPE_BOOL, "{\"field\":\"f\",\"value\":true,\"type\":\"bool\"}" },
		{ "false", KART__FIELD_TYPE__FIELD_TYPE_BOOL, "{\"field\":\"f\",\"value\":false,\"type\":\"bool\"}" },
		{ "***", KART__FIELD_TYPE__FIELD_TYPE_BOOL, "{\"field\":\"f\",\"value\":\"***\",\"type\":\"bool\"}" },
		{ "2026-12-05", KART__FIELD_TYPE__FIELD_TYPE_DATE,
		  "{\"field\":\"f\",\"value\":\"2026-12-05\",\"type\":\"date\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = typed_dump("f", cases[i].value, cases[i].type);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].value, got, cases[i].want);
		free(got);
	}
	/* text that looks like the mark stays text: inside a string, or a control
	 * character a user could not store anyway, escaped by the encoder */
	char *got = typed_dump("\x01#12", "a\",\"\x01#5", KART__FIELD_TYPE__FIELD_TYPE_TEXT);
	assert_string_equal(got, "{\"field\":\"\\u0001#12\",\"value\":\"a\\\",\\\"\\u0001#5\",\"type\":\"text\"}");
	free(got);
	/* the mark's nonce cannot be guessed: a plain mark is left as it is */
	char plain[] = "{\"a\":\"\\u0001#7\"}";
	pbjson_unquote_raw(plain);
	assert_string_equal(plain, "{\"a\":\"\\u0001#7\"}");
}

static void test_pbjson_card(void **state)
{
	(void)state;
	Kart__Card card;
	make_card(&card);
	json_t *o = pbjson_from_message(&card.base, 0);
	assert_non_null(o);
	assert_true(json_is_object(o));

	assert_string_equal(json_string_value(json_object_get(o, "gender")), "f");
	assert_string_equal(json_string_value(json_object_get(o, "sector")), "warm");
	assert_true(json_is_integer(json_object_get(o, "id")));
	assert_true(json_integer_value(json_object_get(o, "id")) == (json_int_t)9007199254740993LL);
	assert_true(json_integer_value(json_object_get(o, "updated_at")) == -5);
	assert_true(json_integer_value(json_object_get(o, "created_at")) == INT64_C(4102444800));
	assert_true(json_integer_value(json_object_get(o, "version")) == 3);
	assert_bytes_str(json_string_value(json_object_get(o, "first_name")), FIRST);
	assert_bytes_str(json_string_value(json_object_get(o, "company")), COMPANY);
	assert_bytes_str(json_string_value(json_object_get(o, "notes")), NOTES);

	json_t *ph = json_object_get(o, "phones");
	assert_true(json_is_array(ph));
	assert_int_equal(json_array_size(ph), 2);
	assert_string_equal(json_string_value(json_array_get(ph, 0)), phones[0]);
	assert_string_equal(json_string_value(json_array_get(ph, 1)), phones[1]);
	json_t *tg = json_object_get(o, "tags");
	assert_int_equal(json_array_size(tg), 3);
	assert_string_equal(json_string_value(json_array_get(tg, 1)), "поставщик");
	json_t *ms = json_object_get(o, "messengers");
	assert_int_equal(json_array_size(ms), 2);
	json_t *m0 = json_array_get(ms, 0);
	assert_true(json_is_object(m0));
	assert_string_equal(json_string_value(json_object_get(m0, "kind")), "telegram");
	assert_string_equal(json_string_value(json_object_get(m0, "handle")), "@анна_ёлкина");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 1), "kind")), "vk");

	/* zero values are left out: empty strings, empty lists, 0 numbers */
	static const char *absent[] = { "position", "emails", "city", "address", "birthday", "source",
					"owner", "created_by", "deleted_at", "deleted_by", "updated_by" };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (json_object_get(o, absent[i]))
			fail_msg("zero field '%s' present", absent[i]);
	/* exactly the set fields: id first_name middle_name last_name company gender
	 * phones messengers tags sector notes version created_at updated_at */
	assert_int_equal(json_object_size(o), 14);
	json_decref(o);

	/* with defaults every field appears, zero enums by their short name */
	Kart__Card empty;
	kart__card__init(&empty);
	o = pbjson_from_message(&empty.base, 1);
	assert_int_equal(json_object_size(o), kart__card__descriptor.n_fields);
	assert_string_equal(json_string_value(json_object_get(o, "gender")), "unspecified");
	assert_string_equal(json_string_value(json_object_get(o, "middle_name")), "");
	assert_true(json_is_array(json_object_get(o, "emails")));
	assert_int_equal(json_array_size(json_object_get(o, "emails")), 0);
	assert_true(json_integer_value(json_object_get(o, "deleted_at")) == 0);
	json_decref(o);
	o = pbjson_from_message(&empty.base, 0);
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);

	/* an Envelope shows the chosen oneof member only */
	Kart__Envelope env;
	make_envelope(&env, &card);
	o = pbjson_from_message(&env.base, 0);
	assert_true(json_integer_value(json_object_get(o, "request_id")) == 0x0123456789ABCDEFLL);
	assert_true(json_is_true(json_object_get(o, "more")));
	json_t *c = json_object_get(o, "card");
	assert_true(json_is_object(c));
	assert_string_equal(json_string_value(json_object_get(c, "sector")), "warm");
	assert_null(json_object_get(o, "error"));
	assert_null(json_object_get(o, "hello"));
	assert_int_equal(json_object_size(o), 3);
	/* serialized, the Cyrillic stays UTF-8 (not \u escapes) */
	char *s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"gender\":\"f\""));
	assert_non_null(strstr(s, LAST));
	free(s);
	json_decref(o);

	/* a oneof member that is an empty message still appears */
	Kart__Ok ok = KART__OK__INIT;
	kart__envelope__init(&env);
	env.body_case = KART__ENVELOPE__BODY_OK;
	env.ok = &ok;
	o = pbjson_from_message(&env.base, 0);
	assert_true(json_is_object(json_object_get(o, "ok")));
	assert_int_equal(json_object_size(o), 1);
	json_decref(o);

	/* a role in a Session */
	Kart__Session ses = KART__SESSION__INIT;
	ses.user = "admin";
	ses.role = KART__ROLE__ROLE_SUPERVISOR;
	o = pbjson_from_message(&ses.base, 0);
	assert_string_equal(json_string_value(json_object_get(o, "role")), "supervisor");
	assert_null(json_object_get(o, "token"));
	json_decref(o);
}

static void test_pbjson_enum_names(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(pbjson_enum_name(&kart__gender__descriptor, KART__GENDER__GENDER_F, buf, sizeof(buf)), "f");
	assert_string_equal(pbjson_enum_name(&kart__gender__descriptor, KART__GENDER__GENDER_M, buf, sizeof(buf)), "m");
	assert_string_equal(pbjson_enum_name(&kart__sector__descriptor, KART__SECTOR__SECTOR_HOT, buf, sizeof(buf)), "hot");
	assert_string_equal(pbjson_enum_name(&kart__role__descriptor, KART__ROLE__ROLE_AUDITOR, buf, sizeof(buf)), "auditor");
	assert_string_equal(pbjson_enum_name(&kart__protocol__descriptor, KART__PROTOCOL__PROTOCOL_V1, buf, sizeof(buf)), "v1");
	/* multi-word type name: ErrorCode -> ERROR_CODE_ */
	assert_string_equal(pbjson_enum_name(&kart__error_code__descriptor, KART__ERROR_CODE__ERROR_CODE_NONE, buf, sizeof(buf)), "none");
	/* a short buffer truncates */
	char small[4];
	assert_string_equal(pbjson_enum_name(&kart__role__descriptor, KART__ROLE__ROLE_SUPERVISOR, small, sizeof(small)), "sup");
}

static void test_pbjson_enum_parse(void **state)
{
	(void)state;
	int v = -1;
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "f", &v), 0);
	assert_int_equal(v, KART__GENDER__GENDER_F);
	v = -1;
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "F", &v), 0);
	assert_int_equal(v, KART__GENDER__GENDER_F);
	v = -1;
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "GENDER_F", &v), 0);
	assert_int_equal(v, KART__GENDER__GENDER_F);
	v = -1;
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "gender_m", &v), 0);
	assert_int_equal(v, KART__GENDER__GENDER_M);
	assert_int_equal(pbjson_enum_parse(&kart__sector__descriptor, "Warm", &v), 0);
	assert_int_equal(v, KART__SECTOR__SECTOR_WARM);
	assert_int_equal(pbjson_enum_parse(&kart__role__descriptor, "manager", &v), 0);
	assert_int_equal(v, KART__ROLE__ROLE_MANAGER);
	assert_int_equal(pbjson_enum_parse(&kart__error_code__descriptor, "NOT_FOUND", &v), 0);
	assert_int_equal(v, KART__ERROR_CODE__NOT_FOUND);

	/* refused, and *value left alone */
	v = 12345;
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "x", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "GENDER_", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "ff", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "f ", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "1", &v), -1);
	assert_int_equal(pbjson_enum_parse(&kart__gender__descriptor, "warm", &v), -1);
	assert_int_equal(v, 12345);

	/* every value's short name parses back to itself */
	const ProtobufCEnumDescriptor *ds[] = { &kart__gender__descriptor, &kart__sector__descriptor,
						&kart__role__descriptor, &kart__protocol__descriptor,
						&kart__error_code__descriptor };
	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		for (unsigned j = 0; j < ds[i]->n_values; j++) {
			char buf[64];
			int want = ds[i]->values[j].value, got = -1;
			pbjson_enum_name(ds[i], want, buf, sizeof(buf));
			assert_int_equal(pbjson_enum_parse(ds[i], buf, &got), 0);
			assert_int_equal(got, want);
		}
}

/* Fails with common/pbjson.c as it stands; see the report. */
static void test_pending_pbjson(void **state)
{
	(void)state;
	char buf[64];
	/* pbjson.h and kart.proto: names are lower case; ErrorCode values other
	 * than ERROR_CODE_NONE carry no prefix and come out upper case */
	assert_string_equal(pbjson_enum_name(&kart__error_code__descriptor, KART__ERROR_CODE__NOT_FOUND, buf, sizeof(buf)), "not_found");
	/* pbjson.h says '"" if unknown' but the code (more usefully) gives the
	 * number; the header should say so */
	assert_string_equal(pbjson_enum_name(&kart__gender__descriptor, 99, buf, sizeof(buf)), "99");
}

/* pbwire_drop: a card without its custom values, relatives and notes decodes
 * to the same card less those; malformed bytes are refused. */
static void test_pbwire_drop(void **state)
{
	(void)state;
	Kart__Card c = KART__CARD__INIT;
	Kart__CustomValue cv[2] = { KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT };
	Kart__CustomValue *cvp[2] = { &cv[0], &cv[1] };
	Kart__Relative rel = KART__RELATIVE__INIT;
	Kart__Relative *relp[1] = { &rel };
	char *tel[2] = { (char *)"+7 917 123-45-67", (char *)"8 846 111-22-33" };
	cv[0].field = (char *)"ИНН";
	cv[0].value = (char *)"6312345678";
	cv[1].field = (char *)"отрасль";
	cv[1].value = (char *)"логистика";
	rel.name = (char *)"Пётр";
	rel.relation = (char *)"spouse";
	c.id = 300;                 /* a two-byte varint */
	c.first_name = (char *)FIRST;
	c.last_name = (char *)LAST;
	c.phones = tel;
	c.n_phones = 2;
	c.notes = (char *)"заметка";
	c.relatives = relp;
	c.n_relatives = 1;
	c.custom = cvp;
	c.n_custom = 2;
	c.version = 7;
	c.created_at = -5;          /* a ten-byte varint */
	c.vip = 1;
	size_t n = kart__card__get_packed_size(&c);
	uint8_t *in = malloc(n), *out = malloc(n);
	assert_non_null(in);
	assert_non_null(out);
	kart__card__pack(&c, in);
	static const uint32_t drop[] = { 18, 29, 30 };
	size_t w = pbwire_drop(in, n, drop, 3, out);
	assert_true(w < n);
	Kart__Card *d = kart__card__unpack(NULL, w, out);
	assert_non_null(d);
	assert_int_equal(d->id, 300);
	assert_string_equal(d->first_name, FIRST);
	assert_string_equal(d->last_name, LAST);
	assert_int_equal(d->n_phones, 2);
	assert_string_equal(d->phones[1], tel[1]);
	assert_int_equal(d->version, 7);
	assert_int_equal(d->created_at, -5);
	assert_true(d->vip);
	assert_int_equal(d->n_custom, 0);
	assert_int_equal(d->n_relatives, 0);
	assert_string_equal(d->notes, "");
	kart__card__free_unpacked(d, NULL);
	/* pbwire_keep: the listed fields alone */
	static const uint32_t keep[] = { 1, 4, 17, 30 };
	w = pbwire_keep(in, n, keep, 4, out);
	d = kart__card__unpack(NULL, w, out);
	assert_non_null(d);
	assert_int_equal(d->id, 300);
	assert_string_equal(d->first_name, "");
	assert_string_equal(d->last_name, LAST);
	assert_int_equal(d->n_phones, 0);
	assert_int_equal(d->version, 0);
	assert_false(d->vip);
	assert_int_equal(d->n_custom, 2);
	assert_string_equal(d->custom[1]->value, "логистика");
	kart__card__free_unpacked(d, NULL);
	assert_int_equal(pbwire_keep(in, n, NULL, 0, out), 0);
	assert_int_equal(pbwire_keep(in, n - 1, keep, 4, out), SIZE_MAX);
	/* nothing dropped: the same bytes */
	assert_int_equal(pbwire_drop(in, n, NULL, 0, out), n);
	assert_memory_equal(in, out, n);
	assert_int_equal(pbwire_drop(in, 0, drop, 3, out), 0);
	/* cut short, a length past the end, a bad wire type, field number 0 */
	assert_int_equal(pbwire_drop(in, n - 1, drop, 3, out), SIZE_MAX);
	static const uint8_t longlen[] = { 0x12, 0x7f, 'a' }, badtype[] = { 0x0b, 0x00 }, zero[] = { 0x00, 0x01 },
			     endless[] = { 0x08, 0xff, 0xff };
	assert_int_equal(pbwire_drop(longlen, sizeof(longlen), drop, 3, out), SIZE_MAX);
	assert_int_equal(pbwire_drop(badtype, sizeof(badtype), drop, 3, out), SIZE_MAX);
	assert_int_equal(pbwire_drop(zero, sizeof(zero), drop, 3, out), SIZE_MAX);
	assert_int_equal(pbwire_drop(endless, sizeof(endless), drop, 3, out), SIZE_MAX);
	free(in);
	free(out);
}

/* The type the test gives a custom value by its field's name: what the
 * daemon's schema lookup does, in small. */
static uint64_t test_type_of(void *ud, const uint8_t *cv, size_t len)
{
	(void)ud;
	const uint8_t *name;
	size_t n;
	if (!pbwire_find_bytes(cv, len, 1, &name, &n))
		return 0;
	if (n == 6 && memcmp(name, "ИНН", 6) == 0)
		return KART__FIELD_TYPE__FIELD_TYPE_NUMBER;
	if (n == 3 && memcmp(name, "vip", 3) == 0)
		return KART__FIELD_TYPE__FIELD_TYPE_BOOL;
	return 0;
}

/* pbwire_set_sub_varint: a stored card sent with its custom values' types
 * set is the card a decoder would get by marking them and encoding it again
 * (a type already there replaced or dropped, the other fields as they were);
 * pbwire_find_bytes keeps the last value; malformed bytes are refused. */
static void test_pbwire_set_sub_varint(void **state)
{
	(void)state;
	Kart__Card c = KART__CARD__INIT;
	Kart__CustomValue cv[4] = { KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT, KART__CUSTOM_VALUE__INIT,
				    KART__CUSTOM_VALUE__INIT };
	Kart__CustomValue *cvp[4] = { &cv[0], &cv[1], &cv[2], &cv[3] };
	cv[0].field = (char *)"ИНН";
	cv[0].value = (char *)"6312345678";
	cv[1].field = (char *)"vip";
	cv[1].value = (char *)"да";
	cv[1].type = KART__FIELD_TYPE__FIELD_TYPE_DATE; /* stored with a stale type: replaced */
	cv[2].field = (char *)"отрасль";
	cv[2].value = (char *)"логистика";
	cv[2].type = KART__FIELD_TYPE__FIELD_TYPE_TEXT; /* no longer defined: dropped */
	cv[3].field = (char *)"x"; /* no value: an empty submessage but for its name */
	char long_value[300];
	memset(long_value, 'a', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	c.id = 300;
	c.first_name = (char *)FIRST;
	c.notes = long_value;
	c.custom = cvp;
	c.n_custom = 4;
	c.version = 7;
	c.created_at = -5;
	size_t n = kart__card__get_packed_size(&c);
	uint8_t *in = malloc(n);
	assert_non_null(in);
	kart__card__pack(&c, in);

	size_t want = pbwire_set_sub_varint(in, n, 30, 3, test_type_of, NULL, NULL);
	assert_true(want != SIZE_MAX);
	uint8_t *out = malloc(want);
	assert_non_null(out);
	assert_int_equal(pbwire_set_sub_varint(in, n, 30, 3, test_type_of, NULL, out), want);

	/* what marking the decoded card and packing it again gives */
	Kart__Card *d = kart__card__unpack(NULL, n, in);
	assert_non_null(d);
	for (size_t i = 0; i < d->n_custom; i++) {
		size_t k = kart__custom_value__get_packed_size(d->custom[i]);
		uint8_t buf[64];
		assert_true(k <= sizeof(buf));
		d->custom[i]->type = KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED;
		kart__custom_value__pack(d->custom[i], buf);
		d->custom[i]->type = (Kart__FieldType)test_type_of(NULL, buf, k);
	}
	size_t m = kart__card__get_packed_size(d);
	uint8_t *again = malloc(m);
	assert_non_null(again);
	kart__card__pack(d, again);
	assert_int_equal(want, m);
	assert_memory_equal(out, again, m);
	Kart__Card *e = kart__card__unpack(NULL, want, out);
	assert_non_null(e);
	assert_int_equal(e->custom[0]->type, KART__FIELD_TYPE__FIELD_TYPE_NUMBER);
	assert_int_equal(e->custom[1]->type, KART__FIELD_TYPE__FIELD_TYPE_BOOL);
	assert_int_equal(e->custom[2]->type, KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED);
	assert_string_equal(e->custom[2]->value, "логистика");
	assert_string_equal(e->notes, long_value);
	kart__card__free_unpacked(e, NULL);
	kart__card__free_unpacked(d, NULL);

	/* without the field: the same bytes */
	assert_int_equal(pbwire_set_sub_varint(in, n, 31, 3, test_type_of, NULL, out), n);
	assert_memory_equal(in, out, n);

	/* the last of a repeated field, none, malformed */
	static const uint8_t twice[] = { 0x0a, 0x01, 'a', 0x10, 0x05, 0x0a, 0x02, 'b', 'c' };
	const uint8_t *v;
	size_t vl;
	assert_true(pbwire_find_bytes(twice, sizeof(twice), 1, &v, &vl));
	assert_int_equal(vl, 2);
	assert_memory_equal(v, "bc", 2);
	assert_false(pbwire_find_bytes(twice, sizeof(twice), 3, &v, &vl));
	assert_false(pbwire_find_bytes(twice, 2, 1, &v, &vl));

	/* cut short; a custom value that is not a message */
	assert_int_equal(pbwire_set_sub_varint(in, n - 1, 30, 3, test_type_of, NULL, NULL), SIZE_MAX);
	static const uint8_t badsub[] = { 0xf2, 0x01, 0x02, 0x0b, 0x00 };
	assert_int_equal(pbwire_set_sub_varint(badsub, sizeof(badsub), 30, 3, test_type_of, NULL, NULL), SIZE_MAX);
	free(again);
	free(out);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_round_trip),
		cmocka_unit_test(test_garbage_fails_cleanly),
		cmocka_unit_test(test_arena_budget_unpack),
		cmocka_unit_test(test_pbjson_card),
		cmocka_unit_test(test_pbjson_typed_values),
		cmocka_unit_test(test_pbjson_enum_names),
		cmocka_unit_test(test_pbjson_enum_parse),
		cmocka_unit_test(test_pending_pbjson),
		cmocka_unit_test(test_pbwire_drop),
		cmocka_unit_test(test_pbwire_set_sub_varint),
	};
	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
