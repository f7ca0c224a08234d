#!/usr/bin/env bash
# headers_bench.sh: throughput and latency of postern-headers,
# postern-attach and postern-dsn, and Postfix with postern-headers as its
# milter against Postfix running the same tables as its built-in
# header_checks/body_checks, all in the same run. Run it by hand, as root,
# from the source tree after a build:
#
#   tests/bench/headers_bench.sh [BUILD_DIR] [MESSAGES] [SESSIONS] [WHAT...]
#
# (defaults: build, 2000, 8, all of: skeleton headers attach dsn postfix;
# tests/bench/attach_bench.sh and dsn_bench.sh run one part; ONE=N in the
# environment sets the messages sent one at a time, default 1000). It runs
# in a private network namespace (tests/lib/harness.sh). The message is
# 100 KB with 10 base64 attachments (for postern-dsn: a bounce returning it).
#   alone:    tests/tools/milter-drive sends MESSAGES messages over SESSIONS
#             parallel milter connections (a new one every 20 messages):
#             messages/s; then ONE messages over one connection at a time
#             (a new one every 20): the median and 99th percentile of the
#             time from the first milter packet of a message to the final
#             reply, protocol and client included, so at least the time
#             the milter adds to an MTA. "skeleton" is the demo milter of
#             common/milter_skel_demo.c, which reads the message and inserts
#             one header: the cost of the protocol, libmilter and the
#             skeleton, for comparison.
#   postfix:  smtp-source sends MESSAGES messages over SESSIONS sessions
#             (one message per session, as on an MX; SMTP_SOURCE_OPTS=-d in
#             the environment keeps sessions open) to three private Postfix
#             3.7 instances: "builtin" with the tables of tests/data/headers
#             as header_checks/body_checks, "milter" with the same tables in
#             postern-headers (smtpd_milters), "bare" with postern-headers
#             without tables (what being a milter costs at all); mail goes
#             to the discard transport and every message must be delivered.
#             ROUNDS rounds (default 3), the instances in turn; per run:
#             messages/s, and the CPU time per message of the instance's
#             Postfix processes and of its milter (from /proc: on a shared
#             machine, steadier than the rate). The best rate counts.
#             Postfix reaches the milters over TCP on loopback; with
#             MILTER_SOCKET=unix in the environment, over unix sockets in
#             its queue directory (its smtpd runs chrooted there), as a
#             milter on the same host is usually set up.
# Printed: one line per measurement and the ratios.
# With PERF_DATA=FILE set, "perf record -g" samples the postern-headers that
# serves Postfix (the "milter" instance) through the Postfix rounds into
# FILE (perf report -i FILE); PERF_MILTER=bare samples the one without
# tables instead.
set -u
args=("$@")
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/build}" && pwd)
export top_srcdir top_builddir
MESSAGES=${2:-2000}
SESSIONS=${3:-8}
shift $(($# < 3 ? $# : 3))
WHAT=${*:-skeleton headers attach dsn postfix}
ONE=${ONE:-1000}
ROUNDS=${ROUNDS:-3}
SMTP_SOURCE_OPTS=${SMTP_SOURCE_OPTS:-}
MILTER_SOCKET=${MILTER_SOCKET:-inet}
H_TIME_LIMIT=1800
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
h_netns_enter "${args[@]}"

B=$TEST_TMP/bench
mkdir -p "$B"
chmod 755 "$TEST_TMP" "$B"
drive=$top_builddir/tests/tools/milter-drive
cp "$top_srcdir"/tests/data/headers/*.pcre "$top_srcdir"/tests/data/dsn/*.pcre "$B/"
chmod 644 "$B"/*.pcre

python3 - "$B" <<'PY'
import base64, os, random, sys
out = sys.argv[1]
rnd = random.Random(7)
parts = []
for i in range(10):
    data = bytes(rnd.getrandbits(8) for _ in range(7300))
    text = base64.b64encode(data).decode()
    lines = "\r\n".join(text[j:j + 76] for j in range(0, len(text), 76))
    parts.append('--b\r\nContent-Type: application/pdf; name="report%d.pdf"\r\n'
                 'Content-Disposition: attachment; filename="report%d.pdf"\r\n'
                 "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n" % (i, i, lines))
msg = ("From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\n"
       "Subject: monthly reports\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
       "Message-ID: <bench@example.test>\r\nMIME-Version: 1.0\r\n"
       'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
       "--b\r\nContent-Type: text/plain\r\n\r\nThe reports are attached.\r\n" +
       "".join(parts) + "--b--\r\n")
open(os.path.join(out, "msg.eml"), "w", newline="").write(msg)
bounce = ("From: MAILER-DAEMON@mx1.corp.internal (Mail Delivery System)\r\n"
          "To: alice@example.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
          "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
          'report-type=delivery-status;\r\n\tboundary="Q.1/mx1.corp.internal"\r\n\r\n'
          "--Q.1/mx1.corp.internal\r\nContent-Type: text/plain\r\n\r\n"
          "This is the mail system at host mx1.corp.internal.\r\n\r\n"
          "<bob@example.test>: host mbox.corp.internal[127.0.0.41] said: 550 5.1.1\r\n"
          "    <bob@mbox.corp.internal>: user unknown (in reply to RCPT TO command)\r\n\r\n"
          "--Q.1/mx1.corp.internal\r\nContent-Type: message/delivery-status\r\n\r\n"
          "Reporting-MTA: dns; mx1.corp.internal\r\n\r\n"
          "Final-Recipient: rfc822; bob@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
          "Remote-MTA: dns; mbox.corp.internal\r\n"
          "Diagnostic-Code: smtp; 550 5.1.1 <bob@mbox.corp.internal>: user unknown\r\n\r\n"
          "--Q.1/mx1.corp.internal\r\nContent-Type: message/rfc822\r\n\r\n"
          "Received: from client (client [127.0.0.30])\r\n\tby mx1.corp.internal (Postfix)"
          " with ESMTP id Q\r\n" + msg + "\r\n--Q.1/mx1.corp.internal--\r\n")
open(os.path.join(out, "bounce.eml"), "w", newline="").write(bounce)
PY

# alone NAME PORT FILE [DRIVE-OPTIONS]: a milter on its own; prints the
# rate over SESSIONS connections, and the median and 99th percentile of the
# time per message when messages go one at a time.
alone() {
	local name=$1 port=$2 file=$3
	shift 3
	"$drive" "$@" -n 100 -j 2 "inet:127.0.0.1:$port" "$file" >/dev/null # warm up
	local many one
	many=$("$drive" "$@" -n "$MESSAGES" -j "$SESSIONS" -s 20 "inet:127.0.0.1:$port" "$file") ||
		h_bail "milter-drive failed against $name"
	one=$("$drive" "$@" -n "$ONE" -j 1 -s 20 "inet:127.0.0.1:$port" "$file") ||
		h_bail "milter-drive failed against $name"
	local rate=${many#*rate=} median=${one#*median_ms=} p99=${one#*p99_ms=}
	printf '%-16s %6.0f msg/s (%d connections)  one at a time: median %6.3f ms, p99 %6.3f ms  [%s]\n' \
		"$name" "${rate%% *}" "$SESSIONS" "${median%% *}" "${p99%% *}" "$(field_codes "$one")"
}

# field_codes LINE: the final replies counted in a milter-drive summary.
field_codes() { grep -o '[A-Z][A-Z_]*=[0-9]*' <<<"$1" | tr '\n' ' '; }

# start NAME SOCKET BINARY [SETTING...]: a milter on SOCKET, inet:HOST:PORT
# or unix:PATH (that Postfix's user may use).
start() {
	local name=$1 sock=$2 bin=$3
	shift 3
	printf '%s\n' "socket = $sock" "socket_mode = 0666" "user =" "$@" >"$B/$name.conf"
	h_daemon_start "$name" "$bin" -f -c "$B/$name.conf"
	# The skeleton logs "starting:" once its socket listens, of either kind.
	h_wait_grep 'starting:' "$TEST_TMP/$name.log" || h_bail "$name did not start"
}

echo "# one 100 KB message with 10 attachments ($(stat -c %s "$B/msg.eml") bytes)"
for what in $WHAT; do
	case $what in
	skeleton)
		start skeleton inet:127.0.0.1:8890 "$top_builddir/common/milter_skel_demo"
		alone "skeleton (demo)" 8890 "$B/msg.eml"
		;;
	headers)
		start headers inet:127.0.0.1:8893 "$top_builddir/milters/headers/postern-headers" \
			"header_checks = pcre:$B/header_checks.pcre" "body_checks = pcre:$B/body_checks.pcre"
		alone postern-headers 8893 "$B/msg.eml"
		;;
	attach)
		start attach inet:127.0.0.1:8894 "$top_builddir/milters/attach/postern-attach"
		alone postern-attach 8894 "$B/msg.eml"
		;;
	dsn)
		start dsn inet:127.0.0.1:8896 "$top_builddir/milters/dsn/postern-dsn" \
			"delivery_status_filter = pcre:$B/status_filter.pcre" \
			"internal_received_checks = pcre:$B/internal_received.pcre"
		alone "postern-dsn" 8896 "$B/bounce.eml" -f ''
		;;
	postfix) ;;
	*) h_bail "unknown part: $what" ;;
	esac
done

[[ " $WHAT " == *" postfix "* ]] || exit 0
[[ " $WHAT " == *" headers "* ]] || h_bail "postfix needs headers"
declare -A port=([builtin]=10025 [milter]=10026 [bare]=10027) milter_pid=()
for inst in builtin milter bare; do
	pfx_init $inst "127.0.0.1:${port[$inst]}"
	pfx_conf $inst 'default_transport = discard' 'smtpd_client_connection_count_limit = 0' \
		'smtpd_client_message_rate_limit = 0' 'in_flow_delay = 0' 'default_process_limit = 200' \
		'milter_default_action = tempfail'
done
pfx_conf builtin "header_checks = pcre:$B/header_checks.pcre" \
	"body_checks = pcre:$B/body_checks.pcre"
# bare: postern-headers without tables, the cost of being a milter at all.
if [ "$MILTER_SOCKET" = unix ]; then
	# Postfix's smtpd runs chrooted in its queue directory: the sockets
	# live there, and Postfix names them from inside the chroot.
	start headers_unix "unix:$(pfx_dir milter)/queue/headers.sock" \
		"$top_builddir/milters/headers/postern-headers" \
		"header_checks = pcre:$B/header_checks.pcre" "body_checks = pcre:$B/body_checks.pcre"
	start bare "unix:$(pfx_dir bare)/queue/bare.sock" "$top_builddir/milters/headers/postern-headers"
	pfx_conf milter 'smtpd_milters = unix:/headers.sock'
	pfx_conf bare 'smtpd_milters = unix:/bare.sock'
	milter_pid=([builtin]= [milter]=$(h_daemon_pid headers_unix) [bare]=$(h_daemon_pid bare))
else
	start bare inet:127.0.0.1:8897 "$top_builddir/milters/headers/postern-headers"
	pfx_conf milter 'smtpd_milters = inet:127.0.0.1:8893'
	pfx_conf bare 'smtpd_milters = inet:127.0.0.1:8897'
	milter_pid=([builtin]= [milter]=$(h_daemon_pid headers) [bare]=$(h_daemon_pid bare))
fi
for inst in builtin milter bare; do
	pfx_start $inst || h_bail "postfix $inst did not start"
done

sent() { grep -c 'status=sent' "$(pfx_log "$1")"; }
delivered() { [ "$(sent "$1")" -ge "$2" ]; } # INST COUNT

# run INST: send MESSAGES over SESSIONS sessions; sets RESULT to "rate
# postfix_ms milter_ms": messages/s and CPU milliseconds per message of the
# instance's Postfix processes and of its milter. Every message must be
# delivered.
run() {
	local inst=$1 master t0 t1 c0 c1 m0 m1 s0
	master=$(tr -d ' ' <"$(pfx_dir "$inst")/queue/pid/master.pid")
	s0=$(sent "$inst")
	c0=$(h_cpu_ticks "$master")
	m0=$(h_cpu_ticks ${milter_pid[$inst]})
	t0=$(h_now_us)
	# shellcheck disable=SC2086
	smtp-source $SMTP_SOURCE_OPTS -s "$SESSIONS" -m "$MESSAGES" -F "$B/msg.eml" \
		-f alice@example.test -t bob@example.test "127.0.0.1:${port[$inst]}" >/dev/null 2>&1 ||
		h_bail "smtp-source failed against $inst"
	t1=$(h_now_us)
	c1=$(h_cpu_ticks "$master")
	m1=$(h_cpu_ticks ${milter_pid[$inst]})
	h_wait_until 30 delivered "$inst" $((s0 + MESSAGES)) ||
		h_bail "$inst delivered $(($(sent "$inst") - s0)) of $MESSAGES messages"
	local hz
	hz=$(getconf CLK_TCK)
	RESULT=$(printf '%s\n' "$MESSAGES * 1000000 / ($t1 - $t0)" \
		"($c1 - $c0) * 1000 / $hz / $MESSAGES" "($m1 - $m0) * 1000 / $hz / $MESSAGES" |
		bc -l | tr '\n' ' ')
}

for inst in builtin milter bare; do
	smtp-source -s 2 -m 20 -F "$B/msg.eml" "127.0.0.1:${port[$inst]}" >/dev/null 2>&1
done
echo "# Postfix 3.7: $MESSAGES messages over $SESSIONS sessions (smtp-source $SMTP_SOURCE_OPTS), $ROUNDS rounds, milters on $MILTER_SOCKET sockets"
declare -A best=() cpu=()
if [ -n "${PERF_DATA:-}" ]; then
	h_daemon_start perf perf record -g -o "$PERF_DATA" -p "${milter_pid[${PERF_MILTER:-milter}]}"
	sleep 1
fi
for ((round = 1; round <= ROUNDS; round++)); do
	for inst in builtin milter bare; do
		run $inst
		read -r rate pcpu mcpu <<<"$RESULT"
		printf 'round %d %-8s %6.1f msg/s  CPU per message: postfix %5.2f ms, milter %5.2f ms\n' \
			"$round" "$inst" "$rate" "$pcpu" "$mcpu"
		(($(echo "$rate > ${best[$inst]:-0}" | bc))) && best[$inst]=$rate
		cpu[$inst]=$(echo "${cpu[$inst]:-0} + ($pcpu + $mcpu) / $ROUNDS" | bc -l)
	done
done
[ -n "${PERF_DATA:-}" ] && h_daemon_stop perf 20 >/dev/null 2>&1
printf 'best msg/s: built-in %.1f, postern-headers %.1f, postern-headers without tables %.1f\n' \
	"${best[builtin]}" "${best[milter]}" "${best[bare]}"
printf 'mean CPU per message (postfix + milter): built-in %.2f ms, postern-headers %.2f ms, without tables %.2f ms\n' \
	"${cpu[builtin]}" "${cpu[milter]}" "${cpu[bare]}"
printf 'postfix + postern-headers / postfix built-in: %.2f msg/s (target >= 0.90), %.2f CPU\n' \
	"$(echo "${best[milter]} / ${best[builtin]}" | bc -l)" \
	"$(echo "${cpu[builtin]} / ${cpu[milter]}" | bc -l)"
for inst in builtin milter bare; do
	pfx_stop $inst
done
