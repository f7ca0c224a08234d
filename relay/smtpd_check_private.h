/* smtpd_check_private.h: what the files of the restriction engine share.
 *
 *   smtpd_check_conf.c     compile the configuration (struct smtpd_check_conf)
 *   smtpd_check_parse.c    restriction lists into elements
 *   smtpd_check_match.c    match lists: mydestination, relay_domains, mynetworks
 *   smtpd_check_resolve.c  address classes (trivial-rewrite's resolve)
 *   smtpd_check_list.c     the list evaluator (Postfix's generic_checks)
 *   smtpd_check_reply.c    rejects, defer_if_permit/reject, logging
 *   smtpd_check_access.c   check_*_access and access(5) actions
 *   smtpd_check_host.c     HELO, client and address syntax and DNS checks
 *   smtpd_check_sender.c   sender login maps, unlisted senders/recipients
 *   smtpd_check_rbl.c      reject_rbl_client, reject_rhsbl_*, rbl_reply_maps
 *   smtpd_check_dnsq.c     the per-session DNS answer cache
 *   smtpd_check_policy.c   check_policy_service: settings, request, action
 *   smtpd_check_policyq.c  the policy answers of one evaluation
 *   smtpd_check_run.c      the stages (Postfix's smtpd_check_client, ...)
 *   smtpd_check_peer.c     client host name lookups
 *
 * Evaluation is restartable: an element that needs a DNS answer (or a
 * policy service's answer) the session does not have yet starts the
 * lookup (or request) and the pass stops with CHK_PENDING; when every
 * one has answered, the stage is evaluated
 * again from the start (answers now come from the cache). A pass works on
 * a copy of the session state (struct chk_pass) and commits it, with its
 * log lines and trace, only when it completes.
 */
#ifndef POSTERN_SMTPD_CHECK_PRIVATE_H
#define POSTERN_SMTPD_CHECK_PRIVATE_H

#include <stddef.h>

#include "buf.h"
#include "cfg.h"
#include "dns.h"
#include "policy_client.h"
#include "smtpd_check.h"
#include "table.h"

/* Results of an element or a list (Postfix's SMTPD_CHECK_*). */
enum chk_status {
	CHK_PENDING = -2, /* waiting for DNS or a policy service: abandon this pass */
	CHK_DUNNO = 0,
	CHK_OK = 1,
	CHK_REJECT = 2,
};

/* ---- match lists (smtpd_check_match.c) ---- */

enum chk_match_mode {
	CHK_MATCH_STRING, /* mydestination, virtual_*_domains: exact names */
	CHK_MATCH_DOMAIN, /* relay_domains: names and parent domains */
	CHK_MATCH_NAMADDR /* mynetworks: host names/domains and networks */
};

struct chk_match;

/* chk_match_new: compile the list value of parameter param (already
 * expanded); parent: the parameter is in parent_domain_matches_subdomains.
 * "/file" items are read, "type:name" items opened. 1 with *m_r, or -1
 * with *error_r. */
int chk_match_new(const char *param, const char *value, enum chk_match_mode mode, int parent,
		  struct chk_match **m_r, char **error_r);
void chk_match_free(struct chk_match **mp);
/* chk_match_host: does name (and, for NAMADDR lists, addr; either may be
 * NULL) match? 1 yes, 0 no, -1 a table failed (*error_r). */
int chk_match_host(const struct chk_match *m, const char *name, const char *addr,
		   char **error_r);

/* ---- a list of lookup tables ("maps") ---- */

struct chk_maps {
	char *param;
	struct table **tables;
	size_t n;
};

int chk_maps_open(const char *param, const char *value, struct chk_maps *maps, char **error_r);
void chk_maps_close(struct chk_maps *maps);

/* ---- compiled restrictions (smtpd_check_parse.c) ---- */

