#!/usr/bin/env bash
# spf_dns_cache.sh: postern-spf's DNS cache (spf_dns.c) against nsd in the
# test namespace. Records are kept for their TTL, NXDOMAIN and NODATA for
# the SOA's negative TTL (RFC 2308: min of the SOA's TTL and MINIMUM),
# SERVFAIL not at all, and dns_cache_max_ttl caps (0: no DNS cache). The
# zone changes under the daemon: an answer that follows the change before
# its TTL ran out, or one that does not follow it after, fails the test.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=240
h_netns_enter "$@"
data=$top_srcdir/tests/data/spf
spf=$top_builddir/policyd/spf/postern-spf
client=$data/policy_client.py

# ttl.test, version 1: "short" lives 60 s, "long" 300 s; "later" does not
# exist and "nodata" has no TXT record (negative TTL: min(300, 60) = 60).
zone() { # SERIAL SHORT LONG LATER NODATA_TXT
	cat <<ZONE
\$ORIGIN ttl.test.
@	300 SOA ns1.example.test. hostmaster.example.test. $1 3600 600 86400 60
@	300 NS ns1.example.test.
short	60 TXT "$2"
long	300 TXT "$3"
nodata	300 A 192.0.2.1
ZONE
	[ -z "$4" ] || printf 'later\t300 TXT "%s"\n' "$4"
	[ -z "$5" ] || printf 'nodata\t300 TXT "%s"\n' "$5"
}
pass='v=spf1 ip4:192.0.2.0/24 -all'
fail='v=spf1 -all'
zone 1 "$pass" "$pass" "" "" >"$TEST_TMP/ttl.test.zone"
printf '$ORIGIN tempok.test.\n@ 300 SOA ns1.example.test. h.example.test. 1 3600 600 86400 300\n@ 300 NS ns1.example.test.\n@ 300 TXT "%s"\n' \
	"$pass" >"$TEST_TMP/tempok.test.zone"
h_dns_zone "$data/spf.test.zone"
h_dns_zone "$TEST_TMP/ttl.test.zone"
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

# result SOCKET NAME: the SPF result for user@NAME.ttl.test from 192.0.2.10
result() {
	local a
	a=$(python3 "$client" ask "$TEST_TMP/$1.sock" protocol_state=RCPT \
		helo_name=client.example.test client_address=192.0.2.10 "sender=user@$2")
	case $a in
	"PREPEND Received-SPF: "*) a=${a#PREPEND Received-SPF: }; echo "${a%% *}" ;;
	"550 5.7.23 "*) echo fail ;;
	DEFER_IF_PERMIT*) echo temperror ;;
	*) echo "$a" ;;
	esac
}

start=$(date +%s)
for d in cached uncached; do
	tap_is "$(result $d short.ttl.test) $(result $d long.ttl.test)" "pass pass" \
		"$d: the records as first served"
	tap_is "$(result $d later.ttl.test) $(result $d nodata.ttl.test)" "none none" \
		"$d: NXDOMAIN and NODATA: none"
	tap_is "$(result $d tempok.test)" temperror "$d: SERVFAIL: temperror"
done

# version 2: every record answers otherwise
zone 2 "$fail" "$fail" "$pass" "$pass" >"$TEST_TMP/ttl.test.zone"
h_dns_zone "$TEST_TMP/ttl.test.zone"
h_dns_zone "$TEST_TMP/tempok.test.zone"
echo "# zones changed $(($(date +%s) - start))s after the first answers"
tap_is "$(result uncached short.ttl.test) $(result uncached long.ttl.test) $(result uncached later.ttl.test) $(result uncached nodata.ttl.test)" \
	"fail fail pass pass" "dns_cache_max_ttl = 0: every change seen at once"
tap_is "$(result cached tempok.test)" pass "SERVFAIL was not kept: the zone's record is seen at once"
got="$(result cached short.ttl.test) $(result cached long.ttl.test) $(result cached later.ttl.test) $(result cached nodata.ttl.test)"
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 55 ] || h_bail "the zone change took ${elapsed}s, longer than the 60 s TTL under test"
tap_is "$got" "pass pass none none" "within the TTLs the cached answers stay (after ${elapsed}s)"

# past 60 s: the short record and both negative answers expire, "long"
# (300 s) stays
sleep $((start + 62 - $(date +%s)))
tap_is "$(result cached short.ttl.test) $(result cached long.ttl.test)" "fail pass" \
	"the record with TTL 60 expired, the one with TTL 300 did not"
tap_is "$(result cached later.ttl.test) $(result cached nodata.ttl.test)" "pass pass" \
	"NXDOMAIN and NODATA expired after the SOA's negative TTL"
tap_done
