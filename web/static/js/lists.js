// lists.js — offers to the user's company, follow-ups and approvals, and
// the escalations list: plain tables, refreshed when opened and every 30 s.

import { el, $, clear, span, dateTimeIn, STATE_LABEL } from './util.js';
import { get, post, enc } from './api.js';
import { store, select, onChange } from './store.js';
import { ask, toast } from './move.js';

const itemsOf = (d, ...keys) => (Array.isArray(d) ? d : keys.map((k) => d?.[k]).find(Array.isArray) || []);
const DECLINE = [['too_far', 'too far'], ['no_parts', 'no parts'], ['not_my_skill', 'not our skill'], ['off_shift', 'no one on shift'], ['other', 'other']];
const tzOf = (terr) => store.tz.get(terr) || 'UTC';

async function act(what, fn) {
    try { await fn(); toast(what); } catch (e) { toast(`${what} failed: ${e.message}`); }
    refreshAll();
}

function table(head, rows, empty) {
    if (!rows.length) return el('p.muted', { text: empty });
    return el('table.list', {}, el('thead', {}, el('tr', {}, head.map((h) => el('th', { text: h })))), el('tbody', {}, rows));
}

async function offers() {
    let d;
    try { d = await get('/api/offers'); } catch (e) { return [0, el('p.muted', { text: e.status === 403 || e.status === 404 ? 'Your company receives no offers as a company.' : e.message })]; }
    const mine = [...store.techs.values()].filter((t) => !store.me?.provider || t.provider_id === store.me.provider);
    const rows = itemsOf(d, 'offers', 'items', 'jobs').map((it) => {
        const j = it.job || it;
        const pick = el('select', {}, el('option', { value: '', text: 'technician…' }),
            mine.map((t) => el('option', { value: t.id, text: `${t.name || t.id} (${t.load || 0}/${t.capacity || 0})` })));
        const accepted = j.company_accepted || j.state === 'assigned';
        const expires = it.expires_at || j.offer_expires_at;
        return el('tr', {},
            el('td', {}, el('a', { href: '#', text: j.job_id, onclick: (e) => { e.preventDefault(); select('job', j.job_id); } })),
            el('td', { text: `${j.brand || ''} ${(j.category || '').replace('_', ' ')}` }),
            el('td', { text: j.territory || '' }), el('td', { text: j.address || '' }),
            el('td', { text: expires ? `${span(expires - Date.now())} left` : '' }),
            el('td.acts', {},
                accepted ? null : el('button.small', { text: 'Accept', onclick: () => act(`${j.job_id} accepted`, () => post(`/api/offers/${enc(j.job_id)}/accept`)) }),
                accepted ? null : el('button.small.quiet', { text: 'Decline…', onclick: async () => {
                    const a = await ask({ title: `Decline ${j.job_id}?`, text: 'The job goes back to matching without your company.', choices: DECLINE, reason: 'optional', ok: 'Decline' });
                    if (a.ok) act(`${j.job_id} declined`, () => post(`/api/offers/${enc(j.job_id)}/decline`, { reason: a.choice, note: a.reason }));
                } }),
                pick,
                el('button.small', { text: 'Assign', onclick: () => pick.value && act(`${j.job_id} assigned to ${pick.value}`, () => post(`/api/jobs/${enc(j.job_id)}/assign`, { technician_id: pick.value })) })));
    });
    return [rows.length, table(['Job', 'Appliance', 'Territory', 'Address', 'Offer', ''], rows, 'No offers waiting.')];
}

function decide(body, what) { return act(what, () => post(`/api/followups/${enc(body.follow_up_id || body.job_id)}/decision`, body)); }

