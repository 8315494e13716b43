// Test frame builder: Ethernet/802.1Q/SLL/SLL2, IPv4, TCP with options, ICMP, ARP, and a pcap
// file writer, with checksums computed here independently of native/ and shared/packet/.
//
// IPv4 header (20 bytes, no options unless given):
//  0 ver/ihl  1 tos  2 total length  4 id  6 flags/frag  8 ttl  9 proto  10 checksum  12 src  16 dst
// TCP header (20 bytes + options):
//  0 sport  2 dport  4 seq  8 ack  12 data offset<<4  13 flags  14 window  16 checksum  18 urgent
// ICMP: 0 type  1 code  2 checksum  4 unused(4)  8 quoted IP header + first 8 bytes of its payload

export type Addr = string | number;

export function ipToU32(a: Addr): number {
  if (typeof a === 'number') return a >>> 0;
  const p = a.split('.').map(Number);
  return (((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0);
}

export function u32ToIp(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function put16(b: Uint8Array, o: number, v: number) { b[o] = (v >>> 8) & 255; b[o + 1] = v & 255; }
function put32(b: Uint8Array, o: number, v: number) {
  b[o] = (v >>> 24) & 255; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255;
}

/** RFC 1071 Internet checksum of the given byte ranges, summed in order. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0, odd = false, carry = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd) { sum += carry | p[i]; odd = false; } else { carry = p[i] << 8; odd = true; }
    }
  }
  if (odd) sum += carry;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return (~sum) & 0xffff;
}

const FLAG_BITS: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 };

/** "SA", "PA", "FPA", "R", "RA" ... or a number. */
export function tcpFlags(f: string | number): number {
  if (typeof f === 'number') return f;
  let v = 0;
  for (const c of f) { if (!(c in FLAG_BITS)) throw new Error(`bad flag ${c}`); v |= FLAG_BITS[c]; }
  return v;
}

export interface TcpOptionSpec { mss?: number; wscale?: number; sackOk?: boolean; ts?: [number, number]; raw?: number[] }

/** Linux-style SYN-ACK option layout: mss, sack, ts, nop, ws (whatever is given), padded with NOPs. */
export function tcpOptions(o: TcpOptionSpec): Uint8Array {
  const b: number[] = [];
  if (o.mss !== undefined) b.push(2, 4, o.mss >> 8, o.mss & 255);
  if (o.sackOk && o.ts) b.push(4, 2); else if (o.sackOk) b.push(1, 1, 4, 2);
  if (o.ts) {
    if (!o.sackOk) b.push(1, 1);
    b.push(8, 10, ...[o.ts[0], o.ts[1]].flatMap((v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]));
  }
  if (o.wscale !== undefined) b.push(1, 3, 3, o.wscale);
  if (o.raw) b.push(...o.raw);
  while (b.length % 4) b.push(1);
  return Uint8Array.from(b);
}

export interface IpSpec {
  src: Addr; dst: Addr; ttl?: number; id?: number; proto: number; tos?: number;
  ipOptions?: Uint8Array; fragment?: number;  // flags/fragment word (default 0x4000, DF)
  badChecksum?: boolean;
}

/** An IPv4 packet around payload, with a correct header checksum unless badChecksum. */
export function ipv4(spec: IpSpec, payload: Uint8Array): Uint8Array {
  const opt = spec.ipOptions ?? new Uint8Array(0);
  if (opt.length % 4) throw new Error('IP options must be a multiple of 4 bytes');
  const hl = 20 + opt.length;
  const b = new Uint8Array(hl + payload.length);
  b[0] = 0x40 | (hl / 4); b[1] = spec.tos ?? 0;
  put16(b, 2, b.length); put16(b, 4, spec.id ?? 0x1234); put16(b, 6, spec.fragment ?? 0x4000);
  b[8] = spec.ttl ?? 64; b[9] = spec.proto;
  put32(b, 12, ipToU32(spec.src)); put32(b, 16, ipToU32(spec.dst));
  b.set(opt, 20);
  const ck = inetChecksum(b.subarray(0, hl));
  put16(b, 10, spec.badChecksum ? ck ^ 0x5a5a : ck);
  b.set(payload, hl);
  return b;
}

export interface TcpSpec {
  src: Addr; dst: Addr; sport: number; dport: number; seq: number; ack: number;
  flags: string | number; window?: number; ttl?: number; id?: number;
  options?: Uint8Array | TcpOptionSpec; payload?: Uint8Array | string;
  ipOptions?: Uint8Array; badTcpChecksum?: boolean; fragment?: number;
}

/** An IPv4 + TCP packet with both checksums right (or the TCP one wrong when asked). */
export function tcp(spec: TcpSpec): Uint8Array {
  const opts = spec.options instanceof Uint8Array ? spec.options : tcpOptions(spec.options ?? {});
  const payload = typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const hl = 20 + opts.length;
  const t = new Uint8Array(hl + payload.length);
  put16(t, 0, spec.sport); put16(t, 2, spec.dport); put32(t, 4, spec.seq >>> 0); put32(t, 8, spec.ack >>> 0);
  t[12] = (hl / 4) << 4; t[13] = tcpFlags(spec.flags); put16(t, 14, spec.window ?? 64240);
  t.set(opts, 20); t.set(payload, hl);
  const pseudo = new Uint8Array(12);
  put32(pseudo, 0, ipToU32(spec.src)); put32(pseudo, 4, ipToU32(spec.dst)); pseudo[9] = 6; put16(pseudo, 10, t.length);
  const ck = inetChecksum(pseudo, t);
  put16(t, 16, spec.badTcpChecksum ? ck ^ 0xffff : ck);
  return ipv4({ src: spec.src, dst: spec.dst, ttl: spec.ttl, id: spec.id, proto: 6, ipOptions: spec.ipOptions, fragment: spec.fragment }, t);
}

/** ICMP error (default destination unreachable, port unreachable) quoting the first 28+ bytes of `quoted`. */
export function icmpError(spec: { src: Addr; dst: Addr; type?: number; code?: number; ttl?: number; quoteBytes?: number }, quoted: Uint8Array): Uint8Array {
  const q = quoted.subarray(0, Math.min(quoted.length, spec.quoteBytes ?? 28));
  const m = new Uint8Array(8 + q.length);
  m[0] = spec.type ?? 3; m[1] = spec.code ?? 3; m.set(q, 8);
  put16(m, 2, inetChecksum(m));
  return ipv4({ src: spec.src, dst: spec.dst, ttl: spec.ttl, proto: 1 }, m);
}

export const MAC_A = '02:00:00:00:00:0a';
export const MAC_B = '02:00:00:00:00:0b';

export function macBytes(m: string): Uint8Array { return Uint8Array.from(m.split(':').map((h) => parseInt(h, 16))); }

/** Ethernet II frame, optionally with 802.1Q tags (outermost first), padded to 60 bytes as on a wire. */
export function ether(payload: Uint8Array, o: { src?: string; dst?: string; vlans?: number[]; type?: number; pad?: boolean } = {}): Uint8Array {
  const tags = o.vlans ?? [];
  const hl = 14 + 4 * tags.length;
  const len = Math.max(hl + payload.length, o.pad === false ? 0 : 60);
  const b = new Uint8Array(len);
  b.set(macBytes(o.dst ?? MAC_B), 0); b.set(macBytes(o.src ?? MAC_A), 6);
  let p = 12;
  tags.forEach((v, i) => { put16(b, p, i === 0 && tags.length > 1 ? 0x88a8 : 0x8100); put16(b, p + 2, v); p += 4; });
  put16(b, p, o.type ?? 0x0800);
  b.set(payload, hl);
  return b;
}

/** Linux cooked capture v1 (DLT_LINUX_SLL, 113): 16-byte header, protocol at 14. */
export function sll(payload: Uint8Array, proto = 0x0800): Uint8Array {
  const b = new Uint8Array(16 + payload.length);
  put16(b, 0, 0); put16(b, 2, 1); put16(b, 4, 6); b.set(macBytes(MAC_A), 6); put16(b, 14, proto);
  b.set(payload, 16);
  return b;
}

/** Linux cooked capture v2 (DLT_LINUX_SLL2, 276): 20-byte header, protocol at 0. */
export function sll2(payload: Uint8Array, proto = 0x0800): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  put16(b, 0, proto); put32(b, 4, 2); put16(b, 8, 1); b[10] = 0; b[11] = 6; b.set(macBytes(MAC_A), 12);
  b.set(payload, 20);
  return b;
}

/** An ARP request "who has target? tell sender" as an Ethernet broadcast. */
export function arpRequest(senderMac: string, senderIp: Addr, targetIp: Addr): Uint8Array {
  const a = new Uint8Array(28);
  put16(a, 0, 1); put16(a, 2, 0x0800); a[4] = 6; a[5] = 4; put16(a, 6, 1);
  a.set(macBytes(senderMac), 8); put32(a, 14, ipToU32(senderIp));
  put32(a, 24, ipToU32(targetIp));
  return ether(a, { src: senderMac, dst: 'ff:ff:ff:ff:ff:ff', type: 0x0806 });
}

export interface PcapFrame { data: Uint8Array; time_us?: number; origLen?: number }

/** A classic pcap file (microsecond, little-endian) holding frames; snaplen cuts the captured bytes. */
export function pcapFile(frames: PcapFrame[], linktype = 1, snaplen = 262144): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16); h.writeUInt32LE(linktype, 20);
  parts.push(h);
  let t = 1_700_000_000_000_000;
  for (const f of frames) {
    const time = f.time_us ?? (t += 10);
    const cap = Math.min(f.data.length, snaplen);
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(time / 1e6), 0); r.writeUInt32LE(time % 1e6, 4);
    r.writeUInt32LE(cap, 8); r.writeUInt32LE(f.origLen ?? f.data.length, 12);
    parts.push(r, Buffer.from(f.data.buffer, f.data.byteOffset, cap));
  }
  return Buffer.concat(parts);
}

