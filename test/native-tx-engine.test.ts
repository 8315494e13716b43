// The Sender's transmit engines (native/src/tx-engine.h): sendmmsg, tx-ring and xdp each put the
// very frames on the wire that the sendmmsg engine does, on one lane and on two. As root, in two
// network namespaces created here (txeng-<pid>-a sends, txeng-<pid>-b captures with tcpdump on
// the far end of a veth pair with two queues each way); both are removed afterwards. Also: the
// engine option is checked (Sender and blast), and an engine that cannot start says which and why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { isRoot, ROOT, trawl } from './helpers';
import { readPcapFile } from './packets';
import { loadNative } from '../native/index';

const PID = process.pid;
const NS_A = `txeng-${PID}-a`, NS_B = `txeng-${PID}-b`;
const IF_A = `txe${PID % 100000}a`, IF_B = `txe${PID % 100000}b`;
const N = 3000;   // above the Sender's 2048: two lanes share the batch
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-txeng-'));
const native = loadNative();
const built = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const live = isRoot && built;

function sh(script: string): string {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}\n${r.stderr}`);
  return r.stdout.trim();
}
function down(): void {
  spawnSync('bash', ['-c', `ip netns del ${NS_A} 2>/dev/null; ip netns del ${NS_B} 2>/dev/null; true`]);
}
process.on('exit', down);
test.after(() => { down(); fs.rmSync(dir, { recursive: true, force: true }); });

let macA = '', macB = '';
if (live) {
  down();
  sh(`ip netns add ${NS_A} && ip netns add ${NS_B} &&
    ip link add ${IF_A} netns ${NS_A} numtxqueues 2 numrxqueues 2 type veth peer name ${IF_B} netns ${NS_B} numtxqueues 2 numrxqueues 2 &&
    for ns in ${NS_A} ${NS_B}; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done &&
    ip -n ${NS_A} link set ${IF_A} up && ip -n ${NS_B} link set ${IF_B} up`);
  macA = sh(`ip netns exec ${NS_A} cat /sys/class/net/${IF_A}/address`);
  macB = sh(`ip netns exec ${NS_B} cat /sys/class/net/${IF_B}/address`);
}

// Sends N SYNs (IPv4 and IPv6 mixed, several ports) in namespace A, offering again whatever the
// kernel pushed back, and prints the Sender's stats as JSON.
const SENDER = `
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
const [iface, srcMac, dstMac, engine, lanes, count] = process.argv.slice(1);
const n = Number(count);
const ips = new Uint32Array(n), ports = new Uint16Array(n), slots = new Uint8Array(n), fams = new Uint8Array(n), addrs = new Uint8Array(16 * n);
for (let i = 0; i < n; i++) {
  ports[i] = 1 + (i % 7) * 1000; fams[i] = i % 5 === 4 ? 6 : 4;
  if (fams[i] === 4) ips[i] = 0xc6120000 + i;
  else { addrs.set([0x20, 0x01, 0x0d, 0xb8, 0, 1], 16 * i); addrs[16 * i + 14] = i >> 8; addrs[16 * i + 15] = i & 255; }
}
let s;
try {
  s = new N.Sender({ iface, srcMac, dstMac, srcIp: '198.18.0.1', srcIp6: '2001:db8::1', ttl: 64, synOptions: 'linux', engine,
    lanes: Number(lanes), key: Uint8Array.from({ length: 16 }, (_, i) => i), sportBase: 32768, sportCount: 28233 });
} catch (e) { console.log(JSON.stringify({ error: e.message, code: e.code })); process.exit(0); }
let done = 0, spins = 0;
while (done < n && spins < 1e6) {
  const k = s.sendSyns(ips.subarray(done), ports.subarray(done), slots.subarray(done), n - done, fams.subarray(done), addrs.subarray(16 * done));
  done += k; if (!k) spins++;
}
const st = s.stats();
s.close();
console.log(JSON.stringify({ ...st, done }));
`;

function runSender(engine: string, lanes: number, count = N): any {
  const r = spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', SENDER, IF_A, macA, macB, engine, String(lanes), String(count)], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Captures on B's end while send() runs; the frames tcpdump saw, as they came. */
async function capture(name: string, send: () => any): Promise<{ frames: Buffer[]; result: any }> {
  const file = path.join(dir, `${name}.pcap`);
  const td = spawn('ip', ['netns', 'exec', NS_B, 'tcpdump', '-i', IF_B, '-n', '-U', '--immediate-mode', '-s', '256', '-B', '16384', '-w', file, 'tcp or ip6'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    td.stderr!.on('data', (c) => { err += c; if (/listening on/.test(err)) resolve(); });
    td.on('exit', () => reject(new Error(`tcpdump: ${err}`)));
  });
  const result = send();
  await new Promise((r) => setTimeout(r, 500));   // the last frames reach tcpdump
  const exited = new Promise((r) => td.on('exit', r));
  td.kill('SIGINT');
  await exited;
  assert.match(err, /^0 packets dropped by kernel/m, `tcpdump dropped packets: ${err}`);
  return { frames: readPcapFile(file).map((f) => Buffer.from(f.data)), result };
}

/** A frame with its random parts cleared: the IPv4 ID and so the header checksum. */
function key(f: Buffer): string {
  const c = Buffer.from(f);
  if (c.readUInt16BE(12) === 0x0800) { c.fill(0, 18, 20); c.fill(0, 24, 26); }
  return c.toString('hex');
}

let reference: string[] = [];

if (live) {
  test('the sendmmsg engine puts N SYNs on the wire, IPv4 and IPv6', async () => {
    const { frames, result } = await capture('sendmmsg', () => runSender('sendmmsg', 2));
    assert.is(result.done, N);
    assert.is(result.errors, 0);
    assert.is(result.engine, 'sendmmsg');
    assert.is(result.lanes, 2);
    assert.is(frames.length, N);
    assert.is(frames.filter((f) => f.readUInt16BE(12) === 0x86dd).length, N / 5);
    reference = frames.map(key).sort();
    assert.is(new Set(reference).size, N, 'every SYN is another target\'s');
  });

  for (const [engine, lanes] of [['sendmmsg', 1], ['tx-ring', 1], ['tx-ring', 2], ['xdp', 1], ['xdp', 2]] as const) {
    test(`the ${engine} engine on ${lanes} lane${lanes > 1 ? 's' : ''} sends the same frames, byte for byte`, async () => {
      assert.is(reference.length, N, 'the sendmmsg reference ran');
      const { frames, result } = await capture(`${engine}-${lanes}`, () => runSender(engine, lanes));
      assert.is(result.done, N, JSON.stringify(result));
      assert.is(result.errors, 0);
      assert.is(result.sent, N);
      assert.is(result.engine.split(' ')[0], engine);
      assert.is(result.lanes, lanes);
      assert.is(frames.length, N, 'frames on the wire');
      assert.equal(frames.map(key).sort(), reference);
      assert.is(frames.reduce((a, f) => a + f.length, 0), result.bytes, 'bytes on the wire are the bytes the Sender counted');
    });
  }

  test('tx-ring says which TPACKET version it transmits with (V3 from Linux 4.20)', () => {
    const r = runSender('tx-ring', 1, 10);
    const [major, minor] = os.release().split('.').map(Number);
    assert.is(r.engine, major > 4 || (major === 4 && minor >= 20) ? 'tx-ring (TPACKET_V3)' : 'tx-ring (TPACKET_V2)');
  });

  test('xdp on an interface with one queue runs one lane', () => {
    sh(`ip -n ${NS_A} link add ${IF_A}q type veth peer name ${IF_B}q && ip -n ${NS_A} link set ${IF_A}q up && ip -n ${NS_A} link set ${IF_B}q up`);
    try {
      const r = spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', SENDER, `${IF_A}q`, macA, macB, 'xdp', '2', '3000'], { encoding: 'utf8' });
      const st = JSON.parse(r.stdout.trim());
      assert.is(st.lanes, 1);
      assert.is(st.done, 3000);
    } finally { sh(`ip -n ${NS_A} link del ${IF_A}q`); }
  });

  test('an engine that cannot start names itself and why, and another engine still sends', () => {
    // A second AF_XDP socket on a queue another one holds is refused by the kernel (EBUSY).
    const HOLD = `
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
const o = { iface: process.argv[1], srcMac: process.argv[2], dstMac: process.argv[3], srcIp: '198.18.0.1', ttl: 64, synOptions: 'linux',
  key: new Uint8Array(16), sportBase: 32768, sportCount: 28233, lanes: 1 };
