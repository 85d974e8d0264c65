/*  conf.h — "key = value" files: the server's configuration file and the
    client profiles of fsdctl and fsd-agent.

    One entry a line; blank lines and lines starting with # are skipped;
    spaces around the key and the value are dropped, and a value in double
    quotes keeps its inner spaces. Every entry remembers its line, so that
    a caller refusing a key can name file and line. */
#ifndef FSD_CONF_H
#define FSD_CONF_H

#include <stddef.h>

typedef struct {
    char *key, *value;
    unsigned line;
} conf_entry;

typedef struct {
    conf_entry *items;
    size_t n;
} conf;

/* Reads path into c (zeroed first). 0, or -1 with one sentence naming
   the file (and line) in err. */
int conf_read(const char *path, conf *c, char *err, size_t errlen);

/* The value of key (the last one given), or NULL. */
const char *conf_get(const conf *c, const char *key);

/* Sets key to value (added when absent). */
void conf_set(conf *c, const char *key, const char *value);

/* Writes c to path (mode 0600, through a temporary file and rename). 0 or -1 with err. */
int conf_write(const char *path, const conf *c, char *err, size_t errlen);

void conf_free(conf *c);

#endif
