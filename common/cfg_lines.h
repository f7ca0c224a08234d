/* cfg_lines.h: assemble the logical lines of a Postfix-style file.
 *
 * The rules shared by main.cf and master.cf (postconf(5), master(5)):
 * empty lines, white-space-only lines and lines whose first non-white
 * character is '#' are ignored, also in the middle of a logical line; a
 * line that starts with white space continues the logical line before it
 * (the newline is dropped, the white space kept). Input may arrive in
 * chunks of any size; memory is bounded by max_line. Problems (a logical
 * line that starts with white space, one that is too long, a NUL byte) are
 * added to the caller's cfg_diags and the offending logical line is skipped.
 */
#ifndef POSTERN_CFG_LINES_H
#define POSTERN_CFG_LINES_H

#include <stddef.h>

#include "buf.h"
#include "cfg_diag.h"

/* The longest logical line accepted by default (bytes). */
#define CFG_LINES_MAX_DEFAULT (1024 * 1024)

/* cfg_line_fn: called once per logical line (NUL-terminated, without the
 * final newline); lineno is the physical line where it starts. */
typedef void cfg_line_fn(void *ctx, const char *line, size_t len, unsigned lineno);

struct cfg_lines_break {
	size_t offset;  /* in the logical line */
	unsigned line; /* physical line */
};

struct cfg_lines {
	/* private */
	const char *file; /* not owned; used in findings */
	struct cfg_diags *diags;
	cfg_line_fn *fn;
	void *ctx;
	struct buf logical; /* the logical line so far */
	struct buf pending; /* leading white space of the current physical line */
	unsigned lineno;    /* current physical line */
	unsigned start;     /* physical line where the logical line starts */
	struct cfg_lines_break *breaks; /* where continuation lines start */
	size_t n_breaks;
	size_t cap_breaks;
	int state;          /* where in the physical line we are */
	int have_logical;   /* a logical line is open */
	int bad;            /* the open logical line is to be skipped */
};

/* cfg_lines_init: file names the input in findings (not copied: it must
 * outlive the assembler); max_line 0 means CFG_LINES_MAX_DEFAULT. */
void cfg_lines_init(struct cfg_lines *l, const char *file, size_t max_line,
		    struct cfg_diags *diags, cfg_line_fn *fn, void *ctx);
/* cfg_lines_feed: consume len bytes; calls fn for each complete line. */
void cfg_lines_feed(struct cfg_lines *l, const char *data, size_t len);
/* cfg_lines_lineno_at: during a cfg_line_fn call, the physical line that
 * holds byte offset of the logical line. */
unsigned cfg_lines_lineno_at(const struct cfg_lines *l, size_t offset);
/* cfg_lines_finish: end of input: deliver the last logical line. */
void cfg_lines_finish(struct cfg_lines *l);
/* cfg_lines_deinit: release the buffers (not file, diags or ctx). */
void cfg_lines_deinit(struct cfg_lines *l);

/* cfg_feed_fn: takes the next chunk of a file. */
typedef void cfg_feed_fn(void *ctx, const char *data, size_t len);

/* cfg_read_file: open path and hand its contents to feed in chunks.
 * 1 ok; 0 when the file does not exist (feed never called); -1 when it
 * cannot be opened or read, with *error_r (caller frees). */
int cfg_read_file(const char *path, cfg_feed_fn *feed, void *ctx, char **error_r);

#endif
