/* log_syslog.h: send one log line to the local syslog daemon (/dev/log)
 * with a tag of the caller's choosing; log.c's syslog mode. syslog(3)
 * fixes one ident per process, while posternd's threads log under
 * different tags (postern/smtpd, postern/smtp, postern/qmgr). */
#ifndef POSTERN_LOG_SYSLOG_H
#define POSTERN_LOG_SYSLOG_H

/* log_syslog_open: connect to /dev/log (again, if connected). Failure is
 * not fatal: lines are then dropped, as syslog(3) drops them. */
void log_syslog_open(void);

/* log_syslog_send: "<facility mail|priority>Mon DD HH:MM:SS tag[pid]: text"
 * as one datagram; reconnects once if the daemon was restarted.
 * Thread-safe. */
void log_syslog_send(int priority, const char *tag, const char *text);

#endif
