#!/usr/bin/env bash
# milter_header_checks.sh: the header_checks(5) table Postfix's cleanup
# applies to the header fields milters add, insert or change. The scripted
# libmilter test milter (tests/milters/script-milter) makes the changes
# under a private Postfix 3.7 and under posternd, both with the same
# milter_header_checks table; the SMTP replies, the queued messages and the
# log lines of each action must be the same: WARN, INFO, IGNORE, STRIP,
# REPLACE (of an added and of a changed field), PREPEND (logged and not
# carried out, as in Postfix 3.7), BCC, REJECT (5xx and 4xx: the milter's
# later changes are dropped), DISCARD, HOLD and REDIRECT; and, with
# non_smtpd_milters, on mail from postern sendmail.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=600
h_netns_enter "$@"

cat >"$TEST_TMP/hbc" <<'EOF'
/^X-Warn:/ WARN watch this
/^X-Info:/ INFO
/^X-Ignore:/ IGNORE
/^X-Remove: ignored/ IGNORE
/^X-Strip:/ STRIP gone
/^X-Replace: (.*)/ REPLACE X-Replaced: was $1
/^Subject: Changed/ REPLACE Subject: checked
/^X-Prepend:/ PREPEND X-Before: yes
/^X-Bcc:/ BCC other@example.test
/^X-Reject:/ REJECT 5.7.9 header refused
/^X-Defer:/ REJECT 4.7.9 try later
/^X-Discard:/ DISCARD dropped
/^X-Hold:/ HOLD held
/^X-Redirect:/ REDIRECT red@example.test
/^X-After:/ WARN after
EOF
chmod 644 "$TEST_TMP/hbc"

pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'smtpd_milters = inet:127.0.0.1:8901' \
	'milter_default_action = tempfail' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no' \
	"milter_header_checks = pcre:$TEST_TMP/hbc"
pfx_start pf || h_bail "postfix did not start"

sd_init
sd_conf 'smtpd_milters = inet:127.0.0.1:8902' 'milter_default_action = tempfail' \
	'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no' \
	"milter_header_checks = pcre:$TEST_TMP/hbc"
sd_start

# actions NAME: the milter_header_checks lines each MTA logged since the
# last call (queue ids masked), and the same test for them.
PF_SEEN=0
SD_SEEN=0
actions() {
	local pf_log sd_log
	pf_log=$(pfx_log pf)
	tail -n +$((PF_SEEN + 1)) "$pf_log" | hbc_lines >"$TEST_TMP/$1.pf.log"
	tail -n +$((SD_SEEN + 1)) "$SD_LOG" | hbc_lines >"$TEST_TMP/$1.sd.log"
	PF_SEEN=$(wc -l <"$pf_log")
	SD_SEEN=$(wc -l <"$SD_LOG")
	same "$1: the same milter_header_checks log lines as Postfix" "$TEST_TMP/$1.pf.log" \
		"$TEST_TMP/$1.sd.log"
}
# Postfix and posternd word the warning for PREPEND differently (posternd
# says what happens: the field is not added); both become "PREPEND ignored".
hbc_lines() {
	grep -oE '(milter-header-.*|warning: (unsupported command in milter_header_checks|the milter_header|milter_header_checks: PREPEND).*)' |
		sed -e 's/^\(milter-header-[a-z]*: \)/ID: \1/' \
			-e 's|^warning: the milter_header/body_checks prepend action is .*|warning: PREPEND ignored|' \
			-e 's|^warning: milter_header_checks: PREPEND is ignored .*|warning: PREPEND ignored|'
}

