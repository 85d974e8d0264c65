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

function row(t) {
    const track = el('div.tl-track');
    if (t.shift_start && t.shift_end) track.append(bar('shift', t.shift_start, t.shift_end, '', 'shift'));
    else if (t.in_shift) track.append(bar('shift', day0, day0 + DAY, '', 'on shift'));
    for (const w of t.windows || []) track.append(bar('window', w.start, w.end, '', `booked ${w.job_id || ''}`));
    for (const j of held.get(t.id) || []) {
        const from = j.window_start || Math.max(day0, j.created_at || Date.now());
        const to = j.window_end || j.arrive_by || j.fix_by || Date.now() + 3600000;
        const b = bar(`job.s-${j.state}`, from, Math.max(to, from + 900000), j.job_id,
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
    list.set(techs);
}

export function initTimeline() {
    list = new VList($('tl-body'), 30, row);
    onChange(redraw);
    setInterval(() => list.draw(), 30000);   // the now-line moves
}
