#!/usr/bin/env python3
"""policy_client.py: a Postfix policy delegation client for postern-spf's
tests and benchmark.

  policy_client.py ask SOCKET [name=value ...]
      send one request (request=smtpd_access_policy is added) and print
      the action.
  policy_client.py load SOCKET CLIENTS REQUESTS CASES
      CLIENTS concurrent persistent connections each send REQUESTS
      requests taken in turn from CASES (lines "client_ip sender
      expected-action-prefix"); every tenth connection also sends one
      malformed request first (binary garbage, an over-long line, a line
      without "=", or a request cut off by closing). Prints "answered N
      wrong M" and exits 1 when a well-formed request got a wrong or no
      answer.
  policy_client.py bench SOCKET CLIENTS REQUESTS CASES
      like load without malformed input; prints requests/s and the p50
      and p99 latency in ms.
SOCKET is a path (unix) or HOST:PORT (inet).
"""
import asyncio
import sys
import time


def parse_socket(spec):
    if spec.startswith("/"):
        return ("unix", spec)
    host, _, port = spec.rpartition(":")
    return ("inet", (host, int(port)))


async def connect(spec):
    kind, where = parse_socket(spec)
    if kind == "unix":
        return await asyncio.open_unix_connection(where)
    return await asyncio.open_connection(*where)


def encode(attrs):
    lines = ["request=smtpd_access_policy"] + ["%s=%s" % kv for kv in attrs.items()]
    return ("\n".join(lines) + "\n\n").encode()


async def ask(reader, writer, attrs):
    writer.write(encode(attrs))
    await writer.drain()
    action = None
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("connection closed before the answer")
        line = line.decode().rstrip("\n")
        if line == "":
            return action
        if line.startswith("action="):
            action = line[7:]


def request_for(case, n, instance):
    ip, sender, _ = case
    return {"protocol_state": "RCPT", "client_address": ip, "helo_name": "client.example.test",
            "sender": sender, "recipient": "rcpt%d@example.test" % n,
            "instance": instance}


MALFORMED = [
    b"\x00\xff\xfe garbage \x01\x02\n\n",
    b"request=smtpd_access_policy\nname=" + b"x" * 100000 + b"\n\n",
    b"request=smtpd_access_policy\nthis line has no equals sign\n\n",
    b"request=smtpd_access_policy\nclient_address=192.0.2.1\n",
]


async def client(spec, idx, requests, cases, stats, malformed, latencies):
    if malformed:
        try:
            r, w = await connect(spec)
            w.write(MALFORMED[idx // 10 % len(MALFORMED)])
            await w.drain()
            w.close()
        except OSError:
            pass
    reader, writer = await connect(spec)
    try:
        for n in range(requests):
            case = cases[(idx * requests + n) % len(cases)]
            start = time.perf_counter()
            action = await ask(reader, writer, request_for(case, n, "%d.%d" % (idx, n)))
            latencies.append(time.perf_counter() - start)
            if action is not None and action.startswith(case[2]):
                stats["answered"] += 1
            else:
                stats["wrong"] += 1
                if stats["wrong"] <= 5:
                    print("wrong answer for %s: %r, want %s..." % (case[:2], action, case[2]))
    except (OSError, ConnectionError) as e:
        stats["wrong"] += requests
        print("client %d: %s" % (idx, e))
    writer.close()


def read_cases(path):
    with open(path) as f:
        return [tuple(line.strip().split(None, 2)) for line in f if line.strip()]


async def run_clients(spec, clients, requests, cases, malformed):
    stats = {"answered": 0, "wrong": 0}
    latencies = []
    start = time.perf_counter()
    await asyncio.gather(*(client(spec, i, requests, cases, stats,
                                  malformed and i % 10 == 0, latencies)
                           for i in range(clients)))
    return stats, latencies, time.perf_counter() - start


def main(argv):
    if len(argv) >= 2 and argv[0] == "ask":
        attrs = dict(a.split("=", 1) for a in argv[2:])

        async def once():
            r, w = await connect(argv[1])
            print(await ask(r, w, attrs))
            w.close()
        asyncio.run(once())
        return 0
    if len(argv) == 5 and argv[0] in ("load", "bench"):
        stats, lat, elapsed = asyncio.run(run_clients(argv[1], int(argv[2]), int(argv[3]),
                                                      read_cases(argv[4]), argv[0] == "load"))
        if argv[0] == "load":
            print("answered %d wrong %d" % (stats["answered"], stats["wrong"]))
        else:
            lat.sort()
            print("requests %d wrong %d rps %.0f p50_ms %.3f p99_ms %.3f" % (
                len(lat), stats["wrong"], len(lat) / elapsed,
                lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000))
        return 1 if stats["wrong"] else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
