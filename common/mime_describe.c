/* mime_describe.c: MIME parser errors and events as text, for log lines,
 * tests and the fuzz targets (see mime.h). */
#include <stdio.h>
#include <string.h>

#include "mime.h"

static const struct {
	unsigned error;
	const char *name;
	const char *text;
} mime_errors[] = {
    /* Most serious first: mime_error_text() reports the first that is set. */
    {MIME_ERR_NESTING, "nesting", "MIME nesting exceeds safety limit"},
    {MIME_ERR_TRUNC_HEADER, "trunc-header", "message header length exceeds safety limit"},
    {MIME_ERR_HEADER_COUNT, "header-count", "number of message headers exceeds safety limit"},
    {MIME_ERR_PART_COUNT, "part-count", "number of MIME parts exceeds safety limit"},
    {MIME_ERR_PART_INFO, "part-info", "MIME parameters exceed safety limit"},
    {MIME_ERR_BOUNDARY_LENGTH, "boundary-length", "MIME boundary length exceeds safety limit"},
    {MIME_ERR_8BIT_IN_HEADER, "8bit-header", "improper use of 8-bit data in message header"},
    {MIME_ERR_8BIT_IN_7BIT_BODY, "8bit-body", "improper use of 8-bit data in message body"},
    {MIME_ERR_ENCODING_DOMAIN, "encoding-domain",
     "invalid message/* or multipart/* encoding domain"},
    {MIME_ERR_NO_BLANK_LINE, "no-blank-line", "message headers not ended by a blank line"},
    {MIME_ERR_NO_BOUNDARY, "no-boundary", "multipart without a boundary"},
    {MIME_ERR_UNCLOSED, "unclosed", "missing closing MIME boundary"},
    {MIME_ERR_BOUNDARY, "boundary", "invalid MIME boundary"},
    {MIME_ERR_BOUNDARY_REUSE, "boundary-reuse", "MIME boundary reused in a nested part"},
    {MIME_ERR_MULTIPLE_BOUNDARIES, "multiple-boundaries", "more than one MIME boundary"},
    {MIME_ERR_BASE64, "base64", "invalid base64 content"},
    {MIME_ERR_QP, "qp", "invalid quoted-printable content"},
    {MIME_ERR_UNKNOWN_ENCODING, "unknown-encoding", "unknown content transfer encoding"},
    {MIME_ERR_PARAM, "param", "invalid MIME header syntax"},
    {MIME_ERR_CHARSET, "charset", "undecodable file name charset"},
    {MIME_ERR_DUPLICATE, "duplicate", "duplicate MIME header"},
    {MIME_ERR_NUL, "nul", "NUL byte in message"},
    {MIME_ERR_MIXED_EOL, "mixed-eol", "mixed CRLF and LF line endings"},
    {MIME_ERR_NO_FINAL_EOL, "no-final-eol", "message does not end with a line break"},
};

#define MIME_ERRORS (sizeof(mime_errors) / sizeof(mime_errors[0]))

const char *mime_error_text(unsigned error)
{
	for (size_t i = 0; i < MIME_ERRORS; i++)
		if (error & mime_errors[i].error)
			return mime_errors[i].text;
	return "no MIME error";
}

static void describe_errors(unsigned errors, struct buf *out)
{
	const char *sep = "";

	for (size_t i = 0; i < MIME_ERRORS; i++) {
		if (errors & mime_errors[i].error) {
			buf_printf(out, "%s%s", sep, mime_errors[i].name);
			sep = ",";
		}
	}
	if (*sep == '\0')
		buf_append_str(out, "none");
}

/* quote: the bytes in double quotes, escaped so that the line stays one
 * printable line. */
