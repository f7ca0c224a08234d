#!/usr/bin/env bash
# deliver_lmtp.sh: posternd's LMTP client into a real Dovecot LMTP server
# (dovecot-lmtpd) on a unix socket, delivering to Maildirs:
#   - swaks -> posternd -> lmtp:unix: -> Dovecot: the message lands in each
#     user's Maildir with its body intact;
#   - one reply per recipient after the data: two users get their own
#     "Saved" replies in their log lines;
#   - an unknown user is bounced at RCPT with Dovecot's 5.1.1 while the
#     others are delivered;
#   - the LMTP client's own settings: LHLO sends lmtp_lhlo_name (not
#     smtp_helo_name); 10 messages one at a time
#     (lmtp_destination_concurrency_limit = 1) share one connection
#     (Dovecot logs one "Connect from local") with the default
#     lmtp_connection_cache_on_demand = yes, take 10 with it set to no,
#     and one again when lmtp_connection_cache_destinations lists the
#     socket path;
#   - lmtp_lhlo_timeout, not smtp_helo_timeout, bounds the wait for the
#     greeting: a server that never greets defers the mail in a second.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=200
h_netns_enter "$@"
command -v doveadm >/dev/null || h_bail "doveadm not found: install the Debian package dovecot-core"
[ -x /usr/lib/dovecot/lmtp ] || h_bail "no Dovecot LMTP server: install the Debian package dovecot-lmtpd"

D=$TEST_TMP/dovecot
LMTP=$D/lmtp
mkdir -p "$D/run" "$D/state" "$D/home"
chmod 777 "$D/home"
cat >"$D/users" <<U
box@example.test::65534:65534::$D/home/box::
other@example.test::65534:65534::$D/home/other::
U
cat >"$D/dovecot.conf" <<DC
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = $D/users
}
userdb {
  driver = passwd-file
  args = $D/users
}
service lmtp {
  unix_listener $LMTP {
    mode = 0666
  }
}
service anvil {
  chroot =
}
DC
chmod a+x "$D"
h_daemon_start dovecot dovecot -F -c "$D/dovecot.conf"
h_wait_file "$LMTP" 10 || h_bail "dovecot did not start: $(tail -n 3 "$TEST_TMP/dovecot.log" "$D/dovecot.log" 2>/dev/null)"

sd_init
sd_conf "virtual_mailbox_domains = example.test" "virtual_transport = lmtp:unix:$LMTP" \
	"minimal_backoff_time = 300s"
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }

id=$(sd_swaks --from sender@example.org --to box@example.test,other@example.test,nobody@example.test \
	--header "Subject: lmtp test" --body $'first line\n.dotted\nlast' 2>&1 | queue_id)
tap_ok $? "swaks: accepted ($id)"
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "delivered and removed from the queue"
for u in box other; do
	grep -q "$id: to=<$u@example.test>, relay=localhost\[$LMTP\], .*dsn=2.0.0, status=sent (250 2.0.0 <$u@example.test> [^ ]* Saved)" "$SD_LOG"
	tap_ok $? "$u@: its own LMTP reply after the data"
	f=$(grep -l "Subject: lmtp test" "$D/home/$u/Maildir/new/"* 2>/dev/null | head -n 1)
	tap_ok "$([ -n "$f" ]; echo $?)" "$u@: the message is in the Maildir"
	tap_is "$(sed -n '/^$/,$p' "$f" | grep -v '^$')" $'first line\n.dotted\nlast' "$u@: body intact"
	grep -q "^Return-Path: <sender@example.org>" "$f"
	tap_ok $? "$u@: Dovecot got the envelope sender"
done
grep -q "$id: to=<nobody@example.test>, relay=localhost\[$LMTP\], .*dsn=5.1.1, status=bounced (host localhost\[$LMTP\] said: 550 5.1.1 .* (in reply to RCPT TO command))" "$SD_LOG"
tap_ok $? "an unknown user bounces at RCPT with Dovecot's 5.1.1"

sd_stop
tap_ok $? "posternd stops cleanly"

