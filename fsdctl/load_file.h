/*  load_file.h — reading reference-data and request files for fsdctl.

    The client side of `fsdctl territory|provider|agent|product|customer
    load FILE` and `fsdctl request --batch FILE`: parses a file into the
    protobuf rows of proto/fsd.proto, checking syntax only (required
    fields present, numbers are numbers, dates are dates, coordinates in
    range, geometries well formed). Meaning (unknown provider, territory,
    time zone, shift grammar, tier) is the server's business.

    Kinds and their formats (see examples/README.md):

      "territories"  GeoJSON FeatureCollection of Feature objects whose
                     geometry is a Polygon or MultiPolygon (positions
                     [lon, lat], rings closed, >= 4 positions) and whose
                     properties are id, name, tz (alias: timezone). All
                     rings of a feature go into TerritoryRow.rings (the
                     server tests them with the even-odd rule). The "line"
                     of a feature is the physical line where it starts
                     (found by a scan of the text, as jansson does not
                     give positions of values); a JSON syntax error is
                     reported with jansson's real line.
      "providers"    CSV id,name,brands,territories
      "technicians"  CSV id,name,provider,territories,skills,capacity,shift
                     [,lat,lon]
      "products"     CSV serial,brand,category,purchase_date,
                     warranty_months[,model,owner,extended_until]
      "customers"    CSV phone,name[,tier,blocked,note,language]
      "requests"     CSV name,phone,address,lat,lon,brand,category,serial,
                     problem[,model,window]
      "sla_policies" CSV id,warranty,tier,urgency,assign_min,arrive_min,
                     fix_min,clock (minutes are numbers, fractions allowed)
      "working_hours" CSV territory,hours[,closed] (closed: dates, ';'-list)
      "categories"   CSV id,name,duration_min (appliance categories and the
                     minutes of work on site; the whole catalogue)

    CSV: the first row is the header; columns are matched by name (case
    insensitive), in any order; bracketed columns above may be left out;
    an unknown or repeated column, or a missing one, is an error on line
    1. Lists (brands, territories, skills) are separated by `;`, entries
    trimmed, empty entries dropped. Blank rows are skipped. The line of a
    row is the 1-based physical line of the file where the row starts
    (quoted fields may span lines). Values are trimmed.

    A file with row errors still gives a load_file: the caller shows the
    errors and refuses the whole file (all rows or none). Rows with errors
    are left out of the rows, so row_count counts the clean rows.
    Allocation failure aborts the program (fsdctl is a short-lived tool). */
#ifndef FSD_CTL_LOAD_FILE_H
#define FSD_CTL_LOAD_FILE_H

#include <stddef.h>
#include "fsd.pb-c.h"

typedef struct load_file load_file;

/* Reads `path` as `kind` (see above). Returns NULL only when the file
   cannot be read at all or the kind is unknown, with one sentence in
   err. Syntax problems in rows are collected as row errors. */
load_file *load_file_read(const char *kind, const char *path, char *err, size_t errlen);

/* Number of rows read without error (features for territories). */
size_t load_file_row_count(const load_file *self);

/* Number of row errors; the file must be refused when it is not 0. */
size_t load_file_error_count(const load_file *self);

/* The i-th row error (line, field, message), in file order; NULL when
   i is out of range. Owned by the load_file. */
const Fsd__RowError *load_file_error(const load_file *self, size_t i);

/* For the reference-data kinds: points env->body at the Load* message
   (sets body_case and the member; source is the file's basename). The
   load_file keeps ownership, so destroy it only after the envelope has
   been sent. Does nothing for "requests". */
void load_file_attach(load_file *self, Fsd__Envelope *env);

/* For "requests": the i-th SubmitRequest (owned by the load_file) and,
   when line is not NULL, the line it starts on. NULL when i is out of
   range or the kind is not "requests". */
Fsd__SubmitRequest *load_file_request(load_file *self, size_t i, unsigned *line);

/* Frees everything, sets *self_p to NULL; harmless on NULL. */
void load_file_destroy(load_file **self_p);

#endif
