/* journal: the log's sink for systemd's journal (journal.h). */
#include "log.h"
/* after log.h: sd-journal.h brings syslog.h, whose LOG_ERR and the like are
 * macros that would rename log.h's enum constants */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "journal.h"

#define MAX_FIELDS 10

/* "NAME=value" into buf, as the next iovec (when value is set). */
static void add(struct iovec *iov, int *n, char *buf, size_t cap, const char *name, const char *value)
{
	if (!value || !value[0] || *n >= MAX_FIELDS)
		return;
	int len = snprintf(buf, cap, "%s=%s", name, value);
	if (len < 0)
		return;
	iov[*n].iov_base = buf;
	iov[*n].iov_len = (size_t)len < cap ? (size_t)len : cap - 1;
	(*n)++;
}

static int journal_sink(int level, const struct log_kv *kv, const char *message)
{
	struct iovec iov[MAX_FIELDS];
	char prio[16], msg[1100], id[64], peer[160], user[160], action[96], seq[48], hash[96];
	int n = 0;
	char lvl[4];
	snprintf(lvl, sizeof(lvl), "%d", level);
	add(iov, &n, prio, sizeof(prio), "PRIORITY", lvl);
	add(iov, &n, msg, sizeof(msg), "MESSAGE", message);
	iov[n].iov_base = (char *)"SYSLOG_IDENTIFIER=kartd";
	iov[n++].iov_len = strlen("SYSLOG_IDENTIFIER=kartd");
	if (kv) {
		add(iov, &n, id, sizeof(id), "MESSAGE_ID", kv->message_id);
		add(iov, &n, peer, sizeof(peer), "KART_PEER", kv->peer);
		add(iov, &n, user, sizeof(user), "KART_USER", kv->user);
		add(iov, &n, action, sizeof(action), "KART_ACTION", kv->action);
		add(iov, &n, seq, sizeof(seq), "KART_AUDIT_SEQ", kv->audit_seq);
		add(iov, &n, hash, sizeof(hash), "KART_AUDIT_HASH", kv->audit_hash);
	}
	return sd_journal_sendv(iov, n) < 0 ? -1 : 0;
}

int journal_setup(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return 0;
	if ((unsigned long long)st.st_dev != dev || (unsigned long long)st.st_ino != ino)
		return 0;
	/* sd_journal_sendv drops entries silently when journald's socket is
	 * missing: then the lines stay on stderr */
	if (stat("/run/systemd/journal/socket", &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	log_set_sink(journal_sink);
	return 1;
}
