#!/usr/bin/env bash
# spf_postfix.sh: postern-spf under a real Postfix 3.7 with
# check_policy_service after reject_unauth_destination, once over a unix
# socket (the daemon) and once under Postfix's spawn (master.cf, as with
# policyd-spf). Clients are given their addresses with XCLIENT. SPF fail
# gets 550 5.7.23 with the explanation, pass puts Received-SPF: pass in the
# delivered message, temperror (a SERVFAIL zone) gets 4xx, skip_addresses
# clients and authenticated clients are not checked; both services give
# the same SMTP replies.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
h_dns_zone "$data/spf.test.zone"
h_dns_zone_servfail tempfail.test
h_dns_start

mkdir -p "$TEST_TMP/sink" && chown postfix "$TEST_TMP/sink"
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 20
h_wait_port 127.0.0.11 2526 || h_bail "smtp-sink did not start"

# smtpd runs chrooted in the queue directory (Debian's master.cf): the
# socket lives in its private/ as in a production setup.
sock=$TEST_TMP/sock/queue/private/postern-spf
cat >"$TEST_TMP/spf.conf" <<CONF
socket = unix:$sock
user = nobody
skip_addresses = 192.0.2.99
receiver = mta.example.test
CONF
chmod 644 "$TEST_TMP/spf.conf"

common=('relay_domains = example.test'
	'transport_maps = inline:{ { example.test = smtp:[127.0.0.11]:2526 } }'
	'smtpd_authorized_xclient_hosts = 127.0.0.0/8'
	'smtpd_policy_service_timeout = 30s')
pfx_init sock 127.0.0.10:2525
pfx_conf sock "${common[@]}" \
	"smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/postern-spf"
pfx_start sock || h_bail "postfix (socket) did not start"
h_daemon_start spf "$spf" -f -c "$TEST_TMP/spf.conf"
h_wait_file "$sock" || h_bail "postern-spf did not start"
pfx_init spawn 127.0.0.20:2525
pfx_conf spawn "${common[@]}" \
	'smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/postern-spf' \
	'postern-spf_time_limit = 3600s'
pfx_master spawn "postern-spf unix - n n - 0 spawn user=nobody argv=$spf -c $TEST_TMP/spf.conf -s"
pfx_start spawn || h_bail "postfix (spawn) did not start"

# send ADDR FROM [LOGIN]: the replies swaks saw for MAIL, RCPT and DATA
send() {
	local host=$1 addr=$2 from=$3 login=${4:-} x=(--xclient-addr "$2" --xclient-helo client.example.test)
	[ -n "$login" ] && x+=(--xclient-login "$login")
	swaks --server "$host:2525" --from "$from" --to rcpt@example.test --helo client.example.test \
		"${x[@]}" --header "Subject: spf $addr $from" --timeout 20 2>&1 |
		grep -E '^ *<(-|\*\*|~) +[245][0-9][0-9] ' |
		sed -E 's/^ *<(-|\*\*|~) +//; s/(sock|spawn)\.example\.test/H/g; s/queued as [0-9A-Z]+/queued/'
}
has() { # PATTERN TEXT
	grep -qE "$1" <<<"$2"
}

declare -A replies
for host in 127.0.0.10 127.0.0.20; do
	replies[$host:fail]=$(send $host 203.0.113.7 user@fail.spf.test)
	replies[$host:pass]=$(send $host 192.0.2.10 user@pass.spf.test)
	replies[$host:temp]=$(send $host 192.0.2.10 user@tempfail.test)
	replies[$host:skip]=$(send $host 192.0.2.99 user@fail.spf.test)
	replies[$host:auth]=$(send $host 203.0.113.7 user@fail.spf.test alice)
done
has "^550 5\.7\.23 .*203\.0\.113\.7 is not one of fail\.spf\.test's designated mail servers" \
	"${replies[127.0.0.10:fail]}"
tap_ok $? "SPF fail: 550 5.7.23 with the explanation"
has '^4[0-9][0-9] 4\.4\.3 ' "${replies[127.0.0.10:temp]}"
tap_ok $? "temperror (SERVFAIL zone): 4xx"
has '^250 2\.0\.0 Ok: queued' "${replies[127.0.0.10:pass]}"
tap_ok $? "pass: accepted"
has '^250 2\.0\.0 Ok: queued' "${replies[127.0.0.10:skip]}"
tap_ok $? "a client in skip_addresses (mynetworks style) is accepted from a failing domain"
has '^250 2\.0\.0 Ok: queued' "${replies[127.0.0.10:auth]}"
tap_ok $? "an authenticated client (sasl_username) is accepted from a failing domain"
for c in fail pass temp skip auth; do
	tap_is "${replies[127.0.0.20:$c]}" "${replies[127.0.0.10:$c]}" \
		"spawn and socket give the same replies ($c)"
done

# the delivered pass message carries the header, the skipped one none
for _ in $(seq 100); do
	[ "$(grep -l 'Subject: spf' "$TEST_TMP"/sink/* 2>/dev/null | wc -l)" -ge 6 ] && break
	sleep 0.1
done
pass_msg=$(grep -l 'Subject: spf 192.0.2.10 user@pass.spf.test' "$TEST_TMP"/sink/* | head -1)
tap_ok "$(grep -q '^Received-SPF: pass (mailfrom) client-ip=192.0.2.10; envelope-from="user@pass.spf.test"' "$pass_msg"; echo $?)" \
	"the delivered message has Received-SPF: pass"
skip_msg=$(grep -l 'Subject: spf 192.0.2.99' "$TEST_TMP"/sink/* | head -1)
tap_ok "$([ -n "$skip_msg" ] && ! grep -q '^Received-SPF' "$skip_msg"; echo $?)" \
	"a skipped client's message has no Received-SPF"
tap_done
