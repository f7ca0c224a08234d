#!/usr/bin/env python3
"""relay_params_man.py: rewrite the parameter list of man/postern.cf.5 from
relay/relay_params_table.c, so the manual follows the table (name, type,
default, status). Run it after changing a row; tests/integration/
cfg_manpage.sh checks that the manual and `postern check` agree.

usage: relay/relay_params_man.py [TOP_SRCDIR]"""
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
table = open(f"{top}/relay/relay_params_table.c").read()
man_path = f"{top}/man/postern.cf.5"
man = open(man_path).read()


def c_strings(text):
    """The C string literals in text, adjacent ones joined; NULL as None."""
    out = []
    for m in re.finditer(r'NULL|((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        if m.group(0) == "NULL":
            out.append(None)
        else:
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(0))
            out.append("".join(p.encode().decode("unicode_escape") for p in parts))
    return out


def roff(text):
    return text.replace("\\", "\\e").replace("-", "\\-")


rows = []
body = table[table.index("relay_params_table[] = {"):]
for m in re.finditer(r'^\t(STR|LIST|BOOL|SIZE|LEVEL|TIME|INT|ENUM)\((.*?)\),\s*$', body,
                     re.M | re.S):
    kind, args = m.group(1), m.group(2)
    strings = c_strings(args)
    name, default = strings[0], strings[1]
    rest = re.sub(r'NULL|(?:"(?:[^"\\]|\\.)*"\s*)+', "", args)
    fields = [f.strip() for f in rest.split(",") if f.strip()]
    status = "supported" if "SUPPORTED" in fields else "ignored"
    if kind == "TIME":
        unit = re.search(r"'(.)'", args).group(1)
        what = f"time, default unit {unit}"
    elif kind == "INT":
        lo, hi = fields[0], fields[1]
        what = f"integer, {lo} or more" if hi == "NO_MAX" else f"integer, {lo} to {hi}"
    elif kind == "ENUM":
        what = "enum: " + ", ".join(roff(c) for c in strings[2].split())
        if "RELAY_PARAM_EMPTY_OK" in args:
            what += ", or empty"
    else:
        what = {"STR": "string", "LIST": "list", "BOOL": "bool", "SIZE": "size",
                "LEVEL": "level"}[kind]
    if "RELAY_PARAM_COMPUTED" in args:
        dflt = "default computed (see COMPUTED DEFAULTS)"
    elif default == "":
        dflt = "default empty"
    else:
        dflt = f"default \\fB{roff(default)}\\fR"
    if "RELAY_PARAM_RAW" in args:
        dflt += "; not expanded"
    rows.append((name, f".TP\n.B {roff(name)}\n{what}; {dflt}; {status}.\n"))

rows.sort()
start = man.index(".SH PARAMETERS\n")
first = man.index(".TP\n", start)
end = man.index(".SH ", first)
man = man[:first] + "".join(r for _, r in rows) + man[end:]
open(man_path, "w").write(man)
