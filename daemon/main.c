/* kartd: the Kartoteka daemon.
 *
 *   kartd init --data DIR [--listen HOST:PORT]   create an instance
 *   kartd run  --data DIR [--config FILE] [--listen HOST:PORT]   serve it in the foreground
 *   kartd unlock USER --data DIR [--config FILE]  (offline) lift a user's lock
 *   kartd passwd USER --data DIR [--config FILE] [--password-file F]  (offline) set a password
 *   kartd backup --data DIR [--config FILE] -o FILE|- [--force]   a backup while kartd serves
 *   kartd restore FILE --data DIR [--key KEY] [--force]   a backup into a new instance
 *   kartd verify-backup FILE --key KEY            check a backup without restoring it */
#include <malloc.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "conf.h"
#include "init.h"
#include "req.h"
#include "log.h"
#include "offline.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: kartd init --data DIR [--listen HOST:PORT]\n"
		   "       kartd run --data DIR [--config FILE] [--listen HOST:PORT]\n"
		   "       kartd unlock USER --data DIR [--config FILE]\n"
		   "       kartd passwd USER --data DIR [--config FILE] [--password-file F]\n"
		   "       kartd backup --data DIR [--config FILE] -o FILE|- [--force]\n"
		   "       kartd restore FILE --data DIR [--key KEYFILE] [--force]\n"
		   "       kartd verify-backup FILE --key KEYFILE\n"
		   "       kartd --version\n"
		   "\n"
		   "init creates an instance in DIR (a new or empty directory): configuration,\n"
		   "TLS certificates, audit key, database and the user admin, whose password is\n"
		   "written to DIR/admin.password. run serves it in the foreground until SIGTERM;\n"
		   "SIGHUP reloads the configuration, the certificate and key and the CRL.\n"
		   "The configuration is DIR/kartd.conf, then over it " KARTD_SITE_CONFIG "\n"
		   "if it exists, or the FILE --config names instead.\n"
		   "unlock and passwd are the host's way back in while kartd is stopped: unlock\n"
		   "lifts an admin's lock and a lockout after failed logins; passwd sets a new\n"
		   "password (from F, else standard input, asked twice on a terminal) and ends\n"
		   "the user's sessions. Both are written to the audit trail.\n"
		   "backup writes a consistent, compacted copy of the database while kartd runs\n"
		   "(as the user kartd runs as). restore unpacks one into a new instance directory\n"
		   "(DIR may hold only kartd.conf, tls/ and audit.key), refusing a damaged or\n"
		   "truncated file, and one whose audit chain the key (--key, else DIR/audit.key)\n"
		   "does not verify unless --force. verify-backup checks a backup's checksum, audit\n"
		   "chain and indexes. The audit key and tls/ are not in the database: keep them.\n");
}

/* backup, restore, verify-backup: FILE, --data, -o, --key, --force. */
static int backup_cmd(const char *cmd, int argc, char **argv)
{
	const char *data = NULL, *out = NULL, *key = NULL, *file = NULL, *config = NULL;
	bool force = false, backup = strcmp(cmd, "backup") == 0, verify = strcmp(cmd, "verify-backup") == 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], **slot = NULL;
		if (!verify && (strcmp(a, "--data") == 0 || strcmp(a, "-d") == 0))
			slot = &data;
		else if (backup && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0))
			slot = &out;
		else if (backup && (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0))
			slot = &config;
		else if (!backup && strcmp(a, "--key") == 0)
			slot = &key;
		else if (!verify && strcmp(a, "--force") == 0)
			force = true;
		else if (!backup && !file && (a[0] != '-' || strcmp(a, "-") == 0))
			file = a;
		else {
			fprintf(stderr, "kartd: %s: unknown option '%s'\n", cmd, a);
			return 2;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kartd: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		}
	}
	if (backup && (!data || !out)) {
		fprintf(stderr, "kartd: usage: kartd backup --data DIR [--config FILE] -o FILE|-\n");
		return 2;
	}
	if (!backup && !file) {
		fprintf(stderr, "kartd: %s: which backup file?\n", cmd);
		return 2;
	}
	if (!backup && !verify && !data) {
		fprintf(stderr, "kartd: restore: --data DIR is required (a new instance directory)\n");
		return 2;
	}
	if (backup)
		return kartd_backup(&(struct conf_src){ .dir = data, .file = config }, out, force);
	return verify ? kartd_verify_backup(file, key) : kartd_restore(file, data, key, force);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("%s (database format %d)\n", KART_SERVER_NAME, STORE_FORMAT);
		return 0;
	}
	if (strcmp(cmd, "backup") == 0 || strcmp(cmd, "restore") == 0 || strcmp(cmd, "verify-backup") == 0) {
		signal(SIGPIPE, SIG_IGN);
		return backup_cmd(cmd, argc, argv);
	}
	bool offline = strcmp(cmd, "unlock") == 0 || strcmp(cmd, "passwd") == 0;
	if (strcmp(cmd, "init") != 0 && strcmp(cmd, "run") != 0 && !offline) {
		fprintf(stderr, "kartd: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	const char *data = NULL, *listen = NULL, *user = NULL, *password_file = NULL, *config = NULL;
	bool init = strcmp(cmd, "init") == 0;
	bool passwd = strcmp(cmd, "passwd") == 0;
	for (int i = 2; i < argc; i++) {
		const char **slot = NULL;
		const char *a = argv[i];
		if (strcmp(a, "--data") == 0 || strcmp(a, "-d") == 0)
			slot = &data;
		else if (!offline && (strcmp(a, "--listen") == 0 || strcmp(a, "-l") == 0))
			slot = &listen;
		else if (passwd && strcmp(a, "--password-file") == 0)
			slot = &password_file;
		else if (!init && (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0))
			slot = &config;
		else if (!init && strncmp(a, "--config=", 9) == 0)
			config = a + 9;
		else if (strncmp(a, "--data=", 7) == 0)
			data = a + 7;
		else if (!offline && strncmp(a, "--listen=", 9) == 0)
			listen = a + 9;
		else if (passwd && strncmp(a, "--password-file=", 16) == 0)
			password_file = a + 16;
		else if (offline && !user && a[0] != '-')
			user = a;
		else {
			fprintf(stderr, "kartd: unknown option '%s'\n", a);
			return 2;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kartd: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		}
	}
	if (!data) {
		fprintf(stderr, "kartd: --data DIR is required\n");
		return 2;
	}
	if (offline && (!user || !*user)) {
		fprintf(stderr, "kartd: %s: which user? kartd %s USER --data DIR\n", cmd, cmd);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* A fixed threshold: glibc would otherwise raise it after the first
	 * argon2 buffer (19 MiB) is freed, and keep every later one resident in
	 * the hashing threads' heaps for good. Below it, what a write request
	 * uses and frees (its arena's chunks of up to 1 MiB, LMDB's 2 MiB dirty
	 * list of each nested transaction) comes from the heap and stays there
	 * for the next request, up to the trim threshold: mapping and unmapping
	 * it per request cost an import a page fault per 4 KiB touched and a
	 * TLB flush per unmap. */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	if (offline)
		return passwd ? kartd_passwd(data, config, user, password_file) : kartd_unlock(data, config, user);
	return init ? kartd_init(data, listen) : kartd_run(data, config, listen);
}
