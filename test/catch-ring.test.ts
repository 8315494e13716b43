// catch's capture ring: sized from --rate (0.25 s of packets, 4 to 256 MiB) unless --buffer
// says, and the memory chosen is the memory catch maps, read back from /proc/PID/smaps of a
// live catch in a testbed (no packet needs to flow: the ring is mapped and resident from the
// start), and said in the summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MAX_RING, MIN_RING, ringBytes, ringFrames, ringSnaplen } from '../cmds/catch';
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

test('the default ring holds 0.25 s of packets at --rate, 4 MiB at the least and 256 MiB at the most', () => {
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
  assert.ok(def.kb >= 4 * MiB && def.kb < 5 * MiB, `default ring ${def.kb} kB (32 MiB before --rate, 64 MiB before the snaplen fix)`);
  assert.match(def.summary, /; ring of 128 packets \(4 MiB\), kernel drops 0$/);
  const fast = ringKb('--rate 4k');
  assert.ok(fast.kb >= 31 * MiB && fast.kb < 33 * MiB, `--rate 4k ring ${fast.kb} kB`);
  assert.match(fast.summary, /; ring of 1000 packets \(31\.3 MiB\), kernel drops 0$/);
  const syn = ringKb('--rate 100k --snaplen 3968');
  assert.ok(syn.kb >= 97 * MiB && syn.kb < 99 * MiB, `--rate 100k --snaplen 3968 ring ${syn.kb} kB`);
  const small = ringKb('--rate 100k --buffer 8388608');
  assert.ok(small.kb >= 8 * MiB && small.kb < 9 * MiB, `--buffer 8 MiB ring ${small.kb} kB`);
  assert.match(small.summary, /; ring of 256 packets \(8 MiB\), kernel drops 0$/);
});

test.run();