enum chk_elem_kind {
	E_PERMIT,
	E_REJECT,
	E_DEFER,
	E_DEFER_IF_PERMIT,
	E_DEFER_IF_REJECT,
	E_WARN_IF_REJECT,
	E_REJECT_UNAUTH_PIPELINING,
	E_REJECT_PLAINTEXT_SESSION,
	E_CHECK_POLICY_SERVICE,
	/* client */
	E_PERMIT_MYNETWORKS,
	E_PERMIT_SASL_AUTHENTICATED,
	E_REJECT_UNKNOWN_CLIENT_HOSTNAME,
	E_REJECT_UNKNOWN_REVERSE_CLIENT_HOSTNAME,
	E_CHECK_CLIENT_ACCESS,
	E_CHECK_REVERSE_CLIENT_ACCESS,
	E_CHECK_SASL_ACCESS,
	E_REJECT_RBL_CLIENT,
	E_PERMIT_DNSWL_CLIENT,
	E_REJECT_RHSBL_CLIENT,
	E_REJECT_RHSBL_REVERSE_CLIENT,
	E_PERMIT_RHSWL_CLIENT,
	/* HELO */
	E_CHECK_HELO_ACCESS,
	E_REJECT_INVALID_HELO_HOSTNAME,
	E_REJECT_UNKNOWN_HELO_HOSTNAME,
	E_REJECT_NON_FQDN_HELO_HOSTNAME,
	E_REJECT_RHSBL_HELO,
	/* sender */
	E_CHECK_SENDER_ACCESS,
	E_REJECT_NON_FQDN_SENDER,
	E_REJECT_UNKNOWN_SENDER_DOMAIN,
	E_REJECT_UNLISTED_SENDER,
	E_REJECT_SENDER_LOGIN_MISMATCH,
	E_REJECT_AUTH_SENDER_LOGIN_MISMATCH,
	E_REJECT_UNAUTH_SENDER_LOGIN_MISMATCH,
	E_REJECT_KNOWN_SENDER_LOGIN_MISMATCH,
	E_REJECT_RHSBL_SENDER,
	/* recipient */
	E_CHECK_RECIPIENT_ACCESS,
	E_PERMIT_AUTH_DESTINATION,
	E_REJECT_UNAUTH_DESTINATION,
	E_DEFER_UNAUTH_DESTINATION,
	E_REJECT_NON_FQDN_RECIPIENT,
	E_REJECT_UNKNOWN_RECIPIENT_DOMAIN,
	E_REJECT_UNLISTED_RECIPIENT,
	E_REJECT_RHSBL_RECIPIENT,
	E_REJECT_MULTI_RECIPIENT_BOUNCE,
	/* a user-defined restriction class */
	E_CLASS,
};

struct chk_list;

struct chk_elem {
	enum chk_elem_kind kind;
	char *name;	      /* as written, e.g. "reject_rbl_client" */
	char *arg;	      /* the argument as written: table spec, DNSBL domain, ... */
	struct table *table;  /* check_*_access (owned by the conf's table set) */
	char *dnsxl_domain;   /* DNSBL/DNSWL: the domain without "=filter" */
	char *dnsxl_filter;   /* the "=..." filter, or NULL */
	struct chk_list *cls; /* E_CLASS (owned by the conf) */
	struct chk_policy *policy; /* E_CHECK_POLICY_SERVICE */
};

struct chk_list {
	char *name;  /* the parameter or class name, for logs and traces */
	char *file;  /* where it was defined, or NULL */
	unsigned line;
	struct chk_elem *elems;
	size_t n;
};

/* check_policy_service { server, name=value, ... }: the service with its
 * settings (the attributes, else the smtpd_policy_service_* parameters).
 * The conf's struct chk_policy "policy" holds the parameters alone. */
struct chk_policy {
	char *server;	      /* as written: "unix:private/policy" */
	char *name;	      /* the endpoint, relative paths made absolute */
	struct sockspec_addr addr;
	char *default_action; /* the attribute, or NULL for the parameter */
	char *policy_context;
	long long timeout, max_idle, max_ttl, try_limit, retry_delay, request_limit;
};

/* Which access table a bare "type:name" in a list stands for: Postfix's
 * def_acl (check_client_access in smtpd_client_restrictions, ...); 0 for
 * lists where a bare table is an error (DATA, END-OF-DATA). */
enum chk_def_acl {
	DEF_ACL_NONE,
	DEF_ACL_CLIENT,
	DEF_ACL_HELO,
	DEF_ACL_SENDER,
	DEF_ACL_RECIPIENT,
};

