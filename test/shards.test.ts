// Sharding without a network: --shard auto from each job engine's variables, the plan hash, the
// shard record of targets --plan, merge's checks (missing, doubled, resumed parts, other scans).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { lines, sinkRows, TRAWL, trawl } from './helpers';
import { shardFromEnv } from '../shared/targets/shard-env';
import { UsageError } from '../shared/exit';
import { planHash, ShardRecord } from '../shared/shard-record';
import { buildAddressSet } from '../shared/targets/build';
import { parseRangeArg } from '../shared/targets/ranges';
import { checkParts } from '../shared/merge/check';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-shards-unit-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const slurm = (id: number, min: number, max: number) => ({
  SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(max - min + 1),
});
function refused(spec: string, env: Record<string, string>): string {
  try { shardFromEnv(spec, env); } catch (e) { assert.instance(e, UsageError); return (e as Error).message; }
  throw new Error(`--shard ${spec} was accepted with ${JSON.stringify(env)}`);
}

test('--shard auto: Slurm arrays 1-N give shard and count; Kubernetes and GNU parallel the shard, auto/N the count', () => {
  assert.equal(shardFromEnv('auto', slurm(3, 1, 4)), { index: 3n, of: 4n, from: 'SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=4' });
  assert.equal(shardFromEnv('auto/8', slurm(7, 7, 7)), { index: 7n, of: 8n, from: 'SLURM_ARRAY_TASK_ID=7' });   // one task run again
  assert.equal(shardFromEnv('auto/4', { JOB_COMPLETION_INDEX: '0' }), { index: 1n, of: 4n, from: 'JOB_COMPLETION_INDEX=0' });
  assert.equal(shardFromEnv('auto/4', { JOB_COMPLETION_INDEX: '3' }).index, 4n);
  assert.equal(shardFromEnv('auto/4', { PARALLEL_SEQ: '2' }), { index: 2n, of: 4n, from: 'PARALLEL_SEQ=2' });
});

test('--shard auto refuses, naming the variables, when it cannot tell', () => {
  assert.is(refused('auto', {}), 'option --shard auto: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, PARALLEL_SEQ is set ' +
    '(not started by a Slurm job array, a Kubernetes Indexed Job or GNU parallel): give --shard I/N');
  assert.match(refused('auto', slurm(3, 3, 3)), 'SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=1, SLURM_ARRAY_TASK_MIN=3, SLURM_ARRAY_TASK_MAX=3: not an array 1-N');
  assert.match(refused('auto', slurm(0, 0, 3)), 'not an array 1-N (sbatch --array=1-N)');
  assert.match(refused('auto/4', slurm(0, 0, 3)), 'SLURM_ARRAY_TASK_ID=0 gives shard 0 of 4, outside 1-4 (number the array 1-N');
  assert.match(refused('auto', { JOB_COMPLETION_INDEX: '1' }), "Kubernetes sets JOB_COMPLETION_INDEX=1 but not the number of completions: give --shard auto/N with the Job's completions");
  assert.match(refused('auto', { PARALLEL_SEQ: '1' }), 'GNU parallel sets PARALLEL_SEQ=1 but not the number of jobs: give --shard auto/N');
  assert.match(refused('auto/4', { PARALLEL_SEQ: '5' }), 'PARALLEL_SEQ=5 gives shard 5 of 4, outside 1-4');
  assert.match(refused('auto/4', { PARALLEL_SEQ: '2', SLURM_ARRAY_TASK_ID: '1' }), 'SLURM_ARRAY_TASK_ID=1 and PARALLEL_SEQ=2 are set (one engine inside another)');
  assert.match(refused('auto/4', { PARALLEL_SEQ: 'x' }), "PARALLEL_SEQ='x' is not a whole number");
  assert.match(refused('auto/0', { PARALLEL_SEQ: '1' }), 'needs N >= 1');
});

