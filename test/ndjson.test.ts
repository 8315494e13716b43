// The shared NDJSON reader and writer: bad lines reported with where and what and skipped,
// good records kept; batching, backpressure and EPIPE in the writer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough, Readable, Writable } from 'stream';
import { readRecords } from '../shared/ndjson-reader';
import { LineWriter } from '../shared/writer';
import { reporter } from '../shared/report';
import { sh, ROOT } from './helpers';

async function read(input: string | Buffer[], maxLine?: number) {
  const err: string[] = [];
  const sink = new Writable({ write(c, _e, cb) { err.push(String(c)); cb(); } });
  const got: [unknown, number][] = [];
  const stream = Readable.from(Array.isArray(input) ? input : [Buffer.from(input)]);
  const counts = await readRecords(stream, reporter('t', sink), (r, line) => { got.push([r, line]); }, { maxLine });
  return { got, counts, err: err.join('') };
}

test('good records before and after bad lines all come through, with line numbers', async () => {
  const { got, counts, err } = await read('{"type":"a","n":1}\n{oops\n[1,2]\n{"n":3}\n\n{"type":"b"}\r\n');
  assert.equal(got.map(([r]) => (r as any).type), ['a', 'b']);
  assert.equal(got.map(([, l]) => l), [1, 6]);
  assert.is(counts.bad, 3);
  assert.is(counts.records, 2);
  assert.match(err, /^trawl t: stdin:2: .*: \{oops$/m);
  assert.match(err, /^trawl t: stdin:3: not a JSON object: \[1,2\]$/m);
  assert.match(err, /^trawl t: stdin:4: record has no "type" string: \{"n":3\}$/m);
});

test('a line longer than the limit is reported and does not shift later line numbers', async () => {
  const long = '{"type":"x","pad":"' + 'y'.repeat(5000) + '"}';
  // split across chunks, to exercise the limiter's state between chunks
  const chunks = [Buffer.from('{"type":"a"}\n' + long.slice(0, 3000)), Buffer.from(long.slice(3000) + '\n{"type":"c"}\n')];
  const { got, counts, err } = await read(chunks, 1000);
  assert.equal(got.map(([r, l]) => [(r as any).type, l]), [['a', 1], ['c', 3]]);
  assert.is(counts.bad, 1);
  assert.match(err, /stdin:2: line longer than 1000 bytes: \{"type":"x","pad":"y+\.\.\./);
});

test('the last line needs no newline; invalid UTF-8 is an error, not a crash', async () => {
  const { got, counts } = await read([Buffer.from('{"type":"a"}\n{"type":"b","s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assert.is(got.length, 2); // U+FFFD replacement keeps the JSON valid
  assert.is(counts.bad, 0);
});

test('writer batches lines and signals backpressure with a promise', async () => {
  const out = new PassThrough({ highWaterMark: 1024 });
  const w = new LineWriter(out);
  let waited = false;
  for (let i = 0; i < 5000; i++) {
    const p = w.record({ type: 't', i });
    if (p) { waited = true; const pending = p; setImmediate(() => out.read()); out.resume(); await pending; out.pause(); }
  }
  out.resume();
  const chunks: Buffer[] = [];
  out.on('data', (c) => chunks.push(c));
  await w.end();
  assert.ok(waited, 'never asked the producer to wait');
});

test('writer output is complete and in order', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c) => chunks.push(c));
  const w = new LineWriter(out);
  for (let i = 0; i < 20000; i++) { const p = w.record({ type: 't', i }); if (p) await p; }
  await w.end();
  const ls = Buffer.concat(chunks).toString().trim().split('\n');
  assert.is(ls.length, 20000);
  assert.equal(JSON.parse(ls[19999]), { type: 't', i: 19999 });
});

test('EPIPE on stdout is a clean end: | head -1 exits 0 with no stack trace', () => {
  const script = `
    const { LineWriter } = require(${JSON.stringify(ROOT + '/dist/shared/writer.js')});
    const w = new LineWriter(process.stdout);
    (async () => {
      for (let i = 0; i < 5e6 && !w.closed; i++) { const p = w.record({ type: 't', i }); if (p) await p; }
      await w.end();
      process.stderr.write('closed=' + w.closed + '\\n');
    })();`;
  const r = sh(`node -e '${script.replace(/'/g, "'\\''")}' | head -1; echo "rc=\${PIPESTATUS[0]}"`);
  assert.match(r.stdout, /^\{"type":"t","i":0\}\nrc=0\n$/);
  assert.is(r.stderr.trim(), 'closed=true');
});

test.run();
