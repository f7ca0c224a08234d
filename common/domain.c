/* domain.c: host name, IP address and address literal syntax (see domain.h).
 * A parser over untrusted input: every loop is bounded by the NUL or the
 * length it is given, and no result is written outside the caller's
 * variables. */
#include "domain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define IPV6_TAG "IPv6:"
#define IPV6_TAG_LEN (sizeof(IPV6_TAG) - 1)

static void domain_why(const char **why_r, const char *why)
{
	if (why_r != NULL)
		*why_r = why;
}

static int domain_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int domain_is_alnum(unsigned char c)
{
	return domain_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char domain_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* domain_utf8_seq: length of the well-formed UTF-8 sequence at s (at most
 * len octets available), or 0 when it is malformed. */
static size_t domain_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second octet */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int domain_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = domain_utf8_seq(p + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

int domain_valid_hostname(const char *name, unsigned int flags, const char **why_r)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name);
	size_t label = 0; /* octets in the current label */
	int non_numeric = 0;

	if (len == 0) {
		domain_why(why_r, "empty host name");
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (domain_is_alnum(c) || c == '_') {
			label++;
			if (!domain_is_digit(c))
				non_numeric = 1;
		} else if (c == '-') {
			if (label == 0 || i + 1 == len || p[i + 1] == '.') {
				domain_why(why_r, "misplaced hyphen");
				return 0;
			}
			label++;
			non_numeric = 1;
		} else if (c == '.') {
			if (label == 0 || i + 1 == len) {
				domain_why(why_r, "misplaced dot");
				return 0;
			}
			label = 0;
			continue;
		} else if (c >= 0x80 && (flags & DOMAIN_UTF8)) {
			size_t n = domain_utf8_seq(p + i, len - i);
			if (n == 0) {
				domain_why(why_r, "malformed UTF-8");
				return 0;
			}
			label += n;
			non_numeric = 1;
			i += n - 1;
		} else {
			domain_why(why_r, c >= 0x80 ? "non-ASCII character" : "invalid character");
			return 0;
		}
		if (label > DOMAIN_LABEL_MAX) {
			domain_why(why_r, "label longer than 63 octets");
			return 0;
		}
	}
	if (!non_numeric) {
		domain_why(why_r, "numeric host name");
		return 0;
	}
	if (len > DOMAIN_NAME_MAX) {
		domain_why(why_r, "name longer than 255 octets");
		return 0;
	}
	return 1;
}

int domain_valid_ipv4(const char *addr, const char **why_r)
{
	const unsigned char *p = (const unsigned char *)addr;
	int octets = 0, digits = 0, value = 0, first = -1;

	for (size_t i = 0;; i++) {
		unsigned char c = p[i];
		if (domain_is_digit(c)) {
			value = value * 10 + (c - '0');
			digits++;
			if (value > 255) {
				domain_why(why_r, "octet value out of range");
				return 0;
			}
			continue;
		}
		if (c != '.' && c != '\0') {
			domain_why(why_r, "invalid character in IPv4 address");
			return 0;
		}
		if (digits == 0 || ++octets > 4) {
			domain_why(why_r, "malformed IPv4 address");
			return 0;
		}
		if (first < 0)
			first = value;
		digits = value = 0;
		if (c == '\0')
			break;
	}
	if (octets != 4) {
		domain_why(why_r, "IPv4 address needs four octets");
		return 0;
	}
	/* Postfix: 0.0.0.0 is an address, 0.1.2.3 is not. */
	if (first == 0 && addr[strspn(addr, "0.")] != '\0') {
		domain_why(why_r, "bad first octet");
		return 0;
	}
	return 1;
}

int domain_valid_ipv6(const char *addr, const char **why_r)
{
	struct in6_addr a;
	if (strchr(addr, '%') != NULL || inet_pton(AF_INET6, addr, &a) != 1) {
		domain_why(why_r, "malformed IPv6 address");
		return 0;
	}
	return 1;
}

int domain_valid_hostaddr(const char *addr, const char **why_r)
{
	if (strchr(addr, ':') != NULL)
		return domain_valid_ipv6(addr, why_r);
	return domain_valid_ipv4(addr, why_r);
}

int domain_literal_parse(const char *lit, size_t len, int *family_r, const char **addr_r,
			 size_t *addr_len_r, const char **why_r)
{
	char bare[INET6_ADDRSTRLEN + 1];
	const char *start;
	size_t n;
	int family;

	if (len < 2 || lit[0] != '[' || lit[len - 1] != ']') {
		domain_why(why_r, "address literal needs [brackets]");
		return 0;
	}
	start = lit + 1;
	n = len - 2;
	if (n >= IPV6_TAG_LEN && strncasecmp(start, IPV6_TAG, IPV6_TAG_LEN) == 0) {
		start += IPV6_TAG_LEN;
		n -= IPV6_TAG_LEN;
		family = AF_INET6;
	} else {
		family = AF_INET;
	}
	if (n == 0 || n >= sizeof(bare) || memchr(start, '\0', n) != NULL) {
		domain_why(why_r, "malformed address literal");
		return 0;
	}
	memcpy(bare, start, n);
	bare[n] = '\0';
	if (family == AF_INET6 ? !domain_valid_ipv6(bare, why_r) : !domain_valid_ipv4(bare, why_r))
		return 0;
	if (family_r != NULL)
		*family_r = family;
	if (addr_r != NULL)
		*addr_r = start;
	if (addr_len_r != NULL)
		*addr_len_r = n;
	return 1;
}

int domain_is_fqdn(const char *name, unsigned int flags)
{
	size_t len = strlen(name);
	char copy[DOMAIN_NAME_MAX + 2];

	if (len >= 2 && name[0] == '[' && name[len - 1] == ']')
		return 1;
	/* One trailing dot is the root: "example.com." is fully qualified. */
	if (len >= 2 && name[len - 1] == '.' && name[len - 2] != '.')
		len--;
	if (len == 0 || len > DOMAIN_NAME_MAX)
		return 0;
	memcpy(copy, name, len);
	copy[len] = '\0';
	return memchr(copy, '.', len) != NULL && domain_valid_hostname(copy, flags, NULL);
}

int domain_eq(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (; *p != '\0' && *q != '\0'; p++, q++)
		if (domain_lower(*p) != domain_lower(*q))
			return 0;
	return *p == *q;
}
