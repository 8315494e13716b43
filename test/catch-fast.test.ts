// catch's native fast path (native/src/catch-fast.cc) against the TypeScript reference it
// replaces for valid SYN-ACKs (IPv4 and IPv6): per packet, the fields it decodes and the open
// record it spells equal what shared/packet/decode.ts, tcp-options.ts, cookie.ts and RecordsOut make of
// the same bytes, and it takes nothing the reference would not make a valid SYN-ACK candidate;
// per batch, the engine's records, requests, counters and --save indices are byte-identical with
// it and without it; end to end, `catch --pcap` prints the same stdout and stderr either way
// (TRAWL_NO_FAST=1) for every link type it reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as P from './packets';
import * as P6 from './packets6';
import { trawl } from './helpers';
import { loadNative, SynAckColumns } from '../native/index';
import { CatchEngine, EngineConfig } from '../shared/catch/engine';
import { nativeCookies } from '../shared/catch/cookies';
import { nativeDedupCheck, nativeSynAcks } from '../shared/catch/fast-path';
import { RecordsOut } from '../shared/catch/records-out';
import { DedupWindow } from '../shared/catch/dedup';
import { checkSourcePort, checkSourcePort6, isn as isnOf, isn6 as isn6Of } from '../shared/cookie';
import { D_TCP, Decoded, decodePacket, TH_ACK, TH_RST, TH_SYN } from '../shared/packet/decode';
import { findTimestamps, parseTcpOptions, TcpOptions } from '../shared/packet/tcp-options';
import { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW } from '../shared/packet/link';

const N = loadNative();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-catch-fast-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const KEYHEX = '0f0e0d0c0b0a09080706050403020100';
const KEY = Uint8Array.from(Buffer.from(KEYHEX, 'hex'));
const keyFile = path.join(dir, 'scan.key');
fs.writeFileSync(keyFile, KEYHEX + '\n', { mode: 0o600 });
const BASE = 32768, COUNT = 61000 - 32768 + 1;
const US = '198.18.0.1', US2 = '198.18.0.2';
const us = P.ipToU32(US);
const US6 = '2001:db8::1', US6B = '2001:db8::2';
const T0 = 1_700_000_000_000_000;

// The packets: SYN-ACKs in every option layout and header shape the fast path must take or
// leave, and everything around them a capture holds. ip(k) is a target, tu its SYN's tuple.
const ip = (k: number) => `198.51.${k >> 8}.${k & 255}`;
const tu = (k: number, port = 80, slot = k % 3, src = US) => P.synTuple(KEY, src, ip(k), port, slot);
const OPTIONS: (P.TcpOptionSpec | Uint8Array)[] = [
  {}, { mss: 1460, sackOk: true, ts: [1, 0], wscale: 7 }, { mss: 1400 }, { ts: [0xffffffff, 7] }, { sackOk: true },
  { mss: 0, wscale: 14, raw: [30, 4, 1, 2] },                                    // an unknown kind
  Uint8Array.from([2, 4, 5, 180, 1, 3, 3, 8, 1, 1, 4, 2]),                        // Windows
  Uint8Array.from([2, 4, 5, 180, 1, 1, 4, 2, 1, 3, 3, 6, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0]), // BSD
  Uint8Array.from([1, 1, 2, 4]),                                                 // mss cut short: bad
  Uint8Array.from([5, 1, 0, 0]),                                                 // length below 2: bad
  Uint8Array.from([0, 2, 4, 5]),                                                 // EOL first
  new Uint8Array(40).fill(1),                                                    // 40 NOPs
  Uint8Array.from([8, 10, 0, 0, 1, 0, 0, 0, 0, 0, 2, 4, 5, 180, 3, 3, 9, 0, 0, 0]), // TS first, no NOPs
  Uint8Array.from([3, 3, 3, 3, 4, 5, 6, 7]),                                     // ws of the wrong length
];

