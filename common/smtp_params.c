/* smtp_params.c: ESMTP MAIL and RCPT parameter parsing and validation, one
 * small handler per keyword (see smtp_params.h for the replies). */
#include "smtp_params.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "xtext.h"

/* Longest token echoed in "Unsupported option: TOKEN". */
#define ECHO_MAX 200

struct param_ctx {
	const struct smtp_params_opts *opts;
	struct smtp_mail_params *mail;
	struct smtp_rcpt_params *rcpt;
	int smtputf8;
	const char *token; /* the whole KEY[=VALUE] token, for echoing */
	size_t token_len;
	unsigned seen; /* bit per handler index */
	struct smtp_reply *reply;
};

struct param_value {
	const char *s;
	size_t len;
	int given; /* there was an '=' */
};

typedef int (*param_fn)(struct param_ctx *ctx, const struct param_value *v);

struct param_handler {
	const char *keyword;
	unsigned need_ext;	   /* SMTP_EXT_* the listener must offer */
	enum smtp_reply_id no_ext; /* the reply when it does not */
	enum smtp_reply_id dup;	   /* the reply for a repeated parameter */
	param_fn parse;
};

static int refuse(struct param_ctx *ctx, enum smtp_reply_id id)
{
	ctx->reply = smtp_reply_new(id, (const char *)NULL);
	return -1;
}

static int unsupported(struct param_ctx *ctx)
{
	char *tok = xstrndup(ctx->token, ctx->token_len < ECHO_MAX ? ctx->token_len : ECHO_MAX);
	ctx->reply = smtp_reply_new(SMTP_R_UNSUPPORTED_OPTION, tok, (const char *)NULL);
	free(tok);
	return -1;
}

static int value_is(const struct param_value *v, const char *word)
{
	return v->given && strlen(word) == v->len && strncasecmp(v->s, word, v->len) == 0;
}

static int parse_size(struct param_ctx *ctx, const struct param_value *v)
{
	uint64_t size = 0;
	if (!v->given || v->len == 0 || v->len > 20)
		return refuse(ctx, SMTP_R_BAD_SIZE);
	for (size_t i = 0; i < v->len; i++) {
		if (!isdigit((unsigned char)v->s[i]))
			return refuse(ctx, SMTP_R_BAD_SIZE);
		unsigned d = (unsigned)(v->s[i] - '0');
		size = size > (UINT64_MAX - d) / 10 ? UINT64_MAX : size * 10 + d;
	}
	if (ctx->opts->message_size_limit != 0 && size > ctx->opts->message_size_limit)
		return refuse(ctx, SMTP_R_SIZE_EXCEEDED);
	ctx->mail->size_given = 1;
	ctx->mail->size = size;
	return 1;
}

static int parse_body(struct param_ctx *ctx, const struct param_value *v)
{
	if (value_is(v, "7BIT"))
		ctx->mail->body = SMTP_BODY_7BIT;
	else if (value_is(v, "8BITMIME"))
		ctx->mail->body = SMTP_BODY_8BITMIME;
	else if (value_is(v, "BINARYMIME") && (ctx->opts->ext & SMTP_EXT_BINARYMIME))
		ctx->mail->body = SMTP_BODY_BINARYMIME;
	else
		return unsupported(ctx);
	return 1;
}

static int parse_smtputf8(struct param_ctx *ctx, const struct param_value *v)
{
	if (v->given)
		return unsupported(ctx);
	ctx->mail->smtputf8 = 1;
	return 1;
}

static int parse_ret(struct param_ctx *ctx, const struct param_value *v)
{
	if (value_is(v, "FULL"))
		ctx->mail->ret = SMTP_RET_FULL;
	else if (value_is(v, "HDRS"))
		ctx->mail->ret = SMTP_RET_HDRS;
	else
		return refuse(ctx, SMTP_R_BAD_RET);
	return 1;
}

/* decode_xtext: xtext-decode v into a new string (*out_r); -1 if invalid. */
static int decode_xtext(const struct param_value *v, size_t max, char **out_r)
{
	struct buf b;
	if (!v->given || v->len == 0 || v->len > max)
		return -1;
	buf_init(&b, 0);
	int rc = xtext_decode(v->s, v->len, &b, NULL);
	*out_r = rc > 0 ? xstrdup(buf_cstr(&b)) : NULL;
	buf_deinit(&b);
	return rc;
}

