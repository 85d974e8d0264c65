/*  link.h — the customer's link to their job (link.c).

    A job's link is the server's --portal-url, "/", and the job's token:
    43 characters of base64url holding an HMAC-SHA256 of the job id under
    a secret of 256 bits kept in DATA/link.key (mode 0600). Derived, not
    drawn at random, so that a desk can read the link out again at any
    time and a notification can be retried with it; and kept out of the
    database, so that a copy of fsd.db alone opens nothing: the store holds
    only the SHA-256 of each token given out, to find the job a token
    names. Losing link.key (or restoring fsd.db elsewhere without it)
    ends every link given out so far, and nothing else.

    The stored text of a notification keeps the marker LINK_MARKER where
    the link goes; the sender puts the link in when the message leaves
    (link_expand), so the outbox rows hold no working link either. */
#ifndef FSD_LINK_H
#define FSD_LINK_H

#include <stdint.h>
#include "server.h"

#define LINK_TOKEN_LEN 43 /* base64url of 32 bytes, unpadded */
#define LINK_MARKER "{link}"

/* Reads DATA/link.key, or makes it (32 random bytes, mode 0600) when
   absent, into cfg->secret. 0, or -1 with one sentence in err. */
int link_open(link_config *cfg, const char *data_dir, char *err, size_t errlen);
/* job_id's token into out (LINK_TOKEN_LEN + 1 bytes). */
void link_token(const link_config *cfg, const char *job_id, char out[LINK_TOKEN_LEN + 1]);
/* job_id's link into out ("" without --portal-url). */
void link_url(const link_config *cfg, const char *job_id, char *out, size_t outlen);
/* text with every LINK_MARKER replaced by job_id's link (malloc'd), or
   NULL when text has none (or out of memory): send text as it is. */
char *link_expand(const link_config *cfg, const char *job_id, const char *text);
/* Records the hash of job_id's token (in the caller's transaction) so
   that the token finds the job. 0, or -1 storage failure. */
int link_ensure(server *srv, const char *job_id);
/* fsdctl stats: appends link_lookups_failed (since the start) to s. */
void link_stats(call *c, Fsd__StatsView *s);

#endif