const held = new N.Sender({ ...o, engine: 'xdp' });
for (const engine of ['xdp', 'sendmmsg']) {
  try { const s = new N.Sender({ ...o, engine }); console.log(JSON.stringify({ engine, ok: s.stats().engine })); s.close(); }
  catch (e) { console.log(JSON.stringify({ engine, error: e.message, code: e.code })); }
}
held.close();`;
    const r = spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', HOLD, IF_A, macA, macB], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const [xdp, mmsg] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.is(xdp.code, 'EENGINE');
    assert.is(xdp.error, `Sender: the xdp engine cannot start on ${IF_A}: bind to queue 0 of the interface ` +
      '(another AF_XDP socket holds that queue): Device or resource busy; another engine may: sendmmsg or tx-ring');
    assert.is(mmsg.ok, 'sendmmsg');
  });

  test('a layer-3 link is refused by the ring engines, named in the error', () => {
    const SCRIPT = `
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
try { new N.Sender({ iface: process.argv[1], srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64,
  synOptions: 'linux', key: new Uint8Array(16), sportBase: 32768, sportCount: 28233, linkHeader: false, engine: 'tx-ring' }); }
catch (e) { console.log(e.message); }`;
    const r = spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', SCRIPT, IF_A], { encoding: 'utf8' });
    assert.is(r.stdout.trim(), `Sender: the tx-ring engine cannot start on ${IF_A}: a layer-3 link (tun, WireGuard, PPP) needs each ` +
      'packet\'s protocol named, which only sendmmsg does; another engine may: sendmmsg or xdp');
  });

  test('blast without --engine sends through xdp, and with sendmmsg, saying why, where xdp cannot start', async () => {
    const keyFile = path.join(dir, 'key0');
    assert.is(trawl(['key', keyFile]).code, 0);
    const input = Array.from({ length: 20 }, (_, i) => JSON.stringify({ type: 'target', ip: `198.18.2.${i}`, port: 80 })).join('\n') + '\n';
    // A Sender in the same namespace holds queue 0 with AF_XDP while the second blast runs.
    const SCRIPT = `
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
const { execFileSync } = require('child_process');
const run = (args) => require('child_process').spawnSync(process.execPath, [${JSON.stringify(path.join(ROOT, 'dist', 'shared', 'main.js'))}, 'blast', '-i', '${IF_A}',
  '--source-ip', '198.18.0.1', '--router-mac', '${macB}', '--key-file', '${keyFile}', '--rate', 'max', ...args], { input: process.argv[1], encoding: 'utf8' });
