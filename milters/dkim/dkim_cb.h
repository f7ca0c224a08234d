/* dkim_cb.h: postern-dkim's hooks into the milter skeleton. */
#ifndef POSTERN_DKIM_CB_H
#define POSTERN_DKIM_CB_H

#include "milter_skel.h"

extern const struct milter_skel_hooks dkim_hooks;

#endif
