/* mime.h: an incremental, bounded MIME parser (RFC 2045-2049).
 *
 * Feed a message in chunks of any size; the parser calls back with events
 * in input order, never reads a socket, never recurses per nesting level,
 * and holds a bounded amount of memory whatever the input (see
 * mime_parser_memory()). The structure it finds is the one Postfix's MIME
 * processor (mime_state) finds, so that a header_checks filter routes each
 * header to the table Postfix would: see header.h.
 *
 * Events for one entity (the message, a body part, an attached message):
 *
 *   MIME_EV_PART_START    the entity begins (no header seen yet)
 *   MIME_EV_HEADER        one logical header (repeated)
 *   MIME_EV_HEADERS_END   its headers are done: the part information
 *                         (type, parameters, disposition, file names) is
 *                         complete; line is the blank line, or NULL when
 *                         a non-header line ended the headers (Postfix's
 *                         body_checks see that blank line as a body line,
 *                         and an empty one where a non-header line ended
 *                         the primary headers)
 *   then, for a leaf:     MIME_EV_BODY per line (raw and decoded)
 *   for a multipart:      MIME_EV_BODY (preamble), then per body part
 *                         MIME_EV_BOUNDARY and the part's own events, then
 *                         the closing MIME_EV_BOUNDARY and MIME_EV_BODY
 *                         (epilogue)
 *   for message/rfc822:   the attached message's events (its headers are
 *                         "nested" headers)
 *   MIME_EV_PART_END      the entity ends
 *
 * and MIME_EV_ERROR the first time each MIME_ERR_* condition is seen, then
 * MIME_EV_END once at the end of the message. The raw bytes of all HEADER,
 * HEADERS_END, BODY and BOUNDARY events, concatenated, are the input,
 * except where a header was truncated (MIME_ERR_TRUNC_HEADER); counting
 * input_len bytes for each header, the event lengths always add up to the
 * input, so a consumer can locate every event in it.
 *
 * Limits never make the parser fail: past a limit it records the error and
 * degrades the way Postfix does (a multipart nested too deep is not split
 * into parts; a header too long is truncated), or treats the rest of the
 * input as opaque body (too many headers or parts). Consumers must treat
 * MIME_ERR_LIMITS as "not fully inspected", never as clean.
 *
 * Thread safety: a parser is used by one thread at a time; parsers share
 * nothing.
 */
#ifndef POSTERN_MIME_H
#define POSTERN_MIME_H

#include <stddef.h>

#include "header.h"
#include "rfc2231.h"

/* Limits and options, named after the Postfix parameters where one exists. */
struct mime_config {
	size_t nesting_limit;	      /* mime_nesting_limit (100); as in Postfix, N lets
					 N + 2 multiparts nest (and as many attached
					 messages, which Postfix does not limit) */
	size_t header_size_limit;     /* header_size_limit (102400) */
	size_t line_length_limit;     /* line_length_limit (2048): longer lines come in pieces */
	size_t boundary_length_limit; /* mime_boundary_length_limit (2048) */
	size_t header_count_limit;    /* headers per message (10000) */
	size_t part_count_limit;      /* entities per message (10000) */
	size_t part_info_limit;	      /* bytes of parameters and file names per part (65536) */
	int disable_mime;	      /* disable_mime_input_processing (no) */
	int no_decoding;	      /* leave leaf content transfer-encoded: body lines carry
					 no decoded bytes and base64 or quoted-printable
					 defects go unreported (no) */
};

/* mime_config_init: the defaults above. */
void mime_config_init(struct mime_config *cfg);