test('targets --shard auto in 4 Slurm tasks: the shards partition the order; --seed stays mandatory', () => {
  const args = ['targets', '198.18.0.0/24', '-p', '80,443', '--seed', '5', '--shard', 'auto', '-q'];
  const seen = new Map<string, number>();
  for (let k = 1; k <= 4; k++) {
    const r = spawnSync(process.execPath, [TRAWL, ...args], { encoding: 'utf8', env: { ...process.env, ...slurm(k, 1, 4) } });
    assert.is(r.status, 0, r.stderr);
    for (const t of lines(r.stdout)) { assert.is(t.i % 4, k - 1); seen.set(`${t.ip}:${t.port}`, (seen.get(`${t.ip}:${t.port}`) ?? 0) + 1); }
  }
  assert.is(seen.size, 512);
  assert.ok([...seen.values()].every((n) => n === 1));
  const r = spawnSync(process.execPath, [TRAWL, 'targets', '198.18.0.0/24', '-p', '80', '--shard', 'auto'], { encoding: 'utf8', env: { ...process.env, ...slurm(1, 1, 4) } });
  assert.is(r.status, 2);
  assert.match(r.stderr, '--shard needs --seed');
  const info = spawnSync(process.execPath, [TRAWL, ...args.slice(0, -1)], { encoding: 'utf8', env: { ...process.env, ...slurm(2, 1, 4) } });
  assert.match(info.stderr, 'trawl targets: shard 2/4 (SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4)\n');
});

const hash = (ranges: string[], ports: number[], limit = Infinity, exclude: string[] = []) =>
  planHash(buildAddressSet(ranges.flatMap((r) => parseRangeArg(r, 'range')), exclude.flatMap((r) => parseRangeArg(r, '--exclude')), true), ports, limit);

test('plan hash: the same targets however written; other ranges, ports, excludes or --limit change it', () => {
  const h = hash(['198.18.0.0/24'], [80, 443]);
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.is(hash(['198.18.0.0-198.18.0.255'], [80, 443]), h);
  assert.is(hash(['198.18.0.0/25', '198.18.0.128/25'], [80, 443]), h);
  assert.is.not(hash(['198.18.0.0/24'], [80]), h);
  assert.is.not(hash(['198.18.0.0/23'], [80, 443]), h);
  assert.is.not(hash(['198.18.0.0/24'], [80, 443], Infinity, ['198.18.0.7']), h);
  assert.is.not(hash(['198.18.0.0/24'], [80, 443], 100), h);
});

test('targets --plan prints the shard record and nothing else', () => {
  const r = trawl(['targets', '198.18.0.0/24', '-p', '80,443', '--seed', '18446744073709551615', '--shard', '2/3', '--resume-index', '100', '--plan']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.is(r.stdout, `{"type":"shard","seed":"18446744073709551615","plan":"${hash(['198.18.0.0/24'], [80, 443])}","shard":2,"shards":3,` +
    '"resume_index":100,"targets":138,"total":512}\n');
});

const rec = (shard: number, shards: number, o: Partial<ShardRecord> = {}): ShardRecord =>
  ({ type: 'shard', seed: '7', plan: 'aaaaaaaaaaaaaaaa', shard, shards, resume_index: 0, targets: 10, total: 40, ...o });

test('checkParts: one whole scan, resumed parts, and what is wrong named', () => {
  const ok = checkParts([4, 2, 1, 3].map((k) => ({ file: `s${k}`, rec: rec(k, 4) })));
  assert.equal(ok.problems, []);
  assert.equal(ok.order.map((p) => p.file), ['s1', 's2', 's3', 's4']);
  assert.equal(ok.merged, { type: 'shard', seed: '7', plan: 'aaaaaaaaaaaaaaaa', shard: 1, shards: 1, resume_index: 0, targets: 40n, total: 40 });
  // Shard 2 interrupted and resumed at 21: two parts of one shard, in order; a resume index at or
  // before the shard's first index is the shard from its start.
  const resumed = checkParts([{ file: 'b', rec: rec(2, 2, { resume_index: 21, targets: 5 }) }, { file: 'a', rec: rec(2, 2) }, { file: 'c', rec: rec(1, 2, { resume_index: 0 }) }]);
  assert.equal(resumed.problems, []);
  assert.equal(resumed.order.map((p) => p.file), ['c', 'a', 'b']);
  assert.equal(checkParts([{ file: 'a', rec: rec(2, 2, { resume_index: 1 }) }, { file: 'b', rec: rec(1, 2) }]).problems, []);
  assert.equal(checkParts([{ file: 'a', rec: rec(1, 2) }, { file: 'b', rec: rec(2, 2, { resume_index: 21 }) }, { file: 'c', rec: rec(2, 2, { resume_index: 22 }) }]).problems,
    ['shard 2 of 2: only parts resumed later (at index 21) are given; the part from its start is missing']);
  assert.equal(checkParts([{ file: 'a', rec: rec(1, 2) }, { file: 'b', rec: rec(2, 2) }, { file: 'c', rec: rec(2, 2, { resume_index: 21 }) }, { file: 'd', rec: rec(2, 2, { resume_index: 21 }) }]).problems,
    ['shard 2 of 2 is given twice (both resumed at index 21): c and d']);
  assert.equal(checkParts([{ file: 'a', rec: rec(1, 4) }, { file: 'b', rec: rec(4, 4) }]).problems, ['shards 2 and 3 of 4 are missing (given: 1 and 4)']);
  assert.equal(checkParts([{ file: 'a', rec: rec(1, 2) }, { file: 'b', rec: rec(2, 2, { seed: '8' }) }]).problems,
    ['b: seed 8, but a has seed 7: not shards of one scan']);
  assert.equal(checkParts([{ file: 'a', rec: rec(1, 2) }, { file: 'b', rec: rec(2, 2, { plan: 'bbbbbbbbbbbbbbbb' }) }]).problems,
    ['b: target plan bbbbbbbbbbbbbbbb, but a has plan aaaaaaaaaaaaaaaa (other ranges, ports, excludes or --limit): not shards of one scan']);
});

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}
const line = (r: ShardRecord) => JSON.stringify(r) + '\n';

