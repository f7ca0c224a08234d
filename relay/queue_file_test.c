/* queue_file_test.c: queue files round-trip every record; a file cut at
 * any byte reads as incomplete; any flipped bit is caught; hand-made bad
 * files are refused; recipient status updates survive a re-read; the
 * writer refuses what the reader would refuse. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "mem.h"
#include "queue.h"
#include "queue_format.h"
#include "queue_test_util.h"
#include "tap.h"

static struct queue_dir *qd;

static void test_round_trip(void)
{
	struct queue_attr extra[] = {{"x-verdict", "spam=no score=0.1"}, {"x-empty", ""}};
	struct queue_envelope env = {
	    .arrival_us = 1700000000654321ll,
	    .sender = "",
	    .envid = "QQ314159",
	    .ret = QUEUE_RET_HDRS,
	    .body = QUEUE_BODY_8BITMIME,
	    .smtputf8 = 1,
	    .client_address = "2001:db8::25",
	    .client_name = "mx.example.net",
	    .helo_name = "[2001:db8::25]",
	    .protocol = "ESMTPSA",
	    .sasl_method = "PLAIN",
	    .sasl_username = "alice",
	    .hold_filter = "postern-av",
	    .extra = extra,
	    .n_extra = 2,
	};
	static const struct {
		const char *addr, *orcpt;
		unsigned notify;
	} rcpts[] = {
	    {"a@example.org", "rfc822;A@Example.ORG", QUEUE_NOTIFY_SUCCESS | QUEUE_NOTIFY_FAILURE},
	    {"b@example.org", NULL, 0},
	    {"üñí@例え.jp", "utf-8;üñí@例え.jp", QUEUE_NOTIFY_NEVER},
	    {"d@example.org", NULL, QUEUE_NOTIFY_DELAY},
	};
	struct queue_writer *w = NULL;
	char *error = NULL;
	struct buf content;
	buf_init(&content, 0);
	qtest_content(7, 200000, &content); /* several 'D' records, NUL bytes included */
	int ok = queue_writer_new(qd, &w, &error) > 0 && queue_writer_envelope(w, &env, &error) > 0;
	for (size_t i = 0; ok && i < 3; i++)
		ok = queue_writer_rcpt(w, rcpts[i].addr, rcpts[i].orcpt, rcpts[i].notify, &error) >
		     0;
	ok = ok && queue_writer_content(w, content.data, 1000, &error) > 0 &&
	     queue_writer_content(w, content.data + 1000, content.len - 1000, &error) > 0 &&
	     queue_writer_rcpt(w, rcpts[3].addr, NULL, rcpts[3].notify, &error) > 0 &&
	     queue_writer_attr(w, "hold_reason", "Virus found: Eicar-Test", &error) > 0;
	tap_ok(ok, "writer accepts every record, some after the content");
	tap_is_int((long long)queue_writer_content_size(w), 200000, "writer counts content bytes");
	char id[QUEUE_ID_SIZE];
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	tap_is_int(queue_writer_commit_sync(&w, QUEUE_HOLD, &error), 1, "commit into hold/");
	tap_ok(w == NULL && !qtest_exists(qd, QUEUE_TMP, id), "writer consumed, tmp file gone");

	struct queue_msg *msg = NULL;
	tap_is_int(queue_msg_open(qd, QUEUE_HOLD, id, QUEUE_MSG_READ, &msg, NULL, &error), 1,
		   "read back");
	if (msg == NULL) {
		tap_diag("%s", error);
		free(error);
		buf_deinit(&content);
		return;
	}
	const struct queue_envelope *e = queue_msg_envelope(msg);
	tap_is_str(queue_msg_id(msg), id, "id");
	tap_is_int(e->arrival_us, env.arrival_us, "arrival time");
	tap_is_str(e->sender, "", "null sender");
	tap_is_str(e->envid, "QQ314159", "ENVID");
	tap_is_int(e->ret, QUEUE_RET_HDRS, "RET");
	tap_is_int(e->body, QUEUE_BODY_8BITMIME, "BODY");
	tap_is_int(e->smtputf8, 1, "SMTPUTF8");
	tap_is_str(e->client_address, "2001:db8::25", "client address");
	tap_is_str(e->client_name, "mx.example.net", "client name");
	tap_is_str(e->helo_name, "[2001:db8::25]", "helo name");
	tap_is_str(e->protocol, "ESMTPSA", "protocol");
	tap_is_str(e->sasl_method, "PLAIN", "SASL method");
	tap_is_str(e->sasl_username, "alice", "SASL user");
	tap_is_str(e->hold_reason, "Virus found: Eicar-Test", "hold reason written late");
	tap_is_str(e->hold_filter, "postern-av", "hold filter");
	tap_ok(e->n_extra == 2 && strcmp(e->extra[0].name, "x-verdict") == 0 &&
		   strcmp(e->extra[0].value, "spam=no score=0.1") == 0 &&
		   strcmp(e->extra[1].name, "x-empty") == 0 && e->extra[1].value[0] == '\0',
	       "extra attributes in order");
	tap_is_int((long long)queue_msg_rcpt_count(msg), 4, "recipient count");
	for (size_t i = 0; i < 4 && i < queue_msg_rcpt_count(msg); i++) {
		const struct queue_rcpt *r = queue_msg_rcpt(msg, i);
		tap_ok(strcmp(r->address, rcpts[i].addr) == 0 &&
			   (rcpts[i].orcpt == NULL ? r->orcpt == NULL
						   : strcmp(r->orcpt, rcpts[i].orcpt) == 0) &&
			   r->notify == rcpts[i].notify && r->state == QUEUE_RCPT_PENDING &&
			   r->attempts == 0 && !r->slot_damaged,
		       "recipient %zu: address, ORCPT, NOTIFY, pending", i);
	}
	tap_ok(qtest_content_is(msg, 7, 200000), "content byte-identical");
	queue_msg_free(&msg);
	tap_ok(msg == NULL, "free clears the pointer");
	queue_msg_free(&msg);
	buf_deinit(&content);
}

