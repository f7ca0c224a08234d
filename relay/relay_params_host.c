/* relay_params_host.c: the defaults Postfix computes from the host
 * (myhostname, mydomain, mynetworks), computed the same way (see
 * relay_params.h). mynetworks follows Postfix's mynetworks.c: each address
 * of $inet_interfaces becomes a network per $mynetworks_style, in interface
 * order, repeats dropped, each followed by a space. */
#include "relay_params.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "cfg_expand.h"
#include "cfg_list.h"
#include "mem.h"

#define RELAY_DEFAULT_DOMAIN "localdomain"

enum relay_style { RELAY_STYLE_HOST, RELAY_STYLE_SUBNET, RELAY_STYLE_CLASS };

/* One address of this host with the netmask of its interface. */
struct relay_addr {
	struct sockaddr_storage addr;
	struct sockaddr_storage mask;
};

struct relay_addrs {
	struct relay_addr *a;
	size_t n;
};

static void relay_addrs_add(struct relay_addrs *l, const struct sockaddr *addr,
			    const struct sockaddr *mask)
{
	size_t len = addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						: sizeof(struct sockaddr_in6);
	l->a = xreallocarray(l->a, l->n + 1, sizeof(*l->a));
	struct relay_addr *r = &l->a[l->n++];
	memset(r, 0, sizeof(*r));
	memcpy(&r->addr, addr, len);
	if (mask != NULL)
		memcpy(&r->mask, mask, len);
	r->mask.ss_family = addr->sa_family;
}

static int relay_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr,
			      sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* relay_protocols: which of AF_INET, AF_INET6 inet_protocols enables. */
static int relay_protocols(const char *protocols, int *v4_r, int *v6_r, char **error_r)
{
	char **items;
	if (cfg_list_split(protocols, &items, NULL, error_r) < 0)
		return -1;
	*v4_r = *v6_r = 0;
	int rc = 1;
	for (char **i = items; *i != NULL; i++) {
		if (strcasecmp(*i, "all") == 0) {
			*v4_r = *v6_r = 1;
		} else if (strcasecmp(*i, "ipv4") == 0) {
			*v4_r = 1;
		} else if (strcasecmp(*i, "ipv6") == 0) {
			*v6_r = 1;
		} else {
			*error_r =
			    xasprintf("inet_protocols: unknown protocol \"%s\" (expected all, "
				      "ipv4 or ipv6)",
				      *i);
			rc = -1;
			break;
		}
	}
	cfg_list_free(&items);
	return rc;
}

/* relay_find_local: the interface entry holding addr, or NULL. */
static const struct ifaddrs *relay_find_local(const struct ifaddrs *ifs,
					      const struct sockaddr *addr)
{
	for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && relay_same_addr(i->ifa_addr, addr))
			return i;
	return NULL;
}

/* relay_interface_addrs: the addresses that inet_interfaces names. */
static int relay_interface_addrs(const char *interfaces, int v4, int v6, struct relay_addrs *out,
				 char **error_r)
{
	struct ifaddrs *ifs;
	char **items;
	if (getifaddrs(&ifs) < 0) {
		*error_r = xstrdup("cannot list the network interfaces of this host");
		return -1;
	}
	if (cfg_list_split(interfaces, &items, NULL, error_r) < 0) {
		freeifaddrs(ifs);
		return -1;
	}
	int rc = 1;
	for (char **item = items; *item != NULL && rc > 0; item++) {
		int all = strcasecmp(*item, "all") == 0;
		int loopback = strcasecmp(*item, "loopback-only") == 0;
		if (all || loopback) {
			for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
				if (i->ifa_addr == NULL ||
				    (loopback && !(i->ifa_flags & IFF_LOOPBACK)))
					continue;
				int family = i->ifa_addr->sa_family;
				if ((family == AF_INET && v4) || (family == AF_INET6 && v6))
					relay_addrs_add(out, i->ifa_addr, i->ifa_netmask);
			}
			continue;
		}
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
		const char *host = *item;
		size_t hl = strlen(host);
		char *unbracketed = NULL;
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']')
			host = unbracketed = xstrndup(host + 1, hl - 2);
		hints.ai_family = v4 && v6 ? AF_UNSPEC : v4 ? AF_INET : AF_INET6;
		int gai = getaddrinfo(host, NULL, &hints, &res);
		free(unbracketed);
		if (gai != 0) {
			*error_r =
			    xasprintf("inet_interfaces: cannot find the address of \"%s\": %s",
				      *item, gai_strerror(gai));
			rc = -1;
			break;
		}
		for (struct addrinfo *r = res; r != NULL; r = r->ai_next) {
			const struct ifaddrs *local = relay_find_local(ifs, r->ai_addr);
			if (local == NULL) {
				*error_r =
				    xasprintf("inet_interfaces: no local interface found for "
					      "\"%s\"",
					      *item);
				rc = -1;
				break;
			}
			relay_addrs_add(out, r->ai_addr, local->ifa_netmask);
		}
		freeaddrinfo(res);
	}
	cfg_list_free(&items);
	freeifaddrs(ifs);
	return rc;
}