/* Errors: limits (the message was not fully parsed). */
#define MIME_ERR_NESTING 0x00000001	    /* nesting beyond mime_nesting_limit */
#define MIME_ERR_TRUNC_HEADER 0x00000002    /* a header longer than header_size_limit */
#define MIME_ERR_HEADER_COUNT 0x00000004    /* too many headers: the rest is opaque */
#define MIME_ERR_PART_COUNT 0x00000008	    /* too many parts: the rest is opaque */
#define MIME_ERR_PART_INFO 0x00000010	    /* part parameters or file names dropped */
#define MIME_ERR_BOUNDARY_LENGTH 0x00000020 /* boundary longer than the limit or a line piece */
#define MIME_ERR_LIMITS 0x000000ff
/* Errors: defects (parsed, but malformed). */
#define MIME_ERR_8BIT_IN_HEADER 0x00000100    /* 8-bit byte in a header */
#define MIME_ERR_8BIT_IN_7BIT_BODY 0x00000200 /* 8-bit byte in a 7bit body */
#define MIME_ERR_ENCODING_DOMAIN 0x00000400   /* multipart or message/rfc822 not 7bit/8bit/binary */
#define MIME_ERR_NO_BLANK_LINE 0x00000800     /* headers ended by a non-header line */
#define MIME_ERR_NO_BOUNDARY 0x00001000	      /* multipart without a boundary parameter */
#define MIME_ERR_UNCLOSED 0x00002000	      /* input ended inside a multipart */
#define MIME_ERR_BOUNDARY 0x00004000	      /* boundary empty or over 70 bytes */
#define MIME_ERR_BOUNDARY_REUSE 0x00008000    /* boundary prefixes an enclosing one or vice versa */
#define MIME_ERR_MULTIPLE_BOUNDARIES 0x00010000 /* more than one boundary for a multipart */
#define MIME_ERR_BASE64 0x00020000		/* bad base64: stray bytes, truncated */
#define MIME_ERR_QP 0x00040000			/* bad quoted-printable */
#define MIME_ERR_UNKNOWN_ENCODING 0x00080000	/* unknown Content-Transfer-Encoding */
#define MIME_ERR_PARAM 0x00100000		/* bad Content-Type/Disposition syntax */
#define MIME_ERR_CHARSET 0x00200000		/* a file name in an unknown or bad charset */
#define MIME_ERR_DUPLICATE 0x00400000		/* a Content-* header given twice */
#define MIME_ERR_NUL 0x00800000			/* NUL byte */
#define MIME_ERR_MIXED_EOL 0x01000000		/* both CRLF and bare LF line ends */
#define MIME_ERR_NO_FINAL_EOL 0x02000000	/* input does not end with a line break */

/* Line ends seen (mime_parser_eol(), MIME_EV_END). */
#define MIME_EOL_CRLF 0x01
#define MIME_EOL_LF 0x02      /* bare LF */
#define MIME_EOL_BARE_CR 0x04 /* CR not followed by LF, inside a line */

enum mime_part_kind {
	MIME_PART_MESSAGE,  /* the message itself */
	MIME_PART_BODYPART, /* after a multipart boundary */
	MIME_PART_ATTACHED, /* the content of a message/rfc822 part */
};

enum mime_encoding {
	MIME_ENC_7BIT,
	MIME_ENC_8BIT,
	MIME_ENC_BINARY,
	MIME_ENC_QP,
	MIME_ENC_BASE64,
};

/* RFC 6838 caps type and subtype names at 127 characters. */
#define MIME_TOKEN_MAX 127

/* Where a file name came from, best first. */
enum mime_name_source {
	MIME_NAME_DISPOSITION, /* Content-Disposition filename (RFC 2231, 2047 or plain) */
	MIME_NAME_TYPE,	       /* Content-Type name */
};

struct mime_name {
	char *name; /* UTF-8 where the encoding said how; NUL-terminated */
	enum mime_name_source source;
};

/* One entity. Everything but the first four members is complete from
 * MIME_EV_HEADERS_END on. Owned by the parser: valid until the entity's
 * MIME_EV_PART_END; type_params, disp_params and names of a composite
 * entity are released when its first child begins. */
struct mime_part {
	unsigned id;	 /* 0 for the message, then 1, 2, ... in input order */
	unsigned parent; /* id of the enclosing entity (0 for the message itself) */
	unsigned depth;	 /* enclosing multipart and message/rfc822 entities */
	enum mime_part_kind kind;
	char type[MIME_TOKEN_MAX + 1];	      /* lower case; "text" by default */
	char subtype[MIME_TOKEN_MAX + 1];     /* lower case; "plain" by default */
	int type_defaulted;		      /* no usable Content-Type: the default applies */
	enum mime_encoding encoding;	      /* 7bit by default */
	char disposition[MIME_TOKEN_MAX + 1]; /* lower case; "" when absent */
	struct rfc2231_params type_params;    /* Content-Type parameters */
	struct rfc2231_params disp_params;    /* Content-Disposition parameters */
	const char *filename;		      /* the attachment file name (best source), or NULL */
	struct mime_name *names;	      /* every file name the headers give, decoded */
	size_t names_count;
	int multipart;	      /* its body is split by boundaries */
	int attached_message; /* its body is an attached message */
	size_t info_bytes;    /* memory held by parameters and names */
};

/* One logical header (see header.h). */
struct mime_header {
	const char *text; /* logical form, NUL-terminated */
	size_t len;
	size_t name_len; /* text[0..name_len) is the name */
	const char *raw; /* input bytes (incomplete when truncated) */
	size_t raw_len;
	size_t input_len; /* input bytes the header spans: raw_len, or more when truncated */
	enum header_block block;
	enum header_checks checks; /* the Postfix table that applies */
	int truncated;		   /* cut at header_size_limit */
};

