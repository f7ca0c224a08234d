#!/usr/bin/env bash
# cfg_manpage.sh: man/postern.cf.5 documents every parameter of the table
# (and no other), each with the status postern check reports for it.
# relay/relay_params_man.py rewrites the manual's list from the table.
. "$top_srcdir/tests/lib/tap.sh"

postern="$top_builddir/relay/postern"
man="$top_srcdir/man/postern.cf.5"

# Documented: ".B name" after ".TP" in the PARAMETERS section.
sed -n '/^\.SH PARAMETERS/,/^\.SH /p' "$man" |
	awk 'prev == ".TP" && $1 == ".B" { name = $2; gsub(/\\-/, "-", name); getline status
		sub(/.*; /, "", status); sub(/\.$/, "", status); print name ":" status } { prev = $0 }' |
	sort >"$TEST_TMP/documented"

# The table, and each row's status as postern check sees it: set every
# parameter to its default and look for "accepts and ignores" warnings.
"$postern" config -d >"$TEST_TMP/postern.cf"
printf '127.0.0.1:2525 inet n - n - - smtpd\n' >"$TEST_TMP/master.cf"
"$postern" -c "$TEST_TMP" check 2>/dev/null >"$TEST_TMP/check"
tap_is "$(grep -c ': error: ' "$TEST_TMP/check")" 0 "every default passes postern check"
sed 's/ =.*//' "$TEST_TMP/postern.cf" | while read -r name; do
	if grep -q ": warning: $name: Postfix parameter that Postern accepts and ignores" "$TEST_TMP/check"; then
		echo "$name:ignored"
	else
		echo "$name:supported"
	fi
done | sort >"$TEST_TMP/table"

tap_ok "$([ "$(wc -l <"$TEST_TMP/table")" -gt 200 ] && echo 0 || echo 1)" \
	"the table has rows ($(wc -l <"$TEST_TMP/table"))"
tap_is "$(cut -d: -f1 "$TEST_TMP/documented")" "$(cut -d: -f1 "$TEST_TMP/table")" \
	"postern.cf(5) documents exactly the parameters of the table"
tap_is "$(cat "$TEST_TMP/documented")" "$(cat "$TEST_TMP/table")" \
	"postern.cf(5) gives each parameter the status postern check reports"
grep -q '^compatibility_level:supported$' "$TEST_TMP/table"
tap_ok $? "supported parameters are reported as supported (compatibility_level)"

tap_done
