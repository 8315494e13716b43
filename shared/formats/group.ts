// Groups port and banner records by host for xml, json and grepable without holding the scan:
// at most `window` hosts stay open (least recently touched is emitted first), so memory is
// bounded by the window, not the input. A host whose records arrive further apart than the
// window is emitted more than once, as masscan's -oX emits one <host> per record (window 0).
import type { AnyRecord } from '../records';

export interface PortEntry {
  port: number;
  proto: string;
  state: string;          // open, closed, filtered
  reason: string;         // nmap's words: syn-ack, reset, response, host-unreach, ...
  ttl: number;
  reason_ip?: string;     // the router that sent an ICMP error
  time_us?: number;
  service?: string;
  product?: string;
  version?: string;
  info?: string;
  cpe: string[];
  banners: AnyRecord[];   // banner records without type/ip/port
}

export interface HostGroup {
  ip: string;
  first_us: number;
  last_us: number;
  ports: Map<string, PortEntry>;
}

/** Ports a single host may collect before it is emitted anyway (a host answering every port). */
export const MAX_PORTS_PER_HOST = 1024;

const RESULT_TYPES = new Set(['open', 'closed', 'unreachable', 'banner']);

// ICMP destination-unreachable codes in nmap's reason words.
function icmpReason(code: unknown): string {
  switch (code) {
    case 0: return 'net-unreach';
    case 1: return 'host-unreach';
    case 2: return 'proto-unreach';
    case 3: return 'port-unreach';
    default: return 'admin-prohibited';
  }
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Folds one result record into a host; returns false for records that are not results. */
export function addToHost(h: HostGroup, rec: AnyRecord): boolean {
  if (!RESULT_TYPES.has(rec.type) || typeof rec.port !== 'number') return false;
  const proto = typeof rec.proto === 'string' ? rec.proto : 'tcp';
  const key = `${proto}/${rec.port}`;
  const t = typeof rec.time_us === 'number' ? rec.time_us : 0;
  if (t && (!h.first_us || t < h.first_us)) h.first_us = t;
  if (t > h.last_us) h.last_us = t;
  const ttl = typeof rec.ttl === 'number' ? rec.ttl : 0;
  let p = h.ports.get(key);
  if (!p) {
    p = { port: rec.port, proto, state: '', reason: '', ttl, cpe: [], banners: [], time_us: t || undefined };
    h.ports.set(key, p);
  }
  // open beats closed beats filtered: a SYN-ACK is proof, an RST or ICMP error after it is noise.
  if (rec.type === 'open') { p.state = 'open'; p.reason = 'syn-ack'; p.ttl = ttl; }
  else if (rec.type === 'closed' && p.state !== 'open') { p.state = 'closed'; p.reason = 'reset'; p.ttl = ttl; }
  else if (rec.type === 'unreachable' && p.state === '') {
    p.state = 'filtered'; p.reason = icmpReason(rec.icmp_code); p.ttl = ttl;
    if (typeof rec.from === 'string') p.reason_ip = rec.from;
  } else if (rec.type === 'banner') {
    if (p.state !== 'open') { p.state = 'open'; p.reason = 'response'; p.ttl = ttl; }
    p.service = str(rec.service) ?? p.service;
    p.product = str(rec.product) ?? p.product;
    p.version = str(rec.version) ?? p.version;
    p.info = str(rec.info) ?? p.info;
    const cpes = Array.isArray(rec.cpe) ? rec.cpe : [rec.cpe];
    for (const c of cpes) if (typeof c === 'string' && c && !p.cpe.includes(c)) p.cpe.push(c);
    const { type: _t, ip: _i, port: _p, ...rest } = rec;
    p.banners.push(rest as AnyRecord);
  }
  return true;
}

export function newHost(ip: string): HostGroup {
  return { ip, first_us: 0, last_us: 0, ports: new Map() };
}

/** Ports of a host in numeric order, the order nmap prints them. */
export function sortedPorts(h: HostGroup): PortEntry[] {
  return [...h.ports.values()].sort((a, b) => a.port - b.port || (a.proto < b.proto ? -1 : 1));
}

/** A host is up when something it sent proves it: any port answer, or an ICMP error from itself. */
export function hostUp(h: HostGroup): boolean {
  for (const p of h.ports.values()) if (p.state !== 'filtered' || p.reason_ip === h.ip) return true;
  return false;
}

export class Grouper {
  private hosts = new Map<string, HostGroup>();
  constructor(private window: number) {}

  /** Adds a record; returns the hosts that must be written now (evicted or full). */
  add(rec: AnyRecord): HostGroup[] {
    if (typeof rec.ip !== 'string' || !RESULT_TYPES.has(rec.type)) return [];
    if (this.window <= 0) {
      const h = newHost(rec.ip);
      return addToHost(h, rec) ? [h] : [];
    }
    let h = this.hosts.get(rec.ip);
    if (h) this.hosts.delete(rec.ip); else h = newHost(rec.ip);
    if (!addToHost(h, rec)) { if (h.ports.size) this.hosts.set(rec.ip, h); return []; }
    if (h.ports.size >= MAX_PORTS_PER_HOST) return [h];
    this.hosts.set(rec.ip, h);   // re-inserted last: Map order is least recently touched first
    if (this.hosts.size <= this.window) return [];
    const [oldest, g] = this.hosts.entries().next().value as [string, HostGroup];
    this.hosts.delete(oldest);
    return [g];
  }

  drain(): HostGroup[] {
    const all = [...this.hosts.values()];
    this.hosts.clear();
    return all;
  }
}
