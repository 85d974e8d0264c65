/*  cmd_refdata.c — fsdctl's admin commands: loading reference data, customers,
    and keys. Files are parsed here (load_file.c) so syntax errors are shown by
    line before anything is loaded; the server checks meaning and loads all
    rows or none. A file with syntax errors has its other rows checked by
    the server (check_only), so that every bad line is shown at once. */
#include "ctl.h"
#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fsd/domain.h"
#include "fsd/wire.h"
#include "load_file.h"

/* Prints row errors (from the file or the server) as FILE:LINE: field: message. */
static void s_row_errors(const char *path, Fsd__RowError *const *errors, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s:%u: %s%s%s\n", path, errors[i]->line, errors[i]->field,
                errors[i]->field[0] ? ": " : "", errors[i]->message);
}

/* Marks an attached load as a check only (nothing is stored). */
static void s_check_only(Fsd__Envelope *env)
{
    switch (env->body_case) {
    case FSD__ENVELOPE__BODY_LOAD_TERRITORIES: env->load_territories->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_PROVIDERS: env->load_providers->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_TECHNICIANS: env->load_technicians->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_PRODUCTS: env->load_products->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_CUSTOMERS: env->load_customers->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_SLA_POLICIES: env->load_sla_policies->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_WORKING_HOURS: env->load_working_hours->check_only = 1; break;
    case FSD__ENVELOPE__BODY_LOAD_CATEGORIES: env->load_categories->check_only = 1; break;
    default: break;
    }
}

