/* dsn.c: postern-dsn, delivery status notifications made fit to leave the
 * site (postern-dsn(8)). The milter skeleton (milter_skel.h) runs it;
 * what it is made of:
 *   dsn_conf.c     settings, outcomes, the rules of a configuration
 *   dsn_cb.c       the hooks: backscatter control at RCPT, a DSN into the
 *                  engine, its rewritten form back to the MTA
 *   dsn_engine.c   the rewriting itself (no libmilter) */
#include "dsn_milter.h"

int main(int argc, char **argv)
{
	return milter_skel_main(argc, argv, &dsn_def);
}
