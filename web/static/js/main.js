// main.js — the console's start: login, the session, filters kept per
// user, tabs, and the parts of the screen (queues, timeline, map, panel).

import { el, $ } from './util.js';
import { get, post, put, setCsrf, whenExpired } from './api.js';
import { store, changed, onChange, connect, disconnect } from './store.js';
import { initQueues } from './queues.js';
import { initTimeline } from './timeline.js';
import { initMap } from './map.js';
import { initPanel } from './panel.js';
import { initLists, refresh } from './lists.js';
import { initReport } from './report.js';

const FILTERS = ['territory', 'skill', 'state', 'priority'];
let started = false;
let showReport = null;

function showLogin(note) {
    disconnect();
    $('app').hidden = true;
    $('login').hidden = false;
    $('login-note').hidden = !note;
    $('login-note').textContent = note || '';
    $('login-password').value = '';
    $('login-user').focus();
}

function live(text, ok) {
    const l = $('live');
    l.textContent = text;
    l.classList.toggle('ok', ok);
}

function option(sel, value, text) {
    if ([...sel.options].some((o) => o.value === value)) return;
    sel.append(el('option', { value, text }));
}

// skills (and territories, when the map's list is missing) come from the
// technicians and jobs in view; one pass, then only the new options
function fillSkills() {
    const skills = new Set();
    const areas = new Set();
    for (const t of store.techs.values()) for (const s of t.skills || []) skills.add(s);
    for (const j of store.jobs.values()) {
        if (j.category) skills.add(j.category);
        if (j.territory) areas.add(j.territory);
    }
    for (const a of [...areas].sort()) option($('f-territory'), a, a);
    $('f-territory').value = store.filters.territory;
    const sel = $('f-skill');
    for (const s of [...skills].sort()) option(sel, s, s.replace(/_/g, ' '));
    sel.value = store.filters.skill;
}

function tab(name) {
    for (const b of $('tabs').querySelectorAll('button')) b.classList.toggle('on', b.dataset.tab === name);
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
    if (name === 'report') showReport();
    else if (name !== 'dispatch') refresh(name);
    else window.dispatchEvent(new Event('resize'));
}

async function start(me) {
    setCsrf(me.csrf);
    store.me = me;
    Object.assign(store.filters, Object.fromEntries(FILTERS.map((k) => [k, me.prefs?.[k] || ''])));
    $('me').textContent = `${me.user} · ${me.role}${me.provider ? ' · ' + me.provider : ''}`;
    $('login').hidden = true;
    $('app').hidden = false;
    if (!started) {
        started = true;
        // the queues first: the live stream opens while the territories load
        initQueues($('board'));
        initTimeline();
        initPanel();
        showReport = initReport();
        for (const k of FILTERS) $(`f-${k}`).value = store.filters[k];
        connect(live, () => showLogin('Your session expired. Please log in again.'));
        // without the territories the map is empty, but the rest works
        store.territories = await get('/api/territories').catch(() => ({ type: 'FeatureCollection', features: [] }));
        for (const f of store.territories.features || []) {
            store.tz.set(f.properties.id, f.properties.tz || 'UTC');
            option($('f-territory'), f.properties.id, f.properties.name || f.properties.id);
        }
        $('f-territory').value = store.filters.territory;
        initMap($('map'));
        changed('filters');
        // the side lists ask fsd-server too: after the first screen
        setTimeout(initLists, 1500);
        return;
    }
    for (const k of FILTERS) $(`f-${k}`).value = store.filters[k];
    connect(live, () => showLogin('Your session expired. Please log in again.'));
}

async function boot() {
    whenExpired(() => showLogin('Your session expired. Please log in again.'));
    $('login-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        $('login-error').hidden = true;
        try {
            const me = await post('/api/login', { user: $('login-user').value.trim(), password: $('login-password').value });
            const full = await get('/api/me').catch(() => me);
            await start({ ...me, ...full, csrf: me.csrf || full.csrf });
        } catch (err) {
            $('login-error').textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
            $('login-error').hidden = false;
        }
    });
    $('logout').addEventListener('click', async () => {
        try { await post('/api/logout'); } catch { /* gone already */ }
        showLogin('You are logged out.');
    });
    $('tabs').addEventListener('click', (e) => { const b = e.target.closest('button'); if (b) tab(b.dataset.tab); });
    $('filters').addEventListener('change', () => {
        const before = store.filters.territory;
        for (const k of FILTERS) store.filters[k] = $(`f-${k}`).value;
        put('/api/prefs', { ...store.filters }).catch(() => {});
        if (store.filters.territory !== before) connect(live, () => showLogin('Your session expired. Please log in again.'));
        changed('filters');
    });
    let first = true;
    onChange((what) => {
        if (what.has('snapshot')) {
            fillSkills();
            // time to first screen: the queues are drawn in this frame
            if (first) { first = false; requestAnimationFrame(() => { document.body.dataset.ready = String(Math.round(performance.now())); }); }
        }
        if (what.has('select') && store.selected.job && $('view-dispatch').hidden) tab('dispatch');
    });
    try {
        await start(await get('/api/me'));
    } catch {
        showLogin('');
    }
}

boot();
