# tls_lib.sh: what the TLS and SASL integration tests share. Source it
# after tests/lib/harness.sh, tests/lib/postfix.sh and
# tests/integration/smtpd_lib.sh (and after h_netns_enter).
#
#   tl_certs                 make a test CA and certificates with openssl
#                            in $TL_CERTS: ca.pem, server.pem (key,
#                            certificate, CA: the smtpd_tls_chain_files
#                            layout) for mx.example.test, client.pem and
#                            client.key for client.example.test; the keys
#                            exist only for the test's lifetime
#   tl_dovecot_start USERS   run Dovecot's auth service on the passwd-file
#                            USERS; its client socket is $TL_AUTH
#   tl_dovecot_stop          stop it, its auth and helper processes too
#   tl_chat PORT [CERT KEY]  run tls_client.py on the script on stdin
#   tl_pfx_init NAME LISTEN  a private Postfix (tests/lib/postfix.sh) whose
#                            smtpd runs outside the chroot, so it reaches
#                            $TL_AUTH and the certificates
#   tl_reply_lines           filter: keep the reply lines of a transcript
#                            that both servers should agree on (drops the
#                            banner and EHLO keywords one of them lacks)

TL_CERTS=$TEST_TMP/certs
TL_AUTH=$TEST_TMP/dovecot/auth-client
TL_CLIENT="$top_srcdir/tests/integration/tls_client.py"

tl_certs() {
	mkdir -p "$TL_CERTS"
	(
		cd "$TL_CERTS" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=Postern Test CA" -addext basicConstraints=critical,CA:TRUE
		local who
		for who in server:mx.example.test client:client.example.test; do
			openssl req -newkey rsa:2048 -nodes -keyout "${who%%:*}.key" \
				-out "${who%%:*}.csr" -subj "/CN=${who#*:}"
			openssl x509 -req -in "${who%%:*}.csr" -CA ca.pem -CAkey ca.key \
				-CAcreateserial -out "${who%%:*}.crt" -days 2
		done
		cat server.key server.crt ca.pem >server.pem
		cat client.crt >client.pem
	) >"$TEST_TMP/certs.log" 2>&1 || h_bail "openssl could not make the test certificates"
	# posternd reads them as root, Postfix's smtpd too; the CA is public.
	chmod 600 "$TL_CERTS"/*.key "$TL_CERTS/server.pem"
	chmod 644 "$TL_CERTS/ca.pem"
}

tl_dovecot_start() { # USERS
	local d=$TEST_TMP/dovecot
	mkdir -p "$d/run" "$d/state"
	cat >"$d/dovecot.conf" <<DC
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = $1
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener auth-client {
    path = $TL_AUTH
    mode = 0666
  }
}
service anvil {
  chroot =
}
DC
	chmod a+x "$d"
	h_daemon_start dovecot dovecot -F -c "$d/dovecot.conf"
	h_wait_file "$TL_AUTH" 10 || h_bail "dovecot did not start: $(tail -n 3 "$d/dovecot.log")"
}

tl_dovecot_stop() {
	local pids pid i
	pids=$(pgrep -P "$(h_daemon_pid dovecot)")
	h_daemon_stop dovecot
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		pids=$(for pid in $pids; do h_pid_alive "$pid" && echo "$pid"; done)
		[ -z "$pids" ] && break
		sleep 0.1
	done
	rm -f "$TL_AUTH"
}

tl_chat() { /usr/bin/python3 "$TL_CLIENT" 127.0.0.1 "$@"; }

tl_pfx_init() { # NAME LISTEN
	pfx_init "$1" "$2"
	sed -i -E "s/^($2 +inet +n +- +)y/\\1n/" "$(pfx_dir "$1")/etc/master.cf"
}

tl_reply_lines() {
	grep -v -E '^(220 .*ESMTP|250-(PIPELINING|SIZE|VRFY|ETRN|ENHANCEDSTATUSCODES|8BITMIME|DSN|SMTPUTF8|CHUNKING)|250 (CHUNKING|SMTPUTF8|DSN)$|250[- ][a-z0-9.-]+\.test$)'
}
