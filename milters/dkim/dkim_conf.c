/* dkim_conf.c: postern-dkim's parameter table, its outcome table, and the
 * state each configuration snapshot gets (keys, host lists, libopendkim).
 * Names follow OpenDKIM's settings in main.cf style (Mode -> mode,
 * KeyTable -> key_table, ...); postern-dkim(8) documents every one.
 */
#include "dkim_conf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mem.h"

#define OFF(m) offsetof(struct dkim_settings, m)

/* dkim_check_canon: "header/body" or "header" (body simple). */
static int dkim_check_canon(const char *value, char **error_r)
{
	enum dkim_canon_mode h, b;
	size_t hlen = strcspn(value, "/");
	if (dkim_canon_parse(value, hlen, &h) &&
	    (value[hlen] == '\0' ||
	     dkim_canon_parse(value + hlen + 1, strlen(value + hlen + 1), &b)))
		return 1;
	*error_r = xasprintf("\"%s\": expected simple or relaxed, or header/body such as "
			     "relaxed/simple",
			     value);
	return -1;
}

#define DKIM_SIGN_HEADERS                                                                          \
	"from, reply-to, subject, date, to, cc, message-id, in-reply-to, references, "             \
	"mime-version, content-type, content-transfer-encoding, resent-date, resent-from, "        \
	"resent-to, resent-cc, list-id, list-help, list-unsubscribe, list-subscribe, list-post, "  \
	"list-owner, list-archive"

const struct milter_skel_param dkim_params[] = {
	MILTER_PARAM_CHOICE("mode", "sv", OFF(mode), "sv s v"),
	MILTER_PARAM_LST("domain", "", OFF(domain)),
	MILTER_PARAM_STR("selector", "", OFF(selector)),
	MILTER_PARAM_STR("key_file", "", OFF(key_file)),
	MILTER_PARAM_STR("key_table", "", OFF(key_table)),
	MILTER_PARAM_STR("signing_table", "", OFF(signing_table)),
	MILTER_PARAM_BOOLEAN("multiple_signatures", "no", OFF(multiple_signatures)),
	MILTER_PARAM_LST("internal_hosts", "127.0.0.1, ::1", OFF(internal_hosts)),
	MILTER_PARAM_LST("external_ignore_list", "", OFF(external_ignore_list)),
	MILTER_PARAM_LST("originating_daemon_names", "ORIGINATING", OFF(originating_daemon_names)),
	MILTER_PARAM_BOOLEAN("sign_authenticated", "yes", OFF(sign_authenticated)),
	MILTER_PARAM_LST("sign_headers", DKIM_SIGN_HEADERS, OFF(sign_headers)),
	MILTER_PARAM_LST("oversign_headers", "from", OFF(oversign_headers)),
	{"canonicalization", MILTER_PARAM_STRING, "relaxed/simple", OFF(canonicalization), 0, 0,
	 NULL, 0, 0, dkim_check_canon},
	MILTER_PARAM_BOOLEAN("sign_body_length", "no", OFF(sign_body_length)),
	MILTER_PARAM_SECS("signature_ttl", "0", OFF(signature_ttl), 's'),
	MILTER_PARAM_NUM("minimum_key_bits", "1024", OFF(minimum_key_bits), 0, 16384),
	MILTER_PARAM_NUM("minimum_signing_key_bits", "2048", OFF(minimum_signing_key_bits), 1024,
			 16384),
	MILTER_PARAM_BOOLEAN("require_safe_keys", "yes", OFF(require_safe_keys)),
	MILTER_PARAM_STR("authserv_id", "", OFF(authserv_id)),
	MILTER_PARAM_BOOLEAN("allow_unsigned_body_content", "no", OFF(allow_unsigned_body_content)),
	MILTER_PARAM_LST("require_signature_domains", "", OFF(require_signature_domains)),
	MILTER_PARAM_SECS("dns_timeout", "5s", OFF(dns_timeout), 's'),
};
const size_t dkim_n_params = sizeof(dkim_params) / sizeof(dkim_params[0]);

#define ALLOW(a) MILTER_SKEL_ALLOW(MILTER_SKEL_##a)
#define POLICY_ACTIONS (ALLOW(ACCEPT) | ALLOW(TAG) | ALLOW(QUARANTINE) | ALLOW(REJECT))

