/*  cmd_notify.c — fsdctl's commands for customer notifications.

      fsdctl templates load FILE [--replace]   the operator's wording (CSV or JSON)
      fsdctl templates show                    what each event sends now
      fsdctl notifications [--failed | --pending | --sent] [--job ID] [--limit N]

    and the notifications section of `fsdctl track`.

    A templates file is CSV with the columns event, language (optional)
    and text, or JSON: a list of {"event", "language", "text"} objects (or
    {"templates": [...]}). The file's syntax is checked here; the server
    checks the rest (known event, language tag, placeholders) and loads
    all rows or none. For JSON the "line" of an error is the entry's
    position in the list (1 = first). */
#include "ctl.h"
#include "args.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fsd/wire.h"

/* ------------------------------------------------------------ the file */

typedef struct {
    Fsd__TemplateRow **rows;
    size_t n_rows, cap_rows;
    Fsd__RowError **errors;
    size_t n_errors, cap_errors;
    /* CSV state */
    char **fields;
    size_t n_fields, cap_fields;
    int col_event, col_language, col_text; /* header positions, -1 absent */
    size_t n_cols;
    bool header_done;
    unsigned line, row_start;
} s_tfile;

static void *s_grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 16;
    void *bigger = realloc(v, *cap * size);
    if (!bigger) {
        fputs("fsdctl: out of memory\n", stderr);
        abort();
    }
    return bigger;
}

/* A copy of s[0..n) without white space at either end. */
static char *s_trim(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *out = malloc(n + 1);
    if (!out)
        abort();
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

static void s_error(s_tfile *f, unsigned line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_error(s_tfile *f, unsigned line, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->errors = s_grow(f->errors, &f->cap_errors, f->n_errors, sizeof *f->errors);
    Fsd__RowError *e = calloc(1, sizeof *e);
    fsd__row_error__init(e);
    e->line = line;
    e->field = s_trim(field, strlen(field));
    e->message = s_trim(msg, strlen(msg));
    f->errors[f->n_errors++] = e;
}

/* A row with what it needs, or an error per missing value. */
static void s_row(s_tfile *f, unsigned line, const char *event, const char *language, const char *text)
{
    bool bad = false;
    if (!event[0]) {
        s_error(f, line, "event", "event is required");
        bad = true;
    }
    if (!text[0]) {
        s_error(f, line, "text", "text is required (\"-\" sends nothing for the event)");
        bad = true;
    }
    if (bad)
        return;
    f->rows = s_grow(f->rows, &f->cap_rows, f->n_rows, sizeof *f->rows);
    Fsd__TemplateRow *r = calloc(1, sizeof *r);
    fsd__template_row__init(r);
    r->line = line;
    r->event = s_trim(event, strlen(event));
    r->language = s_trim(language, strlen(language));
    r->text = s_trim(text, strlen(text));
    f->rows[f->n_rows++] = r;
}

static void s_fields_clear(s_tfile *f)
{
    for (size_t i = 0; i < f->n_fields; i++)
        free(f->fields[i]);
    f->n_fields = 0;
}

/* libcsv: a field ended. */
static void s_csv_field(void *data, size_t len, void *arg)
{
    s_tfile *f = arg;
    f->fields = s_grow(f->fields, &f->cap_fields, f->n_fields, sizeof *f->fields);
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    copy[len] = 0;
    f->fields[f->n_fields++] = copy;
}

/* The value of the column at header position `col` ("" when absent). */
static const char *s_field(const s_tfile *f, int col)
{
    return col >= 0 && (size_t)col < f->n_fields ? f->fields[col] : "";
}

/* libcsv: a row ended. */
static void s_csv_row(int c, void *arg)
{
    (void)c;
    s_tfile *f = arg;
    unsigned line = f->row_start ? f->row_start : f->line;
    f->row_start = 0;
    if (!f->header_done) {
        f->header_done = true;
        f->col_event = f->col_language = f->col_text = -1;
        f->n_cols = f->n_fields;
        for (size_t i = 0; i < f->n_fields; i++) {
            char *name = s_trim(f->fields[i], strlen(f->fields[i]));
            for (char *p = name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            int *col = strcmp(name, "event") == 0      ? &f->col_event
                       : strcmp(name, "language") == 0 ? &f->col_language
                       : strcmp(name, "text") == 0     ? &f->col_text
                                                       : NULL;
            if (!col)
                s_error(f, line, name, "unknown column '%s' (the columns are event, language, text)", name);
            else if (*col >= 0)
                s_error(f, line, name, "column '%s' appears twice", name);
            else
                *col = (int)i;
            free(name);
        }
        if (f->col_event < 0)
            s_error(f, line, "event", "missing column 'event'");
        if (f->col_text < 0)
            s_error(f, line, "text", "missing column 'text'");
        s_fields_clear(f);
        return;
    }
    bool blank = true;
    for (size_t i = 0; i < f->n_fields && blank; i++)
        for (const char *p = f->fields[i]; *p; p++)
            if (!isspace((unsigned char)*p)) {
                blank = false;
                break;
            }
    if (!blank) {
        if (f->n_fields != f->n_cols)
            s_error(f, line, "", "the row has %zu fields but the header has %zu", f->n_fields, f->n_cols);
        else
            s_row(f, line, s_field(f, f->col_event), s_field(f, f->col_language), s_field(f, f->col_text));
    }
    s_fields_clear(f);
}

/* CSV, fed one physical line at a time so rows know where they start. */
static void s_parse_csv(s_tfile *f, const char *buf, size_t len)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        abort();
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && buf[end] != '\n')
            end++;
        if (end < len)
            end++;
        f->line++;
        if (!f->row_start)
            for (size_t i = pos; i < end; i++)
                if (!isspace((unsigned char)buf[i])) {
                    f->row_start = f->line;
                    break;
                }
        if (csv_parse(&p, buf + pos, end - pos, s_csv_field, s_csv_row, f) != end - pos) {
            s_error(f, f->line, "", "CSV cannot be parsed: %s", csv_strerror(csv_error(&p)));
            break;
        }
        pos = end;
    }
    csv_fini(&p, s_csv_field, s_csv_row, f);
    csv_free(&p);
    s_fields_clear(f);
    if (!f->header_done)
        s_error(f, 1, "", "the file is empty: the first line must be the header event,language,text");
}