/** The source port and ISN blast would use for a SYN from src to dst:dport carrying probe slot
 *  `slot` (shared/cookie.ts, the TS reference), so tests can forge the replies a target sends. */
export function synTuple(key: Uint8Array, src: Addr, dst: Addr, dport: number, slot = 0,
  base = 32768, count = 61000 - 32768 + 1): { sport: number; isn: number } {
  // Imported lazily so files that only build frames do not load the cookie code.
  const c = require('../shared/cookie') as typeof import('../shared/cookie');
  const s = ipToU32(src), d = ipToU32(dst);
  const sport = c.sourcePort(key, s, d, dport, slot, base, count);
  return { sport, isn: c.isn(key, s, d, sport, dport) };
}

/** A pcapng file (section header, one Ethernet interface, enhanced packet blocks, microsecond
 *  times), little-endian, for readers that must take both formats. */
export function pcapngFile(frames: PcapFrame[], linktype = 1): Buffer {
  const block = (type: number, body: Buffer) => {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0); b.writeUInt32LE(len, 4); body.copy(b, 8); b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0); shb.writeUInt16LE(1, 4); shb.writeUInt16LE(0, 6);
  shb.writeInt32LE(-1, 8); shb.writeInt32LE(-1, 12);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(linktype, 0); idb.writeUInt32LE(262144, 4);
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  let t = 1_700_000_000_000_000;
  for (const f of frames) {
    const time = f.time_us ?? (t += 10);
    const e = Buffer.alloc(20 + f.data.length);
    e.writeUInt32LE(0, 0);
    e.writeUInt32LE(Math.floor(time / 2 ** 32), 4); e.writeUInt32LE(time % 2 ** 32, 8);
    e.writeUInt32LE(f.data.length, 12); e.writeUInt32LE(f.origLen ?? f.data.length, 16);
    Buffer.from(f.data).copy(e, 20);
    parts.push(block(6, e));
  }
  return Buffer.concat(parts);
}

export interface ReadFrame { t: number; data: Buffer; origLen: number }

/** The frames of a classic little-endian microsecond pcap file with Ethernet frames (or
 *  another linktype given), as the native writer makes them, parsed here without libpcap
 *  (throws on anything else). */
export function readPcapFile(file: string, linktype = 1): ReadFrame[] {
  const b = require('fs').readFileSync(file) as Buffer;
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian microsecond pcap`);
  if (b.readUInt32LE(20) !== linktype) throw new Error(`${file}: linktype ${b.readUInt32LE(20)}, not ${linktype}`);
  const out: ReadFrame[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b.readUInt32LE(o + 8);
    out.push({ t: b.readUInt32LE(o) + b.readUInt32LE(o + 4) / 1e6, data: b.subarray(o + 16, o + 16 + incl), origLen: b.readUInt32LE(o + 12) });
    o += 16 + incl;
  }
  return out;
}
