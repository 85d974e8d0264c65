// store.js — the jobs and technicians the console shows, kept live from
// /api/events (a snapshot, then one event per change; resync reloads).

import { OPEN_STATES } from './util.js';

export const store = {
    jobs: new Map(),        // job_id → the board's card of a job (open jobs in scope; the panel fetches the whole JobView)
    techs: new Map(),       // technician id → TechnicianView
    territories: null,      // GeoJSON FeatureCollection
    tz: new Map(),          // territory id → IANA zone
    selected: { job: '', tech: '' },
    filters: { territory: '', skill: '', state: '', priority: '' },
    me: null,
};

const listeners = new Set();
let pending = null;
// Calls fn(what) after changes, at most once per animation frame, so a
// burst of events redraws once.
export function onChange(fn) { listeners.add(fn); }
export function changed(what = 'data') {
    if (pending) { pending.add(what); return; }
    pending = new Set([what]);
    requestAnimationFrame(() => {
        const w = pending;
        pending = null;
        for (const fn of listeners) fn(w);
    });
}

export function select(kind, id) {
    store.selected[kind] = store.selected[kind] === id ? '' : id;
    changed('select');
}

// The queue a job is shown in: one queue per job, the most pressing first.
export function queueOf(j) {
    if (j.overdue) return 'breached';
    if (j.at_risk) return 'at_risk';
    switch (j.state) {
    case 'escalated': return 'escalated';
    case 'new': return 'waiting';
    case 'offered': return 'offered';
    case 'assigned': return 'assigned';
    default: return 'in_progress';
    }
}

export function passes(j) {
    const f = store.filters;
    if (f.territory && j.territory !== f.territory) return false;
    if (f.skill && j.category !== f.skill) return false;
    if (f.state && j.state !== f.state) return false;
    if (f.priority && (j.priority || 'normal') !== f.priority) return false;
    return true;
}

export function techPasses(t) {
    const f = store.filters;
    if (f.territory && !(t.territories || []).includes(f.territory)) return false;
    if (f.skill && !(t.skills || []).includes(f.skill)) return false;
    return true;
}

function putJob(j) {
    if (!j || !j.job_id) return;
    if (OPEN_STATES.has(j.state)) {
        const old = store.jobs.get(j.job_id);
        if (!old || !j.version || !old.version || j.version >= old.version) store.jobs.set(j.job_id, j);
    } else {
        store.jobs.delete(j.job_id);
    }
}

// Live updates. status(text, ok) reports the connection; expired() is
// called when the session is gone.
let source = null;
export function connect(status, expired) {
    if (source) source.close();
    const t = store.filters.territory;
    source = new EventSource('/api/events' + (t ? `?territory=${encodeURIComponent(t)}` : ''));
    source.addEventListener('snapshot', (e) => {
        const s = JSON.parse(e.data);
        store.jobs.clear();
        store.techs.clear();
        for (const j of s.jobs || []) putJob(j);
        for (const tv of s.technicians || []) store.techs.set(tv.id, tv);
        window.fsdSnapshotAt = performance.now();
        status('live', true);
        changed('snapshot');
    });
    source.addEventListener('job', (e) => { putJob(JSON.parse(e.data).job); changed('job'); });
    source.addEventListener('tech', (e) => {
        const tv = JSON.parse(e.data).technician;
        if (tv && tv.id) store.techs.set(tv.id, tv);
        changed('tech');
    });
    source.addEventListener('resync', () => { status('resync', false); connect(status, expired); });
    source.onopen = () => status('live', true);
    source.onerror = async () => {
        status('reconnecting', false);
        try {
            const r = await fetch('/api/me', { credentials: 'same-origin' });
            if (r.status === 401) { disconnect(); expired(); }
        } catch { /* the server is away; EventSource retries by itself */ }
    };
}
export function disconnect() { if (source) source.close(); source = null; }
