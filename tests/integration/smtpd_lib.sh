# smtpd_lib.sh: run posternd in an integration test. Source it after
# tests/lib/harness.sh (and after h_netns_enter).
#
#   sd_init                  start the test DNS unless it runs (client names
#                            are looked up) and write a fresh
#                            configuration in $SD_CONF: postern.cf
#                            with a test hostname, the queue in $SD_QUEUE,
#                            mynetworks 127.0.0.0/8, the queue manager
#                            disabled (master_service_disable = qmgr.fifo,
#                            so mail stays in incoming/; delivery tests
#                            start posternd with -o master_service_disable=);
#                            master.cf with one listener on 127.0.0.1:2525
#   sd_conf 'name = value'...  append postern.cf lines
#   sd_master 'line'...      replace master.cf with these lines
#   sd_start [ARGS...]       start posternd -f -c $SD_CONF ARGS (daemon
#                            "posternd", log in $SD_LOG) and wait until it
#                            says it started; bails out if it does not
#   sd_stop                  stop it (SIGTERM) and return its exit status
#   sd_chat [HOST] PORT      run tests/integration/smtpd_client.py on the
#                            script on stdin; prints the replies (from the
#                            address $SMTPD_CLIENT_SOURCE when set)
#   sd_queue ARGS...         tests/integration/smtpd_queue_tool $SD_QUEUE ARGS
#   sd_swaks ARGS...         swaks against 127.0.0.1:2525

SD_CONF=$TEST_TMP/conf
SD_QUEUE=$TEST_TMP/queue
SD_LOG=$TEST_TMP/posternd.log
SD_CLIENT="$top_srcdir/tests/integration/smtpd_client.py"
SD_QTOOL="$top_builddir/tests/integration/smtpd_queue_tool"
SD_POSTERND="$top_builddir/relay/posternd"

sd_init() {
	[ "$h_dns_running" -ne 0 ] || h_dns_start
	rm -rf "$SD_CONF"
	mkdir -p "$SD_CONF"
	cat >"$SD_CONF/postern.cf" <<CF
compatibility_level = 3.6
myhostname = mx.example.test
mydomain = example.test
queue_directory = $SD_QUEUE
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_error_sleep_time = 0
master_service_disable = qmgr.fifo
CF
	printf '%s\n' "127.0.0.1:2525 inet n - n - - smtpd" >"$SD_CONF/master.cf"
	# posternd runs as mail_owner (postfix): it must reach its files
	# through the test's private directories.
	local up=$TEST_TMP
	while [[ "$up" == */postern-test.* ]]; do
		chmod a+x "$up"
		up=$(dirname "$up")
	done
	chmod -R a+rX "$SD_CONF"
}

sd_conf() { printf '%s\n' "$@" >>"$SD_CONF/postern.cf"; }

sd_master() { printf '%s\n' "$@" >"$SD_CONF/master.cf"; }

sd_start() {
	chmod -R a+rX "$SD_CONF"
	: >>"$SD_LOG"
	# The log only grows: one more "daemon started" line is this start's.
	local started
	started=$(grep -c 'daemon started' "$SD_LOG")
	h_daemon_start posternd sh -c 'exec "$@" >>"$0" 2>&1' "$SD_LOG" \
		"$SD_POSTERND" -f -c "$SD_CONF" "$@"
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c 'daemon started' "$SD_LOG")" -gt "$started" ] && return 0
		h_pid_alive "${h_daemon_pids[posternd]}" || break
		h_sleep 0.1
	done
	tail -n 20 "$SD_LOG" | sed 's/^/# /'
	h_bail "posternd did not start"
}

sd_stop() {
	local rc=0
	h_daemon_stop posternd 20 || rc=$?
	[ "$rc" -eq 0 ] || tail -n 20 "$SD_LOG" | sed 's/^/# posternd: /'
	return "$rc"
}

sd_chat() {
	local host=127.0.0.1
	[ $# -gt 1 ] && { host=$1; shift; }
	/usr/bin/python3 "$SD_CLIENT" "$host" "$1"
}

sd_queue() { "$SD_QTOOL" "$SD_QUEUE" "$@"; }

sd_swaks() { swaks --server 127.0.0.1:2525 "$@"; }
