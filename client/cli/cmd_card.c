/* cmd_card: the card commands: add, show, edit, rm, restore, ls, history,
 * revert, and a card's relatives (rel add, rel rm, rel ls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "i18n.h"

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
		return out_no_memory();
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
				return out_no_memory();
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

int cmd_card_show(struct cli *cli, const struct cmd_args *a)
{
	const char *tab = args_value(a, "tab");
	struct kc *c = NULL;
	struct kc_field_defs fd = { 0 };
	struct kc_error err;
	Kart__Envelope *resp = NULL;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	if (tab && !*tab)
		return out_error(KC_ERR_USAGE, "bad --tab '': expected a tab name (main: the core fields)");
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	/* JSON is the card as it is: no need for the definitions */
	if (cli->json)
		rc = report(kc_card_get(c, id, args_flag(a, "trash"), &resp, &err), &err);
	else
		rc = report(kc_card_get_with_fields(c, id, args_flag(a, "trash"), &resp, &fd, &err), &err);
	if (rc)
		goto cleanup;
	/* a merged card answers with the one it went into: said on stderr, so
	 * what stdout holds is the card shown, as for any other */
	if (resp->card->merged_from && !cli->json)
		fprintf(stderr, _("card %llu was merged into card %llu\n"), (unsigned long long)resp->card->merged_from,
			(unsigned long long)resp->card->id);
	if (cli->json)
		rc = out_json_message(&resp->card->base, NULL);
	else
		rc = out_card_record(resp->card, fd.defs, fd.ndefs, tab);
cleanup:
	kc_field_defs_free(&fd);
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
	struct kc_error err;
	Kart__Envelope *resp = NULL;
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
	rc = report(kc_card_update(c, id, version, fv.ptrs, fv.n, &resp, &err), &err);
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
	Kart__CardDelete del = KART__CARD_DELETE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (!rc)
		rc = expected_version(a, &version);
	if (rc)
		return rc;
	del.id = id;
	del.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_CARD_DELETE;
	req.card_delete = &del;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "card %llu moved to trash\n",
			    (unsigned long long)id);
}

int cmd_card_restore(struct cli *cli, const struct cmd_args *a)
{
	Kart__CardRestore restore = KART__CARD_RESTORE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	restore.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_RESTORE;
	req.card_restore = &restore;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "card %llu restored\n", (unsigned long long)id);
}

int cmd_card_ls(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	const char *after_text = args_value(a, "after");
	Kart__CardList card_list = KART__CARD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0, after = 0;
	int rc = 0;

	if (limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (!rc && after_text)
		rc = parse_count(after_text, "--after", UINT64_MAX, &after);
	if (rc)
		return rc;
	card_list.after_id = after;
	card_list.limit = (uint32_t)limit;
	card_list.trash = args_flag(a, "trash");
	req.body_case = KART__ENVELOPE__BODY_CARD_LIST;
	req.card_list = &card_list;
	return request_list(cli, &req, KART__ENVELOPE__BODY_CARD_PAGE, OUT_LIST_CARDS);
}

int cmd_card_history(struct cli *cli, const struct cmd_args *a)
{
	Kart__CardHistory history = KART__CARD_HISTORY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	history.id = id;
	req.body_case = KART__ENVELOPE__BODY_CARD_HISTORY;
	req.card_history = &history;
	return request_list(cli, &req, KART__ENVELOPE__BODY_HISTORY_PAGE, OUT_LIST_VERSIONS);
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
	Kart__Relative rel = KART__RELATIVE__INIT;
	Kart__RelativeAdd add = KART__RELATIVE_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t id, version;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (!rc)
		rc = expected_version(a, &version);
	if (rc)
		return rc;
	if (!name || !*name || !relation || !*relation)
		return out_error(KC_ERR_USAGE, "'card rel add' needs --name NAME and --relation REL");
	rel.name = (char *)name;
	rel.relation = (char *)relation;
	rel.birthday = (char *)(birthday ? birthday : "");
	rel.note = (char *)(note ? note : "");
	add.card_id = id;
	add.relative = &rel;
	add.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_RELATIVE_ADD;
	req.relative_add = &add;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "card %llu: relative added\n",
			    (unsigned long long)id);
}

int cmd_card_rel_rm(struct cli *cli, const struct cmd_args *a)
{
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
		return rc;
	rm.card_id = id;
	rm.index = (uint32_t)index;
	rm.expected_version = version;
	req.body_case = KART__ENVELOPE__BODY_RELATIVE_REMOVE;
	req.relative_remove = &rm;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "card %llu: relative %llu removed\n",
			    (unsigned long long)id, (unsigned long long)index);
}

int cmd_card_rel_ls(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	struct kc_error err;
	struct out_list list;
	Kart__Envelope *resp = NULL;
	uint64_t id;
	int rc;

	rc = parse_id(a->pos[0], "card id", &id);
	if (rc)
		return rc;
	rc = open_session(cli, &c);
	if (!rc)
		rc = report(kc_card_get(c, id, false, &resp, &err), &err);
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
