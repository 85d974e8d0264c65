// vlist.js — a virtualised list: only the rows in view (and a few around)
// are in the DOM, so tens of thousands of jobs scroll smoothly. A row whose
// item is unchanged (the same object) keeps its element, so a live update
// elsewhere does not pull a row from under the mouse in the middle of a
// click or a drag.

export class VList {
    // host: the scrolling element; rowH: fixed row height in px;
    // render(item): a new row element; key(item): the item's identity.
    constructor(host, rowH, render, key) {
        this.host = host;
        this.rowH = rowH;
        this.render = render;
        this.key = key;
        this.items = [];
        this.rows = new Map();   // key → {item, node}
        this.spacer = document.createElement('div');
        this.spacer.className = 'vspacer';
        host.append(this.spacer);
        host.addEventListener('scroll', () => this.schedule(), { passive: true });
        this.frame = 0;
    }
    set(items) { this.items = items; this.spacer.style.height = `${items.length * this.rowH}px`; this.draw(); }
    // every row is drawn again (the selection changed, or time moved)
    refresh() { this.rows.forEach((r) => r.node.remove()); this.rows.clear(); this.draw(); }
    schedule() {
        if (this.frame) return;
        this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
    }
    draw() {
        const top = this.host.scrollTop;
        const h = this.host.clientHeight || 600;
        const first = Math.max(0, Math.floor(top / this.rowH) - 4);
        const last = Math.min(this.items.length, Math.ceil((top + h) / this.rowH) + 4);
        const keep = new Map();
        for (let i = first; i < last; i++) {
            const item = this.items[i];
            const k = this.key(item);
            let r = this.rows.get(k);
            if (!r || r.item !== item) {
                const node = this.render(item);
                node.classList.add('vrow');
                if (r) r.node.replaceWith(node); else this.spacer.append(node);
                r = { item, node };
            }
            r.node.style.transform = `translateY(${i * this.rowH}px)`;
            keep.set(k, r);
        }
        for (const [k, r] of this.rows) if (!keep.has(k)) r.node.remove();
        this.rows = keep;
    }
}
