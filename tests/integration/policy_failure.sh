#!/usr/bin/env bash
# policy_failure.sh: issue 5, acceptance 5 (the policy half): a policy
# service that is down, slow past its timeout, hung, dying in the middle of
# its reply, closing without a reply, answering garbage or an oversized
# reply, under three default actions: DUNNO, Postfix's default ("451 4.3.5
# Server configuration problem") and REJECT, set per service in the
# Postfix 3 "{ server, name=value }" form (timeout=1s, try_limit=2,
# retry_delay=1s). The service fails for carol only; bob's requests are
# answered on the same service, so the session goes on and the message is
# queued for whoever was accepted. Each case runs under a private Postfix
# 3.7 and under posternd: the SMTP replies must be the same (except for
# the oversized reply, which Postfix takes and posternd refuses), posternd's
# exact reply is checked, it logs one warning per failed request, and a
# session on another listener is served while a request hangs.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=900
h_netns_enter "$@"

PS="/usr/bin/python3 $top_srcdir/tests/integration/policy_server.py"
servers() { # start the policy servers (Postfix's on 9001, posternd's on 9002)
	h_daemon_start ps_pf $PS inet:127.0.0.1:9001 "$TEST_TMP/script" "$TEST_TMP/pf.plog"
	h_daemon_start ps_sd $PS inet:127.0.0.1:9002 "$TEST_TMP/script" "$TEST_TMP/sd.plog"
	h_wait_port 127.0.0.1 9001 && h_wait_port 127.0.0.1 9002 || h_bail "policy_server did not start"
}
servers_stop() {
	h_daemon_stop ps_pf 5 >/dev/null 2>&1
	h_daemon_stop ps_sd 5 >/dev/null 2>&1
}

ACTIONS="dunno tempfail reject"
policy_params() { # PORT: the user parameters policy_ACTION
	local common="inet:127.0.0.1:$1, timeout=1s, try_limit=2, retry_delay=1s"
	echo "policy_dunno = check_policy_service { $common, default_action=DUNNO }," \
		"permit_mynetworks, reject"
	echo "policy_tempfail = check_policy_service { $common }, permit_mynetworks, reject"
	echo "policy_reject = check_policy_service { $common," \
		"{ default_action = REJECT policy down } }, permit_mynetworks, reject"
	echo "policy_healthy = check_policy_service inet:127.0.0.1:$(($1 + 10))," \
		"permit_mynetworks, reject"
}
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no'
policy_params 9001 >>"$PFX_DIR/etc/main.cf"
sd_init
sd_conf 'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no'
policy_params 9002 >>"$SD_CONF/postern.cf"
port=0
lines=("127.0.0.1:2529 inet n - n - - smtpd -o smtpd_recipient_restrictions=\$policy_healthy")
for a in $ACTIONS; do
	pfx_master pf "127.0.0.1:$((10026 + port)) inet n - n - - smtpd -o smtpd_recipient_restrictions=\$policy_$a"
	lines+=("127.0.0.1:$((2526 + port)) inet n - n - - smtpd -o smtpd_recipient_restrictions=\$policy_$a")
	port=$((port + 1))
done
sd_master "${lines[@]}"
pfx_start pf || h_bail "postfix did not start"
sd_start
servers
echo '* action DUNNO' >"$TEST_TMP/healthy.script"
h_daemon_start ps_healthy $PS inet:127.0.0.1:9012 "$TEST_TMP/healthy.script" "$TEST_TMP/healthy.plog"
h_wait_port 127.0.0.1 9012 || h_bail "policy_server (healthy) did not start"

# fail NAME WHAT [nocompare]: carol's requests get WHAT (bob's DUNNO), the
# session runs under both MTAs; the replies must match unless nocompare.
fail() {
	local name=$1 what=$2
	printf '%s\n' "recipient=carol@example.test $what" '* action DUNNO' >"$TEST_TMP/script"
	local before
	before=$(grep -c 'problem talking to server' "$SD_LOG")
	chat_both "$name"
	[ "${3:-}" = nocompare ] ||
		same "$name: the same SMTP replies as Postfix" "$TEST_TMP/$name.pf" "$TEST_TMP/$name.sd"
	sleep 0.2 # the log line is written before the reply, but let it land
	tap_is "$(($(grep -c 'problem talking to server' "$SD_LOG") - before))" 1 \
		"$name: posternd logs one warning"
	SD_ID=$(queued "$TEST_TMP/$name.sd.raw")
	[ -n "$SD_ID" ] && [ -f "$SD_QUEUE/incoming/$SD_ID" ]
	tap_ok $? "$name: the message is queued"
}
# want_reply NAME TEXT: posternd's transcript of case NAME has this line.
want_reply() {
	grep -qxF "$2" "$TEST_TMP/$1.sd"
	tap_ok $? "$1: posternd replies \"$2\""
}
# want_rcpts NAME LIST: the recipients of the message queued in case NAME.
want_rcpts() {
	tap_is "$(sd_queue envelope "$SD_ID" | sed -n 's/^rcpt=\([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')" \
		"$2" "$1: queued for $2"
}

