/*  webevents.h — live events for the console (Server-Sent Events).

    Per web user: the jobs (as the board's cards: a projection of the
    JobView without history and customer data) and technicians of their
    board as last seen, a sequence number, and a backlog of the last
    events. The connection
    thread feeds it (webevents_board, webevents_job); every open tab of
    that user is a stream reading from it, filtered by its territories.
    A stream starts with a `snapshot` (or resumes after Last-Event-ID
    while that is still in the backlog), then gets `job` and `tech`
    events; one that fell behind the backlog gets `resync` and a fresh
    snapshot. A comment `: ping` every 15 s keeps proxies open.

    Streams are libmicrohttpd responses whose reader suspends the
    connection when there is nothing to send; new events resume it. */
#ifndef FSD_WEBEVENTS_H
#define FSD_WEBEVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <microhttpd.h>
#include "fsd.pb-c.h"

#define WEBEVENTS_BACKLOG 1024

typedef struct webevents webevents;
typedef struct webstream webstream;

webevents *webevents_new(void);
void webevents_destroy(webevents **pe);

/* The connection thread's side. */
/* True when user has a stream open (their board is then polled). */
bool webevents_wanted(webevents *e, const char *user);
/* A fresh board of user: the differences with the last one become
   events. The ids of jobs that left the board are returned (caller frees
   the array and its strings): the connection thread fetches their final
   view and passes it to webevents_job. */
void webevents_board(webevents *e, const char *user, const Fsd__BoardView *b, char ***gone, size_t *n_gone);
/* One pushed event of user's subscription (fsd-server's watch):
   snapshot pieces refresh the cache (what changed since becomes events),
   job and technician changes become events, a job that left the watch a
   `left` event. True when the server lost events (resync): the caller
   asks for a snapshot again. */
bool webevents_watch(webevents *e, const char *user, const Fsd__WatchEvent *w);
/* One job's view (a job that left the board: closed, cancelled...). */
void webevents_job(webevents *e, const char *user, const Fsd__JobView *v);
/* user's connection closed: their streams end, their cache is dropped. */
void webevents_forget(webevents *e, const char *user);
/* Ends every stream (before the HTTP daemon stops). */
void webevents_shutdown(webevents *e);
/* Marks every stream for a `: ping` and wakes it. */
void webevents_ping(webevents *e);

/* Customer pages: a stream per open page of a link token, fed by the
   connection thread's polling of the portal verbs. */
/* The tokens with a page open (caller frees the array and strings). */
size_t webevents_links(webevents *e, char ***tokens);
/* A link's view as JSON; a change becomes an `update` event. */
void webevents_link(webevents *e, const char *token, const char *json);
webstream *webevents_open_link(webevents *e, const char *token);

/* The HTTP side. session: the id of the session that opens it; territories: "T1,T2" or "" (all); last_id: the
   Last-Event-ID header or NULL. */
webstream *webevents_open(webevents *e, const char *user, const char *session, const char *territories,
                          const char *last_id);
/* The sessions that have a stream open (an open console counts as
   activity: its idle clock is kept fresh while someone watches it). Their
   ids are copied into ids[max]; returns how many. */
size_t webevents_sessions(webevents *e, char (*ids)[65], size_t max);
/* Ends the streams opened by a session (logout, expiry). */
void webevents_end_session(webevents *e, const char *session);
/* libmicrohttpd's content reader for a stream (cls = the stream). */
ssize_t webstream_read(void *cls, uint64_t pos, char *buf, size_t max);
/* libmicrohttpd's free callback for it. */
void webstream_free(void *cls);
/* The connection to suspend and resume (set before the response is queued). */
void webstream_bind(webstream *s, struct MHD_Connection *conn);

#endif