const free = run([]);
const held = new N.Sender({ iface: '${IF_A}', srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64, synOptions: 'linux',
  key: new Uint8Array(16), sportBase: 32768, sportCount: 28233, engine: 'xdp', lanes: 1 });
const busy = run([]), chosen = run(['--engine', 'xdp']);
held.close();
console.log(JSON.stringify([free, busy, chosen].map((r) => ({ status: r.status, stderr: r.stderr }))));`;
    const { frames, result } = await capture('blast-default', () => spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', SCRIPT, input], { encoding: 'utf8' }));
    assert.is(result.status, 0, result.stderr);
    const [free, busy, chosen] = JSON.parse(result.stdout);
    assert.is(free.status, 0);
    assert.match(free.stderr, /^trawl blast: sent 20 SYNs in [^\n]*\n$/, 'no warning: xdp started');
    assert.is(busy.status, 0);
    assert.match(busy.stderr, `trawl blast: warning: Sender: the xdp engine cannot start on ${IF_A}: bind to queue 0 of the interface ` +
      '(another AF_XDP socket holds that queue): Device or resource busy; another engine may: sendmmsg or tx-ring: sending with sendmmsg (--engine chooses)\n');
    assert.is(chosen.status, 1, 'an engine chosen is not swapped for another');
    assert.match(chosen.stderr, `trawl blast: -i ${IF_A}: Sender: the xdp engine cannot start on ${IF_A}: bind to queue 0`);
    assert.is(frames.length, 40, 'both runs that could send sent every SYN');
  });

  test('scan passes --engine to blast: an engine chosen that cannot start ends the scan, named', () => {
    sh(`ip -n ${NS_A} addr add 198.18.0.1/24 dev ${IF_A}`);
    const SCRIPT = `
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
const held = new N.Sender({ iface: '${IF_A}', srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64,
  synOptions: 'linux', key: new Uint8Array(16), sportBase: 32768, sportCount: 28233, engine: 'xdp', lanes: 1 });
