#!/usr/bin/env bash
# smtpd_idle.sh: 2,000 concurrent idle connections are held open and served
# (issue 3, acceptance 5): each gets the greeting and an EHLO reply, then
# all stay open; posternd's memory (VmRSS from /proc) grows by less than
# 64 KiB per connection; then every connection still answers a NOOP.
# Then the process-wide session limit: under an open file limit of 100,
# posternd serves (100 - 64) / 2 = 18 sessions and answers the next ones
# "421 4.3.2 All server ports are busy".
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=90
h_netns_enter "$@"

N=2000
sd_init
# maxproc 0: no session limit on the listener (Postfix's "0": unlimited).
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd'
sd_start
pid=$(h_daemon_pid posternd)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

before=$(rss)
ulimit -n $((N + 200))
mkfifo "$TEST_TMP/go" "$TEST_TMP/ready"
/usr/bin/python3 - "$N" "$TEST_TMP/ready" "$TEST_TMP/go" >"$TEST_TMP/clients.out" 2>&1 <<'PY' &
import selectors, socket, sys

n, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def exchange(socks, data, want):
    """Send data on every socket, then read until each has a line starting
    with want (a reply's last line); return how many did."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        if data:
            s.sendall(data)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    done = 0
    while len(bufs) > done:
        events = sel.select(timeout=20)
        if not events:
            break
        for key, _ in events:
            s = key.fileobj
            chunk = s.recv(4096)
            bufs[s] += chunk
            if not chunk or any(l.startswith(want) for l in bufs[s].split(b"\r\n")):
                sel.unregister(s)
                done += 1 if chunk else 0
    return sum(1 for s in socks if any(l.startswith(want) for l in bufs[s].split(b"\r\n")))

socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", 2525))
    socks.append(s)
print("greeted", exchange(socks, b"", b"220 "), flush=True)
print("ehlo", exchange(socks, b"EHLO idle.example\r\n", b"250 "), flush=True)
open(ready, "w").write("ready\n")
open(go).read()
print("noop", exchange(socks, b"NOOP\r\n", b"250 2.0.0 Ok"), flush=True)
for s in socks:
    s.close()
PY
clients=$!
# The clients connect and wait; meanwhile measure.
read -r _ <"$TEST_TMP/ready"
after=$(rss)
sessions=$(ss -Htn state established '( sport = :2525 )' | wc -l)
echo go >"$TEST_TMP/go"
wait "$clients"
tap_is "$(grep '^greeted' "$TEST_TMP/clients.out")" "greeted $N" "all $N connections get the greeting"
tap_is "$(grep '^ehlo' "$TEST_TMP/clients.out")" "ehlo $N" "all $N answer EHLO"
tap_is "$sessions" "$N" "$N sessions are open at the same time"
tap_is "$(grep '^noop' "$TEST_TMP/clients.out")" "noop $N" "all $N still answer a NOOP after the measurement"
per=$(((after - before) * 1024 / N))
tap_diag "VmRSS $before KiB before, $after KiB with $N idle sessions: $per bytes per session"
[ "$per" -lt 65536 ]
tap_ok $? "memory per idle connection is under 64 KiB ($per bytes)"
sd_stop
tap_is $? 0 "posternd stops cleanly with the sessions gone"

h_daemon_start posternd sh -c 'ulimit -n 100; exec "$@" >>"$0" 2>&1' "$SD_LOG" \
	"$SD_POSTERND" -f -c "$SD_CONF"
# The log already has the first run's "daemon started": wait for a second.
h_wait_until 30 eval '[ "$(grep -c "daemon started" "$SD_LOG")" -ge 2 ]' ||
	h_bail "posternd did not start again"
/usr/bin/python3 - <<'PY' >"$TEST_TMP/limit.out"
import socket
socks, replies = [], []
for i in range(20):
    s = socket.create_connection(("127.0.0.1", 2525), timeout=10)
    socks.append(s)
    replies.append(s.recv(512).decode().split("\r\n")[0])
for r in sorted(set(replies)):
    print(replies.count(r), r)
PY
tap_is "$(cat "$TEST_TMP/limit.out")" "18 220 mx.example.test ESMTP Postfix
2 421 4.3.2 All server ports are busy" "the open file limit bounds the sessions: 18 served, 2 told busy"
sd_stop
tap_done
