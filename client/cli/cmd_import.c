/* cmd_import: the imports made (kart imports) and taking one back (kart
 * import undo). Reading files into an import is import_run.c's. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "i18n.h"

int cmd_imports(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ImportList list = KART__IMPORT_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	(void)a;
	req.body_case = KART__ENVELOPE__BODY_IMPORT_LIST;
	req.import_list = &list;
	int rc = request(cli, &req, KART__ENVELOPE__BODY_IMPORT_PAGE, &c, &resp);
	if (!rc)
		rc = out_import_list(resp->import_page, cli->json);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

/* The ids of the cards an undo kept or found gone, appended to *all. */
static int ids_add(uint64_t **all, size_t *n, const uint64_t *ids, size_t k)
{
	if (!k)
		return 0;
	uint64_t *na = realloc(*all, (*n + k) * sizeof(*na));
	if (!na)
		return out_error(KC_ERR_OTHER, "%s", _("out of memory"));
	memcpy(na + *n, ids, k * sizeof(*na));
	*all = na;
	*n += k;
	return 0;
}

/* A large undo comes back in slices (ImportUndoResult.more): the same
 * request is sent again until the last, and the slices are added up. */
int cmd_import_undo(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__ImportUndo undo = KART__IMPORT_UNDO__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	Kart__ImportUndoResult sum = KART__IMPORT_UNDO_RESULT__INIT;
	uint64_t *kept = NULL, *gone = NULL;
	size_t nkept = 0, ngone = 0;

	int rc = parse_id(a->pos[0], "import id", &undo.id);
	if (rc)
		return rc;
	undo.force = args_flag(a, "force");
	req.body_case = KART__ENVELOPE__BODY_IMPORT_UNDO;
	req.import_undo = &undo;
	if ((rc = open_session(cli, &c)))
		goto cleanup;
	for (bool more = true; more && !rc;) {
		kc_env_free(resp);
		resp = NULL;
		if ((rc = call(c, &req, KART__ENVELOPE__BODY_IMPORT_UNDO_RESULT, &resp)))
			break;
		const Kart__ImportUndoResult *u = resp->import_undo_result;
		sum.id = u->id;
		sum.removed += u->removed;
		sum.reverted += u->reverted;
		rc = ids_add(&kept, &nkept, u->kept, u->n_kept);
		if (!rc)
			rc = ids_add(&gone, &ngone, u->gone, u->n_gone);
		more = u->more;
	}
	if (rc)
		goto cleanup;
	sum.kept = kept;
	sum.n_kept = nkept;
	sum.gone = gone;
	sum.n_gone = ngone;
	rc = out_import_undo(&sum, cli->json);
	/* some cards kept: the import is not wholly taken back */
	if (!rc && nkept)
		rc = KC_ERR_CONFLICT;
cleanup:
	free(kept);
	free(gone);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