compare edits 'eom addheader X-Warn one
eom addheader X-Info two
eom addheader X-Ignore three
eom addheader X-Strip four
eom addheader X-Replace five
eom insheader 0 X-Ignore at the top
eom chgheader Subject 1 Changed subject
eom chgheader X-Remove 1 ignored change
eom addheader X-Plain kept
eom addheader X-Prepend six
eom addheader X-Bcc seven'
actions edits
tap_is "$(grep -E '^(X-|Subject)' "$TEST_TMP/edits.sd.msg")" "Subject: checked
X-Remove: one
X-Remove: two
X-Warn: one
X-Info: two
X-Replaced: was five
X-Plain: kept
X-Prepend: six
X-Bcc: seven" "edits: IGNORE and STRIP drop fields (a change is not made), REPLACE replaces"
tap_is "$(grep -c 'milter-header-' "$TEST_TMP/edits.sd.log")" 7 \
	"edits: WARN, INFO, STRIP, two REPLACEs, PREPEND and BCC are logged"
grep -q '^recipient: other@example.test$' "$TEST_TMP/edits.sd.msg"
tap_ok $? "edits: BCC adds its recipient"

compare reject 'eom addheader X-Reject yes
eom addheader X-After yes' noqueue
actions reject
tap_is "$(tr -d '\r' <"$TEST_TMP/reject.sd" | grep '^5')" \
	"550 5.7.9 header refused" "reject: the table's reply ends the message"
tap_is "$(grep -c 'milter-header-warning' "$TEST_TMP/reject.sd.log")" 0 \
	"reject: the milter's later changes are not checked (nor made)"

compare defer 'eom addheader X-Defer yes' noqueue
actions defer
compare discard 'eom addheader X-Discard yes
eom addheader X-After yes' noqueue
actions discard
grep -q 'milter-discard\|discard' "$SD_LOG"
tap_ok $? "discard: posternd logs the discard"

compare hold 'eom addheader X-Hold yes'
actions hold
[ -f "$PFX_DIR/queue/hold/$PF_ID" ]
tap_ok $? "hold: Postfix holds the message"
[ -f "$SD_QUEUE/hold/$SD_ID" ]
tap_ok $? "hold: posternd holds it"
tap_is "$(sd_queue envelope "$SD_ID" | grep '^hold_')" "hold_reason=held
hold_filter=milter_header_checks" "hold: the reason is the action's text"

# REDIRECT: Postfix keeps the recipients with a redirect record for its
# queue manager; posternd writes the one recipient, as it does for a
# restriction's REDIRECT.
compare redirect 'eom addheader X-Redirect yes' noqueue
actions redirect
sd_id=$(queued "$TEST_TMP/redirect.sd.raw")
tap_is "$(sd_queue envelope "$sd_id" | sed -n 's/^rcpt=\([^ ]*\) .*/\1/p')" "red@example.test" \
	"redirect: posternd queues the message for the REDIRECT address only"

# non_smtpd_milters: the same checks on mail from postern sendmail.
sd_stop
mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
printf 'example.test\tmaildir:%s\n' "$TEST_TMP/mail/box" >"$TEST_TMP/transport"
chmod 644 "$TEST_TMP/transport"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" 'non_smtpd_milters = inet:127.0.0.1:8902'
sd_start -o master_service_disable=
milters 'eom addheader X-Warn one
eom addheader X-Ignore three
eom addheader X-Replace five'
printf 'Subject: local\n\nbody\n' |
	"$top_builddir/relay/postern" -c "$SD_CONF" sendmail -f alice@example.org bob@example.test
h_wait_until 20 eval "grep -lq 'Subject: local' '$TEST_TMP/mail/box'/new/* 2>/dev/null"
f=$(grep -l 'Subject: local' "$TEST_TMP/mail/box"/new/* 2>/dev/null | head -n 1)
tap_is "$(grep -E '^X-' "${f:-/dev/null}" | grep -v '^X-Original-To:')" "X-Warn: one
X-Replaced: was five" "sendmail: the checks apply to non_smtpd_milters' changes"
grep -q 'milter-header-warning: header X-Warn: one from localhost\[127.0.0.1\]; from=<alice@example.org> to=<bob@example.test>' "$SD_LOG"
tap_ok $? "sendmail: logged with the local client and the envelope"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
