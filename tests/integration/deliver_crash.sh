#!/usr/bin/env bash
# deliver_crash.sh: kill -9 of posternd during the delivery of 1,000
# messages with 3 recipients each to smtp-sink, repeated (issue 4,
# acceptance 6). smtp-source queues the messages with the queue manager
# off; then posternd delivers them and is killed at several moments, and
# restarted each time (the start-up scan moves active/ back to incoming/).
# At the end every (message, recipient) pair accepted must have reached
# the sink: "0 lost". A pair may arrive twice only when its delivery was
# in flight at a kill (its result not yet recorded): the duplicates are
# counted and printed, and must be fewer than the kills times the
# deliveries that can be in flight at once.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=300
h_netns_enter "$@"
command -v smtp-source >/dev/null || h_bail "smtp-source not found: install the Debian package postfix"

MSGS=1000
RCPTS=3
KILLS=4
CONC=10
h_addr_add 127.0.0.11
mkdir -p "$TEST_TMP/sink"
chmod 777 "$TEST_TMP/sink"
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 100
h_wait_port 127.0.0.11 2526 || h_bail "smtp-sink did not start"

sd_init
sd_conf 'local_header_rewrite_clients =' 'relay_domains = example.org' \
	'relay_transport = smtp:[127.0.0.11]:2526' "default_destination_concurrency_limit = $CONC" \
	'minimal_backoff_time = 1s' 'maximal_backoff_time = 1s' 'queue_run_delay = 1s'
sd_start
smtp-source -s 10 -m "$MSGS" -r "$RCPTS" -f sender@example.net -t rcpt@example.org \
	127.0.0.1:2525 >"$TEST_TMP/source.log" 2>&1
tap_ok $? "smtp-source queued $MSGS messages"
sd_stop >/dev/null
# Every (queue id, recipient) pair in the queue before delivery.
sd_queue list | awk -F'\t' '{ n = split($3, r, ","); for (i = 1; i <= n; i++) print $1, r[i] }' |
	sort >"$TEST_TMP/expected"
tap_is "$(cut -d' ' -f1 "$TEST_TMP/expected" | sort -u | wc -l)" "$MSGS" "posternd queued all of them"
tap_is "$(wc -l <"$TEST_TMP/expected")" "$((MSGS * RCPTS))" "each with $RCPTS recipients"

sent() { grep -c 'status=sent' "$SD_LOG"; }
total=$((MSGS * RCPTS))
for k in $(seq 1 "$KILLS"); do
	target=$((total * k / (KILLS + 1)))
	sd_start -o master_service_disable=
	h_wait_until 120 sh -c "[ \$(grep -c 'status=sent' '$SD_LOG') -ge $target ]"
	kill -9 "$(h_daemon_pid posternd)"
	sd_stop >/dev/null
	tap_diag "kill $k: after $(sent) recorded deliveries"
done
sd_start -o master_service_disable=
h_wait_until 120 sh -c "[ -z \"\$(find '$SD_QUEUE/incoming' '$SD_QUEUE/active' '$SD_QUEUE/deferred' -type f)\" ]"
tap_ok $? "after the last restart the queue empties"

# Every (queue id, recipient) pair that reached the sink, from posternd's
# Received header ("by mx.example.test ... id ID") and the sink's
# X-Rcpt-Args lines.
for f in "$TEST_TMP"/sink/*; do
	awk '/^X-Rcpt-Args: / { r[n++] = $2 }
	     /by mx\.example\.test .* id/ { for (i = 1; i < NF; i++) if ($i == "id") id = $(i + 1); sub(/;$/, "", id) }
	     END { for (i = 0; i < n; i++) print id, r[i] }' "$f"
done | tr -d '<>' | sort >"$TEST_TMP/arrived"
lost=$(comm -23 "$TEST_TMP/expected" <(sort -u "$TEST_TMP/arrived") | wc -l)
dups=$(uniq -d "$TEST_TMP/arrived" | wc -l)
extra=$(comm -13 "$TEST_TMP/expected" <(sort -u "$TEST_TMP/arrived") | wc -l)
echo "# $total recipients, $lost lost, $dups duplicated"
tap_is "$lost" 0 "no recipient is lost ($total recipients, $lost lost)"
tap_is "$extra" 0 "nothing arrived that was not sent"
[ "$dups" -le $((KILLS * CONC * RCPTS)) ]
tap_ok $? "duplicates ($dups) only for deliveries in flight at a kill (at most $((KILLS * CONC * RCPTS)))"
sd_stop
tap_ok $? "posternd stops cleanly"
tap_done
