// Capture: offline pcap and pcapng (hand-made), stdin, BPF filter, batching into caller buffers,
// argument checking; and, as root, a live capture of Sender's SYNs across a veth pair.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { loadNative, SenderOptions } from '../native/index';
import { isRoot } from './helpers';

const native = loadNative();
const NATIVE_JS = path.join(__dirname, '..', 'native', 'index.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-capture-'));
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 3);

function senderOpts(extra: Partial<SenderOptions>): SenderOptions {
  return {
    srcMac: '02:00:00:00:00:01', dstMac: '02:00:00:00:00:02', srcIp: '198.18.0.1', ttl: 64,
    synOptions: 'linux', key: KEY, sportBase: 32768, sportCount: 28233, ...extra,
  };
}

/** n SYNs to 198.19.0.i, ports alternating 80 and 81, written by Sender; returns the file. */
function synPcap(name: string, n: number): string {
  const file = path.join(dir, name);
  const s = new native.Sender(senderOpts({ pcapFile: file }));
  const ips = new Uint32Array(n).map((_, i) => 0xc6130000 + i);
  const ports = new Uint16Array(n).map((_, i) => 80 + (i % 2));
  assert.is(s.sendSyns(ips, ports, new Uint8Array(n), n), n);
  s.close();
  return file;
}

/** Reads a whole source with read(); returns the frames and their wire lengths and times. */
function drain(c: ReturnType<typeof open>, bufBytes = 1 << 16, max = 64) {
  const buf = new Uint8Array(bufBytes), meta = new Uint32Array(3 * max), times = new Float64Array(max);
  const frames: Buffer[] = [], wire: number[] = [], ts: number[] = [];
  let calls = 0;
  for (;;) {
    const k = c.read(buf, meta, times, max);
    calls++;
    if (k < 0) break;
    assert.ok(k > 0, 'a file never returns 0');
    for (let i = 0; i < k; i++) {
      frames.push(Buffer.from(buf.subarray(meta[3 * i], meta[3 * i] + meta[3 * i + 1])));
      wire.push(meta[3 * i + 2]); ts.push(times[i]);
    }
  }
  assert.is(c.read(buf, meta, times, max), -1, 'stays at end of file');
  return { frames, wire, ts, calls };
}
const open = (file: string, filter?: string) => new native.Capture({ file, filter });

test('offline pcap: every frame, lengths, times, -1 at the end', () => {
  const file = synPcap('a.pcap', 100);
  const before = Date.now() * 1000;
  const c = open(file);
  assert.is(c.linktype, 1);
  const { frames, wire, ts } = drain(c);
  assert.is(frames.length, 100);
  frames.forEach((f, i) => {
    assert.is(f.length, 74); assert.is(wire[i], 74);
    assert.is(f.readUInt32BE(30), 0xc6130000 + i, `frame ${i} in order`);
    assert.ok(ts[i] > before - 60e6 && ts[i] < before + 60e6, 'microseconds since the epoch');
  });
  assert.is(c.stats().received, 100);
  c.close(); c.close();
  assert.throws(() => c.read(new Uint8Array(10), new Uint32Array(3), new Float64Array(1), 1), /read: capture is closed/);
});

test('offline: BPF filter applies, and small buffers split the batch without losing a frame', () => {
  const file = synPcap('b.pcap', 101);
  const c = open(file, 'tcp dst port 80');
  const { frames } = drain(c);
  c.close();
  assert.is(frames.length, 51);
  assert.ok(frames.every((f) => f.readUInt16BE(36) === 80));
  // 200 bytes hold two 74-byte frames: the third is kept for the next call, not dropped.
  const c2 = open(file);
  const small = drain(c2, 200, 64);
  c2.close();
  assert.is(small.frames.length, 101);
  assert.is(small.calls, 51 + 1, 'two frames per call (the last alone), then -1');
  assert.equal(small.frames.map((f) => f.readUInt32BE(30)), Array.from({ length: 101 }, (_, i) => 0xc6130000 + i));
  // A buffer smaller than one frame: the frame is truncated to what fits, wire length kept.
  const c3 = open(file);
  const tiny = drain(c3, 60, 4);
  c3.close();
  assert.is(tiny.frames.length, 101);
  assert.ok(tiny.frames.every((f) => f.length === 60)); assert.ok(tiny.wire.every((w) => w === 74));
});

