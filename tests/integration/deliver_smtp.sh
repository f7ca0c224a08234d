#!/usr/bin/env bash
# deliver_smtp.sh: posternd's SMTP client against Postfix's smtp-sink, in
# the test namespace (transport_maps picks the sink per recipient):
#   - swaks -> posternd -> smtp-sink: the message arrives with its body
#     byte-identical (leading dots, 8-bit text, a long line, no final
#     newline) and only posternd's Received header added (with Date and
#     Message-Id, as cleanup adds them for local clients); no ESMTP
#     parameter the sink does not announce;
#   - DSN pass-through: BODY=8BITMIME, RET, ENVID, NOTIFY and ORCPT reach
#     the sink;
#   - a 5xx reply to RCPT bounces the recipient, a 4xx defers it (a sink
#     without PIPELINING: the commands go one at a time), a dead port
#     defers with "connect to ...: Connection refused";
#   - Postfix's log line: relay=host[addr]:port, dsn, status=sent (250 ...).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

h_addr_add 127.0.0.11
h_addr_add 127.0.0.12
h_addr_add 127.0.0.13
mkdir -p "$TEST_TMP/sink" "$TEST_TMP/sink5" "$TEST_TMP/sink4"
chmod 777 "$TEST_TMP/sink" "$TEST_TMP/sink5" "$TEST_TMP/sink4"
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 20
h_daemon_start sink5 smtp-sink -u postfix -f rcpt -d "$TEST_TMP/sink5/%M." 127.0.0.12:2526 20
h_daemon_start sink4 smtp-sink -u postfix -r rcpt -d "$TEST_TMP/sink4/%M." 127.0.0.13:2526 20
h_wait_port 127.0.0.11 2526 && h_wait_port 127.0.0.12 2526 && h_wait_port 127.0.0.13 2526 ||
	h_bail "smtp-sink did not start"

