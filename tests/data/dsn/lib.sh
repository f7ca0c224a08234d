# tests/data/dsn/lib.sh: the site the postern-dsn integration tests share
# (dsn_postfix.sh with Postfix at its edge, dsn_posternd.sh with posternd).
# Source after tests/lib/harness.sh, inside the test's network namespace.
#   DSN, DSN_DATA, W      the daemon, tests/data/dsn, the test's directory
#   DSN_INTERNAL          the internal names the filter table must hide (ERE)
#   dsn_site_start [SETTING...]
#                         the outside world (smtp-sink on 127.0.0.40:2526,
#                         saving what it gets in $W/outside), the internal
#                         mailbox server (127.0.0.41:25, refusing every
#                         recipient with a diagnostic full of internal
#                         details) and postern-dsn on 127.0.0.1:8896 with the
#                         filter tables, plus the extra settings given
DSN=$top_builddir/milters/dsn/postern-dsn
DSN_DATA=$top_srcdir/tests/data/dsn
W=$TEST_TMP/dsn
DSN_INTERNAL='corp\.internal|127\.0\.0\.41|/var/spool/mail|mailbox\.sh'

dsn_site_start() {
	mkdir -p "$W/outside"
	chown postfix "$W/outside"
	chmod 755 "$TEST_TMP" "$W"
	cp "$DSN_DATA"/*.pcre "$DSN_DATA/backscatter" "$W/"
	chmod 644 "$W"/*.pcre "$W/backscatter"
	h_addr_add 127.0.0.40
	h_addr_add 127.0.0.41
	h_daemon_start outside smtp-sink -u postfix -d "$W/outside/%H%M%S." 127.0.0.40:2526 20
	h_daemon_start mbox smtp-sink -u postfix -h mbox.corp.internal -f RCPT \
		-B "550 5.1.1 <bob@mbox.corp.internal>: delivery to /var/spool/mail/bob failed: (mailbox.sh -x exited 67)" \
		127.0.0.41:25 20
	h_wait_port 127.0.0.40 2526 || h_bail "the outside sink did not start"
	h_wait_port 127.0.0.41 25 || h_bail "the mailbox server did not start"
	{
		printf '%s\n' "socket = inet:127.0.0.1:8896" "user = nobody" \
			"delivery_status_filter = pcre:$W/status_filter.pcre" \
			"internal_received_checks = pcre:$W/internal_received.pcre" "$@"
	} >"$W/postern-dsn.conf"
	"$DSN" -c "$W/postern-dsn.conf" check
	tap_is $? 0 "postern-dsn accepts the configuration"
	h_daemon_start dsn "$DSN" -f -c "$W/postern-dsn.conf"
	h_wait_port 127.0.0.1 8896 || h_bail "postern-dsn did not start"
}
