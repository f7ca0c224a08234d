#!/usr/bin/env bash
# milter_bench.sh: relay throughput with OpenDKIM signing as smtpd_milters,
# posternd against Postfix 3.7 on the same machine in the same run (issue
# 5, acceptance 6). Each MTA has its own OpenDKIM (Debian opendkim) on a
# unix socket (MILTER_SOCKET=inet puts both on TCP), so neither waits on
# the other's filter; smtp-source sends 1 KB messages from
# bench@example.test over 1, 10 and 50 sessions. Postfix's queue manager
# is disabled, so neither server delivers while it receives. For each run
# the bench prints, per message, the CPU time of each MTA (posternd; all
# Postfix processes, the reaped ones through the master's children's
# times) and of its OpenDKIM, and what each OpenDKIM read and wrote
# (system calls and bytes, from /proc/PID/io): the milter traffic the MTA
# sends per message. A posternd listener without milters gives the cost
# of the milter round trips: the per-message time with one session, with
# and without OpenDKIM (a mean, not a median). Then the median per-message
# latency (tests/bench/smtp_latency.py: one session per listener, messages
# one after the other, every reply awaited, the listeners in turn so that
# they share the machine's load) without milters, with the script milter
# answering every stage at once (an empty script), with the script milter
# taking every step but the end of the message without a reply
# (SMFIP_NR_*: one round trip per message), and with OpenDKIM: the
# difference is what the milter round trips add. The latency runs use a
# queue in memory (tmpfs): on a disk, the fsync before each 250 varies by
# more than the milters cost.
#
# With PERF_DATA=FILE set, "perf record -g" samples posternd during the
# throughput runs into FILE (perf report -i FILE); OD_PERF_DATA=FILE does
# the same for posternd's OpenDKIM.
#
# Run as root from a build directory (it uses a private network namespace):
#   top_srcdir=.. top_builddir=. ../tests/bench/milter_bench.sh
# RUNS="SESSIONS MESSAGES" lines and LATENCY_COUNT change the runs.
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
# One OpenDKIM per MTA: od_sd for posternd, od_pf for Postfix.
od_socket() { # NAME: the socket, in OpenDKIM's and in the MTA's notation
	if [ "${MILTER_SOCKET:-unix}" = inet ]; then
		[ "$1" = od_sd ] && echo "inet:8891@127.0.0.1 inet:127.0.0.1:8891" ||
			echo "inet:8892@127.0.0.1 inet:127.0.0.1:8892"
	elif [ "$1" = od_sd ]; then
		echo "local:$TEST_TMP/$1.sock unix:$TEST_TMP/$1.sock"
	else
		# Postfix's smtpd runs chrooted in its queue directory (Debian's
		# master.cf): a path relative to it works either way.
		echo "local:$(pfx_dir pfx)/queue/$1.sock unix:$1.sock"
	fi
}
mkdir -p "$(pfx_dir pfx)/queue"
for od in od_sd od_pf; do
	read -r od_listen od_mta <<<"$(od_socket $od)"
	cat >"$TEST_TMP/$od.conf" <<CONF
Mode s
Domain example.test
Selector od
KeyFile $TEST_TMP/keys/od.private
Socket $od_listen
UMask 000
RequireSafeKeys false
Background no
Syslog no
CONF
	h_daemon_start $od opendkim -f -x "$TEST_TMP/$od.conf"
