/* spf_sandbox.c: privilege drop and a seccomp filter (libseccomp) for
 * postern-spf; see spf_sandbox.h for what is refused. The filter denies a
 * list of system calls rather than allowing one: the sanitizer runtimes,
 * glibc's resolver and libevent use a set of calls that differs between
 * builds, and what matters here is what an attacker running code in the
 * process could do next. */
#include "config.h"

#include "spf_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mem.h"

#if defined(__SANITIZE_ADDRESS__)
#define POSTERN_SANDBOX_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POSTERN_SANDBOX_LSAN 1
#endif
#endif
#ifndef POSTERN_SANDBOX_LSAN
#define POSTERN_SANDBOX_LSAN 0
#endif

static const int denied_eperm[] = {
	SCMP_SYS(fork),		  SCMP_SYS(vfork),	    SCMP_SYS(unlink),
	SCMP_SYS(unlinkat),	  SCMP_SYS(rename),	    SCMP_SYS(renameat),
	SCMP_SYS(renameat2),	  SCMP_SYS(mkdir),	    SCMP_SYS(mkdirat),
	SCMP_SYS(rmdir),	  SCMP_SYS(chmod),	    SCMP_SYS(fchmod),
	SCMP_SYS(fchmodat),	  SCMP_SYS(chown),	    SCMP_SYS(fchown),
	SCMP_SYS(lchown),	  SCMP_SYS(fchownat),	    SCMP_SYS(link),
	SCMP_SYS(linkat),	  SCMP_SYS(symlink),	    SCMP_SYS(symlinkat),
	SCMP_SYS(truncate),	  SCMP_SYS(mknod),	    SCMP_SYS(mknodat),
	SCMP_SYS(mount),	  SCMP_SYS(umount2),	    SCMP_SYS(pivot_root),
	SCMP_SYS(chroot),	  SCMP_SYS(process_vm_writev),
	SCMP_SYS(setuid),	  SCMP_SYS(setgid),	    SCMP_SYS(setreuid),
	SCMP_SYS(setregid),	  SCMP_SYS(setresuid),	    SCMP_SYS(setresgid),
	SCMP_SYS(setgroups),	  SCMP_SYS(setfsuid),	    SCMP_SYS(setfsgid),
	SCMP_SYS(unshare),	  SCMP_SYS(setns),	    SCMP_SYS(init_module),
	SCMP_SYS(finit_module),	  SCMP_SYS(delete_module),  SCMP_SYS(kexec_load),
	SCMP_SYS(bpf),		  SCMP_SYS(perf_event_open), SCMP_SYS(keyctl),
	SCMP_SYS(add_key),	  SCMP_SYS(request_key),    SCMP_SYS(bind),
	SCMP_SYS(listen),	  SCMP_SYS(acct),	    SCMP_SYS(swapon),
	SCMP_SYS(swapoff),	  SCMP_SYS(reboot),	    SCMP_SYS(settimeofday),
	SCMP_SYS(clock_settime), SCMP_SYS(sethostname),   SCMP_SYS(setdomainname),
	SCMP_SYS(memfd_create),
};

static int rule(scmp_filter_ctx ctx, uint32_t action, int sys, unsigned n,
		const struct scmp_arg_cmp *cmp, char **error_r)
{
	int rc = seccomp_rule_add_array(ctx, action, sys, n, cmp);
	if (rc < 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, sys);
		*error_r = xasprintf("seccomp rule for %s: %s", name ? name : "?", strerror(-rc));
		free(name);
		return -1;
	}
	return 1;
}

static int add_rules(scmp_filter_ctx ctx, char **error_r)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	for (size_t i = 0; i < sizeof(denied_eperm) / sizeof(denied_eperm[0]); i++)
		if (rule(ctx, eperm, denied_eperm[i], 0, NULL, error_r) < 0)
			return -1;
	if (rule(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execve), 0, NULL, error_r) < 0 ||
	    rule(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execveat), 0, NULL, error_r) < 0)
		return -1;
	/* clone: threads only (CLONE_THREAD set); clone3 makes glibc fall
	 * back to clone, whose flags can be inspected. LeakSanitizer stops
	 * the world from a cloned, ptrace-ing helper at exit: a sanitizer
	 * build keeps clone and ptrace (and only those) open. */
	if (!POSTERN_SANDBOX_LSAN) {
		struct scmp_arg_cmp no_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
		if (rule(ctx, eperm, SCMP_SYS(clone), 1, &no_thread, error_r) < 0 ||
		    rule(ctx, eperm, SCMP_SYS(ptrace), 0, NULL, error_r) < 0)
			return -1;
	}
	if (rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL, error_r) < 0)
		return -1;
	/* Files: read-only. */
	const scmp_datum_t wflags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
	for (scmp_datum_t f = 1; f <= wflags; f <<= 1) {
		if ((f & wflags) == 0)
			continue;
		struct scmp_arg_cmp open_w = SCMP_A1(SCMP_CMP_MASKED_EQ, f, f);
		struct scmp_arg_cmp openat_w = SCMP_A2(SCMP_CMP_MASKED_EQ, f, f);
		if (rule(ctx, eperm, SCMP_SYS(open), 1, &open_w, error_r) < 0 ||
		    rule(ctx, eperm, SCMP_SYS(openat), 1, &openat_w, error_r) < 0)
			return -1;
	}
	if (rule(ctx, eperm, SCMP_SYS(creat), 0, NULL, error_r) < 0 ||
	    rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0, NULL, error_r) < 0)
		return -1;
	/* Sockets: unix, inet, inet6 only. */
	const uint32_t noaf = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	for (scmp_datum_t af = 0; af < AF_INET6; af++) {
		struct scmp_arg_cmp eq = SCMP_A0(SCMP_CMP_EQ, af);
		if (af != AF_UNIX && af != AF_INET && rule(ctx, noaf, SCMP_SYS(socket), 1, &eq,
							   error_r) < 0)
			return -1;
	}
	struct scmp_arg_cmp above = SCMP_A0(SCMP_CMP_GT, AF_INET6);
	return rule(ctx, noaf, SCMP_SYS(socket), 1, &above, error_r);
}

int spf_sandbox_enter(const char *user, char **error_r)
{
	if (user != NULL && geteuid() == 0 && daemon_drop_privileges(user, error_r) < 0)
		return -1;
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*error_r = xasprintf("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL) {
		*error_r = xstrdup("seccomp_init failed");
		return -1;
	}
	int rc = add_rules(ctx, error_r);
	if (rc == 1) {
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		int err = seccomp_load(ctx);
		if (err < 0) {
			*error_r = xasprintf("seccomp_load: %s", strerror(-err));
			rc = -1;
		}
	}
	seccomp_release(ctx);
	return rc;
}
