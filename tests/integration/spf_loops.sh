#!/usr/bin/env bash
# spf_loops.sh: postern-spf's event loops. With event_loops = 3, twelve
# concurrent persistent connections are spread over the three loops (the
# loop of each connection is logged with -v) and every request on them is
# answered correctly, those the workers evaluate (a SERVFAIL zone) too;
# every thread runs under the seccomp filter; SIGTERM ends every loop.
# With event_loops = 1 the one loop serves them all.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
client=$top_builddir/policyd/spf/spf_bench_client

h_dns_zone "$data/spf.test.zone"
h_dns_zone_servfail tempfail.test
h_dns_start

# the first line is the warm-up request: every connection is open before
# the others are sent (spf_bench_client.c)
cat >"$TEST_TMP/cases" <<CASES
192.0.2.10 user@pass.spf.test PREPEND Received-SPF: pass
192.0.2.10 user@pass.spf.test PREPEND Received-SPF: pass
203.0.113.7 user@fail.spf.test 550 5.7.23
203.0.113.7 user@soft.spf.test PREPEND Received-SPF: softfail
192.0.2.11 user@neutral.spf.test PREPEND Received-SPF: neutral
192.0.2.12 user@tempfail.test DEFER_IF_PERMIT
CASES
cat >"$TEST_TMP/spf.conf" <<CONF
user = nobody
workers = 2
skip_addresses =
CONF

# loops_used LOG: the loop numbers that served a connection, sorted
loops_used() {
	sed -n 's/.*connection served by event loop \([0-9]*\)$/\1/p' "$1" | sort -nu | paste -sd' '
}

run() { # NAME LOOPS
	local sock=$TEST_TMP/$1.sock pid
	h_daemon_start "$1" "$spf" -f -v -c "$TEST_TMP/spf.conf" -o "event_loops=$2" \
		-o "socket=unix:$sock"
	h_wait_file "$sock" || h_bail "postern-spf ($1) did not start"
	pid=$(h_daemon_pid "$1")
	out=$("$client" "unix:$sock" 12 5 "$TEST_TMP/cases" 2>&1)
	tap_is "$?" 0 "event_loops = $2: 12 connections, every request answered correctly"
	tap_is "$(awk '{ print $2, $4 }' <<<"$out")" "60 0" "event_loops = $2: 60 answers, none wrong"
	grep -q "serving with $2 event loop" "$TEST_TMP/$1.log"
	tap_ok $? "event_loops = $2: the daemon says it runs $2 loops"
	tap_is "$(ls "/proc/$pid/task" | wc -l)" "$(($2 + 2))" \
		"event_loops = $2: $2 loop threads and 2 workers"
	tap_is "$(cat /proc/"$pid"/task/*/status | awk '/^Seccomp:/ && $2 != 2' | wc -l)" 0 \
		"event_loops = $2: every thread runs under the seccomp filter"
}

run three 3
tap_is "$(loops_used "$TEST_TMP/three.log")" "0 1 2" \
	"the connections are spread over the three loops"
# four connections each, in the order they were accepted
tap_is "$(sed -n 's/.*served by event loop //p' "$TEST_TMP/three.log" | sort | uniq -c |
	awk '{ print $1 }' | paste -sd' ')" "4 4 4" "each loop serves four of the twelve connections"
h_daemon_stop three 10
tap_is "$?" 0 "SIGTERM ends every loop: exit 0"
grep -q 'stopping' "$TEST_TMP/three.log"
tap_ok $? "the stop is logged"

run one 1
tap_is "$(loops_used "$TEST_TMP/one.log")" "0" "event_loops = 1: one loop serves every connection"
h_daemon_stop one 10
tap_is "$?" 0 "event_loops = 1: exit 0 on SIGTERM"
tap_done
