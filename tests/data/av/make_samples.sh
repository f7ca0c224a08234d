#!/usr/bin/env bash
# make_samples.sh OUTDIR: the signature database and the test messages of
# postern-av's tests and benchmark, built at run time (nothing here is a
# test virus until it runs):
#   OUTDIR/db/test.ndb   Postern.Test.EICAR: the EICAR string anywhere
#   OUTDIR/db/test.hdb   Postern.Test.ClamExe: MD5 of clam.exe from the
#                        clamav-testfiles package
#   OUTDIR/msg/NAME.eml  the messages below (LF line ends)
# Needs python3 (Debian's /usr/bin/python3), zip (encrypted archives) and clamav-testfiles.
set -euo pipefail
out=$1
testfiles=/usr/share/clamav-testfiles
mkdir -p "$out/db" "$out/msg" "$out/work"
work=$out/work

# The EICAR string, from two halves.
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$'"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!\$H+H*"
printf '%s' "$eicar" >"$work/eicar.com"

printf 'Postern.Test.EICAR:0:*:%s\n' "$(od -An -v -tx1 "$work/eicar.com" | tr -d ' \n')" \
	>"$out/db/test.ndb"
printf '%s:%s:Postern.Test.ClamExe\n' "$(md5sum <"$testfiles/clam.exe" | cut -d' ' -f1)" \
	"$(stat -c %s "$testfiles/clam.exe")" >"$out/db/test.hdb"

# Archives: EICAR (padded so that deflate really compresses it) in a zip,
# that zip nested 20 deep, a zip of 10,050 files, an encrypted zip, EICAR
# in a zip compressed with LZMA, a RAR archive.
/usr/bin/python3 - "$work" <<'PY'
import io, sys, zipfile
work = sys.argv[1]
eicar = open(f"{work}/eicar.com", "rb").read()
inner = eicar + b"\n" + b" " * 2000 + b"\n"
def zbytes(name, data, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        z.writestr(name, data)
    return b.getvalue()
level = zbytes("eicar.txt", inner)
open(f"{work}/eicar.zip", "wb").write(level)
for i in range(2, 21):
    level = zbytes(f"level{i - 1}.zip", level, zipfile.ZIP_STORED)
open(f"{work}/nested20.zip", "wb").write(level)
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
    for i in range(10050):
        z.writestr(f"dir/file{i:05d}.txt", f"file number {i}\n")
open(f"{work}/many.zip", "wb").write(b.getvalue())
# Compression methods and formats libclamav cannot unpack: LZMA in a zip,
# and RAR (Debian builds libclamav without unrar): a RAR header and junk.
open(f"{work}/lzma.zip", "wb").write(zbytes("eicar.txt", inner, zipfile.ZIP_LZMA))
open(f"{work}/archive.rar", "wb").write(
    b"Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00" + b"x" * 200)
PY
cp "$testfiles/clam.exe" "$work/clam.exe"
(cd "$work" && rm -f encrypted.zip && zip -q -P secret encrypted.zip clam.exe)

# msg NAME SUBJECT [FILE]: a message; with FILE, multipart with FILE as a
# base64 attachment, else a text body read from stdin.
msg() {
	local name=$1 subject=$2 file=${3:-}
	{
		printf 'From: Sender <sender@example.test>\nTo: <rcpt@example.test>\n'
		printf 'Subject: %s\nDate: Mon, 6 Jan 2025 10:00:00 +0000\n' "$subject"
		printf 'Message-ID: <%s@example.test>\nMIME-Version: 1.0\n' "$name"
		if [ -z "$file" ]; then
			printf 'Content-Type: text/plain; charset=us-ascii\n\n'
			cat
		else
			printf 'Content-Type: multipart/mixed; boundary="=-=b=-="\n\n'
			printf -- '--=-=b=-=\nContent-Type: text/plain\n\nSee the attachment.\n\n'
			printf -- '--=-=b=-=\nContent-Type: application/octet-stream; name="%s"\n' \
				"${file##*/}"
			printf 'Content-Disposition: attachment; filename="%s"\n' "${file##*/}"
			printf 'Content-Transfer-Encoding: base64\n\n'
			base64 -w 76 "$file"
			printf -- '--=-=b=-=--\n'
		fi
	} >"$out/msg/$name.eml"
}

msg clean 'A clean message' <<'TXT'
Hello,

nothing to see here.
TXT
printf 'The test string follows:\n%s\nEnd.\n' "$eicar" | msg eicar-plain 'EICAR as text'
msg eicar-b64 'EICAR attached' "$work/eicar.com"
msg eicar-zip 'EICAR in a zip' "$work/eicar.zip"
msg clamexe 'clam.exe attached' "$work/clam.exe"
msg clamzip 'clam.zip attached' "$testfiles/clam.zip"
msg nested20 'EICAR in a zip nested 20 deep' "$work/nested20.zip"
msg many 'A zip of 10050 files' "$work/many.zip"
msg encrypted 'An encrypted zip' "$work/encrypted.zip"
msg lzma 'EICAR in an LZMA zip' "$work/lzma.zip"
msg rar 'A RAR archive' "$work/archive.rar"
rm -rf "$work"
