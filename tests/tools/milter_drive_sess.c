/* milter_drive_sess.c: one milter session for the test client: connect,
 * negotiate as Postfix 3.7 does, send a message command by command with
 * its macros, read and check every reply (see milter_drive.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "milter_drive.h"
#include "sockspec.h"

int drive_connect(const char *text, int *fd_r, char **error_r)
{
	struct sockspec *spec = NULL;
	struct sockspec_addr *addrs = NULL;
	size_t n = 0;
	int rc = -1;

	if (sockspec_parse(text, 0, &spec, error_r) < 0 ||
	    sockspec_resolve(spec, SOCKSPEC_RESOLVE, &addrs, &n, error_r) <= 0)
		goto done;
	rc = sockspec_connect_addr(&addrs[0], fd_r, error_r);
	if (rc == 0) {
		struct pollfd pfd = {*fd_r, POLLOUT, 0};
		poll(&pfd, 1, 10000);
		rc = sockspec_connect_finish(*fd_r, error_r);
		if (rc < 0)
			close(*fd_r);
	}
	if (rc > 0)
		fcntl(*fd_r, F_SETFL, fcntl(*fd_r, F_GETFL) & ~O_NONBLOCK);
done:
	free(addrs);
	sockspec_free(&spec);
	return rc > 0 ? 1 : -1;
}

/* sess_flush: write what is encoded. */
static int sess_flush(struct drive_sess *s, char **error_r)
{
	size_t done = 0;
	while (done < s->out.len) {
		ssize_t n = write(s->fd, s->out.data + done, s->out.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r = xasprintf("write: %s", n < 0 ? strerror(errno) : "closed");
			buf_reset(&s->out);
			return -1;
		}
		done += (size_t)n;
	}
	buf_reset(&s->out);
	return 1;
}

static int sess_send(struct drive_sess *s, const struct milter_cmd *cmd, char **error_r)
{
	if (milter_cmd_encode(&s->out, cmd, s->neg.max_data, error_r) < 0)
		return -1;
	return sess_flush(s, error_r);
}

/* sess_read: the next reply; its strings live until the next call. */
static int sess_read(struct drive_sess *s, struct milter_reply *reply_r, char **error_r)
{
	struct milter_packet pkt;
	for (;;) {
		size_t used = 0;
		int rc = s->in.len > 0 ? milter_decoder_feed(s->dec, s->in.data, s->in.len, &used,
							     &pkt, error_r)
				       : 0;
		buf_consume(&s->in, used);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return milter_reply_decode(&pkt, reply_r, error_r);
		char chunk[65536];
		ssize_t n = read(s->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*error_r =
				xasprintf("read: %s", n < 0 ? strerror(errno)
							    : "the milter closed the connection");
			return -1;
		}
		buf_append(&s->in, chunk, (size_t)n);
	}
}

int drive_sess_open(struct drive_sess *s, const char *spec, char **error_r)
{
	memset(s, 0, sizeof(*s));
	buf_init(&s->in, 0);
	buf_init(&s->out, 0);
	s->dec = milter_decoder_new(MILTER_DATA_MAX_1M);
	if (drive_connect(spec, &s->fd, error_r) < 0) {
		s->fd = -1;
		drive_sess_close(s);
		return -1;
	}
	struct milter_cmd cmd = {.code = MILTER_CMD_OPTNEG};
	cmd.u.optneg.version = MILTER_VERSION;
	cmd.u.optneg.actions = MILTER_ACTIONS_ALL;
	cmd.u.optneg.protocol = MILTER_PROTO_ALL;
	struct milter_reply reply;
	if (sess_send(s, &cmd, error_r) < 0 || sess_read(s, &reply, error_r) < 0)
		goto fail;
	if (reply.code != MILTER_REPLY_OPTNEG) {
		*error_r = xasprintf("expected OPTNEG, got %c", reply.code);
		goto fail;
	}
	if (milter_neg_mta(&cmd.u.optneg, &reply.u.optneg, &s->neg, error_r) < 0)
		goto fail;
	milter_decoder_set_max(s->dec, s->neg.max_data);
	s->leadspc = (s->neg.protocol & MILTER_PROTO_HDR_LEADSPC) != 0;
	return 1;
fail:
	drive_sess_close(s);
	return -1;
}

