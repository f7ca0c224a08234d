#!/usr/bin/env bash
# dkim_bench.sh: postern-dkim against OpenDKIM, in the same run, with the
# same 2048-bit RSA key and the same message, both driven by
# tests/tools/milter-drive over TCP on loopback; and what "openssl speed
# rsa2048" says the machine can sign. Run it by hand, as root, from the
# source tree after a build:
#
#   tests/bench/dkim_bench.sh [BUILD_DIR] [MESSAGES] [CONNECTIONS]
#
# (defaults: build, 4000, 8). It runs in a private network namespace with
# the test DNS server (tests/lib/harness.sh). Each run sends MESSAGES
# messages over CONNECTIONS parallel milter connections, 20 messages per
# connection (a new one after that, as Postfix opens one per SMTP session).
#   signing:       the client is 127.0.0.1, an internal host of both
#   verification:  a message signed by postern-dkim, from an outside client;
#                  postern-dkim fetches the key from DNS (nsd on loopback,
#                  libopendkim's key cache on); OpenDKIM reads it from a
#                  file (TestPublicKeys): in a test namespace it makes no
#                  DNS query at all.
# Printed: messages per second for each, the CPU time each daemon spent per
# message (from /proc, so it holds up on a busy machine, where throughput
# mostly measures the scheduler), and the ratios.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/build}" && pwd)
export top_srcdir top_builddir
MESSAGES=${2:-4000}
CONNECTIONS=${3:-8}
H_TIME_LIMIT=900
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
h_netns_enter "$@"

dk_zone_init
dk_genkey bench rsa 2048
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
KEY=$TEST_TMP/keys/bench.private

# A message of about 3 KB: a few header fields and a text body.
{
	printf 'From: Alice <alice@example.test>\nTo: Bob <bob@remote.test>\n'
	printf 'Subject: benchmark\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n'
	printf 'Message-ID: <bench@example.test>\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	for i in $(seq 40); do
		printf 'Line %d of the benchmark message, with some text to canonicalize.  \n' "$i"
	done
} >"$TEST_TMP/msg.eml"

cat >"$TEST_TMP/postern-dkim.conf" <<CONF
socket = inet:127.0.0.1:8891
user =
domain = example.test
selector = bench
key_file = $KEY
authserv_id = bench.example.test
CONF
h_daemon_start postern "$DKIM" -f -c "$TEST_TMP/postern-dkim.conf"
h_wait_grep 'starting:' "$TEST_TMP/postern.log" 10 || h_bail "postern-dkim did not start"

printf 'bench._domainkey.example.test %s\n' \
	"$("$top_builddir/tests/tools/resolve" txt bench._domainkey.example.test | tr -d '" ')" \
	>"$TEST_TMP/opendkim.keys"
cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode sv
Socket inet:8893@127.0.0.1
Domain example.test
Selector bench
KeyFile $KEY
InternalHosts 127.0.0.1
Canonicalization relaxed/simple
AuthservID bench.example.test
TestPublicKeys $TEST_TMP/opendkim.keys
RequireSafeKeys no
Background no
Syslog no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8893 || h_bail "opendkim did not start"

# A signed copy for the verification runs.
"$DRIVE" -c localhost,127.0.0.1 -o "$TEST_TMP/signed.eml" inet:127.0.0.1:8891 \
	"$TEST_TMP/msg.eml" >/dev/null || h_bail "postern-dkim did not sign"

# cpu PID: user + system CPU time of a process, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# run PORT PID CLIENT FILE: "rate cpu-ms-per-message"
run() {
	local out before after
	before=$(cpu "$2")
	out=$("$DRIVE" -c "$3" -n "$MESSAGES" -j "$CONNECTIONS" -s 20 "inet:127.0.0.1:$1" "$4") ||
		h_bail "milter-drive failed on port $1: $out"
	after=$(cpu "$2")
	echo "# port $1: $out" >&2
	awk -v out="$out" -v ticks=$((after - before)) -v hz="$TICK" -v n="$MESSAGES" 'BEGIN {
		match(out, /rate=[0-9.]+/); rate = substr(out, RSTART + 5, RLENGTH - 5)
		printf "%s %.3f\n", rate, ticks * 1000 / hz / n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "# $(nproc) CPUs, $MESSAGES messages over $CONNECTIONS connections per run"
# Warm up both (first connections, key caches).
"$DRIVE" -c localhost,127.0.0.1 -n 200 -j 4 inet:127.0.0.1:8891 "$TEST_TMP/msg.eml" >/dev/null
"$DRIVE" -c localhost,127.0.0.1 -n 200 -j 4 inet:127.0.0.1:8893 "$TEST_TMP/msg.eml" >/dev/null
pp=$(h_daemon_pid postern)
op=$(h_daemon_pid opendkim)
read -r p_sign p_sign_cpu < <(run 8891 "$pp" localhost,127.0.0.1 "$TEST_TMP/msg.eml")
read -r o_sign o_sign_cpu < <(run 8893 "$op" localhost,127.0.0.1 "$TEST_TMP/msg.eml")
read -r p_ver p_ver_cpu < <(run 8891 "$pp" client.example.test,127.0.0.30 "$TEST_TMP/signed.eml")
read -r o_ver o_ver_cpu < <(run 8893 "$op" client.example.test,127.0.0.30 "$TEST_TMP/signed.eml")
grep -c 'dkim=pass' "$TEST_TMP/postern.log" | sed 's/^/# postern-dkim verdicts with dkim=pass: /'

speed=$(openssl speed -seconds 3 -multi "$(nproc)" rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $6 }')
printf '%-13s %14s %14s %8s   %16s %16s %8s\n' "" "postern-dkim" "OpenDKIM" "ratio" \
	"postern ms CPU" "OpenDKIM ms CPU" "ratio"
printf '%-13s %12s/s %12s/s %8s   %16s %16s %8s\n' signing "$p_sign" "$o_sign" \
	"$(ratio "$p_sign" "$o_sign")" "$p_sign_cpu" "$o_sign_cpu" "$(ratio "$o_sign_cpu" "$p_sign_cpu")"
printf '%-13s %12s/s %12s/s %8s   %16s %16s %8s\n' verification "$p_ver" "$o_ver" \
	"$(ratio "$p_ver" "$o_ver")" "$p_ver_cpu" "$o_ver_cpu" "$(ratio "$o_ver_cpu" "$p_ver_cpu")"
echo "openssl speed rsa2048, $(nproc) processes: $speed signatures/s;" \
	"postern-dkim signs at $(ratio "$p_sign" "$speed") of that," \
	"its CPU time per message would allow $(awk -v c="$p_sign_cpu" -v n="$(nproc)" \
		'BEGIN { printf "%.0f", (c > 0 ? n * 1000 / c : 0) }')/s on $(nproc) CPUs"
tap_ok 0 "benchmark done"
tap_done
