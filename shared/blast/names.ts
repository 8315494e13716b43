// The names of blast's named targets (a target record's `name`, trawl.7), from the moment the
// record is read until catch asks for the connection's probe: blast sends the SYN, catch sees
// the SYN-ACK and writes an ACK_PROBE request, and only then is the probe built. For a target
// with a name, the request becomes an ACK_PAYLOAD carrying the probe built for that name (its
// TLS server_name, its HTTP Host), which the sender sends as it would the slot's own probe: the
// same sequence number (ISN + 1), and the cookie checked the same way. Each such probe is also
// written on stdout as a `sent` record with the name, which banners reads to rebuild the same
// bytes (the TLS 1.3 transcript, the HTTPS conversation) and to put the name in the banner.
//
// The table is bounded by entries, bytes and age (--name-table, --name-table-bytes, --name-ttl):
// past a limit the oldest name goes first, counted. A target whose name is gone gets its
// slot's default probe (--sni, --http-host or none) and no sent record: its banner has no
// `name`. So does one whose sent record finds stdout SENT_BACKLOG bytes behind (counted). Nothing here runs for a scan without named targets: the route hook returns at once
// while the table is empty.
import { decodeReply, encodeReply, REPLY, REPLY_ACK_PAYLOAD, REPLY_ACK_PROBE, REPLY_MAX_FRAME, REPLY_MAX_PAYLOAD } from '../replies';
import { formatIPv4 } from '../ipv4';
import { formatIPv6, ipv6FromBytes } from '../ipv6';
import { renderPayload, type ProbePayload } from '../probes';
import { MAX_PROBE_LEN } from '../cookie';
import type { OptionSpec } from '../args';

export interface NameLimits {
  maxEntries: number;   // names held at most
  maxBytes: number;     // bytes of names held at most (each counted with ENTRY_OVERHEAD and its key)
  ttlMs: number;        // a name older than this is gone (its target's SYN-ACK is long overdue)
}

export const DEFAULT_NAME_LIMITS: NameLimits = { maxEntries: 1 << 20, maxBytes: 64 << 20, ttlMs: 120000 };

/** What one entry costs besides its name's characters and an IPv6 key's: the Map slot, the
 *  object, the string headers (measured: 173 bytes of heap a name of 21 characters, IPv4; 236
 *  with an IPv6 key of 36). */
export const ENTRY_OVERHEAD = 160;

/** blast's options of the table (scan passes them through). */
export const NAME_OPTIONS: OptionSpec[] = [
  { name: 'name-table', type: 'number', arg: 'N', default: DEFAULT_NAME_LIMITS.maxEntries,
    check: (v: number) => (Number.isInteger(v) && v >= 1 && v <= 1 << 26 ? undefined : 'must be an integer from 1 to 67108864'),
    help: 'with --replies: names of named targets (a target record\'s "name") held until their probe goes out, at most; past it the oldest goes (its probe without the name)' },
  { name: 'name-table-bytes', type: 'number', arg: 'BYTES', default: DEFAULT_NAME_LIMITS.maxBytes,
    check: (v: number) => (Number.isInteger(v) && v >= 4096 ? undefined : 'must be an integer of at least 4096'),
    help: `bytes of the names held at most (each counted as its length + ${ENTRY_OVERHEAD}, + 36 for an IPv6 target)` },
  { name: 'name-ttl', type: 'number', arg: 'S', default: DEFAULT_NAME_LIMITS.ttlMs / 1000,
    check: (v: number) => (v > 0 && v <= 3600 ? undefined : 'must be above 0 and at most 3600 seconds'),
    help: 'a name is forgotten S seconds after its target record was read (its SYN-ACK is overdue by then)' },
];

/** The limits NAME_OPTIONS give. */
export function nameLimits(opts: Record<string, any>): NameLimits {
  return { maxEntries: opts['name-table'], maxBytes: opts['name-table-bytes'], ttlMs: opts['name-ttl'] * 1000 };
}


export interface NameStats {
  added: number;     // names taken from target records
  evicted: number;   // dropped for room (entries or bytes), oldest first
  expired: number;   // dropped for age
  used: number;      // probes sent with their target's name
  too_long: number;  // a name whose probe would pass the 1,400 bytes a connection may carry: default probe
  backlog: number;   // no room on stdout for the sent record (its reader is behind): default probe
}

interface Entry { name: string; at: number; cost: number }

export class NameTable {
  private m = new Map<number | string, Entry>();
  bytes = 0;
  readonly stats: NameStats = { added: 0, evicted: 0, expired: 0, used: 0, too_long: 0, backlog: 0 };

  constructor(readonly limits: NameLimits = DEFAULT_NAME_LIMITS, private now: () => number = Date.now) {}

  get size(): number { return this.m.size; }

