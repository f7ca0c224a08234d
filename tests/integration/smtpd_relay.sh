#!/usr/bin/env bash
# smtpd_relay.sh: the four relay rules (issue 3, acceptance 1), each on
# the smtp listener and on submission (STARTTLS required, AUTH only in
# TLS), against posternd and against a real Postfix 3.7 with the same
# parameters and the same Dovecot auth service; the replies must be the
# same and say:
#   1. an unauthenticated client may send to our domains;
#   2. it may not relay elsewhere: 554 5.7.1 <...>: Relay access denied;
#   3. an authenticated client may send to any domain with a sender it
#      owns by smtpd_sender_login_maps (a pcre table: user+ext@example.test
#      belongs to user);
#   4. it may not use a sender it does not own: 553 5.7.1 <...>: Sender
#      address rejected: not owned by user alice.
# Clients connect from addresses outside mynetworks.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
h_dns_start

command -v doveadm >/dev/null || h_bail "doveadm not found: install the Debian package dovecot-core"
tl_certs
users=$TEST_TMP/users
echo "alice:$(doveadm pw -s SHA512-CRYPT -p alice-pw)::::::" >"$users"
chmod 644 "$users"
tl_dovecot_start "$users"
printf '%s\n' '/^([^+@]+)(\+[^@]*)?@example\.test$/ ${1}' >"$TEST_TMP/login.pcre"
chmod 644 "$TEST_TMP/login.pcre"

common=(
	'myhostname = mx.example.test' 'mydestination =' 'relay_domains = example.test'
	'mynetworks = 127.0.0.1/32'
	"smtpd_tls_chain_files = $TL_CERTS/server.pem" 'smtpd_tls_security_level = may'
	'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_type = dovecot' "smtpd_sasl_path = $TL_AUTH"
	"smtpd_sender_login_maps = pcre:$TEST_TMP/login.pcre"
	'smtpd_sender_restrictions = reject_sender_login_mismatch'
	'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination'
)
submission='-o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes'
sd_init
sd_conf "${common[@]}"
sd_master "127.0.0.1:2525 inet n - n - - smtpd" \
	"127.0.0.1:2587 inet n - n - - smtpd $submission"
sd_start
tl_pfx_init pf 127.0.0.1:3525
pfx_conf pf "${common[@]}" 'master_service_disable = qmgr.fifo'
pfx_master pf "127.0.0.1:3587 inet n - n - - smtpd $submission"
pfx_start pf || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 3587 || h_bail "Postfix does not listen"

echo 40 >"$TEST_TMP/next_source"
session() { # PORT < SCRIPT: the transcript from a fresh source address
	local n
	n=$(cat "$TEST_TMP/next_source")
	echo $((n + 1)) >"$TEST_TMP/next_source"
	TL_SOURCE=127.0.0.$n tl_chat "$1" | tl_reply_lines | sed 's/queued as .*/queued as ID/'
}
plain() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }

# Each listener's way in: smtp in plaintext (unauthenticated) or with
# STARTTLS (to authenticate); submission always with STARTTLS.
hello_plain='R
S EHLO client.example.test\r\n
R'
hello_tls='R
S EHLO client.example.test\r\n
R
S STARTTLS\r\n
R
T
S EHLO client.example.test\r\n
R'
login="S AUTH PLAIN $(plain alice alice-pw)\\r\\n
R"
mail() { # SENDER RCPT: MAIL, RCPT, and DATA when both are accepted
	printf 'S MAIL FROM:<%s>\\r\\nRCPT TO:<%s>\\r\\n\nR 2\nS DATA\\r\\n\nR\nS Subject: t\\r\\n\\r\\nx\\r\\n.\\r\\nQUIT\\r\\n\nE\n' "$1" "$2"
}

# rule NAME LISTENER(smtp|submission) HELLO LOGIN SENDER RCPT WANT
rule() {
	local name=$1 ours=2525 theirs=3525 script got ref
	[ "$2" = submission ] && ours=2587 theirs=3587
	script="$3
$4
$(mail "$5" "$6")"
	got=$(session "$ours" <<<"$script")
	ref=$(session "$theirs" <<<"$script")
	tap_is "$got" "$ref" "$2: $name: the same replies as Postfix"
	grep -qxF -- "$7" <<<"$got"
	tap_ok $? "$2: $name: $7"
}

for l in smtp submission; do
	hello=$hello_plain
	[ "$l" = submission ] && hello=$hello_tls
	rule "1. unauthenticated, to our domain" "$l" "$hello" "" \
		someone@example.org user@example.test "250 2.0.0 Ok: queued as ID"
	rule "2. unauthenticated, elsewhere" "$l" "$hello" "" \
		someone@example.org friend@example.org "554 5.7.1 <friend@example.org>: Relay access denied"
	rule "3. authenticated, an owned sender, elsewhere" "$l" "$hello_tls" "$login" \
		alice+news@example.test friend@example.org "250 2.0.0 Ok: queued as ID"
	rule "4. authenticated, a sender not owned" "$l" "$hello_tls" "$login" \
		bob@example.test friend@example.org \
		"553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice"
done
got=$(session 2587 <<<"$hello_plain
$(mail someone@example.org user@example.test)")
grep -qxF "530 5.7.0 Must issue a STARTTLS command first" <<<"$got"
tap_ok $? "submission: nothing without STARTTLS (530 5.7.0)"
grep -q "NOQUEUE: reject: RCPT from [^ ]*\[127.0.0.[0-9]*\]: 554 5.7.1 <friend@example.org>: Relay access denied; from=<someone@example.org> to=<friend@example.org> proto=ESMTP helo=<client.example.test>" "$SD_LOG"
tap_ok $? "the relay refusal is logged in Postfix's words"
grep -q ": client=[^ ]*\[127.0.0.[0-9]*\], sasl_method=PLAIN, sasl_username=alice$" "$SD_LOG"
tap_ok $? "the authenticated message's client= line names the login"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
