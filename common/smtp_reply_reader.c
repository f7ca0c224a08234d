/* smtp_reply_reader.c: incremental, bounded parser of multi-line SMTP
 * server replies (see smtp_reply_reader.h). */
#include "smtp_reply_reader.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct smtp_reply_reader {
	size_t max_line;
	size_t max_lines;
	struct buf line;	  /* the current line, without its line end */
	struct smtp_reply *reply; /* the reply being assembled */
	size_t nlines;
	char *error; /* set once the reader has failed */
};

struct smtp_reply_reader *smtp_reply_reader_new(size_t max_line, size_t max_lines)
{
	struct smtp_reply_reader *rr = xcalloc(1, sizeof(*rr));
	rr->max_line = max_line;
	rr->max_lines = max_lines;
	buf_init(&rr->line, max_line + 1); /* + 1: the CR of CRLF */
	return rr;
}

void smtp_reply_reader_free(struct smtp_reply_reader **rp)
{
	if (rp == NULL || *rp == NULL)
		return;
	buf_deinit(&(*rp)->line);
	smtp_reply_free(&(*rp)->reply);
	free((*rp)->error);
	FREE_AND_NULL(*rp);
}

/* skip_dsn: the text after an enhanced status code of dsn_len bytes (0:
 * none) and the one space that separates it from the text. */
static const char *skip_dsn(const char *text, size_t dsn_len)
{
	if (dsn_len == 0)
		return text;
	return text[dsn_len] == ' ' ? text + dsn_len + 1 : text + dsn_len;
}

/* take_line: add the complete line in rr->line to the reply; 1 when the
 * reply is complete, 0 when more lines follow, -1 on error (rr->error). */
static int take_line(struct smtp_reply_reader *rr)
{
	const char *s = buf_cstr(&rr->line);
	size_t len = buf_len(&rr->line);

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > rr->max_line) {
		rr->error = xasprintf("server reply line longer than %zu bytes", rr->max_line);
		return -1;
	}
	if (memchr(s, '\0', len) != NULL) {
		rr->error = xstrdup("NUL byte in server reply");
		return -1;
	}
	if (len < 3 || s[0] < '2' || s[0] > '5' || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || (len > 3 && s[3] != '-' && s[3] != ' ')) {
		rr->error = xasprintf("malformed server reply line: \"%.*s\"",
				      (int)(len > 60 ? 60 : len), s);
		return -1;
	}
	int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	int last = len == 3 || s[3] == ' ';
	if (++rr->nlines > rr->max_lines) {
		rr->error = xasprintf("server reply has more than %zu lines", rr->max_lines);
		return -1;
	}
	char *text = xstrndup(len > 3 ? s + 4 : "", len > 3 ? len - 4 : 0);
	size_t dsn_len = smtp_dsn_valid(text);
	if (rr->reply == NULL) {
		char dsn[SMTP_DSN_SIZE] = "";
		if (dsn_len > 0 && text[0] == s[0])
			memcpy(dsn, text, dsn_len);
		else
			dsn_len = 0;
		rr->reply = smtp_reply_custom(code, dsn, skip_dsn(text, dsn_len));
	} else if (code != rr->reply->code) {
		rr->error = xasprintf("server reply code changes from %d to %d inside a "
				      "multi-line reply",
				      rr->reply->code, code);
		free(text);
		return -1;
	} else {
		if (dsn_len != strlen(rr->reply->dsn) ||
		    strncmp(text, rr->reply->dsn, dsn_len) != 0)
			dsn_len = 0;
		smtp_reply_add_line(rr->reply, skip_dsn(text, dsn_len));
	}
	free(text);
	buf_reset(&rr->line);
	return last ? 1 : 0;
}

int smtp_reply_reader_feed(struct smtp_reply_reader *rr, const char *data, size_t len,
			   size_t *consumed_r, struct smtp_reply **reply_r, char **error_r)
{
	size_t i = 0;

	*consumed_r = 0;
	*reply_r = NULL;
	while (rr->error == NULL && i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - (data + i)) : len - i;
		if (buf_append(&rr->line, data + i, n) < 0) {
			rr->error =
			    xasprintf("server reply line longer than %zu bytes", rr->max_line);
			break;
		}
		i += n;
		if (nl == NULL)
			break;
		i++; /* the LF */
		int rc = take_line(rr);
		if (rc > 0) {
			*consumed_r = i;
			*reply_r = rr->reply;
			rr->reply = NULL;
			rr->nlines = 0;
			return 1;
		}
	}
	if (rr->error != NULL) {
		*error_r = xstrdup(rr->error);
		return -1;
	}
	*consumed_r = len;
	return 0;
}
