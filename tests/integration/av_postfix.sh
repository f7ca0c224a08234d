#!/usr/bin/env bash
# av_postfix.sh: postern-av under a real Postfix 3.7 (smtpd_milters and
# non_smtpd_milters), with a signature database built at run time
# (tests/data/av/make_samples.sh): EICAR as text, as a base64 attachment
# and in a zip is rejected naming the signature, as is clam.exe from
# clamav-testfiles (a hash signature) alone and in clam.zip; clean mail
# is relayed with X-Virus-Scanned and X-Virus-Status; EICAR in a zip
# nested 20 deep, a zip of 10,050 files, an encrypted zip, EICAR in an LZMA
# zip and a RAR archive (libclamav cannot unpack either) are held
# (quarantine, the "unscanned" default), never relayed as clean; forged
# status headers are removed; the skip lists; other actions; a scan that
# libclamav cannot do is a tempfail, not clean; and a
# database change (inotify and SIGHUP) while 500 messages flow loses and
# refuses none of them.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
h_dns_start # Postfix looks client names up: answer at once

av=$top_builddir/milters/av/postern-av
send="$top_srcdir/tests/data/av/smtp_send.py"
A=$TEST_TMP/av
"$top_srcdir/tests/data/av/make_samples.sh" "$A" || h_bail "cannot build the samples"
M=$A/msg

# The sink keeps what Postfix relays; Postfix calls postern-av.
mkdir -p "$TEST_TMP/sink" && chown postfix "$TEST_TMP/sink"
h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 100
h_wait_port 127.0.0.11 2526 || h_bail "smtp-sink did not start"
pfx_init mta 127.0.0.10:25
pfx_conf mta 'relay_domains = example.test' \
	'transport_maps = inline:{ { example.test = smtp:[127.0.0.11]:2526 } }' \
	'smtpd_milters = inet:127.0.0.1:8893' 'non_smtpd_milters = $smtpd_milters' \
	'milter_default_action = tempfail'
pfx_start mta || h_bail "postfix did not start"
PD=$PFX_DIR

# postern-av runs as nobody: it reads the database, spools in its own
# directory.
mkdir -p "$A/spool" && chown nobody "$A/spool"
chmod 755 "$A" "$A/db" "$M"
printf '127.0.0.30 OK\n' >"$A/skip.cidr"
printf 'trusted@example.test OK\nuntrusted@example.test DUNNO\n' >"$A/skip_senders"
cat >"$A/av.conf" <<EOF
socket = inet:127.0.0.1:8893
user = nobody
temp_directory = $A/spool
scan_temp_directory = $A/spool
database_directory = $A/db
database_reload_delay = 0
skip_clients = cidr:$A/skip.cidr
skip_senders = hash:$A/skip_senders
EOF
start_av() { # NAME [ARGS...]
	local name=$1
	shift
	h_daemon_start "$name" "$av" -f -c "$A/av.conf" "$@"
	h_wait_grep 'starting:' "$TEST_TMP/$name.log" 10 || h_bail "postern-av did not start"
}
start_av av

sink_count() { find "$TEST_TMP/sink" -type f | wc -l; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }
# sink_file TEXT: the relayed message containing TEXT.
sink_file() { grep -rlF -- "$1" "$TEST_TMP/sink" | head -n 1 | grep .; }
# sent FILE [ARGS...]: "CODE TEXT" of one message over SMTP.
sent() {
	local f=$1
	shift
	"$send" "$@" 127.0.0.10:25 "$f" | cut -d' ' -f2-
}
field() { grep -m1 -i "^$1:" "$2" | sed 's/^[^:]*: *//' | tr -d '\r'; }

