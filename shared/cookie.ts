// The stateless cookie, TypeScript reference (native/ has the fast twin; tests prove them equal).
//
// ISN     = low 32 bits of SipHash-2-4(key, saddr[4] daddr[4] sport[2] dport[2])   (ports big-endian)
// sport   = base + (g mod G) * 16 + slot, G = floor(count / 16),
//           g = low 32 bits of SipHash-2-4(key, 0x01 saddr[4] daddr[4] dport[2])
//           The slot (0..15) names the probe sent on this connection (shared/probes), so catch
//           recovers the probe from the packet alone. With fewer than 16 source ports there are
//           no slots: sport = base + (g mod count) and the probe is whatever blast was told.
// Variants: slot VARIANT_SLOT (13, jarm) sends VARIANTS (10) probes to one port, each its own
//           connection: variant v takes the group v past the keyed one,
//           sport = base + (((g mod G) + v) mod G) * 16 + 13, so a reply names its variant
//           v = (group - g) mod G; a probe code is slot + 16 * v. Any of the ten groups is
//           accepted on slot 13, so its port check is log2(G / 10) bits, not log2 G (trawl.7).
// IPv6: the same hashes over the 128-bit tuple, saddr[16] daddr[16] in place of saddr[4] daddr[4]
// (36 and 35 bytes), so the same bits validate a reply of either family.
// source  = first + index within a --source-ip range of count addresses (IPv6: counted in the
//           last 32 bits), index = low 32 bits of SipHash-2-4(key, 0x02 daddr[4|16] dport[2])
//           mod count: a function of the target alone, so the reply tells which address was
//           ours; the ISN and port above are then hashed over that address.
// A SYN-ACK or RST must ack ISN+1 exactly (32 bits) and arrive on the keyed sport (log2 G bits).
// A banner segment must ack ISN+1+d with 0 <= d <= MAX_PROBE_LEN: d is the probe length the
// server acknowledged (0 when it spoke first), 32 - log2(MAX_PROBE_LEN+1) bits from the ack,
// plus log2 G from the port: 32.3 bits with the default 32768-61000 range (see man/trawl.7).
// ICMP echo (targets with proto "icmp": trawl targets --ping; native/src/frame-icmp.h is the C++ twin):
//   identifier << 16 | sequence = low 32 bits of SipHash-2-4(key, 0x03 saddr daddr)
//   payload = time[8] tag[8]: time the send time in microseconds since the epoch (big-endian),
//             tag = SipHash-2-4(key, 0x04 saddr daddr time[8]) (64 bits, big-endian)
//   saddr our address (a --source-ip range's index: sourceIndex with port 0), daddr the
//   target's, 4 or 16 bytes. A reply must come from daddr to saddr with the identifier and
//   sequence of that pair (32 bits) and echo a payload whose tag matches its time (64 bits):
//   the time cannot be forged, so the round-trip time (capture time - time) is stateless.
import { SipHash, siphash24 } from './siphash';

export const SLOTS = 16;
/** The slot whose probe (jarm) has variants, and how many. */
export const VARIANT_SLOT = 13;
export const VARIANTS = 10;
/** Probe codes run from 0 to below this (13 + 16 * 9 is the last). */
export const CODES_IN_USE = SLOTS * VARIANTS;
/** Source ports needed for the variants to be told apart: VARIANTS groups of 16. */
export const MIN_VARIANT_PORTS = VARIANTS * SLOTS;

/** A probe code: the slot and, for VARIANT_SLOT, a variant (0 otherwise). */
export function probeCode(slot: number, variant = 0): number { return slot + SLOTS * variant; }
export function slotOfCode(code: number): number { return code % SLOTS; }
export function variantOfCode(code: number): number { return Math.floor(code / SLOTS); }
export const MAX_PROBE_LEN = 1400;
export const DEFAULT_SPORT_BASE = 32768;
export const DEFAULT_SPORT_COUNT = 61000 - 32768 + 1;

function u32be(b: Uint8Array, o: number, v: number) {
  b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
}

