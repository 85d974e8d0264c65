// report.js — the KPI report for a period and grouping, as charts (plain
// SVG bars) and a table, with the same report as CSV to download.

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

function render(r) {
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
            bars('Time to assign (minutes)', groups.map((g) => ({ label: label(g), values: [min(g.assign_p50_s), min(g.assign_p90_s)] })), ['p50', 'p90'], ''),
            bars('Time to arrive (minutes)', groups.map((g) => ({ label: label(g), values: [min(g.arrive_p50_s), min(g.arrive_p90_s)] })), ['p50', 'p90'], ''),
            bars('SLA deadlines kept (%)', groups.map((g) => ({ label: label(g), values: [g.sla_kept_pct || 0] })), ['kept'], ' %', 100),
            bars('Declines by reason', [...declines].map(([k, v]) => ({ label: k.replace(/_/g, ' '), values: [v] })), ['declines'], ''),
            bars('CSAT (% of ratings 4–5 stars)', groups.map((g) => ({ label: label(g), values: [g.csat_pct || 0] })), ['CSAT'], ' %', 100)),
        el('table.list', {}, el('thead', {}, el('tr', {}, head.map((h) => el('th', { text: h })))), el('tbody', {}, groups.map(row))));
}

function query() {
    const p = new URLSearchParams();
    const from = $('r-from').value;
    const to = $('r-to').value;
    if (from) p.set('from', String(Date.parse(from + 'T00:00:00')));
    if (to) p.set('to', String(Date.parse(to + 'T00:00:00') + 86400000));
    p.set('by', $('r-by').value);
    return p.toString();
}

async function show() {
    const q = query();
    $('r-csv').href = `/api/report.csv?${q}`;
    try { clear($('report')).append(render(await get(`/api/report?${q}`))); } catch (e) { clear($('report')).append(el('p.error', { text: e.message })); }
}

export function initReport() {
    const today = new Date();
    const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    $('r-to').value = iso(today);
    $('r-from').value = iso(new Date(today.getTime() - 6 * 86400000));
    $('report-form').addEventListener('submit', (e) => { e.preventDefault(); show(); });
    return show;
}
