/* nexthop.c: resolve a recipient to its address class, transport and
 * nexthop, as Postfix's trivial-rewrite does (see nexthop.h). */
#include "nexthop.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_list.h"
#include "mem.h"
#include "nexthop_domains.h"
#include "table.h"
#include "table_find.h"

#define N_CLASSES (NEXTHOP_DEFAULT + 1)

struct nexthop {
	struct nexthop_domains *domains[N_CLASSES]; /* NULL for the default class */
	char *transport[N_CLASSES];		    /* the class's transport[:nexthop] */
	char *myhostname;
	char *relayhost;
	struct table **maps;
	size_t n_maps;
};

static const char *str(const char *s)
{
	return s != NULL ? s : "";
}

int nexthop_new(const struct nexthop_conf *conf, struct nexthop **nh_r, char **error_r)
{
	struct nexthop *nh = xcalloc(1, sizeof(*nh));
	const char *lists[N_CLASSES] = {conf->mydestination, conf->virtual_alias_domains,
					conf->virtual_mailbox_domains, conf->relay_domains, NULL};
	const char *transports[N_CLASSES] = {
		conf->local_transport, "error:5.1.1 User unknown in virtual alias table",
		conf->virtual_transport, conf->relay_transport, conf->default_transport};
	char **items = NULL;
	size_t n = 0;

	nh->myhostname = xstrdup(str(conf->myhostname));
	nh->relayhost = xstrdup(str(conf->relayhost));
	for (int c = 0; c < N_CLASSES; c++) {
		nh->transport[c] = xstrdup(str(transports[c]));
		if (c != NEXTHOP_DEFAULT &&
		    nexthop_domains_new(lists[c], c == NEXTHOP_RELAY, &nh->domains[c], error_r) < 0)
			goto fail;
	}
	if (cfg_list_split(str(conf->transport_maps), &items, &n, error_r) < 0)
		goto fail;
	nh->maps = xcalloc(n + 1, sizeof(*nh->maps));
	for (size_t i = 0; i < n; i++) {
		if (table_open(items[i], 0, &nh->maps[nh->n_maps], error_r) < 0)
			goto fail;
		nh->n_maps++;
	}
	cfg_list_free(&items);
	*nh_r = nh;
	return 1;
fail:
	cfg_list_free(&items);
	nexthop_free(&nh);
	return -1;
}

void nexthop_free(struct nexthop **nhp)
{
	struct nexthop *nh = *nhp;

	if (nh == NULL)
		return;
	for (int c = 0; c < N_CLASSES; c++) {
		nexthop_domains_free(&nh->domains[c]);
		free(nh->transport[c]);
	}
	for (size_t i = 0; i < nh->n_maps; i++)
		table_free(&nh->maps[i]);
	free(nh->maps);
	free(nh->myhostname);
	free(nh->relayhost);
	free(nh);
	*nhp = NULL;
}

void nexthop_result_deinit(struct nexthop_result *result)
{
	free(result->transport);
	free(result->nexthop);
	result->transport = NULL;
	result->nexthop = NULL;
}

const char *nexthop_class_name(enum nexthop_class cls)
{
	static const char *const names[N_CLASSES] = {"local", "virtual alias", "virtual mailbox",
						     "relay", "default"};

	return names[cls];
}

/* split_transport: "transport:nexthop" into its two malloc'd parts; the
 * nexthop is NULL when there is no colon. */
static void split_transport(const char *value, char **transport_r, char **nexthop_r)
{
	const char *colon = strchr(value, ':');

	*transport_r = colon != NULL ? xstrndup(value, (size_t)(colon - value)) : xstrdup(value);
	*nexthop_r = colon != NULL ? xstrdup(colon + 1) : NULL;
}

/* class_nexthop: the nexthop of a class whose transport names none. */
static const char *class_nexthop(const struct nexthop *nh, enum nexthop_class cls,
				 const char *domain)
{
	if (cls == NEXTHOP_LOCAL)
		return nh->myhostname;
	if ((cls == NEXTHOP_RELAY || cls == NEXTHOP_DEFAULT) && nh->relayhost[0] != '\0')
		return nh->relayhost;
	return domain;
}

/* find_class: the address class of a lower-case domain ("" for none). */
static int find_class(const struct nexthop *nh, const char *domain, enum nexthop_class *cls_r,
		      char **error_r)
{
	if (domain[0] == '\0') {
		*cls_r = NEXTHOP_LOCAL;
		return 1;
	}
	for (int c = 0; c < NEXTHOP_DEFAULT; c++) {
		int ret = nexthop_domains_match(nh->domains[c], domain, error_r);

		if (ret != 0) {
			*cls_r = (enum nexthop_class)c;
			return ret;
		}
	}
	*cls_r = NEXTHOP_DEFAULT;
	return 1;
}

/* apply_map: override result with a transport_maps entry. */
static void apply_map(struct nexthop_result *result, const char *value, const char *domain)
{
	char *transport, *nexthop;

	split_transport(value, &transport, &nexthop);
	if (transport[0] != '\0') {
		free(result->transport);
		result->transport = transport;
		transport = NULL;
		if (nexthop == NULL || nexthop[0] == '\0') {
			free(nexthop);
			nexthop = xstrdup(domain);
		}
	}
	if (nexthop != NULL && nexthop[0] != '\0') {
		free(result->nexthop);
		result->nexthop = nexthop;
		nexthop = NULL;
	}
	free(transport);
	free(nexthop);
}

int nexthop_resolve(const struct nexthop *nh, const char *recipient,
		    struct nexthop_result *result_r, char **error_r)
{
	const char *at = strrchr(recipient, '@');
	char *domain = xstrdup(at != NULL ? at + 1 : "");
	struct table_find_opts opts = {0};
	struct table_match match = {0};
	struct nexthop_result r = {0};
	char *nexthop;
	int ret;

	for (char *p = domain; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (find_class(nh, domain, &r.cls, error_r) < 0)
		goto fail;
	split_transport(nh->transport[r.cls], &r.transport, &nexthop);
	r.nexthop = nexthop != NULL && nexthop[0] != '\0'
			    ? nexthop
			    : xstrdup(class_nexthop(nh, r.cls, domain));
	if (r.nexthop != nexthop)
		free(nexthop);
	ret = table_find_transport(nh->maps, nh->n_maps, recipient, &opts, &match, error_r);
	if (ret < 0)
		goto fail;
	if (ret > 0)
		apply_map(&r, match.value, domain);
	table_match_deinit(&match);
	free(domain);
	*result_r = r;
	return 1;
fail:
	table_match_deinit(&match);
	nexthop_result_deinit(&r);
	free(domain);
	return -1;
}