static int s_by_line(const void *a, const void *b)
{
    const Fsd__RowError *x = *(Fsd__RowError *const *)a, *y = *(Fsd__RowError *const *)b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* A file with syntax errors: its well-formed rows are checked by the
   server too (check_only, nothing stored), so every bad line is shown at
   once. Always returns exit status 1. */
static int s_refuse_file(ctl *c, const char *kind, const char *path, load_file *f)
{
    size_t bad = load_file_error_count(f), n = bad;
    Fsd__Envelope *rep = NULL;
    if (load_file_row_count(f) > 0) {
        char id[33];
        Fsd__Envelope env;
        wire_envelope_init(&env, id);
        load_file_attach(f, &env);
        s_check_only(&env);
        rep = ctl_call(c, &env);
        if (rep && rep->body_case == FSD__ENVELOPE__BODY_LOAD_RESULT)
            n += rep->load_result->n_errors;
    }
    Fsd__RowError **list = calloc(n ? n : 1, sizeof *list);
    for (size_t i = 0; i < bad; i++)
        list[i] = (Fsd__RowError *)load_file_error(f, i);
    for (size_t i = bad; i < n; i++)
        list[i] = rep->load_result->errors[i - bad];
    qsort(list, n, sizeof *list, s_by_line);
    if (c->json) {
        Fsd__LoadResult r = FSD__LOAD_RESULT__INIT;
        r.kind = (char *)kind;
        r.errors = list;
        r.n_errors = n;
        ctl_print_json(&r.base);
    } else {
        s_row_errors(path, list, n);
        fprintf(stderr, "fsdctl: %s has %zu bad row(s): nothing was loaded; fix them and load again\n", path,
                n);
    }
    free(list);
    if (rep)
        fsd__envelope__free_unpacked(rep, NULL);
    return 1;
}

/* Options of `load`: --replace (the file is the new truth), --check (a
   dry run that prints the diff), --progress (report on stderr). */
typedef struct {
    bool replace, check, progress;
} s_load_opts;

/* Sets replace on the attached territories, providers or technicians
   load; false for the other kinds (nothing is retired there). */
static bool s_set_replace(Fsd__Envelope *env)
{
    switch (env->body_case) {
    case FSD__ENVELOPE__BODY_LOAD_TERRITORIES: env->load_territories->replace = 1; return true;
    case FSD__ENVELOPE__BODY_LOAD_PROVIDERS: env->load_providers->replace = 1; return true;
    case FSD__ENVELOPE__BODY_LOAD_TECHNICIANS: env->load_technicians->replace = 1; return true;
    default: return false;
    }
}

/* Seconds since an earlier monotonic time. */
static double s_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Prints one list of the diff ("added: a b c"), up to 50 ids. */
static void s_print_ids(const char *what, char *const *ids, size_t n)
{
    printf("%-8s %zu", what, n);
    for (size_t i = 0; i < n && i < 50; i++)
        printf("%s%s", i ? " " : ": ", ids[i]);
    if (n > 50)
        printf(" ... (%zu more)", n - 50);
    putchar('\n');
}

/* The answer to a load that went through (or a check that found no bad row). */
static void s_print_result(const Fsd__LoadResult *r, const char *path, const s_load_opts *o)
{
    if (o->check) {
        printf("%s: no bad rows; loading it%s would change:\n", path, o->replace ? " with --replace" : "");
        s_print_ids("added", r->added, r->n_added);
        s_print_ids("changed", r->changed, r->n_changed);
        if (o->replace || r->n_retired)
            s_print_ids("retired", r->retired, r->n_retired);
        printf("nothing was loaded (--check)\n");
        return;
    }
    printf("loaded %u %s from %s", r->loaded, r->kind, path);
    if (r->n_added || r->n_changed || r->n_retired)
        printf(" (%zu added, %zu changed, %zu retired)", r->n_added, r->n_changed, r->n_retired);
    putchar('\n');
    if (r->n_retired)
        s_print_ids("retired", r->retired, r->n_retired);
    for (size_t i = 0; i < r->n_notes; i++)
        printf("  %s\n", r->notes[i]);
}

/* `fsdctl territory|provider|technician|product|customer load FILE`. */
static int s_load(ctl *c, const char *kind, const char *path, const s_load_opts *o)
{
    char err[512];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (o->progress)
        fprintf(stderr, "fsdctl: reading %s ...\n", path);
    load_file *f = load_file_read(kind, path, err, sizeof err);
    if (!f)
        return ctl_fail(c, 1, "file", "%s", err);
    if (o->progress)
        fprintf(stderr, "fsdctl: read %zu rows of %s in %.1f s; the server checks and stores them ...\n",
                load_file_row_count(f), path, s_since(&t0));
    if (load_file_error_count(f)) {
        int rc = s_refuse_file(c, kind, path, f);
        load_file_destroy(&f);
        return rc;
    }
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    load_file_attach(f, &env);
    if (o->replace && !s_set_replace(&env)) {
        load_file_destroy(&f);
        return ctl_fail(c, 2, "usage", "--replace is for territories, providers and technicians");
    }
    if (o->check)
        s_check_only(&env);
    if (!c->timeout_given && load_file_row_count(f) > 10000)
        c->timeout_ms = 600000; /* a big file takes the server a while to check and store */
    Fsd__Envelope *rep = ctl_call(c, &env);
    load_file_destroy(&f);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_LOAD_RESULT);
    if (rc == 0) {
        const Fsd__LoadResult *r = rep->load_result;
        if (c->json)
            ctl_print_json(&r->base);
        else if (r->n_errors) {
            s_row_errors(path, r->errors, r->n_errors);
            fprintf(stderr, "fsdctl: the server refused %zu row(s) of %s: nothing was loaded\n", r->n_errors,
                    path);
        } else
            s_print_result(r, path, o);
        rc = r->n_errors ? 1 : 0;
    }
    if (o->progress)
        fprintf(stderr, "fsdctl: done in %.1f s\n", s_since(&t0));
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}

/* `fsdctl technician|provider|territory retire ID [--reason TEXT]`. */
static int s_retire(ctl *c, const char *what, char *id_arg, char *reason)
{
    Fsd__Retire r = FSD__RETIRE__INIT;
    r.kind = (char *)what;
    r.id = id_arg;
    r.reason = reason;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_RETIRE;
    env.retire = &r;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_RETIRED);
    if (rc == 0) {
        const Fsd__Retired *d = rep->retired;
        if (c->json)
            ctl_print_json(&d->base);
        else {
            printf("%s %s %s\n", what, d->id,
                   d->already ? "was already retired: nothing changed" : "retired");
            for (size_t i = 0; i < d->n_moved; i++)
                printf("  job %s went back to matching\n", d->moved[i]);
            for (size_t i = 0; i < d->n_kept; i++)
                printf("  job %s\n", d->kept[i]);
        }
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}

