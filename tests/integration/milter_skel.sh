#!/usr/bin/env bash
# milter_skel.sh: the milter skeleton (common/milter_skel*) as every milter
# gets it, shown with the demo milter (common/milter_skel_demo.c) driven by
# tests/tools/milter-drive: configuration checks, both socket conventions,
# privilege drop, outcome -> action -> reply, verdict lines keyed by the
# queue id, the size bound, spooling to an unnamed file, reload on SIGHUP
# without dropping a connection, and a clean stop on SIGTERM.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=90
h_netns_enter "$@"

demo=$top_builddir/common/milter_skel_demo
drive=$top_builddir/tests/tools/milter-drive
D=$TEST_TMP/demo
mkdir -p "$D/spool"
chmod 755 "$TEST_TMP" "$D"

cat >"$D/good.conf" <<EOF
# a comment
socket = inet:127.0.0.1:9901
user =
temp_directory = $D/spool
demo_greeting = hello
EOF
printf 'socket = inet:127.0.0.1:9901\nuser =\nno_such_thing = 1\n' >"$D/bad.conf"

# --- configuration ----------------------------------------------------------
"$demo" -c "$D/good.conf" check
tap_is $? 0 "check accepts a good configuration"
out=$("$demo" -c "$D/bad.conf" check 2>&1)
tap_is "$?:$out" "1:$D/bad.conf:3: error: unknown parameter \"no_such_thing\"" \
	"check reports an unknown name at file:line"
out=$("$demo" -c "$D/good.conf" -o message_size_limit=lots check 2>&1)
tap_ok $([[ $out == *"-o message_size_limit"* ]] && echo 0 || echo 1) "check reports a bad -o value"
out=$("$demo" -c "$D/good.conf" config -n)
tap_is "$out" "socket = inet:127.0.0.1:9901
user =
temp_directory = $D/spool
demo_greeting = hello" "config -n prints what the file sets"
out=$("$demo" config -d internal_error_action on_refused)
tap_is "$out" "internal_error_action = tempfail
on_refused = reject" "config -d prints defaults, outcome actions included"
"$demo" -c "$D/good.conf" -o on_refused=bounce check 2>/dev/null
tap_is $? 1 "an action name that does not exist is refused"
"$demo" -c "$D/good.conf" -o internal_error_action=reject check 2>/dev/null
tap_is $? 1 "internal_error_action takes only accept or tempfail"
"$demo" -c "$D/good.conf" -o socket=inet:nowhere check 2>/dev/null
tap_is $? 1 "a socket spec that does not parse is refused"

# --- messages --------------------------------------------------------------
msg() { # FILE HEADER...: a small message with extra header fields
	local f=$1
	shift
	{
		printf 'From: <a@example.test>\nTo: <b@example.test>\nSubject: test\n'
		printf '%s\n' "$@"
		printf '\nline one\nline two\n'
	} >"$f"
}
msg "$D/plain.eml"
msg "$D/refuse.eml" "X-Demo: refuse"
msg "$D/later.eml" "X-Demo: later"
msg "$D/tag.eml" "X-Demo: tag"
msg "$D/internal.eml" "X-Demo: internal"
msg "$D/early.eml" "X-Demo-Early: yes" "X-After: this field is not looked at"
msg "$D/slow.eml" "X-Demo-Sleep: 15"
{
	printf 'From: <a@example.test>\nSubject: big\n\n'
	for i in $(seq 200); do echo "line $i of a message that is larger than the spool threshold"; done
} >"$D/big.eml"
# The size the spool must hold: the message with CRLF line ends.
big_size=$(sed 's/$/\r/' "$D/big.eml" | wc -c)

start_demo() { # NAME CONF [ARGS...]: start and wait for the socket
	local name=$1 conf=$2
	shift 2
	h_daemon_start "$name" "$demo" -f -c "$conf" "$@"
	h_wait_grep 'starting:' "$TEST_TMP/$name.log" 10 || h_bail "$name did not start"
}

