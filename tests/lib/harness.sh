# harness.sh: integration tests in a private network namespace with real DNS.
# Source it after (or instead of) tap.sh; tests/README.md has an example.
#
#   h_netns_enter "$@"       run the rest of the script inside a new network
#                            namespace (loopback only, no route off the
#                            machine) under a time limit; always tears down.
#                            Call it before any check or process start.
#   H_TIME_LIMIT             seconds before the test is stopped (default 60);
#                            set it before h_netns_enter
#   H_TIME_SCALE             multiplies H_TIME_LIMIT (default 1; the
#                            sanitizer build's `make check` sets 3)
#   H_MEMORY_SCALE           what a test multiplies its memory bounds by
#                            (default 1; 3 in the sanitizer build)
#   h_addr_add ADDR          make a test address local: 127.0.0.0/8 or
#                            2001:db8::/32 (added to lo as /32 or /128)
#   h_daemon_start NAME CMD...  run CMD in the background (output in
#                            $TEST_TMP/NAME.log); it is stopped at exit
#   h_daemon_pid NAME        print the pid of daemon NAME
#   h_daemon_stop NAME [SECS]  SIGTERM, then SIGKILL after SECS (default 5);
#                            returns the daemon's exit status
#   h_wait_port ADDR PORT [SECS]  wait until a TCP socket listens there
#   h_wait_file PATH [SECS]  wait until PATH exists
#   h_wait_grep REGEX FILE [SECS]  wait until FILE has a line matching REGEX
#   h_wait_until SECS COMMAND...  wait until COMMAND succeeds (polls it)
#   h_sleep SECS             sleep without starting a process (for polls)
#   h_dns_zone FILE [ORIGIN] serve the zone in FILE (ORIGIN defaults to the
#                            file name less ".zone"); after h_dns_start it is
#                            reloaded and served when the function returns
#   h_dns_zone_servfail ORIGIN  answer SERVFAIL for every name in ORIGIN
#   h_dns_start / h_dns_stop start/stop nsd on $H_DNS_ADDR and $H_DNS_ADDR6,
#                            serving tests/zones/*.zone and the zones above
#   h_bail MESSAGE           abort the test as an error ("Bail out!")
# The wait functions return 0 when the condition holds, 1 on timeout
# (default 10 seconds). Functions that start or stop things must be called
# from the test's main shell, not from a $(...) or | subshell.
declare -F tap_ok >/dev/null || . "$top_srcdir/tests/lib/tap.sh"

# The resolver of every namespace points at this address; the zones use it.
H_DNS_ADDR=127.0.0.53
H_DNS_ADDR6=2001:db8::53
# Test hosts of tests/zones/example.test.zone, local in every namespace.
# IPv4 addresses are listed too: glibc's AI_ADDRCONFIG ignores 127.0.0.1,
# so without a second IPv4 address getaddrinfo would drop every A record.
H_HOST_ADDRS="$H_DNS_ADDR 127.0.0.10 127.0.0.20 127.0.0.25 127.0.0.30
	$H_DNS_ADDR6 2001:db8::10 2001:db8::20 2001:db8::25 2001:db8::30"
: "${H_TIME_LIMIT:=60}"

declare -A h_daemon_pids=()
h_daemon_order=()
h_teardown_registered=0

h_bail() {
	echo "Bail out! $*"
	exit 1
}

# h_now_us: wall-clock time in microseconds.
h_now_us() { echo $((${EPOCHREALTIME/./})); }

# h_cpu_ticks PID...: CPU time (clock ticks) of each PID and its children,
# the children it has reaped included (Postfix's master and its daemons).
h_cpu_ticks() {
	local t=0 pid
	for pid in "$@" $(for p in "$@"; do pgrep -P "$p"; done); do
		t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	echo $t
}

# h_sleep SECS: sleep without starting a process: read waits SECS for a
# line on a pipe that never gets one (this shell holds its write end).
# Tests poll a lot, and every process started costs CPU time.
h_sleep() {
	[ -n "${h_sleep_fd:-}" ] || exec {h_sleep_fd}<> <(:)
	read -r -t "$1" -u "$h_sleep_fd" _ || :
}

