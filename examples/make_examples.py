#!/usr/bin/env python3
"""make_examples.py - writes the Berlin sample data set for fsd.

Run from anywhere: `python3 examples/make_examples.py`. It writes, next to
itself, territories.geojson, providers.csv, technicians.csv, products.csv,
customers.csv and requests.csv (some requests ask for an appointment
window). Python 3 standard library only; the random
generator has a fixed seed, so two runs give the same bytes.

The territory SHAPES ARE SIMPLIFIED: they are not the real borough
boundaries. Each of Berlin's 12 boroughs (Bezirke) is represented by its
approximate real centroid; the cells are the Voronoi cells of those
centroids, clipped to a 16-gon that approximates the city's outline
(lat ~52.34-52.68, lon ~13.09-13.76). Each cell is computed by clipping the
outline with the half-planes "closer to this centroid than to that one"
(Sutherland-Hodgman against one half-plane at a time), in a local plane
where a degree of longitude is cos(52.5 deg) of a degree of latitude, so the
cells look right on a map. Vertices are rounded to 5 decimals and snapped,
so neighbouring cells share their edges exactly (the server computes
neighbours from geometry).

Shifts: about half of the technicians work "daily 06:00-22:00" and half
"daily 14:00-06:00", placed so that every borough has someone on shift at
every hour of every day, counting neighbouring boroughs; the script checks
that, and also that every borough is contracted by at least two providers.
"""

import csv
import datetime
import json
import math
import os
import random

OUT = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261123)
KX = math.cos(math.radians(52.5))   # x = lon * KX, y = lat

# --------------------------------------------------------------- boroughs

BOROUGHS = [
    # id, name, centroid lat, lon
    ("mitte", "Mitte", 52.530, 13.365),
    ("friedrichshain-kreuzberg", "Friedrichshain-Kreuzberg", 52.502, 13.432),
    ("pankow", "Pankow", 52.597, 13.430),
    ("charlottenburg-wilmersdorf", "Charlottenburg-Wilmersdorf", 52.505, 13.285),
    ("spandau", "Spandau", 52.535, 13.195),
    ("steglitz-zehlendorf", "Steglitz-Zehlendorf", 52.435, 13.240),
    ("tempelhof-schoeneberg", "Tempelhof-Schöneberg", 52.445, 13.380),
    ("neukoelln", "Neukölln", 52.440, 13.455),
    ("treptow-koepenick", "Treptow-Köpenick", 52.420, 13.610),
    ("marzahn-hellersdorf", "Marzahn-Hellersdorf", 52.530, 13.585),
    ("lichtenberg", "Lichtenberg", 52.530, 13.500),
    ("reinickendorf", "Reinickendorf", 52.600, 13.290),
]
BIDS = [b[0] for b in BOROUGHS]

# A 16-gon around the real city extent, clockwise from the northern tip
# (Frohnau), as (lat, lon).
OUTLINE = [
    (52.675, 13.300), (52.660, 13.420), (52.665, 13.510), (52.590, 13.590),
    (52.535, 13.660), (52.455, 13.720), (52.415, 13.760), (52.345, 13.700),
    (52.340, 13.630), (52.385, 13.510), (52.375, 13.410), (52.400, 13.290),
    (52.390, 13.120), (52.470, 13.115), (52.530, 13.090), (52.625, 13.200),
]


def to_xy(lat, lon):
    return (lon * KX, lat)


def to_latlon(p):
    return (p[1], p[0] / KX)


