#!/usr/bin/env python3
"""policy_spawn.py: serve a stdin/stdout policy program on a socket, as
Postfix's spawn(8) does for policyd-spf: each connection gets its own
process of the program with the connection as its standard input and
output.

Usage: policy_spawn.py inet:HOST:PORT PROGRAM [ARGS...]
"""
import os
import signal
import socket
import subprocess
import sys

listen, argv = sys.argv[1], sys.argv[2:]
host, _, port = listen[len("inet:"):].rpartition(":")
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # no zombies
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, int(port)))
ls.listen(64)
while True:
    conn, _ = ls.accept()
    subprocess.Popen(argv, stdin=conn.fileno(), stdout=conn.fileno(), close_fds=True)
    conn.close()