/* chk_parse_list: compile a restriction list. tables: the conf (tables
 * opened here are shared and owned by it; NULL forbids tables, for lists
 * found at run time in access table results). Classes named in the list
 * are resolved in the conf. 1 with *list_r, or -1 with *error_r. */
int chk_parse_list(struct smtpd_check_conf *conf, const char *name, const char *value,
		   const char *file, unsigned line, enum chk_def_acl def_acl, int allow_tables,
		   struct chk_list **list_r, char **error_r);
void chk_list_free(struct chk_list **lp);

/* ---- the configuration ---- */

struct chk_codes {
	int access_reject, access_defer; /* access_map_reject_code, ..._defer_code */
	int reject, defer;		 /* reject_code, defer_code */
	int relay;			 /* relay_domains_reject_code */
	int unknown_client;		 /* unknown_client_reject_code */
	int unknown_hostname;		 /* unknown_hostname_reject_code */
	int unknown_address;		 /* unknown_address_reject_code */
	int invalid_hostname;		 /* invalid_hostname_reject_code */
	int non_fqdn;			 /* non_fqdn_reject_code */
	int maps_rbl;			 /* maps_rbl_reject_code */
	int local_rcpt, relay_rcpt;	 /* unknown_local_/relay_recipient_reject_code */
	int virt_alias, virt_mailbox;	 /* unknown_virtual_alias/mailbox_reject_code */
	int multi_rcpt_bounce;		 /* multi_recipient_bounce_reject_code */
	int plaintext;			 /* plaintext_reject_code */
};

struct chk_class_entry {
	char *name;
	struct chk_list *list;
};

struct smtpd_check_conf {
	int refs;
	/* The stage lists (never NULL; possibly empty). */
	struct chk_list *client, *helo, *sender, *relay, *recipient, *data, *eod;
	struct chk_class_entry *classes;
	size_t n_classes;
	/* Tables opened for restrictions, shared by spec. */
	struct table **tables;
	size_t n_tables;

	int delay_reject;
	int relay_before_recipient;
	int sasl_enable;
	int soft_bounce;
	int reject_unlisted_sender, reject_unlisted_recipient;
	int show_unknown_table;
	int allow_untrusted_routing;
	int allow_percent_hack;
	int unknown_helo_defer_if_permit; /* unknown_helo_hostname_tempfail_action */
	int unknown_address_defer_if_permit;
	int parent_access; /* smtpd_access_maps in parent_domain_matches_subdomains */
	struct chk_codes codes;

	char *myorigin;
	char *recipient_delimiter;
	char *double_bounce_sender;
	char *null_access_key; /* smtpd_null_access_lookup_key */
	char *policy_default_action;
	struct chk_policy policy; /* smtpd_policy_service_* (server and name NULL) */
	char *queue_directory;	  /* where "unix:private/x" services are */
	char *default_rbl_reply;
	char *expansion_filter; /* smtpd_expansion_filter, unescaped */
	struct chk_match *log_permit; /* smtpd_log_access_permit_actions */

	/* Address classes. */
	struct chk_match *mydestination, *relay_domains, *virtual_alias_domains,
		*virtual_mailbox_domains, *mynetworks;
	char **local_addrs; /* inet_interfaces and proxy_interfaces addresses */
	size_t n_local_addrs;
	struct chk_maps local_rcpt_maps, relay_rcpt_maps, virtual_alias_maps,
		virtual_mailbox_maps, canonical_maps, recipient_canonical_maps,
		sender_canonical_maps, sender_login_maps, rbl_reply_maps;
	int local_rcpt_passwd; /* local_recipient_maps names unix:passwd.byname */
};

/* chk_conf_table: the table for spec, opened once per conf. */
int chk_conf_table(struct smtpd_check_conf *conf, const char *spec, struct table **table_r,
		   char **error_r);
/* chk_conf_class: the restriction class called name, or NULL. */
struct chk_list *chk_conf_class(const struct smtpd_check_conf *conf, const char *name);

/* ---- waiting for answers (DNS lookups, policy requests) ---- */

