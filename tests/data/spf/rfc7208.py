#!/usr/bin/env python3
"""rfc7208.py: the openspf RFC 7208 test suite (YAML) for postern-spf's
integration test, tests/integration/spf_rfc7208.sh.

  rfc7208.py prepare SUITE.yml[.gz] OUTDIR
      For every scenario N (in file order) write OUTDIR/N/cases.tsv (name,
      client ip, helo, mail from, accepted results, explanation) and the
      zone data: OUTDIR/N/zones/ORIGIN.zone for every origin in
      OUTDIR/origins, or a line in OUTDIR/N/servfail for a name whose TXT
      lookups time out (the suite's TIMEOUT: every type not listed times
      out; only TXT matters for a name we serve as SERVFAIL). SPF records
      are duplicated as TXT as the suite's header asks of drivers. Every
      scenario sets every origin, so nothing of one scenario is left for
      the next.
  rfc7208.py check CASES.tsv ANSWERS.tsv DEVIATIONS
      Compare postern-spf -q answers with the suite: one line per case,
      "PASS name", "FAIL name: got ..., want ...", "XFAIL name: reason" (a
      listed deviation that still deviates) or "XPASS name" (a listed
      deviation that now passes: the list must be updated).
"""
import gzip
import os
import sys

import yaml

TTL = 300
SOA = "@ %d IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 %d\n" \
      "@ %d IN NS ns1.example.test.\n" % (TTL, TTL, TTL)


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def norm(name):
    return name.lower().rstrip(".")


def txt_rdata(value):
    parts = value if isinstance(value, list) else [value]
    parts = ["" if part is None else part for part in parts] or [""]
    out = []
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else bytes(part)
        s = ""
        for b in data:
            if b in (0x22, 0x5C):
                s += "\\" + chr(b)
            elif 0x20 <= b < 0x7F:
                s += chr(b)
            else:
                s += "\\%03d" % b
        # nsd takes at most 255 octets per character-string
        out.append('"%s"' % s)
    return " ".join(out)


def rr_line(name, rec):
    (rtype, value), = rec.items()
    owner = name + "."
    if rtype in ("TXT", "SPF"):
        return "%s %d IN %s %s\n" % (owner, TTL, rtype, txt_rdata(value))
    if rtype == "MX":
        return "%s %d IN MX %d %s.\n" % (owner, TTL, value[0], norm(value[1]) or "")
    if rtype in ("PTR", "CNAME"):
        return "%s %d IN %s %s.\n" % (owner, TTL, rtype, norm(value))
    return "%s %d IN %s %s\n" % (owner, TTL, rtype, value)


def txt_view(records):
    """The records as the suite's drivers serve them: SPF (type 99)
    records are also served as TXT unless the name has TXT records of its
    own or says "TXT: NONE" (which means no TXT record at all)."""
    types = [next(iter(r)) for r in records]
    none = any(r == {"TXT": "NONE"} for r in records)
    records = [r for r in records if r != {"TXT": "NONE"}]
    if "SPF" in types and "TXT" not in types and not none:
        records += [{"TXT": r["SPF"]} for r in records if "SPF" in r]
    return records


def valid_name(name):
    labels = name.split(".")
    return len(name) <= 253 and all(0 < len(l) <= 63 for l in labels) and \
        all(0x21 <= ord(c) < 0x7F for c in name)


def prepare(suite, outdir):
    docs = load(suite)
    timeouts = set()
    tlds = set()
    for d in docs:
        for name, recs in d["zonedata"].items():
            tlds.add(norm(name).split(".")[-1])
            if "TIMEOUT" in recs:
                timeouts.add(norm(name))
    origins = sorted(tlds | timeouts, key=lambda o: (o.count("."), o))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "origins"), "w") as f:
        f.write("\n".join(origins) + "\n")
    for n, d in enumerate(docs):
        sdir = os.path.join(outdir, "%02d" % n)
        os.makedirs(os.path.join(sdir, "zones"))
        zones = {o: [] for o in origins}
        servfail = set()
        skipped = []
        for name, recs in d["zonedata"].items():
            name = norm(name)
            records = txt_view([r for r in recs if r != "TIMEOUT"])
            has_txt = any("TXT" in r for r in records)
            below = any(norm(other).endswith("." + name) for other in d["zonedata"])
            if "TIMEOUT" in recs and not has_txt and not below:
                servfail.add(name)
                continue
            if not valid_name(name):
                skipped.append(name)
                continue
            origin = max((o for o in origins if name == o or name.endswith("." + o)),
                         key=len)
            zones[origin].extend(rr_line(name, r) for r in records)
        for o in origins:
            if o in servfail:
                continue
            with open(os.path.join(sdir, "zones", o + ".zone"), "w") as f:
                f.write("$ORIGIN %s.\n" % o + SOA + "".join(zones[o]))
        with open(os.path.join(sdir, "servfail"), "w") as f:
            f.write("".join(o + "\n" for o in sorted(servfail)))
        with open(os.path.join(sdir, "skipped"), "w") as f:
            f.write("".join(o + "\n" for o in skipped))
        with open(os.path.join(sdir, "cases.tsv"), "w") as f:
            for name, t in d["tests"].items():
                results = t["result"] if isinstance(t["result"], list) else [t["result"]]
                f.write("\t".join([name, t["host"], t.get("helo", ""), t.get("mailfrom", ""),
                                   ",".join(results), t.get("explanation", "")]) + "\n")
        with open(os.path.join(sdir, "description"), "w") as f:
            f.write(d.get("description", "") + "\n")


def check(cases_path, answers_path, deviations_path):
    deviations = {}
    with open(deviations_path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(" ")
                deviations[name] = reason.strip()
    with open(cases_path) as f:
        cases = [l.rstrip("\n").split("\t") for l in f]
    with open(answers_path) as f:
        answers = [l.rstrip("\n").split("\t") for l in f]
    if len(answers) != len(cases):
        print("FAIL answers: %d answers for %d cases" % (len(answers), len(cases)))
        return
    for case, answer in zip(cases, answers):
        name, results, explanation = case[0], case[4].split(","), case[5]
        got, got_exp = answer[0], answer[1] if len(answer) > 1 else ""
        # "DEFAULT": the receiver's own explanation, whatever its text
        ok = got in results and (not explanation or got != "fail" or
                                 got_exp == explanation or explanation == "DEFAULT")
        why = "got %s%s, want %s%s [%s]" % (got, " (%s)" % got_exp if got_exp else "",
                                            "|".join(results),
                                            " (%s)" % explanation if explanation else "",
                                            answer[2] if len(answer) > 2 else "")
        if name in deviations:
            print(("XPASS %s: %s" if ok else "XFAIL %s: %s") % (name, deviations[name]))
        else:
            print("PASS " + name if ok else "FAIL %s: %s" % (name, why))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
