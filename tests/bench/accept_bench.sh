#!/usr/bin/env bash
# accept_bench.sh: how fast posternd accepts mail into its durable queue,
# against Postfix 3.7 on the same machine in the same run (issue 3,
# acceptance 7). smtp-source sends to posternd (group commit: a 250 only
# once the message is synced) and to a private Postfix whose smtpd and
# cleanup fsync each queue file (its default); 1 KB and 100 KB messages,
# 1, 10 and 50 concurrent sessions, several messages per session (-d).
# Postfix's queue manager is disabled so that neither server delivers
# while it receives. During the 50-session 1 KB runs it also samples the
# memory (PSS) of posternd and of Postfix's smtpd and cleanup processes
# and reports the largest sample.
#
# Run as root from a build directory (it uses a private network namespace):
#   top_srcdir=.. top_builddir=. ../tests/bench/accept_bench.sh
# Prints one line per run and the ratios; see tests/bench/README.md.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=1800
h_netns_enter "$@"

# SIZE SESSIONS MESSAGES per run.
RUNS=${RUNS:-"1024 1 300
1024 10 2000
1024 50 4000
102400 1 100
102400 10 500
102400 50 1000"}

sd_init
sd_conf 'local_header_rewrite_clients =' 'smtpd_client_connection_count_limit = 0'
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd'
sd_start
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx 'master_service_disable = qmgr.fifo' 'smtpd_client_connection_count_limit = 0' \
	'default_process_limit = 200'
pfx_start pfx || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 2526 || h_bail "Postfix does not listen"

# pss PID...: the summed proportional set size in KiB.
pss() {
	local total=0 p v
	for p in "$@"; do
		v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
# postfix_pids: the smtpd and cleanup processes of our instance (its
# daemons work in its queue directory; other tests may run Postfix too).
postfix_pids() {
	local p
	for p in $(pgrep -x 'smtpd|cleanup'); do
		[ "$(readlink "/proc/$p/cwd")" = "$PFX_DIR/queue" ] && echo "$p"
	done
}

# rate PORT SIZE SESSIONS MESSAGES: "RATE PSS_PROCESSES": messages per
# second and, for 50 sessions of 1 KB, the largest memory sample of the
# run with the number of processes it covered ("-" otherwise).
rate() {
	local t0 t1 src mem_pss=-
	t0=$(h_now_us)
	smtp-source -d -s "$3" -m "$4" -l "$2" -f bench@example.net -t rcpt@example.org \
		"127.0.0.1:$1" 2>"$TEST_TMP/source.err" &
	src=$!
	if [ "$3" -ge 50 ] && [ "$2" -le 1024 ]; then
		# The largest of samples taken every half second while it runs.
		local best=0 n=0 pids v
		while h_pid_alive "$src"; do
			if [ "$1" = 2525 ]; then
				pids=$(h_daemon_pid posternd)
			else
				pids=$(postfix_pids)
			fi
			# shellcheck disable=SC2086
			v=$(pss $pids)
			[ "$v" -gt "$best" ] && best=$v n=$(wc -w <<<"$pids")
			sleep 0.5
		done
		mem_pss=${best}_$n
	fi
	wait "$src" || tap_diag "smtp-source failed: $(tail -n 2 "$TEST_TMP/source.err")"
	t1=$(h_now_us)
	echo "$(($4 * 1000000 / (t1 - t0))) $mem_pss"
}

printf '# %8s %8s %8s %12s %12s %7s\n' size sessions messages "posternd/s" "Postfix/s" ratio
while read -r size sessions messages; do
	read -r ours ours_pss < <(rate 2525 "$size" "$sessions" "$messages")
	read -r theirs theirs_pss < <(rate 2526 "$size" "$sessions" "$messages")
	printf '# %8s %8s %8s %12s %12s %6s.%sx\n' "$size" "$sessions" "$messages" "$ours" "$theirs" \
		$((ours / theirs)) $((ours * 10 / theirs % 10))
	[ "$ours_pss" != - ] && printf '# memory, %s sessions of %s bytes: posternd %s KiB PSS, Postfix %s KiB PSS (%s smtpd and cleanup processes)\n' \
		"$sessions" "$size" "${ours_pss%_*}" "${theirs_pss%_*}" "${theirs_pss#*_}"
	tap_ok $((ours <= 0 || theirs <= 0)) "$size bytes, $sessions sessions: both servers accepted every message"
done <<<"$RUNS"
sd_stop
tap_done
