// Hostile UDP answers for the UDP parsers: the real answers (test/udp-answers.ts) truncated at
// every length, every byte flipped, each protocol's lengths and counts set to their maximum, DNS
// compression pointer loops, BER lengths past the bytes and nesting 10,000 deep; and random
// mutations of them. Each goes through identifyUdp (its module's parsers, every parser as the
// --udp-payloads probe `user` would, no probe at all) and enrichBanner as `trawl banners` reads a
// UDP answer. A throw, a field of the wrong shape or a case over LIMIT_MS of CPU is a failure.
// Used by test/udp-hostile.test.ts (the deterministic set and a short random run, in make test)
// and test/fuzz/udp.fuzz.ts (make fuzz: the long random run).
import { identifyUdp } from '../../shared/parsers';
import { Fields } from '../../shared/parsers/types';
import { MAX_FIELD } from '../../shared/parsers/text';
import { enrichBanner } from '../../shared/parsers/banner';
import { asNmapSent } from '../../shared/parsers/udp-nmap';
import type { ServiceProbes } from '../../shared/service-probes';
import { ANSWERS, UdpAnswer, nbstatAnswer } from '../udp-answers';
import { Rng, Summary, newSummary } from './common';

/** CPU ms one answer may take through every path (the banners fuzzer's limit). */
export const LIMIT_MS = 20;

export interface Case { what: string; answer: UdpAnswer; bytes: Uint8Array }

const set = (b: Uint8Array, at: number, ...v: number[]) => { const c = Uint8Array.from(b); c.set(v.slice(0, Math.max(0, c.length - at)), at); return c; };
function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Where each protocol keeps a length or a count, in its real answer: set to all ones. */
function maxFields(a: UdpAnswer): Case[] {
  const out: Case[] = [];
  const b = a.bytes, add = (what: string, bytes: Uint8Array) => out.push({ what: `${a.name}: ${what}`, answer: a, bytes });
  if (a.service === 'dns' || a.service === 'netbios') {
    for (const [o, n] of [[4, 'QDCOUNT'], [6, 'ANCOUNT'], [8, 'NSCOUNT'], [10, 'ARCOUNT']] as const) add(`${n} 65535`, set(b, o, 0xff, 0xff));
    // Every RDLENGTH: found by walking is what the parser does; here every 16-bit word after a
    // TYPE/CLASS/TTL-sized gap is tried instead, so no layout knowledge is needed.
    for (let o = 12; o + 1 < b.length; o++) add(`word at ${o} 65535`, set(b, o, 0xff, 0xff));
  }
  if (a.service === 'snmp') {
    // Each TLV's length byte: long form with 4 bytes of ones, and the indefinite form 0x80.
    for (let o = 1; o < b.length; o++) {
      add(`length at ${o} 0x84ffffffff`, cat(b.subarray(0, o), [0x84, 0xff, 0xff, 0xff, 0xff], b.subarray(o + 1)));
      add(`length at ${o} indefinite`, set(b, o, 0x80));
      add(`length at ${o} 0x85 (5 bytes)`, cat(b.subarray(0, o), [0x85, 1, 0, 0, 0, 0], b.subarray(o + 1)));
    }
  }
  if (a.service === 'netbios') add('NUM_NAMES 255', set(b, 56, 0xff));
  if (a.service === 'memcached') { add('datagrams 65535', set(b, 4, 0xff, 0xff)); add('sequence 65535', set(b, 2, 0xff, 0xff)); }
  if (a.service === 'ntp') for (let o = 0; o < 48; o += 4) add(`word at ${o} all ones`, set(b, o, 0xff, 0xff, 0xff, 0xff));
  return out;
}