function synAck(k: number, o: Partial<P.TcpSpec> = {}, t = tu(k)): Uint8Array {
  return P.tcp({ src: ip(k), dst: US, sport: 80, dport: t.sport, seq: (k * 7919) >>> 0, ack: t.isn + 1, flags: 'SA',
    ttl: 30 + k % 200, id: k * 13 & 0xffff, window: 1000 + k, options: OPTIONS[k % OPTIONS.length], ...o });
}

/** IP packets (no link header), each with what it is. */
function packets(): { what: string; pkt: Uint8Array }[] {
  const out: { what: string; pkt: Uint8Array }[] = [];
  const add = (what: string, pkt: Uint8Array) => out.push({ what, pkt });
  for (let k = 0; k < 3 * OPTIONS.length; k++) add(`SYN-ACK options ${k % OPTIONS.length}`, synAck(k));
  add('SYN-ACK, zero window', synAck(100, { window: 0 }));
  add('SYN-ACK with ECE and PSH', synAck(101, { flags: 'SAPE' }));
  add('SYN-ACK with IP options', synAck(102, { ipOptions: Uint8Array.from([1, 1, 1, 0]) }));
  add('SYN-ACK again (reanswer)', synAck(1));
  add('SYN-ACK, new server ISN (repeat)', synAck(2, { seq: 99 }));
  const t2 = tu(103, 80, 0, US2);
  add('SYN-ACK to our second address', P.tcp({ src: ip(103), dst: US2, sport: 80, dport: t2.sport, seq: 1, ack: t2.isn + 1, flags: 'SA' }));
  add('SYN-ACK, payload', synAck(104, { payload: 'hi' }));
  add('forged: wrong ack', synAck(105, { ack: 12345 }));
  add('forged: ack off by one', synAck(106, { ack: tu(106).isn + 2 }));
  add('forged: not the keyed port', synAck(107, { dport: tu(107).sport + 16 }));
  add('port outside the range', synAck(108, { dport: 1000 }));
  add('not ours', P.tcp({ src: ip(109), dst: '198.18.0.99', sport: 80, dport: tu(109).sport, seq: 1, ack: tu(109).isn + 1, flags: 'SA' }));
  add('SYN-ACK-RST', synAck(110, { flags: 'SAR' }));
  add('SYN', synAck(111, { flags: 'S' }));
  add('fragment', synAck(112, { fragment: 0x2000 }));
  add('bad IP checksum', (() => { const p = synAck(113); p[10] ^= 0x55; return p; })());
  add('closed', synAck(114, { flags: 'RA', seq: 0, window: 0, options: {} }));
  add('data', synAck(115, { flags: 'PA', seq: 1, ack: tu(115).isn + 1, payload: 'SSH-2.0-x\r\n', options: { ts: [5, 6] } }));
  add('FIN', synAck(116, { flags: 'FA', seq: 1, options: {} }));
  add('unreachable', P.icmpError({ src: '198.18.250.1', dst: US, ttl: 200 },
    P.tcp({ src: US, dst: ip(117), sport: tu(117).sport, dport: 80, seq: tu(117).isn, ack: 0, flags: 'S' })));
  add('truncated TCP header', synAck(118).subarray(0, 30));
  add('IPv4 total length past the frame', (() => { const p = synAck(119); p[3] += 8; p[10] = p[11] = 0;
    const s = P.inetChecksum(p.subarray(0, 20)); p[10] = s >> 8; p[11] = s & 255; return p; })());
  add('TCP data offset past the segment', (() => { const p = synAck(120, { options: {} }); p[32] = 0xf0; return p; })());
  // IPv6: targets whose text has runs of zeros in every place, our range's addresses and others.
  const T6 = ['2001:db8::99', '2001:db8:0:1:0:0:0:5', '2001:0:0:1::1', '1:0:0:2:0:0:0:3', '::1:2', 'fe80::', '2001:db8:1:2:3:4:5:6',
    '::ffff:198.51.100.7', '1::'];
  const syn6 = (k: number, o: Partial<P6.Tcp6Spec> = {}, us6 = US6) => {
    const dst = T6[k % T6.length], t6 = P6.synTuple6(KEY, us6, dst, 443, k % 3);
    return P6.tcp6({ src: dst, dst: us6, sport: 443, dport: t6.sport, seq: k * 31, ack: t6.isn + 1, flags: 'SA', hop: 50 + k,
      window: 2000 + k, options: OPTIONS[k % OPTIONS.length], ...o });
  };
  for (let k = 0; k < 2 * T6.length; k++) add(`IPv6 SYN-ACK ${k}`, syn6(k));
  add('IPv6 SYN-ACK to the range\'s second address', syn6(3, {}, US6B));
  add('IPv6 SYN-ACK, not ours', syn6(4, {}, '2001:db8::77'));
  add('IPv6 SYN-ACK, zero window', syn6(5, { window: 0 }));
  add('IPv6 SYN-ACK again', syn6(1));
  add('IPv6 forged: wrong ack', syn6(6, { ack: 5 }));
  add('IPv6 SYN-ACK after a hop-by-hop header', syn6(7, { ext: [{ type: 0 }] }));
  add('IPv6 RST-ACK', syn6(8, { flags: 'RA', seq: 0 }));
  for (let k = 200; k < 240; k++) add('SYN-ACK run', synAck(k));
  return out;
}

