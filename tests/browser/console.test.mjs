// console.test.mjs — the console and the customer page in Debian's chromium,
// driven by Playwright, against the real fsd-web, fsd-server, fsdctl and
// fsd-agent that tests/integration/t_browser.sh started. Each case prints
// "ok NAME" or "FAIL NAME: why"; the exit status is the number of failures.
//
// Environment (from t_browser.sh): WEB (fsd-web's address), WEB_SHORT (a
// second fsd-web whose sessions idle out in seconds), BIN, FSD_HOME, and the
// web users erika (all territories) and pia (pankow only), password in PASSWORD.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';

const { WEB, WEB_SHORT, BIN, FSD_HOME, PASSWORD } = process.env;
const MITTE = ['52.5358', '13.3813'];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---- the real programs

function fsdctl(key, ...args) {
    const out = execFileSync(`${BIN}/fsdctl`, [...args, '--json'], {
        env: { ...process.env, FSD_KEY: `${FSD_HOME}/keys/${key}.key` }, encoding: 'utf8',
    });
    return JSON.parse(out);
}
const agent = (id, ...args) => execFileSync(`${BIN}/fsd-agent`, ['--home', `agents/${id}`, ...args], { encoding: 'utf8' });
const track = (job) => fsdctl('dana', 'track', job);
function request(brand, category, phone = '+49 30 5550000', at = MITTE) {
    const r = fsdctl('desk', 'request', '--name', 'Test Customer', '--phone', phone, '--address', 'Teststraße 1, Berlin',
        '--lat', at[0], '--lon', at[1], '--brand', brand, '--category', category, '--problem', 'it is broken');
    if (!r.job_id) throw new Error(`request refused: ${JSON.stringify(r)}`);
    return r.job_id;
}
async function until(what, fn, ms = 8000) {
    const end = Date.now() + ms;
    let last;
    while (Date.now() < end) {
        try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what}: waited ${ms} ms (last: ${JSON.stringify(last)})`);
}
// the technician whose agent shows an offer of job (A1 or A2 in this test)
async function offeredTo(job) {
    return until(`an offer of ${job}`, () => {
        const t = track(job);
        return t.state === 'offered' && t.technician_id ? t.technician_id : '';
    });
}

// ---- the browser

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
async function page(base = WEB) {
    const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1600, height: 950 } });
    ctx.setDefaultTimeout(8000);
    const p = await ctx.newPage();
    p.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    return p;
}
async function login(p, user, password = PASSWORD) {
    await p.goto('/');
    await p.fill('#login-user', user);
    await p.fill('#login-password', password);
    await p.click('#login-form button[type=submit]');
}
async function loggedIn(p, user) {
    await login(p, user);
    await p.waitForSelector('#app:not([hidden])');
    await p.waitForSelector('#live.ok');
}
const card = (job) => `.card[data-job="${job}"]`;
const row = (tech) => `.tl-row[data-tech="${tech}"]`;

let failed = 0;
async function test(name, fn) {
    const t0 = Date.now();
    try {
        await fn();
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
        // a dialog left open would block the next case's clicks
        if (await dana.isVisible('#dlg').catch(() => false)) {
            console.log(`  dialog: ${(await dana.textContent('#dlg-form')).replace(/\s+/g, ' ')}`);
            await dana.keyboard.press('Escape').catch(() => {});
        }
    }
}
const expect = (what, got, want) => { if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); };

// ---- the cases

const dana = await page();   // erika's console (the dispatcher's page)

await test('a wrong password is refused, and says so', async () => {
    await login(dana, 'erika', 'not-the-password');
    const msg = await dana.textContent('#login-error:not([hidden])');
    if (!/wrong user name or password/i.test(msg)) throw new Error(`message: ${msg}`);
    expect('console shown', await dana.isHidden('#app'), true);
});

await test('login opens the live console', async () => {
    await loggedIn(dana, 'erika');
    expect('user shown', (await dana.textContent('#me')).startsWith('erika'), true);
});

let j1;
await test('a job created by fsdctl appears live', async () => {
    const t0 = Date.now();
    j1 = request('Bosch', 'washing_machine');
    await dana.waitForSelector(card(j1), { timeout: 5000 });
    const ms = Date.now() - t0;
    console.log(`  ${j1} on the console ${ms} ms after fsdctl request`);
    if (ms > 3000) throw new Error(`took ${ms} ms`);
});

let held;
let other;
await test('drag and drop onto a technician moves the job, and undo moves it back', async () => {
    held = await offeredTo(j1);
    agent(held, 'accept', j1);
    await until(`${j1} assigned`, () => track(j1).state === 'assigned');
    other = held === 'A1' ? 'A2' : 'A1';
    // the console has seen the acceptance (a card changing queue is a new
    // element: a drag must not start on the old one)
    await dana.waitForSelector(`.card.q-assigned[data-job="${j1}"]`);
    await dana.waitForTimeout(300);
    await dana.dragAndDrop(card(j1), row(other));
    await dana.waitForSelector('#toast:not([hidden]) #toast-undo:not([hidden])');
    await until(`${j1} with ${other}`, () => track(j1).technician_id === other);
    await dana.click('#toast-undo');
    await until(`${j1} back with ${held}`, () => track(j1).technician_id === held);
});

let j2;
await test('a drop that breaks a hard rule is refused before anything changes, naming the rule', async () => {
    j2 = request('Bosch', 'dishwasher');
    await dana.waitForSelector(card(j2));
    const before = track(j2);
    await dana.dragAndDrop(card(j2), row('A3'));     // A3 repairs washing machines only
    await dana.waitForSelector('#dlg[open]');
    const rule = await dana.textContent('#dlg-rule');
    if (!/skill/.test(rule)) throw new Error(`rule shown: ${rule}`);
    expect('override offered', await dana.isVisible('#dlg-ok'), false);
    await dana.click('#dlg button[value=cancel]');
    const after = track(j2);
    expect('holder', after.technician_id || '', before.technician_id || '');
    expect('version', after.version, before.version);
});

await test('an override of a soft rule asks for a reason, moves the job and is audited', async () => {
    await dana.dragAndDrop(card(j1), row('A3'));     // A3's agent is not running: offline
    await dana.waitForSelector('#dlg[open]');
    const rule = await dana.textContent('#dlg-rule');
    if (!/offline/.test(rule)) throw new Error(`rule shown: ${rule}`);
    expect('still with', track(j1).technician_id, held);
    await dana.fill('#dlg-reason', 'customer asked for Ali by name');
    await dana.click('#dlg-ok');
    await until(`${j1} with A3`, () => track(j1).technician_id === 'A3');
    const h = track(j1).history || [];
    if (!h.some((e) => (e.reason || '').includes('customer asked for Ali by name') && e.actor === 'erika')) {
        throw new Error(`history has no override by erika: ${JSON.stringify(h.slice(-2))}`);
    }
});

await test('a POST without the CSRF token is refused', async () => {
    const r = await dana.evaluate(async (job) => {
        const res = await fetch(`/api/jobs/${job}/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason":"x"}' });
        return { status: res.status, body: await res.text() };
    }, j2);
    expect('status', r.status, 403);
    expect('job still open', track(j2).state !== 'cancelled', true);
});

