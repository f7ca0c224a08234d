#!/usr/bin/env bash
# harness_api.sh: the daemon and wait functions of tests/lib/harness.sh do
# what they promise: readiness checks wait for the right address and time
# out, daemons are stopped with SIGTERM and, if they ignore it, SIGKILL,
# and h_daemon_stop returns the daemon's exit status.
. "$top_srcdir/tests/lib/harness.sh"
h_netns_enter "$@"

# listener ADDR PORT DELAY: listen on TCP ADDR:PORT after DELAY seconds.
listener() {
	exec /usr/bin/python3 -c 'import socket, sys, time
time.sleep(float(sys.argv[3]))
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
print("listening", flush=True)
time.sleep(300)' "$@"
}
# elapsed_ms START: milliseconds since START (from h_now_us).
elapsed_ms() { echo $((($(h_now_us) - $1) / 1000)); }

h_wait_port 2001:db8::25 2525 0
tap_ok $((!$?)) "h_wait_port fails when nothing listens"
h_daemon_start listen6 listener 2001:db8::25 2525 0.3
h_wait_port 2001:db8::25 2525 20
tap_ok $? "h_wait_port waits for a listener on an IPv6 test address"
h_wait_grep "^listening$" "$TEST_TMP/listen6.log" 5
tap_ok $? "the daemon's output is in \$TEST_TMP/NAME.log"
h_wait_port 127.0.0.25 2525 0
tap_ok $((!$?)) "a listener on another address does not count"
h_daemon_start listen4 listener 0.0.0.0 2526 0
h_wait_port 127.0.0.30 2526 20
tap_ok $? "a wildcard listener counts for every address"

pid=$(h_daemon_pid listen6)
tap_is "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i /proc/self/ns/net)" \
	"the daemon runs in the test namespace"
h_daemon_stop listen6
tap_is $? 143 "h_daemon_stop returns the status of a daemon killed by SIGTERM"
h_pid_alive "$pid"
tap_ok $((!$?)) "the stopped daemon is gone"
h_daemon_pid listen6 >/dev/null
tap_ok $((!$?)) "a stopped daemon has no pid"

h_daemon_start graceful bash -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
sleep 0.2
h_daemon_stop graceful
tap_is $? 7 "h_daemon_stop returns the exit status of a daemon that handles SIGTERM"

h_daemon_start stubborn bash -c 'trap "" TERM; while :; do sleep 0.1; done'
sleep 0.2
start=$(h_now_us)
h_daemon_stop stubborn 1
tap_is $? 137 "a daemon that ignores SIGTERM is killed"
ms=$(elapsed_ms "$start")
[ "$ms" -ge 1000 ] && [ "$ms" -lt 5000 ]
tap_ok $? "after the given timeout (${ms} ms)"

(sleep 0.3 && touch "$TEST_TMP/flag") &
h_wait_file "$TEST_TMP/flag" 5
tap_ok $? "h_wait_file waits for a file"
start=$(h_now_us)
h_wait_file "$TEST_TMP/never" 1
tap_ok $((!$?)) "h_wait_file times out"
ms=$(elapsed_ms "$start")
[ "$ms" -ge 1000 ] && [ "$ms" -lt 5000 ]
tap_ok $? "after the given timeout (${ms} ms)"

h_addr_add 2001:db8::99
listener 2001:db8::99 2599 0 >/dev/null 2>&1 &
listener_pid=$!
h_wait_port 2001:db8::99 2599 20
tap_ok $? "h_addr_add makes a further test address usable"
kill "$listener_pid"
out=$(h_addr_add 192.0.2.1)
tap_is "$out" "Bail out! h_addr_add: 192.0.2.1 is not in 127.0.0.0/8 or 2001:db8::/32" \
	"h_addr_add refuses an address off the test ranges"

tap_done
