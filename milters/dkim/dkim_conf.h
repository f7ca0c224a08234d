/* dkim_conf.h: postern-dkim's settings (one table, see dkim_conf.c and
 * postern-dkim(8)), its outcomes, and the state built from them for each
 * configuration snapshot.
 */
#ifndef POSTERN_DKIM_CONF_H
#define POSTERN_DKIM_CONF_H

#include "dkim_canon.h"
#include "dkim_engine.h"
#include "dkim_hosts.h"
#include "dkim_keys.h"
#include "dkim_sign.h"
#include "milter_skel.h"

/* The values of the parameters, as milter_skel_conf fills them. */
struct dkim_settings {
	int mode; /* index in "sv s v" */
	char **domain;
	char *selector;
	char *key_file;
	char *key_table;
	char *signing_table;
	int multiple_signatures;
	char **internal_hosts;
	char **external_ignore_list;
	char **originating_daemon_names;
	int sign_authenticated;
	char **sign_headers;
	char **oversign_headers;
	char *canonicalization;
	int sign_body_length;
	long long signature_ttl;
	long long minimum_key_bits;
	long long minimum_signing_key_bits;
	int require_safe_keys;
	char *authserv_id;
	int allow_unsigned_body_content;
	char **require_signature_domains;
	long long dns_timeout;
};

/* What the hooks use, built once per snapshot by dkim_conf_setup(). */
struct dkim_state {
	const struct dkim_settings *settings;
	int sign;		     /* mode includes signing */
	int verify;		     /* mode includes verifying */
	struct dkim_keys *keys;	     /* NULL: nothing to sign with */
	struct dkim_verify_lib *lib; /* NULL unless verifying */
	struct dkim_hosts *internal;
	struct dkim_hosts *ignore;
	struct dkim_sign_opts sign_opts; /* lists point into settings */
	struct dkim_policy policy;
	char *authserv_id; /* the setting, or the host name */
};

/* The outcomes of a message, mapped to actions by the configuration. */
enum dkim_outcome {
	DKIM_OUT_SIGNED,    /* signed: accept */
	DKIM_OUT_VERIFIED,  /* verified (any result), no policy applies: accept */
	DKIM_OUT_SKIPPED,   /* neither signed nor verified: accept */
	DKIM_OUT_BAD,	    /* required domain, signatures but none passes */
	DKIM_OUT_MISSING,   /* required domain, no signature */
	DKIM_OUT_TEMPERROR, /* required domain, key lookup failed */
	DKIM_OUT_TOO_BIG,   /* over message_size_limit */
	DKIM_OUT_COUNT,
};

extern const struct milter_skel_param dkim_params[];
extern const size_t dkim_n_params;
extern const struct milter_skel_outcome dkim_outcomes[DKIM_OUT_COUNT];

/* dkim_conf_setup/free: the milter_skel_def setup and state_free hooks. */
int dkim_conf_setup(const void *settings, void **state_r, char **error_r);
void dkim_conf_free(void *state);

#endif
