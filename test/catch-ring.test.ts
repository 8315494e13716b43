// catch's capture ring: TPACKET_V3 blocks (or with --block-timeout 0 V2 frames) sized from
// --rate (0.25 s of packets, 4 to 256 MiB) unless --buffer says, and the memory chosen is the memory catch maps, read back from /proc/PID/smaps of a
// live catch in a testbed (no packet needs to flow: the ring is mapped and resident from the
// start), and said in the summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_RING, MIN_RING, ringBlocks, ringBytes, ringFrames, ringSnaplen, V3_BLOCK } from '../cmds/catch';
import { isRoot } from './helpers';
import { inNs, Testbed, testbedDown, testbedName, testbedUp } from './testbed';

test('the default snaplen fills its power-of-two ring block, and covers --max-banner and the headers', () => {
  assert.is(ringSnaplen(16 * 1024 + 200), 32640);
  assert.is(ringSnaplen(1024 + 200), 3968);    // libpcap's smallest block, a page
  assert.is(ringSnaplen(65535 + 200), 131072 - 128);
  for (const need of [256, 1500, 4096, 16584, 40000]) {
    const s = ringSnaplen(need);
    assert.ok(s >= need, `${need} -> ${s}`);
    assert.is(Math.log2(s + 128) % 1, 0, `${need} -> ${s}`);
  }
});

test('the default V3 ring has a block for each timeout and each 256 KiB of packets in 0.25 s, 4 to 256 MiB', () => {
  const MiB = 1 << 20;
  // blast's default rate, 100/s: 25 packets, each may close a block of its own by the timeout.
  assert.is(ringBlocks(ringBytes(100, 32640, 4)), 27);
  assert.is(ringBytes(1, 32640, 4), 4 * MiB);
  // Banners at 10 kpps: 63 timeouts of 4 ms, 11 blocks of 1 KiB packets (V2: 78 MiB).
  assert.is(ringBlocks(ringBytes(10000, 32640, 4)), 75);
  assert.ok(ringBytes(10000, 32640, 4) < 20 * MiB);
  // A longer timeout needs fewer blocks; a small --snaplen fewer bytes.
  assert.ok(ringBytes(10000, 32640, 20) < ringBytes(10000, 32640, 4));
  assert.ok(ringBytes(100000, 256, 4) < ringBytes(100000, 32640, 4));
  assert.is(ringBytes(1e7, 32640, 4), MAX_RING);
  for (const rate of [1, 100, 1000, 5000, 20000, 50000, 100000, 300000]) {
    for (const t of [1, 4, 50]) {
      const b = ringBytes(rate, 32640, t);
      assert.ok(b >= MIN_RING && b <= MAX_RING && b % V3_BLOCK === 0, `${rate} ${t}: ${b}`);
      // Room for the blocks of 0.25 s: the timeouts (at most one a packet) and 1 KiB a packet.
      if (b < MAX_RING) assert.ok(b / V3_BLOCK >= Math.min(rate, 1000 / t) / 4 + rate * 1088 / 4 / V3_BLOCK, `${rate} ${t}: ${b}`);
    }
  }
});

test('with --block-timeout 0 (V2) the default ring holds 0.25 s of frames at --rate, 4 MiB at the least and 256 MiB at the most', () => {
  const MiB = 1 << 20;
  // blast's default rate, 100/s: the floor, 128 frames of the default snaplen, 1,024 of --no-probe's.
  assert.is(ringBytes(100, 32640), 4 * MiB);
  assert.is(ringFrames(ringBytes(100, 32640), 32640), 128);
  assert.is(ringFrames(ringBytes(100, 3968), 3968), 1024);
  // A SYN scan at 100 kpps: 25,000 frames of 4 KiB (10,000 and 8,192 lost replies under load).
  assert.is(ringFrames(ringBytes(100000, 3968), 3968), 25000);
  // Banners at 10 kpps: 2,500 frames of 32 KiB (the former fixed default: 1,024).
  assert.is(ringBytes(10000, 32640), 2500 * 32 * 1024);
  assert.is(ringBytes(Infinity, 3968), MAX_RING);
  assert.is(ringBytes(1e6, 32640), MAX_RING);
  // Huge frames keep 64 of them above the floor.
  assert.is(ringFrames(ringBytes(100, 131072 - 128), 131072 - 128), 64);
  for (const rate of [1, 100, 1000, 5000, 20000, 50000, 100000, 300000]) {
    for (const snap of [3968, 32640]) {
      const b = ringBytes(rate, snap);
      assert.ok(b >= MIN_RING && b <= MAX_RING, `${rate} ${snap}: ${b}`);
      if (b > MIN_RING && b < MAX_RING) assert.ok(ringFrames(b, snap) >= rate / 4, `${rate} ${snap}: ${ringFrames(b, snap)} frames`);
    }
  }
});

