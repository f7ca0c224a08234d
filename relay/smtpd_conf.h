/* smtpd_conf.h: one SMTP listener's settings, read once per configuration
 * snapshot from the listener's view (defaults <- postern.cf <- master.cf
 * -o overrides) and shared read-only by every worker thread.
 *
 * Every field is a Postfix parameter of the same name (postconf(5)), with
 * Postfix's default and meaning, unless its comment says otherwise.
 */
#ifndef POSTERN_SMTPD_CONF_H
#define POSTERN_SMTPD_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "master_cf.h"
#include "smtp_line.h"

struct cleanup_virtual;
struct milter_client_conf;
struct sasl_server_conf;
struct smtpd_addrlist;
struct smtpd_check_conf;
struct smtpd_tls_server;
struct table;

/* EHLO keywords, for smtpd_discard_ehlo_keywords. */
#define SMTPD_EHLO_PIPELINING 0x0001u
#define SMTPD_EHLO_SIZE 0x0002u
#define SMTPD_EHLO_VRFY 0x0004u
#define SMTPD_EHLO_ETRN 0x0008u
#define SMTPD_EHLO_STARTTLS 0x0010u
#define SMTPD_EHLO_AUTH 0x0020u
#define SMTPD_EHLO_ENHANCEDSTATUSCODES 0x0040u
#define SMTPD_EHLO_8BITMIME 0x0080u
#define SMTPD_EHLO_DSN 0x0100u
#define SMTPD_EHLO_SMTPUTF8 0x0200u
#define SMTPD_EHLO_CHUNKING 0x0400u
#define SMTPD_EHLO_SILENT 0x8000u /* "silent-discard": do not log discards */

struct smtpd_conf {
	char *service;	   /* the master.cf service name, e.g. "127.0.0.1:2525" */
	char *listen_host; /* NULL: every address of inet_interfaces */
	char *listen_port;
	long long maxproc; /* master.cf maxproc ("-": default_process_limit); 0:
			      no limit. Postfix runs one smtpd process per session,
			      so this is the listener's session limit */
	struct cfg *view;  /* owned layer with the -o overrides */

	struct smtpd_check_conf *check; /* the compiled restrictions (reference) */
	struct smtpd_tls_server *tls;	/* smtpd_tls_* (smtpd_tls.h; owned) */
	struct sasl_server_conf *sasl;	/* smtpd_sasl_* (sasl_server.h; owned) */
	int peername_lookup;		/* smtpd_peername_lookup */

	char *myhostname;
	char *mail_name;
	char *banner; /* smtpd_banner, expanded */
	int helo_required;
	int strict_rfc821_envelopes;
	int disable_vrfy_command;
	int smtputf8_enable;
	int soft_bounce;
	unsigned discard_ehlo;		 /* SMTPD_EHLO_* named in smtpd_discard_ehlo_keywords */
	char **forbidden_commands;	 /* smtpd_forbidden_commands: verbs (upper case) */
	struct table **forbidden_tables; /* ... and the type:name tables in it */
	size_t n_forbidden_tables;

	long long timeout;	     /* smtpd_timeout, seconds */
	long long recipient_limit;   /* smtpd_recipient_limit; 0: none */
	uint64_t message_size_limit; /* 0: none */
	uint64_t header_size_limit;
	size_t line_length_limit;
	long long soft_error_limit;
	long long hard_error_limit;
	long long error_sleep_time; /* seconds */
	long long junk_command_limit;
	long long hopcount_limit;
	/* smtpd_forbid_bare_newline: "reject" refuses a bare LF; "normalize"
	 * (and its alias "yes") treats it as a line end that never ends DATA
	 * (smtp_data.h). Postfix 3.7's default "no" also takes a bare LF as a
	 * line end, but lets <LF>.<LF> end DATA: Postern has no such mode and
	 * reads "no" as "normalize". Reply code from
	 * smtpd_forbid_bare_newline_reject_code. */
	enum smtp_bare_mode bare_newline;
	int bare_newline_reject_code;

	/* Anvil limits (0: none) and the clients they spare. */
	long long conn_count_limit;		 /* smtpd_client_connection_count_limit */
	long long conn_rate_limit;		 /* smtpd_client_connection_rate_limit */
	long long msg_rate_limit;		 /* smtpd_client_message_rate_limit */
	long long rcpt_rate_limit;		 /* smtpd_client_recipient_rate_limit */
	struct smtpd_addrlist *event_exceptions; /* smtpd_client_event_limit_exceptions */

	/* Which mail gets Message-Id and Date when it lacks them: Postfix's
	 * always_add_missing_headers, or local_header_rewrite_clients with
	 * permit_inet_interfaces, permit_mynetworks,
	 * permit_sasl_authenticated, static:all and check_address_map. */
	struct cleanup_virtual *virtual_alias; /* virtual_alias_maps; NULL: none */
	int always_add_missing_headers;
	int rewrite_sasl;			/* permit_sasl_authenticated */
	struct smtpd_addrlist *rewrite_clients; /* the address-based elements */

	struct milter_client_conf *milters; /* smtpd_milters (milter_client.h); NULL: none */
};

/* smtpd_conf_new: the settings of master.cf service s (an "inet" service
 * running smtpd), read from a new layer above main (which must outlive the
 * result). 1 with *conf_r (free with smtpd_conf_free), -1 with *error_r
 * ("file:line: name: message") for a value that cannot be used. */
int smtpd_conf_new(const struct master_service *s, const struct cfg *main,
		   struct smtpd_conf **conf_r, char **error_r);
/* smtpd_conf_free: release *cp and clear it; accepts NULL. */
void smtpd_conf_free(struct smtpd_conf **cp);

/* smtpd_conf_event_exception: 1 when the client at addr is spared the
 * anvil limits (smtpd_client_event_limit_exceptions), else 0 (also when
 * a lookup fails, with a warning logged). */
int smtpd_conf_event_exception(const struct smtpd_conf *conf, const char *addr);

/* smtpd_conf_originating: does mail from the client at addr (sasl: it
 * authenticated) get the headers originating mail lacks? 1 yes, 0 no (also
 * when a lookup fails, with a warning). */
int smtpd_conf_originating(const struct smtpd_conf *conf, const char *addr, int sasl);

/* smtpd_conf_forbidden: 1 when verb (an unrecognised command's first word,
 * as sent) is in smtpd_forbidden_commands, else 0. */
int smtpd_conf_forbidden(const struct smtpd_conf *conf, const char *verb);

#endif