# The LMTP client's settings and connection cache.
sd_conf "lmtp_lhlo_name = lhlo.example.test" "smtp_helo_name = helo.example.test" \
	"lmtp_destination_concurrency_limit = 1"
since() { tail -n +"$(($2 + 1))" "$1" | grep -c -- "$3"; }
# reuse LABEL [-o name=value ...]: 10 messages to box@ through a posternd
# with the overrides; sets CONNS (Dovecot's connections) and REUSED (the
# conn_use= values posternd logged).
reuse() {
	local label=$1 lines dlines
	shift
	lines=$(wc -l <"$SD_LOG")
	dlines=$(wc -l <"$D/dovecot.log")
	sd_start -o master_service_disable= "$@"
	smtp-source -s 1 -m 10 -f sender@example.org -t box@example.test 127.0.0.1:2525 ||
		tap_ok 1 "$label: smtp-source"
	h_wait_until 60 eval '[ "$(since "$SD_LOG" "$lines" ": removed$")" -ge 10 ]'
	tap_ok $? "$label: 10 messages delivered"
	sd_stop
	CONNS=$(since "$D/dovecot.log" "$dlines" "Connect from local")
	REUSED=$(tail -n +"$((lines + 1))" "$SD_LOG" | grep -o ', conn_use=[0-9]*, ' | tr -dc '0-9\n' | tr '\n' ' ')
}
reuse "LMTP cache on demand"
tap_is "$CONNS" 1 "LMTP cache on demand: one connection for 10 messages"
tap_is "$REUSED" "2 3 4 5 6 7 8 9 10 " "LMTP cache on demand: logged conn_use=2 to conn_use=10"
f=$(grep -lE "^Received: from lhlo\.example\.test( |$)" "$D/home/box/Maildir/new/"* 2>/dev/null | wc -l)
tap_is "$f" 10 "LHLO lmtp_lhlo_name: Dovecot's Received header names lhlo.example.test"
reuse "LMTP no cache" -o lmtp_connection_cache_on_demand=no
tap_is "$CONNS" 10 "lmtp_connection_cache_on_demand = no: 10 connections"
tap_is "$REUSED" "" "lmtp_connection_cache_on_demand = no: no conn_use="
reuse "LMTP cache destinations" -o lmtp_connection_cache_on_demand=no \
	-o "lmtp_connection_cache_destinations=$LMTP"
tap_is "$CONNS" 1 "lmtp_connection_cache_destinations = the socket path: one connection"
reuse "LMTP other destinations" -o lmtp_connection_cache_on_demand=no \
	-o lmtp_connection_cache_destinations=/elsewhere/lmtp
tap_is "$CONNS" 10 "lmtp_connection_cache_destinations = another path: 10 connections"

SILENT=$D/silent
h_daemon_start silent /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(5)
held = []
while True:
    held.append(s.accept()[0])
' "$SILENT"
h_wait_file "$SILENT" 10 || h_bail "the silent LMTP server did not start"
chmod 666 "$SILENT"
sd_start -o master_service_disable= -o lmtp_lhlo_timeout=1s \
	-o "transport_maps=inline:{ silent.test=lmtp:unix:$SILENT }"
t0=$(h_now_us)
sd_swaks --from sender@example.org --to x@silent.test >/dev/null 2>&1
h_wait_grep "to=<x@silent.test>, relay=localhost\[$SILENT\], .*status=deferred \(conversation with localhost\[$SILENT\] timed out while receiving the initial server greeting\)" "$SD_LOG" 20
tap_ok $? "lmtp_lhlo_timeout = 1s: a silent server times out at the greeting"
ms=$((($(h_now_us) - t0) / 1000))
tap_ok "$([ "$ms" -lt 10000 ]; echo $?)" "in ${ms} ms, not smtp_helo_timeout (300 s)"
sd_stop
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
[ "$tap_failed" -eq 0 ] || sed 's/^/# dovecot: /' "$D/dovecot.log"
pids=$(pgrep -P "$(h_daemon_pid dovecot)")
h_daemon_stop dovecot
for pid in $pids; do kill "$pid" 2>/dev/null; done
tap_done