static void test_defaults(void)
{
	struct queue_writer *w = qtest_writer(qd, 1, 1, 0);
	char id[QUEUE_ID_SIZE], *error = NULL;
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	queue_writer_commit_sync(&w, QUEUE_INCOMING, &error);
	struct queue_msg *msg = NULL;
	queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &msg, NULL, &error);
	tap_ok(msg != NULL, "a message without content is valid");
	if (msg == NULL)
		return;
	const struct queue_envelope *e = queue_msg_envelope(msg);
	tap_is_int(e->arrival_us, queue_id_time(id), "arrival time defaults to the id's time");
	tap_ok(e->envid == NULL && e->ret == QUEUE_RET_UNSET && e->body == QUEUE_BODY_UNSET &&
		   !e->smtputf8 && e->hold_reason == NULL && e->n_extra == 0,
	       "absent attributes read back absent");
	tap_is_int((long long)queue_msg_content_size(msg), 0, "empty content");
	queue_msg_free(&msg);
	tap_is_int(queue_msg_open(qd, QUEUE_DEFERRED, id, QUEUE_MSG_READ, &msg, NULL, &error), 0,
		   "open of a missing file returns 0");
}

/* sample_image: a small complete queue file with two recipients; the
 * offsets of their status slots go to slots[2]. */
static void sample_image(struct buf *image, size_t slots[2])
{
	char id[QUEUE_ID_SIZE];
	qtest_commit(qd, QUEUE_INCOMING, 2, 3, 300, id);
	char *path = qtest_path(qd, QUEUE_INCOMING, id);
	qtest_read(path, image);
	free(path);
	int found = 0;
	for (size_t off = 0; found < 2 && off + 5 < image->len; off++) {
		const unsigned char *p = (const unsigned char *)image->data + off;
		if (p[0] == QUEUE_REC_RCPT && queue_get32(p + 1) < 100 &&
		    memcmp(p + QUEUE_REC_HDR_LEN + QUEUE_SLOT_LEN + 3, "rcpt", 4) == 0)
			slots[found++] = off + QUEUE_REC_HDR_LEN;
	}
}