/** A pcapng file made by hand: section header, one Ethernet interface, one enhanced packet per frame. */
function pcapng(frames: Buffer[], usec: bigint[]): Buffer {
  const blocks: Buffer[] = [];
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0); shb.writeUInt32LE(28, 4); shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12); shb.writeUInt16LE(0, 14); shb.writeBigInt64LE(-1n, 16); shb.writeUInt32LE(28, 24);
  const idb = Buffer.alloc(20);
  idb.writeUInt32LE(1, 0); idb.writeUInt32LE(20, 4); idb.writeUInt16LE(1, 8); idb.writeUInt32LE(65535, 12); idb.writeUInt32LE(20, 16);
  blocks.push(shb, idb);
  frames.forEach((f, i) => {
    const pad = (4 - (f.length % 4)) % 4, len = 32 + f.length + pad;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(6, 0); b.writeUInt32LE(len, 4); b.writeUInt32LE(0, 8);
    b.writeUInt32LE(Number(usec[i] >> 32n), 12); b.writeUInt32LE(Number(usec[i] & 0xffffffffn), 16);
    b.writeUInt32LE(f.length, 20); b.writeUInt32LE(f.length + 10, 24); f.copy(b, 28); b.writeUInt32LE(len, len - 4);
    blocks.push(b);
  });
  return Buffer.concat(blocks);
}

test('offline pcapng (hand-made): frames, timestamps, original length', () => {
  const frames = [Buffer.alloc(60, 0x11), Buffer.alloc(61, 0x22), Buffer.alloc(1514, 0x33)];
  const usec = [1700000000123456n, 1700000001000001n, 1700000002999999n];
  const file = path.join(dir, 'c.pcapng');
  fs.writeFileSync(file, pcapng(frames, usec));
  const c = open(file);
  assert.is(c.linktype, 1);
  const got = drain(c);
  c.close();
  assert.equal(got.frames, frames);
  assert.equal(got.wire, frames.map((f) => f.length + 10));
  assert.equal(got.ts, usec.map(Number));
});

test('offline from stdin ("-"), in a child process', () => {
  const file = synPcap('d.pcap', 7);
  const script = `const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
    const c = new n.Capture({ file: '-' });
    const buf = new Uint8Array(4096), meta = new Uint32Array(300), times = new Float64Array(100);
    let total = 0, k;
    while ((k = c.read(buf, meta, times, 100)) >= 0) total += k;
    console.log(total, c.linktype);`;
  const r = spawnSync(process.execPath, ['-e', script], { input: fs.readFileSync(file), encoding: 'utf8', env: childEnv() });
  assert.is(r.stderr, ''); assert.is(r.status, 0); assert.is(r.stdout.trim(), '7 1');
});

test('Capture: bad options and arguments throw naming them, no crash', () => {
  const file = synPcap('e.pcap', 3);
  assert.throws(() => new native.Capture({}), /Capture: give exactly one of options.iface and options.file/);
  assert.throws(() => new (native.Capture as any)('x'), /Capture: options must be an object/);
  assert.throws(() => new native.Capture({ file: path.join(dir, 'missing.pcap') }), /Capture: cannot read .*missing.pcap/);
  assert.throws(() => new native.Capture({ file: __filename }), /Capture: cannot read/);
  assert.throws(() => new native.Capture({ file, filter: 'tcp port nonsense(' }), /Capture: options.filter/);
  assert.throws(() => new native.Capture({ file, snaplen: 10 }), /options.snaplen must be between 64 and 262144/);
  assert.throws(() => new (native.Capture as any)({ file, direction: 'up' }), /options.direction must be in, out or inout/);
  assert.throws(() => new native.Capture({ iface: 'nosuch0' }), isRoot ? /nosuch0/ : /Capture/);
  const c = open(file);
  const buf = new Uint8Array(100), meta = new Uint32Array(3), times = new Float64Array(1);
  assert.throws(() => (c as any).read(new Uint16Array(4), meta, times, 1), /read: buf must be a Uint8Array/);
  assert.throws(() => (c as any).read(buf, new Int32Array(3), times, 1), /read: meta must be a Uint32Array/);
  assert.throws(() => c.read(buf, meta, times, 2), /read: meta must hold 3 \* maxPackets entries/);
  assert.throws(() => c.read(buf, new Uint32Array(6), times, 2), /read: times must hold maxPackets entries/);
  assert.throws(() => c.read(buf, meta, times, 0), /read: maxPackets must be between 1/);
  assert.throws(() => c.read(new Uint8Array(0), meta, times, 1), /read: buf is empty/);
  assert.throws(() => (c as any).onReadable(5), /onReadable: cb must be a function/);
  assert.throws(() => c.onReadable(() => {}), /onReadable: only for live captures/);
  assert.throws(() => c.inject(new Uint8Array(3)), /inject: frame must be 14..65535 bytes/);
  assert.throws(() => c.inject(new Uint8Array(60)), /inject: only for live captures/);
  assert.is(c.read(buf, meta, times, 1), 1, 'still usable after the bad calls');
  c.close();
});