async function followups() {
    let d;
    try { d = await get('/api/followups'); } catch (e) { return [0, el('p.muted', { text: e.message })]; }
    const rows = itemsOf(d, 'items').map((f) => el('tr', {},
        el('td', { text: f.id }),
        el('td', {}, el('a', { href: '#', text: f.job_id, onclick: (e) => { e.preventDefault(); select('job', f.job_id); } })),
        el('td', { text: f.customer_name || '' }), el('td', { text: (f.kind || '').replace('_', ' ') }),
        el('td', { text: f.cause || '' }), el('td', { text: f.opened_at ? dateTimeIn(tzOf(f.territory), f.opened_at) : '' }),
        el('td.acts', {},
            el('button.small', { text: 'Close…', onclick: async () => {
                const a = await ask({ title: `Close ${f.id}`, text: 'What came of it?', reason: true, ok: 'Close' });
                if (a.ok) decide({ action: 'close_follow_up', follow_up_id: f.id, outcome: a.reason }, `${f.id} closed`);
            } }),
            el('button.small.quiet', { text: 'Return visit', onclick: () => decide({ action: 'return_visit', follow_up_id: f.id }, `return visit booked for ${f.id}`) }))));
    // fee waivers above the technician's limit wait for a dispatcher
    const waivers = [];
    for (const j of store.jobs.values()) {
        for (const w of j.waivers || []) {
            if (w.state !== 'pending') continue;
            waivers.push(el('tr', {},
                el('td', { text: j.job_id }), el('td', { text: `${((w.amount_cents || 0) / 100).toFixed(2)} ${w.currency || ''}` }),
                el('td', { text: w.technician_id || '' }), el('td', { text: w.reason || '' }),
                el('td.acts', {},
                    el('button.small', { text: 'Approve', onclick: () => decide({ action: 'approve_waiver', job_id: j.job_id }, `waiver on ${j.job_id} approved`) }),
                    el('button.small.quiet', { text: 'Reject…', onclick: async () => {
                        const a = await ask({ title: `Reject the waiver on ${j.job_id}?`, reason: true, ok: 'Reject' });
                        if (a.ok) decide({ action: 'reject_waiver', job_id: j.job_id, reason: a.reason }, `waiver on ${j.job_id} rejected`);
                    } }))));
        }
    }
    return [rows.length + waivers.length, el('div', {},
        table(['Follow-up', 'Job', 'Customer', 'Kind', 'Cause', 'Opened', ''], rows, 'No open follow-ups.'),
        el('h3', { text: 'Fee waivers to approve' }),
        table(['Job', 'Amount', 'Technician', 'Reason', ''], waivers, 'None pending.'))];
}

async function escalations() {
    let d;
    try { d = await get('/api/escalations'); } catch (e) { return [0, el('p.muted', { text: e.message })]; }
    const rows = itemsOf(d, 'items').map((x) => {
        const j = x.job || {};
        const left = x.seconds_left || 0;
        return el(`tr.e-${x.status}`, {},
            el('td', {}, el('a', { href: '#', text: j.job_id, onclick: (e) => { e.preventDefault(); select('job', j.job_id); } })),
            el('td', {}, el(`span.badge.e-${x.status}`, { text: (x.status || '').replace('_', ' ') })),
            el('td', { text: x.deadline || '' }),
            el('td', { text: x.deadline ? (left < 0 ? `${span(left * 1000)} late` : `in ${span(left * 1000)}`) : '' }),
            el('td', { text: j.priority || 'normal' }), el('td', { text: j.tier || '' }),
            el('td', { text: j.territory || '' }), el('td', { text: STATE_LABEL[j.state] || j.state || '' }),
            el('td', { text: j.customer_name || '' }));
    });
    return [d?.total ?? rows.length, table(['Job', 'Status', 'Deadline', 'When', 'Priority', 'Tier', 'Territory', 'State', 'Customer'], rows, 'Nothing is escalated, at risk or breached.')];
}

const VIEWS = { offers, followups, escalations };
export async function refresh(name) {
    const [n, node] = await VIEWS[name]();
    $(`n-${name}`).textContent = n ? String(n) : '';
    clear($(name)).append(node);
}
export function refreshAll() { for (const k of Object.keys(VIEWS)) refresh(k); }
export function initLists() {
    refreshAll();
    setInterval(refreshAll, 30000);
    // the offers' technician lists come from the snapshot: draw them again
    // when it arrives (after a login or a resync), not 30 s later
    onChange((what) => { if (what.has('snapshot')) refresh('offers'); });
}
