/*  load_file.c — reading reference-data and request files for fsdctl.

    One load_file holds everything it parsed: the rows as protobuf
    messages, the row errors, and every string and array they point to.
    Every allocation goes through s_keep() into one list that
    load_file_destroy() frees, so the protobuf messages never own memory
    (never call fsd__*__free_unpacked on them).

    CSV goes through libcsv. To know on which physical line a row starts
    the file is fed to the parser one line at a time: a row starts on the
    first non-blank line fed after the previous row ended, and a quoted
    field with newlines simply keeps the row open over several lines.
    GeoJSON goes through jansson.

    Syntax only: the server decides whether a provider, territory, time
    zone or shift makes sense. This module does not talk to the network. */

#include "load_file.h"

#include <csv.h>
#include <jansson.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    K_TERRITORIES,
    K_PROVIDERS,
    K_TECHNICIANS,
    K_PRODUCTS,
    K_CUSTOMERS,
    K_REQUESTS,
    K_SLA_POLICIES,
    K_WORKING_HOURS
};

/* A CSV column: its header name, whether the column must be in the
   header, and whether a row must give it a value. */
typedef struct {
    const char *name;
    int column_required;
    int value_required;
} s_column;

#define S_MAX_COLS 12

static const s_column s_provider_cols[] = { { "id", 1, 1 },          { "name", 1, 1 },    { "brands", 1, 0 },
                                            { "territories", 1, 1 }, { "company", 0, 0 }, { NULL, 0, 0 } };
static const s_column s_technician_cols[] = {
    { "id", 1, 1 },     { "name", 1, 1 },     { "provider", 1, 1 }, { "territories", 1, 1 },
    { "skills", 1, 1 }, { "capacity", 1, 1 }, { "shift", 1, 1 },    { "lat", 0, 0 },
    { "lon", 0, 0 },    { NULL, 0, 0 },
};
static const s_column s_product_cols[] = {
    { "serial", 1, 1 },          { "brand", 1, 1 },          { "model", 0, 0 },
    { "category", 1, 1 },        { "owner", 0, 0 },          { "purchase_date", 1, 1 },
    { "warranty_months", 1, 1 }, { "extended_until", 0, 0 }, { NULL, 0, 0 }
};
static const s_column s_customer_cols[] = {
    { "phone", 1, 1 }, { "name", 1, 1 },     { "tier", 0, 0 }, { "blocked", 0, 0 },
    { "note", 0, 0 },  { "language", 0, 0 }, { NULL, 0, 0 },
};
static const s_column s_request_cols[] = {
    { "name", 1, 0 },  { "phone", 1, 1 },   { "address", 1, 0 },  { "lat", 1, 1 },
    { "lon", 1, 1 },   { "brand", 1, 0 },   { "category", 1, 1 }, { "serial", 1, 0 },
    { "model", 0, 0 }, { "problem", 1, 1 }, { "window", 0, 0 },   { NULL, 0, 0 },
};
// service levels: SLA policies and working hours
static const s_column s_sla_policy_cols[] = {
    { "id", 1, 1 },      { "warranty", 1, 1 },   { "tier", 1, 1 },
    { "urgency", 1, 1 }, { "assign_min", 1, 1 }, { "arrive_min", 1, 1 },
    { "fix_min", 1, 1 }, { "clock", 1, 1 },      { NULL, 0, 0 },
};
static const s_column s_working_hours_cols[] = {
    { "territory", 1, 1 }, { "hours", 1, 1 }, { "closed", 0, 0 }, { NULL, 0, 0 }
};

/* A growable array of pointers. */
typedef struct {
    void **v;
    size_t n, cap;
} s_vec;

//  Structure of our class

struct load_file {
    int kind;
    const s_column *cols; // CSV kinds
    char *source;         // basename of the file
    s_vec keep;           // every allocation, freed on destroy
    s_vec errors;         // Fsd__RowError *
    s_vec rows;           // the row messages of this kind
    s_vec lines;          // requests: line of each, as (void *)(uintptr_t)
    Fsd__LoadTerritories lt;
    Fsd__LoadProviders lp;
    Fsd__LoadTechnicians lte;
    Fsd__LoadProducts lpr;
    Fsd__LoadCustomers lc;
    Fsd__LoadSlaPolicies lsp;
    Fsd__LoadWorkingHours lwh;

    // CSV parse state
    unsigned line;      // physical line being fed
    unsigned row_start; // line where the current row started, 0: none yet
    int header_done;
    s_vec fields;         // char * of the current row, malloc'd
    size_t ncolmap;       // fields in the header
    int have[S_MAX_COLS]; // column index -> header position, -1 absent
};

// ------------------------------------------------------------ memory

