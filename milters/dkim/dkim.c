/* dkim.c: postern-dkim, the DKIM signing and verifying milter: its
 * definition for the milter skeleton, and main(). */
#include <stdio.h>

#include "dkim_cb.h"
#include "dkim_conf.h"
#include "dkim_genkey.h"
#include "milter_proto.h"
#include "milter_skel.h"

static void dkim_versions(void)
{
	char version[32];
	dkim_engine_version(version, sizeof(version));
	printf("  libopendkim %s\n", version);
}

static const struct milter_skel_verb dkim_verbs[] = {
	{"genkey", dkim_genkey_main, "make a key pair and print its DNS record"},
	{NULL, NULL, NULL},
};

static const struct milter_skel_def dkim_def = {
	.name = "dkim",
	.default_socket = "inet:127.0.0.1:8891",
	.params = dkim_params,
	.settings_size = sizeof(struct dkim_settings),
	.setup = dkim_conf_setup,
	.state_free = dkim_conf_free,
	.outcomes = dkim_outcomes,
	.n_outcomes = DKIM_OUT_COUNT,
	.too_big = DKIM_OUT_TOO_BIG,
	.actions = MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGHDRS | MILTER_ACTION_QUARANTINE,
	.hooks = &dkim_hooks,
	.verbs = dkim_verbs,
	.versions = dkim_versions,
};

int main(int argc, char **argv)
{
	struct milter_skel_def def = dkim_def;
	def.n_params = dkim_n_params;
	return milter_skel_main(argc, argv, &def);
}
