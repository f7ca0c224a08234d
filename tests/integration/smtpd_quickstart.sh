#!/usr/bin/env bash
# smtpd_quickstart.sh: the example configuration ./quickstart.sh runs
# (conf/quickstart) works with posternd: the two sessions the demo
# suggests are accepted and queued (one to a local address, one relayed by
# the demo user through the submission listener), and an unauthenticated
# client is turned away from submission.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
h_netns_enter "$@"

sd_init
conf=$(cd "$top_srcdir/conf/quickstart" && pwd)
h_daemon_start posternd sh -c 'exec "$@" >>"$0" 2>&1' "$SD_LOG" \
	"$SD_POSTERND" -f -c "$conf" -o "queue_directory=$SD_QUEUE" -o master_service_disable=qmgr.fifo
h_wait_grep 'daemon started' "$SD_LOG" 10 || h_bail "posternd did not start: $(tail -n 5 "$SD_LOG")"
tap_is "$(grep -c ': error: \|fatal' "$SD_LOG")" 0 "conf/quickstart: posternd starts without errors"

out=$(swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \
	--to postmaster@postern.localhost 2>&1)
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
tap_is "$(sd_queue count)" 2 "two messages are in the queue"
sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_done
