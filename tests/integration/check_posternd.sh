#!/usr/bin/env bash
# check_posternd.sh: posternd's restrictions, live, against a real Postfix
# 3.7 under the same parameters: each case of tests/data/check/live_cases
# gets a listener on both (its parameters as master.cf -o overrides), and
# the same SMTP session goes to both from the case's source address, so
# the client's names come from the test DNS as they would in production.
# The replies to HELO/EHLO (when refused), MAIL, RCPT and DATA, and the
# restriction log lines, must be the same. Among the cases: the relay
# rules for unauthenticated clients (acceptance item 1, rules 1 and 2).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/integration/smtpd_lib.sh"
H_TIME_LIMIT=180
h_netns_enter "$@"

session=$top_srcdir/tests/integration/check_session.py
cases=$top_srcdir/tests/data/check/live_cases

common_conf=(
	'myhostname = mx.example.org'
	'mydomain = example.org'
	'mydestination = example.org'
	'relay_domains = relay.example'
	'mynetworks = 127.0.0.1/32'
	'local_recipient_maps ='
	'smtpd_error_sleep_time = 0'
	'smtpd_soft_error_limit = 1000'
	'smtpd_hard_error_limit = 1000'
)

# trim VAR: strip the white space around the value of VAR.
trim() {
	local -n v=$1
	v="${v#"${v%%[![:space:]]*}"}"
	v="${v%"${v##*[![:space:]]}"}"
}
names=() overrides=() sources=() commands=()
while IFS='|' read -r name over source cmds; do
	[[ -z "$name" || "$name" == \#* ]] && continue
	trim name
	trim source
	names+=("$name")
	overrides+=("$over")
	sources+=("$source")
	commands+=("$cmds")
done <"$cases"
tap_diag "${#names[@]} cases"

# listener PORT I [TAG]: the master.cf line of case I on PORT.
listener() {
	local item line="127.0.0.1:$1 inet n - n - - smtpd"
	[ -n "$3" ] && line+=" -o syslog_name=postfix/$3"
	IFS=';' read -ra items <<<"${overrides[$2]}"
	for item in "${items[@]}"; do
		trim item
		[ -n "$item" ] && line+=" -o { $item }"
	done
	echo "$line"
}

sd_init
h_dns_zone_servfail 2.0.127.in-addr.arpa
for a in 127.0.1.1 127.0.1.2 127.0.1.3 127.0.1.4 127.0.1.10 127.0.2.1; do
	h_addr_add "$a"
done
sd_conf "${common_conf[@]}"
: >"$SD_CONF/master.cf"
pfx_init pf 127.0.0.1:10025
pfx_conf pf "${common_conf[@]}"
for i in "${!names[@]}"; do
	listener $((21000 + i)) "$i" >>"$SD_CONF/master.cf"
	pfx_master pf "$(listener $((22000 + i)) "$i" "case$i")"
done
sd_start
pfx_start pf || h_bail "postfix did not start"
listening() { [ "$(ss -ltnH 'sport >= 21000' 2>/dev/null | wc -l)" -ge $((2 * ${#names[@]})) ]; }
h_wait_until 20 listening || h_bail "not every listener is up"

# run I PORT: case I's session against PORT.
run() {
	local -a cmds opts=()
	IFS=';' read -ra cmds <<<"${commands[$1]}"
	for j in "${!cmds[@]}"; do
		trim "cmds[$j]"
	done
	if [ "${cmds[0]}" == "-p" ]; then
		opts=(-p)
		cmds=("${cmds[@]:1}")
	fi
	"$session" -s "${sources[$1]}" "${opts[@]}" 127.0.0.1 "$2" "${cmds[@]}" |
		grep -v '^\(EHLO\|HELO\) [^:]*: accepted$\|^RSET: '
}
# Postfix's sessions all at once (its log lines carry the case's syslog
# name); posternd's one after the other (its log is split by session).
pids=()
for i in "${!names[@]}"; do
	run "$i" $((22000 + i)) >"$TEST_TMP/theirs.$i" &
	pids+=($!)
done
for i in "${!names[@]}"; do
	run "$i" $((21000 + i)) >"$TEST_TMP/ours.$i"
done
wait "${pids[@]}"

pflog=$(pfx_log pf)
ended() { [ "$(grep -c ': disconnect from ' "$1")" -ge "${#names[@]}" ]; }
h_wait_until 20 ended "$pflog" || tap_diag "not every Postfix session's end was logged"
h_wait_until 20 ended "$SD_LOG" || tap_diag "not every posternd session's end was logged"
log_filter() {
	grep -E ': (NOQUEUE|[0-9A-Z]{6,}): (reject|reject_warning|hold|discard|redirect|bcc|filter|warn|info): ' |
		sed -E 's/^.*\]: (NOQUEUE|[0-9A-Z]{6,}): /ID: /'
}
# Postfix's lines by syslog name; posternd's by session: the cases ran one
# after the other, each session from "connect from" to "disconnect from".
awk -v dir="$TEST_TMP" 'match($0, /postfix\/case[0-9]+\/smtpd\[/) {
	print > (dir "/theirs.log." substr($0, RSTART + 12, RLENGTH - 19)) }' "$pflog"
awk -v dir="$TEST_TMP" '/: connect from / { n++ } n { print > (dir "/ours.log." (n - 1)) }' "$SD_LOG"
rejected=0
for i in "${!names[@]}"; do
	touch "$TEST_TMP/theirs.log.$i" "$TEST_TMP/ours.log.$i"
	tap_is "$(<"$TEST_TMP/ours.$i")" "$(<"$TEST_TMP/theirs.$i")" "${names[$i]}: the replies"
	tap_is "$(log_filter <"$TEST_TMP/ours.log.$i")" "$(log_filter <"$TEST_TMP/theirs.log.$i")" \
		"${names[$i]}: the log lines"
	[[ "$(<"$TEST_TMP/theirs.$i")" == *": "[45][0-9][0-9]" "* ]] && rejected=$((rejected + 1))
done
[ "$rejected" -gt $((${#names[@]} / 2)) ]
tap_ok $? "Postfix refuses a command in $rejected of the ${#names[@]} cases"
sd_stop
tap_is $? 0 "posternd stops cleanly"
tap_is "$(grep -c 'Sanitizer\|runtime error' "$SD_LOG")" 0 "no sanitizer report from posternd"
tap_done
