#!/usr/bin/env bash
# spf_bench.sh: requests per second and latency (p50, p99, max) of
# postern-spf against postfix-policyd-spf-python (Debian's policyd-spf) on
# the same requests and zones, in the same run, inside a private network
# namespace with nsd. Run by hand from the build directory, as root (for
# the namespace), after make check has built the load client:
#   top_srcdir=.. top_builddir=. bash ../tests/bench/spf_bench.sh
# Knobs (environment): CLIENTS concurrent persistent connections (10),
# PC_REQ / PY_REQ requests per connection for postern-spf (5000) and for
# policyd-spf (300), WORKERS postern-spf's evaluation threads (its
# default when unset), DNS_CACHE_MAX_TTL postern-spf's dns_cache_max_ttl
# (its default, 1h, when unset; 0 turns its DNS cache off), PERF_DATA a
# file for "perf record -g" of postern-spf during its uncached run.
#
# Besides rates and latencies each run reports the CPU time (user +
# system, from /proc) spent per 10,000 requests by the daemon (policyd-spf:
# all its processes), by nsd and by the load client: steadier than the
# rates on a busy machine, and it shows whether nsd or the client is the
# limit. For postern-spf it also lists the CPU time of each of its threads
# that ran (event loops, workers) with the length of the timed part: a
# thread whose time nears that length is the limit (the warm-up request
# counts in the threads' time, not in the length).
#
# The load client (policyd/spf/spf_bench_client) keeps its connections
# open as Postfix's smtpd processes do and has one request in flight per
# connection. policyd-spf speaks on stdin/stdout (Postfix spawn): each
# connection gets its own policyd-spf process, as spawn(8) gives it.
#   cached:   five (client, sender) pairs over and over, after one warm-up
#             pass; postern-spf answers from its result cache. policyd-spf
#             has no result cache (only a per-message one keyed by
#             Postfix's instance, which differs for every request here), so
#             it evaluates every request.
#   uncached: every request has its own sender domain (a wildcard zone)
#             and its own client address, so no result cache helps either
#             side; each evaluation needs three DNS answers (the HELO
#             name's record, the sender's, its include:). pyspf asks nsd
#             for all three every time (no caching resolver in between);
#             postern-spf keeps DNS answers for their TTL (spf_dns.c), so
#             only the sender's record is a new query: run with
#             DNS_CACHE_MAX_TTL=0 for three queries per request.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=900
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
client=$top_builddir/policyd/spf/spf_bench_client
: "${CLIENTS:=10}" "${PC_REQ:=5000}" "${PY_REQ:=300}"
command -v policyd-spf >/dev/null || h_bail "install postfix-policyd-spf-python"
[ -x "$client" ] || h_bail "build $client first (make check)"

# bench.test: a wildcard per result, so that every sender domain differs
cat >"$TEST_TMP/bench.test.zone" <<'ZONE'
$ORIGIN bench.test.
@	300 SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@	300 NS ns1.example.test.
_spf	300 TXT "v=spf1 ip4:10.0.0.0/9 ip4:192.0.2.0/24 -all"
*.pass	300 TXT "v=spf1 ip4:198.51.100.0/24 include:_spf.bench.test -all"
*.fail	300 TXT "v=spf1 ip4:198.51.100.0/24 include:_spf.bench.test -all"
*.soft	300 TXT "v=spf1 ip4:198.51.100.0/24 include:_spf.bench.test ~all"
ZONE
h_dns_zone "$data/spf.test.zone"
h_dns_zone "$TEST_TMP/bench.test.zone"
h_dns_start

# Cases: "client_ip sender expected-answer-prefix" (compared without
# regard to case: policyd-spf writes "Pass", postern-spf "pass"); the
# first line is the warm-up request, untimed, once per connection.
warmup="192.0.2.1 user@warmup.pass.bench.test PREPEND Received-SPF: pass"
cat >"$TEST_TMP/cached" <<CASES
$warmup
192.0.2.10 user@pass.spf.test PREPEND Received-SPF: pass
203.0.113.7 user@fail.spf.test 550 5.7.23
203.0.113.7 user@soft.spf.test PREPEND Received-SPF: softfail
192.0.2.11 user@neutral.spf.test PREPEND Received-SPF: neutral
192.0.2.12 user@pass.spf.test PREPEND Received-SPF: pass
CASES
awk -v n=$((CLIENTS * PC_REQ)) -v warmup="$warmup" 'BEGIN {
	print warmup
	for (i = 0; i < n; i++) {
		a = int(i / 65536) % 128; b = int(i / 256) % 256; c = i % 256
		if (i % 4 == 0)
			printf "10.%d.%d.%d u%d@d%d.fail.bench.test 550 5.7.23\n", 128 + a, b, c, i, i
		else if (i % 4 == 1)
			printf "10.%d.%d.%d u%d@d%d.soft.bench.test PREPEND Received-SPF: softfail\n", 128 + a, b, c, i, i
		else
			printf "10.%d.%d.%d u%d@d%d.pass.bench.test PREPEND Received-SPF: pass\n", a, b, c, i, i
	} }' >"$TEST_TMP/uncached"
