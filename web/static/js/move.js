// move.js — moving a job by drag and drop. The server checks the move
// first (check: true, nothing changes); a refused move names the rule it
// breaks, and only an override with a reason goes ahead. Undo for 5 s.

import { $ } from './util.js';
import { post, enc, ApiError } from './api.js';
import { store } from './store.js';

// ask({title, text, rule, reason, ok}) → Promise<{ok, reason}>: the one
// dialog of the console (a refusal, an override's reason, a confirmation).
export function ask({ title, text = '', rule = '', reason = false, ok = 'OK', choices = null }) {
    const dlg = $('dlg');
    $('dlg-title').textContent = title;
    $('dlg-text').textContent = text;
    $('dlg-rule').hidden = !rule;
    $('dlg-rule').textContent = rule ? `Rule: ${rule}` : '';
    $('dlg-reason-l').hidden = !reason;
    const input = $('dlg-reason');
    input.value = '';
    input.required = reason === true;
    const pick = $('dlg-choice');
    $('dlg-choice-l').hidden = !choices;
    pick.replaceChildren(...(choices || []).map(([v, t]) => new Option(t, v)));
    $('dlg-ok').textContent = ok;
    $('dlg-ok').hidden = !ok;
    dlg.returnValue = '';
    dlg.showModal();
    if (reason) input.focus();
    return new Promise((resolve) => {
        dlg.addEventListener('close', () => resolve({ ok: dlg.returnValue === 'ok', reason: input.value.trim(), choice: pick.value }), { once: true });
    });
}

// rules no override passes (when the server does not say overridable)
const HARD = new Set(['skill', 'warranty']);

let undoTimer = 0;
function toast(text, undo) {
    const t = $('toast');
    $('toast-text').textContent = text;
    const b = $('toast-undo');
    b.hidden = !undo;
    b.onclick = undo ? () => { t.hidden = true; undo(); } : null;
    t.hidden = false;
    clearTimeout(undoTimer);
    undoTimer = setTimeout(() => { t.hidden = true; b.onclick = null; }, undo ? 5000 : 3500);
}
export { toast };

function where(t) { return t.technician_id ? t.label || t.technician_id : `territory ${t.territory}`; }

async function send(jobId, target, extra) {
    const body = { reason: extra.reason || '', check: !!extra.check, override: !!extra.override };
    if (target.technician_id) body.technician_id = target.technician_id;
    else body.territory = target.territory;
    return post(`/api/jobs/${enc(jobId)}/move`, body);
}

// Moves jobId to target {technician_id | territory, label}: check, then
// move (or refuse, or override with a reason), then offer undo.
export async function moveJob(jobId, target) {
    const job = store.jobs.get(jobId);
    if (!job) return;
    if (target.technician_id && target.technician_id === job.technician_id) return;
    if (target.territory && target.territory === job.territory && !job.technician_id) return;
    const back = job.technician_id && job.state !== 'offered'
        ? { technician_id: job.technician_id, label: job.technician_name || job.technician_id }
        : { territory: job.territory };
    try {
        const c = await send(jobId, target, { check: true });
        let extra = { reason: 'moved in the console' };
        if (!c || c.ok === false) {
            // a soft rule (territory, offline, shift, declined, capacity,
            // window) may be overridden with a reason; skill and warranty not
            const soft = c?.overridable ?? !HARD.has(c?.rule);
            const a = await ask({
                title: `${jobId} cannot go to ${where(target)}`,
                text: `${c?.message || 'The server refused the move.'}${soft ? ' Override it with a reason, or close.' : ' This rule cannot be overridden.'}`,
                rule: c?.rule || c?.code || '', reason: soft, ok: soft ? 'Override' : '',
            });
            if (!a.ok) { toast(`${jobId} stays where it was`); return; }
            extra = { override: true, reason: a.reason };
        }
        await send(jobId, target, extra);
        toast(`${jobId} moved to ${where(target)}`, () => undo(jobId, back));
    } catch (e) {
        await ask({ title: `${jobId} was not moved`, text: e.message, rule: e instanceof ApiError ? e.code : '', ok: '' });
    }
}

async function undo(jobId, back) {
    try {
        await send(jobId, back, { reason: 'undo in the console' });
        toast(`${jobId} moved back to ${where(back)}`);
    } catch (e) {
        await ask({ title: `${jobId} could not be moved back`, text: e.message, rule: e.code || '', ok: '' });
    }
}

// Makes node accept dropped jobs; target() names where they go.
export function dropTarget(node, target) {
    node.addEventListener('dragover', (e) => {
        if (!e.dataTransfer.types.includes('text/x-fsd-job')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        node.classList.add('over');
    });
    node.addEventListener('dragleave', () => node.classList.remove('over'));
    node.addEventListener('drop', (e) => {
        node.classList.remove('over');
        const id = e.dataTransfer.getData('text/x-fsd-job');
        if (!id) return;
        e.preventDefault();
        const t = target(e);
        if (t) moveJob(id, t);
    });
}
