/*  test_load.c — fsdctl's file reader (fsdctl/load_file.c).

    Loads every file in examples/ (run from the repository root) and checks
    the counts, then writes small broken files into a temporary directory
    and checks that each problem is reported on the right line and field.
    load_file.c belongs to fsdctl, not to a library, so it is compiled in here. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../fsdctl/load_file.c"

static char s_dir[64];
static int s_nfiles;

/* Writes text into a new file in the temporary directory; its path. */
static const char *s_write(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    s_nfiles++;
    return path;
}

/* Loads a file and fails the test on a NULL result. */
static load_file *s_load(const char *kind, const char *path)
{
    char err[256] = "";
    load_file *lf = load_file_read(kind, path, err, sizeof err);
    if (!lf)
        fail_msg("%s: %s", path, err);
    return lf;
}

/* Prints the errors of a load (helps when a test fails). */
static void s_dump(const load_file *lf)
{
    for (size_t i = 0; i < load_file_error_count(lf); i++) {
        const Fsd__RowError *e = load_file_error(lf, i);
        fprintf(stderr, "  line %u field %s: %s\n", e->line, e->field, e->message);
    }
}

/* True when some error has this line and field. */
static int s_has_error(const load_file *lf, unsigned line, const char *field)
{
    for (size_t i = 0; i < load_file_error_count(lf); i++) {
        const Fsd__RowError *e = load_file_error(lf, i);
        if (e->line == line && strcmp(e->field, field) == 0)
            return 1;
    }
    s_dump(lf);
    return 0;
}

/* Packs the envelope the file attaches to, and unpacks it again. */
static void s_roundtrip(load_file *lf, Fsd__Envelope__BodyCase want, size_t rows)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_int_equal(env.body_case, want);
    size_t len = fsd__envelope__get_packed_size(&env);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    fsd__envelope__pack(&env, buf);
    Fsd__Envelope *back = fsd__envelope__unpack(NULL, len, buf);
    assert_non_null(back);
    size_t n = 0;
    switch (want) {
    case FSD__ENVELOPE__BODY_LOAD_TERRITORIES: n = back->load_territories->n_rows; break;
    case FSD__ENVELOPE__BODY_LOAD_PROVIDERS: n = back->load_providers->n_rows; break;
    case FSD__ENVELOPE__BODY_LOAD_TECHNICIANS: n = back->load_technicians->n_rows; break;
    case FSD__ENVELOPE__BODY_LOAD_PRODUCTS: n = back->load_products->n_rows; break;
    case FSD__ENVELOPE__BODY_LOAD_CUSTOMERS: n = back->load_customers->n_rows; break;
    default: break;
    }
    assert_int_equal(n, rows);
    fsd__envelope__free_unpacked(back, NULL);
    free(buf);
}

/* The Berlin territories: 12 polygons with names and zones. */
static void test_examples_territories(void **state)
{
    load_file *lf = s_load("territories", "examples/territories.geojson");
    s_dump(lf);
    assert_int_equal(load_file_error_count(lf), 0);
    assert_int_equal(load_file_row_count(lf), 12);
    s_roundtrip(lf, FSD__ENVELOPE__BODY_LOAD_TERRITORIES, 12);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    Fsd__LoadTerritories *lt = env.load_territories;
    assert_string_equal(lt->source, "territories.geojson");
    assert_string_equal(lt->rows[0]->id, "mitte");
    assert_int_equal(lt->rows[0]->line, 4); /* the physical line of the feature */
    assert_int_equal(lt->rows[11]->line, 15);
    int found = 0;
    for (size_t i = 0; i < lt->n_rows; i++) {
        Fsd__TerritoryRow *r = lt->rows[i];
        assert_string_equal(r->tz, "Europe/Berlin");
        assert_int_equal(r->n_rings, 1);
        assert_true(r->rings[0]->n_points >= 4);
        for (size_t p = 0; p < r->rings[0]->n_points; p++) {
            assert_true(r->rings[0]->points[p]->lat > 52.3 && r->rings[0]->points[p]->lat < 52.7);
            assert_true(r->rings[0]->points[p]->lon > 13.0 && r->rings[0]->points[p]->lon < 13.8);
        }
        if (strcmp(r->id, "neukoelln") == 0) {
            assert_string_equal(r->name, "Neukölln");
            found = 1;
        }
    }
    assert_true(found);
    load_file_destroy(&lf);
    assert_null(lf);
    load_file_destroy(&lf);
}

