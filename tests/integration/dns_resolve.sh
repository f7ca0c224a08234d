#!/usr/bin/env bash
# dns_resolve.sh: inside a test namespace, the system resolver reaches the
# test DNS server: MX, TXT and address lookups of tests/zones/ give exactly
# the records of the zone (and what dig gets), failures are told apart
# (NXDOMAIN, NODATA, SERVFAIL), zones added or changed after the start are
# served, and nothing can leave the machine.
. "$top_srcdir/tests/lib/harness.sh"
h_netns_enter "$@"

resolve=$top_builddir/tests/tools/resolve

# sorted LINES: the lines in a fixed order, for comparing record sets.
sorted() { printf '%s\n' "$1" | LC_ALL=C sort; }
# dig_short TYPE NAME: the answer as dig prints it, sorted.
dig_short() { sorted "$(dig +short +norec "@$H_DNS_ADDR" "$2" "$1")"; }
# status CMD...: the exit status of CMD, output discarded.
status() {
	"$@" >/dev/null 2>&1
	echo $?
}

# The namespace: loopback only, no route off the machine.
tap_is "$(ip -o link show | awk -F': ' '{print $2}')" "lo" "the namespace has lo and nothing else"
tap_is "$(ip -4 route show default; ip -6 route show default)" "" "there is no default route"
ip route get 192.0.2.1 >/dev/null 2>&1
tap_ok $((!$?)) "no IPv4 route leaves the machine"
ip -6 route get 2001:4860::1 >/dev/null 2>&1
tap_ok $((!$?)) "no IPv6 route leaves the machine"
(exec 3<>/dev/tcp/192.0.2.1/25) 2>/dev/null
tap_ok $((!$?)) "a connection to a public address fails at once"
tap_is "$(grep '^nameserver' /etc/resolv.conf)" "nameserver $H_DNS_ADDR" \
	"the resolver asks the test server only"
ip -6 addr show dev lo | grep -q 'inet6 2001:db8::25/128'
tap_ok $? "the IPv6 test addresses are on lo"

h_dns_start
h_wait_port "$H_DNS_ADDR" 53 1
tap_ok $? "nsd listens on $H_DNS_ADDR"
h_wait_port "$H_DNS_ADDR6" 53 1
tap_ok $? "nsd listens on $H_DNS_ADDR6"

# Acceptance 5: MX and TXT records through the system resolver.
mx=$("$resolve" mx example.test)
tap_ok $? "resolve mx example.test succeeds"
tap_is "$(sorted "$mx")" "10 mx1.example.test.
20 mx2.example.test." "MX records of example.test with both preferences"
tap_is "$(sorted "$mx")" "$(dig_short MX example.test)" "the MX records are the ones dig gets"

txt=$("$resolve" txt example.test)
tap_is "$txt" '"v=spf1 ip4:127.0.0.0/24 ip6:2001:db8::/64 -all"' "the SPF record of example.test"
tap_is "$txt" "$(dig_short TXT example.test)" "the SPF record is the one dig gets"

key=$(sed -n 's/^sel1\._domainkey[[:space:]]*TXT[[:space:]]*//p' "$top_srcdir/tests/zones/example.test.zone")
txt=$("$resolve" txt sel1._domainkey.example.test)
tap_is "$txt" "$key" "the DKIM key record, in two strings, as in the zone file"
tap_is "$txt" "$(dig_short TXT sel1._domainkey.example.test)" "the DKIM key is the one dig gets"
tap_is "$(sorted "$("$resolve" txt multi.example.test)")" '"first record"
"second record" "in two strings"' "two TXT records at one name"

tap_is "$("$resolve" mx nullmx.example.test)" "0 ." "a null MX"
tap_is "$(sorted "$("$resolve" addr mx1.example.test)")" "127.0.0.10
2001:db8::10" "getaddrinfo with AI_ADDRCONFIG gives the A and AAAA records"
tap_is "$(sorted "$("$resolve" addr www.example.test)")" "127.0.0.25
2001:db8::25" "getaddrinfo follows a CNAME"
tap_is "$(getent hosts 2001:db8::25 | awk '{print $2}')" "mail.example.test" \
	"the IPv6 reverse zone answers"
tap_is "$(getent hosts 127.0.0.10 | awk '{print $2}')" "mx1.example.test" \
	"the IPv4 reverse zone answers"

# Failures are told apart.
tap_is "$(status "$resolve" mx nosuch.example.test)" 1 "NXDOMAIN is 'not found'"
tap_is "$(status "$resolve" txt mx1.example.test)" 1 "NODATA is 'not found'"
tap_is "$(status "$resolve" addr nosuch.example.test)" 1 "getaddrinfo: no such name"
h_dns_zone_servfail broken.test
tap_is "$(status "$resolve" mx broken.test)" 2 "a SERVFAIL zone is a temporary failure"
tap_is "$(status "$resolve" addr host.broken.test)" 2 "getaddrinfo: SERVFAIL is EAI_AGAIN"

# Zones a test writes, added and changed while nsd runs.
zone() { # ORIGIN MXHOST: a small zone with one MX record
	printf '$ORIGIN %s.\n$TTL 60\n@ SOA ns1.example.test. hostmaster 1 60 60 60 60\n' "$1"
	printf '@ NS ns1.example.test.\n@ MX 5 %s\n' "$2"
}
zone added.test mx1.example.test. >"$TEST_TMP/added.test.zone"
h_dns_zone "$TEST_TMP/added.test.zone"
tap_is "$("$resolve" mx added.test)" "5 mx1.example.test." "a zone added after the start is served"
zone added.test mx2.example.test. >"$TEST_TMP/added.test.zone"
h_dns_zone "$TEST_TMP/added.test.zone"
tap_is "$("$resolve" mx added.test)" "5 mx2.example.test." \
	"a changed zone is served on return, same serial in the file or not"
zone broken.test mail.example.test. >"$TEST_TMP/fixed"
h_dns_zone "$TEST_TMP/fixed" broken.test
tap_is "$("$resolve" mx broken.test)" "5 mail.example.test." "a SERVFAIL zone can be repaired"
h_dns_zone_servfail added.test
tap_is "$(status "$resolve" mx added.test)" 2 "a served zone can be made to SERVFAIL"

# A server that does not answer at all.
h_dns_stop
tap_is "$(status "$resolve" mx example.test)" 2 "no DNS server is a temporary failure"

tap_done