# h_wait_until SECS COMMAND...: poll COMMAND every 50 ms until it succeeds.
h_wait_until() {
	local deadline=$((${EPOCHREALTIME/./} + ${1%.*} * 1000000))
	shift
	until "$@"; do
		[ "${EPOCHREALTIME/./}" -lt "$deadline" ] || return 1
		h_sleep 0.05
	done
}

# h_pid_alive PID: the process exists and is not a zombie.
h_pid_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

h_netns_name() { # the namespace name for this test run
	local base=${0##*/}
	echo "postern-${base%.sh}-$$"
}

h_netns_empty() { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }

# h_netns_teardown NAME PGID: stop the inner run (process group PGID, 0 when
# it has ended), kill whatever is left in the namespace, delete the
# namespace and its /etc/netns directory.
h_netns_teardown() {
	local name=$1 pgid=$2 sig
	if [ "$pgid" -gt 0 ]; then
		kill -TERM -- "-$pgid" 2>/dev/null
		h_wait_until 5 eval '! h_pid_alive '"$pgid"
	fi
	# KILL again while anything is left: a daemon may fork a new child
	# between the listing and the signal (nsd restarts its servers).
	for sig in TERM KILL KILL KILL KILL KILL; do
		h_netns_empty "$name" && break
		# shellcheck disable=SC2046
		kill -"$sig" $(ip netns pids "$name" 2>/dev/null) 2>/dev/null
		h_wait_until 2 h_netns_empty "$name"
	done
	ip netns delete "$name" 2>/dev/null
	rm -rf "/etc/netns/$name"
}

# h_netns_sweep: remove the namespaces of earlier runs whose outer process
# is gone (killed with SIGKILL, so their teardown never ran).
h_netns_sweep() {
	local ns
	for ns in $(ip netns list | awk '{print $1}'); do
		[[ $ns =~ ^postern-.*-([0-9]+)$ ]] || continue
		[ -d "/proc/${BASH_REMATCH[1]}" ] || h_netns_teardown "$ns" 0
	done
}

# h_netns_enter "$@": in the outer run, create the namespace, run this
# script again inside it (under timeout) and exit with its status; in the
# inner run, return so the test goes on.
h_netns_enter() {
	local name
	if [ -n "${H_NETNS:-}" ]; then
		[ "$(stat -L -c %i /proc/self/ns/net)" = "$(stat -L -c %i "/run/netns/$H_NETNS")" ] ||
			h_bail "H_NETNS=$H_NETNS is set but this is not that namespace"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || h_bail "network namespaces need root"
	h_netns_sweep
	name=$(h_netns_name)
	ip netns add "$name" || h_bail "ip netns add $name failed"
	tap_on_exit "h_netns_teardown '$name' \"\${h_inner_pid:-0}\""
	mkdir -p "/etc/netns/$name"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$H_DNS_ADDR" \
		>"/etc/netns/$name/resolv.conf"
	local addr
	{
		echo "link set lo up"
		for addr in $H_HOST_ADDRS; do
			h_addr_cmd "$addr"
		done
	} | ip -n "$name" -batch - || h_bail "cannot set up lo in $name"
	# The inner run's TEST_TMP lands inside ours, so it goes even when the
	# inner run is killed. timeout leads a process group of its own: the
	# inner run and the daemons it starts.
	local rc=0 start=$SECONDS
	H_TIME_LIMIT=$((H_TIME_LIMIT * ${H_TIME_SCALE:-1}))
	H_NETNS=$name TMPDIR=$TEST_TMP \
		timeout -k 5 "$H_TIME_LIMIT" ip netns exec "$name" "$BASH" "$0" "$@" &
	h_inner_pid=$!
	wait "$h_inner_pid" || rc=$?
	h_inner_pid=0 # reaped: its number may be reused
	# 124: stopped by SIGTERM at the limit; 137: by SIGKILL 5 s later.
	if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((SECONDS - start)) -ge "$H_TIME_LIMIT" ]; }; then
		echo "Bail out! time limit of ${H_TIME_LIMIT}s reached"
	fi
	exit "$rc"
}

# h_addr_cmd ADDR: the "ip" command that puts test address ADDR on lo;
# fails for an address outside the test ranges.
h_addr_cmd() {
	case $1 in
	127.*) echo "addr add $1/32 dev lo" ;;
	2001:db8:* | 2001:DB8:*) echo "addr add $1/128 dev lo nodad" ;;
	*) return 1 ;;
	esac
}

