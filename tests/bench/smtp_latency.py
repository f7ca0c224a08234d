#!/usr/bin/python3
"""smtp_latency.py: per-message latency of SMTP servers, one session each.

usage: smtp_latency.py HOST COUNT PORT...

Opens one SMTP session to each PORT and sends COUNT messages of 1 KB over
each, one message at a time, taking the ports in turn (message 1 to every
port, then message 2, ...), so that every port sees the same load on the
machine. A message is MAIL, RCPT, DATA, the content and the final dot,
every reply awaited (no pipelining); its time runs from sending MAIL to
reading the reply to the final dot. The first tenth of the messages warm
up and are not counted. Prints one line per port:
    PORT median=US p90=US mean=US n=N
(microseconds); exits 1 if a server refused a message.
"""
import socket
import statistics
import sys
import time


class Session:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.times = []
        self.reply()
        self.command(b"EHLO latency.example.test\r\n", "250")

    def reply(self):
        while True:
            line = self.reader.readline()
            if not line:
                sys.exit("connection closed")
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode("ascii", "replace").rstrip()

    def command(self, text, expect):
        self.sock.sendall(text)
        r = self.reply()
        if not r.startswith(expect):
            print(f"refused: {text[:40]!r} -> {r}", file=sys.stderr)
            sys.exit(1)

    def message(self, content):
        t0 = time.perf_counter_ns()
        self.command(b"MAIL FROM:<bench@example.test>\r\n", "250")
        self.command(b"RCPT TO:<rcpt@example.org>\r\n", "250")
        self.command(b"DATA\r\n", "354")
        self.command(content, "250")
        self.times.append((time.perf_counter_ns() - t0) / 1000)


def main():
    host, count = sys.argv[1], int(sys.argv[2])
    ports = [int(p) for p in sys.argv[3:]]
    sessions = [Session(host, p) for p in ports]
    head = b"Subject: latency\r\nFrom: <bench@example.test>\r\nTo: <rcpt@example.org>\r\n\r\n"
    content = head + b"x" * 70 + b"\r\n"
    content += (b"x" * 70 + b"\r\n") * ((1024 - len(content)) // 72) + b".\r\n"
    for _ in range(count):
        for s in sessions:
            s.message(content)
    for port, s in zip(ports, sessions):
        s.command(b"QUIT\r\n", "221")
        t = sorted(s.times[count // 10:])
        print(f"{port} median={statistics.median(t):.0f} p90={t[len(t) * 9 // 10]:.0f} "
              f"mean={statistics.mean(t):.0f} n={len(t)}")


if __name__ == "__main__":
    main()
