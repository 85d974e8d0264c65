// timeline.js — one row per technician for today, in the territory's local
// time (the zone is shown): shift, booked windows, held jobs, a now-line.
// Rows are drop targets: drop a job on a technician to move it there.

import { el, $, clockIn, zoneLabel, midnightIn, STATE_LABEL } from './util.js';
import { store, onChange, techPasses, select } from './store.js';
import { VList } from './vlist.js';
import { dropTarget } from './move.js';

const DAY = 86400000;
let list = null;
let held = new Map();   // technician id → open jobs it holds
let zone = 'UTC';
let day0 = 0;
let wrappers = new Map();   // technician id → {t, sig}: the row's item

export function techStatus(t) {
    if (!t.online) return 'off';
    if (t.capacity && t.load >= t.capacity) return 'full';
    return t.load > 0 ? 'busy' : 'free';
}

function pct(ms) { return `${Math.max(0, Math.min(100, ((ms - day0) / DAY) * 100))}%`; }
function bar(cls, from, to, text, title) {
    const b = el(`div.${cls}`, { title: title || text || '' }, text ? el('span', { text }) : null);
    b.style.left = pct(from);
    b.style.width = `calc(${pct(to)} - ${pct(from)})`;
    return b;
}

// Where a held job sits on today's line: its booked window when that is
// today; work under way (en route, on site, on hold) from its start up to
// a little past now; an assigned job without a window at its arrive-by.
// Nothing when it belongs to another day.
function jobSpan(j) {
    const now = Date.now();
    let from;
    let to;
    if (j.window_start && j.window_end && j.window_end > day0 && j.window_start < day0 + DAY) {
        [from, to] = [j.window_start, j.window_end];
    } else if (j.state === 'en_route' || j.state === 'on_site' || j.state === 'on_hold') {
        [from, to] = [Math.max(day0, Math.min(j.created_at || now, now - 900000)), now + 1800000];
    } else if (j.arrive_by && j.arrive_by > day0 && j.arrive_by < day0 + DAY) {
        [from, to] = [j.arrive_by - 3600000, j.arrive_by];
    } else {
        return null;
    }
    return [Math.max(from, day0), Math.min(Math.max(to, from + 900000), day0 + DAY)];
}

function row({ t }) {
    const track = el('div.tl-track');
    if (t.shift_start && t.shift_end) track.append(bar('shift', t.shift_start, t.shift_end, '', 'shift'));
    else if (t.in_shift) track.append(bar('shift', day0, day0 + DAY, '', 'on shift'));
    for (const w of t.windows || []) track.append(bar('window', w.start, w.end, '', `booked ${w.job_id || ''}`));
    for (const j of held.get(t.id) || []) {
        const span = jobSpan(j);
        if (!span) continue;
        const b = bar(`job.s-${j.state}`, span[0], span[1], j.job_id,
            `${j.job_id} ${STATE_LABEL[j.state] || j.state}${j.window_local ? ' · window ' + j.window_local : ''}`);
        b.addEventListener('click', (e) => { e.stopPropagation(); select('job', j.job_id); });
        if (store.selected.job === j.job_id) b.classList.add('sel');
        track.append(b);
    }
    const now = el('div.nowline');
    now.style.left = pct(Date.now());
    track.append(now);
    const r = el('div.tl-row', { 'data-tech': t.id },
        el('div.tl-name', { title: `${t.id} · ${t.provider_id || ''} · ${(t.territories || []).join(', ')}` },
            el(`i.dot.${techStatus(t)}`), el('span', { text: t.name || t.id }),
            el('small', { text: ` ${t.load || 0}/${t.capacity || 0}` })),
        track);
    if (store.selected.tech === t.id) r.classList.add('sel');
    r.addEventListener('click', () => select('tech', t.id));
    dropTarget(r, () => ({ technician_id: t.id, label: t.name || t.id }));
    return r;
}

function scale() {
    const s = $('tl-scale');
    const fmt = clockIn(zone);
    const ticks = [];
    for (let h = 0; h < 24; h += 2) {
        const tick = el('span', { text: fmt.format(day0 + h * 3600000) });
        tick.style.left = pct(day0 + h * 3600000);
        ticks.push(tick);
    }
    s.replaceChildren(el('div.tl-ticks', {}, ticks));
    $('tl-zone').textContent = zoneLabel(zone);
}

export function redraw() {
    const f = store.filters.territory;
    zone = (f && store.tz.get(f)) || store.tz.values().next().value || 'UTC';
    day0 = midnightIn(zone);
    held = new Map();
    for (const j of store.jobs.values()) {
        if (!j.technician_id || j.state === 'offered') continue;
        if (!held.has(j.technician_id)) held.set(j.technician_id, []);
        held.get(j.technician_id).push(j);
    }
    const techs = [...store.techs.values()].filter(techPasses)
        .sort((a, b) => (b.online ? 1 : 0) - (a.online ? 1 : 0) || (a.name || a.id).localeCompare(b.name || b.id));
    scale();
    // a row is drawn again only when its technician, its jobs or the
    // selection in it changed (same wrapper object: the row is kept)
    const next = new Map();
    const sel = store.selected;
    const items = techs.map((t) => {
        const jobs = held.get(t.id) || [];
        const sig = `${sel.tech === t.id}|${jobs.map((j) => `${j.job_id}:${j.state}:${j.version || ''}:${sel.job === j.job_id}`).join(',')}`;
        const old = wrappers.get(t.id);
        const w = old && old.t === t && old.sig === sig ? old : { t, sig };
        next.set(t.id, w);
        return w;
    });
    wrappers = next;
    list.set(items);
}

export function initTimeline() {
    list = new VList($('tl-body'), 30, row, (w) => w.t.id);
    onChange(redraw);
    setInterval(() => list.refresh(), 30000);   // the now-line moves
}
