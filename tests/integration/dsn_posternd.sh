#!/usr/bin/env bash
# dsn_posternd.sh: posternd's own delivery status notifications through
# non_smtpd_milters with internal_mail_filter_classes = bounce, the test
# of dsn_postfix.sh with posternd in Postfix's place. posternd at the edge
# of a site (mx1.corp.internal) relays mail for example.test to an internal
# mailbox server (127.0.0.41) that refuses it with a diagnostic full of
# internal details; posternd bounces it to the outside sender, and the
# notification goes through postern-dsn before it leaves:
#   - the notification goes to maildrop/ and the pickup queues it under a
#     further id, without the headers of a local submission;
#   - what reaches the outside holds none of the internal names of the
#     filter table and is still a valid multipart/report;
#   - without internal_mail_filter_classes the milter never sees it;
#   - an unknown class is a configuration error.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

. "$top_srcdir/tests/data/dsn/lib.sh"
dsn_site_start

sd_init
sd_conf 'myhostname = mx1.corp.internal' 'relay_domains = example.test' \
	'transport_maps = inline:{ { example.test = smtp:[127.0.0.41]:25 } }' \
	'relayhost = [127.0.0.40]:2526' 'non_smtpd_milters = inet:127.0.0.1:8896' \
	'milter_default_action = tempfail'

out=$(timeout 20 "$SD_POSTERND" -f -c "$SD_CONF" -o internal_mail_filter_classes=bounce,mail 2>&1)
tap_ok "$([ $? -ne 0 ] && [[ $out == *'internal_mail_filter_classes: unknown class "mail"'* ]]; echo $?)" \
	"an unknown class is refused: ${out##*: }"

# send SUBJECT: a message from outside that bounces; prints the queue id.
send() {
	swaks -s 127.0.0.1:2525 -h client.example.test -f alice@elsewhere.test -t bob@example.test \
		--header "Subject: $1" --body "Hello Bob." 2>&1 |
		sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
}
# notice ID: the id of the notification posternd wrote for message ID.
notice() {
	h_wait_grep "$1: sender non-delivery notification" "$SD_LOG" 30 &&
		sed -n "s/.*$1: sender non-delivery notification: //p" "$SD_LOG"
}
# outside SUBJECT: the file the outside sink got with that returned subject.
outside() {
	h_wait_until 20 sh -c 'grep -qs "Subject: $0" "$1"/outside/*' "$1" "$W" &&
		grep -l "Subject: $1" "$W"/outside/* | head -n 1
}

# --- with internal_mail_filter_classes = bounce -------------------------------
sd_start -o master_service_disable= -o internal_mail_filter_classes=bounce
id=$(send "filtered")
nid=$(notice "$id")
tap_ok "$([ -n "$nid" ]; echo $?)" "the message bounces: notification $nid"
h_wait_grep ": internal bounce notification $nid" "$SD_LOG" 30
tap_ok $? "the pickup takes the notification from maildrop/"
qid=$(sed -n "s/.*: \([0-9A-Za-z]*\): internal bounce notification $nid.*/\1/p" "$SD_LOG")
h_wait_grep "$qid: from=<>, size=[0-9]*, nrcpt=1 \(queue active\)" "$SD_LOG" 30
tap_ok $? "and queues it from the null sender ($qid)"
h_wait_grep "$qid: to=<alice@elsewhere.test>, relay=127.0.0.40.*status=sent" "$SD_LOG" 30
tap_ok $? "the notification is sent to the outside sender"
grep -q "outcome=rewritten" "$TEST_TMP/dsn.log"
tap_ok $? "postern-dsn rewrote it"
raw=$(outside filtered) || h_bail "no notification reached the outside"
# What the outside sees, without the lines the sink adds about its session.
f=$W/filtered.eml
/usr/bin/python3 "$DSN_DATA/sink_message.py" "$raw" >"$f"
leaks=$(grep -nE "$DSN_INTERNAL" "$f")
tap_is "$leaks" "" "none of the internal names of the table remains"
grep -q 'Diagnostic-Code: smtp; 550 5.1.1' "$f"
tap_ok $? "the diagnostic keeps what the sender needs (550 5.1.1)"
tap_is "$(grep -c 'from userid' "$f")" 0 "no Received header of a local submission"
/usr/bin/python3 - "$f" <<'PY'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert msg.get_content_type() == "multipart/report", msg.get_content_type()
assert msg.get_param("report-type") == "delivery-status"
parts = msg.get_payload()
assert [p.get_content_type() for p in parts] == \
    ["text/plain", "message/delivery-status", "message/rfc822"], parts
status = parts[1].get_payload()
assert status[1]["Action"] == "failed" and status[1]["Status"] == "5.1.1", status
assert not [d for p in msg.walk() for d in p.defects]
PY
tap_ok $? "the result is still a valid multipart/report (Python's email parser)"
sd_stop

# --- without it, the milter never sees the notification ----------------------
before=$(grep -c "outcome=" "$TEST_TMP/dsn.log")
sd_start -o master_service_disable=
id=$(send "unfiltered")
nid=$(notice "$id")
h_wait_grep "$nid: to=<alice@elsewhere.test>, relay=127.0.0.40.*status=sent" "$SD_LOG" 30
tap_ok $? "without the class the notification is queued and sent as it is ($nid)"
f=$(outside unfiltered) || h_bail "no unfiltered notification reached the outside"
grep -q '127\.0\.0\.41' "$f"
tap_ok $? "with the internal names in it"
tap_is "$(grep -c "outcome=" "$TEST_TMP/dsn.log")" "$before" "postern-dsn saw nothing"
sd_stop
h_daemon_stop dsn
tap_done