/* JSON: [{"event", "language", "text"}...] or {"templates": [...]}. */
static void s_parse_json(s_tfile *f, const char *buf, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, 0, &je);
    if (!root) {
        s_error(f, (unsigned)(je.line > 0 ? je.line : 1), "", "JSON cannot be parsed: %s", je.text);
        return;
    }
    json_t *list = json_is_object(root) ? json_object_get(root, "templates") : root;
    if (!json_is_array(list)) {
        s_error(f, 1, "",
                "a templates file in JSON is a list of {\"event\", \"language\", \"text\"} objects"
                " (or an object with such a list under \"templates\")");
        json_decref(root);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        unsigned entry = (unsigned)i + 1;
        if (!json_is_object(item)) {
            s_error(f, entry, "", "entry %u is not an object", entry);
            continue;
        }
        const char *key;
        json_t *value;
        bool bad = false;
        json_object_foreach(item, key, value)
        {
            if (strcmp(key, "event") != 0 && strcmp(key, "language") != 0 && strcmp(key, "text") != 0) {
                s_error(f, entry, key, "unknown key '%s' (the keys are event, language, text)", key);
                bad = true;
            } else if (!json_is_string(value)) {
                s_error(f, entry, key, "%s must be a string", key);
                bad = true;
            }
        }
        if (bad)
            continue;
        const char *event = json_string_value(json_object_get(item, "event"));
        const char *language = json_string_value(json_object_get(item, "language"));
        const char *text = json_string_value(json_object_get(item, "text"));
        s_row(f, entry, event ? event : "", language ? language : "", text ? text : "");
    }
    json_decref(root);
}

