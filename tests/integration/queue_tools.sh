#!/usr/bin/env bash
# queue_tools.sh: the postern queue verbs against a running posternd whose
# peer is down (issue 4, "postern verbs"):
#   - postern queue lists the deferred mail in postqueue -p's layout: the
#     same messages queued by a real Postfix 3.7 (enable_long_queue_ids,
#     as postern's ids are long) give the same listing once queue ids,
#     sizes and times are masked column for column; the reason lines; the
#     empty queue; mailq (a link named mailq) prints the same;
#   - postern queue --json parses and has postqueue -j's fields;
#   - hold, release, requeue, delete and flush by id, by ALL and from
#     stdin ("-") act on the running daemon: held mail is not delivered,
#     requeue makes it try again at once, flush delivers at once when the
#     peer is back, release delivers the held message; messages and exit
#     statuses as postsuper's and postqueue's (flush with the mail system
#     down exits 69 like postqueue -f).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"
PT="$top_builddir/relay/postern"
LAYOUT="$top_srcdir/tests/integration/queue_layout.py"

h_addr_add 127.0.0.11
mkdir -p "$TEST_TMP/sink"
chmod 777 "$TEST_TMP/sink"

pfx_init pf 127.0.0.1:10025
pfx_conf pf 'relayhost = [127.0.0.11]:2599' \
	'enable_long_queue_ids = yes' 'minimal_backoff_time = 300s' \
	'maximal_backoff_time = 600s' 'queue_run_delay = 300s' 'smtp_connect_timeout = 5s' \
	'smtpd_peername_lookup = no'
pfx_start pf || h_bail "postfix did not start"
PQ="postqueue -c $PFX_DIR/etc"
PS="postsuper -c $PFX_DIR/etc"

sd_init
sd_conf 'relayhost = [127.0.0.11]:2599' 'minimal_backoff_time = 300s' \
	'maximal_backoff_time = 600s' 'queue_run_delay = 300s' 'smtp_connect_timeout = 5s'
sd_start -o master_service_disable=
pt() { "$PT" -c "$SD_CONF" "$@"; }

elapsed_ms() { echo $((($(h_now_us) - $1) / 1000)); }
queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
# send PORT FROM TO... : one message; prints its queue id.
send() {
	local port=$1 from=$2
	shift 2
	swaks --server 127.0.0.1:"$port" --from "$from" --to "$(IFS=,; echo "$*")" \
		--header "Subject: queue test" --body "queue test body" 2>&1 | queue_id
}

# 1. The same three messages into each MTA; the peer is down.
a=$(send 2525 alice@example.org bob@remote.test)
b=$(send 2525 '<>' carol@remote.test dave@remote.test)
c=$(send 2525 erin@example.org frank@remote.test)
send 10025 alice@example.org bob@remote.test >/dev/null
send 10025 '<>' carol@remote.test dave@remote.test >/dev/null
send 10025 erin@example.org frank@remote.test >/dev/null
tap_ok "$([ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ]; echo $?)" "three messages queued ($a $b $c)"
h_wait_until 30 test -f "$SD_QUEUE/deferred/$a" -a -f "$SD_QUEUE/deferred/$b" -a -f "$SD_QUEUE/deferred/$c"
tap_ok $? "posternd deferred them (peer down)"
h_wait_until 30 eval "[ \$(grep -c 'status=deferred' '$(pfx_log pf)') -ge 4 ]"
tap_ok $? "Postfix deferred them too"

pt queue >"$TEST_TMP/sd.p"
tap_is "$?" 0 "postern queue exits 0"
$PQ -p >"$TEST_TMP/pf.p"
tap_is "$?" 0 "postqueue -p exits 0"
/usr/bin/python3 "$LAYOUT" <"$TEST_TMP/sd.p" >"$TEST_TMP/sd.masked"
/usr/bin/python3 "$LAYOUT" <"$TEST_TMP/pf.p" >"$TEST_TMP/pf.masked"
diff -u "$TEST_TMP/pf.masked" "$TEST_TMP/sd.masked" >"$TEST_TMP/p.diff"
rc=$?
tap_ok $rc "postern queue's listing is postqueue -p's (ids, sizes, times masked)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TEST_TMP/p.diff" "$TEST_TMP/sd.p" "$TEST_TMP/pf.p"
tap_is "$(head -n 1 "$TEST_TMP/sd.p")" \
	"----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------" \
	"the heading (Postfix's for long queue ids)"
