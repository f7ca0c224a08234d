/* milter_client_eom.c: the message at its end, milter by milter: the
 * header fields (less the relay's own Received field), the end of the
 * header, the body in chunks and the end of the message go to the current
 * milter; its changes (header fields, body, recipients, sender,
 * quarantine) are applied to the message model before the next milter
 * sees it, as Postfix's cleanup applies them to the queue file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "milter_client_private.h"

/* milter_chain_strip: addr without its angle brackets (malloc'd). */
static char *milter_chain_strip(const char *addr)
{
	size_t n = strlen(addr);
	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>')
		return xstrndup(addr + 1, n - 2);
	return xstrdup(addr);
}

static void milter_chain_push(char ***list, size_t *n, char *item)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = item;
}

/* milter_chain_args: ESMTP arguments as a milter sent them (malloc'd),
 * or NULL when there are none. */
static char *milter_chain_args(const char *args)
{
	return args != NULL && args[strspn(args, " ")] != '\0' ? xstrdup(args) : NULL;
}

static void milter_chain_add_rcpt(struct milter_result *res, const char *addr, const char *args)
{
	res->add_rcpts = xreallocarray(res->add_rcpts, res->n_add_rcpts + 1,
				       sizeof(*res->add_rcpts));
	res->add_rcpts[res->n_add_rcpts].addr = milter_chain_strip(addr);
	res->add_rcpts[res->n_add_rcpts].args = milter_chain_args(args);
	res->n_add_rcpts++;
}

/* milter_chain_own_received: the index of the Received field the relay
 * added (the first one: only PREPEND fields come before it), which
 * milters do not see, as under Postfix; n_hdrs when there is none. */
static size_t milter_chain_own_received(const struct milter_chain *c)
{
	for (size_t i = 0; i < c->msg.n_hdrs; i++)
		if (strcasecmp(c->msg.hdrs[i].name, "Received") == 0)
			return i;
	return c->msg.n_hdrs;
}

/* milter_chain_chg_index: the occurrence of a field a milter changes or
 * deletes, counted in the message model: the milter's Received fields
 * start after the relay's own, which it never saw (as Postfix's cleanup
 * skips its own Received header for smfi_chgheader). */
static uint32_t milter_chain_chg_index(const struct milter_chain *c, const char *name,
				       uint32_t index)
{
	if (strcasecmp(name, "Received") != 0 || index == UINT32_MAX ||
	    milter_chain_own_received(c) == c->msg.n_hdrs)
		return index;
	return (index == 0 ? 1 : index) + 1;
}

/* milter_chain_header: add, insert or change a header field, as
 * milter_header_checks let it through (a deletion is not checked). */
static void milter_chain_header(struct milter_chain *c, const struct milter_reply *r, int leadspc)
{
	const char *value = r->u.header.value;
	uint32_t index = r->u.header.index;
	if (r->code == MILTER_REPLY_CHGHEADER)
		index = milter_chain_chg_index(c, r->u.header.name, index);
	if (r->code == MILTER_REPLY_CHGHEADER && *value == '\0') {
		milter_msg_change(&c->msg, index, r->u.header.name, value, leadspc);
		return;
	}
	char *name = xstrdup(r->u.header.name);
	char *stored = leadspc ? xstrdup(value) : xasprintf(" %s", value);
	if (milter_hbc_field(c, &name, &stored)) {
		if (r->code == MILTER_REPLY_ADDHEADER)
			milter_msg_add(&c->msg, name, stored, 1);
		else if (r->code == MILTER_REPLY_INSHEADER)
			milter_msg_insert(&c->msg, r->u.header.index, name, stored, 1);
		else if (*stored != '\0')
			milter_msg_change_to(&c->msg, index, r->u.header.name, name, stored, 1);
	}
	free(name);
	free(stored);
}