/* Reads path as CSV or JSON (by the first character that is not white
   space: '[' or '{' is JSON). 0, or -1 when it cannot be read. */
static int s_read(const char *path, s_tfile *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "rb");
    if (!in) {
        snprintf(err, errlen, "cannot read %s: %s; check the path", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, in)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= 16 * 1024 * 1024)
                break;
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(in);
    if (!buf) {
        snprintf(err, errlen, "cannot read %s: out of memory", path);
        return -1;
    }
    const char *text = buf;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && (text[i] == '[' || text[i] == '{'))
        s_parse_json(f, text, len);
    else
        s_parse_csv(f, text, len);
    free(buf);
    return 0;
}

static void s_free(s_tfile *f)
{
    for (size_t i = 0; i < f->n_rows; i++) {
        free(f->rows[i]->event);
        free(f->rows[i]->language);
        free(f->rows[i]->text);
        free(f->rows[i]);
    }
    for (size_t i = 0; i < f->n_errors; i++) {
        free(f->errors[i]->field);
        free(f->errors[i]->message);
        free(f->errors[i]);
    }
    free(f->rows);
    free(f->errors);
    free(f->fields);
}

/* ------------------------------------------------------------ printing */

/* A stored status with its detail, for people. */
static void s_status(const Fsd__NotificationView *n, char *buf, size_t len)
{
    char at[32];
    if (strcmp(n->status, "sent") == 0)
        snprintf(buf, len, "sent %s (attempt %u)", ctl_time(n->sent_at, at), n->attempts);
    else if (strcmp(n->status, "pending") == 0 && n->attempts)
        snprintf(buf, len, "pending, %u failed, next %s: %s", n->attempts, ctl_time(n->next_at, at),
                 n->last_error);
    else if (strcmp(n->status, "pending") == 0)
        snprintf(buf, len, "pending");
    else
        snprintf(buf, len, "%s after %u attempts: %s", n->status, n->attempts, n->last_error);
}

void show_notifications(const Fsd__JobView *v)
{
    if (!v->n_notifications)
        return;
    printf("notifications\n");
    for (size_t i = 0; i < v->n_notifications; i++) {
        const Fsd__NotificationView *n = v->notifications[i];
        char at[32], status[400];
        s_status(n, status, sizeof status);
        printf("  %s  %-10s %s\n", ctl_time(n->created_at, at), n->event, status);
        printf("      \"%s\"\n", n->text);
    }
}

static void s_show_list(const Fsd__NotificationList *l)
{
    if (!l->n_notifications) {
        printf("no notifications\n");
        return;
    }
    printf("%-6s %-20s %-8s %-10s %-14s %s\n", "id", "made", "job", "event", "phone", "delivery");
    for (size_t i = 0; i < l->n_notifications; i++) {
        const Fsd__NotificationView *n = l->notifications[i];
        char at[32], status[400];
        s_status(n, status, sizeof status);
        printf("%-6llu %-20s %-8s %-10s %-14s %s\n", (unsigned long long)n->id, ctl_time(n->created_at, at),
               n->job_id, n->event, n->phone, status);
    }
}

static void s_show_list_msg(const ProtobufCMessage *msg)
{
    s_show_list((const Fsd__NotificationList *)msg);
}

static void s_show_templates(const Fsd__TemplateList *l)
{
    for (size_t i = 0; i < l->n_templates; i++) {
        const Fsd__TemplateView *t = l->templates[i];
        char who[48];
        snprintf(who, sizeof who, "%s%s%s", t->event, t->language[0] ? "/" : "", t->language);
        const char *source = t->builtin ? "built-in" : "loaded";
        if (strcmp(t->text, "-") == 0)
            printf("%-14s %-8s - (not sent)\n", who, source);
        else
            printf("%-14s %-8s %s\n", who, source, t->text);
    }
    printf("placeholders:");
    for (size_t i = 0; i < l->n_placeholders; i++)
        printf(" {%s}", l->placeholders[i]);
    printf("\n");
}

