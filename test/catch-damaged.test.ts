// Damaged capture files through catch --pcap with the native reader and the TypeScript one: every
// packet before the damage becomes a record, one error line names the file and the frame, exit 3,
// and both readers give the same stdout, stderr and exit code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as P from './packets';
import { sh, trawl } from './helpers';
import { nativeBuilt, recordOffset, synAckPcap, writeFile } from './pcap-files';
import { swapToBigEndian } from './fuzz/frames';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-damaged-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const MODES = nativeBuilt() ? ['0', '1'] : ['1'];
const FRAME = 60;   // bytes of one SYN-ACK of synAckPcap

function both(file: string, stdin?: Buffer) {
  const runs = MODES.map((mode) => trawl(['catch', '--pcap', stdin ? '-' : file, '--no-validate'], stdin,
    { env: { ...process.env, TRAWL_NO_NATIVE: mode } }));
  if (runs.length === 2) {
    assert.is(runs[1].stderr, runs[0].stderr, `${path.basename(file)}: stderr of the two readers`);
    assert.is(runs[1].stdout, runs[0].stdout, `${path.basename(file)}: stdout of the two readers`);
    assert.is(runs[1].code, runs[0].code, `${path.basename(file)}: exit code of the two readers`);
  }
  return runs[0];
}

const summary = (n: number) => `trawl catch: ${n} packets: ${n} open, 0 closed, 0 unreachable, 0 segments (0 with offset); rejected 0; kernel drops 0\n`;

function expectDamaged(name: string, bytes: Buffer, before: number, what: string) {
  const f = writeFile(path.join(dir, name), bytes);
  const r = both(f);
  assert.is(r.stderr, `trawl catch: --pcap ${f}: frame ${before + 1}: ${what} (every packet before it was read)\n${summary(before)}`, name);
  assert.is(r.code, 3, name);
  const recs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.is(recs.length, before, name);
  if (before > 0) assert.is(recs[before - 1].time_us, 1_700_000_000_000_000 + (before - 1) * 1000, name);
}

test('cut inside the last record, inside its header, and a bad incl_len: the packets before all come out, exit 3', () => {
  const good = synAckPcap(20);
  expectDamaged('cut-data.pcap', good.subarray(0, good.length - 5), 19, `truncated dump file; tried to read ${FRAME} captured bytes, only got ${FRAME - 5}`);
  expectDamaged('cut-header.pcap', good.subarray(0, good.length - FRAME - 10), 19, 'truncated dump file; tried to read 16 header bytes, only got 6');
  const bad = Buffer.from(good);
  bad.writeUInt32LE(0x7fffffff, recordOffset(bad, 10) + 8);
  expectDamaged('bad-len.pcap', bad, 10, 'invalid packet capture length 2147483647, bigger than snaplen of 262144');
});

test('a corrupt record after several full batches (catch reads 4096 at a time): nothing before it is lost', () => {
  const good = synAckPcap(10000);
  good.writeUInt32LE(300000, recordOffset(good, 9000) + 8);
  expectDamaged('late.pcap', good, 9000, 'invalid packet capture length 300000, bigger than snaplen of 262144');
});

test('the same from standard input (the TypeScript stream reader)', () => {
  const good = synAckPcap(300);
  const r = trawl(['catch', '--pcap', '-', '--no-validate'], good.subarray(0, good.length - 5));
  assert.is(r.stderr, `trawl catch: --pcap stdin: frame 300: truncated dump file; tried to read ${FRAME} captured bytes, only got ${FRAME - 5} (every packet before it was read)\n${summary(299)}`);
  assert.is(r.code, 3);
  assert.is(r.stdout.split('\n').filter(Boolean).length, 299);
});

test('header quirks read alike: snaplen 1 cuts every packet, snaplen 0 means the maximum, version 9.9 is refused', () => {
  const good = synAckPcap(10);
  const s1 = Buffer.from(good); s1.writeUInt32LE(1, 16);
  const r1 = both(writeFile(path.join(dir, 's1.pcap'), s1));
  assert.is(r1.stdout, '');
  assert.is(r1.stderr, 'trawl catch: 10 packets: 0 open, 0 closed, 0 unreachable, 0 segments (0 with offset); rejected 10 (malformed 10); kernel drops 0\n');
  assert.is(r1.code, 0);
  const s0 = Buffer.from(good); s0.writeUInt32LE(0, 16);
  const r0 = both(writeFile(path.join(dir, 's0.pcap'), s0));
  assert.is(r0.stdout.split('\n').filter(Boolean).length, 10);
  assert.is(r0.code, 0);
  const v = Buffer.from(good); v.writeUInt16LE(9, 4); v.writeUInt16LE(9, 6);
  const f = writeFile(path.join(dir, 'v99.pcap'), v);
  const rv = both(f);
  assert.is(rv.stderr, `trawl catch: --pcap ${f}: unsupported pcap savefile version 9.9\n`);
  assert.is(rv.code, 2);
  assert.is(rv.stdout, '');
});

test('a time fraction of 2^31 or more (invalid) reads the same in both readers, little- and big-endian', () => {
  const le = synAckPcap(3);
  le.writeUInt32LE(0x90000000, recordOffset(le, 1) + 4);
  const be = Buffer.from(le);
  swapToBigEndian(be);
  for (const [name, bytes] of [['frac-le.pcap', le], ['frac-be.pcap', be]] as const) {
    const r = both(writeFile(path.join(dir, name), bytes));
    assert.is(r.code, 0, name);
    assert.is(r.stdout.split('\n').filter(Boolean).length, 3, name);
  }
});

test('pcapng with a bad block after good ones (native reader): the packets before it, exit 3', () => {
  if (!nativeBuilt()) return;
  const frames = Array.from({ length: 5 }, (_, i) => ({
    data: P.ether(P.tcp({ src: `198.18.0.${i + 1}`, dst: '198.18.255.1', sport: 80, dport: 40000, seq: 1, ack: 2, flags: 'SA' })),
    time_us: 1_700_000_000_000_000 + i * 1000,
  }));
  const ng = P.pcapngFile(frames);
  // The fourth enhanced packet block: its total length no longer matches its trailer.
  let o = 0;
  for (let b = 0; b < 2 + 3; b++) o += ng.readUInt32LE(o + 4);
  ng.writeUInt32LE(0x7ffffff0, o + 4);
  const f = writeFile(path.join(dir, 'bad.pcapng'), ng);
  const r = trawl(['catch', '--pcap', f, '--no-validate']);
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout.split('\n').filter(Boolean).length, 3);
  assert.match(r.stderr, new RegExp(`^trawl catch: --pcap ${f}: frame 4: .+ \\(every packet before it was read\\)\\n${summary(3).replace(/[()]/g, (c) => `\\${c}`)}$`));
});

test('a 1 M-frame capture cut by 5 bytes loses nothing before the cut, in either reader', () => {
  const f = writeFile(path.join(dir, 'million.pcap'), (() => { const b = synAckPcap(1_000_000); return b.subarray(0, b.length - 5); })());
  for (const mode of MODES) {
    const r = sh(`$TRAWL catch --pcap ${f} --no-validate | wc -l`, { env: { ...process.env, TRAWL_NO_NATIVE: mode } });
    assert.is(r.code, 3, r.stderr);
    assert.is(r.stdout.trim(), '999999', `reader ${mode === '1' ? 'ts' : 'native'}`);
    assert.is(r.stderr, `trawl catch: --pcap ${f}: frame 1000000: truncated dump file; tried to read ${FRAME} captured bytes, only got ${FRAME - 5} (every packet before it was read)\n${summary(999999)}`);
  }
});

test.run();
