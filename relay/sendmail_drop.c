/* sendmail_drop.c: put a message that "postern sendmail" read into the
 * maildrop queue: a complete queue file written in tmp/, synced and
 * renamed to maildrop/ (queue_writer_commit_sync), with the attributes
 * posternd's pickup needs for cleanup: origin_uid, origin_login and
 * full_name (-F, else the passwd entry's full name). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sendmail.h"

int sendmail_drop(struct postern_queue *pq, const struct sendmail_msg *m,
		  const struct sendmail_user *user, char **id_r, char **error_r)
{
	struct queue_writer *w = NULL;
	struct queue_envelope env = {0};
	char uid[32];
	const char *full_name = m->full_name != NULL ? m->full_name : user->gecos;
	if (queue_writer_new(pq->qd, &w, error_r) < 0)
		return -1;
	env.sender = m->sender;
	env.envid = m->envid;
	env.ret = m->ret == NULL		? QUEUE_RET_UNSET
		  : strcmp(m->ret, "FULL") == 0 ? QUEUE_RET_FULL
						: QUEUE_RET_HDRS;
	env.protocol = "sendmail";
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)user->uid);
	*id_r = xstrdup(queue_writer_id(w));
	int ok = queue_writer_envelope(w, &env, error_r) >= 0 &&
		 queue_writer_attr(w, "origin_uid", uid, error_r) >= 0 &&
		 queue_writer_attr(w, "origin_login", user->login, error_r) >= 0 &&
		 (full_name == NULL || queue_writer_attr(w, "full_name", full_name, error_r) >= 0);
	for (size_t i = 0; ok && i < m->n_rcpts; i++)
		ok = queue_writer_rcpt(w, m->rcpts[i], NULL, m->notify, error_r) >= 0;
	ok = ok &&
	     queue_writer_content(w, buf_cstr(&m->content), buf_len(&m->content), error_r) >= 0;
	if (!ok) {
		queue_writer_abort(&w);
		FREE_AND_NULL(*id_r);
		return -1;
	}
	if (queue_writer_commit_sync(&w, QUEUE_MAILDROP, error_r) < 0) {
		FREE_AND_NULL(*id_r);
		return -1;
	}
	return 1;
}