static const char *s_load_usage =
    "usage: fsdctl %s load FILE [--replace] [--check] [--progress]\n"
    "       fsdctl %s retire ID [--reason TEXT]   (technician, provider, territory)\n\n"
    "Loads %s (all rows or none); see examples/README.md for the format.\n"
    "--replace   the file is the new truth: active rows it does not hold are retired\n"
    "            (technicians, providers, territories)\n"
    "--check     a dry run: check every row and print what would be added, changed\n"
    "            and retired; nothing is loaded\n"
    "--progress  report the steps of a long load on stderr (always on a terminal\n"
    "            for files over 1 MiB)\n"
    "retire      keep the row for history but give it no new work: a technician's\n"
    "            open jobs go back to matching (a job on site stays, listed); a\n"
    "            provider or territory still in use is refused; a territory's open\n"
    "            jobs stay in it and are listed.\n";

int cmd_load(ctl *c, int argc, char **argv)
{
    static const struct {
        const char *cmd, *kind;
    } kinds[] = {
        { "territory", "territories" },  { "provider", "providers" },  { "agent", "technicians" },
        { "technician", "technicians" }, { "product", "products" },    { "customer", "customers" },
        { "sla", "sla_policies" },       { "hours", "working_hours" }, { "category", "categories" },
    };
    const char *kind = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(argv[0], kinds[i].cmd) == 0)
            kind = kinds[i].kind;
    char usage[1536];
    int n = snprintf(usage, sizeof usage, s_load_usage, argv[0], argv[0], kind);
    if (strcmp(argv[0], "category") == 0)
        snprintf(usage + n, sizeof usage - n,
                 "The file is the whole catalogue of appliance categories. Columns: id,name,duration_min\n"
                 "(minutes of work on site). Without a file the built-in fifteen apply; a category left\n"
                 "out later is refused while technicians or open jobs use it. At most 64 ever.\n");
    else if (strcmp(argv[0], "sla") == 0)
        snprintf(usage + n, sizeof usage - n,
                 "The file replaces the whole table. Columns: "
                 "id,warranty,tier,urgency,assign_min,arrive_min,fix_min,clock.\n");
    else if (strcmp(argv[0], "hours") == 0)
        snprintf(usage + n, sizeof usage - n,
                 "The file replaces the whole table. Columns: territory,hours[,closed], e.g.\n"
                 "mitte,\"mon-fri 08:00-18:00; sat 09:00-13:00\",12-25;2026-04-03\n");
    const char *what = strcmp(argv[0], "agent") == 0 ? "technician" : argv[0];
    ctl_args a;
    if (argc < 2 || (strcmp(argv[1], "load") != 0 && strcmp(argv[1], "retire") != 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, ""))
            return a.status;
        return ctl_args_fail(&a, "say load FILE%s",
                             strcmp(what, "technician") == 0 || strcmp(what, "provider") == 0
                                     || strcmp(what, "territory") == 0
                                 ? " or retire ID"
                                 : "");
    }
    char name[32];
    snprintf(name, sizeof name, "%s %s", argv[0], argv[1]);
    bool retire = strcmp(argv[1], "retire") == 0;
    argv[1] = name;
    if (retire) {
        if (strcmp(what, "technician") != 0 && strcmp(what, "provider") != 0
            && strcmp(what, "territory") != 0) {
            static const struct option none[] = { { 0, 0, 0, 0 } };
            ctl_args_begin(&a, c, argc - 1, argv + 1, usage, none);
            return ctl_args_fail(&a, "only technicians, providers and territories are retired");
        }
        char *reason = "";
        if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, "reason", &reason, 1, "ID"))
            return a.status;
        return s_retire(c, what, a.pos[0], reason);
    }
    static const struct option opts[] = {
        { "replace", 0, 0, 'r' }, { "check", 0, 0, 'c' }, { "progress", 0, 0, 'p' }, { 0, 0, 0, 0 }
    };
    s_load_opts o = { .progress = false };
    ctl_args_begin(&a, c, argc - 1, argv + 1, usage, opts);
    int opt;
    while ((opt = ctl_args_next(&a)) > 0) {
        switch (opt) {
        case 'r': o.replace = true; break;
        case 'c': o.check = true; break;
        case 'p': o.progress = true; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (opt < 0 || ctl_args_tail(&a, 1, 1, "FILE"))
        return a.status;
    const char *path = a.pos[0];
    if (!o.progress && isatty(2)) { /* a long load on a terminal says what it is doing */
        struct stat st;
        o.progress = stat(path, &st) == 0 && st.st_size > 1024 * 1024;
    }
    return s_load(c, kind, path, &o);
}

int cmd_customer(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl customer load FILE.csv\n"
                        "       fsdctl customer set PHONE --name NAME [--tier standard|priority]\n"
                        "                                 [--block REASON | --unblock] [--language TAG]\n"
                        "       fsdctl customer show PHONE|JOB\n"
                        "       fsdctl customer forget PHONE\n";
    ctl_args a;
    if (argc >= 2 && strcmp(argv[1], "load") == 0)
        return cmd_load(c, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return cmd_customer_show(c, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "forget") == 0) /* privacy */
        return cmd_customer_forget(c, argc, argv);
    if (argc < 2 || strcmp(argv[1], "set") != 0) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "load, set, show or forget is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not load, set, show or forget", argv[1]);
    }
    char name[] = "customer set";
    argv[1] = name;
    static const struct option opts[] = {
        { "name", 1, 0, 'n' },    { "tier", 1, 0, 't' },     { "block", 1, 0, 'b' },
        { "unblock", 0, 0, 'u' }, { "language", 1, 0, 'L' }, { 0, 0, 0, 0 },
    };
    Fsd__CustomerRow row = FSD__CUSTOMER_ROW__INIT;
    ctl_args_begin(&a, c, argc - 1, argv + 1, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'n': row.name = optarg; break;
        case 't': row.tier = optarg; break;
        case 'b':
            row.blocked = 1;
            row.note = optarg;
            break;
        case 'u': row.blocked = 0; break;
        case 'L': row.language = optarg; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "PHONE"))
        return a.status;
    row.phone = a.pos[0];
    Fsd__SetCustomer sc = FSD__SET_CUSTOMER__INIT;
    sc.customer = &row;
    return ctl_request(c, FSD__ENVELOPE__BODY_SET_CUSTOMER, &sc, FSD__ENVELOPE__BODY_CUSTOMER_VIEW);
}

