/*  service.h — telling systemd how the server is (sd_notify, Type=notify).
    Without NOTIFY_SOCKET (not started by systemd) each call does nothing. */
#ifndef FSD_SERVICE_H
#define FSD_SERVICE_H

/* The store is open and the socket listens: READY=1 with a status line. */
void service_ready(const char *listen);

/* A clean stop has begun: STOPPING=1. */
void service_stopping(void);

#endif
