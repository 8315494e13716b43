// Groups port and banner records by host for xml, json and grepable without holding the scan:
// at most `window` hosts stay open (least recently touched is emitted first), so memory is
// bounded by the window, not the input. A host whose records arrive further apart than the
// window is emitted more than once, as masscan's -oX emits one <host> per record (window 0).
import type { AnyRecord } from '../records';
import { seconds } from './fields';

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
  os?: string;
  device?: string;
  hostname?: string;
  cpe?: string[];
  alpn?: string;          // tls_alpn: names the service inside a TLS tunnel
  // Banner records without type/ip/port, each kept as its JSON text: one string per banner
  // instead of an object per field keeps the held hosts small (see Grouper).
  banners?: string[];
}

/** How a host answered a ping (alive records: ICMP echo, ARP, NDP), in nmap's words. */
export interface HostAlive {
  reason: string;         // echo-reply, arp-response, nd-response
  ttl: number;
  rtt_us?: number;
  mac?: string;           // ARP/NDP answers
  vendor?: string;
}

export interface HostGroup {
  ip: string;
  first_us: number;
  last_us: number;
  ports: PortEntry[];      // few per host: a list is smaller than a Map and as fast
  alive?: HostAlive;
}

/** Ports a single host may collect before it is emitted anyway (a host answering every port). */
export const MAX_PORTS_PER_HOST = 1024;

const RESULT_TYPES = new Set(['open', 'closed', 'unreachable', 'banner', 'alive']);
const ALIVE_REASON: Record<string, string> = { icmp: 'echo-reply', arp: 'arp-response', ndp: 'nd-response' };

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
  if (rec.type === 'alive') return addAlive(h, rec);
  if (!RESULT_TYPES.has(rec.type) || typeof rec.port !== 'number') return false;
  const proto = typeof rec.proto === 'string' ? rec.proto : 'tcp';
  const t = typeof rec.time_us === 'number' ? rec.time_us : 0;
  if (t && (!h.first_us || t < h.first_us)) h.first_us = t;
  if (t > h.last_us) h.last_us = t;
  const ttl = typeof rec.ttl === 'number' ? rec.ttl : 0;
  let p = h.ports.find((x) => x.port === rec.port && x.proto === proto);
  if (!p) {
    p = { port: rec.port, proto, state: '', reason: '', ttl, time_us: t || undefined };
    h.ports.push(p);
  }
  // open beats closed beats filtered: a SYN-ACK is proof, an RST or ICMP error after it is noise.
  // UDP in nmap -sU's words: an answer is udp-response, an ICMP port unreachable port-unreach.
  const udp = proto === 'udp';
  if (rec.type === 'open') { p.state = 'open'; p.reason = udp ? 'udp-response' : 'syn-ack'; p.ttl = ttl; }
  else if (rec.type === 'closed' && p.state !== 'open') { p.state = 'closed'; p.reason = udp ? 'port-unreach' : 'reset'; p.ttl = ttl; }
  else if (rec.type === 'unreachable' && p.state === '') {
    // blast's on-link targets whose address never answered ARP/NDP: nothing came back at all.
    p.state = 'filtered'; p.reason = typeof rec.reason === 'string' ? 'no-response' : icmpReason(rec.icmp_code); p.ttl = ttl;
    if (typeof rec.from === 'string') p.reason_ip = rec.from;
  } else if (rec.type === 'banner') {
    if (p.state !== 'open') { p.state = 'open'; p.reason = udp ? 'udp-response' : 'response'; p.ttl = ttl; }
    p.service = str(rec.service) ?? p.service;
    p.product = str(rec.product) ?? p.product;
    p.version = str(rec.version) ?? p.version;
    p.info = str(rec.info) ?? p.info;
    p.os = str(rec.os) ?? p.os;
    p.device = str(rec.device) ?? p.device;
    p.hostname = str(rec.hostname) ?? p.hostname;
    p.alpn = str(rec.tls_alpn) ?? p.alpn;
    const cpes = Array.isArray(rec.cpe) ? rec.cpe : [rec.cpe];
    for (const c of cpes) if (typeof c === 'string' && c && !(p.cpe ??= []).includes(c)) p.cpe.push(c);
    const { type: _t, ip: _i, port: _p, ...rest } = rec;
    (p.banners ??= []).push(JSON.stringify(rest));
  }
  return true;
}

// An alive record (no port): the first answer names the reason; an ARP/NDP answer adds the MAC.
function addAlive(h: HostGroup, rec: AnyRecord): boolean {
  const t = typeof rec.time_us === 'number' ? rec.time_us : 0;
  if (t && (!h.first_us || t < h.first_us)) h.first_us = t;
  if (t > h.last_us) h.last_us = t;
  const a = h.alive ??= {
    reason: (typeof rec.proto === 'string' && Object.hasOwn(ALIVE_REASON, rec.proto) ? ALIVE_REASON[rec.proto] : 'response'),
    ttl: typeof rec.ttl === 'number' ? rec.ttl : 0,
  };
  if (typeof rec.rtt_us === 'number' && a.rtt_us === undefined) a.rtt_us = rec.rtt_us;
  a.mac = str(rec.mac) ?? a.mac;
  a.vendor = str(rec.vendor) ?? a.vendor;
  return true;
}

