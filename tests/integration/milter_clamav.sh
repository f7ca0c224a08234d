#!/usr/bin/env bash
# milter_clamav.sh: issue 5, acceptance 2: posternd with the real
# clamav-milter and clamd (Debian clamav-milter, clamav-daemon) as
# smtpd_milters. The test writes both configurations, with their own
# sockets and a DatabaseDirectory holding only the test signatures built by
# tests/data/av/make_samples.sh (the EICAR string as an .ndb signature; no
# freshclam, no network), and runs both daemons in the foreground. An
# EICAR attachment (base64 in MIME) is rejected with the text
# clamav-milter gives (OnInfected Reject, RejectMsg naming the virus), and
# without RejectMsg with the reply Postfix gives to a plain reject; a clean
# message is tagged X-Virus-Status: Clean and delivered to a Maildir.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"

command -v clamd >/dev/null || h_bail "clamd not found: install the Debian package clamav-daemon"
command -v clamav-milter >/dev/null || h_bail "clamav-milter not found: install the Debian package clamav-milter"

C=$TEST_TMP/clam
"$top_srcdir/tests/data/av/make_samples.sh" "$C" >"$TEST_TMP/samples.log" 2>&1 ||
	h_bail "cannot build the signature database and messages"
M=$C/msg

cat >"$C/clamd.conf" <<EOF
LocalSocket $C/clamd.sock
DatabaseDirectory $C/db
TemporaryDirectory $C
Foreground yes
LogFile $C/clamd.out
EOF
h_daemon_start clamd clamd -c "$C/clamd.conf"
# Loading signatures takes long on a busy machine: wait for the socket.
h_wait_until 60 test -S "$C/clamd.sock" || {
	sed 's/^/# /' "$C/clamd.out"
	h_bail "clamd did not open its socket"
}
grep -q '^Loaded 2 signatures' "$C/clamd.out"
tap_ok $? "clamd loaded the two test signatures and nothing else"

# clamav_milter NAME PORT [LINES...]: run clamav-milter on 127.0.0.1:PORT
# with OnInfected Reject and the extra configuration lines.
clamav_milter() {
	local name=$1 port=$2
	shift 2
	{
		printf '%s\n' "MilterSocket inet:$port@127.0.0.1" "ClamdSocket unix:$C/clamd.sock" \
			"Foreground yes" "OnInfected Reject" "OnFail Defer" "AddHeader Replace" \
			"LogFile $C/$name.out" "LogInfected Basic" "LogClean Basic" "$@"
	} >"$C/$name.conf"
	h_daemon_start "$name" clamav-milter -c "$C/$name.conf"
	h_wait_port 127.0.0.1 "$port" 30 || {
		sed 's/^/# /' "$C/$name.out" "$TEST_TMP/$name.log"
		h_bail "clamav-milter did not start"
	}
}
clamav_milter cmilter 8895 'RejectMsg Virus found: %v'
clamav_milter cmilter_plain 8896

mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
MD=$TEST_TMP/mail/box
printf 'rcpt@example.test\tmaildir:%s\n' "$MD" >"$TEST_TMP/transport"
chmod 644 "$TEST_TMP/transport"
sd_init
sd_conf "smtpd_milters = inet:127.0.0.1:8895" "milter_default_action = tempfail" \
	"transport_maps = texthash:$TEST_TMP/transport" "queue_run_delay = 1s"
# A second listener whose milter is the clamav-milter without RejectMsg.
sd_master "127.0.0.1:2525 inet n - n - - smtpd" \
	"127.0.0.1:2526 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8896"
sd_start -o master_service_disable=

# send FILE [PORT]: the swaks transcript of one message.
send() {
	swaks --server "127.0.0.1:${2:-2525}" --from sender@example.test --to rcpt@example.test \
		--data "$1" 2>&1
}
# final_reply TRANSCRIPT: the server's reply to the end of the message.
final_reply() { sed -n 's/^<\*\* //p; s/^<-  \(250 2.0.0 Ok: queued.*\)/\1/p' <<<"$1" | tail -n 1; }

# --- EICAR in a base64 attachment is rejected with the milter's text -----------
out=$(send "$M/eicar-b64.eml")
tap_is "$(final_reply "$out")" "550 5.7.1 Virus found: Postern.Test.EICAR.UNOFFICIAL" \
	"EICAR attached: 550 5.7.1 with clamav-milter's RejectMsg text"
h_wait_grep 'Postern.Test.EICAR.UNOFFICIAL' "$C/cmilter.out" 10
tap_ok $? "clamav-milter logged the infection"
grep -q ': milter-reject: END-OF-MESSAGE from localhost\[127.0.0.1\]: 5.7.1 Virus found: Postern.Test.EICAR.UNOFFICIAL; from=<sender@example.test> to=<rcpt@example.test> proto=ESMTP' \
	"$SD_LOG"
tap_ok $? "posternd logs the milter-reject as Postfix's cleanup does"

out=$(send "$M/eicar-b64.eml" 2526)
tap_is "$(final_reply "$out")" "550 5.7.1 Command rejected" \
	"without RejectMsg: Postfix's reply to a plain reject"

# --- a clean message is scanned, tagged and delivered ---------------------------
out=$(send "$M/clean.eml")
id=$(sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Z]*\).*/\1/p' <<<"$out")
tap_ok $([ -n "$id" ] && echo 0 || echo 1) "a clean message is accepted ($id)"
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "... and delivered"
f=$(grep -l 'Subject: A clean message' "$MD"/new/* 2>/dev/null | head -n 1)
tap_ok $([ -n "$f" ] && echo 0 || echo 1) "it is in the Maildir"
tap_is "$(grep -i '^X-Virus-Status:' "$f" | tr -d '\r')" "X-Virus-Status: Clean" \
	"clamav-milter's X-Virus-Status: Clean is in the delivered message"
grep -q '^X-Virus-Scanned: clamav-milter [0-9.]* at ' "$f"
tap_ok $? "... with its X-Virus-Scanned field"
tap_is "$(sed '1,/^$/d' "$f")" "$(sed '1,/^$/d' "$M/clean.eml")" "the body is delivered as sent"
tap_is "$(find "$MD/new" -type f | wc -l)" 1 "only the clean message was delivered"

sd_stop
tap_is $? 0 "posternd stops cleanly"
h_daemon_stop cmilter 10
h_daemon_stop cmilter_plain 10
h_daemon_stop clamd 10
tap_done
