/* sasl_registry.c: a worker's SASL back-ends, one per type and
 * smtpd_sasl_path, made when a listener first needs them and kept until
 * the worker ends (a Dovecot connection stays open for the next
 * sessions; a passwd-file keeps its helper thread). */
#include "sasl_private.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct sasl_registry {
	struct event_base *base;
	struct sasl_backend **backends;
	size_t n;
};

struct sasl_registry *sasl_registry_new(struct event_base *base)
{
	struct sasl_registry *reg = xcalloc(1, sizeof(*reg));
	reg->base = base;
	return reg;
}

void sasl_registry_free(struct sasl_registry **regp)
{
	struct sasl_registry *reg = *regp;
	if (reg == NULL)
		return;
	for (size_t i = 0; i < reg->n; i++)
		sasl_backend_free(&reg->backends[i]);
	free(reg->backends);
	free(reg);
	*regp = NULL;
}

int sasl_registry_get(struct sasl_registry *reg, const struct sasl_server_conf *conf,
		      struct sasl_backend **be_r, char **error_r)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->backends[i]->type == conf->type &&
		    strcmp(reg->backends[i]->path, conf->path) == 0) {
			*be_r = reg->backends[i];
			return 1;
		}
	struct sasl_backend *be;
	if (sasl_backend_new(conf, reg->base, &be, error_r) < 0)
		return -1;
	reg->backends = xreallocarray(reg->backends, reg->n + 1, sizeof(*reg->backends));
	reg->backends[reg->n++] = be;
	*be_r = be;
	return 1;
}
