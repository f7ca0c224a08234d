#!/usr/bin/env bash
# milter_postfix.sh: issue 5, acceptance 4: the scripted libmilter test
# milter (tests/milters/script-milter) runs each scenario under a private
# Postfix 3.7 and under posternd, both with smtpd_milters; the SMTP replies
# and the queued message (sender, recipients, header and body, less the
# Received header and the queue id) must be the same. Postfix's queue
# manager is off, so its queue file stays where postcat reads it.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=300
h_netns_enter "$@"

SM=$top_builddir/tests/milters/script-milter
pfx_init pf 127.0.0.1:10025
pfx_conf pf 'myhostname = mx.example.test' 'smtpd_milters = inet:127.0.0.1:8901' \
	'milter_default_action = tempfail' 'master_service_disable = qmgr/unix' \
	'smtpd_error_sleep_time = 0' 'smtpd_peername_lookup = no'
pfx_start pf || h_bail "postfix did not start"

sd_init
sd_conf 'smtpd_milters = inet:127.0.0.1:8902' 'milter_default_action = tempfail' \
	'smtpd_banner = $myhostname ESMTP' 'smtpd_peername_lookup = no'
sd_start

# milters SCRIPT-TEXT: (re)start one script milter for each MTA.
milters() {
	printf '%s\n' "$1" >"$TEST_TMP/script"
	h_daemon_stop sm_pf 5 >/dev/null 2>&1
	h_daemon_stop sm_sd 5 >/dev/null 2>&1
	: >"$TEST_TMP/pf.mlog"
	: >"$TEST_TMP/sd.mlog"
	h_daemon_start sm_pf "$SM" -p inet:8901@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/pf.mlog"
	h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/sd.mlog"
	h_wait_port 127.0.0.1 8901 && h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not start"
}

# The session: two recipients and a message with fields to change; with
# "short", the envelope only (for refusals before DATA).
session() {
	if [ "${1:-}" = short ]; then
		printf '%s\n' R 'S HELO client.example.test\r\n' R 'S MAIL FROM:<alice@example.test>\r\n' \
			R 'S RCPT TO:<bob@example.test>\r\n' R 'S RSET\r\n' R \
			'S MAIL FROM:<alice@example.test>\r\n' R 'S QUIT\r\n' E
		return
	fi
	cat <<'EOF2'
R
S HELO client.example.test\r\n
R
S MAIL FROM:<alice@example.test>\r\n
R
S RCPT TO:<bob@example.test>\r\n
R
S RCPT TO:<carol@example.test>\r\n
R
S DATA\r\n
R
S From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: original\r\nX-Remove: one\r\nX-Remove: two\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\nfirst body line\r\n..dot line\r\n.\r\n
R
S QUIT\r\n
E
EOF2
}

# (sent as the DATA of a session that was refused earlier, the message's
# lines would become commands)

# queued FILE: the queue id in a reply transcript, or nothing.
queued() { sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Z]*\).*/\1/p' "$1"; }

# pf_message ID / sd_message ID: "sender: X", sorted "recipient: X" lines,
# then the content without Received fields, from each MTA's queue.
pf_message() {
	postcat -c "$PFX_DIR/etc" -q "$1" >"$TEST_TMP/postcat" 2>&1
	sed -n 's/^sender: /sender: /p' "$TEST_TMP/postcat"
	sed -n 's/^recipient: /recipient: /p' "$TEST_TMP/postcat" | sort
	postcat -c "$PFX_DIR/etc" -bh -q "$1" 2>/dev/null | strip_received
}
sd_message() {
	sd_queue envelope "$1" | sed -n 's/^sender=/sender: /p'
	sd_queue envelope "$1" | sed -n 's/^rcpt=\([^ ]*\) .*/recipient: \1/p' | sort
	sd_queue content "$1" | tr -d '\r' | strip_received
}
strip_received() {
	awk '/^$/ { body = 1 } !body && /^Received:/ { skip = 1; next }
	     !body && skip && /^[ \t]/ { next } { skip = 0; print }'
}

# same TEXT A B: a test that files A and B are the same; the diff if not.
same() {
	if diff -u "$2" "$3" >"$2.diff"; then
		tap_ok 0 "$1"
	else
		tap_ok 1 "$1"
		sed 's/^/# /' "$2.diff"
	fi
}

# compare NAME SCRIPT [WHAT]: run the session under both MTAs with
# SCRIPT; the replies must match and, unless WHAT says "noqueue", the
# queued messages too.
compare() {
	local name=$1 pf_id sd_id
	milters "$2"
	local how=${3:-}
	session "${how#no}" | sd_chat 10025 >"$TEST_TMP/$name.pf.raw"
	session "${how#no}" | sd_chat 2525 >"$TEST_TMP/$name.sd.raw"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.pf.raw" >"$TEST_TMP/$name.pf"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.sd.raw" >"$TEST_TMP/$name.sd"
	same "$name: the same SMTP replies as Postfix" "$TEST_TMP/$name.pf" "$TEST_TMP/$name.sd"
	[ -n "$how" ] && return
	pf_id=$(queued "$TEST_TMP/$name.pf.raw")
	sd_id=$(queued "$TEST_TMP/$name.sd.raw")
	if [ -z "$pf_id" ] || [ -z "$sd_id" ]; then
		tap_ok 1 "$name: both queued the message (Postfix: '$pf_id', posternd: '$sd_id')"
		return
	fi
	pf_message "$pf_id" >"$TEST_TMP/$name.pf.msg"
	sd_message "$sd_id" >"$TEST_TMP/$name.sd.msg"
	same "$name: the same queued message as Postfix" "$TEST_TMP/$name.pf.msg" \
		"$TEST_TMP/$name.sd.msg"
	PF_ID=$pf_id
	SD_ID=$sd_id
}

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
compare leadspc 'option leadspc
eom addheader X-Lead  two spaces kept
eom chgheader Subject 1  also kept'
compare rcpt_par 'eom addrcpt_par <erin@example.test> NOTIFY=NEVER'
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

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