/* The answers a cache has asked for and not yet got, and who waits for
 * the last of them. */
struct chk_waiter {
	size_t pending;
	void (*fn)(void *arg);
	void *arg;
};

/* chk_waiter_done: an answer came; when it was the last one pending, call
 * the waiting function, once. */
static inline void chk_waiter_done(struct chk_waiter *w)
{
	if (w->pending > 0)
		w->pending--;
	if (w->pending == 0 && w->fn != NULL) {
		void (*fn)(void *) = w->fn;
		w->fn = NULL;
		fn(w->arg);
	}
}

/* chk_waiter_wait: call fn(arg) once nothing is pending; 0 when nothing is
 * pending now (fn is not called). */
static inline int chk_waiter_wait(struct chk_waiter *w, void (*fn)(void *arg), void *arg)
{
	if (w->pending == 0)
		return 0;
	w->fn = fn;
	w->arg = arg;
	return 1;
}

/* ---- per-session DNS answers (smtpd_check_dnsq.c) ---- */

struct chk_dnsq;
struct chk_dns_answer {
	enum dns_status status; /* DNS_FOUND, DNS_NOTFOUND, DNS_TEMPFAIL */
	const char *why;	/* DNS_TEMPFAIL */
	size_t n;
	char **text; /* the records as dns.h gives them */
	unsigned *pref;
};

/* chk_dnsq_new/free: the cache of one session; dns may be NULL (every
 * lookup is then a temporary failure "no resolver"). */
struct chk_dnsq *chk_dnsq_new(struct dns *dns);
void chk_dnsq_free(struct chk_dnsq **qp);
/* chk_dnsq_get: the answer for (type, name): 1 with *answer_r (valid
 * until the cache is freed), or 0 when the lookup has just been started
 * or is still running (then the pass must stop with CHK_PENDING). */
int chk_dnsq_get(struct chk_dnsq *q, enum dns_type type, const char *name,
		 const struct chk_dns_answer **answer_r);
/* chk_dnsq_wait: call fn(arg) once no lookup is pending any more (on the
 * loop); 0 when none is pending now (fn is not called). */
int chk_dnsq_wait(struct chk_dnsq *q, void (*fn)(void *arg), void *arg);

/* ---- per-evaluation policy answers (smtpd_check_policyq.c) ---- */

struct chk_pass;

struct chk_policyq;
struct chk_policy_answer {
	const char *action; /* the reply's action, or NULL: */
	const char *error;  /* why the service gave none */
};

/* chk_policyq_new/free: the answers of one session; client may be NULL
 * (every request then fails). */
struct chk_policyq *chk_policyq_new(struct policy_client *client);
void chk_policyq_free(struct chk_policyq **qp);
/* chk_policyq_clear: forget every answer, cancel every request. */
void chk_policyq_clear(struct chk_policyq *q);
/* chk_policyq_get: the answer of svc to request: 1 with *answer_r (valid
 * until the next clear), or 0 when the request has just been sent or is
 * still waiting (then the pass must stop with CHK_PENDING). */
int chk_policyq_get(struct chk_policyq *q, const struct chk_policy *svc, const char *request,
		    const struct chk_policy_answer **answer_r);
/* chk_policyq_wait: call fn(arg) once no request is pending (on the
 * loop); 0 when none is pending now (fn is not called). */
int chk_policyq_wait(struct chk_policyq *q, void (*fn)(void *arg), void *arg);

/* ---- check_policy_service (smtpd_check_policy.c) ---- */

/* chk_policy_load: the smtpd_policy_service_* parameters into
 * conf->policy, and queue_directory. 1, or -1 with *error_r. */
int chk_policy_load(struct smtpd_check_conf *conf, const struct cfg *view, char **error_r);
/* chk_policy_parse: "unix:path" or "{ inet:host:port, timeout=10s, ... }"
 * (Postfix 3.0 syntax) into *policy_r. 1, or -1 with *error_r. */
int chk_policy_parse(const struct smtpd_check_conf *conf, const char *arg,
		     struct chk_policy **policy_r, char **error_r);
