/*  geo.c — great-circle distances, polygons and a uniform grid index.

    Distances use the haversine formula on a sphere of the mean Earth
    radius; polygons are tested with the even-odd rule over all rings, so
    holes and multipolygon parts need no special case. The grid buckets
    small integer ids by cell (a hash of cells, each a small array of ids)
    and keeps an id-to-cell array, so moving an item costs the size of its
    cell, not of the fleet.

    Polygon checks for loading (self-intersection, overlap, a zone's
    region) work on the same local flat projection. Deliberately not here:
    projections beyond it, winding order, and anything that reads files or
    GeoJSON. Across the antimeridian the polygon gap is only
    approximate; the grid wraps longitude correctly. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/geo.h"

#define S_EARTH_KM 6371.0088
#define S_DEG (M_PI / 180.0)
#define S_KM_PER_DEG (S_EARTH_KM * S_DEG)
#define S_MAX_ID (1 << 26)

//  Great-circle distance by the haversine formula.
double geo_distance_km(geo_point a, geo_point b)
{
    double dlat = (b.lat - a.lat) * S_DEG;
    double dlon = (b.lon - a.lon) * S_DEG;
    double s1 = sin(dlat / 2), s2 = sin(dlon / 2);
    double h = s1 * s1 + cos(a.lat * S_DEG) * cos(b.lat * S_DEG) * s2 * s2;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * S_EARTH_KM * asin(sqrt(h));
}

//  True for a finite point within the WGS84 ranges.
bool geo_valid(geo_point p)
{
    return p.lat >= -90.0 && p.lat <= 90.0 && p.lon >= -180.0 && p.lon <= 180.0;
}

//  Bounding box of all rings, stored in the polygon.
void geo_poly_bbox(geo_poly *poly)
{
    poly->min_lat = poly->min_lon = INFINITY;
    poly->max_lat = poly->max_lon = -INFINITY;
    for (size_t r = 0; r < poly->n; r++)
        for (size_t i = 0; i < poly->rings[r].n; i++) {
            geo_point q = poly->rings[r].pts[i];
            poly->min_lat = fmin(poly->min_lat, q.lat);
            poly->max_lat = fmax(poly->max_lat, q.lat);
            poly->min_lon = fmin(poly->min_lon, q.lon);
            poly->max_lon = fmax(poly->max_lon, q.lon);
        }
}

//  Counts ring edges crossed by a ray from p towards +lon; odd = inside.
static bool s_ring_odd(const geo_ring *ring, geo_point p)
{
    bool odd = false;
    size_t n = ring->n;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        geo_point a = ring->pts[i], b = ring->pts[j];
        if ((a.lat > p.lat) != (b.lat > p.lat)) {
            double x = a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat);
            if (p.lon < x)
                odd = !odd;
        }
    }
    return odd;
}

//  Even-odd containment over all rings, after a bbox test.
bool geo_poly_contains(const geo_poly *poly, geo_point p)
{
    if (p.lat < poly->min_lat || p.lat > poly->max_lat || p.lon < poly->min_lon || p.lon > poly->max_lon)
        return false;
    bool inside = false;
    for (size_t r = 0; r < poly->n; r++)
        if (poly->rings[r].n >= 3 && s_ring_odd(&poly->rings[r], p))
            inside = !inside;
    return inside;
}

//  A point on the local flat projection, in km.
typedef struct {
    double x, y;
} s_xy;

//  Projects p equirectangularly around latitude lat0 (cosine given).
static s_xy s_project(geo_point p, double coslat0)
{
    s_xy q = { p.lon * coslat0 * S_KM_PER_DEG, p.lat * S_KM_PER_DEG };
    return q;
}

//  Distance from p to the segment ab on the plane.
static double s_point_segment(s_xy p, s_xy a, s_xy b)
{
    double dx = b.x - a.x, dy = b.y - a.y;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

//  Mean latitude of all vertices of a polygon: sum and count.
static void s_lat_sum(const geo_poly *poly, double *sum, size_t *count)
{
    for (size_t r = 0; r < poly->n; r++)
        for (size_t i = 0; i < poly->rings[r].n; i++) {
            *sum += poly->rings[r].pts[i].lat;
            (*count)++;
        }
}

//  Smallest distance from any vertex of a to any edge of b, in km.
static double s_vertex_gap(const geo_poly *a, const geo_poly *b, double coslat0)
{
    double best = INFINITY;
    for (size_t ra = 0; ra < a->n; ra++)
        for (size_t i = 0; i < a->rings[ra].n; i++) {
            s_xy p = s_project(a->rings[ra].pts[i], coslat0);
            for (size_t rb = 0; rb < b->n; rb++) {
                const geo_ring *ring = &b->rings[rb];
                for (size_t k = 0, j = ring->n - 1; k < ring->n; j = k++) {
                    double d = s_point_segment(p, s_project(ring->pts[j], coslat0),
                                               s_project(ring->pts[k], coslat0));
                    if (d < best)
                        best = d;
                }
            }
        }
    return best;
}

//  Cosine of the mean latitude of the vertices of both polygons (1 when
//  there are none).
static double s_coslat0(const geo_poly *a, const geo_poly *b)
{
    double sum = 0;
    size_t count = 0;
    s_lat_sum(a, &sum, &count);
    if (b)
        s_lat_sum(b, &sum, &count);
    return count ? cos(sum / (double)count * S_DEG) : 1.0;
}

//  Twice the signed area of the triangle abc: > 0 when c is left of ab.
static double s_orient(s_xy a, s_xy b, s_xy c)
{
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

//  True when c, known to be on the line ab, lies within the box of ab.
static bool s_on_box(s_xy a, s_xy b, s_xy c)
{
    return fmin(a.x, b.x) <= c.x && c.x <= fmax(a.x, b.x) && fmin(a.y, b.y) <= c.y && c.y <= fmax(a.y, b.y);
}

//  True when segments ab and cd have a point in common (touching counts).
static bool s_segments_meet(s_xy a, s_xy b, s_xy c, s_xy d)
{
    double o1 = s_orient(a, b, c), o2 = s_orient(a, b, d);
    double o3 = s_orient(c, d, a), o4 = s_orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)))
        return true;
    return (o1 == 0 && s_on_box(a, b, c)) || (o2 == 0 && s_on_box(a, b, d)) || (o3 == 0 && s_on_box(c, d, a))
           || (o4 == 0 && s_on_box(c, d, b));
}

//  True when segments ab and cd cross each other's interior at one point
//  clearly away from all four ends (tolerance tol_km): shared edges and
//  T-junctions of neighbouring territories are not crossings.
static bool s_segments_cross(s_xy a, s_xy b, s_xy c, s_xy d, double tol_km)
{
    double o1 = s_orient(a, b, c), o2 = s_orient(a, b, d);
    double o3 = s_orient(c, d, a), o4 = s_orient(c, d, b);
    if (!(((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))))
        return false;
    return s_point_segment(c, a, b) > tol_km && s_point_segment(d, a, b) > tol_km
           && s_point_segment(a, c, d) > tol_km && s_point_segment(b, c, d) > tol_km;
}

//  True when some edge of a and some edge of b meet.
static bool s_edges_meet(const geo_poly *a, const geo_poly *b, double coslat0)
{
    for (size_t ra = 0; ra < a->n; ra++) {
        const geo_ring *x = &a->rings[ra];
        for (size_t i = 0, pi = x->n - 1; i < x->n; pi = i++) {
            s_xy p = s_project(x->pts[pi], coslat0), q = s_project(x->pts[i], coslat0);
            for (size_t rb = 0; rb < b->n; rb++) {
                const geo_ring *y = &b->rings[rb];
                for (size_t k = 0, pk = y->n - 1; k < y->n; pk = k++)
                    if (s_segments_meet(p, q, s_project(y->pts[pk], coslat0), s_project(y->pts[k], coslat0)))
                        return true;
            }
        }
    }
    return false;
}

//  True when some vertex of a lies inside b.
static bool s_vertex_inside(const geo_poly *a, const geo_poly *b)
{
    geo_poly box = *b;
    geo_poly_bbox(&box);
    for (size_t r = 0; r < a->n; r++)
        for (size_t i = 0; i < a->rings[r].n; i++)
            if (geo_poly_contains(&box, a->rings[r].pts[i]))
                return true;
    return false;
}

//  Distance between polygons as areas: 0 when they touch, cross or nest.
double geo_poly_gap_km(const geo_poly *a, const geo_poly *b)
{
    double coslat0 = s_coslat0(a, b);
    if (s_vertex_inside(a, b) || s_vertex_inside(b, a) || s_edges_meet(a, b, coslat0))
        return 0.0;
    double ab = s_vertex_gap(a, b, coslat0);
    double ba = s_vertex_gap(b, a, coslat0);
    return ab < ba ? ab : ba;
}

//  Two edges of a ring that are not neighbours and meet.
bool geo_ring_self_intersects(const geo_ring *ring, size_t *out_i, size_t *out_j)
{
    size_t n = ring->n;
    if (n >= 2 && ring->pts[0].lat == ring->pts[n - 1].lat && ring->pts[0].lon == ring->pts[n - 1].lon)
        n--; //  closed: the last position repeats the first
    geo_point *v = malloc((n ? n : 1) * sizeof *v);
    size_t *at = malloc((n ? n : 1) * sizeof *at);
    if (!v || !at) {
        free(v);
        free(at);
        return false;
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (m == 0 || v[m - 1].lat != ring->pts[k].lat || v[m - 1].lon != ring->pts[k].lon) {
            v[m] = ring->pts[k];
            at[m++] = k + 1;
        }
    while (m > 1 && v[m - 1].lat == v[0].lat && v[m - 1].lon == v[0].lon)
        m--;
    geo_ring tmp = { v, m };
    geo_poly one = { &tmp, 1, 0, 0, 0, 0 };
    double coslat0 = s_coslat0(&one, NULL);
    bool found = false;
    for (size_t i = 0; i < m && !found && m > 3; i++) {
        s_xy a = s_project(v[i], coslat0), b = s_project(v[(i + 1) % m], coslat0);
        for (size_t j = i + 2; j < m && !found; j++) {
            if (i == 0 && j == m - 1)
                continue; //  the first and last edges share position 1
            if (s_segments_meet(a, b, s_project(v[j], coslat0), s_project(v[(j + 1) % m], coslat0))) {
                found = true;
                if (out_i)
                    *out_i = at[i];
                if (out_j)
                    *out_j = at[j];
            }
        }
    }
    free(v);
    free(at);
    return found;
}

#define S_OVERLAP_TOL_KM 0.001 //  about a metre
#define S_OVERLAP_STEP_KM 0.01 //  how far inside an edge a sample is taken

//  Smallest distance from p to the boundary of the polygon, in km.
static double s_boundary_km(const geo_poly *poly, s_xy p, double coslat0)
{
    double best = INFINITY;
    for (size_t r = 0; r < poly->n; r++) {
        const geo_ring *ring = &poly->rings[r];
        for (size_t k = 0, j = ring->n - 1; k < ring->n; j = k++) {
            double d = s_point_segment(p, s_project(ring->pts[j], coslat0), s_project(ring->pts[k], coslat0));
            if (d < best)
                best = d;
        }
    }
    return best;
}

//  The plane point back in degrees.
static geo_point s_unproject(s_xy q, double coslat0)
{
    geo_point p = { q.y / S_KM_PER_DEG, q.x / (coslat0 * S_KM_PER_DEG) };
    return p;
}

//  True when p lies inside the polygon and clearly off its boundary.
static bool s_deep_inside(const geo_poly *poly, s_xy p, double coslat0)
{
    return geo_poly_contains(poly, s_unproject(p, coslat0))
           && s_boundary_km(poly, p, coslat0) > S_OVERLAP_TOL_KM;
}

//  True when a point of a's interior near one of its vertices or edges
//  lies deep inside b: catches nesting and the same area given twice.
static bool s_samples_inside(const geo_poly *a, const geo_poly *b, double coslat0)
{
    for (size_t r = 0; r < a->n; r++) {
        const geo_ring *ring = &a->rings[r];
        for (size_t k = 0, j = ring->n - 1; k < ring->n; j = k++) {
            s_xy p = s_project(ring->pts[j], coslat0), q = s_project(ring->pts[k], coslat0);
            if (s_deep_inside(b, q, coslat0))
                return true;
            double dx = q.x - p.x, dy = q.y - p.y, len = hypot(dx, dy);
            if (len <= 0)
                continue;
            s_xy mid = { (p.x + q.x) / 2, (p.y + q.y) / 2 };
            for (int side = -1; side <= 1; side += 2) {
                s_xy s = { mid.x - side * dy / len * S_OVERLAP_STEP_KM,
                           mid.y + side * dx / len * S_OVERLAP_STEP_KM };
                if (geo_poly_contains(a, s_unproject(s, coslat0)) && s_deep_inside(b, s, coslat0))
                    return true;
            }
        }
    }
    return false;
}

//  True when the interiors of a and b share some area.
bool geo_poly_overlap(const geo_poly *pa, const geo_poly *pb)
{
    geo_poly a = *pa, b = *pb;
    geo_poly_bbox(&a);
    geo_poly_bbox(&b);
    if (a.max_lat < b.min_lat || b.max_lat < a.min_lat || a.max_lon < b.min_lon || b.max_lon < a.min_lon)
        return false;
    double coslat0 = s_coslat0(&a, &b);
    for (size_t ra = 0; ra < a.n; ra++) {
        const geo_ring *x = &a.rings[ra];
        for (size_t i = 0, pi = x->n - 1; i < x->n; pi = i++) {
            s_xy p = s_project(x->pts[pi], coslat0), q = s_project(x->pts[i], coslat0);
            for (size_t rb = 0; rb < b.n; rb++) {
                const geo_ring *y = &b.rings[rb];
                for (size_t k = 0, pk = y->n - 1; k < y->n; pk = k++)
                    if (s_segments_cross(p, q, s_project(y->pts[pk], coslat0), s_project(y->pts[k], coslat0),
                                         S_OVERLAP_TOL_KM))
                        return true;
            }
        }
    }
    return s_samples_inside(&a, &b, coslat0) || s_samples_inside(&b, &a, coslat0);
}

//  The broad box of a time zone region: lat and lon ranges (a second lon
//  range for regions across the antimeridian).
static const struct {
    const char *prefix;
    double lat0, lat1, lon0, lon1, lon2, lon3;
} s_regions[] = {
    { "Europe/", 27, 82, -32, 70, 0, 0 },      { "America/", -57, 84, -180, -10, 0, 0 },
    { "Asia/", -12, 82, 24, 180, -180, -168 }, { "Africa/", -36, 38, -26, 52, 0, 0 },
    { "Australia/", -56, -9, 110, 160, 0, 0 },
};

//  1 inside the zone's region box, 0 outside, -1 no box for the zone.
int geo_tz_region_contains(const char *tz, geo_point p)
{
    for (size_t i = 0; tz && i < sizeof s_regions / sizeof s_regions[0]; i++)
        if (strncmp(tz, s_regions[i].prefix, strlen(s_regions[i].prefix)) == 0) {
            bool lat = p.lat >= s_regions[i].lat0 && p.lat <= s_regions[i].lat1;
            bool lon = (p.lon >= s_regions[i].lon0 && p.lon <= s_regions[i].lon1)
                       || (s_regions[i].lon2 != s_regions[i].lon3 && p.lon >= s_regions[i].lon2
                           && p.lon <= s_regions[i].lon3);
            return lat && lon;
        }
    return -1;
}

//  ---------------------------------------------------------------------
//  The grid

//  One item in a cell: its id, where it is, its weight (km added to its
//  distance by ring searches with a limit).
typedef struct {
    int id;
    geo_point at;
    double weight;
} s_item;

typedef struct {
    int32_t row, col;
    s_item *items;
    uint32_t n, cap;
} s_cell;

struct geo_grid {
    double cell_lat; //  cell height in degrees of latitude
    double cell_lon; //  cell width in degrees of longitude
    int32_t cols;    //  columns around the globe
    double coslat0;  //  width scale, fixed by the first put
    bool ref_set;
    s_cell *cells; //  dense array of cells, never moved by rehash
    size_t ncells, cells_cap;
    int32_t *slots; //  open-addressed hash: cell index or -1
    size_t nslots;  //  a power of two
    int32_t *where; //  id -> cell index, or -1
    size_t nwhere;
};

//  Creates a grid with cells of about cell_km on a side.
geo_grid *geo_grid_new(double cell_km)
{
    if (!(cell_km > 0.01))
        cell_km = 0.01;
    geo_grid *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cell_lat = cell_km / S_KM_PER_DEG;
    self->cell_lon = self->cell_lat;
    self->cols = (int32_t)ceil(360.0 / self->cell_lon);
    self->nslots = 64;
    self->slots = malloc(self->nslots * sizeof *self->slots);
    if (!self->slots) {
        free(self);
        return NULL;
    }
    memset(self->slots, 0xff, self->nslots * sizeof *self->slots);
    return self;
}

//  Frees the grid and sets the caller's pointer to NULL.
void geo_grid_destroy(geo_grid **self_p)
{
    if (!self_p || !*self_p)
        return;
    geo_grid *self = *self_p;
    for (size_t i = 0; i < self->ncells; i++)
        free(self->cells[i].items);
    free(self->cells);
    free(self->slots);
    free(self->where);
    free(self);
    *self_p = NULL;
}

//  Fixes the longitude scale from the first point's latitude.
static void s_set_reference(geo_grid *self, geo_point p)
{
    double c = cos(p.lat * S_DEG);
    self->coslat0 = c < 0.05 ? 0.05 : c;
    self->cell_lon = self->cell_lat / self->coslat0;
    if (self->cell_lon > 360.0)
        self->cell_lon = 360.0;
    self->cols = (int32_t)ceil(360.0 / self->cell_lon);
    self->ref_set = true;
}

//  Row of a latitude.
static int32_t s_row(const geo_grid *self, double lat)
{
    return (int32_t)floor((lat + 90.0) / self->cell_lat);
}

//  Column of a longitude, wrapped into 0..cols-1.
static int32_t s_col(const geo_grid *self, double lon)
{
    int32_t c = (int32_t)floor((lon + 180.0) / self->cell_lon);
    c %= self->cols;
    return c < 0 ? c + self->cols : c;
}

//  Hash of a cell key.
static size_t s_hash(int32_t row, int32_t col)
{
    uint64_t h = ((uint64_t)(uint32_t)row << 32) | (uint32_t)col;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h;
}

//  Hash slot holding cell (row, col), or the empty slot where it would go.
static size_t s_slot(const geo_grid *self, int32_t row, int32_t col)
{
    size_t mask = self->nslots - 1;
    size_t i = s_hash(row, col) & mask;
    while (self->slots[i] >= 0) {
        const s_cell *c = &self->cells[self->slots[i]];
        if (c->row == row && c->col == col)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

//  Index of cell (row, col) in the dense array, or -1.
static int32_t s_find_cell(const geo_grid *self, int32_t row, int32_t col)
{
    return self->slots[s_slot(self, row, col)];
}

//  Doubles the hash table and reinserts every cell.
static int s_rehash(geo_grid *self)
{
    size_t nslots = self->nslots * 2;
    int32_t *slots = malloc(nslots * sizeof *slots);
    if (!slots)
        return -1;
    memset(slots, 0xff, nslots * sizeof *slots);
    free(self->slots);
    self->slots = slots;
    self->nslots = nslots;
    for (size_t k = 0; k < self->ncells; k++)
        slots[s_slot(self, self->cells[k].row, self->cells[k].col)] = (int32_t)k;
    return 0;
}

//  Index of cell (row, col), creating it when absent; -1 out of memory.
static int32_t s_get_cell(geo_grid *self, int32_t row, int32_t col)
{
    int32_t found = s_find_cell(self, row, col);
    if (found >= 0)
        return found;
    if ((self->ncells + 1) * 2 > self->nslots && s_rehash(self))
        return -1;
    if (self->ncells == self->cells_cap) {
        size_t cap = self->cells_cap ? self->cells_cap * 2 : 64;
        s_cell *cells = realloc(self->cells, cap * sizeof *cells);
        if (!cells)
            return -1;
        self->cells = cells;
        self->cells_cap = cap;
    }
    s_cell *cell = &self->cells[self->ncells];
    memset(cell, 0, sizeof *cell);
    cell->row = row;
    cell->col = col;
    self->slots[s_slot(self, row, col)] = (int32_t)self->ncells;
    return (int32_t)self->ncells++;
}

//  Appends an item to a cell. 0 or -1.
static int s_cell_add(s_cell *cell, s_item item)
{
    if (cell->n == cell->cap) {
        uint32_t cap = cell->cap ? cell->cap * 2 : 4;
        s_item *items = realloc(cell->items, cap * sizeof *items);
        if (!items)
            return -1;
        cell->items = items;
        cell->cap = cap;
    }
    cell->items[cell->n++] = item;
    return 0;
}

//  The entry of id in a cell, or NULL.
static s_item *s_cell_find(s_cell *cell, int id)
{
    for (uint32_t i = 0; i < cell->n; i++)
        if (cell->items[i].id == id)
            return &cell->items[i];
    return NULL;
}

//  Removes id from a cell by swapping in the last entry.
static void s_cell_drop(s_cell *cell, int id)
{
    s_item *item = s_cell_find(cell, id);
    if (item)
        *item = cell->items[--cell->n];
}

//  Makes the id-to-cell array long enough for id. 0 or -1.
static int s_reserve_id(geo_grid *self, int id)
{
    if ((size_t)id < self->nwhere)
        return 0;
    size_t n = self->nwhere ? self->nwhere : 1024;
    while (n <= (size_t)id)
        n *= 2;
    int32_t *where = realloc(self->where, n * sizeof *where);
    if (!where)
        return -1;
    memset(where + self->nwhere, 0xff, (n - self->nwhere) * sizeof *where);
    self->where = where;
    self->nwhere = n;
    return 0;
}

//  Inserts or moves id to p.
int geo_grid_put(geo_grid *self, int id, geo_point p)
{
    if (!self || id < 0 || id >= S_MAX_ID || !geo_valid(p))
        return -1;
    if (!self->ref_set)
        s_set_reference(self, p);
    if (s_reserve_id(self, id))
        return -1;
    int32_t target = s_get_cell(self, s_row(self, p.lat), s_col(self, p.lon));
    if (target < 0)
        return -1;
    int32_t current = self->where[id];
    s_item *old = current >= 0 ? s_cell_find(&self->cells[current], id) : NULL;
    if (current == target && old) {
        old->at = p;
        return 0;
    }
    s_item item = { id, p, old ? old->weight : 0.0 };
    if (s_cell_add(&self->cells[target], item))
        return -1;
    if (current >= 0)
        s_cell_drop(&self->cells[current], id);
    self->where[id] = target;
    return 0;
}

//  Sets the weight of id, if present.
void geo_grid_weigh(geo_grid *self, int id, double weight_km)
{
    if (!self || id < 0 || (size_t)id >= self->nwhere || self->where[id] < 0)
        return;
    s_item *item = s_cell_find(&self->cells[self->where[id]], id);
    if (item)
        item->weight = weight_km >= 0 ? weight_km : 0.0;
}

//  Removes id, if present.
void geo_grid_remove(geo_grid *self, int id)
{
    if (!self || id < 0 || (size_t)id >= self->nwhere || self->where[id] < 0)
        return;
    s_cell_drop(&self->cells[self->where[id]], id);
    self->where[id] = -1;
}

//  Copies a cell's ids into out, up to max in all; returns the new count.
static size_t s_collect(const s_cell *cell, int *out, size_t count, size_t max)
{
    for (uint32_t i = 0; i < cell->n && count < max; i++)
        out[count++] = cell->items[i].id;
    return count;
}

//  True when column c lies within the wrapped span [c0, c0 + span].
static bool s_col_in_span(const geo_grid *self, int32_t c, int32_t c0, int32_t span)
{
    int32_t d = (c - c0) % self->cols;
    if (d < 0)
        d += self->cols;
    return d <= span;
}

//  Ids in the cells covering the square of half-side radius_km around p.
size_t geo_grid_near(const geo_grid *self, geo_point p, double radius_km, int *out, size_t max)
{
    if (!self || !out || max == 0 || !geo_valid(p) || !self->ncells)
        return 0;
    if (!(radius_km >= 0))
        radius_km = 0;
    double dlat = radius_km / S_KM_PER_DEG;
    double edge = fmin(90.0, fabs(p.lat) + dlat);
    double coslat = cos(edge * S_DEG);
    double dlon = coslat > 1e-6 ? dlat / coslat : 360.0;
    int32_t r0 = s_row(self, fmax(-90.0, p.lat - dlat));
    int32_t r1 = s_row(self, fmin(90.0, p.lat + dlat));
    int32_t c0 = s_col(self, p.lon - dlon);
    int32_t span = (int32_t)fmin((double)self->cols - 1, ceil(2 * dlon / self->cell_lon) + 1);
    size_t count = 0;
    double visits = (double)(r1 - r0 + 1) * (double)(span + 1);
    if (visits > (double)self->ncells) {
        for (size_t k = 0; k < self->ncells && count < max; k++) {
            const s_cell *cell = &self->cells[k];
            if (cell->row >= r0 && cell->row <= r1 && s_col_in_span(self, cell->col, c0, span))
                count = s_collect(cell, out, count, max);
        }
        return count;
    }
    for (int32_t r = r0; r <= r1 && count < max; r++)
        for (int32_t k = 0; k <= span && count < max; k++) {
            int32_t idx = s_find_cell(self, r, (c0 + k) % self->cols);
            if (idx >= 0)
                count = s_collect(&self->cells[idx], out, count, max);
        }
    return count;
}

//  ---------------------------------------------------------------------
//  Nearest first: rings of cells around a point, with distance bounds

//  Lower bound in km of the distance from p to any point whose latitude
//  differs by at least a degrees, or whose longitude differs by at least
//  b degrees while its |latitude| stays at most far_lat (haversine terms
//  can only grow from there).
static double s_gap_km(geo_point p, double a, double b, double far_lat, bool either)
{
    double sa = sin(a * S_DEG / 2), sb = sin(b * S_DEG / 2);
    double cp = cos(p.lat * S_DEG), cf = cos(fmin(90.0, far_lat) * S_DEG);
    double lon_h = cp * (cf > 0 ? cf : 0) * sb * sb;
    double h = either ? fmin(sa * sa, lon_h) : sa * sa + lon_h;
    double d = 2.0 * S_EARTH_KM * asin(sqrt(fmin(1.0, h)));
    return d * (1 - 1e-9) - 1e-9; //  never above the true distance
}

//  Degrees from x to the interval [lo, hi] (0 inside).
static double s_gap(double x, double lo, double hi)
{
    return x < lo ? lo - x : x > hi ? x - hi : 0.0;
}

//  Lower bound in km from p to any point of cell (row, col).
static double s_cell_km(const geo_grid *self, geo_point p, int32_t row, int32_t col)
{
    double lat_lo = row * self->cell_lat - 90.0, lat_hi = lat_lo + self->cell_lat;
    double lon_lo = col * self->cell_lon - 180.0, lon_hi = lon_lo + self->cell_lon;
    double b = s_gap(p.lon, lon_lo, lon_hi);
    b = fmin(b, fmin(s_gap(p.lon + 360.0, lon_lo, lon_hi), s_gap(p.lon - 360.0, lon_lo, lon_hi)));
    double far = fmax(fabs(lat_lo), fabs(lat_hi));
    return s_gap_km(p, s_gap(p.lat, lat_lo, lat_hi), b, far, false);
}

//  Lower bound in km from p to anything `ring` or more cells away.
double geo_grid_ring_km(const geo_grid *self, geo_point p, int ring)
{
    if (!self || ring <= 0 || !geo_valid(p))
        return 0.0;
    int32_t r0 = s_row(self, p.lat);
    double lat_lo = (r0 - (ring - 1)) * self->cell_lat - 90.0;
    double lat_hi = (r0 + ring) * self->cell_lat - 90.0;
    double c0 = floor((p.lon + 180.0) / self->cell_lon);
    double lon_lo = (c0 - (ring - 1)) * self->cell_lon - 180.0;
    double lon_hi = (c0 + ring) * self->cell_lon - 180.0;
    double a = fmax(0.0, fmin(p.lat - lat_lo, lat_hi - p.lat));
    double b = fmax(0.0, fmin(p.lon - lon_lo, lon_hi - p.lon));
    if (2.0 * ring - 1 >= self->cols)
        b = 180.0;
    return fmax(0.0, s_gap_km(p, a, b, fabs(p.lat) + a, true));
}

//  Visits the items of one cell whose distance plus weight is within
//  *max_km, unless the whole cell lies beyond it.
static void s_visit_cell(const geo_grid *self, geo_point p, int32_t row, int32_t col, const double *max_km,
                         void (*fn)(int, void *), void *arg)
{
    int32_t idx = s_find_cell(self, row, col);
    if (idx < 0)
        return;
    const s_cell *cell = &self->cells[idx];
    if (!max_km || !isfinite(*max_km)) {
        for (uint32_t i = 0; i < cell->n; i++)
            fn(cell->items[i].id, arg);
        return;
    }
    if (s_cell_km(self, p, row, col) > *max_km)
        return;
    for (uint32_t i = 0; i < cell->n; i++) {
        const s_item *item = &cell->items[i];
        if (item->weight <= *max_km && geo_distance_km(p, item->at) + item->weight <= *max_km)
            fn(item->id, arg);
    }
}

//  Calls fn for the items of the cells exactly `ring` cells from p's cell.
int geo_grid_ring(const geo_grid *self, geo_point p, int ring, const double *max_km,
                  void (*fn)(int id, void *arg), void *arg)
{
    if (!self || !fn || ring < 0 || !geo_valid(p) || 2 * ring + 1 > self->cols)
        return -1;
    int32_t r0 = s_row(self, p.lat), c0 = s_col(self, p.lon);
    int32_t rows = (int32_t)ceil(180.0 / self->cell_lat);
    int looked = 0;
    for (int32_t dr = -ring; dr <= ring; dr++) {
        int32_t row = r0 + dr;
        if (row < 0 || row > rows)
            continue;
        int32_t step = (dr == -ring || dr == ring) ? 1 : 2 * ring;
        for (int32_t dc = -ring; dc <= ring; dc += step) {
            int32_t col = (c0 + dc) % self->cols;
            s_visit_cell(self, p, row, col < 0 ? col + self->cols : col, max_km, fn, arg);
            looked++;
        }
    }
    return looked;
}

//  Number of cells that hold or held items.
size_t geo_grid_cell_count(const geo_grid *self)
{
    return self ? self->ncells : 0;
}
