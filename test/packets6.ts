// IPv6 test frames: IPv6 with extension headers, TCP over IPv6, ICMPv6 destination unreachable
// and Neighbor Solicitation, with checksums computed here (RFC 8200 8.1 pseudo header)
// independently of native/ and shared/packet/; and a checker for the frames blast writes.
//
// IPv6 header (40 bytes): 0 version 6 | traffic class | flow label  4 payload length
//   6 next header  7 hop limit  8 src[16]  24 dst[16]
// Extension header: 0 next header  1 length in 8-byte units after the first 8  2 body
// ICMPv6: 0 type  1 code  2 checksum  4 rest[4]  8 body
import * as assert from 'uvu/assert';
import { inetChecksum, tcpFlags, tcpOptions, TcpOptionSpec } from './packets';
import { ipv6Bytes, parseIPv6, formatIPv6, ipv6FromBytes } from '../shared/ipv6';

/** The 16 bytes of an IPv6 address text. */
export function a6(s: string): Uint8Array {
  const v = parseIPv6(s);
  if (typeof v !== 'bigint') throw new Error(v);
  const b = new Uint8Array(16);
  ipv6Bytes(v, b);
  return b;
}

/** The text of 16 address bytes. */
export function t6(b: Uint8Array, off = 0): string { return formatIPv6(ipv6FromBytes(b, off)); }

function put16(b: Uint8Array, o: number, v: number) { b[o] = (v >>> 8) & 255; b[o + 1] = v & 255; }
function put32(b: Uint8Array, o: number, v: number) {
  b[o] = (v >>> 24) & 255; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255;
}

/** The pseudo header the upper-layer checksum covers: src, dst, length (32 bits), next header. */
export function pseudo6(src: Uint8Array, dst: Uint8Array, len: number, nh: number): Uint8Array {
  const p = new Uint8Array(40);
  p.set(src, 0); p.set(dst, 16); put32(p, 32, len); p[39] = nh;
  return p;
}

/** An extension header: next header filled in by ipv6(); body of 6 + 8k bytes. */
export interface Ext { type: 0 | 43 | 44 | 60; body?: Uint8Array }

/** An IPv6 packet around an upper-layer payload of protocol nh, behind the extension headers. */
export function ipv6(spec: { src: string; dst: string; hop?: number; ext?: Ext[] }, nh: number, payload: Uint8Array): Uint8Array {
  const exts = spec.ext ?? [];
  const parts: Uint8Array[] = [];
  for (let k = 0; k < exts.length; k++) {
    const body = exts[k].body ?? new Uint8Array(6);
    if ((body.length + 2) % 8) throw new Error('extension header bodies are 6 + 8k bytes');
    const h = new Uint8Array(body.length + 2);
    h[0] = k + 1 < exts.length ? exts[k + 1].type : nh;
    h[1] = exts[k].type === 44 ? 0 : (h.length / 8) - 1;
    h.set(body, 2);
    parts.push(h);
  }
  const extLen = parts.reduce((n, p) => n + p.length, 0);
  const b = new Uint8Array(40 + extLen + payload.length);
  put32(b, 0, 0x60000000); put16(b, 4, extLen + payload.length);
  b[6] = exts.length ? exts[0].type : nh; b[7] = spec.hop ?? 64;
  b.set(a6(spec.src), 8); b.set(a6(spec.dst), 24);
  let o = 40;
  for (const p of parts) { b.set(p, o); o += p.length; }
  b.set(payload, o);
  return b;
}

export interface Tcp6Spec {
  src: string; dst: string; sport: number; dport: number; seq: number; ack: number; flags: string | number;
  window?: number; hop?: number; options?: TcpOptionSpec | Uint8Array; payload?: Uint8Array | string; ext?: Ext[];
}

/** TCP over IPv6 with its checksum right. */
export function tcp6(spec: Tcp6Spec): Uint8Array {
  const opts = spec.options instanceof Uint8Array ? spec.options : tcpOptions(spec.options ?? {});
  const payload = typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const hl = 20 + opts.length;
  const t = new Uint8Array(hl + payload.length);
  put16(t, 0, spec.sport); put16(t, 2, spec.dport); put32(t, 4, spec.seq >>> 0); put32(t, 8, spec.ack >>> 0);
  t[12] = (hl / 4) << 4; t[13] = tcpFlags(spec.flags); put16(t, 14, spec.window ?? 64800);
  t.set(opts, 20); t.set(payload, hl);
  put16(t, 16, inetChecksum(pseudo6(a6(spec.src), a6(spec.dst), t.length, 6), t));
  return ipv6({ src: spec.src, dst: spec.dst, hop: spec.hop, ext: spec.ext }, 6, t);
}

