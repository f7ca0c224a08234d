/* postern_explain.c: "postern explain": run the restrictions of a
 * configuration on a made-up session and show each restriction evaluated
 * at each stage and which one decided.
 *
 *   postern explain [-s SERVICE] -a ADDRESS [-n NAME] [-r NAME] [-h HELO]
 *                   [-p SMTP|ESMTP] [-l LOGIN] [-f SENDER] [-t RECIPIENT]...
 *                   [-T] [-P] [-D]
 *   postern explain -b FILE|-
 *
 *   -b  many sessions: one a line of FILE (or stdin), written as these
 *       options separated by white space; each session's output follows a
 *       line "### N" (N counting from 0) on stdout and on stderr
 *
 *   -s  the master.cf service (e.g. submission) whose -o overrides apply
 *   -a  the client address
 *   -n  the client's verified host name, -r its reverse name; as with
 *       XCLIENT, "[UNAVAILABLE]" (or "unknown") stands for no name and
 *       "[TEMPUNAVAIL]" for a temporary lookup failure; without -n and -r
 *       both are looked up in the DNS as the SMTP server would
 *   -h  the HELO/EHLO name; -p the protocol (ESMTP, the default, for EHLO)
 *   -l  the SASL login of an authenticated client
 *   -f  the MAIL FROM address ("" or "<>" for the null sender)
 *   -t  a RCPT TO address (repeatable)
 *   -T  the session is encrypted (TLS); -P the client pipelined without
 *       being allowed to; -D also run the DATA and end-of-data stages
 *
 * Output: for each stage, the evaluation trace (indented), then one line
 * "COMMAND: accepted" or "COMMAND: CODE D.D.D text", then, when a
 * restriction decided, "  decided by NAME in LIST". As in an SMTP session,
 * a refused HELO leaves the session without a HELO name and a refused MAIL
 * ends it. The engine's log lines
 * (Postfix format) go to stderr. Exit status: 0 when every command was
 * accepted, 1 when one was refused, 2 on usage or configuration errors.
 */
#include "config.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_expand.h"
#include "cfg_value.h"
#include "dns.h"
#include "policy_client.h"
#include "mem.h"
#include "postern.h"
#include "relay_params_conf.h"
#include "smtpd_check.h"

#define EXPLAIN_USAGE                                                                         \
	"usage: postern explain [-s SERVICE] -a ADDRESS [-n NAME] [-r NAME] [-h HELO] "       \
	"[-p SMTP|ESMTP] [-l LOGIN] [-f SENDER] [-t RECIPIENT]... [-T] [-P] [-D]\n"          \
	"       postern explain -b FILE|-"

struct explain {
	struct event_base *base;
	int done;
	int delay_reject; /* smtpd_delay_reject */
	int lines;	  /* trace lines of the stage */
	/* The stage's result. */
	char *reply;
	/* Trace bookkeeping: the last line seen at each depth, and the first
	 * element that decided. */
	char *at_depth[64];
	char *decided_by;
	char *decided_in;
	/* Peer names, when looked up. */
	char *client_name, *reverse_name;
	enum smtpd_peer_status client_status, reverse_status;
};

static void explain_trace(void *ctx, int depth, const char *line)
{
	struct explain *x = ctx;
	x->lines++;
	printf("%*s%s\n", 2 + 2 * depth, "", line);
	if (depth < 0 || depth >= 64)
		return;
	if (strncmp(line, "=> ", 3) == 0) {
		if (strcmp(line + 3, "no decision") != 0 && x->decided_by == NULL && depth > 0) {
			x->decided_by = xstrdup(x->at_depth[depth] ? x->at_depth[depth] : "?");
			const char *list = x->at_depth[depth - 1] ? x->at_depth[depth - 1] : "?:";
			x->decided_in = xstrndup(list, strlen(list) - (list[strlen(list) - 1] == ':'));
		}
		return;
	}
	if (strncmp(line, "log: ", 5) == 0 || strncmp(line, "warning: ", 9) == 0)
		return;
	free(x->at_depth[depth]);
	x->at_depth[depth] = xstrdup(line);
}

