// --rotate-size at the level of one output: a rotated output stays open for the next record even
// after the old file's stream has emitted 'close' (it used to be skipped for good, losing the
// last file; seen as 272 of 300 records under load).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { Output } from '../shared/formats/output';
import { findFormat } from '../shared/formats/registry';

test('a rotated output keeps writing after the old file closed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-rot-'));
  const ctx = { fields: null as any, formulaEscape: false, groupWindow: 0, args: 'trawl fmt' };
  const out = new Output(findFormat('json')!, ctx as any, new PassThrough(), path.join(dir, 'scan.json'), { size: 512, intervalMs: 0, dir: null });
  let i = 0;
  const rec = () => ({ type: 'open', ip: `198.18.0.${i++}`, port: 80, ttl: 64, time_us: 1700000000000000 + i });
  // Write until the first roll, and let it finish.
  for (let p: Promise<void> | undefined; !p; ) { p = out.write(rec()); if (p) await p; }
  // Give the old file's stream time to emit 'close', as a loaded machine does before the next record.
  await new Promise((r) => setTimeout(r, 50));
  assert.is(out.closed, false, 'the output must not look closed between files');
  for (let k = 0; k < 5; k++) { const p = out.write(rec()); if (p) await p; }
  await out.finish('end');
  const files = fs.readdirSync(dir).sort();
  let n = 0;
  for (const f of files) n += JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).length;
  assert.is(n, i, `records in ${files.join(' ')}`);
  assert.ok(files.length >= 2);
});

test.run();
