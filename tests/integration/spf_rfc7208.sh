#!/usr/bin/env bash
# spf_rfc7208.sh: the openspf RFC 7208 test suite (Debian's python3-spf
# ships it) run through postern-spf's engine (postern-spf -q) against a
# real nsd serving each scenario's zone data in the test namespace. Every
# case must give one of the results the suite accepts (and its
# explanation, where the suite names one); the deviations libspf2 cannot
# avoid are listed with their reasons in tests/data/spf/rfc7208-deviations
# and reported as TODO (a listed case that starts passing fails the test).
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"

suite=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
[ -r "$suite" ] || h_bail "$suite missing: install the Debian package python3-spf"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || h_bail "install the Debian package python3-yaml"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
/usr/bin/python3 "$data/rfc7208.py" prepare "$suite" "$TEST_TMP/suite" || h_bail "cannot read $suite"
mapfile -t origins <"$TEST_TMP/suite/origins"
mkdir -p "$TEST_TMP/served"

# serve SCENARIO_DIR: make nsd serve that scenario's data (changed zones only).
serve() {
	local dir=$1 origin
	for origin in "${origins[@]}"; do
		if grep -qxF "$origin" "$dir/servfail"; then
			[ -e "$TEST_TMP/served/$origin.servfail" ] && continue
			h_dns_zone_servfail "$origin"
			rm -f "$TEST_TMP/served/$origin.zone"
			: >"$TEST_TMP/served/$origin.servfail"
		else
			cmp -s "$dir/zones/$origin.zone" "$TEST_TMP/served/$origin.zone" && continue
			h_dns_zone "$dir/zones/$origin.zone" "$origin"
			cp "$dir/zones/$origin.zone" "$TEST_TMP/served/$origin.zone"
			rm -f "$TEST_TMP/served/$origin.servfail"
		fi
	done
}

conf=$TEST_TMP/spf.conf
echo "receiver = receiver.example.test" >"$conf"
first=1
for dir in "$TEST_TMP"/suite/[0-9]*; do
	serve "$dir"
	if [ "$first" -eq 1 ]; then
		h_dns_start
		first=0
	fi
	tap_diag "scenario: $(cat "$dir/description")"
	cut -f2-4 "$dir/cases.tsv" | "$spf" -c "$conf" -q >"$dir/answers.tsv" 2>"$dir/stderr"
	tap_is "$?" 0 "postern-spf -q answers every case of \"$(cat "$dir/description")\""
	while read -r verdict rest; do
		case $verdict in
		PASS) tap_ok 0 "$rest" ;;
		FAIL) tap_ok 1 "$rest" ;;
		XFAIL) echo "not ok $((tap_count += 1)) - ${rest%%:*} # TODO known deviation:${rest#*:}" ;;
		XPASS) echo "ok $((tap_count += 1)) - ${rest%%:*} # TODO listed as a deviation but passes" ;;
		esac
	done < <(/usr/bin/python3 "$data/rfc7208.py" check "$dir/cases.tsv" "$dir/answers.tsv" \
		"$data/rfc7208-deviations")
done
tap_done
