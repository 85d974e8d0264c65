/*  page.c — lists in pages: a header, one line per item, and a last line
    that says when the list was cut and how to see the rest (--after). */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include "fsd/pbjson.h"
#include "fsd/wire.h"

void show_job_header(void)
{
    printf("%-8s %-10s %-26s %-13s %-6s %-16s %-6s %-20s %s\n", "job", "state", "territory", "warranty",
           "prio", "category", "tech", "created", "customer");
}

Fsd__Envelope *ctl_fetch(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want,
                         int *rc)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = body;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, (unsigned)body);
    *(void **)((char *)&env + f->offset) = msg;
    Fsd__Envelope *rep = ctl_call(c, &env);
    *rc = 1;
    if (!rep)
        return NULL;
    *rc = ctl_expect(c, rep, want);
    if (*rc) {
        fsd__envelope__free_unpacked(rep, NULL);
        return NULL;
    }
    return rep;
}

void ctl_print_cut(ctl *c, const ProtobufCMessage *msg, bool more, const char *how,
                   void (*show)(const ProtobufCMessage *msg))
{
    if (c->json) {
        json_t *j = pbjson_from_message(msg);
        json_object_set_new(j, "more", json_boolean(more));
        ctl_print_json_doc(j);
        return;
    }
    show(msg);
    if (more)
        printf("(list cut here: %s)\n", how);
}

int ctl_jobs_page(ctl *c, Fsd__ListJobs *l, const ctl_page *p)
{
    /* one more than shown: whether another page follows */
    l->limit = CTL_ASK_ONE_MORE(p->limit);
    l->after = (char *)(p->after ? p->after : "");
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_LIST_JOBS;
    env.list_jobs = l;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_JOB_LIST);
    if (rc == 0) {
        Fsd__JobList *list = rep->job_list;
        bool more = list->n_jobs > p->limit;
        size_t shown = more ? p->limit : list->n_jobs;
        const char *next = more ? list->jobs[shown - 1]->job_id : NULL;
        if (c->json) {
            size_t all = list->n_jobs;
            list->n_jobs = shown;
            json_t *j = pbjson_from_message(&list->base);
            list->n_jobs = all;
            if (!json_object_get(j, "jobs"))
                json_object_set_new(j, "jobs", json_array());
            json_object_set_new(j, "more", json_boolean(more));
            if (next)
                json_object_set_new(j, "next_after", json_string(next));
            ctl_print_json_doc(j);
        } else {
            show_job_header();
            for (size_t i = 0; i < shown; i++)
                show_job_line(list->jobs[i]);
            if (more)
                printf("(first %zu shown; more follow: add --after %s for the next page)\n", shown, next);
            else if (!shown)
                printf("(no jobs)\n");
        }
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}
