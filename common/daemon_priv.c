/* daemon_priv.c: drop root for good (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

/* daemon_lookup_user: uid and gid of user; -1 with *error_r if unknown. */
static int daemon_lookup_user(const char *user, uid_t *uid_r, gid_t *gid_r, char **error_r)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	int rc;

	if (size < 1024)
		size = 1024;
	for (;;) {
		buf = xmalloc((size_t)size);
		rc = getpwnam_r(user, &pw, buf, (size_t)size, &res);
		if (rc != ERANGE || size > 1024 * 1024)
			break;
		free(buf);
		size *= 2;
	}
	if (res == NULL) {
		*error_r = rc != 0 ? xasprintf("user %s: %s", user, strerror(rc))
				   : xasprintf("user %s: no such user", user);
		free(buf);
		return -1;
	}
	*uid_r = pw.pw_uid;
	*gid_r = pw.pw_gid;
	free(buf);
	return 0;
}

/* daemon_verify_ids: every uid and gid changed and root is out of reach. */
static int daemon_verify_ids(const char *user, uid_t uid, gid_t gid, char **error_r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0) {
		*error_r = xasprintf("run as %s: cannot read ids: %s", user, strerror(errno));
		return -1;
	}
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		*error_r = xasprintf("run as %s: ids did not all change", user);
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		*error_r = xasprintf("run as %s: root privileges can be regained", user);
		return -1;
	}
	return 0;
}

int daemon_drop_privileges(const char *user, char **error_r)
{
	uid_t uid;
	gid_t gid;

	if (daemon_lookup_user(user, &uid, &gid, error_r) < 0)
		return -1;
	if (uid == 0) {
		*error_r = xasprintf("run as %s: refusing to run with root privileges", user);
		return -1;
	}
	if (geteuid() != 0) {
		if (getuid() == uid && geteuid() == uid)
			return 1;
		*error_r = xasprintf("run as %s: must be started as root", user);
		return -1;
	}
	if (initgroups(user, gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		*error_r = xasprintf("run as %s: %s", user, strerror(errno));
		return -1;
	}
	return daemon_verify_ids(user, uid, gid, error_r) < 0 ? -1 : 1;
}
