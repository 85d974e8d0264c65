/*  service.c — sd_notify from libsystemd: READY=1 once fsd-server listens
    with its store open (so `systemctl start` returns when clients can
    connect, and units ordered After= it start then), STOPPING=1 when a
    clean stop begins. */
#include "service.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

void service_ready(const char *listen)
{
    sd_notifyf(0, "READY=1\nSTATUS=listening on %s\nMAINPID=%lu", listen, (unsigned long)getpid());
}

void service_stopping(void)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
