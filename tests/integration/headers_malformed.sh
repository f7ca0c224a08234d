#!/usr/bin/env bash
# headers_malformed.sh: acceptance 4 for postern-headers, postern-attach
# and postern-dsn together: malformed MIME (no closing boundary, 10,000
# nested parts, a 1 MB header line, truncated base64, a flood of parts)
# sent through a real Postfix 3.7 that runs all three as its
# smtpd_milters. Every message gets a final reply within seconds, no
# milter crashes or hangs (each still answers afterwards and stops
# cleanly), and the peak memory of each milter stays within a bound far
# below the size of the input. The messages come from the null sender as
# multipart/report, so that postern-dsn takes them apart too.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=150
h_netns_enter "$@"

W=$TEST_TMP/malformed
mkdir -p "$W/msg"
chmod 755 "$TEST_TMP" "$W"

/usr/bin/python3 - "$W/msg" <<'PY'
import os, sys
out = sys.argv[1]
head = ("From: <>\r\nTo: rcpt@example.test\r\nSubject: {}\r\n"
        "MIME-Version: 1.0\r\n")
report = 'Content-Type: multipart/report; report-type=delivery-status; boundary="{}"\r\n\r\n'
def write(name, text):
    with open(os.path.join(out, name + ".eml"), "w", newline="") as f:
        f.write(text)
write("no-closing-boundary", head.format("unclosed") + report.format("b") +
      "--b\r\nContent-Type: text/plain\r\n\r\ntext\r\n--b\r\n"
      "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n")
nested = "".join('--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n' % (i, i + 1)
                 for i in range(10000))
write("nested-10000", head.format("nested") + report.format("n0") + nested + "--n10000\r\n\r\nx\r\n")
write("header-1mb", head.format("long") + "X-Long: " + "h" * (1 << 20) + "\r\n" +
      report.format("b") + "--b\r\n\r\ntext\r\n--b--\r\n")
write("truncated-base64", head.format("base64") + report.format("b") +
      '--b\r\nContent-Type: application/zip; name="a.zip"\r\n'
      "Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAFAAAAYS5l\r\nZXhl")
write("flood-of-parts", head.format("flood") + report.format("f") +
      "--f\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 20000 + "--f--\r\n")
PY

# --- the three milters and a Postfix in front of them ------------------------
start_milter() { # NAME PORT [SETTING...]
	local name=$1 port=$2
	shift 2
	printf '%s\n' "socket = inet:127.0.0.1:$port" "user = nobody" "$@" >"$W/$name.conf"
	# Under AddressSanitizer, freed memory waits in a quarantine (256 MB by
	# default) and would count as peak memory below: keep it small.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
		h_daemon_start "$name" "$top_builddir/milters/$name/postern-$name" -f -c "$W/$name.conf"
	h_wait_port 127.0.0.1 "$port" || h_bail "postern-$name did not start"
}
start_milter headers 8893 'header_checks = pcre:{ {/^Subject: never/ REJECT} }' \
	'body_checks = pcre:{ {/^never/ REJECT} }'
start_milter attach 8894
# (main.cf syntax: "$$" is a "$" for the table, not a parameter.)
start_milter dsn 8896 'delivery_status_filter = pcre:{ {/^(\S+) (.*)x(.*)$$/ $$1 $${2}y$$3} }'

h_addr_add 127.0.0.40
mkdir -p "$W/sink" && chown postfix "$W/sink"
h_daemon_start sink smtp-sink -u postfix -d "$W/sink/%H%M%S." 127.0.0.40:2526 20
h_wait_port 127.0.0.40 2526 || h_bail "smtp-sink did not start"
pfx_init mta 127.0.0.1:10025
pfx_conf mta 'relayhost = [127.0.0.40]:2526' 'milter_default_action = tempfail' \
	'smtpd_milters = inet:127.0.0.1:8893, inet:127.0.0.1:8894, inet:127.0.0.1:8896' \
	'message_size_limit = 20480000'
pfx_start mta || h_bail "postfix did not start"

for f in "$W"/msg/*.eml; do
	name=$(basename "$f" .eml)
	t0=$(h_now_us)
	# The reply to the end of the data (the line after swaks shows ".").
	reply=$(timeout 60 swaks -s 127.0.0.1:10025 -f '' -t rcpt@example.test --data "$f" 2>&1 |
		awk 'dot && /^<[-*~]* +[245][0-9][0-9] / { print; exit } /^ -> \.$/ { dot = 1 }')
	ms=$((($(h_now_us) - t0) / 1000))
	[[ $reply =~ [245][0-9][0-9] ]]
	tap_ok $? "$name ($(($(stat -c %s "$f") / 1024)) KB): a final reply in $ms ms: ${reply#* }"
done
tap_ok $(grep -qE 'milter.*(unavailable|read error|timeout)' "$(pfx_log mta)" && echo 1 || echo 0) \
	"Postfix never lost a milter"

# Peak memory (VmHWM) of each milter: the parser's bound and a 1 MB spool
# kept in memory, with room for libmilter and the C library, but far below
# the 1 MB header or the 10,000 levels if these were held whole.
# (AddressSanitizer's redzones and quarantine: H_MEMORY_SCALE.)
bound=$((16000 * ${H_MEMORY_SCALE:-1}))
for name in headers attach dsn; do
	pid=$(h_daemon_pid "$name")
	kill -0 "$pid" 2>/dev/null
	tap_ok $? "postern-$name is still running"
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	tap_ok $((hwm < bound ? 0 : 1)) "postern-$name peak memory ${hwm} kB (bound $bound kB)"
	port=$(sed -n 's/^socket = inet:127.0.0.1://p' "$W/$name.conf")
	"$top_builddir/tests/tools/milter-drive" -f '' "inet:127.0.0.1:$port" \
		"$W/msg/no-closing-boundary.eml" | grep -q '^--$'
	tap_ok $? "postern-$name still answers"
done
pfx_stop mta
for name in headers attach dsn; do
	h_daemon_stop "$name"
	tap_is $? 0 "postern-$name stops cleanly"
done
tap_done
