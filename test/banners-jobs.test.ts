// trawl banners --jobs: the same records as one job, each ip:port's in input order, bad lines
// named by their line in the whole input, other formats read by one job, a file read by the jobs
// themselves, a job that dies, and the options checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { spawn } from 'child_process';
import { ROOT, TRAWL, sh, trawl } from './helpers';
import { Readable } from 'stream';
import { routeHash, routeOf } from '../shared/jobs/route';
import { ShareFilter } from '../shared/jobs/share';
import { readLines } from '../shared/ndjson-reader';

const bytes = (s: string) => Buffer.from(s);
const rh = (s: string) => routeHash(bytes(s), 0, bytes(s).length);

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const FIXTURES = fs.readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort().map((f) => fs.readFileSync(path.join(DIR, f)));
const T0 = 1763800000000000;
const U32 = 0x100000000;

// Every fixture as a whole banner on its own host, then each also cut into three segments of a
// connection whose records are spread over the whole input (so a job must see all three).
function stream(hosts: number): { recs: object[]; segs: number } {
  const recs: object[] = [];
  const later: object[][] = [[], [], []];
  for (let i = 0; i < hosts; i++) {
    const d = FIXTURES[i % FIXTURES.length];
    const ip = `198.18.${i >> 8}.${i & 255}`;
    recs.push({ type: 'banner', ip, port: 1000 + (i % 7), sport: 40000, ttl: 64, time_us: T0 + i, probe: 'null', data: d.toString('base64'), len: d.length, flags: 'PA' });
    recs.push({ type: 'open', ip, port: 80, sport: 40001, ttl: 64, window: 64240, time_us: T0 + i });
    const third = Math.ceil(d.length / 3);
    for (let k = 0; k < 3; k++) {
      const part = d.subarray(k * third, (k + 1) * third);
      later[k].push({ type: 'segment', ip, port: 80, sport: 40001, ttl: 64, probe: 'null', seq: (7 + 1 + k * third) % U32, offset: k * third,
        len: part.length, flags: k === 2 ? 'FPA' : 'PA', data: part.toString('base64'), time_us: T0 + hosts + k });
    }
  }
  // The third parts first: each connection's segments arrive out of order, far apart.
  return { recs: [...recs, ...later[2], ...later[0], ...later[1]], segs: 3 * hosts };
}
const ndjson = (recs: object[]) => recs.map((r) => JSON.stringify(r) + '\n').join('');
const sorted = (s: string) => s.trim().split('\n').sort();

test('--jobs 2 and 3 write exactly the records --jobs 1 writes (whole banners, reassembled ones, passed records)', () => {
  const input = ndjson(stream(300).recs);
  const one = trawl(['banners', '--no-service-probes'], input);
  assert.is(one.code, 0, one.stderr);
  assert.is(one.stdout.trim().split('\n').length, 300 * 3);   // 300 banners, 300 open, 300 reassembled
  for (const j of ['2', '3']) {
    const r = trawl(['banners', '--no-service-probes', '--jobs', j], input);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '');
    assert.equal(sorted(r.stdout), sorted(one.stdout), `--jobs ${j}`);
  }
});

test("--jobs keeps each ip:port's records in input order", () => {
  // Per ip:port: open, then a banner, then an unknown record, each numbered.
  const recs: object[] = [];
  for (let k = 0; k < 3; k++) for (let i = 0; i < 200; i++) {
    const ip = `198.18.1.${i}`;
    if (k === 0) recs.push({ type: 'open', ip, port: 443, sport: 1, n: k });
    else if (k === 1) recs.push({ type: 'banner', ip, port: 443, sport: 1, probe: 'null', data: 'SFRUUC8xLjEgMjAwIE9LDQoNCg==', len: 19, n: k });
    else recs.push({ type: 'later-kind', ip, port: 443, n: k });
  }
  const r = trawl(['banners', '--no-service-probes', '--jobs', '2'], ndjson(recs));
  assert.is(r.code, 0, r.stderr);
  const seen = new Map<string, number[]>();
  for (const l of r.stdout.trim().split('\n')) {
    const o = JSON.parse(l);
    seen.set(o.ip, [...(seen.get(o.ip) ?? []), o.n]);
  }
  assert.is(seen.size, 200);
  for (const [ip, ns] of seen) assert.equal(ns, [0, 1, 2], ip);
  // Both jobs got work: the key spreads ip:ports.
  const jobs = new Set(recs.map((x) => { const b = bytes(JSON.stringify(x)); return routeOf(b, 0, b.length, 2); }));
  assert.equal([...jobs].sort(), [0, 1]);
});

