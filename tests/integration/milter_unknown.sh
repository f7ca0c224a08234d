#!/usr/bin/env bash
# milter_unknown.sh: SMTP commands the relay does not know go to the
# milters (SMFIC_UNKNOWN), as Postfix 3.7 sends them: the scripted libmilter
# test milter (tests/milters/script-milter) runs each scenario under a
# private Postfix and under posternd; the SMTP replies (a milter's refusal
# replaces "500 5.5.2 Error: command not recognized") and what the milter
# received must be the same. A milter that negotiated SMFIP_NOUNKNOWN or
# accepted the connection does not get the command; a milter that cannot
# be reached stands for its default action.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=600
h_netns_enter "$@"

pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'smtpd_milters = inet:127.0.0.1:8901' \
	'milter_default_action = tempfail' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no'
pfx_start pf || h_bail "postfix did not start"

sd_init
sd_conf 'smtpd_milters = inet:127.0.0.1:8902' 'milter_default_action = tempfail' \
	'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no'
sd_start

# Unknown commands before HELO, between HELO and MAIL, and inside a
# transaction.
unknown_session() {
	printf '%s\n' R 'S XFIRST before helo\r\n' R 'S HELO client.example.test\r\n' R \
		'S XFOO bar  baz\r\n' R 'S MAIL FROM:<alice@example.test>\r\n' R \
		'S XBAR\r\n' R 'S RCPT TO:<bob@example.test>\r\n' R 'S QUIT\r\n' E
}

# ucompare NAME SCRIPT: the session under both MTAs with the milter
# running SCRIPT; the same replies, and the same milter log (the MTA's own
# port and version masked).
ucompare() {
	local name=$1
	milters "$2"
	unknown_session | sd_chat 10025 >"$TEST_TMP/$name.pf"
	unknown_session | sd_chat 2525 >"$TEST_TMP/$name.sd"
	same "$name: the same SMTP replies as Postfix" "$TEST_TMP/$name.pf" "$TEST_TMP/$name.sd"
	mask <"$TEST_TMP/pf.mlog" >"$TEST_TMP/$name.pf.mlog"
	mask <"$TEST_TMP/sd.mlog" >"$TEST_TMP/$name.sd.mlog"
	same "$name: the milter received the same commands and macros" \
		"$TEST_TMP/$name.pf.mlog" "$TEST_TMP/$name.sd.mlog"
}
# At the end of a session Postfix sends ABORT twice (from its HELO reset
# and its transaction reset), and libmilter reports one or two of them
# depending on its state; posternd sends one ABORT per open transaction.
# Those lines are left out here: this test is about unknown commands.
mask() { sed -e 's/ i=[0-9A-Z]*/ i=ID/g' -e 's/{client_port}=[0-9]*/{client_port}=N/' \
	-e 's/{daemon_addr}=[^ ]*/{daemon_addr}=A/' -e 's/ v=.*//' -e '/^abort$/d'; }

# replies NAME: the replies posternd gave to the three unknown commands.
replies() { sed -n '2p;4p;6p' "$TEST_TMP/$1.sd" | tr -d '\r'; }

ucompare plain '# no actions'
tap_is "$(replies plain)" "500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized" "plain: each unknown command gets 500"
tap_is "$(grep '^unknown ' "$TEST_TMP/sd.mlog" | cut -d' ' -f1-2)" "unknown XFIRST
unknown XFOO
unknown XBAR" "plain: the milter got each command's verb (as from Postfix)"

ucompare reject 'unknown reply reject'
tap_is "$(replies reject)" "550 5.7.1 Command rejected
550 5.7.1 Command rejected
550 5.7.1 Command rejected" "reject: the milter's reject replaces the 500"
grep -q 'NOQUEUE: milter-reject: UNKNOWN from unknown\[127.0.0.1\]: 550 5.7.1 Command rejected; proto=SMTP helo=<client.example.test>' "$SD_LOG"
tap_ok $? "reject: logged as Postfix logs it (milter-reject: UNKNOWN)"
grep -q 'NOQUEUE: milter-reject: UNKNOWN from unknown\[127.0.0.1\]: 550 5.7.1 Command rejected; proto=SMTP helo=<client.example.test>' "$(pfx_log pf)"
tap_ok $? "reject: ... the same line as in Postfix's log"

ucompare tempfail 'unknown reply tempfail'
tap_is "$(replies tempfail | sed -n 2p)" "451 4.7.1 Service unavailable - try again later" \
	"tempfail: 451 from the milter"
ucompare replycode 'unknown replycode 554 5.5.4 verb not here'
tap_is "$(replies replycode | sed -n 3p)" "554 5.5.4 verb not here" \
	"replycode: the milter's own reply text"
ucompare nounknown 'option nounknown
unknown reply reject'
tap_is "$(grep -c '^unknown ' "$TEST_TMP/sd.mlog")" 0 \
	"nounknown: a milter that negotiated SMFIP_NOUNKNOWN gets no unknown command"
ucompare noreply 'option noreply
unknown reply reject'
tap_is "$(replies noreply | sort -u)" "500 5.5.2 Error: command not recognized" \
	"noreply: without a reply (SMFIP_NR_UNKN) the 500 stays"
ucompare accept_connect 'connect reply accept
unknown reply reject'
tap_is "$(grep -c '^unknown ' "$TEST_TMP/sd.mlog")" 0 \
	"accept_connect: a milter that accepted the connection gets no unknown command"
# A refusal at HELO answers the later unknown commands, as it answers MAIL.
ucompare helo_reject 'helo reply reject
unknown reply tempfail'
tap_is "$(replies helo_reject)" "451 4.7.1 Service unavailable - try again later
550 5.7.1 Command rejected
550 5.7.1 Command rejected" "helo_reject: the HELO refusal answers the unknown commands after it"

# A milter that cannot be reached: its default action (tempfail).
milters down
unknown_session | sd_chat 10025 >"$TEST_TMP/down.pf"
unknown_session | sd_chat 2525 >"$TEST_TMP/down.sd"
same "down: the same SMTP replies as Postfix" "$TEST_TMP/down.pf" "$TEST_TMP/down.sd"
tap_is "$(replies down | sort -u)" "451 4.7.1 Service unavailable - try again later" \
	"down: the default action answers the unknown command"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
