# milter_lib.sh: what the milter client's integration tests share. Source
# after tests/lib/harness.sh, tests/lib/postfix.sh and smtpd_lib.sh.
#   milters SCRIPT          (re)start tests/milters/script-milter for each MTA
#   session [short]         an smtpd_client.py script: a whole message, or
#                           only the envelope
#   queued FILE             the queue id in a reply transcript
#   pf_message ID / sd_message ID   envelope and content of a queued message
#                           from Postfix's and posternd's queue
#   same TEXT A B           a test that files A and B are the same
#   chat_both NAME [WHAT]   the session under Postfix and posternd at once
#   compare NAME SCRIPT [WHAT]  a session under Postfix and posternd
SM=$top_builddir/tests/milters/script-milter

# milters SCRIPT-TEXT: (re)start the script milter for each MTA, on
# 8901 (Postfix) and 8902 (posternd); with the script "down", none.
# libmilter sees SIGTERM only when its accept loop wakes (every 5 s), and
# the script milter has nothing to save (its log is flushed line by line):
# the old ones are killed at once.
milters() {
	printf '%s\n' "$1" >"$TEST_TMP/script"
	h_daemon_stop sm_pf 0 >/dev/null 2>&1
	h_daemon_stop sm_sd 0 >/dev/null 2>&1
	: >"$TEST_TMP/pf.mlog"
	: >"$TEST_TMP/sd.mlog"
	[ "$1" = down ] && return
	h_daemon_start sm_pf "$SM" -p inet:8901@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/pf.mlog"
	h_daemon_start sm_sd "$SM" -p inet:8902@127.0.0.1 -f "$TEST_TMP/script" -l "$TEST_TMP/sd.mlog"
	h_wait_port 127.0.0.1 8901 && h_wait_port 127.0.0.1 8902 || h_bail "script-milter did not start"
}

# The session: two recipients and a message with fields to change; with
# "short", the envelope only (for refusals before DATA).
session() {
	if [ "${1:-}" = short ]; then
		printf '%s\n' R 'S HELO client.example.test\r\n' R 'S MAIL FROM:<alice@example.test>\r\n' \
			R 'S RCPT TO:<bob@example.test>\r\n' R 'S RSET\r\n' R \
			'S MAIL FROM:<alice@example.test>\r\n' R 'S QUIT\r\n' E
		return
	fi
	cat <<'EOF2'
R
S HELO client.example.test\r\n
R
S MAIL FROM:<alice@example.test>\r\n
R
S RCPT TO:<bob@example.test>\r\n
R
S RCPT TO:<carol@example.test>\r\n
R
S DATA\r\n
R
S From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: original\r\nX-Remove: one\r\nX-Remove: two\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m1@example.test>\r\n\r\nfirst body line\r\n..dot line\r\n.\r\n
R
S QUIT\r\n
E
EOF2
}

# (sent as the DATA of a session that was refused earlier, the message's
# lines would become commands)

# queued FILE: the queue id in a reply transcript, or nothing.
queued() { sed -n 's/.*250 2.0.0 Ok: queued as \([0-9A-Z]*\).*/\1/p' "$1"; }