static int parse_envid(struct param_ctx *ctx, const struct param_value *v)
{
	char *envid;
	if (decode_xtext(v, SMTP_ENVID_MAX, &envid) < 0)
		return refuse(ctx, SMTP_R_BAD_ENVID);
	for (const char *p = envid; *p != '\0'; p++) {
		if (*p < ' ' || *p > '~') {
			free(envid);
			return refuse(ctx, SMTP_R_BAD_ENVID);
		}
	}
	ctx->mail->envid = envid;
	return 1;
}

static int parse_auth(struct param_ctx *ctx, const struct param_value *v)
{
	if (value_is(v, "<>")) {
		ctx->mail->auth = xstrdup("<>");
		return 1;
	}
	if (decode_xtext(v, SMTP_AUTH_PARAM_MAX, &ctx->mail->auth) < 0)
		return refuse(ctx, SMTP_R_BAD_AUTH_PARAM);
	return 1;
}

static int parse_notify(struct param_ctx *ctx, const struct param_value *v)
{
	static const struct {
		const char *word;
		unsigned bit;
	} words[] = {{"NEVER", SMTP_NOTIFY_NEVER},
		     {"SUCCESS", SMTP_NOTIFY_SUCCESS},
		     {"FAILURE", SMTP_NOTIFY_FAILURE},
		     {"DELAY", SMTP_NOTIFY_DELAY}};
	unsigned notify = 0;
	size_t i = 0;

	if (!v->given)
		return refuse(ctx, SMTP_R_BAD_NOTIFY);
	do {
		size_t n = 0;
		while (i + n < v->len && v->s[i + n] != ',')
			n++;
		unsigned bit = 0;
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			if (strlen(words[w].word) == n &&
			    strncasecmp(v->s + i, words[w].word, n) == 0)
				bit = words[w].bit;
		}
		if (bit == 0 || (notify & SMTP_NOTIFY_NEVER) ||
		    (bit == SMTP_NOTIFY_NEVER && notify != 0))
			return refuse(ctx, SMTP_R_BAD_NOTIFY);
		notify |= bit;
		i += n + 1;
	} while (i <= v->len);
	ctx->rcpt->notify = notify;
	return 1;
}

static int parse_orcpt(struct param_ctx *ctx, const struct param_value *v)
{
	const char *semi = v->given ? memchr(v->s, ';', v->len) : NULL;
	if (semi == NULL || semi == v->s || v->len > SMTP_ORCPT_MAX)
		return refuse(ctx, SMTP_R_BAD_ORCPT);
	size_t tlen = (size_t)(semi - v->s);
	for (size_t i = 0; i < tlen; i++) {
		if (!isalnum((unsigned char)v->s[i]) && v->s[i] != '-')
			return refuse(ctx, SMTP_R_BAD_ORCPT);
	}
	const char *addr = semi + 1;
	size_t alen = v->len - tlen - 1;
	struct buf b;
	buf_init(&b, 0);
	int rc;
	if (tlen == 5 && strncasecmp(v->s, "utf-8", 5) == 0)
		rc = xtext_utf8_decode(addr, alen, ctx->smtputf8, &b, NULL);
	else
		rc = xtext_decode(addr, alen, &b, NULL);
	if (rc < 0 || buf_len(&b) == 0) {
		buf_deinit(&b);
		return refuse(ctx, SMTP_R_BAD_ORCPT);
	}
	ctx->rcpt->orcpt_type = xstrndup(v->s, tlen);
	ctx->rcpt->orcpt = xstrdup(buf_cstr(&b));
	buf_deinit(&b);
	return 1;
}

static const struct param_handler mail_handlers[] = {
    {"SIZE", 0, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_PARAM, parse_size},
    {"BODY", 0, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_PARAM, parse_body},
    {"SMTPUTF8", SMTP_EXT_SMTPUTF8, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_PARAM, parse_smtputf8},
    {"RET", SMTP_EXT_DSN, SMTP_R_DSN_DISABLED, SMTP_R_BAD_RET, parse_ret},
    {"ENVID", SMTP_EXT_DSN, SMTP_R_DSN_DISABLED, SMTP_R_BAD_ENVID, parse_envid},
    {"AUTH", 0, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_AUTH_PARAM, parse_auth},
    {NULL, 0, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_PARAM, NULL},
};

