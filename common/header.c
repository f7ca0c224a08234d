/* header.c: header names, Postfix's header table classes, unfolding and
 * the logical header accumulator (see header.h). */
#include "header.h"

#include <string.h>
#include <strings.h>

size_t header_name_len(const char *line, size_t len)
{
	size_t name = 0;
	int blanks = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == ':')
			return name;
		if (c == ' ' || c == '\t') {
			if (name == 0)
				return 0;
			blanks = 1;
			continue;
		}
		if (blanks || c < 0x21 || c > 0x7e)
			return 0;
		name++;
	}
	return 0;
}

int header_is_mime(const char *name, size_t len)
{
	static const char *const mime[] = {
	    "Content-Description",	 "Content-Disposition", "Content-ID",
	    "Content-Transfer-Encoding", "Content-Type",	"MIME-Version",
	};

	for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
		if (strlen(mime[i]) == len && strncasecmp(mime[i], name, len) == 0)
			return 1;
	return 0;
}

enum header_checks header_checks_for(enum header_block block, const char *name, size_t len)
{
	if (block == HEADER_BLOCK_MULTIPART || header_is_mime(name, len))
		return MIME_HEADER_CHECKS;
	return block == HEADER_BLOCK_NESTED ? NESTED_HEADER_CHECKS : HEADER_CHECKS;
}

const char *header_checks_name(enum header_checks checks)
{
	switch (checks) {
	case MIME_HEADER_CHECKS:
		return "mime_header_checks";
	case NESTED_HEADER_CHECKS:
		return "nested_header_checks";
	case HEADER_CHECKS:
		break;
	}
	return "header_checks";
}

void header_unfold(const char *text, size_t len, struct buf *out)
{
	size_t from = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			buf_append(out, text + from, i - from);
			from = i + 1;
		}
	}
	buf_append(out, text + from, len - from);
}

void header_acc_init(struct header_acc *h, size_t limit)
{
	buf_init(&h->text, 0);
	buf_init(&h->raw, 0);
	h->input_len = 0;
	h->name_len = 0;
	h->limit = limit;
	h->active = 0;
	h->truncated = 0;
}

void header_acc_deinit(struct header_acc *h)
{
	buf_deinit(&h->text);
	buf_deinit(&h->raw);
}

void header_acc_reset(struct header_acc *h)
{
	buf_reset(&h->text);
	buf_reset(&h->raw);
	h->input_len = 0;
	h->name_len = 0;
	h->active = 0;
	h->truncated = 0;
}

void header_acc_start(struct header_acc *h, const char *raw, size_t raw_len, size_t len,
		      size_t name_len)
{
	header_acc_reset(h);
	h->active = 1;
	h->name_len = name_len;
	/* "Name :" becomes "Name:", as in Postfix. */
	size_t colon = name_len;
	while (colon < len && raw[colon] != ':')
		colon++;
	buf_append(&h->text, raw, name_len);
	buf_append(&h->text, raw + colon, len - colon);
	buf_append(&h->raw, raw, raw_len);
	h->input_len = raw_len;
}

int header_acc_add(struct header_acc *h, const char *raw, size_t raw_len, size_t len, int new_line)
{
	h->input_len += raw_len;
	if (h->limit != 0 && buf_len(&h->text) >= h->limit) {
		h->truncated = 1;
		return 0;
	}
	if (new_line)
		buf_append_char(&h->text, '\n');
	buf_append(&h->text, raw, len);
	buf_append(&h->raw, raw, raw_len);
	return 1;
}
