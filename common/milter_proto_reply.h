/* milter_proto_reply.h: typed milter replies, milter -> MTA.
 *
 * milter_reply_decode() checks every field and never reads past the
 * packet; milter_reply_encode() is its inverse. Wire formats (strings are
 * NUL-terminated):
 *   OPTNEG       version, actions, protocol (32-bit integers), then any
 *                number of (32-bit stage, macro list string) pairs
 *   REPLYCODE    SMTP reply "4NN|5NN[ -]text", lines joined by CRLF
 *   QUARANTINE   reason
 *   ADDRCPT, DELRCPT  recipient address
 *   ADDRCPT_PAR, CHGFROM  address, then optionally one string of ESMTP
 *                arguments
 *   ADDHEADER    name, value
 *   INSHEADER, CHGHEADER  32-bit index, name, value (CHGHEADER with an
 *                empty value deletes the field). As in Postfix, the
 *                CHGHEADER index counts fields of that name from 1 (0 is
 *                taken as 1, for Sendmail) and the INSHEADER index counts
 *                all fields from 0 (the top).
 *   REPLBODY     raw bytes
 *   ACCEPT, CONTINUE, REJECT, TEMPFAIL, DISCARD, SKIP, PROGRESS,
 *   SHUTDOWN, CONN_FAIL: no data
 * SETSYMLIST has no packet of its own: macro lists travel inside OPTNEG.
 * Whether a reply is allowed at a given point is milter_neg_reply_ok()'s
 * business (milter_proto_neg.h).
 */
#ifndef POSTERN_MILTER_PROTO_REPLY_H
#define POSTERN_MILTER_PROTO_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "milter_proto.h"

struct buf;

struct milter_reply {
	int code; /* enum milter_reply_code */
	union {
		struct milter_optneg optneg; /* OPTNEG */
		/* REPLYCODE: the SMTP reply; QUARANTINE: the reason; ADDRCPT,
		 * DELRCPT: the recipient. */
		const char *text;
		struct {
			uint32_t index; /* INSHEADER, CHGHEADER; unused for ADDHEADER */
			const char *name;
			const char *value;
		} header; /* ADDHEADER, INSHEADER, CHGHEADER */
		struct {
			const char *addr;
			const char *args; /* NULL when absent */
		} addr;			  /* CHGFROM, ADDRCPT_PAR */
		struct {
			const unsigned char *data;
			size_t len;
		} body; /* REPLBODY */
	} u;
};

/* milter_reply_decode: decode a packet holding a reply. Returns 1, or -1
 * with a malloc'd *error_r naming the reply and the problem. Strings in
 * *reply_r point into the packet; nothing is allocated. */
int milter_reply_decode(const struct milter_packet *pkt, struct milter_reply *reply_r,
			char **error_r);

/* milter_reply_encode: append the packet for reply to out. Returns 1, or -1
 * with a malloc'd *error_r for a field the MTA would refuse or data longer
 * than max_data (0: the default limit); out is then unchanged. */
int milter_reply_encode(struct buf *out, const struct milter_reply *reply, size_t max_data,
			char **error_r);

/* milter_replycode_check: 1 if text is a reply Postfix accepts from a
 * milter: one or more CRLF-separated lines, each with the same 4NN or 5NN
 * code followed by '-' (more lines follow) or ' ' (last line), and an
 * enhanced status code, where present, of the same class. Else -1 with a
 * malloc'd *error_r. */
int milter_replycode_check(const char *text, char **error_r);

/* milter_replycode_unescape: a malloc'd copy of a REPLYCODE text for use as
 * an SMTP reply. Sendmail uses the text as a format string, so milters
 * double '%'; like Postfix, "%%" becomes "%" and a lone '%' is dropped. */
char *milter_replycode_unescape(const char *text);

#endif
