#!/usr/bin/env bash
# deliver_defer.sh: defer_transports (postconf(5)), side by side with a
# real Postfix 3.7 given the same setting (defer_transports = smtp, both
# relaying to one smtp-sink):
#   - mail for a listed transport is deferred without a delivery attempt:
#     nothing reaches the peer; posternd logs what Postfix logs for it
#     (relay=none, dsn=4.3.2, status=deferred (deferred transport));
#   - it stays queued across queue runs, retried and deferred again;
#   - postern queue (and --json) gives the reason as postqueue -p (-j) does;
#   - mail for a transport not listed (maildir:) is delivered at once;
#   - postern flush delivers it, as postqueue -f does for Postfix, once:
#     mail that arrives after the flush is deferred again; postern flush
#     ID delivers one message and leaves the others.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=150
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"
PT="$top_builddir/relay/postern"

h_addr_add 127.0.0.11
mkdir -p "$TEST_TMP/sink" "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/sink" "$TEST_TMP/mail"
BOX=$TEST_TMP/mail/box
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2599 20
h_wait_port 127.0.0.11 2599 || h_bail "smtp-sink did not start"

pfx_init pf 127.0.0.1:10025
pfx_conf pf 'relayhost = [127.0.0.11]:2599' 'defer_transports = smtp' \
	'minimal_backoff_time = 300s' 'maximal_backoff_time = 600s' 'queue_run_delay = 300s' \
	'smtpd_peername_lookup = no'
pfx_start pf || h_bail "postfix did not start"
PQ="postqueue -c $PFX_DIR/etc"
PLOG=$(pfx_log pf)

sd_init
cat >"$TEST_TMP/transport" <<T
local.test	maildir:$BOX
T
chmod 644 "$TEST_TMP/transport"
sd_conf 'relayhost = [127.0.0.11]:2599' 'defer_transports = smtp' \
	"transport_maps = texthash:$TEST_TMP/transport" \
	'minimal_backoff_time = 1s' 'maximal_backoff_time = 1s' 'queue_run_delay = 1s'
