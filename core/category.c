/*  category.c — the catalogue of appliance categories.

    A fixed array of CATEGORY_MAX slots: a slot's index is the category's
    bit in a technician's skills and its number in a job, so slots are
    never reused for another id. The built-in fifteen are the catalogue
    until a file is loaded (a database from before categories were data
    has none stored and keeps working unchanged). */
#include <stdio.h>
#include <string.h>
#include "fsd/category.h"

#define S_ID_MAX 41
#define S_NAME_MAX 81

typedef struct {
    char id[S_ID_MAX];
    char name[S_NAME_MAX];
    int minutes;
    bool active;
} s_slot;

static const struct {
    const char *id, *name;
    int minutes;
} s_builtin[] = {
    { "washing_machine", "Washing machine", 60 },
    { "dryer", "Dryer", 60 },
    { "washer_dryer", "Washer-dryer", 75 },
    { "dishwasher", "Dishwasher", 60 },
    { "fridge", "Fridge", 60 },
    { "freezer", "Freezer", 60 },
    { "oven", "Oven", 60 },
    { "hob", "Hob", 45 },
    { "cooker_hood", "Cooker hood", 45 },
    { "microwave", "Microwave", 30 },
    { "air_conditioner", "Air conditioner", 90 },
    { "heat_pump", "Heat pump", 120 },
    { "boiler", "Boiler", 90 },
    { "water_heater", "Water heater", 60 },
    { "coffee_machine", "Coffee machine", 30 },
};
#define S_N_BUILTIN (sizeof s_builtin / sizeof s_builtin[0])

static s_slot s_slots[CATEGORY_MAX];
static const char *s_ids[CATEGORY_MAX]; //  s_slots[i].id, for category_list
static size_t s_used;                   //  indexes in use
static bool s_ready;

//  The built-in catalogue on first use.
static void s_init(void)
{
    if (!s_ready)
        category_reset();
}

void category_reset(void)
{
    memset(s_slots, 0, sizeof s_slots);
    s_used = 0;
    s_ready = true;
    for (size_t i = 0; i < S_N_BUILTIN; i++)
        category_define(s_builtin[i].id, s_builtin[i].name, s_builtin[i].minutes, (int)i, true);
}

int category_index(const char *id)
{
    s_init();
    for (size_t i = 0; id && i < s_used; i++)
        if (s_slots[i].id[0] && strcmp(s_slots[i].id, id) == 0)
            return (int)i;
    return -1;
}

int category_define(const char *id, const char *name, int duration_min, int index, bool active)
{
    s_init();
    if (!id || !*id || strlen(id) >= S_ID_MAX)
        return -1;
    int at = category_index(id);
    if (index >= 0 && at >= 0 && at != index)
        return -1; //  an id keeps its index
    if (at < 0)
        at = index >= 0 ? index : (int)s_used;
    if (at >= CATEGORY_MAX || (s_slots[at].id[0] && strcmp(s_slots[at].id, id) != 0))
        return -1;
    s_slot *s = &s_slots[at];
    snprintf(s->id, sizeof s->id, "%s", id);
    snprintf(s->name, sizeof s->name, "%s", name && *name ? name : id);
    s->minutes = duration_min > 0 ? duration_min : CATEGORY_DEFAULT_MIN;
    s->active = active;
    s_ids[at] = s->id;
    if ((size_t)at >= s_used) {
        for (size_t i = s_used; i < (size_t)at; i++) //  holes: never matched
            s_ids[i] = "";
        s_used = (size_t)at + 1;
    }
    return at;
}

void category_deactivate_all(void)
{
    s_init();
    for (size_t i = 0; i < s_used; i++)
        s_slots[i].active = false;
}

bool category_known(const char *id)
{
    int i = category_index(id);
    return i >= 0 && s_slots[i].active;
}

const char *category_name(const char *id)
{
    int i = category_index(id);
    return i >= 0 ? s_slots[i].name : "";
}

int category_duration_min(const char *id)
{
    int i = category_index(id);
    return i >= 0 ? s_slots[i].minutes : CATEGORY_DEFAULT_MIN;
}

const char *const *category_list(size_t *n)
{
    s_init();
    if (n)
        *n = s_used;
    return s_ids;
}

size_t category_active_count(void)
{
    s_init();
    size_t n = 0;
    for (size_t i = 0; i < s_used; i++)
        n += s_slots[i].active;
    return n;
}
