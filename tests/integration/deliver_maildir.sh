#!/usr/bin/env bash
# deliver_maildir.sh: posternd's scheduler end to end, swaks -> posternd ->
# the maildir:, error: and discard: transports (transport_maps):
#   - a message is delivered into the Maildir (body intact, Return-Path and
#     Delivered-To added), logged in Postfix's format and removed from the
#     queue;
#   - per-recipient results in one message: sent, bounced (5xx), deferred
#     (4xx); the deferred one is retried on the backoff schedule (shortened
#     by parameters) and the delivered one is never delivered again;
#   - maximal_queue_lifetime: the deferred recipient is bounced once the
#     message is too old, and the message leaves the queue;
#   - the hold queue is left alone.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

sd_init
mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
MD=$TEST_TMP/mail/box
cat >"$TEST_TMP/transport" <<T
box@example.test	maildir:$MD
gone@example.test	error:5.1.1 no such user here
later@example.test	error:4.2.2 mailbox full, try later
void@example.test	discard:
T
cat >"$TEST_TMP/access" <<'A'
held@example.test	HOLD quarantined by the test
A
chmod 644 "$TEST_TMP/transport" "$TEST_TMP/access"
sd_conf "transport_maps = texthash:$TEST_TMP/transport" \
	"smtpd_recipient_restrictions = check_recipient_access texthash:$TEST_TMP/access, permit_mynetworks, reject" \
	"minimal_backoff_time = 1s" "maximal_backoff_time = 2s" "queue_run_delay = 1s" \
	"maximal_queue_lifetime = 8s"
sd_start -o master_service_disable=

files_in() { find "$1" -type f 2>/dev/null | wc -l; }
queue_files() { find "$SD_QUEUE"/{incoming,active,deferred} -type f | wc -l; }
queue_id() { sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -n 1; }

# 1. One recipient, to the Maildir.
id=$(sd_swaks --from sender@example.org --to box@example.test \
	--header "Subject: first" --body $'line one\n.dot line\nlast' 2>&1 | queue_id)
tap_ok $? "swaks: message accepted ($id)"
h_wait_grep "$id: removed" "$SD_LOG" 30
tap_ok $? "the message is delivered and removed"
grep -q "$id: to=<box@example.test>, relay=maildir, delay=[0-9.]*, delays=[0-9.]*/[0-9.]*/[0-9.]*/[0-9.]*, dsn=2.0.0, status=sent (delivered to maildir)" "$SD_LOG"
tap_ok $? "the delivery is logged in Postfix's format"
f=$(grep -l "Subject: first" "$MD"/new/* 2>/dev/null)
tap_is "$(files_in "$MD/new")" 1 "one file in the Maildir's new/"
grep -q '^Return-Path: <sender@example.org>$' "$f"
tap_ok $? "Return-Path added"
grep -q '^Delivered-To: box@example.test$' "$f"
tap_ok $? "Delivered-To added"
tap_is "$(sed -n '/^$/,$p' "$f" | grep -v '^$')" $'line one\n.dot line\nlast' "the body arrives as sent"
tap_is "$(queue_files)" 0 "the queue is empty"

# 2. Three outcomes in one message; the deferred recipient is retried.
id=$(sd_swaks --from sender@example.org --to box@example.test,gone@example.test,later@example.test,void@example.test \
	--header "Subject: second" 2>&1 | queue_id)
tap_ok $? "swaks: four recipients accepted ($id)"
h_wait_grep "$id: to=<later@example.test>.*status=deferred" "$SD_LOG" 30
tap_ok $? "later@: deferred (4.2.2)"
# The recipients are delivered side by side: their lines come in any order.
h_wait_grep "$id: to=<gone@example.test>, relay=none,.*dsn=5.1.1, status=bounced \(no such user here\)" "$SD_LOG" 30
tap_ok $? "gone@: bounced with the error: transport's status"
h_wait_grep "$id: to=<void@example.test>, relay=none,.*dsn=2.0.0, status=sent \(example.test\)" "$SD_LOG" 30
tap_ok $? "void@: discarded (the text is the next hop, as Postfix logs it)"
h_wait_until 30 sh -c "[ \$(grep -c '$id: to=<later@example.test>.*status=deferred' '$SD_LOG') -ge 2 ]"
tap_ok $? "later@ is tried again after the backoff time"
tap_is "$(grep -c "$id: to=<box@example.test>" "$SD_LOG")" 1 "box@ is delivered once, not at each retry"
tap_is "$(grep -c "$id: to=<gone@example.test>" "$SD_LOG")" 1 "gone@ is bounced once"

# 3. maximal_queue_lifetime: the message expires.
h_wait_grep "$id: to=<later@example.test>.*dsn=4.2.2, status=bounced \(message expired: mailbox full, try later\)" "$SD_LOG" 40
tap_ok $? "later@ bounces once the message is older than maximal_queue_lifetime"
h_wait_grep "$id: removed" "$SD_LOG" 10
tap_ok $? "the expired message leaves the queue"

# 4. The hold queue is left alone.
id=$(sd_swaks --from sender@example.org --to held@example.test 2>&1 | queue_id)
tap_ok $? "swaks: a message for hold ($id)"
id2=$(sd_swaks --from sender@example.org --to box@example.test 2>&1 | queue_id)
h_wait_grep "$id2: removed" "$SD_LOG" 30
tap_ok $? "a later message is delivered"
[ -f "$SD_QUEUE/hold/$id" ]
tap_ok $? "the held message stays in hold/"
grep -q "$id: to=" "$SD_LOG"
tap_ok $((!$?)) "nothing is delivered from hold/"

sd_stop
tap_ok $? "posternd stops cleanly"
[ "$tap_failed" -eq 0 ] || sed 's/^/# posternd: /' "$SD_LOG"
[ "$tap_failed" -eq 0 ] || find "$SD_QUEUE" -type f | sed 's/^/# queue: /'
[ "$tap_failed" -eq 0 ] || for f in "$MD"/new/*; do sed 's/^/# maildir: /' "$f"; done
tap_done
