/* out_import: what `kart imports` and `kart import undo` print. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "i18n.h"
#include "out.h"

static const struct out_column import_columns[] = {
	{ N_("ID"), 5, true },	    { N_("TIME"), 16, false },	 { N_("USER"), 14, false },
	{ N_("STATE"), 8, false },  { N_("CREATED"), 7, true },	 { N_("MERGED"), 6, true },
	{ N_("SKIPPED"), 7, true }, { N_("FAILED"), 6, true },	 { N_("FILES"), 0, false },
};

static const char *state_text(Kart__ImportState s)
{
	switch (s) {
	case KART__IMPORT_STATE__IMPORT_STATE_RUNNING:
		return _("running");
	case KART__IMPORT_STATE__IMPORT_STATE_DONE:
		return _("done");
	case KART__IMPORT_STATE__IMPORT_STATE_ABORTED:
		return _("aborted");
	case KART__IMPORT_STATE__IMPORT_STATE_UNDONE:
		return _("undone");
	default:
		return "";
	}
}

int out_import_list(const Kart__ImportPage *page, bool json)
{
	if (json)
		return out_json_array((void *const *)page->imports, page->n_imports);
	out_header_translated(import_columns, N_COLUMNS(import_columns));
	for (size_t i = 0; i < page->n_imports; i++) {
		const Kart__ImportRecord *x = page->imports[i];
		char id[24], when[32], n[4][24], files[1024];
		snprintf(id, sizeof(id), "%" PRIu64, x->id);
		out_time_or_empty(x->started_at, when, sizeof(when));
		snprintf(n[0], sizeof(n[0]), "%" PRIu64, x->created);
		snprintf(n[1], sizeof(n[1]), "%" PRIu64, x->merged);
		snprintf(n[2], sizeof(n[2]), "%" PRIu64, x->skipped);
		snprintf(n[3], sizeof(n[3]), "%" PRIu64, x->failed);
		size_t used = 0;
		files[0] = '\0';
		for (size_t k = 0; k < x->n_files && used < sizeof(files); k++)
			used += (size_t)snprintf(files + used, sizeof(files) - used, "%s%s", k ? ", " : "", x->files[k]);
		const char *cells[] = { id, when, str_or_empty(x->user), state_text(x->state), n[0], n[1], n[2], n[3], files };
		out_row(import_columns, N_COLUMNS(import_columns), cells);
	}
	return 0;
}

static void print_ids(const char *title, const uint64_t *ids, size_t n)
{
	if (!n)
		return;
	fputs(title, stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s%" PRIu64, i ? ", " : " ", ids[i]);
	fputc('\n', stdout);
}

int out_import_undo(const Kart__ImportUndoResult *u, bool json)
{
	if (json)
		return out_json_message(&u->base, NULL);
	printf(_("import %" PRIu64 " undone: %" PRIu64 " created cards moved to the trash, %" PRIu64
		 " merged cards taken back\n"),
	       u->id, u->removed, u->reverted);
	print_ids(_("kept, edited since the import (kart card rm ID removes one):"), u->kept, u->n_kept);
	print_ids(_("gone already (deleted or merged away):"), u->gone, u->n_gone);
	return 0;
}
