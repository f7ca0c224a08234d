#!/usr/bin/env bash
# deliver_tls.sh: STARTTLS in posternd's SMTP client (issue 4, acceptance
# 4), against a real Postfix 3.7 upstream on mx1.example.test
# (127.0.0.10:2526) with STARTTLS and a certificate from a test CA, and an
# smtp-sink without STARTTLS on 127.0.0.20:2526. smtp_tls_policy_maps sets
# the level per next hop (the default level is may):
#   - verify and secure with the right smtp_tls_CAfile: delivered, logged
#     "Verified TLS connection established to ...", and the upstream saw
#     a TLS session;
#   - may against the TLS upstream: "Trusted TLS connection";
#   - verify with match= naming another host: deferred (4.7.5 "Server
#     certificate not verified"), never sent;
#   - encrypt against the sink: deferred (4.7.4 "TLS is required, but was
#     not offered by host ..."), nothing reaches the sink;
#   - may against the sink: delivered in plaintext;
#   - dane in the policy table: deferred as unsupported, never in clear;
#   - fingerprint: the certificate's SHA-256 fingerprint in match=
#     delivers, a wrong one defers;
#   - none with smtp_tls_note_starttls_offer: plaintext, and "Host offered
#     STARTTLS: [host]" logged;
#   - may, and a handshake that fails (protocols= in the policy leaves no
#     protocol the server accepts): the server is tried again in
#     plaintext, as Postfix does;
#   - posternd presents a client certificate (smtp_tls_chain_files) that
#     the upstream, asking for one, verifies;
#   - then with smtp_tls_CAfile naming another CA: verify and secure
#     defer, the message stays queued and the upstream never received it;
#   - then smtp_tls_wrappermode against the upstream's SMTPS port.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/integration/tls_lib.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"
h_dns_start
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