/** Why a host is up, in nmap's words: its first open port's reason, else its ping answer's,
 *  else its first port's (null when nothing is known). */
export function upReason(h: HostGroup, ports: PortEntry[]): { reason: string; ttl: number } | null {
  const open = ports.find((p) => p.state === 'open');
  return open ?? h.alive ?? ports[0] ?? null;
}

export function newHost(ip: string): HostGroup {
  return { ip, first_us: 0, last_us: 0, ports: [] };
}

/** Ports of a host in numeric order, the order nmap prints them. */
export function sortedPorts(h: HostGroup): PortEntry[] {
  return h.ports.slice().sort((a, b) => a.port - b.port || (a.proto < b.proto ? -1 : 1));
}

/** A host is up when something it sent proves it: a ping answer, any port answer, or an ICMP error from itself. */
export function hostUp(h: HostGroup): boolean {
  if (h.alive) return true;
  for (const p of h.ports) if (p.state !== 'filtered' || p.reason_ip === h.ip) return true;
  return false;
}

/** The run totals nmap's formats end with (xml and grepable count them the same way): hosts
 *  written, hosts up, the first record's time and the last reply's, in seconds. */
export class HostTally {
  start = 0;
  up = 0;
  total = 0;
  private lastUs = 0;

  /** The start: the scan's (from its record), else the first record's time, else now. */
  begin(first: AnyRecord | undefined, scanStartUs?: number | null): number {
    this.start = scanStartUs ? Math.floor(scanStartUs / 1e6) : first ? seconds(first) : Math.floor(Date.now() / 1000);
    return this.start;
  }

  /** Starts the tally of the next document (a rotated file); held hosts are not affected. */
  restart(): void { this.up = this.total = this.lastUs = 0; }

  /** Counts the hosts being written and renders each with `host`. */
  write(hs: HostGroup[], host: (h: HostGroup) => string): string {
    let s = '';
    for (const h of hs) {
      this.total++;
      if (hostUp(h)) this.up++;
      if (h.last_us > this.lastUs) this.lastUs = h.last_us;
      s += host(h);
    }
    return s;
  }

  /** The end: the last reply's time, never before the start. */
  get end(): number { return Math.max(this.start, Math.floor(this.lastUs / 1e6)); }

  /** "N IP addresses (M hosts up) scanned in S seconds", in nmap's words. */
  summary(): string {
    const n = this.total, up = this.up;
    return `${n} IP address${n === 1 ? '' : 'es'} (${up} host${up === 1 ? '' : 's'} up) scanned in ${this.end - this.start} seconds`;
  }
}

interface Slot { h: HostGroup; prev: Slot | null; next: Slot | null }

// A Map from address to a slot in a doubly linked list, least recently touched at the head:
// touching and evicting are O(1). (A Map alone, deleted and re-inserted to keep order, makes
// every eviction skip the tombstones left at its front, which cost half of -o xml's time.)
export class Grouper {
  private slots = new Map<string, Slot>();
  private head: Slot | null = null;
  private tail: Slot | null = null;
  constructor(private window: number) {}

  private unlink(s: Slot) {
    if (s.prev) s.prev.next = s.next; else this.head = s.next;
    if (s.next) s.next.prev = s.prev; else this.tail = s.prev;
    s.prev = s.next = null;
  }

  private append(s: Slot) {
    s.prev = this.tail;
    if (this.tail) this.tail.next = s; else this.head = s;
    this.tail = s;
  }

  /** Adds a record; returns the hosts that must be written now (evicted or full). */
  add(rec: AnyRecord): HostGroup[] {
    if (typeof rec.ip !== 'string' || !RESULT_TYPES.has(rec.type)) return [];
    if (this.window <= 0) {
      const h = newHost(rec.ip);
      return addToHost(h, rec) ? [h] : [];
    }
    let s = this.slots.get(rec.ip);
    if (s) {
      addToHost(s.h, rec);
      this.unlink(s);
      if (s.h.ports.length >= MAX_PORTS_PER_HOST) { this.slots.delete(rec.ip); return [s.h]; }
      this.append(s);
      return [];
    }
    const h = newHost(rec.ip);
    if (!addToHost(h, rec)) return [];
    s = { h, prev: null, next: null };
    this.slots.set(rec.ip, s);
    this.append(s);
    if (this.slots.size <= this.window) return [];
    const old = this.head!;
    this.unlink(old);
    this.slots.delete(old.h.ip);
    return [old.h];
  }

  drain(): HostGroup[] {
    const all: HostGroup[] = [];
    for (let s = this.head; s; s = s.next) all.push(s.h);
    this.slots.clear();
    this.head = this.tail = null;
    return all;
  }
}