/* milter_chain_change: apply one message change of the current milter. */
static void milter_chain_change(struct milter_chain *c, const struct milter_reply *r)
{
	struct milter_slot *sl = &c->slots[c->cur];
	int leadspc = (milter_conn_neg(sl->conn)->protocol & MILTER_PROTO_HDR_LEADSPC) != 0;
	struct milter_result *res = &c->result;
	switch (r->code) {
	case MILTER_REPLY_ADDHEADER:
	case MILTER_REPLY_INSHEADER:
	case MILTER_REPLY_CHGHEADER:
		milter_chain_header(c, r, leadspc);
		break;
	case MILTER_REPLY_REPLBODY:
		if (!c->new_body_set)
			buf_reset(&c->new_body);
		c->new_body_set = 1;
		for (size_t i = 0; i < r->u.body.len; i++) {
			unsigned char ch = r->u.body.data[i];
			int prev_cr = c->new_body.len > 0 &&
				      c->new_body.data[c->new_body.len - 1] == '\r';
			if (ch == '\n' && !prev_cr)
				buf_append_char(&c->new_body, '\r');
			buf_append_char(&c->new_body, (char)ch);
		}
		break;
	case MILTER_REPLY_ADDRCPT:
		milter_chain_add_rcpt(res, r->u.text, NULL);
		break;
	case MILTER_REPLY_ADDRCPT_PAR:
		milter_chain_add_rcpt(res, r->u.addr.addr, r->u.addr.args);
		break;
	case MILTER_REPLY_DELRCPT:
		milter_chain_push(&res->del_rcpts, &res->n_del_rcpts,
				  milter_chain_strip(r->u.text));
		break;
	case MILTER_REPLY_CHGFROM:
		free(res->sender);
		free(res->sender_args);
		res->sender = milter_chain_strip(r->u.addr.addr);
		res->sender_args = milter_chain_args(r->u.addr.args);
		break;
	case MILTER_REPLY_QUARANTINE:
		free(res->hold_reason);
		free(res->hold_filter);
		res->hold_reason = xstrdup(r->u.text);
		res->hold_filter = xstrdup(milter_conn_name(sl->conn));
		break;
	default:
		break;
	}
	if (r->code != MILTER_REPLY_QUARANTINE)
		c->edited = 1;
}

static int milter_chain_is_change(int code)
{
	return code == MILTER_REPLY_ADDHEADER || code == MILTER_REPLY_INSHEADER ||
	       code == MILTER_REPLY_CHGHEADER || code == MILTER_REPLY_REPLBODY ||
	       code == MILTER_REPLY_ADDRCPT || code == MILTER_REPLY_ADDRCPT_PAR ||
	       code == MILTER_REPLY_DELRCPT || code == MILTER_REPLY_CHGFROM ||
	       code == MILTER_REPLY_QUARANTINE;
}

/* milter_chain_eom_done: the current milter finished the message. */
static void milter_chain_eom_done(struct milter_chain *c)
{
	if (c->new_body_set) {
		buf_reset(&c->msg.body);
		buf_append(&c->msg.body, c->new_body.data, c->new_body.len);
		c->edited = 1;
	}
	c->slots[c->cur].in_txn = 0;
	c->cur++;
	milter_chain_next(c);
}

static int milter_chain_eom_reply(void *arg, const struct milter_reply *r)
{
	struct milter_chain *c = arg;
	if (r == NULL) {
		milter_chain_failed(c);
		return 0;
	}
	if (milter_chain_is_change(r->code)) {
		/* After a milter_header_checks REJECT or DISCARD, Postfix
		 * takes no more changes from this milter. */
		if (c->hbc_reply == NULL && !c->hbc_discard)
			milter_chain_change(c, r);
		return 1;
	}
	if (c->hbc_reply != NULL) {
		/* milter_header_checks' verdict replaces the milter's. */
		smtp_reply_free(&c->reply);
		c->reply = c->hbc_reply;
		c->hbc_reply = NULL;
		c->hbc_logged = 1;
		milter_chain_finish(c);
		return 0;
	}
	if (c->hbc_discard) {
		c->discard = 1;
		milter_chain_finish(c);
		return 0;
	}
	if (!milter_chain_decide(c, r))
		milter_chain_eom_done(c);
	return 0;
}