test('merge: one head record, every record as it was written, shard after shard; --check writes nothing', () => {
  const a = write('a.ndjson', line(rec(1, 2, { targets: 20 })) + '{"type":"open","ip":"198.18.0.1","port":80,"i":9007199254740993}\n\n');
  const b = write('b.ndjson', line(rec(2, 2, { targets: 20 })) + '{"type":"closed","ip":"198.18.0.2","port":81}\n{"type":"banner","ip":"198.18.0.3","port":21,"data":"MjIw"}\n');
  const r = trawl(['merge', b, a]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '{"type":"shard","seed":"7","plan":"aaaaaaaaaaaaaaaa","shard":1,"shards":1,"resume_index":0,"targets":40,"total":40}\n' +
    '{"type":"open","ip":"198.18.0.1","port":80,"i":9007199254740993}\n' +
    '{"type":"closed","ip":"198.18.0.2","port":81}\n{"type":"banner","ip":"198.18.0.3","port":21,"data":"MjIw"}\n');
  assert.is(r.stderr, 'trawl merge: merged 2 shards (2 files) of scan seed 7, plan aaaaaaaaaaaaaaaa: 3 records\n');
  const c = trawl(['merge', '--check', a, b]);
  assert.equal([c.code, c.stdout, c.stderr], [0, '', 'trawl merge: 2 shards (2 files) of scan seed 7, plan aaaaaaaaaaaaaaaa: complete\n']);
  // A merged result is a whole scan of one shard: it merges again, alone.
  const again = write('merged.ndjson', r.stdout);
  assert.is(trawl(['merge', again]).stdout, r.stdout);
});

