#!/usr/bin/env bash
# dkim_sign.sh: acceptance 1 under a real Postfix 3.7 (smtpd_milters and
# non_smtpd_milters): postern-dkim signs mail from mynetworks, from a SASL
# client (Dovecot auth) and from sendmail, with an RSA and an Ed25519 key
# side by side, and leaves inbound mail unsigned (verified instead). Every
# RSA signature verifies with OpenDKIM's opendkim-testmsg, every signature
# with dkimpy's dkimverify (the Ed25519 one too), keys from the namespace's
# DNS; each verdict line carries Postfix's queue id.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=120
h_netns_enter "$@"

dk_zone_init
dk_genkey rsa2048 rsa
dk_genkey ed ed25519
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start

cat >"$TEST_TMP/dkim.conf" <<CONF
socket = inet:127.0.0.1:8891
user = nobody
internal_hosts = 127.0.0.1
key_table = $TEST_TMP/keytable
signing_table = refile:$TEST_TMP/signingtable
multiple_signatures = yes
authserv_id = out.example.test
CONF
printf 'rsa example.test:rsa2048:%s/keys/rsa2048.private\ned example.test:ed:%s/keys/ed.private\n' \
	"$TEST_TMP" "$TEST_TMP" >"$TEST_TMP/keytable"
printf '*@example.test rsa\n*@example.test ed\n' >"$TEST_TMP/signingtable"
chown nobody "$TEST_TMP"/keys/*.private
dk_start dkim "$TEST_TMP/dkim.conf"
dk_sink_start

pfx_init out 127.0.0.1:10025
sed -i 's|^mynetworks = .*|mynetworks = 127.0.0.1/32|' "$PFX_DIR/etc/main.cf"
pfx_conf out 'relay_domains = example.test' \
	'relayhost = [127.0.0.11]:2526' \
	'smtpd_milters = inet:127.0.0.1:8891' \
	'non_smtpd_milters = inet:127.0.0.1:8891' \
	'milter_default_action = tempfail' \
	'smtpd_sasl_auth_enable = yes' \
	'smtpd_sasl_type = dovecot' \
	'smtpd_sasl_path = private/auth' \
	'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination'
pfx_start out || h_bail "postfix did not start"
dk_dovecot_start "$PFX_DIR/queue/private/auth"

swaks_to() { # LOCAL-ADDR RCPT FILE [SWAKS-ARGS...]
	local li=$1 rcpt=$2 file=$3
	shift 3
	swaks --server 127.0.0.1:10025 --local-interface "$li" --helo client.example.test \
		--from alice@example.test --to "$rcpt" --data "$file" "$@" >"$file.swaks" 2>&1
}

dk_msg "$TEST_TMP/mynet" "Alice <alice@example.test>"
swaks_to 127.0.0.1 bob@remote.test "$TEST_TMP/mynet"
tap_is $? 0 "a client in mynetworks sends through Postfix"
dk_msg "$TEST_TMP/sasl" "Alice <alice@example.test>"
swaks_to 127.0.0.30 bob@remote.test "$TEST_TMP/sasl" --auth PLAIN --auth-user alice@example.test \
	--auth-password secret
tap_is $? 0 "a SASL client outside mynetworks sends through Postfix"
dk_msg "$TEST_TMP/sendmail" "Alice <alice@example.test>"
sendmail -C "$PFX_DIR/etc" -f alice@example.test bob@remote.test <"$TEST_TMP/sendmail"
tap_is $? 0 "sendmail injects a message (non_smtpd_milters)"
dk_msg "$TEST_TMP/inbound" "Mallory <mallory@elsewhere.test>"
swaks_to 127.0.0.30 carol@example.test "$TEST_TMP/inbound"
tap_is $? 0 "an outside client sends inbound mail"

for name in mynet sasl sendmail; do
	f=$(dk_sink_file "$name" 20)
	if [ -z "$f" ]; then
		tap_ok 1 "$name: the message reached the sink"
		continue
	fi
	sigs=$(dk_fields "$f" DKIM-Signature)
	tap_is "$(grep -c . <<<"$sigs")" 2 "$name: signed twice (RSA and Ed25519)"
	rsa=$(grep -n 'a=rsa-sha256' <<<"$sigs" | cut -d: -f1)
	ed=$(grep -n 'a=ed25519-sha256' <<<"$sigs" | cut -d: -f1)
	dk_verify_dkimpy "$f" $((rsa - 1))
	tap_is $? 0 "$name: dkimpy verifies the RSA signature"
	dk_verify_dkimpy "$f" $((ed - 1))
	tap_is $? 0 "$name: dkimpy verifies the Ed25519 signature"
	# smtp-sink puts its own X- fields first; opendkim-testmsg gets the
	# message from the first signature on, with the RSA one alone.
	awk '/^DKIM-Signature:/ { started = 1 } started' "$f" |
		awk 'BEGIN { skip = 0 } /^DKIM-Signature:/ { skip = /ed25519/ ? 1 : 0; if (skip) next }
		     /^[ \t]/ && skip { next } { skip = 0; print }' >"$f.rsa"
	opendkim-testmsg <"$f.rsa" >"$f.testmsg" 2>&1
	tap_is $? 0 "$name: opendkim-testmsg verifies the RSA signature"
done

f=$(dk_sink_file inbound 20)
tap_is "$(dk_fields "$f" DKIM-Signature | grep -c .)" 0 "inbound mail is not signed"
tap_is "$(dk_fields "$f" Authentication-Results)" " out.example.test; dkim=none" \
	"inbound mail is verified instead: dkim=none"

# Each verdict line starts with the queue id Postfix logged for that message.
ids_ok=0
while read -r qid; do
	grep -q " $qid: " "$(pfx_log out)" && ids_ok=$((ids_ok + 1))
done < <(grep -o '[0-9A-F]\{6,\}: outcome=signed' "$TEST_TMP/dkim.log" | cut -d: -f1)
tap_is "$ids_ok" 3 "three signed verdicts, each keyed by a Postfix queue id"
tap_ok $(grep -q 'outcome=verified action=accept dkim=none' "$TEST_TMP/dkim.log"; echo $?) \
	"the inbound verdict is logged"
h_daemon_stop dkim 10
tap_is $? 0 "postern-dkim stops cleanly"
tap_done
