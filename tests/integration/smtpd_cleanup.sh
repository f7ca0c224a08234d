#!/usr/bin/env bash
# smtpd_cleanup.sh: before-queue processing compared with Postfix 3.7's
# cleanup(8). The same messages go to posternd and to a private Postfix
# (queue manager disabled, so its queue files stay in incoming/ where
# postcat reads them); then, per message, the two queue files must agree
# on:
#   - Message-Id and Date added to originating mail that lacks them
#     (local_header_rewrite_clients, here permit_mynetworks) and only to it,
#     and kept when the message has them;
#   - virtual_alias_maps: the recipients after expansion (lists,
#     recursion, an address in its own expansion), with recipient_delimiter
#     extensions carried over; a loop is not accepted (451 4.6.0);
#   - hopcount_limit: too many Received headers are refused (554 5.4.0).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

h_addr_add 127.0.0.31
cat >"$TEST_TMP/virtual" <<'V'
alias@example.test     target@example.net
list@example.test      a@example.test, b@example.org
a@example.test         a1@example.org
keep@example.test      keep@example.test, copy@example.net
loop1@example.test     loop2@example.test
loop2@example.test     loop1@example.test
plus@example.test      plus-target@example.net
V
chmod 644 "$TEST_TMP/virtual"
common=('myhostname = mx.example.test' 'smtpd_banner = $myhostname ESMTP' 'mydestination ='
	'relay_domains = example.test'
	'mynetworks = 127.0.0.1/32' 'local_header_rewrite_clients = permit_mynetworks'
	"virtual_alias_maps = texthash:$TEST_TMP/virtual" 'recipient_delimiter = +'
	'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination'
	'hopcount_limit = 5')
sd_init
sd_conf "${common[@]}"
sd_start
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx "${common[@]}" 'master_service_disable = qmgr.fifo'
sd_master '127.0.0.1:2525 inet n - n - - smtpd'
pfx_start pfx || h_bail "Postfix did not start"
h_wait_port 127.0.0.1 2526 || h_bail "Postfix does not listen"

# send PORT SOURCE RCPTS HEADERS: one message; prints its queue id.
send() {
	local rcpts=() r
	for r in $3; do rcpts+=(--to "$r"); done
	swaks --server "127.0.0.1:$1" --local-interface "$2" --from sender@example.org \
		"${rcpts[@]}" --data "$4
body" 2>&1 | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p'
}
# ours ID / theirs ID: "recipients|headers" of a queue file, normalized:
# the sorted recipients, and which of Message-Id and Date the header has.
summary() { # RCPTS HEADERS
	printf '%s|msgid=%s date=%s' "$(tr ' ' '\n' <<<"$1" | sort | paste -sd' ')" \
		"$(grep -ci '^message-id:' <<<"$2")" "$(grep -ci '^date:' <<<"$2")"
}
ours() {
	local rcpts headers
	rcpts=$(sd_queue envelope "$1" | sed -n 's/^rcpt=\([^ ]*\) .*/\1/p' | paste -sd' ')
	headers=$(sd_queue content "$1" | sed '/^\r\?$/q')
	summary "$rcpts" "$headers"
}
theirs() {
	local out rcpts headers
	out=$(postcat -c "$PFX_DIR/etc" -q "$1" 2>/dev/null)
	rcpts=$(sed -n 's/^recipient: //p' <<<"$out" | paste -sd' ')
	headers=$(sed -n '/^\*\*\* MESSAGE CONTENTS/,/^\*\*\* HEADER EXTRACTED/p' <<<"$out" |
		sed '1d; /^$/q')
	summary "$rcpts" "$headers"
}

# NAME SOURCE RCPTS HEADERS WANT (WANT: what both must say)
while IFS='|' read -r name source rcpts headers want; do
	[ -n "$name" ] || continue
	headers=${headers//\\n/$'\n'}
	a=$(send 2525 "$source" "$rcpts" "$headers")
	b=$(send 2526 "$source" "$rcpts" "$headers")
	if [ -z "$a" ] || [ -z "$b" ]; then
		tap_ok 1 "$name: both servers queue the message (ours: ${a:-none}, Postfix: ${b:-none})"
		continue
	fi
	tap_is "$(ours "$a")" "$(theirs "$b")" "$name: the same as Postfix's cleanup"
	tap_is "$(ours "$a")" "$want" "$name: $want"
done <<'CASES'
originating mail without Message-Id or Date gets both|127.0.0.1|x@example.test|Subject: a|x@example.test|msgid=1 date=1
originating mail keeps its own|127.0.0.1|x@example.test|Subject: b\nMessage-Id: <own@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000|x@example.test|msgid=1 date=1
other mail gets neither|127.0.0.31|x@example.test|Subject: c|x@example.test|msgid=0 date=0
an alias|127.0.0.1|alias@example.test|Subject: d|target@example.net|msgid=1 date=1
a list, recursively|127.0.0.1|list@example.test|Subject: e|a1@example.org b@example.org|msgid=1 date=1
an address in its own expansion|127.0.0.1|keep@example.test|Subject: f|copy@example.net keep@example.test|msgid=1 date=1
an extension carried over|127.0.0.1|plus+tag@example.test|Subject: h|plus-target+tag@example.net|msgid=1 date=1
CASES

# A loop runs into virtual_alias_recursion_limit: not accepted for now.
script="R
S EHLO c\\r\\nMAIL FROM:<s@example.org>\\r\\nRCPT TO:<loop1@example.test>\\r\\nDATA\\r\\n
R 4
S Subject: loop\\r\\n\\r\\nbody\\r\\n.\\r\\nQUIT\\r\\n
E"
norm() { sed -e '/^250[- ][A-Z]/d; /^250-/d'; }
ours=$(sd_chat 2525 <<<"$script" | norm)
theirs=$(sd_chat 2526 <<<"$script" | norm)
tap_is "$ours" "$theirs" "an alias loop: the same replies as Postfix"
grep -q '^451 4.6.0 Alias expansion error$' <<<"$ours"
tap_ok $? "an alias loop: 451 4.6.0 Alias expansion error"
grep -q 'warning: [0-9A-Z]*: unreasonable virtual_alias_maps map nesting for loop1@example.test -- message not accepted, try again later' "$SD_LOG"
tap_ok $? "an alias loop: the warning Postfix logs"

# hopcount_limit = 5: five Received headers are refused.
hops=$(for i in 1 2 3 4 5; do printf 'Received: from hop%s\\r\\n' "$i"; done)
script="R
S EHLO c\\r\\nMAIL FROM:<s@example.org>\\r\\nRCPT TO:<x@example.test>\\r\\nDATA\\r\\n
R 4
S ${hops}Subject: loop\\r\\n\\r\\nbody\\r\\n.\\r\\nQUIT\\r\\n
E"
ours=$(sd_chat 2525 <<<"$script" | norm)
theirs=$(sd_chat 2526 <<<"$script" | norm)
tap_is "$ours" "$theirs" "hopcount_limit: the same replies as Postfix"
grep -q '^554 5.4.0 Error: too many hops$' <<<"$ours"
tap_ok $? "hopcount_limit: 554 5.4.0 Error: too many hops"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
