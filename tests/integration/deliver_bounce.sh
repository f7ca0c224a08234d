#!/usr/bin/env bash
# deliver_bounce.sh: non-delivery notifications (RFC 3464) for recipients
# an SMTP peer (smtp-sink) refuses, delivered back to the sender's Maildir
# and read with Python's email package:
#   - a 5xx bounces: multipart/report (report-type delivery-status) from
#     the null sender with Final-Recipient, Original-Recipient (ORCPT),
#     Action: failed, Status, Remote-MTA, Diagnostic-Code, the ENVID as
#     Original-Envelope-Id, and the whole message returned (RET=FULL);
#   - RET=HDRS returns the header only (text/rfc822-headers);
#   - NOTIFY=NEVER gets no notification, nor does NOTIFY=SUCCESS alone;
#   - a 4xx defers and sends nothing;
#   - recipients of one message bounced by two different peers get one
#     notification listing both;
#   - notify_classes = 2bounce: a bounce that bounces goes to
#     2bounce_notice_recipient from double_bounce_sender; one of those that
#     bounces is discarded;
#   - NOTIFY=SUCCESS: a "relayed" notice when the next hop lacks DSN, a
#     "delivered" one for a Maildir, none when the next hop has DSN;
#   - delay_warning_time: one delay warning per recipient once the message
#     is that old (Action: delayed, the header only), none for NOTIFY
#     without DELAY;
#   - bounce_queue_lifetime = 0: mail from the null sender that meets a
#     4xx is returned at once (message expired), other mail is deferred;
#   - a message from the null sender never gets a notification.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

h_addr_add 127.0.0.12
h_addr_add 127.0.0.13
h_addr_add 127.0.0.14
h_addr_add 127.0.0.15
h_addr_add 127.0.0.16
h_daemon_start sink5 smtp-sink -u postfix -f rcpt 127.0.0.12:2526 20
h_daemon_start sink4 smtp-sink -u postfix -r rcpt 127.0.0.13:2526 20
h_daemon_start sink5b smtp-sink -u postfix -f rcpt 127.0.0.14:2526 20
h_daemon_start sinknodsn smtp-sink -u postfix -N 127.0.0.15:2526 20
h_daemon_start sinkdsn smtp-sink -u postfix 127.0.0.16:2526 20
for a in 12 13 14 15 16; do
	h_wait_port 127.0.0.$a 2526 || h_bail "smtp-sink on 127.0.0.$a did not start"
done

mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
BOX=$TEST_TMP/mail/sender
sd_init
cat >"$TEST_TMP/transport" <<T
hard@example.test	smtp:[127.0.0.12]:2526
soft@example.test	smtp:[127.0.0.13]:2526
hard2@example.test	smtp:[127.0.0.14]:2526
relayed@example.test	smtp:[127.0.0.15]:2526
passed@example.test	smtp:[127.0.0.16]:2526
example.org	maildir:$BOX
T
chmod 644 "$TEST_TMP/transport"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" "minimal_backoff_time = 300s" \
	"bounce_queue_lifetime = 0"
sd_start -o master_service_disable=

