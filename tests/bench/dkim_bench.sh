#!/usr/bin/env bash
# dkim_bench.sh: postern-dkim against OpenDKIM, in the same run, with the
# same 2048-bit RSA key and the same message, both driven by
# tests/tools/milter-drive with the same concurrency, over TCP on loopback
# and over a unix socket; and what "openssl speed rsa2048" says the machine
# can sign. Run it by hand, as root, from the source tree after a build:
#
#   tests/bench/dkim_bench.sh [BUILD_DIR] [MESSAGES] [CONNECTIONS]
#
# (defaults: build, 4000, 8). It runs in a private network namespace with
# the test DNS server (tests/lib/harness.sh); build the test programs first
# (make check, or make check TESTS=). Each run sends MESSAGES
# messages over CONNECTIONS parallel milter connections, 20 messages per
# connection (a new one after that, as Postfix opens one per SMTP session).
#   signing:       the client is 127.0.0.1, an internal host of both
#   verification:  a message signed by postern-dkim, from an outside client;
#                  postern-dkim fetches the key from DNS (nsd on loopback,
#                  libopendkim's key cache on); OpenDKIM reads it from a
#                  file (TestPublicKeys): in a test namespace it makes no
#                  DNS query at all.
# The two daemons take turns, run by run, so that both see about the same
# load from the rest of the machine. The skeleton's demo milter
# (common/milter_skel_demo: no cryptography, one header added per message)
# runs the same way: the CPU time of libmilter and the skeleton alone.
# Printed per transport: messages per second for each, the CPU time each
# daemon spent per message (from /proc, so it holds up on a busy machine,
# where throughput mostly measures the scheduler), and the ratios. Then
# "openssl speed rsa2048" with one process and with one per CPU, run
# before and after the message runs: the rate of RSA-2048 signatures the
# machine manages, the ceiling for signing one message per signature. Its
# figures divide by user CPU time, not elapsed time.
#
# With PERF_DATA=FILE set, "perf record -g" samples the unix-socket
# postern-dkim through the message runs into FILE (perf report -i FILE).
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/build}" && pwd)
export top_srcdir top_builddir
MESSAGES=${2:-4000}
CONNECTIONS=${3:-8}
H_TIME_LIMIT=1800
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

printf 'bench._domainkey.example.test %s\n' \
	"$("$top_builddir/tests/tools/resolve" txt bench._domainkey.example.test | tr -d '" ')" \
	>"$TEST_TMP/opendkim.keys"

# One daemon of each kind per transport: NAME_inet and NAME_unix.
declare -A SOCK=(
	[postern_inet]=inet:127.0.0.1:8891 [postern_unix]=unix:$TEST_TMP/postern.sock
	[opendkim_inet]=inet:127.0.0.1:8893 [opendkim_unix]=unix:$TEST_TMP/opendkim.sock
)
for t in inet unix; do
	cat >"$TEST_TMP/postern-$t.conf" <<CONF
socket = ${SOCK[postern_$t]}
user =
domain = example.test
selector = bench
key_file = $KEY
authserv_id = bench.example.test
CONF
	dk_start "postern_$t" "$TEST_TMP/postern-$t.conf"
	spec=${SOCK[opendkim_$t]}
	[ "$t" = inet ] && spec=inet:8893@127.0.0.1 || spec=local:${spec#unix:}
	cat >"$TEST_TMP/opendkim-$t.conf" <<CONF
Mode sv
Socket $spec
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
	h_daemon_start "opendkim_$t" opendkim -f -x "$TEST_TMP/opendkim-$t.conf"
done
SOCK[demo]=inet:127.0.0.1:8895
printf 'socket = %s\nuser =\ntemp_directory = %s\n' "${SOCK[demo]}" "$TEST_TMP" \
	>"$TEST_TMP/demo.conf"
h_daemon_start demo "$top_builddir/common/milter_skel_demo" -f -c "$TEST_TMP/demo.conf"
h_wait_port 127.0.0.1 8895 || h_bail "the demo milter did not start"
h_wait_port 127.0.0.1 8893 || h_bail "opendkim did not start"
h_wait_file "$TEST_TMP/opendkim.sock" || h_bail "opendkim did not start on its unix socket"

# A signed copy for the verification runs.
"$DRIVE" -c localhost,127.0.0.1 -o "$TEST_TMP/signed.eml" "${SOCK[postern_inet]}" \
	"$TEST_TMP/msg.eml" >/dev/null || h_bail "postern-dkim did not sign"

# cpu PID: user + system CPU time of a process, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# run DAEMON CLIENT FILE: "rate cpu-ms-per-message"
run() {
	local out before after pid
	pid=$(h_daemon_pid "$1")
	before=$(cpu "$pid")
	out=$("$DRIVE" -c "$2" -n "$MESSAGES" -j "$CONNECTIONS" -s 20 "${SOCK[$1]}" "$3") ||
		h_bail "milter-drive failed on $1: $out"
	after=$(cpu "$pid")
	echo "# $1: $out" >&2
	case $out in *"ACCEPT=$MESSAGES"*) ;; *) h_bail "$1: not every message accepted" ;; esac
	awk -v out="$out" -v ticks=$((after - before)) -v hz="$TICK" -v n="$MESSAGES" 'BEGIN {
		match(out, /rate=[0-9.]+/); rate = substr(out, RSTART + 5, RLENGTH - 5)
		printf "%s %.3f\n", rate, ticks * 1000 / hz / n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# speed PROCESSES: RSA-2048 signatures per second, all processes together.
