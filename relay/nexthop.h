/* nexthop.h: where a recipient goes, as Postfix's trivial-rewrite
 * resolves it.
 *
 * The recipient's domain puts it in an address class, each with its
 * transport parameter (checked in this order):
 *   local            $mydestination (or no domain)  $local_transport
 *   virtual alias    $virtual_alias_domains         error:5.1.1 User unknown
 *                                                   in virtual alias table
 *   virtual mailbox  $virtual_mailbox_domains       $virtual_transport
 *   relay            $relay_domains                 $relay_transport
 *   default          anything else                  $default_transport
 * A transport value is "transport[:nexthop]". Without a nexthop, the local
 * class goes to $myhostname, the relay and default classes to $relayhost
 * when it is set, everything else to the recipient domain (lower case).
 * Then transport_maps (transport(5) search order, table_find.h) may
 * override: an empty transport keeps the class's, a transport with an
 * empty nexthop resets the nexthop to the recipient domain.
 *
 * Domain lists hold names, ".name" (subdomains), and type:name tables;
 * "name" also matches subdomains for relay_domains, as
 * parent_domain_matches_subdomains says by default. Pure: no I/O besides
 * the tables' own.
 */
#ifndef POSTERN_NEXTHOP_H
#define POSTERN_NEXTHOP_H

/* The parameter values, already $name-expanded. NULL counts as empty. */
struct nexthop_conf {
	const char *myhostname;
	const char *mydestination;
	const char *virtual_alias_domains;
	const char *virtual_mailbox_domains;
	const char *relay_domains;
	const char *local_transport;
	const char *virtual_transport;
	const char *relay_transport;
	const char *default_transport;
	const char *relayhost;
	const char *transport_maps;
};

enum nexthop_class {
	NEXTHOP_LOCAL,
	NEXTHOP_VIRTUAL_ALIAS,
	NEXTHOP_VIRTUAL_MAILBOX,
	NEXTHOP_RELAY,
	NEXTHOP_DEFAULT,
};

struct nexthop_result {
	enum nexthop_class cls;
	char *transport; /* e.g. "smtp", "lmtp", "maildir", "error" */
	char *nexthop;	 /* e.g. "[mx.example]:25", "unix:/path", the error text */
};

struct nexthop;

/* nexthop_new: compile conf (split the lists, open their tables and
 * transport_maps) into *nh_r, freed with nexthop_free(). 1 ok; -1 with
 * *error_r (a table that cannot be opened, unbalanced braces, a "!" item
 * which Postern does not support in these lists). */
int nexthop_new(const struct nexthop_conf *conf, struct nexthop **nh_r, char **error_r);

/* nexthop_free: free *nhp and set it to NULL; accepts NULL. */
void nexthop_free(struct nexthop **nhp);

/* nexthop_resolve: the class, transport and nexthop of recipient (internal
 * form, user@domain). 1 with *result_r filled (release with
 * nexthop_result_deinit()); -1 with *error_r when a table lookup failed
 * (the caller defers the recipient). */
int nexthop_resolve(const struct nexthop *nh, const char *recipient,
		    struct nexthop_result *result_r, char **error_r);

/* nexthop_result_deinit: free the strings of a result; accepts a zeroed one. */
void nexthop_result_deinit(struct nexthop_result *result);

/* nexthop_class_name: "local", "virtual alias", ...; static. */
const char *nexthop_class_name(enum nexthop_class cls);

#endif