# pf_message ID / sd_message ID: "sender: X", the DSN envelope ID and
# RET ("envid: X", "ret: FULL|HDRS") when set, sorted "recipient: X" lines
# with " notify=N" (RFC 3461 NOTIFY bits, as both MTAs number them) and "
# orcpt=TYPE;ADDR" (decoded) when set (Postfix's own "rfc822;RECIPIENT"
# left out), then the content without Received fields, from each MTA's
# queue.
pf_message() {
	postcat -c "$PFX_DIR/etc" -q "$1" >"$TEST_TMP/postcat" 2>&1
	sed -n 's/^sender: /sender: /p' "$TEST_TMP/postcat"
	sed -n 's/^named_attribute: envelope_id=/envid: /p' "$TEST_TMP/postcat"
	sed -n 's/^named_attribute: ret_flags=1$/ret: FULL/p; s/^named_attribute: ret_flags=2$/ret: HDRS/p' \
		"$TEST_TMP/postcat"
	awk '/^named_attribute: notify_flags=/ { sub(/^[^=]*=/, ""); notify = $0 }
	     /^named_attribute: dsn_orig_rcpt=/ { sub(/^[^=]*=/, ""); orcpt = $0 }
	     /^recipient: / { line = $0
	             if (notify != "") line = line " notify=" notify
	             if (orcpt != "" && orcpt != "rfc822;" $2) line = line " orcpt=" orcpt
	             print line }
	     /^[a-z_]*recipient: / && !/^original_recipient: / { notify = ""; orcpt = "" }' \
		"$TEST_TMP/postcat" | sort
	postcat -c "$PFX_DIR/etc" -bh -q "$1" 2>/dev/null | strip_received
}
sd_message() {
	sd_queue envelope "$1" >"$TEST_TMP/sd.envelope"
	sed -n 's/^sender=/sender: /p; s/^envid=/envid: /p; s/^ret=/ret: /p' "$TEST_TMP/sd.envelope"
	perl -ne 'next unless /^rcpt=(\S+) (\S+) (\d+)$/;
		my ($a, $o, $n) = ($1, $2, $3); $o =~ s/\+([0-9A-F]{2})/chr(hex($1))/ge;
		print "recipient: $a", ($n ? " notify=$n" : ""), ($o ne "-" ? " orcpt=$o" : ""), "\n"' \
		"$TEST_TMP/sd.envelope" | sort
	sd_queue content "$1" | tr -d '\r' | strip_received
}
strip_received() {
	awk '/^$/ { body = 1 } !body && /^Received:/ { skip = 1; next }
	     !body && skip && /^[ \t]/ { next } { skip = 0; print }'
}

# same TEXT A B: a test that files A and B are the same; the diff if not.
same() {
	if diff -u "$2" "$3" >"$2.diff"; then
		tap_ok 0 "$1"
	else
		tap_ok 1 "$1"
		sed 's/^/# /' "$2.diff"
	fi
}

# chat_both NAME [WHAT]: the session (short when WHAT is "short") under
# Postfix (port $PF_PORT, default 10025) and under posternd ($SD_PORT,
# default 2525), both at once: the two MTAs and their filters share
# nothing. The replies go to NAME.pf.raw and NAME.sd.raw, and with the
# queue id masked to NAME.pf and NAME.sd.
chat_both() {
	local name=$1 how=${2:-} pf
	session "${how#no}" | sd_chat "${PF_PORT:-10025}" >"$TEST_TMP/$name.pf.raw" &
	pf=$!
	session "${how#no}" | sd_chat "${SD_PORT:-2525}" >"$TEST_TMP/$name.sd.raw"
	wait "$pf"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.pf.raw" >"$TEST_TMP/$name.pf"
	sed 's/queued as [0-9A-Z]*/queued as ID/' "$TEST_TMP/$name.sd.raw" >"$TEST_TMP/$name.sd"
}

# compare NAME SCRIPT [WHAT]: run the session under both MTAs (ports
# $PF_PORT and $SD_PORT, default 10025 and 2525) with SCRIPT; the replies
# must match and, unless WHAT is "noqueue" or "short" (the short session),
# the queued messages too; their ids are left in PF_ID and SD_ID.
compare() {
	local name=$1 pf_id sd_id
	milters "$2"
	local how=${3:-}
	chat_both "$name" "$how"
	same "$name: the same SMTP replies as Postfix" "$TEST_TMP/$name.pf" "$TEST_TMP/$name.sd"
	[ -n "$how" ] && return
	pf_id=$(queued "$TEST_TMP/$name.pf.raw")
	sd_id=$(queued "$TEST_TMP/$name.sd.raw")
	if [ -z "$pf_id" ] || [ -z "$sd_id" ]; then
		tap_ok 1 "$name: both queued the message (Postfix: '$pf_id', posternd: '$sd_id')"
		return
	fi
	pf_message "$pf_id" >"$TEST_TMP/$name.pf.msg"
	sd_message "$sd_id" >"$TEST_TMP/$name.sd.msg"
	same "$name: the same queued message as Postfix" "$TEST_TMP/$name.pf.msg" \
		"$TEST_TMP/$name.sd.msg"
	PF_ID=$pf_id
	SD_ID=$sd_id
}
