/* self_pid_test.c: self_pid() is the process's id, in a forked child too
 * (after the parent had remembered its own). */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "self_pid.h"
#include "tap.h"

int main(void)
{
	tap_is_int(self_pid(), getpid(), "self_pid is getpid()");
	tap_is_int(self_pid(), getpid(), "and stays so when asked again");
	pid_t parent = self_pid();
	pid_t child = fork();
	if (child == 0)
		_exit(self_pid() == getpid() && self_pid() != parent ? 0 : 1);
	int status = 0;
	tap_ok(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 0,
	       "a forked child gets its own id, not its parent's");
	tap_is_int(self_pid(), parent, "the parent keeps its own");
	return tap_done();
}
