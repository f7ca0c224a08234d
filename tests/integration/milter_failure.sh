#!/usr/bin/env bash
# milter_failure.sh: issue 5, acceptance 5 (the milter half): a milter
# that is down, crashes at connect, mid-header or at the end of the
# message, or hangs past command_timeout or content_timeout, under each
# default_action (accept, reject, tempfail, quarantine, set per milter in
# the Postfix 3 "{ socket, name=value }" form). Each case runs under a
# private Postfix 3.7 and under posternd: the SMTP replies must be the
# same, and posternd's exact reply is checked too; posternd logs one
# warning naming the milter, keeps serving, and a quarantined message is
# in hold/.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=900
h_netns_enter "$@"

ACTIONS="accept reject tempfail quarantine"
# One listener per default action: Postfix on 10026.., posternd on 2526...
milter_params() { # PORT: the user parameters milters_ACTION
	local a
	for a in $ACTIONS; do
		echo "milters_$a = { inet:127.0.0.1:$1, default_action=$a, connect_timeout=1s," \
			"command_timeout=1s, { content_timeout = 1s } }"
	done
}
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no'
milter_params 8901 >>"$PFX_DIR/etc/main.cf"
sd_init
sd_conf 'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no'
milter_params 8902 >>"$SD_CONF/postern.cf"
port=0
lines=()
for a in $ACTIONS; do
	pfx_master pf "127.0.0.1:$((10026 + port)) inet n - n - - smtpd -o smtpd_milters=\$milters_$a"
	lines+=("127.0.0.1:$((2526 + port)) inet n - n - - smtpd -o smtpd_milters=\$milters_$a")
	port=$((port + 1))
done
sd_master "${lines[@]}"
pfx_start pf || h_bail "postfix did not start"
sd_start

# want_reply NAME TEXT: posternd's transcript of case NAME has this line.
want_reply() {
	grep -qxF "$2" "$TEST_TMP/$1.sd"
	tap_ok $? "$1: posternd replies \"$2\""
}

port=0
for a in $ACTIONS; do
	PF_PORT=$((10026 + port)) SD_PORT=$((2526 + port))
	port=$((port + 1))
	mkdir -p "$TEST_TMP/$a" # the case names have a directory part
	compare "$a/down" down short
	compare "$a/crash_connect" 'connect crash' short
	compare "$a/hang_rcpt" 'rcpt hang' short
	compare "$a/crash_header" 'header crash' noqueue
	compare "$a/hang_eom" 'eom hang' noqueue
	compare "$a/crash_eom" 'eom crash' noqueue
	case $a in
	accept)
		want_reply "$a/down" "250 2.1.0 Ok"
		want_reply "$a/crash_eom" "250 2.0.0 Ok: queued as ID"
		[ -n "$(queued "$TEST_TMP/$a/crash_eom.sd.raw")" ] &&
			[ -f "$SD_QUEUE/incoming/$(queued "$TEST_TMP/$a/crash_eom.sd.raw")" ]
		tap_ok $? "$a/crash_eom: the message is queued in incoming/"
		;;
	reject)
		want_reply "$a/down" "554 mx.example.test ESMTP not accepting connections"
		want_reply "$a/down" "550 5.5.0 Service unavailable"
		want_reply "$a/hang_rcpt" "550 5.5.0 Service unavailable"
		want_reply "$a/crash_eom" "550 5.5.0 Service unavailable"
		;;
	tempfail)
		want_reply "$a/down" "451 4.7.1 Service unavailable - try again later"
		want_reply "$a/hang_eom" "451 4.7.1 Service unavailable - try again later"
		want_reply "$a/crash_eom" "451 4.7.1 Service unavailable - try again later"
		;;
	quarantine)
		id=$(queued "$TEST_TMP/$a/crash_eom.sd.raw")
		[ -n "$id" ] && [ -f "$SD_QUEUE/hold/$id" ]
		tap_ok $? "$a/crash_eom: posternd queues the message in hold/"
		pf_id=$(queued "$TEST_TMP/$a/crash_eom.pf.raw")
		[ -n "$pf_id" ] && [ -f "$PFX_DIR/queue/hold/$pf_id" ]
		tap_ok $? "$a/crash_eom: so does Postfix"
		tap_is "$(sd_queue envelope "$id" | grep '^hold_')" "hold_reason=milter failure
hold_filter=inet:127.0.0.1:8902" "$a/crash_eom: the hold reason names the milter"
		;;
	esac
done
grep -q 'warning: milter inet:127.0.0.1:8902: connect failed' "$SD_LOG"
tap_ok $? "log: a milter that is down: one warning naming it"
grep -q 'warning: milter inet:127.0.0.1:8902: timeout awaiting reply to SMFIC_RCPT' "$SD_LOG"
tap_ok $? "log: a hung milter: the command it did not answer"
grep -q 'warning: milter inet:127.0.0.1:8902: connection closed by the milter' "$SD_LOG"
tap_ok $? "log: a milter that died"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
