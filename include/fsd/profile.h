/*  profile.h — client profiles for fsdctl and fsd-agent: which server, its
    public key, and one's own key, by name, like kubectl's contexts.

    A profile is $XDG_CONFIG_HOME/fsd/profiles/NAME.conf (default
    ~/.config/fsd), "key = value" lines (conf.h) with the keys server,
    server_key, key and tz. The one in use is $FSD_PROFILE, else the name
    in ~/.config/fsd/current, else none. Files in a profile are absolute,
    so a command works from any directory. */
#ifndef FSD_PROFILE_H
#define FSD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char name[128];
    char path[4096]; /* the profile's file */
    char server[512];
    char server_key[4096];
    char key[4096];
    char tz[128];
} profile;

/* The profiles' folder into out. 0, or -1 when neither XDG_CONFIG_HOME
   nor HOME is set. */
int profile_dir(char *out, size_t len);

/* Whether name can name a profile: letters, digits, '.', '-', '_'. */
bool profile_name_ok(const char *name);

/* The name of the profile in use ("" when none); *from_env tells
   whether FSD_PROFILE named it. */
void profile_current(char *out, size_t len, bool *from_env);

/* Loads the profile name. 1 loaded, 0 there is none of that name, -1
   with err. */
int profile_load(const char *name, profile *p, char *err, size_t errlen);

/* The profile in use: 1 loaded, 0 none in use, -1 with err (one naming a
   profile that is not there). */
int profile_in_use(profile *p, char *err, size_t errlen);

/* Writes p (its name decides the file; the folders are made 0700). */
int profile_save(const profile *p, char *err, size_t errlen);

/* Makes name the current profile. */
int profile_use(const char *name, char *err, size_t errlen);

/* Deletes name (and "current" when it named it). 1, 0 when absent, -1. */
int profile_remove(const char *name, char *err, size_t errlen);

/* The names of every profile, sorted: fills names (up to max); returns
   how many there are, or -1 with err. */
int profile_list(char names[][128], int max, char *err, size_t errlen);

#endif