/** Answers built to attack a parser's bookkeeping, not derived from a real one. */
export function crafted(): Case[] {
  const dnsA = ANSWERS.find((a) => a.name === 'dns-a')!, snmp = ANSWERS.find((a) => a.name === 'snmp-v2c')!;
  const out: Case[] = [];
  const dns = (what: string, bytes: Uint8Array) => out.push({ what: `dns: ${what}`, answer: dnsA, bytes });
  const head = (qd: number, an: number) => [0x12, 0x34, 0x81, 0x80, 0, qd, an >> 8, an & 0xff, 0, 0, 0, 0];
  // The question's name a pointer to itself; two pointers to each other; a forward pointer.
  dns('pointer to itself', cat(head(1, 0), [0xc0, 12, 0, 1, 0, 1]));
  dns('two pointers to each other', cat(head(1, 0), [0xc0, 14, 0xc0, 12, 0, 1, 0, 1]));
  dns('forward pointer', cat(head(1, 0), [0xc0, 20, 0, 1, 0, 1, 0, 0, 1, 'a'.charCodeAt(0), 0]));
  dns('label then pointer back into itself', cat(head(1, 0), [1, 0x61, 0xc0, 12, 0, 1, 0, 1]));
  // A chain of 8,000 pointers, each back to the one before, inside an answer of an unknown type
  // (its RDATA is only shown in hex): then answers named by a pointer into the chain. Loop-free,
  // so only the label limit ends the walk; 65535 answers claimed, 3,000 present.
  const chained = (hops: number, answers: number) => {
    const q = [1, 0x61, 0, 0, 1, 0, 1], start = 12 + q.length + 12;
    const chain: number[] = [];
    for (let j = 0; j < 8000; j++) { const to = j === 0 ? 12 : start + 2 * (j - 1); chain.push(0xc0 | (to >> 8), to & 0xff); }
    const at = start + 2 * (hops - 1);
    const rr = [0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 192, 0, 2, 1];
    return cat(head(1, 65535), q, [0xc0, 12, 0, 99, 0, 1, 0, 0, 0, 1, chain.length >> 8, chain.length & 0xff], chain, ...new Array(answers).fill(rr));
  };
  dns('a name 8,000 pointers long', chained(8000, 1));
  dns('3,000 answers, each name 100 pointers long', chained(100, 3000));
  dns('65535 answers each a pointer to the question', cat(head(1, 65535), [1, 0x61, 0, 0, 1, 0, 1], ...Array.from({ length: 3000 }, () => [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 1, 0x62])));
  dns('TXT strings longer than their record', cat(head(1, 1), [1, 0x61, 0, 0, 16, 0, 3, 0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, 3, 0xff, 0x61, 0x62]));
  dns('127 labels of 63 bytes', cat(head(1, 0), ...Array.from({ length: 127 }, () => [63, ...new Array(63).fill(0x61)]), [0, 0, 1, 0, 1]));
  const nb = ANSWERS.find((a) => a.service === 'netbios')!;
  out.push({ what: 'netbios: 255 names, then the MAC', answer: nb,
    bytes: nbstatAnswer(1, Array.from({ length: 255 }, (_, i) => [`N${i}`, 0x20, false] as [string, number, boolean]), [2, 0, 0, 0, 0, 1]) });
  const ber = (what: string, bytes: Uint8Array) => out.push({ what: `snmp: ${what}`, answer: snmp, bytes });
  // SEQUENCEs 10,000 deep (long-form lengths so each fits), and the same as the varbind value.
  const deep = new Uint8Array(6 * 10000 + 2);
  for (let i = 0; i < 10000; i++) {
    const o = 6 * i, n = deep.length - o - 6;
    deep.set([0x30, 0x84, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff], o);
  }
  deep.set([0x05, 0], deep.length - 2);
  ber('SEQUENCE nested 10,000 deep', deep);
  const msg = (version: number, pdu: Uint8Array) => { const body = cat([0x02, 1, version, 0x04, 6, ...Buffer.from('public')], pdu); return cat([0x30, 0x84, 0, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff], body); };
  const long = (tag: number, body: Uint8Array) => cat([tag, 0x84, body.length >>> 24, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff], body);
  ber('varbind value nested 10,000 deep', msg(1, long(0xa2, cat([2, 1, 1, 2, 1, 0, 2, 1, 0], long(0x30, long(0x30, cat([6, 8, 0x2b, 6, 1, 2, 1, 1, 1, 0], deep)))))));
  ber('4,000 varbinds', msg(1, long(0xa2, cat([2, 1, 1, 2, 1, 0, 2, 1, 0], long(0x30, cat(...Array.from({ length: 4000 }, () => [0x30, 12, 6, 8, 0x2b, 6, 1, 2, 1, 1, 1, 0, 5, 0])))))));
  ber('OID of 120 sub-identifiers past 2^53', msg(1, long(0xa2, cat([2, 1, 1, 2, 1, 0, 2, 1, 0], long(0x30, long(0x30, cat([6, 120, ...new Array(119).fill(0xff), 0x7f], [5, 0])))))));
  ber('INTEGERs of 4 GB claimed', msg(1, cat([0xa2, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x84, 0xff, 0xff, 0xff, 0xf0, 1])));
  ber('request-id of 100 bytes', msg(1, long(0xa2, cat([2, 100], new Array(100).fill(0xff), [2, 1, 0, 2, 1, 0, 0x30, 0]))));
  ber('version INTEGER of 0 bytes', Uint8Array.from([0x30, 2, 2, 0]));
  ber('high tag number', Uint8Array.from([0x3f, 0x81, 0x01, 0]));
  return out;
}

/** Every deterministic case: each answer truncated at every length, each byte xor 0xff, 0x00 and
 *  0xff, each protocol's lengths and counts at their maximum; then the crafted attacks. */
export function deterministicCases(): Case[] {
  const out: Case[] = [];
  for (const a of ANSWERS) {
    for (let n = 0; n < a.bytes.length; n++) out.push({ what: `${a.name}: first ${n} bytes`, answer: a, bytes: a.bytes.subarray(0, n) });
    for (let i = 0; i < a.bytes.length; i++) {
      for (const v of new Set([a.bytes[i] ^ 0xff, 0, 0xff])) if (v !== a.bytes[i]) out.push({ what: `${a.name}: byte ${i} = 0x${v.toString(16)}`, answer: a, bytes: set(a.bytes, i, v) });
    }
    out.push(...maxFields(a));
  }
  return [...out, ...crafted()];
}

