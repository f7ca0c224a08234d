#!/usr/bin/env bash
# check_dns.sh: common/dns (libunbound on a libevent loop) asks the
# namespace's DNS server, as the system resolver would: A, AAAA, MX, PTR
# and TXT records of the test zones are those dig gets, CNAMEs are
# followed, NXDOMAIN and NODATA are told apart from temporary failures
# (SERVFAIL, no server), and unbound's own local zones (test., the
# reverse zones of 127/8 and 2001:db8::/32) do not hide the server's.
. "$top_srcdir/tests/lib/harness.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

probe=$top_builddir/tests/integration/check_dns_probe

cat >"$TEST_TMP/rbl.test.zone" <<'ZONE'
$ORIGIN rbl.test.
@ 300 SOA ns1.example.test. hostmaster 1 3600 600 86400 300
@ 300 NS ns1.example.test.
2.0.0.127 300 A 127.0.0.2
2.0.0.127 300 TXT "listed" " for testing"
ZONE
h_dns_zone "$TEST_TMP/rbl.test.zone"
h_dns_zone_servfail broken.test
h_dns_start

# dig_sorted TYPE NAME: dig's answer without trailing dots, sorted.
dig_sorted() { dig +short +norec "@$H_DNS_ADDR" "$2" "$1" | sed 's/\.$//' | LC_ALL=C sort; }
# records OUTPUT: the record lines of the probe's output, sorted.
records() { sed -n 's/^  //p' <<<"$1" | LC_ALL=C sort; }

out=$("$probe" A mx1.example.test)
tap_is "$(head -n1 <<<"$out")" "A mx1.example.test found" "A: found"
tap_is "$(records "$out")" "$(dig_sorted A mx1.example.test)" "A: the records dig gets"

out=$("$probe" AAAA mail.example.test)
tap_is "$(records "$out")" "$(dig_sorted AAAA mail.example.test)" "AAAA: the records dig gets"

out=$("$probe" MX example.test)
tap_is "$(records "$out")" "$(dig_sorted MX example.test)" "MX: preferences and hosts as dig gets them"

out=$("$probe" MX nullmx.example.test)
tap_is "$(records "$out")" "0 " "the null MX: an empty exchanger"

out=$("$probe" A www.example.test)
tap_is "$(records "$out")" "127.0.0.25" "a CNAME is followed to the address of its target"

out=$("$probe" PTR 25.0.0.127.in-addr.arpa)
tap_is "$(records "$out")" "$(dig_sorted PTR 25.0.0.127.in-addr.arpa)" \
	"PTR in 127.in-addr.arpa comes from the server, not from unbound's local zone"
name=$(printf '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')
out=$("$probe" PTR "$name")
tap_is "$(records "$out")" "$(dig_sorted PTR "$name")" "PTR under 2001:db8::/32 too"
[ -n "$(records "$out")" ]
tap_ok $? "the IPv6 reverse zone has a record for 2001:db8::25"

out=$("$probe" TXT 2.0.0.127.rbl.test A 2.0.0.127.rbl.test)
tap_is "$(sed -n 2p <<<"$out")" "  listed for testing" "TXT: the strings of a record are joined"
tap_is "$(sed -n 4p <<<"$out")" "  127.0.0.2" "a DNSBL answer"

out=$("$probe" A nosuch.example.test MX mx1.example.test TXT 3.0.0.127.rbl.test)
tap_is "$out" "A nosuch.example.test nxdomain
MX mx1.example.test nodata
TXT 3.0.0.127.rbl.test nxdomain" "NXDOMAIN and NODATA are told apart"

out=$("$probe" A host.broken.test)
tap_is "$out" "A host.broken.test tempfail(SERVFAIL)" "SERVFAIL is a temporary failure"

h_dns_stop
start=$(h_now_us)
out=$("$probe" -t 2 A mx2.example.test)
elapsed=$((($(h_now_us) - start) / 1000))
tap_is "$out" "A mx2.example.test tempfail(timeout)" "without a DNS server: a temporary failure"
# Bounded by the lookup timeout (with room for a loaded machine), not by
# the resolver's own retries.
[ "$elapsed" -lt 15000 ]
tap_ok $? "reported after the timeout of 2 s (${elapsed} ms)"
tap_done
