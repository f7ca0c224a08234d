/* sasl_conf.c: a listener's SASL parameters (see sasl_server.h): the
 * back-end and where it lives, the security options, and the settings the
 * session consults.
 */
#include "sasl_private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_expand.h"
#include "cfg_list.h"
#include "cfg_value.h"
#include "log.h"
#include "mem.h"

static int sasl_conf_value(const struct cfg *view, const char *name, const char *def,
			   char **value_r, char **error_r)
{
	int ret = cfg_expand_param(view, name, value_r, error_r);
	if (ret == 0)
		*value_r = xstrdup(def);
	return ret < 0 ? -1 : 1;
}

static int sasl_conf_bool(const struct cfg *view, const char *name, int *r, char **error_r)
{
	char *value, *why;
	if (sasl_conf_value(view, name, "no", &value, error_r) < 0)
		return -1;
	int ret = cfg_value_bool(value, r, &why);
	free(value);
	if (ret < 0) {
		*error_r = xasprintf("%s: %s", name, why);
		free(why);
	}
	return ret;
}

int sasl_sec_opts_parse(const char *value, unsigned *opts_r, char **error_r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{"noplaintext", SASL_SEC_NOPLAINTEXT},
		{"noactive", SASL_SEC_NOACTIVE},
		{"nodictionary", SASL_SEC_NODICTIONARY},
		{"noanonymous", SASL_SEC_NOANONYMOUS},
		{"mutual_auth", SASL_SEC_MUTUAL_AUTH},
		{"forward_secrecy", SASL_SEC_FORWARD_SECRECY},
	};
	char **words;
	if (cfg_list_split(value, &words, NULL, error_r) < 0)
		return -1;
	unsigned opts = 0;
	int ret = 1;
	for (size_t i = 0; words[i] != NULL && ret == 1; i++) {
		size_t k;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcasecmp(words[i], names[k].name) == 0)
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			*error_r = xasprintf("unknown security option \"%s\"", words[i]);
			ret = -1;
		} else {
			opts |= names[k].bit;
		}
	}
	cfg_list_free(&words);
	if (ret == 1)
		*opts_r = opts;
	return ret;
}

static int sasl_conf_sec(const struct cfg *view, const char *name, unsigned *r, char **error_r)
{
	char *value, *why;
	if (sasl_conf_value(view, name, "", &value, error_r) < 0)
		return -1;
	int ret = sasl_sec_opts_parse(value, r, &why);
	free(value);
	if (ret < 0) {
		*error_r = xasprintf("%s: %s", name, why);
		free(why);
	}
	return ret;
}

static int sasl_conf_type(const struct cfg *view, struct sasl_server_conf *conf, char **error_r)
{
	char *value;
	if (sasl_conf_value(view, "smtpd_sasl_type", "cyrus", &value, error_r) < 0)
		return -1;
	int ret = 1;
	if (strcmp(value, "dovecot") == 0) {
		conf->type = SASL_TYPE_DOVECOT;
	} else if (strcmp(value, "passwd-file") == 0) {
		conf->type = SASL_TYPE_PASSWD_FILE;
	} else if (strcmp(value, "cyrus") == 0) {
		/* Postfix's default. Postern has no Cyrus back-end: AUTH stays off
		 * (clients that need it are refused, never let through). */
		if (conf->enable)
			log_warn("smtpd_sasl_type = cyrus is not supported (use dovecot, or "
				 "passwd-file for Postern's built-in back-end): AUTH is not "
				 "offered");
		conf->enable = 0;
		conf->type = SASL_TYPE_DOVECOT;
	} else {
		*error_r = xasprintf("smtpd_sasl_type: unknown type \"%s\" (expected dovecot, "
				     "passwd-file or cyrus)",
				     value);
		ret = -1;
	}
	free(value);
	return ret;
}

/* sasl_conf_path: smtpd_sasl_path made absolute, and for Dovecot resolved
 * to socket addresses. */