static void test_truncation(void)
{
	struct buf image;
	buf_init(&image, 0);
	size_t slots[2];
	sample_image(&image, slots);
	int all_incomplete = 1;
	for (size_t len = 0; len < image.len; len++) {
		struct queue_msg *msg = NULL;
		char *error = NULL;
		int ret = queue_msg_parse(image.data, len, "t", &msg, &error);
		if (ret != 0) {
			all_incomplete = 0;
			tap_diag("cut at %zu of %zu: %d %s", len, image.len, ret, error);
		}
		queue_msg_free(&msg);
		free(error);
	}
	tap_ok(all_incomplete, "a file cut at each of its %zu bytes reads as incomplete",
	       image.len);
	struct queue_msg *msg = NULL;
	char *error = NULL;
	tap_is_int(queue_msg_parse(image.data, image.len, "t", &msg, &error), 1,
		   "the whole file reads as complete");
	queue_msg_free(&msg);
	buf_append_char(&image, '\0');
	tap_is_int(queue_msg_parse(image.data, image.len, "t", &msg, &error), -1,
		   "a byte after the end record is damage");
	free(error);
	buf_deinit(&image);
}

static void test_bit_flips(void)
{
	struct buf image;
	buf_init(&image, 0);
	size_t slots[2];
	sample_image(&image, slots);
	int caught = 1, slot_ok = 1;
	size_t flips = 0;
	for (size_t off = 0; off < image.len; off++) {
		for (int bit = 0; bit < 8; bit++, flips++) {
			image.data[off] ^= (char)(1 << bit);
			struct queue_msg *msg = NULL;
			char *error = NULL;
			int ret = queue_msg_parse(image.data, image.len, "t", &msg, &error);
			int in_slot = -1;
			for (int s = 0; s < 2; s++)
				if (off >= slots[s] && off < slots[s] + QUEUE_SLOT_LEN)
					in_slot = s;
			if (in_slot < 0 && ret == 1) {
				caught = 0;
				tap_diag("flip at %zu bit %d not caught", off, bit);
			}
			if (in_slot >= 0 &&
			    (ret != 1 || !queue_msg_rcpt(msg, (size_t)in_slot)->slot_damaged ||
			     queue_msg_rcpt(msg, (size_t)in_slot)->state != QUEUE_RCPT_PENDING ||
			     queue_msg_rcpt(msg, (size_t)!in_slot)->slot_damaged))
				slot_ok = 0;
			queue_msg_free(&msg);
			free(error);
			image.data[off] ^= (char)(1 << bit);
		}
	}
	tap_ok(caught, "each of %zu single-bit flips outside status slots is caught", flips);
	tap_ok(slot_ok, "a flip in a status slot marks that slot damaged and reads as pending");
	buf_deinit(&image);
}

/* A hand-made file: records built here, CRC and end record computed. */
struct rec {
	char type;
	const char *data;
	size_t len;
};

static void build(struct buf *out, const struct rec *recs, size_t n, int with_end)
{
	buf_reset(out);
	uint32_t crc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char h[QUEUE_REC_HDR_LEN];
		h[0] = (unsigned char)recs[i].type;
		queue_put32(h + 1, (uint32_t)recs[i].len);
		size_t start = out->len;
		buf_append(out, h, sizeof(h));
		buf_append(out, recs[i].data, recs[i].len);
		crc = crc32c(crc, out->data + start, out->len - start);
	}
	if (!with_end)
		return;
	unsigned char end[QUEUE_REC_HDR_LEN + QUEUE_END_LEN];
	end[0] = QUEUE_REC_END;
	queue_put32(end + 1, QUEUE_END_LEN);
	queue_put64(end + 5, out->len + sizeof(end));
	crc = crc32c(crc, end, sizeof(end) - 4);
	queue_put32(end + 13, crc);
	buf_append(out, end, sizeof(end));
}

#define R(t, s)                                                                                    \
	{                                                                                          \
		t, s, sizeof(s) - 1                                                                \
	}
#define HDR R('H', "POSTERNQ\x01")
#define ID R('I', "0123456789ABCDE")
#define TIME R('T', "\x01\x00\x00\x00\x00\x00\x00\x00")
#define SENDER R('A', "sender\0a@b")
/* A recipient: initial slot, NOTIFY 0, address "x@y", no ORCPT. */
#define SLOT0 "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xea\x9a\x70\x42"
#define RCPT R('R', SLOT0 "\0\x03\0x@y\0\0")

