/*  watch.c — live subscriptions (being built: refused for now). */
#include "server.h"
#include "verbs.h"

int watch_request(call *c)
{
    call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "", "live subscriptions are not served yet");
    return 0;
}


int watch_unwatch(call *c)
{
    call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "", "live subscriptions are not served yet");
    return 0;
}
