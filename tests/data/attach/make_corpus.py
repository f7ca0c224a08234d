#!/usr/bin/env python3
"""make_corpus.py: write the attachment evasion corpus of postern-attach.

usage: make_corpus.py DIR

Each evasion of an attachment filter is a message named blocked-NN-*.eml;
its benign twin, built the same way around a harmless file, is
clean-NN-*.eml. encrypted-*.eml hold an encrypted archive (made with
zip(1) -P), unscanned-*.eml something that cannot be inspected. The
corpus in tests/data/attach/corpus was written by this script; run it
again after changing it.
"""
import base64
import io
import os
import subprocess
import sys
import tempfile
import zipfile

HEAD = ("From: sender@example.test\r\nTo: rcpt@example.test\r\n"
        "Subject: {subject}\r\nDate: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <{name}@attach.example.test>\r\nMIME-Version: 1.0\r\n")

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def b64(data):
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return out.getvalue()


def encrypted_zip(name, data):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        subprocess.run(["zip", "-q", "-P", "secret", "-j", os.path.join(d, "x.zip"),
                        os.path.join(d, name)], check=True)
        with open(os.path.join(d, "x.zip"), "rb") as f:
            return f.read()


def multipart(name, subject, part_headers, data, extra=""):
    """A message with a text part and one attachment."""
    return (HEAD.format(name=name, subject=subject) +
            'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
            "--outer\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
            "--outer\r\n" + part_headers + "Content-Transfer-Encoding: base64\r\n\r\n" +
            b64(data) + "\r\n" + extra + "--outer--\r\n")


def disp(filename_params):
    return ("Content-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment;" + filename_params + "\r\n")


def cases():
    """(number, description, evasion headers and data, twin headers and data)."""
    return [
        ("01", "rfc2231-continued",
         (disp('\r\n filename*0="inv"; filename*1="oice.e"; filename*2="xe"'), EXE),
         (disp('\r\n filename*0="inv"; filename*1="oice.p"; filename*2="df"'), PDF)),
        ("02", "rfc2231-charset",
         (disp("\r\n filename*=utf-8''%E2%82%AC%20rechnung.exe"), EXE),
         (disp("\r\n filename*=utf-8''%E2%82%AC%20rechnung.pdf"), PDF)),
        ("03", "rfc2231-charset-continued",
         (disp("\r\n filename*0*=iso-8859-1''r%E9sum%E9; filename*1*=%2E%73%63%72"), EXE),
         (disp("\r\n filename*0*=iso-8859-1''r%E9sum%E9; filename*1*=%2E%70%64%66"), PDF)),
        ("04", "rfc2047-name",
         (disp(' filename="=?utf-8?B?' + base64.b64encode("übung.exe".encode()).decode() +
               '?="'), EXE),
         (disp(' filename="=?utf-8?B?' + base64.b64encode("übung.pdf".encode()).decode() +
               '?="'), PDF)),
        ("05", "rfc2047-q-split",
         (disp(' filename="=?iso-8859-1?Q?setup=2E?= =?iso-8859-1?Q?bat?="'), EXE),
         (disp(' filename="=?iso-8859-1?Q?setup=2E?= =?iso-8859-1?Q?txt?="'), PDF)),
        ("06", "uppercase-extension",
         (disp(' filename="INVOICE.EXE"'), EXE),
         (disp(' filename="INVOICE.PDF"'), PDF)),
        ("07", "trailing-dots-and-spaces",
         (disp(' filename="invoice.exe. . "'), EXE),
         (disp(' filename="invoice.pdf. . "'), PDF)),
        ("08", "double-extension",
         (disp(' filename="invoice.pdf.exe"'), EXE),
         (disp(' filename="invoice.exe.pdf"'), PDF)),
        ("09", "name-only-in-content-type",
         ('Content-Type: application/octet-stream; name="payload.scr"\r\n', EXE),
         ('Content-Type: application/octet-stream; name="payload.png"\r\n', PDF)),
        ("10", "names-disagree",
         ('Content-Type: application/octet-stream; name="harmless.txt"\r\n'
          'Content-Disposition: attachment; filename="real.js"\r\n', EXE),
         ('Content-Type: application/octet-stream; name="harmless.txt"\r\n'
          'Content-Disposition: attachment; filename="real.txt"\r\n', PDF)),
        ("11", "path-in-name",
         (disp(' filename="C:\\\\Users\\\\x\\\\run.cmd"'), EXE),
         (disp(' filename="C:\\\\Users\\\\x\\\\run.txt"'), PDF)),
        ("12", "type-only",
         ("Content-Type: application/x-msdownload\r\n", EXE),
         ("Content-Type: application/pdf\r\n", PDF)),
        ("13", "exe-in-zip",
         (disp(' filename="documents.zip"'), zip_of([("scan/invoice.exe", EXE)])),
         (disp(' filename="documents.zip"'), zip_of([("scan/invoice.pdf", PDF)]))),
        ("14", "zip-in-zip",
         (disp(' filename="outer.zip"'),
          zip_of([("inner.zip", zip_of([("tool.vbs", b"WScript.Echo 1\r\n")]))])),
         (disp(' filename="outer.zip"'),
          zip_of([("inner.zip", zip_of([("notes.txt", b"notes\r\n")]))]))),
        ("15", "zip-renamed",
         (disp(' filename="photo.jpg"'), zip_of([("photo.jpg.exe", EXE)])),
         (disp(' filename="photo.jpg"'), zip_of([("photo.jpg", b"\xff\xd8\xff\xe0")]))),
    ]


def attached_message(name, subject, inner_filename):
    inner = ("From: other@example.test\r\nSubject: forwarded\r\nMIME-Version: 1.0\r\n"
             'Content-Type: multipart/mixed; boundary="inner"\r\n\r\n'
             "--inner\r\nContent-Type: text/plain\r\n\r\nInner text.\r\n"
             "--inner\r\n" + disp(' filename="%s"' % inner_filename) +
             "Content-Transfer-Encoding: base64\r\n\r\n" + b64(EXE) + "\r\n--inner--\r\n")
    return (HEAD.format(name=name, subject=subject) +
            'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
            "--outer\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
            "--outer\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--outer--\r\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {}
    for num, desc, (h_bad, d_bad), (h_ok, d_ok) in cases():
        files["blocked-%s-%s" % (num, desc)] = multipart(
            "blocked-%s" % num, desc, h_bad, d_bad)
        files["clean-%s-%s" % (num, desc)] = multipart("clean-%s" % num, desc, h_ok, d_ok)
    files["blocked-16-attached-message"] = attached_message(
        "blocked-16", "attached message", "update.exe")
    files["clean-16-attached-message"] = attached_message(
        "clean-16", "attached message", "update.dat")
    files["encrypted-17-zip"] = multipart(
        "encrypted-17", "encrypted zip", disp(' filename="secret.zip"'),
        encrypted_zip("report.pdf", PDF))
    files["blocked-18-encrypted-zip-banned-name"] = multipart(
        "blocked-18", "encrypted zip, banned name", disp(' filename="secret.zip"'),
        encrypted_zip("report.exe", EXE))
    files["unscanned-19-broken-zip"] = multipart(
        "unscanned-19", "broken zip", disp(' filename="broken.zip"'),
        b"PK\x03\x04" + b"\x00" * 40)
    for name, text in files.items():
        with open(os.path.join(out, name + ".eml"), "w", newline="") as f:
            f.write(text)


main()
