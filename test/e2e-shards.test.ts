// One scan on four machines: four scanner namespaces, each with its own address, scan shards of
// one seed of one target namespace (started by GNU parallel with the shipped recipe); trawl merge
// gives the ground truth and what one machine finds, and names a missing or doubled shard.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { isRoot, lines, ROOT, sh, sinkRows, TRAWL } from './helpers';
import { testbedUp, testbedDown, testbedName, Testbed } from './testbed';
import { groundTruth, resultsOf, SHARD_PORTS, SHARD_RANGE } from './shard-truth';

const name = testbedName('shd');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-shards-'));
test.after(() => { testbedDown(name); fs.rmSync(dir, { recursive: true, force: true }); });

const SEED = '4242';
const SCAN = `scan ${SHARD_RANGE} -p ${SHARD_PORTS} --seed ${SEED} --rate 5000 --cooldown 1`;
let tb: Testbed | null = null;
const bed = () => (tb ??= testbedUp(name, { ports: [22, 80], drop: ['198.18.3.0/24'], scanners: 4 }));

test('one machine: --shard 1/1 writes its shard record, then the ground truth', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const s = bed().scanners[0];
  const r = sh(`ip netns exec ${s.ns} $TRAWL ${SCAN} --shard 1/1 -i ${s.iface} > ${dir}/single.ndjson`);
  assert.is(r.code, 0, r.stderr);
  const out = resultsOf(fs.readFileSync(`${dir}/single.ndjson`, 'utf8'));
  assert.equal(out.head, { type: 'shard', seed: SEED, plan: out.head.plan, shard: 1, shards: 1, resume_index: 0, targets: 3072, total: 3072 });
  assert.equal(out.results, groundTruth());
  assert.match(r.stderr, /trawl scan: shard 1\/1: 3072 SYNs at \d+ packets\/s; 1 shards at this rate: \d+ packets\/s/);
});

test('four machines by GNU parallel (--shard auto/{##}): merged = ground truth = one machine, record for record', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const t = bed();
  // The shipped one-liner with ":" (this machine) as every host; each job enters the namespace of
  // its shard. Shard 2 runs as nobody with CAP_NET_RAW alone: the capability the recipes grant.
  const caps = 'capsh --keep=1 --user=nobody --inh=cap_net_raw --caps=cap_net_raw+eip --addamb=cap_net_raw --';
  const wrapper = path.join(dir, 'in-ns.sh');
  fs.writeFileSync(wrapper, `#!/bin/bash
ns=(${t.scanners.map((s) => s.ns).join(' ')})
n=\${ns[$((PARALLEL_SEQ - 1))]}
if [ "$PARALLEL_SEQ" = 2 ]; then exec ip netns exec "$n" ${caps} -c 'exec "$0" "$@"' ${process.execPath} ${TRAWL} "$@"; fi
exec ip netns exec "$n" ${process.execPath} ${TRAWL} "$@"
`, { mode: 0o755 });
  const r = sh(`cd ${dir} && TRAWL=${wrapper} sh ${ROOT}/man/examples/trawl-shards-parallel.sh : 4 ${SCAN.replace(/^scan /, '')}`);
  assert.is(r.code, 0, r.stderr);
  for (let k = 1; k <= 4; k++) {
    assert.match(r.stderr, new RegExp(`trawl scan: shard ${k}/4 \\(PARALLEL_SEQ=${k}\\): 768 of 3072 targets`));
    assert.match(r.stderr, new RegExp(`trawl scan: shard ${k}/4: 768 SYNs at \\d+ packets/s; 4 shards at this rate: \\d+ packets/s`));
  }
  const files = [1, 2, 3, 4].map((k) => `${dir}/shard-${k}.ndjson`);
  const m = sh(`$TRAWL merge ${files.join(' ')} > ${dir}/merged.ndjson`);
  assert.is(m.code, 0, m.stderr);
  assert.match(m.stderr, /^trawl merge: merged 4 shards \(4 files\) of scan seed 4242, plan [0-9a-f]{16}: 2304 records\n$/);
  const merged = resultsOf(fs.readFileSync(`${dir}/merged.ndjson`, 'utf8'));
  const single = resultsOf(fs.readFileSync(`${dir}/single.ndjson`, 'utf8'));
  assert.equal(merged.head, single.head, 'the merged shard record is the one-machine run\'s');
  assert.equal(merged.results, groundTruth());
  assert.equal(merged.results, single.results);
  // Each shard found only its own targets: the four shards' results do not overlap.
  const sizes = files.map((f) => resultsOf(fs.readFileSync(f, 'utf8')).results.length);
  assert.is(sizes.reduce((a, b) => a + b), 2304);
});