void drive_sess_close(struct drive_sess *s)
{
	if (s->fd >= 0) {
		struct milter_cmd quit = {.code = MILTER_CMD_QUIT};
		char *error = NULL;
		if (s->neg.version > 0 && sess_send(s, &quit, &error) < 0)
			free(error);
		close(s->fd);
		s->fd = -1;
	}
	milter_decoder_free(&s->dec);
	milter_neg_deinit(&s->neg);
	buf_deinit(&s->in);
	buf_deinit(&s->out);
}

void drive_result_deinit(struct drive_result *res)
{
	FREE_AND_NULL(res->replycode);
	buf_deinit(&res->log);
}

static const char *sess_stage_name(int code)
{
	switch (code) {
	case MILTER_CMD_CONNECT:
		return "connect";
	case MILTER_CMD_HELO:
		return "helo";
	case MILTER_CMD_MAIL:
		return "mail";
	case MILTER_CMD_RCPT:
		return "rcpt";
	case MILTER_CMD_DATA:
		return "data";
	case MILTER_CMD_HEADER:
		return "header";
	case MILTER_CMD_EOH:
		return "eoh";
	case MILTER_CMD_BODY:
		return "body";
	case MILTER_CMD_BODYEOB:
		return "eom";
	default:
		return "other";
	}
}

/* sess_escaped: text with CR, LF and TAB written as \r \n \t, one line. */
static void sess_escaped(struct buf *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\r')
			buf_append_str(out, "\\r");
		else if (*p == '\n')
			buf_append_str(out, "\\n");
		else if (*p == '\t')
			buf_append_str(out, "\\t");
		else
			buf_append_char(out, *p);
	}
}

/* sess_log_change: one line for a change at the end of the message. */
static void sess_log_change(struct drive_result *res, const struct milter_reply *r)
{
	struct buf *log = &res->log;
	switch (r->code) {
	case MILTER_REPLY_ADDHEADER:
	case MILTER_REPLY_INSHEADER:
	case MILTER_REPLY_CHGHEADER:
		buf_printf(log, "%s",
			   r->code == MILTER_REPLY_ADDHEADER   ? "addheader "
			   : r->code == MILTER_REPLY_INSHEADER ? "insheader "
							       : "chgheader ");
		if (r->code != MILTER_REPLY_ADDHEADER)
			buf_printf(log, "%u ", r->u.header.index);
		buf_printf(log, "%s:", r->u.header.name);
		sess_escaped(log, r->u.header.value);
		break;
	case MILTER_REPLY_QUARANTINE:
		buf_append_str(log, "quarantine ");
		sess_escaped(log, r->u.text);
		break;
	case MILTER_REPLY_REPLBODY:
		buf_printf(log, "replbody %zu", r->u.body.len);
		break;
	default:
		buf_printf(log, "%s", milter_reply_name(r->code));
		break;
	}
	buf_append_char(log, '\n');
}

/* sess_step: send cmd (after the macros of its stage) when the milter
 * wants it and read the answer. 1: go on; 0: the milter decided (final
 * reply in res); -1 error. */