static int sasl_conf_path(const struct cfg *view, struct sasl_server_conf *conf, char **error_r)
{
	char *value, *dir = NULL;
	if (sasl_conf_value(view, "smtpd_sasl_path", "", &value, error_r) < 0)
		return -1;
	if (*value == '\0') {
		free(value);
		*error_r = xstrdup("smtpd_sasl_path: empty");
		return -1;
	}
	int is_spec = strncmp(value, "unix:", 5) == 0 || strncmp(value, "inet:", 5) == 0 ||
		      strncmp(value, "local:", 6) == 0 || strncmp(value, "inet6:", 6) == 0;
	if (value[0] != '/' && !is_spec) {
		const char *base =
			conf->type == SASL_TYPE_DOVECOT ? "queue_directory" : "config_directory";
		if (sasl_conf_value(view, base, "", &dir, error_r) < 0) {
			free(value);
			return -1;
		}
		char *abs = xasprintf("%s/%s", dir, value);
		free(value);
		free(dir);
		value = abs;
	}
	conf->path = value;
	if (conf->type != SASL_TYPE_DOVECOT || !conf->enable)
		return 1;
	struct sockspec *spec = NULL;
	char *why;
	if (sockspec_parse(value, SOCKSPEC_BARE_PATH | SOCKSPEC_SERVICE_NAMES, &spec, &why) < 0 ||
	    sockspec_resolve(spec, SOCKSPEC_RESOLVE, &conf->auth_addrs, &conf->n_auth_addrs, &why) <
		    1) {
		*error_r = xasprintf("smtpd_sasl_path: %s", why);
		free(why);
		sockspec_free(&spec);
		return -1;
	}
	sockspec_free(&spec);
	return 1;
}

static int sasl_conf_limit(const struct cfg *view, struct sasl_server_conf *conf, char **error_r)
{
	char *value, *why;
	long long limit;
	if (sasl_conf_value(view, "smtpd_sasl_response_limit", "12288", &value, error_r) < 0)
		return -1;
	int ret = cfg_value_int(value, 1, 1 << 24, &limit, &why);
	free(value);
	if (ret < 0) {
		*error_r = xasprintf("smtpd_sasl_response_limit: %s", why);
		free(why);
		return -1;
	}
	conf->response_limit = (size_t)limit;
	return 1;
}

int sasl_server_conf_new(const struct cfg *view, struct sasl_server_conf **conf_r, char **error_r)
{
	struct sasl_server_conf *conf = xcalloc(1, sizeof(*conf));
	if (sasl_conf_bool(view, "smtpd_sasl_auth_enable", &conf->enable, error_r) < 0 ||
	    sasl_conf_type(view, conf, error_r) < 0 || sasl_conf_path(view, conf, error_r) < 0 ||
	    sasl_conf_value(view, "smtpd_sasl_service", "smtp", &conf->service, error_r) < 0 ||
	    sasl_conf_sec(view, "smtpd_sasl_security_options", &conf->sec_opts, error_r) < 0 ||
	    sasl_conf_sec(view, "smtpd_sasl_tls_security_options", &conf->tls_sec_opts, error_r) <
		    0 ||
	    sasl_conf_bool(view, "smtpd_tls_auth_only", &conf->tls_auth_only, error_r) < 0 ||
	    sasl_conf_value(view, "smtpd_sasl_local_domain", "", &conf->local_domain, error_r) <
		    0 ||
	    sasl_conf_bool(view, "smtpd_sasl_authenticated_header", &conf->authenticated_header,
			   error_r) < 0 ||
	    sasl_conf_limit(view, conf, error_r) < 0 ||
	    sasl_conf_bool(view, "broken_sasl_auth_clients", &conf->broken_clients, error_r) < 0) {
		sasl_server_conf_free(&conf);
		return -1;
	}
	*conf_r = conf;
	return 1;
}

void sasl_server_conf_free(struct sasl_server_conf **confp)
{
	struct sasl_server_conf *conf = *confp;
	if (conf == NULL)
		return;
	free(conf->path);
	free(conf->auth_addrs);
	free(conf->service);
	free(conf->local_domain);
	free(conf);
	*confp = NULL;
}
