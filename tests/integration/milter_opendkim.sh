#!/usr/bin/env bash
# milter_opendkim.sh: issue 5, acceptance 1: posternd with the real
# OpenDKIM (Debian opendkim) as smtpd_milters. Mail from a client that
# authenticated (SASL, passwd-file back-end) is signed (OpenDKIM decides
# from the {auth_authen} macro: 127.0.0.1 is not among its InternalHosts);
# the signature in the queued message verifies with opendkim-testmsg and
# with dkimpy's dkimverify, the key coming from the namespace's DNS. Mail
# from a client that did not authenticate is queued unsigned.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

dk_zone_init
dk_genkey od rsa
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start

cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode sv
Domain example.test
Selector od
KeyFile $TEST_TMP/keys/od.private
Socket inet:8891@127.0.0.1
InternalHosts 192.0.2.99
RequireSafeKeys false
Background no
Syslog no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8891 || { sed "s/^/# /" "$TEST_TMP/opendkim.log"; ls -l "$TEST_TMP/keys" | sed "s/^/# /"; h_bail "opendkim did not start"; }

printf 'carol:{PLAIN}carol-pw\n' >"$TEST_TMP/users"
chmod 644 "$TEST_TMP/users"
sd_init
sd_conf "smtpd_milters = inet:127.0.0.1:8891" "milter_default_action = tempfail" \
	"smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = passwd-file" \
	"smtpd_sasl_path = $TEST_TMP/users"
sd_start

queued() { sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Z]*\).*/\1/p' "$1"; }

dk_msg "$TEST_TMP/auth" "Carol <carol@example.test>"
sd_swaks --from carol@example.test --to bob@remote.test --data "$TEST_TMP/auth" \
	--auth PLAIN --auth-user carol --auth-password carol-pw >"$TEST_TMP/auth.swaks" 2>&1
id=$(queued "$TEST_TMP/auth.swaks")
[ -n "$id" ]
tap_ok $? "an authenticated client's message is queued ($id)"
sd_queue content "$id" | tr -d '\r' >"$TEST_TMP/auth.eml"
sigs=$(dk_fields "$TEST_TMP/auth.eml" DKIM-Signature)
tap_is "$(grep -c . <<<"$sigs")" 1 "OpenDKIM signed it: one DKIM-Signature in the queue file"
grep -q 'd=example.test; s=od;' <<<"$sigs"
tap_ok $? "the signature names d=example.test and s=od"
opendkim-testmsg <"$TEST_TMP/auth.eml" >"$TEST_TMP/auth.testmsg" 2>&1
tap_is $? 0 "opendkim-testmsg verifies the queued message"
dk_verify_dkimpy "$TEST_TMP/auth.eml"
tap_is $? 0 "dkimpy's dkimverify verifies it"
head -n 1 "$TEST_TMP/auth.eml" | grep -q '^DKIM-Signature:'
tap_ok $? "the signature is the first field, above our Received header, as under Postfix"
# The message body and the other fields are untouched.
tap_is "$(sed '1,/^$/d' "$TEST_TMP/auth.eml")" "$(sed '1,/^$/d' "$TEST_TMP/auth")" \
	"the body is queued as sent"

dk_msg "$TEST_TMP/anon" "Carol <carol@example.test>"
sd_swaks --from carol@example.test --to bob@example.test --data "$TEST_TMP/anon" \
	>"$TEST_TMP/anon.swaks" 2>&1
id2=$(queued "$TEST_TMP/anon.swaks")
[ -n "$id2" ]
tap_ok $? "a message from a client that did not authenticate is queued ($id2)"
sd_queue content "$id2" | tr -d '\r' >"$TEST_TMP/anon.eml"
tap_is "$(dk_fields "$TEST_TMP/anon.eml" DKIM-Signature | grep -c .)" 0 "... unsigned"

sd_stop
tap_is $? 0 "posternd stops cleanly"
h_daemon_stop opendkim 10
tap_done
