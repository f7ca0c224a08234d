#!/usr/bin/env bash
# smtpd_quickstart.sh: the example configuration ./quickstart.sh runs
# (conf/quickstart) works with posternd: the two sessions the demo
# suggests are accepted (one to a local address, one relayed by the demo
# user through the submission listener), an unauthenticated client is
# turned away from submission, and the local message can then be read in
# the maildir while the relayed one is discarded (the demo sends nothing
# off the machine). The demo's milters run too, from their files in
# conf/quickstart: postern-dkim signs the local message (the signature
# verifies with dkimpy against the record genkey printed, served by the
# test's DNS), postern-headers refuses a subject its rule names,
# postern-attach refuses an .exe attachment, postern-av (with the demo's
# one-signature database, conf/quickstart/eicar.ndb) refuses the EICAR
# test file and marks the clean message, postern-dsn hides the internal
# names of the demo's sample bounce, and posternd asks postern-spf
# (check_policy_service), whose Received-SPF header is in the delivered
# message. Only the queue, maildir, key, signature directory and account
# are changed.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
h_netns_enter "$@"

# The demo key, as ./quickstart.sh makes it, published in the test DNS.
mkdir "$TEST_TMP/dkim"
cat >"$TEST_TMP/postern.localhost.zone" <<'ZONE'
$ORIGIN postern.localhost.
$TTL 300
@	SOA	ns1 hostmaster 1 3600 600 86400 300
	NS	ns1
ns1	A	127.0.0.53
ZONE
"$DKIM" genkey -d postern.localhost -s demo -D "$TEST_TMP/dkim" >>"$TEST_TMP/postern.localhost.zone"
chown -R postfix "$TEST_TMP/dkim"
h_dns_zone "$TEST_TMP/postern.localhost.zone"

sd_init
conf=$(cd "$top_srcdir/conf/quickstart" && pwd)
# posternd delivers as mail_owner, as ./quickstart.sh arranges for its
# maildir; the account ./quickstart.sh creates for the demo (postern) may
# not exist here, so the test runs as postfix, as the other tests do.
mkdir "$TEST_TMP/Maildir" && chown postfix "$TEST_TMP/Maildir"
# postern-av's database as ./quickstart.sh makes it: the demo's signature file.
mkdir "$TEST_TMP/clamav" && cp "$conf/eicar.ndb" "$TEST_TMP/clamav/"
chmod 755 "$TEST_TMP/clamav" && chmod 644 "$TEST_TMP/clamav/eicar.ndb"
dk_start dkim "$conf/postern-dkim.conf" -o user=postfix -o "key_file=$TEST_TMP/dkim/demo.private"
h_daemon_start av "$top_builddir/milters/av/postern-av" -f -c "$conf/postern-av.conf" \
	-o user=postfix -o "database_directory=$TEST_TMP/clamav"
for m in headers attach dsn; do
	h_daemon_start "$m" "$top_builddir/milters/$m/postern-$m" -f -c "$conf/postern-$m.conf" \
		-o user=postfix
done
h_daemon_start spf "$top_builddir/policyd/spf/postern-spf" -f -c "$conf/postern-spf.conf" \
	-o user=postfix
for m in dkim:8891 av:8892 headers:8893 attach:8894 spf:8895 dsn:8896; do
	h_wait_port 127.0.0.1 "${m#*:}" ||
		h_bail "postern-${m%:*} did not start: $(tail -n 5 "$TEST_TMP/${m%:*}.log")"
done
h_daemon_start posternd sh -c 'exec "$@" >>"$0" 2>&1' "$SD_LOG" \
	"$SD_POSTERND" -f -c "$conf" -o "queue_directory=$SD_QUEUE" -o mail_owner=postfix \
	-o "local_transport=maildir:$TEST_TMP/Maildir"
h_wait_grep 'daemon started' "$SD_LOG" 10 || h_bail "posternd did not start: $(tail -n 5 "$SD_LOG")"
tap_is "$(grep -c ': error: \|fatal' "$SD_LOG")" 0 "conf/quickstart: posternd starts without errors"

out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from demo@postern.localhost \
	--to postmaster@postern.localhost --header "Subject: quickstart test" 2>&1)
grep -q '^<-  250 2.0.0 Ok: queued as ' <<<"$out"
tap_ok $? "smtp: mail to a local address is queued"
out=$(swaks --server 127.0.0.1:2587 --helo demo.example --auth PLAIN --auth-user demo \
	--auth-password demo-password --from demo@postern.localhost --to someone@example.org 2>&1)
grep -q '^<-  235 2.7.0 Authentication successful' <<<"$out" &&
	grep -q '^<-  250 2.0.0 Ok: queued as ' <<<"$out"
tap_ok $? "submission: the demo user logs in and relays"
out=$(swaks --server 127.0.0.1:2587 --helo demo.example --from you@example.org \
	--to postmaster@postern.localhost 2>&1)
grep -q '^<\*\* 554 5.7.1 .*Client host rejected: Access denied' <<<"$out"
tap_ok $? "submission: an unauthenticated client is refused"
h_wait_grep 'to=<postmaster@postern.localhost>.* status=sent' "$SD_LOG" 30
tap_ok $? "the local message is delivered"
msg=$(find "$TEST_TMP/Maildir/new" -type f)
tap_is "$(wc -l <<<"$msg")" 1 "one message is in the maildir's new/"
grep -q '^Subject: quickstart test' "$msg" && grep -q '^Delivered-To: postmaster@postern.localhost' "$msg"
tap_ok $? "... the message sent, with its Delivered-To header"
tap_is "$(dk_fields "$msg" DKIM-Signature | grep -o ' d=postern.localhost; s=demo;')" \
	" d=postern.localhost; s=demo;" "postern-dkim signed it with the demo key"
