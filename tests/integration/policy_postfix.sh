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
sd_start

# policy NAME SCRIPT [WHAT]: the session of milter_lib.sh under both MTAs
# with the policy server running SCRIPT; the replies must match and, unless
# WHAT is "noqueue", the queued messages too (ids in PF_ID and SD_ID).
policy() {
	local name=$1 how=${3:-}
	printf '%s\n' "$2" >"$TEST_TMP/script"
	: >"$TEST_TMP/pf.plog"
	: >"$TEST_TMP/sd.plog"
	session | sd_chat 10025 >"$TEST_TMP/$name.pf.raw"
	session | sd_chat 2525 >"$TEST_TMP/$name.sd.raw"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.pf.raw" >"$TEST_TMP/$name.pf"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.sd.raw" >"$TEST_TMP/$name.sd"
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