# send MAILPARAMS RCPTPARAMS SUBJECT [SENDER]: one message to hard@ with
# the given ESMTP parameters; prints the queue id.
send() {
	local from=${4-sender@example.org}
	sd_chat 2525 <<EOF2 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
R
S EHLO client.example\r\nMAIL FROM:<$from>$1\r\nRCPT TO:<hard@example.test>$2\r\nDATA\r\n
R 4
S Subject: $3\r\nFrom: <sender@example.org>\r\n\r\nbody line of $3\r\n.\r\nQUIT\r\n
E
EOF2
}
notices() { grep -c "$1: sender non-delivery notification" "$SD_LOG"; }
dsn_file() { grep -l -- "^Subject: $1" "$BOX"/new/* 2>/dev/null | head -n 1; }
# The DSN as Python's email package reads it: one "name: value" per line.
parse() {
	/usr/bin/python3 - "$1" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.compat32)
print("type:", m.get_content_type(), m.get_param("report-type"))
print("from:", m["From"])
parts = m.get_payload()
print("parts:", " ".join(p.get_content_type() for p in parts))
status = parts[1].get_payload()
for block in status:
    for k, v in block.items():
        print(k + ":", v)
ret = parts[2]
if ret.get_content_type() == "message/rfc822":
    inner = ret.get_payload()[0]
    print("returned-subject:", inner["Subject"])
    print("returned-body:", inner.get_payload().strip())
else:
    print("returned-headers:", ret.get_payload().strip().replace("\r\n", "|").replace("\n", "|"))
PY
}

# 1. A 5xx: the full notification.
id=$(send " RET=FULL ENVID=env-1" " NOTIFY=FAILURE ORCPT=rfc822;orig@example.test" "full return")
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "5xx: the message is bounced and removed ($id)"
grep -q "$id: to=<hard@example.test>, relay=127.0.0.12\[127.0.0.12\]:2526, .*status=bounced" "$SD_LOG"
tap_ok $? "5xx: logged status=bounced"
tap_is "$(notices "$id")" 1 "5xx: one notification queued"
nid=$(sed -n "s/.*$id: sender non-delivery notification: //p" "$SD_LOG")
h_wait_grep "$nid: removed" "$SD_LOG" 30
grep -q "$nid: to=<sender@example.org>, relay=maildir, .*status=sent" "$SD_LOG"
tap_ok $? "the notification is delivered to the sender"
grep -q "$nid: from=<>, size=[0-9]*, nrcpt=1 (queue active)" "$SD_LOG"
tap_ok $? "the notification is logged as a message from the null sender"
f=$(dsn_file "Undelivered Mail Returned to Sender")
grep -qx 'Return-Path: <>' "$f"
tap_ok $? "the notification's envelope sender is the null address"
out=$(parse "$f")
tap_ok $? "Python's email package parses the notification"
want_lines=(
	"type: multipart/report delivery-status"
	"parts: text/plain message/delivery-status message/rfc822"
	"Reporting-MTA: dns; mx.example.test"
	"Original-Envelope-Id: env-1"
	"Final-Recipient: rfc822; hard@example.test"
	"Original-Recipient: rfc822;orig@example.test"
	"Action: failed"
	"Status: 5.3.0"
	"Remote-MTA: dns; 127.0.0.12"
	"Diagnostic-Code: smtp; 500 5.3.0 Error: command failed"
	"returned-subject: full return"
	"returned-body: body line of full return"
)
for l in "${want_lines[@]}"; do
	grep -qxF -- "$l" <<<"$out"
	tap_ok $? "DSN: $l"
done
[ "$tap_failed" -eq 0 ] || sed 's/^/# dsn: /' <<<"$out"

# 2. RET=HDRS: the header only.
id=$(send " RET=HDRS" "" "headers only")
h_wait_grep "$id: sender non-delivery notification" "$SD_LOG" 30
nid=$(sed -n "s/.*$id: sender non-delivery notification: //p" "$SD_LOG")
h_wait_grep "$nid: removed" "$SD_LOG" 30
f=$(grep -l "X-Postfix-Queue-ID: $id" "$BOX"/new/*)
out=$(parse "$f")
grep -qxF "parts: text/plain message/delivery-status text/rfc822-headers" <<<"$out"
tap_ok $? "RET=HDRS: text/rfc822-headers returned"
grep -q "^returned-headers: .*Subject: headers only" <<<"$out"
tap_ok $? "RET=HDRS: the header is there"
grep -q "body line of headers only" "$f"
tap_ok $((!$?)) "RET=HDRS: the body is not"

# 3. NOTIFY=NEVER, NOTIFY=SUCCESS, the null sender, a 4xx: no notification.
id1=$(send "" " NOTIFY=NEVER" "never")
id2=$(send "" " NOTIFY=SUCCESS" "success only")
id3=$(send "" "" "from null" "")
for id in $id1 $id2 $id3; do
	h_wait_grep "$id: removed" "$SD_LOG" 30
done
tap_is "$(notices "$id1")" 0 "NOTIFY=NEVER: no notification"
tap_is "$(notices "$id2")" 0 "NOTIFY=SUCCESS alone: no failure notification"
tap_is "$(notices "$id3")" 0 "null sender: no notification"
grep -q "$id3: no notification: the sender is the null address" "$SD_LOG"
tap_ok $? "null sender: logged"
id=$(sd_swaks --from sender@example.org --to soft@example.test 2>&1 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
h_wait_grep "$id: to=<soft@example.test>.*status=deferred" "$SD_LOG" 30
tap_ok $? "4xx: deferred"
tap_is "$(notices "$id")" 0 "4xx: no notification"
tap_is "$(find "$BOX/new" -type f | wc -l)" 2 "two notifications in the sender's Maildir in all"

# 4. Two recipients of one message, bounced by two peers: one notification.
id=$(sd_swaks --from sender@example.org --to hard@example.test,hard2@example.test \
	--header "Subject: two peers" 2>&1 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "two peers: the message is bounced and removed ($id)"
tap_is "$(grep -c "$id: to=<hard2\?@example.test>, .*status=bounced" "$SD_LOG")" 2 \
	"two peers: both recipients logged status=bounced"
tap_is "$(notices "$id")" 1 "two peers: one notification for the message"
nid=$(sed -n "s/.*$id: sender non-delivery notification: //p" "$SD_LOG")
h_wait_grep "$nid: removed" "$SD_LOG" 30
f=$(grep -l "X-Postfix-Queue-ID: $id" "$BOX"/new/*)
out=$(parse "$f")
tap_is "$(grep -c '^Final-Recipient: ' <<<"$out")" 2 "two peers: the notification reports two recipients"
grep -qxF "Remote-MTA: dns; 127.0.0.12" <<<"$out" && grep -qxF "Remote-MTA: dns; 127.0.0.14" <<<"$out"
tap_ok $? "two peers: each with its own Remote-MTA"
tap_is "$(find "$BOX/new" -type f | wc -l)" 3 "three notifications in the sender's Maildir in all"

# 5. bounce_queue_lifetime: a 4xx for mail from the null sender.
id=$(sd_swaks --from '<>' --to soft@example.test 2>&1 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "bounce_queue_lifetime 0: the null sender's message is removed after one attempt ($id)"
grep -q "$id: to=<soft@example.test>, .*status=bounced (message expired: host 127.0.0.13\[127.0.0.13\]:2526 said: 450 " "$SD_LOG"
tap_ok $? "bounce_queue_lifetime 0: bounced as expired with the 4xx"

# 6. Double bounces with notify_classes = 2bounce.
sd_stop
tap_ok $? "posternd stops cleanly"
sd_start -o master_service_disable= -o notify_classes=2bounce \
	-o 2bounce_notice_recipient=postmaster@example.org
id=$(send "" "" "double" "")
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "2bounce: the null sender's message is bounced and removed ($id)"
nid=$(sed -n "s/.*postern\/bounce\[[0-9]*\]: $id: postmaster non-delivery notification: //p" "$SD_LOG")
tap_ok $((${#nid} == 0)) "2bounce: logged as a postmaster non-delivery notification by postern/bounce"
h_wait_grep "$nid: removed" "$SD_LOG" 30
grep -q "$nid: from=<double-bounce@mx.example.test>, size=[0-9]*, nrcpt=1 (queue active)" "$SD_LOG"
tap_ok $? "2bounce: from double_bounce_sender@myhostname"
grep -q "$nid: to=<postmaster@example.org>, relay=maildir, .*status=sent" "$SD_LOG"
tap_ok $? "2bounce: delivered to 2bounce_notice_recipient"
f=$(grep -l "X-Postfix-Queue-ID: $id" "$BOX"/new/*)
grep -q "^Subject: Postmaster Copy: Undelivered Mail" "$f" && grep -q "body line of double" "$f"
tap_ok $? "2bounce: a postmaster copy with the whole message"
id=$(send "" "" "triple" "double-bounce@mx.example.test")
h_wait_grep "$id: removed" "$SD_LOG" 30
grep -q "warning: $id: undeliverable postmaster notification discarded" "$SD_LOG"
tap_ok $? "2bounce: a bounced double bounce is discarded with a warning"
tap_is "$(grep -c "$id: .* non-delivery notification" "$SD_LOG")" 0 "2bounce: never a triple bounce"

# 7. Success notices (NOTIFY=SUCCESS).
# notify RCPT: one message with NOTIFY=SUCCESS,FAILURE to RCPT; prints the
# queue id once its deliveries are done.
notify() {
	local id
	id=$(sd_chat 2525 <<EOF2 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
R
S EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<$1> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\n
R 4
S Subject: success to $1\r\n\r\nbody\r\n.\r\nQUIT\r\n
E
EOF2
	)
	h_wait_grep "$id: removed" "$SD_LOG" 30 && echo "$id"
}
# action ID: the Action of ID's success notice, once it is delivered.
action() {
	local nid f
	nid=$(sed -n "s/.*postern\/bounce\[[0-9]*\]: $1: sender delivery status notification: //p" "$SD_LOG")
	[ -n "$nid" ] && h_wait_grep "$nid: removed" "$SD_LOG" 30 || return
	f=$(grep -l "X-Postfix-Queue-ID: $1" "$BOX"/new/*)
	grep -q "^Subject: Successful Mail Delivery Report" "$f" || return
	parse "$f" | sed -n 's/^Action: //p'
}
id=$(notify relayed@example.test)
tap_is "$(action "$id")" relayed "NOTIFY=SUCCESS, next hop without DSN: a relayed notice ($id)"
id=$(notify other@example.org)
tap_is "$(action "$id")" delivered "NOTIFY=SUCCESS, a Maildir: a delivered notice ($id)"
id=$(notify passed@example.test)
grep -q "$id: to=<passed@example.test>, .*status=sent" "$SD_LOG"
tap_ok $? "NOTIFY=SUCCESS, next hop with DSN: delivered ($id)"
tap_is "$(grep -c "$id: sender delivery status notification" "$SD_LOG")" 0 \
	"NOTIFY=SUCCESS, next hop with DSN: no notice (the request went on)"


# 8. Delay warnings: retried every second, a warning once 1s old.
sd_stop
tap_ok $? "posternd stops cleanly"
sd_start -o master_service_disable= -o delay_warning_time=1s -o minimal_backoff_time=1s \
	-o maximal_backoff_time=1s -o queue_run_delay=1s
# soft RCPTPARAMS SUBJECT: one message to soft@; prints its queue id.
soft() {
	sd_chat 2525 <<EOF2 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
R
S EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<soft@example.test>$1\r\nDATA\r\n
R 4
S Subject: $2\r\n\r\nbody of $2\r\n.\r\nQUIT\r\n
E
EOF2
}
id=$(soft "" "delayed")
id2=$(soft " NOTIFY=FAILURE" "delayed quietly")
tries() { [ "$(grep -c "$1: to=<soft@example.test>, .*status=deferred" "$SD_LOG")" -ge "$2" ]; }
h_wait_until 30 tries "$id" 4 && h_wait_until 30 tries "$id2" 4
tap_ok $? "delay warnings: both messages were tried four times"
tap_is "$(grep -c "postern/bounce\[[0-9]*\]: $id: sender delay status notification: " "$SD_LOG")" 1 \
	"delay warnings: one warning, at the attempt after delay_warning_time ($id)"
tap_is "$(grep -c "$id2: sender delay status notification" "$SD_LOG")" 0 \
	"delay warnings: none for NOTIFY=FAILURE ($id2)"
nid=$(sed -n "s/.*$id: sender delay status notification: //p" "$SD_LOG")
h_wait_grep "$nid: removed" "$SD_LOG" 30
f=$(grep -l "X-Postfix-Queue-ID: $id" "$BOX"/new/*)
out=$(parse "$f")
grep -q "^Subject: Delayed Mail (still being retried)" "$f"
tap_ok $? "delay warnings: the subject says the mail is still being retried"
grep -qxF "Action: delayed" <<<"$out" && grep -qxF "Status: 4.3.0" <<<"$out"
tap_ok $? "delay warnings: Action: delayed, Status: 4.3.0"
grep -qxF "parts: text/plain message/delivery-status text/rfc822-headers" <<<"$out"
tap_ok $? "delay warnings: the header only is returned"
sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
tap_done
