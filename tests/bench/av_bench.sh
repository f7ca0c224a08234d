#!/usr/bin/env bash
# av_bench.sh: messages per second through postern-av (libclamav in
# process) and through clamav-milter with clamd, on the same signature
# database and the same messages, in the same run. Both milters are driven
# by tests/tools/milter-drive the way Postfix drives a milter (connect,
# HELO, MAIL, RCPT, header fields, body, end of message).
#
# usage (as root, from a build directory, after make check has built the
# tools):  top_srcdir=.. top_builddir=. ../tests/bench/av_bench.sh [-n COUNT]
#          [-j JOBS] [-s PER_CONN] [-g SIGNATURES]
#   -n COUNT      messages per measured run (2000)
#   -j JOBS       parallel milter connections (8)
#   -s PER_CONN   messages per connection; 1 = one SMTP session per
#                 message, as Postfix's smtpd_milters see it (1)
#   -g SIGS       random body and hash signatures added to the database
#                 so the matcher has work to do (100000)
# Needs clamav-daemon and clamav-milter (their services stay stopped).
# Prints one line per milter and the ratio.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=1200
COUNT=2000 JOBS=8 PER_CONN=1 SIGS=100000
while getopts n:j:s:g: opt; do
	case $opt in
	n) COUNT=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	s) PER_CONN=$OPTARG ;;
	g) SIGS=$OPTARG ;;
	*) exit 2 ;;
	esac
done
h_netns_enter "$@"

av=$top_builddir/milters/av/postern-av
drive=$top_builddir/tests/tools/milter-drive
for tool in clamd clamav-milter; do
	command -v "$tool" >/dev/null || h_bail "$tool is missing: apt-get install clamav-daemon clamav-milter"
done
[ -x "$av" ] && [ -x "$drive" ] || h_bail "build postern-av and tests/tools/milter-drive first"

B=$TEST_TMP/bench
A=$B/samples
"$top_srcdir/tests/data/av/make_samples.sh" "$A" || h_bail "cannot build the samples"
mkdir -p "$B/tmp" "$B/spool"

