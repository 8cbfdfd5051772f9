/* cmd_audit: the audit trail (audit, verify, head), the record of reads and
 * the alerts. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "cli.h"
#include "cmd.h"
#include "util.h"

int cmd_audit(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	int64_t now = util_now_us() / 1000000;
	Kart__AuditQuery query = KART__AUDIT_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc;

	rc = time_option(a, "since", now, &query.since);
	if (!rc)
		rc = time_option(a, "until", now, &query.until);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (rc)
		return rc;
	query.user = (char *)(args_value(a, "user") ? args_value(a, "user") : "");
	query.action = (char *)(args_value(a, "action") ? args_value(a, "action") : "");
	query.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_AUDIT_QUERY;
	req.audit_query = &query;
	return request_list(cli, &req, KART__ENVELOPE__BODY_AUDIT_PAGE, OUT_LIST_AUDIT);
}

/* Verification reads the whole trail before it answers. */
#define VERIFY_TIMEOUT_S 3600

int cmd_audit_verify(struct cli *cli, const struct cmd_args *a)
{
	const char *from_text = args_value(a, "from"), *head_text = args_value(a, "head");
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__AuditVerify verify = KART__AUDIT_VERIFY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	const Kart__AuditVerifyResult *r;
	char hash[65] = "";
	int rc = 0;

	if (from_text)
		rc = parse_id(from_text, "--from", &verify.from_seq);
	if (!rc && head_text) {
		const char *colon = strchr(head_text, ':');
		char seq[32];
		size_t n = colon ? (size_t)(colon - head_text) : 0;
		if (!colon || n == 0 || n >= sizeof(seq) || strlen(colon + 1) != 64 ||
		    strspn(colon + 1, "0123456789abcdefABCDEF") != 64)
			rc = out_error(KC_ERR_USAGE, "bad --head '%s': expected SEQ:HASH as printed by `kart audit head`",
				       head_text);
		if (!rc) {
			memcpy(seq, head_text, n);
			seq[n] = '\0';
			rc = parse_id(seq, "--head sequence number", &verify.head_seq);
		}
		if (!rc)
			snprintf(hash, sizeof(hash), "%s", colon + 1);
	}
	if (rc)
		goto cleanup;
	verify.head_hash = hash;
	req.body_case = KART__ENVELOPE__BODY_AUDIT_VERIFY;
	req.audit_verify = &verify;
	rc = open_session(cli, &c);
	if (rc)
		goto cleanup;
	/* the daemon answers once it has read every record: wait longer than for other replies */
	struct timeval tv = { .tv_sec = VERIFY_TIMEOUT_S };
	setsockopt(kc_fd(c), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rc = call(c, &req, KART__ENVELOPE__BODY_AUDIT_VERIFY_RESULT, &resp);
	if (rc)
		goto cleanup;
	r = resp->audit_verify_result;
	if (cli->json) {
		rc = out_json_all(&r->base);
	} else if (r->ok) {
		out_say("ok: %llu records checked, head %llu:%s", (unsigned long long)r->checked,
			(unsigned long long)r->head_seq, r->head_hash);
		if (r->problem[0])
			out_say("note: %s", r->problem);
	} else {
		out_say("BROKEN at record %llu: %s", (unsigned long long)r->first_bad, r->problem);
	}
	/* a broken trail fails, so scripts and monitoring notice */
	if (!rc && !r->ok)
		rc = out_error(KC_ERR_OTHER, "the audit trail is broken at record %llu", (unsigned long long)r->first_bad);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_audit_head(struct cli *cli, const struct cmd_args *a)
{
	struct kc *c = NULL;
	Kart__Envelope *resp = NULL;
	Kart__AuditHead head = KART__AUDIT_HEAD__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	const Kart__AuditVerifyResult *r;
	int rc;

	(void)a;
	req.body_case = KART__ENVELOPE__BODY_AUDIT_HEAD;
	req.audit_head = &head;
	rc = request(cli, &req, KART__ENVELOPE__BODY_AUDIT_VERIFY_RESULT, &c, &resp);
	if (rc)
		goto cleanup;
	r = resp->audit_verify_result;
	if (cli->json)
		rc = out_json_all(&r->base);
	else
		out_say("%llu:%s", (unsigned long long)r->head_seq, r->head_hash);
	if (!rc && !r->ok)
		rc = out_error(KC_ERR_OTHER, "%s", r->problem);
cleanup:
	kc_env_free(resp);
	kc_close(c);
	return rc;
}

int cmd_audit_reads(struct cli *cli, const struct cmd_args *a)
{
	const char *card_text = args_value(a, "card"), *user = args_value(a, "user");
	const char *limit_text = args_value(a, "limit");
	int64_t now = util_now_us() / 1000000;
	Kart__ReadQuery query = KART__READ_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc = 0;

	if (!card_text && !user)
		return out_error(KC_ERR_USAGE, "'audit reads' needs --card ID or --user USER (see: kart audit reads --help)");
	if (card_text)
		rc = parse_id(card_text, "--card", &query.card_id);
	if (!rc)
		rc = time_option(a, "since", now, &query.since);
	if (!rc)
		rc = time_option(a, "until", now, &query.until);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (rc)
		return rc;
	query.user = (char *)(user ? user : "");
	query.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_READ_QUERY;
	req.read_query = &query;
	return request_list(cli, &req, KART__ENVELOPE__BODY_READ_PAGE, OUT_LIST_READS);
}

int cmd_alerts(struct cli *cli, const struct cmd_args *a)
{
	const char *limit_text = args_value(a, "limit");
	int64_t now = util_now_us() / 1000000;
	Kart__AlertQuery query = KART__ALERT_QUERY__INIT;
	Kart__Envelope req = KART__ENVELOPE__INIT;
	uint64_t limit = 0;
	int rc;

	rc = time_option(a, "since", now, &query.since);
	if (!rc && limit_text)
		rc = parse_count(limit_text, "--limit", UINT32_MAX, &limit);
	if (rc)
		return rc;
	query.limit = (uint32_t)limit;
	req.body_case = KART__ENVELOPE__BODY_ALERT_QUERY;
	req.alert_query = &query;
	return request_list(cli, &req, KART__ENVELOPE__BODY_AUDIT_PAGE, OUT_LIST_AUDIT);
}
