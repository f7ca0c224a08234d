#!/usr/bin/python3
"""smtp_send.py: send test messages over SMTP and print what the server said.

usage: smtp_send.py [-s SRCADDR] [-f SENDER] [-r RCPT] [-n COUNT -j JOBS] HOST:PORT FILE...

Default: each FILE in its own SMTP session; one line per file:
    FILE CODE TEXT
(CODE 250 when accepted; the final reply to DATA or the refusal of an
earlier command otherwise; "000 error" when the connection failed).

With -n COUNT and -j JOBS: COUNT messages (the files in turn) over JOBS
parallel sessions, each carrying COUNT/JOBS messages; every message gets
a header "X-Seq: N" on top. Prints one line per reply code, "CODE N",
sorted.
"""
import argparse
import smtplib
import sys
import threading
from collections import Counter


def send_one(conn, sender, rcpt, data):
    try:
        conn.sendmail(sender, [rcpt], data)
        return "250", "ok"
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
        code, text = e.smtp_code, e.smtp_error
    except (smtplib.SMTPException, OSError) as e:
        return "000", str(e)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(code), " ".join(text.split())


def connect(host, port, src):
    conn = smtplib.SMTP(host, port, timeout=60,
                        source_address=(src, 0) if src else None)
    conn.ehlo("client.example.test")
    return conn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-s", dest="src")
    p.add_argument("-f", dest="sender", default="sender@example.test")
    p.add_argument("-r", dest="rcpt", default="rcpt@example.test")
    p.add_argument("-n", dest="count", type=int, default=0)
    p.add_argument("-j", dest="jobs", type=int, default=1)
    p.add_argument("server")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    host, port = a.server.rsplit(":", 1)
    texts = [open(f, "rb").read() for f in a.files]

    if a.count == 0:
        for name, data in zip(a.files, texts):
            try:
                conn = connect(host, int(port), a.src)
                code, text = send_one(conn, a.sender, a.rcpt, data)
                conn.quit()
            except (smtplib.SMTPException, OSError) as e:
                code, text = "000", str(e)
            print(name, code, text, flush=True)
        return 0

    codes = Counter()
    lock = threading.Lock()

    def job(j):
        conn = None
        for n in range(j, a.count, a.jobs):
            data = texts[n % len(texts)]
            data = b"X-Seq: %d\r\n" % n + data
            try:
                if conn is None:
                    conn = connect(host, int(port), a.src)
                code, _ = send_one(conn, a.sender, a.rcpt, data)
            except (smtplib.SMTPException, OSError):
                code, conn = "000", None
            with lock:
                codes[code] += 1
        if conn is not None:
            conn.quit()

    threads = [threading.Thread(target=job, args=(j,)) for j in range(a.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for code in sorted(codes):
        print(code, codes[code])
    return 0


sys.exit(main())
