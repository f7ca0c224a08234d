#!/usr/bin/env bash
# cfg_smarthost.sh: postern check on a realistic Postfix 3.x smarthost
# (tests/data/postfix-smarthost: TLS, SASL through Dovecot, milters,
# restrictions with user-defined $mua_* lists, check_policy_service,
# submission and submissions with -o overrides). Every parameter Postern
# does not support must be named with its file and line; the expected list
# is derived here independently, from postconf(1) and grep.
. "$top_srcdir/tests/lib/tap.sh"

postern="$top_builddir/relay/postern"
dir=$(cd "$top_srcdir/tests/data/postfix-smarthost" && pwd)
# What Postern implements today: the SUPPORTED rows of
# relay/relay_params_table.c.
supported=$(sed -n 's/^[[:space:]]*[A-Z]*("\([A-Za-z0-9_]*\)",.*[, ]SUPPORTED,.*/\1/p' \
	"$top_srcdir/relay/relay_params_table.c" | tr '\n' ' ')

"$postern" -c "$dir" check >"$TEST_TMP/check" 2>"$TEST_TMP/stderr"
status=$?
tap_is "$status" 1 "postern check: warnings only (exit status 1)"
tap_is "$(grep -c ': error: ' "$TEST_TMP/check")" 0 "postern check: no errors"

# main.cf: the Postfix parameters set (postconf -n, known to postconf -d),
# minus the supported ones, each at the line of its last definition.
postconf -c "$dir" -d 2>/dev/null | sed 's/ =.*//' | sort -u >"$TEST_TMP/postfix_names"
postconf -c "$dir" -n 2>/dev/null | sed 's/ =.*//' | sort -u >"$TEST_TMP/set"
comm -12 "$TEST_TMP/set" "$TEST_TMP/postfix_names" >"$TEST_TMP/expected_names"
n_set=$(wc -l <"$TEST_TMP/expected_names")
for name in $supported; do
	sed -i "/^$name\$/d" "$TEST_TMP/expected_names"
done
while read -r name; do
	line=$(grep -n "^$name[[:space:]]*=" "$dir/main.cf" | tail -n1 | cut -d: -f1)
	echo "$name:$line"
done <"$TEST_TMP/expected_names" | sort >"$TEST_TMP/expected"
sed -n "s#^$dir/main.cf:\([0-9]*\): warning: \([^:]*\): Postfix \(.*not supported by Postern\|parameter that Postern accepts and ignores\).*#\2:\1#p" \
	"$TEST_TMP/check" | sort >"$TEST_TMP/got"
tap_ok "$([ "$n_set" -gt 60 ] && echo 0 || echo 1)" \
	"the fixture sets many Postfix parameters ($n_set)"
tap_is "$(cat "$TEST_TMP/got")" "$(cat "$TEST_TMP/expected")" \
	"main.cf: every unsupported parameter is named with its line"

# The user-defined lists are used (by master.cf), so they are no finding.
tap_is "$(grep -c 'mua_' "$TEST_TMP/check")" 0 "the \$mua_* lists are recognised as used"

# master.cf: the -o overrides of the inet smtpd services (postconf -P),
# each at the line of its "-o".
postconf -c "$dir" -P 2>/dev/null | sed 's| =.*||' >"$TEST_TMP/overrides"
n_overrides=$(grep -c '/inet/' "$TEST_TMP/overrides")
while IFS=/ read -r service type name; do
	[ "$type" == inet ] || continue
	case " $supported " in *" $name "*) continue ;; esac
	first=$(grep -n "^$service[[:space:]]" "$dir/master.cf" | head -n1 | cut -d: -f1)
	line=$(tail -n +"$first" "$dir/master.cf" | grep -n -- "-o.*$name[[:space:]]*=" | head -n1 | cut -d: -f1)
	echo "$service/$type/$name:$((first + line - 1))"
done <"$TEST_TMP/overrides" | sort >"$TEST_TMP/expected"
sed -n "s#^$dir/master.cf:\([0-9]*\): warning: service \([^:]*\): -o \([^:]*\): Postfix \(.*not supported\|parameter that Postern accepts and ignores\).*#\2/\3:\1#p" \
	"$TEST_TMP/check" | sort >"$TEST_TMP/got"
tap_ok "$([ "$n_overrides" -ge 15 ] && echo 0 || echo 1)" \
	"the fixture has many -o overrides on listeners ($n_overrides)"
tap_is "$(cat "$TEST_TMP/got")" "$(cat "$TEST_TMP/expected")" \
	"master.cf: every unsupported -o override is named with its line"

# Services: listeners, Postfix-internal ones, unsupported ones.
listeners=$(sed -n "s|^$dir/master.cf:[0-9]*: note: service \([^ ]*\): an SMTP listener.*|\1|p" "$TEST_TMP/check" | tr '\n' ' ')
tap_is "$listeners" "smtp/inet submission/inet submissions/inet " "the three inet smtpd services become listeners"
internal=$(grep -c "note: service .*: Postfix-internal service" "$TEST_TMP/check")
expected_internal=$(awk '$1 !~ /^#/ && NF >= 8 && $2 != "inet" && $8 != "spawn"' "$dir/master.cf" | wc -l)
tap_is "$internal" "$expected_internal" "every Postfix-internal service is listed as ignored"
grep -q "master.cf:54: warning: service policyd-spf/unix runs spawn: not supported" "$TEST_TMP/check"
tap_ok $? "the spawned policy server is named as not supported"
grep -q "main.cf:81: warning: policyd-spf_time_limit: Postfix per-transport parameter" "$TEST_TMP/check"
tap_ok $? "the per-service policyd-spf_time_limit is recognised"

# No value misread: what Postern reads equals what postconf reads.
tap_is "$("$postern" -c "$dir" config -n 2>/dev/null)" "$(postconf -c "$dir" -n 2>/dev/null)" \
	"values as read equal postconf -n"
tap_is "$("$postern" -c "$dir" config -n -x 2>/dev/null)" "$(postconf -c "$dir" -n -x 2>/dev/null)" \
	"expanded values equal postconf -n -x"

# Findings come in file order, one per line, each with file:line.
tap_is "$(grep -vc "^$dir/ma[a-z]*\.cf:[0-9]*: \(error\|warning\|note\): " "$TEST_TMP/check")" 0 \
	"every finding is file:line: severity: text"
tap_is "$(cut -d: -f1,2 "$TEST_TMP/check" | sort -t: -k1,1 -k2,2n -s | uniq)" \
	"$(cut -d: -f1,2 "$TEST_TMP/check" | uniq)" "findings are in file and line order"

tap_done
