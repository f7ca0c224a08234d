/* attach.c: postern-attach, attachment blocking by file name, type and
 * archive contents (postern-attach(8)). The milter skeleton
 * (milter_skel.h) runs it; what it is made of:
 *   attach_conf.c     settings, outcomes, the rules of a configuration
 *   attach_cb.c       the hooks: a message into the engine, the verdict
 *                     into a reply or a body with the banned parts cut out
 *   attach_engine.c   the inspection itself (no libmilter) */
#include "attach_milter.h"

int main(int argc, char **argv)
{
	return milter_skel_main(argc, argv, &attach_def);
}