// Live: Sender in namespace a sends SYNs (ports 80 and 81, with a batch large enough to use both
// lanes) and injects one frame with Capture; Capture in namespace b, filtered to port 80, woken
// by onReadable, must see exactly the port-80 frames.
const NS = `tn-nat-${process.pid}`;
// Children get an environment without the runner's colour variables (node warns about them).
const childEnv = () => { const e = { ...process.env }; delete e.NO_COLOR; delete e.FORCE_COLOR; return e; };
const ipcmd = (args: string) => spawnSync('bash', ['-c', `ip ${args}`], { encoding: 'utf8' });

/** Two namespaces NS-<x>1 and NS-<x>2 joined by a veth pair, each end named v0 and up. */
function vethPair(x: string): [string, string] {
  const a = `${NS}-${x}1`, b = `${NS}-${x}2`, tag = `n${x}${process.pid % 100000}`;
  try {
    for (const cmd of [
      `netns add ${a}`, `netns add ${b}`,
      `link add ${tag}a netns ${a} type veth peer name ${tag}b netns ${b}`,
      `-n ${a} link set ${tag}a name v0`, `-n ${b} link set ${tag}b name v0`,
      `-n ${a} link set v0 up`, `-n ${b} link set v0 up`,
    ]) assert.is(ipcmd(cmd).status, 0, `ip ${cmd}`);
  } catch (e) { ipcmd(`netns del ${a}`); ipcmd(`netns del ${b}`); throw e; }
  return [a, b];
}
/** Runs a capture script in namespace ns and resolves once it printed 'ready'. */
async function startCapture(ns: string, script: string) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { env: childEnv() });
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d) => { out += d; if (out.includes('ready\n')) res(); });
    child.on('close', () => rej(new Error(`capture exited early: ${err}`)));
  });
  return { child, exited, out: () => out, err: () => err };
}
const macOf = (ns: string) => JSON.parse(ipcmd(`-n ${ns} -j link show v0`).stdout)[0].address;

