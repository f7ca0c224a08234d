#!/usr/bin/env bash
# av_doc.sh: man/postern-av.8 documents every parameter postern-av has (and
# no other), each with the default "postern-av config -d" prints.
. "$top_srcdir/tests/lib/tap.sh"

av="$top_builddir/milters/av/postern-av"
man="$top_srcdir/man/postern-av.8"

# Documented: ".B name" after ".TP" in PARAMETERS, and the paragraph's
# "Default: \fBvalue\fR".
sed -n '/^\.SH PARAMETERS/,/^\.SH SIGNALS/p' "$man" |
	awk 'prev == ".TP" && $1 == ".B" { name = $2 }
		name != "" && /Default: / { d = $0; sub(/.*Default: \\fB/, "", d); sub(/\\fR.*/, "", d)
			print name " =" (d != "" ? " " d : ""); name = "" }
		{ prev = $0 }' | sort >"$TEST_TMP/documented"
"$av" config -d | sort >"$TEST_TMP/defaults"

tap_ok "$([ "$(wc -l <"$TEST_TMP/defaults")" -gt 20 ] && echo 0 || echo 1)" \
	"postern-av has parameters ($(wc -l <"$TEST_TMP/defaults"))"
tap_is "$(sed 's/ =.*//' "$TEST_TMP/documented")" "$(sed 's/ =.*//' "$TEST_TMP/defaults")" \
	"postern-av(8) documents exactly the parameters postern-av has"
tap_is "$(cat "$TEST_TMP/documented")" "$(cat "$TEST_TMP/defaults")" \
	"postern-av(8) gives each its default"
tap_is "$(grep -o '^[a-z_]* =' "$top_srcdir/conf/postern-av.conf" | sed 's/ =//' | sort |
	comm -23 - <(sed 's/ =.*//' "$TEST_TMP/defaults"))" "" \
	"conf/postern-av.conf sets only parameters that exist"
tap_done
