#!/usr/bin/env bash
# headers_docs.sh: for postern-headers, postern-attach and postern-dsn,
# every parameter the program knows ("config -d") is documented in its
# manual page, the page formats without a warning, and the sample
# configuration conf/postern-NAME.conf loads ("check").
. "$top_srcdir/tests/lib/tap.sh"

for name in headers attach dsn; do
	bin=$top_builddir/milters/$name/postern-$name
	page=$top_srcdir/man/postern-$name.8
	missing=
	for param in $("$bin" config -d | sed 's/ =.*//'); do
		grep -q "\\\\fB$param\\\\fR" "$page" || missing="$missing $param"
	done
	tap_is "$missing" "" "postern-$name(8) documents every parameter"
	warnings=$(groff -man -ww -z "$page" 2>&1)
	tap_is "$warnings" "" "postern-$name(8) formats without a warning"
	out=$("$bin" -c "$top_srcdir/conf/postern-$name.conf" check 2>&1)
	tap_is "$?:$out" "0:" "conf/postern-$name.conf loads"
done
tap_done
