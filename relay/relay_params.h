/* relay_params.h: the parameters of postern.cf.
 *
 * One row per parameter Postern knows: its Postfix name, its default as
 * "postconf -d" of Postfix 3.7 prints it, a type for validation and
 * whether Postern implements it yet. Besides these, every other Postfix
 * parameter name is known (relay_params_postfix.txt, generated from
 * postconf), so that "postern check" can tell "a Postfix parameter Postern
 * does not support" from "a user-defined parameter nothing uses".
 *
 * Defaults are a cfg layer (see cfg.h) under main.cf; a few are computed
 * from the host and from other parameters, the way Postfix computes them
 * (myhostname, mydomain, mynetworks, config_directory).
 */
#ifndef POSTERN_RELAY_PARAMS_H
#define POSTERN_RELAY_PARAMS_H

#include <stddef.h>

#include "cfg.h"

enum relay_param_type {
	RELAY_PARAM_STRING,
	RELAY_PARAM_LIST,  /* commas and/or white space, { } groups (cfg_list.h) */
	RELAY_PARAM_BOOL,  /* yes or no */
	RELAY_PARAM_INT,   /* decimal within [min, max] */
	RELAY_PARAM_TIME,  /* number with an optional unit s m h d w */
	RELAY_PARAM_SIZE,  /* number of bytes */
	RELAY_PARAM_ENUM,  /* one of choices */
	RELAY_PARAM_LEVEL, /* a compatibility level: major[.minor[.patch]] */
};

enum relay_param_status {
	RELAY_PARAM_NOT_YET,   /* accepted, but Postern does not act on it yet */
	RELAY_PARAM_SUPPORTED, /* Postern's code implements it today */
};

/* Row flags. */
#define RELAY_PARAM_RAW 0x01      /* used as written: no $name expansion (as Postfix) */
#define RELAY_PARAM_COMPUTED 0x02 /* default computed at run time; def is NULL */
#define RELAY_PARAM_EMPTY_OK 0x04 /* an empty value is valid besides the type's values */

#define RELAY_PARAM_NO_MAX 0x7fffffffLL

struct relay_param {
	const char *name;
	const char *def; /* as postconf -d prints it; NULL if computed */
	enum relay_param_type type;
	char unit;           /* TIME: the unit of a bare number */
	long long min, max;  /* INT: the accepted range */
	const char *choices; /* ENUM: the accepted values, space-separated */
	enum relay_param_status status;
	unsigned flags;
};

/* relay_params_all: the table, sorted by name; *n_r rows. Static data. */
const struct relay_param *relay_params_all(size_t *n_r);
/* relay_param_find: the row for name, or NULL. */
const struct relay_param *relay_param_find(const char *name);
/* relay_param_type_name: "string", "list", "bool", ... */
const char *relay_param_type_name(enum relay_param_type type);

/* relay_param_validate: check a value (after $name expansion) against the
 * row's type. 1 ok; -1 with a message in *error_r (caller frees). */
int relay_param_validate(const struct relay_param *p, const char *value, char **error_r);

/* relay_param_value_unsupported: for a supported parameter whose value
 * names a feature Postern lacks (smtp_tls_security_level = dane), what
 * happens instead, for "postern check"; NULL when the value is fine.
 * Static text. */
const char *relay_param_value_unsupported(const char *name, const char *value);

enum relay_postfix_kind {
	RELAY_POSTFIX_NONE,    /* not a Postfix 3.7 parameter name */
	RELAY_POSTFIX_BUILTIN, /* a Postfix parameter */
	RELAY_POSTFIX_RAW,     /* a Postfix parameter used without $name expansion */
	RELAY_POSTFIX_LEGACY,  /* an old name that a Postfix default refers to */
};

/* relay_postfix_param: what name is to Postfix 3.7 (generated from
 * relay_params_postfix.txt). */
enum relay_postfix_kind relay_postfix_param(const char *name);

/* relay_service_param: is name a parameter that Postfix derives from a
 * master.cf service (e.g. relay_destination_concurrency_limit for a
 * "relay" service running smtp)? Then 1 with the name of the parameter
 * that gives its default in *default_r (static); else 0. command is the
 * service's command (argv[0]). */
int relay_service_param(const char *name, const char *service, const char *command,
			const char **default_r);

/* relay_params_defaults_new: a bottom cfg layer with the default of every
 * row, except those computed from the host (see relay_params_compute);
 * config_directory is the directory Postern was built to read
 * (POSTERN_SYSCONFDIR, /etc/postern). Caller frees with cfg_free(). */
struct cfg *relay_params_defaults_new(void);

/* relay_params_compute: add the computed defaults (myhostname, mydomain,
 * mynetworks) to defaults, as Postfix computes them from the host and from
 * the values visible in view (a layer above defaults, e.g. main.cf):
 *   myhostname  gethostname(); without a dot, "." and $mydomain if main.cf
 *               sets it, else ".localdomain"
 *   mydomain    $myhostname after its first dot; "localdomain" if none
 *   mynetworks  the networks of the addresses of $inet_interfaces for
 *               $inet_protocols, one per $mynetworks_style (host: each
 *               address; subnet: its interface's network; class: its
 *               class A/B/C/D network, subnet for IPv6), in interface order
 * 1 ok; -1 with *error_r (e.g. an expansion loop, a bad mynetworks_style,
 * an inet_interfaces address that is not on this host). */
int relay_params_compute(struct cfg *defaults, const struct cfg *view, char **error_r);

/* relay_params_mynetworks: the mynetworks default for a style ("host",
 * "subnet" or "class"), interface list and protocol list, malloc'd in
 * *result_r. 1 ok; -1 with *error_r. */
int relay_params_mynetworks(const char *style, const char *interfaces, const char *protocols,
			    char **result_r, char **error_r);

#endif
