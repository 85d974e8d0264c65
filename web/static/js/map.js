// map.js — the territories' polygons (no tiles: the GeoJSON is the map),
// technicians by status, open jobs. Selecting here selects everywhere;
// dropping a job on a technician's marker or on a territory moves it.

import { map as lmap, geoJSON, circleMarker, layerGroup, canvas } from '/lib/leaflet/leaflet.esm.min.js';
import { store, onChange, passes, techPasses, select } from './store.js';
import { techStatus } from './timeline.js';
import { dropTarget } from './move.js';

const COLOURS = { free: '#1f9d55', busy: '#d69e2e', full: '#c53030', off: '#8a94a6' };
const MAX_JOBS = 4000;   // beyond that the dots tell nothing more; the queues list all
let m = null;
let techLayer = null;
let jobLayer = null;
let areas = null;
let last = 0;
let timer = 0;
const techPoints = [];   // [{id, name, latlng}] for drops

function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, k = ring.length - 1; i < ring.length; k = i++) {
        const [xi, yi] = ring[i];
        const [xk, yk] = ring[k];
        if ((yi > lat) !== (yk > lat) && lon < ((xk - xi) * (lat - yi)) / (yk - yi) + xi) inside = !inside;
    }
    return inside;
}
// The territory a point lies in (rings by the even-odd rule, as fsd-server does).
function territoryAt(lat, lon) {
    for (const f of store.territories?.features || []) {
        const g = f.geometry;
        const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
        let n = 0;
        for (const p of polys) for (const ring of p) if (inRing(lon, lat, ring)) n++;
        if (n % 2) return f.properties;
    }
    return null;
}

function draw() {
    last = Date.now();
    techLayer.clearLayers();
    jobLayer.clearLayers();
    techPoints.length = 0;
    const sel = store.selected;
    for (const t of store.techs.values()) {
        if (!techPasses(t) || !(t.lat || t.lon)) continue;
        const on = sel.tech === t.id;
        const mk = circleMarker([t.lat, t.lon], {
            radius: on ? 9 : 5, color: on ? '#111827' : '#fff', weight: on ? 3 : 1,
            fillColor: COLOURS[techStatus(t)], fillOpacity: 0.95,
        });
        mk.bindTooltip(`${t.name || t.id} · ${t.load || 0}/${t.capacity || 0}`);
        mk.on('click', () => select('tech', t.id));
        techLayer.addLayer(mk);
        techPoints.push({ id: t.id, name: t.name, latlng: mk.getLatLng() });
    }
    let n = 0;
    for (const j of store.jobs.values()) {
        if (!passes(j) || !(j.lat || j.lon)) continue;
        const on = sel.job === j.job_id;
        if (!on && n >= MAX_JOBS) continue;
        n++;
        const mk = circleMarker([j.lat, j.lon], {
            radius: on ? 10 : 3.5, color: on ? '#111827' : j.overdue ? '#c53030' : '#3b5bdb',
            weight: on ? 3 : 1, fillColor: j.overdue ? '#f87171' : '#748ffc', fillOpacity: 0.9,
        });
        mk.bindTooltip(`${j.job_id} · ${j.territory}`);
        mk.on('click', () => select('job', j.job_id));
        jobLayer.addLayer(mk);
        if (on) { mk.bringToFront(); if (!m.getBounds().contains(mk.getLatLng())) m.panTo(mk.getLatLng()); }
    }
}

// Redraws at most once a second: a fleet reporting positions would
// otherwise repaint the map on every event.
function schedule() {
    if (timer) return;
    const wait = last ? Math.max(0, 1000 - (Date.now() - last)) : 300;   // the first after the queues' frame
    timer = setTimeout(() => { timer = 0; draw(); }, wait);
}

export function initMap(host) {
    m = lmap(host, { preferCanvas: true, attributionControl: false, zoomSnap: 0.25, renderer: canvas() });
    areas = geoJSON(store.territories, {
        style: (f) => ({
            color: '#4c6ef5', weight: f.properties.id === store.filters.territory ? 3 : 1.2,
            fillColor: '#dbe4ff', fillOpacity: f.properties.id === store.filters.territory ? 0.55 : 0.3,
        }),
        onEachFeature: (f, layer) => layer.bindTooltip(f.properties.name || f.properties.id, { sticky: true, className: 'area-tip' }),
    }).addTo(m);
    if (areas.getBounds().isValid()) m.fitBounds(areas.getBounds(), { padding: [8, 8] });
    else m.setView([52.52, 13.4], 10);
    jobLayer = layerGroup().addTo(m);
    techLayer = layerGroup().addTo(m);
    onChange((what) => {
        if (what.has('filters')) areas.setStyle(areas.options.style);
        // the map is drawn after the queues: thousands of markers must not
        // delay the first screen
        if (what.has('select') || what.has('filters')) draw(); else schedule();
    });
    // a job dropped near a technician's marker goes to them, else to the territory under it
    dropTarget(host, (e) => {
        const p = m.mouseEventToContainerPoint(e);
        let best = null;
        let bestD = 16;
        for (const t of techPoints) {
            const d = m.latLngToContainerPoint(t.latlng).distanceTo(p);
            if (d < bestD) { best = t; bestD = d; }
        }
        if (best) return { technician_id: best.id, label: best.name || best.id };
        const ll = m.containerPointToLatLng(p);
        const area = territoryAt(ll.lat, ll.lng);
        return area ? { territory: area.id, label: area.name } : null;
    });
    setTimeout(() => m.invalidateSize(), 0);
}
