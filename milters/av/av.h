/* av.h: postern-av as the skeleton runs it (milter_skel.h): its
 * definition, from av_cb.c, for main() in av.c. */
#ifndef POSTERN_AV_H
#define POSTERN_AV_H

#include "milter_skel.h"

extern const struct milter_skel_def av_milter_def;

#endif
