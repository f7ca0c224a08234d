#!/usr/bin/env bash
# table_postmap.sh: "postern map -q" answers like Postfix's own "postmap -q"
# for every table type: the same keys through both, the same output. hash:
# is compared against a real Berkeley DB built by postmap from the source
# that Postern reads directly. Bad tables: postern map refuses them (exit 2,
# file:line) where postmap warns about the same line.
. "$top_srcdir/tests/lib/tap.sh"

data=$top_srcdir/tests/data/tables
postern=$top_builddir/relay/postern
postmap=$(command -v postmap || echo /usr/sbin/postmap)
if [ ! -x "$postmap" ]; then
	echo "Bail out! postmap not found: install the Debian package postfix"
	exit 1
fi

# postmap wants a configuration directory: defaults, and a host name so that
# it does not look its own up.
pfconf=$TEST_TMP/postfix
mkdir -p "$pfconf"
printf "myhostname = postern.test\nmydomain = test\n" >"$pfconf/main.cf"
cp "$data"/* "$TEST_TMP"/

# compare NAME KEYS SPEC [postmap options]: both programs, keys from the
# file KEYS in $TEST_TMP.
compare() {
	local name=$1 keys=$TEST_TMP/$2 spec=$3
	shift 3
	local ours theirs total found
	ours=$("$postern" map "$@" -q - "$spec" <"$keys" 2>"$TEST_TMP/ours.err")
	theirs=$("$postmap" -c "$pfconf" "$@" -q - "$spec" <"$keys" 2>/dev/null)
	tap_is "$ours" "$theirs" "$name: postern map -q - answers as postmap -q -"
	# Guard against a vacuous comparison: some keys found, some not.
	total=$(wc -l <"$keys")
	found=$(printf '%s' "$theirs" | grep -c '' || true)
	[ "$found" -gt 0 ] && [ "$found" -lt "$total" ]
	tap_ok $? "$name: postmap found $found of $total keys (some, not all)"
}

# compare_each NAME SPEC KEY...: one postmap -q per key, with exit codes.
compare_each() {
	local name=$1 spec=$2 key ours theirs
	shift 2
	for key in "$@"; do
		ours=$("$postern" map -q "$key" "$spec" 2>/dev/null; echo "rc=$?")
		theirs=$("$postmap" -c "$pfconf" -q "$key" "$spec" 2>/dev/null; echo "rc=$?")
		tap_is "$ours" "$theirs" "$name: -q '$key'"
	done
}

compare "texthash" access.keys "texthash:$TEST_TMP/access"
compare "texthash -f" access.keys "texthash:$TEST_TMP/access" -f

"$postmap" -c "$pfconf" "hash:$TEST_TMP/access" 2>/dev/null
tap_ok $? "postmap builds access.db"
compare "hash (postmap's .db vs our reading of the source)" access.keys "hash:$TEST_TMP/access"
"$postmap" -c "$pfconf" "btree:$TEST_TMP/access" 2>/dev/null
compare "btree" access.keys "btree:$TEST_TMP/access"
rm -f "$TEST_TMP/access.db"
out=$("$postern" map -q example.com "hash:$TEST_TMP/access")
tap_is "$out" "REJECT Example is not welcome" "hash: needs no .db file"

compare "cidr (IPv4, IPv6, negation, if/endif)" client.keys "cidr:$TEST_TMP/client.cidr"
# Many more addresses, around the table's networks (a fixed seed: the same
# keys every run).
awk 'BEGIN {
	srand(7);
	split("10 172 192 198 203 1", first, " ");
	for (i = 0; i < 1500; i++)
		printf "%s.%d.%d.%d\n", first[1 + int(rand() * 6)], int(rand() * 3) ? 16 + int(rand() * 3) : int(rand() * 256), int(rand() * 4), int(rand() * 256);
	for (i = 0; i < 500; i++)
		printf "2001:db%x:%x:%x::%x\n", 7 + int(rand() * 3), int(rand() * 2), int(rand() * 3), int(rand() * 65536);
}' >"$TEST_TMP/random.keys"
compare "cidr, 2000 generated addresses" random.keys "cidr:$TEST_TMP/client.cidr"
compare "pcre (\$n, flags, negation, if/endif)" checks.pcre.keys "pcre:$TEST_TMP/checks.pcre"
compare "regexp (ERE, BRE, GNU escapes)" checks.regexp.keys "regexp:$TEST_TMP/checks.regexp"

# Rules given in place of a file name (Postfix 3.7).
printf '%s\n' 10.1.2.3 192.0.2.1 2001:db8::5 >"$TEST_TMP/inline.keys"
compare "cidr:{...}" inline.keys 'cidr:{ {10.0.0.0/8 REJECT ten}, {2001:db8::/32 OK v6} }'
printf '%s\n' spam@x ham@x eggs@y >"$TEST_TMP/rules.keys"
compare "pcre:{...}" rules.keys 'pcre:{ {/^spam@(.*)/ REJECT $1}, {if /^ham/}, {/./ OK}, {endif} }'
compare "regexp:{...}" rules.keys 'regexp:{ {/^(spam|ham)@/ DUNNO $1} }'

# static: and inline: take no file.
printf '%s\n' key1 KEY1 key2 k3 k4 k5 dup missing >"$TEST_TMP/inline.keys"
compare "inline:{...}" inline.keys \
	'inline:{ Key1=v1, { key2 = text with spaces }, k3=a=b k4={b c},,{k6=1, k7=2} dup=first dup=last }'
compare_each "static:" 'static:{ text with  spaces }' anything ''
compare_each "static:" 'static:smtp:[relay.example]:587' anything

# Single queries: the value and the exit status (0 found, 1 not found).
compare_each "texthash" "texthash:$TEST_TMP/access" Example.COM nosuchkey 'user@example.net'
compare_each "cidr" "cidr:$TEST_TMP/client.cidr" 2001:db8::1 203.0.113.5 not-an-address

# Several tables: the first that has the key answers.
printf '%s\n' example.com 10.1.2.3 list-outgoing@x nothing >"$TEST_TMP/multi.keys"
ours=$("$postern" map -q - "texthash:$TEST_TMP/access" "cidr:$TEST_TMP/client.cidr" \
	"pcre:$TEST_TMP/checks.pcre" <"$TEST_TMP/multi.keys" 2>/dev/null)
theirs=$("$postmap" -c "$pfconf" -q - "texthash:$TEST_TMP/access" "cidr:$TEST_TMP/client.cidr" \
	"pcre:$TEST_TMP/checks.pcre" <"$TEST_TMP/multi.keys" 2>/dev/null)
tap_is "$ours" "$theirs" "several tables: the first that has the key answers"

# Bad tables: postmap warns about a line and skips it; postern map refuses
# the table, naming the same line, and exits 2.
bad() { # NAME SPEC FILE LINE
	local name=$1 spec=$2 file=$3 line=$4 err rc
	err=$("$postern" map -q x "$spec" 2>&1 >/dev/null)
	rc=$?
	tap_is "$rc" 2 "$name: postern map exits 2"
	case $err in
	*"$file:$line: "*) tap_ok 0 "$name: the error names $file:$line" ;;
	*) tap_ok 1 "$name: the error names $file:$line (got: $err)" ;;
	esac
	err=$("$postmap" -c "$pfconf" -q x "$spec" 2>&1 >/dev/null)
	case $err in
	*"line $line"*) tap_ok 0 "$name: postmap complains about line $line too" ;;
	*) tap_ok 1 "$name: postmap complains about line $line too (got: $err)" ;;
	esac
}
bad "host bits in a cidr network" "cidr:$TEST_TMP/bad.cidr" "$TEST_TMP/bad.cidr" 2
bad "a pcre pattern that does not compile" "pcre:$TEST_TMP/bad.pcre" "$TEST_TMP/bad.pcre" 2
bad "a bad regexp interval" "regexp:$TEST_TMP/bad.regexp" "$TEST_TMP/bad.regexp" 3
bad "a key without a value" "texthash:$TEST_TMP/bad.access" "$TEST_TMP/bad.access" 2

"$postern" map -q x "nosuch:/etc/x" 2>/dev/null
tap_is "$?" 2 "an unknown table type: exit 2"
"$postern" map -q x 2>/dev/null
tap_is "$?" 2 "no table: usage error, exit 2"

tap_done
