// first-screen.mjs — time to first screen of the console: from navigation
// to the queues drawn from the first snapshot (the page marks that frame in
// document.body.dataset.ready, ms since navigation start). Used by
// bench/console.sh against a real fsd-web on a big database.
//
//   node first-screen.mjs URL USER PASSWORD RUNS [TERRITORY]
//
// Prints one line per run and a last line
// "median MS max MS rows N frame_p95 MS snapshot_median MS".

import { chromium } from 'playwright-core';

const [url, user, password, runsArg, territory = ''] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const ctx = await browser.newContext({ baseURL: url, viewport: { width: 1600, height: 950 } });
const origin = new URL(url).origin;
const login = await ctx.request.post('/api/login', { headers: { Origin: origin }, data: { user, password } });
if (!login.ok()) { console.error(`login: ${login.status()} ${await login.text()}`); process.exit(1); }
const { csrf } = await login.json();
await ctx.request.put('/api/prefs', { headers: { Origin: origin, 'X-CSRF-Token': csrf }, data: { territory } });

const times = [];
const snaps = [];
let jobs = 0;
let frameP95 = 0;
// run 0 warms up (fsd-web's connection for the user, the caches) and is not counted
for (let i = 0; i <= runs; i++) {
    const p = await ctx.newPage();
    await p.goto('/');
    await p.waitForSelector('body[data-ready]', { timeout: 120000 });
    const ms = Number(await p.evaluate(() => document.body.dataset.ready));
    const snap = Math.round(await p.evaluate(() => window.fsdSnapshotAt || 0));
    jobs = await p.evaluate(() => [...document.querySelectorAll('.queue .count')].reduce((n, c) => n + Number(c.textContent || 0), 0));
    console.log(`run ${i}${i ? '' : ' (warm-up)'}: ${ms} ms to the queues drawn, the snapshot arrived at ${snap} ms (${jobs} open jobs on the board)`);
    if (i) { times.push(ms); snaps.push(snap); }
    if (i === runs) {
        // smoothness, once the map (drawn after the first screen) settled:
        // scroll the longest queue 60 frames, 400 px a frame
        await p.waitForTimeout(2000);
        frameP95 = await p.evaluate(async () => {
            const bodies = [...document.querySelectorAll('.qbody')];
            const q = bodies.sort((a, b) => b.scrollHeight - a.scrollHeight)[0];
            const gaps = [];
            let last = performance.now();
            for (let f = 0; f < 60; f++) {
                q.scrollTop += 400;
                await new Promise((r) => requestAnimationFrame(r));
                const now = performance.now();
                gaps.push(now - last);
                last = now;
            }
            gaps.sort((a, b) => a - b);
            return Math.round(gaps[Math.floor(gaps.length * 0.95)] * 10) / 10;
        });
    }
    await p.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median ${median(times)} max ${Math.max(...times)} rows ${jobs} frame_p95 ${frameP95} snapshot_median ${median(snaps)}`);
await browser.close();
