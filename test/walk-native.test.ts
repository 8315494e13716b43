// blast's native walk (native/src/walk.cc) against TargetWalk.fill, the reference: the same
// targets, order and i, bit for bit, for small and large sets, IPv4 and IPv6, exclusions,
// shards, resume and limits, whatever the batch size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { lines, trawl, TRAWL } from './helpers';
import { readPcapFile } from './packets';
import { parseWalk, TargetWalk, WalkPlan } from '../shared/targets/walk';
import { loadNative } from '../native/index';

const native = loadNative();

function plan(args: string[]): WalkPlan {
  const r = trawl(['targets', ...args, '--exclude-file', '/dev/null', '--walk', '-q']);
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  assert.is(recs.length, 1, `${args.join(' ')}: one walk record`);
  const p = parseWalk(recs[0]);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

interface Batch { fam: Uint8Array; ips: Uint32Array; a6: Uint8Array; keys: Uint32Array; idx: Float64Array }
const batch = (b: number): Batch =>
  ({ fam: new Uint8Array(b), ips: new Uint32Array(b), a6: new Uint8Array(16 * b), keys: new Uint32Array(b), idx: new Float64Array(b) });

/** Walks both ways, batch by batch (the native one in batches of `size`, the reference in
 *  batches of 997, so batch edges differ), comparing every field; at most `most` targets. */
function compare(p: WalkPlan, size: number, most: number, what: string): number {
  const ref = new TargetWalk(p), nat = new TargetWalk(p);
  nat.useNative(native.walkFill);
  assert.is(nat.remaining, ref.remaining, `${what}: remaining`);
  const R = 997, r = batch(R), n = batch(size);
  let rAt = 0, rLen = 0, total = 0;
  while (total < most) {
    const got = nat.fill(Math.min(size, most - total), n.fam, n.ips, n.a6, n.keys, n.idx);
    if (got === 0) break;
    for (let k = 0; k < got; k++, rAt++) {
      if (rAt === rLen) { rLen = ref.fill(R, r.fam, r.ips, r.a6, r.keys, r.idx); rAt = 0; }
      assert.ok(rLen > 0, `${what}: the native walk has target ${total + k} beyond the reference's end`);
      const same = n.fam[k] === r.fam[rAt] && n.keys[k] === r.keys[rAt] && n.idx[k] === r.idx[rAt] &&
        (n.fam[k] === 4 ? n.ips[k] === r.ips[rAt] : Buffer.compare(n.a6.subarray(16 * k, 16 * k + 16), r.a6.subarray(16 * rAt, 16 * rAt + 16)) === 0);
      if (!same) assert.unreachable(`${what}: target ${total + k} (i ${r.idx[rAt]}) differs`);
    }
    total += got;
    assert.is(nat.produced, total, `${what}: produced`);
  }
  if (total < most) assert.is(rAt === rLen ? ref.fill(R, r.fam, r.ips, r.a6, r.keys, r.idx) : rLen - rAt, 0, `${what}: the reference goes on after the native walk ended`);
  assert.is(nat.nextIndex, ref.nextIndex - (rLen - rAt) * Number(p.shard.of), `${what}: resume index`);
  return total;
}

const SMALL: string[][] = [
  ['198.18.0.1', '-p', '80', '--seed', '1'],
  ['198.18.0.0/28', '-p', '80', '--seed', '7'],
  ['198.18.0.0/20', '2001:db8::/118', '-p', '80,443,8080', '--seed', '5'],
  ['198.18.0.0/16', '--exclude', '198.18.7.0/24,198.18.200.0-198.18.210.17', '-p', '22,80', '--seed', '99', '--shard', '3/7'],
  ['198.18.0.0/18', '10.1.0.0/30', '2001:db8::/120', '2001:db8:1::1-2001:db8:1::5', '-p', '1-3,U:53,I:echo', '--seed', '12345678901234567890',
    '--shard', '2/3', '--resume-index', '1000', '--limit', '20000'],
  ['2001:db8:0:1:ffff:ffff:ffff:fffe-2001:db8:0:2::3', '2001:db8::ffff:ffff:fff0/124', '-p', '443', '--seed', '3'],
];

test('small walks: every target equal to TargetWalk.fill, at batch sizes 1, 64 and 4096', () => {
  for (const args of SMALL) {
    const p = plan(args);
    for (const size of [1, 64, 4096]) compare(p, size, Infinity, `${args.join(' ')} (batch ${size})`);
  }
});

test('large walks (a and b near 2^26, carries across IPv6 words): the first and the last targets agree', () => {
  const LARGE: string[][] = [
    ['198.18.0.0/15', '-p', '1-1000', '--seed', '42'],
    ['2001:db8::/80', '-p', '1-8', '--seed', '9'],
    ['198.18.0.0/15', '2001:db8:ffff:ffff::/78', '-p', '1-3', '--seed', '77', '--shard', '5/9'],
  ];
  for (const args of LARGE) {
    const p = plan(args);
    assert.is(compare(p, 4096, 150_000, `${args.join(' ')}: start`), 150_000);
    // The end of the walk: resume 300,000 indices before the last (a global index).
    const tail = plan([...args, '--resume-index', String(sizeOf(p) - 300_000)]);
    assert.ok(compare(tail, 4096, Infinity, `${args.join(' ')}: end`) > 0);
  }
});

/** The index space of a plan: addresses times ports. */
function sizeOf(p: WalkPlan): number {
  let a = 0n;
  for (const iv of [...p.set.v4, ...p.set.v6]) a += iv.last - iv.first + 1n;
  return Number(a) * p.ports.length;
}

test('walkFill refuses arrays that do not describe a walk, with a message', () => {
  const p = plan(['198.18.0.0/28', '-p', '80', '--seed', '7']);
  const w = new TargetWalk(p);
  const sp = w.space, b = batch(8);
  const call = (dims: Float64Array, max = 8) => native.walkFill(new Int32Array(8), dims, sp.v4Start, sp.v4Base, sp.v6Words, sp.v6BaseNum,
    Uint32Array.of(80), 0, 1, 16, max, b.fam, b.ips, b.a6, b.keys, b.idx);
  assert.throws(() => call(Float64Array.of(4, 4, 17, 16, 16)), /dims/);
  assert.throws(() => call(Float64Array.of(4, 4, 16, 16, 16), 9), /shorter than max/);
  assert.throws(() => call(Float64Array.of(4, 4, 16)), /rounds must hold 8 and dims 5/);
  assert.is(call(Float64Array.of(4, 4, 16, 16, 16)), 8);
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-walk-native-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
const SEND = ['--key-file', keyFile, '--source-ip', '198.19.0.1', '--source-ip', 'fd00::1', '--router-mac', '02:00:00:00:00:0b'];
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The frames of a pcap but for the random IP ID (IPv4 bytes 18-19) and the checksum it changes. */
const frames = (pcap: string) => readPcapFile(pcap).map((f) => {
  const d = Buffer.from(f.data);
  if (d.readUInt16BE(12) === 0x0800) d.fill(0, 18, 20).fill(0, 24, 26);
  return d.toString('hex');
});

test('blast sends the same SYNs from a walk (native walk, bulk ring pushes) as from records and from the JavaScript walk', () => {
  // 16,384 targets in 4 batches of 4,096: all but the first go to the ring in bulk.
  const spec = ['198.18.0.0/20', '2001:db8::/116', '--exclude', '198.18.3.0/24', '-p', '80,443', '--seed', '21'];
  const run = (walk: boolean, env: Record<string, string> = {}) => {
    const pcap = path.join(dir, `w${walk}${Object.keys(env).length}.pcap`);
    const b = trawl(['blast', ...SEND, '--rate', '1e9', '--pcap', pcap, '-q'], trawl(['targets', ...spec, '-q', ...(walk ? ['--walk'] : [])]).stdout, { env });
    assert.is(b.code, 0, b.stderr);
    return frames(pcap);
  };
  const records = run(false), walked = run(true), js = run(true, { TRAWL_NO_NATIVE_WALK: '1' });
  assert.is(records.length, (4096 - 256 + 4096) * 2);
  assert.equal(walked, records, 'native walk = records');
  assert.equal(js, records, 'JavaScript walk = records');
});

test('SIGINT in the middle of bulk pushes: the resume index is exact (sent + resumed = the whole order, once each)', async () => {
  const spec = ['198.18.0.0/18', '-p', '80', '--seed', '8'];
  const pcap = path.join(dir, 'int.pcap');
  const child = spawn(process.execPath, [TRAWL, 'blast', ...SEND, '--rate', '20000', '--pcap', pcap]);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const closed = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  child.stdin.end(trawl(['targets', ...spec, '--walk']).stdout);
  // Past the first batch of 4,096 (sent one by one), into the bulk ones.
  for (let k = 0; k < 500 && !(fs.existsSync(pcap) && fs.statSync(pcap).size > 24 + 8000 * 70) && child.exitCode === null; k++) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.is(await closed, 130, err);
  const k = Number(/resume with --resume-index (\d+)/.exec(err)?.[1]);
  const dst = (file: string) => readPcapFile(file).map((f) => Array.from(f.data.subarray(30, 34)).join('.'));
  const sent = dst(pcap);
  assert.ok(k > 4096 && k < 16384 && sent.length === k, `resume index ${k}, ${sent.length} sent`);
  const pcap2 = path.join(dir, 'rest.pcap');
  assert.is(trawl(['blast', ...SEND, '--rate', '1e9', '--pcap', pcap2, '-q'], trawl(['targets', ...spec, '--resume-index', String(k), '--walk']).stdout).code, 0);
  const all = lines(trawl(['targets', ...spec]).stdout).map((t) => t.ip);
  assert.equal([...sent, ...dst(pcap2)], all, 'interrupted + resumed = the whole order, once each');
});

test.run();
