// vlist.js — a virtualised list: only the rows in view (and a few around)
// are in the DOM, so tens of thousands of jobs scroll smoothly.

export class VList {
    // host: the scrolling element; rowH: fixed row height in px;
    // render(item): a new row element for an item.
    constructor(host, rowH, render) {
        this.host = host;
        this.rowH = rowH;
        this.render = render;
        this.items = [];
        this.spacer = document.createElement('div');
        this.spacer.className = 'vspacer';
        host.append(this.spacer);
        host.addEventListener('scroll', () => this.schedule(), { passive: true });
        this.frame = 0;
    }
    set(items) { this.items = items; this.spacer.style.height = `${items.length * this.rowH}px`; this.draw(); }
    schedule() {
        if (this.frame) return;
        this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
    }
    draw() {
        const top = this.host.scrollTop;
        const h = this.host.clientHeight || 600;
        const first = Math.max(0, Math.floor(top / this.rowH) - 4);
        const last = Math.min(this.items.length, Math.ceil((top + h) / this.rowH) + 4);
        const rows = [];
        for (let i = first; i < last; i++) {
            const r = this.render(this.items[i]);
            r.style.transform = `translateY(${i * this.rowH}px)`;
            r.classList.add('vrow');
            rows.push(r);
        }
        this.spacer.replaceChildren(...rows);
    }
}
