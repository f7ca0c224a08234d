#!/usr/bin/env bash
# dkim_enforce.sh: acceptance 4: postern-dkim gives no pass to an rsa-sha1
# signature, to a signature with l= followed by appended text, or to a
# signed message with a second From field prepended, though libopendkim on
# its own says "pass" for each: the real OpenDKIM milter (libopendkim and
# nothing more) adds dkim=pass, and for the first two opendkim-testmsg
# succeeds too. A normal signature passes everywhere. The policy outcome
# then takes its action: tag (X-Postern-DKIM) or reject (550 5.7.20) for
# require_signature_domains.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=60
h_netns_enter "$@"

dk_zone_init
dk_genkey py rsa
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
PYSIGN="$top_srcdir/tests/data/dkim/pysign.py"
KEY=$TEST_TMP/keys/py.private
M=$TEST_TMP/msgs
mkdir -p "$M"

dk_msg "$M/good.in" "Alice <alice@example.test>"
$PYSIGN py example.test "$KEY" <"$M/good.in" >"$M/good"
dk_msg "$M/sha1.in" "Alice <alice@example.test>"
$PYSIGN py example.test "$KEY" --alg rsa-sha1 <"$M/sha1.in" >"$M/sha1"
dk_msg "$M/length.in" "Alice <alice@example.test>"
$PYSIGN py example.test "$KEY" --length <"$M/length.in" >"$M/length"
printf 'P.S. Send the money to the account below.\r\n' >>"$M/length"
dk_msg "$M/from.in" "Alice <alice@example.test>"
{
	printf 'From: The Boss <ceo@example.test>\r\n'
	$PYSIGN py example.test "$KEY" --headers from,to,subject,date,message-id <"$M/from.in"
} >"$M/from"

cat >"$TEST_TMP/dkim.conf" <<CONF
socket = inet:127.0.0.1:8891
user =
authserv_id = mx.example.test
require_signature_domains = example.test
on_bad_signature = tag
CONF
dk_start dkim "$TEST_TMP/dkim.conf"
dk_start strict "$TEST_TMP/dkim.conf" -o socket=inet:127.0.0.1:8892 -o on_bad_signature=reject

# The real OpenDKIM, verifying. It gets the key from a file (TestPublicKeys)
# holding what the namespace's DNS serves: in a test namespace it finds no
# key through DNS (it makes no query at all), while libopendkim does.
printf 'py._domainkey.example.test %s\n' \
	"$("$top_builddir/tests/tools/resolve" txt py._domainkey.example.test | tr -d '" ')" \
	>"$TEST_TMP/opendkim.keys"
cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode v
Socket inet:8893@127.0.0.1
AuthservID od.example.test
TestPublicKeys $TEST_TMP/opendkim.keys
Background no
Syslog no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8893 || h_bail "opendkim did not start"

# what PORT ID NAME: the dkim= result and the comment a milter gives NAME
what() {
	"$DRIVE" -c client.example.test,127.0.0.30 "inet:127.0.0.1:$1" "$M/$3" >"$M/$3.$1"
	sed -n 's/^insheader 0 Authentication-Results: '"$2"';\\n\\tdkim=\([a-z]*\)\( (\([^)]*\))\)\{0,1\}.*/\1 \3/p' "$M/$3.$1"
}

opendkim-testmsg <"$M/good" >/dev/null 2>&1
tap_is $? 0 "a normal signature: opendkim-testmsg says it verified"
tap_is "$(what 8893 od.example.test good)" "pass 2048-bit key" "... OpenDKIM says pass"
tap_is "$(what 8891 mx.example.test good)" "pass 2048-bit key" "... and postern-dkim says pass"
for case in "sha1:rsa-sha1 is not accepted:an rsa-sha1 signature" \
	"length:l= leaves body content unsigned:l= with text appended after the signed body" \
	"from:more From fields than signed:a second From prepended to a signed message"; do
	IFS=: read -r name reason desc <<<"$case"
	tap_is "$(what 8893 od.example.test "$name")" "pass 2048-bit key" \
		"$desc: OpenDKIM (libopendkim alone) says pass"
	if [ "$name" != from ]; then
		opendkim-testmsg <"$M/$name" >"$M/$name.testmsg" 2>&1
		tap_is $? 0 "$desc: opendkim-testmsg says it verified"
	fi
	tap_is "$(what 8891 mx.example.test "$name")" "policy $reason" \
		"$desc: postern-dkim says policy, not pass"
	tap_ok $(grep -q "^insheader 1 X-Postern-DKIM: bad_signature for example.test$" "$M/$name.8891"; echo $?) \
		"$desc: on_bad_signature = tag marks it"
done
out=$("$DRIVE" -c client.example.test,127.0.0.30 inet:127.0.0.1:8892 "$M/sha1")
tap_is "$(tail -n 2 <<<"$out")" "eom REPLYCODE 550 5.7.20 No passing DKIM signature found
--" "on_bad_signature = reject refuses it with 550 5.7.20"
tap_ok $(grep -q 'outcome=bad_signature action=reject dkim=policy d=example.test s=py (rsa-sha1 is not accepted)' "$TEST_TMP/strict.log"; echo $?) \
	"the verdict line says why"
tap_done