/** Our initial sequence number for the SYN saddr:sport -> daddr:dport (addresses as uint32). */
export function isn(key: Uint8Array, saddr: number, daddr: number, sport: number, dport: number): number {
  const m = new Uint8Array(12);
  u32be(m, 0, saddr); u32be(m, 4, daddr);
  m[8] = sport >> 8; m[9] = sport & 0xff; m[10] = dport >> 8; m[11] = dport & 0xff;
  return Number(siphash24(key, m) & 0xffffffffn);
}

function portHash(key: Uint8Array, saddr: number, daddr: number, dport: number): number {
  const m = new Uint8Array(11);
  m[0] = 1; u32be(m, 1, saddr); u32be(m, 5, daddr); m[9] = dport >> 8; m[10] = dport & 0xff;
  return Number(siphash24(key, m) & 0xffffffffn);
}

/** Our initial sequence number for the IPv6 SYN saddr:sport -> daddr:dport (16-byte addresses). */
export function isn6(key: Uint8Array, saddr: Uint8Array, daddr: Uint8Array, sport: number, dport: number): number {
  const m = new Uint8Array(36);
  m.set(saddr.subarray(0, 16), 0); m.set(daddr.subarray(0, 16), 16);
  m[32] = sport >> 8; m[33] = sport & 0xff; m[34] = dport >> 8; m[35] = dport & 0xff;
  return Number(siphash24(key, m) & 0xffffffffn);
}

function portHash6(key: Uint8Array, saddr: Uint8Array, daddr: Uint8Array, dport: number): number {
  const m = new Uint8Array(35);
  m[0] = 1; m.set(saddr.subarray(0, 16), 1); m.set(daddr.subarray(0, 16), 17); m[33] = dport >> 8; m[34] = dport & 0xff;
  return Number(siphash24(key, m) & 0xffffffffn);
}

/** The index of a target's source address (IPv4 as a number, IPv6 as 16 bytes) within a
 *  --source-ip range of count addresses. */
export function sourceIndex(key: Uint8Array, daddr: number | Uint8Array, dport: number, count: number): number {
  if (count <= 1) return 0;
  const n = typeof daddr === 'number' ? 4 : 16;
  const m = new Uint8Array(3 + n);
  m[0] = 2;
  if (typeof daddr === 'number') u32be(m, 1, daddr); else m.set(daddr.subarray(0, 16), 1);
  m[n + 1] = dport >> 8; m[n + 2] = dport & 0xff;
  return Number(siphash24(key, m) & 0xffffffffn) % count;
}

// The port of port hash g and a probe code, and back: the part of the scheme both families share.
function portOfHash(g: number, code: number, base: number, count: number): number {
  const groups = Math.floor(count / SLOTS);
  if (groups === 0) return base + (g % count);
  return base + (((g % groups) + variantOfCode(code)) % groups) * SLOTS + slotOfCode(code);
}

function slotOfHash(g: number, sport: number, base: number, count: number): number {
  const off = sport - base;
  const groups = Math.floor(count / SLOTS);
  if (groups === 0) return off === (g % count) ? 0 : -1;
  if (off >= groups * SLOTS) return -1;
  const slot = off % SLOTS;
  const v = (Math.floor(off / SLOTS) + groups - (g % groups)) % groups;
  if (slot === VARIANT_SLOT) return v < VARIANTS ? probeCode(slot, v) : -1;
  return v === 0 ? slot : -1;
}

const outOfRange = (sport: number, base: number, count: number) => sport < base || sport >= base + count;

/** The source port blast uses for a target and probe slot (a probe code for the jarm variants). */
export function sourcePort(key: Uint8Array, saddr: number, daddr: number, dport: number,
  slot: number, base: number, count: number): number {
  return portOfHash(portHash(key, saddr, daddr, dport), slot, base, count);
}

/** The probe slot a reply's destination port encodes (the probe code, slot + 16 * variant,
 *  on VARIANT_SLOT), or -1 when the port is not ours.
 *  With fewer than 16 ports (no slots) a valid port returns 0. */