# The test CA (tl_certs), a certificate for mx1.example.test from it, and
# a second CA that signed nothing here.
tl_certs
(
	cd "$TL_CERTS" || exit 1
	openssl req -newkey rsa:2048 -nodes -keyout mx1.key -out mx1.csr -subj "/CN=mx1.example.test"
	openssl x509 -req -in mx1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out mx1.crt -days 2
	cat mx1.key mx1.crt ca.pem >mx1.pem
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
		-subj "/CN=Other Test CA" -addext basicConstraints=critical,CA:TRUE
) >>"$TEST_TMP/certs.log" 2>&1 || h_bail "openssl could not make the mx1 certificate"
chmod 600 "$TL_CERTS/mx1.pem" "$TL_CERTS"/*.key
chmod 644 "$TL_CERTS/other.pem"
# posternd reads its client key after it dropped to mail_owner.
cat "$TL_CERTS/client.key" "$TL_CERTS/client.crt" >"$TL_CERTS/client-chain.pem"
chown postfix "$TL_CERTS/client-chain.pem"
chmod 600 "$TL_CERTS/client-chain.pem"

# The upstream: accepts example.test and discards it after logging; it
# listens on 2527 and 2528 too, so that what the mismatch and dane cases
# refuse is refused by the policy, not by a closed port.
tl_pfx_init up 127.0.0.10:2526
pfx_master up "127.0.0.10:2527 inet n - n - - smtpd" "127.0.0.10:2528 inet n - n - - smtpd" \
	"127.0.0.10:2465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" \
	"127.0.0.10:2529 inet n - n - - smtpd -o smtpd_tls_protocols=>=TLSv1.3"
pfx_conf up 'relay_domains = example.test' 'relay_transport = discard:upstream' \
	"smtpd_tls_chain_files = $TL_CERTS/mx1.pem" 'smtpd_tls_security_level = may' \
	'smtpd_tls_loglevel = 1' 'master_service_disable =' 'smtpd_tls_ask_ccert = yes' \
	"smtpd_tls_CAfile = $TL_CERTS/ca.pem"
pfx_start up || h_bail "Postfix did not start"
h_wait_port 127.0.0.10 2526 || h_bail "Postfix does not listen"
UP_LOG=$(pfx_log up)

mkdir -p "$TEST_TMP/sink"
chmod 777 "$TEST_TMP/sink"
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.20:2526 20
h_wait_port 127.0.0.20 2526 || h_bail "smtp-sink did not start"

sd_init
cat >"$TEST_TMP/transport" <<'T'
verify@example.test	smtp:[mx1.example.test]:2526
secure@example.test	smtp:mx1.example.test:2526
may@example.test	smtp:[127.0.0.10]:2526
mismatch@example.test	smtp:[mx1.example.test]:2527
encrypt@example.test	smtp:[127.0.0.20]:2526
plain@example.test	smtp:[mx2.example.test]:2526
dane@example.test	smtp:[mx1.example.test]:2528
retry@example.test	smtp:[mx1.example.test]:2529
fp@example.test	smtp:[127.0.0.10]:2528
badfp@example.test	smtp:[127.0.0.10]:2527
none@example.test	smtp:[127.0.0.10]:2529
T
# secure is looked up by its domain (the next hop without the port).
cat >"$TEST_TMP/policy" <<'P'
[mx1.example.test]:2526	verify
mx1.example.test	secure
[mx1.example.test]:2527	verify match=other.example.test
[127.0.0.20]:2526	encrypt
[mx1.example.test]:2528	dane
[mx1.example.test]:2529	may protocols=<=TLSv1.2
[127.0.0.10]:2527	fingerprint match=00:11:22:33
[127.0.0.10]:2529	none
P
fp=$(openssl x509 -in "$TL_CERTS/mx1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
echo "[127.0.0.10]:2528	fingerprint match=AA:BB|$fp" >>"$TEST_TMP/policy"
chmod 644 "$TEST_TMP/transport" "$TEST_TMP/policy"
base=(
	"transport_maps = texthash:$TEST_TMP/transport" 'smtp_tls_security_level = may'
	"smtp_tls_policy_maps = texthash:$TEST_TMP/policy" 'smtp_tls_loglevel = 1'
	'minimal_backoff_time = 300s' 'smtp_connect_timeout = 5s' 'smtp_tls_note_starttls_offer = yes'
)
sd_conf "${base[@]}" "smtp_tls_CAfile = $TL_CERTS/ca.pem" \
	"smtp_tls_chain_files = $TL_CERTS/client-chain.pem"
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
send() { # FROM TO
	sd_swaks --from "$1" --to "$2" --header "Subject: tls test $2" 2>&1 | queue_id
}
upstream_got() { grep -c "from=<$1>" "$UP_LOG"; }
tls_sessions_up() { grep -c "TLS connection established from" "$UP_LOG"; }

# 1. verify and secure with the right CA.
n0=$(tls_sessions_up)
id=$(send v1@example.org verify@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "verify: delivered ($id)"
grep -q "Verified TLS connection established to mx1.example.test\[127.0.0.10\]:2526: TLSv1.[23] with cipher " "$SD_LOG"
tap_ok $? "verify: Verified TLS connection established to mx1.example.test[127.0.0.10]:2526"
grep -q "$id: to=<verify@example.test>, relay=mx1.example.test\[127.0.0.10\]:2526, .*dsn=2.0.0, status=sent (250 2.0.0 Ok" "$SD_LOG"
tap_ok $? "verify: status=sent by the upstream"
pfx_wait_log up "to=<verify@example.test>.*status=sent" 20
tap_ok $? "verify: the upstream received it"
tap_ok "$([ "$(tls_sessions_up)" -gt "$n0" ]; echo $?)" "verify: the upstream logged a TLS session"
tap_is "$(upstream_got v1@example.org)" 1 "verify: the upstream logged its sender once (the probe used below)"
grep -q "Trusted TLS connection established from .*: TLSv1" "$UP_LOG"
tap_ok $? "client certificate: the upstream verified it (Trusted TLS connection established from ...)"

id=$(send s1@example.org secure@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "secure (policy by domain, MX-less host): delivered ($id)"
tap_is "$(grep -c "Verified TLS connection established to mx1.example.test\[127.0.0.10\]:2526" "$SD_LOG")" 2 \
	"secure: a second Verified session"
pfx_wait_log up "to=<secure@example.test>.*status=sent" 20
tap_ok $? "secure: the upstream received it"

# 2. may: TLS when offered (trusted chain, no name check), plaintext when not.
id=$(send m1@example.org may@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "may, upstream with STARTTLS: delivered ($id)"
grep -q "Trusted TLS connection established to 127.0.0.10\[127.0.0.10\]:2526: TLSv1" "$SD_LOG"
tap_ok $? "may: Trusted TLS connection established (the chain verifies, no name is asked)"
id=$(send p1@example.org plain@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "may, peer without STARTTLS: delivered in plaintext ($id)"
tap_is "$(grep -l "Subject: tls test plain@example.test" "$TEST_TMP"/sink/* 2>/dev/null | wc -l)" 1 \
	"may: the sink has the message"
grep -q "TLS connection established to mx2.example.test" "$SD_LOG"
tap_ok "$((1 - $?))" "may: no TLS session was claimed with the sink"

# 3. encrypt refuses a peer without STARTTLS.
id=$(send e1@example.org encrypt@example.test)
h_wait_grep "$id: to=<encrypt@example.test>" "$SD_LOG" 30
grep -q "$id: to=<encrypt@example.test>, relay=127.0.0.20\[127.0.0.20\]:2526, .*dsn=4.7.4, status=deferred (TLS is required, but was not offered by host 127.0.0.20\[127.0.0.20\]:2526)" "$SD_LOG"
tap_ok $? "encrypt: deferred, TLS is required, but was not offered by host ... (4.7.4)"
tap_is "$(grep -l "Subject: tls test encrypt@example.test" "$TEST_TMP"/sink/* 2>/dev/null | wc -l)" 0 \
	"encrypt: nothing reached the sink"
h_wait_until 10 test -f "$SD_QUEUE/deferred/$id"
tap_ok $? "encrypt: the message waits in deferred/"

# 4. verify with a name the certificate does not have; dane.
id=$(send x1@example.org mismatch@example.test)
h_wait_grep "$id: to=<mismatch@example.test>" "$SD_LOG" 30
grep -q "$id: to=<mismatch@example.test>, relay=mx1.example.test\[127.0.0.10\]:2527, .*dsn=4.7.5, status=deferred (Server certificate not verified)" "$SD_LOG"
tap_ok $? "verify, match= another name: deferred, Server certificate not verified (4.7.5)"
grep -q "server certificate verification failed for mx1.example.test\[127.0.0.10\]:2527: certificate name mismatch" "$SD_LOG"
tap_ok $? "verify, match= another name: the name mismatch is logged"
id2=$(send d1@example.org dane@example.test)
h_wait_grep "$id2: to=<dane@example.test>" "$SD_LOG" 30
grep -q "$id2: to=<dane@example.test>, .*dsn=4.7.5, status=deferred (TLS security level dane is not supported)" "$SD_LOG"
tap_ok $? "dane in the policy table: deferred as unsupported"
tap_is "$(upstream_got x1@example.org)$(upstream_got d1@example.org)" 00 \
	"mismatch and dane: the upstream never received either"

# 4b. may: a failed handshake, then plaintext.
id=$(send y1@example.org retry@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "may, failed handshake: delivered ($id)"
grep -q "SSL_connect error to mx1.example.test\[127.0.0.10\]:2529: " "$SD_LOG"
tap_ok $? "may, failed handshake: SSL_connect error logged"
grep -q "$id: to=<retry@example.test>, relay=mx1.example.test\[127.0.0.10\]:2529, .*status=sent (250 " "$SD_LOG"
tap_ok $? "may, failed handshake: sent on the plaintext retry"
pfx_wait_log up "to=<retry@example.test>.*status=sent" 20
tap_ok $? "may, failed handshake: the upstream received it"

# 4c. fingerprint, and none with the STARTTLS offer noted.
id=$(send f1@example.org fp@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "fingerprint, the right one (second in match=): delivered ($id)"
grep -q "Verified TLS connection established to 127.0.0.10\[127.0.0.10\]:2528: TLSv1" "$SD_LOG"
tap_ok $? "fingerprint: Verified TLS connection"
id=$(send f2@example.org badfp@example.test)
h_wait_grep "$id: to=<badfp@example.test>" "$SD_LOG" 30
grep -q "$id: to=<badfp@example.test>, .*dsn=4.7.5, status=deferred (Server certificate not verified)" "$SD_LOG"
tap_ok $? "fingerprint, a wrong one: deferred (4.7.5)"
tap_is "$(upstream_got f2@example.org)" 0 "fingerprint, a wrong one: the upstream never received it"
id=$(send n1@example.org none@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "none: delivered ($id)"
grep -q "Host offered STARTTLS: \[127.0.0.10\]" "$SD_LOG"
tap_ok $? "none: Host offered STARTTLS: [127.0.0.10] (smtp_tls_note_starttls_offer)"
grep -q "TLS connection established to 127.0.0.10\[127.0.0.10\]:2529" "$SD_LOG"
tap_ok "$((1 - $?))" "none: no TLS session"

# 5. The wrong CA: verify and secure defer, nothing is sent.
sd_stop
tap_ok $? "posternd stops cleanly"
sd_init
sd_conf "${base[@]}" "smtp_tls_CAfile = $TL_CERTS/other.pem"
sd_start -o master_service_disable=
id=$(send w1@example.org verify@example.test)
h_wait_grep "$id: to=<verify@example.test>" "$SD_LOG" 30
grep -q "$id: to=<verify@example.test>, relay=mx1.example.test\[127.0.0.10\]:2526, .*dsn=4.7.5, status=deferred (Server certificate not verified)" "$SD_LOG"
tap_ok $? "verify, wrong CA: deferred, Server certificate not verified (4.7.5)"
grep -q "server certificate verification failed for mx1.example.test\[127.0.0.10\]:2526: num=[0-9]*:" "$SD_LOG"
tap_ok $? "verify, wrong CA: the verification error is logged"
grep -q "Untrusted TLS connection established to mx1.example.test\[127.0.0.10\]:2526" "$SD_LOG"
tap_ok $? "verify, wrong CA: Untrusted TLS connection"
id2=$(send w2@example.org secure@example.test)
h_wait_grep "$id2: to=<secure@example.test>" "$SD_LOG" 30
grep -q "$id2: to=<secure@example.test>, .*dsn=4.7.5, status=deferred (Server certificate not verified)" "$SD_LOG"
tap_ok $? "secure, wrong CA: deferred"
h_wait_until 10 test -f "$SD_QUEUE/deferred/$id" -a -f "$SD_QUEUE/deferred/$id2"
tap_ok $? "wrong CA: both messages stay queued"
sleep 1
tap_is "$(upstream_got w1@example.org)$(upstream_got w2@example.org)" 00 \
	"wrong CA: the upstream never received them (in clear or otherwise)"

# 6. Wrapper mode: TLS before the greeting.
sd_stop
tap_ok $? "posternd stops cleanly"
sd_init
echo "wrap@example.test	smtp:[mx1.example.test]:2465" >"$TEST_TMP/transport"
sd_conf "${base[@]}" "smtp_tls_CAfile = $TL_CERTS/ca.pem" 'smtp_tls_wrappermode = yes'
sd_start -o master_service_disable=
id=$(send r1@example.org wrap@example.test)
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "wrapper mode: delivered ($id)"
grep -q "Trusted TLS connection established to mx1.example.test\[127.0.0.10\]:2465: TLSv1" "$SD_LOG"
tap_ok $? "wrapper mode: a TLS session on the SMTPS port"
pfx_wait_log up "to=<wrap@example.test>.*status=sent" 20
tap_ok $? "wrapper mode: the upstream received it"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
[ "$tap_failed" -eq 0 ] || tail -n 30 "$UP_LOG" | sed 's/^/# upstream: /'
tap_done
