#!/usr/bin/env bash
# sasl_auth.sh: SMTP AUTH (issue 3, acceptance item 2). posternd
# authenticates against a real Dovecot auth service (dovecot-core, started
# here with a passwd-file whose hashes doveadm made) and against its
# built-in passwd-file back-end on the same file, and a real Postfix 3.7
# answers the same sessions against the same Dovecot:
#   - with smtpd_tls_auth_only = yes, a plaintext EHLO lists no AUTH and
#     AUTH is "not enabled"; after STARTTLS AUTH PLAIN LOGIN is listed;
#   - PLAIN and LOGIN, right and wrong passwords, "*", bad base64, an
#     unknown mechanism, AUTH twice, AUTH inside a transaction: the same
#     replies as Postfix, and the same failure log lines;
#   - port 465 (smtpd_tls_wrappermode): AUTH works and the message is
#     queued with the login in the log, the envelope and the Received
#     header (smtpd_sasl_authenticated_header), laid out as Postfix does;
#   - without Dovecot, AUTH is not offered and answers 454 4.7.0; it comes
#     back by itself when Dovecot does.
# Each session comes from its own address, so Dovecot's penalty for
# failed logins from one address never slows a later session down.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
h_dns_start

command -v doveadm >/dev/null || h_bail "doveadm not found: install the Debian package dovecot-core"
tl_certs
users=$TEST_TMP/users
{
	echo "alice:$(doveadm pw -s SHA512-CRYPT -p alice-pw)::::::"
	echo "bob:$(doveadm pw -s BLF-CRYPT -p bob-pw)"
	echo "carol:{PLAIN}carol-pw"
} >"$users"
chmod 644 "$users"
tl_dovecot_start "$users"

common=(
	"smtpd_tls_chain_files = $TL_CERTS/server.pem"
	"smtpd_tls_security_level = may"
	"smtpd_sasl_auth_enable = yes"
	"smtpd_tls_auth_only = yes"
	"smtpd_sasl_authenticated_header = yes"
	"smtpd_relay_restrictions = permit_sasl_authenticated, reject"
)
sd_init
sd_conf "${common[@]}" "smtpd_sasl_type = dovecot" "smtpd_sasl_path = $TL_AUTH"
sd_master \
	"127.0.0.1:2525 inet n - n - - smtpd" \
	"127.0.0.1:2465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" \
	"127.0.0.1:2526 inet n - n - - smtpd -o smtpd_sasl_type=passwd-file -o smtpd_sasl_path=$users" \
	"127.0.0.1:2466 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_type=passwd-file -o smtpd_sasl_path=$users"
sd_start

tl_pfx_init pf 127.0.0.1:3525
pfx_conf pf "${common[@]}" "smtpd_sasl_type = dovecot" "smtpd_sasl_path = $TL_AUTH"
pfx_master pf "127.0.0.1:3465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes"
pfx_start pf || h_bail "Postfix did not start"

# A fresh source address for every session (see above); lo has all of
# 127.0.0.0/8. The counter is a file: sessions run in $(...) subshells.
echo 40 >"$TEST_TMP/next_source"
session() { # PORT < SCRIPT: the transcript, EHLO keyword lists reduced
	local n
	n=$(cat "$TEST_TMP/next_source")
	echo $((n + 1)) >"$TEST_TMP/next_source"
	TL_SOURCE=127.0.0.$n tl_chat "$1" | awk '
		/^220 .* ESMTP/ { print "220 greeting"; next }
		/^250-[^ ]+$/ && !ehlo { ehlo = 1; print "250 EHLO reply:"; next }
		ehlo { if ($0 ~ /^250[- ](STARTTLS|AUTH)/) print "  " substr($0, 5)
		       if ($0 ~ /^250 /) ehlo = 0; next }
		/queued as/ { sub(/queued as .*/, "queued as ID") }
		{ print }'
}

# compare NAME SCRIPT PORTS...: the first port is Postfix's; every other
# port's transcript must equal it.
compare() {
	local name=$1 script=$2 ref port got
	shift 2
	ref=$(session "$1" <<<"$script")
	shift
	for port in "$@"; do
		got=$(session "$port" <<<"$script")
		tap_is "$got" "$ref" "$name: posternd on $port answers as Postfix"
	done
	echo "$ref" >"$TEST_TMP/$name.ref"
}

plain() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }

script_plaintext="R
S EHLO client.example.test\r\n
R
S AUTH PLAIN $(plain alice alice-pw)\r\n
R
S QUIT\r\n
R"
compare plaintext "$script_plaintext" 3525 2525 2526
grep -q AUTH "$TEST_TMP/plaintext.ref"
tap_ok $((!$?)) "plaintext with smtpd_tls_auth_only = yes: no AUTH in EHLO"
grep -qx '503 5.5.1 Error: authentication not enabled' "$TEST_TMP/plaintext.ref"
tap_ok $? "... and AUTH is not enabled"

script_tls="R
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R
S AUTH PLAIN $(plain alice alice-pw)\r\n
R
S AUTH PLAIN $(plain alice alice-pw)\r\n
R
S MAIL FROM:<alice@example.test>\r\n
R
S AUTH LOGIN\r\n
R
S QUIT\r\n
R"
compare starttls "$script_tls" 3525 2525 2526
grep -qx '  AUTH PLAIN LOGIN' "$TEST_TMP/starttls.ref"
tap_ok $? "after STARTTLS EHLO lists AUTH PLAIN LOGIN"
grep -qx '235 2.7.0 Authentication successful' "$TEST_TMP/starttls.ref"
tap_ok $? "AUTH PLAIN with the right password succeeds (SHA512-CRYPT)"
grep -qx '503 5.5.1 Error: already authenticated' "$TEST_TMP/starttls.ref" &&
	grep -qx '503 5.5.1 Error: MAIL transaction in progress' "$TEST_TMP/starttls.ref"
