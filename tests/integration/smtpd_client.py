#!/usr/bin/python3
"""smtpd_client.py: an SMTP client for tests that sends exact bytes.

    smtpd_client.py HOST PORT < SCRIPT

SCRIPT has one step per line:
    S BYTES     send BYTES (Python escapes: \\r \\n \\x00 ...; nothing added)
    R [N]       read N replies (default 1) and print them
    P SECONDS   pause
    E           read replies until the server closes the connection (or
                10 seconds pass without input) and print them
Each reply line is printed as received, without its CRLF; a connection
closed (or reset) by the server prints "EOF", a read that times out
"TIMEOUT". With SMTPD_CLIENT_SOURCE set in the environment, the
connection comes from that address.
"""
import codecs
import os
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    source = os.environ.get("SMTPD_CLIENT_SOURCE")
    sock = socket.create_connection((host, port), timeout=10,
                                    source_address=(source, 0) if source else None)
    buf = b""
    closed = False

    def read_reply():
        nonlocal buf, closed
        lines = []
        while True:
            while b"\r\n" not in buf:
                if closed:
                    return lines, False
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    print("TIMEOUT", flush=True)
                    return lines, False
                except ConnectionResetError:
                    data = b""
                if not data:
                    closed = True
                    continue
                buf += data
            line, buf = buf.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            print(text, flush=True)
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return lines, True

    for raw in sys.stdin:
        raw = raw.rstrip("\n")
        if not raw or raw.startswith("#"):
            continue
        op, _, arg = raw.partition(" ")
        if op == "S":
            data = codecs.escape_decode(arg.encode("utf-8"))[0]
            try:
                sock.sendall(data)
            except OSError as e:
                print("SENDERROR %s" % e.strerror, flush=True)
        elif op == "R":
            for _ in range(int(arg or "1")):
                if not read_reply()[1]:
                    break
        elif op == "P":
            time.sleep(float(arg))
        elif op == "E":
            while read_reply()[1]:
                pass
        else:
            sys.exit("smtpd_client.py: bad step: " + raw)
    if closed and not buf:
        print("EOF", flush=True)
    sock.close()


main()
