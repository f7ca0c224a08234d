#!/usr/bin/env bash
# tls_smtpd.sh: posternd's TLS next to a real Postfix 3.7 with the same
# parameters, listener by listener (posternd on 25xx, Postfix on 35xx):
#   - STARTTLS as Postfix offers and answers it, including input pipelined
#     after STARTTLS (discarded: never read as a command);
#   - smtpd_tls_security_level = encrypt: 530 5.7.0 before STARTTLS, and
#     smtpd_tls_mandatory_protocols in force;
#   - smtpd_tls_protocols in both syntaxes ("<=TLSv1.2", "!TLSv1.3"),
#     smtpd_tls_ciphers, smtpd_tls_exclude_ciphers and
#     tls_preempt_cipherlist: the same protocol and cipher as Postfix for
#     the same client offer (openssl s_client);
#   - smtpd_tls_wrappermode (465) with smtpd_tls_ask_ccert and a client
#     certificate from the test CA;
#   - smtpd_tls_received_header and smtpd_tls_loglevel: the Received
#     header's TLS lines and the "TLS connection established" log line as
#     Postfix writes them;
#   - the session cache parameters are accepted and sessions resume;
#   - a protocol list that cannot work stops posternd at start-up with an
#     error naming the parameter.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
h_dns_start

tl_certs
common=(
	"smtpd_tls_chain_files = $TL_CERTS/server.pem"
	"smtpd_tls_CAfile = $TL_CERTS/ca.pem"
	"smtpd_tls_security_level = may"
	"smtpd_tls_loglevel = 1"
	"smtpd_tls_received_header = yes"
	"smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache"
	"smtpd_tls_session_cache_timeout = 600s"
	"tls_ssl_options = NO_COMPRESSION"
)
# listeners PORTBASE: the master.cf lines for ports PORTBASE+25 etc.
listeners() {
	local b=$1
	printf '%s\n' \
		"127.0.0.1:${b}25 inet n - n - - smtpd" \
		"127.0.0.1:${b}87 inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_tls_mandatory_protocols=>=TLSv1.3" \
		"127.0.0.1:${b}65 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_ask_ccert=yes" \
		"127.0.0.1:${b}26 inet n - n - - smtpd -o smtpd_tls_protocols=<=TLSv1.2 -o smtpd_tls_ciphers=high -o tls_preempt_cipherlist=yes" \
		"127.0.0.1:${b}27 inet n - n - - smtpd -o smtpd_tls_protocols=!TLSv1.3 -o smtpd_tls_ciphers=high" \
		"127.0.0.1:${b}28 inet n - n - - smtpd -o smtpd_tls_protocols=!TLSv1.3 -o smtpd_tls_exclude_ciphers=AES128"
}
sd_init
sd_conf "${common[@]}" "data_directory = $TEST_TMP"
mapfile -t sd_lines < <(listeners 25)
sd_master "${sd_lines[@]}"
sd_start
grep -E 'smtpd_tls|tls_' "$SD_LOG" | grep -q 'accepts and ignores'
tap_ok $((!$?)) "posternd takes every TLS parameter used here, session cache ones included"

tl_pfx_init pf 127.0.0.1:3525
pfx_conf pf "${common[@]}"
mapfile -t pf_lines < <(listeners 35 | tail -n +2)
pfx_master pf "${pf_lines[@]}"
pfx_start pf || h_bail "Postfix did not start"

session() { # PORT [CERT KEY] < SCRIPT: the transcript, EHLO keyword lists reduced
	tl_chat "$@" | awk '
		/^220 .* ESMTP/ { print "220 greeting"; next }
		/^250-[^ ]+$/ && !ehlo { ehlo = 1; print "250 EHLO reply:"; next }
		ehlo { if ($0 ~ /^250[- ](STARTTLS|AUTH)/) print "  " substr($0, 5)
		       if ($0 ~ /^250 /) ehlo = 0; next }
		/queued as/ { sub(/queued as .*/, "queued as ID") }
		{ print }'
}