sd_start -o master_service_disable=
pt() { "$PT" -c "$SD_CONF" "$@"; }

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
# send PORT TO BODY: one message from alice@example.org; prints its queue id.
send() {
	swaks --server 127.0.0.1:"$1" --from alice@example.org --to "$2" \
		--header "Subject: defer test" --body "$3" 2>&1 | queue_id
}
# logline FILE ID RCPT: ID's last delivery line for RCPT, from "to=" on,
# with the delays masked.
logline() {
	grep -E "[/ ][a-z]+\[[0-9]+\]: $2: to=<$3>" "$1" | tail -n 1 |
		sed -E 's/.*: (to=)/\1/; s/delay=[0-9.]+, delays=[0-9.\/]+/delay=D, delays=D/'
}
# tag FILE ID RCPT: the program that logged that line (postfix/error, ...).
tag() { grep -E ": $2: to=<$3>" "$1" | tail -n 1 | sed -E 's/.* ([a-z]+\/[a-z]+)\[[0-9]+\]: .*/\1/'; }
sunk() { grep -l -- "$1" "$TEST_TMP"/sink/* 2>/dev/null | wc -l; }
tries() { [ "$(grep -c "$1: to=<$2>, .*status=deferred (deferred transport)" "$SD_LOG")" -ge "$3" ]; }

# 1. Mail for the smtp transport is deferred without an attempt.
a=$(send 2525 bob@remote.test "body via postern")
p=$(send 10025 bob@remote.test "body via postfix")
tap_ok "$([ -n "$a" ] && [ -n "$p" ]; echo $?)" "a message into each MTA ($a, Postfix $p)"
h_wait_until 20 tries "$a" bob@remote.test 1
tap_ok $? "posternd: deferred (deferred transport)"
pfx_wait_log pf "$p: to=<bob@remote.test>.*status=deferred" 20
tap_ok $? "Postfix: deferred"
want='to=<bob@remote.test>, relay=none, delay=D, delays=D, dsn=4.3.2, status=deferred (deferred transport)'
tap_is "$(logline "$SD_LOG" "$a" bob@remote.test)" "$want" "posternd logs: $want"
tap_is "$(logline "$SD_LOG" "$a" bob@remote.test)" "$(logline "$PLOG" "$p" bob@remote.test)" \
	"the same line as Postfix's"
tap_is "$(tag "$SD_LOG" "$a" bob@remote.test)" "postern/error" \
	"logged as Postfix's retry service, by error(8)"
tap_is "$(tag "$PLOG" "$p" bob@remote.test)" "postfix/error" "(Postfix: postfix/error)"

# 2. Queue runs every second: retried and deferred again, never sent.
h_wait_until 20 tries "$a" bob@remote.test 3
tap_ok $? "posternd: deferred again at the next queue runs"
tap_ok "$(test -f "$SD_QUEUE/deferred/$a" || test -f "$SD_QUEUE/active/$a"; echo $?)" \
	"the message is still queued"
tap_is "$(ls "$TEST_TMP/sink" | wc -l)" 0 "nothing reached the peer"
tap_is "$(grep -c "$a: to=<bob@remote.test>, relay=127" "$SD_LOG")" 0 "no delivery attempt was logged"

# 3. postern queue says why, as postqueue -p.
reason() { grep -E '^ +\(' | sed -E 's/^ +//'; }
tap_is "$(pt queue | reason)" "(deferred transport)" "postern queue: (deferred transport)"
tap_is "$(pt queue | reason)" "$($PQ -p | reason)" "the same reason as postqueue -p"
jreason() {
	/usr/bin/python3 -c 'import json, sys
print(" ".join(r.get("delay_reason", "-") for l in sys.stdin for r in json.loads(l)["recipients"]))'
}
tap_is "$(pt queue --json | jreason)" "deferred transport" "postern queue --json: delay_reason"
tap_is "$(pt queue --json | jreason)" "$($PQ -j | jreason)" "the same delay_reason as postqueue -j"

# 4. Another transport is not held back.
b=$(send 2525 dave@local.test "body for the maildir")
h_wait_grep "$b: removed" "$SD_LOG" 20
tap_ok $? "maildir: delivered at once ($b)"
tap_is "$(grep -c "$b: to=<dave@local.test>, .*status=sent" "$SD_LOG")" 1 "maildir: one status=sent line"

# 5. postern flush delivers it, once; as postqueue -f.
pt flush
tap_is "$?" 0 "postern flush exits 0"
h_wait_grep "$a: removed" "$SD_LOG" 20
tap_ok $? "flushed: delivered and removed"
tap_ok "$(grep -qE "$a: to=<bob@remote.test>, relay=127.0.0.11\[127.0.0.11\]:2599, .*status=sent \(250 " "$SD_LOG"; echo $?)" \
	"flushed: status=sent through the smtp transport"
tap_is "$(sunk "body via postern")" 1 "the peer got the message once"
$PQ -f
pfx_wait_log pf "$p: to=<bob@remote.test>.*status=sent" 20
tap_ok $? "Postfix: postqueue -f delivers its copy too"

# 6. The flush lifted the restriction once: new mail waits again.
c=$(send 2525 erin@remote.test "second via postern")
d=$(send 2525 frank@remote.test "third via postern")
h_wait_until 20 tries "$c" erin@remote.test 2 && h_wait_until 20 tries "$d" frank@remote.test 2
tap_ok $? "mail after the flush is deferred again ($c, $d)"
tap_is "$(sunk "via postern")" 1 "and does not reach the peer"

# 7. postern flush ID: that one only.
h_wait_until 10 test -f "$SD_QUEUE/deferred/$c"
pt flush "$c"
h_wait_grep "$c: removed" "$SD_LOG" 20
tap_ok $? "flush $c: delivered"
sleep 2
tap_is "$(grep -c "$d: removed" "$SD_LOG")" 0 "the other message ($d) is still deferred"
tap_is "$(sunk "second via postern")" 1 "the peer got $c"
tap_is "$(sunk "third via postern")" 0 "not $d"
mode=$(stat -c %a "$SD_QUEUE/deferred/$d" 2>/dev/null || stat -c %a "$SD_QUEUE/active/$d")
tap_is "$mode" 600 "the waiting file has no flush mark (mode 600)"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || {
	grep -v 'client=\|message-id=' "$SD_LOG" | tail -n 40 | sed 's/^/# posternd: /'
	tail -n 20 "$PLOG" | sed 's/^/# postfix: /'
}
tap_done
