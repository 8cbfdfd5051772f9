/* Unit tests for daemon/acl.[ch]: which cards a user of each role sees, whose
 * sensitive fields are masked, and to whom work may be handed, against users
 * and cards in a store in a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acl.h"
#include "schema.h"
#include "user.h"

/* The team of each user; the cards are owned one per user (id = index + 1)
 * and one by nobody. */
static const struct {
	const char *name;
	Kart__Role role;
	const char *team;
} USERS[] = {
	{ "root", KART__ROLE__ROLE_ADMIN, "" },
	{ "sveta", KART__ROLE__ROLE_SUPERVISOR, "east" },
	{ "m1", KART__ROLE__ROLE_MANAGER, "east" },
	{ "m2", KART__ROLE__ROLE_MANAGER, "east" },
	{ "m3", KART__ROLE__ROLE_MANAGER, "west" },
	{ "lone", KART__ROLE__ROLE_MANAGER, "" },
	{ "aud", KART__ROLE__ROLE_AUDITOR, "" },
};
#define NUSERS (sizeof(USERS) / sizeof(USERS[0]))
#define NOBODY_CARD (NUSERS + 1)  /* a card without an owner */
#define TRASH_CARD 100            /* in the trash, owned by m1 */

static char dir[] = "/tmp/kart-test-acl-XXXXXX";
static struct server *srv;
static MDB_txn *txn;
static struct arena arena;