h_addr_add() {
	local cmd
	[ -n "${H_NETNS:-}" ] || h_bail "h_addr_add: not in a test namespace (h_netns_enter)"
	cmd=$(h_addr_cmd "$1") || h_bail "h_addr_add: $1 is not in 127.0.0.0/8 or 2001:db8::/32"
	# shellcheck disable=SC2086
	ip $cmd || h_bail "h_addr_add: cannot add $1"
}

# h_teardown: stop every daemon, newest first (registered at the first start).
h_teardown() {
	local i
	for ((i = ${#h_daemon_order[@]} - 1; i >= 0; i--)); do
		h_daemon_stop "${h_daemon_order[$i]}" 2
	done
}

h_daemon_start() {
	local name=$1
	shift
	[ -z "${h_daemon_pids[$name]:-}" ] || h_bail "h_daemon_start: $name is already running"
	if [ "$h_teardown_registered" -eq 0 ]; then
		tap_on_exit h_teardown
		h_teardown_registered=1
	fi
	"$@" >>"$TEST_TMP/$name.log" 2>&1 </dev/null &
	h_daemon_pids[$name]=$!
	h_daemon_order+=("$name")
}

h_daemon_pid() {
	[ -n "${h_daemon_pids[$1]:-}" ] || return 1
	echo "${h_daemon_pids[$1]}"
}

h_daemon_stop() {
	local name=$1 secs=${2:-5} pid rc=0 i
	pid=${h_daemon_pids[$name]:-}
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null
	h_wait_until "$secs" eval '! h_pid_alive '"$pid" || kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null || rc=$? # no "Killed" notice
	unset "h_daemon_pids[$name]"
	for i in "${!h_daemon_order[@]}"; do
		[ "${h_daemon_order[$i]}" = "$name" ] && unset "h_daemon_order[$i]"
	done
	h_daemon_order=("${h_daemon_order[@]}")
	return "$rc"
}

# h_proc_addr ADDR: ADDR (IPv4 or IPv6) as /proc/net/tcp and tcp6 print
# it, in h_proc_hex: each 32-bit word in host order (little-endian here).
h_proc_addr() {
	local a=${1,,} head tail=() groups=() i w
	if [[ $a =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
		printf -v h_proc_hex '%02X%02X%02X%02X' "${BASH_REMATCH[4]}" \
			"${BASH_REMATCH[3]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
		return 0
	fi
	[[ $a =~ ^[0-9a-f:]*:[0-9a-f:]*$ ]] || return 1
	IFS=: read -ra head <<<"${a%%::*}"
	[[ $a == *::* ]] && IFS=: read -ra tail <<<"${a#*::}"
	groups=("${head[@]}")
	for ((i = ${#head[@]} + ${#tail[@]}; i < 8; i++)); do
		groups+=(0)
	done
	groups+=("${tail[@]}")
	[ ${#groups[@]} -eq 8 ] || return 1
	h_proc_hex=
	for ((i = 0; i < 8; i += 2)); do
		w=$((16#${groups[i]:-0} << 16 | 16#${groups[i + 1]:-0}))
		printf -v h_proc_hex '%s%02X%02X%02X%02X' "$h_proc_hex" $((w & 255)) \
			$((w >> 8 & 255)) $((w >> 16 & 255)) $((w >> 24 & 255))
	done
}

# h_listening ADDR PORT: a TCP socket listens on ADDR:PORT or the wildcard
# (read from this namespace's /proc/net/tcp and tcp6: no process started).
h_listening() {
	local port file sl local_addr remote state rest
	h_proc_addr "$1" || return 1
	printf -v port '%04X' "$2"
	for file in /proc/net/tcp /proc/net/tcp6; do
		while read -r sl local_addr remote state rest; do
			[ "$state" = 0A ] && [ "${local_addr#*:}" = "$port" ] || continue # 0A: LISTEN
			case ${local_addr%:*} in
			"$h_proc_hex" | 00000000 | 00000000000000000000000000000000) return 0 ;;
			esac
		done <"$file"
	done
	return 1
}

h_wait_port() { h_wait_until "${3:-10}" h_listening "$1" "$2"; }
h_wait_file() { h_wait_until "${2:-10}" test -e "$1"; }
h_wait_grep() { h_wait_until "${3:-10}" grep -Eq -- "$1" "$2"; }

# --- DNS: nsd serving tests/zones/ and the zones the test adds ---------------
# Zones are installed into $H_DNS_DIR/zones as nsd-checkzone prints them,
# with the SOA serial replaced by a counter: the harness knows which version
# is served by asking for the SOA. Zones are listed in nsd's zone list file,
# so nsd-control can add, reload or change them while nsd runs. A SERVFAIL
# zone uses a pattern whose zone file never exists: nsd then answers
# SERVFAIL for every name in it.
declare -A h_dns_zones=() # origin -> "zone" or "servfail"
h_dns_serial=0
h_dns_running=0

h_dns_dir() {
	H_DNS_DIR=$TEST_TMP/dns
	[ -d "$H_DNS_DIR/zones" ] || mkdir -p "$H_DNS_DIR/zones"
}

# h_dns_origin NAME: NAME normalised (lower case, no final dot) in h_origin.
h_dns_origin() {
	h_origin=${1,,}
	h_origin=${h_origin%.}
}

# h_dns_install ORIGIN FILE: check FILE and install it with a new serial
# (in place before nsd runs; by a rename once it may be reading).
h_dns_install() {
	local origin=$1 file=$2 printed line out= soa=0 zone=$H_DNS_DIR/zones/$1.zone
	printed=$(nsd-checkzone -p "$origin" "$file" 2>&1) ||
		h_bail "h_dns_zone $file: $printed"
	h_dns_serial=$((h_dns_serial + 1))
	# The serial is the first number on the line after "<tab>SOA<tab>... (".
	while IFS= read -r line; do
		if [ "$soa" -eq 1 ]; then
			[[ $line =~ ^[[:blank:]]*[0-9]+(.*)$ ]] &&
				line=$'\t\t'$h_dns_serial${BASH_REMATCH[1]}
			soa=2
		elif [ "$soa" -eq 0 ] && [[ $line == *$'\t'SOA$'\t'*'(' ]]; then
			soa=1
		fi
		out+=$line$'\n'
	done <<<"$printed"
	[ "$soa" -eq 2 ] || h_bail "h_dns_zone $file: unexpected nsd-checkzone output"
	if [ "$h_dns_running" -eq 1 ]; then
		printf '%s' "$out" >"$zone.new"
		mv "$zone.new" "$zone"
	else
		printf '%s' "$out" >"$zone"
	fi
	echo "$h_dns_serial" >"$H_DNS_DIR/zones/$origin.serial"
}

# h_dns_query ORIGIN...: ask the server for the SOA of each ORIGIN (one
# dig for all) and set h_dns_got[ORIGIN] to "STATUS SERIAL" (STATUS empty
# when no answer came, SERIAL empty when the answer has no SOA).
declare -A h_dns_got=()
h_dns_query() {
	local origin args=() line f status= cur= cur_status=
	for origin in "$@"; do
		args+=("$origin" SOA)
		h_dns_got[$origin]=" "
	done
	while IFS= read -r line; do
		case $line in
		';; ->>HEADER<<-'*)
			status=${line#*status: }
			status=${status%%,*}
			;;
		';;'* | '') ;;
		';'*) # the question: the answers that follow are for this origin
			read -ra f <<<"${line#;}"
			[ "${f[2]:-}" = SOA ] || continue
			h_dns_origin "${f[0]}"
			cur=$h_origin cur_status=$status status=
			h_dns_got[$cur]="$cur_status "
			;;
		*)
			read -ra f <<<"$line"
			[ -n "$cur" ] && [ "${f[3]:-}" = SOA ] && [ "${h_dns_got[$cur]}" = "$cur_status " ] &&
				h_dns_got[$cur]="$cur_status ${f[6]}"
			;;
		esac
	done < <(dig +norec +time=1 +tries=1 -p 53 @"$H_DNS_ADDR" "${args[@]}" 2>/dev/null)
}

# h_dns_served ORIGIN...: the server answers for every ORIGIN as configured.
h_dns_served() {
	local origin serial
	h_dns_query "$@"
	for origin in "$@"; do
		if [ "${h_dns_zones[$origin]}" = servfail ]; then
			[ "${h_dns_got[$origin]}" = "SERVFAIL " ] || return 1
		else
			read -r serial <"$H_DNS_DIR/zones/$origin.serial"
			[ "${h_dns_got[$origin]}" = "NOERROR $serial" ] || return 1
		fi
	done
}

# h_dns_wait_served ORIGIN...: wait until h_dns_served, or bail out.
h_dns_wait_served() {
	local origin
	h_wait_until 20 h_dns_served "$@" && return 0
	for origin in "$@"; do
		h_dns_served "$origin" ||
			h_bail "nsd does not serve $origin as configured (got: ${h_dns_got[$origin]})"
	done
}

h_dns_control() {
	local out
	out=$(nsd-control -c "$H_DNS_DIR/nsd.conf" "$@" 2>&1)
	[ "$out" = ok ] || h_bail "nsd-control $*: $out"
}

# h_dns_apply ORIGIN OLD: make the running server serve ORIGIN as configured.
h_dns_apply() {
	local origin=$1 old=$2 new=${h_dns_zones[$1]}
	[ "$h_dns_running" -eq 1 ] || return 0
	if [ -z "$old" ]; then
		h_dns_control addzone "$origin" "$new"
	elif [ "$old" != "$new" ]; then
		h_dns_control changezone "$origin" "$new"
	else
		h_dns_control reload "$origin"
	fi
	h_dns_wait_served "$origin"
}

h_dns_zone() {
	local file=$1 origin old base=${1##*/}
	h_dns_origin "${2:-${base%.zone}}"
	origin=$h_origin
	h_dns_dir
	h_dns_install "$origin" "$file"
	old=${h_dns_zones[$origin]:-}
	h_dns_zones[$origin]=zone
	h_dns_apply "$origin" "$old"
}

h_dns_zone_servfail() {
	local origin old
	h_dns_origin "$1"
	origin=$h_origin
	h_dns_dir
	old=${h_dns_zones[$origin]:-}
	h_dns_zones[$origin]=servfail
	h_dns_apply "$origin" "$old"
}

h_dns_write_conf() {
	cat >"$H_DNS_DIR/nsd.conf" <<EOF
server:
	ip-address: $H_DNS_ADDR
	ip-address: $H_DNS_ADDR6
	port: 53
	username: ""
	chroot: ""
	zonesdir: "$H_DNS_DIR/zones"
	database: ""
	zonelistfile: "$H_DNS_DIR/zone.list"
	xfrdfile: ""
	xfrdir: "$H_DNS_DIR"
	pidfile: ""
	logfile: "$H_DNS_DIR/nsd.log"
	server-count: 1
	verbosity: 1
	# no response rate limiting: every query comes from 127.0.0.0/24,
	# and benchmarks ask far more than RRL's 200 per second
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: yes
	control-interface: "$H_DNS_DIR/nsd.ctl"
pattern:
	name: "zone"
	zonefile: "%s.zone"
pattern:
	name: "servfail"
	zonefile: "%s.never-written"
EOF
	local origin
	{
		printf '# NSD zone list\n# name pattern\n'
		for origin in "${!h_dns_zones[@]}"; do
			printf 'add %s %s\n' "$origin" "${h_dns_zones[$origin]}"
		done
	} >"$H_DNS_DIR/zone.list"
}

h_dns_start() {
	local file origin
	[ "$h_dns_running" -eq 0 ] || h_bail "h_dns_start: nsd is already running"
	h_dns_dir
	for file in "$top_srcdir"/tests/zones/*.zone; do
		file=${file##*/}
		h_dns_origin "${file%.zone}"
		origin=$h_origin
		file=$top_srcdir/tests/zones/$file
		[ -n "${h_dns_zones[$origin]:-}" ] && continue
		h_dns_install "$origin" "$file"
		h_dns_zones[$origin]=zone
	done
	h_dns_write_conf
	[ ${#H_DNS_DIR} -lt 100 ] || h_bail "h_dns_start: $H_DNS_DIR is too long for a socket path"
	h_daemon_start nsd nsd -d -c "$H_DNS_DIR/nsd.conf"
	h_dns_running=1
	h_dns_wait_served "${!h_dns_zones[@]}"
}

h_dns_stop() {
	h_dns_running=0
	h_daemon_stop nsd
}
