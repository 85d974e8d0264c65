/*  config.h — the server's configuration file (/etc/fsd/server.conf).

    Its keys are the long options of fsd-server without the dashes
    (`listen = tcp://0.0.0.0:7700`, `offer-ttl-ms = 60000`); an option
    without a value (`no-notify`) takes true or false. The file is turned
    into the options it stands for and read by the same getopt_long
    table before the command line, so the command line wins and every
    value is checked in one place. */
#ifndef FSD_CONFIG_H
#define FSD_CONFIG_H

#include <getopt.h>
#include <stddef.h>

/* The file given by --config FILE or --config=FILE in argv, or NULL. */
const char *config_file(int argc, char **argv);

/* Reads path into an argv ("fsd-server", "--key=value", ...) for
   getopt_long over opts; keys that are no option, and config, help and
   version, are refused naming file and line. 0, or -1 with err. The
   strings live as long as the process (options point into them). */
int config_argv(const char *path, const struct option *opts, int *argc, char ***argv, char *err,
                size_t errlen);

#endif