export function checkSourcePort(key: Uint8Array, saddr: number, daddr: number, dport: number,
  sport: number, base: number, count: number): number {
  return outOfRange(sport, base, count) ? -1 : slotOfHash(portHash(key, saddr, daddr, dport), sport, base, count);
}

/** sourcePort for an IPv6 target (16-byte addresses). */
export function sourcePort6(key: Uint8Array, saddr: Uint8Array, daddr: Uint8Array, dport: number,
  slot: number, base: number, count: number): number {
  return portOfHash(portHash6(key, saddr, daddr, dport), slot, base, count);
}

/** checkSourcePort for an IPv6 reply (16-byte addresses). */
export function checkSourcePort6(key: Uint8Array, saddr: Uint8Array, daddr: Uint8Array, dport: number,
  sport: number, base: number, count: number): number {
  return outOfRange(sport, base, count) ? -1 : slotOfHash(portHash6(key, saddr, daddr, dport), sport, base, count);
}

/** Validation bits a banner segment carries for a source range of `count` ports (on the
 *  jarm slot, whose port check accepts any of VARIANTS groups, `variants` true). */
export function bannerValidationBits(count: number, variants = false): number {
  const groups = Math.floor(count / SLOTS);
  const portBits = groups === 0 ? Math.log2(count) : Math.log2(variants ? groups / VARIANTS : groups);
  return 32 - Math.log2(MAX_PROBE_LEN + 1) + portBits;
}

/** The ICMP echo cookie of one key: identifier and sequence, and the payload's tag. Addresses
 *  are 4 (IPv4) or 16 bytes at an offset of any buffer (a captured packet's own fields). */
export class EchoCookie {
  private h: SipHash;
  private m = new Uint8Array(41);
  constructor(key: Uint8Array) { this.h = new SipHash(key); }

  private pair(tag: number, s: Uint8Array, so: number, d: Uint8Array, dO: number, alen: number): number {
    const m = this.m;
    m[0] = tag;
    for (let k = 0; k < alen; k++) { m[1 + k] = s[so + k]; m[1 + alen + k] = d[dO + k]; }
    return 1 + 2 * alen;
  }

  /** identifier << 16 | sequence of the echo request saddr -> daddr. */
  idSeq(s: Uint8Array, so: number, d: Uint8Array, dO: number, alen: 4 | 16): number {
    this.h.hash(this.m, 0, this.pair(3, s, so, d, dO, alen));
    return this.h.lo;
  }

  /** Whether the 16 bytes at p[po] (time, tag) are a payload blast made for saddr -> daddr. */
  payloadOk(s: Uint8Array, so: number, d: Uint8Array, dO: number, alen: 4 | 16, p: Uint8Array, po: number): boolean {
    const n = this.pair(4, s, so, d, dO, alen), m = this.m;
    for (let k = 0; k < 8; k++) m[n + k] = p[po + k];
    this.h.hash(m, 0, n + 8);
    return be32(p, po + 8) === this.h.hi && be32(p, po + 12) === this.h.lo;
  }

  /** The 16 payload bytes of the request saddr -> daddr sent at timeUs (tests; blast's are native). */
  payload(s: Uint8Array, so: number, d: Uint8Array, dO: number, alen: 4 | 16, timeUs: number): Uint8Array {
    const out = new Uint8Array(16), n = this.pair(4, s, so, d, dO, alen), m = this.m;
    u32be(out, 0, Math.floor(timeUs / 2 ** 32)); u32be(out, 4, timeUs >>> 0);
    for (let k = 0; k < 8; k++) m[n + k] = out[k];
    this.h.hash(m, 0, n + 8);
    u32be(out, 8, this.h.hi); u32be(out, 12, this.h.lo);
    return out;
  }
}

/** The send time (microseconds) in an echo payload's first 8 bytes. */
export function echoTime(p: Uint8Array, po: number): number { return be32(p, po) * 2 ** 32 + be32(p, po + 4); }

function be32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
