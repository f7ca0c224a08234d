#!/usr/bin/env bash
# deliver_lmtp_tls.sh: STARTTLS in posternd's LMTP client (the lmtp_tls_*
# parameters, the same code as the SMTP client's) into a real Dovecot LMTP
# server on 127.0.0.1:2424 with a certificate from a test CA:
#   - lmtp_tls_security_level = verify with lmtp_tls_CAfile and
#     lmtp_tls_verify_cert_match naming the certificate: the message lands
#     in the Maildir, logged "Verified TLS connection established to ...";
#   - lmtp_tls_policy_maps sets encrypt for a second listener without
#     STARTTLS: deferred (4.7.4), nothing delivered;
#   - the smtp_tls_* parameters do not apply to LMTP (smtp_tls_security_level
#     = encrypt is set and ignored by the LMTP deliveries).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v doveadm >/dev/null || h_bail "doveadm not found: install the Debian package dovecot-core"
[ -x /usr/lib/dovecot/lmtp ] || h_bail "no Dovecot LMTP server: install the Debian package dovecot-lmtpd"

tl_certs
D=$TEST_TMP/dovecot-lmtp
mkdir -p "$D/run" "$D/state" "$D/home"
chmod 777 "$D/home"
cat >"$D/users" <<U
box@example.test::65534:65534::$D/home/box::
plain@example.test::65534:65534::$D/home/plain::
U
cat >"$D/dovecot.conf" <<DC
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$TL_CERTS/server.crt
ssl_key = <$TL_CERTS/server.key
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = $D/users
}
userdb {
  driver = passwd-file
  args = $D/users
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 2424
  }
}
service anvil {
  chroot =
}
DC
chmod a+x "$D"
h_daemon_start dovecot dovecot -F -c "$D/dovecot.conf"
h_wait_port 127.0.0.1 2424 || h_bail "dovecot did not start: $(tail -n 3 "$D/dovecot.log" 2>/dev/null)"
# The second LMTP server, without STARTTLS: Postfix's smtp-sink speaks LMTP.
mkdir -p "$TEST_TMP/sink"
chmod 777 "$TEST_TMP/sink"
h_daemon_start sink smtp-sink -u postfix -L -d "$TEST_TMP/sink/%M." 127.0.0.1:2425 20
h_wait_port 127.0.0.1 2425 || h_bail "smtp-sink did not start"

sd_init
cat >"$TEST_TMP/transport" <<'T'
box@example.test	lmtp:inet:127.0.0.1:2424
plain@example.test	lmtp:inet:127.0.0.1:2425
T
echo "inet:127.0.0.1:2425 encrypt" >"$TEST_TMP/policy"
chmod 644 "$TEST_TMP/transport" "$TEST_TMP/policy"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" 'minimal_backoff_time = 300s' \
	'lmtp_tls_security_level = verify' "lmtp_tls_CAfile = $TL_CERTS/ca.pem" \
	'lmtp_tls_verify_cert_match = mx.example.test' 'lmtp_tls_loglevel = 1' \
	"lmtp_tls_policy_maps = texthash:$TEST_TMP/policy" 'smtp_tls_security_level = encrypt'
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }

id=$(sd_swaks --from sender@example.org --to box@example.test --header "Subject: lmtp tls" 2>&1 |
	queue_id)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "verify: delivered ($id)"
grep -q "Verified TLS connection established to 127.0.0.1\[127.0.0.1\]:2424: TLSv1" "$SD_LOG"
tap_ok $? "verify: Verified TLS connection established to 127.0.0.1[127.0.0.1]:2424"
grep -q "$id: to=<box@example.test>, relay=127.0.0.1\[127.0.0.1\]:2424, .*dsn=2.0.0, status=sent (250 2.0.0 <box@example.test> [^ ]* Saved)" "$SD_LOG"
tap_ok $? "verify: Dovecot's LMTP reply"
tap_is "$(grep -l "Subject: lmtp tls" "$D/home/box/Maildir/new/"* 2>/dev/null | wc -l)" 1 \
	"verify: the message is in the Maildir"

id=$(sd_swaks --from sender@example.org --to plain@example.test --header "Subject: lmtp plain" 2>&1 |
	queue_id)
h_wait_grep "$id: to=<plain@example.test>" "$SD_LOG" 30
grep -q "$id: to=<plain@example.test>, relay=127.0.0.1\[127.0.0.1\]:2425, .*dsn=4.7.4, status=deferred (TLS is required, but was not offered by host 127.0.0.1\[127.0.0.1\]:2425)" "$SD_LOG"
tap_ok $? "lmtp_tls_policy_maps encrypt, no STARTTLS: deferred (4.7.4)"
tap_is "$(grep -l "Subject: lmtp plain" "$TEST_TMP"/sink/* 2>/dev/null | wc -l)" 0 \
	"encrypt: nothing reached the server"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
[ "$tap_failed" -eq 0 ] || sed 's/^/# dovecot: /' "$D/dovecot.log"
pids=$(pgrep -P "$(h_daemon_pid dovecot)")
h_daemon_stop dovecot
for pid in $pids; do kill "$pid" 2>/dev/null; done
tap_done