/* The reference-data CSV files. */
static void test_examples_csv(void **state)
{
    static const struct {
        const char *kind, *path;
        size_t rows;
        Fsd__Envelope__BodyCase body;
    } files[] = {
        { "providers", "examples/providers.csv", 6, FSD__ENVELOPE__BODY_LOAD_PROVIDERS },
        { "technicians", "examples/technicians.csv", 40, FSD__ENVELOPE__BODY_LOAD_TECHNICIANS },
        { "products", "examples/products.csv", 500, FSD__ENVELOPE__BODY_LOAD_PRODUCTS },
        { "customers", "examples/customers.csv", 30, FSD__ENVELOPE__BODY_LOAD_CUSTOMERS },
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        load_file *lf = s_load(files[i].kind, files[i].path);
        s_dump(lf);
        assert_int_equal(load_file_error_count(lf), 0);
        assert_int_equal(load_file_row_count(lf), files[i].rows);
        s_roundtrip(lf, files[i].body, files[i].rows);
        Fsd__Envelope env = FSD__ENVELOPE__INIT;
        load_file_attach(lf, &env);
        if (files[i].body == FSD__ENVELOPE__BODY_LOAD_TECHNICIANS) {
            Fsd__TechnicianRow *t = env.load_technicians->rows[0];
            assert_string_equal(t->id, "T01");
            assert_int_equal(t->line, 2);
            assert_true(t->n_territories >= 1 && t->n_territories <= 3);
            assert_true(t->n_skills >= 1);
            assert_true(t->capacity >= 2 && t->capacity <= 4);
            assert_true(t->lat > 52.3 && t->lon > 13.0);
            assert_int_equal(env.load_technicians->rows[39]->line, 41);
        }
        if (files[i].body == FSD__ENVELOPE__BODY_LOAD_PROVIDERS) {
            int independent = 0;
            for (size_t p = 0; p < env.load_providers->n_rows; p++)
                independent += env.load_providers->rows[p]->n_brands == 0;
            assert_int_equal(independent, 1);
        }
        if (files[i].body == FSD__ENVELOPE__BODY_LOAD_CUSTOMERS) {
            int blocked = 0;
            for (size_t p = 0; p < env.load_customers->n_rows; p++)
                if (env.load_customers->rows[p]->blocked) {
                    blocked++;
                    assert_non_null(strstr(env.load_customers->rows[p]->note, "unpaid"));
                }
            assert_int_equal(blocked, 1);
        }
        load_file_destroy(&lf);
    }
}

/* The demo's batch of requests. */
static void test_examples_requests(void **state)
{
    load_file *lf = s_load("requests", "examples/requests.csv");
    s_dump(lf);
    assert_int_equal(load_file_error_count(lf), 0);
    assert_int_equal(load_file_row_count(lf), 300);
    unsigned line = 0;
    Fsd__SubmitRequest *r = load_file_request(lf, 0, &line);
    assert_non_null(r);
    assert_int_equal(line, 2);
    assert_true(*r->phone && *r->category && *r->problem);
    assert_non_null(load_file_request(lf, 299, &line));
    /* some rows ask for an appointment window (the optional window column) */
    size_t windows = 0;
    for (size_t i = 0; i < 300; i++)
        windows += *load_file_request(lf, i, &line)->window != 0;
    assert_true(windows >= 15 && windows <= 60);
    assert_int_equal(line, 301);
    assert_null(load_file_request(lf, 300, &line));
    int outside = 0;
    for (size_t i = 0; i < 300; i++) {
        r = load_file_request(lf, i, NULL);
        if (r->lon < 13.08)
            outside++;
    }
    assert_int_equal(outside, 1);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_int_equal(env.body_case, FSD__ENVELOPE__BODY__NOT_SET);
    load_file_destroy(&lf);
}

