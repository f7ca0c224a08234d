#!/usr/bin/env bash
# milter_postfix.sh: issue 5, acceptance 4: the scripted libmilter test
# milter (tests/milters/script-milter) runs each scenario under a private
# Postfix 3.7 and under posternd, both with smtpd_milters; the SMTP replies
# and the queued message (sender, recipients, header and body, less the
# Received header and the queue id) must be the same, DSN envelope
# attributes (ENVID, RET, NOTIFY, ORCPT) included. Both run with
# milter_macro_defaults and with smtpd_milter_maps (per-client milters:
# DISABLE for 127.0.0.2, an unreachable milter that rejects for
# 127.0.0.3). Postfix's queue manager is off, so its queue file stays
# where postcat reads it.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/milter_lib.sh"
H_TIME_LIMIT=900
h_netns_enter "$@"

DEFAULTS='milter_macro_defaults = { {auth_type} = none given }, {tls_version}=none'
for mta in pf sd; do
	printf '%s\n' '127.0.0.2 DISABLE' \
		'127.0.0.3 { inet:127.0.0.1:8999, default_action=reject }' >"$TEST_TMP/$mta.maps"
	chmod 644 "$TEST_TMP/$mta.maps"
done
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'smtpd_milters = inet:127.0.0.1:8901' \
	'milter_default_action = tempfail' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no' "$DEFAULTS" \
	"smtpd_milter_maps = cidr:$TEST_TMP/pf.maps"
pfx_start pf || h_bail "postfix did not start"

sd_init
sd_conf 'smtpd_milters = inet:127.0.0.1:8902' 'milter_default_action = tempfail' \
	'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no' "$DEFAULTS" \
	"smtpd_milter_maps = cidr:$TEST_TMP/sd.maps"
sd_start

compare plain '# no actions'
compare edits 'eom addheader X-Added added value
eom insheader 0 X-Top at the top
eom insheader 3 X-Third third
eom chgheader Subject 1 changed subject
eom chgheader X-Remove 2
eom chgheader X-Missing 1 added by change
eom chgfrom <newsender@example.test>
eom addrcpt <dave@example.test>
eom delrcpt <carol@example.test>'
compare body 'eom replbody new body\nsecond line\n'
# A milter that takes every step without a reply (SMFIP_NR_*) but the end.
compare noreply 'option noreply
eom addheader X-No-Reply steps'
grep -q '^X-No-Reply: steps$' "$TEST_TMP/noreply.sd.msg"
tap_ok $? "noreply: the milter's change is in posternd's queued message"
compare leadspc 'option leadspc
eom addheader X-Lead  two spaces kept
eom chgheader Subject 1  also kept'
compare rcpt_par 'eom addrcpt_par <erin@example.test> NOTIFY=NEVER'
# ESMTP arguments of an added recipient: NOTIFY and ORCPT are kept, others
# ignored with a warning; those of a changed sender: RET and ENVID.
compare rcpt_par_args 'eom addrcpt_par <erin@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2Berin@example.test
eom addrcpt_par <frank@example.test> NOTIFY=NEVER FOO=bar'
grep -q "recipient: erin@example.test notify=10 orcpt=rfc822;orig+erin@example.test" \
	"$TEST_TMP/rcpt_par_args.sd.msg"
tap_ok $? "rcpt_par_args: posternd queues NOTIFY=SUCCESS,DELAY and the decoded ORCPT"
grep -q "$SD_ID: ignoring ESMTP argument from Milter: \"FOO=bar\"" "$SD_LOG"
tap_ok $? "rcpt_par_args: an unknown argument is logged and ignored"
compare chgfrom_args 'eom chgfrom <new@example.test> RET=HDRS ENVID=env+2Bid BODY=8BITMIME'
tap_is "$(grep -E '^(sender|envid|ret):' "$TEST_TMP/chgfrom_args.sd.msg")" "sender: new@example.test
envid: env+id
ret: HDRS" "chgfrom_args: posternd queues the new sender with its RET and ENVID"

# smtpd_milter_maps: no milter for 127.0.0.2; for 127.0.0.3 one that
# cannot be reached, whose default action rejects.
SMTPD_CLIENT_SOURCE=127.0.0.2 compare maps_disable 'eom addheader X-Milter seen'
tap_is "$(cat "$TEST_TMP/pf.mlog" "$TEST_TMP/sd.mlog" | grep -c .):$(grep -c X-Milter \
	"$TEST_TMP/maps_disable.sd.msg")" "0:0" "maps_disable: neither MTA called the milter"
