// screenshots.mjs — the pictures in docs/img/, taken from a running
// `make console` (examples/demo.sh --console):
//
//   node tests/browser/screenshots.mjs URL USER PASSWORD CUSTOMER_PATH OUTDIR
//
// console.png: the dispatch screen with a job selected; report.png: the
// KPI report by territory; customer.png: a customer's page on a phone.

import { chromium } from 'playwright-core';

const [url, user, password, customerPath, out] = process.argv.slice(2);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });

const ctx = await browser.newContext({ baseURL: url, viewport: { width: 1600, height: 950 } });
const p = await ctx.newPage();
await p.goto('/');
await p.fill('#login-user', user);
await p.fill('#login-password', password);
await p.click('#login-form button[type=submit]');
await p.waitForSelector('body[data-ready]');
// a job someone holds, so the panel shows candidates and history
const pick = await p.$('.q-in_progress .card') || await p.$('.q-assigned .card') || await p.$('.card');
if (pick) await pick.click();
await p.waitForTimeout(1500);
await p.screenshot({ path: `${out}/console.png` });
await p.click('#tabs button[data-tab=report]');
await p.selectOption('#r-by', 'territory');
await p.click('#report-form button[type=submit]');
await p.waitForTimeout(1500);
await p.screenshot({ path: `${out}/report.png` });
await ctx.close();

// a phone in Berlin: the customer's own zone and language settings
const phone = await browser.newContext({ baseURL: url, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
const c = await phone.newPage();
await c.goto(customerPath);
await c.waitForTimeout(1500);
await c.screenshot({ path: `${out}/customer.png` });
await browser.close();
