/* fuzz_smtp_params.c: libFuzzer target for the command path of the SMTP
 * server: command-line reader, verb tokenizer, MAIL/RCPT path split, ESMTP
 * parameters and xtext.
 *
 * The first input byte picks the settings (offered extensions, strict
 * envelopes, SMTPUTF8 transaction), the second a split point; the rest is a
 * stream of command lines. Aborts when:
 *  - the lines and everything parsed from them differ between feeding the
 *    stream whole, in two pieces, and byte by byte (the chunking property);
 *  - a refusal's wire form is not one or more CRLF lines of at most 512
 *    octets, or a success leaves a value that breaks its contract;
 *  - xtext or utf-8-addr-xtext does not round-trip (decode, encode, decode).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_cmd.h"
#include "smtp_line.h"
#include "smtp_params.h"
#include "xtext.h"

static void check_wire(const struct smtp_reply *r)
{
	struct buf wire;
	buf_init(&wire, 0);
	smtp_reply_format(r, SMTP_REPLY_ENHANCED, &wire);
	for (const char *w = buf_cstr(&wire); *w != '\0';) {
		const char *crlf = strstr(w, "\r\n");
		if (crlf == NULL || crlf + 2 - w > SMTP_REPLY_LINE_MAX ||
		    memchr(w, '\n', (size_t)(crlf - w)) != NULL)
			abort();
		w = crlf + 2;
	}
	buf_deinit(&wire);
}

static void check_roundtrip(const char *s, size_t len)
{
	struct buf dec, enc, again;
	buf_init(&dec, 0);
	buf_init(&enc, 0);
	buf_init(&again, 0);
	if (xtext_decode(s, len, &dec, NULL) > 0) {
		xtext_encode(buf_cstr(&dec), buf_len(&dec), &enc);
		if (xtext_decode(buf_cstr(&enc), buf_len(&enc), &again, NULL) < 0 ||
		    strcmp(buf_cstr(&again), buf_cstr(&dec)) != 0)
			abort();
	}
	buf_reset(&enc);
	buf_reset(&again);
	xtext_encode(s, len, &enc);
	if (xtext_decode(buf_cstr(&enc), buf_len(&enc), &again, NULL) < 0 ||
	    buf_len(&again) != len || memcmp(buf_cstr(&again), s, len) != 0)
		abort();
	buf_reset(&dec);
	buf_reset(&enc);
	buf_reset(&again);
	if (xtext_utf8_decode(s, len, 1, &dec, NULL) > 0) {
		if (xtext_utf8_encode(buf_cstr(&dec), buf_len(&dec), &enc) < 0 ||
		    xtext_utf8_decode(buf_cstr(&enc), buf_len(&enc), 0, &again, NULL) < 0 ||
		    strcmp(buf_cstr(&again), buf_cstr(&dec)) != 0)
			abort();
	}
	buf_deinit(&dec);
	buf_deinit(&enc);
	buf_deinit(&again);
}

/* one_line: parse a command line and describe the outcome in out. */
static void one_line(struct buf *out, const char *line, unsigned cfg)
{
	struct smtp_params_opts opts = {.ext = cfg & 7, .message_size_limit = (cfg & 8) ? 1000 : 0};
	struct smtp_cmd cmd;
	struct smtp_path path;
	enum smtp_reply_id id;

	check_roundtrip(line, strlen(line));
	if (smtp_cmd_parse(line, &cmd) < 0) {
		buf_append_str(out, "blank\n");
		return;
	}
	buf_printf(out, "%s %d ", cmd.name, (int)cmd.verb);
	if (cmd.verb != SMTP_VERB_MAIL && cmd.verb != SMTP_VERB_RCPT) {
		buf_append(out, cmd.args, cmd.args_len);
		buf_append_char(out, '\n');
		return;
	}
	if (smtp_cmd_path(&cmd, (cfg & 16) != 0, &path, &id) < 0) {
		buf_printf(out, "path refused: %s\n", smtp_reply_def(id)->name);
		return;
	}
	buf_append(out, path.path, path.path_len);
	struct smtp_reply *r = NULL;
	int rc;
	if (cmd.verb == SMTP_VERB_MAIL) {
		struct smtp_mail_params p;
		rc = smtp_params_mail(path.params, path.params_len, &opts, &p, &r);
		if (rc > 0) {
			if (p.envid != NULL && strlen(p.envid) > SMTP_ENVID_MAX)
				abort();
			buf_printf(out, " size=%llu body=%d ret=%d envid=%s auth=%s",
				   (unsigned long long)p.size, (int)p.body, (int)p.ret,
				   p.envid ? p.envid : "-", p.auth ? p.auth : "-");
		}
		smtp_mail_params_clear(&p);
	} else {
		struct smtp_rcpt_params p;
		rc = smtp_params_rcpt(path.params, path.params_len, &opts, (cfg & 32) != 0, &p, &r);
		if (rc > 0) {
			if ((p.notify & SMTP_NOTIFY_NEVER) && p.notify != SMTP_NOTIFY_NEVER)
				abort();
			buf_printf(out, " notify=%u orcpt=%s", p.notify, p.orcpt ? p.orcpt : "-");
		}
		smtp_rcpt_params_clear(&p);
	}
	if (rc < 0) {
		check_wire(r);
		char *s = smtp_reply_to_string(r);
		buf_printf(out, " refused: %s", s);
		free(s);
		smtp_reply_free(&r);
	}
	buf_append_char(out, '\n');
}

static void run(struct buf *out, const uint8_t *data, size_t len, unsigned cfg, size_t split,
		size_t step)
{
	struct smtp_line_reader *r = smtp_line_new(SMTP_LINE_DEFAULT_MAX, SMTP_BARE_REJECT);
	size_t pos = 0;
	while (pos < len) {
		size_t n = len - pos, used;
		if (step > 0 && n > step)
			n = step;
		if (split > 0 && pos < split && n > split - pos)
			n = split - pos;
		const char *line;
		enum smtp_line_status st;
		if (smtp_line_read(r, (const char *)data + pos, n, &used, &line, &st) == 1) {
			if (st == SMTP_LINE_OK)
				one_line(out, line, cfg);
			else
				buf_printf(out, "status %d\n", (int)st);
		}
		pos += used;
	}
	smtp_line_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned cfg = data[0];
	size_t split = data[1];
	data += 2;
	size -= 2;
	if (split > size)
		split = size / 2;

	struct buf whole, two, bytes;
	buf_init(&whole, 0);
	buf_init(&two, 0);
	buf_init(&bytes, 0);
	run(&whole, data, size, cfg, 0, 0);
	run(&two, data, size, cfg, split, 0);
	run(&bytes, data, size, cfg, 0, 1);
	if (strcmp(buf_cstr(&whole), buf_cstr(&two)) != 0 ||
	    strcmp(buf_cstr(&whole), buf_cstr(&bytes)) != 0)
		abort();
	buf_deinit(&whole);
	buf_deinit(&two);
	buf_deinit(&bytes);
	return 0;
}
