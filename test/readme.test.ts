// The README's quick start, run as written: every ```bash block (those marked `testbed` in the
// scanner's testbed, as root; the others anywhere), with trawl on PATH. A line ending in
// "# => TEXT" must print TEXT: the whole line for a number, its start otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, ROOT, TRAWL } from './helpers';
import { testbedDown, testbedName } from './testbed';

interface Block { testbed: boolean; code: string; line: number }

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /^```bash( testbed)?\n([\s\S]*?)^```$/gm;
  for (let m; (m = re.exec(md));) out.push({ testbed: !!m[1], code: m[2], line: md.slice(0, m.index).split('\n').length });
  return out;
}

/** What the block's lines promise, in order: [is a number, text]. */
function promises(code: string): [boolean, string][] {
  return [...code.matchAll(/# => ([^\n]*?)(?: \([^)]*\))?$/gm)].map((m) => [/^\d+$/.test(m[1]), m[1]]);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-readme-'));
const bin = path.join(dir, 'bin');
fs.mkdirSync(bin);
fs.writeFileSync(path.join(bin, 'trawl'), `#!/bin/sh\nexec ${process.execPath} ${TRAWL} "$@"\n`, { mode: 0o755 });
const name = testbedName('rdm');
test.after(() => { testbedDown(name); fs.rmSync(dir, { recursive: true, force: true }); });

const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const all = blocks(md);

test('the README has runnable blocks, some in the testbed, each promising what it prints', () => {
  assert.ok(all.length >= 4, `${all.length} blocks`);
  assert.ok(all.some((b) => b.testbed) && all.some((b) => !b.testbed));
  for (const b of all) assert.ok(promises(b.code).length > 0, `block at README.md:${b.line} promises nothing`);
});

for (const b of all) {
  test(`README.md:${b.line}: the block runs as written and prints what it says`, () => {
    if (b.testbed && !isRoot) { console.log('  (skipped: needs root)'); return; }
    const cwd = fs.mkdtempSync(path.join(dir, 'run-'));
    // The testbed's name is the test's own, so runs elsewhere on the machine do not collide.
    const code = b.code.replace(/\bdemo1\b/g, name).replace(/bash test\//g, `bash ${path.join(ROOT, 'test')}/`);
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', code], {
      cwd, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 120_000,
    });
    if (b.testbed) spawnSync('bash', [path.join(ROOT, 'test', 'servers.sh'), 'down', `${name}-t`, `/tmp/${name}-servers`]);
    testbedDown(name);
    fs.rmSync(`/tmp/${name}-servers`, { recursive: true, force: true });
    assert.is(r.status, 0, `README.md:${b.line} failed:\n${r.stderr}`);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    let at = 0;
    for (const [number, text] of promises(b.code)) {
      const k = lines.findIndex((l, i) => i >= at && (number ? l.trim() === text : l.startsWith(text)));
      assert.ok(k >= 0, `README.md:${b.line}: nothing printed ${JSON.stringify(text)} after line ${at} of:\n${r.stdout}\n${r.stderr}`);
      at = k + 1;
    }
  });
}

test.run();