SMTPD_CLIENT_SOURCE=127.0.0.3 compare maps_other 'eom addheader X-Milter seen' short
grep -q '^550 5.5.0 Service unavailable' "$TEST_TMP/maps_other.sd"
tap_ok $? "maps_other: the client's own milter list applies (its default action rejects)"
compare reject_rcpt 'rcpt=<carol@example.test> reply reject'
compare tempfail_rcpt 'rcpt=<carol@example.test> reply tempfail'
compare replycode_rcpt 'rcpt=<carol@example.test> replycode 553 5.7.2 not carol'
compare reject_mail 'mail reply reject' short
compare tempfail_mail 'mail reply tempfail' short
compare reject_helo 'helo reply reject' short
compare tempfail_helo 'helo reply tempfail' short
compare reject_connect 'connect reply reject' short
compare tempfail_connect 'connect reply tempfail' short
compare replycode_connect 'connect replycode 554 5.7.1 go away' short
compare reject_data 'data reply reject' noqueue
compare reject_eom 'eom reply reject' noqueue
compare tempfail_eom 'eom reply tempfail' noqueue
compare mlreply_eom 'eom mlreply 550 5.7.0 first line|second line|third line' noqueue
compare discard_eom 'eom reply discard' noqueue
compare discard_rcpt 'rcpt reply discard' noqueue
compare accept_connect 'connect reply accept
eom addheader X-Never not added'
compare accept_mail 'mail reply accept
eom addheader X-Never not added'
compare skip_body 'body reply skip
eom addheader X-Skipped yes'
compare quarantine 'eom quarantine held for review'
[ -f "$PFX_DIR/queue/hold/$PF_ID" ]
tap_ok $? "quarantine: Postfix holds the message"
tap_is "$(sd_queue envelope "$SD_ID" | grep '^hold_')" "hold_reason=held for review
hold_filter=inet:127.0.0.1:8902" "quarantine: posternd holds it with the reason and the milter"
[ -f "$SD_QUEUE/hold/$SD_ID" ]
tap_ok $? "quarantine: posternd's queue file is in hold/"

# The macros each milter saw, stage by stage (values that name the MTA's
# own queue id and port are masked).
compare macros 'eom addheader X-Macros seen'
mask() { sed -e 's/ i=[0-9A-Z]*/ i=ID/g' -e 's/{client_port}=[0-9]*/{client_port}=N/' \
	-e 's/{daemon_addr}=[^ ]*/{daemon_addr}=A/' -e 's/ v=.*//'; }
mask <"$TEST_TMP/pf.mlog" >"$TEST_TMP/pf.masked"
mask <"$TEST_TMP/sd.mlog" >"$TEST_TMP/sd.masked"
same "the milter sees the same commands, arguments and macros" "$TEST_TMP/pf.masked" \
	"$TEST_TMP/sd.masked"
tap_is "$(grep -cE '^(mail|rcpt|data|eom) .* \{tls_version\}=none \{auth_type\}=none given' \
	"$TEST_TMP/sd.mlog")" 5 "milter_macro_defaults give the macros posternd has no value for"
tap_is "$(grep -E '^(mail|rcpt|data|eom) ' "$TEST_TMP/sd.mlog" | grep -c ' i=[0-9A-Z]')" 3 \
	"the queue id (i) from the second RCPT on, as Postfix: it exists after the first"

# MAIL and RCPT go to the milter with their ESMTP parameters.
milters '# esmtp'
printf '%s\n' R 'S EHLO client.example.test\r\n' R \
	'S MAIL FROM:<alice@example.test> SIZE=500 BODY=8BITMIME\r\n' R \
	'S RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test\r\n' R \
	'S QUIT\r\n' E >"$TEST_TMP/esmtp.script"
sd_chat 10025 <"$TEST_TMP/esmtp.script" >/dev/null
sd_chat 2525 <"$TEST_TMP/esmtp.script" >/dev/null
grep -E '^(mail|rcpt) ' "$TEST_TMP/pf.mlog" | cut -d' ' -f1-4 >"$TEST_TMP/pf.esmtp"
grep -E '^(mail|rcpt) ' "$TEST_TMP/sd.mlog" | cut -d' ' -f1-4 >"$TEST_TMP/sd.esmtp"
same "MAIL and RCPT reach the milter with the same ESMTP parameters" "$TEST_TMP/pf.esmtp" \
	"$TEST_TMP/sd.esmtp"
grep -q '^mail <alice@example.test> SIZE=500 BODY=8BITMIME' "$TEST_TMP/sd.esmtp"
tap_ok $? "... SIZE and BODY among them"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