static void explain_done(void *arg, const struct smtpd_verdict *v)
{
	struct explain *x = arg;
	free(x->reply);
	x->reply = v->reply ? smtp_reply_to_string(v->reply) : NULL;
	x->done = 1;
}

static void explain_reset(struct explain *x)
{
	for (int i = 0; i < 64; i++)
		FREE_AND_NULL(x->at_depth[i]);
	FREE_AND_NULL(x->decided_by);
	FREE_AND_NULL(x->decided_in);
	FREE_AND_NULL(x->reply);
	x->done = 0;
	x->lines = 0;
}

/* explain_stage: run one stage; print its verdict; 1 accepted, 0 refused. */
static int explain_stage(struct explain *x, struct smtpd_check *chk, enum smtpd_check_stage stage,
			 const struct smtpd_facts *f, const char *command)
{
	explain_reset(x);
	smtpd_check_run(chk, stage, f, explain_done, x);
	while (!x->done)
		event_base_loop(x->base, EVLOOP_ONCE);
	if (x->lines == 0 && x->delay_reject && stage == SMTPD_CHECK_CONNECT)
		printf("  (smtpd_delay_reject = yes: the client, HELO and sender restrictions run "
		       "at each RCPT TO)\n");
	printf("%s: %s\n", command, x->reply ? x->reply : "accepted");
	if (x->decided_by)
		printf("  decided by %s in %s\n", x->decided_by, x->decided_in);
	if (x->reply == NULL && smtpd_check_effects(chk)->discard)
		printf("  the message is to be discarded\n");
	return x->reply == NULL;
}

static void explain_peer_done(void *arg, const struct smtpd_peer_names *n)
{
	struct explain *x = arg;
	x->client_name = xstrdup(n->client_name);
	x->reverse_name = xstrdup(n->reverse_name);
	x->client_status = n->client_name_status;
	x->reverse_status = n->reverse_name_status;
	x->done = 1;
}

static const char *status_word(enum smtpd_peer_status st)
{
	static const char *const words[] = { "not looked up", "ok", "temporary DNS failure",
					     "not found", "does not resolve to the address" };
	return words[st];
}

/* explain_view: the configuration the listener of service would use. */
static int explain_view(struct relay_params_conf *c, const char *service, struct cfg **layer_r)
{
	char *error = cfg_diags_first_error(&c->diags, 0);
	if (error) {
		fprintf(stderr, "postern explain: %s\n", error);
		free(error);
		return -1;
	}
	if (service == NULL)
		return 1;
	for (size_t i = 0; c->master && i < c->master->n; i++) {
		const struct master_service *s = &c->master->services[i];
		const char *colon = strrchr(s->name, ':');
		if (strcmp(s->name, service) == 0 || (colon && strcmp(colon + 1, service) == 0)) {
			*layer_r = master_service_cfg(s, c->view);
			return 1;
		}
	}
	fprintf(stderr, "postern explain: no service \"%s\" in %s\n", service, c->master_path);
	return -1;
}

struct explain_args {
	const char *service, *helo, *login, *sender, *protocol;
	const char *addr, *name, *reverse;
	const char **rcpts;
	size_t n_rcpts;
	int tls, pipelining, data;
};