type Link = { lt: number; wrap: (p: Uint8Array) => Uint8Array };
const LINKS: Record<string, Link> = {
  ether: { lt: DLT_EN10MB, wrap: (p) => P.ether(p, { type: (p[0] >> 4) === 6 ? 0x86dd : 0x0800 }) },
  vlan: { lt: DLT_EN10MB, wrap: (p) => P.ether(p, { vlans: [5, 7], type: (p[0] >> 4) === 6 ? 0x86dd : 0x0800 }) },
  raw: { lt: DLT_RAW, wrap: (p) => p },
  sll: { lt: DLT_LINUX_SLL, wrap: (p) => P.sll(p, (p[0] >> 4) === 6 ? 0x86dd : 0x0800) },
  sll2: { lt: DLT_LINUX_SLL2, wrap: (p) => P.sll2(p, (p[0] >> 4) === 6 ? 0x86dd : 0x0800) },
};

/** One batch of frames in Capture.read's shape (snaplen cuts what is captured). */
function batchOf(frames: Uint8Array[], snaplen = 65535, t0 = T0) {
  const n = frames.length;
  const buf = new Uint8Array(frames.reduce((s, f) => s + f.length, 0)), meta = new Uint32Array(3 * n), times = new Float64Array(n);
  let o = 0;
  frames.forEach((f, i) => {
    const cap = Math.min(f.length, snaplen);
    buf.set(f.subarray(0, cap), o);
    meta[3 * i] = o; meta[3 * i + 1] = cap; meta[3 * i + 2] = f.length; times[i] = t0 + i * 1000; o += cap;
  });
  return { buf, meta, times, n };
}

function columns(m: number): SynAckColumns {
  return [new Uint32Array(m), new Uint32Array(m), new Uint16Array(m), new Uint16Array(m), new Uint32Array(m), new Uint32Array(m),
    new Uint8Array(m), new Uint16Array(m), new Uint8Array(m), new Uint16Array(m), new Uint32Array(m), new Uint8Array(m),
    new Uint32Array(m), new Uint32Array(m), new Uint32Array(m), new Uint8Array(m), new Uint32Array(m), new Uint32Array(m),
    new Uint32Array(m), new Int16Array(m), new Uint8Array(m), new Uint8Array(16 * m), new Uint8Array(16 * m)];
}

/** What the TypeScript reference makes of packet i: null unless a valid SYN-ACK to ours (and,
 *  for IPv6, with TCP right after the fixed header), else the candidate's columns and its open
 *  record. */
