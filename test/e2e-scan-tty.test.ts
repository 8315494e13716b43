// trawl scan as a masscan user runs it first: on a terminal (a pseudo-terminal from script(1)),
// in the namespace testbed. Results come as masscan's lines with the live line cleared before
// each, a summary table at the end, no NDJSON; -oA and --open-only as nmap's users type them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRoot, ROOT } from './helpers';
import { testbedUp, testbedDown, testbedName, inNs } from './testbed';

const name = testbedName('tty');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-tty-'));
let bed: ReturnType<typeof testbedUp> | null = null;
const testbed = () => (bed ??= testbedUp(name, { ports: [22, 80] }));
test.after(() => { testbedDown(name); fs.rmSync(dir, { recursive: true, force: true }); });

test('on a terminal: "Discovered open port" per open port, progress cleared before each, the summary table last', () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return; }
  const tb = testbed();
  // script(1) gives the scan a terminal for stdout and stderr alike, as a user's shell does.
  const r = inNs(tb.scanNs, `script -qfec "$TRAWL scan 198.18.0.0/25 -p 22,80,81 -i ${tb.scanIf} --rate 200 --cooldown 3 --seed 7" /dev/null`);
  assert.is(r.code, 0, r.stderr);
  // The live line is redrawn after "\r ESC[2K" (clear line): count each drawing as a line.
  const out = r.stdout.replace(/\r\x1b\[2K/g, '\n').replace(/\r/g, '');
  const found = out.match(/^Discovered open port (\d+)\/tcp on (198\.18\.0\.\d+)$/gm) ?? [];
  assert.is(found.length, 256, out.slice(0, 2000));
  assert.is(new Set(found).size, 256);
  assert.not.match(out, /\{"type"/);                         // no NDJSON on a terminal
  assert.not.match(r.stdout, /drops\r?Discovered/);          // a live line is cleared before a result
  assert.match(out, /trawl scan: 0:00:0\d  [\d.]+%  /);      // the live line: elapsed, percent, ...
  assert.match(out, /cooldown 0:00:0\d left/);
  assert.match(out, /PORT    OPEN  SERVICE\n22\/tcp   128  ssh\n80\/tcp   128  http\n/);
  assert.match(out, /256 open ports on 128 hosts, 0 banners, in 0:00:0\d\n/);
});

test('-oA BASE writes nmap\'s three files, --open-only leaves closed ports out of them, --wait is the cooldown', () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return; }
  const tb = testbed();
  const base = path.join(dir, 'scan');
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.0.0/28 -p 22,81 -e ${tb.scanIf} -r 1000 --wait 1 --seed 7 -oA ${base} --open-only -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, '');
  const gnmap = fs.readFileSync(`${base}.gnmap`, 'utf8'), xml = fs.readFileSync(`${base}.xml`, 'utf8'), nmap = fs.readFileSync(`${base}.nmap`, 'utf8');
  assert.is((gnmap.match(/Ports: 22\/open\/tcp\/\/ssh\/\/\//g) ?? []).length, 16);
  assert.not.match(gnmap, /closed/);
  assert.is((xml.match(/<port protocol="tcp" portid="22"><state state="open"/g) ?? []).length, 16);
  assert.not.match(xml, /state="closed"/);
  assert.is((nmap.match(/^22\/tcp open  ssh$/gm) ?? []).length, 16);
  assert.match(nmap, /as: trawl scan 198\.18\.0\.0\/28 .* -oA /);
});

test.run();
