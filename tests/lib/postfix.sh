# postfix.sh: run a private, real Postfix 3.7 instance for a test.
# Source after tests/lib/harness.sh. Every instance lives under $TEST_TMP
# and is stopped at exit.
#
#   pfx_init NAME LISTEN        make $TEST_TMP/NAME with an smtpd on LISTEN
#                               (e.g. 127.0.0.1:10025); sets PFX_DIR
#   pfx_conf NAME 'param = value' ...   append main.cf settings
#   pfx_master NAME 'line' ...  append master.cf lines
#   pfx_start NAME              start it and wait until its smtpd answers
#   pfx_stop NAME               stop it
#   pfx_log NAME                the instance's log file
#   pfx_wait_log NAME REGEX [SECONDS]   wait until the log matches

pfx_dir() { echo "$TEST_TMP/$1"; }

pfx_init() { # NAME LISTEN
	local d
	d=$(pfx_dir "$1")
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	cp /etc/postfix/master.cf /etc/postfix/dynamicmaps.cf "$d/etc/"
	[ -d /etc/postfix/dynamicmaps.cf.d ] && cp -r /etc/postfix/dynamicmaps.cf.d "$d/etc/"
	# The smtp service listens on LISTEN instead of port 25.
	sed -i "s/^smtp      inet/$2 inet/" "$d/etc/master.cf"
	cat >"$d/etc/main.cf" <<MAINCF
compatibility_level = 3.6
myhostname = $1.example.test
queue_directory = $d/queue
data_directory = $d/data
inet_interfaces = ${2%:*}
inet_protocols = ipv4
maillog_file = $d/maillog
maillog_file_prefixes = $TEST_TMP
alias_maps =
alias_database =
local_recipient_maps =
mydestination =
mynetworks = 127.0.0.0/8
multi_instance_enable = no
smtpd_banner = \$myhostname ESMTP
MAINCF
	# Postfix's daemons run as user postfix: they must reach $TEST_TMP
	# through every private directory the harness made above it.
	local up=$TEST_TMP
	while [[ "$up" == */postern-test.* ]]; do
		chmod a+x "$up"
		up=$(dirname "$up")
	done
	# Postfix insists on root-owned configuration and queue directories.
	chown root "$d" "$d/etc" "$d/queue"
	chown postfix "$d/data"
	pfx_queue_dirs "$d/queue"
	PFX_DIR=$d
}

# pfx_queue_dirs QUEUE: make the queue's directories as Postfix's
# postfix-files lists them (owner, group, mode) and mark the queue
# "quick-start", as "postfix quick-stop" does: "postfix start" then skips
# its installation checks (post-install create-missing, a postsuper queue
# scan, permission warnings), which start some fifty processes and are
# the costliest part of starting a fresh instance.
pfx_queue_dirs() {
	local path type owner group mode rest
	declare -A by_attrs=()
	while IFS=: read -r path type owner group mode rest; do
		[ "$type" = d ] && [[ $path == '$queue_directory/'* ]] || continue
		owner=${owner/'$mail_owner'/postfix}
		group=${group/'$setgid_group'/postdrop}
		by_attrs[$owner:$group:$mode]+=" $1/${path#*/}"
	done </etc/postfix/postfix-files
	local attrs group_opt
	for attrs in "${!by_attrs[@]}"; do
		IFS=: read -r owner group mode <<<"$attrs"
		group_opt=()
		[ "$group" = - ] || group_opt=(-g "$group")
		# shellcheck disable=SC2086
		install -d -o "$owner" "${group_opt[@]}" -m "$mode" ${by_attrs[$attrs]}
	done
	: >"$1/quick-start"
}

pfx_conf() { # NAME LINE...
	local d
	d=$(pfx_dir "$1")
	shift
	printf '%s\n' "$@" >>"$d/etc/main.cf"
}

pfx_master() { # NAME LINE...
	local d
	d=$(pfx_dir "$1")
	shift
	printf '%s\n' "$@" >>"$d/etc/master.cf"
}

pfx_log() { echo "$(pfx_dir "$1")/maillog"; }

pfx_wait_log() { h_wait_grep "$2" "$TEST_TMP/$1/maillog" "${3:-10}" 2>/dev/null; }

pfx_start() { # NAME
	local d
	d=$(pfx_dir "$1")
	if ! postfix -c "$d/etc" start >/dev/null 2>&1; then
		tap_diag "postfix $1 failed to start; its log and postfix check say:"
		tail -n 5 "$d/maillog" 2>/dev/null | sed 's/^/# /'
		postfix -c "$d/etc" check 2>&1 | sed 's/^/# /'
		return 1
	fi
	tap_on_exit "postfix -c '$d/etc' abort"
	pfx_wait_log "$1" 'daemon started' 10
}

pfx_stop() { # NAME
	postfix -c "$(pfx_dir "$1")/etc" stop >/dev/null 2>&1
}
