#!/usr/bin/env bash
# smtp_postfix.sh: our MAIL/RCPT command codecs (smtp_line, smtp_cmd,
# smtp_params, smtp_reply) answer like Postfix 3.7's smtpd. Each command is
# sent to a real Postfix smtpd in stand-alone mode (smtpd -S, reading the
# session on stdin, with a private main.cf) and to tests/integration/
# smtp_probe, and the replies are compared:
#   same             the same reply, code, enhanced code and text;
#   stricter:REPLY   Postfix accepts (2xx), we refuse with REPLY (each such
#                    case is a documented decision, see smtp_params.h);
#   differs:REPLY    both refuse, we with REPLY (see smtp_line.h).
. "$top_srcdir/tests/lib/tap.sh"

daemon_dir=$(postconf -d -h daemon_directory 2>/dev/null)
smtpd=${daemon_dir:-/usr/lib/postfix/sbin}/smtpd
probe=$top_builddir/tests/integration/smtp_probe
if [ ! -x "$smtpd" ]; then
	echo "Bail out! Postfix smtpd not found: install the Debian package postfix"
	exit 1
fi

# In stand-alone mode smtpd hands a transaction with a valid RCPT to
# postdrop, which writes into maildrop (removed again at RSET).
mkdir -p "$TEST_TMP/etc" "$TEST_TMP/queue/maildrop" "$TEST_TMP/queue/public"
chown postfix:postdrop "$TEST_TMP/queue/maildrop" 2>/dev/null && chmod 1730 "$TEST_TMP/queue/maildrop"
cat >"$TEST_TMP/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $TEST_TMP/queue
data_directory = $TEST_TMP/queue
myhostname = mx.example.org
mydestination =
local_recipient_maps =
alias_maps =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_error_sleep_time = 0
EOF

long_path="<$(printf 'a%.0s' $(seq 1 3000))@example.org>"

# One case per line: KIND <TAB> EXPECTATION <TAB> COMMAND. KIND M is a MAIL
# command (sent to Postfix followed by RSET), R a RCPT command (sent after a
# valid MAIL and followed by RSET).
normal_cases=$(cat <<EOF
M	same	MAIL FROM:<a@example.org>
M	same	MAIL FROM: <a@example.org>
M	same	MAIL FROM:a@example.org
M	same	mail from:<a@example.org> size=00012 body=7bit
M	same	MAIL  FROM:<a@example.org>	SIZE=1000 BODY=8BITMIME
M	same	MAIL FROM:<> SMTPUTF8 RET=HDRS ENVID=QQ+2B1
M	same	MAIL FROM:<a@example.org> AUTH=<>
M	same	MAIL FROM:<a@example.org> FOO=bar
M	same	MAIL FROM:<a@example.org> =x
M	same	MAIL FROM:<a@example.org> SIZE=abc
M	same	MAIL FROM:<a@example.org> SIZE=
M	same	MAIL FROM:<a@example.org> SIZE=-1
M	same	MAIL FROM:<a@example.org> SIZE=999999999999
M	same	MAIL FROM:<a@example.org> BODY=foo
M	same	MAIL FROM:<a@example.org> BODY=BINARYMIME
M	same	MAIL FROM:<a@example.org> BODY
M	same	MAIL FROM:<a@example.org> SMTPUTF8=x
M	same	MAIL FROM:<a@example.org> RET=x
M	same	MAIL FROM:<a@example.org> RET=FULL RET=HDRS
M	same	MAIL FROM:<a@example.org> ENVID=a+zz
M	same	MAIL FROM:<a@example.org> ENVID=a ENVID=b
M	same	MAIL FROM:<a@example.org> AUTH=a AUTH=b
M	same	MAIL FROM:<a@example.org> NOTIFY=NEVER
M	same	MAIL FROM:<a@example.org>SIZE=1
M	same	MAIL FROM:
M	same	MAIL FROM :<a@example.org>
M	same	MAIL TO:<a@example.org>
M	stricter:501 5.5.4 Error: duplicate SIZE parameter	MAIL FROM:<a@example.org> SIZE=1 SIZE=2
M	stricter:501 5.5.4 Error: duplicate BODY parameter	MAIL FROM:<a@example.org> BODY=7BIT BODY=8BITMIME
M	stricter:501 5.5.4 Bad AUTH parameter syntax	MAIL FROM:<a@example.org> AUTH=a+zz
M	differs:500 5.5.2 Error: line too long	MAIL FROM:$long_path
R	same	RCPT TO:<x@example.net>
R	same	RCPT TO:x@example.net
R	same	RCPT TO:<x@example.net> NOTIFY=NEVER
R	same	RCPT TO:<x@example.net> NOTIFY=success,delay ORCPT=rfc822;x+2By@example.net
R	same	RCPT TO:<x@example.net> NOTIFY=NEVER,SUCCESS
R	same	RCPT TO:<x@example.net> NOTIFY=NEVER NOTIFY=NEVER
R	same	RCPT TO:<x@example.net> NOTIFY=
R	same	RCPT TO:<x@example.net> ORCPT=;x@example.net
R	same	RCPT TO:<x@example.net> ORCPT=rfc822
R	same	RCPT TO:<x@example.net> ORCPT=rfc822;x@y+
R	same	RCPT TO:<x@example.net> ORCPT=rfc822;a@b ORCPT=rfc822;c@d
R	same	RCPT TO:<x@example.net> ORCPT=rfc822;x y
R	same	RCPT TO:<x@example.net> SIZE=1
R	same	RCPT TO:<x@example.net> BODY=7BIT
R	same	RCPT TO:<x@example.net>NOTIFY=NEVER
R	same	RCPT TO:
R	same	RCPT FROM:<x@example.net>
R	stricter:501 5.5.4 Error: Bad NOTIFY parameter syntax	RCPT TO:<x@example.net> NOTIFY=SUCCESS,,DELAY
R	stricter:501 5.5.4 Error: Bad NOTIFY parameter syntax	RCPT TO:<x@example.net> NOTIFY=NEVER,NEVER
R	stricter:501 5.5.4 Error: Bad ORCPT parameter syntax	RCPT TO:<x@example.net> ORCPT=rfc822;
R	stricter:501 5.5.4 Error: Bad ORCPT parameter syntax	RCPT TO:<x@example.net> ORCPT=rfc822;x=y
EOF
)

