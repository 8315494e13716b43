// The walk record (targets --walk, blast expands it): the same targets, in the same order with the
// same i, as the records targets writes; blast sends the same SYNs from it; bad walks refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { lines, trawl, TRAWL } from './helpers';
import { readPcapFile } from './packets';
import { parseWalk, TargetWalk } from '../shared/targets/walk';
import { formatIPv4 } from '../shared/ipv4';
import { formatIPv6, ipv6FromBytes } from '../shared/ipv6';
import { ICMP_ECHO_KEY, portOfKey, protoOfKey, PROTO_NAMES } from '../shared/targets/ports';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-walk-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
const SEND = ['--key-file', keyFile, '--source-ip', '198.19.0.1', '--source-ip', 'fd00::1', '--router-mac', '02:00:00:00:00:0b', '--rate', '1e9'];
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The targets a walk record expands to, as target records would spell them. */
function expand(walkJson: string): { ip: string; port?: number; proto?: string; i: number }[] {
  const plan = parseWalk(JSON.parse(walkJson));
  if (typeof plan === 'string') throw new Error(plan);
  const w = new TargetWalk(plan);
  const B = 1000, fam = new Uint8Array(B), ips = new Uint32Array(B), a6 = new Uint8Array(B * 16), keys = new Uint32Array(B), idx = new Float64Array(B);
  const out: { ip: string; port?: number; proto?: string; i: number }[] = [];
  for (let n; (n = w.fill(B, fam, ips, a6, keys, idx)) > 0;) {
    for (let k = 0; k < n; k++) {
      const ip = fam[k] === 4 ? formatIPv4(ips[k]) : formatIPv6(ipv6FromBytes(a6, k * 16));
      const key = keys[k], proto = PROTO_NAMES[protoOfKey(key)];
      out.push(key === ICMP_ECHO_KEY ? { ip, proto, i: idx[k] } : { ip, port: portOfKey(key), ...(proto === 'tcp' ? {} : { proto }), i: idx[k] });
    }
  }
  return out;
}

const CASES: string[][] = [
  ['198.18.0.0/28', '-p', '80', '--seed', '7'],
  ['198.18.0.0/20', '2001:db8::/118', '-p', '80,443,8080', '--seed', '5'],
  ['198.18.0.0/16', '--exclude', '198.18.7.0/24,198.18.200.0-198.18.210.17', '-p', '22,80', '--seed', '99', '--shard', '3/7'],
  ['198.18.0.0/18', '10.1.0.0/30', '2001:db8::/120', '2001:db8:1::1-2001:db8:1::5', '-p', '1-3,U:53,I:echo', '--seed', '12345678901234567890',
    '--shard', '2/3', '--resume-index', '1000', '--limit', '20000'],
];

test('a walk expands to exactly the records targets writes: order, i, shards, resume, limit, exclusions, IPv6', () => {
  for (const args of CASES) {
    const w = trawl(['targets', ...args, '--walk', '-q']);
    assert.is(w.code, 0, w.stderr);
    const walk = lines(w.stdout);
    assert.is(walk.length, 1, 'one record');
    assert.is(walk[0].type, 'walk');
    const r = trawl(['targets', ...args, '-q']);
    const recs = lines(r.stdout).map((t) => { delete t.type; return t; });
    assert.ok(recs.length > 0);
    assert.is(walk[0].targets, recs.length, `${args.join(' ')}: targets count`);
    assert.equal(expand(w.stdout), recs, args.join(' '));
  }
});

test('a walk with every target of a /12 and a /108 in 3 shards: same targets as the records, each shard', () => {
  for (const shard of ['1/3', '3/3']) {
    const args = ['targets', '10.16.0.0/12', '2001:db8::/108', '--exclude', '10.20.0.0/14', '-p', '443', '--seed', '3', '--shard', shard, '-q'];
    const recs = lines(trawl(args).stdout).map((t) => { delete t.type; return t; });
    assert.equal(expand(trawl([...args, '--walk']).stdout), recs, shard);
  }
});

test('targets --walk: more than 2^52 targets goes out as records, with a note', () => {
  const r = trawl(['targets', '2001:db8::/76', '-p', '80,443', '--seed', '1', '--walk', '--limit', '3']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /--walk: more than 2\^52 targets: writing a record per target/);
  assert.equal(lines(r.stdout).map((t) => t.type), ['target', 'target', 'target']);
});

