#!/usr/bin/env bash
# smtpd_limits.sh: posternd's limits and protocol replies compared with a
# real Postfix 3.7 (issue 3, acceptance 6 for the limits). posternd and a
# private Postfix instance get the same master.cf listeners with the same
# -o overrides (posternd on 127.0.0.1:25NN, Postfix on 127.0.0.1:26NN) and
# the same sessions, byte for byte; the replies must be the same (queue ids
# and EHLO keyword lists aside), except where a difference is a documented
# decision ("differs" below, each with ours checked exactly):
#   smtpd_recipient_limit, message_size_limit (SIZE= and actual),
#   smtpd_timeout, smtpd_soft/hard_error_limit with smtpd_error_sleep_time,
#   smtpd_junk_command_limit, smtpd_client_connection_count_limit,
#   smtpd_client_connection_rate_limit, smtpd_client_message_rate_limit,
#   smtpd_client_recipient_rate_limit, smtpd_client_event_limit_exceptions,
#   soft_bounce, smtpd_helo_required, command sequence and syntax errors,
#   smtpd_forbidden_commands, the session limit (master.cf maxproc) and
#   smtpd_discard_ehlo_keywords, header_size_limit (differs: Postfix
#   truncates, we refuse).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=150
h_netns_enter "$@"

common=('myhostname = mx.example.test' 'smtpd_banner = $myhostname ESMTP'
	'smtpd_client_event_limit_exceptions =' 'smtpd_error_sleep_time = 0')
# NN overrides...: the listeners, the same for both servers.
listeners=(
	'00'
	'01 -o smtpd_recipient_limit=2'
	'02 -o message_size_limit=1000'
	'03 -o smtpd_timeout=2s'
	'04 -o smtpd_soft_error_limit=2 -o smtpd_hard_error_limit=4 -o smtpd_error_sleep_time=1s'
	'05 -o smtpd_client_connection_count_limit=2'
	'06 -o smtpd_client_connection_rate_limit=2'
	'07 -o smtpd_client_message_rate_limit=2'
	'08 -o smtpd_client_recipient_rate_limit=2'
	'09 -o smtpd_client_connection_count_limit=1 -o smtpd_client_event_limit_exceptions=127.0.0.0/8'
	'10 -o smtpd_junk_command_limit=2 -o smtpd_hard_error_limit=3'
	'11 -o soft_bounce=yes'
	'12 -o smtpd_helo_required=yes'
	'13 -o header_size_limit=1000'
	'14 -o smtpd_discard_ehlo_keywords=pipelining,size,dsn,8bitmime,silent-discard'
)

