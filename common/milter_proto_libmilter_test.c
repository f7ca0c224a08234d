/* milter_proto_libmilter_test.c: our MTA side of the milter codec talks to
 * a real libmilter milter (Debian's libmilter, forked into a child on a
 * unix socket). The milter writes down what libmilter decoded from our
 * commands and sends it back in a header, and it uses every libmilter call
 * that produces a reply, so both directions of the codec are checked
 * against the reference implementation: negotiation with macro lists and
 * no-reply flags, macros, CONNECT (IPv4 and IPv6), HELO, UNKNOWN, MAIL and
 * RCPT with ESMTP arguments, DATA, headers with a leading space, EOH, BODY
 * answered with SKIP, and every end-of-message change. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmilter/mfapi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"
#include "milter_proto_cmd.h"
#include "milter_proto_neg.h"
#include "milter_proto_reply.h"
#include "tap.h"

/* ---- The libmilter side (child process) ---- */

static struct buf *transcript(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static sfsistat m_negotiate(SMFICTX *ctx, unsigned long actions, unsigned long protocol,
			    unsigned long f2, unsigned long f3, unsigned long *actions_r,
			    unsigned long *protocol_r, unsigned long *f2_r, unsigned long *f3_r)
{
	*actions_r = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR |
		     SMFIF_DELRCPT | SMFIF_CHGFROM | SMFIF_CHGBODY | SMFIF_QUARANTINE |
		     SMFIF_SETSYMLIST;
	*protocol_r = SMFIP_NR_HDR | SMFIP_SKIP | SMFIP_HDR_LEADSPC;
	*f2_r = *f3_r = 0;
	smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name}");
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "{mail_addr}");
	return SMFIS_CONTINUE;
}

static const char *symval(SMFICTX *ctx, char *name)
{
	const char *v = smfi_getsymval(ctx, name);
	return v ? v : "(none)";
}

static sfsistat m_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	struct buf *t;

	if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		char text[200];
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(text, sizeof(text), "no %s from %s port %u", host, addr,
			 ntohs(s6->sin6_port));
		smfi_setreply(ctx, "554", "5.7.0", text);
		return SMFIS_REJECT;
	}
	t = buf_new(0);
	smfi_setpriv(ctx, t);
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		buf_printf(t, "connect %s %s:%u", host, addr, ntohs(s4->sin_port));
	}
	buf_printf(t, " j=%s daemon=%s;", symval(ctx, "j"), symval(ctx, "{daemon_name}"));
	return SMFIS_CONTINUE;
}

static sfsistat m_helo(SMFICTX *ctx, char *name)
{
	buf_printf(transcript(ctx), " helo=%s;", name);
	return SMFIS_CONTINUE;
}

static sfsistat m_unknown(SMFICTX *ctx, const char *line)
{
	buf_printf(transcript(ctx), " unknown=%s;", line);
	return SMFIS_CONTINUE;
}

static void log_args(struct buf *t, const char *what, char **argv)
{
	buf_printf(t, " %s", what);
	for (; *argv != NULL; argv++)
		buf_printf(t, " %s", *argv);
}

static sfsistat m_envfrom(SMFICTX *ctx, char **argv)
{
	log_args(transcript(ctx), "mail", argv);
	buf_printf(transcript(ctx), " mail_addr=%s;", symval(ctx, "{mail_addr}"));
	return SMFIS_CONTINUE;
}

static sfsistat m_envrcpt(SMFICTX *ctx, char **argv)
{
	log_args(transcript(ctx), "rcpt", argv);
	buf_append_str(transcript(ctx), ";");
	return SMFIS_CONTINUE;
}

static sfsistat m_data(SMFICTX *ctx)
{
	buf_append_str(transcript(ctx), " data;");
	return SMFIS_CONTINUE;
}

static sfsistat m_header(SMFICTX *ctx, char *name, char *value)
{
	buf_printf(transcript(ctx), " %s:[%s];", name, value);
	return SMFIS_NOREPLY;
}

static sfsistat m_eoh(SMFICTX *ctx)
{
	buf_printf(transcript(ctx), " eoh i=%s;", symval(ctx, "i"));
	return SMFIS_CONTINUE;
}