static void s_show_templates_reply(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    s_show_templates(rep->template_list);
}

/* ------------------------------------------------------------ commands */

static int s_by_line(const void *a, const void *b)
{
    const Fsd__RowError *x = *(Fsd__RowError *const *)a, *y = *(Fsd__RowError *const *)b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Sends the rows (check_only: to learn the server's objections too). */
static Fsd__Envelope *s_send(ctl *c, s_tfile *f, const char *path, bool replace, bool check_only)
{
    Fsd__LoadTemplates lt = FSD__LOAD_TEMPLATES__INIT;
    const char *base = strrchr(path, '/');
    lt.source = (char *)(base ? base + 1 : path);
    lt.rows = f->rows;
    lt.n_rows = f->n_rows;
    lt.replace = replace;
    lt.check_only = check_only;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_LOAD_TEMPLATES;
    env.load_templates = &lt;
    return ctl_call(c, &env);
}

/* Every bad row, the file's and the server's, by line. Returns 1. */
static int s_refused(ctl *c, const char *path, s_tfile *f, const Fsd__LoadResult *r)
{
    size_t n = f->n_errors + (r ? r->n_errors : 0);
    Fsd__RowError **list = calloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < f->n_errors; i++)
        list[i] = f->errors[i];
    for (size_t i = f->n_errors; i < n; i++)
        list[i] = r->errors[i - f->n_errors];
    qsort(list, n, sizeof *list, s_by_line);
    if (c->json) {
        Fsd__LoadResult out = FSD__LOAD_RESULT__INIT;
        out.kind = "templates";
        out.errors = list;
        out.n_errors = n;
        ctl_print_json(&out.base);
    } else {
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s:%u: %s%s%s\n", path, list[i]->line, list[i]->field,
                    list[i]->field[0] ? ": " : "", list[i]->message);
        fprintf(stderr, "fsdctl: %s has %zu bad row(s): nothing was loaded; fix them and load again\n", path,
                n);
    }
    free(list);
    return 1;
}

static int s_templates_load(ctl *c, const char *path, bool replace)
{
    s_tfile f;
    char err[512];
    if (s_read(path, &f, err, sizeof err) < 0)
        return ctl_fail(c, 1, "file", "%s", err);
    int rc;
    if (f.n_errors) {
        /* the clean rows are checked by the server too, so every bad line shows at once */
        Fsd__Envelope *rep = f.n_rows ? s_send(c, &f, path, replace, true) : NULL;
        rc = s_refused(c, path, &f,
                       rep && rep->body_case == FSD__ENVELOPE__BODY_LOAD_RESULT ? rep->load_result : NULL);
        if (rep)
            fsd__envelope__free_unpacked(rep, NULL);
        s_free(&f);
        return rc;
    }
    Fsd__Envelope *rep = s_send(c, &f, path, replace, false);
    if (!rep) {
        s_free(&f);
        return 1;
    }
    rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_LOAD_RESULT);
    if (rc == 0) {
        const Fsd__LoadResult *r = rep->load_result;
        if (r->n_errors)
            rc = s_refused(c, path, &f, r);
        else if (c->json)
            ctl_print_json(&r->base);
        else
            printf("loaded %u templates from %s%s\n", r->loaded, path,
                   replace ? " (other stored templates removed)" : "");
    }
    fsd__envelope__free_unpacked(rep, NULL);
    s_free(&f);
    return rc;
}

