/*  cmd_keys.c — fsdctl key list | key revoke NAME: the registered keys, and
    taking one out of service (admin). A revoked key is refused at the
    handshake; its open connections are closed by the server. */
#include "ctl.h"
#include "args.h"

#include <stdio.h>
#include <string.h>
#include "fsd/wire.h"

/* Prints keys as a table: name, role, technician, created, last seen, revoked. */
static void s_key_table(Fsd__KeyInfo *const *keys, size_t n)
{
    printf("%-20s %-10s %-10s %-23s %-23s %s\n", "NAME", "ROLE", "TECH", "CREATED", "LAST SEEN", "REVOKED");
    for (size_t i = 0; i < n; i++) {
        const Fsd__KeyInfo *k = keys[i];
        char created[32], seen[32], revoked[32];
        const char *role_lc = wire_enum_name(&fsd__role__descriptor, k->role);
        ctl_time(k->created_at, created);
        ctl_time(k->last_seen, seen);
        if (k->revoked_at)
            printf("%-20s %-10s %-10s %-23s %-23s %s by %s\n", k->name, role_lc,
                   k->technician_id[0] ? k->technician_id : "-", created, seen,
                   ctl_time(k->revoked_at, revoked), k->revoked_by);
        else
            printf("%-20s %-10s %-10s %-23s %-23s -\n", k->name, role_lc,
                   k->technician_id[0] ? k->technician_id : "-", created, seen);
    }
}

/* Prints a KeyList: the revoked key in a sentence after a revoke, else
   the table (arg: the request's body case). */
static void s_show_keys(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__KeyList *l = rep->key_list;
    if (*(const Fsd__Envelope__BodyCase *)arg == FSD__ENVELOPE__BODY_REVOKE_KEY && l->n_keys == 1) {
        char at[32];
        const Fsd__KeyInfo *k = l->keys[0];
        printf("revoked %s at %s by %s: refused from now on, its connections closed\n", k->name,
               ctl_time(k->revoked_at, at), k->revoked_by);
    } else
        s_key_table(l->keys, l->n_keys);
}

/* Sends one key request and prints the KeyList it answers. */
static int s_key_call(ctl *c, Fsd__Envelope__BodyCase body, void *msg)
{
    return ctl_ask(c, body, msg, FSD__ENVELOPE__BODY_KEY_LIST, s_show_keys, &body);
}

int cmd_key(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl key list\n"
                        "       fsdctl key revoke NAME\n\n"
                        "list: every registered key (name, role, technician, created, last seen,\n"
                        "revoked). revoke: the key registered under NAME is refused from now on\n"
                        "(at the handshake, and on connections already open, which the server\n"
                        "closes); recorded with your name. You cannot revoke the key you use.\n"
                        "Both need an admin key.\n";
    ctl_args a;
    char name[32];
    bool list = argc >= 2 && strcmp(argv[1], "list") == 0;
    if (!list && !(argc >= 2 && strcmp(argv[1], "revoke") == 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "list or revoke is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not list or revoke", argv[1]);
    }
    snprintf(name, sizeof name, "key %s", argv[1]);
    argv[1] = name;
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, NULL, NULL, list ? 0 : 1, "NAME"))
        return a.status;
    if (list) {
        Fsd__ListKeys l = FSD__LIST_KEYS__INIT;
        return s_key_call(c, FSD__ENVELOPE__BODY_LIST_KEYS, &l);
    }
    Fsd__RevokeKey r = FSD__REVOKE_KEY__INIT;
    r.name = a.pos[0];
    return s_key_call(c, FSD__ENVELOPE__BODY_REVOKE_KEY, &r);
}