test('--jobs names bad lines by their line in the whole input, loses no good record and exits 3', () => {
  const recs = stream(40).recs.map((x) => JSON.stringify(x));
  const badAt = [5, 77, 150];              // 1-based lines of the whole input
  for (const n of badAt) recs.splice(n - 1, 0, n === 77 ? '{"type":"banner","ip":"198.18.0.1","port":1,"data":"not base64!"}' : '{"type": broken');
  const r = trawl(['banners', '--no-service-probes', '--jobs', '2'], recs.join('\n') + '\n');
  assert.is(r.code, 3, r.stderr);
  const named = r.stderr.trim().split('\n').map((l) => Number(/stdin:(\d+):/.exec(l)?.[1]));
  assert.equal(named.sort((a, b) => a - b), badAt, r.stderr);
  assert.is(r.stdout.trim().split('\n').length, 40 * 3);
});

test('an input in another format (masscan -oL list) goes whole to one job, with a warning', () => {
  const list = '#masscan\nopen tcp 22 198.18.0.1 1763800000\nopen tcp 80 198.18.0.2 1763800001\n# end\n';
  const one = trawl(['banners', '--no-service-probes'], list);
  const two = trawl(['banners', '--no-service-probes', '--jobs', '2'], list);
  assert.is(two.code, one.code, two.stderr);
  assert.is(two.stdout, one.stdout);
  assert.match(two.stderr, /--jobs: the input is not NDJSON/);
});

test('TRAWL_JOB in the environment of a plain run changes nothing: only the pool\'s own children are jobs', () => {
  const input = ndjson(stream(50).recs);
  const one = trawl(['banners', '--no-service-probes'], input);
  const stray = trawl(['banners', '--no-service-probes'], input, { env: { ...process.env, TRAWL_JOB: '1/2' } });
  assert.is(stray.code, 0, stray.stderr);
  assert.is(stray.stdout, one.stdout);
});

test('--jobs takes 1 to 64 workers; anything else is a usage error', () => {
  for (const v of ['0', '65', '1.5', 'x']) {
    const r = trawl(['banners', '--jobs', v], '');
    assert.is(r.code, 2, v);
    assert.match(r.stderr, /--jobs/);
  }
});

test('the route key: the same ip and port give the same hash whatever else the line holds', () => {
  const a = rh('{"type":"open","ip":"198.18.0.1","port":443,"ttl":64}');
  assert.is(rh('{"type":"banner","ip":"198.18.0.1","port":443,"data":"AAAA","sport":9}'), a);
  assert.is.not(rh('{"type":"banner","ip":"198.18.0.1","port":444}'), a);
  assert.is(rh('{"type":"status","cmd":"catch"}'), -1);
  // A quoted key inside a string value is escaped in JSON text, so it is never taken for one.
  assert.is(rh('{"type":"x","note":"\\"ip\\":\\"1.2.3.4\\"","ip":"198.18.0.1","port":443}'), a);
});