test('as root: live capture of Sender SYNs over a veth pair (filter, onReadable, stats, inject)', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const [a, b] = vethPair('a');
  try {
    const amac = macOf(a), bmac = macOf(b);
    const N = 6000, WANT = N / 2 + 1;
    const capScript = `const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
      const c = new n.Capture({ iface: 'v0', filter: 'tcp dst port 80 and tcp[tcpflags] & tcp-syn != 0', direction: 'in' });
      const buf = new Uint8Array(1 << 20), meta = new Uint32Array(3 * 1024), times = new Float64Array(1024);
      let fired = 0, count = 0, other = 0, injected = 0, done = false;
      const pull = () => { let k; while ((k = c.read(buf, meta, times, 1024)) > 0) for (let i = 0; i < k; i++) {
        const o = meta[3 * i]; count++;
        if (((buf[o + 36] << 8) | buf[o + 37]) !== 80) other++;
        if (buf[o + 30] === 198 && buf[o + 31] === 18 && buf[o + 32] === 99 && buf[o + 33] === 99) injected++;
      } };
      const finish = () => { if (done) return; done = true; setTimeout(() => { pull();
        console.log(JSON.stringify({ fired, count, other, injected, c2fired, stats: c.stats(), linktype: c.linktype }));
        c.close(); }, 300); };
      c.onReadable(() => { fired++; pull(); if (count >= ${WANT}) finish(); });
      // A second capture closed from inside its own callback: no crash, no call after close().
      const c2 = new n.Capture({ iface: 'v0' });
      let c2fired = 0;
      c2.onReadable(() => { c2fired++; c2.close(); });
      setTimeout(finish, 15000);
      console.log('ready');`;
    const cap = await startCapture(b, capScript);
    const sendScript = `const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
      const key = new Uint8Array(16);
      const opts = { srcMac: '${amac}', dstMac: '${bmac}', srcIp: '198.18.8.1', ttl: 64, synOptions: 'linux',
        key, sportBase: 32768, sportCount: 28233 };
      const s = new n.Sender({ ...opts, iface: 'v0' });
      const ips = new Uint32Array(${N}).map((_, i) => 0xc6120900 + i);
      const ports = new Uint16Array(${N}).map((_, i) => 80 + (i % 2));
      const slots = new Uint8Array(${N});
      let done = 0, tries = 0;
      while (done < ${N} && tries++ < 100000) done += s.sendSyns(ips.subarray(done), ports.subarray(done), slots.subarray(done), ${N} - done);
      const st = s.stats(); s.close();
      const f = require('fs'), file = '${dir}/inject.pcap';
      const p = new n.Sender({ ...opts, pcapFile: file });
      p.sendSyns(Uint32Array.of(0xc6126363), Uint16Array.of(80), Uint8Array.of(0), 1); p.close();
      const frame = f.readFileSync(file).subarray(40);
      const c = new n.Capture({ iface: 'v0' }); c.inject(frame); c.close();
      console.log(JSON.stringify({ done, sent: st.sent, errors: st.errors }));`;
    const sr = spawnSync('ip', ['netns', 'exec', a, process.execPath, '-e', sendScript], { encoding: 'utf8', env: childEnv() });
    assert.is(sr.stderr, ''); assert.is(sr.status, 0);
    const sent = JSON.parse(sr.stdout);
    assert.equal(sent, { done: N, sent: N, errors: 0 });
    const code = await cap.exited;
    assert.is(code, 0, cap.err());
    const got = JSON.parse(cap.out().split('\n')[1]);
    assert.is(got.count, WANT, 'every port-80 SYN and the injected frame');
    assert.is(got.other, 0, 'the filter kept port 81 out');
    assert.is(got.injected, 1);
    assert.ok(got.fired >= 1, 'onReadable fired');
    assert.is(got.c2fired, 1, 'closed inside its callback: called once');
    assert.is(got.linktype, 1);
    assert.ok(got.stats.received >= WANT, `stats.received ${got.stats.received}`);
    assert.is(got.stats.dropped, 0);
  } finally {
    ipcmd(`netns del ${a}`); ipcmd(`netns del ${b}`);
  }
});

test('as root: onReadable(cb, true) calls once per arming while packets wait unread; a standing poll calls without end', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const [a, b] = vethPair('c');
  try {
    const bmac = macOf(b);
    // catch's ring (TPACKET_V3 blocks, 4 ms): the packets are never read, so the fd stays readable.
    const capScript = `const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
      const c = new n.Capture({ iface: 'v0', direction: 'in', blockTimeoutMs: 4 });
      let once = 0, standing = 0;
      process.stdin.once('data', () => {
        c.onReadable(() => { once++; }, true);
        setTimeout(() => {
          const first = once;
          c.onReadable(() => { once++; }, true);
          setTimeout(() => {
            const second = once;
            c.onReadable(() => { standing++; });
            setTimeout(() => { console.log(JSON.stringify({ first, second, standing })); c.close(); }, 300);
          }, 300);
        }, 300);
      });
      console.log('ready');`;
    const cap = await startCapture(b, capScript);
    const sendScript = `const n = require(${JSON.stringify(NATIVE_JS)}).loadNative();
      const s = new n.Sender({ srcMac: '02:00:00:00:00:0a', dstMac: '${bmac}', srcIp: '198.18.8.1', ttl: 64, synOptions: 'linux',
        key: new Uint8Array(16), sportBase: 32768, sportCount: 28233, iface: 'v0' });
      const N = 200, ips = new Uint32Array(N).map((_, i) => 0xc6120900 + i);
      let done = 0;
      while (done < N) done += s.sendSyns(ips.subarray(done), new Uint16Array(N - done).fill(80), new Uint8Array(N - done), N - done);
      s.close();`;
    const sr = spawnSync('ip', ['netns', 'exec', a, process.execPath, '-e', sendScript], { encoding: 'utf8', env: childEnv() });
    assert.is(sr.status, 0, sr.stderr);
    cap.child.stdin!.end('go\n');
    assert.is(await cap.exited, 0, cap.err());
    const got = JSON.parse(cap.out().split('\n')[1]);
    assert.is(got.first, 1, 'armed once: one call, though the packets stayed unread');
    assert.is(got.second, 2, 'armed again: one more');
    assert.ok(got.standing > 100, `a standing poll on a readable fd: ${got.standing} calls in 300 ms`);
  } finally {
    ipcmd(`netns del ${a}`); ipcmd(`netns del ${b}`);
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
