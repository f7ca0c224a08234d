#!/usr/bin/env bash
# daemon_lifecycle.sh: a daemon built on common/daemon and common/sockspec
# (tests/tools/daemon_tool) starts in the background only once, answers on
# its socket, reloads on SIGHUP (reaping the child it starts), stops on
# SIGTERM and SIGINT, survives a kill -9 restart (stale pid file and stale
# socket), and, started as root, runs as nobody for good.
. "$top_srcdir/tests/lib/tap.sh"

tool=$top_builddir/tests/tools/daemon_tool
pidf=$TEST_TMP/tool.pid
sock=$TEST_TMP/tool.sock

# field NAME LINE: the value of NAME=value in LINE.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# wait_gone PID: wait up to 5 s for the process to exit (a zombie has
# exited: a detached daemon waits for init to reap it).
wait_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ] && return 0
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# query: the daemon's line, retried briefly (a signal may be in flight).
query() { "$tool" -q "unix:$sock" 2>/dev/null; }

stop_pid() { [ -n "${1:-}" ] && kill -KILL "$1" 2>/dev/null; }

# --- Background start and the readiness handshake.
"$tool" -p "$pidf" -s "unix:$sock" 2>"$TEST_TMP/start.err"
tap_is "$?" 0 "background start returns 0 once the daemon is ready"
pid=$(cat "$pidf" 2>/dev/null)
tap_on_exit "kill -KILL $pid"
kill -0 "$pid" 2>/dev/null
tap_ok $? "the pid file names a live process ($pid)"
tap_is "$("$tool" -c "$pidf")" "running $pid" "the pid file is locked by it"
tap_ok "$([ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]; echo $?)" \
	"it runs in its own session"
tap_is "$(readlink "/proc/$pid/cwd")" "/" "it works in /"
tap_is "$(stat -c %a "$sock")" "666" "its socket has the requested mode"

line=$(query)
tap_is "$(field pid "$line")" "$pid" "it answers on its socket"
tap_is "$(field reloads "$line")" "0" "  ... with no reload yet"

# --- A second copy is refused, and the first is unharmed.
"$tool" -p "$pidf" -s "unix:$TEST_TMP/other.sock" 2>"$TEST_TMP/second.err"
tap_is "$?" 1 "a second copy exits 1"
grep -q "already running (pid $pid)" "$TEST_TMP/second.err"
tap_ok $? "  ... saying which pid runs"
tap_is "$(field pid "$(query)")" "$pid" "  ... and the first still answers"

# --- SIGHUP: reload, and the child it starts is reaped.
kill -HUP "$pid"
for ((i = 0; i < 50; i++)); do
	line=$(query)
	[ "$(field reaped "$line")" = 1 ] && break
	sleep 0.1
done
tap_is "$(field reloads "$line")" "1" "SIGHUP reloads"
tap_is "$(field reaped "$line")" "1" "SIGCHLD reaps the child"
tap_ok "$([ "$(ps -o stat= --ppid "$pid" | grep -c Z)" = 0 ]; echo $?)" "  ... no zombie is left"

# --- SIGTERM: graceful stop, pid file and lock gone.
kill -TERM "$pid"
wait_gone "$pid"
tap_ok $? "SIGTERM stops the daemon"
tap_ok "$([ ! -e "$pidf" ]; echo $?)" "  ... and it removes its pid file"
tap_is "$("$tool" -c "$pidf")" "stopped" "  ... nobody holds the lock"

# --- kill -9 leaves a stale pid file and socket; a restart takes both over.
"$tool" -p "$pidf" -s "unix:$sock"
pid=$(cat "$pidf")
tap_on_exit "kill -KILL $pid"
kill -KILL "$pid"
wait_gone "$pid"
tap_ok "$([ -e "$pidf" ] && [ -S "$sock" ]; echo $?)" "kill -9 leaves the pid file and socket"
"$tool" -p "$pidf" -s "unix:$sock" 2>"$TEST_TMP/restart.err"
tap_is "$?" 0 "a restart after kill -9 succeeds"
pid=$(cat "$pidf")
tap_on_exit "kill -KILL $pid"
tap_is "$(field pid "$(query)")" "$pid" "  ... and serves the old socket path"
kill -TERM "$pid"
wait_gone "$pid"