grep -q "^$b  *[0-9]* [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} MAILER-DAEMON\$" "$TEST_TMP/sd.p"
tap_ok $? "the null sender shows as MAILER-DAEMON"
tap_is "$(grep -c '^ *(connect to 127.0.0.11\[127.0.0.11\]:2599: Connection refused)$' "$TEST_TMP/sd.p")" 3 \
	"one reason line per message, in parentheses"
kb=$(pt queue --json | /usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["message_size"] for l in sys.stdin) // 1024)')
tap_is "$(tail -n 1 "$TEST_TMP/sd.p")" "-- $kb Kbytes in 3 Requests." "the trailer"
ln -sf "$(cd "$(dirname "$PT")" && pwd)/postern" "$TEST_TMP/mailq"
MAIL_CONFIG=$SD_CONF "$TEST_TMP/mailq" >"$TEST_TMP/mailq.out"
tap_is "$?" 0 "mailq exits 0"
cmp -s "$TEST_TMP/mailq.out" "$TEST_TMP/sd.p"
tap_ok $? "mailq prints the same listing"

# 2. --json: postqueue -j's fields.
pt queue --json >"$TEST_TMP/sd.j"
$PQ -j >"$TEST_TMP/pf.j"
keys() {
	/usr/bin/python3 -c 'import json,sys
ks=set()
for line in sys.stdin:
    o=json.loads(line)
    ks.add(" ".join(sorted(o)))
    for r in o["recipients"]:
        ks.add("rcpt: " + " ".join(sorted(r)))
print("|".join(sorted(ks)))'
}
sdk=$(keys <"$TEST_TMP/sd.j")
tap_ok $? "postern queue --json parses"
tap_is "$sdk" "$(keys <"$TEST_TMP/pf.j")" "the same fields as postqueue -j"
tap_is "$(/usr/bin/python3 -c 'import json,sys
for line in sys.stdin:
    o=json.loads(line)
    if o["queue_id"]=="'"$b"'":
        print(o["queue_name"], o["sender"], o["message_size"] > 0,
              [r["address"] for r in o["recipients"]], o["recipients"][0]["delay_reason"])' <"$TEST_TMP/sd.j")" \
	"deferred  True ['carol@remote.test', 'dave@remote.test'] connect to 127.0.0.11[127.0.0.11]:2599: Connection refused" \
	"the values of one message"

