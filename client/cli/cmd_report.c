/* cmd_report: `kart report KIND` — the reports computed by the server over
 * the cards the user may see, printed as they arrive (out_report.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "cli.h"
#include "cmd.h"
#include "i18n.h"
#include "util.h"

static int run(struct cli *cli, const struct cmd_args *a, Kart__ReportKind kind)
{
	Kart__ReportQuery q = KART__REPORT_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	const char *days = args_value(a, "days"), *table = args_value(a, "table");
	bool csv = args_flag(a, "csv");
	struct out_report o;
	struct kc *c = NULL;
	struct kc_error err;
	int rc;

	if (csv && cli->json)
		return out_error(KC_ERR_USAGE, _("--csv and --json: choose one"));
	if (table && !csv)
		return out_error(KC_ERR_USAGE, _("--table chooses the table --csv prints; give --csv too"));
	if (table && (rc = out_report_check_table(kind, table)))
		return rc;
	if (days) {
		uint64_t n;
		if ((rc = parse_count(days, "--days", 36600, &n)))
			return rc;
		if (n == 0)
			return out_error(KC_ERR_USAGE, _("--days: at least 1"));
		q.days = (uint32_t)n;
	}
#define OPT(field, name) q.field = (char *)(args_value(a, name) ? args_value(a, name) : "")
	OPT(where, "where");
	OPT(at, "at");
	OPT(window, "window");
	OPT(period, "period");
	OPT(by, "by");
	OPT(owner, "owner");
	OPT(min_total, "min-total");
	OPT(save_segment, "save-segment");
	OPT(to_field, "to-field");
#undef OPT
	q.kind = kind;
	int64_t now = util_now_us() / 1000000;
	q.client_day = util_local_day(now);
	q.client_utc_offset = util_utc_offset(now);
	req.body_case = KART__ENVELOPE__BODY_REPORT_QUERY;
	req.report_query = &q;

	const char *no_color = getenv("NO_COLOR");
	bool pictures = !args_flag(a, "no-color") && !(no_color && *no_color) && isatty(STDOUT_FILENO);
	out_report_begin(&o, kind, cli->json ? OUT_REPORT_JSON : csv ? OUT_REPORT_CSV : OUT_REPORT_TEXT, table, pictures);
	if ((rc = open_session(cli, &c)))
		goto cleanup;
	rc = kc_call_pages(c, &req, KART__ENVELOPE__BODY_REPORT_PAGE, out_report_page_fn, &o, &err);
	out_report_end(&o);
	if (rc)
		rc = report(rc, &err);
cleanup:
	kc_close(c);
	return rc;
}

int cmd_report_rfm(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_RFM);
}

int cmd_report_abc(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_ABC);
}

int cmd_report_funnel(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_FUNNEL);
}

int cmd_report_managers(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_MANAGERS);
}

int cmd_report_reactivation(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_REACTIVATION);
}

int cmd_report_birthdays(struct cli *cli, const struct cmd_args *a)
{
	return run(cli, a, KART__REPORT_KIND__REPORT_KIND_BIRTHDAYS);
}
