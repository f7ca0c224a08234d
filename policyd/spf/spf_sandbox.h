/* spf_sandbox.h: the smallest reach for the process that runs libspf2 on
 * records strangers publish. After the listening sockets are open:
 *   1. become the unprivileged user (daemon_drop_privileges), when root;
 *   2. no_new_privs, no core dumps;
 *   3. a seccomp filter for every thread: no exec (the process is
 *      killed), no fork (threads only), no opening files for writing, no
 *      file-system changes (unlink, rename, mkdir, chmod, chown, link,
 *      truncate, mknod, mount, chroot), no new listening or bound sockets,
 *      no sockets but unix, inet and inet6, no ptrace, no identity or
 *      namespace changes, no kernel modules, bpf or perf.
 * Everything an evaluation needs (reading resolv.conf, DNS over UDP and
 * TCP, threads, the event loop, logging to syslog or stderr) stays allowed.
 */
#ifndef POSTERN_SPF_SANDBOX_H
#define POSTERN_SPF_SANDBOX_H

/* spf_sandbox_enter: steps 1-3; user NULL skips step 1 (spawn mode runs
 * as the user Postfix gives it). Returns 1, or -1 with *error_r: the
 * caller must not go on without the sandbox. */
int spf_sandbox_enter(const char *user, char **error_r);

#endif
