#!/usr/bin/env bash
# av_drive.sh: postern-av without an MTA, driven by tests/tools/milter-drive:
# configuration checks (the sample in conf/ loads), the replies and header
# changes for each verdict, a message spooled to a file, the size bound
# (unscanned), many messages on parallel connections, a SIGHUP with new
# settings, and truncated and damaged milter traffic: the daemon neither
# crashes nor leaks (the sanitizer build makes a leak an exit status) and
# answers correctly afterwards.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"

av=$top_builddir/milters/av/postern-av
drive=$top_builddir/tests/tools/milter-drive
A=$TEST_TMP/av
"$top_srcdir/tests/data/av/make_samples.sh" "$A" || h_bail "cannot build the samples"
M=$A/msg
mkdir -p "$A/spool"
cat >"$A/av.conf" <<EOF
socket = inet:127.0.0.1:8893
user =
temp_directory = $A/spool
scan_temp_directory = $A/spool
database_directory = $A/db
EOF

# --- configuration ----------------------------------------------------------------
"$av" -c "$A/av.conf" check 2>"$A/check.out"
tap_is "$?" 0 "check loads the configuration and the signatures"
out=$("$av" -c "$A/av.conf" -o database_directory="$A/nothing" check 2>&1)
tap_is "$?" 1 "check fails when the database directory does not exist"
tap_ok $([[ $out == *"$A/nothing"* ]] && echo 0 || echo 1) "... and names it"
mkdir "$A/empty"
out=$("$av" -c "$A/av.conf" -o database_directory="$A/empty" check 2>&1)
tap_ok $([[ $? == 1 && $out == *"$A/empty: cannot load signatures: no signatures found"* ]] && echo 0 || echo 1) \
	"check fails on a directory without signatures"
out=$("$av" -c "$top_srcdir/conf/postern-av.conf" -o database_directory="$A/db" check 2>&1)
rc=$?
tap_is "$rc" 0 "conf/postern-av.conf loads"
[ "$rc" -eq 0 ] || tap_diag "$out"
"$av" -c "$A/av.conf" -o on_virus=tempfail check 2>/dev/null
tap_is "$?" 1 "on_virus = tempfail is refused (the sender would retry a virus)"
"$av" -c "$A/av.conf" -o on_scan_error=reject check 2>/dev/null
tap_is "$?" 1 "on_scan_error takes only accept or tempfail"
tap_is "$("$av" -c "$A/av.conf" config on_virus on_unscanned on_scan_error)" \
	"on_virus = reject
on_unscanned = quarantine
on_scan_error = tempfail" "the default actions"

# --- replies ----------------------------------------------------------------------
start_av() { # NAME [ARGS...]
	local name=$1
	shift
	h_daemon_start "$name" "$av" -f -c "$A/av.conf" "$@"
	h_wait_grep 'starting:' "$TEST_TMP/$name.log" 10 || h_bail "postern-av did not start"
}
S=inet:127.0.0.1:8893
start_av av -o spool_threshold=2000
scanned="X-Virus-Scanned: postern-av $("$av" -V | awk 'NR == 1 { print $2 }') (libclamav $(
	"$av" -V | awk '$1 == "libclamav" { print $2 }')) on $(hostname)"
tap_is "$("$drive" -i Q1 $S "$M/clean.eml")" "addheader $scanned
addheader X-Virus-Status: Clean
eom ACCEPT
--" "clean: the two fields, accept"
tap_is "$("$drive" $S "$M/eicar-b64.eml" | grep -v addheader)" \
	"eom REPLYCODE 550 5.7.1 Virus found: Postern.Test.EICAR.UNOFFICIAL
--" "EICAR: 550 naming the signature"
out=$("$drive" $S "$M/encrypted.eml" | grep -v addheader)
re='^quarantine postern-av: unscanned reason="Heuristics.Encrypted.Zip" size=[0-9]+ ms=[0-9]+
eom ACCEPT
--$'
tap_ok $([[ $out =~ $re ]] && echo 0 || echo 1) "an encrypted zip: quarantine with the reason"
h_wait_grep 'Q1: outcome=clean action=accept size=[0-9]+ ms=[0-9]+$' "$TEST_TMP/av.log" 5
tap_ok $? "the verdict line starts with the queue id"

# A large message goes to a spool file: the scan reads it from there.
{
	sed '/^--=-=b=-=--$/d' "$M/eicar-b64.eml"
	printf -- '--=-=b=-=\nContent-Type: text/plain\n\n'
	for i in $(seq 300); do echo "line $i of text that makes the message larger than the threshold"; done
	printf -- '--=-=b=-=--\n'
} >"$A/big.eml"
tap_is "$("$drive" $S "$A/big.eml" | grep REPLYCODE)" \
	"eom REPLYCODE 550 5.7.1 Virus found: Postern.Test.EICAR.UNOFFICIAL" \
	"a message past spool_threshold is scanned from its file"
