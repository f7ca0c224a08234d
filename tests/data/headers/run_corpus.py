#!/usr/bin/env python3
"""run_corpus.py: what a Postfix instance does with each message of a corpus.

usage: run_corpus.py SERVER POSTFIX_CONFIG_DIR MAILLOG SINK_DIR OUT_DIR FILE...

Sends every FILE (LF or CRLF line ends) to SERVER (host:port) in its own
SMTP transaction (sender@example.test to rcpt@example.test), waits until
the instance has finished with every accepted message (delivered to the
smtp-sink that dumps into SINK_DIR, put on hold, or discarded), and prints
one line per message, tab-separated:

    NAME  REPLY  FATE  RECIPIENTS  DIGEST

REPLY is the reply to the end of DATA ("250" when accepted, else the code,
enhanced status code and text); FATE is delivered, held, discarded or "-";
RECIPIENTS the sorted addresses it was delivered to ("-" if none); DIGEST a
digest of the delivered content without trace headers (Received and the
sink's X-Client-*, X-Helo-Args, X-Mail-Args, X-Rcpt-Args), which is also
written to OUT_DIR/NAME.eml so that differences can be shown.
"""
import hashlib
import json
import os
import re
import smtplib
import subprocess
import sys
import time

TRACE = re.compile(rb"^(Received|X-Client-Addr|X-Client-Proto|X-Helo-Args|X-Mail-Args|"
                   rb"X-Rcpt-Args):", re.I)


def send(server, data):
    host, port = server.rsplit(":", 1)
    with smtplib.SMTP(host, int(port), timeout=30) as s:
        s.ehlo("client.example.test")
        s.mail("sender@example.test")
        code, msg = s.rcpt("rcpt@example.test")
        if code != 250:
            return "%d %s" % (code, msg.decode()), None
        code, msg = s.data(data)
        text = msg.decode().replace("\n", " ")
        if code == 250:
            m = re.search(r"queued as (\w+)", text)
            return "250", m.group(1) if m else None
        return "%d %s" % (code, text), None


def held(config):
    out = subprocess.run(["postqueue", "-c", config, "-j"], capture_output=True, text=True)
    queued = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    return {q["queue_id"] for q in queued if q["queue_name"] == "hold"}, \
        [q for q in queued if q["queue_name"] != "hold"]


def unfold_headers(raw):
    """Split raw into (headers as a list of byte lines with continuations, body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields, body


def normalize(raw):
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    fields, body = unfold_headers(raw)
    kept = [f for f in fields if not TRACE.match(f)]
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def message_id(raw):
    m = re.search(rb"^Message-ID:\s*<([^>]*)>", raw, re.I | re.M)
    return m.group(1).decode() if m else None


def main():
    server, config, maillog, sink, outdir = sys.argv[1:6]
    files = sys.argv[6:]
    results = {}
    start = time.time()
    for path in files:
        name = os.path.basename(path).rsplit(".", 1)[0]
        with open(path, "rb") as f:
            data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        reply, qid = send(server, data)
        results[name] = {"reply": reply, "qid": qid, "mid": message_id(data)}

    # Wait until nothing is left but held mail, and every accepted message
    # was logged as removed or discarded, or is held.
    print("run_corpus: sent %d messages in %.1f s" % (len(files), time.time() - start),
          file=sys.stderr)
    accepted = {r["qid"] for r in results.values() if r["qid"]}
    deadline = time.time() + 60
    while True:
        hold, active = held(config)
        with open(maillog, errors="replace") as f:
            log = f.read()
        removed = set(re.findall(r"\b(\w+): (?:removed\b|(?:milter-)?discard: )", log))
        if not active and accepted <= (removed | hold):
            break
        if time.time() > deadline:
            sys.exit("run_corpus: the instance did not finish: %s" % (accepted - removed - hold))
        time.sleep(0.2)

    dumps = {}
    for entry in sorted(os.listdir(sink)):
        with open(os.path.join(sink, entry), "rb") as f:
            raw = f.read()
        dumps.setdefault(message_id(raw), []).append(normalize(raw))

    for name in sorted(results):
        r = results[name]
        fate, rcpts, digest = "-", [], "-"
        if r["qid"]:
            rcpts = sorted(set(re.findall(r"\b%s: to=<([^>]*)>.*status=sent" % r["qid"], log)))
            if r["qid"] in hold:
                fate = "held"
            elif rcpts:
                fate = "delivered"
            else:
                fate = "discarded"
        contents = dumps.get(r["mid"], [])
        if fate == "delivered" and contents:
            with open(os.path.join(outdir, name + ".eml"), "wb") as f:
                f.write(contents[0])
            digest = hashlib.sha256(contents[0]).hexdigest()[:16]
            if any(c != contents[0] for c in contents):
                digest += "+differing-copies"
        print("\t".join([name, r["reply"], fate, ",".join(rcpts) or "-", digest]))


main()
