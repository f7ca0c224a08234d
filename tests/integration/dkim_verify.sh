#!/usr/bin/env bash
# dkim_verify.sh: acceptance 2 under a real Postfix 3.7: postern-dkim
# verifies mail signed by the real OpenDKIM milter and by dkimpy's dkimsign
# (RSA and Ed25519): dkim=pass; a changed body or signed header field gives
# dkim=fail; a key that does not exist gives permerror, a key lookup that
# fails (SERVFAIL) temperror (RFC 8601, RFC 6376 6.1.2); a forged
# Authentication-Results claiming our authserv-id is removed, others stay.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

dk_zone_init
dk_genkey od rsa
dk_genkey py rsa
dk_genkey pyed ed25519
"$DKIM" genkey -d broken.test -s any -D "$TEST_TMP/keys" >/dev/null 2>&1
# dkimpy reads an Ed25519 key as the base64 of its 32-byte seed.
openssl pkey -in "$TEST_TMP/keys/pyed.private" -outform DER | tail -c 32 | base64 >"$TEST_TMP/keys/pyed.seed"
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_zone_servfail broken.test
h_dns_start

# The real OpenDKIM, signing what 127.0.0.1 sends it.
cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode s
Socket inet:8893@127.0.0.1
Domain example.test
Selector od
KeyFile $TEST_TMP/keys/od.private
InternalHosts 127.0.0.1
Canonicalization relaxed/simple
Background no
Syslog no
# The test directory lies under /tmp, which OpenDKIM calls unsafe.
RequireSafeKeys no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8893 || h_bail "opendkim did not start"

M=$TEST_TMP/msgs
mkdir -p "$M"
dk_msg "$M/od" "Alice <alice@example.test>"
"$DRIVE" -c localhost,127.0.0.1 -o "$M/od.eml" inet:127.0.0.1:8893 "$M/od" >"$M/od.out"
tap_ok $(grep -q '^insheader 0 DKIM-Signature:\|^addheader DKIM-Signature:' "$M/od.out"; echo $?) \
	"OpenDKIM signs a message"
dk_msg "$M/odbody" "Alice <alice@example.test>"
"$DRIVE" -c localhost,127.0.0.1 -o "$M/odbody.eml" inet:127.0.0.1:8893 "$M/odbody" >/dev/null
sed -i 's/this line starts with spaces/this line starts with tabs/' "$M/odbody.eml"

pysign() { # NAME SELECTOR KEY [DKIMSIGN-ARGS...]: a dkimpy-signed message
	local name=$1 sel=$2 key=$3 domain=example.test
	shift 3
	[ "$sel" = any ] && domain=broken.test
	dk_msg "$M/$name" "Alice <alice@$domain>"
	$DKIMSIGN "$@" "$sel" "$domain" "$TEST_TMP/keys/$key" <"$M/$name" >"$M/$name.eml"
}
pysign py py py.private
pysign pyed pyed pyed.seed --signalg ed25519-sha256
pysign pyhdr py py.private
sed -i 's/^Date: Mon, 1 Jan 2024/Date: Tue, 2 Jan 2024/' "$M/pyhdr.eml"
pysign nokey nokey py.private
pysign servfail any any.private
dk_msg "$M/forged" "Alice <alice@example.test>" \
	"Authentication-Results: mx.example.test; dkim=pass header.d=bank.test" \
	"Authentication-Results: relay.elsewhere.test; spf=pass smtp.mailfrom=example.test" \
	"Authentication-Results: (sneaky) MX.Example.Test 1; dkim=pass header.d=bank.test"
$DKIMSIGN py example.test "$TEST_TMP/keys/py.private" <"$M/forged" >"$M/forged.eml"

cat >"$TEST_TMP/dkim.conf" <<CONF
socket = inet:127.0.0.1:8891
user =
authserv_id = mx.example.test
dns_timeout = 3s
CONF
dk_start dkim "$TEST_TMP/dkim.conf"
dk_sink_start
pfx_init mx 127.0.0.1:10025
pfx_conf mx 'relay_domains = example.test' \
	'relayhost = [127.0.0.11]:2526' \
	'smtpd_milters = inet:127.0.0.1:8891' \
	'milter_default_action = tempfail'
pfx_start mx || h_bail "postfix did not start"

for name in od odbody py pyed pyhdr nokey servfail forged; do
	swaks --server 127.0.0.1:10025 --local-interface 127.0.0.30 --helo client.example.test \
		--from alice@example.test --to carol@example.test --data "$M/$name.eml" \
		>"$M/$name.swaks" 2>&1 || tap_diag "swaks $name failed"
done

ar() { # NAME: our Authentication-Results of message NAME, unfolded
	local f
	f=$(dk_sink_file "$1" 20) || return 1
	dk_fields "$f" Authentication-Results | head -n 1
}
expect() { # NAME RESULT SELECTOR DESCRIPTION
	local got
	got=$(ar "$1")
	if [[ $got == " mx.example.test;"*"dkim=$2 "*"header.s=$3"* ]]; then
		tap_ok 0 "$4"
	else
		tap_ok 1 "$4"
		tap_diag "got: $got"
	fi
}
expect od pass od "signed by OpenDKIM: dkim=pass"
expect py pass py "signed by dkimpy (rsa-sha256): dkim=pass"
expect pyed pass pyed "signed by dkimpy (ed25519-sha256): dkim=pass"
expect odbody fail od "a changed body: dkim=fail"
expect pyhdr fail py "a changed signed header field: dkim=fail"
expect nokey permerror nokey "no key record: dkim=permerror"
expect servfail temperror any "the key lookup fails (SERVFAIL): dkim=temperror"

f=$(dk_sink_file forged 20)
ars=$(dk_fields "$f" Authentication-Results)
tap_is "$(grep -c . <<<"$ars")" 2 "forged: two Authentication-Results fields are left"
tap_ok $([[ $(head -n 1 <<<"$ars") == " mx.example.test;"*"dkim=pass"*"header.s=py"* ]] && echo 0 || echo 1) \
	"forged: ours is on top and says pass for the real signature"
tap_is "$(sed -n 2p <<<"$ars")" " relay.elsewhere.test; spf=pass smtp.mailfrom=example.test" \
	"forged: another host's field stays"
tap_is "$(grep -c 'bank.test' <<<"$ars")" 0 "forged: both fields claiming our authserv-id are gone"
h_daemon_stop dkim 10
tap_is $? 0 "postern-dkim stops cleanly"
tap_done