/** An ICMPv6 message (type, code, rest, body) with its checksum right, in an IPv6 packet. */
export function icmp6(spec: { src: string; dst: string; hop?: number; ext?: Ext[] }, type: number, code: number,
  body: Uint8Array, rest = 0): Uint8Array {
  const m = new Uint8Array(8 + body.length);
  m[0] = type; m[1] = code; put32(m, 4, rest); m.set(body, 8);
  put16(m, 2, inetChecksum(pseudo6(a6(spec.src), a6(spec.dst), m.length, 58), m));
  return ipv6(spec, 58, m);
}

/** Destination unreachable (code: 1 administratively prohibited, 3 address, 4 port) quoting
 *  `quoted` as far as it goes (RFC 4443: as much as fits in 1280 bytes). */
export function icmp6Unreachable(spec: { src: string; dst: string; code?: number }, quoted: Uint8Array, quoteBytes = 1232): Uint8Array {
  return icmp6(spec, 1, spec.code ?? 1, quoted.subarray(0, quoteBytes));
}

/** A Neighbor Solicitation for target from src (:: for duplicate address detection), sent to the
 *  target's solicited-node group, with the source link-layer address option unless src is ::. */
export function neighborSolicitation(src: string, target: string, mac: Uint8Array | null, hop = 255): Uint8Array {
  const t = a6(target);
  const group = `ff02::1:ff${t[13].toString(16).padStart(2, '0')}:${((t[14] << 8) | t[15]).toString(16)}`;
  const body = new Uint8Array(20 + (mac ? 8 : 0));
  body.set(t, 4);
  if (mac) { body[20] = 1; body[21] = 1; body.set(mac, 22); }
  return icmp6({ src, dst: group, hop }, 135, 0, body.subarray(4), 0);
}

/** Sum of 16-bit words, as a checker (0xffff when a checksummed range is right). */
function sum16(b: Uint8Array, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export interface Seg6 {
  dstMac: string; srcMac: string; src: string; dst: string; hop: number; sport: number; dport: number;
  seq: number; ack: number; flags: number; window: number; opts: number[]; options: Uint8Array; payload: Uint8Array;
}

/** Checks an Ethernet + IPv6 + TCP frame independently of the code under test (ethertype,
 *  version, payload length, next header, the TCP checksum over the pseudo header recomputed)
 *  and returns its fields. */
export function checkSeg6(f: Uint8Array): Seg6 {
  const hex = (o: number) => Array.from(f.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
  assert.is((f[12] << 8) | f[13], 0x86dd, 'ethertype IPv6');
  const ip = f.subarray(14);
  assert.is(ip[0] >> 4, 6, 'version 6');
  assert.is(((ip[0] & 15) << 16) | (ip[1] << 8) | ip[2] | ip[3], 0, 'traffic class and flow label 0');
  const plen = (ip[4] << 8) | ip[5];
  assert.is(ip.length, 40 + plen, 'payload length covers the TCP segment exactly');
  assert.is(ip[6], 6, 'next header TCP');
  const tcp = ip.subarray(40, 40 + plen);
  assert.is(sum16(tcp, sum16(pseudo6(ip.subarray(8, 24), ip.subarray(24, 40), tcp.length, 6))), 0xffff, 'TCP checksum');
  const doff = (tcp[12] >> 4) * 4;
  const kinds: number[] = [];
  for (let o = 20; o < doff;) {
    const k = tcp[o]; kinds.push(k);
    if (k === 0 || k === 1) { o++; continue; }
    o += tcp[o + 1];
  }
  const u32 = (o: number) => ((tcp[o] << 24) | (tcp[o + 1] << 16) | (tcp[o + 2] << 8) | tcp[o + 3]) >>> 0;
  return {
    dstMac: hex(0), srcMac: hex(6), src: t6(ip, 8), dst: t6(ip, 24), hop: ip[7],
    sport: (tcp[0] << 8) | tcp[1], dport: (tcp[2] << 8) | tcp[3], seq: u32(4), ack: u32(8), flags: tcp[13],
    window: (tcp[14] << 8) | tcp[15], opts: kinds, options: tcp.subarray(20, doff), payload: tcp.subarray(doff),
  };
}

/** The source port and ISN blast uses for an IPv6 SYN (shared/cookie.ts, the TS reference). */
export function synTuple6(key: Uint8Array, src: string, dst: string, dport: number, slot = 0,
  base = 32768, count = 61000 - 32768 + 1): { sport: number; isn: number } {
  const c = require('../shared/cookie') as typeof import('../shared/cookie');
  const s = a6(src), d = a6(dst);
  const sport = c.sourcePort6(key, s, d, dport, slot, base, count);
  return { sport, isn: c.isn6(key, s, d, sport, dport) };
}
