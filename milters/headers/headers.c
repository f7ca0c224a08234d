/* headers.c: postern-headers, Postfix's header_checks, mime_header_checks,
 * nested_header_checks and body_checks as a milter (postern-headers(8)).
 * The milter skeleton (milter_skel.h) runs it; what it is made of:
 *   headers_conf.c    settings, outcomes, the rules of a configuration
 *   headers_cb.c      the hooks: a message into the engine, the result
 *                     into milter replies and changes
 *   headers_engine.c  the checks themselves (no libmilter) */
#include "headers_milter.h"

int main(int argc, char **argv)
{
	return milter_skel_main(argc, argv, &headers_def);
}