# A database with some weight: random body signatures and MD5 hashes.
/usr/bin/python3 - "$A/db" "$SIGS" <<'PY'
import os, random, sys
db, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
with open(f"{db}/bench.ndb", "w") as f:
    for i in range(n // 2):
        f.write(f"Bench.Body.{i}:0:*:{rnd.getrandbits(128):032x}\n")
with open(f"{db}/bench.hdb", "w") as f:
    for i in range(n - n // 2):
        f.write(f"{rnd.getrandbits(128):032x}:{rnd.randint(100, 100000)}:Bench.Hash.{i}\n")
PY

# The message mix: plain text, a 100 KB zip of text files, a PDF-sized
# binary attachment, and two viruses (one in a zip).
/usr/bin/python3 - "$B" <<'PY'
import base64, io, random, sys, zipfile
out = sys.argv[1]
rnd = random.Random(7)
words = "mail gateway virus scan message relay postfix archive report invoice".split()
def text(n):
    return " ".join(rnd.choice(words) for _ in range(n)).encode()
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(10):
        z.writestr(f"report{i}.txt", text(2000))
def msg(name, subject, attach=None, fname=None):
    head = (f"From: <sender@example.test>\nTo: <rcpt@example.test>\nSubject: {subject}\n"
            f"Message-ID: <{name}@example.test>\nMIME-Version: 1.0\n")
    if attach is None:
        body = head + "Content-Type: text/plain\n\n" + text(300).decode() + "\n"
    else:
        enc = base64.encodebytes(attach).decode()
        body = (head + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
                "Content-Type: text/plain\n\n" + text(100).decode() + "\n--b\n"
                f'Content-Type: application/octet-stream; name="{fname}"\n'
                "Content-Transfer-Encoding: base64\n\n" + enc + "--b--\n")
    open(f"{out}/{name}.eml", "w").write(body)
msg("text", "text")
msg("zip", "zip", b.getvalue(), "reports.zip")
msg("binary", "binary", rnd.randbytes(200000), "data.bin")
PY
MIX=("$B/text.eml" "$B/zip.eml" "$B/binary.eml" "$B/text.eml" "$A/msg/eicar-zip.eml"
	"$B/text.eml" "$B/zip.eml" "$A/msg/clamexe.eml")

cat >"$B/clamd.conf" <<EOF
LocalSocket $B/clamd.sock
DatabaseDirectory $A/db
TemporaryDirectory $B/tmp
Foreground yes
LogFile $B/clamd.file.log
MaxThreads $((JOBS + 2))
MaxQueue 200
EOF
cat >"$B/clamav-milter.conf" <<EOF
MilterSocket inet:8894@127.0.0.1
ClamdSocket unix:$B/clamd.sock
Foreground yes
OnInfected Reject
OnFail Defer
AddHeader Replace
LogFile $B/milter.file.log
TemporaryDirectory $B/tmp
MaxFileSize 10M
EOF
cat >"$B/postern-av.conf" <<EOF
socket = inet:127.0.0.1:8893
user =
database_directory = $A/db
temp_directory = $B/spool
scan_temp_directory = $B/tmp
EOF

h_daemon_start clamd clamd -c "$B/clamd.conf"
h_wait_until 120 test -S "$B/clamd.sock" || h_bail "clamd did not start: $(tail -n 3 "$B/clamd.file.log")"
h_daemon_start clamav-milter clamav-milter -c "$B/clamav-milter.conf"
h_wait_port 127.0.0.1 8894 30 || h_bail "clamav-milter did not start"
h_daemon_start postern-av "$av" -f -c "$B/postern-av.conf"
h_wait_port 127.0.0.1 8893 120 || h_bail "postern-av did not start"

# run SPEC COUNT: milter-drive's summary line.
run() { "$drive" -n "$2" -j "$JOBS" -s "$PER_CONN" "$1" "${MIX[@]}"; }
rate() { sed 's/.*rate=\([0-9.]*\).*/\1/' <<<"$1"; }

tap_diag "database: $(grep -o 'signatures: [0-9]*' "$TEST_TMP/postern-av.log" | head -n 1);" \
	"$COUNT messages per run, $JOBS connections, $PER_CONN message(s) per connection"
for spec in inet:127.0.0.1:8893 inet:127.0.0.1:8894; do
	run "$spec" 200 >/dev/null # warm up: caches, threads
done
declare -A out
for round in 1 2; do
	for spec in inet:127.0.0.1:8893 inet:127.0.0.1:8894; do
		line=$(run "$spec" "$COUNT")
		tap_diag "round $round $spec: $line"
		# keep the better of the two rounds
		if [ -z "${out[$spec]:-}" ] ||
			awk -v a="$(rate "$line")" -v b="$(rate "${out[$spec]}")" 'BEGIN { exit !(a > b) }'; then
			out[$spec]=$line
		fi
	done
done
pa=${out[inet:127.0.0.1:8893]} cm=${out[inet:127.0.0.1:8894]}
tap_ok "$([[ $pa == *"REPLYCODE=$((COUNT / 4))"* ]] && echo 0 || echo 1)" \
	"postern-av rejects the viruses of the mix: $pa"
tap_ok "$([[ $cm == *"REPLYCODE=$((COUNT / 4))"* ]] && echo 0 || echo 1)" \
	"clamav-milter + clamd rejects the same: $cm"
ratio=$(awk -v a="$(rate "$pa")" -v b="$(rate "$cm")" 'BEGIN { printf "%.2f", b > 0 ? a / b : 0 }')
echo "postern-av:             $(rate "$pa") messages/s"
echo "clamav-milter + clamd:  $(rate "$cm") messages/s"
echo "ratio:                  $ratio (target >= 1.5)"
tap_ok "$(awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5) }' && echo 0 || echo 1)" \
	"postern-av is at least 1.5 times as fast ($ratio)"
tap_done