static int explain_parse(int argc, char **argv, struct explain_args *a)
{
	int c;
	optind = 0;
	a->protocol = "ESMTP";
	while ((c = getopt(argc, argv, "s:a:n:r:h:p:l:f:t:TPD")) != -1) {
		switch (c) {
		case 's':
			a->service = optarg;
			break;
		case 'a':
			a->addr = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'r':
			a->reverse = optarg;
			break;
		case 'h':
			a->helo = optarg;
			break;
		case 'p':
			a->protocol = optarg;
			break;
		case 'l':
			a->login = optarg;
			break;
		case 'f':
			a->sender = optarg;
			break;
		case 't':
			a->rcpts = xreallocarray(a->rcpts, a->n_rcpts + 1, sizeof(char *));
			a->rcpts[a->n_rcpts++] = optarg;
			break;
		case 'T':
			a->tls = 1;
			break;
		case 'P':
			a->pipelining = 1;
			break;
		case 'D':
			a->data = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || a->addr == NULL ||
	    (strcasecmp(a->protocol, "SMTP") != 0 && strcasecmp(a->protocol, "ESMTP") != 0))
		return -1;
	return 1;
}

/* given_name: a name given with -n or -r, XCLIENT style. */
static const char *given_name(const char *name, enum smtpd_peer_status *status_r)
{
	if (strcmp(name, "[TEMPUNAVAIL]") == 0) {
		*status_r = SMTPD_PEER_TEMP;
		return "unknown";
	}
	if (strcmp(name, "[UNAVAILABLE]") == 0 || strcmp(name, "unknown") == 0) {
		*status_r = SMTPD_PEER_PERM;
		return "unknown";
	}
	*status_r = SMTPD_PEER_OK;
	return name;
}

/* explain_names: the client's names, given or looked up. */
static void explain_names(struct explain *x, struct dns *dns, const struct explain_args *a,
			  struct smtpd_facts *f)
{
	if (a->name || a->reverse) {
		f->client_name = given_name(a->name ? a->name : a->reverse, &f->client_name_status);
		f->reverse_name =
			given_name(a->reverse ? a->reverse : a->name, &f->reverse_name_status);
	} else {
		x->done = 0;
		if (smtpd_peer_lookup_start(dns, a->addr, explain_peer_done, x) != NULL)
			while (!x->done)
				event_base_loop(x->base, EVLOOP_ONCE);
		f->client_name = x->client_name;
		f->reverse_name = x->reverse_name;
		f->client_name_status = x->client_status;
		f->reverse_name_status = x->reverse_status;
	}
	printf("client: %s[%s] (%s), reverse name %s (%s)\n", f->client_name, a->addr,
	       status_word(f->client_name_status), f->reverse_name,
	       status_word(f->reverse_name_status));
}

static int explain_session(struct explain *x, struct smtpd_check *chk, const struct explain_args *a,
			   struct smtpd_facts *f)
{
	int ok = 1, accepted = 0;
	char *cmd;

	ok &= explain_stage(x, chk, SMTPD_CHECK_CONNECT, f, "CONNECT");
	if (a->helo) {
		f->helo = a->helo;
		f->ehlo = strcasecmp(a->protocol, "ESMTP") == 0;
		cmd = xasprintf("%s %s", f->ehlo ? "EHLO" : "HELO", a->helo);
		if (explain_stage(x, chk, SMTPD_CHECK_HELO, f, cmd)) {
			f->protocol = f->ehlo ? "ESMTP" : "SMTP";
		} else {
			/* A refused HELO leaves the session without one. */
			f->helo = NULL;
			ok = 0;
		}
		free(cmd);
	}
	if (a->sender == NULL)
		return ok;
	f->sender = strcmp(a->sender, "<>") == 0 ? "" : a->sender;
	cmd = xasprintf("MAIL FROM:<%s>", f->sender);
	int mail_ok = explain_stage(x, chk, SMTPD_CHECK_MAIL, f, cmd);
	free(cmd);
	if (!mail_ok)
		return 0;
	for (size_t i = 0; i < a->n_rcpts; i++) {
		f->recipient = a->rcpts[i];
		cmd = xasprintf("RCPT TO:<%s>", a->rcpts[i]);
		if (explain_stage(x, chk, SMTPD_CHECK_RCPT, f, cmd)) {
			f->rcpt_count++;
			accepted = 1;
		} else {
			ok = 0;
		}
		free(cmd);
	}
	if (a->data && accepted) {
		ok &= explain_stage(x, chk, SMTPD_CHECK_DATA, f, "DATA");
		ok &= explain_stage(x, chk, SMTPD_CHECK_END_OF_DATA, f, "END-OF-MESSAGE");
	}
	return ok;
}

/* explain_one: the session described by argv; its exit status. */
static int explain_one(struct relay_params_conf *c, struct event_base *base, struct dns *dns,
		       int argc, char **argv)
{
	struct explain_args a = { 0 };
	struct cfg *layer = NULL;
	struct smtpd_check_conf *conf = NULL;
	struct explain x = { .base = base };
	char *error = NULL;
	int rc = 2;

	if (explain_parse(argc, argv, &a) < 0) {
		fprintf(stderr, "%s\n", EXPLAIN_USAGE);
		free(a.rcpts);
		return 2;
	}
	if (explain_view(c, a.service, &layer) < 0)
		goto out;
	const struct cfg *view = layer ? layer : c->view;
	if (smtpd_check_conf_new(view, &conf, &error) < 0) {
		fprintf(stderr, "postern explain: %s\n", error);
		goto out;
	}
	char *delay = NULL;
	if (cfg_expand_param(view, "smtpd_delay_reject", &delay, &error) > 0 &&
	    cfg_value_bool(delay, &x.delay_reject, &error) < 0)
		FREE_AND_NULL(error);
	free(delay);
	struct smtpd_facts f = {
		.client_addr = a.addr,
		.protocol = "SMTP",
		.sasl_method = a.login ? "PLAIN" : NULL,
		.sasl_username = a.login,
		.tls_protocol = a.tls ? "TLSv1.3" : NULL,
		.tls_cipher = a.tls ? "TLS_AES_256_GCM_SHA384" : NULL,
		.tls_bits = a.tls ? 256 : 0,
		.input_pending = a.pipelining,
	};
	explain_names(&x, dns, &a, &f);
	struct policy_client *policy = policy_client_new(base);
	struct smtpd_check *chk = smtpd_check_new(conf, dns, policy);
	smtpd_check_set_trace(chk, explain_trace, &x);
	rc = explain_session(&x, chk, &a, &f) ? 0 : 1;
	smtpd_check_free(&chk);
	policy_client_free(&policy);
	explain_reset(&x);
out:
	free(error);
	free(a.rcpts);
	free(x.client_name);
	free(x.reverse_name);
	smtpd_check_conf_unref(&conf);
	cfg_free(&layer);
	return rc;
}

/* explain_batch: one session per line of file (its options, separated by
 * white space), each output after a line "### N" on stdout and stderr.
 * The exit status is the highest of the sessions'. */
static int explain_batch(struct relay_params_conf *c, struct event_base *base, struct dns *dns,
			 const char *file)
{
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL;
	size_t size = 0;
	int rc = 0, n = 0;

	if (fp == NULL) {
		fprintf(stderr, "postern explain: cannot open %s\n", file);
		return 2;
	}
	while (getline(&line, &size, fp) >= 0) {
		char *args[64], *save = NULL;
		int argc = 0;
		args[argc++] = "explain";
		for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < 63;
		     t = strtok_r(NULL, " \t\r\n", &save))
			args[argc++] = t;
		args[argc] = NULL;
		printf("### %d\n", n);
		fflush(stdout);
		fprintf(stderr, "### %d\n", n++);
		int one = explain_one(c, base, dns, argc, args);
		fflush(stdout);
		rc = one > rc ? one : rc;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

int postern_explain(int argc, char **argv, struct cli_opts *global)
{
	struct relay_params_conf *c = NULL;
	struct event_base *base = event_base_new();
	struct dns *dns = NULL;
	char *error = NULL;
	int rc = 2;

	relay_params_conf_load(&c, global->config, global->overrides, global->n_overrides, 0);
	if (dns_new(base, NULL, &dns, &error) < 0) {
		fprintf(stderr, "postern explain: DNS: %s\n", error);
		free(error);
	} else if (argc == 3 && strcmp(argv[1], "-b") == 0) {
		rc = explain_batch(c, base, dns, argv[2]);
	} else {
		rc = explain_one(c, base, dns, argc, argv);
	}
	dns_free(&dns);
	event_base_free(base);
	relay_params_conf_free(&c);
	return rc;
}
