#!/usr/bin/env bash
# check_relay_rules.sh: acceptance item 1, the four relay rules, on the
# smtp listener and on submission, as a site configures them (submission
# takes authenticated clients only), decided by the restriction engine
# (postern explain) and by a real Postfix 3.7 under the same main.cf and
# master.cf lines (XCLIENT gives the client address and SASL login):
#   1. an unauthenticated client may send to our domains;
#   2. it may not relay to other domains (554 5.7.1 ... Relay access denied);
#   3. an authenticated client may send anywhere with a sender address it
#      owns per smtpd_sender_login_maps (a pcre table mapping user+ext@domain
#      to user);
#   4. it may not use a sender it does not own (553 5.7.1 ... not owned by
#      user ...).
# Rules 1 and 2 are also run live against posternd from a real client
# address (posternd has no SMTP AUTH yet: rules 3 and 4 need it).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=150
h_netns_enter "$@"

postern=$top_builddir/relay/postern
session=$top_srcdir/tests/integration/check_session.py
mkdir -p "$TEST_TMP/data"
cp "$top_srcdir/tests/data/check/login.pcre" "$TEST_TMP/data/"
chmod -R a+rX "$TEST_TMP/data"

main_cf=(
	'myhostname = mx.example.org'
	'mydomain = example.org'
	'mydestination = example.org'
	'mynetworks = 127.0.0.1/32'
	'local_recipient_maps ='
	'smtpd_error_sleep_time = 0'
	'smtpd_sasl_auth_enable = yes'
	"smtpd_sender_login_maps = pcre:$TEST_TMP/data/login.pcre"
	'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination'
	'smtpd_sender_restrictions = reject_sender_login_mismatch'
	'mua_client_restrictions = permit_sasl_authenticated, reject'
)
# listeners BASE: the smtp and submission services on BASE and BASE+1.
listeners() {
	echo "127.0.0.1:$1 inet n - n - - smtpd"
	echo "127.0.0.1:$(($1 + 1)) inet n - n - - smtpd -o syslog_name=postfix/submission" \
		"-o smtpd_client_restrictions=\$mua_client_restrictions" \
		"-o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
}

sd_init
sd_conf "${main_cf[@]}"
listeners 2525 >"$SD_CONF/master.cf"
pfx_init pf 127.0.0.1:10025
pfx_conf pf "${main_cf[@]}" 'smtpd_authorized_xclient_hosts = 127.0.0.0/8'
while read -r line; do pfx_master pf "$line"; done < <(listeners 3525)
pfx_start pf || h_bail "postfix did not start"
h_wait_port 127.0.0.1 3526 || h_bail "Postfix's submission listener is missing"

# postfix RULE-ARGS: the RCPT reply of a session through XCLIENT.
postfix() { # PORT ADDR LOGIN SENDER RCPT
	local x="XCLIENT ADDR=$2 NAME=[UNAVAILABLE]"
	[ -n "$3" ] && x+=" LOGIN=$3"
	"$session" 127.0.0.1 "$1" "EHLO xclient.example" "$x" "EHLO client.example" \
		"MAIL FROM:<$4>" "RCPT TO:<$5>" | sed -n 's/^RCPT TO:<[^>]*>: //p'
}
explain() { # PORT ADDR LOGIN SENDER RCPT
	local login=()
	[ -n "$3" ] && login=(-l "$3")
	"$postern" -c "$SD_CONF" explain -s "$1" -a "$2" -n "[UNAVAILABLE]" -h client.example \
		"${login[@]}" -f "$4" -t "$5" 2>>"$TEST_TMP/explain.err" |
		sed -n 's/^RCPT TO:<[^>]*>: //p'
}

not_owned='553 5.7.1 <alice@example.org>: Sender address rejected: not owned by user bob'
client_denied='554 5.7.1 <unknown[192.0.2.77]>: Client host rejected: Access denied'
# LISTENER RULE LOGIN SENDER RECIPIENT EXPECTED
rules=(
	"smtp|1||a@b.example|x@example.org|accepted"
	"smtp|2||a@b.example|x@elsewhere.example|554 5.7.1 <x@elsewhere.example>: Relay access denied"
	"smtp|3|bob|bob+lists@example.org|x@elsewhere.example|accepted"
	"smtp|4|bob|alice@example.org|x@elsewhere.example|$not_owned"
	"submission|1||a@b.example|x@example.org|$client_denied"
	"submission|2||a@b.example|x@elsewhere.example|$client_denied"
	"submission|3|bob|bob+lists@example.org|x@elsewhere.example|accepted"
	"submission|4|bob|alice@example.org|x@elsewhere.example|$not_owned"
)
for r in "${rules[@]}"; do
	IFS='|' read -r listener rule login sender rcpt expected <<<"$r"
	offset=0
	[ "$listener" == submission ] && offset=1
	ours=$(explain $((2525 + offset)) 192.0.2.77 "$login" "$sender" "$rcpt")
	theirs=$(postfix $((3525 + offset)) 192.0.2.77 "$login" "$sender" "$rcpt")
	tap_is "$ours" "$expected" "$listener, rule $rule: the engine answers $expected"
	tap_is "$ours" "$theirs" "$listener, rule $rule: as Postfix does"
done

tap_is "$(grep -c 'Sanitizer\|runtime error' "$TEST_TMP/explain.err")" 0 \
	"no sanitizer report from postern explain"

# Live: rules 1 and 2 against posternd from a client address outside
# mynetworks, compared with Postfix reached from the same address.
sd_start
h_wait_port 127.0.0.1 2526 || h_bail "posternd's submission listener is missing"
for r in "${rules[@]}"; do
	IFS='|' read -r listener rule login sender rcpt expected <<<"$r"
	[ -z "$login" ] || continue
	offset=0
	[ "$listener" == submission ] && offset=1
	cmds=("EHLO client.example.test" "MAIL FROM:<$sender>" "RCPT TO:<$rcpt>")
	ours=$("$session" -s 127.0.0.30 127.0.0.1 $((2525 + offset)) "${cmds[@]}" | tail -n1)
	theirs=$("$session" -s 127.0.0.30 127.0.0.1 $((3525 + offset)) "${cmds[@]}" | tail -n1)
	tap_is "$ours" "$theirs" "posternd, $listener, rule $rule: as Postfix ($theirs)"
done
grep -q 'NOQUEUE: reject: RCPT from client.example.test\[127.0.0.30\]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<a@b.example> to=<x@elsewhere.example> proto=ESMTP helo=<client.example.test>' "$SD_LOG"
tap_ok $? "posternd logs the relay refusal as Postfix does"
sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_is "$(grep -c 'Sanitizer\|runtime error' "$SD_LOG")" 0 "no sanitizer report from posternd"
tap_done
