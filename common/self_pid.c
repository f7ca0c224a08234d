/* self_pid.c: getpid() remembered, forgotten in the child of a fork (see
 * self_pid.h). */
#include "self_pid.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static _Atomic pid_t self_pid_cached;

static void self_pid_forget(void)
{
	self_pid_cached = 0;
}

static void self_pid_register_atfork(void)
{
	pthread_atfork(NULL, NULL, self_pid_forget);
}

pid_t self_pid(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (self_pid_cached == 0) {
		pthread_once(&once, self_pid_register_atfork);
		self_pid_cached = getpid();
	}
	return self_pid_cached;
}