start_demo demo "$D/good.conf" -o spool_threshold=1000
out=$("$drive" -i Q1 inet:127.0.0.1:9901 "$D/plain.eml")
tap_is "$out" "insheader 0 X-Demo-Seen: greeting=hello spool=memory size=$(sed 's/$/\r/' "$D/plain.eml" | wc -c) queue=Q1
eom ACCEPT
--" "a plain message is accepted; the spool holds it in memory"
h_wait_grep '\]: Q1: outcome=ok action=accept greeting=hello$' "$TEST_TMP/demo.log" 5
tap_ok $? "the verdict line starts with the queue id from macro i"

# Nagle off on the listening socket and on a connection it accepted (else
# each message that gets a header change waits for a delayed ACK): the
# demo's TCP sockets, taken with pidfd_getfd(2) while a connection is open.
out=$(/usr/bin/python3 - "$(h_daemon_pid demo)" <<'PY'
import ctypes, os, socket, sys, time
pid = int(sys.argv[1])
client = socket.create_connection(("127.0.0.1", 9901))
time.sleep(0.5)
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
for fd in sorted(int(f) for f in os.listdir(f"/proc/{pid}/fd")):
    try:
        if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
            continue
    except OSError:
        continue
    n = libc.syscall(438, pidfd, fd, 0)  # pidfd_getfd
    if n < 0:
        continue
    s = socket.socket(fileno=n)
    if s.family == socket.AF_INET and s.type == socket.SOCK_STREAM:
        kind = "listening" if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) else "accepted"
        print(kind, s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    s.close()
client.close()
PY
)
tap_is "$out" "listening 1
accepted 1" "TCP_NODELAY on the listening socket and on the connection it accepted"

out=$("$drive" -i Q2 inet:127.0.0.1:9901 "$D/big.eml")
tap_ok $([[ $out == *"spool=file size=$big_size queue=Q2"* ]] && echo 0 || echo 1) \
	"past spool_threshold the message is in a file, every byte of it"
tap_is "$(find "$D/spool" -type f | wc -l)" 0 "the spool file has no name in temp_directory"

out=$("$drive" inet:127.0.0.1:9901 "$D/refuse.eml")
tap_is "$out" "eom REPLYCODE 550 5.7.1 Refused by the demo: as asked
--" "outcome refused -> reject, with the reply from the outcome table"
out=$("$drive" inet:127.0.0.1:9901 "$D/early.eml")
tap_is "$out" "eom REPLYCODE 550 5.7.1 Refused by the demo
--" "a decision in the header hook waits for the end (the MTA expects no reply to headers)"
out=$("$drive" inet:127.0.0.1:9901 "$D/later.eml")
tap_is "$out" "eom REPLYCODE 451 4.7.1 Try later
--" "outcome later -> tempfail"
out=$("$drive" inet:127.0.0.1:9901 "$D/tag.eml")
tap_is "$out" "addheader X-Demo-Tag: tagged
eom ACCEPT
--" "outcome tagged -> tag: the milter's tag hook adds its header"
out=$("$drive" inet:127.0.0.1:9901 "$D/internal.eml")
tap_is "$out" "eom REPLYCODE 451 4.3.0 Internal error in the mail filter, try again later
--" "an internal error takes internal_error_action (tempfail by default)"
h_daemon_stop demo 10
tap_is $? 0 "SIGTERM: the demo exits 0"

# Actions from the configuration, the size bound, another socket convention.
cat >"$D/other.conf" <<EOF
socket = inet:9902@127.0.0.1
user =
on_tagged = quarantine
internal_error_action = accept
message_size_limit = 1000
EOF
start_demo other "$D/other.conf"
out=$("$drive" inet:9902@127.0.0.1 "$D/tag.eml")
tap_is "$out" "quarantine postern-demo: tagged greeting=hello
eom ACCEPT
--" "on_tagged = quarantine; socket in the libmilter convention inet:PORT@HOST"
out=$("$drive" inet:127.0.0.1:9902 "$D/internal.eml")
tap_is "$out" "eom ACCEPT
--" "internal_error_action = accept"
out=$("$drive" -i Q3 inet:127.0.0.1:9902 "$D/big.eml")
tap_is "$out" "eom ACCEPT
--" "over message_size_limit: the too_big outcome (accept), the hooks never see it"
h_wait_grep 'Q3: outcome=too_big action=accept size=[0-9]+ limit=1000$' "$TEST_TMP/other.log" 5
tap_ok $? "the verdict line says the size and the limit"
h_daemon_stop other 10

