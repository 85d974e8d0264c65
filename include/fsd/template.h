/*  template.h — the words the customer is told: one template per event,
    with {placeholders} filled in from the job.

    A template is plain text (UTF-8, up to TEMPLATE_TEXT_MAX bytes; new
    lines and tabs allowed, no other control characters) in which

        {name}            is replaced by the value of placeholder `name`
        {name|fallback}   the same, or `fallback` when the value is missing
        {{  and  }}       are a literal { and }

    Only the placeholders of template_field are known: a template naming
    any other is refused when it is loaded (template_check), so a typo
    never reaches a customer. A missing value (NULL or "") renders as its
    fallback, or as nothing. Values are inserted as they are, never read
    as templates themselves (a customer called "{job}" stays "{job}"),
    with control characters turned into spaces and each value cut at
    TEMPLATE_VALUE_MAX bytes.

    The text "-" means "do not send this event".

    Pure: no clock, no I/O, no allocation; the caller supplies buffers. */
#ifndef FSD_TEMPLATE_H
#define FSD_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

/* The moments a customer may be told about. */
typedef enum {
    NE_RECEIVED = 0, /* the request was taken (off unless a template is loaded) */
    NE_ACCEPTED,     /* a technician has the job (technician, window/ETA) */
    NE_EN_ROUTE,     /* the technician is on the way (ETA) */
    NE_LATE,         /* the job is at risk of missing its SLA deadline */
    NE_COMPLETED,    /* the repair is done (and how to rate it) */
    NE_CANCELLED,    /* the job was cancelled */
    NE_COUNT_
} notify_event;

/* Placeholders, named {customer} {job} {technician} {eta} {window}
   {appliance} {brand} {model} {address} {link}. */
typedef enum {
    TP_CUSTOMER = 0, /* the customer's name */
    TP_JOB,          /* the job id, J000123 */
    TP_TECHNICIAN,   /* the technician's name */
    TP_ETA,          /* expected arrival, local time */
    TP_WINDOW,       /* when the visit is promised, "by 14:35" */
    TP_APPLIANCE,    /* the category in words, "washing machine" */
    TP_BRAND,
    TP_MODEL,
    TP_ADDRESS,
    TP_LINK, /* the customer's page of the job (server --portal-url) */
    TP_COUNT_
} template_field;

typedef struct {
    const char *value[TP_COUNT_]; /* NULL or "" = missing */
} template_values;

#define TEMPLATE_TEXT_MAX 1000 /* bytes of a template */
#define TEMPLATE_VALUE_MAX 200 /* bytes of one inserted value */
#define TEMPLATE_OUT_MAX 2000  /* bytes of a rendered message */

/* "received", "accepted", "en_route", "late", "completed", "cancelled";
   "?" out of range. */
const char *notify_event_name(notify_event e);
/* The event of that name, or -1. */
int notify_event_parse(const char *name);

/* "customer", "job", ...; "?" out of range. */
const char *template_field_name(template_field f);
/* The known placeholders as one line: "{customer} {job} ..." (static). */
const char *template_field_list(void);

/* 0 when text is a usable template (or "-"); else -1 with one sentence
   in why (e.g. "unknown placeholder {tech} at character 12; known: ..."). */
int template_check(const char *text, char *why, size_t whylen);

/* True for the text "-": the event is not sent. */
bool template_is_off(const char *text);

/* Renders text with vals into out (NUL-terminated; a message longer than
   outlen - 1 bytes is cut at a character boundary). Returns the length
   written, or -1 when text does not pass template_check (out is then ""). */
int template_render(const char *text, const template_values *vals, char *out, size_t outlen);

/* The built-in English wording of an event ("-" for received: off by
   default). Never NULL for a valid event. */
const char *template_builtin(notify_event e);
/* The same with the customer's {link} (when the server sends links). */
const char *template_builtin_linked(notify_event e);

/* True for a language tag as used here: 2-3 lower-case letters,
   optionally '-' and 2-8 letters or digits ("en", "de", "pt-BR",
   "es-419"). The empty string (the default wording) is not a tag. */
bool template_language_valid(const char *lang);

/* The category in words: "washing_machine" -> "washing machine". */
void template_category_words(const char *category, char *out, size_t outlen);

#endif
