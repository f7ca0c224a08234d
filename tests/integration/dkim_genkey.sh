#!/usr/bin/env bash
# dkim_genkey.sh: "postern-dkim genkey" output pasted into a zone verifies
# end to end: a 2048-bit RSA key whose TXT record needs two strings, and an
# Ed25519 key; the key file is private; the record resolves through the
# namespace's DNS; a message signed by postern-dkim with the key verifies
# with OpenDKIM's opendkim-testmsg and with dkimpy's dkimverify.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=60
h_netns_enter "$@"

dk_zone_init
record=$("$DKIM" genkey -d example.test -s g2048 -D "$TEST_TMP/keys" 2>"$TEST_TMP/genkey.err")
tap_is $? 0 "genkey makes a 2048-bit RSA key"
printf '%s\n' "$record" >>"$TEST_TMP/example.test.zone"
tap_is "$(stat -c %a "$TEST_TMP/keys/g2048.private")" 600 "the private key is mode 0600"
tap_is "$(openssl pkey -in "$TEST_TMP/keys/g2048.private" -noout -text 2>/dev/null | head -n 1)" \
	"Private-Key: (2048 bit, 2 primes)" "... a 2048-bit RSA key, as OpenSSL reads it"
longest=$(grep -o '"[^"]*"' <<<"$record" | awk '{ if (length($0) - 2 > m) m = length($0) - 2 } END { print m }')
strings=$(grep -o '"[^"]*"' <<<"$record" | wc -l)
tap_ok $([ "$strings" -ge 2 ] && [ "$longest" -le 255 ] && echo 0 || echo 1) \
	"the record is split into strings of at most 255 characters ($strings strings, longest $longest)"
"$DKIM" genkey -d example.test -s g2048 -D "$TEST_TMP/keys" >/dev/null 2>&1
tap_is $? 1 "genkey never overwrites a key file"
"$DKIM" genkey -d example.test -s ed1 -t ed25519 -D "$TEST_TMP/keys" >>"$TEST_TMP/example.test.zone" 2>/dev/null
tap_is $? 0 "genkey makes an Ed25519 key"

h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
got=$("$top_builddir/tests/tools/resolve" txt g2048._domainkey.example.test | tr -d '" ')
want=$(grep -o '"[^"]*"' <<<"$record" | tr -d '" \n')
tap_is "$got" "$want" "the pasted record resolves to the same text"

cat >"$TEST_TMP/dkim.conf" <<EOF
socket = inet:127.0.0.1:8891
user =
key_table = $TEST_TMP/keytable
signing_table = $TEST_TMP/signingtable
multiple_signatures = yes
EOF
printf 'rsa example.test:g2048:%s/keys/g2048.private\ned example.test:ed1:%s/keys/ed1.private\n' \
	"$TEST_TMP" "$TEST_TMP" >"$TEST_TMP/keytable"
printf 'example.test rsa\nexample.test ed\n' >"$TEST_TMP/signingtable"
dk_start dkim "$TEST_TMP/dkim.conf"

dk_msg "$TEST_TMP/in.eml" "Alice <alice@example.test>"
out=$("$DRIVE" -c localhost,127.0.0.1 -o "$TEST_TMP/signed.eml" inet:127.0.0.1:8891 "$TEST_TMP/in.eml")
tap_is "$(grep -c '^insheader 0 DKIM-Signature:' <<<"$out")" 2 "two signatures inserted at the top"
rsa_index=$(dk_fields "$TEST_TMP/signed.eml" DKIM-Signature | grep -n 'a=rsa-sha256' | cut -d: -f1)
ed_index=$(dk_fields "$TEST_TMP/signed.eml" DKIM-Signature | grep -n 'a=ed25519-sha256' | cut -d: -f1)
dk_verify_dkimpy "$TEST_TMP/signed.eml" $((rsa_index - 1))
tap_is $? 0 "dkimpy verifies the RSA signature with the genkey record"
dk_verify_dkimpy "$TEST_TMP/signed.eml" $((ed_index - 1))
tap_is $? 0 "dkimpy verifies the Ed25519 signature with the genkey record"
# opendkim-testmsg checks the first signature: give it the RSA one alone.
awk 'BEGIN { skip = 0 } /^DKIM-Signature:/ { skip = /ed25519/ ? 1 : 0; if (skip) next }
	/^[ \t]/ && skip { next } { skip = 0; print }' "$TEST_TMP/signed.eml" >"$TEST_TMP/rsa-only.eml"
opendkim-testmsg <"$TEST_TMP/rsa-only.eml" >"$TEST_TMP/testmsg.out" 2>&1
tap_is $? 0 "opendkim-testmsg verifies the RSA signature with the genkey record"
sed 's/this line starts/this line now starts/' "$TEST_TMP/rsa-only.eml" >"$TEST_TMP/changed.eml"
opendkim-testmsg <"$TEST_TMP/changed.eml" >/dev/null 2>&1
tap_ok $([ $? -ne 0 ] && echo 0 || echo 1) "... and refuses it once the body changed"
dk_verify_dkimpy "$TEST_TMP/changed.eml" 0
tap_ok $([ $? -ne 0 ] && echo 0 || echo 1) "... as dkimpy does"
h_daemon_stop dkim 10
tap_is $? 0 "postern-dkim stops cleanly"
tap_done