speed() {
	openssl speed -seconds 3 -multi "$1" rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $6 }'
}

# The signing and verification rates, as "DAEMON KIND rate cpu" lines.
RESULTS=$TEST_TMP/results
measure() {
	local t d
	for t in inet unix; do
		for d in postern opendkim; do # warm up (first connections, key caches)
			"$DRIVE" -c localhost,127.0.0.1 -n 200 -j 4 "${SOCK[${d}_$t]}" \
				"$TEST_TMP/msg.eml" >/dev/null || h_bail "warm-up of ${d}_$t failed"
		done
		for d in postern opendkim; do
			echo "${d}_$t sign $(run "${d}_$t" localhost,127.0.0.1 "$TEST_TMP/msg.eml")"
		done
		for d in postern opendkim; do
			echo "${d}_$t verify $(run "${d}_$t" client.example.test,127.0.0.30 \
				"$TEST_TMP/signed.eml")"
		done
	done >"$RESULTS"
	"$DRIVE" -c localhost,127.0.0.1 -n 200 -j 4 "${SOCK[demo]}" "$TEST_TMP/msg.eml" >/dev/null ||
		h_bail "warm-up of the demo milter failed"
	echo "demo - $(run demo localhost,127.0.0.1 "$TEST_TMP/msg.eml")" >>"$RESULTS"
}

echo "# $(nproc) CPUs, $MESSAGES messages over $CONNECTIONS connections per run;" \
	"load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
speed1_before=$(speed 1)
speedn_before=$(speed "$(nproc)")
if [ -n "${PERF_DATA:-}" ]; then
	h_daemon_start perf perf record -g -o "$PERF_DATA" -p "$(h_daemon_pid postern_unix)"
	sleep 1
fi
measure
[ -n "${PERF_DATA:-}" ] && h_daemon_stop perf 20 >/dev/null 2>&1
speed1_after=$(speed 1)
speedn_after=$(speed "$(nproc)")
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
passes=$(cat "$TEST_TMP"/postern_*.log | grep -c 'dkim=pass')
echo "# postern-dkim verdicts with dkim=pass: $passes (want $((2 * MESSAGES)) or more)"
[ "$passes" -ge $((2 * MESSAGES)) ] || h_bail "postern-dkim did not pass every verification"

get() { awk -v d="$1" -v k="$2" -v f="$3" '$1 == d && $2 == k { print $f }' "$RESULTS"; }
printf '%-19s %14s %14s %7s   %15s %15s %7s\n' "" "postern-dkim" "OpenDKIM" "ratio" \
	"postern ms CPU" "OpenDKIM ms CPU" "ratio"
for t in inet unix; do
	for k in sign verify; do
		p=$(get "postern_$t" $k 3) o=$(get "opendkim_$t" $k 3)
		pc=$(get "postern_$t" $k 4) oc=$(get "opendkim_$t" $k 4)
		printf '%-19s %12s/s %12s/s %7s   %15s %15s %7s\n' "$k ($t)" "$p" "$o" \
			"$(ratio "$p" "$o")" "$pc" "$oc" "$(ratio "$oc" "$pc")"
	done
done
printf '%-19s %12s/s %14s %7s   %15s\n' "demo milter (inet)" "$(get demo - 3)" "" "" \
	"$(get demo - 4)"
n=$(nproc)
echo "openssl speed rsa2048 signatures/s: 1 process $speed1_before before, $speed1_after after;" \
	"$n processes $speedn_before before, $speedn_after after"
for t in inet unix; do
	p=$(get "postern_$t" sign 3) pc=$(get "postern_$t" sign 4)
	echo "postern-dkim signing ($t) at $(ratio "$p" "$speedn_before")/$(ratio "$p" "$speedn_after")" \
		"of the $n-process openssl rate (before/after); its CPU time per message would" \
		"allow $(awk -v c="$pc" -v n="$n" 'BEGIN { printf "%.0f", (c > 0 ? n * 1000 / c : 0) }')/s" \
		"on $n CPUs"
done
tap_ok 0 "benchmark done"
tap_done