/* privacy: a dispatcher key's scope (keygen --provider, --territory) */
#define SCOPE_TERRITORIES_MAX 64
static char *s_scope_provider = "";
static char *s_scope_territories[SCOPE_TERRITORIES_MAX];
static size_t s_n_scope_territories;

/* Splits --territory T1,T2 into the scope's list (it may be repeated). */
static int s_scope_territory_opt(ctl *c, char *arg)
{
    for (char *save = NULL, *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (s_n_scope_territories == SCOPE_TERRITORIES_MAX)
            return ctl_fail(c, 2, "usage", "at most %d territories in a scope", SCOPE_TERRITORIES_MAX);
        s_scope_territories[s_n_scope_territories++] = t;
    }
    return 0;
}

/* Registers a public key with the server as name/role. 0 or exit status. */
static int s_register(ctl *c, const fsd_keypair *kp, Fsd__Role r, const char *tech)
{
    Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
    ap.public_key = (char *)kp->pub;
    ap.name = (char *)kp->name;
    ap.role = r;
    ap.technician_id = (char *)tech;
    ap.provider_id = s_scope_provider;
    ap.territories = s_scope_territories;
    ap.n_territories = s_n_scope_territories;
    return ctl_ask(c, FSD__ENVELOPE__BODY_ADD_PRINCIPAL, &ap, FSD__ENVELOPE__BODY_PRINCIPAL_ADDED, NULL,
                   NULL);
}

/* Makes, saves and (unless told not to) registers one key pair. */
static int s_keygen_one(ctl *c, const char *name, const char *role_text, const char *tech, const char *out,
                        bool reg)
{
    fsd_keypair kp;
    char err[512];
    if (keys_generate(&kp) < 0)
        return ctl_fail(c, 1, "keygen", "cannot generate a CURVE key pair (is libzmq built with CURVE?)");
    snprintf(kp.name, sizeof kp.name, "%s", name);
    snprintf(kp.role, sizeof kp.role, "%s", role_text);
    int r = wire_enum_value(&fsd__role__descriptor, role_text);
    if (reg) {
        int rc = s_register(c, &kp, (Fsd__Role)r, tech);
        if (rc)
            return rc;
    }
    if (keys_save(out, &kp, err, sizeof err) < 0)
        return ctl_fail(c, 1, "keygen", "%s", err);
    if (!c->json)
        printf("wrote %s (%s %s)%s\n", out, role_text, name, reg ? ", registered with the server" : "");
    return 0;
}

