#!/usr/bin/env bash
# milter_bench.sh: relay throughput with OpenDKIM signing as smtpd_milters,
# posternd against Postfix 3.7 on the same machine in the same run (issue
# 5, acceptance 6). One real OpenDKIM (Debian opendkim) signs for both;
# smtp-source sends 1 KB messages from bench@example.test over 1, 10 and
# 50 sessions. Postfix's queue manager is disabled, so neither server
# delivers while it receives. A posternd listener without milters gives
# the cost of the milter round trips: the per-message time with one
# session, with and without OpenDKIM (a mean, not a median). Then the
# median per-message latency (tests/bench/smtp_latency.py: one session
# per listener, messages one after the other, every reply awaited, the
# listeners in turn so that they share the machine's load) without milters,
# with the script milter answering every stage at once (an empty script),
# with the script milter taking every step but the end of the message
# without a reply (SMFIP_NR_*: one round trip per message), and with
# OpenDKIM: the difference is what the milter round trips add.
# The latency runs use a queue in memory (tmpfs): on a disk, the fsync
# before each 250 varies by more than the milters cost.
#
# With PERF_DATA=FILE set, "perf record -g" samples posternd during the
# throughput runs into FILE (perf report -i FILE).
#
# Run as root from a build directory (it uses a private network namespace):
#   top_srcdir=.. top_builddir=. ../tests/bench/milter_bench.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=1800
h_netns_enter "$@"

# SESSIONS MESSAGES per run.
RUNS=${RUNS:-"1 300
10 1000
50 2000"}

dk_zone_init
dk_genkey od rsa
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode s
Domain example.test
Selector od
KeyFile $TEST_TMP/keys/od.private
Socket inet:8891@127.0.0.1
RequireSafeKeys false
Background no
Syslog no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8891 || h_bail "opendkim did not start"
: >"$TEST_TMP/empty.script"
h_daemon_start script_milter "$top_builddir/tests/milters/script-milter" -p inet:8901@127.0.0.1 \
	-f "$TEST_TMP/empty.script" -l /dev/null
echo 'option noreply' >"$TEST_TMP/noreply.script"
h_daemon_start script_milter_nr "$top_builddir/tests/milters/script-milter" \
	-p inet:8902@127.0.0.1 -f "$TEST_TMP/noreply.script" -l /dev/null
h_wait_port 127.0.0.1 8901 && h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not start"

sd_init
sd_conf 'local_header_rewrite_clients =' 'smtpd_client_connection_count_limit = 0' \
	'smtpd_milters = inet:127.0.0.1:8891'
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd' \
	'127.0.0.1:2527 inet n - n - 0 smtpd -o smtpd_milters=' \
	'127.0.0.1:2528 inet n - n - 0 smtpd -o smtpd_milters=inet:127.0.0.1:8901' \
	'127.0.0.1:2529 inet n - n - 0 smtpd -o smtpd_milters=inet:127.0.0.1:8902'
sd_start
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx 'master_service_disable = qmgr.fifo' 'smtpd_client_connection_count_limit = 0' \
	'default_process_limit = 200' 'smtpd_milters = inet:127.0.0.1:8891'
# For the latency runs: Postfix without milters, and with the script milter.
pfx_master pfx '127.0.0.1:2536 inet n - n - - smtpd -o smtpd_milters=' \
	'127.0.0.1:2537 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8901'
pfx_start pfx || h_bail "Postfix did not start"

# rate PORT SESSIONS MESSAGES: messages per second.
rate() {
	local t0 t1
	t0=$(h_now_us)
	smtp-source -d -s "$2" -m "$3" -l 1024 -f bench@example.test -t rcpt@example.org \
		"127.0.0.1:$1" 2>"$TEST_TMP/source.err" ||
		tap_diag "smtp-source failed: $(tail -n 2 "$TEST_TMP/source.err")"
	t1=$(h_now_us)
	echo "$(($3 * 1000000 / (t1 - t0)))"
}

# signed QUEUE-DIR: the number of queued files with a DKIM-Signature.
signed() { grep -rl 'DKIM-Signature:' "$1" 2>/dev/null | wc -l; }

if [ -n "${PERF_DATA:-}" ]; then
	h_daemon_start perf perf record -g -o "$PERF_DATA" -p "$(h_daemon_pid posternd)"
	sleep 1
fi
printf '# %8s %8s %12s %12s %7s\n' sessions messages "posternd/s" "Postfix/s" ratio
while read -r sessions messages; do
	ours=$(rate 2525 "$sessions" "$messages")
	theirs=$(rate 2526 "$sessions" "$messages")
	printf '# %8s %8s %12s %12s %6s.%sx\n' "$sessions" "$messages" "$ours" "$theirs" \
		$((ours / theirs)) $((ours * 10 / theirs % 10))
	tap_ok $((ours <= 0 || theirs <= 0)) "$sessions sessions: both servers accepted every message"
	if [ "$sessions" = 1 ]; then
		plain=$(rate 2527 1 "$messages")
		printf '# one session: %s us per message with OpenDKIM, %s us without\n' \
			$((1000000 / ours)) $((1000000 / plain))
	fi
done <<<"$RUNS"
[ -n "${PERF_DATA:-}" ] && h_daemon_stop perf 20 >/dev/null 2>&1

tap_ok $(($(signed "$SD_QUEUE") == 0)) "posternd's queued messages are signed"
sd_stop
SHMQ=$(mktemp -d --tmpdir=/dev/shm)
tap_on_exit "rm -rf '$SHMQ'"
chmod 755 "$SHMQ"
sd_start -o queue_directory="$SHMQ/queue"

# The listeners in turn, one session each, the same messages. Postfix's
# queue is on the disk (it fsyncs each message), posternd's in memory.
LATENCY_COUNT=${LATENCY_COUNT:-2000}
/usr/bin/python3 "$top_srcdir/tests/bench/smtp_latency.py" 127.0.0.1 "$LATENCY_COUNT" \
	2527 2528 2529 2525 2536 2537 >"$TEST_TMP/latency" || tap_diag "smtp_latency.py failed"
line() { sed -n "s/^$1 //p" "$TEST_TMP/latency"; }
median() { line "$1" | sed -n 's/^median=\([0-9]*\) .*/\1/p'; }
printf '# one session each, %s messages, in turn (microseconds):\n' "$LATENCY_COUNT"
printf '#   posternd without milters      %s\n' "$(line 2527)"
printf '#   + script milter (at once)     %s\n' "$(line 2528)"
printf '#   + script milter, SMFIP_NR_*   %s\n' "$(line 2529)"
printf '#   + OpenDKIM                    %s\n' "$(line 2525)"
printf '#   Postfix without milters       %s\n' "$(line 2536)"
printf '#   + script milter (at once)     %s\n' "$(line 2537)"
tap_ok $([ -n "$(median 2527)" ] && [ -n "$(median 2528)" ] && [ -n "$(median 2529)" ] &&
	echo 0 || echo 1) "the latency runs completed"
printf '# median added by a milter that answers at once: %s us (%s us with SMFIP_NR_*)\n' \
	$(($(median 2528) - $(median 2527))) $(($(median 2529) - $(median 2527)))
printf '# ... the same milter under Postfix: %s us\n' $(($(median 2537) - $(median 2536)))
tap_ok $(($(signed "$PFX_DIR/queue") == 0)) "Postfix's queued messages are signed"
sd_stop
tap_done
