#!/usr/bin/env python3
"""queue_layout.py: put a postqueue -p listing (Postfix's or postern
queue's) into a form two listings of the same messages can be compared in:
queue ids, sizes and arrival times are masked column for column (so the
layout still counts), and the messages are sorted by their masked text
(Postfix lists a queue in hash order). Reads stdin, writes stdout."""
import re
import sys

MSG = re.compile(r'^([0-9A-Za-z]+)([*!]?)(\s+)')


def mask(line):
    m = MSG.match(line)
    if not m or len(line) < 47:
        return line
    status = m.group(2)
    return '%-17s %8s %-19s %s' % ('ID' + status, 'SIZE', 'TIME', line[47:])


def main():
    lines = sys.stdin.read().split('\n')
    head, blocks, tail, cur = [], [], [], []
    for i, line in enumerate(lines):
        if line.startswith('-- ') or line == 'Mail queue is empty':
            tail = lines[i:]
            break
        elif i == 0:
            head.append(line)
        elif line == '':
            if cur:
                blocks.append('\n'.join(mask(x) for x in cur))
            cur = []
        else:
            cur.append(line)
    if cur:
        blocks.append('\n'.join(mask(x) for x in cur))
    parts = head + sorted(blocks) + ['\n'.join(tail)]
    if blocks:
        sys.stdout.write(parts[0] + '\n' + '\n\n'.join(parts[1:]))
    else:
        sys.stdout.write('\n'.join(tail))


if __name__ == '__main__':
    main()
