/* cmd_card: the card commands: add, show, edit, rm, restore, ls, history,
 * revert, and a card's relatives (rel add, rel rm, rel ls). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

/* The fields a card command sets, as FieldValues: every option that names a
 * Card field (a flag sets "true") and every --set / --field FIELD=VALUE, in
 * the order given. Custom fields are set by their plain names, like the core
 * ones; which names exist is the server's business. */
struct field_values {
	Kart__FieldValue *values;
	Kart__FieldValue **ptrs;
	char **names;           /* the names split off FIELD=VALUE, owned */
	size_t n, nnames;
};

static void field_values_free(struct field_values *fv)
{
	for (size_t i = 0; i < fv->nnames; i++)
		free(fv->names[i]);
	free(fv->names);
	free(fv->values);
	free(fv->ptrs);
	memset(fv, 0, sizeof(*fv));
}

static int field_values_collect(const struct cmd_args *a, struct field_values *fv)
{
	memset(fv, 0, sizeof(*fv));
	fv->values = calloc(a->nopts + 1, sizeof(*fv->values));
	fv->ptrs = calloc(a->nopts + 1, sizeof(*fv->ptrs));
	fv->names = calloc(a->nopts + 1, sizeof(*fv->names));
	if (!fv->values || !fv->ptrs || !fv->names)
		return out_error(KC_ERR_OTHER, "out of memory");
	for (size_t i = 0; i < a->nopts; i++) {
		const struct opt_value *v = &a->opts[i];
		Kart__FieldValue *fval = &fv->values[fv->n];
		kart__field_value__init(fval);
		if (v->spec->card_field) {
			fval->field = (char *)v->spec->card_field;
			fval->value = (char *)(v->value ? v->value : "true");
		} else if (strcmp(v->spec->name, "set") == 0 || strcmp(v->spec->name, "field") == 0) {
			const char *eq = strchr(v->value, '=');
			if (!eq || eq == v->value)
				return out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s", v->spec->name,
						 v->value, v->spec->metavar);
			/* FIELD+=VALUE adds to a list, FIELD-=VALUE removes from it */
			size_t nl = (size_t)(eq - v->value);
			if (eq[-1] == '+' || eq[-1] == '-') {
				fval->op = eq[-1] == '+' ? KART__LIST_OP__LIST_OP_ADD : KART__LIST_OP__LIST_OP_REMOVE;
				nl--;
			}
			if (nl == 0)
				return out_error(KC_ERR_USAGE, "bad --%s '%s': expected %s", v->spec->name, v->value,
						 v->spec->metavar);
			fval->field = strndup(v->value, nl);
			if (!fval->field)
				return out_error(KC_ERR_OTHER, "out of memory");
			fv->names[fv->nnames++] = fval->field;
			fval->value = (char *)eq + 1;
		} else {
			continue;
		}
		fv->ptrs[fv->n++] = fval;
	}
	return 0;
}