void chk_policy_free(struct chk_policy **pp);
/* chk_policy_service: the element check_policy_service. */
int chk_policy_service(struct chk_pass *p, const struct chk_policy *svc, const char *reply_name,
		       const char *reply_class, enum chk_def_acl def_acl);

/* ---- the session and a pass ---- */

/* Postfix's SMTPD_DEFER: a reply to use later. */
struct chk_defer {
	int active;
	int code;
	char dsn[SMTP_DSN_SIZE];
	char *reason;
};

struct chk_state {
	/* Carried between stages, as in Postfix. */
	int defer_if_permit_client, defer_if_permit_helo, defer_if_permit_sender;
	struct chk_defer defer_if_permit; /* the reply for the flags above */
	int sender_rcptmap_checked;
	/* The message's actions. */
	char *hold, *discard, *redirect, *filter;
	char **bcc;
	size_t n_bcc;
	struct buf prepend;
	int discarded;
};

struct smtpd_check {
	struct smtpd_check_conf *conf;
	struct chk_dnsq *dnsq;
	struct chk_policyq *policyq;
	struct chk_state st;
	smtpd_check_trace_fn *trace_fn;
	void *trace_ctx;
	/* The evaluation in progress. */
	int running;
	enum smtpd_check_stage stage;
	const struct smtpd_facts *facts;
	smtpd_check_done_fn *done_cb;
	void *done_arg;
	struct smtp_reply *reply; /* the last verdict's reply */
	struct smtpd_effects effects;
	/* The protocol before the HELO being checked: Postfix logs the
	 * protocol a HELO/EHLO command is checked under, not the new one. */
	char *protocol;
};

struct chk_pass {
	struct smtpd_check *chk;
	const struct smtpd_facts *f;
	enum smtpd_check_stage stage;
	struct chk_state st; /* working copy, committed at the end */
	/* The restriction being evaluated (Postfix's state->where etc.). */
	const char *where;     /* "CONNECT", "EHLO", "RCPT", ... */
	const char *namaddr;   /* "name[addr]" */
	const char *sender;    /* as Postfix's state->sender at this point */
	const char *recipient; /* ... and state->recipient */
	const char *helo;
	const char *protocol; /* for logs */
	int recursion;
	int warn_if_reject;
	struct chk_defer defer_if_reject;
	int recipient_rcptmap_checked;
	/* Output. */
	struct smtp_reply *reply; /* set by the last reject */
	struct buf logs;	  /* lines to log at commit, '\n'-separated */
	struct buf trace;	  /* depth '\t' line '\n' ... */
	int depth;
};

/* Reply class names (Postfix's SMTPD_NAME_*). */
#define CLS_CLIENT "Client host"
#define CLS_REV_CLIENT "Unverified Client host"
#define CLS_HELO "Helo command"
#define CLS_SENDER "Sender address"
#define CLS_RECIPIENT "Recipient address"
#define CLS_DATA "Data command"
#define CLS_EOD "End-of-data"
#define CLS_SASL "SASL login name"

/* smtpd_check_list.c */
int chk_eval_list(struct chk_pass *p, const struct chk_list *list, const char *reply_name,
		  const char *reply_class, enum chk_def_acl def_acl);

