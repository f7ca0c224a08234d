/* domain.h: syntax checks for host names, IP addresses and address literals.
 *
 * The rules are Postfix's (valid_hostname, valid_hostaddr,
 * valid_mailhost_literal, reject_non_fqdn_*), so Postern accepts and rejects
 * the same names a Postfix server does:
 * - a host name is labels of letters, digits, '_' and '-', separated by
 *   single dots; no label starts or ends with '-'; a label is at most 63
 *   octets and the name at most 255; a name made of digits and dots only is
 *   not a host name (it would be mistaken for an IPv4 address); there is no
 *   trailing dot (callers strip one where the protocol allows it);
 * - with DOMAIN_UTF8, octets of well-formed UTF-8 sequences count as letters
 *   (an RFC 6531 U-label). No IDNA conversion is done: lengths are counted in
 *   UTF-8 octets, not in the octets of the A-label;
 * - an IPv4 address is a dotted quad of decimal numbers 0-255 (leading zeros
 *   allowed, as Postfix does); a first octet of 0 is allowed only in 0.0.0.0;
 * - an IPv6 address is what inet_pton(AF_INET6) accepts (stricter than
 *   Postfix's own scanner on a few malformed forms such as "1:2:3.4.5.6");
 * - an address literal is "[IPv4]" or "[IPv6:IPv6]" (the tag is matched
 *   without regard to case); RFC 5321 general literals "[tag:text]" are not
 *   accepted, as in Postfix.
 *
 * Every function is pure and thread-safe; inputs are NUL-terminated unless a
 * length is passed. why_r, where present, may be NULL; it receives a constant
 * string (never freed) saying what is wrong.
 */
#ifndef POSTERN_DOMAIN_H
#define POSTERN_DOMAIN_H

#include <stddef.h>

#define DOMAIN_NAME_MAX 255 /* RFC 1035 / RFC 5321 4.5.3.1.2, in octets */
#define DOMAIN_LABEL_MAX 63

/* Flags for domain_valid_hostname() and domain_is_fqdn(). */
enum domain_flags {
	DOMAIN_UTF8 = 1 << 0, /* accept UTF-8 (U-label) characters in labels */
};

/* domain_valid_hostname: 1 when name is a valid host name, 0 when not. */
int domain_valid_hostname(const char *name, unsigned int flags, const char **why_r);

/* domain_valid_ipv4: 1 for a valid dotted-quad IPv4 address, 0 if not. */
int domain_valid_ipv4(const char *addr, const char **why_r);

/* domain_valid_ipv6: 1 for a valid textual IPv6 address, 0 if not. */
int domain_valid_ipv6(const char *addr, const char **why_r);

/* domain_valid_hostaddr: IPv6 when addr contains ':', IPv4 otherwise. */
int domain_valid_hostaddr(const char *addr, const char **why_r);

/* domain_literal_parse: check the address literal lit[0..len) ("[192.0.2.1]",
 * "[IPv6:2001:db8::1]"). On success returns 1, sets *family_r to AF_INET or
 * AF_INET6 and points *addr_r and *addr_len_r at the bare address inside lit (no
 * copy); any output pointer may be NULL. Returns 0 when lit is not a valid
 * literal (outputs untouched). */
int domain_literal_parse(const char *lit, size_t len, int *family_r, const char **addr_r,
			 size_t *addr_len_r, const char **why_r);

/* domain_is_fqdn: the test behind Postfix's reject_non_fqdn_sender
 * (_recipient, _helo_hostname). 1 when name is an address literal
 * "[...]" (those restrictions let literals pass), or, after removing one
 * trailing dot that does not follow another dot, a valid host name that
 * contains a dot. 0 otherwise (including the empty name). */
int domain_is_fqdn(const char *name, unsigned int flags);

/* domain_eq: 1 when the two domains are equal ignoring ASCII case (octets
 * outside ASCII must match exactly), 0 otherwise. Locale-independent. */
int domain_eq(const char *a, const char *b);

/* domain_utf8_valid: 1 when s[0..len) is well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if not. Also
 * used by addr for local parts. */
int domain_utf8_valid(const char *s, size_t len);

#endif