function reference(lt: number, b: ReturnType<typeof batchOf>, i: number, ours: number[] | null, ours6: string[] | null) {
  const d = new Decoded();
  if (decodePacket(lt, b.buf, b.meta[3 * i], b.meta[3 * i + 1], b.meta[3 * i + 2], d) !== D_TCP) return null;
  if ((d.flags & (TH_SYN | TH_ACK | TH_RST)) !== (TH_SYN | TH_ACK)) return null;
  const v6 = d.family === 6;
  const s6 = v6 ? b.buf.slice(d.s6, d.s6 + 16) : new Uint8Array(16), d6 = v6 ? b.buf.slice(d.d6, d.d6 + 16) : new Uint8Array(16);
  if (v6 ? ours6 && !ours6.includes(P6.t6(d6)) : ours && !ours.includes(d.daddr)) return null;
  if ((d.dport - BASE) >>> 0 >= COUNT) return null;
  if (v6 && b.buf[d.s6 - 2] !== 6) return null;   // behind extension headers: left to TypeScript by design
  const slot = v6 ? checkSourcePort6(KEY, d6, s6, d.sport, d.dport, BASE, COUNT) : checkSourcePort(KEY, d.daddr, d.saddr, d.sport, d.dport, BASE, COUNT);
  const isn = v6 ? isn6Of(KEY, d6, s6, d.dport, d.sport) : isnOf(KEY, d.daddr, d.saddr, d.dport, d.sport);
  if (slot < 0 || d.ack !== ((isn + 1) >>> 0)) return null;
  const ts = new Uint32Array(2);
  const has = d.tcpHl > 20 && findTimestamps(b.buf, d.tcpOff + 20, d.tcpOff + d.tcpHl, ts);
  const cols = [d.daddr, d.saddr, d.dport, d.sport, d.seq, d.ack, d.flags, d.window, d.ttl, d.ipid, d.tcpOff, d.tcpHl,
    d.payOff, d.payLen, d.payCap, has ? 1 : 0, has ? ts[0] : 0, has ? ts[1] : 0, isn, slot, d.family,
    Array.from(d6).join('.'), Array.from(s6).join('.')];
  if (v6) { cols[0] = 0; cols[1] = 0; }
  const out = new RecordsOut();
  if (v6) out.v6(s6, 0);
  const op = parseTcpOptions(b.buf, d.tcpOff + 20, d.tcpOff + d.tcpHl, new TcpOptions());
  out.open(d.saddr, d.sport, d.dport, d.ttl, d.window, d.ipid, op, d.seq, false, b.times[i], true);
  return { cols, record: Buffer.from(out.take()).toString('latin1') };
}

for (const [name, link] of Object.entries(LINKS)) {
  for (const snaplen of [65535, 74]) {
    test(`fast path (${name}, snaplen ${snaplen}): each packet decoded as the TypeScript reference decodes it, its open record the same bytes; nothing taken that the reference would not`, () => {
      const ps = packets();
      for (const [ours, ours6] of [[[us, P.ipToU32(US2)], [US6, US6B]], [null, null]] as const) {
        const b = batchOf(ps.map((p) => link.wrap(p.pkt)), snaplen, name === 'raw' ? 5 : T0);   // small times: putUint's path
        const cols = columns(b.n), text = new Uint8Array(512 * b.n), spans = new Uint32Array(2 * b.n), fast = new Uint8Array(b.n);
        const o6 = new Uint8Array(32); o6.set(P6.a6(US6), 0); o6.set(P6.a6(US6B), 16);
        const taken = N.synAcks(KEY, BASE, COUNT, Uint32Array.from(ours ?? []).sort(), ours6 ? o6.subarray(0, 16) : new Uint8Array(0),
          ours6 ? 2 : -1, link.lt, b.buf, b.meta, b.times, b.n, cols, text, spans, fast);
        let expected = 0, v6 = 0;
        for (let i = 0; i < b.n; i++) {
          const r = reference(link.lt, b, i, ours as number[] | null, ours6 as string[] | null);
          assert.is(fast[i], r ? 1 : 0, `${ps[i].what} (${i}): taken`);
          if (!r) continue;
          expected++;
          if (ps[i].what.startsWith('IPv6')) v6++;
          const got = cols.map((c, k) => (k < 21 ? c[i] : Array.from(c.subarray(16 * i, 16 * i + 16)).join('.')));
          assert.equal(got, r.cols, `${ps[i].what} (${i}): fields`);
          assert.is(Buffer.from(text.subarray(spans[2 * i], spans[2 * i + 1])).toString('latin1'), r.record, `${ps[i].what} (${i}): record`);
        }
        assert.is(taken, expected);
        // The comparison means something: at full snaplen most of the SYN-ACKs are taken.
        if (snaplen === 65535) assert.ok(expected >= 95 && v6 >= 18, `only ${expected} taken, ${v6} of them IPv6`);
      }
    });
  }
}

