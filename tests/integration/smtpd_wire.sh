#!/usr/bin/env bash
# smtpd_wire.sh: wire safety (issue 3, acceptance 3). Each case sends exact
# bytes to posternd and checks that exactly one message with the expected
# content, or none, is queued:
#  - the SMTP smuggling sequences inside DATA (<LF>.<LF>, <LF>.<CRLF>,
#    <CR>.<CR>, ...): with smtpd_forbid_bare_newline = normalize (and
#    Postfix 3.7's default "no", which Postern reads the same way) the
#    message is queued with the forged transaction as its content; with
#    "reject" it is refused (550 5.5.2) and nothing is queued; never two
#    messages, never one from the forged sender;
#  - bare LF, bare CR and NUL in commands, over-long command lines, an
#    over-long header section, a header line longer than
#    line_length_limit, dot-stuffing and the empty message;
#  - a whole transaction pipelined after STARTTLS is discarded, never
#    executed: only the one sent inside TLS is queued.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
tl_certs

sd_init
# No Message-Id/Date added: the stored content is exactly what was sent.
sd_conf 'local_header_rewrite_clients =' 'header_size_limit = 2000'
sd_master '127.0.0.1:2525 inet n - n - - smtpd' \
	'127.0.0.1:2527 inet n - n - - smtpd -o smtpd_forbid_bare_newline=reject' \
	'127.0.0.1:2528 inet n - n - - smtpd -o smtpd_forbid_bare_newline=normalize' \
	"127.0.0.1:2529 inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_tls_chain_files=$TL_CERTS/server.pem"
sd_start

# stored ID: the content after our Received header, lines joined with "|"
# (each stored line must end in CRLF; a line that does not shows "<noCRLF>").
stored() {
	sd_queue content "$1" | awk 'NR == 1 && /^Received:/ { skip = 1; next }
		skip && /^\t/ { next } { skip = 0; print }' |
		sed 's/\r$//; t; s/$/<noCRLF>/' | paste -sd'|'
}

# session PORT PAYLOAD: EHLO, MAIL, RCPT, DATA, then PAYLOAD (Python
# escapes), then read every reply until the server closes.
session() {
	sd_chat "$1" <<EOS
R
S EHLO client.example\r\n
R
S MAIL FROM:<good@example.net>\r\nRCPT TO:<rcpt@example.org>\r\nDATA\r\n
R 3
S $2
E
EOS
}

# run_case NAME PORT PAYLOAD WANT: WANT is "none REPLY" (nothing queued,
# REPLY among the replies) or the expected stored content.
run_case() {
	local name=$1 port=$2 payload=$3 want=$4
	local before after replies new
	before=$(sd_queue list | cut -f1 | sort)
	replies=$(session "$port" "$payload")
	after=$(sd_queue list | cut -f1 | sort)
	new=$(comm -13 <(echo "$before") <(echo "$after") | grep -v '^$')
	if [ "${want%% *}" = none ]; then
		tap_is "$(wc -w <<<"$new")" 0 "$name: nothing is queued"
		grep -qF -- "${want#none }" <<<"$replies"
		tap_ok $? "$name: the reply is ${want#none }"
	else
		tap_is "$(wc -w <<<"$new")" 1 "$name: exactly one message is queued"
		tap_is "$(stored "$new")" "$want" "$name: with the expected content"
	fi
	sd_queue list | grep -q 'evil@x'
	tap_ok $((!$?)) "$name: no message from the forged sender"
	tap_is "$(tail -n 2 <<<"$replies")" "221 2.0.0 Bye
EOF" "$name: the session stays in sync (QUIT is answered)"
}

smuggle() { # SEQ: a message with a forged second transaction after SEQ
	printf '%s' "Subject: s\\r\\n\\r\\nhello$1MAIL FROM:<evil@x>\\r\\nRCPT TO:<v@y>\\r\\nDATA\\r\\nSubject: evil\\r\\n\\r\\nbad\\r\\n.\\r\\nQUIT\\r\\n"
}
forged='MAIL FROM:<evil@x>|RCPT TO:<v@y>|DATA|Subject: evil||bad'
bare_lf='none 550 5.5.2 mx.example.test Error: bare <LF> received'
bare_cr='none 550 5.5.2 mx.example.test Error: bare <CR> received'