const r = require('child_process').spawnSync(process.execPath, [${JSON.stringify(path.join(ROOT, 'dist', 'shared', 'main.js'))}, 'scan', '198.18.0.8/30',
  '-p', '80', '-i', '${IF_A}', '--router-mac', '${macB}', '--engine', 'xdp', '--wait', '1'], { encoding: 'utf8', timeout: 60000 });
held.close();
console.log(JSON.stringify({ status: r.status, stderr: r.stderr }));`;
    try {
      const r = spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, '-e', SCRIPT], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      const scan = JSON.parse(r.stdout);
      assert.is(scan.status, 1);
      assert.match(scan.stderr, `trawl blast: -i ${IF_A}: Sender: the xdp engine cannot start on ${IF_A}: bind to queue 0 of the interface ` +
        '(another AF_XDP socket holds that queue)');
    } finally { sh(`ip -n ${NS_A} addr del 198.18.0.1/24 dev ${IF_A}`); }
  });

  test('blast --engine xdp sends every target its SYN through AF_XDP', async () => {
    const keyFile = path.join(dir, 'key');
    assert.is(trawl(['key', keyFile]).code, 0);
    const input = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: 'target', ip: `198.18.1.${i}`, port: 80 })).join('\n') + '\n';
    const { frames } = await capture('blast-xdp', () => spawnSync('ip', ['netns', 'exec', NS_A, process.execPath, path.join(ROOT, 'dist', 'shared', 'main.js'),
      'blast', '-i', IF_A, '--source-ip', '198.18.0.1', '--router-mac', macB, '--key-file', keyFile, '--rate', 'max', '--engine', 'xdp', '-q'],
      { input, encoding: 'utf8' }));
    assert.is(frames.filter((f) => f.readUInt16BE(12) === 0x0800).length, 50);
    assert.equal(new Set(frames.map((f) => f.readUInt32BE(30) & 255)).size, 50, 'one SYN per target');
  });
}

test('options.engine must name an engine', () => {
  const base = { pcapFile: path.join(dir, 'x.pcap'), srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1',
    ttl: 64, synOptions: 'linux' as const, key: new Uint8Array(16), sportBase: 32768, sportCount: 28233 };
  assert.throws(() => new native.Sender({ ...base, engine: 'netmap' as any }),
    (e: Error) => e instanceof TypeError && e.message === 'Sender: options.engine must be sendmmsg, tx-ring or xdp: netmap');
  for (const engine of ['sendmmsg', 'tx-ring', 'xdp'] as const) new native.Sender({ ...base, engine }).close();   // pcap mode: unused
});

test('blast --engine: a name it does not know is a usage error', () => {
  const r = trawl(['blast', '--engine', 'dpdk', '--key-file', '/dev/null', '--pcap', path.join(dir, 'y.pcap')], '');
  assert.is(r.code, 2);
  assert.is(r.stderr, "trawl blast: option --engine: 'dpdk' is not one of sendmmsg, tx-ring, xdp\n");
  assert.match(trawl(['blast', '--help']).stdout, /--engine ENGINE +how frames reach the kernel: sendmmsg, tx-ring \(PACKET_TX_RING\) or xdp \(AF_XDP\)/);
});

test.run();