const NAME = testbedName('ring');
let tb: Testbed | null = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-ring-'));

test.after(() => { if (tb) testbedDown(NAME); fs.rmSync(tmp, { recursive: true, force: true }); });

// The kB of catch's packet-socket mapping (the ring) while it runs with `args`, and the summary
// it printed when stopped.
function ringKb(args: string): { kb: number; summary: string } {
  const r = inNs(tb!.scanNs, `
    $TRAWL key --force ${tmp}/k.key > /dev/null 2>&1
    $TRAWL catch -i ${tb!.scanIf} --key-file ${tmp}/k.key --source-ip 198.19.0.77 ${args} > /dev/null 2> ${tmp}/err & pid=$!
    for i in $(seq 50); do grep -q 'socket:' /proc/$pid/maps 2> /dev/null && break; sleep 0.1; done
    awk '/^[0-9a-f]+-/ { s = ($6 ~ /^socket:/) } s && /^Size:/ { kb += $2 } END { print kb + 0 }' /proc/$pid/smaps
    kill $pid; wait $pid 2> /dev/null; grep 'kernel drops' ${tmp}/err; true`, { encoding: 'utf8' });
  assert.is(r.code, 0, r.stderr);
  const [kb, summary] = r.stdout.trim().split('\n');
  return { kb: Number(kb), summary: summary ?? '' };
}

test('the ring catch maps is what --rate or --buffer asks, and the summary says it', () => {
  if (!isRoot) { console.log('  (skipped: needs root for network namespaces)'); return; }
  tb = testbedUp(NAME);
  const MiB = 1024;
  const def = ringKb('');
  assert.is(def.kb, 27 * 256, `default ring ${def.kb} kB (V2: 4 MiB, 32 MiB before --rate)`);
  assert.match(def.summary, /; ring of 27 blocks of 256 KiB \(6\.8 MiB\), 4 ms, kernel drops 0$/, def.summary);
  const banners = ringKb('--rate 10k');
  assert.is(banners.kb, 75 * 256, `--rate 10k ring ${banners.kb} kB (V2: 78 MiB)`);
  const v2 = ringKb('--block-timeout 0');
  assert.ok(v2.kb >= 4 * MiB && v2.kb < 5 * MiB, `V2 default ring ${v2.kb} kB (32 MiB before --rate, 64 MiB before the snaplen fix)`);
  assert.match(v2.summary, /; ring of 128 packets \(4 MiB\), kernel drops 0$/, v2.summary);
  const fast = ringKb('--block-timeout 0 --rate 4k');
  assert.ok(fast.kb >= 31 * MiB && fast.kb < 33 * MiB, `--rate 4k ring ${fast.kb} kB`);
  assert.match(fast.summary, /; ring of 1000 packets \(31\.3 MiB\), kernel drops 0$/, fast.summary);
  const syn = ringKb('--block-timeout 0 --rate 100k --snaplen 3968');
  assert.ok(syn.kb >= 97 * MiB && syn.kb < 99 * MiB, `--rate 100k --snaplen 3968 ring ${syn.kb} kB`);
  const small = ringKb('--block-timeout 0 --rate 100k --buffer 8388608');
  assert.ok(small.kb >= 8 * MiB && small.kb < 9 * MiB, `--buffer 8 MiB ring ${small.kb} kB`);
  assert.match(small.summary, /; ring of 256 packets \(8 MiB\), kernel drops 0$/, small.summary);
  const small3 = ringKb('--rate 100k --buffer 8388608');
  assert.is(small3.kb, 8 * MiB, `V3 --buffer 8 MiB ring ${small3.kb} kB`);
  assert.match(small3.summary, /; ring of 32 blocks of 256 KiB \(8 MiB\), 4 ms, kernel drops 0$/, small3.summary);
});