# policyd-spf gets the second half of the file, so that even a cache
# shared between the two could not help it
{
	echo "$warmup"
	tail -n $((CLIENTS * PY_REQ)) "$TEST_TMP/uncached"
} >"$TEST_TMP/uncached.py"

{
	printf 'socket = unix:%s\nuser = nobody\nskip_addresses =\n' "$TEST_TMP/postern.sock"
	[ -z "${WORKERS:-}" ] || echo "workers = $WORKERS"
	[ -z "${DNS_CACHE_MAX_TTL:-}" ] || echo "dns_cache_max_ttl = $DNS_CACHE_MAX_TTL"
} >"$TEST_TMP/spf.conf"
h_daemon_start postern "$top_builddir/policyd/spf/postern-spf" -f -c "$TEST_TMP/spf.conf"
h_wait_file "$TEST_TMP/postern.sock" || h_bail "postern-spf did not start"

# policyd-spf with the same policy as postern-spf's defaults: reject Fail
# for HELO and MAIL FROM, prepend Received-SPF otherwise.
cat >"$TEST_TMP/pyconf" <<CONF
debugLevel = 1
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
CONF
# spawn.py: one policyd-spf per connection on a unix socket, like spawn(8)
cat >"$TEST_TMP/spawn.py" <<'PY'
import os, signal, socket, sys
def reap(signum, frame):
    # children are reaped at once, so that their CPU time counts in ours
    try:
        while os.waitpid(-1, os.WNOHANG)[0]: pass
    except ChildProcessError: pass
signal.signal(signal.SIGCHLD, reap)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(256)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        os.dup2(c.fileno(), 0); os.dup2(c.fileno(), 1)
        os.execvp("policyd-spf", ["policyd-spf", sys.argv[2]])
    c.close()
PY
h_daemon_start pyspf python3 "$TEST_TMP/spawn.py" "$TEST_TMP/py.sock" "$TEST_TMP/pyconf"
h_wait_file "$TEST_TMP/py.sock" || h_bail "policyd-spf spawner did not start"
pc_pid=$(h_daemon_pid postern)
py_pid=$(h_daemon_pid pyspf)

# tree_cpu PID: CPU ticks (user + system) of PID, of its reaped children
# and of its live descendants.
tree_cpu() {
	local t child
	t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" 2>/dev/null) || t=0
	for child in $(ps -o pid= --ppid "$1"); do
		t=$((t + $(tree_cpu "$child")))
	done
	echo "${t:-0}"
}
# self_cpu: CPU ticks of this shell's reaped children (the load client).
self_cpu() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
# drained PID: no child of PID (a policyd-spf) is left after a run
drained() { [ -z "$(ps -o pid= --ppid "$1")" ]; }
hz=$(getconf CLK_TCK)
nsd_pid=$(h_daemon_pid nsd)