await test("another user's scope is not visible", async () => {
    const pia = await page();
    await loggedIn(pia, 'pia');                      // pankow only; the jobs are in mitte
    await pia.waitForTimeout(300);
    expect('mitte job on pankow console', await pia.locator(card(j2)).count(), 0);
    const r = await pia.evaluate(async (job) => (await fetch(`/api/jobs/${job}`)).status, j2);
    if (r === 200) throw new Error(`GET /api/jobs/${j2} answered 200 for pia`);
    await pia.context().close();
});

await test('filters are kept per user across a reload', async () => {
    await dana.selectOption('#f-territory', 'pankow');
    await dana.waitForSelector(card(j2), { state: 'detached' });   // a mitte job
    await dana.waitForTimeout(300);                                 // PUT /api/prefs
    await dana.reload();
    await dana.waitForSelector('#live.ok');
    expect('territory after reload', await dana.inputValue('#f-territory'), 'pankow');
    expect('mitte job shown', await dana.locator(card(j2)).count(), 0);
    await dana.selectOption('#f-territory', '');
    await dana.waitForSelector(card(j2));
});

await test("a company's dispatcher accepts an offer and assigns their technician", async () => {
    const j = request('LG', 'fridge', '+49 30 5550003', ['52.5135', '13.1690']);   // spandau: C1, P-SUED
    await until(`${j} offered to P-SUED`, () => track(j).company_id === 'P-SUED');
    const sue = await page();
    await loggedIn(sue, 'sue');
    await sue.click('#tabs button[data-tab=offers]');
    const row = sue.locator('#offers tr', { hasText: j });
    await row.locator('button', { hasText: 'Accept' }).click();
    await until(`${j} accepted`, () => track(j).company_accepted === true);
    await row.locator('select').selectOption('C1');
    await row.locator('button', { hasText: 'Assign' }).click();
    await until(`${j} assigned to C1`, () => { const t = track(j); return t.state === 'assigned' && t.technician_id === 'C1'; });
    await sue.context().close();
});