enum mime_body_kind {
	MIME_BODY_CONTENT,  /* content of a leaf entity */
	MIME_BODY_PREAMBLE, /* multipart text before the first boundary */
	MIME_BODY_EPILOGUE, /* multipart text after the closing boundary */
	MIME_BODY_OPAQUE,   /* after a limit: not parsed, not decoded */
};

/* One physical line, or one piece of a line longer than line_length_limit. */
struct mime_line {
	const char *raw; /* input bytes, line terminator included */
	size_t raw_len;
	size_t len;		  /* raw[0..len) is the text, without CR LF or LF */
	int continued;		  /* a further piece of the line before */
	int ended;		  /* the line ends here (raw ends with LF) */
	enum mime_body_kind kind; /* MIME_EV_BODY */
	/* MIME_EV_BODY of a leaf: the bytes this line adds to the transfer-
	 * decoded content. The line break before a boundary belongs to the
	 * boundary (RFC 2046), so the last line of a body part adds no line
	 * break: that is why lines are delivered one line late. */
	const unsigned char *decoded;
	size_t decoded_len;
};

enum mime_event_type {
	MIME_EV_PART_START,
	MIME_EV_HEADER,
	MIME_EV_HEADERS_END,
	MIME_EV_BODY,
	MIME_EV_BOUNDARY,
	MIME_EV_PART_END,
	MIME_EV_ERROR,
	MIME_EV_END,
};

struct mime_event {
	enum mime_event_type type;
	const struct mime_part *part;	  /* the entity the event belongs to; for
					     BOUNDARY, the multipart */
	const struct mime_header *header; /* MIME_EV_HEADER */
	const struct mime_line *line;	  /* BODY, BOUNDARY, HEADERS_END (or NULL) */
	int closing;			  /* BOUNDARY: the closing "--boundary--" */
	unsigned error;			  /* ERROR: the new MIME_ERR_* bit; END: all */
	unsigned eol;			  /* END: MIME_EOL_* seen */
};

/* mime_event_fn: called for each event; the event and everything it points
 * to are valid during the call only. Return 0 to go on, -1 to stop the
 * parser (no further events, not even MIME_EV_END). */
typedef int mime_event_fn(const struct mime_event *ev, void *context);

struct mime_parser;

/* mime_parser_new: a parser for one message. cfg NULL means the defaults;
 * zero limits in cfg take their default, except nesting_limit. The first event comes with the first
 * mime_parser_feed() or mime_parser_finish(). Free with mime_parser_free()
 * (finished or not). */
struct mime_parser *mime_parser_new(const struct mime_config *cfg, mime_event_fn *fn,
				    void *context);

/* mime_parser_free: release *pp and set it to NULL; accepts NULL. */
void mime_parser_free(struct mime_parser **pp);

/* mime_parser_feed: parse len more bytes. Returns 1 when parsing goes on,
 * 0 when the callback stopped it (further input is ignored). Feeding after
 * mime_parser_finish() is a bug (panic). */
int mime_parser_feed(struct mime_parser *p, const void *data, size_t len);

/* mime_parser_finish: end of input: flush what is pending, end every open
 * entity, then MIME_EV_END. Returns like mime_parser_feed(). */
int mime_parser_finish(struct mime_parser *p);

/* mime_parser_errors: the MIME_ERR_* bits seen so far. */
unsigned mime_parser_errors(const struct mime_parser *p);

/* mime_parser_eol: the MIME_EOL_* line ends seen so far. */
unsigned mime_parser_eol(const struct mime_parser *p);

/* mime_parser_memory: bytes the parser holds now; mime_parser_memory_peak:
 * the most it held at the end of a feed or of a header block. Both stay
 * below mime_config_memory_bound() whatever the input. */
size_t mime_parser_memory(const struct mime_parser *p);
size_t mime_parser_memory_peak(const struct mime_parser *p);

/* mime_config_memory_bound: an upper bound, in bytes, of what a parser
 * with this configuration holds (cfg NULL: the defaults). */
size_t mime_config_memory_bound(const struct mime_config *cfg);

/* mime_error_text: a short description of one MIME_ERR_* bit (static);
 * for several bits, the most serious one. */
const char *mime_error_text(unsigned error);

/* mime_event_describe: append a one-line, printable description of ev to
 * out, for logging and tests (bytes outside printable ASCII as \xHH). */
void mime_event_describe(const struct mime_event *ev, struct buf *out);

/* mime_describe_event: a mime_event_fn that appends each event's
 * description and a newline to the struct buf given as context. */
int mime_describe_event(const struct mime_event *ev, void *context);

#endif
