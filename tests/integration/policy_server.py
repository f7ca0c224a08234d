#!/usr/bin/env python3
"""policy_server.py: a scripted Postfix policy server for the tests.

Usage: policy_server.py LISTEN SCRIPT LOG
  LISTEN  inet:HOST:PORT or unix:PATH
  SCRIPT  a file read afresh for every request; each line is
          "NAME=VALUE WHAT" (the first line whose attribute NAME has
          VALUE in the request decides) or "* WHAT" (any request). WHAT:
            action TEXT    reply "action=TEXT"
            hang           never reply (the connection stays open)
            slow SECONDS TEXT   wait, then reply "action=TEXT"
            close          close the connection without a reply
            half           send "action=DU" and close (dies mid-reply)
            garbage        reply a line without "=" (malformed)
            huge           reply an action of 100000 bytes (oversized)
          No matching line: "action=DUNNO".
  LOG     each request is appended as its "name=value" lines, a line
          "# connection N request M" before them and an empty line after;
          a connection the client closes adds "# connection N closed".

Connections are kept open for further requests, as Postfix expects, and
served concurrently (one thread each).
"""
import os
import socket
import sys
import threading
import time

LISTEN, SCRIPT, LOG = sys.argv[1:4]
lock = threading.Lock()
conn_count = [0]


def decide(attrs):
    try:
        with open(SCRIPT) as f:
            lines = [l.rstrip("\n") for l in f]
    except OSError:
        lines = []
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        cond, _, what = line.partition(" ")
        if cond == "*":
            return what
        name, _, value = cond.partition("=")
        if attrs.get(name) == value:
            return what
    return "action DUNNO"


def log(conn_no, req_no, pairs):
    with lock:
        with open(LOG, "a") as f:
            f.write("# connection %d request %d\n" % (conn_no, req_no))
            for name, value in pairs:
                f.write("%s=%s\n" % (name, value))
            f.write("\n")


def serve(sock, conn_no):
    buf = b""
    req_no = 0
    try:
        while True:
            while b"\n\n" not in buf:
                data = sock.recv(65536)
                if not data:
                    with lock:
                        with open(LOG, "a") as f:
                            f.write("# connection %d closed\n" % conn_no)
                    return
                buf += data
            raw, buf = buf.split(b"\n\n", 1)
            pairs = [l.split("=", 1) for l in raw.decode("utf-8", "replace").split("\n")]
            req_no += 1
            log(conn_no, req_no, pairs)
            what = decide(dict(pairs))
            verb, _, rest = what.partition(" ")
            if verb == "action":
                sock.sendall(("action=%s\n\n" % rest).encode())
            elif verb == "slow":
                secs, _, text = rest.partition(" ")
                time.sleep(float(secs))
                sock.sendall(("action=%s\n\n" % text).encode())
            elif verb == "hang":
                while sock.recv(65536):
                    pass
                return
            elif verb == "close":
                return
            elif verb == "half":
                sock.sendall(b"action=DU")
                return
            elif verb == "garbage":
                sock.sendall(b"this line has no equals sign\n\n")
            elif verb == "huge":
                sock.sendall(b"action=DUNNO " + b"x" * 100000 + b"\n\n")
    except OSError:
        pass
    finally:
        sock.close()


def main():
    if LISTEN.startswith("unix:"):
        path = LISTEN[5:]
        if os.path.exists(path):
            os.unlink(path)
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(path)
        os.chmod(path, 0o666)
    else:
        host, _, port = LISTEN[5:].rpartition(":")
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, int(port)))
    ls.listen(64)
    while True:
        sock, _ = ls.accept()
        conn_count[0] += 1
        threading.Thread(target=serve, args=(sock, conn_count[0]), daemon=True).start()


main()