/* A bad date on line 4, and the other rows still counted. */
static void test_bad_date(void **state)
{
    const char *path = s_write(
        "products.csv", "serial,brand,model,category,owner,purchase_date,warranty_months,extended_until\n"
                        "S1,Bosch,X1,fridge,Anna,2024-01-31,24,\n"
                        "S2,Bosch,X1,fridge,Anna,2024-02-29,24,2027-02-28\n"
                        "S3,Bosch,X1,fridge,Anna,2023-02-29,24,\n"
                        "S4,Bosch,X1,fridge,Anna,2024-03-01,twelve,\n"
                        "S5,Bosch,X1,fridge,Anna,2024-03-01,24,31.12.2027\n"
                        "S1,Bosch,X1,fridge,Anna,2024-03-01,24,\n");
    load_file *lf = s_load("products", path);
    assert_int_equal(load_file_row_count(lf), 2);
    assert_int_equal(load_file_error_count(lf), 4);
    assert_true(s_has_error(lf, 4, "purchase_date"));
    assert_true(s_has_error(lf, 5, "warranty_months"));
    assert_true(s_has_error(lf, 6, "extended_until"));
    assert_true(s_has_error(lf, 7, "serial"));
    load_file_destroy(&lf);
}

/* Missing, unknown and repeated columns are reported on line 1. */
static void test_columns(void **state)
{
    const char *path = s_write("customers.csv", "Phone,tier,colour\n"
                                                "+4930111,priority,red\n");
    load_file *lf = s_load("customers", path);
    assert_true(load_file_error_count(lf) >= 2);
    assert_true(s_has_error(lf, 1, "name"));
    assert_true(s_has_error(lf, 1, "colour"));
    assert_non_null(strstr(load_file_error(lf, 0)->message, "colour"));
    load_file_destroy(&lf);

    // columns in another order; optional columns left out
    path = s_write("customers2.csv", "name,phone\n"
                                     "Anna Weber,+4930222\n");
    lf = s_load("customers", path);
    s_dump(lf);
    assert_int_equal(load_file_error_count(lf), 0);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_string_equal(env.load_customers->rows[0]->phone, "+4930222");
    assert_string_equal(env.load_customers->rows[0]->tier, "standard");
    load_file_destroy(&lf);

    path = s_write("customers3.csv", "phone,name,phone\n+1,A,+2\n");
    lf = s_load("customers", path);
    assert_true(s_has_error(lf, 1, "phone"));
    load_file_destroy(&lf);
}

/* A quoted field with a comma and a newline: later rows keep their
   physical line; blank lines and CRLF are counted too. */
static void test_multiline_quoted(void **state)
{
    const char *path =
        s_write("requests.csv", "name,phone,address,lat,lon,brand,category,serial,model,problem\n"
                                "Anna,+4930111,\"Torstraße 1, 10119 Berlin\",52.53,13.40,Bosch,fridge,S1,,"
                                "\"no cooling,\nloud noise\"\n"
                                "Ben,+4930222,Kantstraße 2,52.50,13.30,Miele,oven,,,door broken\n"
                                "\n"
                                "Cem,+4930333,x,91,13.30,Miele,oven,,,door broken\r\n"
                                "Dana,+4930444,\"a \"\"quoted\"\" street\",52.5,13.3,,dryer,,,\"wet\r\n"
                                "clothes\"\r\n"
                                "Eve,+4930555,y,52.5,east,,dryer,,,wet\n");
    load_file *lf = s_load("requests", path);
    assert_int_equal(load_file_row_count(lf), 3);
    assert_int_equal(load_file_error_count(lf), 2);
    assert_true(s_has_error(lf, 6, "lat"));
    assert_true(s_has_error(lf, 9, "lon"));
    unsigned line = 0;
    Fsd__SubmitRequest *r = load_file_request(lf, 0, &line);
    assert_int_equal(line, 2);
    assert_string_equal(r->address, "Torstraße 1, 10119 Berlin");
    assert_string_equal(r->problem, "no cooling,\nloud noise");
    r = load_file_request(lf, 1, &line);
    assert_int_equal(line, 4);
    assert_string_equal(r->customer_name, "Ben");
    assert_true(r->lat == 52.50);
    r = load_file_request(lf, 2, &line);
    assert_int_equal(line, 7);
    assert_string_equal(r->address, "a \"quoted\" street");
    load_file_destroy(&lf);
}