reply_for() { # ACTION: posternd's reply to carol's RCPT
	case $1 in
	dunno) echo "250 2.1.5 Ok" ;;
	tempfail) echo "451 4.3.5 <carol@example.test>: Recipient address rejected: Server configuration problem" ;;
	reject) echo "554 5.7.1 <carol@example.test>: Recipient address rejected: policy down" ;;
	esac
}
rcpts_for() { # ACTION
	case $1 in
	dunno) echo "bob@example.test carol@example.test " ;;
	*) echo "bob@example.test " ;;
	esac
}

port=0
for a in $ACTIONS; do
	PF_PORT=$((10026 + port)) SD_PORT=$((2526 + port))
	port=$((port + 1))
	mkdir -p "$TEST_TMP/$a"
	want=$(reply_for "$a")
	rcpts=$(rcpts_for "$a")
	for mode in slow hang half close garbage huge; do
		case $mode in
		slow) what='slow 3 OK' ;;
		huge) what=huge ;;
		*) what=$mode ;;
		esac
		fail "$a/$mode" "$what" $([ "$mode" = huge ] && echo nocompare)
		want_reply "$a/$mode" "$want"
		want_rcpts "$a/$mode" "$rcpts"
	done
	# down: nothing listens; bob's request fails too.
	servers_stop
	printf '%s\n' '* action DUNNO' >"$TEST_TMP/script"
	before=$(grep -c 'problem talking to server' "$SD_LOG")
	session short | sd_chat "$PF_PORT" >"$TEST_TMP/$a/down.pf"
	session short | sd_chat "$SD_PORT" >"$TEST_TMP/$a/down.sd"
	same "$a/down: the same SMTP replies as Postfix" "$TEST_TMP/$a/down.pf" "$TEST_TMP/$a/down.sd"
	want_reply "$a/down" "$(reply_for "$a" | sed 's/carol/bob/')"
	tap_is "$(($(grep -c 'problem talking to server' "$SD_LOG") - before))" 1 \
		"$a/down: posternd logs one warning"
	servers
done

grep -q 'warning: problem talking to server inet:127.0.0.1:9002: connect: Connection refused; default_action is "DUNNO"' "$SD_LOG"
tap_ok $? "log: a service that is down: the server, the error and the default action"
grep -q 'warning: problem talking to server inet:127.0.0.1:9002: timeout after 1s waiting for the reply; default_action is "451 4.3.5 Server configuration problem"' "$SD_LOG"
tap_ok $? "log: a hung service: a timeout"
grep -q 'warning: problem talking to server inet:127.0.0.1:9002: connection closed in the middle of the reply; default_action is "REJECT policy down"' "$SD_LOG"
tap_ok $? "log: a service that died mid-reply"
grep -q 'warning: problem talking to server inet:127.0.0.1:9002: malformed reply: .*; default_action' "$SD_LOG"
tap_ok $? "log: a malformed reply"

# Retries: carol's request was sent twice (try_limit=2) on new connections.
printf '%s\n' 'recipient=carol@example.test close' '* action DUNNO' >"$TEST_TMP/script"
: >"$TEST_TMP/sd.plog"
session | sd_chat 2526 >/dev/null
tap_is "$(grep -c '^recipient=carol@example.test$' "$TEST_TMP/sd.plog")" 2 \
	"retry: carol's request was sent try_limit (2) times"

# Other sessions go on while a request hangs.
printf '%s\n' 'recipient=carol@example.test hang' '* action DUNNO' >"$TEST_TMP/script"
session | sd_chat 2526 >"$TEST_TMP/hung.sd" &
hung=$!
sleep 0.3
t0=$(h_now_us)
session | sd_chat 2529 >"$TEST_TMP/other.sd"
ms=$((($(h_now_us) - t0) / 1000))
still_hung=$(kill -0 "$hung" 2>/dev/null && echo yes || echo no)
grep -q '^250 2.0.0 Ok: queued as' "$TEST_TMP/other.sd"
tap_ok $? "another session is served while a policy request hangs"
# Not a time limit (a loaded machine is slow): the other session must end
# while the hung one still waits for its reply.
tap_is "$still_hung" yes "... before the hung request ends (${ms} ms; the hang lasts 3 s)"
wait "$hung"
grep -q '^250 2.0.0 Ok: queued as' "$TEST_TMP/hung.sd"
tap_ok $? "... and the session with the hung request ends normally"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
