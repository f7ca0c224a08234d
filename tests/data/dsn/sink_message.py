"""sink_message.py FILE: print what smtp-sink -d saved in FILE as the
message the remote side sent, without the header lines the sink adds about
its own session (X-Client-*, X-Helo-Args, X-Mail-Args, X-Rcpt-Args and its
Received header), which name the sending host itself. Used by the
postern-dsn tests to look for internal names in what leaves the site."""
import sys

raw = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
head, _, body = raw.partition(b"\n\n")
lines, skip = [], False
for line in head.split(b"\n"):
    if line[:1] in (b" ", b"\t"):
        if not skip:
            lines.append(line)
        continue
    skip = line.startswith((b"X-Client-", b"X-Helo-Args:", b"X-Mail-Args:", b"X-Rcpt-Args:")) \
        or (line.startswith(b"Received:") and b"smtp-sink" in head.split(line, 1)[1][:300])
    if not skip:
        lines.append(line)
sys.stdout.buffer.write(b"\n".join(lines) + b"\n\n" + body)
