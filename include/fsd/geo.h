/*  geo.h — distances, polygons and the territory lookup. Pure: no I/O.

    Coordinates are WGS84 degrees. Polygons are sets of rings tested with
    the even-odd rule, which handles a GeoJSON Polygon's holes and a
    MultiPolygon's parts alike. */
#ifndef FSD_GEO_H
#define FSD_GEO_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    double lat, lon;
} geo_point;

typedef struct {
    const geo_point *pts; /* closed or open: the last edge is implied */
    size_t n;
} geo_ring;

typedef struct {
    const geo_ring *rings;
    size_t n;
    double min_lat, min_lon, max_lat, max_lon; /* filled by geo_poly_bbox */
} geo_poly;

/* Great-circle distance in kilometres (haversine, mean Earth radius). */
double geo_distance_km(geo_point a, geo_point b);

/* True when lat is in [-90, 90], lon in [-180, 180] and neither is NaN. */
bool geo_valid(geo_point p);

/* Computes the bounding box of all rings into the polygon. */
void geo_poly_bbox(geo_poly *poly);

/* True when p lies inside the polygon (even-odd over all rings). Points
   exactly on an edge may fall either way. Uses the bbox as a first test,
   so geo_poly_bbox must have been called. */
bool geo_poly_contains(const geo_poly *poly, geo_point p);

/* Distance in km between two polygons as areas (on a local flat
   projection): 0 when they touch, their boundaries cross, or one lies
   inside the other; otherwise the smallest boundary-to-boundary gap.
   Territories within a few hundred metres of each other are neighbours. */
double geo_poly_gap_km(const geo_poly *a, const geo_poly *b);

/* True when two edges of the ring that are not next to each other meet
   or cross (a bow tie, a figure eight, a ring touching itself); *i and
   *j (when not NULL) get the 1-based numbers of the first such edges
   (edge k runs from position k to position k+1). Repeated consecutive
   positions are not edges. */
bool geo_ring_self_intersects(const geo_ring *ring, size_t *i, size_t *j);

/* True when the interiors of two polygons share some area: boundaries
   that properly cross, one inside the other, or the same area twice.
   Polygons that only share (part of) a boundary do not overlap; the
   tolerance is about a metre. */
bool geo_poly_overlap(const geo_poly *a, const geo_poly *b);

/* Where a time zone's places can be: 1 when p lies in the broad box of
   the zone's region (Europe/, America/, Asia/, Africa/, Australia/),
   0 when it does not, -1 when the zone's region has no box (Etc/, UTC,
   oceans, Antarctica). The boxes are generous: they catch a territory
   put on the wrong continent, such as [lat, lon] written for [lon, lat]. */
int geo_tz_region_contains(const char *tz, geo_point p);

/* A uniform grid over lat/lon for "who is near this point" queries:
   items are bucketed by cell, a query visits cells in rings of growing
   radius. Keeps matching cost nearly flat as the fleet grows. */
typedef struct geo_grid geo_grid;

/* cell_km: cell edge in kilometres (e.g. 2.0). NULL on allocation failure. */
geo_grid *geo_grid_new(double cell_km);
void geo_grid_destroy(geo_grid **self_p);
/* Inserts or moves item `id` (a small non-negative integer chosen by the
   caller, e.g. an array index) to position p. 0 or -1 (out of memory). */
int geo_grid_put(geo_grid *self, int id, geo_point p);
/* Removes `id`; harmless if absent. */
void geo_grid_remove(geo_grid *self, int id);
/* Writes up to `max` ids found within radius_km of p into out (not sorted;
   may include items slightly beyond the radius: the caller measures).
   Returns how many were written. */
size_t geo_grid_near(const geo_grid *self, geo_point p, double radius_km, int *out, size_t max);

/* Gives item `id` a weight in km (default 0, kept when it moves): ring
   searches with a limit count it as that much farther (INFINITY: never
   within a limit). Harmless if absent. */
void geo_grid_weigh(geo_grid *self, int id, double weight_km);
/* Nearest first: calls fn(id, arg) for every item in the cells exactly
   `ring` cells away from p's cell (ring 0 is p's own cell). With a limit
   (max_km not NULL and finite; read before each cell and item, so fn may
   tighten it) only items whose distance plus weight is within *max_km are
   visited. Returns the number of cells looked at, or -1 when the ring
   would wrap around the globe (stop there). */
int geo_grid_ring(const geo_grid *self, geo_point p, int ring, const double *max_km,
                  void (*fn)(int id, void *arg), void *arg);
/* A lower bound in km of the great-circle distance from p to any item
   `ring` or more cells away (0 for rings 0 and 1 ... as the geometry says). */
double geo_grid_ring_km(const geo_grid *self, geo_point p, int ring);
/* Cells that hold or held items: visiting more than this many cells
   costs more than a plain scan. */
size_t geo_grid_cell_count(const geo_grid *self);

#endif
