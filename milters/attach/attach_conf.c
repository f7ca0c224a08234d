/* attach_conf.c: postern-attach's settings (with a default list of the
 * file types that run code on Windows when opened), its outcomes and their
 * default actions, the rules built from a loaded configuration, and the
 * exemption lists. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attach_engine.h"
#include "attach_milter.h"
#include "mem.h"
#include "milter_proto.h"

#define S(m) offsetof(struct attach_settings, m)

/* Types Windows runs or installs when they are opened (after Microsoft's
 * list of blocked attachment types in Outlook), and disk images that
 * mount with one click. */
#define DANGEROUS_EXTENSIONS                                                                       \
	"ade adp app appref-ms application appx appxbundle asp aspx bas bat bgi cer chm cmd "      \
	"cnt com cpl crt csh der diagcab exe fxp gadget grp hlp hpj hta htc img inf ins iso "      \
	"isp its jar jnlp js jse ksh lnk mad maf mag mam maq mar mas mat mau mav maw mcf mda "     \
	"mdb mde mdt mdw mdz msc msh msh1 msh1xml msh2 msh2xml mshxml msi msix msixbundle msp "    \
	"mst msu ops osd pcd pif pl plg prf prg printerexport ps1 ps1xml ps2 ps2xml psc1 psc2 "    \
	"psd1 psdm1 py pyc pyo pyw pyz pyzw reg scf scr sct settingcontent-ms shb shs theme "      \
	"url vb vbe vbp vbs vhd vhdx vsmacros vsw webpnp website ws wsb wsc wsf wsh xbap xll xnk"

static const struct milter_skel_param attach_params[] = {
	MILTER_PARAM_LST("banned_extensions", DANGEROUS_EXTENSIONS, S(banned_extensions)),
	MILTER_PARAM_STR("banned_names", "", S(banned_names)),
	MILTER_PARAM_LST("banned_types",
			 "application/x-msdownload application/x-msdos-program "
			 "application/x-dosexec application/x-ms-installer application/x-msi "
			 "application/hta application/x-ms-shortcut",
			 S(banned_types)),
	MILTER_PARAM_BOOLEAN("inspect_archives", "yes", S(inspect_archives)),
	MILTER_PARAM_NUM("archive_depth_limit", "3", S(archive_depth_limit), 1, 50),
	MILTER_PARAM_BYTES("archive_size_limit", "10485760", S(archive_size_limit), 1024,
			   1LL << 32),
	MILTER_PARAM_NUM("archive_member_limit", "10000", S(archive_member_limit), 1, 10000000),
	MILTER_PARAM_BOOLEAN("strip_banned_parts", "no", S(strip_banned_parts)),
	MILTER_PARAM_STR("strip_notice",
			 "An attachment of this message was removed by the mail gateway.",
			 S(strip_notice)),
	MILTER_PARAM_LST("exempt_sender_domains", "", S(exempt_sender_domains)),
	MILTER_PARAM_LST("exempt_recipient_domains", "", S(exempt_recipient_domains)),
	MILTER_PARAM_BYTES("header_size_limit", "102400", S(header_size_limit), 1, 1LL << 30),
	MILTER_PARAM_NUM("mime_nesting_limit", "100", S(mime_nesting_limit), 1, 100000),
};

#define ANY_ACTION 0x3fu
static const struct milter_skel_outcome attach_outcomes[ATTACH_N_OUTCOMES] = {
	[ATTACH_O_CLEAN] = {"clean", NULL, "accept", ANY_ACTION, "0.0", "OK"},
	[ATTACH_O_BANNED] = {"banned", "on_banned", "reject", ANY_ACTION, "7.1",
			     "Message refused: banned attachment"},
	[ATTACH_O_ENCRYPTED] = {"encrypted", "on_encrypted", "reject", ANY_ACTION, "7.1",
				"Message refused: encrypted archive"},
	[ATTACH_O_UNSCANNED] = {"unscanned", "on_unscanned", "quarantine", ANY_ACTION, "7.1",
				"Message refused: attachment could not be inspected"},
	[ATTACH_O_STRIPPED] = {"stripped", "on_stripped", "accept", ANY_ACTION, "7.1",
			       "Message refused: banned attachment"},
	[ATTACH_O_EXEMPT] = {"exempt", NULL, "accept", ANY_ACTION, "0.0", "OK"},
	[ATTACH_O_TOO_BIG] = {"too_big", "on_too_big", "reject", ANY_ACTION, "3.4",
			      "Message too big for the attachment filter"},
};

/* setup: the rules (struct attach_rules) of one configuration snapshot. */
static int attach_setup(const void *settings, void **state_r, char **error_r)
{
	const struct attach_settings *s = settings;
	struct attach_rules_spec spec = {
		.banned_extensions = s->banned_extensions,
		.banned_names = s->banned_names,
		.banned_types = s->banned_types,
		.inspect_archives = s->inspect_archives,
		.archive_depth_limit = (size_t)s->archive_depth_limit,
		.archive_size_limit = (size_t)s->archive_size_limit,
		.archive_member_limit = (size_t)s->archive_member_limit,
	};
	struct attach_rules *rules;

	mime_config_init(&spec.mime);
	spec.mime.header_size_limit = (size_t)s->header_size_limit;
	spec.mime.nesting_limit = (size_t)s->mime_nesting_limit;
	if (attach_rules_new(&spec, &rules, error_r) < 0)
		return -1;
	*state_r = rules;
	return 1;
}

static void attach_state_free(void *state)
{
	struct attach_rules *rules = state;

	attach_rules_free(&rules);
}

int attach_domain_listed(char **list, const char *address)
{
	const char *at = strrchr(address, '@');

	if (at == NULL || at[1] == '\0')
		return 0;
	const char *domain = at + 1;
	size_t dlen = strlen(domain);
	for (size_t i = 0; list[i] != NULL; i++) {
		const char *d = list[i];
		size_t len = strlen(d);
		if (d[0] == '.') {
			if (dlen > len && strcasecmp(domain + dlen - len, d) == 0)
				return 1;
		} else if (strcasecmp(domain, d) == 0) {
			return 1;
		}
	}
	return 0;
}

const struct milter_skel_def attach_def = {
	.name = "attach",
	.default_socket = "inet:127.0.0.1:8894",
	.params = attach_params,
	.n_params = sizeof(attach_params) / sizeof(attach_params[0]),
	.settings_size = sizeof(struct attach_settings),
	.setup = attach_setup,
	.state_free = attach_state_free,
	.outcomes = attach_outcomes,
	.n_outcomes = ATTACH_N_OUTCOMES,
	.too_big = ATTACH_O_TOO_BIG,
	.actions = MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGBODY | MILTER_ACTION_QUARANTINE,
	.spool = 1,
	.hooks = &attach_hooks,
};
