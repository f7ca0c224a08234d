/* spf_conf.h: the settings of postern-spf, read from a file in main.cf
 * syntax (default /etc/postern/postern-spf.conf) plus -o overrides.
 *
 * Every parameter is declared once in the table in spf_conf.c (name,
 * type, default, bounds, one line of documentation); a name the table
 * does not know is an error at file:line. A loaded struct spf_conf is
 * read-only and shared by every thread.
 */
#ifndef POSTERN_SPF_CONF_H
#define POSTERN_SPF_CONF_H

#include <stddef.h>

#include "cli.h"

struct spf_list;

/* What a HELO or MAIL FROM result makes us reject (policyd-spf's
 * HELO_reject and Mail_From_reject). */
enum spf_reject_mode {
	SPF_REJECT_FAIL,     /* fail */
	SPF_REJECT_SOFTFAIL, /* fail, softfail */
	SPF_REJECT_NOT_PASS, /* anything but pass (and temperror, see temperror_defer) */
	SPF_REJECT_NULL,     /* HELO only: fail, when the sender is null */
	SPF_REJECT_NO,	     /* check and add the header, never reject */
	SPF_REJECT_NO_CHECK, /* do not check this identity */
};

enum spf_header_type {
	SPF_HEADER_SPF,	 /* Received-SPF (RFC 7208 9.1) */
	SPF_HEADER_AR,	 /* Authentication-Results (RFC 8601) */
	SPF_HEADER_NONE, /* no header: DUNNO */
};

struct spf_conf {
	char **sockets; /* NULL-terminated listen specs */
	char *user;
	long long workers;
	long long event_loops; /* 0: one per online CPU, at most 8 */
	long long cache_ttl;  /* seconds; 0 disables the cache */
	long long cache_size; /* entries */
	long long dns_cache_max_ttl; /* seconds; 0 disables the DNS cache */
	long long dns_cache_size;    /* entries */
	long long request_timeout; /* seconds */
	char *timeout_action;
	enum spf_reject_mode helo_reject;
	enum spf_reject_mode mail_from_reject;
	int permerror_reject;
	int temperror_defer;
	struct spf_list *skip_addresses;
	struct spf_list *whitelist;
	struct spf_list *domain_whitelist;
	struct spf_list *helo_whitelist;
	int hide_receiver;
	enum spf_header_type header_type;
	char *receiver;	   /* our host name in headers and %{r} */
	char *authserv_id; /* Authentication-Results id; default: receiver */
};

/* spf_conf_load: read path (a missing file is an error unless path is
 * NULL: then only defaults and overrides count), apply the overrides
 * (each "name=value", as -o gives them) and verify. Returns 1 with
 * *conf_r, or -1 with *error_r ("file:line: message" for problems in the
 * file). */
int spf_conf_load(const char *path, const struct cli_override *overrides, size_t n_overrides,
		  struct spf_conf **conf_r, char **error_r);
/* spf_conf_free: release *cp and set it to NULL; accepts NULL. */
void spf_conf_free(struct spf_conf **cp);

/* spf_conf_print_defaults: "name = default" for every parameter, in table
 * order, on stdout (postern-spf -d). */
void spf_conf_print_defaults(void);
/* spf_conf_print: "name = value" as loaded from path and overrides,
 * unexpanded as postconf shows them (postern-spf -p); the configuration
 * must load. Returns 1, or -1 with *error_r. */
int spf_conf_print(const char *path, const struct cli_override *overrides, size_t n_overrides,
		   char **error_r);

/* ---- address and domain lists ---- */

/* spf_list_match_addr: 1 when the client address ip is in the list (CIDR
 * items and "type:name" tables looked up with the address), 0 when not,
 * -1 with *error_r when a table failed. A NULL list matches nothing. */
int spf_list_match_addr(const struct spf_list *l, const char *ip, char **error_r);
/* spf_list_match_domain: 1 when domain is in the list ("example.com"
 * matches itself, ".example.com" its subdomains; tables are looked up with
 * the domain), 0 when not, -1 with *error_r. */
int spf_list_match_domain(const struct spf_list *l, const char *domain, char **error_r);

#endif
