#!/usr/bin/python3
"""pysign.py: sign the message on stdin with dkimpy, for the postern-dkim
tests, with the choices dkimsign does not offer.

usage: pysign.py SELECTOR DOMAIN KEYFILE [--alg rsa-sha1|rsa-sha256]
                 [--length] [--headers from,to,...]
--length adds the l= tag; --headers signs exactly those fields (dkimpy
otherwise oversigns From). The signed message goes to stdout with CRLF
line ends.
"""
import argparse
import sys

import dkim


def main():
    p = argparse.ArgumentParser()
    p.add_argument("selector")
    p.add_argument("domain")
    p.add_argument("keyfile")
    p.add_argument("--alg", default="rsa-sha256")
    p.add_argument("--length", action="store_true")
    p.add_argument("--headers")
    a = p.parse_args()
    # Sign the message as it travels: CRLF line ends.
    message = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(a.keyfile, "rb") as f:
        key = f.read()
    headers = None
    if a.headers:
        headers = [h.encode() for h in a.headers.split(",")]
    sig = dkim.sign(message, a.selector.encode(), a.domain.encode(), key,
                    signature_algorithm=a.alg.encode(), include_headers=headers,
                    length=a.length)
    sys.stdout.buffer.write(sig + message)


main()