int cmd_keygen(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl keygen --role agent|intake|dispatcher|admin|portal --name NAME [--out FILE]\n"
        "                     [--technician ID] [--no-register]\n"
        "                     [--provider P] [--territory T[,T2...]]\n"
        "       fsdctl keygen --role agent --all-technicians --dir DIR\n\n"
        "Makes a CURVE key pair (file mode 0600) and registers its public key with the\n"
        "server under NAME and ROLE (needs an admin key). An agent's NAME is its\n"
        "technician id unless --technician says otherwise. --all-technicians makes\n"
        "DIR/ID.key for every technician the server knows.\n"
        "--provider and --territory scope a dispatcher's key: it sees and moves only the\n"
        "jobs its provider's technicians hold or are offered, and the unheld jobs of its\n"
        "territories (given, else the provider's contracted ones); without --provider,\n"
        "every job of its territories. Without either, a dispatcher sees everything.\n"
        "A portal key (the customer pages' web server) may use only the customer-link\n"
        "verbs: fsdctl portal show|cancel|rate TOKEN.\n";
    static const struct option opts[] = {
        { "role", 1, 0, 'r' },
        { "name", 1, 0, 'n' },
        { "out", 1, 0, 'o' },
        { "technician", 1, 0, 't' },
        { "no-register", 0, 0, 'N' },
        { "all-technicians", 0, 0, 'A' },
        { "dir", 1, 0, 'd' },
        { "provider", 1, 0, 'P' },
        { "territory", 1, 0, 'T' }, /* privacy */
        { 0, 0, 0, 0 },
    };
    const char *role_text = NULL, *name = NULL, *out = NULL, *tech = "", *dir = NULL;
    bool reg = true, all = false;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'r': role_text = optarg; break;
        case 'n': name = optarg; break;
        case 'o': out = optarg; break;
        case 't': tech = optarg; break;
        case 'N': reg = false; break;
        case 'A': all = true; break;
        case 'd': dir = optarg; break;
        case 'P': s_scope_provider = optarg; break;
        case 'T':
            if (s_scope_territory_opt(c, optarg))
                return 2;
            break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    if (!role_text || wire_enum_value(&fsd__role__descriptor, role_text) <= 0)
        return ctl_args_fail(&a, "--role must be agent, intake, dispatcher, admin or portal");
    char path[4096];
    if (!all) {
        if (!name)
            return ctl_args_fail(&a, "--name is required");
        if (!out) {
            snprintf(path, sizeof path, "%s.key", name);
            out = path;
        }
        return s_keygen_one(c, name, role_text, tech, out, reg);
    }
    if (!dir || strcmp(role_text, "agent") != 0)
        return ctl_args_fail(&a, "--all-technicians goes with --role agent and --dir DIR");
    mkdir(dir, 0700);
    Fsd__ListTechnicians l = FSD__LIST_TECHNICIANS__INIT;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_LIST_TECHNICIANS;
    env.list_technicians = &l;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_TECHNICIAN_LIST);
    for (size_t i = 0; rc == 0 && i < rep->technician_list->n_technicians; i++) {
        const char *tid = rep->technician_list->technicians[i]->id;
        snprintf(path, sizeof path, "%s/%s.key", dir, tid);
        rc = s_keygen_one(c, tid, "agent", tid, path, reg);
    }
    if (rc == 0 && c->json)
        printf("{\"keys\":%zu,\"dir\":\"%s\"}\n", rep->technician_list->n_technicians, dir);
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}

int cmd_backup(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl backup FILE\n\n"
                        "The server copies its whole database, online, into FILE (a new file on the\n"
                        "server's machine, mode 0600; relative paths are taken from here) while it\n"
                        "goes on serving, and answers once FILE is complete (until then the copy\n"
                        "is FILE.partial-PID; one backup at a time). Waits up to 10 minutes unless\n"
                        "--timeout says otherwise. To restore: stop fsd-server, run\n"
                        "'fsdctl restore FILE --data DATA', start fsd-server.\n";
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 1, "FILE"))
        return a.status;
    const char *file = a.pos[0];
    char path[4096];
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else if (!realpath(".", path) || strlen(path) + strlen(file) + 2 > sizeof path)
        return ctl_fail(c, 1, "path", "cannot resolve %s", file);
    else
        snprintf(path + strlen(path), sizeof path - strlen(path), "/%s", file);
    if (!c->timeout_given)
        c->timeout_ms = 600000; /* a large database takes a while; the server answers when done */
    Fsd__Backup b = FSD__BACKUP__INIT;
    b.path = path;
    return ctl_request(c, FSD__ENVELOPE__BODY_BACKUP, &b, FSD__ENVELOPE__BODY_BACKUP_DONE);
}
