// report: one self-contained HTML file for people: the scan's summary and pictures (inline CSS
// and SVG, one inline script for the table filter, nothing fetched: a Content-Security-Policy
// forbids it), written at the end from a summary bounded in memory (report-stats.ts).
import type { FormatModule } from './types';
import { ReportStats, TopCounter } from './report-stats';
import { ctime } from './fields';
import { VERSION } from '../version';

export const DEFAULT_REPORT_ROWS = 2000;

const HTML_ENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML and SVG: markup characters as entities, controls as \xNN. */
export function h(s: string | number): string {
  return String(s)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'))
    .replace(/[&<>"']/g, (c) => HTML_ENT[c]);
}

const fmtN = (n: number) => n.toLocaleString('en-US');
const short = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '\u2026' : s);

/** A horizontal bar chart of [label, count] rows. */
export function bars(rows: [string, number][], color = '#3b82f6', other = 0): string {
  if (rows.length === 0) return '<p class="none">none</p>';
  const all: [string, number][] = other > 0 ? [...rows, ['(other)', other]] : rows;
  const max = Math.max(...all.map((r) => r[1]));
  const rh = 22, lw = 230, bw = 380, W = lw + bw + 70;
  let s = `<svg class="chart" viewBox="0 0 ${W} ${all.length * rh + 4}" width="${W}" height="${all.length * rh + 4}" role="img">`;
  all.forEach(([label, n], i) => {
    const y = i * rh + 2, w = Math.max(1, Math.round((n / max) * bw));
    s += `<text x="${lw - 6}" y="${y + 15}" text-anchor="end">${h(short(label, 34))}</text>` +
      `<rect x="${lw}" y="${y + 3}" width="${w}" height="${rh - 6}" rx="3" fill="${label === '(other)' ? '#9ca3af' : color}"><title>${h(label)}: ${n}</title></rect>` +
      `<text x="${lw + w + 6}" y="${y + 15}">${fmtN(n)}</text>`;
  });
  return s + '</svg>';
}

/** Certificates by month of expiry, expired months in red, the scan's month marked. */
function timeline(expiry: TopCounter, now_us: number): string {
  const months = [...expiry.map].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  if (months.length === 0) return '<p class="none">no certificate dates</p>';
  const nowMonth = new Date(Math.floor(now_us / 1000)).toISOString().slice(0, 7);
  // At most 48 columns: the months nearest the scan, the rest folded into the ends.
  let shown = months;
  if (months.length > 48) {
    const at = Math.max(0, months.findIndex((m) => m[0] >= nowMonth));
    const from = Math.max(0, Math.min(at - 12, months.length - 48));
    const before = months.slice(0, from).reduce((t, m) => t + m[1], 0);
    const after = months.slice(from + 46).reduce((t, m) => t + m[1], 0);
    shown = [['earlier', before], ...months.slice(from, from + 46), ['later', after]];
  }
  const max = Math.max(...shown.map((m) => m[1]));
  const cw = 18, H = 140, W = shown.length * cw + 40;
  let s = `<svg class="chart" viewBox="0 0 ${W} ${H + 50}" width="${W}" height="${H + 50}" role="img">`;
  shown.forEach(([m, n], i) => {
    const bh = Math.max(1, Math.round((n / max) * H)), x = 20 + i * cw;
    const past = m === 'earlier' || (m !== 'later' && m < nowMonth);
    s += `<rect x="${x}" y="${H - bh}" width="${cw - 4}" height="${bh}" fill="${past ? '#ef4444' : m === nowMonth ? '#f59e0b' : '#10b981'}"><title>${h(m)}: ${n}</title></rect>` +
      `<text class="tick" transform="translate(${x + 10},${H + 6}) rotate(60)">${h(m)}</text>`;
  });
  return s + '</svg>';
}

/** A share as a bar with its percentage. */
function share(label: string, part: number, whole: number, color: string): string {
  const pct = whole ? (100 * part) / whole : 0;
  return `<div class="share"><span>${h(label)}: ${fmtN(part)} of ${fmtN(whole)} (${pct.toFixed(1)}%)</span>` +
    `<svg viewBox="0 0 300 14" width="300" height="14"><rect width="300" height="14" rx="7" fill="#e5e7eb"/>` +
    `<rect width="${Math.round(3 * pct)}" height="14" rx="7" fill="${color}"/></svg></div>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:18px 28px}header h1{margin:0 0 6px;font-size:22px}
.cmd{font-family:ui-monospace,monospace;background:#1f2937;padding:6px 10px;border-radius:6px;overflow-wrap:anywhere}
main{padding:8px 28px 40px;max-width:1200px}section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:12px 0 6px;color:#374151}
.cards{display:flex;flex-wrap:wrap;gap:12px;background:none;border:0;padding:0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;min-width:130px}
.card b{display:block;font-size:24px}.card span{color:#6b7280}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:8px 24px}
.chart{max-width:100%;height:auto}.chart text{font-size:12px;fill:#374151}.chart .tick{font-size:10px}.none{color:#9ca3af}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #f3f4f6;overflow-wrap:anywhere}
th{background:#f3f4f6;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
input{font:inherit;padding:6px 10px;width:320px;border:1px solid #d1d5db;border-radius:6px;margin-bottom:8px}
.share{display:flex;gap:12px;align-items:center;margin:6px 0}.note{color:#6b7280}`;

// Filters the result table as one types (no network, no libraries).
const SCRIPT = `const q=document.getElementById('q'),rows=[...document.querySelectorAll('#results tbody tr')],c=document.getElementById('shown');
q.addEventListener('input',()=>{const t=q.value.toLowerCase();let n=0;for(const r of rows){const m=!t||r.textContent.toLowerCase().includes(t);r.hidden=!m;if(m)n++}c.textContent=n});`;

export const report: FormatModule = {
  name: 'report',
  summary: 'one self-contained HTML page: summary, charts, certificates, searchable results',
  atEnd: true,
  create(ctx) {
    let st = new ReportStats(ctx.reportRows);
    return {
      header: () => '',
      record(rec) { st.add(rec); return ''; },
      drain: () => [],
      trailer(reason) {
        const s = st;
        st = new ReportStats(ctx.reportRows);   // a rotated report starts its own summary
        const start = ctx.run?.start_us ?? s.first_us;
        const end = Math.max(s.last_us, start);
        s.expiryAt(end || Date.now() * 1000);
        const open = s.byType.map.get('open') ?? 0, banners = s.byType.map.get('banner') ?? 0;
        const identified = banners - (s.services.map.get('unknown') ?? 0);
        const card = (n: number, label: string) => `<div class="card"><b>${fmtN(n)}</b><span>${h(label)}</span></div>`;
        const when = start ? `${ctime(Math.floor(start / 1e6))} UTC, ${Math.round((end - start) / 1e6)} seconds` : 'times unknown';
        const caps = [
          s.hostsCapped ? 'more hosts than the report counts one by one (host totals are lower bounds)' : '',
          s.certsCapped ? 'more distinct certificates than the report remembers (certificate totals are lower bounds)' : '',
        ].filter(Boolean);
        const rowsNote = s.rowsDropped
          ? `The table lists the first ${fmtN(s.rows.length)} of ${fmtN(s.rows.length + s.rowsDropped)} results (--report-rows ${ctx.reportRows}); every result is counted in the charts above.`
          : `All ${fmtN(s.rows.length)} results.`;
        const top = s.topHosts(20);
        return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>trawl report${ctx.run ? ': ' + h(ctx.run.args) : ''}</title><style>${CSS}</style></head><body>
<header><h1>trawl scan report</h1><div class="cmd">${h(ctx.run ? ctx.run.args : ctx.args + '  (the input has no scan record)')}</div>
<p>${h(when)}${ctx.run?.ports ? `; ports ${h(short(ctx.run.ports, 200))}` : ''}${reason === 'interrupted' ? '; <b>interrupted</b>' : ''}</p></header>
<main>
<section class="cards">${card(s.hostsUp, 'hosts up')}${card(open, 'open ports')}${card(banners, 'banners')}${card(identified, 'services identified')}${card(s.certs, 'TLS certificates')}${card(s.expiring30, 'certificates expiring in 30 days')}${card(s.records, 'records')}</section>
${caps.length ? `<p class="note">Note: ${h(caps.join('; '))}.</p>` : ''}
<section><h2>Open ports</h2><div class="grid"><div><h3>By port</h3>${bars(s.openPorts.top(15))}</div><div><h3>Services (banners)</h3>${bars(s.services.top(15), '#8b5cf6', s.services.total - s.services.top(15).reduce((t, r) => t + r[1], 0))}</div></div></section>
<section><h2>Top products and versions</h2>${bars(s.products.top(20), '#0ea5e9')}</section>
<section><h2>TLS certificates</h2>
<p>${fmtN(s.certs)} distinct certificates; ${fmtN(s.expired)} expired and ${fmtN(s.expiring30)} expiring within 30 days of the scan.</p>
${share('self-signed', s.selfSigned, s.certs, '#f97316')}
<div class="grid"><div><h3>Issuers</h3>${bars(s.issuers.top(12), '#14b8a6')}</div><div><h3>Key types and sizes</h3>${bars(s.keySizes.top(12), '#6366f1')}</div></div>
<h3>Expiry timeline (by month; red: before the scan)</h3>${timeline(s.expiry, end || Date.now() * 1000)}</section>
<section><h2>HTTP</h2><div class="grid"><div><h3>Titles</h3>${bars(s.httpTitles.top(15), '#22c55e')}</div><div><h3>Servers</h3>${bars(s.httpServers.top(15), '#eab308')}</div></div></section>
<section><h2>Hosts with the most open ports</h2>${top.length ? `<table><thead><tr><th>host</th><th>open ports</th></tr></thead><tbody>${top.map(([ip, n]) => `<tr><td>${h(ip)}</td><td class="n">${n}</td></tr>`).join('')}</tbody></table>` : '<p class="none">none</p>'}</section>
<section><h2>Results</h2><p class="note">${h(rowsNote)}</p><input id="q" type="search" placeholder="filter: address, port, service, version, title" aria-label="filter"> <span class="note"><span id="shown">${s.rows.length}</span> shown</span>
<table id="results"><thead><tr><th>address</th><th>port</th><th>record</th><th>service</th><th>version</th><th>title / certificate</th></tr></thead><tbody>
${s.rows.map((r) => `<tr><td>${h(r.ip)}</td><td class="n">${r.port}</td><td>${h(r.type)}</td><td>${h(r.service)}</td><td>${h(r.version)}</td><td>${h(r.detail)}</td></tr>`).join('\n')}
</tbody></table></section>
<p class="note">trawl ${VERSION} fmt -o report</p>
</main><script>${SCRIPT}</script></body></html>
`;
      },
    };
  },
};