/* Technicians: capacity limits, lat/lon, lists. */
static void test_technician_fields(void **state)
{
    const char *path =
        s_write("technicians.csv", "id,name,provider,territories,skills,capacity,shift,lat,lon\n"
                                   "T1,A,P,mitte; pankow ;;,fridge;oven,0,24h,52.5,13.4\n"
                                   "T2,B,P,mitte,fridge,51,24h,52.5,13.4\n"
                                   "T3,C,P,mitte,fridge,3,24h,52.5,\n"
                                   "T4,D,P,mitte,,3,24h,,\n"
                                   "T5,E,P,mitte; pankow ;;,fridge;oven,4,24h,,\n");
    load_file *lf = s_load("technicians", path);
    assert_true(s_has_error(lf, 2, "capacity"));
    assert_true(s_has_error(lf, 3, "capacity"));
    assert_true(s_has_error(lf, 4, "lon"));
    assert_true(s_has_error(lf, 5, "skills"));
    assert_int_equal(load_file_error_count(lf), 4);
    assert_int_equal(load_file_row_count(lf), 1);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    Fsd__TechnicianRow *t = env.load_technicians->rows[0];
    assert_int_equal(t->n_territories, 2);
    assert_string_equal(t->territories[1], "pankow");
    assert_int_equal(t->capacity, 4);
    load_file_destroy(&lf);

    path = s_write("customers4.csv", "phone,name,tier,blocked,note\n+1,A,priority,maybe,\n+2,B,,TRUE,why\n");
    lf = s_load("customers", path);
    assert_true(s_has_error(lf, 2, "blocked"));
    assert_int_equal(load_file_row_count(lf), 1);
    load_file_destroy(&lf);

    path = s_write("providers.csv", "id,name,brands,territories\n"
                                    "P1,\"Ein, zwei\",,mitte\n"
                                    "P2,,Bosch,mitte\n"
                                    "P3,Drei,Bosch,\n");
    lf = s_load("providers", path);
    assert_true(s_has_error(lf, 3, "name"));
    assert_true(s_has_error(lf, 4, "territories"));
    assert_int_equal(load_file_row_count(lf), 1);
    load_file_destroy(&lf);

    // a row with more fields than the header
    path = s_write("providers2.csv", "id,name,brands,territories\nP1,A,,mitte,extra\n");
    lf = s_load("providers", path);
    assert_true(s_has_error(lf, 2, ""));
    load_file_destroy(&lf);
}

/* GeoJSON: a Point feature, a short ring, an open ring, no tz; the
   timezone alias; MultiPolygon rings flattened. */