tap_ok $? "AUTH twice, and AUTH in a transaction, are refused"

script_failures="R
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R
S AUTH LOGIN\r\n
R
S $(printf alice | base64)\r\n
R
S $(printf wrong | base64)\r\n
R
S AUTH LOGIN\r\n
R
S *\r\n
R
S AUTH PLAIN !!!\r\n
R
S AUTH CRAM-MD5\r\n
R
S AUTH PLAIN\r\n
R
S $(plain carol carol-pw)\r\n
R
S QUIT\r\n
R"
compare failures "$script_failures" 3525 2525 2526
grep -qx '535 5.7.8 Error: authentication failed: (reason unavailable)' "$TEST_TMP/failures.ref"
tap_ok $? "a wrong password: 535 5.7.8"
grep -qx '501 5.7.0 Authentication aborted' "$TEST_TMP/failures.ref"
tap_ok $? "\"*\" aborts: 501 5.7.0"
grep -qx '334 ' "$TEST_TMP/failures.ref" && tail -n 2 "$TEST_TMP/failures.ref" | grep -qx '235 2.7.0 Authentication successful'
tap_ok $? "PLAIN without an initial response: an empty 334, then success ({PLAIN} password)"

# The failure log lines, as Postfix writes them.
fails() { grep -o 'SASL [A-Z-]* authentication \(failed\|aborted\).*' "$1" | sort; }
pf_fails=$(fails "$(pfx_log pf)")
sd_fails=$(fails "$SD_LOG" | uniq)
tap_is "$sd_fails" "$(uniq <<<"$pf_fails")" "the SASL failure log lines are Postfix's"

# Port 465: AUTH in wrapper mode, then a message.
script_465="T
R
S EHLO client.example.test\r\n
R
S AUTH PLAIN $(plain bob bob-pw)\r\n
R
S MAIL FROM:<bob@example.test>\r\n
R
S RCPT TO:<someone@example.net>\r\n
R
S DATA\r\n
R
S Subject: via 465\r\n\r\nbody\r\n.\r\n
R
S QUIT\r\n
R"
compare wrapper "$script_465" 3465 2465 2466
grep -qx '235 2.7.0 Authentication successful' "$TEST_TMP/wrapper.ref" &&
	grep -qx '250 2.0.0 Ok: queued as ID' "$TEST_TMP/wrapper.ref"
tap_ok $? "port 465: AUTH (BLF-CRYPT) and a relayed message"
ids=$(sd_queue list | cut -f1)
tap_is "$(wc -w <<<"$ids")" 2 "posternd queued the message of each back-end"
id=$(head -n 1 <<<"$ids")
sd_queue envelope "$id" | grep -qx 'sasl_username=bob'
tap_ok $? "the envelope records the login"
grep -q ": $id: client=[^ ]*, sasl_method=PLAIN, sasl_username=bob$" "$SD_LOG"
tap_ok $? "log: ID: client=..., sasl_method=PLAIN, sasl_username=bob"

# The Received header against Postfix's (names, ids and dates aside).
received() { sed -n '/^Received:/,/^[^ \t]/p' | sed '$d' | tr -d '\r' |
	sed -E 's/^(Received: from [^ ]*) \(.*\)$/\1 (NAME [ADDR])/; s/by [^ ]* \(Postfix\)/by HOST (Postfix)/;
		s/ id [0-9A-Z]+/ id ID/; s/; .*/; DATE/'; }
pf_id=$(sed -n 's/.*: \([0-9A-F]*\): client=.*sasl_username=bob.*/\1/p' "$(pfx_log pf)" | head -n 1)
pf_hdr=$(postcat -c "$(pfx_dir pf)/etc" -bh -q "$pf_id" 2>/dev/null | received)
sd_hdr=$(sd_queue content "$id" | received)
tap_is "$sd_hdr" "$pf_hdr" "the Received header has Postfix's lines: (Authenticated sender: bob), ESMTPSA"

grep -q 'TLS connection established' "$SD_LOG"
tap_ok $((!$?)) "smtpd_tls_loglevel = 0 (the default): no TLS summary lines"

# Without Dovecot.
tl_dovecot_stop
script_down="R
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R
S AUTH PLAIN $(plain alice alice-pw)\r\n
R
S QUIT\r\n
R"
down=$(session 2525 <<<"$script_down")
grep -q AUTH <<<"$(sed -n '/^  AUTH/p' <<<"$down")"
tap_ok $((!$?)) "Dovecot down: AUTH is not offered"
grep -qx "454 4.7.0 Temporary authentication failure: Can't connect to authentication server" <<<"$down"
tap_ok $? "... and AUTH gets 454 4.7.0"
grep -q 'warning: SASL: Connect to .*auth-client failed' "$SD_LOG"
tap_ok $? "log: warning: SASL: Connect to ... failed"
passwd=$(session 2526 <<<"$script_down")
grep -qx '235 2.7.0 Authentication successful' <<<"$passwd"
tap_ok $? "the passwd-file back-end does not need Dovecot"
tl_dovecot_start "$users"
sleep 1.1 # past the one-second pause after a failed connection
back=$(session 2525 <<<"$script_down")
grep -qx '235 2.7.0 Authentication successful' <<<"$back"
tap_ok $? "Dovecot back: AUTH works again without restarting posternd"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
