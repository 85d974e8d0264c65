// api.js — the JSON API of fsd-web (/api/...), with the session's CSRF token.

let csrf = '';
let onExpired = () => {};

export function setCsrf(token) { csrf = token || ''; }
export function whenExpired(fn) { onExpired = fn; }

export class ApiError extends Error {
    constructor(status, body) {
        const e = (body && body.error) || {};
        super(e.message || `HTTP ${status}`);
        this.status = status;
        this.code = e.code || '';
        this.field = e.field || '';
    }
}

async function call(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
        opts.headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { error: { message: text } }; }
    if (r.status === 401 && path !== '/api/login') onExpired();
    if (!r.ok) throw new ApiError(r.status, data);
    return data;
}

export const get = (path) => call('GET', path);
export const post = (path, body = {}) => call('POST', path, body);
export const put = (path, body) => call('PUT', path, body);
export const enc = encodeURIComponent;