# thread_cpu PID: "TID ticks" for each thread of PID
thread_cpu() {
	local t
	for t in /proc/"$1"/task/*/stat; do
		awk '{ print $1, $14 + $15 }' "$t" 2>/dev/null
	done | sort
}

run() { # NAME SOCKET CLIENTS REQUESTS CASES RESULT_FILE DAEMON_PID
	local out rc d0 n0 c0 d1 n1 c1 total secs
	d0=$(tree_cpu "$7") n0=$(tree_cpu "$nsd_pid") c0=$(self_cpu)
	thread_cpu "$7" >"$TEST_TMP/threads0"
	out=$("$client" "unix:$2" "$3" "$4" "$5")
	rc=$?
	[ "$7" != "$py_pid" ] || h_wait_until 10 drained "$py_pid"
	d1=$(tree_cpu "$7") n1=$(tree_cpu "$nsd_pid") c1=$(self_cpu)
	total=$(($3 * $4))
	out="$out $(awk -v d=$((d1 - d0)) -v n=$((n1 - n0)) -v c=$((c1 - c0)) -v r="$total" \
		-v hz="$hz" 'BEGIN { f = 10000 / r / hz
		printf "cpu_s_per_10k daemon %.2f nsd %.2f client %.2f", d * f, n * f, c * f }')"
	echo "# $1, $3 clients: $out"
	# the timed part's length: requests / rps
	secs=$(awk '{ for (i = 1; i < NF; i++) if ($i == "rps" && $(i + 1) > 0)
		printf "%.2f", $2 / $(i + 1) }' <<<"$out")
	[ "$7" != "$pc_pid" ] || thread_cpu "$7" | join "$TEST_TMP/threads0" - | awk -v hz="$hz" \
		-v secs="$secs" '$3 > $2 { t = t sprintf(" %.2f", ($3 - $2) / hz) }
		END { printf "#   threads that ran, CPU s:%s (timed part %s s)\n", t, secs }'
	tap_is "$rc" 0 "$1, $3 clients: every answer as expected"
	awk '{ for (i = 1; i < NF; i++) if ($i == "rps" || $i == "p99_ms" || $i == "daemon")
		print $(i + 1) }' <<<"$out" | paste -sd' ' >"$TEST_TMP/$6"
}
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) before the first run, $(nproc) CPUs"
# warm-up: one pass over the cached cases (fills postern-spf's cache)
"$client" "unix:$TEST_TMP/postern.sock" 1 5 "$TEST_TMP/cached" >/dev/null
run "postern-spf cached" "$TEST_TMP/postern.sock" "$CLIENTS" "$PC_REQ" "$TEST_TMP/cached" pc \
	"$pc_pid"
run "policyd-spf cached" "$TEST_TMP/py.sock" "$CLIENTS" "$PY_REQ" "$TEST_TMP/cached" yc "$py_pid"
[ -z "${PERF_DATA:-}" ] || h_daemon_start perf perf record -q -g -o "$PERF_DATA" -p "$pc_pid"
run "postern-spf uncached" "$TEST_TMP/postern.sock" "$CLIENTS" "$PC_REQ" "$TEST_TMP/uncached" pu \
	"$pc_pid"
[ -z "${PERF_DATA:-}" ] || h_daemon_stop perf 20 >/dev/null 2>&1
run "policyd-spf uncached" "$TEST_TMP/py.sock" "$CLIENTS" "$PY_REQ" "$TEST_TMP/uncached.py" yu \
	"$py_pid"
# one client: the time a cached answer takes without other requests queued
run "postern-spf cached" "$TEST_TMP/postern.sock" 1 "$PC_REQ" "$TEST_TMP/cached" p1 "$pc_pid"
run "policyd-spf cached" "$TEST_TMP/py.sock" 1 "$PY_REQ" "$TEST_TMP/cached" y1 "$py_pid"
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) after the last run"
read -r pc_rps pc_p99 pc_cpu <"$TEST_TMP/pc"
read -r yc_rps yc_p99 yc_cpu <"$TEST_TMP/yc"
read -r pu_rps pu_p99 pu_cpu <"$TEST_TMP/pu"
read -r yu_rps yu_p99 yu_cpu <"$TEST_TMP/yu"
read -r _ p1_p99 _ <"$TEST_TMP/p1"
read -r _ y1_p99 _ <"$TEST_TMP/y1"
awk -v a="$pc_rps" -v b="$yc_rps" -v c="$pu_rps" -v d="$yu_rps" -v p="$pc_p99" 'BEGIN {
	printf "# requests/s ratio postern-spf/policyd-spf: cached %.1fx, uncached %.1fx " \
		"(target 20x: %s)\n", a / b, c / d, (a / b >= 20 && c / d >= 20) ? "met" : "missed"
	printf "# postern-spf cached p99 %s ms (target under 1 ms: %s)\n", p,
		(p < 1) ? "met" : "missed" }'
echo "# p99 ms: postern-spf cached $pc_p99, uncached $pu_p99;" \
	"policyd-spf cached $yc_p99, uncached $yu_p99;" \
	"one client, cached: postern-spf $p1_p99, policyd-spf $y1_p99"
awk -v a="$pc_cpu" -v b="$yc_cpu" -v c="$pu_cpu" -v d="$yu_cpu" 'BEGIN {
	printf "# CPU s per 10k requests, postern-spf / policyd-spf: cached %s / %s " \
		"(%.1fx less), uncached %s / %s (%.1fx less)\n", a, b, (a > 0 ? b / a : 0),
		c, d, (c > 0 ? d / c : 0) }'
tap_done
