/* av_cb.c: postern-av's hooks into the milter skeleton: the state built
 * from the settings (the shared reloader, the skip lists, the
 * X-Virus-Scanned text), the skip checks at connect and MAIL FROM, and at
 * the end of the message the scan of the spool, the status headers and
 * the outcome. The skeleton turns the outcome into the reply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "access_action.h"
#include "av.h"
#include "av_conf.h"
#include "av_reload.h"
#include "av_verdict.h"
#include "log.h"
#include "mem.h"
#include "milter_proto.h"
#include "table.h"
#include "table_find.h"

struct av_state {
	struct av_reload *reload; /* the process's, shared by every snapshot */
	struct table *skip_clients;
	struct table *skip_senders;
	char *scanned_value; /* X-Virus-Scanned: "postern-av VERSION (libclamav V) on HOST" */
};

/* Per message: how many fields with our header names the message came
 * with (they are removed, so nobody upstream can claim a verdict). */
struct av_msg {
	int scanned_fields;
	int status_fields;
};

static void av_state_free(void *data)
{
	struct av_state *st = data;
	av_reload_shared_release(&st->reload);
	table_free(&st->skip_clients);
	table_free(&st->skip_senders);
	free(st->scanned_value);
	free(st);
}

static int av_open_table(const char *spec, struct table **table_r, char **error_r)
{
	char *error = NULL;
	if (*spec == '\0' || table_open(spec, TABLE_FLAGS_NONE, table_r, &error) > 0)
		return 1;
	*error_r = xasprintf("%s: %s", spec, error);
	free(error);
	return -1;
}

static int av_setup(const void *settings, void **state_r, char **error_r)
{
	const struct av_settings *s = settings;
	struct av_state *st = xcalloc(1, sizeof(*st));
	struct av_engine_opts opts;
	char host[256] = "localhost";

	if (av_open_table(s->skip_clients, &st->skip_clients, error_r) < 0 ||
	    av_open_table(s->skip_senders, &st->skip_senders, error_r) < 0) {
		av_state_free(st);
		return -1;
	}
	av_conf_engine_opts(s, &opts);
	long long delay = s->database_reload_delay < 86400 ? s->database_reload_delay : 86400;
	if (av_reload_shared_acquire(&opts, (unsigned)delay * 1000, &st->reload, error_r) < 0) {
		av_state_free(st);
		return -1;
	}
	gethostname(host, sizeof(host) - 1);
	st->scanned_value = xasprintf("postern-av %s (libclamav %s) on %s", PACKAGE_VERSION,
				      av_engine_version(), host);
	/* Not av_reload_engine(): the daemon forks after setup, and the
	 * watching thread must start in the process that stays. */
	log_info("signatures: %u from %s", av_reload_signatures(st->reload), s->database_directory);
	*state_r = st;
	return 1;
}

/* av_skip: does table say "skip" (OK) for key? A table that fails is
 * logged and the message is scanned. */
static int av_skip(struct milter_skel_msg *m, struct table *t, const char *what, const char *key,
		   int is_address)
{
	struct table_match match = {0};
	struct table_find_opts fo = {0};
	struct access_action action;
	char *error = NULL;
	int rc;

	if (is_address)
		rc = table_find_access(&t, 1, key, &fo, &match, &error);
	else
		rc = table_find_hostaddr(&t, 1, key, &match, &error);
	if (rc < 0) {
		log_warn("%s: %s lookup of %s: %s; scanning",
			 m != NULL ? milter_skel_queue_id(m) : "NOQUEUE", table_spec(t), key,
			 error);
		free(error);
		return 0;
	}
	int skip =
		rc > 0 &&
		access_action_parse(match.value, NULL, ACCESS_CLASS_OTHER, &action, &error) > 0 &&
		action.kind == ACCESS_OK;
	free(error);
	table_match_deinit(&match);
	if (skip && m != NULL)
		milter_skel_detail(m, "%s=%s", what, key);
	return skip;
}

static int av_connect(struct milter_skel_conn *c, void **data_r)
{
	struct av_state *st = milter_skel_state(c);
	const char *addr = milter_skel_conn_addr(c);
	if (st->skip_clients == NULL || addr == NULL)
		return MILTER_SKEL_CONTINUE;
	if (!av_skip(NULL, st->skip_clients, "client", addr, 0))
		return MILTER_SKEL_CONTINUE;
	log_info("client %s[%s] is in skip_clients: not scanning its mail",
		 milter_skel_conn_host(c), addr);
	return AV_OUTCOME_SKIPPED;
}