static int sess_step(struct drive_sess *s, const struct milter_cmd *cmd,
		     const struct drive_macros *macros, struct drive_msg *msg,
		     struct drive_result *res, char **error_r)
{
	if (!milter_neg_sends(&s->neg, cmd->code))
		return 1;
	int stage = milter_stage_of_cmd(cmd->code);
	if (stage >= 0 && macros != NULL && macros->n[stage] > 0) {
		const char **pairs = xcalloc(2 * macros->n[stage] + 1, sizeof(*pairs));
		for (size_t i = 0; i < macros->n[stage]; i++) {
			char *item = macros->items[stage][i];
			char *eq = strchr(item, '=');
			pairs[2 * i] = xstrndup(item, (size_t)(eq - item));
			pairs[2 * i + 1] = eq + 1;
		}
		struct milter_cmd mc = {.code = MILTER_CMD_MACRO};
		mc.u.macro.cmd = cmd->code;
		mc.u.macro.pairs.count = 2 * macros->n[stage];
		mc.u.macro.pairs.v = pairs;
		int rc = milter_cmd_encode(&s->out, &mc, s->neg.max_data, error_r);
		for (size_t i = 0; i < macros->n[stage]; i++)
			free((char *)pairs[2 * i]);
		free(pairs);
		if (rc < 0)
			return -1;
	}
	/* Commands without an answer wait in the buffer, as Postfix's do, and
	 * go out with the next one that has an answer (or QUIT, ABORT). */
	if (milter_cmd_encode(&s->out, cmd, s->neg.max_data, error_r) < 0)
		return -1;
	if (!milter_neg_awaits_reply(&s->neg, cmd->code))
		return 1;
	if (sess_flush(s, error_r) < 0)
		return -1;
	for (;;) {
		struct milter_reply r;
		if (sess_read(s, &r, error_r) < 0 ||
		    milter_neg_reply_ok(&s->neg, cmd->code, r.code, error_r) < 0)
			return -1;
		switch (r.code) {
		case MILTER_REPLY_PROGRESS:
			continue;
		case MILTER_REPLY_CONTINUE:
		case MILTER_REPLY_SKIP:
			if (cmd->code != MILTER_CMD_BODYEOB)
				return 1;
			break;
		case MILTER_REPLY_ACCEPT:
		case MILTER_REPLY_REJECT:
		case MILTER_REPLY_TEMPFAIL:
		case MILTER_REPLY_DISCARD:
		case MILTER_REPLY_SHUTDOWN:
		case MILTER_REPLY_CONN_FAIL:
			break;
		case MILTER_REPLY_REPLYCODE:
			res->replycode = xstrdup(r.u.text);
			break;
		default:
			sess_log_change(res, &r);
			drive_msg_apply(msg, &r, s->leadspc);
			continue;
		}
		res->stage_code = cmd->code;
		res->code = r.code;
		buf_printf(&res->log, "%s %s", sess_stage_name(cmd->code),
			   milter_reply_name(r.code) + strlen("SMFIR_"));
		if (res->replycode != NULL) {
			buf_append_char(&res->log, ' ');
			sess_escaped(&res->log, res->replycode);
		}
		buf_append_char(&res->log, '\n');
		return 0;
	}
}

int drive_sess_message(struct drive_sess *s, int connect, const char *client_host,
		       const char *client_addr, const char *sender, char **rcpts,
		       const struct drive_macros *macros, struct drive_msg *msg,
		       struct drive_result *res, char **error_r)
{
	struct milter_cmd cmd;
	int rc = 1;
	memset(res, 0, sizeof(*res));
	buf_init(&res->log, 0);

	if (connect) {
		cmd = (struct milter_cmd){.code = MILTER_CMD_CONNECT};
		cmd.u.connect.host = client_host;
		cmd.u.connect.family = client_addr == NULL		  ? MILTER_FAMILY_UNKNOWN
				       : strchr(client_addr, ':') != NULL ? MILTER_FAMILY_INET6
									  : MILTER_FAMILY_INET;
		cmd.u.connect.port = 54321;
		cmd.u.connect.addr = client_addr;
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
		cmd = (struct milter_cmd){.code = MILTER_CMD_HELO};
		cmd.u.helo = client_host;
		if (rc > 0)
			rc = sess_step(s, &cmd, macros, msg, res, error_r);
	}
	char *path = xasprintf("<%s>", sender);
	const char *mail_v[] = {path, NULL};
	cmd = (struct milter_cmd){.code = MILTER_CMD_MAIL};
	cmd.u.args = (struct milter_strv){1, mail_v};
	if (rc > 0)
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	free(path);
	for (size_t i = 0; rc > 0 && rcpts[i] != NULL; i++) {
		path = xasprintf("<%s>", rcpts[i]);
		const char *rcpt_v[] = {path, NULL};
		cmd = (struct milter_cmd){.code = MILTER_CMD_RCPT};
		cmd.u.args = (struct milter_strv){1, rcpt_v};
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
		free(path);
	}
	cmd = (struct milter_cmd){.code = MILTER_CMD_DATA};
	if (rc > 0)
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	/* The header fields as they are now: changes only come at the end. */
	size_t n_headers = msg->n_headers;
	for (size_t i = 0; rc > 0 && i < n_headers; i++) {
		const char *value = msg->headers[i].value;
		if (!s->leadspc)
			value += strspn(value, " \t");
		cmd = (struct milter_cmd){.code = MILTER_CMD_HEADER};
		cmd.u.header.name = msg->headers[i].name;
		cmd.u.header.value = value;
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	}
	cmd = (struct milter_cmd){.code = MILTER_CMD_EOH};
	if (rc > 0)
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	size_t chunk = s->neg.max_data < MILTER_BODY_CHUNK ? s->neg.max_data : MILTER_BODY_CHUNK;
	for (size_t off = 0; rc > 0 && off < msg->body.len; off += chunk) {
		cmd = (struct milter_cmd){.code = MILTER_CMD_BODY};
		cmd.u.body.data = (const unsigned char *)msg->body.data + off;
		cmd.u.body.len = msg->body.len - off < chunk ? msg->body.len - off : chunk;
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	}
	cmd = (struct milter_cmd){.code = MILTER_CMD_BODYEOB};
	if (rc > 0)
		rc = sess_step(s, &cmd, macros, msg, res, error_r);
	if (rc == 0 && res->stage_code != MILTER_CMD_BODYEOB) {
		/* Decided early: end the message as an MTA would. */
		cmd = (struct milter_cmd){.code = MILTER_CMD_ABORT};
		rc = sess_send(s, &cmd, error_r) < 0 ? -1 : 0;
	}
	return rc < 0 ? -1 : 1;
}