test('a regular file in and out: the jobs read and write it themselves, from where stdin stood, with the same records and line numbers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-jobs-'));
  try {
    const recs = stream(200).recs.map((x) => JSON.stringify(x));
    recs.splice(399, 0, '{"type": broken');       // line 400 of the file
    fs.writeFileSync(path.join(dir, 'in'), recs.join('\n') + '\n');
    const run = (jobs: string, skip: number) => sh(`cd ${dir} && { head -n ${skip} > /dev/null; $TRAWL banners --no-service-probes --jobs ${jobs} > out${jobs}; } < in`);
    for (const skip of [0, 100]) {
      const one = run('1', skip), two = run('2', skip);
      assert.is(one.code, 3, one.stderr);
      assert.is(two.code, 3, two.stderr);
      // Line 400 of the file is line 400 - skip of what banners read, for one job as for two.
      assert.is(two.stderr, one.stderr);
      assert.match(two.stderr, new RegExp(`^trawl banners: stdin:${400 - skip}: `));
      const out = (j: string) => fs.readFileSync(path.join(dir, `out${j}`), 'utf8');
      assert.equal(sorted(out('2')), sorted(out('1')), `from line ${skip + 1}`);
      if (skip === 0) assert.is(out('2').trim().split('\n').length, 200 * 3);
    }
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a job that dies ends the run: named, exit 1, no hang', async () => {
  const input = ndjson(stream(100).recs);
  const p = spawn(process.execPath, [TRAWL, 'banners', '--no-service-probes', '--jobs', '2'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.stdin.write(input);   // and the input stays open: only the dead job can end the run
  // The jobs are the pool's children, told their share in TRAWL_JOB.
  const jobOf = (pid: number) => { try { return /TRAWL_JOB=(\d)\/2/.exec(fs.readFileSync(`/proc/${pid}/environ`, 'latin1'))?.[1]; } catch { return undefined; } };
  let victim: number | undefined;
  for (let t = 0; t < 100 && victim === undefined; t++) {
    await new Promise((r) => setTimeout(r, 50));
    const kids = fs.readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
    victim = kids.find((k) => jobOf(k) === '1');
  }
  assert.ok(victim, 'job 2 started');
  process.kill(victim!, 'SIGKILL');
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => { p.kill('SIGKILL'); resolve(null); }, 10000);
    p.on('close', (c) => { clearTimeout(t); resolve(c); });
  });
  p.stdin.destroy();
  assert.is(code, 1, err);
  assert.match(err, /job 2 was killed by SIGKILL/);
  assert.match(err, /--jobs: job 2 ended before its input/);
});

test('a reader that goes away (| head) ends every job quietly, exit 0, from a pipe and from a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-jobs-'));
  try {
    fs.writeFileSync(path.join(dir, 'in'), ndjson(stream(3000).recs));
    for (const feed of [`$TRAWL banners --no-service-probes --jobs 2 < ${dir}/in`, `cat ${dir}/in | $TRAWL banners --no-service-probes --jobs 2`]) {
      const r = sh(`${feed} | head -n 1; echo "status \${PIPESTATUS[-2]}" >&2`);
      assert.is(r.stdout.trim().split('\n').length, 1, feed);
      assert.is(r.stderr, 'status 0\n', feed);
    }
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test("a job's share: every line numbered as in the whole input, each line read by exactly one job, over chunks, CRLF and lines over the limit", async () => {
  const recs = stream(60).recs.map((x) => JSON.stringify(x));
  recs.splice(10, 0, '', '{"type":"status","cmd":"catch"}', 'x'.repeat(70000), '{"type":"open","ip":"198.18.9.9","port":443}\r');
  const text = recs.join('\n') + '\n';
  // Chunks cut every 777 bytes: lines across chunks.
  const chunks = (): Readable => Readable.from(Array.from({ length: Math.ceil(text.length / 777) }, (_, i) => Buffer.from(text.slice(i * 777, (i + 1) * 777))));
  const got = new Map<number, string>(), cut: number[] = [];
  for (let job = 0; job < 3; job++) {
    const f = new ShareFilter({ job, jobs: 3, from: null });
    const n = await readLines(chunks(), 60000, (line, i, tooLong) => {
      if (tooLong) { cut.push(i); return; }
      if (line === '') return;
      assert.not.ok(got.has(i), `line ${i} read twice`);
      got.set(i, line);
    }, f.mine.bind(f));
    assert.is(n, recs.length);
  }
  assert.equal(cut, [13]);   // reported once, by the first job
  assert.equal([...got.keys()].sort((a, b) => a - b), recs.map((l, i) => i + 1).filter((i) => i !== 11 && i !== 13));
  for (const [i, l] of got) assert.is(l, recs[i - 1].replace(/\r$/, ''));
  // Records of one ip:port went to one job: their lines are all one job's.
  const f2 = new ShareFilter({ job: 0, jobs: 3, from: null });
  const b = Buffer.from('{"type":"banner","ip":"198.18.0.1","port":80,"data":""}');
  const a = Buffer.from('{"type":"open","ip":"198.18.0.1","port":80,"ttl":3}');
  assert.is(f2.mine(b, 0, b.length, false), f2.mine(a, 0, a.length, false));
});

test.run();
