#!/usr/bin/env bash
# dkim_conf.sh: postern-dkim's configuration: every parameter is documented
# in postern-dkim(8), conf/postern-dkim.conf loads, unknown names and bad
# values are errors at file:line, and key problems stop the configuration.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"

man=$top_srcdir/man/postern-dkim.8
names=$("$DKIM" config -d | sed 's/ =.*//')
tap_ok $([ "$(echo "$names" | wc -l)" -gt 30 ] && echo 0 || echo 1) "config -d lists the parameters"
missing=""
for name in $names; do
	grep -qF "\\fB$name\\fR" "$man" || missing="$missing $name"
done
tap_is "$missing" "" "every parameter is documented in postern-dkim(8)"

# The example configuration, with its directory moved here.
mkdir -p "$TEST_TMP/dkim"
"$DKIM" genkey -d example.com -s s2048 -D "$TEST_TMP/dkim" >/dev/null 2>&1
"$DKIM" genkey -d example.com -s ed1 -t ed25519 -D "$TEST_TMP/dkim" >/dev/null 2>&1
printf 'rsa2048 example.com:s2048:%s/s2048.private\ned example.com:ed1:%s/ed1.private\n' \
	"$TEST_TMP/dkim" "$TEST_TMP/dkim" >"$TEST_TMP/dkim/keytable"
printf '*@example.com rsa2048\n*@example.com ed\n' >"$TEST_TMP/dkim/signingtable"
out=$("$DKIM" -c "$top_srcdir/conf/postern-dkim.conf" -o "dkim_directory=$TEST_TMP/dkim" check 2>&1)
tap_is "$?:$out" "0:" "conf/postern-dkim.conf loads (its keys and tables in a test directory)"
out=$("$DKIM" -c "$top_srcdir/conf/postern-dkim.conf" config key_table signing_table on_no_signature)
tap_is "$out" 'key_table = $dkim_directory/keytable
signing_table = refile:$dkim_directory/signingtable
on_no_signature = tag' "config prints what the example sets, as written"

conf=$TEST_TMP/t.conf
check() { # EXPECTED-SUBSTRING NAME: check fails with that message
	local out
	out=$("$DKIM" -c "$conf" check 2>&1)
	if [ $? -ne 0 ] && [[ $out == *"$1"* ]]; then
		tap_ok 0 "$2"
	else
		tap_ok 1 "$2"
		tap_diag "got: $out"
	fi
}
printf 'socket = inet:127.0.0.1:8891\n\nkey_tabel = /x\n' >"$conf"
check "$conf:3: error: unknown parameter \"key_tabel\"" "a misspelt name is an error at file:line"
printf 'mode = both\n' >"$conf"
check "$conf:1: error: mode: \"both\": expected one of sv, s, v" "a bad mode"
printf 'canonicalization = relaxed/nofws\n' >"$conf"
check "$conf:1: error: canonicalization: \"relaxed/nofws\"" "a bad canonicalization"
printf 'on_bad_signature = tempfail\n' >"$conf"
check "expected one of accept, tag, quarantine, reject" "on_bad_signature takes only its actions"
printf 'minimum_signing_key_bits = 512\n' >"$conf"
check "minimum_signing_key_bits: value \"512\" out of range" "the signing floor cannot go under 1024"
printf 'key_file = %s/dkim/s2048.private\nselector = s\n' "$TEST_TMP" >"$conf"
check "key_file needs domain and selector" "key_file without domain"
printf 'key_table = %s/dkim/keytable\n' "$TEST_TMP" >"$conf"
check "key_table and signing_table go together" "key_table without signing_table"
chmod 644 "$TEST_TMP/dkim/s2048.private"
printf 'key_table = %s/dkim/keytable\nsigning_table = %s/dkim/signingtable\n' "$TEST_TMP" "$TEST_TMP" >"$conf"
check "other users can read or change this key (mode 0644)" "a key others can read is refused"
"$DKIM" -c "$conf" -o require_safe_keys=no check
tap_is $? 0 "... unless require_safe_keys = no"
printf 'sign_headers = to, subject\n' >"$conf"
check "sign_headers: From must be signed" "From must be in sign_headers"
printf 'internal_hosts = 192.0.2.1/24\n' >"$conf"
check "internal_hosts:" "a network with host bits set is refused"
printf 'internal_hosts = 127.0.0.1, cidr:%s/none.cidr\n' "$TEST_TMP" >"$conf"
check "none.cidr" "a table that cannot be opened is refused"
tap_done