int cmd_card_add(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardCreate create = KART__CARD_CREATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	struct field_values fv;
	int rc = 0;

	/* what a card must hold (a name, a company, a phone or an email) is the
	 * server's rule, so a company-only or phone-only card is fine here */
	rc = field_values_collect(a, &fv);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	create.n_fields = fv.n;
	create.fields = fv.ptrs;
	req.body_case = KART__ENVELOPE__BODY_CARD_CREATE;
	req.card_create = &create;
	rc = call(c, &req, KART__ENVELOPE__BODY_CARD, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		printf("%llu\n", (unsigned long long)resp->card->id);
cleanup:
	field_values_free(&fv);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* The custom field definitions, for placing a card's custom values: the
 * FieldPage frames of one reply, all of them owned here. */
struct field_defs {
	Kart__Envelope **pages;
	size_t npages;
	Kart__FieldDef **defs; /* pointers into the pages */
	size_t ndefs;
};

static void field_defs_free(struct field_defs *fd)
{
	for (size_t i = 0; i < fd->npages; i++)
		kc_env_free(fd->pages[i]);
	free(fd->pages);
	free(fd->defs);
	memset(fd, 0, sizeof(*fd));
}

static int field_defs_add_page(struct field_defs *fd, Kart__Envelope *e)
{
	Kart__Envelope **pages = realloc(fd->pages, (fd->npages + 1) * sizeof(*pages));
	Kart__FieldDef **defs;

	if (!pages)
		return -1;
	fd->pages = pages;
	defs = realloc(fd->defs, (fd->ndefs + e->field_page->n_fields + 1) * sizeof(*defs));
	if (!defs)
		return -1;
	fd->defs = defs;
	fd->pages[fd->npages++] = e;
	for (size_t i = 0; i < e->field_page->n_fields; i++)
		fd->defs[fd->ndefs++] = e->field_page->fields[i];
	return 0;
}

/* Gets the card and, in the same write, the field definitions; waits for
 * both replies, told apart by request id. The card's failure is the
 * command's; without the definitions (an older server, say) every custom
 * value is shown in the main section. */
static int get_card_and_fields(struct kc *c, Kart__Envelope *card_req, Kart__Envelope **card_out,
			       struct field_defs *fd)
{
	Kart__FieldList list = KART__FIELD_LIST__INIT;
	Kart__Envelope list_req = KART__ENVELOPE__INIT;
	Kart__Envelope *e = NULL, *card = NULL;
	struct kc_error err;
	bool fields_done = false;
	uint64_t card_id, list_id;
	int rc = 0;

	*card_out = NULL;
	list_req.body_case = KART__ENVELOPE__BODY_FIELD_LIST;
	list_req.field_list = &list;
	card_id = kc_queue(c, card_req, &err);
	list_id = card_id ? kc_queue(c, &list_req, &err) : 0;
	if (!card_id || !list_id || kc_flush(c, &err) < 0)
		return out_kc_error(&err);
	while (!card || !fields_done) {
		e = kc_recv(c, &err);
		if (!e) {
			if (card)
				break;
			rc = out_kc_error(&err);
			goto cleanup;
		}
		if (e->request_id == card_id || (e->request_id == 0 && !card)) {
			if (e->body_case == KART__ENVELOPE__BODY_ERROR) {
				kc_error_from(&err, e->error);
				rc = out_kc_error(&err);
				goto cleanup;
			}
			if (e->body_case != KART__ENVELOPE__BODY_CARD || card) {
				rc = out_error(KC_ERR_OTHER, "unexpected reply from the server");
				goto cleanup;
			}
			card = e;
		} else if (e->request_id == list_id && e->body_case == KART__ENVELOPE__BODY_FIELD_PAGE) {
			fields_done = !e->more;
			if (field_defs_add_page(fd, e) < 0) {
				rc = out_error(KC_ERR_OTHER, "out of memory");
				goto cleanup;
			}
		} else {
			if (e->request_id == list_id || e->request_id == 0)
				fields_done = true;
			kc_env_free(e);
		}
		e = NULL;
	}
	*card_out = card;
	card = NULL;
cleanup:
	kc_env_free(e);
	kc_env_free(card);
	return rc;
}

int cmd_card_show(struct cli *cli, const struct cmd_args *a)
{
	const char *tab = args_value(a, "tab");
	struct kc *c = NULL;
	struct field_defs fd = { 0 };
	Kart__Envelope *resp = NULL;
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	if (tab && !*tab) {
		rc = out_error(KC_ERR_USAGE, "bad --tab '': expected a tab name (main: the core fields)");
		goto cleanup;
	}
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	get.id = id;
	get.trash = args_flag(a, "trash");
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	/* JSON is the card as it is: no need for the definitions */
	if (cli->json)
		rc = call(c, &req, KART__ENVELOPE__BODY_CARD, &resp);
	else
		rc = get_card_and_fields(c, &req, &resp, &fd);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		rc = out_card_record(resp->card, fd.defs, fd.ndefs, tab);
cleanup:
	field_defs_free(&fd);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* --expect-version N, 0 when not given. */
static int expected_version(const struct cmd_args *a, uint64_t *out)
{
	const char *text = args_value(a, "expect-version");

	*out = 0;
	if (!text)
		return 0;
	return parse_id(text, "--expect-version", out);
}

int cmd_card_edit(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardUpdate update = KART__CARD_UPDATE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	struct field_values fv = { 0 };
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	rc = field_values_collect(a, &fv);
	if (rc)
		goto cleanup;
	if (fv.n == 0) {
		rc = out_error(KC_ERR_USAGE, "'card edit' needs at least one --set FIELD=VALUE");
		goto cleanup;
	}
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	update.id = id;
	update.expected_version = version;
	update.n_set = fv.n;
	update.set = fv.ptrs;
	req.body_case = KART__ENVELOPE__BODY_CARD_UPDATE;
	req.card_update = &update;
	rc = call(c, &req, KART__ENVELOPE__BODY_CARD_CHANGED, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_message(&resp->card_changed->card->base, NULL);
	else
		out_card_changed(resp->card_changed, "updated");
cleanup:
	field_values_free(&fv);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_rm(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardDelete del = KART__CARD_DELETE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	del.id = id;
	del.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_CARD_DELETE;
	req.card_delete = &del;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu moved to trash\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_restore(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardRestore restore = KART__CARD_RESTORE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	restore.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_RESTORE;
	req.card_restore = &restore;
	rc = call(c, &req, KART__ENVELOPE__BODY__NOT_SET, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu restored\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	const char *after_text = args_value(a, "after");
	struct kc *c = NULL;
	struct out_list list;
	Kart__CardList card_list = KART__CARD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0, after = 0;
	int rc = 0;

	if (limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (!rc && after_text)
		rc = parse_count(after_text, "--after", UINT64_MAX, &after);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	card_list.after_id = after;
	card_list.limit = (uint32_t)limit;
	card_list.trash = args_flag(a, "trash");
	req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
	req.card_list = &card_list;
	out_list_begin(&list, OUT_LIST_CARDS, cli->json);
	rc = call_streamed(c, &req, KART__ENVELOPE__BODY_CARD_PAGE, &list);
cleanup:
	kc_close(c);
	return rc;
}

int cmd_card_history(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct out_list list;
	Kart__CardHistory history = KART__CARD_HISTORY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	history.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_HISTORY;
	req.card_history = &history;
	out_list_begin(&list, OUT_LIST_VERSIONS, cli->json);
	rc = call_streamed(c, &req, KART__ENVELOPE__BODY_HISTORY_PAGE, &list);
cleanup:
	kc_close(c);
	return rc;
}

int cmd_card_revert(struct cli *cli, const struct cmd_args *a)
{
	const char *to_text = args_value(a, "to-version");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CardRevert revert = KART__CARD_REVERT__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, to, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	if (!to_text) {
		rc = out_error(KC_ERR_USAGE, "'card revert' needs --to-version N (see: kart card history %s)",
			       a->pos[0]);
		goto cleanup;
	}
	rc = parse_id(to_text, "--to-version", &to);
	if (!rc)
		rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	revert.id = id;
	revert.to_version = to;
	revert.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_CARD_REVERT;
	req.card_revert = &revert;
	rc = request(cli, &req, KART__ENVELOPE__BODY_CARD_CHANGED, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json) {
		rc = out_json_message(&resp->card_changed->card->base, NULL);
	} else {
		char what[64];
		snprintf(what, sizeof(what), "reverted to version %llu", (unsigned long long)to);
		out_card_changed(resp->card_changed, what);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_rel_add(struct cli *cli, const struct cmd_args *a)
{
	const char *name = args_value(a, "name"), *relation = args_value(a, "relation");
	const char *birthday = args_value(a, "birthday"), *note = args_value(a, "note");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__Relative rel = KART__RELATIVE__INIT;
	Kart__RelativeAdd add = KART__RELATIVE_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (!rc)
		rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	if (!name || !*name || !relation || !*relation) {
		rc = out_error(KC_ERR_USAGE, "'card rel add' needs --name NAME and --relation REL");
		goto cleanup;
	}
	rel.name = (char *)name;
	rel.relation = (char *)relation;
	rel.birthday = (char *)(birthday ? birthday : "");
	rel.note = (char *)(note ? note : "");
	add.card_id = id;
	add.relative = &rel;
	add.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_RELATIVE_ADD;
	req.relative_add = &add;
	rc = request(cli, &req, KART__ENVELOPE__BODY__NOT_SET, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu: relative added\n", (unsigned long long)id);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_rel_rm(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__RelativeRemove rm = KART__RELATIVE_REMOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, index, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (!rc)
		rc = parse_id(a->pos[1], "relative number", &index);
	if (!rc && index > UINT32_MAX)
		rc = out_error(KC_ERR_USAGE, "bad relative number '%s': too large", a->pos[1]);
	if (!rc)
		rc = expected_version(a, &version);
	if (rc)
		goto cleanup;
	rm.card_id = id;
	rm.index = (uint32_t)index;
	rm.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_RELATIVE_REMOVE;
	req.relative_remove = &rm;
	rc = request(cli, &req, KART__ENVELOPE__BODY__NOT_SET, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_body(resp);
	else
		printf("card %llu: relative %llu removed\n", (unsigned long long)id, (unsigned long long)index);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_rel_ls(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct out_list list;
	Kart__Envelope *resp = NULL;
	Kart__CardGet get = KART__CARD_GET__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		goto cleanup;
	get.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_GET;
	req.card_get = &get;
	rc = request(cli, &req, KART__ENVELOPE__BODY_CARD, &c, &resp);
	if (rc)
		goto cleanup;
	out_list_begin(&list, OUT_LIST_RELATIVES, cli->json);
	for (size_t i = 0; i < resp->card->n_relatives; i++)
		out_list_relative(&list, resp->card->relatives[i]);
	out_list_end(&list);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
