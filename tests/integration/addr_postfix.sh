#!/usr/bin/env bash
# addr_postfix.sh: our SMTP path parser against Postfix's own SMTP server.
# The same RCPT TO paths go to Postfix's smtpd (stand-alone mode, a private
# configuration, strict_rfc821_envelopes = no, then yes) and to
# tests/tools/addr_tool; each path must be accepted or refused by both, and
# the recipients Postfix queues (read back with postcat) must be our
# internal forms. Stand-alone smtpd skips the domain checks of a full
# server, so every path here has a valid domain; the domain rules are unit
# tested (common/addr_test, common/domain_test). Needs root (postdrop and a
# private configuration directory).
. "$top_srcdir/tests/lib/tap.sh"

tool=$top_builddir/tests/tools/addr_tool
daemon_dir=$(postconf -d -h daemon_directory 2>/dev/null)
if [ ! -x "$daemon_dir/smtpd" ] || ! command -v postcat >/dev/null; then
	echo "1..0 # SKIP Postfix is not installed (Debian package postfix)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to run Postfix's postdrop with a private configuration"
	exit 0
fi

# The paths, one per line, with printf escapes for the UTF-8 ones: both
# must give the same verdict. Trailing dots after the domain are left out:
# we remove them when parsing, Postfix later (cleanup), with the same
# result in the queue.
cat >"$TEST_TMP/paths" <<'PATHS'
<user@example.com>
user@example.com
<User@Example.COM>
<postmaster>
<first.last+tag@example.com>
<"john doe"@example.com>
<"a\"b\\c"@example.com>
<wietse\ venema@porcupine.org>
<"a@b"@example.com>
<"a"."b"@example.com>
<john..doe@example.com>
<.user.@example.com>
<user%other@example.com>
<host!user@example.com>
<@a.example,@b.example:user@c.example>
<@a.example:user@c.example>
<user@[192.0.2.1]>
<user@[IPv6:2001:db8::1]>
<j\xc3\xb6rg@example.com>
<"j\xc3\xb6 rg"@example.com>
<user (comment)@example.com>
<user@example.com (Joe)>
<(a (nested) comment)user@example.com>
<user @ example.com>
<"Joe User" <user@example.com>>
<Joe <user@example.com>>
<<user@example.com>>
<@example.com>
<""@example.com>
<>
<"">
<john doe@example.com>
<a@example.com b@example.com>
<"a"b@example.com>
<a[b]@example.com>
<a,b@example.com>
<user@example.com> x
<user@example.com>x
<user@example.com
<"user@example.com>
PATHS
# The known differences (addr.h): Postfix accepts these, we refuse them.
cat >"$TEST_TMP/differ" <<'PATHS'
<user@example.com (unclosed>
<a:b@example.com>
<us\x01er@example.com>
<x@example.com>>
<"user@elsewhere.example">
PATHS
printf '%b\n' "$(cat "$TEST_TMP/paths" "$TEST_TMP/differ")" >"$TEST_TMP/paths.bin"
mapfile -t paths <"$TEST_TMP/paths.bin"
n_same=$(wc -l <"$TEST_TMP/paths")

# postfix_session STRICT: run the paths through a private stand-alone
# smtpd; print one line per path: "ok INTERNAL" or "refused CODE".
postfix_session() {
	local cfg=$TEST_TMP/pf-$1 q
	q=$cfg/queue
	mkdir -p "$q/maildrop" "$q/public" "$q/private" "$cfg/data"
	chmod 1777 "$q/maildrop"
	cat >"$cfg/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $q
data_directory = $cfg/data
mail_owner = postfix
myhostname = postfix.test.invalid
local_recipient_maps =
strict_rfc821_envelopes = $1
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_error_sleep_time = 0
CF
	{
		printf 'EHLO test\r\nMAIL FROM:<sender@example.com>\r\n'
		for p in "${paths[@]}"; do
			printf 'RCPT TO:%s\r\n' "$p"
		done
		printf 'DATA\r\nSubject: t\r\n\r\nt\r\n.\r\nQUIT\r\n'
	} | MAIL_CONFIG=$cfg timeout 20 "$daemon_dir/smtpd" -S -n sendmail -s 1 \
		>"$cfg/replies" 2>"$cfg/stderr"
	# Final reply lines: greeting, EHLO, MAIL, then one per RCPT.
	grep -a '^[0-9][0-9][0-9] ' "$cfg/replies" | tr -d '\r' | sed -n "4,$((3 + ${#paths[@]}))p" \
		>"$cfg/rcpt"
	MAIL_CONFIG=$cfg postcat -e "$q"/maildrop/* 2>/dev/null | sed -n 's/^recipient: //p' \
		>"$cfg/queued"
	local reply queued=() i=0
	mapfile -t queued <"$cfg/queued"
	while IFS= read -r reply; do
		if [ "${reply:0:3}" = 250 ]; then
			printf 'ok %s\n' "${queued[$i]}"
			i=$((i + 1))
		else
			printf 'refused %s\n' "${reply:0:3}"
		fi
	done <"$cfg/rcpt"
}

for strict in no yes; do
	flag=; [ $strict = yes ] && flag=-s
	postfix_session $strict >"$TEST_TMP/postfix.$strict"
	tap_is "$(wc -l <"$TEST_TMP/postfix.$strict")" "${#paths[@]}" \
		"strict_rfc821_envelopes=$strict: Postfix answered every path"
	"$tool" $flag -8 <"$TEST_TMP/paths.bin" >"$TEST_TMP/ours.$strict"
	mapfile -t pf <"$TEST_TMP/postfix.$strict"
	mapfile -t ours <"$TEST_TMP/ours.$strict"
	for i in "${!paths[@]}"; do
		want=${pf[$i]:-missing}
		got=${ours[$i]:-missing}
		# Postfix says why only by reply code; compare the verdict.
		[ "${want%% *}" = refused ] && want=refused
		[ "${got%% *}" = refused ] && got=refused
		name=${paths[$i]//[[:cntrl:]]/?}
		if [ "$i" -lt "$n_same" ]; then
			tap_is "$got" "$want" "strict=$strict: $name"
		elif [ $strict = no ]; then
			tap_is "${want%% *} $got" "ok refused" "strict=no: Postfix accepts, we refuse $name"
		fi
	done
done

tap_done
