/* self_pid.h: this process's id without a system call each time (for log
 * lines, queue ids and the like, written for every message). */
#ifndef POSTERN_SELF_PID_H
#define POSTERN_SELF_PID_H

#include <sys/types.h>

/* self_pid: getpid(), remembered; a fork makes the child ask again. */
pid_t self_pid(void);

#endif
