/* conf: the configuration's layers and its shared snapshots (conf.h). */
#include "conf.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conf_box {
	atomic_uint refs;
	struct kart_config c;
};

#define BOX_OF(cfg) ((struct conf_box *)((char *)(cfg) - offsetof(struct conf_box, c)))

struct kart_config *conf_new(void)
{
	struct conf_box *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	config_defaults(&b->c);
	return &b->c;
}

const struct kart_config *conf_hold(const struct kart_config *c)
{
	if (c)
		atomic_fetch_add_explicit(&BOX_OF(c)->refs, 1, memory_order_relaxed);
	return c;
}

void conf_drop(const struct kart_config *c)
{
	if (c && atomic_fetch_sub_explicit(&BOX_OF(c)->refs, 1, memory_order_acq_rel) == 1)
		free(BOX_OF(c));
}

int conf_read(struct kart_config *c, const struct conf_src *src, char *err, size_t n)
{
	char path[2048];
	config_defaults(c);
	snprintf(path, sizeof(path), "%s/kartd.conf", src->dir);
	if (config_load(c, path, err, n) < 0)
		return -1;
	/* the site's file: optional unless named */
	const char *site = src->file ? src->file : KARTD_SITE_CONFIG;
	if ((src->file || access(site, F_OK) == 0 || errno != ENOENT) && config_load(c, site, err, n) < 0)
		return -1;
	if (src->listen) {
		char line[300], why[256];
		snprintf(line, sizeof(line), "listen = %s\n", src->listen);
		if (strlen(src->listen) > 250 || config_parse(c, line, why, sizeof(why)) < 0) {
			snprintf(err, n, "--listen %.250s: expected HOST:PORT", src->listen);
			return -2;
		}
	}
	return 0;
}
