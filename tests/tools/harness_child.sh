#!/usr/bin/env bash
# harness_child.sh MODE REPORT: a test that sets up a namespace, DNS and
# daemons, writes what it started to REPORT, then fails in the way MODE
# says once REPORT.held exists. tests/integration/harness_cleanup.sh runs
# it and checks that nothing of it is left behind.
#   assert   a failing assertion, then tap_done
#   exit     exit 1 in the middle of the test
#   bail     h_bail in the middle of the test
#   wait     wait to be killed (SIGTERM from outside, or the time limit)
. "$top_srcdir/tests/lib/harness.sh"
h_netns_enter "$@"
mode=$1
report=$2

h_dns_start
h_daemon_start sleeper sleep 300
# A process the harness was never told about, in a session of its own.
setsid sleep 301 >/dev/null 2>&1 </dev/null &
orphan=$!
{
	echo "netns $H_NETNS"
	echo "inode $(stat -L -c %i /proc/self/ns/net)"
	echo "pids $$ $(h_daemon_pid nsd) $(h_daemon_pid sleeper) $orphan"
} >"$report.new"
mv "$report.new" "$report"
# The test holds the namespace open before the child fails, so that its
# inode number cannot go to another namespace while it is checked.
h_wait_file "$report.held" 20 || h_bail "the test never held the namespace"
tap_ok 0 "set up"

case $mode in
assert)
	tap_ok 1 "a deliberately failing assertion"
	tap_done
	;;
exit)
	exit 1
	;;
bail)
	h_bail "deliberately bailing out"
	;;
wait)
	sleep 300
	;;
esac
echo "Bail out! unknown mode $mode"
exit 1
