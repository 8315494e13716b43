// The summary behind `fmt -o report`, bounded in memory whatever the input: counters keep at most
// a fixed number of distinct keys (the rest are counted as "other"), hosts are counted in one
// map capped in entries, certificates once per fingerprint up to a cap, and the result table
// keeps its first rows only. Each cap says when it was reached, so the report can say so.
import type { AnyRecord } from '../records';
import { formatIPv4, parseIPv4 } from '../ipv4';

/** Counts keys, at most `max` distinct ones; later new keys go to `other`. */
export class TopCounter {
  readonly map = new Map<string, number>();
  other = 0;
  constructor(private max: number) {}
  add(k: string, n = 1): void {
    const v = this.map.get(k);
    if (v !== undefined) this.map.set(k, v + n);
    else if (this.map.size < this.max) this.map.set(k, n);
    else this.other += n;
  }
  top(n: number): [string, number][] {
    return [...this.map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }
  get total(): number { let t = this.other; for (const v of this.map.values()) t += v; return t; }
}

export interface Row { ip: string; port: number; type: string; service: string; version: string; detail: string }

export const MAX_KEYS = 10000;          // distinct services, products, titles... per counter
export const MAX_HOSTS = 2_000_000;     // hosts counted exactly (about 40 bytes each)
export const MAX_CERTS = 100_000;       // distinct certificates remembered by fingerprint

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export class ReportStats {
  records = 0;
  byType = new TopCounter(64);
  openPorts = new TopCounter(65536 * 2);
  services = new TopCounter(MAX_KEYS);
  products = new TopCounter(MAX_KEYS);
  httpTitles = new TopCounter(MAX_KEYS);
  httpServers = new TopCounter(MAX_KEYS);
  issuers = new TopCounter(MAX_KEYS);
  keySizes = new TopCounter(256);
  expiry = new TopCounter(2048);        // YYYY-MM of not-after
  certs = 0;
  selfSigned = 0;
  expired = 0;
  expiring30 = 0;
  certsCapped = false;
  hostsCapped = false;
  rows: Row[] = [];
  rowsDropped = 0;
  first_us = 0;
  last_us = 0;
  // Open ports per answering host: IPv4 as a number key, IPv6 as text.
  private hosts4 = new Map<number, number>();
  private hosts6 = new Map<string, number>();
  private seenCerts = new Set<string>();
  private certTimes: number[] = [];     // not-after of each distinct certificate, for expiry against the end

  constructor(private maxRows: number) {}

  private host(ip: string, open: number): void {
    const n = parseIPv4(ip);
    if (typeof n === 'number' && n >= 0) {
      const v = this.hosts4.get(n);
      if (v !== undefined) this.hosts4.set(n, v + open);
      else if (this.hosts4.size < MAX_HOSTS) this.hosts4.set(n, open);
      else this.hostsCapped = true;
    } else {
      const v = this.hosts6.get(ip);
      if (v !== undefined) this.hosts6.set(ip, v + open);
      else if (this.hosts6.size < MAX_HOSTS / 10) this.hosts6.set(ip, open);
      else this.hostsCapped = true;
    }
  }

  get hostsUp(): number { return this.hosts4.size + this.hosts6.size; }

  /** The hosts with the most open ports. */
  topHosts(n: number): [string, number][] {
    const best: [string, number][] = [];
    const consider = (ip: () => string, c: number) => {
      if (best.length === n && c <= best[n - 1][1]) return;
      best.push([ip(), c]);
      best.sort((a, b) => b[1] - a[1]);
      if (best.length > n) best.pop();
    };
    for (const [k, c] of this.hosts4) consider(() => formatIPv4(k), c);
    for (const [k, c] of this.hosts6) consider(() => k, c);
    return best;
  }

  add(rec: AnyRecord): void {
    if (rec.type === 'scan' || rec.type === 'status') return;
    this.records++;
    this.byType.add(rec.type);
    const t = typeof rec.time_us === 'number' ? rec.time_us : 0;
    if (t && (!this.first_us || t < this.first_us)) this.first_us = t;
    if (t > this.last_us) this.last_us = t;
    if (typeof rec.ip !== 'string' || typeof rec.port !== 'number') return;
    if (rec.type === 'open') { this.openPorts.add(String(rec.port)); this.host(rec.ip, 1); }
    else if (rec.type === 'closed' || rec.type === 'banner') this.host(rec.ip, 0);
    else return;
    if (rec.type === 'banner') this.banner(rec);
    this.row(rec);
  }

  private banner(rec: AnyRecord): void {
    const svc = str(rec.service) ?? 'unknown';
    this.services.add(svc);
    const product = str(rec.product);
    if (product) this.products.add(str(rec.version) ? `${product} ${rec.version}` : product);
    const title = str(rec.http_title), server = str(rec.http_server);
    if (title) this.httpTitles.add(title.slice(0, 200));
    if (server) this.httpServers.add(server.slice(0, 200));
    const fp = str(rec.cert_sha256);
    if (fp && !this.seenCerts.has(fp)) {
      if (this.seenCerts.size >= MAX_CERTS) { this.certsCapped = true; return; }
      this.seenCerts.add(fp);
      this.certs++;
      this.issuers.add((str(rec.cert_issuer_cn) ?? str(rec.cert_issuer) ?? '(none)').slice(0, 200));
      const kt = str(rec.cert_key_type);
      if (kt) this.keySizes.add(typeof rec.cert_key_bits === 'number' ? `${kt} ${rec.cert_key_bits}` : kt);
      if (rec.cert_self_signed === true || rec.cert_self_issued === true) this.selfSigned++;
      if (typeof rec.cert_not_after_us === 'number') {
        this.certTimes.push(rec.cert_not_after_us);
        this.expiry.add(new Date(Math.floor(rec.cert_not_after_us / 1000)).toISOString().slice(0, 7));
      }
    }
  }

  private row(rec: AnyRecord): void {
    if (this.rows.length >= this.maxRows) { this.rowsDropped++; return; }
    const detail = str(rec.http_title) ?? str(rec.cert_subject_cn) ?? str(rec.http_server) ?? '';
    this.rows.push({
      ip: rec.ip as string, port: rec.port as number, type: rec.type, service: str(rec.service) ?? '',
      version: [str(rec.product), str(rec.version)].filter(Boolean).join(' '), detail: detail.slice(0, 200),
    });
  }

  /** Counts certificates expired, and expiring within 30 days, at `now` (the scan's end). */
  expiryAt(now_us: number): void {
    this.expired = this.expiring30 = 0;
    for (const t of this.certTimes) {
      if (t < now_us) this.expired++;
      else if (t < now_us + 30 * 86400e6) this.expiring30++;
    }
  }
}
