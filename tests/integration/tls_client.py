#!/usr/bin/python3
"""tls_client.py: an SMTP client for the TLS and SASL tests.

    tls_client.py HOST PORT [CERT KEY] < SCRIPT

One step per line of SCRIPT:
    R [N]      read N replies (default 1) and print them, one line each
               as received, without CRLF
    S BYTES    send BYTES (Python escapes: \\r \\n ...; nothing added)
    T [1.2]    start TLS now (after "220 Ready to start TLS", or first
               thing in wrapper mode) and print "TLS <protocol> <cipher>"
               or "TLS failed: <reason>"; "T 1.2" offers nothing above
               TLSv1.2; with CERT and KEY the client presents that
               certificate
    E          read replies until the server closes (or 10 s pass)
The server's certificate is not verified: the tests check what the
server does, not the test CA. A closed connection prints "EOF". With
TL_SOURCE set, the connection comes from that local address.
"""
import codecs
import os
import socket
import ssl
import sys


class Session:
    def __init__(self, host, port, cert):
        source = os.environ.get("TL_SOURCE")
        self.sock = socket.create_connection((host, port), timeout=10,
                                             source_address=(source, 0) if source else None)
        self.cert = cert
        self.buf = b""
        self.closed = False

    def recv(self):
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
        self.buf += data

    def reply(self):
        """Print one reply; False when the connection ended."""
        while True:
            while b"\r\n" not in self.buf:
                if self.closed:
                    print("EOF", flush=True)
                    return False
                self.recv()
            line, self.buf = self.buf.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            print(text, flush=True)
            if len(text) < 4 or text[3] != "-":
                return True

    def starttls(self, max12):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if max12:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if self.cert:
            ctx.load_cert_chain(self.cert[0], self.cert[1])
        try:
            self.sock = ctx.wrap_socket(self.sock)
        except (ssl.SSLError, OSError) as e:
            print("TLS failed: %s" % e.__class__.__name__, flush=True)
            self.closed = True
            return
        print("TLS %s %s" % (self.sock.version(), self.sock.cipher()[0]), flush=True)


def main():
    cert = sys.argv[3:5] if len(sys.argv) >= 5 else None
    s = Session(sys.argv[1], int(sys.argv[2]), cert)
    for raw in sys.stdin:
        step = raw.rstrip("\n")
        if step.startswith("R"):
            n = int(step[1:].strip() or "1")
            for _ in range(n):
                if not s.reply():
                    break
        elif step.startswith("S "):
            data = codecs.escape_decode(step[2:].encode())[0]
            try:
                s.sock.sendall(data)
            except OSError:
                print("EOF", flush=True)
        elif step in ("T", "T 1.2"):
            s.starttls(step == "T 1.2")
        elif step == "E":
            while s.reply():
                pass
    s.sock.close()


main()