test('a SIGTERM as soon as the ring is mapped still ends catch with exit 0 and its summary', () => {
  if (!isRoot) { console.log('  (skipped: needs root for network namespaces)'); return; }
  tb ??= testbedUp(NAME);
  // catch mapped its ring before it caught signals: 11 of 20 such SIGTERMs killed it (status 143,
  // no summary), so 10 in a row pass on the old code about 3 times in 10,000.
  const r = inNs(tb!.scanNs, `
    $TRAWL key --force ${tmp}/k.key > /dev/null 2>&1
    for run in $(seq 10); do
      $TRAWL catch -i ${tb!.scanIf} --key-file ${tmp}/k.key --source-ip 198.19.0.77 --buffer 8388608 > /dev/null 2> ${tmp}/err & pid=$!
      for i in $(seq 2000); do grep -q 'socket:' /proc/$pid/maps 2> /dev/null && break; sleep 0.001; done
      kill $pid; wait $pid; echo "$? $(grep -c 'kernel drops' ${tmp}/err)"
    done`, { encoding: 'utf8' });
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n'), Array(10).fill('0 1'), r.stdout);
});

// A V3 block is handed over when full or by its timeout: a lone packet must not wait for more
// traffic, and a burst of several blocks must come through whole. The capture runs in the
// scanner namespace; the target namespace sends UDP datagrams to a port nobody listens on.
// Prints the packets read and the largest wait between the kernel's capture time and the read.
function captureRun(count: number, size: number, timeoutMs: number): { n: number; maxWaitMs: number } {
  const script = `
    const { loadNative } = require(${JSON.stringify(path.join(__dirname, '..', 'native'))});
    const { spawn } = require('child_process');
    const n = loadNative();
    const c = new n.Capture({ iface: ${JSON.stringify(tb!.scanIf)}, filter: 'udp dst port 9999', direction: 'in',
      snaplen: 2048, bufferBytes: 4 << 20, blockTimeoutMs: ${timeoutMs} });
    const buf = new Uint8Array(4 << 20), meta = new Uint32Array(3 * 4096), times = new Float64Array(4096);
    let got = 0, maxWait = 0;
    const done = () => { c.close(); console.log(got + ' ' + maxWait.toFixed(1)); process.exit(0); };
    c.onReadable(() => {
      for (let k; (k = c.read(buf, meta, times, 4096)) > 0;) {
        const now = Date.now() * 1000;
        for (let i = 0; i < k; i++) maxWait = Math.max(maxWait, (now - times[i]) / 1000);
        got += k;
      }
      if (got >= ${count}) done();
    });
    setTimeout(done, 3000);
    spawn('ip', ['netns', 'exec', ${JSON.stringify(tb!.targetNs)}, process.execPath, '-e',
      "const s = require('dgram').createSocket('udp4'); const b = Buffer.alloc(${size}); let i = 0;" +
      "const go = () => { if (i === ${count}) return s.close(); s.send(b, 9999, '198.19.0.1', () => { i++; go(); }); }; setTimeout(go, 300);"],
      { stdio: 'inherit' });`;
  fs.writeFileSync(path.join(tmp, 'cap.js'), script);
  const r = inNs(tb!.scanNs, `${process.execPath} ${tmp}/cap.js`, { encoding: 'utf8' });
  assert.is(r.code, 0, r.stderr);
  const [n, w] = r.stdout.trim().split(' ').map(Number);
  return { n, maxWaitMs: w };
}

test('a V3 ring hands over a lone packet by its block timeout, and a burst of several blocks whole', () => {
  if (!isRoot) { console.log('  (skipped: needs root for network namespaces)'); return; }
  tb ??= testbedUp(NAME);
  const lone = captureRun(1, 60, 4);
  assert.is(lone.n, 1, 'the lone packet was read');
  assert.ok(lone.maxWaitMs < 100, `a lone packet waited ${lone.maxWaitMs} ms`);
  // 2,000 datagrams of 1,000 bytes: ~2 MiB, 8 blocks.
  const burst = captureRun(2000, 1000, 4);
  assert.is(burst.n, 2000, 'every packet of the burst was read');
  const v2 = captureRun(1, 60, 0);
  assert.is(v2.n, 1);
  assert.ok(v2.maxWaitMs < 100, `a lone packet waited ${v2.maxWaitMs} ms (V2)`);
});

test.run();