static void put_card(MDB_dbi dbi, uint64_t id, const char *owner)
{
	Kart__Card c = KART__CARD__INIT;
	c.id = id;
	c.owner = (char *)owner;
	c.first_name = "x";
	uint8_t buf[256], key[8];
	size_t n = kart__card__pack(&c, buf);
	store_u64_key(id, key);
	MDB_val k = { 8, key }, v = { n, buf };
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	srv = calloc(1, sizeof(*srv));
	if (!srv || store_open(&srv->store, dir, 16u << 20, 8, true) != 0)
		return -1;
	if (mdb_txn_begin(srv->store.env, NULL, 0, &txn))
		return -1;
	for (size_t i = 0; i < NUSERS; i++) {
		Kart__User u = KART__USER__INIT;
		Kart__UserRecord rec = KART__USER_RECORD__INIT;
		u.name = (char *)USERS[i].name;
		u.role = USERS[i].role;
		u.team = (char *)USERS[i].team;
		rec.user = &u;
		rec.password_hash = "";
		if (user_save(txn, &srv->store, &rec))
			return -1;
		put_card(srv->store.cards, i + 1, USERS[i].name);
	}
	put_card(srv->store.cards, NOBODY_CARD, "");
	put_card(srv->store.trash, TRASH_CARD, "m1");
	arena_init(&arena, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(&arena);
	mdb_txn_abort(txn);
	store_close(&srv->store);
	free(srv);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A request of user `name` (the role and team as a session would give them),
 * with the visibility settings given; each request has its own memo. */
static struct req *req_as(const char *name, const char *vis_manager, const char *vis_supervisor)
{
	static struct kart_config cfg;
	snprintf(cfg.visibility_manager, sizeof(cfg.visibility_manager), "%s", vis_manager);
	snprintf(cfg.visibility_supervisor, sizeof(cfg.visibility_supervisor), "%s", vis_supervisor);
	struct req *r = arena_alloc(&arena, sizeof(*r));
	assert_non_null(r);
	memset(r, 0, sizeof(*r));
	r->srv = srv;
	r->cfg = &cfg;
	r->txn = txn;
	r->arena = &arena;
	for (size_t i = 0; i < NUSERS; i++)
		if (strcmp(USERS[i].name, name) == 0) {
			snprintf(r->who.user, sizeof(r->who.user), "%s", name);
			snprintf(r->who.team, sizeof(r->who.team), "%s", USERS[i].team);
			r->who.role = USERS[i].role;
		}
	assert_true(r->who.role != KART__ROLE__ROLE_UNSPECIFIED);
	return r;
}

/* Which of the cards (by owner, in USERS order, then the unowned one) r sees,
 * as a string of 0/1; the same from the stored bytes and by id. */
static const char *seen(struct req *r)
{
	static char out[NUSERS + 2];
	for (size_t i = 0; i <= NUSERS; i++) {
		Kart__Card c = KART__CARD__INIT;
		c.owner = i < NUSERS ? (char *)USERS[i].name : "";
		bool v = acl_visible(r, &c);
		uint8_t key[8];
		store_u64_key(i + 1, key);
		MDB_val k = { 8, key }, val;
		assert_int_equal(mdb_get(txn, srv->store.cards, &k, &val), 0);
		assert_int_equal(acl_visible_bytes(r, val.mv_data, val.mv_size), v);
		assert_int_equal(acl_card_id_visible(r, i + 1), v ? 0 : MDB_NOTFOUND);
		out[i] = v ? '1' : '0';
	}
	out[NUSERS + 1] = '\0';
	return out;
}

static void test_visibility(void **state)
{
	(void)state;
	/*                                                   root sveta m1 m2 m3 lone aud nobody */
	assert_string_equal(seen(req_as("root", "own", "team")), "11111111");
	assert_string_equal(seen(req_as("sveta", "own", "team")), "01110000");
	assert_string_equal(seen(req_as("sveta", "own", "all")), "11111111");
	assert_string_equal(seen(req_as("m1", "own", "team")), "00100000");
	assert_string_equal(seen(req_as("m1", "team", "team")), "01110000");
	assert_string_equal(seen(req_as("m1", "all", "team")), "11111111");
	assert_string_equal(seen(req_as("m3", "team", "team")), "00001000");
	/* without a team, team visibility is one's own cards */
	assert_string_equal(seen(req_as("lone", "team", "team")), "00000100");
	assert_string_equal(seen(req_as("aud", "all", "all")), "00000000");
}

static void test_sees_all(void **state)
{
	(void)state;
	assert_true(acl_sees_all(req_as("root", "own", "team")));
	assert_false(acl_sees_all(req_as("sveta", "all", "team")));
	assert_true(acl_sees_all(req_as("sveta", "own", "all")));
	assert_false(acl_sees_all(req_as("m1", "team", "all")));
	assert_true(acl_sees_all(req_as("m1", "all", "team")));
	assert_false(acl_sees_all(req_as("aud", "all", "all")));
}

static void test_card_by_id(void **state)
{
	(void)state;
	/* a card in the trash is seen as it was; one in neither table only by admins */
	assert_int_equal(acl_card_id_visible(req_as("m1", "own", "team"), TRASH_CARD), 0);
	assert_int_equal(acl_card_id_visible(req_as("sveta", "own", "team"), TRASH_CARD), 0);
	assert_int_equal(acl_card_id_visible(req_as("m3", "team", "team"), TRASH_CARD), MDB_NOTFOUND);
	assert_int_equal(acl_card_id_visible(req_as("m1", "own", "team"), 999), MDB_NOTFOUND);
	assert_int_equal(acl_card_id_visible(req_as("root", "own", "team"), 999), 0);
	/* bytes that are not a card: not visible */
	static const uint8_t junk[] = { 0x8a, 0x01, 0xff, 0xff, 0xff };
	assert_false(acl_visible_bytes(req_as("m1", "own", "team"), junk, sizeof(junk)));
}

static void test_masking(void **state)
{
	(void)state;
	Kart__Card mine = KART__CARD__INIT, west = KART__CARD__INIT, nobody = KART__CARD__INIT;
	mine.owner = "m1";
	west.owner = "m3";
	nobody.owner = "";
	/* the owner, admins and a supervisor of the owner's team see sensitive fields */
	assert_false(acl_masks(req_as("m1", "team", "team"), &mine));
	assert_false(acl_masks(req_as("root", "own", "team"), &west));
	assert_false(acl_masks(req_as("sveta", "own", "team"), &mine));
	/* a teammate who may see the card, and a supervisor of another team, do not */
	assert_true(acl_masks(req_as("m2", "team", "team"), &mine));
	assert_true(acl_masks(req_as("m2", "all", "team"), &west));
	assert_true(acl_masks(req_as("sveta", "own", "all"), &west));
	assert_true(acl_masks(req_as("sveta", "own", "all"), &nobody));

	/* what is masked */
	Kart__FieldDef income = KART__FIELD_DEF__INIT, size = KART__FIELD_DEF__INIT;
	income.name = "income";
	income.sensitive = true;
	size.name = "size";
	Kart__FieldDef *defs[] = { &income, &size };
	struct schema sc;
	memset(&sc, 0, sizeof(sc));
	sc.n = 2;
	sc.defs = defs;
	sc.loaded = true;
	assert_true(acl_field_sensitive(&sc, "birthday"));
	assert_true(acl_field_sensitive(&sc, "address"));
	assert_true(acl_field_sensitive(&sc, "relatives"));
	assert_true(acl_field_sensitive(&sc, "income"));
	assert_false(acl_field_sensitive(&sc, "size"));
	assert_false(acl_field_sensitive(&sc, "city"));
	assert_false(acl_field_sensitive(NULL, "income"));

	Kart__CustomValue cv1 = KART__CUSTOM_VALUE__INIT, cv2 = KART__CUSTOM_VALUE__INIT;
	cv1.field = "income";
	cv1.value = "100";
	cv1.type = KART__FIELD_TYPE__FIELD_TYPE_NUMBER;
	cv2.field = "size";
	cv2.value = "5";
	Kart__CustomValue *custom[] = { &cv1, &cv2 };
	Kart__Relative rel = KART__RELATIVE__INIT;
	Kart__Relative *rels[] = { &rel };
	Kart__Card c = KART__CARD__INIT;
	c.owner = "m1";
	c.birthday = "1980-01-01";
	c.address = "ул. Ленина, 1";
	c.city = "Самара";
	c.n_relatives = 1;
	c.relatives = rels;
	c.n_custom = 2;
	c.custom = custom;
	Kart__Card own = c;
	acl_mask_with(req_as("m1", "team", "team"), &own, &sc);
	assert_string_equal(own.birthday, "1980-01-01");
	assert_int_equal(own.n_relatives, 1);
	acl_mask_with(req_as("m2", "team", "team"), &c, &sc);
	assert_string_equal(c.birthday, "***");
	assert_string_equal(c.address, "***");
	assert_string_equal(c.city, "Самара");
	assert_int_equal(c.n_relatives, 0);
	assert_string_equal(c.custom[0]->value, "***");
	assert_int_equal(c.custom[0]->type, KART__FIELD_TYPE__FIELD_TYPE_UNSPECIFIED);
	assert_string_equal(c.custom[1]->value, "5");
	assert_string_equal(cv1.value, "100"); /* the original is not written over */
}

/* acl_check_owner's answer: 0 (may hand work to name) or 1 (refused, with the one message) */
static int hand(const char *who, const char *vis_manager, const char *name)
{
	struct req *r = req_as(who, vis_manager, "team");
	Kart__UserRecord *u = NULL;
	int rc = acl_check_owner(r, name, "owner", &u);
	if (rc == H_OK) {
		assert_non_null(u);
		assert_string_equal(u->user->name, name);
		return 0;
	}
	assert_int_equal(rc, H_ABORT);
	assert_int_equal(r->out.body_case, KART__ENVELOPE__BODY_ERROR);
	assert_int_equal(r->out.error->code, KART__ERROR_CODE__BAD_REQUEST);
	assert_string_equal(r->out.error->field, "owner");
	char want[128];
	snprintf(want, sizeof(want), "owner: no user %s that you may hand work to", name);
	assert_string_equal(r->out.error->message, want);
	return 1;
}

static void test_hand_work_to(void **state)
{
	(void)state;
	/* an admin: anyone who can own cards */
	assert_int_equal(hand("root", "own", "m3"), 0);
	assert_int_equal(hand("root", "own", "sveta"), 0);
	assert_int_equal(hand("root", "own", "root"), 0);
	assert_int_equal(hand("root", "own", "aud"), 1);    /* an auditor owns nothing */
	assert_int_equal(hand("root", "own", "ghost"), 1);  /* the same answer as for no such user */
	/* a supervisor: themselves or their team */
	assert_int_equal(hand("sveta", "own", "sveta"), 0);
	assert_int_equal(hand("sveta", "own", "m1"), 0);
	assert_int_equal(hand("sveta", "own", "m3"), 1);
	assert_int_equal(hand("sveta", "own", "lone"), 1);
	/* a manager: themselves; their team when visibility_manager is team or all */
	assert_int_equal(hand("m1", "own", "m1"), 0);
	assert_int_equal(hand("m1", "own", "m2"), 1);
	assert_int_equal(hand("m1", "team", "m2"), 0);
	assert_int_equal(hand("m1", "all", "sveta"), 0);
	assert_int_equal(hand("m1", "all", "m3"), 1);       /* never across teams */
	assert_int_equal(hand("lone", "team", "m1"), 1);
	/* an auditor hands nothing to anyone, themselves included */
	assert_int_equal(hand("aud", "all", "m1"), 1);
	assert_int_equal(hand("aud", "all", "aud"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_sees_all),
		cmocka_unit_test(test_card_by_id),
		cmocka_unit_test(test_masking),
		cmocka_unit_test(test_hand_work_to),
	};
	return cmocka_run_group_tests_name("acl", tests, setup, teardown);
}
