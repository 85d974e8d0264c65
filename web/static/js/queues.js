// queues.js — the board: one column per queue, most urgent job first.

import { el, countdown, span, STATE_LABEL } from './util.js';
import { store, onChange, queueOf, passes, select } from './store.js';
import { VList } from './vlist.js';

const QUEUES = [
    ['breached', 'Breached'], ['at_risk', 'At risk'], ['escalated', 'Escalated'], ['waiting', 'Waiting'],
    ['offered', 'Offered'], ['assigned', 'Assigned'], ['in_progress', 'In progress'],
];
const lists = new Map();
const counts = new Map();

// the holder's name, from the job or the technicians in view
function who(j) {
    if (!j.technician_id) return '';
    return ` · ${j.technician_name || store.techs.get(j.technician_id)?.name || j.technician_id}`;
}

function card(j) {
    const now = Date.now();
    const cd = countdown(j, now);
    const c = el(`div.card.q-${queueOf(j)}`, {
        draggable: 'true', tabindex: '0', 'data-job': j.job_id,
        title: `${j.job_id} · ${j.brand || ''} ${j.category || ''} · ${j.address || ''}`,
    },
    el('div.line1', {},
        el('b.id', { text: j.job_id }),
        el(`span.sla.${cd.cls}`, { text: cd.text, 'data-sla': '1' })),
    el('div.line2', {},
        j.priority === 'high' ? el('span.badge.high', { text: 'high' }) : null,
        j.tier && j.tier !== 'standard' ? el('span.badge.tier', { text: j.tier }) : null,
        el(`span.badge.w-${j.warranty || 'none'}`, { text: (j.warranty || 'no warranty').replace('_', ' ') }),
        el('span.age', { text: span(now - (j.created_at || now)), title: 'age' })),
    el('div.line3', {},
        el('span', { text: `${j.territory || ''} · ${j.brand || ''} ${(j.category || '').replace(/_/g, ' ')}` }),
        el('span.muted', { text: `${STATE_LABEL[j.state] || j.state}${who(j)}` })));
    if (store.selected.job === j.job_id) c.classList.add('sel');
    c.addEventListener('click', () => select('job', j.job_id));
    c.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select('job', j.job_id); } });
    c.addEventListener('dragstart', (e) => {
        e.dataTransfer.setData('text/x-fsd-job', j.job_id);
        e.dataTransfer.effectAllowed = 'move';
        document.body.classList.add('dragging');
    });
    c.addEventListener('dragend', () => document.body.classList.remove('dragging'));
    return c;
}

function byUrgency(a, b) {
    return (a.sla_next_at || a.assign_by || 9e15) - (b.sla_next_at || b.assign_by || 9e15)
        || (a.created_at || 0) - (b.created_at || 0);
}

export function redraw() {
    const groups = new Map(QUEUES.map(([k]) => [k, []]));
    for (const j of store.jobs.values()) if (passes(j)) groups.get(queueOf(j)).push(j);
    for (const [k, items] of groups) {
        items.sort(byUrgency);
        counts.get(k).textContent = String(items.length);
        lists.get(k).set(items);
    }
}

export function initQueues(host) {
    for (const [k, label] of QUEUES) {
        const n = el('span.count');
        const body = el('div.qbody', { 'data-queue': k });
        host.append(el(`div.queue.q-${k}`, {}, el('h3', {}, label, ' ', n), body));
        counts.set(k, n);
        lists.set(k, new VList(body, 76, card, (j) => j.job_id));
    }
    // Sorting 50,000 jobs takes a few tens of ms: live changes redraw the
    // board at most 4 times a second; a selection or a filter at once.
    let last = 0;
    let timer = 0;
    onChange((what) => {
        if (what.size === 1 && what.has('tech')) return;   // positions and loads: no card changes
        if (what.has('select') || what.has('filters') || what.has('snapshot') || Date.now() - last > 250) {
            clearTimeout(timer);
            timer = 0;
            last = Date.now();
            redraw();
        } else if (!timer) {
            timer = setTimeout(() => { timer = 0; last = Date.now(); redraw(); }, 250 - (Date.now() - last));
        }
        if (what.has('select')) for (const l of lists.values()) l.refresh();
    });
    // the countdowns tick every second; only the visible rows are touched
    setInterval(() => {
        const now = Date.now();
        for (const node of host.querySelectorAll('.card')) {
            const j = store.jobs.get(node.dataset.job);
            if (!j) continue;
            const s = node.querySelector('[data-sla]');
            const cd = countdown(j, now);
            s.textContent = cd.text;
            s.className = `sla ${cd.cls}`;
        }
    }, 1000);
}