/* Gives up on allocation failure: fsdctl cannot do anything useful then. */
static void *s_check(void *p)
{
    if (!p) {
        fputs("fsdctl: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Appends p to the vector, growing it. */
static void s_vec_push(s_vec *vec, void *p)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 16;
        vec->v = s_check(realloc(vec->v, cap * sizeof(void *)));
        vec->cap = cap;
    }
    vec->v[vec->n++] = p;
}

/* Records p as owned by self and returns it. */
static void *s_keep(load_file *self, void *p)
{
    s_check(p);
    s_vec_push(&self->keep, p);
    return p;
}

/* Zeroed memory owned by self. */
static void *s_alloc(load_file *self, size_t size)
{
    return s_keep(self, calloc(1, size ? size : 1));
}

/* A copy of n bytes of s, owned by self. */
static char *s_strndup(load_file *self, const char *s, size_t n)
{
    char *p = s_alloc(self, n + 1);
    memcpy(p, s, n);
    return p;
}

/* A copy of s without leading and trailing white space, owned by self. */
static char *s_trimdup(load_file *self, const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return s_strndup(self, s, n);
}

// ------------------------------------------------------------ errors

/* Records a row error: line, field, and a printf-style message. */
static void s_error(load_file *self, unsigned line, const char *field, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    Fsd__RowError *e = s_alloc(self, sizeof *e);
    fsd__row_error__init(e);
    e->line = line;
    e->field = s_trimdup(self, field ? field : "");
    e->message = s_trimdup(self, buf);
    s_vec_push(&self->errors, e);
}

// ---------------------------------------------------- value checkers

/* 0 when v is non-empty; otherwise records "is required" and -1. */
static int s_need(load_file *self, unsigned line, const char *field, const char *v)
{
    if (*v)
        return 0;
    s_error(self, line, field, "%s is required", field);
    return -1;
}

/* Parses a finite number in [lo, hi]; -1 with an error otherwise. */
static int s_double(load_file *self, unsigned line, const char *field, const char *v, double lo, double hi,
                    double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d)) {
        s_error(self, line, field, "%s '%s' is not a number", field, v);
        return -1;
    }
    if (d < lo || d > hi) {
        s_error(self, line, field, "%s %s is out of range (%g to %g)", field, v, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

/* Parses a whole number of decimal digits in [lo, hi]. */
static int s_uint(load_file *self, unsigned line, const char *field, const char *v, unsigned lo, unsigned hi,
                  unsigned *out)
{
    unsigned long x = 0;
    const char *p = v;
    if (!*p) {
        s_error(self, line, field, "%s is not a whole number", field);
        return -1;
    }
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p) || x > 1000000UL) {
            s_error(self, line, field, "%s '%s' is not a whole number", field, v);
            return -1;
        }
        x = x * 10 + (unsigned long)(*p - '0');
    }
    if (x < lo || x > hi) {
        s_error(self, line, field, "%s %lu is out of range (%u to %u)", field, x, lo, hi);
        return -1;
    }
    *out = (unsigned)x;
    return 0;
}

/* Checks that v is a real calendar date written YYYY-MM-DD. */
static int s_date(load_file *self, unsigned line, const char *field, const char *v)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int ok = strlen(v) == 10 && v[4] == '-' && v[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)v[i]))
            ok = 0;
    if (ok) {
        int y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        ok = y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
    }
    if (!ok)
        s_error(self, line, field, "%s '%s' is not a date (YYYY-MM-DD)", field, v);
    return ok ? 0 : -1;
}

/* yes/no/true/false/1/0 (any case, empty is no) into *out. */
static int s_bool(load_file *self, unsigned line, const char *field, const char *v, protobuf_c_boolean *out)
{
    static const char *yes[] = { "yes", "true", "1", "y", NULL };
    static const char *no[] = { "no", "false", "0", "n", "", NULL };
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    s_error(self, line, field, "%s '%s' is not yes or no", field, v);
    return -1;
}

/* Splits a ';'-separated list into trimmed non-empty strings. */
static char **s_list(load_file *self, const char *v, size_t *n)
{
    size_t cap = 1;
    for (const char *p = v; *p; p++)
        cap += *p == ';';
    char **out = s_alloc(self, cap * sizeof(char *));
    *n = 0;
    const char *p = v;
    while (1) {
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *item = s_trimdup(self, s_strndup(self, p, len));
        if (*item)
            out[(*n)++] = item;
        if (!e)
            break;
        p = e + 1;
    }
    return out;
}

// ----------------------------------------------------------- CSV rows