strict_cases=$(cat <<EOF
M	same	MAIL FROM:<a@example.org>
M	same	MAIL FROM: <a@example.org>
M	same	MAIL FROM:a@example.org
M	same	MAIL FROM:<a@example.org (comment)>
R	same	RCPT TO:x@example.net
R	same	RCPT TO:<"x y"@example.net>
EOF
)

# run_cases NAME CASES [smtpd options...]: compare every case.
run_cases() {
	local name=$1 cases=$2
	shift 2
	local kinds=() expects=() cmds=() kind expect cmd
	while IFS=$'\t' read -r kind expect cmd; do
		kinds+=("$kind")
		expects+=("$expect")
		cmds+=("$cmd")
	done <<<"$cases"

	local session=$TEST_TMP/$name.session ours=$TEST_TMP/$name.ours theirs=$TEST_TMP/$name.theirs
	local i
	{
		printf 'EHLO probe.example\r\n'
		for i in "${!cmds[@]}"; do
			[ "${kinds[$i]}" = R ] && printf 'MAIL FROM:<s@example.org>\r\n'
			printf '%s\r\nRSET\r\n' "${cmds[$i]}"
		done
		printf 'QUIT\r\n'
	} >"$session"
	MAIL_CONFIG=$TEST_TMP/etc timeout 20 "$smtpd" -S "$@" <"$session" 2>"$TEST_TMP/$name.err" |
		tr -d '\r' | awk 'NR == 1 { next } !ehlo && /^250-/ { next }
			!ehlo && /^250 / { ehlo = 1; next } { print }' >"$theirs"
	local probe_opts=()
	[ "$name" = strict ] && probe_opts=(-s)
	for i in "${!cmds[@]}"; do printf '%s\r\n' "${cmds[$i]}"; done |
		"$probe" "${probe_opts[@]}" | tr -d '\r' >"$ours"

	local -a pf ours_lines
	mapfile -t pf <"$theirs"
	mapfile -t ours_lines <"$ours"
	tap_is "${#ours_lines[@]}" "${#cmds[@]}" "$name: the probe answers every command"
	local at=0 want got shown
	for i in "${!cmds[@]}"; do
		[ "${kinds[$i]}" = R ] && at=$((at + 1)) # the MAIL before it
		got=${pf[$at]}
		at=$((at + 2)) # the reply and RSET's
		shown=${cmds[$i]:0:70}
		case ${expects[$i]} in
		same)
			tap_is "${ours_lines[$i]}" "$got" "$name: \"$shown\": $got"
			;;
		stricter:*)
			want=${expects[$i]#stricter:}
			[[ $got == 2* && ${ours_lines[$i]} == "$want" ]]
			tap_ok $? "$name: \"$shown\": Postfix \"$got\", we \"${ours_lines[$i]}\""
			;;
		differs:*)
			want=${expects[$i]#differs:}
			[[ $got == [45]* && ${ours_lines[$i]} == "$want" ]]
			tap_ok $? "$name: \"$shown\": Postfix \"$got\", we \"${ours_lines[$i]}\""
			;;
		esac
	done
	tap_is "${pf[$at]}" "221 2.0.0 Bye" "$name: Postfix's session stayed in step"
}

run_cases normal "$normal_cases"
run_cases strict "$strict_cases" -o strict_rfc821_envelopes=yes
tap_done
