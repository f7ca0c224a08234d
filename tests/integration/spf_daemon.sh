#!/usr/bin/env bash
# spf_daemon.sh: postern-spf as a daemon on a unix and an inet socket, with
# zones served by nsd in the test namespace: the answers for pass, fail
# (with the exp= explanation), temperror (SERVFAIL zone) and the skips;
# hostile records each give their RFC 7208 result; 200 concurrent
# persistent clients, some sending malformed requests, all get correct
# answers and the daemon lives on; a per-request deadline; clean SIGTERM.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
client=$data/policy_client.py

h_dns_zone "$data/spf.test.zone"
h_dns_zone_servfail tempfail.test
h_dns_start

# hostile records through the engine, one process per record
while IFS=$'\t' read -r ip helo from want what; do
	[[ $ip == \#* ]] && continue
	got=$(printf '%s\t%s\t%s\n' "$ip" "$helo" "$from" | timeout 20 "$spf" -c /dev/null -q)
	rc=$?
	tap_is "$rc:${got%%$'\t'*}" "0:$want" "$what: $want"
done <"$data/hostile.tsv"

sock=$TEST_TMP/spf.sock
cat >"$TEST_TMP/spf.conf" <<CONF
socket = unix:$sock, inet:127.0.0.1:10023
user = nobody
workers = 4
request_timeout = 3s
skip_addresses = 10.0.0.0/8
receiver = mx.example.test
CONF
h_daemon_start spf "$spf" -f -c "$TEST_TMP/spf.conf"
h_wait_port 127.0.0.1 10023 && h_wait_file "$sock" || h_bail "postern-spf did not start"
tap_is "$(stat -c %U /proc/"$(h_daemon_pid spf)")" nobody "the daemon runs as the configured user"
tap_is "$(awk '/^Seccomp:/ {print $2}' /proc/"$(h_daemon_pid spf)"/status)" 2 \
	"the daemon runs under a seccomp filter"

ask() { /usr/bin/python3 "$client" ask "$@" protocol_state=RCPT helo_name=client.example.test; }
a=$(ask "$sock" client_address=192.0.2.10 sender=user@pass.spf.test)
tap_is "$a" 'PREPEND Received-SPF: pass (mailfrom) client-ip=192.0.2.10; envelope-from="user@pass.spf.test"; helo=client.example.test; receiver=<UNKNOWN>; identity=mailfrom' \
	"pass: a Received-SPF header (RFC 7208 9.1)"
a=$(ask 127.0.0.1:10023 client_address=203.0.113.7 sender=user@fail.spf.test)
tap_is "$a" "550 5.7.23 Message rejected due to: SPF fail: 203.0.113.7 is not one of fail.spf.test's designated mail servers" \
	"fail over inet: 550 5.7.23 with the exp= explanation"
a=$(ask "$sock" client_address=192.0.2.10 sender=user@tempfail.test)
tap_ok "$([[ $a == DEFER_IF_PERMIT\ 4.4.3* ]]; echo $?)" "temperror (SERVFAIL): $a"
a=$(ask "$sock" client_address=203.0.113.7 sender=user@soft.spf.test)
tap_ok "$([[ $a == PREPEND\ Received-SPF:\ softfail* ]]; echo $?)" "softfail: header only ($a)"
a=$(ask "$sock" client_address=203.0.113.7 sender=user@fail.spf.test sasl_username=alice)
tap_is "$a" DUNNO "an authenticated client is not checked"
a=$(ask "$sock" client_address=10.1.2.3 sender=user@fail.spf.test)
tap_is "$a" DUNNO "a client in skip_addresses is not checked"
a=$(ask "$sock" client_address=192.0.2.10 sender=user@cve.spf.test)
tap_ok "$([[ $a == PREPEND\ Received-SPF:\ permerror* ]]; echo $?)" "the CVE-2023-42118 record: permerror ($a)"
a=$(ask "$sock" client_address=203.0.113.7 sender= helo_name=x)
tap_ok "$([[ $a == PREPEND* || $a == DUNNO ]]; echo $?)" "a null sender is checked by HELO ($a)"

# 200 concurrent persistent clients, 5 requests each, every tenth one also
# sending a malformed request on a connection of its own first.
cat >"$TEST_TMP/cases" <<CASES
192.0.2.10 user@pass.spf.test PREPEND Received-SPF: pass
203.0.113.7 user@fail.spf.test 550 5.7.23
203.0.113.7 user@soft.spf.test PREPEND Received-SPF: softfail
192.0.2.11 user@neutral.spf.test PREPEND Received-SPF: neutral
192.0.2.12 user@tempfail.test DEFER_IF_PERMIT
CASES
out=$(/usr/bin/python3 "$client" load "$sock" 200 5 "$TEST_TMP/cases" 2>&1)
tap_is "$?" 0 "200 concurrent clients: every well-formed request answered correctly ($out)"
grep -q 'malformed request' "$TEST_TMP/spf.log"
tap_ok $? "malformed requests are logged"
h_pid_alive "$(h_daemon_pid spf)"
tap_ok $? "the daemon survives malformed input"
a=$(ask "$sock" client_address=192.0.2.10 sender=user@pass.spf.test)
tap_ok "$([[ $a == PREPEND\ Received-SPF:\ pass* ]]; echo $?)" "and still answers"

h_daemon_stop spf
tap_is "$?" 0 "postern-spf exits 0 on SIGTERM"

# the deadline: a DNS server that never answers, a 1 s limit and the
# timeout action
h_dns_stop
# The resolver must outwait the 1 s deadline, or it reports temperror first.
resolv=$(sed 's/timeout:1/timeout:5/' /etc/resolv.conf)
printf '%s\n' "$resolv" >/etc/resolv.conf
h_daemon_start blackhole /usr/bin/python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
time.sleep(60)'
h_wait_until 10 eval 'ss -Hlun "sport = :53" | grep -q 127.0.0.53' || h_bail "no UDP listener"
h_daemon_start spf2 "$spf" -f -c "$TEST_TMP/spf.conf" -o request_timeout=1s \
	-o "timeout_action=DEFER_IF_PERMIT 4.4.3 too slow" -o socket=unix:$TEST_TMP/s2.sock
h_wait_file "$TEST_TMP/s2.sock" || h_bail "second daemon did not start"
a=$(ask "$TEST_TMP/s2.sock" client_address=192.0.2.10 sender=user@slow.spf.test)
tap_is "$a" "DEFER_IF_PERMIT 4.4.3 too slow" "a DNS server that never answers: timeout_action"
grep -q 'no SPF result within 1s' "$TEST_TMP/spf2.log"
tap_ok $? "the timeout is logged"
tap_done
