/*  config.h — the server's configuration file (/etc/fsd/server.conf).

    Its keys are the long options of fsd-server without the dashes
    (`listen = tcp://0.0.0.0:7700`, `offer-ttl-ms = 60000`); an option
    without a value (`no-notify`) takes true or false. The file is turned
    into the options it stands for and read by the same getopt_long
    table before the command line's, so the command line wins and every
    value is checked in one place. */
#ifndef FSD_CONFIG_H
#define FSD_CONFIG_H

#include <getopt.h>
#include <stddef.h>

/* When argv holds --config FILE (or --config=FILE): reads FILE and makes
   *argv the program's name, then the file's options as "--key=value",
   then the rest of argv, so that one getopt_long pass over opts reads
   both and the command line wins. Keys that are no option of opts, and
   config, help and version, are refused naming file and line. 0 (argv
   untouched when there is no --config), or -1 with err. The new argv
   lives as long as the process (options point into it). */
int config_merge(const struct option *opts, int *argc, char ***argv, char *err, size_t errlen);

#endif
