#!/usr/bin/env bash
# check_postfix.sh: the restriction engine answers like Postfix 3.7.
# A private Postfix instance gets one smtpd listener per case, each with
# the case's parameters as master.cf "-o" overrides; Postern reads the same
# main.cf settings and master.cf lines. Each case's session (client
# address and names through XCLIENT, HELO, SASL login, sender, recipients)
# goes to Postfix over SMTP and to "postern explain -s CASE"; the replies
# to MAIL and every RCPT (code, enhanced status code and text) and the
# smtpd log lines of the session ("NOQUEUE: reject: ...", "hold:",
# "warn:", ...) must be the same.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"

postern=$top_builddir/relay/postern
data=$top_srcdir/tests/data/check
cases=$top_srcdir/tests/data/check/cases

# The parameters every case starts from, for Postfix and for Postern.
common_conf=(
	'myhostname = mx.example.org'
	'mydomain = example.org'
	'myorigin = example.org'
	'mydestination = example.org'
	'relay_domains = relay.example'
	'virtual_alias_domains = valias.example'
	"virtual_alias_maps = texthash:$TEST_TMP/data/valias"
	'virtual_mailbox_domains = vmbox.example'
	"virtual_mailbox_maps = texthash:$TEST_TMP/data/vmbox"
	'inet_interfaces = 127.0.0.1'
	'mynetworks_style = subnet'
	'local_recipient_maps ='
	'smtpd_sasl_auth_enable = yes'
	'smtpd_restriction_classes = trusted_class'
	"trusted_class = check_sender_access texthash:$TEST_TMP/data/sender_access, permit"
)

