// catch's capture ring: the memory a user sizes with --buffer is the memory catch maps, read
// back from /proc/PID/smaps of a live catch in a testbed (no packet needs to flow: the ring is
// mapped and resident from the start).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ringSnaplen } from '../cmds/catch';
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

const NAME = testbedName('ring');
let tb: Testbed | null = null;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-ring-'));

test.after(() => { if (tb) testbedDown(NAME); fs.rmSync(tmp, { recursive: true, force: true }); });

// The kB of catch's packet-socket mapping (the ring) while it runs with `args`.
function ringKb(args: string): number {
  const r = inNs(tb!.scanNs, `
    $TRAWL key --force ${tmp}/k.key > /dev/null 2>&1
    $TRAWL catch -i ${tb!.scanIf} --key-file ${tmp}/k.key --source-ip 198.19.0.77 -q ${args} > /dev/null & pid=$!
    for i in $(seq 50); do grep -q 'socket:' /proc/$pid/maps 2> /dev/null && break; sleep 0.1; done
    awk '/^[0-9a-f]+-/ { s = ($6 ~ /^socket:/) } s && /^Size:/ { kb += $2 } END { print kb + 0 }' /proc/$pid/smaps
    kill $pid; wait $pid 2> /dev/null; true`, { encoding: 'utf8' });
  assert.is(r.code, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('the ring catch maps is --buffer bytes: 32 MiB by default (64 MiB before the snaplen fix), 8 MiB when asked', () => {
  if (!isRoot) { console.log('  (skipped: needs root for network namespaces)'); return; }
  tb = testbedUp(NAME);
  const MiB = 1024;
  const def = ringKb('');
  assert.ok(def >= 32 * MiB && def < 33 * MiB, `default ring ${def} kB`);
  const small = ringKb('--buffer 8388608');
  assert.ok(small >= 8 * MiB && small < 9 * MiB, `--buffer 8 MiB ring ${small} kB`);
});

test.run();