def clip(poly, a, b, c):
    """Sutherland-Hodgman against the half-plane a*x + b*y <= c."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp = a * p[0] + b * p[1] - c
        fq = a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def voronoi_cells():
    outline = [to_xy(lat, lon) for lat, lon in OUTLINE]
    seeds = [to_xy(b[2], b[3]) for b in BOROUGHS]
    cells = []
    for i, s in enumerate(seeds):
        poly = list(outline)
        for j, t in enumerate(seeds):
            if i == j:
                continue
            # |p-s|^2 <= |p-t|^2  <=>  2(t-s).p <= |t|^2 - |s|^2
            a, b = 2 * (t[0] - s[0]), 2 * (t[1] - s[1])
            c = (t[0] ** 2 + t[1] ** 2) - (s[0] ** 2 + s[1] ** 2)
            poly = clip(poly, a, b, c)
        cells.append([to_latlon(p) for p in poly])
    # Snap: the same vertex computed from different bisectors may differ
    # in the last bits; give every cluster one rounded value.
    canon = []
    def snap(lat, lon):
        for cl in canon:
            if abs(cl[0] - lat) < 1e-7 and abs(cl[1] - lon) < 1e-7:
                return (cl[2], cl[3])
        v = (round(lat, 5), round(lon, 5))
        canon.append((lat, lon, v[0], v[1]))
        return v
    rings = []
    for cell in cells:
        ring = []
        for lat, lon in cell:
            v = snap(lat, lon)
            if not ring or ring[-1] != v:
                ring.append(v)
        while len(ring) > 1 and ring[0] == ring[-1]:
            ring.pop()
        # counter-clockwise exterior (RFC 7946): shoelace in lon/lat
        area = sum(ring[k][1] * ring[(k + 1) % len(ring)][0]
                   - ring[(k + 1) % len(ring)][1] * ring[k][0]
                   for k in range(len(ring)))
        if area < 0:
            ring.reverse()
        rings.append(ring)
    return rings


def inside(ring, lat, lon):
    """Even-odd point in polygon; ring as [(lat, lon)...], open."""
    res = False
    n = len(ring)
    for k in range(n):
        (y1, x1), (y2, x2) = ring[k], ring[(k + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x:
                res = not res
    return res


def neighbours(rings):
    nb = {b: set() for b in BIDS}
    for i in range(len(rings)):
        ei = {frozenset((rings[i][k], rings[i][(k + 1) % len(rings[i])]))
              for k in range(len(rings[i]))}
        for j in range(len(rings)):
            if i == j:
                continue
            ej = {frozenset((rings[j][k], rings[j][(k + 1) % len(rings[j])]))
                  for k in range(len(rings[j]))}
            if ei & ej:
                nb[BIDS[i]].add(BIDS[j])
    return nb


RINGS = voronoi_cells()
NB = neighbours(RINGS)


def borough_of(lat, lon):
    for i, ring in enumerate(RINGS):
        if inside(ring, lat, lon):
            return BIDS[i]
    return None


def point_in(bid, spread=0.035):
    """A random point inside borough bid, near its centroid."""
    b = BOROUGHS[BIDS.index(bid)]
    while True:
        lat = b[2] + rng.uniform(-spread, spread)
        lon = b[3] + rng.uniform(-spread, spread) / KX
        if borough_of(lat, lon) == bid:
            return round(lat, 5), round(lon, 5)


def write_geojson():
    feats = []
    for i, b in enumerate(BOROUGHS):
        ring = [[lon, lat] for lat, lon in RINGS[i]]
        ring.append(ring[0])
        feats.append({
            "type": "Feature",
            "properties": {"id": b[0], "name": b[1], "tz": "Europe/Berlin"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })
    doc = {"type": "FeatureCollection", "features": feats}
    with open(os.path.join(OUT, "territories.geojson"), "w", encoding="utf-8") as f:
        f.write("{\n\"type\": \"FeatureCollection\",\n\"features\": [\n")
        for k, ft in enumerate(feats):
            f.write(json.dumps(ft, ensure_ascii=False))
            f.write(",\n" if k + 1 < len(feats) else "\n")
        f.write("]\n}\n")
    json.loads(open(os.path.join(OUT, "territories.geojson"), encoding="utf-8").read())
    return doc


def write_csv(name, header, rows):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


# -------------------------------------------------------------- providers

BRANDS = ["Bosch", "Siemens", "Miele", "AEG", "Samsung", "LG", "Beko",
          "Whirlpool", "Liebherr", "Daikin", "Vaillant", "Stiebel Eltron",
          "De'Longhi"]

PROVIDERS = [
    ("P-NORD", "Kundendienst Nord GmbH", ["Bosch", "Siemens", "Liebherr", "Vaillant"],
     ["pankow", "reinickendorf", "spandau", "mitte", "lichtenberg", "marzahn-hellersdorf"]),
    ("P-SUED", "Süd-Service Hausgeräte GmbH", ["Miele", "AEG", "Beko", "Stiebel Eltron"],
     ["steglitz-zehlendorf", "tempelhof-schoeneberg", "neukoelln",
      "charlottenburg-wilmersdorf", "friedrichshain-kreuzberg", "treptow-koepenick"]),
    ("P-OST", "Ostberliner Gerätedienst OHG", ["Samsung", "LG", "Whirlpool", "Bosch", "Daikin"],
     ["lichtenberg", "marzahn-hellersdorf", "treptow-koepenick",
      "friedrichshain-kreuzberg", "neukoelln", "pankow"]),
    ("P-WEST", "Westend Technik Service GmbH", ["Siemens", "Miele", "Daikin", "Vaillant", "De'Longhi"],
     ["spandau", "charlottenburg-wilmersdorf", "steglitz-zehlendorf",
      "reinickendorf", "mitte", "tempelhof-schoeneberg"]),
    ("P-ZENTRUM", "Zentrum Hausgeräte-Kundendienst KG",
     ["AEG", "Samsung", "LG", "Beko", "Whirlpool", "Liebherr", "Stiebel Eltron", "De'Longhi"],
     ["mitte", "friedrichshain-kreuzberg", "charlottenburg-wilmersdorf",
      "tempelhof-schoeneberg", "neukoelln", "pankow", "lichtenberg"]),
    ("R-KIEZ", "Kiez-Reparatur Berlin (unabhängig)", [],
     ["mitte", "friedrichshain-kreuzberg", "neukoelln", "treptow-koepenick",
      "lichtenberg", "tempelhof-schoeneberg"]),
]
PROV = {p[0]: p for p in PROVIDERS}
for bid in BIDS:
    n = sum(1 for p in PROVIDERS if bid in p[3])
    assert n >= 2, (bid, n)
for b in BRANDS:
    assert sum(1 for p in PROVIDERS if b in p[2]) >= 2, b

# ------------------------------------------------------------ technicians

CATS = ["washing_machine", "dryer", "washer_dryer", "dishwasher", "fridge",
        "freezer", "oven", "hob", "cooker_hood", "microwave",
        "air_conditioner", "heat_pump", "boiler", "water_heater",
        "coffee_machine"]
GROUPS = {
    "laundry": ["washing_machine", "dryer", "washer_dryer", "dishwasher"],
    "cooling": ["fridge", "freezer"],
    "cooking": ["oven", "hob", "cooker_hood", "microwave"],
    "climate": ["air_conditioner", "heat_pump", "boiler", "water_heater"],
    "small": ["coffee_machine", "microwave"],
}
# Skill profiles, cycled; together any two consecutive ones cover a lot.
PROFILES = [
    ["laundry", "cooling"],
    ["cooking", "climate", "small"],
    ["laundry", "cooking", "small"],
    ["cooling", "climate"],
]

TECH_NAMES = [
    "Jonas Becker", "Leonie Schulz", "Mehmet Yılmaz", "Anna Kowalski",
    "Lukas Hoffmann", "Sophie Wagner", "Tobias Krüger", "Ayşe Demir",
    "Felix Schröder", "Marie Neumann", "Nico Braun", "Katarzyna Nowak",
    "Paul Zimmermann", "Lea Hartmann", "Dmitri Iwanow", "Julia Lange",
    "Maximilian Fuchs", "Emma Richter", "Can Öztürk", "Hannah Vogel",
    "Sebastian Wolf", "Mia Schäfer", "Tim Lehmann", "Nguyen Van Minh",
    "Florian König", "Laura Peters", "Kevin Schmidt", "Elif Kaya",
    "Moritz Keller", "Sarah Meyer", "Dennis Franke", "Lina Weber",
    "Erik Schmitz", "Clara Böhm", "Ali Hassan", "Johanna Krause",
    "Patrick Busch", "Nina Sommer", "René Winkler", "Greta Lorenz",
]


def build_technicians():
    techs = []
    per_home = {b: 0 for b in BIDS}
    prov_rot = {b: 0 for b in BIDS}
    extras = ["Mon-Fri 08:00-17:00", "24h"]
    for k in range(40):
        tid = "T%02d" % (k + 1)
        home = BIDS[k % 12]
        nth = per_home[home]
        per_home[home] += 1
        # first in a borough works days, second nights, third alternates
        if nth == 0:
            shift = "daily 06:00-22:00"
        elif nth == 1:
            shift = "daily 14:00-06:00"
        elif nth == 2:
            shift = "daily 06:00-22:00" if (k // 12) % 2 == 0 and k % 2 == 0 else "daily 14:00-06:00"
        else:
            shift = extras[k % 2] if k in (36, 39) else ("daily 06:00-22:00" if k % 2 else "daily 14:00-06:00")
        provs = [p[0] for p in PROVIDERS if home in p[3]]
        pid = provs[(prov_rot[home] + k) % len(provs)]
        prov_rot[home] += 1
        cover = [home]
        extra_n = rng.choice([0, 1, 1, 2])
        cand = sorted(b for b in NB[home] if b in PROV[pid][3])
        rng.shuffle(cand)
        cover += cand[:extra_n]
        prof = PROFILES[(k + nth) % len(PROFILES)]
        skills = []
        for g in prof:
            for c in GROUPS[g]:
                if c not in skills:
                    skills.append(c)
        skills.sort(key=CATS.index)
        cap = rng.choice([2, 2, 3, 3, 3, 4])
        lat, lon = point_in(home, 0.03)
        techs.append([tid, TECH_NAMES[k], pid, ";".join(cover), ";".join(skills),
                      cap, shift, "%.5f" % lat, "%.5f" % lon])
    return techs


def shift_has(shift, hour):
    if shift == "24h":
        return True
    if shift.startswith("Mon-Fri"):
        return False  # not every day: do not count it
    a, b = shift.split()[1].split("-")
    h1, h2 = int(a[:2]), int(b[:2])
    if h1 < h2:
        return h1 <= hour < h2
    return hour >= h1 or hour < h2


def check_coverage(techs):
    """Every borough: someone on shift every hour, counting neighbours;
    and every category at every hour, counting neighbours (reported)."""
    gaps = []
    for bid in BIDS:
        area = {bid} | NB[bid]
        for hour in range(24):
            on = [t for t in techs if shift_has(t[6], hour)
                  and set(t[3].split(";")) & area]
            assert on, (bid, hour)
            own = [t for t in on if bid in t[3].split(";")]
            if not own:
                gaps.append((bid, hour, "nobody in own borough"))
            have = set()
            for t in on:
                have |= set(t[4].split(";"))
            for c in CATS:
                if c not in have:
                    gaps.append((bid, hour, c))
    return gaps


# --------------------------------------------------------------- products

BRAND_CODE = {"Bosch": "BSH", "Siemens": "SIE", "Miele": "MIE", "AEG": "AEG",
              "Samsung": "SAM", "LG": "LGE", "Beko": "BEK", "Whirlpool": "WHP",
              "Liebherr": "LHR", "Daikin": "DAI", "Vaillant": "VAI",
              "Stiebel Eltron": "STE", "De'Longhi": "DLG"}
CAT_CODE = {"washing_machine": "WM", "dryer": "TD", "washer_dryer": "WD",
            "dishwasher": "DW", "fridge": "FR", "freezer": "FZ", "oven": "OV",
            "hob": "HB", "cooker_hood": "CH", "microwave": "MW",
            "air_conditioner": "AC", "heat_pump": "HP", "boiler": "BO",
            "water_heater": "WH", "coffee_machine": "CM"}
BRAND_CATS = {
    "Bosch": ["washing_machine", "dryer", "dishwasher", "fridge", "freezer",
              "oven", "hob", "cooker_hood", "microwave", "coffee_machine", "heat_pump"],
    "Siemens": ["washing_machine", "dryer", "washer_dryer", "dishwasher", "fridge",
                "oven", "hob", "cooker_hood", "coffee_machine"],
    "Miele": ["washing_machine", "dryer", "washer_dryer", "dishwasher", "oven",
              "hob", "cooker_hood", "coffee_machine", "fridge"],
    "AEG": ["washing_machine", "dryer", "dishwasher", "oven", "hob", "fridge", "freezer"],
    "Samsung": ["washing_machine", "washer_dryer", "fridge", "microwave", "air_conditioner"],
    "LG": ["washing_machine", "washer_dryer", "fridge", "microwave", "air_conditioner"],
    "Beko": ["washing_machine", "dryer", "dishwasher", "fridge", "freezer", "oven"],
    "Whirlpool": ["washing_machine", "dryer", "fridge", "microwave", "oven"],
    "Liebherr": ["fridge", "freezer"],
    "Daikin": ["air_conditioner", "heat_pump"],
    "Vaillant": ["boiler", "water_heater", "heat_pump"],
    "Stiebel Eltron": ["water_heater", "heat_pump"],
    "De'Longhi": ["coffee_machine", "microwave"],
}
BRAND_WEIGHT = {"Bosch": 14, "Siemens": 12, "Miele": 10, "AEG": 8, "Samsung": 9,
                "LG": 7, "Beko": 7, "Whirlpool": 6, "Liebherr": 6, "Daikin": 4,
                "Vaillant": 5, "Stiebel Eltron": 3, "De'Longhi": 4}
MODEL_PREFIX = {"Bosch": ["WAN28", "WGG24", "SMS4H", "KGN39", "HBA53", "DWB97", "TIS65"],
                "Siemens": ["WM14N", "WQ45G", "SN23E", "KG39N", "HB578", "LC97B", "TE655"],
                "Miele": ["WWD32", "TWC22", "G5210", "H2265", "KM734", "CM6160", "KFN29"],
                "AEG": ["L7FE8", "T8DE8", "FSE63", "BPE53", "IKE64", "RCB73"],
                "Samsung": ["WW90T", "WD80T", "RB34T", "MS23K", "AR12T"],
                "LG": ["F4WV7", "F4DV5", "GBB72", "MH65", "S12ET"],
                "Beko": ["WML61", "DS853", "DFN26", "RCNA3", "BBIE1"],
                "Whirlpool": ["FFB84", "FFT M", "W7X82", "MWP30", "AKZ96"],
                "Liebherr": ["CNd57", "GNP27", "IRBd5", "KBi51"],
                "Daikin": ["FTXM3", "ATXC2", "EHBH0", "FTXJ5"],
                "Vaillant": ["ecoTEC plus VC 20", "ecoTEC pure VC 25", "aroTHERM plus 75",
                             "eloBLOCK VE 12", "VED E 21/8"],
                "Stiebel Eltron": ["DHB-E 18", "WWK 300", "SHZ 80 LCD", "WPL 25"],
                "De'Longhi": ["ECAM 22.11", "ECAM 23.46", "EC685", "EN 85"]}
FIRST = ["Anna", "Thomas", "Sabine", "Michael", "Petra", "Andreas", "Claudia",
         "Stefan", "Monika", "Frank", "Ursula", "Jürgen", "Birgit", "Klaus",
         "Karin", "Markus", "Sandra", "Oliver", "Nicole", "Matthias", "Fatma",
         "Mustafa", "Agnieszka", "Piotr", "Olena", "Giulia", "Marco", "Ingrid",
         "Helmut", "Renate", "Jan", "Lisa", "David", "Lena", "Simon", "Zeynep"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
        "Becker", "Schulz", "Hoffmann", "Koch", "Bauer", "Richter", "Klein",
        "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun",
        "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause",
        "Meier", "Lehmann", "Schmid", "Yıldız", "Şahin", "Kowalczyk",
        "Rossi", "Petrenko", "Nguyen", "Dąbrowski", "Özdemir"]


def person():
    return "%s %s" % (rng.choice(FIRST), rng.choice(LAST))


def phone():
    if rng.random() < 0.6:
        return "+4930%d" % rng.randint(20000000, 99999999)
    return "+49%d%d" % (rng.choice([151, 152, 157, 160, 162, 170, 172, 176, 177, 179]),
                        rng.randint(1000000, 99999999))


def model_for(brand, cat):
    # one model line per brand and category, so models match categories
    p = MODEL_PREFIX[brand][BRAND_CATS[brand].index(cat) % len(MODEL_PREFIX[brand])]
    if " " in p or brand in ("Vaillant", "Stiebel Eltron", "De'Longhi"):
        return p
    return "%s%s%d" % (p, rng.choice("ABCDEFGHKLMNPRSTVWXZ"), rng.randint(0, 9))


def add_months(d, m):
    y, mo = d.year + (d.month - 1 + m) // 12, (d.month - 1 + m) % 12 + 1
    day = min(d.day, [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28,
                      31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1])
    return datetime.date(y, mo, day)


def build_customers():
    custs = []
    seen = set()
    for k in range(30):
        ph = phone()
        while ph in seen:
            ph = phone()
        seen.add(ph)
        name = person()
        tier = "priority" if k % 4 == 0 else "standard"
        custs.append([ph, name, tier, "no", ""])
    custs[7][2] = "standard"
    custs[7][3] = "yes"
    custs[7][4] = "unpaid invoices since 2025; call accounts on +49 30 5550100"
    custs[9][4] = "prefers calls after 17:00"
    custs[12][4] = "ground floor, ring twice"
    return custs


def build_products(custs):
    brands = [b for b in BRANDS for _ in range(BRAND_WEIGHT[b])]
    start, end = datetime.date(2017, 1, 1), datetime.date(2026, 11, 15)
    span = (end - start).days
    seq = {}
    prods = []
    for k in range(500):
        brand = rng.choice(brands)
        cat = rng.choice(BRAND_CATS[brand])
        pd = start + datetime.timedelta(days=rng.randint(0, span))
        key = (brand, pd.year)
        seq[key] = seq.get(key, 0) + rng.randint(1, 40)
        serial = "%s-%s-%d-%05d" % (BRAND_CODE[brand], CAT_CODE[cat], pd.year, seq[key])
        wm = rng.choices([24, 36, 60], [75, 15, 10])[0]
        ext = ""
        if rng.random() < 0.15:
            ext = add_months(pd, wm + rng.choice([12, 24, 36])).isoformat()
        owner = person()
        if k % 10 == 3:   # some products belong to known customers
            c = custs[(k // 10) % len(custs)]
            owner = c[1]
        prods.append([serial, brand, model_for(brand, cat), cat, owner,
                      pd.isoformat(), wm, ext])
    assert len({p[0] for p in prods}) == len(prods)
    return prods


# --------------------------------------------------------------- requests

STREETS = {
    "mitte": [("Torstraße", "10119"), ("Invalidenstraße", "10115"), ("Müllerstraße", "13353"),
              ("Brunnenstraße", "10119"), ("Turmstraße", "10559"), ("Chausseestraße", "10115")],
    "friedrichshain-kreuzberg": [("Warschauer Straße", "10243"), ("Oranienstraße", "10999"),
                                 ("Boxhagener Straße", "10245"), ("Bergmannstraße", "10961"),
                                 ("Frankfurter Allee", "10247"), ("Wrangelstraße", "10997")],
    "pankow": [("Schönhauser Allee", "10437"), ("Berliner Straße", "13189"),
               ("Greifswalder Straße", "10405"), ("Breite Straße", "13187"),
               ("Prenzlauer Allee", "10405"), ("Wiltbergstraße", "13125")],
    "charlottenburg-wilmersdorf": [("Kantstraße", "10625"), ("Kaiserdamm", "14057"),
                                   ("Uhlandstraße", "10719"), ("Bundesallee", "10717"),
                                   ("Wilmersdorfer Straße", "10627"), ("Heerstraße", "14052")],
    "spandau": [("Carl-Schurz-Straße", "13597"), ("Falkenseer Chaussee", "13583"),
                ("Wilhelmstraße", "13595"), ("Heerstraße", "13591"),
                ("Klosterstraße", "13581"), ("Streitstraße", "13587")],
    "steglitz-zehlendorf": [("Schloßstraße", "12163"), ("Clayallee", "14169"),
                            ("Potsdamer Chaussee", "14129"), ("Goerzallee", "14167"),
                            ("Unter den Eichen", "12203"), ("Teltower Damm", "14169")],
    "tempelhof-schoeneberg": [("Hauptstraße", "10827"), ("Tempelhofer Damm", "12101"),
                              ("Mariendorfer Damm", "12109"), ("Akazienstraße", "10823"),
                              ("Lichtenrader Damm", "12305"), ("Goltzstraße", "10781")],
    "neukoelln": [("Karl-Marx-Straße", "12043"), ("Sonnenallee", "12059"),
                  ("Hermannstraße", "12049"), ("Buschkrugallee", "12359"),
                  ("Neuköllner Straße", "12355"), ("Weserstraße", "12047")],
    "treptow-koepenick": [("Bölschestraße", "12587"), ("Bahnhofstraße", "12555"),
                          ("Adlergestell", "12527"), ("Puschkinallee", "12435"),
                          ("Wendenschloßstraße", "12559"), ("Schnellerstraße", "12439")],
    "marzahn-hellersdorf": [("Märkische Allee", "12681"), ("Allee der Kosmonauten", "12685"),
                            ("Hellersdorfer Straße", "12627"), ("Landsberger Allee", "12679"),
                            ("Alt-Kaulsdorf", "12621"), ("Hönower Straße", "12623")],
    "lichtenberg": [("Frankfurter Allee", "10365"), ("Möllendorffstraße", "10367"),
                    ("Treskowallee", "10318"), ("Konrad-Wolf-Straße", "13055"),
                    ("Weitlingstraße", "10317"), ("Hohenschönhauser Straße", "10369")],
    "reinickendorf": [("Residenzstraße", "13409"), ("Berliner Straße", "13467"),
                      ("Alt-Tegel", "13507"), ("Wittestraße", "13509"),
                      ("Oraniendamm", "13469"), ("Zabel-Krüger-Damm", "13469")],
}
for bid in BIDS:
    assert bid in STREETS

PROBLEMS = {
    "washing_machine": ["drum does not turn", "leaks water at the door",
                        "does not drain, error E18", "very loud during spin, shakes",
                        "door will not open after the programme", "does not take detergent"],
    "dryer": ["does not heat", "drum does not turn", "stops after 10 minutes, condenser light on",
              "clothes still wet after the cycle"],
    "washer_dryer": ["drying does not work, washing does", "leaks water at the door",
                     "does not drain", "error F21, drum blocked"],
    "dishwasher": ["does not drain, water stands in the bottom", "dishes not clean, spray arm blocked",
                   "leaks water, floor wet", "error E24", "does not heat the water"],
    "fridge": ["no cooling", "freezer part ices up, fridge part warm", "loud buzzing, compressor runs nonstop",
               "water under the vegetable drawer", "door seal torn, light does not work"],
    "freezer": ["no cooling", "alarm beeps, temperature -8 °C", "ice builds up, door does not close"],
    "oven": ["does not heat", "top heat works, bottom heat does not", "door glass cracked",
             "fan noisy, display shows F11"],
    "hob": ["one zone does not heat", "fuse trips when switched on", "touch controls do not react",
            "glass cracked, still works"],
    "cooker_hood": ["motor does not start", "very loud, grease filter clean", "light and fan dead"],
    "microwave": ["does not heat", "sparks inside", "turntable does not turn"],
    "air_conditioner": ["no cooling", "drips water indoors", "error U4, outdoor unit silent",
                        "smells musty, blows warm air"],
    "heat_pump": ["no heating, error code 7", "outdoor unit loud, ices up", "hot water lukewarm"],
    "boiler": ["no hot water, no heating", "pressure drops, refilled twice", "error F.28, no ignition"],
    "water_heater": ["water only lukewarm", "drips from the safety valve", "display dark, no hot water"],
    "coffee_machine": ["grinder blocked", "leaks water, tray full after one cup",
                       "no coffee comes out, pump noisy", "descaling light stays on"],
}
EXTRA = ["", "", "", "; customer home after 16:00", "; bought spare part already",
         ", urgent: small children", ", third time this year", ", tenant, landlord informed"]


def address(bid):
    street, plz = rng.choice(STREETS[bid])
    return "%s %d, %s Berlin" % (street, rng.randint(1, 180), plz)


def problem(cat):
    return rng.choice(PROBLEMS[cat]) + rng.choice(EXTRA)


def build_requests(prods, custs):
    prio = [c for c in custs if c[2] == "priority" and c[3] == "no"]
    blocked = [c for c in custs if c[3] == "yes"][0]
    serials = {p[0] for p in prods}
    by_owner = {}
    for p in prods:
        by_owner.setdefault(p[4], []).append(p)
    brands = [b for b in BRANDS for _ in range(BRAND_WEIGHT[b])]
    rows = []
    n = 300
    kinds = ["reg"] * n
    idx = list(range(n))
    rng.shuffle(idx)
    for i in idx[:45]:
        kinds[i] = "unreg"
    for i in idx[45:75]:
        kinds[i] = "prio"
    kinds[idx[75]] = "blocked"
    kinds[idx[76]] = "outside"
    for k in range(n):
        bid = BIDS[rng.randrange(12)]
        lat, lon = point_in(bid, 0.04)
        addr = address(bid)
        name, ph = person(), phone()
        kind = kinds[k]
        if kind in ("prio", "blocked"):
            c = rng.choice(prio) if kind == "prio" else blocked
            name, ph = c[1], c[0]
            own = by_owner.get(name)
            p = rng.choice(own) if own else rng.choice(prods)
            brand, cat, serial, model = p[1], p[3], p[0], p[2]
        elif kind == "unreg":
            brand = rng.choice(brands)
            cat = rng.choice(BRAND_CATS[brand])
            while True:
                serial = "%s-%s-%d-%05d" % (BRAND_CODE[brand], CAT_CODE[cat],
                                            rng.randint(2015, 2026), rng.randint(1, 99999))
                if serial not in serials:
                    break
            model = model_for(brand, cat) if rng.random() < 0.6 else ""
            if rng.random() < 0.2:
                serial = ""   # customer could not read the label
        else:
            p = rng.choice(prods)
            brand, cat, serial, model = p[1], p[3], p[0], p[2]
            if rng.random() < 0.5:
                name = p[4]
        if kind == "outside":
            lat, lon = 52.39125, 13.06472
            addr = "Brandenburger Straße 30, 14467 Potsdam"
            assert borough_of(lat, lon) is None
        rows.append([name, ph, addr, "%.5f" % lat, "%.5f" % lon, brand, cat, serial,
                     model, problem(cat)])
    return rows


# About one request in ten asks for an appointment window, in
# Berlin time, as a customer would say it ("Tue 14:00-16:00": the next such
# weekday whose window is still ahead). A generator of its own, so the rest
# of the data stays what it was. Afternoon and evening windows fit both
# shift patterns; morning ones only the 06:00-22:00 technicians.
WINDOW_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
WINDOW_HOURS = [(8, 10), (10, 12), (12, 14), (14, 16), (14, 17), (16, 18), (17, 20), (18, 20)]


def add_windows(reqs):
    wrng = random.Random(2026112405)
    for row in reqs:
        window = ""
        if wrng.random() < 0.1 and "Potsdam" not in row[2]:
            day = wrng.choice(WINDOW_DAYS)
            start, end = wrng.choice(WINDOW_HOURS)
            window = "%s %02d:00-%02d:00" % (day, start, end)
        row.append(window)
    return reqs


def main():
    write_geojson()
    write_csv("providers.csv", ["id", "name", "brands", "territories"],
              [[p[0], p[1], ";".join(p[2]), ";".join(p[3])] for p in PROVIDERS])
    techs = build_technicians()
    for t in techs:
        assert borough_of(float(t[7]), float(t[8])) == t[3].split(";")[0], t
        assert set(t[3].split(";")) <= set(PROV[t[2]][3]), t
    gaps = check_coverage(techs)
    write_csv("technicians.csv", ["id", "name", "provider", "territories", "skills",
                                  "capacity", "shift", "lat", "lon"], techs)
    custs = build_customers()
    prods = build_products(custs)
    write_csv("products.csv", ["serial", "brand", "model", "category", "owner",
                               "purchase_date", "warranty_months", "extended_until"], prods)
    write_csv("customers.csv", ["phone", "name", "tier", "blocked", "note"], custs)
    reqs = add_windows(build_requests(prods, custs))
    write_csv("requests.csv", ["name", "phone", "address", "lat", "lon", "brand",
                               "category", "serial", "model", "problem", "window"], reqs)
    print("territories 12, providers %d, technicians %d, products %d, customers %d, requests %d"
          % (len(PROVIDERS), len(techs), len(prods), len(custs), len(reqs)))
    print("neighbours:")
    for b in BIDS:
        print("  %-28s %s" % (b, " ".join(sorted(NB[b]))))
    if gaps:
        print("coverage gaps (borough, hour, what), counting neighbours: %d" % len(gaps))
        for g in gaps[:20]:
            print("  ", g)


if __name__ == "__main__":
    main()
