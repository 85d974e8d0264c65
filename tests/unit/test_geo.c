/*  test_geo.c — distances, polygons, gaps and the grid against brute force. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/geo.h"

//  A small deterministic generator (xorshift64*).
static uint64_t s_seed = 0x9e3779b97f4a7c15ULL;

//  Uniform double in [lo, hi).
static double s_rand(double lo, double hi)
{
    s_seed ^= s_seed >> 12;
    s_seed ^= s_seed << 25;
    s_seed ^= s_seed >> 27;
    uint64_t r = s_seed * 2685821657736338717ULL;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}

//  Asserts |got - want| <= tolerance.
static void s_near(double got, double want, double tolerance)
{
    if (fabs(got - want) > tolerance)
        fail_msg("got %.6f, want %.6f (+/- %.6f)", got, want, tolerance);
}

//  Known distances.
static void test_distance(void **state)
{
    (void)state;
    geo_point berlin = { 52.5200, 13.4050 }, munich = { 48.1351, 11.5820 };
    geo_point paris = { 48.8566, 2.3522 }, london = { 51.5074, -0.1278 };
    double d = geo_distance_km(berlin, munich);
    s_near(d, 504.0, 504.0 * 0.01);
    s_near(geo_distance_km(munich, berlin), d, 1e-9);
    s_near(geo_distance_km(paris, london), 343.5, 3.5);
    s_near(geo_distance_km(berlin, berlin), 0.0, 1e-12);
    //  One degree along the equator, and half the globe.
    s_near(geo_distance_km((geo_point){ 0, 0 }, (geo_point){ 0, 1 }), 111.195, 0.001);
    s_near(geo_distance_km((geo_point){ 0, 0 }, (geo_point){ 0, 180 }), M_PI * 6371.0088, 0.001);
    //  Across the antimeridian.
    s_near(geo_distance_km((geo_point){ 0, 179.5 }, (geo_point){ 0, -179.5 }), 111.195, 0.001);
}

//  Coordinate validity.
static void test_valid(void **state)
{
    (void)state;
    assert_true(geo_valid((geo_point){ 0, 0 }));
    assert_true(geo_valid((geo_point){ -90, 180 }));
    assert_true(geo_valid((geo_point){ 90, -180 }));
    assert_false(geo_valid((geo_point){ 90.01, 0 }));
    assert_false(geo_valid((geo_point){ 0, -180.01 }));
    assert_false(geo_valid((geo_point){ NAN, 0 }));
    assert_false(geo_valid((geo_point){ 0, NAN }));
    assert_false(geo_valid((geo_point){ INFINITY, 0 }));
}

//  A unit square, open ring (last edge implied).
static const geo_point s_square[] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 } };

//  Square: inside, outside, bbox.
static void test_square(void **state)
{
    (void)state;
    geo_ring ring = { s_square, 4 };
    geo_poly poly = { &ring, 1, 0, 0, 0, 0 };
    geo_poly_bbox(&poly);
    assert_true(poly.min_lat == 0 && poly.max_lat == 1);
    assert_true(poly.min_lon == 0 && poly.max_lon == 1);
    assert_true(geo_poly_contains(&poly, (geo_point){ 0.5, 0.5 }));
    assert_true(geo_poly_contains(&poly, (geo_point){ 0.01, 0.99 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 1.5, 0.5 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 0.5, -0.01 }));
    //  The same square, closed (first point repeated).
    const geo_point closed[] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
    geo_ring ring2 = { closed, 5 };
    geo_poly poly2 = { &ring2, 1, 0, 0, 0, 0 };
    geo_poly_bbox(&poly2);
    assert_true(geo_poly_contains(&poly2, (geo_point){ 0.5, 0.5 }));
    assert_false(geo_poly_contains(&poly2, (geo_point){ 0.5, 1.5 }));
}

//  A U shape: the notch is outside.
static void test_concave(void **state)
{
    (void)state;
    //  lat up, lon right: a U open to the north, notch lon 1..2, lat 1..3.
    const geo_point u[] = { { 0, 0 }, { 0, 3 }, { 3, 3 }, { 3, 2 }, { 1, 2 }, { 1, 1 }, { 3, 1 }, { 3, 0 } };
    geo_ring ring = { u, 8 };
    geo_poly poly = { &ring, 1, 0, 0, 0, 0 };
    geo_poly_bbox(&poly);
    assert_true(geo_poly_contains(&poly, (geo_point){ 0.5, 1.5 }));
    assert_true(geo_poly_contains(&poly, (geo_point){ 2, 0.5 }));
    assert_true(geo_poly_contains(&poly, (geo_point){ 2, 2.5 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 2, 1.5 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 2.9, 1.5 }));
}

//  A square with a square hole, and a two-part multipolygon.
static void test_hole_and_multi(void **state)
{
    (void)state;
    const geo_point outer[] = { { 0, 0 }, { 0, 10 }, { 10, 10 }, { 10, 0 } };
    const geo_point hole[] = { { 4, 4 }, { 6, 4 }, { 6, 6 }, { 4, 6 } };
    geo_ring rings[2] = { { outer, 4 }, { hole, 4 } };
    geo_poly poly = { rings, 2, 0, 0, 0, 0 };
    geo_poly_bbox(&poly);
    assert_true(geo_poly_contains(&poly, (geo_point){ 2, 2 }));
    assert_true(geo_poly_contains(&poly, (geo_point){ 5, 8 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 5, 5 }));
    assert_false(geo_poly_contains(&poly, (geo_point){ 11, 5 }));

    const geo_point far[] = { { 20, 20 }, { 20, 21 }, { 21, 21 }, { 21, 20 } };
    geo_ring parts[2] = { { s_square, 4 }, { far, 4 } };
    geo_poly multi = { parts, 2, 0, 0, 0, 0 };
    geo_poly_bbox(&multi);
    assert_true(multi.max_lat == 21 && multi.max_lon == 21);
    assert_true(geo_poly_contains(&multi, (geo_point){ 0.5, 0.5 }));
    assert_true(geo_poly_contains(&multi, (geo_point){ 20.5, 20.5 }));
    assert_false(geo_poly_contains(&multi, (geo_point){ 10, 10 }));
}

//  A square ring of side `side` degrees with its south-west corner at p.
static void s_make_square(geo_point *pts, geo_point p, double side)
{
    pts[0] = p;
    pts[1] = (geo_point){ p.lat, p.lon + side };
    pts[2] = (geo_point){ p.lat + side, p.lon + side };
    pts[3] = (geo_point){ p.lat + side, p.lon };
}

//  Gaps between adjacent, nearly adjacent and distant squares.
static void test_gap(void **state)
{
    (void)state;
    geo_point a[4], b[4];
    geo_ring ra = { a, 4 }, rb = { b, 4 };
    geo_poly pa = { &ra, 1, 0, 0, 0, 0 }, pb = { &rb, 1, 0, 0, 0, 0 };
    s_make_square(a, (geo_point){ 50, 10 }, 0.1);
    s_make_square(b, (geo_point){ 50, 10.1 }, 0.1); //  shares an edge
    s_near(geo_poly_gap_km(&pa, &pb), 0.0, 1e-6);
    s_make_square(b, (geo_point){ 50.05, 10.11 }, 0.1);
    s_near(geo_poly_gap_km(&pa, &pb), 0.01 * 111.195 * cos(50.075 * M_PI / 180), 0.01);
    s_near(geo_poly_gap_km(&pb, &pa), geo_poly_gap_km(&pa, &pb), 1e-9);
    s_make_square(b, (geo_point){ 51.1, 10 }, 0.1); //  1 degree north
    s_near(geo_poly_gap_km(&pa, &pb), 111.195, 0.5);
    //  Overlapping squares: a vertex of one lies on the other's edge.
    s_make_square(b, (geo_point){ 50.05, 10.05 }, 0.1);
    assert_true(geo_poly_gap_km(&pa, &pb) < 6.0);
}

//  Gaps as areas: crossing, nested, touching and apart.
static void test_gap_areas(void **state)
{
    (void)state;
    //  A long thin bar across a square: boundaries cross, no vertex of
    //  either lies inside the other, so corner-to-edge gaps are large.
    geo_point sq[4], bar[4] = { { 50.04, 9.9 }, { 50.04, 10.3 }, { 50.06, 10.3 }, { 50.06, 9.9 } };
    geo_ring rs = { sq, 4 }, rb = { bar, 4 };
    geo_poly ps = { &rs, 1, 0, 0, 0, 0 }, pb = { &rb, 1, 0, 0, 0, 0 };
    s_make_square(sq, (geo_point){ 50, 10 }, 0.1);
    s_near(geo_poly_gap_km(&ps, &pb), 0.0, 1e-9);
    s_near(geo_poly_gap_km(&pb, &ps), 0.0, 1e-9);
    assert_true(geo_poly_overlap(&ps, &pb));
    //  Nested: a small square well inside the big one.
    geo_point in[4];
    geo_ring ri = { in, 4 };
    geo_poly pi = { &ri, 1, 0, 0, 0, 0 };
    s_make_square(in, (geo_point){ 50.04, 10.04 }, 0.02);
    s_near(geo_poly_gap_km(&ps, &pi), 0.0, 1e-9);
    s_near(geo_poly_gap_km(&pi, &ps), 0.0, 1e-9);
    assert_true(geo_poly_overlap(&ps, &pi));
    assert_true(geo_poly_overlap(&pi, &ps));
    //  Touching along an edge, and at one corner only: gap 0, no overlap.
    s_make_square(in, (geo_point){ 50, 10.1 }, 0.1);
    s_near(geo_poly_gap_km(&ps, &pi), 0.0, 1e-9);
    assert_false(geo_poly_overlap(&ps, &pi));
    s_make_square(in, (geo_point){ 50.1, 10.1 }, 0.1);
    s_near(geo_poly_gap_km(&ps, &pi), 0.0, 1e-9);
    assert_false(geo_poly_overlap(&ps, &pi));
    //  Touching with a T-junction (a vertex in the middle of the other's edge).
    s_make_square(in, (geo_point){ 50.05, 10.1 }, 0.1);
    assert_false(geo_poly_overlap(&ps, &pi));
    //  Apart: 0.01 degree of longitude between them.
    s_make_square(in, (geo_point){ 50, 10.11 }, 0.1);
    s_near(geo_poly_gap_km(&ps, &pi), 0.01 * 111.195 * cos(50.05 * M_PI / 180), 0.01);
    assert_false(geo_poly_overlap(&ps, &pi));
    //  The same square twice overlaps.
    s_make_square(in, (geo_point){ 50, 10 }, 0.1);
    assert_true(geo_poly_overlap(&ps, &pi));
}

//  Rings that cross or touch themselves.
static void test_self_intersection(void **state)
{
    (void)state;
    size_t i = 0, j = 0;
    //  A bow tie: edges 1 and 3 cross.
    const geo_point bow[] = { { 0, 0 }, { 1, 1 }, { 1, 0 }, { 0, 1 }, { 0, 0 } };
    geo_ring r = { bow, 5 };
    assert_true(geo_ring_self_intersects(&r, &i, &j));
    assert_int_equal(i, 1);
    assert_int_equal(j, 3);
    //  A closed square with a repeated position is fine.
    const geo_point sq[] = { { 0, 0 }, { 0, 1 }, { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
    r = (geo_ring){ sq, 6 };
    assert_false(geo_ring_self_intersects(&r, NULL, NULL));
    //  A concave but simple ring is fine.
    const geo_point u[] = { { 0, 0 }, { 0, 3 }, { 3, 3 }, { 3, 2 }, { 1, 2 },
                            { 1, 1 }, { 3, 1 }, { 3, 0 }, { 0, 0 } };
    r = (geo_ring){ u, 9 };
    assert_false(geo_ring_self_intersects(&r, NULL, NULL));
    //  A ring that touches itself at a vertex (figure eight).
    const geo_point eight[] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 2 }, { 2, 2 },
                                { 2, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
    r = (geo_ring){ eight, 9 };
    assert_true(geo_ring_self_intersects(&r, NULL, NULL));
}

//  A time zone's region: Berlin is in Europe, Berlin with lat and lon
//  swapped is not; zones without a region have no opinion.
static void test_tz_region(void **state)
{
    (void)state;
    assert_int_equal(geo_tz_region_contains("Europe/Berlin", (geo_point){ 52.52, 13.40 }), 1);
    assert_int_equal(geo_tz_region_contains("Europe/Berlin", (geo_point){ 13.40, 52.52 }), 0);
    assert_int_equal(geo_tz_region_contains("America/New_York", (geo_point){ 40.7, -74.0 }), 1);
    assert_int_equal(geo_tz_region_contains("America/New_York", (geo_point){ -74.0, 40.7 }), 0);
    assert_int_equal(geo_tz_region_contains("Asia/Anadyr", (geo_point){ 64.7, -177.5 }), 1);
    assert_int_equal(geo_tz_region_contains("Australia/Sydney", (geo_point){ -33.9, 151.2 }), 1);
    assert_int_equal(geo_tz_region_contains("Australia/Sydney", (geo_point){ 151.2 - 180, -33.9 }), 0);
    assert_int_equal(geo_tz_region_contains("UTC", (geo_point){ 13.4, 52.5 }), -1);
    assert_int_equal(geo_tz_region_contains("Pacific/Auckland", (geo_point){ -36.8, 174.8 }), -1);
}

//  Checks grid_near against brute force for the live points.
static void s_check_near(const geo_grid *grid, const geo_point *pts, const bool *live, int n, geo_point q,
                         double radius, int *out)
{
    size_t got = geo_grid_near(grid, q, radius, out, (size_t)n);
    char *seen = calloc((size_t)n, 1);
    assert_non_null(seen);
    for (size_t i = 0; i < got; i++) {
        assert_true(out[i] >= 0 && out[i] < n);
        assert_true(live[out[i]]);
        assert_false(seen[out[i]]); //  no duplicates
        seen[out[i]] = 1;
    }
    for (int i = 0; i < n; i++)
        if (live[i] && geo_distance_km(q, pts[i]) <= radius && !seen[i])
            fail_msg("id %d at %.4f,%.4f (%.3f km) missed near %.4f,%.4f", i, pts[i].lat, pts[i].lon,
                     geo_distance_km(q, pts[i]), q.lat, q.lon);
    free(seen);
}

//  Runs puts, moves, removes and queries over a region.
static void s_grid_round(double cell_km, double lat0, double lat1, double lon0, double lon1, double radius)
{
    enum { N = 10000 };
    geo_point *pts = calloc(N, sizeof *pts);
    bool *live = calloc(N, sizeof *live);
    int *out = calloc(N, sizeof *out);
    assert_true(pts && live && out);
    geo_grid *grid = geo_grid_new(cell_km);
    assert_non_null(grid);
    for (int i = 0; i < N; i++) {
        pts[i] = (geo_point){ s_rand(lat0, lat1), s_rand(lon0, lon1) };
        assert_int_equal(geo_grid_put(grid, i, pts[i]), 0);
        live[i] = true;
    }
    //  Move half, some far, some a little; put again in place; remove some.
    for (int i = 0; i < N; i += 2) {
        if (i % 4 == 0)
            pts[i] = (geo_point){ s_rand(lat0, lat1), s_rand(lon0, lon1) };
        else {
            pts[i].lat = fmax(lat0, fmin(lat1, pts[i].lat + s_rand(-0.01, 0.01)));
            pts[i].lon = fmax(lon0, fmin(lon1, pts[i].lon + s_rand(-0.01, 0.01)));
        }
        assert_int_equal(geo_grid_put(grid, i, pts[i]), 0);
        assert_int_equal(geo_grid_put(grid, i, pts[i]), 0);
    }
    for (int i = 0; i < N; i += 7) {
        geo_grid_remove(grid, i);
        geo_grid_remove(grid, i);
        live[i] = false;
    }
    for (int q = 0; q < 200; q++) {
        geo_point at = { s_rand(lat0, lat1), s_rand(lon0, lon1) };
        s_check_near(grid, pts, live, N, at, radius * s_rand(0.1, 1.5), out);
    }
    //  Removed ids come back when put again.
    for (int i = 0; i < N; i += 7) {
        assert_int_equal(geo_grid_put(grid, i, pts[i]), 0);
        live[i] = true;
    }
    s_check_near(grid, pts, live, N, pts[0], radius, out);
    geo_grid_destroy(&grid);
    assert_null(grid);
    geo_grid_destroy(&grid);
    free(pts);
    free(live);
    free(out);
}

//  Grid vs brute force: a country, a city, and the whole globe.
static void test_grid_random(void **state)
{
    (void)state;
    s_grid_round(2.0, 47.0, 55.0, 5.0, 15.0, 30.0);
    s_grid_round(0.5, 52.3, 52.7, 13.0, 13.8, 3.0);
    s_grid_round(50.0, -89.9, 89.9, -180.0, 180.0, 800.0);
    s_grid_round(10.0, -10.0, 10.0, 175.0, 180.0, 200.0);
    s_grid_round(10.0, 60.0, 80.0, -180.0, -175.0, 300.0);
}

//  Large ids, bad input, max, and the empty grid.
static void test_grid_edges(void **state)
{
    (void)state;
    geo_grid *grid = geo_grid_new(2.0);
    int out[8];
    geo_point berlin = { 52.52, 13.405 };
    assert_int_equal(geo_grid_near(grid, berlin, 10, out, 8), 0);
    assert_int_equal(geo_grid_put(grid, -1, berlin), -1);
    assert_int_equal(geo_grid_put(grid, 1, (geo_point){ NAN, 0 }), -1);
    assert_int_equal(geo_grid_put(grid, 1000000, berlin), 0);
    assert_int_equal(geo_grid_put(grid, 999999, berlin), 0);
    assert_int_equal(geo_grid_put(grid, 3, (geo_point){ 52.521, 13.406 }), 0);
    assert_int_equal(geo_grid_near(grid, berlin, 1, out, 8), 3);
    assert_int_equal(geo_grid_near(grid, berlin, 1, out, 2), 2);
    geo_grid_remove(grid, 999999);
    geo_grid_remove(grid, 5000000); //  never put: harmless
    geo_grid_remove(grid, -3);
    assert_int_equal(geo_grid_near(grid, berlin, 1, out, 8), 2);
    //  Move far away.
    assert_int_equal(geo_grid_put(grid, 1000000, (geo_point){ 48.1, 11.6 }), 0);
    assert_int_equal(geo_grid_near(grid, berlin, 1, out, 8), 1);
    assert_int_equal(out[0], 3);
    assert_int_equal(geo_grid_near(grid, berlin, 600, out, 8), 2);
    geo_grid_destroy(&grid);
}

//  Collects ids (geo_grid_ring callback).
typedef struct {
    int ids[4096];
    size_t n;
} s_bag;
static void s_bag_add(int id, void *arg)
{
    s_bag *b = arg;
    if (b->n < 4096)
        b->ids[b->n++] = id;
}

//  Rings visit every item exactly once, and the ring bound never exceeds
//  the true distance of anything in that ring or beyond.
static void test_grid_rings(void **state)
{
    (void)state;
    geo_grid *grid = geo_grid_new(0.5);
    geo_point at[1000];
    srand(7);
    for (int i = 0; i < 1000; i++) {
        at[i] = (geo_point){ 52.35 + 0.3 * rand() / RAND_MAX, 13.1 + 0.6 * rand() / RAND_MAX };
        assert_int_equal(geo_grid_put(grid, i, at[i]), 0);
    }
    geo_point p = { 52.51, 13.40 };
    static s_bag bag;
    static int ring_of[1000];
    bag.n = 0;
    for (int ring = 0; bag.n < 1000 && ring < 200; ring++) {
        size_t before = bag.n;
        assert_true(geo_grid_ring(grid, p, ring, NULL, s_bag_add, &bag) >= 0);
        for (size_t k = before; k < bag.n; k++)
            ring_of[bag.ids[k]] = ring;
    }
    assert_int_equal(bag.n, 1000);
    static char seen[1000];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < bag.n; k++) {
        assert_false(seen[bag.ids[k]]);
        seen[bag.ids[k]] = 1;
    }
    for (int i = 0; i < 1000; i++)
        for (int ring = 0; ring <= ring_of[i]; ring++)
            assert_true(geo_grid_ring_km(grid, p, ring) <= geo_distance_km(p, at[i]));
    //  a limit skips cells wholly beyond it, never a nearer item
    double limit = 2.0;
    bag.n = 0;
    for (int ring = 0; ring < 10; ring++)
        geo_grid_ring(grid, p, ring, &limit, s_bag_add, &bag);
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < bag.n; k++)
        seen[bag.ids[k]] = 1;
    for (int i = 0; i < 1000; i++)
        if (geo_distance_km(p, at[i]) <= limit)
            assert_true(seen[i]);
    //  a weight counts as distance: the nearest item, weighed out, is passed over
    int near = 0;
    for (int i = 1; i < 1000; i++)
        if (geo_distance_km(p, at[i]) < geo_distance_km(p, at[near]))
            near = i;
    geo_grid_weigh(grid, near, limit);
    geo_grid_put(grid, near, at[near]); //  a move keeps the weight
    bag.n = 0;
    for (int ring = 0; ring < 10; ring++)
        geo_grid_ring(grid, p, ring, &limit, s_bag_add, &bag);
    for (size_t k = 0; k < bag.n; k++)
        assert_int_not_equal(bag.ids[k], near);
    geo_grid_weigh(grid, near, 0);
    bag.n = 0;
    geo_grid_ring(grid, p, 0, &limit, s_bag_add, &bag);
    geo_grid_ring(grid, p, 1, &limit, s_bag_add, &bag);
    bool found = false;
    for (size_t k = 0; k < bag.n; k++)
        found |= bag.ids[k] == near;
    assert_true(found || geo_distance_km(p, at[near]) > 0.5);
    geo_grid_destroy(&grid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_square),
        cmocka_unit_test(test_concave),
        cmocka_unit_test(test_hole_and_multi),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_grid_random),
        cmocka_unit_test(test_grid_edges),
        cmocka_unit_test(test_grid_rings),
        cmocka_unit_test(test_gap_areas),
        cmocka_unit_test(test_self_intersection),
        cmocka_unit_test(test_tz_region),
    };
    return cmocka_run_group_tests_name("geo", tests, NULL, NULL);
}
