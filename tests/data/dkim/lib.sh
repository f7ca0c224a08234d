# tests/data/dkim/lib.sh: what the postern-dkim integration tests share.
# Source after tests/lib/harness.sh (and tests/lib/postfix.sh).
#   DKIM, DRIVE                   the daemon and the milter test client
#   dk_zone_init                  a copy of example.test to add keys to:
#                                 $TEST_TMP/example.test.zone
#   dk_genkey SEL TYPE [BITS]     postern-dkim genkey into $TEST_TMP/keys,
#                                 its record appended to the zone
#   dk_start NAME CONF [ARGS]     run postern-dkim in the foreground, wait
#                                 until it listens
#   dk_msg FILE FROM [HEADER...]  write a small message
#   dk_verify_dkimpy FILE [N]     dkimpy's dkimverify on signature N
#   dk_fields FILE NAME           the unfolded fields NAME of a message
DKIM=$top_builddir/milters/dkim/postern-dkim
DRIVE=$top_builddir/tests/tools/milter-drive
# dkimpy's scripts run with Debian's python, whatever python3 is first.
DKIMVERIFY="/usr/bin/python3 /usr/bin/dkimverify"
DKIMSIGN="/usr/bin/python3 /usr/bin/dkimsign"

dk_zone_init() {
	cp "$top_srcdir/tests/zones/example.test.zone" "$TEST_TMP/example.test.zone"
	mkdir -p "$TEST_TMP/keys"
}

dk_genkey() { # SEL TYPE [BITS]
	"$DKIM" genkey -d example.test -s "$1" -t "$2" ${3:+-b "$3"} -D "$TEST_TMP/keys" \
		>>"$TEST_TMP/example.test.zone" 2>/dev/null
}

dk_start() { # NAME CONF [ARGS...]
	local name=$1 conf=$2
	shift 2
	h_daemon_start "$name" "$DKIM" -f -c "$conf" "$@"
	h_wait_grep 'starting:' "$TEST_TMP/$name.log" 10 || {
		cat "$TEST_TMP/$name.log" >&2
		h_bail "postern-dkim $name did not start"
	}
}

dk_msg() { # FILE FROM [HEADER...]
	local f=$1 from=$2
	shift 2
	{
		printf 'From: %s\nTo: Bob <bob@remote.test>\nSubject: test for %s\n' "$from" "${f##*/}"
		printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <%s@example.test>\n' "${f##*/}"
		printf '%s\n' "$@"
		printf '\nHello,\n\n  this line starts with spaces   \nand this one ends in a tab\t\n\n-- \nAlice\n'
	} >"$f"
}

dk_verify_dkimpy() { # FILE [INDEX]
	$DKIMVERIFY --index "${2:-0}" <"$1" >/dev/null 2>&1
}

dk_fields() { # FILE NAME: each field NAME unfolded on one line, without its name
	awk -v want="$(echo "$2" | tr 'A-Z' 'a-z')" '
		/^\r?$/ { exit }
		/^[ \t]/ { if (keep) { sub(/\r$/, ""); cur = cur $0 }; next }
		{ if (keep) print cur; keep = 0
		  n = index($0, ":"); name = tolower(substr($0, 1, n - 1))
		  if (name == want) { keep = 1; cur = substr($0, n + 1); sub(/\r$/, "", cur) } }
		END { if (keep) print cur }' "$1"
}

# dk_dovecot_start SOCKET: a private Dovecot whose auth service answers
# Postfix (smtpd_sasl_type = dovecot) on SOCKET; one user,
# alice@example.test with password "secret".
dk_dovecot_start() {
	local d=$TEST_TMP/dovecot
	mkdir -p "$d/run" "$d/state"
	printf 'alice@example.test:{PLAIN}secret\n' >"$d/passwd"
	cat >"$d/dovecot.conf" <<DOVECOT
protocols =
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
ssl = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $1 {
    mode = 0660
    user = postfix
    group = postfix
  }
}
DOVECOT
	h_daemon_start dovecot dovecot -F -c "$d/dovecot.conf"
	h_wait_file "$1" 10 || {
		cat "$d/dovecot.log" "$TEST_TMP/dovecot.log" >&2 2>/dev/null
		h_bail "dovecot did not start"
	}
}

# dk_sink_start: smtp-sink on 127.0.0.11:2526 keeping every message in
# $TEST_TMP/sink; dk_sink_file SUBJECT-WORD prints the file holding it.
dk_sink_start() {
	mkdir -p "$TEST_TMP/sink"
	chown postfix "$TEST_TMP/sink"
	h_daemon_start sink smtp-sink -u postfix -d "$TEST_TMP/sink/%M." 127.0.0.11:2526 20
	h_wait_port 127.0.0.11 2526 || h_bail "smtp-sink did not start"
}

dk_sink_file() { # WORD [SECONDS]
	local i f
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		f=$(grep -l "^Subject: test for $1\r\?$" "$TEST_TMP"/sink/* 2>/dev/null | head -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