# A unix socket (local: spelling) with socket_mode, and privilege drop.
cat >"$D/unix.conf" <<EOF
socket = local:$D/demo.sock
socket_mode = 0660
user = nobody
temp_directory = $D/spool
EOF
start_demo unix "$D/unix.conf"
h_wait_file "$D/demo.sock" 5
tap_is "$(stat -c '%A %U' "$D/demo.sock")" "srw-rw---- nobody" \
	"the unix socket has socket_mode and belongs to the user"
pid=$(h_daemon_pid unix)
tap_is "$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$pid/status")" "65534 65534 65534" \
	"the daemon runs as nobody (real, effective, saved)"
out=$("$drive" -i Q4 "unix:$D/demo.sock" "$D/plain.eml")
tap_ok $([[ $out == *"queue=Q4"* ]] && echo 0 || echo 1) "a message over the unix socket"
h_daemon_stop unix 10
tap_is $? 0 "the unprivileged daemon stops cleanly"

# --- reload -----------------------------------------------------------------
start_demo reload "$D/good.conf" -v
# One session with two messages, the first slow: the reload comes while it is
# in progress, the second message follows on the same connection.
"$drive" -d 15 inet:127.0.0.1:9901 "$D/slow.eml" "$D/plain.eml" >"$D/session.out" &
drive_pid=$!
h_wait_grep 'from=<sender@example.test>' "$TEST_TMP/reload.log" 10
sed -i 's/demo_greeting = hello/demo_greeting = bonjour/' "$D/good.conf"
kill -HUP "$(h_daemon_pid reload)"
h_wait_grep 'reloaded' "$TEST_TMP/reload.log" 5
tap_ok $? "SIGHUP reloads the configuration"
out=$("$drive" inet:127.0.0.1:9901 "$D/plain.eml")
tap_ok $([[ $out == *"greeting=bonjour"* ]] && echo 0 || echo 1) "a new connection sees the new configuration"
wait "$drive_pid"
tap_is $? 0 "the connection open during the reload is not dropped"
tap_is "$(grep -c 'greeting=hello' "$D/session.out")" 2 \
	"both of its messages keep the configuration it started with"
echo 'bogus line' >>"$D/good.conf"
kill -HUP "$(h_daemon_pid reload)"
h_wait_grep 'reload of .* failed: keeping the previous configuration' "$TEST_TMP/reload.log" 5
tap_ok $? "a broken configuration is refused on reload"
out=$("$drive" inet:127.0.0.1:9901 "$D/plain.eml")
tap_ok $([[ $out == *"greeting=bonjour"* ]] && echo 0 || echo 1) "... and the previous one stays in use"

# --- stop ---------------------------------------------------------------------
started=$(grep -c 'from=<sender@example.test>' "$TEST_TMP/reload.log")
"$drive" inet:127.0.0.1:9901 "$D/slow.eml" >"$D/slow.out" &
drive_pid=$!
# -v logs the start of each message: stop once this one has started.
h_wait_until 10 eval '[ "$(grep -c "from=<sender@example.test>" "$TEST_TMP/reload.log")" -gt "$started" ]'
h_daemon_stop reload 10
tap_is $? 0 "SIGTERM with a message in progress: exit 0"
wait "$drive_pid"
tap_is "$?:$(tail -n 2 "$D/slow.out" | head -n 1)" "0:eom ACCEPT" "the message in progress got its answer"
tap_done