/* smtpd_check_reply.c */
int chk_reject(struct chk_pass *p, int code, const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* chk_reject_config: "451 4.3.5 Server configuration error", after a
 * warning saying why; warn_if_reject cannot turn it into a warning
 * (Postfix's software errors). */
int chk_reject_config(struct chk_pass *p, const char *why);
void chk_defer_if(struct chk_defer *d, int code, const char *dsn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* chk_defer_if_permit: DEFER_IF_PERMIT when the action allows it and
 * warn_if_reject is off, else a plain reject (Postfix's DEFER_IF_PERMITn). */
int chk_defer_if_permit(struct chk_pass *p, int defer_if_permit_action, int code, const char *dsn,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void chk_defer_reset(struct chk_defer *d);
void chk_defer_copy(struct chk_defer *dst, const struct chk_defer *src);
/* chk_log_whatsup: a log line "QUEUEID: WHAT: WHERE from NAMADDR: TEXT;
 * from=<...> to=<...> proto=... helo=<...>" to write at commit. */
void chk_log_whatsup(struct chk_pass *p, const char *what, const char *text);
/* chk_log_warn: a "warning:" line to write at commit. */
void chk_log_warn(struct chk_pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* chk_permit: OK, logged as "permit" when smtpd_log_access_permit_actions
 * names the action. */
int chk_permit(struct chk_pass *p, const char *action, const char *reply_class,
	       const char *reply_name, const char *detail);
void chk_trace(struct chk_pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* smtpd_check_access.c */
int chk_access_client(struct chk_pass *p, struct table *t, const char *name, const char *addr,
		      const char *reply_name, const char *reply_class, enum chk_def_acl def_acl,
		      int *found_r);
int chk_access_domain(struct chk_pass *p, struct table *t, const char *domain,
		      const char *reply_name, const char *reply_class, enum chk_def_acl def_acl);
int chk_access_mail(struct chk_pass *p, struct table *t, const char *addr, const char *reply_name,
		    const char *reply_class, enum chk_def_acl def_acl);
int chk_access_key(struct chk_pass *p, struct table *t, const char *key, const char *reply_name,
		   const char *reply_class, enum chk_def_acl def_acl);
/* chk_table_result: act on an access table (or policy) result. */
int chk_table_result(struct chk_pass *p, const char *table, const char *value,
		     const char *reply_name, const char *reply_class, enum chk_def_acl def_acl);

/* smtpd_check_resolve.c: trivial-rewrite's view of an address. */
enum chk_addr_class {
	ADDR_CLASS_LOCAL,
	ADDR_CLASS_ALIAS,
	ADDR_CLASS_VIRTUAL,
	ADDR_CLASS_RELAY,
	ADDR_CLASS_DEFAULT,
};
struct chk_resolved {
	char *address; /* qualified, as resolved ("user@domain") */
	const char *domain; /* points into address, after the last '@' */
	enum chk_addr_class cls;
	int routed; /* RESOLVE_FLAG_ROUTED */
};
/* chk_resolve: resolve addr (internal form). 1, or -1 with *error_r when a
 * table failed. Release with chk_resolved_deinit(). */
int chk_resolve(const struct smtpd_check_conf *conf, const char *addr, struct chk_resolved *r,
		char **error_r);
void chk_resolved_deinit(struct chk_resolved *r);
#define CHK_CLASS_FINAL(c) ((c) == ADDR_CLASS_LOCAL || (c) == ADDR_CLASS_ALIAS || \
			    (c) == ADDR_CLASS_VIRTUAL)
int chk_permit_auth_destination(struct chk_pass *p, const char *recipient);
int chk_reject_unauth_destination(struct chk_pass *p, const char *recipient, int code,
				  const char *dsn);
int chk_permit_mynetworks(struct chk_pass *p);

/* smtpd_check_host.c */
int chk_reject_unknown_client(struct chk_pass *p, int reverse);
int chk_helo_check(struct chk_pass *p, enum chk_elem_kind kind);
int chk_reject_non_fqdn_address(struct chk_pass *p, const char *addr, const char *reply_class);
int chk_reject_unknown_address(struct chk_pass *p, const char *addr, const char *reply_class);

/* smtpd_check_sender.c */
int chk_sender_login_mismatch(struct chk_pass *p, enum chk_elem_kind kind);
int chk_rcpt_maps(struct chk_pass *p, const char *addr, const char *reply_class);
int chk_sender_rcpt_maps(struct chk_pass *p, const char *sender);
int chk_recipient_rcpt_maps(struct chk_pass *p, const char *recipient);

/* smtpd_check_rbl.c */
int chk_rbl(struct chk_pass *p, const struct chk_elem *e);
/* chk_dnsxl_filter_valid: check an "=127.0.0.[2..11]" filter; 1 or -1
 * with *error_r. */
int chk_dnsxl_filter_valid(const char *filter, char **error_r);

/* smtpd_check_host.c: the DNS answer of a pass (CHK_PENDING when not yet). */
int chk_dns(struct chk_pass *p, enum dns_type type, const char *name,
	    const struct chk_dns_answer **answer_r);

#endif
