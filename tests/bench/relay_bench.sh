#!/usr/bin/env bash
# relay_bench.sh: end-to-end relay throughput, posternd against Postfix 3.7
# on the same machine in the same run (issue 4, acceptance 8).
# smtp-source sends to posternd and to a private Postfix; each relays
# everything (relayhost) to its own smtp-sink. Both make every message
# durable before the 250 (posternd: group commit; Postfix: cleanup's
# fsync) and both use their default delivery concurrency and connection
# caching. 1 KB and 100 KB messages, 1, 10 and 50 concurrent sessions,
# several messages per session (smtp-source -d). A run's rate is messages
# per second from the first connect to the moment the server's queue is
# empty again (incoming, active and deferred); every message must have
# been logged as status=sent.
#
# Run as root from a build directory (it uses a private network namespace):
#   top_srcdir=.. top_builddir=. ../tests/bench/relay_bench.sh
# RUNS="SIZE SESSIONS MESSAGES" lines choose the runs. Prints one line per
# run: the rates, their ratio and each server's CPU milliseconds per message
# (posternd; Postfix's master and all its daemons); see tests/bench/README.md.
# SYSCALLS=1 also counts posternd's system calls per message (perf stat);
# PERF_DATA=FILE samples posternd with "perf record -g" into FILE.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=3600
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

# SIZE SESSIONS MESSAGES per run.
RUNS=${RUNS:-"1024 1 200
1024 10 1000
1024 50 3000
102400 1 100
102400 10 500
102400 50 1000"}

h_daemon_start sink_ours smtp-sink -u postfix 127.0.0.1:2528 256
h_daemon_start sink_pfx smtp-sink -u postfix 127.0.0.1:2527 256
h_wait_port 127.0.0.1 2528 && h_wait_port 127.0.0.1 2527 || h_bail "smtp-sink did not start"

sd_init
sd_conf 'local_header_rewrite_clients =' 'smtpd_client_connection_count_limit = 0' \
	'relayhost = [127.0.0.1]:2528'
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd'
sd_start -o master_service_disable=
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx 'smtpd_client_connection_count_limit = 0' 'default_process_limit = 200' \
	'relayhost = [127.0.0.1]:2527'
pfx_start pfx || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 2526 || h_bail "Postfix does not listen"

# queue_empty DIR: no file in DIR's incoming, active or deferred queue.
queue_empty() {
	[ -z "$(find "$1/incoming" "$1/active" "$1/deferred" -type f -print -quit 2>/dev/null)" ]
}
# sent LOG: how many status=sent lines LOG has.
sent() { grep -c 'status=sent' "$1"; }

# rate PORT QUEUE LOG SIZE SESSIONS MESSAGES PID: prints messages per second
# from the first connect until QUEUE is empty and the CPU milliseconds per
# message of PID and its children (0 and 0 unless LOG gained MESSAGES
# status=sent lines). With a COUNT argument and SYSCALLS set, also reports
# PID's system calls per message. Diagnostics go to stderr.
rate() {
	local t0 t1 before c0 c1 counter=
	before=$(sent "$3")
	if [ -n "${SYSCALLS:-}" ] && [ -n "${8:-}" ]; then
		perf stat -e raw_syscalls:sys_enter -x, -o "$TEST_TMP/syscalls" -p "$7" &
		counter=$!
	fi
	c0=$(h_cpu_ticks "$7")
	t0=$(h_now_us)
	smtp-source -d -s "$5" -m "$6" -l "$4" -f bench@example.net -t rcpt@example.org \
		"127.0.0.1:$1" 2>"$TEST_TMP/source.err" ||
		tap_diag "smtp-source failed: $(tail -n 2 "$TEST_TMP/source.err")" >&2
	while ! queue_empty "$2"; do
		sleep 0.02
	done
	t1=$(h_now_us)
	# The log line follows the queue file's removal by a moment.
	h_wait_until 10 test "$(($(sent "$3") - before))" -ge "$6"
	c1=$(h_cpu_ticks "$7")
	if [ -n "$counter" ]; then
		kill -INT "$counter"
		wait "$counter"
		tap_diag "port $1: $(($(grep -E '^[0-9]+,' "$TEST_TMP/syscalls" | cut -d, -f1) / $6)) system calls per message" >&2
	fi
	local got=$(($(sent "$3") - before))
	[ "$got" -eq "$6" ] || { tap_diag "port $1: $got of $6 messages sent" >&2; echo 0 0; return; }
	echo $(($6 * 1000000 / (t1 - t0))) "$(printf %.2f "$(echo "scale=3; ($c1 - $c0) * 1000 / $(getconf CLK_TCK) / $6" | bc)")"
}

[ -n "${PERF_DATA:-}" ] &&
	h_daemon_start perf perf record -g -o "$PERF_DATA" -p "$(h_daemon_pid posternd)"
pfx_master=$(tr -d ' ' <"$PFX_DIR/queue/pid/master.pid")
printf '# %8s %8s %8s %12s %12s %7s %12s %12s\n' size sessions messages "posternd/s" "Postfix/s" ratio \
	"posternd ms" "Postfix ms"
while read -r size sessions messages; do
	read -r ours ours_cpu < <(rate 2525 "$SD_QUEUE" "$SD_LOG" "$size" "$sessions" "$messages" \
		"$(h_daemon_pid posternd)" count)
	read -r theirs theirs_cpu < <(rate 2526 "$PFX_DIR/queue" "$(pfx_log pfx)" "$size" "$sessions" \
		"$messages" "$pfx_master")
	printf '# %8s %8s %8s %12s %12s %6s.%sx %12s %12s\n' "$size" "$sessions" "$messages" "$ours" "$theirs" \
		$((ours / (theirs > 0 ? theirs : 1))) $((ours * 10 / (theirs > 0 ? theirs : 1) % 10)) \
		"$ours_cpu" "$theirs_cpu"
	tap_ok $((ours <= 0 || theirs <= 0)) "$size bytes, $sessions sessions: both servers relayed every message"
done <<<"$RUNS"
[ -n "${PERF_DATA:-}" ] && h_daemon_stop perf 20 >/dev/null 2>&1
sd_stop
tap_done
