#!/usr/bin/env bash
# policy_postfix.sh: issue 5 (policy client): the scripted policy server
# (tests/integration/policy_server.py) answers each scenario's requests
# the same way under a private Postfix 3.7 and under posternd, both with
# check_policy_service in smtpd_recipient_restrictions (and in
# smtpd_data_restrictions and smtpd_end_of_data_restrictions for the
# attribute sets). The SMTP replies and the queued messages (PREPEND,
# HOLD, DISCARD, REDIRECT, BCC) must be the same, and so must the
# attributes each MTA sends, name by name and in order (values that name
# the MTA's own queue id, instance and ports are masked: Postfix has a
# queue id from the first accepted RCPT, posternd from the end of DATA).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=600
h_netns_enter "$@"

PS="/usr/bin/python3 $top_srcdir/tests/integration/policy_server.py"
h_daemon_start ps_pf $PS inet:127.0.0.1:9001 "$TEST_TMP/script" "$TEST_TMP/pf.plog"
h_daemon_start ps_sd $PS inet:127.0.0.1:9002 "$TEST_TMP/script" "$TEST_TMP/sd.plog"
h_wait_port 127.0.0.1 9001 && h_wait_port 127.0.0.1 9002 || h_bail "policy_server did not start"

restrictions() { # PORT
	echo "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$1," \
		"permit_mynetworks, reject_unauth_destination"
}
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no' "$(restrictions 9001)"
pfx_start pf || h_bail "postfix did not start"

sd_init
sd_conf 'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no' "$(restrictions 9002)"
# Listeners for the connection settings, and a service under
# queue_directory ("unix:private/policy", as in Postfix).
with() { # PORT SERVICE
	echo "127.0.0.1:$1 inet n - n - - smtpd -o { smtpd_recipient_restrictions =" \
		"check_policy_service $2, permit_mynetworks, reject }"
}
sd_master "127.0.0.1:2525 inet n - n - - smtpd" \
	"$(with 2530 '{ inet:127.0.0.1:9002, request_limit=1 }')" \
	"$(with 2531 '{ inet:127.0.0.1:9002, max_idle=1s }')" \
	"$(with 2532 '{ inet:127.0.0.1:9002, max_ttl=1s }')" \
	"$(with 2533 unix:private/policy)"
mkdir -p "$SD_QUEUE/private"
h_daemon_start ps_unix $PS "unix:$SD_QUEUE/private/policy" "$TEST_TMP/script" "$TEST_TMP/unix.plog"
h_wait_file "$SD_QUEUE/private/policy" || h_bail "policy_server (unix) did not start"
sd_start

# policy NAME SCRIPT [WHAT]: the session of milter_lib.sh under both MTAs
# with the policy server running SCRIPT; the replies must match and, unless
# WHAT is "noqueue", the queued messages too (ids in PF_ID and SD_ID).
policy() {
	local name=$1 how=${3:-}
	printf '%s\n' "$2" >"$TEST_TMP/script"
	: >"$TEST_TMP/pf.plog"
	: >"$TEST_TMP/sd.plog"
	chat_both "$name"
	same "$name: the same SMTP replies as Postfix" "$TEST_TMP/$name.pf" "$TEST_TMP/$name.sd"
	PF_ID=$(queued "$TEST_TMP/$name.pf.raw")
	SD_ID=$(queued "$TEST_TMP/$name.sd.raw")
	[ "$how" = noqueue ] && return
	if [ -z "$PF_ID" ] || [ -z "$SD_ID" ]; then
		tap_ok 1 "$name: both queued the message (Postfix: '$PF_ID', posternd: '$SD_ID')"
		return
	fi
	pf_message "$PF_ID" >"$TEST_TMP/$name.pf.msg"
	sd_message "$SD_ID" >"$TEST_TMP/$name.sd.msg"
	same "$name: the same queued message as Postfix" "$TEST_TMP/$name.pf.msg" \
		"$TEST_TMP/$name.sd.msg"
}

