#!/usr/bin/env bash
# spf_bench.sh: requests per second and latency (p50, p99) of postern-spf
# against postfix-policyd-spf-python (Debian's policyd-spf) on the same
# requests and zones, in the same run, inside a private namespace with
# nsd. Run by hand from the build directory (root, for the namespace):
#   top_srcdir=.. top_builddir=. bash ../tests/bench/spf_bench.sh
# policyd-spf speaks on stdin/stdout (Postfix spawn): each connection gets
# its own policyd-spf process, as spawn gives it. "cached" repeats five
# requests; "uncached" sends a new sender each time (postern-spf's result
# cache misses; libspf2 keeps no DNS cache).
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=600
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
client=$data/policy_client.py
command -v policyd-spf >/dev/null || h_bail "install postfix-policyd-spf-python"
h_dns_zone "$data/spf.test.zone"
h_dns_start

cat >"$TEST_TMP/cached" <<CASES
192.0.2.10 user@pass.spf.test PREPEND Received-SPF: pass
203.0.113.7 user@fail.spf.test 550
203.0.113.7 user@soft.spf.test PREPEND Received-SPF: softfail
192.0.2.11 user@neutral.spf.test PREPEND Received-SPF: neutral
192.0.2.12 user@pass.spf.test PREPEND Received-SPF: pass
CASES
for i in $(seq 20000); do echo "192.0.2.10 u$i@pass.spf.test PREPEND Received-SPF: pass"; done \
	>"$TEST_TMP/uncached"
# policyd-spf words its answers differently: only the action's first word
sed 's/ PREPEND Received-SPF: .*/ PREPEND/; s/ 550$/ 550/' "$TEST_TMP/cached" >"$TEST_TMP/cached.py"
sed 's/ PREPEND Received-SPF: .*/ PREPEND/' "$TEST_TMP/uncached" >"$TEST_TMP/uncached.py"

printf 'socket = unix:%s\nuser = nobody\nskip_addresses =\n' "$TEST_TMP/postern.sock" \
	>"$TEST_TMP/spf.conf"
h_daemon_start postern "$top_builddir/policyd/spf/postern-spf" -f -c "$TEST_TMP/spf.conf"
h_wait_file "$TEST_TMP/postern.sock" || h_bail "postern-spf did not start"

cat >"$TEST_TMP/pyconf" <<CONF
debugLevel = 0
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses =
CONF
# spawn.py: one policyd-spf per connection on a unix socket, like spawn(8)
cat >"$TEST_TMP/spawn.py" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(256)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        os.dup2(c.fileno(), 0); os.dup2(c.fileno(), 1)
        os.execvp("policyd-spf", ["policyd-spf", sys.argv[2]])
    c.close()
    try:
        while os.waitpid(-1, os.WNOHANG)[0]: pass
    except ChildProcessError: pass
PY
h_daemon_start pyspf python3 "$TEST_TMP/spawn.py" "$TEST_TMP/py.sock" "$TEST_TMP/pyconf"
h_wait_file "$TEST_TMP/py.sock" || h_bail "policyd-spf spawner did not start"

run() { # NAME SOCKET CLIENTS REQUESTS CASES
	local out
	out=$(python3 "$client" bench "$2" "$3" "$4" "$5")
	echo "$1: $out"
	tap_ok "$([[ $out == *" wrong 0 "* ]]; echo $?)" "$1: every answer as expected"
	awk '{for (i = 1; i < NF; i++) if ($i == "rps" || $i == "p99_ms") print $(i + 1)}' <<<"$out" |
		paste -sd' ' >"$TEST_TMP/$6"
}
run "postern-spf cached" "$TEST_TMP/postern.sock" 50 400 "$TEST_TMP/cached" pc
run "policyd-spf cached" "$TEST_TMP/py.sock" 20 25 "$TEST_TMP/cached.py" yc
run "postern-spf uncached" "$TEST_TMP/postern.sock" 50 200 "$TEST_TMP/uncached" pu
run "policyd-spf uncached" "$TEST_TMP/py.sock" 20 25 "$TEST_TMP/uncached.py" yu
read -r pc_rps pc_p99 <"$TEST_TMP/pc"
read -r yc_rps yc_p99 <"$TEST_TMP/yc"
read -r pu_rps pu_p99 <"$TEST_TMP/pu"
read -r yu_rps yu_p99 <"$TEST_TMP/yu"
awk -v a="$pc_rps" -v b="$yc_rps" -v c="$pu_rps" -v d="$yu_rps" 'BEGIN {
	printf "ratio requests/s cached: %.1fx, uncached: %.1fx\n", a / b, c / d }'
echo "p99 ms: postern-spf cached $pc_p99, uncached $pu_p99; policyd-spf cached $yc_p99, uncached $yu_p99"
tap_done