static void test_hand_made(void)
{
	unsigned char slot[QUEUE_SLOT_LEN];
	queue_slot_encode(slot, QUEUE_RCPT_PENDING, 0, 0);
	tap_ok(memcmp(slot, SLOT0, QUEUE_SLOT_LEN) == 0, "initial slot bytes as in the tests");
	static const struct {
		const char *name;
		struct rec recs[8];
		size_t n;
		int end;
		int want;
	} cases[] = {
	    {"minimal file", {HDR, ID, TIME, SENDER, RCPT}, 5, 1, 1},
	    {"records in another order", {HDR, RCPT, SENDER, TIME, ID}, 5, 1, 1},
	    {"no end record", {HDR, ID, TIME, SENDER, RCPT}, 5, 0, 0},
	    {"header not first", {ID, HDR, TIME, SENDER, RCPT}, 5, 1, -1},
	    {"two headers", {HDR, HDR, ID, TIME, SENDER, RCPT}, 6, 1, -1},
	    {"version 2", {R('H', "POSTERNQ\x02"), ID, TIME, SENDER, RCPT}, 5, 1, -1},
	    {"wrong magic", {R('H', "POSTFIXQ\x01"), ID, TIME, SENDER, RCPT}, 5, 1, -1},
	    {"no sender", {HDR, ID, TIME, RCPT}, 4, 1, -1},
	    {"no recipient", {HDR, ID, TIME, SENDER}, 4, 1, -1},
	    {"no id", {HDR, TIME, SENDER, RCPT}, 4, 1, -1},
	    {"no time", {HDR, ID, SENDER, RCPT}, 4, 1, -1},
	    {"two senders", {HDR, ID, TIME, SENDER, SENDER, RCPT}, 6, 1, -1},
	    {"two ids", {HDR, ID, ID, TIME, SENDER, RCPT}, 6, 1, -1},
	    {"bad id", {HDR, R('I', "0123456789ABCDI"), TIME, SENDER, RCPT}, 5, 1, -1},
	    {"negative time", {HDR, ID, R('T', "\0\0\0\0\0\0\0\x80"), SENDER, RCPT}, 5, 1, -1},
	    {"bad RET", {HDR, ID, TIME, SENDER, R('A', "ret\0ALL"), RCPT}, 6, 1, -1},
	    {"bad BODY", {HDR, ID, TIME, SENDER, R('A', "body\08BIT"), RCPT}, 6, 1, -1},
	    {"bad attribute name", {HDR, ID, TIME, SENDER, R('A', "Sender\0x"), RCPT}, 6, 1, -1},
	    {"attribute without NUL", {HDR, ID, TIME, SENDER, R('A', "sender"), RCPT}, 6, 1, -1},
	    {"NUL in value", {HDR, ID, TIME, R('A', "sender\0a\0b"), RCPT}, 5, 1, -1},
	    {"unknown record", {HDR, ID, TIME, SENDER, RCPT, R('Q', "x")}, 6, 1, -1},
	    {"empty content record", {HDR, ID, TIME, SENDER, RCPT, R('D', "")}, 6, 1, -1},
	    {"recipient too short", {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\x03")}, 5, 1, -1},
	    {"address overruns",
	     {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\x09\0x@y\0\0")},
	     5,
	     1,
	     -1},
	    {"empty address", {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\0\0\0\0")}, 5, 1, -1},
	    {"ORCPT overruns",
	     {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\x03\0x@y\x05\0ab")},
	     5,
	     1,
	     -1},
	    {"bytes after ORCPT",
	     {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\x03\0x@y\0\0z")},
	     5,
	     1,
	     -1},
	    {"NUL in address", {HDR, ID, TIME, SENDER, R('R', SLOT0 "\0\x03\0x\0y\0\0")}, 5, 1, -1},
	    {"NOTIFY NEVER with DELAY",
	     {HDR, ID, TIME, SENDER, R('R', SLOT0 "\x09\x03\0x@y\0\0")},
	     5,
	     1,
	     -1},
	    {"unknown NOTIFY bit",
	     {HDR, ID, TIME, SENDER, R('R', SLOT0 "\x10\x03\0x@y\0\0")},
	     5,
	     1,
	     -1},
	};
	struct buf image;
	buf_init(&image, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(&image, cases[i].recs, cases[i].n, cases[i].end);
		struct queue_msg *msg = NULL;
		char *error = NULL;
		int ret = queue_msg_parse(image.data, image.len, "hand", &msg, &error);
		tap_is_int(ret, cases[i].want, "%s: %s", cases[i].name, ret == 1 ? "valid" : error);
		queue_msg_free(&msg);
		free(error);
	}
	/* A record length over the limit is damage even though the file is short. */
	build(&image, (struct rec[]){HDR, ID}, 2, 0);
	buf_append(&image, "D\xff\xff\xff\x7f", 5);
	struct queue_msg *msg = NULL;
	char *error = NULL;
	tap_is_int(queue_msg_parse(image.data, image.len, "hand", &msg, &error), -1,
		   "a record length over 1 MiB is damage, not truncation");
	free(error);
	/* The end record's size must be the file's. */
	build(&image, (struct rec[]){HDR, ID, TIME, SENDER, RCPT}, 5, 1);
	image.data[image.len - 12] ^= 1;
	tap_is_int(queue_msg_parse(image.data, image.len, "hand", &msg, &error), -1,
		   "an end record with the wrong size is damage");
	free(error);
	buf_deinit(&image);
}

static void test_id_mismatch(void)
{
	char id[QUEUE_ID_SIZE], other[QUEUE_ID_SIZE];
	qtest_commit(qd, QUEUE_INCOMING, 1, 9, 50, id);
	queue_id_next(other);
	tap_ok(linkat(queue_dir_fd(qd, QUEUE_INCOMING), id, queue_dir_fd(qd, QUEUE_INCOMING), other,
		      0) == 0,
	       "a second name for a queue file");
	struct queue_msg *msg = NULL;
	enum queue_msg_problem problem = QUEUE_MSG_IO;
	char *error = NULL;
	tap_is_int(
	    queue_msg_open(qd, QUEUE_INCOMING, other, QUEUE_MSG_READ, &msg, &problem, &error), -1,
	    "a file whose id is not its name is refused");
	tap_is_int(problem, QUEUE_MSG_DAMAGED, "... as damaged");
	free(error);
	unlinkat(queue_dir_fd(qd, QUEUE_INCOMING), other, 0);
}

static void test_status(void)
{
	char id[QUEUE_ID_SIZE];
	qtest_commit(qd, QUEUE_INCOMING, 3, 11, 5000, id);
	struct queue_msg *msg = NULL;
	char *error = NULL;
	queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &msg, NULL, &error);
	tap_is_int(queue_msg_rcpt_update(msg, 0, QUEUE_RCPT_DELIVERED, &error), -1,
		   "no update through a read-only message");
	free(error);
	queue_msg_free(&msg);

	queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_UPDATE, &msg, NULL, &error);
	tap_ok(queue_msg_rcpt_update(msg, 0, QUEUE_RCPT_DELIVERED, &error) == 1 &&
		   queue_msg_rcpt_update(msg, 1, QUEUE_RCPT_DEFERRED, &error) == 1 &&
		   queue_msg_rcpt_update(msg, 1, QUEUE_RCPT_DEFERRED, &error) == 1 &&
		   queue_msg_sync(msg, &error) == 1,
	       "deliver one recipient, defer another twice, sync");
	tap_is_int(queue_msg_rcpt_update(msg, 2, QUEUE_RCPT_PENDING, &error), -1,
		   "pending cannot be written");
	free(error);
	tap_is_int(queue_msg_rcpt_update(msg, 0, QUEUE_RCPT_BOUNCED, &error), -1,
		   "a delivered recipient stays delivered");
	free(error);
	queue_msg_free(&msg);

	queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_UPDATE, &msg, NULL, &error);
	tap_ok(msg != NULL, "the updated file still validates");
	if (msg == NULL)
		return;
	const struct queue_rcpt *r0 = queue_msg_rcpt(msg, 0), *r1 = queue_msg_rcpt(msg, 1),
				*r2 = queue_msg_rcpt(msg, 2);
	tap_ok(r0->state == QUEUE_RCPT_DELIVERED && r0->attempts == 1 && r0->updated_us > 0,
	       "delivered status read back");
	tap_ok(r1->state == QUEUE_RCPT_DEFERRED && r1->attempts == 2, "deferred twice read back");
	tap_ok(r2->state == QUEUE_RCPT_PENDING && r2->attempts == 0, "untouched recipient pending");
	tap_ok(qtest_content_is(msg, 11, 5000), "content unchanged");
	tap_ok(queue_msg_rcpt_update(msg, 1, QUEUE_RCPT_BOUNCED, &error) == 1 &&
		   queue_msg_sync(msg, &error) == 1,
	       "a deferred recipient may bounce");
	queue_msg_free(&msg);

	/* A torn status write: garbage in recipient 2's slot. */
	struct buf image;
	buf_init(&image, 0);
	char *path = qtest_path(qd, QUEUE_INCOMING, id);
	qtest_read(path, &image);
	char *hit = memmem(image.data, image.len, "rcpt2@example.org", 17);
	int fd = open(path, O_WRONLY);
	off_t slot = (off_t)(hit - image.data) - 3 - QUEUE_SLOT_LEN;
	tap_ok(hit != NULL && pwrite(fd, "\x02\x00\x00\x00\x07", 5, slot) == 5, "tear a slot");
	close(fd);
	free(path);
	buf_deinit(&image);
	queue_msg_open(qd, QUEUE_INCOMING, id, QUEUE_MSG_READ, &msg, NULL, &error);
	tap_ok(msg != NULL && queue_msg_rcpt(msg, 2)->slot_damaged &&
		   queue_msg_rcpt(msg, 2)->state == QUEUE_RCPT_PENDING &&
		   queue_msg_rcpt(msg, 1)->state == QUEUE_RCPT_BOUNCED,
	       "a torn slot reads as pending and damaged, the others as written");
	queue_msg_free(&msg);
}

static void test_writer_refusals(void)
{
	char *error = NULL;
	struct queue_writer *w = NULL;
	char id[QUEUE_ID_SIZE];

	queue_writer_new(qd, &w, &error);
	snprintf(id, sizeof(id), "%s", queue_writer_id(w));
	struct queue_envelope env = {.sender = "s@example.com"};
	queue_writer_envelope(w, &env, &error);
	tap_is_int(queue_writer_commit_sync(&w, QUEUE_INCOMING, &error), -1,
		   "commit without a recipient fails");
	tap_ok(w == NULL && !qtest_exists(qd, QUEUE_TMP, id) &&
		   !qtest_exists(qd, QUEUE_INCOMING, id),
	       "... and leaves no file");
	free(error);

	static const struct {
		const char *name;
		int step; /* which call misbehaves */
	} cases[] = {
	    {"bad attribute name", 0},	     {"known attribute twice", 1}, {"bad RET value", 2},
	    {"NOTIFY NEVER and SUCCESS", 3}, {"empty address", 4},	   {"envelope twice", 5},
	    {"envelope without sender", 6},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		queue_writer_new(qd, &w, &error);
		snprintf(id, sizeof(id), "%s", queue_writer_id(w));
		struct queue_envelope none = {0};
		if (cases[i].step != 6)
			queue_writer_envelope(w, &env, &error);
		int ret = 0;
		switch (cases[i].step) {
		case 0:
			ret = queue_writer_attr(w, "Bad Name", "x", &error);
			break;
		case 1:
			ret = queue_writer_attr(w, "sender", "again@example.com", &error);
			break;
		case 2:
			ret = queue_writer_attr(w, "ret", "ALL", &error);
			break;
		case 3:
			ret = queue_writer_rcpt(w, "a@b", NULL,
						QUEUE_NOTIFY_NEVER | QUEUE_NOTIFY_SUCCESS, &error);
			break;
		case 4:
			ret = queue_writer_rcpt(w, "", NULL, 0, &error);
			break;
		case 5:
			ret = queue_writer_envelope(w, &env, &error);
			break;
		case 6:
			ret = queue_writer_envelope(w, &none, &error);
			break;
		}
		tap_is_int(ret, -1, "writer refuses: %s", cases[i].name);
		free(error);
		error = NULL;
		tap_is_int(queue_writer_rcpt(w, "ok@example.com", NULL, 0, &error), -1,
			   "... and the failure sticks");
		free(error);
		error = NULL;
		queue_writer_abort(&w);
		tap_ok(w == NULL && !qtest_exists(qd, QUEUE_TMP, id), "... abort removes the file");
	}
}

int main(void)
{
	qd = qtest_queue("q");
	test_round_trip();
	test_defaults();
	test_truncation();
	test_bit_flips();
	test_hand_made();
	test_id_mismatch();
	test_status();
	test_writer_refusals();
	queue_dir_free(&qd);
	return tap_done();
}
