#!/usr/bin/env bash
# spf_dns_cache.sh: postern-spf's DNS cache (spf_dns.c) against nsd in the
# test namespace. Records are kept for their TTL, NXDOMAIN and NODATA for
# the SOA's negative TTL (RFC 2308: min of the SOA's TTL and MINIMUM),
# SERVFAIL not at all, and dns_cache_max_ttl 0 keeps nothing. The zones
# change under the daemon: an answer that follows the change before its
# TTL ran out, or one that does not follow it after, fails the test.
# Long TTLs (300 s) are those that must hold, short ones (5 s) those that
# must have run out, so that a slow machine cannot make the test fail.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
client=$data/policy_client.py

# zone ORIGIN SERIAL TTL RECORD [LATER]: a zone whose SOA gives the
# negative TTL min(300, TTL); "rec" has RECORD with TTL, "nodata" has no
# TXT record, "later" only when LATER is given.
zone() {
	cat <<ZONE
\$ORIGIN $1.
@	300 SOA ns1.example.test. hostmaster.example.test. $2 3600 600 86400 $3
@	300 NS ns1.example.test.
rec	$3 TXT "$4"
nodata	300 A 192.0.2.1
ZONE
	[ -z "${5:-}" ] || printf 'later\t300 TXT "%s"\nnodata\t300 TXT "%s"\n' "$5" "$5"
}
pass='v=spf1 ip4:192.0.2.0/24 -all'
fail='v=spf1 -all'
zone long.test 1 300 "$pass" >"$TEST_TMP/long.test.zone"
zone short.test 1 5 "$pass" >"$TEST_TMP/short.test.zone"
zone tempok.test 1 300 "$pass" >"$TEST_TMP/tempok.test.zone"
h_dns_zone "$data/spf.test.zone"
h_dns_zone "$TEST_TMP/long.test.zone"
h_dns_zone "$TEST_TMP/short.test.zone"
h_dns_zone_servfail tempok.test
h_dns_start

# the result cache is off, so that every request is evaluated
for d in cached:1h uncached:0; do
	cat >"$TEST_TMP/${d%:*}.conf" <<CONF
socket = unix:$TEST_TMP/${d%:*}.sock
user = nobody
workers = 2
cache_ttl = 0
helo_reject = no_check
dns_cache_max_ttl = ${d#*:}
CONF
	h_daemon_start "${d%:*}" "$spf" -f -c "$TEST_TMP/${d%:*}.conf"
	h_wait_file "$TEST_TMP/${d%:*}.sock" || h_bail "postern-spf (${d%:*}) did not start"
done

# results DAEMON DOMAIN...: the SPF results for user@DOMAIN from 192.0.2.10
results() {
	local d=$1 a out=()
	shift
	for dom in "$@"; do
		a=$(/usr/bin/python3 "$client" ask "$TEST_TMP/$d.sock" protocol_state=RCPT \
			helo_name=client.example.test client_address=192.0.2.10 "sender=user@$dom")
		case $a in
		"PREPEND Received-SPF: "*) a=${a#PREPEND Received-SPF: }; out+=("${a%% *}") ;;
		"550 5.7.23 "*) out+=(fail) ;;
		DEFER_IF_PERMIT*) out+=(temperror) ;;
		*) out+=("$a") ;;
		esac
	done
	echo "${out[*]}"
}

for d in cached uncached; do
	tap_is "$(results $d {rec,later,nodata}.long.test {rec,later,nodata}.short.test rec.tempok.test)" \
		"pass none none pass none none temperror" \
		"$d: the records, NXDOMAIN and NODATA (none), SERVFAIL (temperror)"
done
asked=$(date +%s)

# version 2: every name answers otherwise
for z in long:300 short:5; do
	zone "${z%:*}.test" 2 "${z#*:}" "$fail" "$pass" >"$TEST_TMP/${z%:*}.test.zone"
	h_dns_zone "$TEST_TMP/${z%:*}.test.zone"
done
h_dns_zone "$TEST_TMP/tempok.test.zone"
tap_is "$(results uncached {rec,later,nodata}.long.test rec.tempok.test)" "fail pass pass pass" \
	"dns_cache_max_ttl = 0: every change is seen at once"
tap_is "$(results cached rec.tempok.test)" pass "SERVFAIL was not kept: the new record is seen at once"
tap_is "$(results cached rec.long.test)" pass "a record with TTL 300 stays cached"
tap_is "$(results cached later.long.test nodata.long.test)" "none none" \
	"NXDOMAIN and NODATA stay cached for the negative TTL (300 s)"

# the short zone's TTLs (5 s) have run out
now=$(date +%s)
[ "$now" -gt $((asked + 6)) ] || sleep $((asked + 7 - now))
tap_is "$(results cached rec.short.test)" fail "a record with TTL 5 expired"
tap_is "$(results cached later.short.test nodata.short.test)" "pass pass" \
	"NXDOMAIN and NODATA expired after the negative TTL min(SOA TTL, MINIMUM) = 5 s"
tap_done