/** A random mutation of a random real answer. */
export function randomCase(rng: Rng): Case {
  const a = rng.pick(ANSWERS);
  let b: Uint8Array = Uint8Array.from(a.bytes);
  const what: string[] = [];
  for (let k = 1 + rng.int(6); k > 0; k--) {
    switch (rng.int(6)) {
      case 0: { const i = rng.int(b.length); b[i] ^= 1 << rng.int(8); what.push(`bit ${i}`); break; }
      case 1: { const i = rng.int(b.length); b[i] = rng.pick([0, 0xff, 0x7f, 0x80, 0xc0, 0x84, rng.int(256)]); what.push(`byte ${i}`); break; }
      case 2: { const n = rng.int(b.length + 1); b = b.subarray(0, n); what.push(`cut ${n}`); break; }
      case 3: { const i = rng.int(b.length), n = 1 + rng.int(8), piece = b.subarray(i, i + n), times = 1 + rng.int(500);
        b = cat(b.subarray(0, i), ...new Array(times).fill(piece), b.subarray(i)); what.push(`repeat ${n}x${times} at ${i}`); break; }
      case 4: { const o = rng.pick(ANSWERS).bytes, i = rng.int(b.length + 1); b = cat(b.subarray(0, i), o.subarray(rng.int(o.length))); what.push(`splice at ${i}`); break; }
      default: { const i = rng.int(Math.max(1, b.length - 1)); b = set(b, i, 0xff, 0xff); what.push(`word ${i} 65535`); break; }
    }
  }
  return { what: `${a.name}: ${what.join(', ')}`, answer: a, bytes: b };
}

function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }

/** Why a parse result is of the wrong shape, or null. */
export function badFields(f: Fields): string | null {
  for (const [k, v] of Object.entries(f)) {
    if (Array.isArray(v)) {
      if (v.length > 64) return `${k} has ${v.length} items`;
      for (const s of v) if (typeof s !== 'string' || s.length > MAX_FIELD * 2) return `${k} holds ${typeof s} of ${String(s).length}`;
      continue;
    }
    if (!['string', 'number', 'boolean'].includes(typeof v)) return `${k} is ${typeof v}`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `${k} is not finite`;
    if (typeof v === 'string' && v.length > MAX_FIELD * 2) return `${k} is ${v.length} long`;
  }
  return null;
}

/** One case through every path; throws on a wrong shape (the caller counts it as a crash). */
function runCase(c: Case, probes: ServiceProbes | null): void {
  for (const probe of [c.answer.probe, 'user', null]) {
    const r = identifyUdp(c.bytes, probe, probe === null ? 0 : c.answer.port);
    const bad = badFields(r.fields);
    if (bad) throw new Error(`probe ${probe}: ${bad}`);
    if (JSON.stringify(JSON.parse(JSON.stringify(r.fields))) !== JSON.stringify(r.fields)) throw new Error('fields do not round-trip through JSON');
  }
  // What nmap's rules are given (the echoed ID set back to nmap's): never longer than the answer.
  if (asNmapSent(c.bytes, c.answer.probe).length > c.bytes.length) throw new Error('asNmapSent grew the answer');
  const rec = { type: 'banner', ip: '198.18.0.1', port: c.answer.port, proto: 'udp', probe: c.answer.probe, data: Buffer.from(c.bytes).toString('base64') };
  const out = enrichBanner(rec, { probes });
  if (typeof out === 'string') throw new Error(`enrichBanner refused it: ${out}`);
}

/** Runs the cases, timing each (CPU; a case over the limit is run twice more, the fastest counts). */
export function runCases(cases: Iterable<Case>, probes: ServiceProbes | null, log: (s: string) => void): Summary {
  const sum = newSummary();
  for (const c of cases) {
    sum.units++;
    let ms: number;
    try {
      const once = () => { const t = cpuMs(); runCase(c, probes); return cpuMs() - t; };
      ms = once();
      if (ms > LIMIT_MS) ms = Math.min(ms, once(), once());
    } catch (e) {
      sum.crashes++;
      log(`crash: ${c.what} (${c.bytes.length} bytes ${Buffer.from(c.bytes.subarray(0, 32)).toString('hex')}): ${(e as Error).stack}`);
      continue;
    }
    if (ms > sum.slowestMs) { sum.slowestMs = ms; sum.slowest = `${c.what}, ${c.bytes.length} bytes`; }
    if (ms > LIMIT_MS) { sum.hangs++; log(`hang: ${ms.toFixed(1)} ms: ${c.what}`); }
  }
  sum.tried = ANSWERS.length;
  sum.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return sum;
}

/** count random cases. */
export function* randomCases(count: number, rng: Rng): Generator<Case> {
  for (let i = 0; i < count; i++) yield randomCase(rng);
}
