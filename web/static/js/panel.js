// panel.js — the selected job: details, history, and the explanation of
// where it went ("why not her?"): eligible candidates first, then by score.

import { el, $, clear, dateTimeIn, span, STATE_LABEL } from './util.js';
import { get, post, enc } from './api.js';
import { store, onChange, select } from './store.js';
import { moveJob, ask, toast } from './move.js';

let shown = '';
let seq = 0;

function dl(rows) {
    return el('dl.facts', {}, rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
}

export function orderCandidates(cs) {
    return [...(cs || [])].sort((a, b) => (a.failed ? 1 : 0) - (b.failed ? 1 : 0) || (a.score || 0) - (b.score || 0));
}

function explainView(job, x) {
    const rows = orderCandidates(x.candidates).map((c) => el(`tr${c.failed ? '.no' : '.yes'}${c.chosen ? '.chosen' : ''}`, {},
        el('td', {}, el('b', { text: c.name || c.technician_id }), el('small', { text: ` ${c.technician_id}${c.neighbour ? ' · neighbour' : ''}` })),
        el('td', { text: c.provider_id || '' }),
        el('td', { text: c.failed ? c.failed.replace(/_/g, ' ') : (c.chosen ? 'chosen' : `score ${(c.score || 0).toFixed(2)}`), title: c.detail || '' }),
        el('td.num', { text: c.distance_km ? `${c.distance_km.toFixed(1)} km` : '' }),
        el('td.num', { text: `${c.load || 0}/${c.capacity || 0}` }),
        el('td', {}, c.failed || c.technician_id === job.technician_id ? null
            : el('button.small', { text: 'Assign', onclick: () => moveJob(job.job_id, { technician_id: c.technician_id, label: c.name }) }))));
    const excl = (x.excluded_by_rule || []).map((r) => `${r.name.replace(/_/g, ' ')} ${r.value}`).join(' · ');
    return el('section', {},
        el('h4', { text: `Why: ${x.outcome || 'not matched yet'}` }),
        el('p.muted', { text: `${x.considered || 0} technicians considered${excl ? ' — excluded: ' + excl : ''}` }),
        el('table.cands', {}, el('thead', {}, el('tr', {}, ['Technician', 'Provider', 'Rule / score', 'Distance', 'Load', ''].map((h) => el('th', { text: h })))),
            el('tbody', {}, rows)));
}

async function show(id) {
    const panel = $('panel');
    const mine = ++seq;
    let job;
    let x = null;
    try {
        [job, x] = await Promise.all([get(`/api/jobs/${enc(id)}`), get(`/api/jobs/${enc(id)}/explain`).catch(() => null)]);
    } catch (e) {
        clear(panel).append(el('p.error', { text: `${id}: ${e.message}` }));
        return;
    }
    if (mine !== seq) return;
    const tz = store.tz.get(job.territory) || 'UTC';
    const t = (ms) => (ms ? dateTimeIn(tz, ms) : '');
    const history = (job.events || job.history || []).map((h) => el('li', {},
        el('time', { text: t(h.at) }), ' ', el('b', { text: h.actor || 'system' }), ' ',
        `${STATE_LABEL[h.from] || h.from || ''} → ${STATE_LABEL[h.to] || h.to || ''}`,
        h.technician_id ? ` (${h.technician_id})` : '', h.reason ? el('div.muted', { text: h.reason }) : null));
    clear(panel).append(
        el('div.ph', {},
            el('h2', { text: job.job_id }), el(`span.state.s-${job.state}`, { text: STATE_LABEL[job.state] || job.state }),
            el('button.quiet.close', { text: '×', title: 'Close', onclick: () => select('job', job.job_id) })),
        dl([
            ['Customer', job.customer_name], ['Phone', job.phone], ['Address', job.address],
            ['Appliance', [job.brand, job.model, (job.category || '').replace('_', ' ')].filter(Boolean).join(' ')],
            ['Serial', job.serial], ['Problem', job.problem], ['Territory', `${job.territory} (${tz})`],
            ['Priority', job.priority || 'normal'], ['Tier', job.tier], ['Warranty', (job.warranty || '').replace('_', ' ')],
            ['SLA', job.sla_policy ? `${job.sla_policy}, ${job.sla_clock || ''}` : ''],
            ['Next deadline', job.sla_next ? `${job.sla_next} ${t(job.sla_next_at)}` : ''],
            ['Breached', (job.breached || []).join(', ')],
            ['Window', job.window_local ? `${job.window_local} ${job.window_booked ? '(booked)' : '(asked)'}` : ''],
            ['Technician', job.technician_id ? `${job.technician_name || store.techs.get(job.technician_id)?.name || ''} (${job.technician_id})` : ''],
            ['Created', `${t(job.created_at)} (${span(Date.now() - job.created_at)} ago)`],
        ]),
        el('div.actions', {},
            el('button.quiet', { text: 'Cancel job…', onclick: () => cancel(job.job_id) })),
        x ? explainView(job, x) : null,
        el('h4', { text: 'History' }), el('ol.history', {}, history));
}

async function cancel(id) {
    const a = await ask({ title: `Cancel ${id}?`, text: 'The customer is told.', reason: true, ok: 'Cancel job' });
    if (!a.ok) return;
    try { await post(`/api/jobs/${enc(id)}/cancel`, { reason: a.reason }); toast(`${id} cancelled`); } catch (e) { toast(`${id}: ${e.message}`); }
}

let again = 0;
export function initPanel() {
    onChange((what) => {
        const id = store.selected.job;
        if (!id) {
            if (shown) { shown = ''; clear($('panel')).append(el('p.hint', { text: 'Select a job to see its details, history and why it went where it went.' })); }
            return;
        }
        if (id !== shown) { shown = id; show(id); return; }
        // the shown job changed: fetch it again, at most every 1 s
        if (what.has('job') && !again) again = setTimeout(() => { again = 0; if (shown) show(shown); }, 1000);
    });
}