tap_is "$(find "$A/spool" -mindepth 1 | wc -l)" 0 "the spool and scan directory is left empty"

# Many messages on parallel connections.
out=$("$drive" -n 200 -j 8 -s 10 $S "$M/clean.eml" "$M/eicar-plain.eml" "$M/eicar-zip.eml" \
	"$M/clamexe.eml")
tap_ok $([[ $out == *" ACCEPT=50"* && $out == *" REPLYCODE=150"* ]] && echo 0 || echo 1) \
	"200 messages over 8 connections: 50 accepted, 150 rejected ($out)"
h_daemon_stop av 10
tap_is $? 0 "postern-av exits 0"

# The size bound: a message over message_size_limit is not scanned, so it is
# unscanned, not clean.
start_av small -o message_size_limit=10000 -o on_unscanned=reject
tap_is "$("$drive" -i Q2 $S "$M/many.eml" | grep REPLYCODE)" \
	"eom REPLYCODE 550 5.7.1 Message could not be scanned for viruses" \
	"over message_size_limit: the unscanned action"
h_wait_grep 'Q2: outcome=unscanned action=reject size=[0-9]+ limit=10000$' "$TEST_TMP/small.log" 5
tap_ok $? "the verdict line says the size and the limit"

# SIGHUP: new settings, and the signatures loaded again.
sed -i 's/^user =$/user =\non_virus = discard/' "$A/av.conf"
kill -HUP "$(h_daemon_pid small)"
h_wait_grep 'reloaded .*av.conf' "$TEST_TMP/small.log" 10
tap_ok $? "SIGHUP reloads"
tap_is "$(grep -c 'signatures: 2 from' "$TEST_TMP/small.log")" 2 "... the signatures too"
tap_is "$("$drive" $S "$M/eicar-plain.eml" | tail -n 2 | head -n 1)" "eom DISCARD" \
	"the new on_virus applies to new connections"
h_daemon_stop small 10
sed -i '/^on_virus = discard$/d' "$A/av.conf"

# --- in the background: the watcher runs in the daemon, not in the parent
# that started it -------------------------------------------------------------
cp -r "$A/db" "$A/db2"
sed -e 's/^socket = .*/socket = inet:127.0.0.1:8896/' -e "s|^database_directory = .*|database_directory = $A/db2|" \
	"$A/av.conf" >"$A/bg.conf"
printf 'pid_file = %s\ndatabase_reload_delay = 0\n' "$A/bg.pid" >>"$A/bg.conf"
"$av" -c "$A/bg.conf"
tap_is $? 0 "postern-av starts in the background"
tap_on_exit "kill \$(cat '$A/bg.pid')"
printf 'Subject: marker\n\nPOSTERN-BACKGROUND-MARKER\n' >"$A/marker.eml"
tap_is "$("$drive" inet:127.0.0.1:8896 "$A/marker.eml" | tail -n 2 | head -n 1)" "eom ACCEPT" \
	"the marker is clean at first"
printf 'Postern.Test.Background:0:*:%s\n' "$(printf POSTERN-BACKGROUND-MARKER | od -An -v -tx1 |
	tr -d ' \n')" >"$A/db2/marker.ndb"
marker_rejected() { "$drive" inet:127.0.0.1:8896 "$A/marker.eml" | grep -q 'Postern.Test.Background'; }
h_wait_until 10 marker_rejected
tap_ok $? "a new database file is picked up by the background daemon"
kill "$(cat "$A/bg.pid")"
h_wait_until 10 eval '! test -e "$A/bg.pid"'
tap_ok $? "SIGTERM stops it (the pid file goes)"

# --- malformed traffic ------------------------------------------------------------------
start_av rough
out=$("$drive" -T 7 $S "$M/eicar-b64.eml")
tap_ok $([[ $out == sessions=* ]] && echo 0 || echo 1) "a session cut at every 7th byte ($out)"
out=$("$drive" -G 300 $S "$M/eicar-zip.eml")
tap_is "$out" "sessions=300" "300 sessions with random damage"
out=$("$drive" -G 100 $S "$M/clean.eml")
tap_is "$out" "sessions=100" "100 more on a clean message"
tap_ok $(h_pid_alive "$(h_daemon_pid rough)" && echo 0 || echo 1) "postern-av is still running"
tap_is "$("$drive" $S "$M/eicar-zip.eml" | grep REPLYCODE)" \
	"eom REPLYCODE 550 5.7.1 Virus found: Postern.Test.EICAR.UNOFFICIAL" \
	"and still finds the virus"
h_daemon_stop rough 30
tap_is $? 0 "it exits 0 (no leak under the sanitizers)"
tap_is "$(grep -cE 'panic|ERROR: AddressSanitizer|runtime error' "$TEST_TMP/rough.log")" 0 \
	"no panic, no sanitizer report"
tap_done