test('the same four shards as SQLite (fmt -o sqlite): merge -o sqlite gives the rows one machine\'s database has', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const db = (f: string) => { const out = f.replace(/ndjson$/, 'db'); assert.is(sh(`$TRAWL fmt -o sqlite:${out} < ${f}`).code, 0); return out; };
  const shards = [1, 2, 3, 4].map((k) => db(`${dir}/shard-${k}.ndjson`));
  const m = sh(`$TRAWL merge -o sqlite:${dir}/merged.db ${shards.join(' ')}`);
  assert.is(m.code, 0, m.stderr);
  assert.match(m.stderr, /merged 4 shards \(4 files\) of scan seed 4242, plan [0-9a-f]{16}: 2304 records into /);
  // Every row up to order: results by table, address and port (times, source ports and TTLs
  // differ from run to run), the other rows (the shard record) whole; the scans row aside.
  const rows = (f: string) => sinkRows(f).split('\n').filter((l) => l).map((l) => {
    const [table, json] = [l.slice(0, l.indexOf(' ')), JSON.parse(l.slice(l.indexOf(' ') + 1))];
    return json.ip !== undefined ? `${table} ${json.scan_id} ${json.ip}:${json.port}` : l;
  }).sort();
  assert.equal(rows(`${dir}/merged.db`), rows(db(`${dir}/single.ndjson`)));
});

test('merge names a missing shard, a doubled shard and a shard of another scan', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const f = (k: number) => `${dir}/shard-${k}.ndjson`;
  let r = sh(`$TRAWL merge ${f(1)} ${f(2)} ${f(4)}`);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'trawl merge: shard 3 of 4 is missing (given: 1, 2 and 4)\n');
  fs.copyFileSync(f(2), `${dir}/copy-of-2.ndjson`);
  r = sh(`$TRAWL merge ${f(1)} ${f(2)} ${f(3)} ${f(4)} ${dir}/copy-of-2.ndjson`);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr, `trawl merge: shard 2 of 4 is given twice: ${f(2)} and ${dir}/copy-of-2.ndjson\n`);
  r = sh(`$TRAWL merge ${f(1)} ${f(2)} ${f(4)} ${dir}/single.ndjson`);
  assert.is(r.code, 1);
  assert.match(r.stderr, `trawl merge: ${dir}/single.ndjson: shard 1 of 1, but ${f(1)} is shard 1 of 4: one scan has one shard count\n`);
});

test('resume per shard: an interrupted shard and its rest, resumed at the printed index, merge to the ground truth', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  const s = bed().scanners[2];
  const args = (extra: string[]) => ['netns', 'exec', s.ns, process.execPath, TRAWL, ...SCAN.split(' '), '--rate', '200', '-i', s.iface, ...extra];
  const part = spawn('ip', args(['--shard', '3/4']));
  let stdout = '', stderr = '';
  part.stdout.on('data', (d) => { stdout += d; });
  part.stderr.on('data', (d) => { stderr += d; });
  const closed = new Promise<number>((res) => part.on('close', (c) => res(c ?? -1)));
  // Up to 30 s for the first 50 results: on a loaded machine scan alone can take seconds to start.
  for (let k = 0; k < 600 && (stdout.match(/\n/g) ?? []).length < 50 && part.exitCode === null; k++) await new Promise((res) => setTimeout(res, 50));
  part.kill('SIGINT');
  assert.is(await closed, 130, stderr);
  const m = /resume with --resume-index (\d+)/.exec(stderr);
  assert.ok(m, stderr);
  fs.writeFileSync(`${dir}/shard-3a.ndjson`, stdout);
  const rest = spawnSync('ip', args(['--shard', '3/4', '--resume-index', m![1]]), { encoding: 'utf8' });
  assert.is(rest.status, 0, rest.stderr);
  fs.writeFileSync(`${dir}/shard-3b.ndjson`, rest.stdout);
  assert.equal(lines(rest.stdout)[0].resume_index, Number(m![1]));

  const files = [`${dir}/shard-1.ndjson`, `${dir}/shard-2.ndjson`, `${dir}/shard-3b.ndjson`, `${dir}/shard-3a.ndjson`, `${dir}/shard-4.ndjson`];
  const r = sh(`$TRAWL merge ${files.join(' ')}`);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'merged 4 shards (5 files)');
  const got = resultsOf(r.stdout).results;
  // What a SIGINT cuts short is the replies still in flight: at most a few of the targets sent
  // just before the resume index, never a target after it or one of another shard.
  const lost = groundTruth().filter((x) => !got.includes(x));
  assert.equal(got.filter((x) => !groundTruth().includes(x)), []);
  const order = lines(spawnSync(process.execPath, [TRAWL, 'targets', SHARD_RANGE, '-p', SHARD_PORTS, '--seed', SEED, '--shard', '3/4', '-q'],
    { encoding: 'utf8' }).stdout);
  const k = Number(m![1]);
  const justBefore = new Set(order.filter((t: any) => t.i < k).slice(-5).map((t: any) => `${t.ip}:${t.port}`));
  assert.ok(lost.every((x) => justBefore.has(x.split(' ')[1])), `lost ${lost.join(', ')}`);
  // Both parts of shard 3 without the part from its start: merge says so.
  const no = sh(`$TRAWL merge ${dir}/shard-1.ndjson ${dir}/shard-2.ndjson ${dir}/shard-3b.ndjson ${dir}/shard-4.ndjson`);
  assert.is(no.code, 1);
  assert.match(no.stderr, `shard 3 of 4: only parts resumed later (at index ${k}) are given; the part from its start is missing`);
});

test.run();
