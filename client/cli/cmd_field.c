/* cmd_field: the custom field definitions: field add, ls and rm. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "pbjson.h"
#include "util.h"

int cmd_field_add(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	const char *type_text = args_value(a, "type"), *values_text = args_value(a, "values");
	const char *tab = args_value(a, "tab");
	Kart__FieldDef def = KART__FIELD_DEF__INIT;
	Kart__FieldAdd add = KART__FIELD_ADD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *values_buf = NULL, **values = NULL;
	size_t nvalues = 0;
	int type = 0, rc = 0;

	if (!type_text) {
		rc = out_error(KC_ERR_USAGE, "'field add' needs --type text|number|date|enum|multienum|bool");
		goto cleanup;
	}
	if (pbjson_enum_parse(&kart__field_type__descriptor, type_text, &type) < 0 || type == 0) {
		rc = out_error(KC_ERR_USAGE, "bad --type '%s': expected text, number, date, enum, multienum or bool",
			       type_text);
		goto cleanup;
	}
	if (values_text) {
		/* a,b,c: the values split on ',', blanks around each dropped */
		values_buf = strdup(values_text);
		values = calloc(strlen(values_text) + 2, sizeof(*values));
		if (!values_buf || !values) {
			rc = out_no_memory();
			goto cleanup;
		}
		for (char *p = values_buf, *next; p; p = next) {
			next = strchr(p, ',');
			if (next)
				*next++ = '\0';
			p = util_trim(p);
			if (!*p) {
				rc = out_error(KC_ERR_USAGE, "bad --values '%s': an empty value", values_text);
				goto cleanup;
			}
			values[nvalues++] = p;
		}
	}
	def.name = (char *)name;
	def.type = (Kart__FieldType)type;
	def.n_values = nvalues;
	def.values = values;
	def.tab = (char *)(tab ? tab : "");
	def.sensitive = args_flag(a, "sensitive");
	add.field = &def;
	req.body_case = KART__ENVELOPE__BODY_FIELD_ADD;
	req.field_add = &add;
	rc = request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "field %s added\n", name);
cleanup:
	free(values);
	free(values_buf);
	return rc;
}

int cmd_field_ls(struct cli *cli, const struct cmd_args *a)
{
	Kart__FieldList field_list = KART__FIELD_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	req.body_case = KART__ENVELOPE__BODY_FIELD_LIST;
	req.field_list = &field_list;
	return request_list(cli, &req, KART__ENVELOPE__BODY_FIELD_PAGE, OUT_LIST_FIELDS);
}

int cmd_field_rm(struct cli *cli, const struct cmd_args *a)
{
	const char *name = a->pos[0];
	Kart__FieldRemove rm = KART__FIELD_REMOVE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	rm.name = (char *)name;
	rm.force = args_flag(a, "force");
	req.body_case = KART__ENVELOPE__BODY_FIELD_REMOVE;
	req.field_remove = &rm;
	return request_done(cli, &req, KART__ENVELOPE__BODY__NOT_SET, "field %s removed\n", name);
}
