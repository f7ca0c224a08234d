#!/usr/bin/env bash
# quickstart.sh: install what is missing, build, then either run the suite
# on loopback with the example configuration (no argument) or run every test
# ("test"). Meant for a Debian 12 machine, run as root.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

# Libraries and tools the build needs.
BUILD_PACKAGES=(autoconf automake libtool pkg-config make gcc
	libpcre2-dev libssl-dev libevent-dev libunbound-dev libmilter-dev
	libopendkim-dev libspf2-dev libclamav-dev libcrypt-dev libseccomp-dev libarchive-dev)
# What the demo suggests to send mail with.
DEMO_PACKAGES=(swaks)
# Real peers and tools the tests drive.
TEST_PACKAGES=(postfix postfix-pcre nsd iproute2 bind9-dnsutils procps
	clang libclang-rt-14-dev python3 swaks
	python3-spf python3-yaml postfix-policyd-spf-python
	opendkim opendkim-tools python3-dkim python3-nacl
	clamav-testfiles clamav-daemon clamav-milter zip unzip dovecot-core dovecot-lmtpd openssl
	pflogsumm)

say() { printf '==> %s\n' "$*"; }

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart.sh: run as root to install packages" >&2
		exit 1
	fi
	# Postfix asks how to configure itself; we run our own instances only.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	# Packages such as nsd would start system services on install; the tests
	# start their own instances, so keep the machine's services untouched.
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
	[ $made_policy -eq 1 ] && rm -f "$policy"
	return 0
}

# build DIR [configure options...]: configure (once) and build in DIR.
build() {
	local dir=$1
	shift
	[ -x configure ] || ./autogen.sh
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" -q "$@")
	fi
	make -C "$dir" -s -j"$(nproc)"
}

# summary LOGFILE...: one "N passed, N failed" line over automake test logs.
summary() {
	local pass=0 fail=0 f n
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(sed -n 's/^# PASS: *//p' "$f" | head -n1); pass=$((pass + ${n:-0}))
		n=$(sed -n 's/^# FAIL: *//p' "$f" | head -n1); fail=$((fail + ${n:-0}))
		n=$(sed -n 's/^# ERROR: *//p' "$f" | head -n1); fail=$((fail + ${n:-0}))
		n=$(sed -n 's/^# XPASS: *//p' "$f" | head -n1); fail=$((fail + ${n:-0}))
	done
	echo "$pass passed, $fail failed"
}

run_tests() {
	local rc=0 jobs=$(($(nproc) * 2))
	say "building"
	build build
	# The sanitizer build compiles while the plain suite runs, at a lower
	# priority: the tests mostly wait on daemons and leave the CPU idle.
	say "building with AddressSanitizer and UndefinedBehaviorSanitizer (in the background)"
	(
		renice -n 10 -p "$BASHPID" >/dev/null
		build build-asan --enable-sanitizers
		# Its test programs too (TESTS empty: no test runs yet).
		make -C build-asan -s -j"$(nproc)" check TESTS=
	) >build/asan-build.out 2>&1 &
	local asan_build=$!
	say "running the test suite (unit and integration tests)"
	# Tests run side by side (each in its own namespaces and directories):
	# most of their time is spent waiting on daemons, not on the CPU.
	make -C build -s -j"$jobs" check >build/check.out 2>&1 || rc=1
	grep -E '^(FAIL|ERROR|XPASS)' build/check.out || true
	tail -n 12 build/check.out | sed -n '/Testsuite summary/,$p'
	say "waiting for the sanitizer build"
	if ! wait "$asan_build"; then
		tail -n 30 build/asan-build.out
		echo "quickstart.sh: the sanitizer build failed" >&2
		return 1
	fi
	say "running the test suite under the sanitizers"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C build-asan -s -j"$jobs" check >build-asan/check.out 2>&1 || rc=1
	grep -E '^(FAIL|ERROR|XPASS)' build-asan/check.out || true
	# Five seconds per target (two at a time): a check that each target
	# still builds and survives its corpus and fresh inputs; longer runs by
	# hand (tests/fuzz/run.sh build-fuzz 600).
	say "running each fuzz target briefly"
	tests/fuzz/run.sh build-fuzz 5 >build/fuzz.out 2>&1 || { rc=1; tail -n 30 build/fuzz.out; }
	grep -E '^(PASS|FAIL):' build/fuzz.out || true
	summary build/test-suite.log build-asan/test-suite.log
	local fz_pass fz_fail
	fz_pass=$(grep -c '^PASS:' build/fuzz.out || true)
	fz_fail=$(grep -c '^FAIL:' build/fuzz.out || true)
	echo "fuzz: $fz_pass passed, $fz_fail failed"
	for f in build/test-suite.log build-asan/test-suite.log; do
		grep -q '^# FAIL: *0$' "$f" && grep -q '^# ERROR: *0$' "$f" || rc=1
	done
	return $rc
}

# listening PORT: a TCP socket listens on 127.0.0.1:PORT.
listening() { grep -q ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; }

# demo_start NAME PORT CMD...: start CMD in the background with its output
# in $work/NAME.log and wait until it listens on PORT; its pid joins
# demo_pids.
demo_start() {
	local name=$1 port=$2 i
	shift 2
	: >"$work/$name.log"
	"$@" >>"$work/$name.log" 2>&1 &
	demo_pids+=($!)
	for ((i = 0; i < 100; i++)); do
		listening "$port" && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/$name.log"
	echo "quickstart.sh: $name did not start" >&2
	return 1
}

demo_stop() {
	local pid
	for pid in "${demo_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${demo_pids[@]}"; do
		while kill -0 "$pid" 2>/dev/null; do
			wait "$pid" 2>/dev/null || true
		done
	done
}

