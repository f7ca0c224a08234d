/* dkim_hosts.h: a list of client hosts in main.cf style, as internal_hosts
 * and external_ignore_list take it: addresses and networks ("127.0.0.1",
 * "192.0.2.0/24", "[2001:db8::]/32", "::1") and lookup tables
 * ("cidr:/etc/postern/internal.cidr", "texthash:/path"); an address
 * matches when a network contains it or a table has it. Thread-safe.
 */
#ifndef POSTERN_DKIM_HOSTS_H
#define POSTERN_DKIM_HOSTS_H

struct dkim_hosts;

/* dkim_hosts_new: from list items; param names the list in errors. 1 with
 * *h_r (dkim_hosts_free), -1 with *error_r. */
int dkim_hosts_new(char *const *items, const char *param, struct dkim_hosts **h_r, char **error_r);
void dkim_hosts_free(struct dkim_hosts **hp);

/* dkim_hosts_match: 1 when addr ("192.0.2.1", "2001:db8::1") is listed, 0
 * when not (also for a NULL addr), -1 with *error_r when a table could not
 * be read (try again later). */
int dkim_hosts_match(const struct dkim_hosts *h, const char *addr, char **error_r);

#endif