static void test_geojson_errors(void **state)
{
    const char *path = s_write(
        "bad.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"a\",\"name\":\"A\",\"timezone\":\"Europe/Berlin\"},"
        " \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[13,52],[14,52],[14,53],[13,52]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"b\",\"name\":\"B\",\"tz\":\"Europe/Berlin\"},"
        " \"geometry\":{\"type\":\"Point\",\"coordinates\":[13,52]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"c\",\"name\":\"C\",\"tz\":\"Europe/Berlin\"},"
        " \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[13,52],[14,52],[13,52]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"d\",\"name\":\"D\"},"
        " \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[13,52],[14,52],[14,53],[13,53]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"e\",\"name\":\"E\",\"tz\":\"UTC\"},"
        " \"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":["
        "[[[13,52],[14,52],[14,53],[13,52]]],"
        "[[[15,52],[16,52],[16,53],[15,52]],[[15.1,52.1],[15.2,52.1],[15.2,52.2],[15.1,52.1]]]]}},\n"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"f\",\"name\":\"F\",\"tz\":\"UTC\"},"
        " \"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[52,13],[52,200],[53,14],[52,13]]]}}\n"
        "]}\n");
    load_file *lf = s_load("territories", path);
    /* feature N starts on line N + 1 */
    assert_true(s_has_error(lf, 3, "geometry"));
    assert_true(s_has_error(lf, 4, "geometry"));
    assert_true(s_has_error(lf, 5, "geometry"));
    assert_true(s_has_error(lf, 5, "tz"));
    assert_true(s_has_error(lf, 7, "geometry"));
    assert_int_equal(load_file_row_count(lf), 2);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_string_equal(env.load_territories->rows[0]->tz, "Europe/Berlin");
    assert_int_equal(env.load_territories->rows[1]->n_rings, 3);
    assert_true(env.load_territories->rows[0]->rings[0]->points[2]->lat == 53);
    assert_true(env.load_territories->rows[0]->rings[0]->points[2]->lon == 14);
    load_file_destroy(&lf);

    path = s_write("syntax.geojson", "{\"type\":\n\"FeatureCollection\",\n\"features\": [,]}\n");
    lf = s_load("territories", path);
    assert_int_equal(load_file_error_count(lf), 1);
    assert_true(s_has_error(lf, 3, "json"));
    load_file_destroy(&lf);

    path = s_write("notfc.geojson", "{\"type\":\"Feature\"}");
    lf = s_load("territories", path);
    assert_true(s_has_error(lf, 1, "type"));
    load_file_destroy(&lf);
}

/* A feature's line is where it starts, whatever its strings hold
   (brackets, escaped quotes, a "features" key of its own). */
static void test_geojson_lines(void **state)
{
    (void)state;
    const char *path = s_write(
        "lines.geojson",
        "{\"name\": \"odd [ { \\\" ]\",\n"
        " \"type\": \"FeatureCollection\",\n"
        " \"features\": [\n"
        "  {\"type\": \"Feature\",\n"
        "   \"properties\": {\"id\": \"a\", \"name\": \"A ]}\", \"tz\": \"UTC\", \"features\": [1]},\n"
        "   \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[13,52],[14,52],[14,53],[13,52]]]}},\n"
        "\n"
        "  {\"type\": \"Feature\", \"properties\": {\"id\": \"b\", \"name\": \"B\"},\n"
        "   \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[13,52],[14,52],[14,53],[13,52]]]}}\n"
        "]}\n");
    load_file *lf = s_load("territories", path);
    assert_int_equal(load_file_row_count(lf), 1);
    assert_int_equal(load_file_error_count(lf), 1);
    assert_true(s_has_error(lf, 8, "tz"));
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_int_equal(env.load_territories->rows[0]->line, 4);
    load_file_destroy(&lf);
}

/* Unreadable files and unknown kinds give NULL and a sentence. */
static void test_unreadable(void **state)
{
    char err[256] = "";
    assert_null(load_file_read("products", "/nonexistent/products.csv", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/products.csv"));
    err[0] = 0;
    assert_null(load_file_read("widgets", "examples/products.csv", err, sizeof err));
    assert_non_null(strstr(err, "widgets"));
    const char *path = s_write("empty.csv", "");
    load_file *lf = s_load("customers", path);
    assert_int_equal(load_file_error_count(lf), 1);
    assert_int_equal(load_file_row_count(lf), 0);
    load_file_destroy(&lf);
}

/* Removes the temporary directory and its files. */
static int s_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Makes the temporary directory. */
static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/fsd-test-load-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_territories),
        cmocka_unit_test(test_examples_csv),
        cmocka_unit_test(test_examples_requests),
        cmocka_unit_test(test_bad_date),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_multiline_quoted),
        cmocka_unit_test(test_technician_fields),
        cmocka_unit_test(test_geojson_errors),
        cmocka_unit_test(test_geojson_lines),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