# want_reply NAME TEXT: posternd's transcript of case NAME has this line.
want_reply() {
	grep -qxF "$2" "$TEST_TMP/$1.sd"
	tap_ok $? "$1: posternd replies \"$2\""
}
# want_header NAME LINE: posternd queued the message of NAME with LINE.
want_header() {
	grep -qxF "$2" "$TEST_TMP/$1.sd.msg"
	tap_ok $? "$1: the queued message has \"$2\""
}

C='recipient=carol@example.test'
policy dunno '* action DUNNO'
policy ok "$C action OK"
policy reject "$C action REJECT no carol here"
want_reply reject "554 5.7.1 <carol@example.test>: Recipient address rejected: no carol here"
policy defer "$C action DEFER come back later"
want_reply defer "450 4.7.1 <carol@example.test>: Recipient address rejected: come back later"
policy code5 "$C action 550 5.1.1 carol moved away"
want_reply code5 "550 5.1.1 <carol@example.test>: Recipient address rejected: carol moved away"
policy code4 "$C action 451 4.7.0 not now"
want_reply code4 "451 4.7.0 <carol@example.test>: Recipient address rejected: not now"
policy defer_if_permit "$C action DEFER_IF_PERMIT maybe later"
want_reply defer_if_permit \
	"450 4.7.1 <carol@example.test>: Recipient address rejected: maybe later"
policy defer_if_reject "$C action DEFER_IF_REJECT only if refused"
policy prepend "$C action PREPEND X-Policy: carol was here"
want_header prepend "X-Policy: carol was here"
policy hold "$C action HOLD look at this"
[ -f "$SD_QUEUE/hold/$SD_ID" ] && [ -f "$PFX_DIR/queue/hold/$PF_ID" ]
tap_ok $? "hold: both MTAs put the message in hold/"
policy discard "$C action DISCARD not wanted" noqueue
[ -n "$SD_ID" ] && [ ! -e "$SD_QUEUE/incoming/$SD_ID" ] && [ ! -e "$SD_QUEUE/hold/$SD_ID" ]
tap_ok $? "discard: posternd says queued but keeps nothing"
# Postfix keeps the recipients and a redirect record for its queue
# manager; posternd queues the redirect address alone (delivery is the same).
policy redirect "$C action REDIRECT dave@example.test" noqueue
tap_is "$(postcat -c "$PFX_DIR/etc" -q "$PF_ID" 2>&1 | grep -c '^redirect_to: dave@example.test$')" 1 \
	"redirect: Postfix records the redirect"
tap_is "$(sd_message "$SD_ID" | grep '^recipient: ')" "recipient: dave@example.test" \
	"redirect: posternd queues the message for dave@example.test alone"
policy bcc "$C action BCC erin@example.test"
want_header bcc "recipient: erin@example.test"
policy warn "$C action WARN carol is suspicious"
policy info "$C action INFO carol noted"
grep -q 'warn: RCPT from unknown\[127.0.0.1\]: carol is suspicious; from=<alice@example.test> to=<carol@example.test>' "$SD_LOG"
tap_ok $? "warn: posternd logs the WARN text as Postfix does"
policy filter "$C action FILTER smtp:[127.0.0.1]:10099" noqueue
grep -q 'warning: policy service inet:127.0.0.1:9002: action FILTER smtp:\[127.0.0.1\]:10099 is not supported' "$SD_LOG"
tap_ok $? "filter: posternd refuses FILTER with a warning"
[ -n "$SD_ID" ] && [ -f "$SD_QUEUE/incoming/$SD_ID" ]
tap_ok $? "filter: ... and queues the message as usual"

