// live: masscan's terminal output, a line as each result arrives ("Discovered open port 22/tcp
// on 198.18.0.1", "Banner on port 22/tcp on ...: [ssh] OpenSSH 9.2p1"), then a summary table
// at the end: open ports by port and service, top products, hosts up, elapsed time. What
// `trawl scan` prints when its stdout is a terminal and no -o is given. Nothing is held per
// result; the summary's tallies are bounded (see LiveTally).
import type { AnyRecord } from '../records';
import type { FormatModule } from './types';
import { bannerBytes, escapeBytes } from './escape';
import { safe } from './text';
import { serviceName } from './services';

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const BANNER_CHARS = 100;   // a raw banner's one-line preview

/** The one-line summary of a banner, terminal-safe: [service] product version (info), then the
 *  TLS subject and the HTTP title where the banner has them; the raw bytes (escaped) when
 *  nothing was parsed. */
export function bannerSummary(rec: AnyRecord): string {
  const parts: string[] = [];
  const version = [str(rec.product), str(rec.version), str(rec.info) ? `(${rec.info})` : undefined].filter(Boolean).join(' ');
  if (version) parts.push(version);
  const cn = str(rec.cert_subject_cn) ?? str(rec.cert_subject);
  if (cn) parts.push(`cert ${cn}${typeof rec.cert_not_after_us === 'number' ? ` until ${new Date(Math.floor(rec.cert_not_after_us / 1000)).toISOString().slice(0, 10)}` : ''}`);
  if (str(rec.http_title)) parts.push(`title "${rec.http_title}"`);
  else if (str(rec.http_server) && !version) parts.push(`server ${rec.http_server}`);
  if (parts.length === 0 && typeof rec.data === 'string' && rec.data) {
    const raw = escapeBytes(bannerBytes(rec));
    return `[${safe(str(rec.service) ?? 'unknown')}] ${raw.length > BANNER_CHARS ? raw.slice(0, BANNER_CHARS) + '...' : raw}`;
  }
  return safe(`[${str(rec.service) ?? 'unknown'}] ${parts.join(', ')}`.trimEnd());
}

/** Counts for the closing table, bounded: at most `cap` distinct hosts and products are told
 *  apart (beyond that the table says "at least"), ports are at most 65,536 per protocol. */
export class LiveTally {
  readonly ports = new Map<string, number>();      // "22/tcp" -> open count
  readonly products = new Map<string, number>();   // "OpenSSH 9.2p1" -> banners
  readonly hosts = new Set<string>();
  hostsOverflow = false;
  productsOverflow = false;
  open = 0;
  banners = 0;
  firstUs = 0;
  lastUs = 0;

  constructor(readonly cap = 1_000_000) {}

  add(rec: AnyRecord): void {
    if (typeof rec.time_us === 'number') {
      if (!this.firstUs || rec.time_us < this.firstUs) this.firstUs = rec.time_us;
      if (rec.time_us > this.lastUs) this.lastUs = rec.time_us;
    }
    const proto = str(rec.proto) ?? 'tcp';
    if (rec.type === 'open') {
      this.open++;
      const k = `${rec.port}/${proto}`;
      this.ports.set(k, (this.ports.get(k) ?? 0) + 1);
      if (typeof rec.ip === 'string') {
        if (this.hosts.size < this.cap) this.hosts.add(rec.ip);
        else if (!this.hosts.has(rec.ip)) this.hostsOverflow = true;
      }
    } else if (rec.type === 'banner') {
      this.banners++;
      const p = [str(rec.product), str(rec.version)].filter(Boolean).join(' ');
      if (p) {
        if (this.products.has(p) || this.products.size < this.cap) this.products.set(p, (this.products.get(p) ?? 0) + 1);
        else this.productsOverflow = true;
      }
    }
  }

  /** The closing table; startUs is the scan's start when known (its scan record). */
  summary(startUs: number | undefined, top = 10): string {
    const byCount = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
    let s = '\n';
    const ports = [...this.ports].sort(byCount);
    if (ports.length) {
      const rows = ports.slice(0, top).map(([k, n]) => {
        const [port, proto] = k.split('/');
        return [k, String(n), serviceName(Number(port), proto) || '?'];
      });
      const w = [0, 1].map((i) => Math.max(['PORT', 'OPEN'][i].length, ...rows.map((r) => r[i].length)));
      s += `${'PORT'.padEnd(w[0])}  ${'OPEN'.padStart(w[1])}  SERVICE\n`;
      for (const r of rows) s += `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2]}\n`;
      if (ports.length > top) s += `(${ports.length - top} more ports)\n`;
      s += '\n';
    }
    const products = [...this.products].sort(byCount).slice(0, top);
    if (products.length) {
      s += 'TOP PRODUCTS\n';
      for (const [p, n] of products) s += `${String(n).padStart(7)}  ${safe(p)}\n`;
      s += '\n';
    }
    const from = startUs ?? this.firstUs;
    const secs = from && this.lastUs > from ? (this.lastUs - from) / 1e6 : 0;
    const hosts = `${this.hostsOverflow ? 'at least ' : ''}${this.hosts.size}`;
    s += `${plural(this.open, 'open port')} on ${hosts} host${hosts === '1' ? '' : 's'}, ${plural(this.banners, 'banner')}, in ${clock(secs)}\n`;
    return s;
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** h:mm:ss, as masscan and zmap print times. */
export function clock(secs: number): string {
  const t = Math.max(0, Math.round(secs));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export const live: FormatModule = {
  name: 'live',
  summary: "masscan's terminal lines as results arrive, then a summary table (scan's default on a terminal)",
  create(ctx) {
    let tally = new LiveTally();
    return {
      header: () => '',
      record(rec) {
        tally.add(rec);
        const proto = str(rec.proto) ?? 'tcp';
        if (rec.type === 'open') return `Discovered open port ${rec.port}/${proto} on ${safe(String(rec.ip))}\n`;
        if (rec.type === 'banner') return `Banner on port ${rec.port}/${proto} on ${safe(String(rec.ip))}: ${bannerSummary(rec)}\n`;
        return '';
      },
      drain: () => [],
      trailer(reason) {
        const s = tally.summary(ctx.run?.start_us ?? undefined) + (reason === 'interrupted' ? '(interrupted)\n' : '');
        tally = new LiveTally();
        return s;
      },
    };
  },
};
