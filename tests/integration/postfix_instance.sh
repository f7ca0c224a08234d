#!/usr/bin/env bash
# postfix_instance.sh: tests/lib/postfix.sh runs a private, real Postfix
# 3.7 inside the test namespace that accepts and relays mail, so other tests
# can use it as a peer.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=60
h_netns_enter "$@"
h_dns_start

# A sink that keeps every message it receives, and a Postfix that relays to it.
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 20
mkdir -p "$TEST_TMP/sink" && chown postfix "$TEST_TMP/sink"
h_wait_port 127.0.0.11 2526 || h_bail "smtp-sink did not start"

pfx_init mta 127.0.0.10:2525
pfx_conf mta 'relay_domains = example.test' 'transport_maps = inline:{ { example.test = smtp:[127.0.0.11]:2526 } }'
pfx_start mta || h_bail "postfix did not start"
tap_ok 0 "a private Postfix instance starts"
h_wait_port 127.0.0.10 2525
tap_ok $? "its smtpd listens on the test address"

smtp-source -m 3 -f sender@example.test -t rcpt@example.test 127.0.0.10:2525
tap_ok $? "smtp-source sends three messages"
pfx_wait_log mta 'status=sent' 10
tap_ok $? "Postfix relays to the sink"
for _ in $(seq 50); do
	[ "$(find "$TEST_TMP/sink" -type f | wc -l)" -ge 3 ] && break
	sleep 0.1
done
tap_is "$(find "$TEST_TMP/sink" -type f | wc -l)" 3 "the sink holds the three messages"
pfx_stop mta
tap_done
