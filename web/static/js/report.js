// report.js — the KPI report for a period and grouping, as charts (plain
// SVG, no inline style: the CSP is default-src 'self') and a table, with
// the same report as CSV to download. Time to assign and to arrive are
// drawn over the hours of the day (the report by hour, each job at the
// hour it was created in its territory's zone); SLA kept, CSAT and
// declines by reason per group of the chosen grouping.

import { el, $, clear } from './util.js';
import { get } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...kids) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.append(...kids);
    return e;
}

// bars(title, [{label, values:[v...]}], series names, unit): horizontal bars,
// one row per group, one bar per series.
function bars(title, rows, series, unit, max) {
    const rowH = 16 * series.length + 8;
    const w = 460;
    const left = 120;
    const top = max || Math.max(1, ...rows.flatMap((r) => r.values));
    const g = svg('svg', { viewBox: `0 0 ${w} ${rows.length * rowH + 24}`, class: 'chart', role: 'img', 'aria-label': title });
    rows.forEach((r, i) => {
        const y = i * rowH;
        const t = svg('text', { x: left - 6, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'lbl' });
        t.textContent = r.label.length > 16 ? r.label.slice(0, 15) + '…' : r.label;
        g.append(t);
        r.values.forEach((v, k) => {
            const bw = ((w - left - 60) * (v || 0)) / top;
            g.append(svg('rect', { x: left, y: y + 4 + k * 16, width: Math.max(bw, 1), height: 13, class: `s${k}` }));
            const vt = svg('text', { x: left + bw + 4, y: y + 15 + k * 16, class: 'val' });
            vt.textContent = v ? `${Math.round(v * 10) / 10}${unit}` : '–';
            g.append(vt);
        });
    });
    const legend = el('p.chart-legend', {}, series.map((s, k) => [el(`i.sw.s${k}`), s, ' ']));
    return el('figure.card', {}, el('figcaption', { text: title }), g, series.length > 1 ? legend : null);
}

const min = (s) => (s || 0) / 60;

// A round top for an axis: 1, 2 or 5 times a power of ten, at least v.
function niceTop(v) {
    if (!(v > 0)) return 1;
    const p = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 5, 10].map((m) => m * p).find((t) => t >= v);
}

// overDay(title, name, hours, series): lines over the 24 hours of the day,
// one per series {label, value(group)}; an hour without samples (n(group)
// is 0) leaves a gap rather than a fall to zero. hours: the report by hour.
function overDay(title, name, hours, series, n) {
    const w = 460, h = 190, left = 40, right = 10, top = 10, bottom = 22;
    const byHour = new Map(hours.map((g) => [g.group ?? g.key, g]));
    const at = (hr) => byHour.get(String(hr).padStart(2, '0')) || {};
    const peak = niceTop(Math.max(0, ...series.flatMap((s) => [...Array(24).keys()].map((hr) => (n(at(hr)) ? s.value(at(hr)) : 0)))));
    const x = (hr) => left + ((hr + 0.5) * (w - left - right)) / 24;
    const y = (v) => top + (h - top - bottom) * (1 - v / peak);
    const g = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: `chart over-day ${name}`, role: 'img', 'aria-label': title });
    for (const v of [0, peak / 2, peak]) {
        g.append(svg('line', { x1: left, x2: w - right, y1: y(v), y2: y(v), class: 'grid' }));
        const t = svg('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'lbl' });
        t.textContent = String(Number(v.toPrecision(2)));
        g.append(t);
    }
    for (let hr = 0; hr < 24; hr += 3) {
        const t = svg('text', { x: x(hr), y: h - 6, 'text-anchor': 'middle', class: 'lbl hour' });
        t.textContent = String(hr).padStart(2, '0');
        g.append(t);
    }
    series.forEach((s, k) => {
        let d = '';
        let pen = false;
        for (let hr = 0; hr < 24; hr++) {
            const grp = at(hr);
            if (!n(grp)) { pen = false; continue; }
            const v = s.value(grp);
            d += `${pen ? 'L' : 'M'}${x(hr).toFixed(1)} ${y(v).toFixed(1)} `;
            pen = true;
            const dot = svg('circle', { cx: x(hr), cy: y(v), r: 2.5, class: `dot s${k}`, 'data-hour': String(hr).padStart(2, '0') });
            const tip = svg('title', {});
            tip.textContent = `${String(hr).padStart(2, '0')}:00–${String(hr).padStart(2, '0')}:59 ${s.label}: ${Number(v.toPrecision(3))} min (${n(grp)} jobs)`;
            dot.append(tip);
            g.append(dot);
        }
        if (d) g.append(svg('path', { d: d.trim(), class: `line s${k}` }));
    });
    const legend = el('p.chart-legend', {}, series.map((s, k) => [el(`i.sw.s${k}`), s.label, ' ']),
        ' · hour of the day, local to each job\'s territory; a gap: no job that hour');
    return el('figure.card', { 'data-chart': name }, el('figcaption', { text: title }), g, legend);
}

