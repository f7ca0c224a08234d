#!/usr/bin/env bash
# smtpd_crash.sh: kill -9 of posternd at random moments while smtp-source
# (from the postfix package) sends 1,000 messages over 10 sessions,
# repeated (issue 3, acceptance 4). Every message that received "250 2.0.0
# Ok: queued as ID" (smtp-source -v logs each reply) must be in the queue
# after a restart, valid (queue_msg_open checks its structure and CRC) and
# intact (its content as smtp-source sent it, less our Received header).
# The test prints "N acknowledged, 0 lost".
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

ROUNDS=5
sd_init
sd_conf 'local_header_rewrite_clients ='
sd_start

: >"$TEST_TMP/acked"
for round in $(seq 1 "$ROUNDS"); do
	smtp-source -v -d -s 10 -m 1000 -l 2048 -f sender@example.net -t rcpt@example.org \
		127.0.0.1:2525 >"$TEST_TMP/source.$round" 2>&1 &
	source_pid=$!
	# A random moment while the sessions are busy.
	sleep "0.$((RANDOM % 7 + 3))"
	kill -9 "$(h_daemon_pid posternd)"
	sd_stop >/dev/null
	wait "$source_pid"
	sed -n 's/.*<<< 250 2.0.0 Ok: queued as \([0-9A-Z]*\)$/\1/p' "$TEST_TMP/source.$round" \
		>>"$TEST_TMP/acked"
	tap_diag "round $round: killed after $(grep -c 'queued as' "$TEST_TMP/source.$round") acknowledged messages"
	sd_start
done

acked=$(sort -u "$TEST_TMP/acked" | wc -l)
[ "$acked" -gt 100 ]
tap_ok $? "the rounds acknowledged many messages before the kills ($acked)"
sd_queue list >"$TEST_TMP/listing" 2>"$TEST_TMP/listing.err"
tap_ok $? "every file in the queue is valid after the kills"
head -n 5 "$TEST_TMP/listing.err" | sed 's/^/# /'
cut -f1 "$TEST_TMP/listing" | sort >"$TEST_TMP/queued"
lost=$(sort -u "$TEST_TMP/acked" | comm -23 - "$TEST_TMP/queued" | wc -l)
echo "# $acked acknowledged, $lost lost"
tap_is "$lost" 0 "every acknowledged message is in the queue ($acked acknowledged, $lost lost)"

# Intact: the same content for every acknowledged message (smtp-source
# sends the same text each time, but for its Date and Message-Id).
# shellcheck disable=SC2046
sd_queue content $(sort -u "$TEST_TMP/acked") | awk '
	/^==> [0-9A-Z]* <==$/ { if (n) print msg; msg = ""; n = 0; next }
	{ n++ }
	n <= 3 || /^Date: / || /^Message-Id: / { next }
	{ msg = msg "|" $0 }
	END { if (n) print msg }' | sort | uniq -c >"$TEST_TMP/contents"
tap_is "$(wc -l <"$TEST_TMP/contents")" 1 "every acknowledged message has the content smtp-source sent"
tap_is "$(awk '{ print $1 }' "$TEST_TMP/contents")" "$acked" "... all $acked of them"
grep -q "queue .*: [0-9]* incoming" "$SD_LOG"
tap_ok $? "the start-up scan after each kill logs what it found"
sd_stop
tap_is $? 0 "posternd stops cleanly after the last round"
tap_done