compare() { # NAME SCRIPT PORTSUFFIX [CERT KEY]: posternd 25xx against Postfix 35xx
	local name=$1 script=$2 p=$3 ref got
	shift 3
	ref=$(session "35$p" "$@" <<<"$script")
	got=$(session "25$p" "$@" <<<"$script")
	tap_is "$got" "$ref" "$name: posternd answers as Postfix"
	echo "$ref" >"$TEST_TMP/$name.ref"
}

compare starttls "R
S EHLO client.example.test\r\n
R
S STARTTLS now\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
S QUIT\r\n
R" 25
grep -qx '  STARTTLS' "$TEST_TMP/starttls.ref" && grep -qx '554 5.5.1 Error: TLS already active' "$TEST_TMP/starttls.ref"
tap_ok $? "STARTTLS is offered before TLS only; a second one is refused"

compare pipelined "R
S EHLO client.example.test\r\n
R
S STARTTLS\r\nNOOP\r\n
R
T
S RSET\r\n
R
S QUIT\r\n
R" 25
tap_is "$(grep -c '^250 2.0.0 Ok' "$TEST_TMP/pipelined.ref")" 1 \
	"a NOOP pipelined after STARTTLS is discarded: only RSET is answered"

compare encrypt "R
S EHLO client.example.test\r\n
R
S MAIL FROM:<a@example.test>\r\n
R
S RSET\r\n
R
S NOOP\r\n
R
S STARTTLS\r\n
R
T 1.2
R" 87
grep -qx '530 5.7.0 Must issue a STARTTLS command first' "$TEST_TMP/encrypt.ref" &&
	grep -q '^TLS failed' "$TEST_TMP/encrypt.ref"
tap_ok $? "encrypt: 530 5.7.0 before STARTTLS; a TLSv1.2-only client fails >=TLSv1.3"
compare encrypt13 "R
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R
S MAIL FROM:<a@example.test>\r\n
R
S QUIT\r\n
R" 87

