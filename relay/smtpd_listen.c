/* smtpd_listen.c: open the listening sockets of posternd's SMTP listeners
 * (see smtpd_listen.h). */
#include "smtpd_listen.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_list.h"
#include "mem.h"
#include "relay_conf_value.h"
#include "sockspec.h"

struct smtpd_listen_ctx {
	struct smtpd_socket *socks;
	size_t n, cap;
	int want4, want6;
};

/* smtpd_listen_host: listen on host (NULL: the wildcard) and port. */
static int smtpd_listen_host(struct smtpd_listen_ctx *x, const struct smtpd_conf *lc,
			     const char *host, char **error_r)
{
	char *text = host == NULL		 ? xasprintf(":%s", lc->listen_port)
		     : strchr(host, ':') != NULL ? xasprintf("[%s]:%s", host, lc->listen_port)
						 : xasprintf("%s:%s", host, lc->listen_port);
	const unsigned flags = SOCKSPEC_LISTEN | SOCKSPEC_SERVICE_NAMES | SOCKSPEC_RESOLVE;
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	int rc = sockspec_parse(text, flags, &spec, error_r);
	if (rc > 0 && (rc = sockspec_resolve(spec, flags, &addrs, &n, error_r)) == 0)
		rc = -1;
	sockspec_free(&spec);
	if (rc < 0) {
		char *bare = *error_r;
		*error_r = xasprintf("service %s: %s", lc->service, bare);
		free(bare);
		free(text);
		return -1;
	}
	free(text);
	for (size_t i = 0; i < n; i++) {
		int family = addrs[i].ss.ss_family;
		if ((family == AF_INET && !x->want4) || (family == AF_INET6 && !x->want6))
			continue;
		char where[SOCKSPEC_ADDRSTRLEN];
		sockspec_format_sockaddr((struct sockaddr *)&addrs[i].ss, addrs[i].len, where,
					 sizeof(where));
		char *error = NULL;
		int fd = sockspec_listen_addr(&addrs[i], SMTPD_LISTEN_BACKLOG, 0, &error);
		if (fd < 0) {
			*error_r = xasprintf("service %s: listen on %s: %s", lc->service, where,
					     error);
			free(error);
			free(addrs);
			return -1;
		}
		if (x->n == x->cap) {
			x->cap = x->cap ? 2 * x->cap : 4;
			x->socks = xreallocarray(x->socks, x->cap, sizeof(*x->socks));
		}
		size_t group = x->n;
		for (size_t g = 0; g < x->n; g++)
			if (strcmp(x->socks[g].service, lc->service) == 0) {
				group = g;
				break;
			}
		x->socks[x->n] =
			(struct smtpd_socket){fd, xstrdup(lc->service), xstrdup(where), group};
		x->n++;
	}
	free(addrs);
	return 1;
}

/* smtpd_listen_interfaces: a listener without a host: inet_interfaces. */
static int smtpd_listen_interfaces(struct smtpd_listen_ctx *x, const struct smtpd_conf *lc,
				   char **error_r)
{
	char **items;
	if (relay_conf_list(lc->view, "inet_interfaces", &items, NULL, error_r) < 0)
		return -1;
	int rc = 1;
	for (char **i = items; rc > 0 && *i != NULL; i++) {
		if (strcmp(*i, "all") == 0) {
			rc = smtpd_listen_host(x, lc, NULL, error_r);
		} else if (strcmp(*i, "loopback-only") == 0) {
			if (x->want4)
				rc = smtpd_listen_host(x, lc, "127.0.0.1", error_r);
			if (rc > 0 && x->want6)
				rc = smtpd_listen_host(x, lc, "::1", error_r);
		} else {
			char *host = xstrdup(*i);
			size_t len = strlen(host);
			if (len > 1 && host[0] == '[' && host[len - 1] == ']') {
				memmove(host, host + 1, len - 2);
				host[len - 2] = '\0';
			}
			rc = smtpd_listen_host(x, lc, host, error_r);
			free(host);
		}
	}
	cfg_list_free(&items);
	return rc;
}

static int smtpd_listen_protocols(struct smtpd_listen_ctx *x, const struct cfg *view,
				  char **error_r)
{
	char **items;
	if (relay_conf_list(view, "inet_protocols", &items, NULL, error_r) < 0)
		return -1;
	for (char **i = items; *i != NULL; i++) {
		if (strcmp(*i, "all") == 0)
			x->want4 = x->want6 = 1;
		else if (strcmp(*i, "ipv4") == 0)
			x->want4 = 1;
		else if (strcmp(*i, "ipv6") == 0)
			x->want6 = 1;
	}
	cfg_list_free(&items);
	if (!x->want4 && !x->want6) {
		*error_r = relay_conf_error(view, "inet_protocols",
					    "no address family (all, ipv4, ipv6)");
		return -1;
	}
	return 1;
}

int smtpd_listen_open(const struct relay_conf *conf, struct smtpd_socket **socks_r, size_t *n_r,
		      char **error_r)
{
	struct smtpd_listen_ctx x = {0};
	int rc = 1;
	for (size_t l = 0; rc > 0 && l < conf->n_listeners; l++) {
		const struct smtpd_conf *lc = conf->listeners[l];
		x.want4 = x.want6 = 0;
		rc = smtpd_listen_protocols(&x, lc->view, error_r);
		if (rc > 0)
			rc = lc->listen_host != NULL
				     ? smtpd_listen_host(&x, lc, lc->listen_host, error_r)
				     : smtpd_listen_interfaces(&x, lc, error_r);
	}
	if (rc < 0) {
		smtpd_listen_close(&x.socks, x.n);
		return -1;
	}
	*socks_r = x.socks;
	*n_r = x.n;
	return 1;
}

void smtpd_listen_close(struct smtpd_socket **socksp, size_t n)
{
	if (socksp == NULL || *socksp == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		close((*socksp)[i].fd);
		free((*socksp)[i].service);
		free((*socksp)[i].where);
	}
	FREE_AND_NULL(*socksp);
}
