#!/usr/bin/env bash
# sendmail_inject.sh: postern sendmail (issue 4, "postern verbs"; issue 5,
# non_smtpd_milters): mail injected on the command line reaches a maildir
# through posternd's pickup:
#   - -f and argument recipients; the body byte for byte; a "." line ends
#     the message without -i and is kept with -i (and -oi);
#   - -t: recipients from To:, Cc: and Bcc:; Bcc: removed (also without
#     -t, as Postfix does);
#   - -bs: an SMTP conversation on stdin and stdout, dot-unstuffed;
#   - while posternd is stopped the message waits in maildrop/ and is
#     delivered when posternd starts;
#   - -N, -R and -V reach the queue file as NOTIFY, RET and ENVID;
#   - exit statuses: no recipient 64 (EX_USAGE), a bad option 64;
#   - a milter's quarantine puts the message on hold, where it stays
#     undelivered until postern release; a reject returns it to the
#     sender (a non-delivery notification);
#   - non_smtpd_milters: the script milter adds a header to sendmail mail
#     and not to SMTP mail (smtpd_milters is empty); the milter sees the
#     same stages and macros as under a real Postfix 3.7 with the same
#     non_smtpd_milters, and the headers Postfix's sendmail path adds
#     (Received "by ... from userid", Message-Id, Date, From) come in the
#     same order with the same form.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
PT="$top_builddir/relay/postern"
SM=$top_builddir/tests/milters/script-milter

printf '%s\n' 'eom addheader X-Script-Milter added' >"$TEST_TMP/script"
h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/sd.mlog"
h_daemon_start sm_pf "$SM" -p inet:8901@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/pf.mlog"
h_wait_port 127.0.0.1 8901 && h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not start"

sd_init
mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
MD=$TEST_TMP/mail/box
printf 'example.test\tmaildir:%s\n' "$MD" >"$TEST_TMP/transport"
chmod 644 "$TEST_TMP/transport"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" 'non_smtpd_milters = inet:127.0.0.1:8902' \
	'milter_default_action = tempfail'
sd_start -o master_service_disable=
pt() { "$PT" -c "$SD_CONF" "$@"; }