  /** The key of an IPv4 target's port (a number: no string per target). */
  static key4(ip: number, port: number): number { return ip * 65536 + port; }
  /** The key of an IPv6 target's port. */
  static key6(a: Uint8Array, off: number, port: number): string {
    return Buffer.from(a.buffer, a.byteOffset + off, 16).toString('hex') + port;
  }

  /** Remembers the name of a target; the same target again takes the newer name. */
  add(key: number | string, name: string): void {
    const t = this.now();
    const old = this.m.get(key);
    if (old) { this.m.delete(key); this.bytes -= old.cost; }
    const cost = name.length + ENTRY_OVERHEAD + (typeof key === 'string' ? key.length : 0);
    this.m.set(key, { name, at: t, cost });
    this.bytes += cost;
    this.stats.added++;
    this.expire(t);
    const L = this.limits;
    while (this.m.size > L.maxEntries || (this.bytes > L.maxBytes && this.m.size > 1)) this.dropOldest('evicted');
  }

  /** The name of a target, or undefined (none, or gone). A name stays until it expires or is
   *  evicted: a retransmitted SYN-ACK asks for the probe again. */
  get(key: number | string): string | undefined {
    this.expire(this.now());
    return this.m.get(key)?.name;
  }

  private expire(t: number): void {
    for (const [, e] of this.m) {
      if (t - e.at < this.limits.ttlMs) break;
      this.dropOldest('expired');
    }
  }

  private dropOldest(why: 'evicted' | 'expired'): void {
    for (const [k, e] of this.m) {
      this.m.delete(k);
      this.bytes -= e.cost;
      this.stats[why]++;
      return;
    }
  }
}

/** Bytes of sent records blast lets wait on stdout at most (about 2,000 records of a hello). */
export const SENT_BACKLOG = 4 << 20;

/** What a named probe becomes: the sent record's fields. */
export interface NamedSend {
  ip: string; port: number; sport: number; seq: number; ack: number; name: string; probe: string; data: Uint8Array;
}

/** A probe that carries names, by its slot (the ACK_PROBE request's): its name and its payload
 *  for a target's name (Probe.named, under blast's probe options). */
export interface NamedProbe { name: string; payload(name: string): ProbePayload }

/**
 * The ACK_PROBE request at b[off] for a named target, rewritten as an ACK_PAYLOAD frame of the
 * probe built for the name (unsealed: the sender checks the cookie, not the MAC, which the
 * queue checked already); null when the request is no ACK_PROBE, its slot's probe carries no
 * name or its target has none, or the named probe's first payload is empty (the request goes
 * as it is). sent() hears of each probe built for a name, the empty one too.
 */
export class NamedProbes {
  private out = new Uint8Array(REPLY_MAX_FRAME);
  private unflushed = false;

  /** bySlot: the probes that carry names by the slot of their requests (one probe, slot 0, when
   *  the source ports carry none). */
  /** room: whether a sent record can be written now; without room (stdout's reader is behind
   *  by SENT_BACKLOG bytes) the probe goes without its name rather than the records pile up. */
  constructor(readonly table: NameTable, private bySlot: Map<number, NamedProbe>, private sent: (s: NamedSend) => void,
    private room: () => boolean = () => true) {}

  /** True once after probes were rewritten (their sent records are to be flushed). */
  wrote(): boolean {
    const w = this.unflushed;
    this.unflushed = false;
    return w;
  }

  rewrite(b: Uint8Array, off: number): Uint8Array | null {
    if (this.table.size === 0 || b[off + REPLY.kind.at] !== REPLY_ACK_PROBE) return null;
    const probe = this.bySlot.get(b[off + REPLY.slot.at]);
    if (!probe) return null;
    const r = decodeReply(b, off);
    const v6 = r.family === 6;
    const name = this.table.get(v6 ? NameTable.key6(r.daddr6!, 0, r.dport) : NameTable.key4(r.daddr, r.dport));
    if (name === undefined) return null;
    if (!this.room()) { this.table.stats.backlog++; return null; }
    const ip = v6 ? formatIPv6(ipv6FromBytes(r.daddr6!)) : formatIPv4(r.daddr);
    const payload = renderPayload(probe.payload(name), ip);
    if (payload.length > Math.min(MAX_PROBE_LEN, REPLY_MAX_PAYLOAD)) { this.table.stats.too_long++; return null; }
    this.table.stats.used++;
    this.unflushed = true;
    this.sent({ ip, port: r.dport, sport: r.sport, seq: r.seq, ack: r.ack, name, probe: probe.name, data: payload });
    // A probe that sends nothing first (starttls: its name goes in a later hello) leaves the
    // ACK_PROBE as it is (an ACK_PAYLOAD carries at least a byte); the sent record is what counts.
    if (payload.length === 0) return null;
    const len = encodeReply({ ...r, kind: REPLY_ACK_PAYLOAD, payload }, this.out, 0);
    return this.out.subarray(0, len);
  }
}
