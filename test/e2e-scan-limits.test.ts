// ZMap's scan limits on trawl scan (--max-runtime, --max-results, --min-hitrate) in the namespace
// testbed: each stops sending, says why and where to resume, and the resumed rest completes
// the scan; only a hit rate below the minimum fails it. The open-record counter on bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, testbedName, inNs, Testbed } from './testbed';
import { ScanLimits } from '../shared/scan/limits';

const name = testbedName('lim');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
let bed: Testbed | null = null;
const testbed = () => (bed ??= testbedUp(name, { ports: [22] }));
test.after(() => testbedDown(name));
const ready = () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return false; }
  return true;
};
// 198.18.0.0/22 on 22 (open) and 81 (closed): 2048 targets, half of them open.
const SCAN = (tb: Testbed, extra: string) => `$TRAWL scan 198.18.0.0/22 -p 22,81 -i ${tb.scanIf} --rate 1000 --cooldown 1 --seed 7 -q ${extra}`;
const keys = (out: string, type: string) => new Set(lines(out).filter((x) => x.type === type).map((x) => `${x.ip}:${x.port}`));

test('the counter finds every open record, however the stream is cut', async () => {
  const recs = Array.from({ length: 500 }, (_, k) => JSON.stringify({ type: k % 3 ? 'open' : 'closed', ip: `198.18.0.${k % 256}`, port: 22 }) + '\n').join('');
  const want = (recs.match(/"type":"open"/g) ?? []).length;
  for (const size of [1, 7, 13, 14, 15, 4096]) {
    let stopped = '';
    const l = new ScanLimits({ maxResults: want }, (why) => { stopped = why; });
    const chunks: Buffer[] = [];
    for (let at = 0; at < recs.length; at += size) chunks.push(Buffer.from(recs.slice(at, at + size)));
    let out = '';
    await new Promise<void>((res) => Readable.from(chunks).pipe(l.counter()).on('data', (d) => { out += d; }).on('end', res));
    assert.is(out, recs, 'passed on untouched');
    assert.is(l.openCount, want, `chunks of ${size}`);
    assert.is(stopped, `--max-results ${want}: sending stopped after ${want} open ports`);
  }
});

test('--max-runtime stops sending, prints where to resume, exit 0; the resumed rest completes the scan', () => {
  if (!ready()) return;
  const tb = testbed();
  const r = inNs(tb.scanNs, SCAN(tb, '--max-runtime 1'));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^trawl scan: --max-runtime 1: sending stopped after 1 s\n/);
  const k = /resume with --resume-index (\d+)/.exec(r.stderr);
  assert.ok(k, r.stderr);
  assert.ok(Number(k![1]) > 100 && Number(k![1]) < 2048, k![1]);
  const rest = inNs(tb.scanNs, SCAN(tb, `--resume-index ${k![1]}`));
  assert.is(rest.code, 0, rest.stderr);
  const open = new Set([...keys(r.stdout, 'open'), ...keys(rest.stdout, 'open')]);
  const closed = new Set([...keys(r.stdout, 'closed'), ...keys(rest.stdout, 'closed')]);
  assert.equal([open.size, closed.size], [1024, 1024]);
});

test('--max-results N stops sending once N open ports are found (those on their way still come)', () => {
  if (!ready()) return;
  const tb = testbed();
  const r = inNs(tb.scanNs, SCAN(tb, '--max-results 100'));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^trawl scan: --max-results 100: sending stopped after 10\d open ports\n/);
  const n = keys(r.stdout, 'open').size;
  assert.ok(n >= 100 && n < 300, `${n} open`);
});

test('--min-hitrate: kept (50% > 40%) the scan completes; missed (50% < 60%) it stops after 1,000 SYNs and fails', () => {
  if (!ready()) return;
  const tb = testbed();
  const kept = inNs(tb.scanNs, SCAN(tb, '--min-hitrate 40'));
  assert.is(kept.stderr, '');
  assert.is(kept.code, 0);
  assert.is(keys(kept.stdout, 'open').size, 1024);
  const missed = inNs(tb.scanNs, SCAN(tb, '--min-hitrate 60'));
  assert.is(missed.code, 1);
  assert.match(missed.stderr, /^trawl scan: --min-hitrate 60: \d+ open ports for \d+ SYNs is a hit rate of (4|5)\d\.\d{3}%: sending stopped\n/);
  assert.match(missed.stderr, /resume with --resume-index \d+/);
  assert.ok(keys(missed.stdout, 'open').size < 1024);
});

test.run();
