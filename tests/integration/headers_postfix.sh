#!/usr/bin/env bash
# headers_postfix.sh: acceptance 1 of postern-headers. Two real Postfix
# 3.7 instances get the same corpus (tests/data/headers/corpus and a few
# messages made here): "builtin" runs the tables of tests/data/headers as
# its own header_checks and body_checks, "milter" runs them through
# postern-headers as its smtpd_milters. For every message the two must
# agree on the reply to DATA, on what became of the message (delivered,
# held, discarded), on the recipients, and on the delivered content (trace
# headers aside). The tables hold the classic attachment-blocking rule as
# Postfix users write it.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
h_dns_start

data=$top_srcdir/tests/data/headers
milter=$top_builddir/milters/headers/postern-headers
run=$data/run_corpus.py
W=$TEST_TMP/work
mkdir -p "$W/corpus" "$W/sink" "$W/out-builtin" "$W/out-milter"
chown postfix "$W/sink"
chmod 755 "$W" "$W/corpus"
cp "$data/header_checks.pcre" "$data/body_checks.pcre" "$W/"
chmod 644 "$W"/*.pcre

# --- messages made here ------------------------------------------------------
gen_head() { # NAME: the usual header block
	printf 'From: sender@example.test\nTo: rcpt@example.test\nSubject: %s\n' "$1"
	printf 'Date: Mon, 02 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@corpus.example.test>\n' "$1"
}
{ # body_checks_size_limit (51200): a marker after 60 KB of text is not seen
	gen_head 60-late-marker
	printf '\n'
	head -c 60000 /dev/zero | tr '\0' x | fold -w 60
	printf '\n'
	printf 'late marker\n'
} >"$W/corpus/60-late-marker.eml"
{ # a 3000-byte line: the piece after line_length_limit (2048) is matched alone
	gen_head 61-long-line
	printf '\n%s%s\n' "$(head -c 2048 /dev/zero | tr '\0' y)" "buy cheap pieces of a long line"
} >"$W/corpus/61-long-line.eml"
{ # MIME nesting beyond mime_nesting_limit (100): Postfix rejects it
	gen_head 62-deep-nesting
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="n0"\n\n'
	for i in $(seq 0 109); do
		printf -- '--n%d\nContent-Type: multipart/mixed; boundary="n%d"\n\n' "$i" $((i + 1))
	done
	printf -- '--n110\n\ndeep text\n'
} >"$W/corpus/62-deep-nesting.eml"
{ # a Subject over header_size_limit (50000 here, in all three programs,
  # below Postfix's 60000 for mail that milters see): the end is not matched
	gen_head 63-huge-header | sed '/^Subject:/d'
	printf 'Subject: %s viagra\n' "$(head -c 55000 /dev/zero | tr '\0' h)"
	printf 'X-Secret: after the huge one\n\nbody\n'
} >"$W/corpus/63-huge-header.eml"
cp "$data"/corpus/*.eml "$W/corpus/"
corpus=("$W"/corpus/*.eml)
tap_ok $((${#corpus[@]} >= 30 ? 0 : 1)) "the corpus has at least 30 messages (${#corpus[@]})"

# --- the sink, both Postfix instances, the milter ----------------------------
h_addr_add 127.0.0.40
h_daemon_start sink smtp-sink -u postfix -d "$W/sink/%H%M%S." 127.0.0.40:2526 100
h_wait_port 127.0.0.40 2526 || h_bail "smtp-sink did not start"

cat >"$W/postern-headers.conf" <<EOF
socket = inet:127.0.0.1:8893
user = nobody
header_checks = pcre:$W/header_checks.pcre
body_checks = pcre:$W/body_checks.pcre
header_size_limit = 50000
EOF
"$milter" -c "$W/postern-headers.conf" check
tap_is $? 0 "postern-headers accepts the configuration"
h_daemon_start milter "$milter" -f -c "$W/postern-headers.conf"
h_wait_port 127.0.0.1 8893 || h_bail "postern-headers did not start"

pfx_init builtin 127.0.0.1:10025
pfx_conf builtin "header_checks = pcre:$W/header_checks.pcre" \
	"body_checks = pcre:$W/body_checks.pcre" "relayhost = [127.0.0.40]:2526" \
	"header_size_limit = 50000"
pfx_init milter 127.0.0.1:10026
pfx_conf milter "smtpd_milters = inet:127.0.0.1:8893" "milter_default_action = tempfail" \
	"relayhost = [127.0.0.40]:2526" "header_size_limit = 50000"
pfx_start builtin || h_bail "the builtin instance did not start"
pfx_start milter || h_bail "the milter instance did not start"

# --- run the corpus through each, one after the other -------------------------
t0=$(h_now_us)
/usr/bin/python3 "$run" 127.0.0.1:10025 "$TEST_TMP/builtin/etc" "$(pfx_log builtin)" "$W/sink" \
	"$W/out-builtin" "${corpus[@]}" >"$W/builtin.txt" || { rm -rf /tmp/hdebug; cp -r $TEST_TMP /tmp/hdebug; h_bail "the builtin run failed"; }
rm -f "$W"/sink/*
/usr/bin/python3 "$run" 127.0.0.1:10026 "$TEST_TMP/milter/etc" "$(pfx_log milter)" "$W/sink" \
	"$W/out-milter" "${corpus[@]}" >"$W/milter.txt" || h_bail "the milter run failed"
tap_diag "both runs took $((($(h_now_us) - t0) / 1000)) ms"

# Postfix itself must have used its tables, or the comparison proves nothing.
n_refused=$(grep -cv '	250	' "$W/builtin.txt")
n_changed=$(grep -c 'X-Tagged: yes' "$W"/out-builtin/*.eml | grep -vc ':0$')
tap_ok $((n_refused >= 15 && n_changed >= 2 ? 0 : 1)) \
	"Postfix's own checks refused $n_refused messages and tagged $n_changed"
for fate in held discarded; do
	tap_ok $(grep -q "	$fate	" "$W/builtin.txt" && echo 0 || echo 1) "Postfix $fate some"
done

while IFS=$'\t' read -r name reply fate rcpts digest; do
	want="$reply	$fate	$rcpts	$digest"
	got=$(grep "^$name	" "$W/milter.txt" | cut -f2-)
	tap_is "$got" "$want" "$name: postern-headers as Postfix's header_checks/body_checks"
	if [ "$got" != "$want" ] && [ -f "$W/out-builtin/$name.eml" ]; then
		diff -u "$W/out-builtin/$name.eml" "$W/out-milter/$name.eml" 2>&1 | head -20 |
			sed 's/^/# /'
	fi
done <"$W/builtin.txt"

grep -q 'reject: header Content-Type: application/octet-stream; name="invoice.pdf.exe"' \
	"$TEST_TMP/milter.log"
tap_ok $? "postern-headers logs the hit in cleanup's words, with the queue id"
grep -q 'filter: header Subject: filter me .*not supported by postern-headers' \
	"$TEST_TMP/milter.log"
tap_ok $? "FILTER is refused with a log line"
pfx_stop builtin
pfx_stop milter
h_daemon_stop milter
tap_is $? 0 "postern-headers stops cleanly"
tap_done
