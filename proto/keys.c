/*  keys.c — CURVE key pairs in files (see include/fsd/keys.h). */
#include "fsd/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

int keys_generate(fsd_keypair *kp)
{
    memset(kp, 0, sizeof *kp);
    return zmq_curve_keypair(kp->pub, kp->sec) == 0 ? 0 : -1;
}

bool keys_valid_z85(const char *s)
{
    if (!s || strlen(s) != 40)
        return false;
    uint8_t raw[32];
    return zmq_z85_decode(raw, s) != NULL;
}

/* Writes text to path through a temporary file and rename, with mode. */
static int s_write_file(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    fchmod(fd, mode); /* umask must not widen or narrow what we chose */
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int keys_save(const char *path, const fsd_keypair *kp, char *err, size_t errlen)
{
    char text[512];
    snprintf(text, sizeof text,
             "# fsd CURVE key pair: keep this file secret\n"
             "public-key = %s\nsecret-key = %s\nrole = %s\nname = %s\n",
             kp->pub, kp->sec, kp->role, kp->name);
    return s_write_file(path, text, 0600, err, errlen);
}

int keys_save_public(const char *path, const fsd_keypair *kp, char *err, size_t errlen)
{
    char text[256];
    snprintf(text, sizeof text, "# fsd CURVE public key\npublic-key = %s\nrole = %s\nname = %s\n", kp->pub,
             kp->role, kp->name);
    return s_write_file(path, text, 0644, err, errlen);
}

/* Copies the value of a "name = value" line into dst when the name matches. */
static void s_take(const char *line, const char *name, char *dst, size_t dstlen)
{
    size_t n = strlen(name);
    if (strncmp(line, name, n) != 0)
        return;
    const char *p = line + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != '=')
        return;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t k = 0;
    while (p[k] && p[k] != '\n' && p[k] != '\r' && p[k] != ' ' && k < dstlen - 1) {
        dst[k] = p[k];
        k++;
    }
    dst[k] = 0;
}

int keys_load(const char *path, fsd_keypair *kp, bool need_secret, char *err, size_t errlen)
{
    memset(kp, 0, sizeof *kp);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    fstat(fileno(f), &st);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        s_take(line, "public-key", kp->pub, sizeof kp->pub);
        s_take(line, "secret-key", kp->sec, sizeof kp->sec);
        s_take(line, "role", kp->role, sizeof kp->role);
        s_take(line, "name", kp->name, sizeof kp->name);
    }
    fclose(f);
    if (!keys_valid_z85(kp->pub)) {
        snprintf(err, errlen, "key file %s has no valid public-key line", path);
        return -1;
    }
    if (need_secret) {
        if (!keys_valid_z85(kp->sec)) {
            snprintf(err, errlen, "key file %s has no valid secret-key line", path);
            return -1;
        }
        if (st.st_mode & 077) {
            snprintf(err, errlen, "key file %s can be read by others: run chmod 600 %s", path, path);
            return -1;
        }
    }
    return 0;
}
