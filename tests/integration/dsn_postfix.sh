#!/usr/bin/env bash
# dsn_postfix.sh: acceptance 3 of postern-dsn. A real Postfix 3.7 at the
# edge of a site (mx1.corp.internal) relays mail for example.test to an
# internal mailbox server (mbox.corp.internal, 127.0.0.41) that refuses
# it with a diagnostic full of internal details; Postfix bounces it to the
# outside sender, and the bounce goes through postern-dsn (Postfix's
# non_smtpd_milters with internal_mail_filter_classes = bounce; the
# Received header Postfix itself puts on the bounce never reaches a milter,
# so its header_checks drop that one, as the manual page advises). The DSN
# that reaches the outside must hold none of the internal names of the
# filter table, lose the internal Received headers of the returned
# message, and still be a valid multipart/report (Python's email parser).
# Backscatter control refuses null-sender mail to listed recipients.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
h_dns_start

drive=$top_builddir/tests/tools/milter-drive
. "$top_srcdir/tests/data/dsn/lib.sh"
dsn_site_start "backscatter_recipients = texthash:$W/backscatter"

pfx_init mx1 127.0.0.10:25
pfx_conf mx1 'myhostname = mx1.corp.internal' 'relay_domains = example.test' \
	'transport_maps = inline:{ { example.test = smtp:[127.0.0.41]:25 } }' \
	'relayhost = [127.0.0.40]:2526' 'non_smtpd_milters = inet:127.0.0.1:8896' \
	'internal_mail_filter_classes = bounce' 'milter_default_action = tempfail' \
	'header_checks = pcre:{ {/^Received: by mx1\.corp\.internal \(Postfix\)/ IGNORE} }'
pfx_start mx1 || h_bail "postfix did not start"

# --- a message from outside that bounces ------------------------------------------
cat >"$W/msg.eml" <<'EOF'
From: Alice <alice@elsewhere.test>
To: bob@example.test
Subject: hello Bob
Date: Mon, 02 Nov 2026 10:00:00 +0000
Message-ID: <hello-bob@elsewhere.test>

Hello Bob.
EOF
swaks -s 127.0.0.10:25 -h client.example.test -f alice@elsewhere.test -t bob@example.test \
	--data "$W/msg.eml" >"$W/swaks.log" 2>&1
tap_ok $? "the message is accepted at the edge"
pfx_wait_log mx1 'status=bounced' 20
tap_ok $? "the mailbox server refuses it and Postfix bounces it"
grep 'status=bounced' "$(pfx_log mx1)" | grep -qE "$DSN_INTERNAL"
tap_ok $? "the bounce reason Postfix writes into the DSN names internal things"
pfx_wait_log mx1 'to=<alice@elsewhere.test>.*status=sent' 20
tap_ok $? "the DSN is sent to the outside sender"
dsn_file=$(grep -l 'multipart/report' "$W"/outside/* 2>/dev/null | head -1)
[ -n "$dsn_file" ] || h_bail "no DSN reached the outside"

# What the outside sees, without the lines the sink adds about its own
# session.
/usr/bin/python3 "$DSN_DATA/sink_message.py" "$dsn_file" >"$W/dsn.eml"
leaks=$(grep -nE "$DSN_INTERNAL" "$W/dsn.eml")
tap_is "$leaks" "" "none of the internal names of the table remains in the DSN"
grep -q 'Diagnostic-Code: smtp; 550 5.1.1' "$W/dsn.eml"
tap_ok $? "the diagnostic keeps what the sender needs (550 5.1.1)"
grep -q '\[internal host\]' "$W/dsn.eml"
tap_ok $? "the internal host names were replaced, not cut blindly"
/usr/bin/python3 - "$W/dsn.eml" <<'PY'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
assert msg.get_content_type() == "multipart/report", msg.get_content_type()
assert msg.get_param("report-type") == "delivery-status"
parts = msg.get_payload()
assert [p.get_content_type() for p in parts[:2]] == ["text/plain", "message/delivery-status"], \
    [p.get_content_type() for p in parts]
status = parts[1].get_payload()
assert status[1]["Action"] == "failed" and status[1]["Status"].startswith("5."), status
assert not [d for p in msg.walk() for d in p.defects], [d for p in msg.walk() for d in p.defects]
returned = parts[2]
assert returned.get_content_type() in ("message/rfc822", "text/rfc822-headers")
PY
tap_ok $? "the result is still a valid multipart/report (Python's email parser)"
grep -q 'hello-bob@elsewhere.test' "$W/dsn.eml"
tap_ok $? "the returned message is still there"
grep -q 'received_removed=[1-9]' "$TEST_TMP/dsn.log"
tap_ok $? "postern-dsn removed the internal Received header of the returned message"

# --- backscatter control ---------------------------------------------------------
printf 'Subject: bounce\n\nbody\n' >"$W/null.eml"
out=$("$drive" -f '' -r victim@example.test inet:127.0.0.1:8896 "$W/null.eml")
[[ $out == *"rcpt REPLYCODE 550 5.7.1"* ]]
tap_ok $? "null-sender mail to a listed recipient is refused at RCPT: ${out%%$'\n'*}"
out=$("$drive" -f 'someone@example.test' -r victim@example.test inet:127.0.0.1:8896 \
	"$W/null.eml")
[[ $out != *REPLYCODE* ]]
tap_ok $? "mail with a sender to the same recipient passes"

pfx_stop mx1
h_daemon_stop dsn
tap_is $? 0 "postern-dsn stops cleanly"
tap_done
