#!/usr/bin/env bash
# cfg_check.sh: postern check: exit status 0 clean, 1 warnings, 2 errors;
# each kind of finding with its file and line; postern.cf before main.cf;
# options before and after the verb; -o overrides.
. "$top_srcdir/tests/lib/tap.sh"

postern="$top_builddir/relay/postern"

# conf NAME FILE CONTENT [FILE CONTENT...]: a fresh directory with files.
conf() {
	local dir="$TEST_TMP/$1"
	shift
	mkdir -p "$dir"
	while [ $# -gt 0 ]; do
		printf '%s' "$2" >"$dir/$1"
		shift 2
	done
	echo "$dir"
}

# check DIR [ARGS...]: run postern check; output in $out, status in $status.
check() {
	local dir=$1
	shift
	out=$("$postern" -c "$dir" "$@" check 2>/dev/null)
	status=$?
}

listener='127.0.0.1:2525 inet n - n - - smtpd
'

d=$(conf clean postern.cf 'compatibility_level = 3.6
' master.cf "$listener")
check "$d"
tap_is "$status" 0 "a configuration of supported settings only: exit status 0"
tap_is "$out" "$d/master.cf:1: note: service 127.0.0.1:2525/inet: an SMTP listener on 127.0.0.1 port 2525 (0 -o overrides)" \
	"the listener is a note, not a warning"
tap_is "$("$postern" check -c "$d" 2>/dev/null)" "$out" "postern check -c DIR is postern -c DIR check"

d=$(conf warn postern.cf 'content_filter = smtp:mail.example.com
something_odd = 1
content_filter = smtp:mail2.example.com
allow_percent_hack = yes # a comment here is part of the value
smtpd_banner = $myhostname $mail_nmae
html_directory = /usr/share/doc
mail_name = $sample_directory
' master.cf "$listener")
check "$d"
tap_is "$status" 1 "warnings only: exit status 1"
expect() { # LINE-PATTERN NAME
	grep -q -- "$1" <<<"$out"
	tap_ok $? "$2"
	[ $? -eq 0 ] || tap_diag "$out"
}
expect "^$d/postern.cf:3: warning: content_filter: Postfix parameter that Postern accepts and ignores" \
	"an unsupported parameter is named at the line of its last definition"
expect "^$d/postern.cf:2: warning: something_odd: unknown parameter that nothing refers to" \
	"an unknown, unused parameter"
expect "^$d/postern.cf:3: warning: overriding earlier entry: content_filter=smtp:mail.example.com (line 1)" \
	"an overridden entry"
expect "^$d/postern.cf:4: warning: allow_percent_hack: bad boolean value \"yes # a comment here is part of the value\"" \
	"a value Postfix would reject, with the # that is part of it"
expect "^$d/postern.cf:5: warning: smtpd_banner: refers to undefined parameter \$mail_nmae" \
	"a reference to an undefined parameter"
expect "^$d/postern.cf:7: warning: mail_name: refers to \$sample_directory, a Postfix parameter Postern has no value for" \
	"a reference to a Postfix parameter Postern has no value for"
expect "^$d/postern.cf:6: warning: html_directory: Postfix parameter, not supported by Postern" \
	"a Postfix parameter Postern has no row for"

d=$(conf errors postern.cf 'compatibility_level = banana
foo bar = x
a = $b
b = ${a?x$a}
smtpd_banner = $a
smtpd_timeout = ${undefined_thing
' master.cf "$listener"'submission inet n - n - - smtpd -o smtpd_helo_required=maybe
  -o { header_checks = regexp:/etc/postern/header_checks }
bad line
pickup unix n - y 60 1 pickup -o foo=bar
')
check "$d"
tap_is "$status" 2 "errors: exit status 2"
expect "^$d/postern.cf:1: error: compatibility_level: malformed compatibility level: \"banana\"" \
	"a bad value for a supported parameter is an error"
expect "^$d/postern.cf:2: error: missing \"=\" after parameter name: \"foo bar = x\"" \
	"a line that is not name = value"
expect "^$d/postern.cf:3: error: parameter a: recursive parameter reference: \$a -> \$b -> \$a" \
	"an expansion loop, with the chain"
expect "^$d/postern.cf:6: error: parameter smtpd_timeout: truncated parameter reference" \
	"an unterminated \${"
expect "^$d/master.cf:2: error: service submission/inet: -o smtpd_helo_required: bad boolean value \"maybe\"" \
	"a bad -o value of a supported parameter: an error at the line of the -o"
expect "^$d/master.cf:3: warning: service submission/inet: -o header_checks: Postfix parameter that Postern accepts and ignores" \
	"the long form -o { name = value }, at its line"
expect "^$d/master.cf:4: error: expected at least 8 fields" "a bad master.cf line"
expect "^$d/master.cf:5: warning: service pickup/unix: -o foo=bar has no effect: the service is ignored" \
	"an override on an ignored service"
[ "$(grep -n 'postern.cf:1:' <<<"$out" | cut -d: -f1)" -lt "$(grep -n 'master.cf:1:' <<<"$out" | cut -d: -f1)" ]
tap_ok $? "findings of postern.cf come before those of master.cf"

d=$(conf override postern.cf 'compatibility_level = 3.6
' master.cf "$listener")
check "$d" -o compatibility_level=banana
tap_is "$status" 2 "a bad -o override on the command line is an error"
expect "^error: -o compatibility_level: malformed compatibility level" "the override is checked"

d=$(conf services postern.cf 'compatibility_level = 3.6
' master.cf 'smtp inet n - y - 1 postscreen
smtpd pass - - y - - smtpd
dnsblog unix - - y - 0 dnsblog
127.0.0.1:10025 inet n - n - - smtpd -o content_filter=
')
check "$d"
expect "^$d/master.cf:1: warning: service smtp/inet runs postscreen: not supported by Postern" \
	"postscreen is named as not supported"
expect "^$d/master.cf:2: warning: service smtpd/pass: smtpd behind a pass socket" \
	"smtpd behind postscreen is named as not supported"
expect "^$d/master.cf:4: note: service 127.0.0.1:10025/inet: an SMTP listener on 127.0.0.1 port 10025 (1 -o override)" \
	"an inet smtpd service with a host becomes a listener"

# Which file is read.
d=$(conf both postern.cf 'compatibility_level = 3.6
' main.cf 'biff = no
' master.cf "$listener")
check "$d"
tap_is "$status" 0 "postern.cf is read when both postern.cf and main.cf exist"
d=$(conf mainonly main.cf 'biff = no
' master.cf "$listener")
check "$d"
expect "^$d/main.cf:1: warning: biff:" "main.cf is read when there is no postern.cf"
d=$(conf nofile master.cf "$listener")
check "$d"
tap_is "$status" 2 "no postern.cf or main.cf: exit status 2"
expect "error: $d: neither postern.cf nor main.cf found" "no postern.cf or main.cf: said so"
d=$(conf nomaster postern.cf 'compatibility_level = 3.6
')
check "$d"
expect "^$d/master.cf: warning: not found: no services, so no listeners" "a missing master.cf"
d=$(conf nolistener postern.cf 'compatibility_level = 3.6
' master.cf 'pickup unix n - y 60 1 pickup
')
check "$d"
expect "^$d/master.cf: warning: no inet service runs smtpd" "a master.cf without a listener"

"$postern" -c "$TEST_TMP/clean" check extra >/dev/null 2>&1
tap_is "$?" 2 "check takes no operands"

tap_done