test('fast path: a packet whose offsets lie outside the buffer, or a time that is not a whole number of microseconds, is left to TypeScript (no read past the buffer)', () => {
  const f = LINKS.ether.wrap(synAck(7));
  const b = batchOf([f, f, f]);
  b.meta[3] = b.buf.length - 10;               // runs past the end
  b.meta[6] = b.buf.length + 100;              // starts past the end
  b.times[0] = T0 + 0.5;
  const cols = columns(3), fast = new Uint8Array(3);
  const taken = N.synAcks(KEY, BASE, COUNT, new Uint32Array(0), new Uint8Array(0), -1, 1, b.buf, b.meta, b.times, 3, cols, new Uint8Array(1536), new Uint32Array(6), fast);
  assert.is(taken, 0);
  assert.equal(Array.from(fast), [0, 0, 0]);
});

function engine(fast: boolean, over: Partial<EngineConfig> = {}): CatchEngine {
  return new CatchEngine({
    validate: true, ours: [us, P.ipToU32(US2)], sportBase: BASE, sportCount: COUNT, portFilter: true, maxBanner: 4096,
    dedupWindow: 64, cookies: nativeCookies(N, KEY, BASE, COUNT), replies: true, arp: null, probe: true, rst: true, idleMs: 4000,
    ours6: [P6.a6(US6)], ours6Count: 2,
    synAcks: fast ? nativeSynAcks(N, KEY, BASE, COUNT, [us, P.ipToU32(US2)], [P6.a6(US6)], 2) : null,
    dedupCheck: fast ? nativeDedupCheck(N) : null, ...over,
  }, 4096);
}

test('engine: records, reply requests, counters and --save indices are byte-identical with the fast path and without it, over batches of every size (probe, no-probe, no-rst)', () => {
  const ps = packets().map((p) => LINKS.ether.wrap(p.pkt));
  // The same packets again and shuffled: retransmissions, repeats, dedup evictions (window 64).
  const all = [...ps, ...ps.slice().reverse(), ...ps.filter((_, i) => i % 3 === 0)];
  for (const over of [{}, { probe: false }, { rst: false }, { dedupWindow: 8 }]) {
    for (const size of [1, 7, 64, all.length]) {
      const run = (fast: boolean) => {
        const e = engine(fast, over);
        let out = '', reqs = '', valid: number[] = [];
        for (let s = 0; s < all.length; s += size) {
          const b = batchOf(all.slice(s, s + size), 65535, T0 + s * 1000);
          out += Buffer.from(e.processBatch(1, b.buf, b.meta, b.times, b.n)).toString('latin1');
          reqs += Buffer.from(e.replyBuf.subarray(0, e.replyBytes)).toString('hex') + '|';
          valid = valid.concat(Array.from(e.validIdx.subarray(0, e.validCount), (v) => v + s));
        }
        return { out, reqs, valid, counters: JSON.stringify(e.counters) };
      };
      const a = run(true), b = run(false);
      assert.ok(a.out.split('\n').length > 60, `records were written: ${a.out.split('\n').length} ${JSON.stringify(over)} ${size}`);
      assert.is(a.out, b.out, `records, ${JSON.stringify(over)}, batches of ${size}`);
      assert.is(a.reqs, b.reqs, `requests, ${JSON.stringify(over)}, batches of ${size}`);
      assert.equal(a.valid, b.valid);
      assert.is(a.counters, b.counters);
    }
  }
});

