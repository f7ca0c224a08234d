#!/usr/bin/env bash
# deliver_reuse.sh: SMTP connection reuse, counted at a real Postfix 3.7
# peer (its smtpd logs one "connect from" per connection). posternd relays
# 10 messages to it, one delivery at a time
# (smtp_destination_concurrency_limit = 1):
#   - default settings (smtp_connection_cache_on_demand = yes): one
#     connection carries all 10, with RSET between transactions, and the
#     log says conn_use=2 ... conn_use=10 as Postfix's does;
#   - smtp_connection_reuse_count_limit = 3: 4 connections (3+3+3+1);
#   - smtp_connection_cache_on_demand = no: 10 connections;
#   - on demand off, but smtp_connection_cache_destinations lists the
#     relay host (by name, or in a texthash: table): one connection again;
#     a list without it: 10;
#   - an idle session is closed after smtp_connection_cache_time_limit
#     (the peer logs the disconnect without a QUIT before it).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=300
h_netns_enter "$@"
command -v smtp-source >/dev/null || h_bail "smtp-source not found: install the Debian package postfix"

pfx_init peer 127.0.0.1:2526
pfx_conf peer 'master_service_disable = qmgr.fifo' 'smtpd_client_connection_count_limit = 0'
pfx_start peer || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 2526 || h_bail "Postfix does not listen"
PLOG=$(pfx_log peer)

sd_init
sd_conf 'relayhost = [127.0.0.1]:2526' 'smtp_destination_concurrency_limit = 1'

# since FILE LINE PATTERN: how many lines after line LINE of FILE match.
since() { tail -n +"$(($2 + 1))" "$1" | grep -c -- "$3"; }
# all_removed LINE: 10 messages removed from posternd's queue since LINE.
all_removed() { [ "$(since "$SD_LOG" "$1" ': removed$')" -ge 10 ]; }
# all_ended LINE: every session the peer saw since LINE has ended.
all_ended() { [ "$(since "$PLOG" "$1" 'disconnect from')" -ge "$(since "$PLOG" "$1" ': connect from')" ]; }

# run LABEL [-o name=value ...]: start posternd with the overrides, send
# it 10 messages, wait until all are relayed and the peer has seen every
# session end; sets CONNS (connections the peer saw), SENT and REUSED (the
# conn_use= values logged, in increasing order: a delivery hands its
# session on before it logs, so the next one may log first).
run() {
	local label=$1 lines plines
	shift
	lines=$(wc -l <"$SD_LOG" 2>/dev/null || echo 0)
	plines=$(wc -l <"$PLOG")
	sd_start -o master_service_disable= "$@"
	smtp-source -s 1 -m 10 -f sender@example.net -t rcpt@example.org 127.0.0.1:2525 ||
		tap_ok 1 "$label: smtp-source"
	h_wait_until 60 all_removed "$lines"
	tap_ok $? "$label: every message was relayed"
	# The cached session is closed within smtp_connection_cache_time_limit (2s).
	h_wait_until 10 all_ended "$plines"
	tap_ok $? "$label: every session to the peer has ended"
	CONNS=$(tail -n +"$((plines + 1))" "$PLOG" | grep -c ': connect from')
	SENT=$(tail -n +"$((lines + 1))" "$SD_LOG" | grep -c 'relay=127.0.0.1\[127.0.0.1\]:2526, .*status=sent (250 2.0.0 Ok: queued as')
	REUSED=$(tail -n +"$((lines + 1))" "$SD_LOG" | grep -o ', conn_use=[0-9]*, ' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
	PART=$(tail -n +"$((plines + 1))" "$PLOG")
	sd_stop
}

run "cache on demand"
tap_is "$SENT" 10 "cache on demand: 10 messages sent"
tap_is "$CONNS" 1 "cache on demand: one connection for 10 messages"
tap_is "$REUSED" "2 3 4 5 6 7 8 9 10 " "cache on demand: logged conn_use=2 to conn_use=10"
tap_is "$(grep -c 'disconnect from .* rset=9 ' <<<"$PART")" 1 "cache on demand: RSET before each reuse (rset=9)"
tap_is "$(grep -c 'disconnect from .* quit=' <<<"$PART")" 0 "cache on demand: the idle session is closed without QUIT, as scache does"

run "reuse count limit 3" -o smtp_connection_reuse_count_limit=3
tap_is "$SENT" 10 "reuse count limit 3: 10 messages sent"
tap_is "$CONNS" 4 "reuse count limit 3: 4 connections"
tap_is "$REUSED" "2 2 2 3 3 3 " "reuse count limit 3: conn_use up to 3"
tap_is "$(grep -c 'disconnect from .* quit=1' <<<"$PART")" 3 "reuse count limit 3: a used-up session ends with QUIT"

run "no cache" -o smtp_connection_cache_on_demand=no
tap_is "$SENT" 10 "no cache: 10 messages sent"
tap_is "$CONNS" 10 "no cache: 10 connections"
tap_is "$REUSED" "" "no cache: no conn_use="

run "cache destinations" -o smtp_connection_cache_on_demand=no \
	-o smtp_connection_cache_destinations=127.0.0.1
tap_is "$CONNS" 1 "smtp_connection_cache_destinations = the relay host: one connection"
tap_is "$REUSED" "2 3 4 5 6 7 8 9 10 " "cache destinations: logged conn_use=2 to conn_use=10"

printf '127.0.0.1\tcached\n' >"$TEST_TMP/cachedest"
chmod 644 "$TEST_TMP/cachedest"
run "cache destinations table" -o smtp_connection_cache_on_demand=no \
	-o "smtp_connection_cache_destinations=other.example, texthash:$TEST_TMP/cachedest"
tap_is "$CONNS" 1 "smtp_connection_cache_destinations with a texthash: table: one connection"

run "other cache destinations" -o smtp_connection_cache_on_demand=no \
	-o smtp_connection_cache_destinations=other.example
tap_is "$CONNS" 10 "smtp_connection_cache_destinations without the relay host: 10 connections"

[ "$tap_failed" -eq 0 ] || {
	grep -v 'client=\|message-id=' "$SD_LOG" | tail -n 40 | sed 's/^/# posternd: /'
	grep 'connect from' "$PLOG" | tail -n 20 | sed 's/^/# peer: /'
}
tap_done