# The case files: tables the cases use, readable by Postfix's daemons.
mkdir -p "$TEST_TMP/data"
cp "$data"/* "$TEST_TMP/data/"
chmod -R a+rX "$TEST_TMP/data"

# Read the cases: NAME|OVERRIDES|SESSION, OVERRIDES "name = value" items
# separated by ";", SESSION postern explain's options. @DATA@ is the
# directory of the case files.
# trim VAR: strip the white space around the value of VAR (no subshell:
# this test runs many cases).
trim() {
	local -n v=$1
	v="${v#"${v%%[![:space:]]*}"}"
	v="${v%"${v##*[![:space:]]}"}"
}
names=() overrides=() sessions=()
while IFS='|' read -r name over session; do
	[[ -z "$name" || "$name" == \#* ]] && continue
	trim name
	names+=("$name")
	overrides+=("${over//@DATA@/$TEST_TMP/data}")
	session=${session//@DATA@/$TEST_TMP/data}
	# Without names, both sides see a client without a PTR record.
	[[ " $session " == *" -n "* || " $session " == *" -r "* ]] || session+=" -n [UNAVAILABLE]"
	sessions+=("$session")
done <"$cases"
tap_diag "${#names[@]} cases"

# master_line I [TAG]: the listener of case I, its overrides as -o { n = v };
# with TAG, Postfix logs as postfix/TAG, so each case's lines can be told
# apart.
master_line() {
	local i=$1 item line="127.0.0.1:$((20000 + i)) inet n - n - - smtpd"
	[ -n "$2" ] && line+=" -o syslog_name=postfix/$2"
	IFS=';' read -ra items <<<"${overrides[$i]}"
	for item in "${items[@]}"; do
		trim item
		[ -n "$item" ] && line+=" -o { $item }"
	done
	echo "$line"
}

h_dns_start
pfx_init pf 127.0.0.1:10025
pfx_conf pf "${common_conf[@]}" 'smtpd_authorized_xclient_hosts = 127.0.0.0/8' \
	'inet_protocols = all' \
	'smtpd_error_sleep_time = 0' 'smtpd_soft_error_limit = 1000' \
	'smtpd_hard_error_limit = 1000'
mkdir -p "$TEST_TMP/conf"
printf '%s\n' 'compatibility_level = 3.6' "${common_conf[@]}" >"$TEST_TMP/conf/postern.cf"
: >"$TEST_TMP/conf/master.cf"
for i in "${!names[@]}"; do
	master_line "$i" "case$i" >>"$TEST_TMP/pf.master.cf"
	master_line "$i" >>"$TEST_TMP/conf/master.cf"
done
pfx_master pf "$(<"$TEST_TMP/pf.master.cf")"
pfx_start pf || h_bail "postfix did not start"
# Every listener is up (one look at the listening sockets per try).
listening() {
	[ "$(ss -ltnH 'sport >= 20000' 2>/dev/null | wc -l)" -ge "${#names[@]}" ]
}
h_wait_until 20 listening || h_bail "Postfix does not listen for every case"
pflog=$(pfx_log pf)

# smtp_reply: the last line of the reply on fd 3, without CR, in $reply
# (no subshell: this test runs many sessions).
smtp_reply() {
	local l
	reply="(no reply)"
	while IFS= read -r -t 10 l <&3; do
		l=${l%$'\r'}
		[ "${l:3:1}" == "-" ] && continue
		reply=$l
		return
	done
}

# postfix_session I ARGS...: run the session described by explain options
# against case I's listener; print "COMMAND: REPLY" lines as explain does.
postfix_session() {
	local i=$1 opt addr="" name="" rev="" helo="" proto=ESMTP login="" from="" have_from=0
	local -a rcpts=()
	shift
	local OPTIND=1
	while getopts "a:n:r:h:p:l:f:t:" opt; do
		case $opt in
		a) addr=$OPTARG ;; n) name=$OPTARG ;; r) rev=$OPTARG ;; h) helo=$OPTARG ;;
		p) proto=$OPTARG ;; l) login=$OPTARG ;; f) from=$OPTARG have_from=1 ;;
		t) rcpts+=("$OPTARG") ;; *) ;;
		esac
	done
	[ "$name" == unknown ] && name="[UNAVAILABLE]"
	[ "$rev" == unknown ] && rev="[UNAVAILABLE]"
	[[ $addr == *:* ]] && addr="IPV6:$addr"
	exec 3<>"/dev/tcp/127.0.0.1/$((20000 + i))" || return 1
	smtp_reply
	printf 'EHLO xclient.example\r\n' >&3
	smtp_reply
	local x="XCLIENT ADDR=$addr NAME=${name:-[UNAVAILABLE]} REVERSE_NAME=${rev:-${name:-[UNAVAILABLE]}}"
	[ -n "$login" ] && x+=" LOGIN=$login"
	printf '%s\r\n' "$x" >&3
	smtp_reply
	if [ -n "$helo" ]; then
		local verb=EHLO
		[ "$proto" == SMTP ] && verb=HELO
		printf '%s %s\r\n' "$verb" "$helo" >&3
		smtp_reply
		[[ $reply == 250* ]] && reply=accepted
		echo "$verb $helo: $reply"
	fi
	if [ "$have_from" == 1 ]; then
		[ "$from" == "<>" ] && from=""
		printf 'MAIL FROM:<%s>\r\n' "$from" >&3
		smtp_reply
		echo "MAIL FROM:<$from>: ${reply/#250 2.1.0 Ok/accepted}"
		[[ $reply == 250* ]] || rcpts=()
		for t in "${rcpts[@]}"; do
			printf 'RCPT TO:<%s>\r\n' "$t" >&3
			smtp_reply
			echo "RCPT TO:<$t>: ${reply/#250 2.1.5 Ok/accepted}"
		done
	fi
	printf 'QUIT\r\n' >&3
	smtp_reply
	exec 3>&-
}

# The restriction log lines ("reject:", "hold:", "permit:", ...) of each case, from
# "QUEUEID: " on: Postfix's by the case's syslog name, Postern's by the
# batch's "### N" markers. Once a recipient is accepted Postfix has a queue
# file and logs its id instead of NOQUEUE; when that happens is the SMTP
# server's business, so both become "ID".
split_logs() { # FILE PREFIX
	awk -v prefix="$2" '
	function out(n, line) {
		if (match(line, /\]: (NOQUEUE|[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]+): (reject|reject_warning|hold|discard|redirect|bcc|filter|warn|info|permit): /)) {
			sub(/^[^]]*\]: [^ ]*: /, "ID: ", line)
			print line > (prefix n)
		}
	}
	/^### [0-9]+$/ { n = $2; printf "" > (prefix n); next }
	match($0, /postfix\/case[0-9]+\/smtpd\[/) { out(substr($0, RSTART + 12, RLENGTH - 19), $0); next }
	n != "" { out(n, $0) }' "$1"
}

# The sessions with Postfix run side by side, a few at a time (waited for
# by pid: the DNS server is a job of this shell too); Postern explains
# every case meanwhile, in one batch.
pids=()
for i in "${!names[@]}"; do
	read -ra args <<<"${sessions[$i]}"
	postfix_session "$i" "${args[@]}" >"$TEST_TMP/theirs.$i" &
	pids+=($!)
	if [ "${#pids[@]}" -ge 16 ]; then
		wait "${pids[@]}"
		pids=()
	fi
done
for i in "${!names[@]}"; do
	echo "-s $((20000 + i)) ${sessions[$i]}"
done >"$TEST_TMP/batch"
"$postern" -c "$TEST_TMP/conf" explain -b "$TEST_TMP/batch" >"$TEST_TMP/ours" 2>"$TEST_TMP/ours.err"
tap_ok "$([ $? -le 1 ] && echo 0 || echo 1)" "postern explain runs every case"
# Split the batch's replies by case.
awk -v dir="$TEST_TMP" '/^### [0-9]+$/ { f = dir "/ours." $2; printf "" > f; next }
	/^(EHLO|HELO|MAIL|RCPT)/ { print > f }' "$TEST_TMP/ours"
[ "${#pids[@]}" -gt 0 ] && wait "${pids[@]}"
# Postfix logs the end of each session: wait for all of them.
all_ended() { [ "$(grep -c ': disconnect from ' "$pflog")" -ge "${#names[@]}" ]; }
h_wait_until 20 all_ended || tap_diag "not every session's end was logged"

split_logs "$pflog" "$TEST_TMP/theirs.log."
split_logs "$TEST_TMP/ours.err" "$TEST_TMP/ours.log."
rejected=0
for i in "${!names[@]}"; do
	touch "$TEST_TMP/theirs.log.$i" "$TEST_TMP/ours.log.$i"
	theirs=$(<"$TEST_TMP/theirs.$i")
	tap_is "$(<"$TEST_TMP/ours.$i")" "$theirs" "${names[$i]}: the replies"
	tap_is "$(<"$TEST_TMP/ours.log.$i")" "$(<"$TEST_TMP/theirs.log.$i")" \
		"${names[$i]}: the log lines"
	[[ "$theirs" == *": "[45][0-9][0-9]" "* ]] && rejected=$((rejected + 1))
done
# No explanation tripped a sanitizer (in a --enable-sanitizers build).
tap_is "$(grep -c 'Sanitizer\|runtime error' "$TEST_TMP/ours.err")" 0 \
	"no sanitizer report from postern explain"
# The comparison is not vacuous: most cases refuse something.
[ "$rejected" -gt $((${#names[@]} / 2)) ]
tap_ok $? "Postfix refuses a command in $rejected of the ${#names[@]} cases"
tap_done