static void quote(const void *data, size_t len, struct buf *out)
{
	const unsigned char *s = data;

	buf_append_char(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_printf(out, "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			buf_append_char(out, (char)s[i]);
		else
			buf_printf(out, "\\x%02x", s[i]);
	}
	buf_append_char(out, '"');
}

static const char *kind_name(enum mime_part_kind kind)
{
	switch (kind) {
	case MIME_PART_BODYPART:
		return "bodypart";
	case MIME_PART_ATTACHED:
		return "attached";
	case MIME_PART_MESSAGE:
		break;
	}
	return "message";
}

static const char *encoding_name(enum mime_encoding enc)
{
	static const char *const names[] = {"7bit", "8bit", "binary", "quoted-printable", "base64"};
	return names[enc];
}

static const char *block_name(enum header_block block)
{
	switch (block) {
	case HEADER_BLOCK_MULTIPART:
		return "multipart";
	case HEADER_BLOCK_NESTED:
		return "nested";
	case HEADER_BLOCK_PRIMARY:
		break;
	}
	return "primary";
}

static const char *body_kind_name(enum mime_body_kind kind)
{
	static const char *const names[] = {"content", "preamble", "epilogue", "opaque"};
	return names[kind];
}

static void describe_params(const char *what, const struct rfc2231_params *params, struct buf *out)
{
	for (size_t i = 0; i < params->count; i++) {
		const struct rfc2231_param *pp = &params->v[i];
		buf_printf(out, " %s.%s%s=", what, pp->name,
			   pp->flags & RFC2231_EXTENDED ? "*" : "");
		quote(pp->value, pp->value_len, out);
		if (pp->charset != NULL)
			buf_printf(out, "(%s'%s)", pp->charset, pp->language ? pp->language : "");
	}
}

static void describe_part(const struct mime_part *part, struct buf *out)
{
	buf_printf(out, " %s/%s%s enc=%s", part->type, part->subtype,
		   part->type_defaulted ? "(default)" : "", encoding_name(part->encoding));
	if (part->disposition[0] != '\0')
		buf_printf(out, " disp=%s", part->disposition);
	describe_params("type", &part->type_params, out);
	describe_params("disp", &part->disp_params, out);
	if (part->filename != NULL) {
		buf_append_str(out, " filename=");
		quote(part->filename, strlen(part->filename), out);
	}
	for (size_t i = 0; i < part->names_count; i++) {
		buf_printf(out, " name.%s=",
			   part->names[i].source == MIME_NAME_DISPOSITION ? "disp" : "type");
		quote(part->names[i].name, strlen(part->names[i].name), out);
	}
	if (part->multipart)
		buf_append_str(out, " multipart");
	if (part->attached_message)
		buf_append_str(out, " attached-message");
}

void mime_event_describe(const struct mime_event *ev, struct buf *out)
{
	const struct mime_line *ln = ev->line;
	unsigned id = ev->part != NULL ? ev->part->id : 0;

	switch (ev->type) {
	case MIME_EV_PART_START:
		buf_printf(out, "part-start %u parent=%u depth=%u %s", id, ev->part->parent,
			   ev->part->depth, kind_name(ev->part->kind));
		break;
	case MIME_EV_HEADER:
		buf_printf(out, "header %u %s %s%s ", id, block_name(ev->header->block),
			   header_checks_name(ev->header->checks),
			   ev->header->truncated ? " truncated" : "");
		quote(ev->header->text, ev->header->len, out);
		if (ev->header->raw_len != ev->header->len + 1 ||
		    memcmp(ev->header->raw, ev->header->text, ev->header->len) != 0) {
			buf_append_str(out, " raw=");
			quote(ev->header->raw, ev->header->raw_len, out);
		}
		break;
	case MIME_EV_HEADERS_END:
		buf_printf(out, "headers-end %u", id);
		describe_part(ev->part, out);
		buf_append_str(out, ln != NULL ? " blank=" : " no-blank");
		if (ln != NULL)
			quote(ln->raw, ln->raw_len, out);
		break;
	case MIME_EV_BODY:
		buf_printf(out, "body %u %s%s ", id, body_kind_name(ln->kind),
			   ln->continued ? " continued" : "");
		quote(ln->raw, ln->raw_len, out);
		if (ln->decoded != NULL) {
			buf_append_str(out, " decoded=");
			quote(ln->decoded, ln->decoded_len, out);
		}
		break;
	case MIME_EV_BOUNDARY:
		buf_printf(out, "boundary %u%s%s ", id, ev->closing ? " closing" : "",
			   ln->continued ? " continued" : "");
		quote(ln->raw, ln->raw_len, out);
		break;
	case MIME_EV_PART_END:
		buf_printf(out, "part-end %u", id);
		break;
	case MIME_EV_ERROR:
		buf_printf(out, "error %u ", id);
		describe_errors(ev->error, out);
		break;
	case MIME_EV_END:
		buf_append_str(out, "end errors=");
		describe_errors(ev->error, out);
		buf_printf(out, " eol=%s%s%s", ev->eol & MIME_EOL_CRLF ? "crlf," : "",
			   ev->eol & MIME_EOL_LF ? "lf," : "",
			   ev->eol & MIME_EOL_BARE_CR ? "bare-cr," : "");
		break;
	}
}

int mime_describe_event(const struct mime_event *ev, void *context)
{
	struct buf *out = context;

	mime_event_describe(ev, out);
	buf_append_char(out, '\n');
	return 0;
}
