/* sockspec.c: socket specs from text and back (see sockspec.h). The
 * sockets themselves are made in sockspec_sock.c. */
#include "sockspec.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "domain.h"
#include "mem.h"

#define SOCKSPEC_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static int sockspec_prefix(const char *text, const char *prefix, const char **rest_r)
{
	size_t n = strlen(prefix);
	if (strncmp(text, prefix, n) != 0)
		return 0;
	*rest_r = text + n;
	return 1;
}

/* sockspec_port: a decimal port (no leading zero, 0-65535) or, with
 * SOCKSPEC_SERVICE_NAMES, a TCP service name. */
static int sockspec_port(const char *text, size_t len, unsigned int flags, unsigned int *port_r)
{
	char name[64];

	if (len == 0 || len >= sizeof(name))
		return -1;
	if (strspn(text, "0123456789") >= len) {
		unsigned long v = 0;
		if (len > 5 || (text[0] == '0' && len > 1))
			return -1;
		for (size_t i = 0; i < len; i++)
			v = v * 10 + (unsigned long)(text[i] - '0');
		if (v > 65535)
			return -1;
		*port_r = (unsigned int)v;
		return 0;
	}
	if (!(flags & SOCKSPEC_SERVICE_NAMES))
		return -1;
	memcpy(name, text, len);
	name[len] = '\0';
	struct servent se, *res = NULL;
	char sbuf[1024];
	if (getservbyname_r(name, "tcp", &se, sbuf, sizeof(sbuf), &res) != 0 || res == NULL)
		return -1;
	*port_r = ntohs((uint16_t)res->s_port);
	return 0;
}

/* sockspec_host: check host[0..len) (brackets already removed) and store
 * it; "" and "*" are the wildcard. */
static int sockspec_host(struct sockspec *spec, const char *host, size_t len, unsigned int flags,
			 const char **why_r)
{
	char *h = xstrndup(host, len);
	struct in_addr a4;

	if (len == 0 || strcmp(h, "*") == 0) {
		free(h);
		if (!(flags & SOCKSPEC_LISTEN)) {
			*why_r = "missing host";
			return -1;
		}
		return 0;
	}
	if (strchr(h, ':') != NULL) {
		if (!domain_valid_ipv6(h, NULL)) {
			*why_r = "bad IPv6 address";
			free(h);
			return -1;
		}
	} else if (spec->family == AF_INET6) {
		*why_r = "inet6: needs an IPv6 address";
		free(h);
		return -1;
	} else if (inet_pton(AF_INET, h, &a4) != 1 && !domain_valid_hostname(h, 0, NULL)) {
		/* inet_pton, not domain_valid_ipv4: "010.0.0.1" would be octal
		 * to getaddrinfo(). */
		*why_r = "bad host name or address";
		free(h);
		return -1;
	}
	spec->host = h;
	return 0;
}

/* sockspec_inet: the part after "inet:" / "inet6:" (sendmail says whether
 * PORT@HOST is allowed). */
static int sockspec_inet(struct sockspec *spec, const char *s, unsigned int flags, int sendmail,
			 const char **why_r)
{
	const char *at = sendmail ? strchr(s, '@') : NULL;
	const char *host = s, *port;
	size_t host_len;

	spec->kind = SOCKSPEC_INET;
	if (at != NULL) {
		/* PORT@HOST, HOST maybe in brackets. */
		port = s;
		if (sockspec_port(port, (size_t)(at - s), flags, &spec->port) < 0) {
			*why_r = "bad port";
			return -1;
		}
		host = at + 1;
		host_len = strlen(host);
		if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
			host++;
			host_len -= 2;
		}
		if (host_len == 0) {
			*why_r = "missing host";
			return -1;
		}
		return sockspec_host(spec, host, host_len, flags, why_r);
	}
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':') {
			*why_r = close == NULL ? "missing ']'" : "missing port";
			return -1;
		}
		host = s + 1;
		host_len = (size_t)(close - host);
		port = close + 2;
		if (host_len == 0) {
			*why_r = "missing host";
			return -1;
		}
	} else {
		const char *colon = strrchr(s, ':');
		if (colon != NULL && memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*why_r = "IPv6 address needs [brackets]";
			return -1;
		}
		host_len = colon ? (size_t)(colon - s) : 0;
		port = colon ? colon + 1 : s;
	}
	if (sockspec_port(port, strlen(port), flags, &spec->port) < 0) {
		*why_r = *port == '\0' ? "missing port" : "bad port";
		return -1;
	}
	return sockspec_host(spec, host, host_len, flags, why_r);
}

int sockspec_parse(const char *text, unsigned int flags, struct sockspec **spec_r, char **error_r)
{
	struct sockspec *spec = xcalloc(1, sizeof(*spec));
	const char *rest, *why = NULL;
	int rc;

	spec->family = AF_UNSPEC;
	if (sockspec_prefix(text, "unix:", &rest) || sockspec_prefix(text, "local:", &rest) ||
	    ((flags & SOCKSPEC_BARE_PATH) && (rest = text)[0] == '/')) {
		spec->kind = SOCKSPEC_UNIX;
		spec->family = AF_UNIX;
		if (*rest == '\0')
			why = "missing path";
		else if (strlen(rest) > SOCKSPEC_PATH_MAX)
			why = "path too long for a UNIX-domain socket";
		else
			spec->path = xstrdup(rest);
		rc = why ? -1 : 0;
	} else if (sockspec_prefix(text, "inet6:", &rest)) {
		spec->family = AF_INET6;
		rc = sockspec_inet(spec, rest, flags, 1, &why);
	} else if (sockspec_prefix(text, "inet:", &rest)) {
		rc = sockspec_inet(spec, rest, flags, 1, &why);
	} else if (*text == '/') {
		rc = -1;
		why = "a path needs the unix: prefix here";
	} else if (*text == '\0') {
		rc = -1;
		why = "empty socket address";
	} else {
		rc = sockspec_inet(spec, text, flags, 0, &why);
	}
	if (rc < 0) {
		*error_r = xasprintf("%s: %s", text, why);
		sockspec_free(&spec);
		return -1;
	}
	*spec_r = spec;
	return 1;
}

void sockspec_free(struct sockspec **specp)
{
	if (specp == NULL || *specp == NULL)
		return;
	free((*specp)->path);
	free((*specp)->host);
	FREE_AND_NULL(*specp);
}

const char *sockspec_format(struct buf *out, const struct sockspec *spec)
{
	if (spec->kind == SOCKSPEC_UNIX) {
		buf_printf(out, "unix:%s", spec->path);
	} else {
		const char *h = spec->host ? spec->host : "*";
		int brackets = strchr(h, ':') != NULL;
		buf_printf(out, "%s:%s%s%s:%u", spec->family == AF_INET6 ? "inet6" : "inet",
			   brackets ? "[" : "", h, brackets ? "]" : "", spec->port);
	}
	return buf_cstr(out);
}