# --- A startup error reaches the terminal and the starting command fails.
touch "$TEST_TMP/not-a-socket"
"$tool" -p "$pidf" -s "unix:$TEST_TMP/not-a-socket" 2>"$TEST_TMP/fail.err"
tap_is "$?" 1 "a startup error makes the start fail"
grep -q "not a socket" "$TEST_TMP/fail.err"
tap_ok $? "  ... with the reason on stderr"
tap_is "$("$tool" -c "$pidf")" "stopped" "  ... and leaves no daemon"

# --- Foreground: logs to stderr, SIGINT stops it.
"$tool" -f -p "$pidf" -s "unix:$sock" 2>"$TEST_TMP/fg.err" &
fg=$!
tap_on_exit "kill -KILL $fg"
for ((i = 0; i < 50; i++)); do
	grep -q ": ready" "$TEST_TMP/fg.err" 2>/dev/null && break
	sleep 0.1
done
tap_is "$(cat "$pidf")" "$fg" "the foreground daemon keeps the pid it was started with"
grep -q "postern/daemon_tool\[$fg\]: ready" "$TEST_TMP/fg.err"
tap_ok $? "  ... and logs to stderr in the syslog line format"
kill -INT "$fg"
wait "$fg"
tap_is "$?" 0 "SIGINT stops it cleanly"

# --- Privileges.
if [ "$(id -u)" = 0 ]; then
	nobody_uid=$(id -u nobody)
	nobody_gid=$(id -g nobody)
	"$tool" -u nobody -p "$pidf" -s "unix:$sock"
	tap_is "$?" 0 "as root: start and drop to nobody"
	pid=$(cat "$pidf")
	tap_on_exit "kill -KILL $pid"
	line=$(query)
	tap_is "$(field uid "$line") $(field gid "$line")" "$nobody_uid $nobody_gid" \
		"  ... it runs as nobody"
	tap_is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")" \
		"$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "  ... real, effective, saved uid all nobody"
	tap_is "$(awk '/^Groups:/ {print $2}' "/proc/$pid/status")" \
		"$(id -G nobody | tr ' ' '\n' | sort -n | head -1)" "  ... with nobody's groups only"
	kill -TERM "$pid"
	wait_gone "$pid"
	tap_ok $? "  ... and stops on SIGTERM"
	tap_is "$("$tool" -c "$pidf")" "stopped" "  ... releasing the lock (the file may stay)"
	rm -f "$pidf"
else
	other=nobody
	[ "$(id -un)" = nobody ] && other=daemon
	"$tool" -u "$other" -p "$pidf" -s "unix:$sock" 2>"$TEST_TMP/user.err"
	tap_is "$?" 1 "not root: dropping to $other fails the start"
	grep -q "must be started as root" "$TEST_TMP/user.err"
	tap_ok $? "  ... and says why"
fi

# --- An inet socket, through the Sendmail notation.
"$tool" -p "$pidf" -s "inet:0@127.0.0.1" 2>/dev/null
tap_is "$?" 0 "listening on inet:PORT@HOST"
pid=$(cat "$pidf")
tap_on_exit "kill -KILL $pid"
port=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4, a, ":"); print a[2]}')
if [ -n "$port" ]; then
	tap_is "$(field pid "$("$tool" -q "inet:$port@127.0.0.1")")" "$pid" "  ... answers on 127.0.0.1:$port"
else
	tap_ok 1 "  ... its port is visible to ss"
fi
kill -TERM "$pid"
wait_gone "$pid"

tap_done