int cmd_templates(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl templates load FILE [--replace]\n"
                        "       fsdctl templates show\n\n"
                        "The words customers are told, one template per event (received, accepted,\n"
                        "en_route, late, completed, cancelled) and optionally per language. FILE is CSV\n"
                        "with the columns event,language,text or a JSON list of {\"event\", \"language\",\n"
                        "\"text\"}; all rows are loaded or none. Placeholders: {customer} {job}\n"
                        "{technician} {eta} {window} {appliance} {brand} {model} {address}, also as\n"
                        "{name|fallback}; {{ and }} are literal braces; the text \"-\" sends nothing.\n"
                        "--replace removes the stored templates the file does not name (those events\n"
                        "fall back to the built-in wording). show prints what each event sends now.\n";
    ctl_args a;
    char name[32];
    bool show = argc >= 2 && strcmp(argv[1], "show") == 0;
    if (!show && !(argc >= 2 && strcmp(argv[1], "load") == 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "load or show is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not load or show", argv[1]);
    }
    snprintf(name, sizeof name, "templates %s", argv[1]);
    argv[1] = name;
    static const struct option opts[] = { { "replace", 0, 0, 'r' }, { 0, 0, 0, 0 } };
    bool replace = false;
    ctl_args_begin(&a, c, argc - 1, argv + 1, usage, show ? opts + 1 : opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        if (o != 'r')
            return ctl_args_unknown(&a);
        replace = true;
    }
    if (o < 0 || ctl_args_tail(&a, show ? 0 : 1, show ? 0 : 1, "FILE"))
        return a.status;
    if (show) {
        Fsd__ListTemplates lt = FSD__LIST_TEMPLATES__INIT;
        return ctl_ask(c, FSD__ENVELOPE__BODY_LIST_TEMPLATES, &lt, FSD__ENVELOPE__BODY_TEMPLATE_LIST,
                       s_show_templates_reply, NULL);
    }
    return s_templates_load(c, a.pos[0], replace);
}

int cmd_notifications(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl notifications [--failed | --pending | --sent] [--job JOB] [--limit N]\n\n"
        "Customer notifications, the most recent last (default 100, at most 1000): when\n"
        "made, job, event, phone and where delivery stands (sent, pending with the\n"
        "next attempt and the last error, failed after the last attempt).\n";
    static const struct option opts[] = {
        { "failed", 0, 0, 'f' }, { "pending", 0, 0, 'p' }, { "sent", 0, 0, 's' },
        { "job", 1, 0, 'j' },    { "limit", 1, 0, 'l' },   { 0, 0, 0, 0 },
    };
    Fsd__ListNotifications ln = FSD__LIST_NOTIFICATIONS__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'f': ln.status = "failed"; break;
        case 'p': ln.status = "pending"; break;
        case 's': ln.status = "sent"; break;
        case 'j': ln.job_id = optarg; break;
        case 'l':
            if (ctl_args_uint(&a, optarg, 1, 1000, &ln.limit))
                return a.status;
            break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    uint32_t limit = ln.limit ? ln.limit : 100;
    ln.limit = CTL_ASK_ONE_MORE(limit);
    int rc;
    Fsd__Envelope *rep =
        ctl_fetch(c, FSD__ENVELOPE__BODY_LIST_NOTIFICATIONS, &ln, FSD__ENVELOPE__BODY_NOTIFICATION_LIST, &rc);
    if (!rep)
        return rc;
    /* the latest come last: a cut list loses its oldest row */
    Fsd__NotificationList *l = rep->notification_list;
    Fsd__NotificationView **all = l->notifications;
    size_t n = l->n_notifications;
    bool more = n > limit;
    if (more) {
        l->notifications = all + (n - limit);
        l->n_notifications = limit;
    }
    char how[96];
    snprintf(how, sizeof how, "the latest %u shown; --limit N up to 1000 shows more", limit);
    ctl_print_cut(c, &l->base, more, how, s_show_list_msg);
    l->notifications = all;
    l->n_notifications = n;
    fsd__envelope__free_unpacked(rep, NULL);
    return 0;
}
