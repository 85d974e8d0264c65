// util.js — small DOM and time helpers. Text always goes in as text.

// el('div.card', {title: 'x'}, child, 'text', ...): an element with classes,
// attributes and children; strings become text nodes, never HTML.
export function el(spec, attrs, ...kids) {
    const [tag, ...classes] = spec.split('.');
    const e = document.createElement(tag || 'div');
    if (classes.length) e.className = classes.join(' ');
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat(Infinity)) {
        if (k === null || k === undefined || k === false) continue;
        e.append(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(String(k)) : k);
    }
    return e;
}

export const $ = (id) => document.getElementById(id);
export function clear(node) { node.replaceChildren(); return node; }

// "12m", "3h 05m", "2d 4h": a span of milliseconds for people.
export function span(ms) {
    const s = Math.floor(Math.abs(ms) / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
}

// The SLA countdown of a job: {text, cls}. Past the deadline it counts up.
export function countdown(job, now) {
    const at = job.sla_next_at || job.assign_by || 0;
    if (!at) return { text: '', cls: '' };
    const left = at - now;
    const what = job.sla_next || 'due';
    if (left < 0) return { text: `${what} ${span(left)} late`, cls: 'late' };
    return { text: `${what} in ${span(left)}`, cls: job.at_risk ? 'risk' : 'ok' };
}

const fmtCache = new Map();
// A formatter of hours and minutes in a time zone (cached per zone).
export function clockIn(tz) {
    if (!fmtCache.has(tz)) {
        fmtCache.set(tz, new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }));
    }
    return fmtCache.get(tz);
}
export function dateTimeIn(tz, ms) {
    return new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}
// "CET (UTC+01:00)": the zone's short name and offset now.
export function zoneLabel(tz, ms = Date.now()) {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, timeZoneName: 'short' }).formatToParts(ms);
    const short = parts.find((p) => p.type === 'timeZoneName')?.value || '';
    const off = new Intl.DateTimeFormat('en-GB', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(ms)
        .find((p) => p.type === 'timeZoneName')?.value || '';
    return `${tz} · ${short}${off && off !== short ? ` (${off.replace('GMT', 'UTC')})` : ''}`;
}
// Midnight of today in a zone, as epoch ms.
export function midnightIn(tz, ms = Date.now()) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(ms).map((x) => [x.type, x.value]));
    const sinceMidnight = ((+p.hour * 60 + +p.minute) * 60 + +p.second) * 1000 + (ms % 1000);
    return ms - sinceMidnight;
}

export const STATE_LABEL = {
    new: 'waiting', offered: 'offered', assigned: 'assigned', en_route: 'en route', on_site: 'on site',
    on_hold: 'on hold', completed: 'completed', closed: 'closed', escalated: 'escalated', cancelled: 'cancelled',
};
export const OPEN_STATES = new Set(['new', 'offered', 'assigned', 'en_route', 'on_site', 'on_hold', 'escalated']);