/* relay_prefix_len: the number of leading one bits of a netmask. */
static int relay_prefix_len(const unsigned char *mask, size_t len)
{
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = mask[i];
		while (c & 0x80) {
			bits++;
			c = (unsigned char)(c << 1);
		}
		if (mask[i] != 0xff)
			break;
	}
	return bits;
}

static void relay_mask_bytes(unsigned char *addr, size_t len, int bits)
{
	for (size_t i = 0; i < len; i++) {
		int keep = bits - (int)i * 8;
		if (keep >= 8)
			continue;
		addr[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
}

/* relay_network: "a.b.c.d/n" or "[x::y]/n" for one address. */
static char *relay_network(const struct relay_addr *r, enum relay_style style)
{
	char text[INET6_ADDRSTRLEN];
	int bits;
	if (r->addr.ss_family == AF_INET) {
		struct in_addr a = ((const struct sockaddr_in *)&r->addr)->sin_addr;
		const struct in_addr *m = &((const struct sockaddr_in *)&r->mask)->sin_addr;
		uint32_t host = ntohl(a.s_addr);
		if (style == RELAY_STYLE_HOST)
			bits = 32;
		else if (style == RELAY_STYLE_SUBNET)
			bits = relay_prefix_len((const unsigned char *)m, 4);
		else
			bits = host < 0x80000000U   ? 8
			       : host < 0xc0000000U ? 16
			       : host < 0xe0000000U ? 24
						    : 4;
		relay_mask_bytes((unsigned char *)&a, 4, bits);
		inet_ntop(AF_INET, &a, text, sizeof(text));
		return xasprintf("%s/%d", text, bits);
	}
	struct in6_addr a = ((const struct sockaddr_in6 *)&r->addr)->sin6_addr;
	const struct in6_addr *m = &((const struct sockaddr_in6 *)&r->mask)->sin6_addr;
	/* IPv6 has no address classes: "class" means "subnet", as in Postfix. */
	bits = style == RELAY_STYLE_HOST ? 128 : relay_prefix_len((const unsigned char *)m, 16);
	relay_mask_bytes((unsigned char *)&a, 16, bits);
	inet_ntop(AF_INET6, &a, text, sizeof(text));
	return xasprintf("[%s]/%d", text, bits);
}

int relay_params_mynetworks(const char *style, const char *interfaces, const char *protocols,
			    char **result_r, char **error_r)
{
	enum relay_style s;
	if (strcasecmp(style, "host") == 0)
		s = RELAY_STYLE_HOST;
	else if (strcasecmp(style, "subnet") == 0)
		s = RELAY_STYLE_SUBNET;
	else if (strcasecmp(style, "class") == 0)
		s = RELAY_STYLE_CLASS;
	else {
		*error_r = xasprintf("bad mynetworks_style value \"%s\" (expected host, subnet or "
				     "class)",
				     style);
		return -1;
	}
	int v4, v6;
	if (relay_protocols(protocols, &v4, &v6, error_r) < 0)
		return -1;
	struct relay_addrs addrs = { NULL, 0 };
	if (relay_interface_addrs(interfaces, v4, v6, &addrs, error_r) < 0) {
		free(addrs.a);
		return -1;
	}
	struct buf out;
	buf_init(&out, 0);
	char **seen = xcalloc(addrs.n + 1, sizeof(*seen));
	size_t n_seen = 0;
	for (size_t i = 0; i < addrs.n; i++) {
		char *net = relay_network(&addrs.a[i], s);
		size_t j = 0;
		while (j < n_seen && strcmp(seen[j], net) != 0)
			j++;
		if (j < n_seen) {
			free(net);
			continue;
		}
		buf_printf(&out, "%s ", net);
		seen[n_seen++] = net;
	}
	for (size_t j = 0; j < n_seen; j++)
		free(seen[j]);
	free(seen);
	free(addrs.a);
	*result_r = buf_detach(&out);
	buf_deinit(&out);
	return 1;
}

/* relay_explicit: does a layer above defaults define name? */
static int relay_explicit(const struct cfg *defaults, const struct cfg *view, const char *name)
{
	const struct cfg_entry *e = cfg_lookup(view, name);
	return e != NULL && e != cfg_lookup_local(defaults, name);
}

/* relay_expanded: the expanded value of name in view (which has it). */
static int relay_expanded(const struct cfg *view, const char *name, char **value_r,
			  char **error_r)
{
	int rc = cfg_expand_param(view, name, value_r, error_r);
	if (rc == 0)
		*value_r = xstrdup("");
	return rc < 0 ? -1 : 1;
}

static int relay_compute_myhostname(struct cfg *defaults, const struct cfg *view,
				    char **error_r)
{
	char host[256];
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') != NULL) {
		cfg_set(defaults, "myhostname", host, NULL, 0);
		return 1;
	}
	char *domain = NULL;
	if (relay_explicit(defaults, view, "mydomain") &&
	    relay_expanded(view, "mydomain", &domain, error_r) < 0)
		return -1;
	char *name = xasprintf("%s.%s", host, domain ? domain : RELAY_DEFAULT_DOMAIN);
	cfg_set(defaults, "myhostname", name, NULL, 0);
	free(name);
	free(domain);
	return 1;
}

static int relay_compute_mydomain(struct cfg *defaults, const struct cfg *view, char **error_r)
{
	char *host;
	if (relay_expanded(view, "myhostname", &host, error_r) < 0)
		return -1;
	const char *dot = strchr(host, '.');
	cfg_set(defaults, "mydomain", dot ? dot + 1 : RELAY_DEFAULT_DOMAIN, NULL, 0);
	free(host);
	return 1;
}

static int relay_compute_mynetworks(struct cfg *defaults, const struct cfg *view,
				    char **error_r)
{
	char *style = NULL, *interfaces = NULL, *protocols = NULL, *result = NULL;
	int rc = -1;
	if (relay_expanded(view, "mynetworks_style", &style, error_r) > 0 &&
	    relay_expanded(view, "inet_interfaces", &interfaces, error_r) > 0 &&
	    relay_expanded(view, "inet_protocols", &protocols, error_r) > 0 &&
	    relay_params_mynetworks(style, interfaces, protocols, &result, error_r) > 0) {
		cfg_set(defaults, "mynetworks", result, NULL, 0);
		rc = 1;
	}
	free(style);
	free(interfaces);
	free(protocols);
	free(result);
	return rc;
}

int relay_params_compute(struct cfg *defaults, const struct cfg *view, char **error_r)
{
	/* Each may need the ones before it, through view. */
	if (relay_compute_myhostname(defaults, view, error_r) < 0 ||
	    relay_compute_mydomain(defaults, view, error_r) < 0)
		return -1;
	/* mynetworks only when needed: it looks at every interface. */
	if (relay_explicit(defaults, view, "mynetworks"))
		return 1;
	return relay_compute_mynetworks(defaults, view, error_r);
}
