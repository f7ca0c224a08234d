/* milter_client_macro.c: the values of the Sendmail macros Postfix sends
 * to milters (MILTER_README, "Macros"), from the restriction engine's
 * facts about the session, or else from milter_macro_defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_list.h"
#include "mem.h"
#include "milter_client_private.h"

/* milter_macro_host: the domain of an address (malloc'd), or "". */
static char *milter_macro_host(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	return xstrdup(at != NULL ? at + 1 : "");
}

/* milter_macro_value: the value of macro name (braces included, e.g.
 * "{client_addr}"), malloc'd, or NULL when facts do not have it. */
static char *milter_macro_value(const struct milter_client_conf *conf, const char *name,
				const struct smtpd_facts *f)
{
	const char *v = NULL;
	if (conf->non_smtp && (strcmp(name, "{mail_host}") == 0 || strcmp(name, "{mail_mailer}") == 0 ||
			       strcmp(name, "{rcpt_host}") == 0 || strcmp(name, "{rcpt_mailer}") == 0))
		return NULL;
	if (strcmp(name, "j") == 0)
		v = conf->myhostname;
	else if (strcmp(name, "_") == 0)
		return xasprintf("%s [%s]", f->client_name, f->client_addr);
	else if (strcmp(name, "{daemon_name}") == 0)
		v = conf->daemon_name;
	else if (strcmp(name, "{daemon_addr}") == 0)
		v = f->server_addr;
	else if (strcmp(name, "{daemon_port}") == 0)
		v = f->server_port;
	else if (strcmp(name, "v") == 0)
		v = conf->macro_v;
	else if (strcmp(name, "{client_addr}") == 0)
		v = f->client_addr;
	else if (strcmp(name, "{client_name}") == 0)
		v = f->client_name;
	else if (strcmp(name, "{client_port}") == 0)
		v = f->client_port;
	else if (strcmp(name, "{client_ptr}") == 0)
		v = f->reverse_name;
	else if (strcmp(name, "{auth_type}") == 0)
		v = f->sasl_method;
	else if (strcmp(name, "{auth_authen}") == 0)
		v = f->sasl_username;
	else if (strcmp(name, "{auth_author}") == 0)
		v = f->sasl_sender;
	else if (strcmp(name, "i") == 0)
		v = f->queue_id;
	else if (strcmp(name, "{mail_addr}") == 0)
		v = f->sender;
	else if (strcmp(name, "{mail_host}") == 0)
		return f->sender != NULL ? milter_macro_host(f->sender) : NULL;
	else if (strcmp(name, "{mail_mailer}") == 0 || strcmp(name, "{rcpt_mailer}") == 0)
		v = "smtp";
	else if (strcmp(name, "{rcpt_addr}") == 0)
		v = f->recipient;
	else if (strcmp(name, "{rcpt_host}") == 0)
		return f->recipient != NULL ? milter_macro_host(f->recipient) : NULL;
	else if (strcmp(name, "{tls_version}") == 0)
		v = f->tls_protocol;
	else if (strcmp(name, "{cipher}") == 0)
		v = f->tls_cipher;
	else if (strcmp(name, "{cipher_bits}") == 0)
		return f->tls_protocol != NULL ? xasprintf("%d", f->tls_bits) : NULL;
	else if (strcmp(name, "{cert_subject}") == 0)
		v = f->ccert_subject;
	else if (strcmp(name, "{cert_issuer}") == 0)
		v = f->ccert_issuer;
	return v != NULL ? xstrdup(v) : NULL;
}

/* milter_macro_default: the milter_macro_defaults value of name, or NULL. */
static char *milter_macro_default(const struct milter_client_conf *conf, const char *name)
{
	for (size_t i = 0; conf->macro_defaults != NULL && conf->macro_defaults[i] != NULL; i += 2)
		if (strcmp(conf->macro_defaults[i], name) == 0)
			return xstrdup(conf->macro_defaults[i + 1]);
	return NULL;
}

const char **milter_macro_pairs(const struct milter_client_conf *conf, const char *list,
				const struct smtpd_facts *facts, char ***store_r, size_t *n_r)
{
	char **names = NULL, *error = NULL;
	size_t n = 0;
	if (cfg_list_split(list, &names, &n, &error) < 0) {
		free(error);
		n = 0;
	}
	char **store = xcalloc(2 * n + 1, sizeof(*store));
	const char **pairs = xcalloc(2 * n + 1, sizeof(*pairs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char *value = milter_macro_value(conf, names[i], facts);
		if (value == NULL)
			value = milter_macro_default(conf, names[i]);
		if (value == NULL)
			continue;
		store[k] = xstrdup(names[i]);
		pairs[k] = store[k];
		k++;
		store[k] = value;
		pairs[k] = store[k];
		k++;
	}
	if (names != NULL)
		cfg_list_free(&names);
	*store_r = store;
	*n_r = k;
	return pairs;
}

void milter_macro_free(const char ***pairs, char ***store)
{
	for (size_t i = 0; *store != NULL && (*store)[i] != NULL; i++)
		free((*store)[i]);
	FREE_AND_NULL(*store);
	FREE_AND_NULL(*pairs);
}