sd_init
sd_conf "${common[@]}"
pfx_init pfx 127.0.0.1:2600
pfx_conf pfx "${common[@]}" 'default_transport = discard' 'smtpd_forbid_bare_newline = normalize'
ours=() theirs=()
for l in "${listeners[@]}"; do
	nn=${l%% *}
	opts=${l#"$nn"}
	ours+=("127.0.0.1:25$nn inet n - n - - smtpd$opts")
	pfx_master pfx "127.0.0.1:26$nn inet n - n - - smtpd$opts"
done
sd_master "${ours[@]}" '127.0.0.1:2599 inet n - n - 1 smtpd'
sd_start
pfx_start pfx || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 2614 || h_bail "Postfix does not listen"

# norm: what may differ without meaning anything (queue ids, the EHLO
# keywords: we offer no ETRN or CHUNKING).
norm() { sed -e 's/queued as [0-9A-Za-z]*/queued as ID/' -e '/^250-/d' -e '/^250 [A-Z]/d'; }

# compare NAME NN SCRIPT [EXPECTED-DIFFERENCE]: the same session against
# both, at once (they share nothing, and the timeouts overlap); with
# EXPECTED-DIFFERENCE, ours must be exactly that instead.
compare() {
	local name=$1 nn=$2 script=$3 ours theirs pid
	sd_chat "25$nn" <<<"$script" | norm >"$TEST_TMP/ours" &
	pid=$!
	theirs=$(sd_chat "26$nn" <<<"$script" | norm)
	wait "$pid"
	ours=$(<"$TEST_TMP/ours")
	if [ $# -gt 3 ]; then
		tap_is "$ours" "$4" "$name: ours (differs from Postfix on purpose)"
		[ "$ours" != "$theirs" ]
		tap_ok $? "$name: and Postfix does differ"
		[ "$ours" = "$theirs" ] || printf '# Postfix: %s\n' "${theirs//$'\n'/ | }"
	else
		tap_is "$ours" "$theirs" "$name: the same replies as Postfix"
	fi
}

M='S EHLO client.example\r\n
R
S MAIL FROM:<s@example.net>\r\n
R'

compare "protocol: sequence and syntax errors" 00 'R
S RCPT TO:<r@example.org>\r\nDATA\r\nMAIL FROM:<s@example.net>\r\n
R 3
S HELO\r\nEHLO\r\nHELO client.example\r\nMAIL FROM:<s@example.net>\r\nMAIL FROM:<s@example.net>\r\nDATA\r\n
R 6
S RSET x\r\nRSET\r\nDATA x\r\nNOOP\r\nVRFY\r\nVRFY someone\r\nFOO bar\r\nQUIT\r\n
E'
compare "protocol: a forbidden command" 00 'R
S GET / HTTP/1.0\r\n
E'
compare "protocol: a header sent as a command" 00 'R
S Subject: hello\r\n
E'
compare "smtpd_helo_required" 12 'R
S MAIL FROM:<s@example.net>\r\nHELO c\r\nMAIL FROM:<s@example.net>\r\nQUIT\r\n
E'
compare "smtpd_recipient_limit" 01 "R
$M
S RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n
R 4
S Subject: x\r\n\r\nx\r\n.\r\nQUIT\r\n
E"
compare "message_size_limit: SIZE=" 02 'R
S EHLO client.example\r\n
R
S MAIL FROM:<s@example.net> SIZE=1001\r\nMAIL FROM:<s@example.net> SIZE=1000\r\nQUIT\r\n
E'
big=$(printf 'x%.0s' $(seq 1 80))
body=$(for _ in $(seq 1 20); do printf '%s\\r\\n' "$big"; done)
compare "message_size_limit: the actual size" 02 "R
$M
S RCPT TO:<a@example.org>\r\nDATA\r\n
R 2
S Subject: big\r\n\r\n$body.\r\nRSET\r\nQUIT\r\n
E"
compare "smtpd_timeout" 03 'R
P 3
E'
errors='R
S FOO\r\nFOO\r\nFOO\r\nFOO\r\nNOOP\r\n
E'
compare "error limits: soft limit, sleep and hard limit" 04 "$errors"
# Once the client has made smtpd_soft_error_limit (2) errors, each reply
# waits smtpd_error_sleep_time (1 s): the 3rd and 4th error and the 421.
for side in 25 26; do
	t0=$(h_now_us)
	sd_chat "${side}04" <<<"$errors" >/dev/null
	ms=$((($(h_now_us) - t0) / 1000))
	# The lower bound is the point; the upper one only catches a sleep on
	# every reply (a loaded machine stretches the time, so it is generous).
	[ "$ms" -ge 2900 ] && [ "$ms" -lt 9000 ]
	tap_ok $? "error limits: port ${side}04 delays three replies by 1 s (${ms} ms)"
done
compare "smtpd_junk_command_limit" 10 'R
S NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n
E'
compare "smtpd_client_message_rate_limit" 07 "R
$M
S RSET\r\nMAIL FROM:<s@example.net>\r\nRSET\r\nMAIL FROM:<s@example.net>\r\nQUIT\r\n
E"
compare "smtpd_client_recipient_rate_limit" 08 "R
$M
S RCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nQUIT\r\n
E"
compare "soft_bounce: permanent replies become temporary" 11 "R
$M
S RCPT TO:<a@example.org> FOO=bar\r\nFOO\r\nQUIT\r\n
E"

# Connection limits: two held connections, then a third.
holders=()
hold() { # PORT SECONDS
	printf 'R\nP %s\nS QUIT\\r\\n\nE\n' "$2" | sd_chat "$1" >/dev/null &
	holders+=($!)
}
# release: wait for the holders (not for the daemons, also our children).
release() {
	wait "${holders[@]}"
	holders=()
}
conn_case() { # NAME NN
	local out ours theirs
	for side in 25 26; do
		hold "$side$2" 2
		hold "$side$2" 2
		sleep 0.5
		out=$(printf 'R\nS QUIT\\r\\n\nE\n' | sd_chat "$side$2" | norm)
		release
		if [ "$side" = 25 ]; then ours=$out; else theirs=$out; fi
	done
	tap_is "$ours" "$theirs" "$1: the same replies as Postfix"
	printf '# %s\n' "${ours//$'\n'/ | }"
}
conn_case "smtpd_client_connection_count_limit" 05
conn_case "smtpd_client_event_limit_exceptions" 09
out=$(for i in 1 2 3; do printf 'R\nS QUIT\\r\\n\nE\n' | sd_chat 2506 | norm; done)
theirs=$(for i in 1 2 3; do printf 'R\nS QUIT\\r\\n\nE\n' | sd_chat 2606 | norm; done)
tap_is "$out" "$theirs" "smtpd_client_connection_rate_limit: the same replies as Postfix"
grep -q 'warning: Connection rate limit exceeded: 3 from [^ ]*\[127.0.0.1\] for service 127.0.0.1:2506' "$SD_LOG"
tap_ok $? "the connection rate warning is logged as Postfix logs it"

# smtpd_discard_ehlo_keywords: the EHLO keywords both servers offer, among
# those we implement (we offer no ETRN or CHUNKING, and VRFY only when
# disable_vrfy_command = no), without and with discarding.
keywords() {
	sd_chat "$1" <<<'R
S EHLO client.example\r\n
R
S QUIT\r\n
E' | sed -n 's/^250[- ]\([A-Z0-9]*\).*/\1/p' |
		grep -x 'PIPELINING\|SIZE\|8BITMIME\|DSN\|ENHANCEDSTATUSCODES\|SMTPUTF8' | sort | tr '\n' ' '
}
for nn in 00 14; do
	ours=$(keywords "25$nn")
	tap_is "$ours" "$(keywords "26$nn")" "EHLO keywords on port ${nn} ($ours): the same as Postfix"
done
tap_is "$(keywords 2514)" "ENHANCEDSTATUSCODES SMTPUTF8 " \
	"smtpd_discard_ehlo_keywords removes the listed keywords"

# Differences on purpose.
compare "header_size_limit" 13 "R
$M
S RCPT TO:<a@example.org>\r\nDATA\r\n
R 2
S Subject: $big$big$big$big$big$big$big\r\nX-Two: $big$big$big$big$big$big$big\r\n\r\nx\r\n.\r\nQUIT\r\n
E" "220 mx.example.test ESMTP
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
552 5.3.4 Message header size exceeds fixed limit
221 2.0.0 Bye
EOF"
# maxproc 1: Postfix leaves the second client waiting in the listen queue;
# posternd answers at once (postscreen's reply), so the client can go on
# to another server.
hold 2599 2
sleep 0.5
got=$(printf 'R\nE\n' | sd_chat 2599)
release
tap_is "$got" "421 4.3.2 All server ports are busy
EOF" "master.cf maxproc (the listener's session limit): a client over it gets 421 4.3.2"
grep -q 'NOQUEUE: reject: CONNECT from \[127.0.0.1\]:[0-9]*: all server ports busy' "$SD_LOG"
tap_ok $? "... and the refusal is logged as postscreen logs it"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
