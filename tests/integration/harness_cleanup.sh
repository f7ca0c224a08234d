#!/usr/bin/env bash
# harness_cleanup.sh: a test that fails in any way leaves nothing behind.
# Runs tests/tools/harness_child.sh, which starts nsd and daemons in its
# namespace and then fails by an assertion, exit 1, h_bail, SIGTERM from
# outside, or the harness time limit; afterwards no process of it, no
# namespace, no /etc/netns entry, no mount and no temporary file remains.
# After SIGKILL, the next test run removes the namespace and processes.
. "$top_srcdir/tests/lib/harness.sh"

child=$top_srcdir/tests/tools/harness_child.sh

# netns_procs INODE: pids of processes whose network namespace is INODE.
# The namespace is held open meanwhile (hold_netns), so no other test's
# namespace can have that inode number.
netns_procs() {
	stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null |
		awk -v inode="$1" '$1 == inode { split($2, p, "/"); print p[3] }'
}

# hold_netns CASE REPORT: once the child has written REPORT, open its
# network namespace (through its shell, the first pid listed) and keep the
# descriptor in held[CASE]; then let the child go on to fail.
declare -A held=()
hold_netns() {
	local pid fd
	h_wait_file "$2" 20 || return 1
	pid=$(sed -n 's/^pids \([0-9]*\).*/\1/p' "$2")
	exec {fd}<"/proc/$pid/ns/net" || return 1
	held[$1]=$fd
	tap_is "$(stat -L -c %i "/proc/$$/fd/$fd")" "$(sed -n 's/^inode //p' "$2")" \
		"$1: the namespace held open is the child's"
	touch "$2.held"
}

# release_netns CASE: close the descriptor hold_netns opened.
release_netns() {
	local fd=${held[$1]:-}
	[ -z "$fd" ] || exec {fd}<&-
	unset "held[$1]"
}

# check_clean CASE REPORT [TMPDIR]: nothing the child started remains (nor
# any file in TMPDIR, when given).
check_clean() {
	local name=$1 report=$2 tmp=${3:-} ns inode pids pid alive=""
	if [ ! -s "$report" ]; then
		tap_ok 1 "$name: the child set up its namespace"
		return
	fi
	ns=$(sed -n 's/^netns //p' "$report")
	inode=$(sed -n 's/^inode //p' "$report")
	pids=$(sed -n 's/^pids //p' "$report")
	for pid in $pids; do
		h_pid_alive "$pid" && alive+=" $pid"
	done
	tap_is "$alive" "" "$name: no process the child started is alive"
	# A process killed a moment ago may still be exiting on a loaded machine.
	h_wait_until 10 eval '[ -z "$(netns_procs '"$inode"')" ]'
	tap_is "$(netns_procs "$inode")" "" "$name: no process is left in its namespace"
	release_netns "$name"
	ip netns list | grep -qw -- "$ns"
	tap_ok $((!$?)) "$name: ip netns list does not show $ns"
	[ ! -e "/etc/netns/$ns" ] && [ ! -e "/run/netns/$ns" ]
	tap_ok $? "$name: /etc/netns/$ns and /run/netns/$ns are gone"
	grep -q -- "$ns" /proc/mounts
	tap_ok $((!$?)) "$name: no mount of $ns remains"
	[ -z "$tmp" ] || tap_is "$(ls -A "$tmp")" "" "$name: its temporary files are gone"
}

# run_child CASE MODE WANT_STATUS: run the child to its end, then check.
run_child() {
	local name=$1 mode=$2 want=$3 tmp=$TEST_TMP/$1 rc=0 pid
	mkdir "$tmp"
	TMPDIR=$tmp "$BASH" "$child" "$mode" "$TEST_TMP/$name.report" >"$TEST_TMP/$name.out" 2>&1 &
	pid=$!
	hold_netns "$name" "$TEST_TMP/$name.report"
	wait "$pid" || rc=$?
	tap_is "$rc" "$want" "$name: the child exits with status $want"
	check_clean "$name" "$TEST_TMP/$name.report" "$tmp"
}

run_child assert assert 1
grep -q '^not ok 2 - a deliberately failing assertion' "$TEST_TMP/assert.out"
tap_ok $? "assert: the child reported its failing assertion"
run_child exit exit 1
run_child bail bail 1
grep -q '^Bail out! deliberately bailing out' "$TEST_TMP/bail.out"
tap_ok $? "bail: the child bailed out"

# Killed from outside while its daemons run.
mkdir "$TEST_TMP/term"
TMPDIR=$TEST_TMP/term "$BASH" "$child" wait "$TEST_TMP/term.report" >"$TEST_TMP/term.out" 2>&1 &
child_pid=$!
hold_netns term "$TEST_TMP/term.report"
alive=0
for pid in $(sed -n 's/^pids //p' "$TEST_TMP/term.report"); do
	h_pid_alive "$pid" && alive=$((alive + 1))
done
tap_is "$alive" 4 "term: the child's shell, nsd and two daemons run"
kill -TERM "$child_pid"
rc=0
wait "$child_pid" || rc=$?
tap_is "$rc" 130 "term: the child exits with status 130"
check_clean term "$TEST_TMP/term.report" "$TEST_TMP/term"

# Killed with SIGKILL, so no teardown of its own runs: the next test to
# enter a namespace (a concurrent one, or the child below) removes what is
# left. Its temporary directory stays.
mkdir "$TEST_TMP/kill9"
TMPDIR=$TEST_TMP/kill9 "$BASH" "$child" wait "$TEST_TMP/kill9.report" >"$TEST_TMP/kill9.out" 2>&1 &
child_pid=$!
hold_netns kill9 "$TEST_TMP/kill9.report"
kill -KILL "$child_pid"
wait "$child_pid" 2>/dev/null
run_child after-kill9 exit 1
check_clean kill9 "$TEST_TMP/kill9.report"

# Stopped by the time limit (long enough for a loaded machine to set up
# the namespace first).
start=$(h_now_us)
H_TIME_SCALE=1 H_TIME_LIMIT=20 run_child timeout wait 124
tap_ok $(($(h_now_us) - start < 60000000 ? 0 : 1)) "timeout: stopped within the time limit and grace"
grep -q '^Bail out! time limit of 20s reached' "$TEST_TMP/timeout.out"
tap_ok $? "timeout: the child bailed out naming the time limit"

tap_done
