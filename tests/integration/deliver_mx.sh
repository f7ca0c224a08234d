#!/usr/bin/env bash
# deliver_mx.sh: MX routing through the test DNS (tests/zones/example.test:
# MX 10 mx1 = 127.0.0.10, MX 20 mx2 = 127.0.0.20), an smtp-sink on port 25
# of each, default_transport smtp:
#   - with both up, the lower preference (mx1) gets the mail;
#   - with mx1 down, mx2 gets it;
#   - with both down, the message is deferred with the last error and
#     retried on the backoff schedule (shortened here); once mx1 is back
#     the retry delivers it there;
#   - a domain that does not exist bounces (5.4.4).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"
command -v smtp-sink >/dev/null || h_bail "smtp-sink not found: install the Debian package postfix"

mkdir -p "$TEST_TMP/mx1" "$TEST_TMP/mx2"
chmod 777 "$TEST_TMP/mx1" "$TEST_TMP/mx2"
mx_start() { # N
	h_daemon_start "mx$1" smtp-sink -u postfix -h "mx$1.example.test" -d "$TEST_TMP/mx$1/%M." \
		"127.0.0.${1}0:25" 20
	h_wait_port "127.0.0.${1}0" 25 || h_bail "smtp-sink mx$1 did not start"
}
mx_start 1
mx_start 2

sd_init
sd_conf "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" "queue_run_delay = 1s" \
	"smtp_connect_timeout = 5s"
sd_start -o master_service_disable=

queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }
send() { sd_swaks --from sender@example.org --to "$1" --header "Subject: $2" 2>&1 | queue_id; }
in_sink() { grep -l -- "Subject: $2" "$TEST_TMP/mx$1"/* 2>/dev/null | wc -l; }

id=$(send user@example.test "both up")
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "both up: delivered ($id)"
grep -q "$id: to=<user@example.test>, relay=mx1.example.test\[127.0.0.10\]:25, .*status=sent" "$SD_LOG"
tap_ok $? "both up: relay=mx1 (preference 10)"
tap_is "$(in_sink 1 "both up")/$(in_sink 2 "both up")" "1/0" "both up: only mx1 has it"

h_daemon_stop mx1
id=$(send user@example.test "mx1 down")
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "mx1 down: delivered ($id)"
grep -q "$id: to=<user@example.test>, relay=mx2.example.test\[127.0.0.20\]:25, .*status=sent" "$SD_LOG"
tap_ok $? "mx1 down: relay=mx2 (preference 20)"
tap_is "$(in_sink 2 "mx1 down")" 1 "mx1 down: mx2 has it"

h_daemon_stop mx2
id=$(send user@example.test "both down")
h_wait_grep "$id: to=<user@example.test>, relay=mx2.example.test\[127.0.0.20\]:25, .*dsn=4.4.1, status=deferred \(connect to mx2.example.test\[127.0.0.20\]:25: Connection refused\)" "$SD_LOG" 30
tap_ok $? "both down: deferred with the last MX's error ($id)"
h_wait_until 30 sh -c "[ \$(grep -c '$id: to=<user@example.test>.*status=deferred' '$SD_LOG') -ge 2 ]"
tap_ok $? "both down: tried again after the backoff time"
tap_ok "$([ -f "$SD_QUEUE/deferred/$id" ] || [ -f "$SD_QUEUE/active/$id" ]; echo $?)" \
	"both down: the message stays queued"
mx_start 1
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "mx1 back: a retry delivers the message"
grep -q "$id: to=<user@example.test>, relay=mx1.example.test\[127.0.0.10\]:25, .*status=sent" "$SD_LOG"
tap_ok $? "mx1 back: relay=mx1"
tap_is "$(in_sink 1 "both down")" 1 "mx1 back: mx1 has it once"

id=$(send user@nonexistent.example.test "no domain")
h_wait_grep "$id: removed" "$SD_LOG" 30
grep -q "$id: to=<user@nonexistent.example.test>, relay=none, .*dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nonexistent.example.test type=MX: Host not found)" "$SD_LOG"
tap_ok $? "a domain that does not exist bounces (5.4.4)"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG" | grep -v 'connect from\|client='
tap_done
