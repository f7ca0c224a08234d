#!/usr/bin/env bash
# attach_milter.sh: acceptance 2 of postern-attach, driven by
# tests/tools/milter-drive: every evasion of tests/data/attach/corpus is
# refused and every benign twin accepted; in strip mode each banned part
# is replaced by a notice, in a message that Python's email parser reads
# without a defect; exempt senders and recipients pass uninspected; and
# under a real Postfix 3.7 a refusal reaches the SMTP client and an
# unscanned message lands in the hold queue.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"

attach=$top_builddir/milters/attach/postern-attach
drive=$top_builddir/tests/tools/milter-drive
corpus=$top_srcdir/tests/data/attach/corpus
W=$TEST_TMP/attach
mkdir -p "$W/out"
chmod 755 "$TEST_TMP" "$W"

cat >"$W/reject.conf" <<EOF
socket = inet:127.0.0.1:8894
user = nobody
exempt_sender_domains = trusted.test
exempt_recipient_domains = .lab.test
EOF
sed -e 's/8894/8895/' "$W/reject.conf" >"$W/strip.conf"
echo 'strip_banned_parts = yes' >>"$W/strip.conf"
"$attach" -c "$W/reject.conf" check
tap_is $? 0 "postern-attach accepts the configuration"
h_daemon_start reject "$attach" -f -c "$W/reject.conf"
h_daemon_start strip "$attach" -f -c "$W/strip.conf"
h_wait_port 127.0.0.1 8894 || h_bail "postern-attach did not start"
h_wait_port 127.0.0.1 8895 || h_bail "postern-attach (strip) did not start"

# ok_or_show RC NAME TEXT: a check, with TEXT shown when it failed.
ok_or_show() {
	tap_ok "$1" "$2"
	[ "$1" = 0 ] || tap_diag "$3"
}

# --- reject mode: the corpus, in one session ----------------------------------
files=("$corpus"/*.eml)
"$drive" inet:127.0.0.1:8894 "${files[@]}" >"$W/reject.out" 2>&1
n=0
block=()
while IFS= read -r line; do
	if [ "$line" != "--" ]; then
		block+=("$line")
		continue
	fi
	name=$(basename "${files[$n]}" .eml)
	out=$(printf '%s\n' "${block[@]}")
	block=()
	n=$((n + 1))
	case $name in
	blocked-* | encrypted-*)
		[[ $out == *"eom REPLYCODE 550 5.7.1 Message refused: "* ]]
		ok_or_show $? "$name: refused with 5.7.1" "$out"
		;;
	unscanned-*)
		[[ $out == *"quarantine postern-attach: unscanned"* && $out == *"eom ACCEPT"* ]]
		ok_or_show $? "$name: held (quarantine), never passed as clean" "$out"
		;;
	clean-*)
		[[ $out == *"eom ACCEPT"* && $out != *quarantine* && $out != *REPLYCODE* ]]
		ok_or_show $? "$name: the benign twin passes" "$out"
		;;
	esac
done <"$W/reject.out"
tap_ok $((n >= 30 ? 0 : 1)) "the corpus has $n messages"
out=$("$drive" inet:127.0.0.1:8894 "$corpus/blocked-08-double-extension.eml")
[[ $out == *'"invoice.pdf.exe": banned extension .exe'* ]]
tap_ok $? "the reply names the offending file"

# --- exemptions ----------------------------------------------------------------
out=$("$drive" -f boss@trusted.test inet:127.0.0.1:8894 "$corpus/blocked-01-rfc2231-continued.eml")
[[ $out == *"ACCEPT"* && $out != *REPLYCODE* ]]
tap_ok $? "a sender in exempt_sender_domains passes uninspected"
out=$("$drive" -r a@x.lab.test -r b@y.lab.test inet:127.0.0.1:8894 \
	"$corpus/blocked-01-rfc2231-continued.eml")
[[ $out == *"ACCEPT"* && $out != *REPLYCODE* ]]
tap_ok $? "recipients all under exempt_recipient_domains: uninspected"
out=$("$drive" -r a@x.lab.test -r b@example.test inet:127.0.0.1:8894 \
	"$corpus/blocked-01-rfc2231-continued.eml")
[[ $out == *"REPLYCODE 550"* ]]
tap_ok $? "one recipient not exempt: inspected and refused"

# --- strip mode ----------------------------------------------------------------
for f in "$corpus"/blocked-*.eml "$corpus"/encrypted-*.eml; do
	name=$(basename "$f" .eml)
	out=$("$drive" -o "$W/out/$name.eml" inet:127.0.0.1:8895 "$f" 2>&1)
	[[ $out == *"replbody"* && $out == *"eom ACCEPT"* ]]
	ok_or_show $? "$name: stripped and accepted" "$out"
done
# Each one as Python's email parser reads it: no defect, the notice in
# place, a header saying so. One line per file: "NAME ok" or "NAME why".
/usr/bin/python3 - "$W"/out/*.eml >"$W/parsed" <<'PY'
import email, email.policy, os, sys
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    problems = [str(d) for part in msg.walk() for d in part.defects]
    notices = [p for p in msg.walk() if p.get_content_type() == "text/plain"
               and "removed by the mail gateway" in p.get_content()]
    ok = not problems and notices and msg.is_multipart() and msg["X-Postern-Attach"]
    print(os.path.basename(path)[:-4], "ok" if ok else "defects=%s notices=%d" %
          (problems, len(notices)))
PY
while read -r name why; do
	[ "$why" = ok ]
	ok_or_show $? "$name: Python's email parser reads it, the notice in place" "$why"
done <"$W/parsed"
stripped=("$W"/out/*.eml)
passed=$("$drive" inet:127.0.0.1:8894 "${stripped[@]}" | grep -c '^eom ACCEPT$')
tap_is "$passed" "${#stripped[@]}" "every stripped message passes the filter"
out=$("$drive" inet:127.0.0.1:8895 "$corpus/clean-13-exe-in-zip.eml")
[[ $out != *replbody* && $out == *"eom ACCEPT"* ]]
tap_ok $? "strip mode leaves a clean message alone"

# --- under a real Postfix --------------------------------------------------------
h_addr_add 127.0.0.40
mkdir -p "$W/sink" && chown postfix "$W/sink"
h_daemon_start sink smtp-sink -u postfix -d "$W/sink/%H%M%S." 127.0.0.40:2526 20
h_wait_port 127.0.0.40 2526 || h_bail "smtp-sink did not start"
pfx_init mta 127.0.0.1:10025
pfx_conf mta "smtpd_milters = inet:127.0.0.1:8894" "milter_default_action = tempfail" \
	"relayhost = [127.0.0.40]:2526"
pfx_start mta || h_bail "postfix did not start"
reply=$(swaks -s 127.0.0.1:10025 -f sender@example.test -t rcpt@example.test \
	--data "$corpus/blocked-13-exe-in-zip.eml" 2>&1 | grep -E '^<\*\* +5' | head -1)
[[ $reply == *'550 5.7.1 Message refused: banned attachment: "documents.zip/scan/invoice.exe"'* ]]
tap_ok $? "Postfix passes the refusal to the client: $reply"
swaks -s 127.0.0.1:10025 -f sender@example.test -t rcpt@example.test \
	--data "$corpus/unscanned-19-broken-zip.eml" >/dev/null 2>&1
pfx_wait_log mta 'milter-hold' 10
tap_ok $? "an unscanned message goes to Postfix's hold queue"
pfx_stop mta
h_daemon_stop reject
tap_is $? 0 "postern-attach stops cleanly"
tap_done
