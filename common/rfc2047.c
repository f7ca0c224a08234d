/* rfc2047.c: encoded-word decoding for header text and attachment file
 * names (see rfc2047.h). */
#include "rfc2047.h"
#include "hex.h"

#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mime_charset.h"

/* An encoded word found in the input. */
struct rfc2047_word {
	size_t start, end;   /* "=?" ... "?=" inclusive, as offsets */
	const char *charset; /* not NUL-terminated */
	size_t charset_len;  /* without a "*language" suffix */
	char encoding;	     /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
};

static int is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* word_at: parse an encoded word starting at s[pos] == '='. 1 if found. */
static int word_at(const char *s, size_t len, size_t pos, struct rfc2047_word *w)
{
	size_t i = pos + 2;

	if (pos + 1 >= len || s[pos] != '=' || s[pos + 1] != '?')
		return 0;
	w->start = pos;
	w->charset = s + i;
	while (i < len && s[i] != '?' && !is_wsp(s[i]))
		i++;
	if (i >= len || s[i] != '?' || i == (size_t)(w->charset - s))
		return 0;
	w->charset_len = (size_t)(s + i - w->charset);
	const char *star = memchr(w->charset, '*', w->charset_len);
	if (star != NULL)
		w->charset_len = (size_t)(star - w->charset);
	if (w->charset_len == 0 || w->charset_len > 64)
		return 0;
	if (i + 2 >= len || s[i + 2] != '?')
		return 0;
	w->encoding = (char)(s[i + 1] & ~0x20);
	if (w->encoding != 'B' && w->encoding != 'Q')
		return 0;
	i += 3;
	w->text = s + i;
	while (i < len && s[i] != '?' && !is_wsp(s[i]))
		i++;
	if (i + 1 >= len || s[i] != '?' || s[i + 1] != '=')
		return 0;
	w->text_len = (size_t)(s + i - w->text);
	w->end = i + 2;
	return 1;
}

/* word_bytes: append the raw (still charset-encoded) bytes of w. */
static void word_bytes(const struct rfc2047_word *w, struct buf *bytes, unsigned *flags)
{
	if (w->encoding == 'B') {
		struct base64_decoder d;
		base64_decoder_init(&d);
		base64_decode_update(&d, w->text, w->text_len, bytes);
		base64_decode_finish(&d, bytes);
		/* Missing padding is common and harmless; the rest is not. */
		if (d.defects & (BASE64_BAD_CHAR | BASE64_AFTER_PAD) || w->text_len % 4 == 1)
			*flags |= RFC2047_BAD_ENCODING;
		return;
	}
	for (size_t i = 0; i < w->text_len; i++) {
		char c = w->text[i];
		if (c == '_') {
			buf_append_char(bytes, ' ');
		} else if (c == '=' && i + 2 < w->text_len && hex_digit_value(w->text[i + 1]) >= 0 &&
			   hex_digit_value(w->text[i + 2]) >= 0) {
			buf_append_char(
			    bytes, (char)(hex_digit_value(w->text[i + 1]) * 16 + hex_digit_value(w->text[i + 2])));
			i += 2;
		} else {
			if (c == '=')
				*flags |= RFC2047_BAD_ENCODING;
			buf_append_char(bytes, c);
		}
	}
}

/* A run of adjacent encoded words in one charset, decoded together. */
struct rfc2047_run {
	int active;
	char charset[65];
	size_t start, end; /* offsets of the run in the input */
	struct buf bytes;  /* decoded, still in the run's charset */
};

static void run_flush(struct rfc2047_run *run, const char *s, struct buf *out, unsigned *flags)
{
	if (!run->active)
		return;
	size_t mark = buf_len(out);
	int rc =
	    mime_charset_to_utf8(run->charset, buf_cstr(&run->bytes), buf_len(&run->bytes), out);
	if (rc == 0) {
		/* Unknown charset: keep the words as they were. */
		buf_truncate(out, mark);
		buf_append(out, s + run->start, run->end - run->start);
		*flags |= RFC2047_UNKNOWN_CHARSET;
	} else {
		if (rc < 0)
			*flags |= RFC2047_INVALID;
		*flags |= RFC2047_DECODED;
	}
	buf_reset(&run->bytes);
	run->active = 0;
}

static void run_start(struct rfc2047_run *run, const struct rfc2047_word *w)
{
	memcpy(run->charset, w->charset, w->charset_len);
	run->charset[w->charset_len] = '\0';
	run->start = w->start;
	run->active = 1;
}

static int only_wsp(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_wsp(s[i]))
			return 0;
	return 1;
}

int rfc2047_decode(const char *s, size_t len, struct buf *out, unsigned *flags_r)
{
	struct rfc2047_run run;
	unsigned flags = 0;
	size_t literal = 0; /* start of the text not yet copied */
	struct rfc2047_word w;

	run.active = 0;
	buf_init(&run.bytes, 0);
	for (size_t i = 0; i < len;) {
		if (s[i] != '=' || !word_at(s, len, i, &w)) {
			i++;
			continue;
		}
		int adjacent = run.active && only_wsp(s + literal, i - literal);
		if (!adjacent || strlen(run.charset) != w.charset_len ||
		    strncasecmp(run.charset, w.charset, w.charset_len) != 0) {
			run_flush(&run, s, out, &flags);
			if (!adjacent)
				buf_append(out, s + literal, i - literal);
			run_start(&run, &w);
		}
		word_bytes(&w, &run.bytes, &flags);
		run.end = w.end;
		i = literal = w.end;
	}
	run_flush(&run, s, out, &flags);
	buf_append(out, s + literal, len - literal);
	buf_deinit(&run.bytes);
	if (flags_r != NULL)
		*flags_r = flags;
	return flags & (RFC2047_UNKNOWN_CHARSET | RFC2047_INVALID | RFC2047_BAD_ENCODING) ? -1 : 1;
}