run_demo() {
	say "building"
	build build
	local conf=$top/conf/quickstart
	work=/var/tmp/postern-quickstart
	demo_pids=()
	say "checking the example configuration in conf/quickstart"
	build/relay/postern -c "$conf" check || true
	# The daemons drop to an unprivileged system account, postern
	# (mail_owner in postern.cf, user in the filters' files), without a
	# shell or home; posternd delivers to the maildir as that user.
	id -u postern >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin postern
	mkdir -p "$work/Maildir" "$work/dkim"
	chown postern "$work/Maildir"
	if [ ! -e "$work/dkim/demo.private" ]; then
		say "making the demo DKIM key (postern-dkim genkey)"
		build/milters/dkim/postern-dkim genkey -d postern.localhost -s demo -D "$work/dkim" \
			>"$work/dkim/demo.txt" || return 1
	fi
	chown -R postern "$work/dkim"
	# postern-av's signature database: the one signature in
	# conf/quickstart/eicar.ndb. The EICAR test string itself, to send, is
	# put together from two halves so that this script is no test virus.
	mkdir -p "$work/clamav"
	cp "$conf/eicar.ndb" "$work/clamav/"
	printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$' 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' \
		>"$work/eicar.txt"
	trap 'demo_stop' EXIT
	say "starting postern-dkim (127.0.0.1:8891), postern-av (127.0.0.1:8892)," \
		"postern-headers (127.0.0.1:8893), postern-attach (127.0.0.1:8894)," \
		"postern-spf (127.0.0.1:8895) and postern-dsn (127.0.0.1:8896)"
	local m d
	for m in dkim:8891 av:8892 headers:8893 attach:8894 dsn:8896; do
		d=${m%:*}
		demo_start "postern-$d" "${m#*:}" "build/milters/$d/postern-$d" -f \
			-c "$conf/postern-$d.conf" || return 1
	done
	demo_start postern-spf 8895 build/policyd/spf/postern-spf -f \
		-c "$conf/postern-spf.conf" || return 1
	say "starting posternd on 127.0.0.1:2525 (smtp) and 127.0.0.1:2587 (submission)"
	demo_start posternd 2587 build/relay/posternd -f -c "$conf" || return 1
	local pid=${demo_pids[-1]} log=$work/posternd.log
	cat <<MSG

posternd runs with conf/quickstart and passes every message to its milters
(smtpd_milters): postern-headers, postern-attach, postern-av, postern-dsn
and postern-dkim; it asks postern-spf about each recipient
(check_policy_service). Logs: $work/*.log; posternd's is shown below.

Send a message to a local address (no login needed from this machine); it
is signed with the demo DKIM key (the TXT record to publish for it is in
$work/dkim/demo.txt):
  swaks --server 127.0.0.1:2525 --helo demo.example \\
        --from demo@postern.localhost --to postmaster@postern.localhost

Read it (postern-spf's Received-SPF header is at the top, postern-av's
X-Virus-Status: Clean below it):
  ls $work/Maildir/new; cat $work/Maildir/new/*

A header check (conf/quickstart/postern-headers.conf) refuses this one:
  swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \\
        --to postmaster@postern.localhost --header "Subject: [reject-me] hello"
  <** 550 5.7.1 demo rule: the subject asks for it

postern-attach (conf/quickstart/postern-attach.conf) refuses a program:
  swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \\
        --to postmaster@postern.localhost \\
        --attach-name invoice.exe --attach "MZ, not really a program"
  <** 550 5.7.1 Message refused: banned attachment: "invoice.exe": banned extension .exe

postern-av (conf/quickstart/postern-av.conf, a one-signature database)
refuses the EICAR test file:
  swaks --server 127.0.0.1:2525 --helo demo.example --from you@example.org \\
        --to postmaster@postern.localhost --attach @$work/eicar.txt
  <** 550 5.7.1 Virus found: Postern.Demo.EICAR.UNOFFICIAL

postern-dsn (conf/quickstart/postern-dsn.conf) hides internal host names
and addresses in a bounce that leaves the site; the copy delivered to the
maildir says "[internal host]" where the sample names mbox.corp.example:
  swaks --server 127.0.0.1:2525 --helo demo.example --from '<>' \\
        --to postmaster@postern.localhost --data @$conf/sample-bounce.eml

Relay elsewhere through the submission listener as the demo user; mail to
other domains is accepted and then discarded (default_transport = discard:
in conf/quickstart/postern.cf): the demo sends nothing off this machine.
  swaks --server 127.0.0.1:2587 --helo demo.example --auth PLAIN \\
        --auth-user demo --auth-password demo-password \\
        --from demo@postern.localhost --to someone@example.org

Ctrl-C stops everything (messages being committed get their reply first).

MSG
	tail -n +1 -f "$log" &
	local tailer=$!
	trap 'kill -TERM "$pid" 2>/dev/null || true' INT TERM
	local rc=0
	wait "$pid" || rc=$?
	# wait returns early when the trap runs: wait for posternd itself.
	while kill -0 "$pid" 2>/dev/null; do
		rc=0
		wait "$pid" || rc=$?
	done
	sleep 0.2
	kill "$tailer" 2>/dev/null || true
	trap - INT TERM
	demo_stop
	echo
	say "posternd stopped (exit status $rc); delivered mail is in $work/Maildir/new"
	ls -l "$work/Maildir/new"
}

install_missing "${BUILD_PACKAGES[@]}"
case "${1:-}" in
"")
	install_missing "${DEMO_PACKAGES[@]}"
	run_demo
	;;
test)
	install_missing "${TEST_PACKAGES[@]}"
	run_tests
	;;
*)
	echo "usage: $0 [test]" >&2
	exit 2
	;;
esac
