/* script_milter.c: a milter built with libmilter that does what a script
 * says, for the milter client's tests: the same script runs under a real
 * Postfix and under posternd, and the results are compared.
 *
 *   script-milter -p SOCKET -f SCRIPT -l LOG
 *
 * SCRIPT has one action per line, "STAGE ACTION ARGS"; '#' starts a
 * comment. STAGE is connect, helo, unknown, mail, rcpt, data, header, eoh,
 * body or eom; "rcpt=ADDR" applies to that recipient only (ADDR as the MTA sends
 * it, with angle brackets). Actions, in file order for the stage:
 *   reply accept|continue|reject|tempfail|discard|skip   the stage's reply
 *   replycode CODE XCODE TEXT     smfi_setreply, then reject or tempfail
 *   mlreply CODE XCODE L1|L2|...  smfi_setmlreply (up to 4 lines), idem
 *   addheader NAME VALUE          (eom) smfi_addheader
 *   insheader INDEX NAME VALUE    (eom) smfi_insheader
 *   chgheader NAME INDEX [VALUE]  (eom) smfi_chgheader; no VALUE deletes
 *   replbody TEXT                 (eom) smfi_replacebody; "\n" is a line end
 *   addrcpt ADDR / addrcpt_par ADDR ARGS / delrcpt ADDR   (eom)
 *   chgfrom ADDR [ARGS]           (eom)
 *   quarantine REASON             (eom)
 *   progress                      (eom) smfi_progress
 *   hang                          sleep for an hour (a hung milter)
 *   crash                         exit at once (a milter dying mid-way)
 * and "option leadspc" asks for SMFIP_HDR_LEADSPC; "option nounknown" for
 * SMFIP_NOUNKNOWN (unknown SMTP commands are not sent); "option noreply" asks
 * for every SMFIP_NR_* step the MTA offers: each stage but the end of the
 * message then sends no reply (its reply and replycode lines are not
 * used). Without a reply line a stage continues. LOG gets one line per callback with its arguments and
 * the macros the MTA sent ("mail <a@b> {auth_authen}=carol ...").
 */
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINES 256

struct line {
	char *stage; /* "rcpt" or "rcpt=<x@y>" */
	char *action;
	char *args;
};

static struct line script[MAX_LINES];
static size_t n_script;
static int leadspc;
static int noreply;
static int nounknown;

/* The "no reply" steps of "option noreply". */
#define NOREPLY_STEPS                                                                      \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |  \
	 SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