# 3. hold by id, then requeue: the daemon tries again at once.
pt hold "$a" 2>"$TEST_TMP/hold.err"
tap_is "$?" 0 "hold exits 0"
pf_a=$($PQ -j | /usr/bin/python3 -c 'import json,sys
for l in sys.stdin:
    o=json.loads(l)
    if o["sender"]=="alice@example.org": print(o["queue_id"])')
$PS -h "$pf_a" 2>"$TEST_TMP/pf.hold.err"
mask_id() { sed 's/^[0-9A-Za-z]\{10,\}: /ID: /'; }
tap_is "$(sed 's/^postern: //' "$TEST_TMP/hold.err" | mask_id)" \
	"$(sed 's/^postsuper: //' "$TEST_TMP/pf.hold.err" | mask_id)" \
	"hold reports as postsuper -h: $(tr '\n' ' ' <"$TEST_TMP/hold.err")"
tap_ok "$(test -f "$SD_QUEUE/hold/$a" && ! test -f "$SD_QUEUE/deferred/$a"; echo $?)" "the message is in hold/"
pt queue | grep -q "^$a! "
tap_ok $? "postern queue marks it with !"
tries=$(grep -c "$b: to=<carol@remote.test>.*status=deferred" "$SD_LOG")
echo "$b" | pt requeue - 2>"$TEST_TMP/requeue.err"
tap_is "$(cat "$TEST_TMP/requeue.err")" "postern: $b: requeued
postern: Requeued: 1 message" "requeue from stdin"
h_wait_until 15 eval "[ \$(grep -c '$b: to=<carol@remote.test>.*status=deferred' '$SD_LOG') -gt $tries ]"
tap_ok $? "the running daemon tried the requeued message again at once"

# 4. delete by id; invalid ids; flush with the peer back.
d=$(send 2525 gina@example.org henry@remote.test)
h_wait_until 30 test -f "$SD_QUEUE/deferred/$d"
pt delete "$d" 2>"$TEST_TMP/delete.err"
tap_is "$?:$(cat "$TEST_TMP/delete.err")" "0:postern: $d: removed
postern: Deleted: 1 message" "delete by id"
tap_ok "$(! test -e "$SD_QUEUE/deferred/$d" && ! test -e "$SD_QUEUE/defer/$d"; echo $?)" \
	"the message and its defer log are gone"
pt delete not-an-id 2>/dev/null
tap_is "$?" 64 "an invalid queue id is a usage error"

h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2599 20
h_wait_port 127.0.0.11 2599 || h_bail "smtp-sink did not start"
t0=$(h_now_us)
pt flush
tap_is "$?" 0 "flush exits 0"
h_wait_grep "$b: removed" "$SD_LOG" 20 && h_wait_grep "$c: removed" "$SD_LOG" 20
tap_ok $? "flush: deferred mail delivered at once ($(elapsed_ms "$t0") ms, backoff 300 s)"
sleep 2
tap_ok "$(! grep -q "$a: removed" "$SD_LOG" && test -f "$SD_QUEUE/hold/$a"; echo $?)" \
	"held mail is not delivered"
pt release ALL 2>"$TEST_TMP/release.err"
tap_is "$(cat "$TEST_TMP/release.err")" "postern: $a: released from hold
postern: Released from hold: 1 message" "release ALL"
h_wait_grep "$a: removed" "$SD_LOG" 20
tap_ok $? "the released message is delivered"
tap_is "$(grep -l 'queue test body' "$TEST_TMP"/sink/* 2>/dev/null | wc -l)" 3 \
	"the sink got three messages (not the deleted one)"

# 5. ALL, and the empty queue.
pt hold ALL 2>"$TEST_TMP/hold_all.err"
tap_is "$(cat "$TEST_TMP/hold_all.err")" "" "hold ALL on an empty queue says nothing (as postsuper)"
pt queue >"$TEST_TMP/empty.sd"
$PS -d ALL 2>/dev/null
$PQ -p >"$TEST_TMP/empty.pf"
tap_is "$(cat "$TEST_TMP/empty.sd")" "$(cat "$TEST_TMP/empty.pf")" "the empty queue: $(cat "$TEST_TMP/empty.sd")"

# 6. flush with the mail system down: as postqueue -f.
sd_stop
tap_ok $? "posternd stops cleanly"
pt flush 2>"$TEST_TMP/flush_down.err"
sdrc=$?
pfx_stop pf
$PQ -f 2>"$TEST_TMP/pf_flush_down.err"
pfrc=$?
tap_is "$sdrc" "$pfrc" "flush with the mail system down exits $pfrc like postqueue -f"
tap_is "$(sed 's/^postern: //' "$TEST_TMP/flush_down.err")" \
	"$(sed 's/^postqueue: //' "$TEST_TMP/pf_flush_down.err")" "and says the same"
rm -rf "$TEST_TMP/noqueue"
pt -o queue_directory="$TEST_TMP/noqueue" queue >/dev/null 2>&1
tap_is "$?" 69 "queue: no queue directory exits 69 (EX_UNAVAILABLE)"

[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client=' | tail -n 40
tap_done
