/* cleanup.h: posternd's before-queue processing of a message (what
 * Postfix's cleanup(8) and smtpd do before a message is queued): the
 * Received header, recognising the headers a message already has, and the
 * Message-ID and Date headers added to originating mail that lacks them.
 *
 * Header lines are produced with CRLF line ends, as the content of a
 * queue file is stored. Nothing here does I/O; every function is
 * thread-safe.
 */
#ifndef POSTERN_CLEANUP_H
#define POSTERN_CLEANUP_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* What the Received header says (Postfix's wording and layout). */
struct cleanup_received {
	const char *helo;	 /* HELO/EHLO argument, NULL when none was given */
	const char *client_name; /* "unknown" when not known */
	const char *client_addr; /* "192.0.2.1" or "2001:db8::1" */
	const char *tls_clause;	 /* lines to add after the "from" line, each
				    starting with a tab and ending with "\n", or
				    NULL (smtpd_tls_received_header) */
	const char *sasl_sender; /* "(Authenticated sender: X)" when not NULL
				    (smtpd_sasl_authenticated_header) */
	const char *myhostname;
	const char *mail_name;
	const char *protocol; /* "ESMTP", "ESMTPSA", ... */
	const char *queue_id;
	const char *rcpt; /* the recipient when there is exactly one, else NULL */
	time_t when;
};

/* cleanup_received: append the Received header to out:
 *   Received: from HELO (NAME [ADDR])
 *   <tls clause>
 *   	(Authenticated sender: X)
 *   	by MYHOSTNAME (MAIL_NAME) with PROTOCOL id QUEUEID
 *   	for <RCPT>; DATE
 * (HELO is the client name when no HELO was given; an IPv6 address is
 * written [IPv6:...]; without a single recipient the last line is
 * "; DATE" at the end of the "by" line). */
void cleanup_received(struct buf *out, const struct cleanup_received *r);

/* cleanup_date: append an RFC 5322 date in local time, as Postfix writes
 * it: "Tue,  3 Nov 2021 19:50:01 +0100 (CET)". */
void cleanup_date(struct buf *out, time_t when);

/* Headers that before-queue processing looks for. */
enum cleanup_header {
	CLEANUP_HDR_OTHER,
	CLEANUP_HDR_RECEIVED,
	CLEANUP_HDR_MESSAGE_ID,
	CLEANUP_HDR_DATE,
	CLEANUP_HDR_RESENT_MESSAGE_ID,
	CLEANUP_HDR_RESENT_DATE,
	CLEANUP_HDR_FROM,
};

/* cleanup_header_kind: which header line[0..len) (the first line of a
 * header, "Name: value") is, by its name without regard to case. */
enum cleanup_header cleanup_header_kind(const char *line, size_t len);

/* cleanup_message_id: append the header Postfix adds to originating mail
 * without one: "Message-Id: <YYYYMMDDhhmmss.QUEUEID@MYHOSTNAME>\r\n" (time
 * in UTC); the id between the brackets also goes to *id_r (malloc'd). */
void cleanup_message_id(struct buf *out, time_t when, const char *queue_id, const char *myhostname,
			char **id_r);

/* cleanup_message_id_value: the id of a Message-Id header line for the log
 * ("<...>" as written, white space trimmed), malloc'd; NULL when empty. */
char *cleanup_message_id_value(const char *line, size_t len);

#endif