test('engine: the fast path takes the common packets (a batch of SYN-ACKs costs no TypeScript decode)', () => {
  const e = engine(true);
  const frames = Array.from({ length: 50 }, (_, k) => LINKS.ether.wrap(synAck(300 + k, { options: { mss: 1460 } })));
  const b = batchOf(frames);
  // Count the TypeScript decoder's calls: none for packets the fast path took.
  const calls: number[] = [];
  const decode = require('../shared/packet/decode');
  const orig = decode.decodePacket;
  try {
    decode.decodePacket = (...a: unknown[]) => { calls.push(1); return orig(...a); };
    const out = Buffer.from(e.processBatch(1, b.buf, b.meta, b.times, b.n)).toString('latin1');
    assert.is(out.split('\n').filter(Boolean).length, 50);
  } finally { decode.decodePacket = orig; }
  assert.is(calls.length, 0);
  assert.is(e.counters.open, 50);
});

for (const [name, link] of Object.entries(LINKS)) {
  test(`catch --pcap (${name}): the same stdout, stderr and exit code with the fast path and without it (TRAWL_NO_FAST=1), with and without --source-ip`, () => {
    const ps = packets().map((p) => link.wrap(p.pkt));
    const frames = [...ps, ...ps.slice(0, 20)].map((data, i) => ({ data, time_us: T0 + i * 1000 }));
    const f = path.join(dir, `mixed-${name}.pcap`);
    fs.writeFileSync(f, P.pcapFile(frames, link.lt));
    for (const args of [['--source-ip', `${US}-${US2}`, '--source-ip', `${US6}-${US6B}`], ['--source-ip', US], []]) {
      const run = (noFast: string) => trawl(['catch', '--pcap', f, '--key-file', keyFile, ...args], undefined,
        { env: { ...process.env, TRAWL_NO_FAST: noFast, TRAWL_NO_NATIVE: '0' } });
      const a = run('0'), b = run('1');
      assert.ok(a.stdout.split('\n').length > 80, a.stderr);
      assert.is(a.stdout, b.stdout);
      assert.is(a.stderr, b.stderr);
      assert.is(a.code, b.code);
    }
  });
}

test('dedupPrefetch fetches the slot where the duplicate window probes each IPv4 key (a hint that would silently stop helping if the two hashes parted)', () => {
  const native = loadNative();
  for (const size of [1 << 17, 1000, 3]) {
    const w = new DedupWindow(size), cur = w.current, n = 5000;
    const targets = new Uint32Array(n), sports = new Uint16Array(n), dports = new Uint16Array(n), fam = new Uint8Array(n).fill(4), out = new Uint32Array(n);
    for (let j = 0; j < n; j++) { targets[j] = (0xc6120000 + j * 2654435761) >>> 0; sports[j] = 32768 + j * 7; dports[j] = 1 + (j % 1000); }
    fam[7] = 6;
    native.dedupPrefetch(cur.table, cur.slots, 0, targets, sports, dports, fam, n, out);
    for (let j = 0; j < n; j++) {
      const want = fam[j] === 6 ? 0xffffffff : w.slotOf(0, targets[j], ((dports[j] << 16) | sports[j]) >>> 0);
      if (out[j] !== want) assert.unreachable(`window ${size}, key ${j}: native slot ${out[j]}, the window's ${want}`);
    }
  }
  assert.throws(() => native.dedupPrefetch(new Uint32Array(3), 4, 0, new Uint32Array(1), new Uint16Array(1), new Uint16Array(1), new Uint8Array(1), 1), /shorter/);
});

