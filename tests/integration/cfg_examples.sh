#!/usr/bin/env bash
# cfg_examples.sh: every example configuration under conf/ passes postern
# check without errors (exit status 0 or 1), and Postfix reads each of them
# the way Postern does (postconf -n on a copy named main.cf).
. "$top_srcdir/tests/lib/tap.sh"

postern="$top_builddir/relay/postern"
examples=0
for dir in "$top_srcdir"/conf/*/; do
	[ -f "$dir/postern.cf" ] || continue
	dir=$(cd "$dir" && pwd)
	name=$(basename "$dir")
	examples=$((examples + 1))
	out=$("$postern" -c "$dir" check 2>/dev/null)
	status=$?
	[ $status -le 1 ]
	tap_ok $? "conf/$name: postern check exits 0 or 1 (got $status)"
	tap_is "$(grep ': error: ' <<<"$out")" "" "conf/$name: no errors"
	tap_is "$(grep -c 'unknown parameter' <<<"$out")" 0 "conf/$name: no unknown parameters"
	grep -q ': note: service .*: an SMTP listener' <<<"$out"
	tap_ok $? "conf/$name: has a listener"

	copy="$TEST_TMP/$name"
	mkdir -p "$copy"
	cp "$dir/postern.cf" "$copy/main.cf"
	cp "$dir/master.cf" "$copy/master.cf"
	tap_is "$("$postern" -c "$copy" config -n -x 2>/dev/null)" "$(postconf -c "$copy" -n -x 2>/dev/null)" \
		"conf/$name: Postfix reads it as Postern does"
	tap_is "$(postconf -c "$copy" -n 2>&1 >/dev/null)" "" \
		"conf/$name: postconf has no complaint about it"
done
[ "$examples" -ge 3 ]
tap_ok $? "conf/ has the quickstart, smarthost and gateway examples ($examples)"

tap_done
