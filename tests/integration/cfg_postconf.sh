#!/usr/bin/env bash
# cfg_postconf.sh: postern config prints what postconf(1) of Postfix 3.7
# prints, byte for byte, for every parameter both know: "-n", "-n -x",
# single names, the full listing (plain, -x and -d), on fixture
# configurations (tests/data/cfg-*, tests/data/postfix-smarthost).
. "$top_srcdir/tests/lib/tap.sh"

postern="$top_builddir/relay/postern"
data="$top_srcdir/tests/data"
data=$(cd "$data" && pwd)

# compare_listing FIXTURE FLAGS: the lines of "postern config FLAGS" must be
# the lines postconf prints for the same names. Prints the differences and
# how many names were compared.
compare_listing() {
	local dir=$1
	shift
	"$postern" -c "$dir" config "$@" 2>/dev/null >"$TEST_TMP/ours"
	postconf -c "$dir" "$@" 2>/dev/null >"$TEST_TMP/theirs"
	awk -v skip="$SKIP" '
		NR == FNR { split($0, f, " = "); theirs[f[1]] = $0; next }
		{ split($0, f, " = "); name = f[1] }
		name == skip { next }
		{ n++ }
		!(name in theirs) { print "postconf does not know: " $0; next }
		theirs[name] != $0 { print "ours:     " $0; print "postconf: " theirs[name] }
		END { print "compared " n }
	' "$TEST_TMP/theirs" "$TEST_TMP/ours"
}

for fixture in cfg-syntax cfg-expand cfg-userdef cfg-compat postfix-smarthost; do
	dir="$data/$fixture"
	for flags in "-n" "-n -x"; do
		# shellcheck disable=SC2086
		tap_is "$("$postern" -c "$dir" config $flags 2>/dev/null)" \
			"$(postconf -c "$dir" $flags 2>/dev/null)" "$fixture: config $flags equals postconf $flags"
	done

	# Each name postconf -n prints, and a few left at their defaults, asked
	# for by name (in this order, which is not sorted).
	names="$(postconf -c "$dir" -n 2>/dev/null | sed 's/ =.*//' | sort -r) myorigin mydomain
		mynetworks relay_domains smtpd_relay_restrictions mynetworks_style myhostname"
	for flags in "" "-x" "-h"; do
		# shellcheck disable=SC2086
		ours=$("$postern" -c "$dir" config $flags $names 2>/dev/null)
		# shellcheck disable=SC2086
		theirs=$(postconf -c "$dir" $flags $names 2>/dev/null)
		tap_is "$ours" "$theirs" "$fixture: config $flags NAME... equals postconf for $(wc -w <<<"$names") names"
	done

	for flags in "" "-x"; do
		SKIP="" result=$(compare_listing "$dir" $flags)
		tap_is "$(grep -v '^compared' <<<"$result")" "" \
			"$fixture: the full listing ($flags) equals postconf's for every name"
		compared=$(sed -n 's/^compared //p' <<<"$result")
		[ "${compared:-0}" -gt 230 ]
		tap_ok $? "$fixture: the full listing ($flags) covers the whole table ($compared names)"
	done
done

# -d: the defaults, the same everywhere except config_directory (Postern
# reads /etc/postern, not /etc/postfix).
for flags in "-d" "-d -x"; do
	# shellcheck disable=SC2086
	SKIP=config_directory result=$(compare_listing "$data/cfg-syntax" $flags)
	tap_is "$(grep -v '^compared' <<<"$result")" "" "config $flags equals postconf $flags"
done
tap_is "$("$postern" config -d config_directory mail_name)" \
	"$(printf 'config_directory = /etc/postern\nmail_name = Postfix')" \
	"config -d: config_directory is /etc/postern, the rest as Postfix"

# Unknown names: a warning on stderr, nothing on stdout, status 0 (postconf
# does the same).
dir="$data/cfg-syntax"
out=$("$postern" -c "$dir" config no_such_parameter 2>"$TEST_TMP/err")
status=$?
postconf -c "$dir" no_such_parameter >/dev/null 2>&1
tap_is "$status" "$?" "an unknown name: the exit status of postconf"
tap_is "$out" "" "an unknown name prints nothing on stdout"
grep -q 'warning: no_such_parameter: unknown parameter' "$TEST_TMP/err"
tap_ok $? "an unknown name is named on stderr"
"$postern" -c "$dir" config html_directory 2>"$TEST_TMP/err" >/dev/null
grep -q 'html_directory: Postfix parameter that Postern does not know yet' "$TEST_TMP/err"
tap_ok $? "a Postfix parameter without a row says so"

# Options before and after the verb, and -o overrides.
tap_is "$("$postern" config -c "$dir" -n myhostname 2>/dev/null)" "myhostname = mail2.example.com" \
	"config -c DIR works after the verb"
tap_is "$("$postern" -c "$dir" -o myhostname=other.example config -x myorigin 2>/dev/null)" \
	"myorigin = example.com" "a -o override does not touch what main.cf sets"
tap_is "$("$postern" -c "$dir" -o myorigin='$myhostname' config -x myorigin 2>/dev/null)" \
	"myorigin = mail2.example.com" "a -o override is expanded like a main.cf value"

tap_done
