#!/usr/bin/env bash
# deliver_sasl.sh: SMTP AUTH in posternd's SMTP client (issue 4,
# acceptance 5), against a real Postfix 3.7 relayhost on
# mail.example.test (127.0.0.25:2587 and :2588) that authenticates through
# a Dovecot auth service and takes mail only from logged-in clients
# (smtpd_recipient_restrictions = permit_sasl_authenticated, reject).
# posternd reads the credentials from smtp_sasl_password_maps, with
# Postfix's default smtp_sasl_security_options (noplaintext, noanonymous)
# and smtp_sasl_tls_security_options = noanonymous:
#   - through TLS with the right password (looked up by "[host]:port"):
#     delivered, the relayhost logs sasl_method=PLAIN, sasl_username=alice;
#   - a wrong password: deferred with "SASL authentication failed; server
#     ... said: 535 5.7.8 ...", nothing delivered;
#   - no TLS (policy none; password found by the host name): no AUTH is
#     attempted (noplaintext), deferred with "... no mechanism available",
#     the relayhost saw no login and received nothing;
#   - smtp_sender_dependent_authentication: the sender's "@domain" entry
#     wins over the next hop's wrong password.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"
h_dns_start
command -v doveadm >/dev/null || h_bail "doveadm not found: install the Debian package dovecot-core"

tl_certs
users=$TEST_TMP/users
echo "alice:$(doveadm pw -s SHA512-CRYPT -p alice-pw)::::::" >"$users"
chmod 644 "$users"
tl_dovecot_start "$users"

tl_pfx_init up 127.0.0.25:2587
pfx_master up "127.0.0.25:2588 inet n - n - - smtpd"
pfx_conf up 'mynetworks = 127.0.0.53/32' 'relay_domains = example.test' \
	'relay_transport = discard:upstream' 'master_service_disable =' \
	"smtpd_tls_chain_files = $TL_CERTS/server.pem" 'smtpd_tls_security_level = may' \
	'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_type = dovecot' "smtpd_sasl_path = $TL_AUTH" \
	'smtpd_recipient_restrictions = permit_sasl_authenticated, reject'
pfx_start up || h_bail "Postfix did not start"
h_wait_port 127.0.0.25 2587 && h_wait_port 127.0.0.25 2588 || h_bail "Postfix does not listen"
UP_LOG=$(pfx_log up)

sd_init
cat >"$TEST_TMP/transport" <<'T'
good@example.test	smtp:[mail.example.test]:2587
wrongpw@example.test	smtp:[127.0.0.25]:2587
notls@example.test	smtp:[mail.example.test]:2588
bysender@example.test	smtp:[127.0.0.25]:2587
T
cat >"$TEST_TMP/policy" <<'P'
[mail.example.test]:2587	encrypt
[mail.example.test]:2588	none
P
cat >"$TEST_TMP/passwd" <<'W'
[mail.example.test]:2587	alice:alice-pw
[127.0.0.25]:2587	alice:not-her-password
mail.example.test	alice:alice-pw
@right.example	alice:alice-pw
W
chmod 644 "$TEST_TMP/transport" "$TEST_TMP/policy" "$TEST_TMP/passwd"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" 'smtp_tls_security_level = may' \
	"smtp_tls_policy_maps = texthash:$TEST_TMP/policy" \
	'smtp_sasl_auth_enable = yes' "smtp_sasl_password_maps = texthash:$TEST_TMP/passwd" \
	'smtp_sasl_tls_security_options = noanonymous' 'smtp_sender_dependent_authentication = yes' \
	'minimal_backoff_time = 300s' 'smtp_connect_timeout = 5s'
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
send() { # FROM TO
	sd_swaks --from "$1" --to "$2" --header "Subject: sasl test $2" 2>&1 | queue_id
}
logins_up() { grep -c "sasl_method=PLAIN, sasl_username=alice" "$UP_LOG"; }
failures_up() { grep -c "SASL [A-Z]* authentication failed" "$UP_LOG"; }

# 1. TLS and the right password.
id=$(send a1@example.org good@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "right password through TLS: delivered ($id)"
grep -q "$id: to=<good@example.test>, relay=mail.example.test\[127.0.0.25\]:2587, .*dsn=2.0.0, status=sent (250 2.0.0 Ok" "$SD_LOG"
tap_ok $? "right password: status=sent by the relayhost"
pfx_wait_log up "to=<good@example.test>.*status=sent" 20
tap_ok $? "the relayhost received it"
tap_is "$(logins_up)" 1 "the relayhost logged one login: sasl_method=PLAIN, sasl_username=alice"

# 2. A wrong password.
id=$(send b1@example.org wrongpw@example.test)
h_wait_grep "$id: to=<wrongpw@example.test>" "$SD_LOG" 30
grep -q "$id: to=<wrongpw@example.test>, relay=127.0.0.25\[127.0.0.25\]:2587, .*dsn=4.7.8, status=deferred (SASL authentication failed; server 127.0.0.25\[127.0.0.25\]:2587 said: 535 5.7.8 Error: authentication failed" "$SD_LOG"
tap_ok $? "wrong password: deferred, SASL authentication failed; server ... said: 535 5.7.8 ..."
h_wait_until 10 test -f "$SD_QUEUE/deferred/$id"
tap_ok $? "wrong password: the message waits in deferred/"
tap_is "$(failures_up)" 1 "the relayhost logged the failed login"

# 3. No TLS: noplaintext forbids PLAIN and LOGIN, no AUTH is sent.
id=$(send c1@example.org notls@example.test)
h_wait_grep "$id: to=<notls@example.test>" "$SD_LOG" 30
grep -q "$id: to=<notls@example.test>, relay=mail.example.test\[127.0.0.25\]:2588, .*dsn=4.7.0, status=deferred (SASL authentication failed; cannot authenticate to server mail.example.test\[127.0.0.25\]:2588: no mechanism available)" "$SD_LOG"
tap_ok $? "no TLS, noplaintext: deferred, no mechanism available"
sleep 1
tap_is "$(logins_up) $(failures_up)" "1 1" "no TLS: the relayhost saw no AUTH attempt"
tap_is "$(grep -c 'from=<[abc]1@example.org>' "$UP_LOG")" 1 \
	"only the authenticated message reached the relayhost's queue"

# 4. Sender-dependent: the sender's domain has the right password.
id=$(send d1@right.example bysender@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "sender-dependent: delivered with the @right.example credentials ($id)"
pfx_wait_log up "to=<bysender@example.test>.*status=sent" 20
tap_ok $? "sender-dependent: the relayhost received it"
tap_is "$(logins_up)" 2 "sender-dependent: a second login"

sd_stop
tap_ok $? "posternd stops cleanly"
tl_dovecot_stop
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
[ "$tap_failed" -eq 0 ] || tail -n 30 "$UP_LOG" | sed 's/^/# upstream: /'
tap_done