/* Index of column `name` in the kind's table. */
static int s_col(const load_file *self, const char *name)
{
    for (int i = 0; self->cols[i].name; i++)
        if (strcmp(self->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* Value of column `name` in the current row, trimmed; "" when absent. */
static const char *s_val(load_file *self, const char *name)
{
    int c = s_col(self, name);
    if (c < 0 || self->have[c] < 0 || (size_t)self->have[c] >= self->fields.n)
        return "";
    return s_trimdup(self, self->fields.v[self->have[c]]);
}

/* Checks that the row gives every required value; -1 after recording
   an error for each missing one. */
static int s_required(load_file *self, unsigned line)
{
    int rc = 0;
    for (int i = 0; self->cols[i].name; i++)
        if (self->cols[i].value_required
            && s_need(self, line, self->cols[i].name, s_val(self, self->cols[i].name)))
            rc = -1;
    return rc;
}

/* Records a duplicate-key error when key was seen on an earlier row. */
static int s_unique(load_file *self, unsigned line, const char *field, const char *key,
                    const char *(*key_of)(const void *row), unsigned (*line_of)(const void *row))
{
    for (size_t i = 0; i < self->rows.n; i++)
        if (strcmp(key_of(self->rows.v[i]), key) == 0) {
            s_error(self, line, field, "%s '%s' is repeated (first on line %u)", field, key,
                    line_of(self->rows.v[i]));
            return -1;
        }
    return 0;
}

static const char *s_prov_key(const void *r)
{
    return ((const Fsd__ProviderRow *)r)->id;
}
static unsigned s_prov_line(const void *r)
{
    return ((const Fsd__ProviderRow *)r)->line;
}
static const char *s_tech_key(const void *r)
{
    return ((const Fsd__TechnicianRow *)r)->id;
}
static unsigned s_tech_line(const void *r)
{
    return ((const Fsd__TechnicianRow *)r)->line;
}
static const char *s_prod_key(const void *r)
{
    return ((const Fsd__ProductRow *)r)->serial;
}
static unsigned s_prod_line(const void *r)
{
    return ((const Fsd__ProductRow *)r)->line;
}
static const char *s_cust_key(const void *r)
{
    return ((const Fsd__CustomerRow *)r)->phone;
}
static unsigned s_cust_line(const void *r)
{
    return ((const Fsd__CustomerRow *)r)->line;
}
static const char *s_sla_key(const void *r)
{
    return ((const Fsd__SlaPolicyRow *)r)->id;
}
static unsigned s_sla_line(const void *r)
{
    return ((const Fsd__SlaPolicyRow *)r)->line;
}
static const char *s_hours_key(const void *r)
{
    return ((const Fsd__WorkingHoursRow *)r)->territory;
}
static unsigned s_hours_line(const void *r)
{
    return ((const Fsd__WorkingHoursRow *)r)->line;
}
static const char *s_terr_key(const void *r)
{
    return ((const Fsd__TerritoryRow *)r)->id;
}
static unsigned s_terr_line(const void *r)
{
    return ((const Fsd__TerritoryRow *)r)->line;
}

/* One providers.csv row. */
static void s_row_provider(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__ProviderRow *r = s_alloc(self, sizeof *r);
    fsd__provider_row__init(r);
    r->line = line;
    r->id = (char *)s_val(self, "id");
    r->name = (char *)s_val(self, "name");
    r->brands = s_list(self, s_val(self, "brands"), &r->n_brands);
    r->territories = s_list(self, s_val(self, "territories"), &r->n_territories);
    if (!bad && r->n_territories == 0) {
        s_error(self, line, "territories", "territories lists no territory");
        bad = 1;
    }
    /* yes: offers go to the provider's own dispatchers, not its technicians */
    if (!bad && s_bool(self, line, "company", s_val(self, "company"), &r->company))
        bad = 1;
    if (!bad && s_unique(self, line, "id", r->id, s_prov_key, s_prov_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* One technicians.csv row. */
static void s_row_technician(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__TechnicianRow *r = s_alloc(self, sizeof *r);
    fsd__technician_row__init(r);
    r->line = line;
    r->id = (char *)s_val(self, "id");
    r->name = (char *)s_val(self, "name");
    r->provider_id = (char *)s_val(self, "provider");
    r->territories = s_list(self, s_val(self, "territories"), &r->n_territories);
    r->skills = s_list(self, s_val(self, "skills"), &r->n_skills);
    r->shift = (char *)s_val(self, "shift");
    const char *cap = s_val(self, "capacity");
    if (*cap && s_uint(self, line, "capacity", cap, 1, 50, &r->capacity))
        bad = 1;
    const char *lat = s_val(self, "lat"), *lon = s_val(self, "lon");
    if (*lat || *lon) {
        if (!*lat || !*lon) {
            s_error(self, line, *lat ? "lon" : "lat", "lat and lon go together: give both or neither");
            bad = 1;
        } else {
            if (s_double(self, line, "lat", lat, -90, 90, &r->lat))
                bad = 1;
            if (s_double(self, line, "lon", lon, -180, 180, &r->lon))
                bad = 1;
        }
    }
    if (!bad && r->n_territories == 0) {
        s_error(self, line, "territories", "territories lists no territory");
        bad = 1;
    }
    if (!bad && r->n_skills == 0) {
        s_error(self, line, "skills", "skills lists no skill");
        bad = 1;
    }
    if (!bad && s_unique(self, line, "id", r->id, s_tech_key, s_tech_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* One products.csv row. */
static void s_row_product(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__ProductRow *r = s_alloc(self, sizeof *r);
    fsd__product_row__init(r);
    r->line = line;
    r->serial = (char *)s_val(self, "serial");
    r->brand = (char *)s_val(self, "brand");
    r->model = (char *)s_val(self, "model");
    r->category = (char *)s_val(self, "category");
    r->owner = (char *)s_val(self, "owner");
    r->purchase_date = (char *)s_val(self, "purchase_date");
    r->extended_until = (char *)s_val(self, "extended_until");
    if (*r->purchase_date && s_date(self, line, "purchase_date", r->purchase_date))
        bad = 1;
    if (*r->extended_until && s_date(self, line, "extended_until", r->extended_until))
        bad = 1;
    const char *wm = s_val(self, "warranty_months");
    if (*wm && s_uint(self, line, "warranty_months", wm, 0, 600, &r->warranty_months))
        bad = 1;
    if (!bad && s_unique(self, line, "serial", r->serial, s_prod_key, s_prod_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* One customers.csv row; an empty tier is "standard". */
static void s_row_customer(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__CustomerRow *r = s_alloc(self, sizeof *r);
    fsd__customer_row__init(r);
    r->line = line;
    r->phone = (char *)s_val(self, "phone");
    r->name = (char *)s_val(self, "name");
    r->tier = (char *)s_val(self, "tier");
    if (!*r->tier)
        r->tier = "standard";
    r->note = (char *)s_val(self, "note");
    r->language = (char *)s_val(self, "language"); // messages in this language
    if (s_bool(self, line, "blocked", s_val(self, "blocked"), &r->blocked))
        bad = 1;
    if (!bad && s_unique(self, line, "phone", r->phone, s_cust_key, s_cust_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* One requests.csv row. */
static void s_row_request(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__SubmitRequest *r = s_alloc(self, sizeof *r);
    fsd__submit_request__init(r);
    r->customer_name = (char *)s_val(self, "name");
    r->phone = (char *)s_val(self, "phone");
    r->address = (char *)s_val(self, "address");
    r->brand = (char *)s_val(self, "brand");
    r->category = (char *)s_val(self, "category");
    r->serial = (char *)s_val(self, "serial");
    r->model = (char *)s_val(self, "model");
    r->problem = (char *)s_val(self, "problem");
    r->window = (char *)s_val(self, "window");
    const char *lat = s_val(self, "lat"), *lon = s_val(self, "lon");
    if (*lat && s_double(self, line, "lat", lat, -90, 90, &r->lat))
        bad = 1;
    if (*lon && s_double(self, line, "lon", lon, -180, 180, &r->lon))
        bad = 1;
    if (!bad) {
        s_vec_push(&self->rows, r);
        s_vec_push(&self->lines, (void *)(uintptr_t)line);
    }
}

/* One SLA policies row (id,warranty,tier,urgency,assign_min,
   arrive_min,fix_min,clock); the server checks the values' meaning. */
static void s_row_sla_policy(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__SlaPolicyRow *r = s_alloc(self, sizeof *r);
    fsd__sla_policy_row__init(r);
    r->line = line;
    r->id = (char *)s_val(self, "id");
    r->warranty = (char *)s_val(self, "warranty");
    r->tier = (char *)s_val(self, "tier");
    r->urgency = (char *)s_val(self, "urgency");
    r->clock = (char *)s_val(self, "clock");
    static const char *const names[] = { "assign_min", "arrive_min", "fix_min" };
    double *slots[] = { &r->assign_min, &r->arrive_min, &r->fix_min };
    for (int i = 0; i < 3; i++) {
        const char *v = s_val(self, names[i]);
        if (*v && s_double(self, line, names[i], v, 0, 525600, slots[i]))
            bad = 1;
    }
    if (!bad && s_unique(self, line, "id", r->id, s_sla_key, s_sla_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* One working hours row (territory,hours[,closed]). */
static void s_row_working_hours(load_file *self, unsigned line)
{
    int bad = s_required(self, line);
    Fsd__WorkingHoursRow *r = s_alloc(self, sizeof *r);
    fsd__working_hours_row__init(r);
    r->line = line;
    r->territory = (char *)s_val(self, "territory");
    r->hours = (char *)s_val(self, "hours");
    r->closed = s_list(self, s_val(self, "closed"), &r->n_closed);
    if (!bad && s_unique(self, line, "territory", r->territory, s_hours_key, s_hours_line))
        bad = 1;
    if (!bad)
        s_vec_push(&self->rows, r);
}

/* Reads the header row: maps positions to columns, reports unknown,
   repeated and missing columns on line `line`. */
static void s_header(load_file *self, unsigned line)
{
    for (int i = 0; i < S_MAX_COLS; i++)
        self->have[i] = -1;
    self->ncolmap = self->fields.n;
    for (size_t f = 0; f < self->fields.n; f++) {
        char *name = s_trimdup(self, self->fields.v[f]);
        for (char *p = name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        int c = s_col(self, name);
        if (c < 0)
            s_error(self, line, name, "unknown column '%s'", name);
        else if (self->have[c] >= 0)
            s_error(self, line, name, "column '%s' appears twice", name);
        else
            self->have[c] = (int)f;
    }
    for (int i = 0; self->cols[i].name; i++)
        if (self->cols[i].column_required && self->have[i] < 0)
            s_error(self, line, self->cols[i].name, "missing column '%s'", self->cols[i].name);
}

/* A whole CSV row has been read (fields in self->fields). */
static void s_csv_row(load_file *self, unsigned line)
{
    if (!self->header_done) {
        self->header_done = 1;
        s_header(self, line);
        return;
    }
    int blank = 1;
    for (size_t f = 0; f < self->fields.n && blank; f++)
        for (const char *p = self->fields.v[f]; *p; p++)
            if (!isspace((unsigned char)*p)) {
                blank = 0;
                break;
            }
    if (blank)
        return;
    if (self->fields.n != self->ncolmap) {
        s_error(self, line, "", "the row has %zu fields but the header has %zu", self->fields.n,
                self->ncolmap);
        return;
    }
    switch (self->kind) {
    case K_PROVIDERS: s_row_provider(self, line); break;
    case K_TECHNICIANS: s_row_technician(self, line); break;
    case K_PRODUCTS: s_row_product(self, line); break;
    case K_CUSTOMERS: s_row_customer(self, line); break;
    case K_REQUESTS: s_row_request(self, line); break;
    case K_SLA_POLICIES: s_row_sla_policy(self, line); break;
    case K_WORKING_HOURS: s_row_working_hours(self, line); break;
    default: break;
    }
}

/* Frees the fields of the current row. */
static void s_fields_clear(load_file *self)
{
    for (size_t f = 0; f < self->fields.n; f++)
        free(self->fields.v[f]);
    self->fields.n = 0;
}

/* libcsv: end of a field (NUL-terminated thanks to CSV_APPEND_NULL). */
static void s_csv_field(void *data, size_t len, void *arg)
{
    load_file *self = arg;
    char *copy = s_check(malloc(len + 1));
    if (len)
        memcpy(copy, data, len);
    copy[len] = 0;
    s_vec_push(&self->fields, copy);
}

/* libcsv: end of a row. */
static void s_csv_end(int c, void *arg)
{
    (void)c;
    load_file *self = arg;
    unsigned line = self->row_start ? self->row_start : self->line;
    s_csv_row(self, line);
    s_fields_clear(self);
    self->row_start = 0;
}

/* Parses CSV text, line by line so that rows know their start line. */
static void s_parse_csv(load_file *self, const char *buf, size_t len)
{
    struct csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL) != 0)
        s_check(NULL);
    size_t pos = 0;
    self->line = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && buf[end] != '\n'
               && !(buf[end] == '\r' && (end + 1 >= len || buf[end + 1] != '\n')))
            end++;
        if (end < len)
            end++; // include the terminator
        self->line++;
        if (!self->row_start)
            for (size_t i = pos; i < end; i++)
                if (!isspace((unsigned char)buf[i])) {
                    self->row_start = self->line;
                    break;
                }
        if (csv_parse(&parser, buf + pos, end - pos, s_csv_field, s_csv_end, self) != end - pos) {
            s_error(self, self->line, "", "CSV cannot be parsed: %s", csv_strerror(csv_error(&parser)));
            break;
        }
        pos = end;
    }
    csv_fini(&parser, s_csv_field, s_csv_end, self);
    csv_free(&parser);
    s_fields_clear(self);
    if (!self->header_done)
        s_error(self, 1, "", "the file is empty: the first line must be the header");
}

// ------------------------------------------------------------ GeoJSON

/* One position [lon, lat(, alt)] into a Point; -1 with an error. */
static int s_position(load_file *self, unsigned line, json_t *pos, const char *where, Fsd__Point *pt)
{
    if (!json_is_array(pos) || json_array_size(pos) < 2 || !json_is_number(json_array_get(pos, 0))
        || !json_is_number(json_array_get(pos, 1))) {
        s_error(self, line, "geometry", "%s is not a position [lon, lat]", where);
        return -1;
    }
    double lon = json_number_value(json_array_get(pos, 0));
    double lat = json_number_value(json_array_get(pos, 1));
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
        s_error(self, line, "geometry",
                "%s [%g, %g] is out of range "
                "(positions are [lon, lat])",
                where, lon, lat);
        return -1;
    }
    fsd__point__init(pt);
    pt->lat = lat;
    pt->lon = lon;
    return 0;
}

/* The rings of one Polygon's coordinates appended to `rings`. */
static int s_polygon(load_file *self, unsigned line, json_t *coords, const char *what, s_vec *rings)
{
    if (!json_is_array(coords) || json_array_size(coords) == 0) {
        s_error(self, line, "geometry", "%s has no rings", what);
        return -1;
    }
    for (size_t r = 0; r < json_array_size(coords); r++) {
        json_t *jr = json_array_get(coords, r);
        char where[96];
        snprintf(where, sizeof where, "%s ring %zu", what, r + 1);
        if (!json_is_array(jr) || json_array_size(jr) < 4) {
            s_error(self, line, "geometry",
                    "%s has %zu positions; a ring "
                    "needs at least 4 (closed)",
                    where, json_is_array(jr) ? json_array_size(jr) : (size_t)0);
            return -1;
        }
        size_t n = json_array_size(jr);
        Fsd__Ring *ring = s_alloc(self, sizeof *ring);
        fsd__ring__init(ring);
        ring->points = s_alloc(self, n * sizeof(Fsd__Point *));
        for (size_t p = 0; p < n; p++) {
            char wp[128];
            snprintf(wp, sizeof wp, "%s position %zu", where, p + 1);
            Fsd__Point *pt = s_alloc(self, sizeof *pt);
            if (s_position(self, line, json_array_get(jr, p), wp, pt))
                return -1;
            ring->points[ring->n_points++] = pt;
        }
        if (ring->points[0]->lat != ring->points[n - 1]->lat
            || ring->points[0]->lon != ring->points[n - 1]->lon) {
            s_error(self, line, "geometry",
                    "%s is not closed (the last "
                    "position must repeat the first)",
                    where);
            return -1;
        }
        s_vec_push(rings, ring);
    }
    return 0;
}

/* A string property, or NULL when absent; an error when not a string. */
static const char *s_prop(load_file *self, unsigned line, json_t *props, const char *key, const char *field,
                          int *bad)
{
    json_t *v = json_object_get(props, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        s_error(self, line, field, "property %s is not a string", key);
        *bad = 1;
        return NULL;
    }
    return s_trimdup(self, json_string_value(v));
}

/* One Feature (number nr of the collection, starting on line) into a
   TerritoryRow. */
static void s_feature(load_file *self, unsigned nr, unsigned line, json_t *f)
{
    int bad = 0;
    if (!json_is_object(f) || !json_is_string(json_object_get(f, "type"))
        || strcmp(json_string_value(json_object_get(f, "type")), "Feature") != 0) {
        s_error(self, line, "type", "feature %u is not a GeoJSON Feature", nr);
        return;
    }
    json_t *props = json_object_get(f, "properties");
    if (!json_is_object(props)) {
        s_error(self, line, "properties",
                "feature %u has no properties "
                "(id, name, tz)",
                nr);
        bad = 1;
        props = NULL;
    }
    Fsd__TerritoryRow *r = s_alloc(self, sizeof *r);
    fsd__territory_row__init(r);
    r->line = line;
    if (props) {
        const char *id = s_prop(self, line, props, "id", "id", &bad);
        const char *name = s_prop(self, line, props, "name", "name", &bad);
        const char *tz = s_prop(self, line, props, "tz", "tz", &bad);
        if (!tz || !*tz)
            tz = s_prop(self, line, props, "timezone", "tz", &bad);
        if (!id || !*id) {
            s_error(self, line, "id", "id is required");
            bad = 1;
        }
        if (!name || !*name) {
            s_error(self, line, "name", "name is required");
            bad = 1;
        }
        if (!tz || !*tz) {
            s_error(self, line, "tz",
                    "tz is required (an IANA time zone "
                    "such as Europe/Berlin)");
            bad = 1;
        }
        r->id = (char *)(id ? id : "");
        r->name = (char *)(name ? name : "");
        r->tz = (char *)(tz ? tz : "");
    }
    json_t *geom = json_object_get(f, "geometry");
    const char *gtype = json_is_object(geom) ? json_string_value(json_object_get(geom, "type")) : NULL;
    s_vec rings = { NULL, 0, 0 };
    json_t *coords = json_is_object(geom) ? json_object_get(geom, "coordinates") : NULL;
    if (!gtype) {
        s_error(self, line, "geometry", "feature %u has no geometry", nr);
        bad = 1;
    } else if (strcmp(gtype, "Polygon") == 0) {
        if (s_polygon(self, line, coords, "polygon", &rings))
            bad = 1;
    } else if (strcmp(gtype, "MultiPolygon") == 0) {
        if (!json_is_array(coords) || json_array_size(coords) == 0) {
            s_error(self, line, "geometry", "MultiPolygon has no polygons");
            bad = 1;
        }
        for (size_t p = 0; !bad && p < json_array_size(coords); p++) {
            char what[32];
            snprintf(what, sizeof what, "polygon %zu", p + 1);
            if (s_polygon(self, line, json_array_get(coords, p), what, &rings))
                bad = 1;
        }
    } else {
        s_error(self, line, "geometry",
                "geometry is a %s, not a Polygon or "
                "MultiPolygon",
                gtype);
        bad = 1;
    }
    if (!bad && s_unique(self, line, "id", r->id, s_terr_key, s_terr_line))
        bad = 1;
    if (!bad) {
        r->n_rings = rings.n;
        r->rings = s_alloc(self, rings.n * sizeof(Fsd__Ring *));
        for (size_t i = 0; i < rings.n; i++)
            r->rings[i] = rings.v[i];
        s_vec_push(&self->rows, r);
    }
    free(rings.v);
}

/* The physical line on which each element of the top-level "features"
   array starts, found by scanning the text (jansson keeps no positions
   of values): lines[i] for i < max. Returns how many elements it saw. */
static size_t s_feature_lines(const char *buf, size_t len, unsigned *lines, size_t max)
{
    unsigned line = 1;
    int depth = 0, arr = 0; /* arr: depth inside "features", -1 after it */
    bool str = false, esc = false, features_key = false, expect = false;
    size_t n = 0, key_at = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n')
            line++;
        if (str) {
            if (esc)
                esc = false;
            else if (ch == '\\')
                esc = true;
            else if (ch == '"') {
                str = false;
                if (depth == 1)
                    features_key = i - key_at == 8 && memcmp(buf + key_at, "features", 8) == 0;
            }
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if (arr > 0 && depth == arr && expect && ch != ']') {
            if (n < max)
                lines[n] = line;
            n++;
            expect = false;
        }
        switch (ch) {
        case '"':
            str = true;
            key_at = i + 1;
            break;
        case '{': depth++; break;
        case '[':
            depth++;
            if (depth == 2 && features_key && arr == 0) {
                arr = 2;
                expect = true;
            }
            break;
        case '}':
        case ']':
            if (arr > 0 && depth == arr)
                arr = -1;
            depth--;
            break;
        case ',':
            if (arr > 0 && depth == arr)
                expect = true;
            break;
        default: break;
        }
    }
    return n;
}

/* Parses a GeoJSON FeatureCollection. */
static void s_parse_geojson(load_file *self, const char *buf, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, 0, &jerr);
    if (!root) {
        s_error(self, jerr.line > 0 ? (unsigned)jerr.line : 1, "json", "not valid JSON: %s", jerr.text);
        return;
    }
    json_t *type = json_object_get(root, "type");
    json_t *features = json_object_get(root, "features");
    if (!json_is_string(type) || strcmp(json_string_value(type), "FeatureCollection") != 0
        || !json_is_array(features))
        s_error(self, 1, "type",
                "the file is not a GeoJSON FeatureCollection "
                "with a features array");
    else {
        size_t n = json_array_size(features);
        unsigned *lines = calloc(n ? n : 1, sizeof *lines);
        if (!lines)
            abort();
        bool found = s_feature_lines(buf, len, lines, n) == n;
        for (size_t i = 0; i < n; i++)
            s_feature(self, (unsigned)(i + 1), found ? lines[i] : (unsigned)(i + 1),
                      json_array_get(features, i));
        free(lines);
    }
    json_decref(root);
}

// ------------------------------------------------------------- public

/* Reads a whole file into a malloc'd buffer; NULL with errno. */
static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
                errno = EIO;
            }
            break;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Reads `path` as `kind`; see load_file.h. */
load_file *load_file_read(const char *kind, const char *path, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        int kind;
        const s_column *cols;
    } kinds[] = {
        { "territories", K_TERRITORIES, NULL },
        { "providers", K_PROVIDERS, s_provider_cols },
        { "technicians", K_TECHNICIANS, s_technician_cols },
        { "products", K_PRODUCTS, s_product_cols },
        { "customers", K_CUSTOMERS, s_customer_cols },
        { "requests", K_REQUESTS, s_request_cols },
        { "sla_policies", K_SLA_POLICIES, s_sla_policy_cols },
        { "working_hours", K_WORKING_HOURS, s_working_hours_cols },
    };
    int k = -1;
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i].name) == 0)
            k = (int)i;
    if (k < 0) {
        snprintf(err, errlen,
                 "Unknown kind of file '%s': use territories, "
                 "providers, technicians, products, customers, requests, sla_policies "
                 "or working_hours.",
                 kind ? kind : "");
        return NULL;
    }
    size_t len = 0;
    char *buf = s_slurp(path, &len);
    if (!buf) {
        snprintf(err, errlen, "Cannot read %s: %s; check the path.", path, strerror(errno));
        return NULL;
    }
    load_file *self = s_check(calloc(1, sizeof *self));
    self->kind = kinds[k].kind;
    self->cols = kinds[k].cols;
    const char *base = strrchr(path, '/');
    self->source = s_trimdup(self, base ? base + 1 : path);

    const char *text = buf;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3; // UTF-8 byte order mark
        len -= 3;
    }
    if (self->kind == K_TERRITORIES)
        s_parse_geojson(self, text, len);
    else
        s_parse_csv(self, text, len);
    free(buf);

    // Typed row arrays for the Load* messages
    size_t n = self->rows.n;
    void **rows = s_alloc(self, (n ? n : 1) * sizeof(void *));
    if (n)
        memcpy(rows, self->rows.v, n * sizeof(void *));
    switch (self->kind) {
    case K_TERRITORIES:
        fsd__load_territories__init(&self->lt);
        self->lt.source = self->source;
        self->lt.n_rows = n;
        self->lt.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__TerritoryRow *));
        for (size_t i = 0; i < n; i++)
            self->lt.rows[i] = rows[i];
        break;
    case K_PROVIDERS:
        fsd__load_providers__init(&self->lp);
        self->lp.source = self->source;
        self->lp.n_rows = n;
        self->lp.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__ProviderRow *));
        for (size_t i = 0; i < n; i++)
            self->lp.rows[i] = rows[i];
        break;
    case K_TECHNICIANS:
        fsd__load_technicians__init(&self->lte);
        self->lte.source = self->source;
        self->lte.n_rows = n;
        self->lte.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__TechnicianRow *));
        for (size_t i = 0; i < n; i++)
            self->lte.rows[i] = rows[i];
        break;
    case K_PRODUCTS:
        fsd__load_products__init(&self->lpr);
        self->lpr.source = self->source;
        self->lpr.n_rows = n;
        self->lpr.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__ProductRow *));
        for (size_t i = 0; i < n; i++)
            self->lpr.rows[i] = rows[i];
        break;
    case K_CUSTOMERS:
        fsd__load_customers__init(&self->lc);
        self->lc.source = self->source;
        self->lc.n_rows = n;
        self->lc.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__CustomerRow *));
        for (size_t i = 0; i < n; i++)
            self->lc.rows[i] = rows[i];
        break;
    case K_SLA_POLICIES:
        fsd__load_sla_policies__init(&self->lsp);
        self->lsp.source = self->source;
        self->lsp.n_rows = n;
        self->lsp.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__SlaPolicyRow *));
        for (size_t i = 0; i < n; i++)
            self->lsp.rows[i] = rows[i];
        break;
    case K_WORKING_HOURS:
        fsd__load_working_hours__init(&self->lwh);
        self->lwh.source = self->source;
        self->lwh.n_rows = n;
        self->lwh.rows = s_alloc(self, (n ? n : 1) * sizeof(Fsd__WorkingHoursRow *));
        for (size_t i = 0; i < n; i++)
            self->lwh.rows[i] = rows[i];
        break;
    default: break;
    }
    return self;
}

