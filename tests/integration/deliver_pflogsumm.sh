#!/usr/bin/env bash
# deliver_pflogsumm.sh: posternd's log read by pflogsumm --syslog-name=postern
# gives the exact counts of a run with a known mix:
#   - 3 messages accepted by an SMTP peer (smtp-sink): delivered;
#   - 2 refused with a 4xx: deferred (one deferral each);
#   - 2 refused with a 5xx: bounced, each with a notification delivered
#     to the sender's Maildir (2 more delivered, not received);
#   - 2 recipients refused by smtpd_recipient_restrictions: rejected.
# The log's lines carry the tags of Postfix's daemons (postern/smtpd,
# postern/cleanup, postern/qmgr, postern/smtp, postern/bounce), each event
# under the tag pflogsumm expects.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"
PFLOGSUMM=$(command -v pflogsumm) || h_bail "pflogsumm not found: install the Debian package pflogsumm"

h_addr_add 127.0.0.12
h_addr_add 127.0.0.13
h_addr_add 127.0.0.14
h_daemon_start sinkok smtp-sink -u postfix 127.0.0.12:2526 20
h_daemon_start sink4 smtp-sink -u postfix -r rcpt 127.0.0.13:2526 20
h_daemon_start sink5 smtp-sink -u postfix -f rcpt 127.0.0.14:2526 20
for a in 12 13 14; do
	h_wait_port 127.0.0.$a 2526 || h_bail "smtp-sink on 127.0.0.$a did not start"
done

mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
BOX=$TEST_TMP/mail/sender
sd_init
cat >"$TEST_TMP/transport" <<T
ok@example.test	smtp:[127.0.0.12]:2526
soft@example.test	smtp:[127.0.0.13]:2526
hard@example.test	smtp:[127.0.0.14]:2526
example.org	maildir:$BOX
T
printf 'refused@example.test REJECT no such user\n' >"$TEST_TMP/access"
chmod 644 "$TEST_TMP/transport" "$TEST_TMP/access"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" "minimal_backoff_time = 300s" \
	"smtpd_recipient_restrictions = check_recipient_access texthash:$TEST_TMP/access, permit_mynetworks, reject"
sd_start -o master_service_disable=

# send RCPT: one message from sender@example.org; prints its queue id
# (nothing when refused).
send() {
	sd_swaks --from sender@example.org --to "$1" --header "Subject: to $1" 2>&1 |
		sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
}
ids=()
for r in ok ok ok soft soft hard hard; do
	id=$(send "$r@example.test")
	[ -n "$id" ] || h_bail "$r@example.test: not accepted"
	ids+=("$id")
done
for i in 1 2; do
	[ -z "$(send refused@example.test)" ]
	tap_ok $? "refused@example.test: refused at RCPT ($i)"
done
for i in 0 1 2 5 6; do
	h_wait_grep "${ids[$i]}: removed" "$SD_LOG" 30 || tap_ok 1 "${ids[$i]} was not removed"
done
for i in 3 4; do
	h_wait_grep "${ids[$i]}: to=<soft@example.test>.*status=deferred" "$SD_LOG" 30 ||
		tap_ok 1 "${ids[$i]} was not deferred"
done
h_wait_until 30 test "$(grep -c 'relay=maildir, .*status=sent' "$SD_LOG")" -ge 2
tap_ok $? "both notifications are delivered"
sd_stop
tap_ok $? "posternd stops cleanly"

# Each event under the tag of the Postfix daemon that logs it.
tag_of() { grep -E ": $1" "$SD_LOG" | sed -n 's/^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* [^ ]* \(postern\/[a-z]*\)\[[0-9]*\]: .*/\1/p' | sort -u | tr '\n' ' '; }
tap_is "$(tag_of "${ids[0]}: client=")" "postern/smtpd " "client= is logged by postern/smtpd"
tap_is "$(tag_of "${ids[0]}: message-id=")" "postern/cleanup " "message-id= is logged by postern/cleanup"
tap_is "$(tag_of "${ids[0]}: from=<sender@example.org>, size=[0-9]+, nrcpt=1 \(queue active\)")" \
	"postern/qmgr " "from= is logged by postern/qmgr"
tap_is "$(tag_of "${ids[0]}: to=<ok@example.test>, relay=127.0.0.12\[127.0.0.12\]:2526, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2.0.0, status=sent \(250 2.0.0 Ok")" \
	"postern/smtp " "to= is logged by postern/smtp in Postfix's form"
tap_is "$(tag_of "${ids[0]}: removed")" "postern/qmgr " "removed is logged by postern/qmgr"
tap_is "$(tag_of "${ids[5]}: sender non-delivery notification: ")" "postern/bounce " \
	"the notification is logged by postern/bounce"
tap_is "$(tag_of "NOQUEUE: reject: RCPT from ")" "postern/smtpd " "rejects are logged by postern/smtpd"

# The counts pflogsumm reports.
"$PFLOGSUMM" --syslog-name=postern "$SD_LOG" >"$TEST_TMP/summary" 2>&1
tap_ok $? "pflogsumm reads the log"
total() { sed -n "s/^ *\([0-9]*\)[kmKM]*  *$1.*/\1/p" "$TEST_TMP/summary" | head -n 1; }
tap_is "$(total received)" 7 "pflogsumm: 7 received"
tap_is "$(total delivered)" 5 "pflogsumm: 5 delivered (3 by the peer, 2 notifications)"
tap_is "$(total deferred)" 2 "pflogsumm: 2 deferred"
tap_is "$(sed -n 's/.*deferred *(\([0-9]*\) *deferrals).*/\1/p' "$TEST_TMP/summary")" 2 \
	"pflogsumm: 2 deferrals"
tap_is "$(total bounced)" 2 "pflogsumm: 2 bounced"
tap_is "$(total rejected)" 2 "pflogsumm: 2 rejected"
# bytes received: the sizes qmgr logged for the 7 received messages.
want=0
for id in "${ids[@]}"; do
	size=$(sed -n "s/.*: $id: from=<sender@example.org>, size=\([0-9]*\),.*/\1/p" "$SD_LOG" | head -n 1)
	want=$((want + size))
done
tap_is "$(total 'bytes received')" "$want" "pflogsumm: the bytes received are the sizes logged"
tap_is "$(total 'senders')" 1 "pflogsumm: one sender"
tap_is "$(total 'recipients')" 2 "pflogsumm: two recipients delivered to (ok@, the sender for the notifications)"
[ "$tap_failed" -eq 0 ] || {
	sed 's/^/# pflogsumm: /' "$TEST_TMP/summary" | head -n 40
	sed 's/^/# posternd: /' "$SD_LOG" | tail -n 60
}
tap_done
