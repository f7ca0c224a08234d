# tap.sh: TAP output and a private temporary directory for bash tests.
# Source it: . "$top_srcdir/tests/lib/tap.sh"
#   tap_ok COND_STATUS "name"    pass when the status is 0: tap_ok $? "name"
#   tap_is GOT WANT "name"       pass when the strings are equal
#   tap_diag "text"              a "# " comment
#   tap_done                     print the plan; exit 0 only when all passed
#   TEST_TMP                     a private directory, removed on exit
#   tap_on_exit "command"        run command at exit (in reverse order of
#                                registration), even when the test fails
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
export top_srcdir top_builddir

tap_count=0
tap_failed=0
tap_exit_cmds=()

tap_result() { # STATUS NAME
	tap_count=$((tap_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_count - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_count - $2"
	fi
}

tap_ok() { tap_result "$1" "$2"; }

tap_is() { # GOT WANT NAME
	if [ "$1" == "$2" ]; then
		tap_result 0 "$3"
	else
		tap_result 1 "$3"
		printf '%s\n' "#   got:  $1" "#   want: $2" | sed '2,$s/^\([^#]\)/#         \1/'
	fi
}

tap_diag() { printf '# %s\n' "$@"; }

tap_on_exit() { tap_exit_cmds+=("$1"); }

tap_run_exit_cmds() {
	local i
	for ((i = ${#tap_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${tap_exit_cmds[$i]}" >/dev/null 2>&1 || true
	done
	tap_exit_cmds=()
}

tap_done() {
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ] && [ "$tap_count" -gt 0 ]
	exit $?
}

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/postern-test.XXXXXX")
tap_on_exit "rm -rf '$TEST_TMP'"
trap 'tap_run_exit_cmds' EXIT
trap 'exit 130' INT TERM