static const struct param_handler rcpt_handlers[] = {
    {"NOTIFY", SMTP_EXT_DSN, SMTP_R_DSN_DISABLED, SMTP_R_BAD_NOTIFY, parse_notify},
    {"ORCPT", SMTP_EXT_DSN, SMTP_R_DSN_DISABLED, SMTP_R_BAD_ORCPT, parse_orcpt},
    {NULL, 0, SMTP_R_UNSUPPORTED_OPTION, SMTP_R_DUP_PARAM, NULL},
};

static int keyword_valid(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	}
	return 1;
}

/* one_param: dispatch the token ctx->token to its handler. */
static int one_param(struct param_ctx *ctx, const struct param_handler *handlers)
{
	const char *eq = memchr(ctx->token, '=', ctx->token_len);
	size_t klen = eq != NULL ? (size_t)(eq - ctx->token) : ctx->token_len;
	struct param_value v = {
	    .s = eq != NULL ? eq + 1 : "",
	    .len = eq != NULL ? ctx->token_len - klen - 1 : 0,
	    .given = eq != NULL,
	};

	if (!keyword_valid(ctx->token, klen))
		return unsupported(ctx);
	for (unsigned h = 0; handlers[h].keyword != NULL; h++) {
		const struct param_handler *ph = &handlers[h];
		if (strlen(ph->keyword) != klen || strncasecmp(ctx->token, ph->keyword, klen) != 0)
			continue;
		if ((ctx->opts->ext & ph->need_ext) != ph->need_ext)
			return ph->no_ext == SMTP_R_UNSUPPORTED_OPTION ? unsupported(ctx)
								       : refuse(ctx, ph->no_ext);
		if (ctx->seen & (1u << h)) {
			if (ph->dup != SMTP_R_DUP_PARAM)
				return refuse(ctx, ph->dup);
			ctx->reply =
			    smtp_reply_new(SMTP_R_DUP_PARAM, ph->keyword, (const char *)NULL);
			return -1;
		}
		ctx->seen |= 1u << h;
		return ph->parse(ctx, &v);
	}
	return unsupported(ctx);
}

static int parse_all(struct param_ctx *ctx, const char *text, size_t len,
		     const struct param_handler *handlers)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		size_t j = i;
		while (j < len && text[j] != ' ' && text[j] != '\t')
			j++;
		if (j > i) {
			ctx->token = text + i;
			ctx->token_len = j - i;
			if (one_param(ctx, handlers) < 0)
				return -1;
		}
		i = j;
	}
	return 1;
}

int smtp_params_mail(const char *text, size_t len, const struct smtp_params_opts *opts,
		     struct smtp_mail_params *p, struct smtp_reply **reply_r)
{
	struct param_ctx ctx = {.opts = opts, .mail = p};

	memset(p, 0, sizeof(*p));
	if (parse_all(&ctx, text, len, mail_handlers) < 0) {
		smtp_mail_params_clear(p);
		*reply_r = ctx.reply;
		return -1;
	}
	return 1;
}

int smtp_params_rcpt(const char *text, size_t len, const struct smtp_params_opts *opts,
		     int smtputf8, struct smtp_rcpt_params *p, struct smtp_reply **reply_r)
{
	struct param_ctx ctx = {.opts = opts, .rcpt = p, .smtputf8 = smtputf8};

	memset(p, 0, sizeof(*p));
	if (parse_all(&ctx, text, len, rcpt_handlers) < 0) {
		smtp_rcpt_params_clear(p);
		*reply_r = ctx.reply;
		return -1;
	}
	return 1;
}

void smtp_mail_params_clear(struct smtp_mail_params *p)
{
	if (p == NULL)
		return;
	free(p->envid);
	free(p->auth);
	memset(p, 0, sizeof(*p));
}

void smtp_rcpt_params_clear(struct smtp_rcpt_params *p)
{
	if (p == NULL)
		return;
	free(p->orcpt_type);
	free(p->orcpt);
	memset(p, 0, sizeof(*p));
}