static FILE *log_fp;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The macros worth logging, per stage (Postfix's default lists). */
static const char *const log_macros[] = {
	"j", "_", "{daemon_name}", "{daemon_addr}", "v", "{client_addr}", "{client_name}",
	"{client_port}", "{client_ptr}", "{tls_version}", "{auth_type}", "{auth_authen}",
	"{auth_author}", "i", "{mail_addr}", "{mail_host}", "{mail_mailer}", "{rcpt_addr}",
	"{rcpt_host}", "{rcpt_mailer}", NULL,
};

static void log_line(SMFICTX *ctx, const char *stage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_line(SMFICTX *ctx, const char *stage, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&log_lock);
	fprintf(log_fp, "%s", stage);
	if (fmt != NULL) {
		fputc(' ', log_fp);
		va_start(ap, fmt);
		vfprintf(log_fp, fmt, ap);
		va_end(ap);
	}
	for (size_t i = 0; ctx != NULL && log_macros[i] != NULL; i++) {
		const char *v = smfi_getsymval(ctx, (char *)log_macros[i]);
		if (v != NULL)
			fprintf(log_fp, " %s=%s", log_macros[i], v);
	}
	fputc('\n', log_fp);
	fflush(log_fp);
	pthread_mutex_unlock(&log_lock);
}

/* stage_matches: does script line l apply to stage (with arg: the
 * recipient at rcpt)? */
static int stage_matches(const struct line *l, const char *stage, const char *arg)
{
	size_t n = strlen(stage);
	if (strncmp(l->stage, stage, n) != 0)
		return 0;
	if (l->stage[n] == '\0')
		return 1;
	return l->stage[n] == '=' && arg != NULL && strcmp(l->stage + n + 1, arg) == 0;
}

/* unescape: "\n" becomes a CRLF line end. Caller frees. */
static char *unescape(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\r';
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static sfsistat reply_with_code(SMFICTX *ctx, const char *args, int multi)
{
	char code[4] = "", xcode[16] = "";
	int pos = 0;
	if (sscanf(args, "%3s %15s %n", code, xcode, &pos) < 2)
		return SMFIS_TEMPFAIL;
	const char *text = args + pos;
	if (!multi) {
		smfi_setreply(ctx, code, xcode, (char *)text);
	} else {
		char *copy = strdup(text), *parts[4] = {NULL, NULL, NULL, NULL};
		size_t n = 0;
		for (char *p = strtok(copy, "|"); p != NULL && n < 4; p = strtok(NULL, "|"))
			parts[n++] = p;
		smfi_setmlreply(ctx, code, xcode, parts[0], parts[1], parts[2], parts[3], NULL);
		free(copy);
	}
	return code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* eom_change: one message change; 0 ok, -1 libmilter refused it. */
static int eom_change(SMFICTX *ctx, const struct line *l)
{
	char a[512] = "", b[512] = "";
	int pos = 0;
	const char *args = l->args;
	if (strcmp(l->action, "addheader") == 0) {
		sscanf(args, "%511s %n", a, &pos);
		return smfi_addheader(ctx, a, (char *)args + pos);
	}
	if (strcmp(l->action, "insheader") == 0) {
		int idx = 0;
		sscanf(args, "%d %511s %n", &idx, a, &pos);
		return smfi_insheader(ctx, idx, a, (char *)args + pos);
	}
	if (strcmp(l->action, "chgheader") == 0) {
		int idx = 0;
		sscanf(args, "%511s %d %n", a, &idx, &pos);
		return smfi_chgheader(ctx, a, idx, args[pos] ? (char *)args + pos : NULL);
	}
	if (strcmp(l->action, "replbody") == 0) {
		char *body = unescape(args);
		int rc = smfi_replacebody(ctx, (unsigned char *)body, (int)strlen(body));
		free(body);
		return rc;
	}
	if (strcmp(l->action, "addrcpt") == 0)
		return smfi_addrcpt(ctx, (char *)args);
	if (strcmp(l->action, "addrcpt_par") == 0) {
		sscanf(args, "%511s %n", a, &pos);
		return smfi_addrcpt_par(ctx, a, (char *)args + pos);
	}
	if (strcmp(l->action, "delrcpt") == 0)
		return smfi_delrcpt(ctx, (char *)args);
	if (strcmp(l->action, "chgfrom") == 0) {
		sscanf(args, "%511s %n", a, &pos);
		snprintf(b, sizeof(b), "%s", args + pos);
		return smfi_chgfrom(ctx, a, b[0] ? b : NULL);
	}
	if (strcmp(l->action, "quarantine") == 0)
		return smfi_quarantine(ctx, (char *)args);
	if (strcmp(l->action, "progress") == 0)
		return smfi_progress(ctx);
	return 0;
}

/* run: the script's lines for stage; the stage's reply. */
static sfsistat run(SMFICTX *ctx, const char *stage, const char *arg)
{
	sfsistat rc = SMFIS_CONTINUE;
	for (size_t i = 0; i < n_script; i++) {
		const struct line *l = &script[i];
		if (!stage_matches(l, stage, arg))
			continue;
		if (strcmp(l->action, "hang") == 0) {
			sleep(3600);
		} else if (strcmp(l->action, "crash") == 0) {
			log_line(NULL, "crash", "%s", stage);
			_exit(3);
		} else if (strcmp(l->action, "reply") == 0) {
			if (strcmp(l->args, "accept") == 0)
				rc = SMFIS_ACCEPT;
			else if (strcmp(l->args, "reject") == 0)
				rc = SMFIS_REJECT;
			else if (strcmp(l->args, "tempfail") == 0)
				rc = SMFIS_TEMPFAIL;
			else if (strcmp(l->args, "discard") == 0)
				rc = SMFIS_DISCARD;
			else if (strcmp(l->args, "skip") == 0)
				rc = SMFIS_SKIP;
		} else if (strcmp(l->action, "replycode") == 0 || strcmp(l->action, "mlreply") == 0) {
			rc = reply_with_code(ctx, l->args, l->action[0] == 'm');
		} else if (strcmp(stage, "eom") == 0 && eom_change(ctx, l) != MI_SUCCESS) {
			log_line(NULL, "refused", "%s %s", l->action, l->args);
		}
	}
	if (noreply && strcmp(stage, "eom") != 0)
		return SMFIS_NOREPLY;
	return rc;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0;
	*pf1 = (leadspc ? (f1 & SMFIP_HDR_LEADSPC) : 0) | (noreply ? (f1 & NOREPLY_STEPS) : 0) |
	       (nounknown ? (f1 & SMFIP_NOUNKNOWN) : 0);
	*pf2 = 0;
	*pf3 = 0;
	log_line(NULL, "negotiate", "actions=%#lx", f0);
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)sa;
	log_line(ctx, "connect", "%s", host);
	return run(ctx, "connect", NULL);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	log_line(ctx, "helo", "%s", helo);
	return run(ctx, "helo", NULL);
}

static sfsistat cb_unknown(SMFICTX *ctx, const char *cmd)
{
	log_line(ctx, "unknown", "%s", cmd);
	return run(ctx, "unknown", NULL);
}

static void join_args(char **argv, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++) {
		strncat(out, i ? " " : "", size - strlen(out) - 1);
		strncat(out, argv[i], size - strlen(out) - 1);
	}
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	char all[1024];
	join_args(argv, all, sizeof(all));
	log_line(ctx, "mail", "%s", all);
	return run(ctx, "mail", NULL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	char all[1024];
	join_args(argv, all, sizeof(all));
	log_line(ctx, "rcpt", "%s", all);
	return run(ctx, "rcpt", argv[0]);
}

static sfsistat cb_data(SMFICTX *ctx)
{
	log_line(ctx, "data", NULL);
	return run(ctx, "data", NULL);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	log_line(NULL, "header", "%s:[%s]", name, value);
	return run(ctx, "header", name);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	log_line(NULL, "eoh", NULL);
	return run(ctx, "eoh", NULL);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	log_line(NULL, "body", "%zu bytes", len);
	(void)data;
	return run(ctx, "body", NULL);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	log_line(ctx, "eom", NULL);
	return run(ctx, "eom", NULL);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	(void)ctx;
	log_line(NULL, "abort", NULL);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	(void)ctx;
	log_line(NULL, "close", NULL);
	return SMFIS_CONTINUE;
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[2048];
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(buf, sizeof(buf), f) != NULL && n_script < MAX_LINES) {
		buf[strcspn(buf, "\r\n")] = '\0';
		char stage[256] = "", action[64] = "";
		int pos = 0;
		if (buf[0] == '#' || sscanf(buf, "%255s %63s %n", stage, action, &pos) < 2)
			continue;
		if (strcmp(stage, "option") == 0) {
			leadspc |= strcmp(action, "leadspc") == 0;
			noreply |= strcmp(action, "noreply") == 0;
			nounknown |= strcmp(action, "nounknown") == 0;
			continue;
		}
		script[n_script].stage = strdup(stage);
		script[n_script].action = strdup(action);
		script[n_script].args = strdup(buf + pos);
		n_script++;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *file = NULL, *logpath = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "p:f:l:")) != -1) {
		if (opt == 'p')
			sock = optarg;
		else if (opt == 'f')
			file = optarg;
		else if (opt == 'l')
			logpath = optarg;
	}
	if (sock == NULL || file == NULL || logpath == NULL) {
		fprintf(stderr, "usage: script-milter -p SOCKET -f SCRIPT -l LOG\n");
		return 2;
	}
	load(file);
	log_fp = fopen(logpath, "a");
	if (log_fp == NULL) {
		perror(logpath);
		return 2;
	}
	struct smfiDesc desc = {
		.xxfi_name = "script-milter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT |
			      SMFIF_ADDRCPT_PAR | SMFIF_DELRCPT | SMFIF_QUARANTINE | SMFIF_CHGFROM,
		.xxfi_connect = cb_connect,
		.xxfi_helo = cb_helo,
		.xxfi_envfrom = cb_envfrom,
		.xxfi_envrcpt = cb_envrcpt,
		.xxfi_header = cb_header,
		.xxfi_eoh = cb_eoh,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_close = cb_close,
		.xxfi_data = cb_data,
		.xxfi_unknown = cb_unknown,
		.xxfi_negotiate = cb_negotiate,
	};
	if (smfi_register(desc) == MI_FAILURE || smfi_setconn((char *)sock) == MI_FAILURE) {
		fprintf(stderr, "script-milter: cannot register or set the socket\n");
		return 1;
	}
	fprintf(stderr, "script-milter: listening on %s\n", sock);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
