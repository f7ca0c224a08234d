# relay_params_postfix.awk: turn relay_params_postfix.txt ("name kind" per
# line, sorted, "#" comments) into C: a sorted table and
# relay_postfix_param() (see relay_params.h). Stops on unsorted input.
BEGIN {
	kinds["builtin"] = "RELAY_POSTFIX_BUILTIN"
	kinds["raw"] = "RELAY_POSTFIX_RAW"
	kinds["legacy"] = "RELAY_POSTFIX_LEGACY"
	print "/* Generated from relay_params_postfix.txt by relay_params_postfix.awk. */"
	print "#include \"relay_params.h\""
	print ""
	print "#include <stdlib.h>"
	print "#include <string.h>"
	print ""
	print "struct relay_postfix_name {"
	print "\tconst char *name;"
	print "\tenum relay_postfix_kind kind;"
	print "};"
	print ""
	print "static const struct relay_postfix_name relay_postfix_names[] = {"
}
/^#/ || NF == 0 { next }
{
	if (NF != 2 || !($2 in kinds)) {
		print FILENAME ":" NR ": expected \"name kind\"" > "/dev/stderr"
		exit 1
	}
	if (prev != "" && !(prev < $1)) {
		print FILENAME ":" NR ": names out of order: " prev ", " $1 > "/dev/stderr"
		exit 1
	}
	prev = $1
	printf "\t{ \"%s\", %s },\n", $1, kinds[$2]
}
END {
	print "};"
	print ""
	print "static int relay_postfix_cmp(const void *key, const void *row)"
	print "{"
	print "\treturn strcmp(key, ((const struct relay_postfix_name *)row)->name);"
	print "}"
	print ""
	print "enum relay_postfix_kind relay_postfix_param(const char *name)"
	print "{"
	print "\tsize_t n = sizeof(relay_postfix_names) / sizeof(relay_postfix_names[0]);"
	print "\tconst struct relay_postfix_name *r ="
	print "\t\tbsearch(name, relay_postfix_names, n, sizeof(*r), relay_postfix_cmp);"
	print "\treturn r ? r->kind : RELAY_POSTFIX_NONE;"
	print "}"
}