# Connection settings (posternd alone): connection numbers in the log.
conns() { sed -n 's/^# connection \([0-9]*\) request .*/\1/p' "$TEST_TMP/sd.plog" | sort -u | wc -l; }
printf '%s\n' '* action DUNNO' >"$TEST_TMP/script"
: >"$TEST_TMP/sd.plog"
session | sd_chat 2530 >/dev/null
session | sd_chat 2530 >/dev/null
tap_is "$(conns)" 4 "request_limit=1: four requests on four connections"
tap_is "$(grep -c '^# connection [0-9]* closed' "$TEST_TMP/sd.plog")" 4 \
	"request_limit=1: ... each closed by posternd after its request"
: >"$TEST_TMP/sd.plog"
session | sd_chat 2531 >/dev/null
sleep 0.5
tap_is "$(grep -c '^# connection [0-9]* closed' "$TEST_TMP/sd.plog")" 0 \
	"max_idle=1s: the connection stays open while it is younger"
sleep 1.5
tap_is "$(grep -c '^# connection [0-9]* closed' "$TEST_TMP/sd.plog")" 1 \
	"max_idle=1s: ... and is closed once it was idle for 1s"
: >"$TEST_TMP/sd.plog"
printf '%s\n' R 'S HELO client.example.test\r\n' R 'S MAIL FROM:<alice@example.test>\r\n' R \
	'S RCPT TO:<bob@example.test>\r\n' R 'S RCPT TO:<carol@example.test>\r\n' R 'P 1.5' \
	'S RCPT TO:<dave@example.test>\r\n' R 'S QUIT\r\n' E | sd_chat 2532 >/dev/null
tap_is "$(sed -n 's/^# connection \([0-9]*\) request \([0-9]*\)/\2/p' "$TEST_TMP/sd.plog" | tr '\n' ' ')" \
	"1 2 1 " "max_ttl=1s: a connection older than 1s is not reused (bob, carol; then dave on a new one)"
: >"$TEST_TMP/unix.plog"
out=$(session | sd_chat 2533)
tap_is "$(grep -c '^request=smtpd_access_policy' "$TEST_TMP/unix.plog")" 2 \
	"unix:private/policy: the service under queue_directory is asked"
grep -q '^250 2.0.0 Ok: queued as' <<<"$out"
tap_ok $? "unix:private/policy: ... and the message is queued"
grep -q ': connection closed in the middle\|problem talking' "$SD_LOG"
tap_ok $((!$?)) "no policy request failed so far"

# The attributes: each request of a session under both MTAs, with policy
# services at RCPT, DATA and END-OF-MESSAGE.
pfx_conf pf "smtpd_data_restrictions = check_policy_service inet:127.0.0.1:9001" \
	"smtpd_end_of_data_restrictions = check_policy_service inet:127.0.0.1:9001"
postfix -c "$PFX_DIR/etc" reload >/dev/null 2>&1
sd_stop
sd_conf "smtpd_data_restrictions = check_policy_service inet:127.0.0.1:9002" \
	"smtpd_end_of_data_restrictions = check_policy_service inet:127.0.0.1:9002"
sd_start
sleep 1
policy attributes '* action DUNNO'
mask() {
	sed -E -e 's/^(instance|client_port|queue_id|server_port)=.*/\1=X/' \
		-e 's/^# connection [0-9]+ /# /' "$1"
}
mask "$TEST_TMP/pf.plog" >"$TEST_TMP/pf.attrs"
mask "$TEST_TMP/sd.plog" >"$TEST_TMP/sd.attrs"
same "attributes: the same names, order and values as Postfix sends" "$TEST_TMP/pf.attrs" \
	"$TEST_TMP/sd.attrs"
tap_is "$(grep -c '^request=smtpd_access_policy' "$TEST_TMP/sd.plog")" 4 \
	"attributes: posternd asked at each RCPT, at DATA and at END-OF-MESSAGE"
tap_is "$(sed -n 's/^# connection \([0-9]*\) .*/\1/p' "$TEST_TMP/sd.plog" | sort -u | wc -l)" 1 \
	"attributes: ... all on one connection, reused"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
