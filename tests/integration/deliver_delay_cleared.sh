#!/usr/bin/env bash
# deliver_delay_cleared.sh: confirm_delay_cleared (postconf(5)): after a
# delay warning, tell the sender when the delay clears. The peer
# (smtp-sink without DSN) is down, then comes back; notices go to the
# sender's Maildir and are read with Python's email package:
#   - confirm_delay_cleared = yes: a message deferred past
#     delay_warning_time gets one delay warning, and once delivered one
#     "Successful Mail Delivery Report" (multipart/report, Action: relayed,
#     Status: 2.0.0, Final-Recipient, Remote-MTA, the queue id);
#   - a recipient with NOTIFY=FAILURE (no DELAY) gets neither;
#   - a message delivered at once gets no notice;
#   - confirm_delay_cleared = no (the default): the warning only.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=150
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

h_addr_add 127.0.0.12
mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
BOX=$TEST_TMP/mail/sender
sd_init
cat >"$TEST_TMP/transport" <<T
example.org	maildir:$BOX
T
chmod 644 "$TEST_TMP/transport"
sd_conf 'relayhost = [127.0.0.12]:2526' "transport_maps = texthash:$TEST_TMP/transport" \
	'delay_warning_time = 1s' 'minimal_backoff_time = 1s' 'maximal_backoff_time = 1s' \
	'queue_run_delay = 1s' 'smtp_connect_timeout = 5s'

sink_start() {
	h_daemon_start sink smtp-sink -u postfix -N 127.0.0.12:2526 20
	h_wait_port 127.0.0.12 2526 || h_bail "smtp-sink did not start"
}
# send RCPTPARAMS SUBJECT: one message from sender@example.org to
# bob@remote.test; prints its queue id.
send() {
	sd_chat 2525 <<EOF2 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
R
S EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<bob@remote.test>$1\r\nDATA\r\n
R 4
S Subject: $2\r\nFrom: <sender@example.org>\r\n\r\nbody of $2\r\n.\r\nQUIT\r\n
E
EOF2
}
tries() { [ "$(grep -c "$1: to=<bob@remote.test>, .*status=deferred" "$SD_LOG")" -ge "$2" ]; }
count() { grep -c "$1: sender $2 notification" "$SD_LOG"; }
# notice ID KIND: the file of ID's notice of that kind ("delivery status",
# "delay status") once it is delivered to the Maildir.
notice() {
	local nid
	nid=$(sed -n "s/.*postern\/bounce\[[0-9]*\]: $1: sender $2 notification: //p" "$SD_LOG")
	[ -n "$nid" ] && h_wait_grep "$nid: removed" "$SD_LOG" 30 || return
	grep -l "^Subject: $3" $(grep -l "X-Postfix-Queue-ID: $1" "$BOX"/new/*) | head -n 1
}
# parse FILE: the notice as Python's email package reads it.
parse() {
	/usr/bin/python3 - "$1" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.compat32)
print("type:", m.get_content_type(), m.get_param("report-type"))
print("Subject:", m["Subject"])
print("To:", m["To"])
for block in m.get_payload()[1].get_payload():
    for k, v in block.items():
        print(k + ":", v)
PY
}

# 1. confirm_delay_cleared = yes.
sd_start -o master_service_disable= -o confirm_delay_cleared=yes
a=$(send "" "delayed then delivered")
b=$(send " NOTIFY=FAILURE" "no delay notices")
h_wait_grep "$a: sender delay status notification" "$SD_LOG" 30 && h_wait_until 30 tries "$b" 3
tap_ok $? "the peer is down: a delay warning for $a; $b tried three times"
tap_is "$(count "$a" "delivery status")" 0 "no notice while the delay lasts"
sink_start
c=$(send "" "delivered at once")
h_wait_grep "$a: removed" "$SD_LOG" 30 && h_wait_grep "$b: removed" "$SD_LOG" 30 &&
	h_wait_grep "$c: removed" "$SD_LOG" 30
tap_ok $? "the peer is back: all three delivered"
tap_is "$(count "$a" "delivery status")" 1 "one delivery status notification for the delayed message"
tap_is "$(count "$a" "delay status")" 1 "after exactly one delay warning"
tap_is "$(grep -c "$b: sender" "$SD_LOG")" 0 "NOTIFY=FAILURE: no warning, no notice"
tap_is "$(grep -c "$c: sender" "$SD_LOG")" 0 "delivered at once: no notice"
f=$(notice "$a" "delivery status" "Successful Mail Delivery Report")
tap_ok "$([ -n "$f" ]; echo $?)" "the notice reached the sender's Maildir"
out=$(parse "$f")
printf '%s\n' "$out" | sed 's/^/# /'
grep -qxF "type: multipart/report delivery-status" <<<"$out"
tap_ok $? "multipart/report; report-type=delivery-status"
grep -qxF "To: <sender@example.org>" <<<"$out"
tap_ok $? "to the sender"
grep -qxF "X-Postfix-Queue-ID: $a" <<<"$out" && grep -qxF "Final-Recipient: rfc822; bob@remote.test" <<<"$out"
tap_ok $? "X-Postfix-Queue-ID and Final-Recipient"
grep -qxF "Action: relayed" <<<"$out" && grep -qxF "Status: 2.0.0" <<<"$out"
tap_ok $? "Action: relayed (a next hop without DSN), Status: 2.0.0"
grep -qxF "Remote-MTA: dns; 127.0.0.12" <<<"$out"
tap_ok $? "Remote-MTA: the peer"
sd_stop
tap_ok $? "posternd stops cleanly"

# 2. The default: the warning only.
h_daemon_stop sink 10
sd_start -o master_service_disable=
d=$(send "" "default setting")
h_wait_grep "$d: sender delay status notification" "$SD_LOG" 30
tap_ok $? "default: a delay warning for $d"
sink_start
h_wait_grep "$d: removed" "$SD_LOG" 30
tap_ok $? "default: delivered once the peer is back"
sleep 1
tap_is "$(count "$d" "delivery status")" 0 "default (confirm_delay_cleared = no): no notice at delivery"
sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || grep -v 'client=\|message-id=' "$SD_LOG" | tail -n 40 | sed 's/^/# posternd: /'
tap_done