/* blind_put: encode one command of the blind stream (errors cannot happen
 * for the fixed commands; an overlong header field is left out). */
static void blind_put(struct buf *out, const struct milter_cmd *cmd)
{
	char *error = NULL;
	if (milter_cmd_encode(out, cmd, MILTER_DATA_MAX_DEFAULT, &error) < 0)
		free(error);
}

void drive_blind_stream(struct buf *out, const struct drive_msg *msg, const char *host,
			const char *addr)
{
	const char *mail_v[] = {"<sender@example.test>", NULL};
	const char *rcpt_v[] = {"<rcpt@example.test>", NULL};
	const char *eom_macros[] = {"i", "BLIND0001", NULL};
	struct milter_cmd cmd = {.code = MILTER_CMD_OPTNEG};

	cmd.u.optneg = (struct milter_optneg){.version = MILTER_VERSION,
					      .actions = MILTER_ACTIONS_ALL,
					      .protocol = MILTER_PROTO_ALL};
	blind_put(out, &cmd);
	cmd = (struct milter_cmd){.code = MILTER_CMD_CONNECT};
	cmd.u.connect.host = host;
	cmd.u.connect.family = addr == NULL		   ? MILTER_FAMILY_UNKNOWN
			       : strchr(addr, ':') != NULL ? MILTER_FAMILY_INET6
							   : MILTER_FAMILY_INET;
	cmd.u.connect.port = 54321;
	cmd.u.connect.addr = addr;
	blind_put(out, &cmd);
	cmd = (struct milter_cmd){.code = MILTER_CMD_MAIL};
	cmd.u.args = (struct milter_strv){1, mail_v};
	blind_put(out, &cmd);
	cmd = (struct milter_cmd){.code = MILTER_CMD_RCPT};
	cmd.u.args = (struct milter_strv){1, rcpt_v};
	blind_put(out, &cmd);
	for (size_t i = 0; i < msg->n_headers; i++) {
		cmd = (struct milter_cmd){.code = MILTER_CMD_HEADER};
		cmd.u.header.name = msg->headers[i].name;
		cmd.u.header.value = msg->headers[i].value;
		blind_put(out, &cmd);
	}
	cmd = (struct milter_cmd){.code = MILTER_CMD_EOH};
	blind_put(out, &cmd);
	if (msg->body.len > 0) {
		cmd = (struct milter_cmd){.code = MILTER_CMD_BODY};
		cmd.u.body.data = (const unsigned char *)msg->body.data;
		cmd.u.body.len =
			msg->body.len < MILTER_BODY_CHUNK ? msg->body.len : MILTER_BODY_CHUNK;
		blind_put(out, &cmd);
	}
	cmd = (struct milter_cmd){.code = MILTER_CMD_MACRO};
	cmd.u.macro.cmd = MILTER_CMD_BODYEOB;
	cmd.u.macro.pairs = (struct milter_strv){2, eom_macros};
	blind_put(out, &cmd);
	cmd = (struct milter_cmd){.code = MILTER_CMD_BODYEOB};
	blind_put(out, &cmd);
	cmd = (struct milter_cmd){.code = MILTER_CMD_QUIT};
	blind_put(out, &cmd);
}