# --- viruses are rejected, naming the signature ----------------------------------
for case in eicar-plain:EICAR eicar-b64:EICAR eicar-zip:EICAR clamexe:ClamExe clamzip:ClamExe; do
	name=${case%%:*} sig=Postern.Test.${case#*:}.UNOFFICIAL
	tap_is "$(sent "$M/$name.eml")" "550 5.7.1 Virus found: $sig" "$name is rejected with $sig"
done
tap_is "$(grep -c 'outcome=virus action=reject virus="Postern.Test' "$TEST_TMP/av.log")" 5 \
	"each has one verdict line"
grep -q 'warning:' "$PD/maillog" && tap_diag "$(grep 'warning:' "$PD/maillog")"

# --- clean mail is relayed with the headers -------------------------------------
tap_is "$(sent "$M/clean.eml")" "250 ok" "clean mail is accepted"
h_wait_until 10 sink_has 1
f=$(sink_file 'Subject: A clean message')
tap_ok $([ -n "$f" ] && echo 0 || echo 1) "... and relayed"
tap_is "$(field X-Virus-Status "$f")" "Clean" "X-Virus-Status: Clean"
tap_ok $([[ $(field X-Virus-Scanned "$f") == "postern-av "*"(libclamav "*")"* ]] && echo 0 || echo 1) \
	"X-Virus-Scanned names postern-av and libclamav"
qid=$(grep -o '[0-9A-F]*: outcome=clean' "$TEST_TMP/av.log" | head -n 1 | cut -d: -f1)
tap_ok $(grep -q "$qid: .*status=sent" "$PD/maillog" && echo 0 || echo 1) \
	"the verdict line carries Postfix's queue id ($qid)"

# Status fields the message brings along are replaced by ours.
sed 's/^Subject: .*/Subject: forged status\nX-Virus-Status: Clean\nX-Virus-Scanned: by a friend/' \
	"$M/eicar-plain.eml" >"$A/forged-virus.eml"
sed 's/^Subject: .*/Subject: forged infected\nX-Virus-Status: Infected (nothing)/' \
	"$M/clean.eml" >"$A/forged-clean.eml"
tap_is "$(sent "$A/forged-virus.eml" | cut -c1-3)" "550" "a claimed Clean status does not help a virus"
tap_is "$(sent "$A/forged-clean.eml")" "250 ok" "clean mail with a forged status field"
h_wait_until 10 sink_file 'Subject: forged infected' >/dev/null
f=$(sink_file 'Subject: forged infected')
tap_is "$(grep -ci '^X-Virus-Status:' "$f"):$(field X-Virus-Status "$f")" "1:Clean" \
	"the forged field is gone, ours is the only one"

# --- what libclamav alone calls clean is held, not relayed ---------------------------
before=$(sink_count)
for case in nested20:Heuristics.Limits.Exceeded.MaxRecursion many:Heuristics.Limits.Exceeded.MaxFiles \
	encrypted:Heuristics.Encrypted.Zip lzma:Postern.NotUnpacked.ZIP rar:Postern.NotUnpacked.RAR; do
	name=${case%%:*}
	tap_is "$(sent "$M/$name.eml")" "250 ok" "$name: accepted for the hold queue"
	tap_ok $(h_wait_grep "outcome=unscanned action=quarantine reason=\"${case#*:}\"" \
		"$TEST_TMP/av.log" 10 && echo 0 || echo 1) "$name: unscanned (${case#*:}), not clean"
done
held=0
for qid in $(grep -o '[0-9A-F]*: outcome=unscanned' "$TEST_TMP/av.log" | cut -d: -f1); do
	pfx_wait_log mta "$qid: milter-hold: END-OF-MESSAGE.*milter triggers HOLD action" 10 &&
		held=$((held + 1))
done
tap_is "$held" 5 "Postfix puts the five on hold (same queue ids as the verdicts)"
tap_is "$(postqueue -c "$PD/etc" -j | grep -c '"queue_name": *"hold"')" 5 \
	"postqueue lists five held messages"
sleep 1
tap_is "$(sink_count)" "$before" "none of them was relayed"

# --- non_smtpd_milters: mail from the sendmail command ------------------------------
sendmail -C "$PD/etc" -f sender@example.test rcpt@example.test <"$M/eicar-b64.eml"
pfx_wait_log mta 'milter-reject: END-OF-MESSAGE from local.*Virus found: Postern.Test.EICAR' 15
tap_ok $? "EICAR through sendmail (non_smtpd_milters) is refused"
sed 's/^Subject: .*/Subject: local clean/' "$M/clean.eml" |
	sendmail -C "$PD/etc" -f sender@example.test rcpt@example.test
h_wait_until 15 sink_file 'Subject: local clean' >/dev/null
tap_is "$(field X-Virus-Status "$(sink_file 'Subject: local clean')")" "Clean" \
	"clean mail through sendmail is relayed and tagged"

# --- skip lists -------------------------------------------------------------------
sed 's/^Subject: .*/Subject: from a skipped client/' "$M/eicar-plain.eml" >"$A/skipclient.eml"
tap_is "$(sent "$A/skipclient.eml" -s 127.0.0.30)" "250 ok" "a client in skip_clients is not scanned"
h_wait_until 10 sink_file 'Subject: from a skipped client' >/dev/null
tap_is "$(grep -ci '^X-Virus-' "$(sink_file 'Subject: from a skipped client')")" 0 \
	"... and gets no X-Virus fields"
tap_ok $(grep -q 'outcome=skipped action=accept client=' "$TEST_TMP/av.log" && echo 0 || echo 1) \
	"the skip is logged"
tap_is "$(sent "$M/eicar-plain.eml" -f trusted@example.test)" "250 ok" \
	"a sender in skip_senders (OK) is not scanned"
tap_ok $(grep -q 'outcome=skipped action=accept sender=trusted@example.test' "$TEST_TMP/av.log" && echo 0 || echo 1) \
	"the sender skip is logged"
tap_is "$(sent "$M/eicar-plain.eml" -f untrusted@example.test | cut -c1-3)" "550" \
	"DUNNO in skip_senders means scan"

# --- other actions ----------------------------------------------------------------
h_daemon_stop av 10
tap_is $? 0 "postern-av stops cleanly"
start_av av2 -o on_unscanned=reject -o on_virus=discard
tap_is "$(sent "$M/encrypted.eml")" \
	"550 5.7.1 Message could not be scanned for viruses: Heuristics.Encrypted.Zip" \
	"on_unscanned = reject"
before=$(sink_count)
tap_is "$(sent "$M/eicar-b64.eml")" "250 ok" "on_virus = discard: accepted"
pfx_wait_log mta 'milter-discard: END-OF-MESSAGE' 10
tap_ok $? "... and discarded by Postfix"
h_daemon_stop av2 10
start_av av3 -o on_unscanned=tempfail -o on_virus=accept
tap_is "$(sent "$M/nested20.eml")" \
	"451 4.7.1 Message could not be scanned for viruses: Heuristics.Limits.Exceeded.MaxRecursion" \
	"on_unscanned = tempfail"
sed 's/^Subject: .*/Subject: virus accepted/' "$M/eicar-b64.eml" >"$A/accepted.eml"
tap_is "$(sent "$A/accepted.eml")" "250 ok" "on_virus = accept"
h_wait_until 10 sink_file 'Subject: virus accepted' >/dev/null
tap_is "$(field X-Virus-Status "$(sink_file 'Subject: virus accepted')")" \
	"Infected (Postern.Test.EICAR.UNOFFICIAL)" "... relayed with X-Virus-Status: Infected (NAME)"
h_daemon_stop av3 10
start_av av4 -o scan_temp_directory=/nonexistent/scantemp
tap_is "$(sent "$M/eicar-plain.eml")" "451 4.3.0 Virus scan failed, try again later" \
	"libclamav cannot create its temporary directory: tempfail (libclamav alone says clean)"
tap_ok $(grep -q 'outcome=scan_error action=tempfail error="Can.t create temporary directory' \
	"$TEST_TMP/av4.log" && echo 0 || echo 1) "the verdict line has libclamav's error"
tap_is "$(sent "$M/clean.eml" | cut -c1-3)" "451" "... for clean mail too (on_scan_error = tempfail)"
h_daemon_stop av4 10

# --- a database change while 500 messages flow ---------------------------------------
start_av flow
before=$(sink_count)
"$send" -n 500 -j 16 127.0.0.10:25 "$M/clean.eml" >"$A/flow.out" &
flow=$!
marker=POSTERN-NEW-SIGNATURE-MARKER
h_wait_until 60 sink_has $((before + 100))
printf 'Postern.Test.Marker:0:*:%s\n' "$(printf '%s' "$marker" | od -An -v -tx1 | tr -d ' \n')" \
	>"$A/db/marker.ndb.tmp"
mv "$A/db/marker.ndb.tmp" "$A/db/marker.ndb"
h_wait_until 60 sink_has $((before + 250))
kill -HUP "$(h_daemon_pid flow)"
h_wait_until 60 sink_has $((before + 400))
printf 'Postern.Test.Other:0:*:%s\n' "$(printf 'ANOTHER-ONE' | od -An -v -tx1 | tr -d ' \n')" \
	>"$A/db/other.ndb"
wait "$flow"
tap_is "$(cat "$A/flow.out")" "250 500" "500 messages during the changes: all 500 accepted"
h_wait_until 30 sink_has $((before + 500))
tap_is "$(($(sink_count) - before))" 500 "... and all 500 relayed"
tap_is "$(grep -l '^X-Seq: ' -r "$TEST_TMP/sink" | xargs grep -l '^X-Virus-Status: Clean' | wc -l)" 500 \
	"each of them scanned"
tap_ok $(grep -q 'signatures reloaded: 3 signatures' "$TEST_TMP/flow.log" && echo 0 || echo 1) \
	"the new database file was picked up during the flow"
tap_ok $(grep -q 'reloaded .*av.conf' "$TEST_TMP/flow.log" && echo 0 || echo 1) \
	"SIGHUP reloaded during the flow"
tap_is "$(grep -cE 'outcome=(scan_error|internal_error)|warning|error:' "$TEST_TMP/flow.log")" 0 \
	"no scan error, no warning"
h_wait_grep 'signatures reloaded: 4 signatures' "$TEST_TMP/flow.log" 10
printf 'Subject: marker\n\n%s\n' "$marker" >"$A/marker.eml"
tap_is "$(sent "$A/marker.eml")" "550 5.7.1 Virus found: Postern.Test.Marker.UNOFFICIAL" \
	"after the swap the new signature is in use"
h_daemon_stop flow 10
tap_is $? 0 "postern-av exits 0 on SIGTERM"
pfx_stop mta
tap_done
