/*  backup.h — the online backup (backup.c). */
#ifndef FSD_BACKUP_H
#define FSD_BACKUP_H

#include "server.h"

/* backup.c — the online backup, copied by a thread of its own while the
   loop serves; the Backup request is answered when the copy is in place. */
/* From every turn of the loop: sends the answer of a finished backup. */
void backup_poll(server *srv);
/* How long the loop may sleep while a backup runs (1..most ms). */
int backup_wait_ms(const server *srv, int most);
/* On stop: cancels a running backup (its temporary file removed, its
   requester told) and frees the state. */
void backup_destroy(server *srv);
/* At start: removes the temporary file of a backup that a killed server
   left behind (named in DATA/backup.partial). */
void backup_clean_leftover(const char *data_dir);

#endif
