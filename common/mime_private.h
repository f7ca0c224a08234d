/* mime_private.h: what the files of the MIME parser share (mime_parser.c,
 * mime_entity.c, mime_body.c, mime_part.c). Not for other modules: they use
 * mime.h. */
#ifndef POSTERN_MIME_PRIVATE_H
#define POSTERN_MIME_PRIVATE_H

#include "base64.h"
#include "buf.h"
#include "header.h"
#include "mime.h"
#include "qp.h"

/* A boundary of an open multipart. */
struct mime_bound {
	char *s;
	size_t len;
};

enum mime_entity_state {
	MIME_ENT_HEADERS,  /* reading its headers */
	MIME_ENT_BODY,	   /* leaf content */
	MIME_ENT_PREAMBLE, /* multipart, before the first boundary */
	MIME_ENT_PARTS,	   /* multipart, a body part is open */
	MIME_ENT_EPILOGUE, /* multipart, after a closing boundary (others may remain) */
	MIME_ENT_MESSAGE,  /* message/rfc822: the attached message is open */
};

/* An open entity: the stack holds the message, and for each open composite
 * entity its open child. */
struct mime_entity {
	struct mime_part part;
	enum mime_entity_state state;
	enum header_block block;   /* of its headers */
	struct mime_bound *bounds; /* from multipart Content-Type headers */
	size_t nbounds;
	size_t levels; /* nesting levels it holds (its boundaries) */
	int digest;    /* multipart/digest: children default to message/rfc822 */
	unsigned seen; /* MIME_SEEN_*: Content-* headers seen, for duplicates */
};

#define MIME_SEEN_TYPE 0x01
#define MIME_SEEN_ENCODING 0x02
#define MIME_SEEN_DISPOSITION 0x04

struct mime_parser {
	struct mime_config cfg;
	mime_event_fn *fn;
	void *context;
	int stopped;	 /* the callback said stop */
	int finished;	 /* mime_parser_finish() was called */
	int eof;	 /* all input is in: a header block may end without a blank line */
	int opaque;	 /* past a limit: the rest is opaque body */
	unsigned errors; /* MIME_ERR_* */
	unsigned eol;	 /* MIME_EOL_* */

	/* Line splitting. */
	struct buf line;   /* a partial line: at most line_length_limit + 2 bytes */
	int continued;	   /* the next piece continues a line */
	int boundary_open; /* a boundary line continues: 1 delimiter, 2 closing */

	/* Entities. */
	struct mime_entity *stack;
	size_t depth;	 /* entities on the stack */
	size_t size;	 /* entities allocated */
	size_t levels;	 /* multipart nesting levels in use: boundaries */
	size_t messages; /* attached messages open */
	unsigned parts;	 /* entities created */
	size_t headers;	 /* headers seen */

	/* Headers. */
	struct header_acc hdr;

	/* Leaf bodies: the line held back by one (see mime_line.decoded). */
	struct buf hold;
	struct mime_line held;
	int have_held;
	struct buf decoded;
	struct base64_decoder b64;
	struct qp_decoder qp;

	size_t peak; /* mime_parser_memory_peak() */
};

/* mime_parser.c */

/* mime_emit: pass ev to the callback unless stopped. */
void mime_emit(struct mime_parser *p, struct mime_event *ev);
/* mime_error: record an error; the first of each kind is an event. */
void mime_error(struct mime_parser *p, unsigned error);
/* mime_top: the innermost open entity. */
struct mime_entity *mime_top(struct mime_parser *p);

/* mime_entity.c */

/* mime_entity_push: open a new entity (MIME_EV_PART_START) whose headers
 * come next; 0 when the part limit stops it (the parser is then opaque). */
int mime_entity_push(struct mime_parser *p, enum mime_part_kind kind, enum header_block block);
/* mime_entity_header: a complete logical header of the top entity. */
void mime_entity_header(struct mime_parser *p);
/* mime_entity_headers_end: the top entity's headers ended, by the blank
 * line (blank non-NULL) or by another line. */
void mime_entity_headers_end(struct mime_parser *p, const struct mime_line *blank);
/* mime_entity_find_boundary: the stack index of the innermost multipart
 * with a boundary that line begins, which of its boundaries, and whether
 * the line is the closing one; -1 when none. */
long mime_entity_find_boundary(struct mime_parser *p, const struct mime_line *line, size_t *bound_r,
			       int *closing_r);
/* mime_entity_boundary: a boundary line (or its first piece) of boundary
 * number bound of the multipart at stack index at. */
void mime_entity_boundary(struct mime_parser *p, size_t at, size_t bound,
			  const struct mime_line *line, int closing);
/* mime_entity_after_boundary: the boundary line ended: open the next body
 * part, or start the epilogue. */
void mime_entity_after_boundary(struct mime_parser *p, int closing);
/* mime_entity_pop: end the top entity (MIME_EV_PART_END) and drop it. */
void mime_entity_pop(struct mime_parser *p, int before_boundary);
/* mime_entity_opaque: stop parsing: the rest of the input is opaque body
 * of the top entity. */
void mime_entity_opaque(struct mime_parser *p);

/* mime_body.c */

/* mime_body_begin: the top entity is a leaf whose content comes next. */
void mime_body_begin(struct mime_parser *p);
/* mime_body_line: a line of leaf content (delivered one line late). */
void mime_body_line(struct mime_parser *p, const struct mime_line *line);
/* mime_body_end: the leaf ends; before_boundary: a boundary ends it, so its
 * last line break is not content. */
void mime_body_end(struct mime_parser *p, int before_boundary);
/* mime_body_other: a preamble, epilogue or opaque line, delivered now. */
void mime_body_other(struct mime_parser *p, struct mime_line *line, enum mime_body_kind kind);

/* mime_part.c */

/* mime_part_init: defaults for a new entity. */
void mime_part_init(struct mime_part *part, unsigned id, unsigned parent, unsigned depth,
		    enum mime_part_kind kind, int digest_child);
/* mime_part_release: free the parameters and names (the rest stays). */
void mime_part_release(struct mime_part *part);
/* mime_part_header: take what a Content-Type, Content-Transfer-Encoding or
 * Content-Disposition header (others are ignored) of the top entity says;
 * multipart boundaries are taken as Postfix does, each one a nesting level.
 * Errors are reported through mime_error(). */
void mime_part_header(struct mime_parser *p, const char *text, size_t len, size_t name_len);
/* mime_part_finish: the headers are done: pick the file name. */
void mime_part_finish(struct mime_part *part);

#endif
