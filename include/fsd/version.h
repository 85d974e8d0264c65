/*  version.h — the one version string of fsd-server, fsdctl and fsd-agent.

    The Makefile's VERSION reaches the compiler as -DFSD_VERSION; a build
    without it (an editor's syntax check) still compiles. Every program
    prints "NAME VERSION (protocol N)" for --version. */
#ifndef FSD_VERSION_H
#define FSD_VERSION_H

#ifndef FSD_VERSION
#define FSD_VERSION "0.0.0-unknown"
#endif

#endif