await test('logout ends the session', async () => {
    await dana.click('#logout');
    await dana.waitForSelector('#login:not([hidden])');
    const r = await dana.evaluate(async () => (await fetch('/api/me')).status);
    expect('GET /api/me after logout', r, 401);
});

await test('an expired session (past its absolute limit, the console open) asks to log in again', async () => {
    const p = await page(WEB_SHORT);
    await loggedIn(p, 'erika');
    await p.waitForTimeout(Number(process.env.IDLE_S || 3) * 1000 + 1500);
    // the live stream's end may have told the page already; else the next
    // request does
    if (await p.isVisible('#app')) await p.click('#tabs button[data-tab=escalations]').catch(() => {});
    await p.waitForSelector('#login:not([hidden])', { timeout: 10000 });
    const note = await p.textContent('#login-note');
    if (!/expired/i.test(note)) throw new Error(`note: ${note}`);
    await p.context().close();
});

const token = (job) => fsdctl('dana', 'link', job).token;

await test("the customer's page follows the visit live and rates it", async () => {
    const j = request('Siemens', 'washing_machine', '+49 30 5550001');
    const tech = await offeredTo(j);
    agent(tech, 'accept', j);
    const c = await page();
    await c.setViewportSize({ width: 390, height: 844 });
    await c.goto(`/c/${token(j)}`);
    await c.waitForFunction(() => /booked/.test(document.getElementById('headline').textContent));
    agent(tech, 'status', j, 'en_route');
    await c.waitForFunction(() => /on the way/.test(document.getElementById('headline').textContent), null, { timeout: 5000 });
    agent(tech, 'status', j, 'on_site');
    agent(tech, 'status', j, 'completed');
    await c.waitForSelector('#rate-card:not([hidden])', { timeout: 5000 });
    await c.click('#stars button[data-stars="4"]');
    await c.fill('#comment', 'quick and friendly');
    await c.click('#rate-send');
    await c.waitForSelector('#msg:not([hidden])');
    await until(`${j} rated`, () => track(j).rating === 4);
    if (process.env.SHOTS) await c.screenshot({ path: `${process.env.SHOTS}/customer-rated.png` });
    await c.context().close();
});

await test("the customer cancels before the visit", async () => {
    const j = request('Bosch', 'washing_machine', '+49 30 5550002');
    const c = await page();
    await c.setViewportSize({ width: 390, height: 844 });
    await c.goto(`/c/${token(j)}`);
    await c.waitForSelector('#cancel-card:not([hidden])');
    await c.click('#cancel-box summary');
    await c.fill('#cancel-reason', 'fixed it myself');
    await c.click('#cancel-form button[type=submit]');
    await until(`${j} cancelled`, () => track(j).state === 'cancelled');
    await c.waitForFunction(() => /cancelled/.test(document.getElementById('headline').textContent));
    await c.context().close();
});

await test('an unknown customer link says so', async () => {
    const c = await page();
    await c.goto('/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await c.waitForFunction(() => /no longer valid/.test(document.getElementById('headline').textContent));
    await c.context().close();
});

await browser.close();
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed);
