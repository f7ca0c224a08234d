#!/usr/bin/python3
"""check_session.py: one SMTP session from a chosen source address, for the
restriction tests (tests/integration/check_*.sh).

    check_session.py [-s SOURCE] [-p] HOST PORT COMMAND...

Connects from SOURCE (an address on this host), reads the greeting, sends
each COMMAND and prints "COMMAND: REPLY" with the last line of its reply
(a 250 to MAIL or RCPT is printed as "accepted", a 2xx to HELO/EHLO too).
After a refused MAIL no RCPT is sent, as a client would. With -p every
command is sent at once, before the greeting is read (illegal pipelining),
and the replies are then read in order. QUIT ends the session.
"""
import socket
import sys


def main():
    args = sys.argv[1:]
    source, pipelined = None, False
    while args and args[0].startswith("-"):
        if args[0] == "-s":
            source, args = args[1], args[2:]
        elif args[0] == "-p":
            pipelined, args = True, args[1:]
        else:
            sys.exit("usage: check_session.py [-s SOURCE] [-p] HOST PORT COMMAND...")
    host, port, commands = args[0], int(args[1]), args[2:]
    sock = socket.create_connection((host, port), timeout=10,
                                    source_address=(source, 0) if source else None)
    stream = sock.makefile("rb")

    def reply():
        while True:
            line = stream.readline()
            if not line:
                return "(connection closed)"
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if len(text) < 4 or text[3] != "-":
                return text

    def show(command, text):
        verb = command.split(" ", 1)[0].upper()
        if text.startswith("2") and verb in ("EHLO", "HELO", "MAIL", "RCPT"):
            text = "accepted"
        print("%s: %s" % (command, text), flush=True)

    if pipelined:
        sock.sendall(b"".join(c.encode() + b"\r\n" for c in commands + ["QUIT"]))
        reply()
        for c in commands:
            show(c, reply())
        return
    reply()
    mail_refused = False
    for c in commands:
        if c.upper().startswith("RCPT") and mail_refused:
            continue
        sock.sendall(c.encode() + b"\r\n")
        text = reply()
        if c.upper().startswith("MAIL"):
            mail_refused = not text.startswith("2")
        show(c, text)
    sock.sendall(b"QUIT\r\n")
    reply()


main()