const struct milter_skel_outcome dkim_outcomes[DKIM_OUT_COUNT] = {
	[DKIM_OUT_SIGNED] = {"signed", NULL, "accept", 0, "0.0", "Signed"},
	[DKIM_OUT_VERIFIED] = {"verified", NULL, "accept", 0, "0.0", "Verified"},
	[DKIM_OUT_SKIPPED] = {"skipped", NULL, "accept", 0, "0.0", "Not signed or verified"},
	[DKIM_OUT_BAD] = {"bad_signature", "on_bad_signature", "accept", POLICY_ACTIONS, "7.20",
			  "No passing DKIM signature found"},
	[DKIM_OUT_MISSING] = {"no_signature", "on_no_signature", "accept", POLICY_ACTIONS, "7.20",
			      "No DKIM signature found"},
	[DKIM_OUT_TEMPERROR] = {"dns_error", "on_dns_error", "tempfail",
				ALLOW(ACCEPT) | ALLOW(TEMPFAIL), "7.0",
				"DKIM key lookup failed, try again later"},
	[DKIM_OUT_TOO_BIG] = {"too_big", "on_too_big", "accept",
			      ALLOW(ACCEPT) | ALLOW(TEMPFAIL) | ALLOW(REJECT), "3.4",
			      "Message too big for the DKIM filter"},
};

/* conf_authserv_id: the setting, or this host's name. */
static char *conf_authserv_id(const char *setting)
{
	char host[256];
	if (*setting != '\0')
		return xstrdup(setting);
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		return xstrdup("localhost");
	host[sizeof(host) - 1] = '\0';
	return xstrdup(host);
}

int dkim_conf_setup(const void *settings, void **state_r, char **error_r)
{
	const struct dkim_settings *s = settings;
	struct dkim_state *st = xcalloc(1, sizeof(*st));
	char *error = NULL;

	st->settings = s;
	st->sign = s->mode != 2;   /* "sv" or "s" */
	st->verify = s->mode != 1; /* "sv" or "v" */
	size_t hlen = strcspn(s->canonicalization, "/");
	dkim_canon_parse(s->canonicalization, hlen, &st->sign_opts.header_canon);
	st->sign_opts.body_canon = DKIM_CANON_MODE_SIMPLE;
	if (s->canonicalization[hlen] == '/')
		dkim_canon_parse(s->canonicalization + hlen + 1,
				 strlen(s->canonicalization + hlen + 1), &st->sign_opts.body_canon);
	st->sign_opts.sign_headers = s->sign_headers;
	st->sign_opts.oversign_headers = s->oversign_headers;
	st->sign_opts.body_length = s->sign_body_length;
	st->sign_opts.ttl = s->signature_ttl;
	st->policy.min_key_bits = (unsigned)s->minimum_key_bits;
	st->policy.allow_unsigned_body = s->allow_unsigned_body_content;
	st->authserv_id = conf_authserv_id(s->authserv_id);

	int from_signed = 0;
	for (size_t i = 0; s->sign_headers[i] != NULL; i++)
		from_signed |= strcasecmp(s->sign_headers[i], "from") == 0;
	const struct dkim_keys_opts ko = {
		.key_table = s->key_table,
		.signing_table = s->signing_table,
		.domains = s->domain,
		.selector = s->selector,
		.key_file = s->key_file,
		.multiple = s->multiple_signatures,
		.min_bits = (int)s->minimum_signing_key_bits,
		.require_safe = s->require_safe_keys,
	};
	const struct dkim_verify_opts vo = {.dns_timeout = s->dns_timeout};
	if (!from_signed)
		error = xstrdup("sign_headers: From must be signed (RFC 6376 section 5.4)");
	if (error == NULL && st->sign)
		dkim_keys_load(&ko, &st->keys, &error);
	if (error == NULL && st->verify)
		dkim_verify_lib_new(&vo, &st->lib, &error);
	if (error == NULL)
		dkim_hosts_new(s->internal_hosts, "internal_hosts", &st->internal, &error);
	if (error == NULL)
		dkim_hosts_new(s->external_ignore_list, "external_ignore_list", &st->ignore,
			       &error);
	if (error != NULL) {
		*error_r = error;
		dkim_conf_free(st);
		return -1;
	}
	*state_r = st;
	return 1;
}

void dkim_conf_free(void *state)
{
	struct dkim_state *st = state;
	dkim_keys_free(&st->keys);
	dkim_verify_lib_free(&st->lib);
	dkim_hosts_free(&st->internal);
	dkim_hosts_free(&st->ignore);
	free(st->authserv_id);
	free(st);
}