dk_verify_dkimpy "$msg"
tap_is $? 0 "... and dkimpy verifies the signature against the published record"
grep -q '^Received-SPF: pass (mailfrom) client-ip=127.0.0.1; envelope-from="demo@postern.localhost"; helo=demo.example; receiver=<UNKNOWN>; identity=mailfrom' "$msg"
tap_ok $? "postern-spf was asked (check_policy_service): the message has its Received-SPF: pass"
tap_is "$(grep '^X-Virus-Status:' "$msg")" "X-Virus-Status: Clean" "postern-av scanned it: Clean"
tap_is "$(grep -c 'problem talking to server' "$SD_LOG")" 0 "... and answered every request"
out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \
	--to postmaster@postern.localhost --header "Subject: [reject-me] hello" 2>&1)
grep -q '^<\*\* 550 5.7.1 demo rule: the subject asks for it' <<<"$out"
tap_ok $? "postern-headers: the demo rule refuses its subject with 550 5.7.1 and its text"
out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \
	--to postmaster@postern.localhost --attach-name invoice.exe \
	--attach "MZ, not really a program" 2>&1)
tap_is "$(grep '^<\*\*' <<<"$out")" \
	'<** 550 5.7.1 Message refused: banned attachment: "invoice.exe": banned extension .exe' \
	"postern-attach refuses invoice.exe with 550 5.7.1 naming the file"
# The EICAR test string, put together as ./quickstart.sh does.
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' \
	>"$TEST_TMP/eicar.txt"
out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \
	--to postmaster@postern.localhost --attach "@$TEST_TMP/eicar.txt" 2>&1)
tap_is "$(grep '^<\*\*' <<<"$out")" '<** 550 5.7.1 Virus found: Postern.Demo.EICAR.UNOFFICIAL' \
	"postern-av refuses the EICAR test file with 550 5.7.1 naming the demo signature"
tap_is "$(grep -c 'outcome=virus action=reject virus="Postern.Demo.EICAR.UNOFFICIAL"' \
	"$TEST_TMP/av.log")" 1 "... one verdict line in postern-av's log"

# The demo's sample bounce from an internal server reaches the maildir
# without the internal names.
out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from '<>' \
	--to postmaster@postern.localhost --data "@$conf/sample-bounce.eml" 2>&1)
grep -q '^<-  250 2.0.0 Ok: queued as ' <<<"$out"
tap_ok $? "the sample bounce is queued"
delivered() { grep -c 'to=<postmaster@postern.localhost>.* status=sent' "$SD_LOG"; }
h_wait_until 30 eval '[ "$(delivered)" = 2 ]'
tap_ok $? "... and delivered"
bounce=$(grep -l '^Subject: Undelivered Mail Returned to Sender' "$TEST_TMP/Maildir/new"/*)
tap_is "$(grep -e '^Reporting-MTA:' -e '^Remote-MTA:' -e '^<bob@' -e '^From:' "$bounce")" \
	"$(printf '%s\n' 'From: MAILER-DAEMON@[internal host] (Mail Delivery System)' \
		'<bob@corp.example>: mailbox store [internal address] on [internal host]' \
		'Reporting-MTA: dns; [internal host]' 'Remote-MTA: dns; [internal host]' \
		'From: postmaster@postern.localhost')" \
	"postern-dsn: the bounce says [internal host] and [internal address] instead"
tap_is "$(grep -v 'bob@corp\.example' "$bounce" | grep -c 'corp\.example\|10\.20\.0\.')" 0 \
	"... no internal host name or address is left (but the recipient's, bob@corp.example)"
# postern-dsn changes the bounce's own Received field (its first, for a
# milter): posternd's Received field, which milters do not see, stays.
tap_is "$(sed '/^$/q' "$bounce" | awk '/^Received:/ { print $1, $2, $3, $4 }')" \
	"$(printf '%s\n' 'Received: from demo.example (localhost' 'Received: by [internal host]')" \
	"... the bounce's Received field is rewritten, posternd's own is kept"
tap_is "$(sed -n '/^Content-Type: text\/rfc822-headers/,$p' "$bounce" | grep -c '^Received:')" 1 \
	"... the returned headers lost the internal Received header, kept ours"
tap_is "$(grep -c 'outcome=rewritten action=accept' "$TEST_TMP/dsn.log")" 1 \
	"postern-dsn logged one rewritten bounce"
tap_is "$(find "$TEST_TMP/Maildir/new" -type f | wc -l)" 2 \
	"two messages in the maildir: none of the refused ones got through"
h_wait_grep 'to=<someone@example.org>.* relay=none.* status=sent \(quickstart demo, not delivered\)' \
	"$SD_LOG" 30
tap_ok $? "the relayed message is discarded, as the demo configuration says"
h_wait_until 30 eval '[ "$(sd_queue count)" = 0 ]'
tap_is "$(sd_queue count)" 0 "the queue is empty"
sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