/* Number of clean rows. */
size_t load_file_row_count(const load_file *self)
{
    return self ? self->rows.n : 0;
}

/* Number of row errors. */
size_t load_file_error_count(const load_file *self)
{
    return self ? self->errors.n : 0;
}

/* The i-th row error. */
const Fsd__RowError *load_file_error(const load_file *self, size_t i)
{
    return self && i < self->errors.n ? self->errors.v[i] : NULL;
}

/* Points the envelope's body at this file's Load* message. */
void load_file_attach(load_file *self, Fsd__Envelope *env)
{
    if (!self || !env)
        return;
    switch (self->kind) {
    case K_TERRITORIES:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_TERRITORIES;
        env->load_territories = &self->lt;
        break;
    case K_PROVIDERS:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_PROVIDERS;
        env->load_providers = &self->lp;
        break;
    case K_TECHNICIANS:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_TECHNICIANS;
        env->load_technicians = &self->lte;
        break;
    case K_PRODUCTS:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_PRODUCTS;
        env->load_products = &self->lpr;
        break;
    case K_CUSTOMERS:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_CUSTOMERS;
        env->load_customers = &self->lc;
        break;
    case K_SLA_POLICIES:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_SLA_POLICIES;
        env->load_sla_policies = &self->lsp;
        break;
    case K_WORKING_HOURS:
        env->body_case = FSD__ENVELOPE__BODY_LOAD_WORKING_HOURS;
        env->load_working_hours = &self->lwh;
        break;
    default: break;
    }
}

/* The i-th request of a requests file and its line. */
Fsd__SubmitRequest *load_file_request(load_file *self, size_t i, unsigned *line)
{
    if (!self || self->kind != K_REQUESTS || i >= self->rows.n)
        return NULL;
    if (line)
        *line = (unsigned)(uintptr_t)self->lines.v[i];
    return self->rows.v[i];
}

/* Frees the file and everything it owns. */
void load_file_destroy(load_file **self_p)
{
    if (!self_p || !*self_p)
        return;
    load_file *self = *self_p;
    for (size_t i = 0; i < self->keep.n; i++)
        free(self->keep.v[i]);
    free(self->keep.v);
    free(self->errors.v);
    free(self->rows.v);
    free(self->lines.v);
    s_fields_clear(self);
    free(self->fields.v);
    free(self);
    *self_p = NULL;
}
