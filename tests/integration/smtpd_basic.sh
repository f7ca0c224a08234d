#!/usr/bin/env bash
# smtpd_basic.sh: posternd's minimal path: a message sent with swaks gets
# "250 2.0.0 Ok: queued as ID" and is then in incoming/ under that id with
# its envelope and content intact; the log has Postfix's lines; SIGTERM
# stops posternd cleanly and a restart finds the message.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
h_netns_enter "$@"

sd_init
sd_start

out=$(sd_swaks --from sender@example.net --to rcpt@example.org \
	--header "Subject: basic" --body "line one" 2>&1)
id=$(sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Z]*\).*/\1/p' <<<"$out")
[ -n "$id" ]
tap_ok $? "swaks gets 250 2.0.0 Ok: queued as ID ($id)"
tap_is "$(sd_queue list | cut -f1-3)" "$id	sender@example.net	rcpt@example.org" \
	"the queue holds that message, its sender and recipient"
# The client's name: 127.0.0.1's name in /etc/hosts (which resolves back),
# as Postfix finds it, or "unknown".
name=$(getent hosts 127.0.0.1 | awk '{ print $2; exit }')
[ -n "$name" ] && [ "$(getent ahostsv4 "$name" | awk '$1 == "127.0.0.1"' | head -n1)" ] ||
	name=unknown
sd_queue content "$id" >"$TEST_TMP/content"
head -n 1 "$TEST_TMP/content" | grep -q "^Received: from [^ ]* ($name \[127.0.0.1\])"
tap_ok $? "the content starts with our Received header"
grep -q "by mx.example.test (Postfix) with ESMTP id $id" "$TEST_TMP/content"
tap_ok $? "the Received header names us, the protocol and the queue id"
grep -q "^Subject: basic" "$TEST_TMP/content" && grep -q "^line one" "$TEST_TMP/content"
tap_ok $? "the message's header and body are in the queue file"
[ "$(grep -c $'\r$' "$TEST_TMP/content")" -eq "$(wc -l <"$TEST_TMP/content")" ]
tap_ok $? "every stored line ends in CRLF"
sd_queue envelope "$id" | grep -qx 'protocol=ESMTP'
tap_ok $? "the envelope records the protocol"

# The log lines pflogsumm and friends read.
grep -q "postern/smtpd\[[0-9]*\]: connect from $name\[127.0.0.1\]" "$SD_LOG"
tap_ok $? "log: connect from $name[127.0.0.1]"
grep -q ": $id: client=$name\[127.0.0.1\]$" "$SD_LOG"
tap_ok $? "log: ID: client=$name[127.0.0.1]"
grep -q ": $id: from=<sender@example.net>, size=[0-9]*, nrcpt=1 (queue active)$" "$SD_LOG"
tap_ok $? "log: ID: from=<sender@example.net>, size=N, nrcpt=1"
grep -q "disconnect from $name\[127.0.0.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5$" \
	"$SD_LOG"
tap_ok $? "log: disconnect from ... ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"

# A plain session, byte for byte.
got=$(sd_chat 2525 <<'EOF2'
R
S HELO client.example\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;C+2Bx@example.org\r\nDATA\r\n
R 5
S Subject: two\r\n\r\nbody\r\n.\r\nQUIT\r\n
E
EOF2
)
tap_is "$(sed -e 's/queued as .*/queued as ID/' <<<"$got")" "220 mx.example.test ESMTP Postfix
250 mx.example.test
250 2.1.0 Ok
250 2.1.5 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as ID
221 2.0.0 Bye
EOF" "HELO session: the replies, in order"
id2=$(sed -n 's/.*queued as //p' <<<"$got")
tap_is "$(sd_queue envelope "$id2" | grep -E '^(rcpt|protocol|helo_name)=')" "helo_name=client.example
protocol=SMTP
rcpt=b@example.org - 0
rcpt=c@example.org rfc822;C+2Bx@example.org 6" "the envelope has HELO, SMTP, both recipients, NOTIFY and ORCPT"
grep -q "^	by mx.example.test (Postfix) with SMTP id $id2; " <(sd_queue content "$id2")
tap_ok $? "two recipients: no 'for' clause in the Received header"

# SIGHUP: new sessions see the new configuration; a broken one is refused
# and the one in use stays.
greeting() { printf 'R\nS QUIT\\r\\n\nE\n' | sd_chat 2525 | head -n 1; }
sd_conf 'smtpd_banner = $myhostname ESMTP reloaded'
kill -HUP "$(h_daemon_pid posternd)"
h_wait_grep 'reload -- configuration' "$SD_LOG" 10
tap_is "$(greeting)" "220 mx.example.test ESMTP reloaded" "SIGHUP: a new session gets the new banner"
sd_conf 'smtpd_timeout = soon'
kill -HUP "$(h_daemon_pid posternd)"
h_wait_grep 'reload: .*smtpd_timeout.*keeping the configuration in use' "$SD_LOG" 10
tap_ok $? "SIGHUP with a bad value: the error is logged and the configuration kept"
tap_is "$(greeting)" "220 mx.example.test ESMTP reloaded" "... and sessions go on with it"
sed -i '/^smtpd_timeout = soon$/d' "$SD_CONF/postern.cf"

sd_stop
tap_is $? 0 "posternd exits 0 on SIGTERM"
grep -q 'terminating on signal' "$SD_LOG"
tap_ok $? "log: terminating on signal"

sd_start
tap_is "$(sd_queue count)" 2 "after a restart both messages are still queued"
grep -q "queue .*: 2 incoming" "$SD_LOG"
tap_ok $? "the start-up scan logs the two queued messages"
sd_stop
tap_done
