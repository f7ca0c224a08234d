#!/usr/bin/env bash
# spf_conf.sh: every parameter of postern-spf's settings table (postern-spf
# -d) is documented in man/postern-spf.8 and listed in the example
# conf/postern-spf.conf, which loads (postern-spf -p) with the defaults;
# an unknown parameter is refused at file:line.
. "$top_srcdir/tests/lib/tap.sh"
spf=$top_builddir/policyd/spf/postern-spf
man=$top_srcdir/man/postern-spf.8
example=$top_srcdir/conf/postern-spf.conf

names=$("$spf" -d | awk '{print $1}')
tap_ok "$([ -n "$names" ]; echo $?)" "postern-spf -d lists parameters"
for n in $names; do
	grep -q "^\.B $n\$" "$man"
	tap_ok $? "$n is documented in postern-spf(8)"
	grep -q "^$n =" "$example"
	tap_ok $? "$n is in conf/postern-spf.conf"
done
"$spf" -c "$example" -p >"$TEST_TMP/printed" 2>"$TEST_TMP/err"
tap_is "$?" 0 "conf/postern-spf.conf loads ($(cat "$TEST_TMP/err"))"
diff <("$spf" -d) "$TEST_TMP/printed" >/dev/null
tap_ok $? "the example sets every parameter to its default"
printf 'workers = 2\nhelo_rejekt = fail\n' >"$TEST_TMP/bad.conf"
err=$("$spf" -c "$TEST_TMP/bad.conf" -p 2>&1)
tap_is "$err" "postern-spf: $TEST_TMP/bad.conf:2: unknown parameter \"helo_rejekt\"" \
	"an unknown parameter is an error at file:line"
# The milters' verbs are not postern-spf's: an operand is a usage error,
# not a silent -d.
"$spf" config -d socket >"$TEST_TMP/out" 2>"$TEST_TMP/err"
tap_is "$?" 2 "postern-spf config -d socket: exit status 2"
tap_is "$(head -n 1 "$TEST_TMP/err")" 'postern-spf: unexpected argument "config"' \
	"... naming the operand"
tap_is "$(wc -c <"$TEST_TMP/out")" 0 "... and printing no settings"
tap_done