static sfsistat m_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	buf_printf(transcript(ctx), " body=%.*s;", (int)len, (const char *)data);
	return SMFIS_SKIP;
}

static sfsistat m_eom(SMFICTX *ctx)
{
	smfi_addheader(ctx, "X-Transcript", (char *)buf_cstr(transcript(ctx)));
	smfi_insheader(ctx, 0, "X-Top", "first");
	smfi_chgheader(ctx, "Subject", 1, NULL);
	smfi_addrcpt(ctx, "<new@example.org>");
	smfi_addrcpt_par(ctx, "<par@example.org>", "NOTIFY=NEVER");
	smfi_delrcpt(ctx, "<b@example.net>");
	smfi_chgfrom(ctx, "<bounce@example.org>", "SIZE=100");
	smfi_replacebody(ctx, (unsigned char *)"new body\r\n", 10);
	smfi_quarantine(ctx, "held for test");
	smfi_progress(ctx);
	smfi_setreply(ctx, "550", "5.7.1", "100%% sure");
	return SMFIS_REJECT;
}

static sfsistat m_close(SMFICTX *ctx)
{
	struct buf *t = transcript(ctx);
	buf_free(&t);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static void run_milter(const char *spec)
{
	struct smfiDesc desc = {
		.xxfi_name = "postern-test",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS,
		.xxfi_connect = m_connect,
		.xxfi_helo = m_helo,
		.xxfi_envfrom = m_envfrom,
		.xxfi_envrcpt = m_envrcpt,
		.xxfi_header = m_header,
		.xxfi_eoh = m_eoh,
		.xxfi_body = m_body,
		.xxfi_eom = m_eom,
		.xxfi_close = m_close,
		.xxfi_unknown = m_unknown,
		.xxfi_data = m_data,
		.xxfi_negotiate = m_negotiate,
	};
	if (smfi_setconn((char *)spec) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS)
		_exit(2);
	smfi_main();
	/* _exit: the child's exit is libmilter's business, not a leak check's. */
	_exit(0);
}

/* ---- The MTA side (our codec) ---- */

struct conn {
	int fd;
	struct milter_decoder *dec;
	unsigned char in[4096];
	size_t off, len;
	struct milter_packet pkt;
	struct milter_reply reply;
	struct milter_neg neg;
	int last_cmd;
};

static int connect_milter(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	for (int tries = 0; tries < 500; tries++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		close(fd);
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	return -1;
}

static void send_cmd(struct conn *c, const struct milter_cmd *cmd)
{
	struct buf out;
	char *error = NULL;

	buf_init(&out, 0);
	if (milter_cmd_encode(&out, cmd, 0, &error) < 0) {
		printf("Bail out! encode: %s\n", error);
		exit(1);
	}
	if (write(c->fd, buf_cstr(&out), buf_len(&out)) != (ssize_t)buf_len(&out)) {
		printf("Bail out! write to the milter failed\n");
		exit(1);
	}
	c->last_cmd = cmd->code;
	buf_deinit(&out);
}

/* next_reply: read and decode the next reply; 1, or 0 with a diagnostic. */
static int next_reply(struct conn *c)
{
	char *error = NULL;

	for (;;) {
		size_t used;
		int rc = milter_decoder_feed(c->dec, c->in + c->off, c->len - c->off, &used,
					     &c->pkt, &error);
		c->off += used;
		if (rc == 1)
			break;
		if (rc < 0) {
			tap_diag("framing: %s", error);
			free(error);
			return 0;
		}
		struct pollfd pfd = {c->fd, POLLIN, 0};
		ssize_t n;
		if (poll(&pfd, 1, 5000) != 1 || (n = read(c->fd, c->in, sizeof(c->in))) <= 0) {
			tap_diag("no reply from the milter after '%c'", c->last_cmd);
			return 0;
		}
		c->off = 0;
		c->len = (size_t)n;
	}
	if (milter_reply_decode(&c->pkt, &c->reply, &error) < 0 ||
	    (c->last_cmd != MILTER_CMD_OPTNEG &&
	     milter_neg_reply_ok(&c->neg, c->last_cmd, c->reply.code, &error) < 0)) {
		tap_diag("reply: %s", error);
		free(error);
		return 0;
	}
	return 1;
}

/* step: send cmd if negotiation says so; expect reply code want (0: none). */
static void step(struct conn *c, const struct milter_cmd *cmd, int want, const char *what)
{
	if (!milter_neg_sends(&c->neg, cmd->code)) {
		tap_ok(0, "%s: negotiation suppressed the command", what);
		return;
	}
	send_cmd(c, cmd);
	if (!milter_neg_awaits_reply(&c->neg, cmd->code)) {
		tap_ok(want == 0, "%s: no reply expected", what);
		return;
	}
	int got = next_reply(c) ? c->reply.code : 0;
	tap_ok(got == want, "%s: answered '%c' (got '%c')", what, want, got ? got : '-');
}

static void send_macros(struct conn *c, int for_cmd, const char **pairs, size_t count)
{
	struct milter_cmd m = {.code = MILTER_CMD_MACRO, .u.macro = {for_cmd, {count, pairs}}};
	send_cmd(c, &m);
}

static void negotiate(struct conn *c, const char *path)
{
	struct milter_cmd opt = {.code = MILTER_CMD_OPTNEG,
				 .u.optneg = {6, MILTER_ACTIONS_ALL, MILTER_PROTO_ALL, {NULL}, 0}};
	char *error = NULL;

	memset(c, 0, sizeof(*c));
	c->fd = connect_milter(path);
	c->dec = milter_decoder_new(0);
	if (c->fd < 0) {
		printf("Bail out! cannot connect to the libmilter test milter\n");
		exit(1);
	}
	send_cmd(c, &opt);
	tap_ok(next_reply(c) && c->reply.code == MILTER_REPLY_OPTNEG, "libmilter answers OPTNEG");
	tap_is_int(milter_neg_mta(&opt.u.optneg, &c->reply.u.optneg, &c->neg, &error), 1,
		   "its answer passes the MTA-side checks");
	free(error);
}

static void session_inet(const char *path)
{
	struct conn c;
	const char *conn_macros[] = {"j", "mx.example", "{daemon_name}", "smtpd"};
	const char *mail_macros[] = {"{mail_addr}", "a@example.org"};
	const char *eoh_macros[] = {"i", "QID1"};

	negotiate(&c, path);
	tap_is_int(c.neg.version, 6, "version 6");
	tap_is_int(c.neg.actions, MILTER_ACTIONS_ALL, "all actions requested");
	tap_is_int(c.neg.protocol,
		   MILTER_PROTO_NR_HDR | MILTER_PROTO_SKIP | MILTER_PROTO_HDR_LEADSPC,
		   "protocol flags from xxfi_negotiate");
	tap_is_str(c.neg.symlists[MILTER_STAGE_CONNECT], "j {daemon_name}",
		   "smfi_setsymlist(SMFIM_CONNECT) arrives");
	tap_is_str(c.neg.symlists[MILTER_STAGE_ENVFROM], "{mail_addr}",
		   "smfi_setsymlist(SMFIM_ENVFROM) arrives");

	send_macros(&c, MILTER_CMD_CONNECT, conn_macros, 4);
	step(&c,
	     &(struct milter_cmd){.code = 'C',
				  .u.connect = {"client.example", '4', 4567, "192.0.2.7"}},
	     'c', "CONNECT");
	step(&c, &(struct milter_cmd){.code = 'H', .u.helo = "helo.example"}, 'c', "HELO");
	step(&c, &(struct milter_cmd){.code = 'U', .u.unknown = "XFOO bar"}, 'c', "UNKNOWN");
	send_macros(&c, MILTER_CMD_MAIL, mail_macros, 2);
	step(&c,
	     &(struct milter_cmd){
		     .code = 'M',
		     .u.args = {2, (const char *[]){"<a@example.org>", "SIZE=10", NULL}}},
	     'c', "MAIL");
	step(&c,
	     &(struct milter_cmd){.code = 'R',
				  .u.args = {1, (const char *[]){"<b@example.net>", NULL}}},
	     'c', "RCPT");
	step(&c, &(struct milter_cmd){.code = 'T'}, 'c', "DATA");
	step(&c, &(struct milter_cmd){.code = 'L', .u.header = {"Subject", " hello"}}, 0,
	     "HEADER 1");
	step(&c, &(struct milter_cmd){.code = 'L', .u.header = {"From", " a@example.org"}}, 0,
	     "HEADER 2");
	send_macros(&c, MILTER_CMD_EOH, eoh_macros, 2);
	step(&c, &(struct milter_cmd){.code = 'N'}, 'c', "EOH");
	step(&c,
	     &(struct milter_cmd){.code = 'B', .u.body = {(const unsigned char *)"line\r\n", 6}},
	     's', "BODY, answered with SKIP");
	send_cmd(&c, &(struct milter_cmd){.code = 'E'});

	static const struct {
		int code;
		const char *text;
	} want[] = {
		{'h', "X-Transcript: connect client.example 192.0.2.7:4567 j=mx.example "
		      "daemon=smtpd; helo=helo.example; unknown=XFOO bar; mail <a@example.org> "
		      "SIZE=10 mail_addr=a@example.org; rcpt <b@example.net>; data; "
		      "Subject:[ hello]; From:[ a@example.org]; eoh i=QID1; body=line\r\n;"},
		{'i', "#0 X-Top: first"},
		{'m', "#1 Subject: "},
		{'+', "<new@example.org>"},
		{'2', "<par@example.org> NOTIFY=NEVER"},
		{'-', "<b@example.net>"},
		{'e', "<bounce@example.org> SIZE=100"},
		{'b', "new body\r\n"},
		{'q', "held for test"},
		{'p', ""},
		{'y', "550 5.7.1 100%% sure"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *got;
		const struct milter_reply *r = &c.reply;
		if (!next_reply(&c)) {
			tap_ok(0, "end-of-message reply %zu missing", i);
			break;
		}
		switch (r->code) {
		case 'h':
			got = xasprintf("%s: %s", r->u.header.name, r->u.header.value);
			break;
		case 'i':
		case 'm':
			got = xasprintf("#%lu %s: %s", (unsigned long)r->u.header.index,
					r->u.header.name, r->u.header.value);
			break;
		case '2':
		case 'e':
			got = xasprintf("%s %s", r->u.addr.addr,
					r->u.addr.args ? r->u.addr.args : "");
			break;
		case 'b':
			got = xasprintf("%.*s", (int)r->u.body.len, (const char *)r->u.body.data);
			break;
		case 'p':
			got = xstrdup("");
			break;
		default:
			got = xstrdup(r->u.text);
			break;
		}
		tap_ok(r->code == want[i].code, "end-of-message reply %zu is '%c' (got '%c')", i,
		       want[i].code, r->code);
		tap_is_str(got, want[i].text, "with the fields libmilter was given");
		free(got);
	}
	step(&c, &(struct milter_cmd){.code = 'Q'}, 0, "QUIT");
	close(c.fd);
	milter_decoder_free(&c.dec);
	milter_neg_deinit(&c.neg);
}

static void session_inet6(const char *path)
{
	struct conn c;

	negotiate(&c, path);
	step(&c,
	     &(struct milter_cmd){.code = 'C',
				  .u.connect = {"[2001:db8::5]", '6', 25, "2001:db8::5"}},
	     'y', "CONNECT over IPv6, rejected by the milter");
	tap_is_str(c.reply.code == 'y' ? c.reply.u.text : NULL,
		   "554 5.7.0 no [2001:db8::5] from 2001:db8::5 port 25",
		   "libmilter decoded the IPv6 host, address and port");
	send_cmd(&c, &(struct milter_cmd){.code = 'Q'});
	close(c.fd);
	milter_decoder_free(&c.dec);
	milter_neg_deinit(&c.neg);
}

int main(void)
{
	char path[4200], spec[4300];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/milter.sock", tap_tmpdir());
	snprintf(spec, sizeof(spec), "unix:%s", path);
	fflush(stdout);
	if ((pid = fork()) == 0)
		run_milter(spec);

	session_inet(path);
	session_inet6(path);

	/* SIGTERM would make libmilter wait out its 5 s listener poll. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(tap_tmpdir());
	return tap_done();
}