test('dedupCheck: the native window gives the answers and leaves the tables check() one by one would, across generation changes (repeats, changed values, skipped slots)', () => {
  const native = loadNative();
  const fn = nativeDedupCheck(native)!;
  let seed = 12345;
  const rnd = (m: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % m; };
  for (const size of [1, 3, 64, 1000]) {
    const a = new DedupWindow(size), b = new DedupWindow(size);
    const n = 700, kinds = new Uint8Array(n), targets = new Uint32Array(n), sports = new Uint16Array(n), dports = new Uint16Array(n), values = new Uint32Array(n), out = new Uint8Array(n);
    const counts = [0, 0, 0];
    for (let round = 0; round < 12; round++) {
      // Few distinct keys so repeats and changed values are common; kind 0xff is a skipped slot.
      for (let j = 0; j < n; j++) {
        kinds[j] = rnd(10) === 0 ? 0xff : rnd(3);
        targets[j] = (0xc6120000 + rnd(size * 2 + 5)) >>> 0; sports[j] = 40000 + rnd(4); dports[j] = 80 + rnd(2); values[j] = rnd(3) * 0x9e3779b1 >>> 0;
      }
      out.fill(9);
      a.checkBatch(fn, kinds, targets, sports, dports, values, n, out);
      for (let j = 0; j < n; j++) {
        if (kinds[j] === 0xff) { if (out[j] !== 9) assert.unreachable(`skipped slot ${j} was written`); continue; }
        const want = b.check(kinds[j], targets[j], ((dports[j] << 16) | sports[j]) >>> 0, values[j]);
        if (out[j] !== want) assert.unreachable(`window ${size}, round ${round}, key ${j}: native ${out[j]}, check() ${want}`);
        counts[want]++;
      }
      const A = a as unknown as { index: Uint32Array[]; entries: Uint32Array[]; blooms: Uint32Array[]; cur: number; count: number };
      const B = b as unknown as typeof A;
      assert.is(A.cur, B.cur); assert.is(A.count, B.count);
      for (const g of [0, 1]) {
        assert.ok(Buffer.from(A.index[g].buffer).equals(Buffer.from(B.index[g].buffer)), `window ${size}: index ${g}`);
        assert.ok(Buffer.from(A.entries[g].buffer).equals(Buffer.from(B.entries[g].buffer)), `window ${size}: entries ${g}`);
        assert.ok(Buffer.from(A.blooms[g].buffer).equals(Buffer.from(B.blooms[g].buffer)), `window ${size}: Bloom ${g}`);
      }
    }
    // Every answer happened, so the comparison covered each branch.
    assert.ok(counts.every((c) => c > 0), `window ${size}: answers ${counts}`);
  }
  const w = new DedupWindow(8);
  assert.throws(() => w.checkBatch(fn, new Uint8Array(1), new Uint32Array(1), new Uint16Array(1), new Uint16Array(1), new Uint32Array(1), 2, new Uint8Array(2)), /shorter/);
  const u32 = (n: number) => new Uint32Array(n), rest = [new Uint8Array(1), u32(1), new Uint16Array(1), new Uint16Array(1), u32(1), 1, new Uint8Array(1)] as const;
  assert.throws(() => native.dedupCheck(u32(8), u32(4), u32(16), u32(16), u32(1), u32(1), new Uint32Array([0, 0, 1]), ...rest), /differ/);
  assert.throws(() => native.dedupCheck(u32(8), u32(8), u32(16), u32(12), u32(1), u32(1), new Uint32Array([0, 0, 1]), ...rest), /differ/);
  assert.throws(() => native.dedupCheck(u32(8), u32(8), u32(16), u32(16), u32(1), u32(1), new Uint32Array([0, 0, 5]), ...rest), /fewer than 2 slots/);
  assert.throws(() => native.dedupCheck(u32(8), u32(8), u32(8), u32(8), u32(1), u32(1), new Uint32Array([0, 0, 4]), ...rest), /fewer than the window/);
});

test.run();