function render(r, byHour) {
    const groups = r.groups?.length ? r.groups : [r.total || {}];
    const label = (g) => (g.key && g.key !== 'all' ? g.key : 'all');
    const t = r.total || {};
    const declines = new Map();
    for (const g of groups) for (const c of g.declines_by_reason || []) declines.set(c.name, (declines.get(c.name) || 0) + (c.value || 0));
    const head = ['Group', 'Requests', 'Completed', 'Assign p50', 'Arrive p50', 'SLA kept', 'Decline rate', 'CSAT', 'Utilisation'];
    const pct = (v) => (v ? `${v.toFixed(1)} %` : '');
    const mins = (v) => (v ? `${min(v).toFixed(1)} min` : '');
    const row = (g) => el('tr', {}, [label(g), g.requests || 0, g.completed || 0, mins(g.assign_p50_s), mins(g.arrive_p50_s),
        pct(g.sla_kept_pct), pct(g.decline_rate_pct), pct(g.csat_pct), pct(g.utilisation_pct)].map((v) => el('td', { text: String(v) })));
    return el('div', {},
        el('div.kpis', {},
            [['Requests', t.requests || r.requests || 0], ['Completed', t.completed || 0], ['SLA kept', pct(t.sla_kept_pct) || '–'],
                ['Assign p50', mins(t.assign_p50_s) || '–'], ['Arrive p50', mins(t.arrive_p50_s) || '–'], ['CSAT', pct(t.csat_pct) || '–']]
                .map(([k, v]) => el('div.kpi', {}, el('b', { text: String(v) }), el('span', { text: k })))),
        el('div.charts', {},
            overDay('Time to assign over the day (minutes)', 'assign-by-hour', byHour.groups || [],
                [{ label: 'p50', value: (g) => min(g.assign_p50_s) }, { label: 'p90', value: (g) => min(g.assign_p90_s) }], (g) => g.assign_n || 0),
            overDay('Time to arrive over the day (minutes)', 'arrive-by-hour', byHour.groups || [],
                [{ label: 'p50', value: (g) => min(g.arrive_p50_s) }, { label: 'p90', value: (g) => min(g.arrive_p90_s) }], (g) => g.arrive_n || 0),
            bars('SLA deadlines kept (%)', groups.map((g) => ({ label: label(g), values: [g.sla_kept_pct || 0] })), ['kept'], ' %', 100),
            bars('Declines by reason', [...declines].map(([k, v]) => ({ label: k.replace(/_/g, ' '), values: [v] })), ['declines'], ''),
            bars('CSAT (% of ratings 4–5 stars)', groups.map((g) => ({ label: label(g), values: [g.csat_pct || 0] })), ['CSAT'], ' %', 100)),
        el('table.list', {}, el('thead', {}, el('tr', {}, head.map((h) => el('th', { text: h })))), el('tbody', {}, groups.map(row))));
}

function query(by = $('r-by').value) {
    const p = new URLSearchParams();
    const from = $('r-from').value;
    const to = $('r-to').value;
    if (from) p.set('from', String(Date.parse(from + 'T00:00:00')));
    if (to) p.set('to', String(Date.parse(to + 'T00:00:00') + 86400000));
    p.set('by', by);
    return p.toString();
}

async function show() {
    const q = query();
    $('r-csv').href = `/api/report.csv?${q}`;
    try {
        const by = $('r-by').value;
        const [r, hours] = await Promise.all([get(`/api/report?${q}`), by === 'hour' ? null : get(`/api/report?${query('hour')}`)]);
        clear($('report')).append(render(r, hours || r));
    } catch (e) { clear($('report')).append(el('p.error', { text: e.message })); }
}

export function initReport() {
    const today = new Date();
    const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    $('r-to').value = iso(today);
    $('r-from').value = iso(new Date(today.getTime() - 6 * 86400000));
    $('report-form').addEventListener('submit', (e) => { e.preventDefault(); show(); });
    return show;
}