/* milter_chain_content_reply: a reply to HEADER, EOH or BODY. */
static int milter_chain_content_reply(void *arg, const struct milter_reply *r)
{
	struct milter_chain *c = arg;
	if (r == NULL) {
		milter_chain_failed(c);
		return 0;
	}
	if (r->code == MILTER_REPLY_SKIP) {
		c->skip_body = 1;
	} else if (r->code == MILTER_REPLY_ACCEPT) {
		/* Accepted: no changes from this milter for this message. */
		c->slots[c->cur].skip_txn = 1;
		c->slots[c->cur].in_txn = 0;
		c->cur++;
		milter_chain_next(c);
		return 0;
	} else if (r->code != MILTER_REPLY_CONTINUE) {
		milter_chain_decide(c, r);
		return 0;
	}
	milter_chain_eom_step(c);
	return 0;
}

void milter_chain_eom_step(struct milter_chain *c)
{
	struct milter_slot *sl = &c->slots[c->cur];
	const struct milter_neg *neg = milter_conn_neg(sl->conn);
	long long timeout = c->conf->milters[c->cur].content_timeout;
	for (;;) {
		/* Fresh each time: a milter that takes body chunks without a
		 * reply (SMFIP_NR_BODY) would otherwise get the last chunk again
		 * inside the end-of-body command. */
		struct milter_cmd cmd = {0};
		if (c->hdr_i < c->msg.n_hdrs && milter_neg_sends(neg, MILTER_CMD_HEADER)) {
			size_t i = c->hdr_i++;
			const struct milter_hdr *h = &c->msg.hdrs[i];
			if (i == milter_chain_own_received(c))
				continue;
			const char *v = h->value;
			if (!(neg->protocol & MILTER_PROTO_HDR_LEADSPC))
				while (*v == ' ' || *v == '\t')
					v++;
			cmd.code = MILTER_CMD_HEADER;
			cmd.u.header.name = h->name;
			cmd.u.header.value = v;
		} else if (!c->eoh_sent) {
			c->hdr_i = c->msg.n_hdrs;
			c->eoh_sent = 1;
			if (milter_chain_macros(c, MILTER_CMD_EOH) < 0) {
				milter_chain_failed(c);
				return;
			}
			if (!milter_neg_sends(neg, MILTER_CMD_EOH))
				continue;
			cmd.code = MILTER_CMD_EOH;
		} else if (c->body_off < c->msg.body.len && !c->skip_body &&
			   milter_neg_sends(neg, MILTER_CMD_BODY)) {
			size_t n = c->msg.body.len - c->body_off;
			if (n > MILTER_BODY_CHUNK)
				n = MILTER_BODY_CHUNK;
			cmd.code = MILTER_CMD_BODY;
			cmd.u.body.data = (const unsigned char *)c->msg.body.data + c->body_off;
			cmd.u.body.len = n;
			c->body_off += n;
		} else {
			if (milter_chain_macros(c, MILTER_CMD_BODYEOB) < 0) {
				milter_chain_failed(c);
				return;
			}
			cmd.code = MILTER_CMD_BODYEOB;
			milter_conn_request(sl->conn, &cmd, timeout, milter_chain_eom_reply, c);
			return;
		}
		if (milter_neg_awaits_reply(neg, cmd.code)) {
			milter_conn_request(sl->conn, &cmd, timeout, milter_chain_content_reply, c);
			return;
		}
		/* Without replies, header fields and chunks go out together
		 * with what follows, as Postfix writes them. */
		if (milter_conn_hold(sl->conn, &cmd) < 0) {
			milter_chain_failed(c);
			return;
		}
	}
}