# NAME SEQ REJECT-WANT NORMALIZE-WANT
while IFS='|' read -r name seq rwant nwant; do
	[ -n "$name" ] || continue
	payload=$(smuggle "$seq")
	run_case "$name (reject)" 2527 "$payload" "${!rwant}"
	nwant=${nwant//FORGED/$forged}
	run_case "$name (normalize)" 2528 "$payload" "$nwant"
	run_case "$name (default: no)" 2525 "$payload" "$nwant"
done <<'CASES'
<LF>.<LF>|\n.\n|bare_lf|Subject: s||hello||FORGED
<LF>.<CRLF>|\n.\r\n|bare_lf|Subject: s||hello||FORGED
<CR>.<CR>|\r.\r|bare_cr|Subject: s||hello||FORGED
<CRLF>.<LF>|\r\n.\n|bare_lf|Subject: s||hello||FORGED
<CRLF>.<CR>|\r\n.\r|bare_cr|Subject: s||hello||FORGED
<CR>.<CRLF>|\r.\r\n|bare_cr|Subject: s||hello||FORGED
<LF>.<CR>|\n.\r|bare_lf|Subject: s||hello||FORGED
<CR>.<LF>|\r.\n|bare_cr|Subject: s||hello||FORGED
<CRLF>.<CR><CRLF>|\r\n.\r\r\n|bare_cr|Subject: s||hello|||FORGED
CASES

# Dot-stuffing and the smallest messages.
run_case "dot-stuffed lines lose one dot" 2525 \
	'Subject: d\r\n\r\n..x\r\n...\r\n.\r\nQUIT\r\n' 'Subject: d||.x|..'
run_case "an empty message" 2525 '.\r\nQUIT\r\n' ''
run_case "a message without a final CRLF before the dot is not ended by \"x.\"" 2525 \
	'Subject: e\r\n\r\nx.\r\n.\r\nQUIT\r\n' 'Subject: e||x.'

# Over-long header section (header_size_limit = 2000 here): refused.
long_header="Subject: $(printf 'x%.0s' $(seq 1 1500))\\r\\nX-More: $(printf 'y%.0s' $(seq 1 1500))\\r\\n\\r\\nbody\\r\\n.\\r\\nQUIT\\r\\n"
run_case "a header section over header_size_limit" 2525 "$long_header" \
	'none 552 5.3.4 Message header size exceeds fixed limit'
# One header line longer than line_length_limit (2048) but within the
# header limit of another listener: kept whole, byte for byte.
sd_stop
sd_conf 'header_size_limit = 102400'
sd_start
long_line=$(printf 'z%.0s' $(seq 1 3000))
run_case "a header line longer than line_length_limit is kept whole" 2525 \
	"X-Long: $long_line\\r\\n\\r\\nb\\r\\n.\\r\\nQUIT\\r\\n" "X-Long: $long_line||b"

# Commands: bare LF (normalize: a line end; reject: refused), bare CR and
# NUL (refused in both modes), over-long lines (refused, never cut short
# and executed).
cmd_session() { # PORT PAYLOAD
	sd_chat "$1" <<EOS
R
S $2
E
EOS
}
got=$(cmd_session 2528 'EHLO c\nMAIL FROM:<a@example.net>\nQUIT\n' | grep -v '^250-')
tap_is "$got" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
250 2.1.0 Ok
221 2.0.0 Bye
EOF" "commands ended by bare LF: normalize takes them as lines"
got=$(cmd_session 2527 'EHLO c\r\nMAIL FROM:<a@example.net>\nRSET\r\nQUIT\r\n' | grep -v '^250-')
tap_is "$got" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
550 5.5.2 mx.example.test Error: bare <LF> received
EOF" "a command ended by bare LF: reject refuses it and hangs up, as Postfix does"
got=$(cmd_session 2525 'EHLO c\r\nMAIL FROM:<a@example.net>\rRCPT TO:<b@example.org>\r\nQUIT\r\n' |
	grep -v '^250-')
tap_is "$got" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
500 5.5.2 Error: bad syntax
221 2.0.0 Bye
EOF" "a bare CR never ends a command: the whole line is refused"
got=$(cmd_session 2525 'EHLO c\r\nMAIL FROM:<a@example.net>\x00\r\nQUIT\r\n' | grep -v '^250-')
tap_is "$got" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
500 5.5.2 Error: bad syntax
221 2.0.0 Bye
EOF" "a NUL in a command: refused"
long_rcpt="RCPT TO:<$(printf 'a%.0s' $(seq 1 2100))@example.org>"
got=$(cmd_session 2525 "EHLO c\\r\\nMAIL FROM:<a@example.net>\\r\\n$long_rcpt\\r\\nDATA\\r\\nQUIT\\r\\n" |
	grep -v '^250-')
tap_is "$got" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
250 2.1.0 Ok
500 5.5.2 Error: line too long
554 5.5.1 Error: no valid recipients
221 2.0.0 Bye
EOF" "an over-long RCPT line is refused whole (no recipient is added)"

# A transaction pipelined after STARTTLS, in the clear, then a real one
# inside TLS.
before=$(sd_queue list | wc -l)
got=$(tl_chat 2529 <<'EOS' | grep -v '^250-'
R
S EHLO c\r\n
R
S STARTTLS\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@example.org>\r\nDATA\r\nSubject: evil\r\n\r\nbad\r\n.\r\n
R
T
S EHLO c\r\n
R
S MAIL FROM:<good@example.net>\r\nRCPT TO:<rcpt@example.org>\r\nDATA\r\n
R 3
S Subject: inside\r\n\r\ntls\r\n.\r\nQUIT\r\n
E
EOS
)
tap_is "$(sed -e 's/queued as .*/queued as ID/' -e 's/^TLS TLSv.*/TLS/' <<<"$got")" "220 mx.example.test ESMTP Postfix
250 SMTPUTF8
220 2.0.0 Ready to start TLS
TLS
250 SMTPUTF8
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as ID
221 2.0.0 Bye
EOF" "STARTTLS: what was pipelined after it is never answered"
tap_is "$(($(sd_queue list | wc -l) - before))" 1 "STARTTLS: exactly one message is queued"
sd_queue list | grep -q 'evil@x'
tap_ok $((!$?)) "STARTTLS: nothing from the pipelined transaction"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
