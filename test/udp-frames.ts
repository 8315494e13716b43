// UDP test frames: blast's datagrams parsed and checked here independently of native/ (IP and UDP
// checksums recomputed, the cookie's place), and answers built to them (a server's reply, an ICMP
// or ICMPv6 port unreachable quoting the datagram) for catch's replay tests.
//
// Checked frame: 0 eth 14 IPv4 (20) or IPv6 (40) header, then UDP: 0 sport 2 dport 4 length
// 6 checksum 8 payload (RFC 768; the checksum over the pseudo header, RFC 8200 8.1 for IPv6).
import * as assert from 'uvu/assert';
import { ether, inetChecksum, ipv4 } from './packets';
import { a6, ipv6, pseudo6, t6 } from './packets6';
import { isn, isn6, checkSourcePort, checkSourcePort6 } from '../shared/cookie';

export interface Datagram {
  v6: boolean; src: string; dst: string; srcB: Uint8Array; dstB: Uint8Array; ttl: number;
  sport: number; dport: number; payload: Uint8Array;
}

function sum(b: Uint8Array, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Parses one UDP frame blast wrote and asserts its lengths and both checksums. */
export function checkUdp(f: Uint8Array): Datagram {
  const type = (f[12] << 8) | f[13];
  if (type === 0x0800) {
    const ip = f.subarray(14, 34);
    assert.is(ip[0], 0x45); assert.is(ip[9], 17, 'protocol UDP');
    assert.is((ip[2] << 8) | ip[3], f.length - 14, 'IP total length');
    assert.is((ip[6] << 8) | ip[7], 0x4000, 'DF, no fragment');
    assert.is(sum(ip), 0xffff, 'IP header checksum');
    const u = f.subarray(34);
    assert.is((u[4] << 8) | u[5], u.length, 'UDP length');
    assert.ok(((u[6] << 8) | u[7]) !== 0, 'a UDP checksum is present');
    const ph = new Uint8Array(12);
    ph.set(ip.subarray(12, 20), 0); ph[9] = 17; ph[10] = u.length >> 8; ph[11] = u.length & 255;
    assert.is(sum(u, sum(ph)), 0xffff, 'UDP checksum');
    return { v6: false, src: ip.subarray(12, 16).join('.'), dst: ip.subarray(16, 20).join('.'), srcB: ip.slice(12, 16),
      dstB: ip.slice(16, 20), ttl: ip[8], sport: (u[0] << 8) | u[1], dport: (u[2] << 8) | u[3], payload: u.slice(8) };
  }
  assert.is(type, 0x86dd, 'ethertype IPv6');
  const ip = f.subarray(14, 54);
  assert.is(ip[6], 17, 'next header UDP');
  const u = f.subarray(54);
  assert.is((ip[4] << 8) | ip[5], u.length, 'payload length');
  assert.is((u[4] << 8) | u[5], u.length, 'UDP length');
  assert.ok(((u[6] << 8) | u[7]) !== 0, 'IPv6 UDP checksum is never 0');
  assert.is(sum(u, sum(pseudo6(ip.subarray(8, 24), ip.subarray(24, 40), u.length, 17))), 0xffff, 'UDP checksum (IPv6)');
  return { v6: true, src: t6(ip, 8), dst: t6(ip, 24), srcB: ip.slice(8, 24), dstB: ip.slice(24, 40), ttl: ip[7],
    sport: (u[0] << 8) | u[1], dport: (u[2] << 8) | u[3], payload: u.slice(8) };
}

const u32 = (b: Uint8Array) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;

/** The cookie of a datagram (shared/cookie.ts isn over its tuple) and the slot its port carries. */
export function udpCookie(key: Uint8Array, d: Datagram, base: number, count: number): { cookie: number; slot: number } {
  if (d.v6) {
    return { cookie: isn6(key, d.srcB, d.dstB, d.sport, d.dport), slot: checkSourcePort6(key, d.srcB, d.dstB, d.dport, d.sport, base, count) };
  }
  return { cookie: isn(key, u32(d.srcB), u32(d.dstB), d.sport, d.dport), slot: checkSourcePort(key, u32(d.srcB), u32(d.dstB), d.dport, d.sport, base, count) };
}

/** The id field's bytes of a cookie: its low len bytes, big-endian. */
export function idBytes(cookie: number, len: number): number[] {
  return Array.from({ length: len }, (_, k) => (cookie >>> (8 * (len - 1 - k))) & 255);
}

function udpBytes(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, payload: Uint8Array, v6: boolean): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u[0] = sport >> 8; u[1] = sport & 255; u[2] = dport >> 8; u[3] = dport & 255;
  u[4] = u.length >> 8; u[5] = u.length & 255; u.set(payload, 8);
  let c: number;
  if (v6) c = inetChecksum(pseudo6(src, dst, u.length, 17), u);
  else {
    const ph = new Uint8Array(12);
    ph.set(src, 0); ph.set(dst, 4); ph[9] = 17; ph[10] = u.length >> 8; ph[11] = u.length & 255;
    c = inetChecksum(ph, u);
  }
  if (c === 0) c = 0xffff;
  u[6] = c >> 8; u[7] = c & 255;
  return u;
}

/** The server's answer to datagram d: addresses and ports swapped, the given payload. */
export function udpAnswer(d: Datagram, payload: Uint8Array, o: { ttl?: number; from?: string; sport?: number; dport?: number } = {}): Uint8Array {
  const from = o.from ?? d.dst;
  const fromB = d.v6 ? a6(from) : Uint8Array.from(from.split('.').map(Number));
  const u = udpBytes(fromB, d.srcB, o.sport ?? d.dport, o.dport ?? d.sport, payload, d.v6);
  if (d.v6) return ether(ipv6({ src: from, dst: d.src, hop: o.ttl ?? 60 }, 17, u), { type: 0x86dd });
  return ether(ipv4({ src: from, dst: d.src, proto: 17, ttl: o.ttl ?? 60 }, u));
}

/** An ICMP (type 3) or ICMPv6 (type 1) destination unreachable from `from` quoting the datagram
 *  d as sent (its IP packet, cut to quote bytes). */
export function udpUnreachable(d: Datagram, frame: Uint8Array, o: { from?: string; code?: number; quote?: number; mutate?: (q: Uint8Array) => void } = {}): Uint8Array {
  const q = Uint8Array.from(frame.subarray(14, 14 + Math.min(frame.length - 14, o.quote ?? 548)));
  o.mutate?.(q);
  const from = o.from ?? d.dst;
  if (d.v6) {
    const m = new Uint8Array(8 + q.length);
    m[0] = 1; m[1] = o.code ?? 4; m.set(q, 8);
    const c = inetChecksum(pseudo6(a6(from), d.srcB, m.length, 58), m);
    m[2] = c >> 8; m[3] = c & 255;
    return ether(ipv6({ src: from, dst: d.src, hop: 64 }, 58, m), { type: 0x86dd });
  }
  const m = new Uint8Array(8 + q.length);
  m[0] = 3; m[1] = o.code ?? 3; m.set(q, 8);
  const c = inetChecksum(m);
  m[2] = c >> 8; m[3] = c & 255;
  return ether(ipv4({ src: from, dst: d.src, proto: 1, ttl: 64 }, m));
}
