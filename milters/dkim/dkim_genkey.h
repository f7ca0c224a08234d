/* dkim_genkey.h: the "genkey" verb of postern-dkim:
 *   postern-dkim genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS]
 *                       [-D DIRECTORY]
 * writes DIRECTORY/SELECTOR.private (PEM, mode 0600, never over an
 * existing file) and prints the DNS TXT record to publish, in zone-file
 * syntax with the text split into strings of at most 255 characters.
 */
#ifndef POSTERN_DKIM_GENKEY_H
#define POSTERN_DKIM_GENKEY_H

#include <stdio.h>

/* dkim_genkey_main: the verb; argv[0] is "genkey". Returns the exit
 * status (0 ok, 1 failure, 2 usage). */
int dkim_genkey_main(int argc, char **argv);

/* dkim_genkey_record: write to out the TXT record for a public key
 * (key type "rsa" or "ed25519", p= in base64), as zone-file strings of at
 * most 255 characters each, separated by line breaks. */
void dkim_genkey_record(FILE *out, const char *owner, const char *type, const char *p64);

#endif