test('merge: bad input is named; a bad line is skipped and counted (exit 3), a second shard record stops it (exit 1)', () => {
  const a = write('c.ndjson', line(rec(1, 1)) + '{"type":"open","ip":"198.18.0.1","port":80}\n{not json\n{"type":"open","ip":"198.18.0.4","port":80}\n');
  let r = trawl(['merge', a]);
  assert.is(r.code, 3);
  assert.is(lines(r.stdout).length, 3);
  assert.match(r.stderr, `trawl merge: ${a}:3: `);
  const joined = write('d.ndjson', line(rec(1, 1)) + '{"type":"open","ip":"198.18.0.1","port":80}\n' + line(rec(1, 1)));
  r = trawl(['merge', joined]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `trawl merge: ${joined}:3: a second shard record: give each shard's output as a file of its own\n`);
  const plain = write('e.ndjson', '{"type":"open","ip":"198.18.0.1","port":80}\n');
  r = trawl(['merge', plain]);
  assert.equal([r.code, r.stdout], [1, '']);
  assert.match(r.stderr, `trawl merge: ${plain}: first record: a "open" record, not a shard record: a shard output starts with its shard record`);
  r = trawl(['merge', write('f.ndjson', '')]);
  assert.match(r.stderr, 'empty: a shard output starts with its shard record');
  r = trawl(['merge', path.join(dir, 'nope.ndjson')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'cannot read');
  assert.is(trawl(['merge']).code, 2);
  assert.is(trawl(['merge', '-']).code, 2);
});

test('merge -o sqlite: SQLite shard outputs make the database fmt -o sqlite makes of the merged stream; errors named', () => {
  const a = write('sa.ndjson', line(rec(1, 3, { targets: 20 })) + '{"type":"scan","args":"trawl scan 198.18.0.0/24 --seed 7 --shard 1/3","ports":"80","nports":1,"seed":"7","time_us":1700000000000001}\n' +
    '{"type":"open","ip":"198.18.0.1","port":80,"sport":40000,"ttl":64,"time_us":1700000000000001}\n');
  const b = write('sb.ndjson', line(rec(2, 3, { targets: 20 })) + '{"type":"closed","ip":"198.18.0.2","port":81,"time_us":1700000000000002}\n' +
    '{"type":"banner","ip":"198.18.0.3","port":21,"data":"MjIw","service":"ftp","cert_sha256":"ab","cert_subject":"CN=x","time_us":1700000000000003}\n{"type":"odd","ip":"198.18.0.4"}\n');
  const c = write('sc.ndjson', line(rec(3, 3, { targets: 20 })) + '{"type":"banner","ip":"198.18.0.5","port":443,"data":"AA==","cert_sha256":"ab","cert_subject":"CN=x","time_us":1700000000000004}\n');
  const db = (f: string) => { const out = f.replace(/ndjson$/, 'db'); fs.rmSync(out, { force: true }); assert.is(trawl(['fmt', '-o', `sqlite:${out}`, f]).code, 0); return out; };
  const [da, dbb, dc] = [a, b, c].map(db);
  const want = write('merged-s.ndjson', trawl(['merge', a, b, c]).stdout);
  const out = path.join(dir, 'merged.db');
  const r = trawl(['merge', '-o', `sqlite:${out}`, dc, da, dbb]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^trawl merge: merged 3 shards \(3 files\) of scan seed 7, plan a{16}: 5 records into .*merged\.db\n$/);
  const rows = (f: string) => sinkRows(f).split('\n').sort();
  assert.equal(rows(out), rows(db(want)), 'rows of the merged database = fmt -o sqlite of the merged stream');
  const scans = spawnSync('sqlite3', [out, 'SELECT args, start_us, end_us, records FROM scans'], { encoding: 'utf8' }).stdout;
  assert.is(scans, 'trawl scan 198.18.0.0/24 --seed 7 --shard 1/3|1700000000000001|1700000000000004|5\n', 'one scans row for the whole');
  assert.is(spawnSync('sqlite3', [out, 'SELECT first_seen_us FROM certs'], { encoding: 'utf8' }).stdout, '1700000000000003\n', 'a certificate first seen at its earliest sighting');

  let e = trawl(['merge', '-o', `sqlite:${out}`, da, dbb, dc]);
  assert.equal([e.code, e.stderr], [1, `trawl merge: ${out} exists: merge writes a new database (remove it or choose another name)\n`]);
  e = trawl(['merge', '-o', `sqlite:${path.join(dir, 'm2.db')}`, da, dc]);
  assert.equal([e.code, e.stderr], [1, 'trawl merge: shard 2 of 3 is missing (given: 1 and 3)\n']);
  assert.not.ok(fs.existsSync(path.join(dir, 'm2.db')));
  e = trawl(['merge', da, dbb, dc]);
  assert.equal([e.code, e.stderr], [2, 'trawl merge: SQLite shard outputs merge into a new database: give -o sqlite:FILE\n']);
  e = trawl(['merge', '-o', `sqlite:${path.join(dir, 'm3.db')}`, da, b]);
  assert.equal([e.code, e.stderr], [2, `trawl merge: ${da} is an SQLite database but ${b} is not: merge shard outputs of one kind\n`]);
  assert.is(trawl(['merge', '-o', 'json:x', a]).code, 2);
  // Two shards appended to one database: two shard records, named.
  const twice = db(a);
  assert.is(trawl(['fmt', '-o', `sqlite:${twice}`, b]).code, 0);
  e = trawl(['merge', '--check', twice]);
  assert.equal([e.code, e.stderr], [1, `trawl merge: ${twice}: 2 shard records: give each shard's output as a file of its own\n`]);
});

test.run();