static int av_mail(struct milter_skel_msg *m, void **data_r)
{
	struct av_state *st = milter_skel_state(milter_skel_msg_conn(m));
	const char *sender = milter_skel_sender(m);
	*data_r = xcalloc(1, sizeof(struct av_msg));
	if (st->skip_senders == NULL)
		return MILTER_SKEL_CONTINUE;
	/* The null sender is looked up as "<>", as Postfix's smtpd does. */
	if (av_skip(m, st->skip_senders, "sender", *sender != '\0' ? sender : "<>", 1))
		return AV_OUTCOME_SKIPPED;
	return MILTER_SKEL_CONTINUE;
}

static int av_header(struct milter_skel_msg *m, const char *name, const char *value)
{
	const struct av_settings *s = milter_skel_settings(milter_skel_msg_conn(m));
	struct av_msg *am = milter_skel_msg_data(m);
	(void)value;
	if (*s->scanned_header != '\0' && strcasecmp(name, s->scanned_header) == 0)
		am->scanned_fields++;
	if (*s->status_header != '\0' && strcasecmp(name, s->status_header) == 0)
		am->status_fields++;
	return MILTER_SKEL_CONTINUE;
}

/* av_headers: remove the fields the message came with, add ours. */
static int av_headers(struct milter_skel_msg *m, const struct av_state *st, const char *status)
{
	const struct av_settings *s = milter_skel_settings(milter_skel_msg_conn(m));
	const struct av_msg *am = milter_skel_msg_data(m);
	int ok = 1;

	/* From the last down, so the indexes stay right whichever way the
	 * MTA counts them. */
	for (int i = am->scanned_fields; i >= 1; i--)
		ok &= milter_skel_delheader(m, s->scanned_header, i) > 0;
	for (int i = am->status_fields; i >= 1; i--)
		ok &= milter_skel_delheader(m, s->status_header, i) > 0;
	if (*s->scanned_header != '\0')
		ok &= milter_skel_addheader(m, s->scanned_header, st->scanned_value) > 0;
	if (*s->status_header != '\0')
		ok &= milter_skel_addheader(m, s->status_header, status) > 0;
	return ok;
}

static long av_elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int av_eom(struct milter_skel_msg *m)
{
	struct av_state *st = milter_skel_state(milter_skel_msg_conn(m));
	struct milter_spool *spool = milter_skel_spool(m);
	struct av_scan scan;
	struct timespec start;
	const void *data;
	size_t len;

	clock_gettime(CLOCK_MONOTONIC, &start);
	struct av_engine *engine = av_reload_engine(st->reload);
	if (milter_spool_memory(spool, &data, &len))
		av_engine_scan_memory(engine, data, len, &scan);
	else
		av_engine_scan_fd(engine, milter_spool_fd(spool), &scan);
	av_engine_unref(&engine);

	enum av_outcome outcome = av_verdict_outcome(&scan);
	char *detail = av_verdict_detail(&scan, milter_skel_msg_size(m), av_elapsed_ms(&start));
	char *status = av_verdict_status(&scan);
	milter_skel_detail(m, "%s", detail);
	/* The reply names a virus or why the message was not scanned; an
	 * error's text (paths, errno) stays in the log. */
	if (scan.kind == AV_SCAN_VIRUS || scan.kind == AV_SCAN_UNSCANNED)
		milter_skel_reply_detail(m, scan.name);
	if (av_headers(m, st, status) == 0)
		milter_skel_detail(m, "headers=refused");
	free(status);
	free(detail);
	return outcome;
}

static void av_versions(void)
{
	printf("  libclamav %s\n", av_engine_version());
}

static const struct milter_skel_hooks av_hooks = {
	.connect = av_connect,
	.mail = av_mail,
	.msg_free = free,
	.header = av_header,
	.eom = av_eom,
};

const struct milter_skel_def av_milter_def = {
	.name = "av",
	.default_socket = "inet:127.0.0.1:8892",
	.params = av_params,
	.n_params = AV_N_PARAMS,
	.settings_size = sizeof(struct av_settings),
	.setup = av_setup,
	.state_free = av_state_free,
	.outcomes = av_outcomes,
	.n_outcomes = AV_N_OUTCOMES,
	.too_big = AV_OUTCOME_UNSCANNED,
	.actions = MILTER_ACTION_ADDHDRS | MILTER_ACTION_CHGHDRS | MILTER_ACTION_QUARANTINE,
	.spool = 1,
	.hooks = &av_hooks,
	.versions = av_versions,
};
