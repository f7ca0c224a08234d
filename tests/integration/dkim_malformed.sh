#!/usr/bin/env bash
# dkim_malformed.sh: acceptance 6: postern-dkim driven without an MTA by
# tests/tools/milter-drive with malformed and truncated milter traffic:
# whole sessions cut at every few bytes and sessions damaged at random,
# on the signing path and on the verifying path. The daemon keeps serving
# good sessions, and exits 0 on SIGTERM (in the sanitizer build that
# includes LeakSanitizer's check: a leak or any memory error fails it).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"

dk_zone_init
dk_genkey rsa rsa
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
cat >"$TEST_TMP/dkim.conf" <<CONF
socket = inet:127.0.0.1:8891
user =
domain = example.test
selector = rsa
key_file = $TEST_TMP/keys/rsa.private
authserv_id = mx.example.test
dns_timeout = 1s
CONF
dk_start dkim "$TEST_TMP/dkim.conf"

dk_msg "$TEST_TMP/plain.eml" "Alice <alice@example.test>" "Authentication-Results: mx.example.test; dkim=pass"
"$DRIVE" -c localhost,127.0.0.1 -o "$TEST_TMP/signed.eml" inet:127.0.0.1:8891 "$TEST_TMP/plain.eml" >/dev/null
tap_ok $(grep -q '^DKIM-Signature:' "$TEST_TMP/signed.eml"; echo $?) "a good session signs"

out=$("$DRIVE" -c localhost,127.0.0.1 -T 3 inet:127.0.0.1:8891 "$TEST_TMP/plain.eml")
tap_is $? 0 "signing path, cut after every 3 bytes: $out"
out=$("$DRIVE" -c client.example.test,127.0.0.30 -T 3 inet:127.0.0.1:8891 "$TEST_TMP/signed.eml")
tap_is $? 0 "verifying path, cut after every 3 bytes: $out"
out=$("$DRIVE" -c localhost,127.0.0.1 -G 400 inet:127.0.0.1:8891 "$TEST_TMP/plain.eml")
tap_is $? 0 "signing path, damaged at random: $out"
out=$("$DRIVE" -c client.example.test,127.0.0.30 -G 400 inet:127.0.0.1:8891 "$TEST_TMP/signed.eml")
tap_is $? 0 "verifying path, damaged at random: $out"

pid=$(h_daemon_pid dkim)
tap_ok $(h_pid_alive "$pid"; echo $?) "postern-dkim is still running"
out=$("$DRIVE" -c client.example.test,127.0.0.30 inet:127.0.0.1:8891 "$TEST_TMP/signed.eml")
tap_ok $([[ $out == *"dkim=pass"* ]] && echo 0 || echo 1) "... and verifies a good message afterwards"
h_daemon_stop dkim 20
tap_is $? 0 "postern-dkim exits 0 (no leak or memory error under the sanitizers)"
grep -E 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error' "$TEST_TMP/dkim.log" | head -n 5 |
	sed 's/^/# /'
tap_done
