/* av.c: postern-av, the antivirus milter: libclamav in process, one
 * engine shared by every connection and replaced when the signatures
 * change. The skeleton (milter_skel.h) runs it; the parts:
 *
 *   av_cb.c       hooks: skip lists, scan at the end of the message, headers
 *   av_conf.c     settings table
 *   av_engine.c   libclamav: load, limits, scan, results (no libmilter)
 *   av_reload.c   the current engine, reloaded on database changes and SIGHUP
 *   av_verdict.c  scan results to outcomes, actions and header text
 */
#include "av.h"

int main(int argc, char **argv)
{
	return milter_skel_main(argc, argv, &av_milter_def);
}
