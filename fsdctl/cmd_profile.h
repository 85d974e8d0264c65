/*  cmd_profile.h — fsdctl profile add|use|list|show|remove, and the
    profile in use as the connection's defaults. */
#ifndef FSD_CMD_PROFILE_H
#define FSD_CMD_PROFILE_H

#include "ctl.h"

/* Which connection settings the command line gave (they beat a profile). */
enum { PROFILE_GIVEN_SERVER = 1, PROFILE_GIVEN_KEY = 2, PROFILE_GIVEN_SERVER_KEY = 4 };

/* Fills what neither the command line (given) nor the environment set
   from the profile in use; its tz becomes FSD_TZ when that is unset.
   0, or the exit status after printing why (a profile named but absent). */
int ctl_profile_defaults(ctl *c, unsigned given);

int cmd_profile(ctl *c, int argc, char **argv);

#endif