# delivered SUBJECT: the maildir file with that subject (waits for it).
delivered() {
	local f
	h_wait_until 20 eval "grep -lq -- 'Subject: $1' '$MD'/new/* 2>/dev/null"
	f=$(grep -l -- "Subject: $1" "$MD"/new/* 2>/dev/null | head -n 1)
	echo "$f"
}
body_of() { sed '1,/^$/d' "$1"; }
headers_of() { sed '/^$/q' "$1" | sed '$d'; }

# 1. -f, argument recipients, the "." line without -i.
printf 'Subject: plain\n\nfirst line\n..two dots\n.\nafter the dot\n' >"$TEST_TMP/m1"
pt sendmail -f alice@example.org bob@example.test <"$TEST_TMP/m1"
tap_is "$?" 0 "sendmail exits 0"
f=$(delivered plain)
tap_ok "$([ -n "$f" ]; echo $?)" "delivered into the maildir"
tap_is "$(body_of "$f" | od -c | head -c 2000)" "$(printf 'first line\n..two dots\n' | od -c)" \
	"without -i a line with a single dot ends the message (no unstuffing)"
tap_is "$(sed -n 's/^Return-Path: //p' "$f")" "<alice@example.org>" "-f sets the envelope sender"
tap_is "$(grep -c '^X-Script-Milter: added' "$f")" 1 "non_smtpd_milters applied to sendmail mail"
grep -q "^Received: by mx.example.test (Postfix, from userid 0)" "$f"
tap_ok $? "the Received header of a local submission"
grep -q '^From: root <alice@example.org>$\|^From: alice@example.org$' "$f"
tap_ok $? "a From: header is added from the envelope sender"

grep -q ": uid=0 from=<alice@example.org>" "$SD_LOG" &&
	grep -q ": from=<alice@example.org>, size=[0-9]*, nrcpt=1 (queue active)" "$SD_LOG"
tap_ok $? "pickup's log lines: uid= from=, then from=, size=, nrcpt="

# 2. -i and -oi keep the dot line; bytes with CRLF input too.
printf 'Subject: dots\r\n\r\nline one\r\n.\r\n..\r\n\ttab line \r\nlast line, no newline' >"$TEST_TMP/m2"
pt sendmail -i -f alice@example.org bob@example.test <"$TEST_TMP/m2"
f=$(delivered dots)
tap_is "$(body_of "$f" | od -c)" "$(printf 'line one\n.\n..\n\ttab line \nlast line, no newline\n' | od -c)" \
	"-i: the dot lines are kept, the body is byte for byte (the last line ended)"
printf 'Subject: oi\n\nx\n.\ny\n' | pt sendmail -oi bob@example.test
f=$(delivered oi)
tap_is "$(body_of "$f" | tr '\n' ' ')" "x . y " "-oi is -i"
tap_is "$(sed -n 's/^Return-Path: //p' "$f")" "<root@mx.example.test>" \
	"without -f the sender is the login name @myorigin"

# 3. -t with To, Cc, Bcc; Bcc removed.
printf 'To: Bob <bob@example.test>, "Carol, C." <carol@example.test>\nCc: dave@example.test (Dave)\nBcc: erin@example.test\nSubject: extract\n\nbody\n' |
	pt sendmail -t -f alice@example.org
tap_is "$?" 0 "-t exits 0"
h_wait_until 20 eval "[ \$(grep -l 'Subject: extract' '$MD'/new/* 2>/dev/null | wc -l) -ge 4 ]"
tap_is "$(grep -h '^Delivered-To:' $(grep -l 'Subject: extract' "$MD"/new/*) | sort | tr '\n' ' ')" \
	"Delivered-To: bob@example.test Delivered-To: carol@example.test Delivered-To: dave@example.test Delivered-To: erin@example.test " \
	"-t: each To, Cc and Bcc address is a recipient"
tap_is "$(grep -l '^Bcc:' $(grep -l 'Subject: extract' "$MD"/new/*) | wc -l)" 0 "-t: Bcc: is removed"

# 4. -bs.
printf 'EHLO me\r\nMAIL FROM:<frank@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smtp\r\n\r\n..dotted\r\nend\r\n.\r\nQUIT\r\n' |
	pt sendmail -bs >"$TEST_TMP/bs.out"
tap_is "$?" 0 "-bs exits 0"
tap_is "$(tr -d '\r' <"$TEST_TMP/bs.out" | sed 's/queued as [0-9A-Z]*/queued as ID/' | tr '\n' '|')" \
	"220 mx.example.test ESMTP Postern|250-mx.example.test|250-PIPELINING|250-8BITMIME|250 ENHANCEDSTATUSCODES|250 2.1.0 Ok|250 2.1.5 Ok|354 End data with <CR><LF>.<CR><LF>|250 2.0.0 Ok: queued as ID|221 2.0.0 Bye|" \
	"-bs: the SMTP replies"
f=$(delivered smtp)
tap_is "$(body_of "$f" | tr '\n' '|')" ".dotted|end|" "-bs: dot-unstuffed"
tap_is "$(sed -n 's/^Return-Path: //p' "$f")" "<frank@example.org>" "-bs: MAIL FROM is the sender"

# 5. SMTP mail does not go through non_smtpd_milters.
swaks --server 127.0.0.1:2525 --from alice@example.org --to bob@example.test \
	--header 'Subject: via smtp' --body 'smtp body' >/dev/null 2>&1
f=$(delivered 'via smtp')
tap_ok "$([ -n "$f" ] && ! grep -q '^X-Script-Milter' "$f"; echo $?)" \
	"SMTP mail is not given to non_smtpd_milters"

# 6. Run as "sendmail" (a link), configuration from MAIL_CONFIG.
ln -sf "$(cd "$(dirname "$PT")" && pwd)/postern" "$TEST_TMP/sendmail"
printf 'Subject: by link\n\nlink body\n' | MAIL_CONFIG=$SD_CONF "$TEST_TMP/sendmail" -oi -f alice@example.org bob@example.test
tap_is "$?" 0 "run as sendmail, it takes sendmail's options"
f=$(delivered 'by link')
tap_ok "$([ -n "$f" ]; echo $?)" "and the message is delivered"

# 7. Exit statuses.
printf 'Subject: none\n\nx\n' | pt sendmail -f alice@example.org 2>/dev/null
tap_is "$?" 64 "no recipient: EX_USAGE"
pt sendmail -X bob@example.test </dev/null 2>/dev/null
tap_is "$?" 64 "an unknown option: EX_USAGE"

# 8. A milter's quarantine puts sendmail mail on hold; release delivers it.
h_daemon_stop sm_sd 5
printf '%s\n' 'eom quarantine held by the test' >"$TEST_TMP/script.q"
h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script.q" -l "$TEST_TMP/sd.mlog"
h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not restart"
printf 'Subject: quarantined\n\nheld body\n' |
	pt sendmail -N success,delay -R hdrs -V env-17 -f alice@example.org bob@example.test
h_wait_until 20 eval "[ -n \"\$(ls '$SD_QUEUE/hold')\" ]"
tap_ok $? "a milter's quarantine puts the message in hold/"
qid=$(ls "$SD_QUEUE/hold" | head -n 1)
pt queue | grep -q "^$qid! .* alice@example.org\$"
tap_ok $? "postern queue shows it held ($qid!)"
pt queue | grep -q '^ *(held by inet:127.0.0.1:8902: held by the test)$'
tap_ok $? "with the milter and its reason as the reason line"
tap_is "$(pt queue --json | /usr/bin/python3 -c 'import json,sys; o=json.loads(sys.stdin.readline()); print(o["queue_name"], o["hold_filter"], o["hold_reason"])')" \
	"hold inet:127.0.0.1:8902 held by the test" "--json: hold_reason and hold_filter"
grep -q "$qid: milter-hold: END-OF-MESSAGE from localhost\[127.0.0.1\]: held by the test" "$SD_LOG"
tap_ok $? "the hold is logged with the milter's reason"
env=$(sd_queue envelope "$qid")
tap_ok "$(grep -qx 'ret=HDRS' <<<"$env" && grep -qx 'envid=env-17' <<<"$env" &&
	grep -qx 'rcpt=bob@example.test - 10' <<<"$env"; echo $?)" \
	"-N success,delay, -R hdrs and -V envid are in the queue file (NOTIFY bits 2|8)"
[ -n "$(grep -x 'ret=HDRS' <<<"$env")" ] || sed 's/^/# envelope: /' <<<"$env"
sleep 1
tap_is "$(grep -l 'Subject: quarantined' "$MD"/new/* 2>/dev/null | wc -l)" 0 "held mail is not delivered"
pt release "$qid" 2>/dev/null
f=$(delivered quarantined)
tap_ok "$([ -n "$f" ]; echo $?)" "released, it is delivered"

# 9. A milter's reject returns sendmail mail to its sender, as Postfix's
# pickup does.
h_daemon_stop sm_sd 5
printf '%s\n' 'eom replycode 550 5.7.2 no such content here' >"$TEST_TMP/script.r"
h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script.r" -l "$TEST_TMP/sd.mlog"
h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not restart"
printf 'Subject: rejected one\n\nrejected body\n' | pt sendmail -f carol@example.test bob@example.test
h_wait_until 20 eval "grep -lq 'no such content here' '$MD'/new/* 2>/dev/null"
tap_ok $? "a milter's reject: a non-delivery notification reaches the sender"
f=$(grep -l 'no such content here' "$MD"/new/* 2>/dev/null | head -n 1)
tap_ok "$(grep -q '^Delivered-To: carol@example.test$' "$f" && grep -q '^Status: 5.7.2$' "$f" &&
	grep -q '^Final-Recipient: rfc822; *bob@example.test$' "$f"; echo $?)" \
	"... to carol, with Status 5.7.2 for bob"
tap_is "$(grep -l '^Delivered-To: bob@example.test' $(grep -l 'Subject: rejected one' "$MD"/new/*) 2>/dev/null | wc -l)" 0 \
	"the rejected message is not delivered"
tap_is "$(find "$SD_QUEUE/maildrop" -type f | wc -l)" 0 "and leaves maildrop/"
h_daemon_stop sm_sd 5
h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/sd.mlog"
h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not restart"

# 10. posternd stopped: the message waits in maildrop/ and goes out at start.
sd_stop
printf 'Subject: while down\n\nqueued while posternd was down\n' | pt sendmail -f alice@example.org bob@example.test
tap_is "$?" 0 "sendmail works while posternd is stopped"
tap_is "$(find "$SD_QUEUE/maildrop" -type f | wc -l)" 1 "the message waits in maildrop/"
tap_is "$(pt queue --json | /usr/bin/python3 -c 'import json,sys; o=json.loads(sys.stdin.readline()); print(o["queue_name"], o["sender"], o["recipients"][0]["address"])')" \
	"maildrop alice@example.org bob@example.test" "postern queue lists it in the maildrop queue, as postqueue does"
sd_start -o master_service_disable=
f=$(delivered 'while down')
tap_ok "$([ -n "$f" ]; echo $?)" "delivered after posternd started"
tap_is "$(body_of "$f")" "queued while posternd was down" "with its body"
tap_is "$(find "$SD_QUEUE/maildrop" -type f | wc -l)" 0 "maildrop/ is empty again"

# 11. Compared with Postfix's sendmail and non_smtpd_milters.
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'non_smtpd_milters = inet:127.0.0.1:8901' 'milter_default_action = tempfail' \
	'master_service_disable = qmgr/unix'
pfx_start pf || h_bail "postfix did not start"
: >"$TEST_TMP/sd.mlog"
: >"$TEST_TMP/pf.mlog"
printf 'To: bob@example.test\nBcc: hidden@example.test\nSubject: compare\n\nsame body\n' >"$TEST_TMP/m8"
sendmail -C "$PFX_DIR/etc" -f alice@example.org bob@example.test <"$TEST_TMP/m8"
tap_is "$?" 0 "Postfix's sendmail exits 0"
pt sendmail -f alice@example.org bob@example.test <"$TEST_TMP/m8"
f=$(delivered compare)
h_wait_until 20 eval "postqueue -c '$PFX_DIR/etc' -j | grep -q '\"queue_name\": \"incoming\"'"
pf_id=$(postqueue -c "$PFX_DIR/etc" -j | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["queue_id"])')
postcat -c "$PFX_DIR/etc" -h -q "$pf_id" 2>"$TEST_TMP/postcat.err" >"$TEST_TMP/pf.h"
[ -s "$TEST_TMP/pf.h" ] || sed 's/^/# postcat: /' "$TEST_TMP/postcat.err"
# The maildir delivery adds Return-Path, Delivered-To and X-Original-To.
headers_of "$f" | grep -v '^Return-Path:\|^Delivered-To:\|^X-Original-To:' >"$TEST_TMP/sd.h"
# Mask what differs by nature: host names, ids, times.
mask() {
	sed -e 's/pf\.example\.test/HOST/g; s/mx\.example\.test/HOST/g' \
		-e 's/id [0-9A-Za-z]*;/id ID;/' \
		-e 's/[A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] [0-9]\{4\} [0-9:]\{8\} [-+][0-9]\{4\} ([A-Z]*)/DATE/' \
		-e 's/<[0-9]\{14\}\.[0-9A-Za-z]*@HOST>/<STAMP.ID@HOST>/'
}
mask <"$TEST_TMP/pf.h" >"$TEST_TMP/pf.hm"
mask <"$TEST_TMP/sd.h" >"$TEST_TMP/sd.hm"
diff -u "$TEST_TMP/pf.hm" "$TEST_TMP/sd.hm" >"$TEST_TMP/h.diff" && grep -q '^X-Script-Milter' "$TEST_TMP/pf.hm"
rc=$?
tap_ok $rc "the same headers as Postfix's sendmail with non_smtpd_milters (hosts, ids, dates masked)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TEST_TMP/h.diff"
# The milter's view: stages and macros, queue ids and hosts masked.
mlog_mask() { sed -e 's/[0-9A-Z]\{10,\}/ID/g; s/pf\.example\.test/HOST/g; s/mx\.example\.test/HOST/g' "$1" |
	grep -v '^negotiate\|^header\|^eoh\|^body\|^eom\|^close\|^abort'; }
mlog_mask "$TEST_TMP/pf.mlog" >"$TEST_TMP/pf.mlm"
mlog_mask "$TEST_TMP/sd.mlog" >"$TEST_TMP/sd.mlm"
diff -u "$TEST_TMP/pf.mlm" "$TEST_TMP/sd.mlm" >"$TEST_TMP/m.diff" && grep -q '^connect localhost' "$TEST_TMP/pf.mlm"
rc=$?
tap_ok $rc "the milter sees the same stages and macros as under Postfix"
[ $rc -eq 0 ] || sed 's/^/# /' "$TEST_TMP/m.diff"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from' | tail -n 30
tap_done
