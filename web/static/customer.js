// customer.js — the customer's page of one job (/c/TOKEN): where the
// visit stands, live; cancel before the visit, rate after it.

const token = decodeURIComponent(location.pathname.split('/')[2] || '');
const api = `/api/c/${encodeURIComponent(token)}`;
const $ = (id) => document.getElementById(id);
const STEPS = [
    ['new', 'Request received'], ['assigned', 'Technician booked'], ['en_route', 'Technician on the way'],
    ['on_site', 'Technician at your door'], ['completed', 'Repair done'],
];
const HEADLINE = {
    new: 'We received your request', offered: 'We are finding a technician', escalated: 'We are finding a technician',
    assigned: 'Your visit is booked', en_route: 'Your technician is on the way', on_site: 'Your technician is with you',
    on_hold: 'Your repair is paused', completed: 'Your repair is done', closed: 'Your repair is done',
    cancelled: 'This visit was cancelled',
};
const RANK = { new: 0, offered: 0, escalated: 0, assigned: 1, en_route: 2, on_site: 3, on_hold: 3, completed: 4, closed: 4 };
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let stars = 0;
let rated = false;

function text(id, t) { $(id).textContent = t || ''; }
function message(t) { $('msg').hidden = !t; text('msg', t); }

// The time to expect the technician: an ETA while one is known, else the
// booked window (in the place's own time when the server gives it), else
// the promised arrival.
function when(v) {
    if (v.state === 'cancelled' || RANK[v.state] >= 3) return '';
    if (v.eta && (v.state === 'en_route' || v.state === 'assigned')) return `Expected at about ${clock.format(v.eta)}`;
    if (v.window_local) return `Booked: ${v.window_local}`;
    if (v.window_start && v.window_end) return `${day.format(v.window_start)}, between ${clock.format(v.window_start)} and ${clock.format(v.window_end)} (${zone})`;
    if (v.arrive_by) return `At your door by ${day.format(v.arrive_by)}, ${clock.format(v.arrive_by)}`;
    return '';
}

function render(v) {
    text('headline', HEADLINE[v.state] || v.state);
    const who = v.technician_first_name ? `Your technician: ${v.technician_first_name}` : '';
    text('sub', [who, when(v)].filter(Boolean).join(' · '));
    text('appliance', v.appliance ? `${v.appliance}${v.rating ? ` · you rated ${'★'.repeat(v.rating)}` : ''}` : '');
    $('status').className = `status s-${v.state}`;
    text('provider', v.provider_name || '');
    text('title', `Repair visit ${v.job_id || ''}`);

    const at = new Map((v.timeline || []).map((t) => [t.state, t.at]));
    const rank = RANK[v.state] ?? -1;
    $('steps').replaceChildren(...(v.state === 'cancelled' ? [['cancelled', 'Visit cancelled']] : STEPS).map(([s, label], i) => {
        const li = document.createElement('li');
        li.className = v.state === 'cancelled' || i < rank ? 'done' : i === rank ? 'now' : '';
        const b = document.createElement('b');
        b.textContent = label;
        const t = document.createElement('time');
        t.textContent = at.get(s) ? clock.format(at.get(s)) : '';
        li.append(b, t);
        return li;
    }));
    $('steps-card').hidden = false;

    const c = $('contact');
    c.replaceChildren();
    if (v.provider_name || v.provider_phone) {
        c.append(document.createTextNode(`${v.provider_name || 'Your service provider'}: `));
        // the contact may be a number (a link to call) or words
        if (v.provider_phone && /^[+0-9 ()/-]{5,}$/.test(v.provider_phone)) {
            const a = document.createElement('a');
            a.href = `tel:${v.provider_phone.replace(/[^+0-9]/g, '')}`;
            a.textContent = v.provider_phone;
            c.append(a);
        } else if (v.provider_phone) {
            c.append(document.createTextNode(v.provider_phone));
        }
        $('contact-card').hidden = false;
    }
    $('cancel-card').hidden = !v.can_cancel;
    $('rate-card').hidden = !v.can_rate || rated;
}

async function load() {
    const r = await fetch(api, { credentials: 'omit' });
    if (r.status === 404) {
        text('headline', 'This link is no longer valid');
        text('sub', 'Links stop working some days after the visit. Please call your service provider.');
        return false;
    }
    if (!r.ok) { text('headline', 'Something went wrong; please reload the page'); return false; }
    render(await r.json());
    return true;
}

async function send(path, body) {
    const r = await fetch(`${api}/${path}`, {
        method: 'POST', credentials: 'omit',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'fsd' },
        body: JSON.stringify(body),
    });
    let d = null;
    try { d = await r.json(); } catch { /* plain text */ }
    if (!r.ok) throw new Error(d?.error?.message || `Not sent (${r.status})`);
    if (d && d.state) render(d);
    return d;
}

function setupStars() {
    const host = $('stars');
    for (let i = 1; i <= 5; i++) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = '★';
        b.setAttribute('role', 'radio');
        b.setAttribute('aria-label', `${i} star${i > 1 ? 's' : ''}`);
        b.dataset.stars = String(i);
        b.addEventListener('click', () => {
            stars = i;
            for (const s of host.children) s.classList.toggle('on', +s.dataset.stars <= i);
            for (const s of host.children) s.setAttribute('aria-checked', String(+s.dataset.stars === i));
            $('rate-send').disabled = false;
        });
        host.append(b);
    }
}

async function main() {
    setupStars();
    $('rate-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
            await send('rate', { stars, comment: $('comment').value.trim() });
            rated = true;
            $('rate-card').hidden = true;
            message('Thank you for your rating.');
        } catch (err) { message(err.message); }
    });
    $('cancel-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
            await send('cancel', { reason: $('cancel-reason').value.trim() });
            message('Your visit is cancelled.');
            await load();
        } catch (err) { message(err.message); }
    });
    if (!(await load())) return;
    const es = new EventSource(`${api}/events`);
    es.addEventListener('update', (e) => render(JSON.parse(e.data)));
}

main();