sd_init
cat >"$TEST_TMP/transport" <<'T'
sink@example.test	smtp:[127.0.0.11]:2526
dsn@example.test	smtp:[127.0.0.11]:2526
hard@example.test	smtp:[127.0.0.12]:2526
soft@example.test	smtp:[127.0.0.13]:2526
dead@example.test	smtp:[127.0.0.11]:2599
T
chmod 644 "$TEST_TMP/transport"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" "smtp_helo_name = relay.example.test" \
	"minimal_backoff_time = 300s" "smtp_connect_timeout = 5s"
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
sink_file() { grep -l -- "$1" "$TEST_TMP"/sink/* 2>/dev/null | head -n 1; }

# 1. The body arrives byte-identical.
long=$(printf 'x%.0s' $(seq 1 900))
{
	printf 'From: sender@example.org\r\nTo: sink@example.test\r\nSubject: body test\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n'
	printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
	printf '.leading dot\r\n..two dots\r\n.\r\n \r\n\ttab line  \r\n'
	printf 'gr\303\274\303\237e aus K\303\266ln\r\n%s\r\nlast line, no newline' "$long"
} >"$TEST_TMP/msg.eml"
id=$(sd_swaks --from sender@example.org --to sink@example.test --data "$TEST_TMP/msg.eml" 2>&1 |
	queue_id)
tap_ok $? "swaks: accepted ($id)"
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "delivered and removed from the queue"
grep -q "$id: to=<sink@example.test>, relay=127.0.0.11\[127.0.0.11\]:2526, delay=[0-9.]*, delays=[0-9.]*/[0-9.]*/[0-9.]*/[0-9.]*, dsn=2.0.0, status=sent (250 2.0.0 Ok)" "$SD_LOG"
tap_ok $? "Postfix's log line with relay= and the peer's reply"
f=$(sink_file "Subject: body test")
tap_ok "$([ -n "$f" ]; echo $?)" "the message reached smtp-sink"
# The sink writes its own X- lines and Received header, then the message
# with LF line ends, then an empty line.
sed -n '/^$/,$p' "$f" | tail -n +2 | sed '$d' >"$TEST_TMP/got.body"
sed -n '/^\r$/,$p' "$TEST_TMP/msg.eml" | tail -n +2 | tr -d '\r' >"$TEST_TMP/want.body"
printf '\n' >>"$TEST_TMP/want.body" # the client ends the last line (RFC 5321)
cmp "$TEST_TMP/got.body" "$TEST_TMP/want.body"
rc=$?
tap_ok $rc "the body is byte-identical"
[ $rc -eq 0 ] || head -c 3000 "$f" | cat -A | sed 's/^/# sink: /' 
tap_is "$(sed -n '/^X-/d; /^$/q; p' "$f" | grep -v '^[[:space:]]' | cut -d: -f1 | tr '\n' ' ')" \
	"Received Received From To Subject MIME-Version Content-Type Content-Transfer-Encoding Date Message-Id " \
	"headers: the sink's Received, posternd's, then the client's in order (Date and Message-Id added)"
tap_is "$(grep -c '^Received: from vm (localhost \[127.0.0.1\])' "$f")" 1 "one Received header from posternd"
tap_is "$(grep '^X-Mail-Args:' "$f")" "X-Mail-Args: <sender@example.org>" \
	"no ESMTP parameter the sink does not announce (SIZE) or the message lacks"
grep -q '^X-Helo-Args: relay.example.test$' "$f"
tap_ok $? "EHLO uses smtp_helo_name"

# 2. DSN parameters pass through.
out=$(sd_chat 2525 <<'EOF2'
R
S EHLO client.example\r\nMAIL FROM:<sender@example.org> BODY=8BITMIME RET=HDRS ENVID=env+2Bid\r\nRCPT TO:<dsn@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2Bx@example.test\r\nDATA\r\n
R 4
S Subject: dsn test\r\n\r\nbody\r\n.\r\nQUIT\r\n
E
EOF2
)
id=$(queue_id <<<"$out")
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "DSN message delivered ($id)"
f=$(sink_file "Subject: dsn test")
grep -q '^X-Mail-Args: .*BODY=8BITMIME RET=HDRS ENVID=env+2Bid' "$f"
tap_ok $? "BODY=8BITMIME, RET and ENVID passed on"
grep -q '^X-Rcpt-Args: <dsn@example.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2Bx@example.test' "$f"
tap_ok $? "NOTIFY and ORCPT passed on"

# 3. 5xx bounces, 4xx defers, a dead port defers.
id=$(sd_swaks --from sender@example.org --to hard@example.test,soft@example.test,dead@example.test,sink@example.test 2>&1 | queue_id)
tap_ok $? "swaks: four recipients ($id)"
h_wait_grep "$id: to=<dead@example.test>" "$SD_LOG" 30
h_wait_grep "$id: to=<hard@example.test>" "$SD_LOG" 30
h_wait_grep "$id: to=<soft@example.test>" "$SD_LOG" 30
h_wait_grep "$id: to=<sink@example.test>" "$SD_LOG" 30
grep -q "$id: to=<hard@example.test>, relay=127.0.0.12\[127.0.0.12\]:2526, .*dsn=5.3.0, status=bounced (host 127.0.0.12\[127.0.0.12\]:2526 said: 5.* (in reply to RCPT TO command))" "$SD_LOG"
tap_ok $? "a 5xx to RCPT bounces"
grep -q "$id: to=<soft@example.test>, relay=127.0.0.13\[127.0.0.13\]:2526, .*dsn=4.3.0, status=deferred (host 127.0.0.13\[127.0.0.13\]:2526 said: 4.* (in reply to RCPT TO command))" "$SD_LOG"
tap_ok $? "a 4xx to RCPT defers (server without PIPELINING)"
grep -q "$id: to=<dead@example.test>, relay=127.0.0.11\[127.0.0.11\]:2599, .*dsn=4.4.1, status=deferred (connect to 127.0.0.11\[127.0.0.11\]:2599: Connection refused)" "$SD_LOG"
tap_ok $? "a closed port defers with Postfix's text"
grep -q "$id: to=<sink@example.test>, .*status=sent" "$SD_LOG"
tap_ok $? "the good recipient of the same message is delivered"
h_wait_until 10 test -f "$SD_QUEUE/deferred/$id"
tap_ok $? "the message waits in deferred/"
sd_queue list >/dev/null
tap_ok $? "its queue file still validates"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
tap_done