test('blast sends the same SYNs and UDP datagrams from a walk as from the records', () => {
  const spec = ['198.18.0.0/22', '2001:db8::/120', '--exclude', '198.18.1.0/25', '-p', '80,443,U:53', '--seed', '11', '--shard', '2/2'];
  const syns = (walk: boolean) => {
    const pcap = path.join(dir, `s${walk}.pcap`);
    const t = trawl(['targets', ...spec, '-q', ...(walk ? ['--walk'] : [])]);
    const b = trawl(['blast', ...SEND, '--pcap', pcap, '-q'], t.stdout);
    assert.is(b.code, 0, b.stderr);
    // Everything but the random IP ID (IPv4 bytes 18-19) and the IP checksum it changes.
    return readPcapFile(pcap).map((f) => { const d = Buffer.from(f.data); if (d.readUInt16BE(12) === 0x0800) d.fill(0, 18, 20).fill(0, 24, 26); return d.toString('hex'); });
  };
  const a = syns(false), b = syns(true);
  assert.is(a.length, ((1024 - 128 + 256) * 3) / 2);
  assert.equal(b, a);
  // Fewer than 16 source ports cannot carry a UDP payload's slot: the walk is refused, as the records are.
  const w = trawl(['targets', ...spec, '--walk']).stdout;
  const r = trawl(['blast', ...SEND, '--source-port', '40000', '--pcap', path.join(dir, 'few.pcap')], w);
  assert.is(r.code, 3);
  assert.match(r.stderr, /stdin:1: walk "ports" U:53: UDP needs a --source-port range of at least 16 ports/);
});

test('blast refuses a bad walk, naming its line, and sends the good lines around it (exit 3)', () => {
  const good = JSON.stringify({ type: 'target', ip: '198.18.0.1', port: 80, i: 0 });
  const walk = lines(trawl(['targets', '198.18.0.0/30', '-p', '80', '--seed', '1', '--walk']).stdout)[0];
  const bad = [
    [{ ...walk, ranges: ['198.18.0.8-198.18.0.9', '198.18.0.0-198.18.0.3'] }, /walk "ranges" are not sorted/],
    [{ ...walk, ranges: ['127.0.0.0-127.0.0.3'] }, /walk "ranges" holds loopback addresses \(127\.0\.0\.0\/8\) \(--allow-special sends them\): not sent/],
    [{ ...walk, ports: '80,80' }, /names a port twice/],
    [{ ...walk, ranges: ['2001:db8::-2001:db8:ffff::'] }, /walk of more than 2\^52 targets/],
    [{ ...walk, shard: 3, shards: 2 }, /walk "shard" is above "shards"/],
    [{ ...walk, seed: 7 }, /walk "seed" is not a decimal string/],
  ] as const;
  for (const [rec, msg] of bad) {
    const pcap = path.join(dir, 'bad.pcap');
    const r = trawl(['blast', ...SEND, '--pcap', pcap], `${good}\n${JSON.stringify(rec)}\n${good.replace('0.1', '0.2')}\n`);
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, /stdin:2: /);
    assert.match(r.stderr, msg);
    assert.is(readPcapFile(pcap).length, 2, 'the lines around it were sent');
  }
});

test('SIGINT during a walk: exit 130 and a resume index; targets --resume-index K --walk sends exactly the rest', async () => {
  const spec = ['198.18.0.0/24', '-p', '80', '--seed', '4'];
  const pcap = path.join(dir, 'int.pcap');
  const child = spawn(process.execPath, [TRAWL, 'blast', ...SEND.slice(0, -2), '--rate', '300', '--pcap', pcap]);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const closed = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  child.stdin.end(trawl(['targets', ...spec, '--walk']).stdout);
  for (let k = 0; k < 500 && !(fs.existsSync(pcap) && fs.statSync(pcap).size > 24) && child.exitCode === null; k++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  assert.is(await closed, 130, err);
  const k = Number(/resume with --resume-index (\d+)/.exec(err)?.[1]);
  const dst = (file: string) => readPcapFile(file).map((f) => Array.from(f.data.subarray(30, 34)).join('.'));
  const sent = dst(pcap);
  assert.ok(k > 0 && k < 256 && sent.length === k, `resume index ${k}, ${sent.length} sent`);
  const pcap2 = path.join(dir, 'rest.pcap');
  const rest = trawl(['targets', ...spec, '--resume-index', String(k), '--walk']).stdout;
  assert.is(trawl(['blast', ...SEND, '--pcap', pcap2, '-q'], rest).code, 0);
  const all = lines(trawl(['targets', ...spec]).stdout).map((t) => t.ip);
  assert.equal([...sent, ...dst(pcap2)], all, 'interrupted + resumed = the whole order, once each');
});

test.run();
