#!/usr/bin/env bash
# milter_bench.sh: relay throughput with OpenDKIM signing as smtpd_milters,
# posternd against Postfix 3.7 on the same machine in the same run (issue
# 5, acceptance 6). One real OpenDKIM (Debian opendkim) signs for both;
# smtp-source sends 1 KB messages from bench@example.test over 1, 10 and
# 50 sessions. Postfix's queue manager is disabled, so neither server
# delivers while it receives. A posternd listener without milters gives
# the cost of the milter round trips: the per-message time with one
# session, with and without OpenDKIM (a mean, not a median).
#
# Run as root from a build directory (it uses a private network namespace):
#   top_srcdir=.. top_builddir=. ../tests/bench/milter_bench.sh
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
. "$top_srcdir/tests/data/dkim/lib.sh"
H_TIME_LIMIT=1800
h_netns_enter "$@"

# SESSIONS MESSAGES per run.
RUNS=${RUNS:-"1 300
10 1000
50 2000"}

dk_zone_init
dk_genkey od rsa
h_dns_zone "$TEST_TMP/example.test.zone"
h_dns_start
cat >"$TEST_TMP/opendkim.conf" <<CONF
Mode s
Domain example.test
Selector od
KeyFile $TEST_TMP/keys/od.private
Socket inet:8891@127.0.0.1
RequireSafeKeys false
Background no
Syslog no
CONF
h_daemon_start opendkim opendkim -f -x "$TEST_TMP/opendkim.conf"
h_wait_port 127.0.0.1 8891 || h_bail "opendkim did not start"

sd_init
sd_conf 'local_header_rewrite_clients =' 'smtpd_client_connection_count_limit = 0' \
	'smtpd_milters = inet:127.0.0.1:8891'
sd_master '127.0.0.1:2525 inet n - n - 0 smtpd' \
	'127.0.0.1:2527 inet n - n - 0 smtpd -o smtpd_milters='
sd_start
pfx_init pfx 127.0.0.1:2526
pfx_conf pfx 'master_service_disable = qmgr.fifo' 'smtpd_client_connection_count_limit = 0' \
	'default_process_limit = 200' 'smtpd_milters = inet:127.0.0.1:8891'
pfx_start pfx || h_bail "Postfix did not start"

# rate PORT SESSIONS MESSAGES: messages per second.
rate() {
	local t0 t1
	t0=$(h_now_us)
	smtp-source -d -s "$2" -m "$3" -l 1024 -f bench@example.test -t rcpt@example.org \
		"127.0.0.1:$1" 2>"$TEST_TMP/source.err" ||
		tap_diag "smtp-source failed: $(tail -n 2 "$TEST_TMP/source.err")"
	t1=$(h_now_us)
	echo "$(($3 * 1000000 / (t1 - t0)))"
}

# signed QUEUE-DIR: the number of queued files with a DKIM-Signature.
signed() { grep -rl 'DKIM-Signature:' "$1" 2>/dev/null | wc -l; }

printf '# %8s %8s %12s %12s %7s\n' sessions messages "posternd/s" "Postfix/s" ratio
while read -r sessions messages; do
	ours=$(rate 2525 "$sessions" "$messages")
	theirs=$(rate 2526 "$sessions" "$messages")
	printf '# %8s %8s %12s %12s %6s.%sx\n' "$sessions" "$messages" "$ours" "$theirs" \
		$((ours / theirs)) $((ours * 10 / theirs % 10))
	tap_ok $((ours <= 0 || theirs <= 0)) "$sessions sessions: both servers accepted every message"
	if [ "$sessions" = 1 ]; then
		plain=$(rate 2527 1 "$messages")
		printf '# one session: %s us per message with OpenDKIM, %s us without\n' \
			$((1000000 / ours)) $((1000000 / plain))
	fi
done <<<"$RUNS"
tap_ok $(($(signed "$SD_QUEUE") == 0)) "posternd's queued messages are signed"
tap_ok $(($(signed "$PFX_DIR/queue") == 0)) "Postfix's queued messages are signed"
sd_stop
tap_done