done
SD_MILTER=$(od_socket od_sd | cut -d' ' -f2)
PF_MILTER=$(od_socket od_pf | cut -d' ' -f2)
for od in od_sd od_pf; do
	sock=$(od_socket $od | cut -d' ' -f1)
	case $sock in
	local:*) h_wait_file "${sock#local:}" ;;
	*) port=${sock#inet:} && h_wait_port 127.0.0.1 "${port%@*}" ;;
	esac || h_bail "opendkim $od did not start"
done
: >"$TEST_TMP/empty.script"
h_daemon_start script_milter "$top_builddir/tests/milters/script-milter" -p inet:8901@127.0.0.1 \
	-f "$TEST_TMP/empty.script" -l /dev/null
echo 'option noreply' >"$TEST_TMP/noreply.script"
h_daemon_start script_milter_nr "$top_builddir/tests/milters/script-milter" \
	-p inet:8902@127.0.0.1 -f "$TEST_TMP/noreply.script" -l /dev/null
h_wait_port 127.0.0.1 8901 && h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not start"

sd_init
sd_conf 'local_header_rewrite_clients =' 'smtpd_client_connection_count_limit = 0' \
	"smtpd_milters = $SD_MILTER"
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd' \
	'127.0.0.1:2527 inet n - n - 0 smtpd -o smtpd_milters=' \
	'127.0.0.1:2528 inet n - n - 0 smtpd -o smtpd_milters=inet:127.0.0.1:8901' \
	'127.0.0.1:2529 inet n - n - 0 smtpd -o smtpd_milters=inet:127.0.0.1:8902'
sd_start
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx 'master_service_disable = qmgr.fifo' 'smtpd_client_connection_count_limit = 0' \
	'default_process_limit = 200' "smtpd_milters = $PF_MILTER"
# For the latency runs: Postfix without milters, and with the script milter.
pfx_master pfx '127.0.0.1:2536 inet n - n - - smtpd -o smtpd_milters=' \
	'127.0.0.1:2537 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8901'
pfx_start pfx || h_bail "Postfix did not start"

# rate PORT SESSIONS MESSAGES: messages per second (left in RATE too).
rate() {
	local t0 t1
	t0=$(h_now_us)
	smtp-source -d -s "$2" -m "$3" -l 1024 -f bench@example.test -t rcpt@example.org \
		"127.0.0.1:$1" 2>"$TEST_TMP/source.err" ||
		tap_diag "smtp-source failed: $(tail -n 2 "$TEST_TMP/source.err")"
	t1=$(h_now_us)
	RATE=$(($3 * 1000000 / (t1 - t0)))
	echo "$RATE"
}

# cpu_us PID [CHILDREN]: the CPU time of PID in microseconds (with
# CHILDREN set, with that of its reaped children too).
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_us() {
	awk -v tick="$TICK_US" -v kids="${2:-}" '{ sub(/^.*\) /, "")
		t = $12 + $13; if (kids != "") t += $14 + $15; print t * tick }' "/proc/$1/stat"
}
# pf_cpu_us: every Postfix process of the instance: the master with its
# reaped children, and the children still running.
pf_cpu_us() {
	local master total kid
	master=$(head -n 1 "$PFX_DIR/queue/pid/master.pid" | tr -d ' ')
	total=$(cpu_us "$master" kids)
	for kid in $(pgrep -P "$master"); do
		total=$((total + $(cpu_us "$kid" 2>/dev/null || echo 0)))
	done
	echo "$total"
}
# io PID: "syscr syscw rchar wchar" of PID (all its threads).
io() { awk '/^(syscr|syscw|rchar|wchar):/ { v[$1] = $2 }
	END { print v["syscr:"], v["syscw:"], v["rchar:"], v["wchar:"] }' "/proc/$1/io"; }

# measure NAME PORT SESSIONS MESSAGES MTA-CPU-FUNCTION OPENDKIM: one run,
# with the per-message CPU and OpenDKIM I/O.
measure() {
	local name=$1 port=$2 sessions=$3 messages=$4 cpu=$5 od_pid c0 c1 o0 o1 i0 i1
	od_pid=$(h_daemon_pid "$6")
	c0=$($cpu)
	o0=$(cpu_us "$od_pid")
	i0=$(io "$od_pid")
	rate "$port" "$sessions" "$messages" >/dev/null
	c1=$($cpu)
	o1=$(cpu_us "$od_pid")
	i1=$(io "$od_pid")
	read -r -a a <<<"$i0"
	read -r -a b <<<"$i1"
	printf '#   %-8s %6s msg/s; CPU per message: MTA %5s us, OpenDKIM %5s us; OpenDKIM per message: %s reads, %s writes, %s bytes in, %s bytes out\n' \
		"$name" "$RATE" $(((c1 - c0) / messages)) $(((o1 - o0) / messages)) \
		$(((b[0] - a[0]) / messages)) $(((b[1] - a[1]) / messages)) \
		$(((b[2] - a[2]) / messages)) $(((b[3] - a[3]) / messages))
	eval "RATE_$name=$RATE"
}
sd_cpu_us() { cpu_us "$(h_daemon_pid posternd)"; }

# signed QUEUE-DIR: the number of queued files with a DKIM-Signature.
signed() { grep -rl 'DKIM-Signature:' "$1" 2>/dev/null | wc -l; }

if [ -n "${PERF_DATA:-}" ]; then
	h_daemon_start perf perf record -g -o "$PERF_DATA" -p "$(h_daemon_pid posternd)"
	sleep 1
fi
if [ -n "${OD_PERF_DATA:-}" ]; then
	h_daemon_start od_perf perf record -g -o "$OD_PERF_DATA" -p "$(h_daemon_pid od_sd)"
	sleep 1
fi
printf '# milters on %s sockets\n' "${MILTER_SOCKET:-unix}"
TOTAL=0
while read -r sessions messages; do
	TOTAL=$((TOTAL + messages))
	printf '# %s sessions, %s messages:\n' "$sessions" "$messages"
	measure posternd 2525 "$sessions" "$messages" sd_cpu_us od_sd
	measure Postfix 2526 "$sessions" "$messages" pf_cpu_us od_pf
	ours=$RATE_posternd
	theirs=$RATE_Postfix
	printf '#   ratio %s.%sx\n' $((ours / theirs)) $((ours * 10 / theirs % 10))
	tap_ok $((ours <= 0 || theirs <= 0)) "$sessions sessions: both servers took the messages"
	if [ "$sessions" = 1 ]; then
		measure no_milter 2527 1 "$messages" sd_cpu_us od_sd
		printf '# one session: %s us per message with OpenDKIM, %s us without\n' \
			$((1000000 / ours)) $((1000000 / RATE_no_milter))
	fi
done <<<"$RUNS"
[ -n "${PERF_DATA:-}" ] && h_daemon_stop perf 20 >/dev/null 2>&1
[ -n "${OD_PERF_DATA:-}" ] && h_daemon_stop od_perf 20 >/dev/null 2>&1
tap_is "$(signed "$SD_QUEUE"):$(signed "$PFX_DIR/queue")" "$TOTAL:$TOTAL" \
	"each MTA queued every message of the runs, signed by its OpenDKIM"

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
sd_stop
tap_done
