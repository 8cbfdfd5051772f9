/* cmd_admin: administration: reindex, client certificates (issue-cert,
 * revoke-cert, certs), the server's counters (stats), canary cards and
 * unblocking a user's reads. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "fmt.h"
#include "util.h"

int cmd_admin_reindex(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__Reindex reindex = KART__REINDEX__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	const Kart__ReindexResult *r;
	int rc;

	reindex.check = args_flag(a, "check");
	req.body_case = KART__ENVELOPE__BODY_REINDEX;
	req.reindex = &reindex;
	rc = request(cli, &req, KART__ENVELOPE__BODY_REINDEX_RESULT, &c, &resp);
	if (rc)
		goto cleanup;
	r = resp->reindex_result;
	if (cli->json) {
		rc = out_json_message(&r->base, NULL);
	} else {
		printf("cards: %llu, missing index entries: %llu, extra: %llu\n", (unsigned long long)r->cards,
		       (unsigned long long)r->missing, (unsigned long long)r->extra);
		if (r->repaired)
			printf("repaired\n");
	}
	/* a check that finds damage fails, so scripts and monitoring notice */
	if (!rc && reindex.check && (r->missing || r->extra))
		rc = out_error(KC_ERR_OTHER, "the indexes need repair (run: kart admin reindex)");
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_admin_issue_cert(struct cli *cli, const struct cmd_args *a)
{
	const char *user = a->pos[0];
	const char *days_text = args_value(a, "days");
	const char *file = args_value(a, "output");
	char default_file[PATH_MAX], until[32];
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CertIssue issue = KART__CERT_ISSUE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	char *bundle = NULL;
	uint64_t days = 0;
	int rc;

	if (days_text) {
		rc = parse_count(days_text, "--days", 3650, &days);
		if (rc)
			return rc;
		if (days == 0)
			return out_error(KC_ERR_USAGE, "bad --days '%s': at least 1", days_text);
	}
	if (!file) {
		if ((size_t)snprintf(default_file, sizeof(default_file), "%s.pem", user) >= sizeof(default_file))
			return out_error(KC_ERR_USAGE, "user name too long");
		file = default_file;
	}
	/* a private key is never written over something else */
	if (access(file, F_OK) == 0)
		return out_error(KC_ERR_CONFLICT, "%s already exists; remove it or choose another file with -o", file);
	issue.user = (char *)user;
	issue.days = (uint32_t)days;
	req.body_case = KART__ENVELOPE__BODY_CERT_ISSUE;
	req.cert_issue = &issue;
	rc = request(cli, &req, KART__ENVELOPE__BODY_CERT_BUNDLE, &c, &resp);
	if (rc)
		goto cleanup;
	const Kart__CertBundle *b = resp->cert_bundle;
	if (asprintf(&bundle, "%s%s%s", b->key_pem, b->cert_pem, b->ca_pem) < 0) {
		bundle = NULL;
		rc = out_no_memory();
		goto cleanup;
	}
	if (util_write_file(file, bundle, strlen(bundle), 0600) < 0) {
		rc = out_error(KC_ERR_OTHER, "cannot write %s: %s (certificate %s was issued; revoke it with: kart admin revoke-cert %s)",
			       file, strerror(errno), b->serial, b->serial);
		goto cleanup;
	}
	if (cli->json) {
		rc = out_json_message(&b->base, "key_pem");
	} else {
		fmt_time(b->not_after, 0, until, sizeof(until));
		out_say("certificate for %s written to %s (key, certificate and CA; keep it private)", b->user, file);
		out_say("  serial:      %s", b->serial);
		out_say("  valid until: %s", until);
		out_say("use it with: kart --cert %s login %s", file, b->user);
	}
cleanup:
	if (bundle)
		explicit_bzero(bundle, strlen(bundle));
	free(bundle);
	if (resp && resp->body_case == KART__ENVELOPE__BODY_CERT_BUNDLE && resp->cert_bundle->key_pem)
		explicit_bzero(resp->cert_bundle->key_pem, strlen(resp->cert_bundle->key_pem));
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_admin_revoke_cert(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CertRevoke revoke = KART__CERT_REVOKE__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	revoke.serial = (char *)a->pos[0];
	req.body_case = KART__ENVELOPE__BODY_CERT_REVOKE;
	req.cert_revoke = &revoke;
	rc = request(cli, &req, KART__ENVELOPE__BODY__NOT_SET, &c, &resp);
	if (rc)
		goto cleanup;
	if (resp->body_case == KART__ENVELOPE__BODY_CERT_PAGE && resp->cert_page->n_certs == 1) {
		const Kart__CertInfo *info = resp->cert_page->certs[0];
		if (cli->json)
			rc = out_json_message(&info->base, NULL);
		else
			out_say("certificate %s of %s revoked; connections using it are refused from now on", info->serial,
				info->user);
	} else if (cli->json) {
		rc = out_json_body(resp);
	} else {
		printf("certificate %s revoked\n", a->pos[0]);
	}
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_admin_certs(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CertList list = KART__CERT_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	req.body_case = KART__ENVELOPE__BODY_CERT_LIST;
	req.cert_list = &list;
	rc = request(cli, &req, KART__ENVELOPE__BODY_CERT_PAGE, &c, &resp);
	if (rc == 0)
		rc = out_cert_list(resp->cert_page, cli->json);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_card_canary(struct cli *cli, const struct cmd_args *a)
{
	Kart__CardCanary canary = KART__CARD_CANARY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	rc = parse_id(a->pos[0], "card ID", &canary.id);
	if (rc)
		return rc;
	canary.off = args_flag(a, "off");
	req.body_case = KART__ENVELOPE__BODY_CARD_CANARY;
	req.card_canary = &canary;
	return request_done(cli, &req, KART__ENVELOPE__BODY_OK,
			    canary.off ? "card %llu is no longer a canary\n"
				       : "card %llu is a canary: anyone reading it raises an alert\n",
			    (unsigned long long)canary.id);
}

int cmd_card_canaries(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__CanaryList list = KART__CANARY_LIST__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	int rc;

	(void)a;
	req.body_case = KART__ENVELOPE__BODY_CANARY_LIST;
	req.canary_list = &list;
	rc = request(cli, &req, KART__ENVELOPE__BODY_CANARY_PAGE, &c, &resp);
	if (rc == 0)
		rc = out_canary_list(resp->canary_page, cli->json);
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_user_unblock(struct cli *cli, const struct cmd_args *a)
{
	Kart__UserUnblock unblock = KART__USER_UNBLOCK__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;

	unblock.name = (char *)a->pos[0];
	req.body_case = KART__ENVELOPE__BODY_USER_UNBLOCK;
	req.user_unblock = &unblock;
	return request_done(cli, &req, KART__ENVELOPE__BODY_OK, "user %s may read cards again\n", unblock.name);
}

int cmd_admin_stats(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__StatsQuery query = KART__STATS_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	bool prometheus = args_flag(a, "prometheus");
	int rc;

	if (prometheus && cli->json)
		return out_error(KC_ERR_USAGE, "--prometheus and --json: choose one");
	req.body_case = KART__ENVELOPE__BODY_STATS_QUERY;
	req.stats_query = &query;
	rc = request(cli, &req, KART__ENVELOPE__BODY_STATS, &c, &resp);
	if (rc)
		goto cleanup;
	if (cli->json)
		rc = out_json_page(&resp->stats->base);
	else if (prometheus)
		out_stats_prometheus(resp->stats);
	else
		out_stats_text(resp->stats);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}
