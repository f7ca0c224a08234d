#!/bin/sh
# relay_params_postfix.sh: write the names of Postfix's main.cf parameters,
# as the installed postconf(1) knows them, to standard output, one per line
# with its kind:
#   builtin  a parameter of Postfix whose value is $name-expanded
#   raw      a parameter of Postfix whose value is used as written (postconf
#            -x leaves it alone, e.g. default_rbl_reply)
#   legacy   not a parameter of its own, but the default of one refers to
#            it (an old name kept for compatibility, e.g.
#            smtpd_client_connection_limit_exceptions)
# Only names and kinds are recorded, no defaults. Postern uses the list to
# tell a Postfix parameter it does not support from a user-defined one.
# Usage: relay/relay_params_postfix.sh > relay/relay_params_postfix.txt
# (run on a machine with the Postfix version to follow, 3.7 for now).
set -eu
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/master.cf"
: >"$tmp/main.cf"
postconf -c "$tmp" -d 2>/dev/null >"$tmp/defaults"
sed -n 's/^\([^ ]*\) = .*$/\1/p; s/^\([^ ]*\) =$/\1/p' "$tmp/defaults" | sort -u >"$tmp/names"

# Raw parameters: set each to "$myhostname" and see which ones postconf -x
# does not expand.
grep -v '^myhostname$' "$tmp/names" | sed 's/$/ = $myhostname/' >"$tmp/main.cf"
echo 'myhostname = expanded.invalid' >>"$tmp/main.cf"
postconf -c "$tmp" -n -x 2>/dev/null | sed -n 's/^\([^ ]*\) = \$myhostname$/\1/p' |
	sort -u >"$tmp/raw"

# Names that the defaults of expanded parameters refer to.
join -v 1 "$tmp/names" "$tmp/raw" >"$tmp/expanded"
sed 's/ = /\t/' "$tmp/defaults" | sort -t "$(printf '\t')" -k1,1 |
	join -t "$(printf '\t')" "$tmp/expanded" - | cut -f2 |
	grep -o '\$[({]*[A-Za-z0-9_]*' | tr -d '${(' | grep . | sort -u |
	join -v 1 - "$tmp/names" >"$tmp/legacy"

echo "# Postfix $(postconf -d -h mail_version) main.cf parameter names (relay_params_postfix.sh)"
{
	join -v 1 "$tmp/names" "$tmp/raw" | sed 's/$/ builtin/'
	sed 's/$/ raw/' "$tmp/raw"
	sed 's/$/ legacy/' "$tmp/legacy"
} | sort
