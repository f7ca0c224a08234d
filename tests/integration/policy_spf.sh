#!/usr/bin/env bash
# policy_spf.sh: issue 5, acceptance 3: posternd with a real SPF policy
# service in smtpd_recipient_restrictions after reject_unauth_destination,
# delivering to a local maildir: transport. Twice: Debian's policyd-spf
# (postfix-policyd-spf-python, a stdin/stdout program, served on a socket
# one process per connection as Postfix's spawn does it) and postern-spf
# (policyd/spf, a daemon on a unix socket). The sender domains' SPF records
# are in the namespace DNS; the client connects from 2001:db8::21 (libspf2
# passes any loopback client as "localhost is always allowed"). An
# SPF-fail sender is refused at RCPT with the service's 550 reply; an
# SPF-pass message is delivered with "Received-SPF: pass".
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"

cat >"$TEST_TMP/policy.test.zone" <<'ZONE'
$ORIGIN policy.test.
@	300 SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@	300 NS ns1.example.test.
pass	300 TXT "v=spf1 ip6:2001:db8::21 -all"
fail	300 TXT "v=spf1 ip6:2001:db8::99 -all"
ZONE
h_dns_zone "$TEST_TMP/policy.test.zone"
h_addr_add 2001:db8::1
h_addr_add 2001:db8::21

# policyd-spf: rejects Fail, prepends Received-SPF otherwise.
cat >"$TEST_TMP/policyd-spf.conf" <<'CONF'
debugLevel = 1
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses = 192.0.2.99
CONF
h_daemon_start policyd_spf /usr/bin/python3 "$top_srcdir/tests/integration/policy_spawn.py" \
	inet:127.0.0.1:9101 /usr/bin/policyd-spf "$TEST_TMP/policyd-spf.conf"
h_wait_port 127.0.0.1 9101 || h_bail "policyd-spf's socket did not appear"

# postern-spf on a unix socket.
sock=$TEST_TMP/spf/postern-spf
mkdir -p "$TEST_TMP/spf" && chmod 755 "$TEST_TMP/spf"
cat >"$TEST_TMP/postern-spf.conf" <<CONF
socket = unix:$sock
user = nobody
skip_addresses = 192.0.2.99
receiver = mx.example.test
CONF
chmod 644 "$TEST_TMP/postern-spf.conf"
h_daemon_start postern_spf "$top_builddir/policyd/spf/postern-spf" -f -c "$TEST_TMP/postern-spf.conf"
h_wait_file "$sock" || h_bail "postern-spf did not start"

sd_init
mkdir -p "$TEST_TMP/mail"
chmod 777 "$TEST_TMP/mail"
MD=$TEST_TMP/mail/box
printf 'rcpt@example.test\tmaildir:%s\n' "$MD" >"$TEST_TMP/transport"
chmod 644 "$TEST_TMP/transport"
sd_conf 'relay_domains = example.test' "transport_maps = texthash:$TEST_TMP/transport" \
	'mynetworks = 127.0.0.1/32' 'queue_run_delay = 1s' 'inet_protocols = all'
sd_master \
	"[2001:db8::1]:2525 inet n - n - - smtpd -o smtpd_recipient_restrictions=reject_unauth_destination,check_policy_service,inet:127.0.0.1:9101" \
	"[2001:db8::1]:2526 inet n - n - - smtpd -o smtpd_recipient_restrictions=reject_unauth_destination,check_policy_service,unix:$sock"
sd_start -o master_service_disable=

# send PORT FROM SUBJECT: the replies to MAIL, RCPT and DATA, from
# 2001:db8::21 (swaks has no IPv6 here: Python's smtplib)
send() {
	/usr/bin/python3 - "$@" <<'PY'
import smtplib, sys
port, sender, subject = sys.argv[1:4]
s = smtplib.SMTP("2001:db8::1", int(port), source_address=("2001:db8::21", 0), timeout=20)
s.ehlo("client.example.test")
for cmd in ("mail", "rcpt"):
    code, text = s.mail(sender) if cmd == "mail" else s.rcpt("rcpt@example.test")
    print(code, text.decode())
    if code >= 400:
        break
else:
    code, text = s.data("Subject: %s\r\nFrom: <%s>\r\n\r\nbody\r\n" % (subject, sender))
    print(code, text.decode())
s.quit()
PY
}
# delivered SUBJECT: the delivered message with that subject (waits)
delivered() {
	local f=
	for _ in $(seq 100); do
		f=$(grep -l "^Subject: $1\$" "$MD"/new/* 2>/dev/null | head -1)
		[ -n "$f" ] && break
		sleep 0.1
	done
	echo "$f"
}

for svc in policyd-spf:2525 postern-spf:2526; do
	name=${svc%:*} port=${svc#*:}
	out=$(send "$port" user@fail.policy.test "$name fail")
	grep -qE '^550 5\.7\.23 ' <<<"$out"
	tap_ok $? "$name: an SPF-fail sender is refused at RCPT with 550 5.7.23"
	grep -q '^250 2.0.0 Ok: queued' <<<"$out"
	tap_ok $((!$?)) "$name: ... and nothing is queued"
	out=$(send "$port" user@pass.policy.test "$name pass")
	grep -q '^250 2.0.0 Ok: queued' <<<"$out"
	rc=$?
	tap_ok $rc "$name: an SPF-pass message is accepted"
	[ $rc -eq 0 ] || tap_diag "replies: $out"
	f=$(delivered "$name pass")
	[ -n "$f" ]
	tap_ok $? "$name: ... and delivered into the maildir"
	grep -qiE '^Received-SPF: pass .*client-ip=2001:db8::21' "$f"
	tap_ok $? "$name: ... with Received-SPF: pass"
done

# Sessions in a row from the same client, each with a sender of its own:
# each must get its own answer. Both services remember the last answer on
# a connection for its "instance" and give it again for that instance;
# posternd's pooled connection outlives the session, and a new session may
# live at a freed one's address: an instance made of that address repeated
# and a session got an earlier one's reject (user01's text for user02).
for svc in policyd-spf:2525 postern-spf:2526; do
	name=${svc%:*} port=${svc#*:} wrong=
	for i in $(seq -w 1 12); do
		out=$(send "$port" "user$i@fail.policy.test" "$name row $i")
		grep -E '^550 5\.7\.23 ' <<<"$out" | grep -qF "user$i@fail.policy.test" ||
			wrong+="user$i: $out"$'\n'
	done
	tap_is "$wrong" "" "$name: 12 sessions in a row each get the answer for their own sender"
done
tap_is "$(grep -c 'problem talking to server' "$SD_LOG")" 0 "no policy service failed"

sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
