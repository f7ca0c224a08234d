/* cleanup_received_test.c: the Received header in Postfix's layout, the
 * RFC 5322 date as Postfix writes it, Message-Id, and header recognition. */
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "tap.h"

static void received(const struct cleanup_received *r, const char *want, const char *name)
{
	struct buf b;
	buf_init(&b, 0);
	cleanup_received(&b, r);
	tap_is_str(buf_cstr(&b), want, "%s", name);
	buf_deinit(&b);
}

int main(void)
{
	/* A POSIX TZ string: no time zone database needed. */
	setenv("TZ", "CET-1", 1);
	struct buf b;
	buf_init(&b, 0);
	cleanup_date(&b, 1637693401);
	tap_is_str(buf_cstr(&b), "Tue, 23 Nov 2021 19:50:01 +0100 (CET)", "a date in local time");
	buf_reset(&b);
	cleanup_date(&b, 1635966601);
	tap_is_str(buf_cstr(&b), "Wed,  3 Nov 2021 20:10:01 +0100 (CET)",
		   "a one-digit day is padded with a space, as Postfix's %%e");

	struct cleanup_received r = {
		.helo = "client.example",
		.client_name = "client.example.net",
		.client_addr = "192.0.2.1",
		.myhostname = "mx.example.com",
		.mail_name = "Postfix",
		.protocol = "ESMTP",
		.queue_id = "1K0ABCDEFGH0XYZ",
		.rcpt = "user@example.com",
		.when = 1637693401,
	};
	received(&r,
		 "Received: from client.example (client.example.net [192.0.2.1])\r\n"
		 "\tby mx.example.com (Postfix) with ESMTP id 1K0ABCDEFGH0XYZ\r\n"
		 "\tfor <user@example.com>; Tue, 23 Nov 2021 19:50:01 +0100 (CET)\r\n",
		 "one recipient: the for clause");
	r.rcpt = NULL;
	r.helo = NULL;
	r.client_name = "unknown";
	r.client_addr = "2001:db8::1";
	received(&r,
		 "Received: from unknown (unknown [IPv6:2001:db8::1])\r\n"
		 "\tby mx.example.com (Postfix) with ESMTP id 1K0ABCDEFGH0XYZ; Tue, 23 Nov 2021 "
		 "19:50:01 +0100 (CET)\r\n",
		 "no HELO, several recipients, IPv6");
	r.tls_clause = "\t(using TLSv1.3 with cipher X (256/256 bits))\n\t(No client certificate "
		       "requested)\n";
	r.sasl_sender = "alice";
	r.rcpt = "\"odd user\"@example.com";
	r.rcpt = "odd user@example.com";
	received(&r,
		 "Received: from unknown (unknown [IPv6:2001:db8::1])\r\n"
		 "\t(using TLSv1.3 with cipher X (256/256 bits))\r\n"
		 "\t(No client certificate requested)\r\n"
		 "\t(Authenticated sender: alice)\r\n"
		 "\tby mx.example.com (Postfix) with ESMTP id 1K0ABCDEFGH0XYZ\r\n"
		 "\tfor <\"odd user\"@example.com>; Tue, 23 Nov 2021 19:50:01 +0100 (CET)\r\n",
		 "TLS clause, authenticated sender, a quoted recipient");

	char *id = NULL;
	buf_reset(&b);
	cleanup_message_id(&b, 1637693401, "1K0ABCDEFGH0XYZ", "mx.example.com", &id);
	tap_is_str(buf_cstr(&b), "Message-Id: <20211123185001.1K0ABCDEFGH0XYZ@mx.example.com>\r\n",
		   "Message-Id: UTC time stamp, queue id, our name");
	tap_is_str(id, "<20211123185001.1K0ABCDEFGH0XYZ@mx.example.com>", "... and the id alone");
	free(id);

	tap_is_int(cleanup_header_kind("Received: x", 11), CLEANUP_HDR_RECEIVED, "Received");
	tap_is_int(cleanup_header_kind("MESSAGE-ID:<a@b>", 16), CLEANUP_HDR_MESSAGE_ID,
		   "Message-ID in upper case, no space");
	tap_is_int(cleanup_header_kind("Date : x", 8), CLEANUP_HDR_DATE, "Date with a space");
	tap_is_int(cleanup_header_kind("Dates: x", 8), CLEANUP_HDR_OTHER,
		   "Dates is another header");
	tap_is_int(cleanup_header_kind("Resent-Date: x", 14), CLEANUP_HDR_RESENT_DATE,
		   "Resent-Date");
	char *v = cleanup_message_id_value("Message-Id:  <a@b>  ", 20);
	tap_is_str(v, "<a@b>", "the id of a Message-Id line, trimmed");
	free(v);
	v = cleanup_message_id_value("Message-Id:   ", 14);
	tap_ok(v == NULL, "an empty Message-Id has no id");
	buf_deinit(&b);
	return tap_done();
}