# Protocols and ciphers as openssl s_client sees them.
negotiated() { # PORT ARGS...: "New, TLSv1.2, Cipher is X" or "no TLS"
	local out
	out=$(openssl s_client -connect "127.0.0.1:$1" -starttls smtp "${@:2}" </dev/null 2>/dev/null |
		grep -E '^(New|Reused), ')
	echo "${out:-no TLS}"
}
offer=(-cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384')
for case in "26:-tls1_3" "26:-tls1_2" "27:-tls1_3" "27:-tls1_2" "28:-tls1_2"; do
	p=${case%%:*}
	ref=$(negotiated "35$p" "${case#*:}" "${offer[@]}")
	got=$(negotiated "25$p" "${case#*:}" "${offer[@]}")
	tap_is "$got" "$ref" "port ${p}, client ${case#*:} preferring AES128: Postfix's choice ($ref)"
	echo "$ref" >"$TEST_TMP/ciphers-$p${case#*:}"
done
grep -q 'Cipher is (NONE)' "$TEST_TMP/ciphers-26-tls1_3" &&
	grep -q 'Cipher is (NONE)' "$TEST_TMP/ciphers-27-tls1_3"
tap_ok $? "both <=TLSv1.2 and !TLSv1.3 refuse TLSv1.3"
grep -q 'AES256' "$TEST_TMP/ciphers-26-tls1_2" && grep -q 'AES128' "$TEST_TMP/ciphers-27-tls1_2"
tap_ok $? "tls_preempt_cipherlist = yes picks the server's order, no the client's"
grep -q 'AES256' "$TEST_TMP/ciphers-28-tls1_2"
tap_ok $? "smtpd_tls_exclude_ciphers = AES128 is honoured"

# Sessions resume (the in-process cache; smtpd_tls_session_cache_timeout).
resume() { # PORT: "New" then "Reused"
	local f=$TEST_TMP/sess.$1
	rm -f "$f"
	openssl s_client -connect "127.0.0.1:$1" -tls1_2 -sess_out "$f" </dev/null 2>/dev/null |
		grep -oE '^(New|Reused)'
	openssl s_client -connect "127.0.0.1:$1" -tls1_2 -sess_in "$f" </dev/null 2>/dev/null |
		grep -oE '^(New|Reused)'
}
tap_is "$(resume 2565 | tr '\n' ' ')" "New Reused " "a TLS session resumes on posternd"
tap_is "$(resume 2565 | tr '\n' ' ')" "$(resume 3565 | tr '\n' ' ')" "... as on Postfix"

# Wrapper mode with a client certificate, then the Received header and
# the log line.
script_msg() { # first step: "T" (wrapper) or the STARTTLS steps
	printf '%s\n' "$@" "S EHLO client.example.test\r\n" R \
		"S MAIL FROM:<a@example.test>\r\n" R "S RCPT TO:<b@example.net>\r\n" R \
		"S DATA\r\n" R "S Subject: tls\r\n\r\nbody\r\n.\r\n" R "S QUIT\r\n" R
}
compare wrapper "$(script_msg T R)" 65 "$TL_CERTS/client.pem" "$TL_CERTS/client.key"
grep -qx '250 2.0.0 Ok: queued as ID' "$TEST_TMP/wrapper.ref"
tap_ok $? "port 465 with a client certificate: a message is queued"
compare plain_msg "$(script_msg R "S EHLO client.example.test\r\n" R "S STARTTLS\r\n" R T)" 25

received() { sed -n '/^Received:/,/^[^ \t]/p' | sed '$d' | tr -d '\r' |
	sed -E 's/^(Received: from [^ ]*) \(.*\)$/\1 (NAME [ADDR])/; s/by [^ ]* \(Postfix\)/by HOST (Postfix)/;
		s/ id [0-9A-Z]+/ id ID/; s/; .*/; DATE/'; }
for what in "Client CN:2465:3465" "No client certificate:2525:3525"; do
	IFS=: read -r label sdport pfport <<<"$what"
	sd_id=$(sd_queue list | cut -f1 |
		while read -r i; do sd_queue content "$i" | grep -q "($label" && echo "$i"; done | head -n 1)
	pf_id=$(postqueue -c "$(pfx_dir pf)/etc" -j | sed -n 's/.*"queue_id": "\([0-9A-F]*\)".*/\1/p' |
		while read -r i; do postcat -c "$(pfx_dir pf)/etc" -bh -q "$i" 2>/dev/null | grep -q "($label" && echo "$i"; done | head -n 1)
	got=$(sd_queue content "$sd_id" | received)
	ref=$(postcat -c "$(pfx_dir pf)/etc" -bh -q "$pf_id" 2>/dev/null | received)
	[ -n "$ref" ] || h_bail "no message from Postfix with \"($label\" (ports $sdport/$pfport)"
	tap_is "$got" "$ref" "the Received header's TLS lines ($label...) are Postfix's"
done

established() { grep -o 'TLS connection established from .*' "$1" | sed -E 's/from [^:]*:/from CLIENT:/' | sort -u; }
tap_is "$(established "$SD_LOG")" "$(established "$(pfx_log pf)")" \
	"the \"TLS connection established\" log lines (Anonymous and Trusted) are Postfix's"

sd_stop
tap_is $? 0 "posternd stops cleanly"

# A protocol list that cannot work is an error at start-up.
sd_conf "smtpd_tls_protocols = >=TLSv1.9"
h_daemon_start bad "$SD_POSTERND" -f -c "$SD_CONF"
h_wait_until 10 sh -c "! kill -0 $(h_daemon_pid bad) 2>/dev/null"
h_daemon_stop bad
tap_ok $(($? == 0)) "posternd refuses to start with smtpd_tls_protocols = >=TLSv1.9"
grep -q 'smtpd_tls_protocols: invalid TLS protocol version ">=TLSv1.9"' "$TEST_TMP/bad.log"
tap_ok $? "the error names the parameter and the value"
tap_done
